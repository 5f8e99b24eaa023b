//! The fraud job's keyed operator. Each payment arrives twice (see the `also_key_by`
//! pipeline step): once keyed by its payer, once keyed by its payee, so that one task owns
//! each payer's history and one owns each payee's. From that state it computes features,
//! turns them into a risk score (weighted rules plus a small logistic model, both with
//! hand-set, documented weights, never trained on the labels) and alerts at the threshold.
//! A real system would also block the payment; this job only raises alerts.

use super::features::{Inbound, PayeeState, PayerFeatures, PayerState, Recent, BURST_GAP_US, FAN_IN_WINDOW_US, TEST_AMOUNT_MAX_PAISE, TEST_WINDOW_US, VELOCITY_WINDOW_US};
use super::spec::FraudSpec;
use super::{Category, Txn};
use crate::stream::job::chain::SECOND_KEY_BIT;
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::stream::keyed_state::KeyedState;
use crate::stream::{EventTimeUs, StreamRecord};
use crate::workload::{DomainOutput, Payload};
use serde::Serialize;

/// Why a payment was alerted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// At least 5 transfers to people by the payer within a minute, this one among them.
    Velocity,
    /// ln(amount) at least 2 σ above the payer's running mean, and at least ₹40,000. With
    /// few payments known the variance is wide (one ₹3,000 transfer among ₹200 groceries
    /// doubles it), so 2 σ is already far; the floor keeps ordinary big payments out.
    AmountFarAboveHistory,
    /// At least 300 km from the previous payment at a speed above 1,000 km/h.
    ImpossibleTravel,
    /// A phone the payer never used, for at least ₹10,000.
    NewDeviceHighAmount,
    /// At least ₹10,000 to a payee who got ≤ ₹20 from the payer within the last minute.
    TestThenLarge,
    /// At least 5 different people paid this payee within 2 minutes.
    MuleFanIn,
    /// No single rule, but the logistic model's probability reached the threshold.
    Model,
}

/// Which of the payment's two keyed copies raised the alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Payer,
    Payee,
}

/// An alert, as it reaches the job's alerts topic.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FraudAlert {
    /// The payment's Kafka record id.
    pub record_id: u64,
    pub payer: u32,
    pub payee: u32,
    pub amount_paise: u64,
    /// 0 to 1.
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub role: Role,
    /// An earlier payment flagged once the pattern it belonged to became visible (the first
    /// payments of a burst, the test payment, the first transfers into a mule).
    pub retroactive: bool,
}

/// Rule weights: a rule that fires adds its weight to the rule score (capped at 1). The
/// near-certain signs (impossible travel, a test payment followed by a large one) weigh
/// 0.9; the others 0.7, enough alone to pass the default threshold of 0.6.
const W_VELOCITY: f64 = 0.7;
const W_AMOUNT: f64 = 0.7;
const W_TRAVEL: f64 = 0.9;
const W_DEVICE: f64 = 0.7;
const W_TEST: f64 = 0.9;
const W_FAN_IN: f64 = 0.7;

/// The logistic model over the continuous features: log-odds = −7 + 1.0·max(z, 0) +
/// 0.9·(velocity − 1) + 0.4·ln(1 + transfers in the last minute / ₹10,000) +
/// 2.0·new_device + 0.8·ln(1 + km/100)·[speed ≥ 500 km/h] for a payer, −7 + 0.9·(fan_in − 1)
/// for a payee. An ordinary payment scores about 0.001; several moderate signs together (z 3,
/// a new phone, a second transfer within the minute) reach 0.5.
fn logistic(log_odds: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-log_odds))
}

/// The payer-side score and its reasons.
pub fn score_payer(f: &PayerFeatures) -> (f64, Vec<Reason>) {
    let rules = [
        (f.transfer && f.velocity >= 5, W_VELOCITY, Reason::Velocity),
        (f.amount_z >= 2.0 && f.amount_rupees >= 40_000.0, W_AMOUNT, Reason::AmountFarAboveHistory),
        (f.distance_km >= 300.0 && f.speed_kmh >= 1_000.0, W_TRAVEL, Reason::ImpossibleTravel),
        (f.new_device && f.amount_rupees >= 10_000.0, W_DEVICE, Reason::NewDeviceHighAmount),
        (f.after_test_payment && f.amount_rupees >= 10_000.0, W_TEST, Reason::TestThenLarge),
    ];
    let travel = if f.speed_kmh >= 500.0 { libm::log(1.0 + f.distance_km / 100.0) } else { 0.0 };
    let drained = 0.4 * libm::log(1.0 + f.transfers_rupees / 10_000.0);
    let log_odds = -7.0 + f.amount_z.max(0.0) + 0.9 * f64::from(f.velocity.saturating_sub(1)) + drained + if f.new_device { 2.0 } else { 0.0 } + 0.8 * travel;
    combine(&rules, log_odds)
}

/// The payee-side score: fan-in only.
pub fn score_payee(fan_in: u32) -> (f64, Vec<Reason>) {
    let rules = [(fan_in >= 5, W_FAN_IN, Reason::MuleFanIn)];
    combine(&rules, -7.0 + 0.9 * f64::from(fan_in.saturating_sub(1)))
}

/// Rules and model together: the payment is risky if either says so (1 − (1−r)(1−p)).
fn combine(rules: &[(bool, f64, Reason)], log_odds: f64) -> (f64, Vec<Reason>) {
    let rule: f64 = rules.iter().filter(|r| r.0).map(|r| r.1).sum::<f64>().min(1.0);
    let p = logistic(log_odds);
    let reasons = rules.iter().filter(|r| r.0).map(|r| r.2).collect();
    (1.0 - (1.0 - rule) * (1.0 - p), reasons)
}

/// How often (event time) idle keys are swept.
const SWEEP_EVERY_US: i64 = 10_000_000;

/// The per-key state is copy-on-write (`KeyedState`): a checkpoint, which copies the whole
/// detector, copies pointers, which is what keeps a checkpoint of a million payers cheap.
#[derive(Clone, Debug)]
pub struct FraudDetector {
    threshold: f64,
    ttl_us: i64,
    keys_max: usize,
    /// By payer key id.
    payers: KeyedState<PayerState>,
    /// By payee key id (the record's key without `SECOND_KEY_BIT`).
    payees: KeyedState<PayeeState>,
    /// The sum of every key's `bytes()`, kept up to date as states change: the checkpoint
    /// reads it each time, and walking every key for it cost as much as the records.
    state_bytes: usize,
    last_sweep_us: EventTimeUs,
}

impl FraudDetector {
    pub fn new(spec: &FraudSpec) -> FraudDetector {
        FraudDetector {
            threshold: spec.threshold,
            ttl_us: i64::from(spec.state_ttl_ms) * 1_000,
            keys_max: spec.state_keys_max as usize,
            payers: KeyedState::default(),
            payees: KeyedState::default(),
            state_bytes: 0,
            last_sweep_us: i64::MIN,
        }
    }

    /// Scores one keyed copy of a payment. Never late: a late payment is still judged.
    pub fn on_record(&mut self, record: &StreamRecord, now_us: u64, out: &mut Vec<Output>) -> bool {
        let Payload::Upi(txn) = record.payload else { return true };
        let id = record.id & !SECOND_KEY_BIT;
        if record.key & SECOND_KEY_BIT == 0 {
            self.on_payer(record.key, id, &txn, record.event_time_us, now_us, out);
        } else if txn.category == Category::P2p {
            self.on_payee(record.key, id, &txn, record.event_time_us, now_us, out);
        }
        self.bound_keys();
        true
    }

    fn on_payer(&mut self, key: u64, id: u64, txn: &Txn, event_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        let (state, bytes_before) = self.payers.get_mut(key, PayerState::bytes);
        let features = state.features(txn, event_us);
        let (score, mut reasons) = score_payer(&features);
        let flagged = score >= self.threshold;
        if flagged && reasons.is_empty() {
            reasons.push(Reason::Model);
        }
        if flagged {
            let alert = |r: &Recent, retroactive| FraudAlert { record_id: r.id(), payer: txn.payer, payee: r.payee, amount_paise: r.amount_paise(), score, reasons: reasons.clone(), role: Role::Payer, retroactive };
            // The burst's earlier transfers, and the test payment, were part of the fraud.
            let burst_from = if reasons.contains(&Reason::Velocity) { burst_start(state.recent.iter(), event_us) } else { EventTimeUs::MAX };
            for r in state.recent.iter_mut().filter(|r| !r.flagged()) {
                let in_burst = r.transfer() && r.event_us >= burst_from;
                let test = reasons.contains(&Reason::TestThenLarge) && r.payee == txn.payee && r.amount_paise() <= TEST_AMOUNT_MAX_PAISE && (event_us - r.event_us).abs() <= TEST_WINDOW_US;
                if in_burst || test {
                    r.flag();
                    out.push(output(key, r.event_us, alert(r, true), now_us));
                }
            }
            let this = Recent::new(id, event_us, txn.payee, txn.amount_paise, features.transfer, true);
            out.push(output(key, event_us, alert(&this, false), now_us));
        }
        state.add(id, txn, event_us, flagged);
        self.state_bytes = self.state_bytes - bytes_before + state.bytes();
    }

    fn on_payee(&mut self, key: u64, id: u64, txn: &Txn, event_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        let (state, bytes_before) = self.payees.get_mut(key & !SECOND_KEY_BIT, PayeeState::bytes);
        let (score, mut reasons) = score_payee(state.fan_in(txn.payer, event_us));
        let flagged = score >= self.threshold;
        if flagged && reasons.is_empty() {
            reasons.push(Reason::Model);
        }
        if flagged {
            let alert = |i: &Inbound, retroactive| FraudAlert { record_id: i.id(), payer: i.payer, payee: txn.payee, amount_paise: i.amount_paise(), score, reasons: reasons.clone(), role: Role::Payee, retroactive };
            // The transfers that made the fan-in visible were the mule's too.
            for i in state.inbound.iter_mut().filter(|i| !i.flagged() && (event_us - i.event_us).abs() <= FAN_IN_WINDOW_US) {
                i.flag();
                out.push(output(key, i.event_us, alert(i, true), now_us));
            }
            let this = Inbound::new(id, event_us, txn.payer, txn.amount_paise, true);
            out.push(output(key, event_us, alert(&this, false), now_us));
        }
        state.add(id, txn, event_us, flagged);
        self.state_bytes = self.state_bytes - bytes_before + state.bytes();
    }

    /// Drops keys idle for longer than the TTL (Flink's state TTL, checked on watermarks).
    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, _now_us: u64, _out: &mut Vec<Output>) {
        if watermark_us.saturating_sub(self.last_sweep_us) < SWEEP_EVERY_US {
            return;
        }
        self.last_sweep_us = watermark_us;
        let oldest = watermark_us.saturating_sub(self.ttl_us);
        self.retain_seen(|last_seen_us| last_seen_us >= oldest);
    }

    /// Keeps the keys whose last-seen time passes `keep`.
    fn retain_seen(&mut self, keep: impl Fn(EventTimeUs) -> bool) {
        let bytes = &mut self.state_bytes;
        self.payers.retain(|s| keep(s.last_seen_us) || forget(bytes, s.bytes()));
        self.payees.retain(|s| keep(s.last_seen_us) || forget(bytes, s.bytes()));
    }

    /// Beyond the key limit, the longest-idle eighth of the keys goes (one scan per eighth).
    fn bound_keys(&mut self) {
        if self.payers.len() + self.payees.len() <= self.keys_max {
            return;
        }
        let mut seen: Vec<EventTimeUs> = self.payers.values().map(|s| s.last_seen_us).chain(self.payees.values().map(|s| s.last_seen_us)).collect();
        let cut = seen.len() / 8;
        let (_, &mut cutoff, _) = seen.select_nth_unstable(cut);
        self.retain_seen(|last_seen_us| last_seen_us > cutoff);
    }

    pub fn on_processing_time(&mut self, _now_us: u64, _out: &mut Vec<Output>) {}

    /// The detector runs on event time only: no processing-time timers.
    pub fn next_processing_time_us(&self) -> Option<u64> {
        None
    }

    pub fn state_bytes(&self) -> usize {
        self.state_bytes
    }

    /// `state_bytes` the slow way, for the tests that hold the kept sum to it.
    #[cfg(test)]
    pub fn state_bytes_walked(&self) -> usize {
        self.payers.values().map(|s| s.bytes()).sum::<usize>() + self.payees.values().map(|s| s.bytes()).sum::<usize>()
    }

    pub fn state_keys(&self) -> usize {
        self.payers.len() + self.payees.len()
    }
}

/// Takes a dropped key's size out of the kept sum; false, so `retain` drops it.
fn forget(state_bytes: &mut usize, bytes: usize) -> bool {
    *state_bytes -= bytes;
    false
}

/// When the burst ending at `event_us` began: walking back through the payer's transfers
/// within the velocity window while each follows the previous within `BURST_GAP_US`.
fn burst_start<'a>(recent: impl Iterator<Item = &'a Recent>, event_us: EventTimeUs) -> EventTimeUs {
    let mut times: Vec<EventTimeUs> = recent.filter(|r| r.transfer() && event_us - r.event_us <= VELOCITY_WINDOW_US).map(|r| r.event_us).collect();
    times.sort_unstable();
    let mut start = event_us;
    for &t in times.iter().rev() {
        if start - t > BURST_GAP_US {
            break;
        }
        start = start.min(t);
    }
    start
}

/// An alert as the sink's result: one id per (key, payment), so a replayed alert after a
/// restore is recognised as a duplicate.
fn output(key: u64, event_us: EventTimeUs, alert: FraudAlert, now_us: u64) -> Output {
    let id = OutputId { key, start_us: event_us, end_us: event_us, pane: alert.record_id };
    Output { id, value: OutputValue::Domain(DomainOutput::Fraud(alert)), emitted_at_us: now_us }
}
