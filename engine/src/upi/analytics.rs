//! How the UPI run looks from outside: the switch's vital signs (payments per second,
//! success and failure rates, latency percentiles) from every payment created, and the
//! fraud job's quality from the alerts that became visible in its sink, scored against the
//! generator's labels. Recall only counts fraud created at least `SETTLE_HORIZON_MS` ago:
//! a payment still in flight through Kafka and the job cannot have been caught yet, and the
//! first payments of an episode are only recognisable once the episode shows (a test
//! payment when its large follow-up comes, up to 30 s later; a mule's first transfers at
//! the fifth payer, up to 24 s later), and alerts become visible at the next checkpoint.
//!
//! The horizon only decides *when* a fraud joins recall's denominator, not whether it can
//! still be caught: an alert that comes after its payment settled (a job behind under
//! backpressure, a restore replaying) still counts as detected, and is also counted as
//! `caught_late`, with the alert delays, so the page shows that the alerts came late rather
//! than that they never came. Precision and recall thus score the same alerts.

use super::fraud::{FraudAlert, Reason};
use super::population::payee_vpa;
use super::spec::UpiSpec;
use super::{Pattern, Status};
use crate::kafka::keys::vpa;
use crate::sim::SimTime;
use crate::stream::job::operator::{Output, OutputValue};
use crate::workload::rate::Rate;
use crate::workload::traffic::{Traffic, TrafficSpec};
use crate::workload::{DomainOutput, Payload};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Fraud younger than this is not yet counted in recall.
pub const SETTLE_HORIZON_MS: u64 = 45_000;
/// Alerts the page's feed shows.
const FEED_MAX: usize = 20;
/// Unsettled fraud remembered. Fraud stays unsettled for the horizon, so there are about
/// horizon × fraud rate of them: at real scale (7,523 payments/s) with the evening peak
/// doubled and the most fraud a scenario may inject (20 %), 45 s × 7,523 × 2 × 0.2 ≈
/// 135,000. A faster spike settles the oldest early; that only makes them join recall's
/// denominator sooner, since a later alert on a settled fraud still counts as detected.
const UNSETTLED_MAX: usize = (SETTLE_HORIZON_MS / 1_000) as usize * super::REAL_RATE_PER_S as usize * 2 / 5;
/// Settled fraud remembered, to score alerts that come after their payment settled. Only
/// settled fraud is ever forgotten, oldest first, and it stays in recall's counts; an alert
/// on a payment older than the oldest remembered one cannot be scored and is counted apart.
const SETTLED_MAX: usize = 200_000;
/// Alerted payments remembered (to count each once); the oldest go first.
const FLAGGED_MAX: usize = 200_000;
/// Alert times kept for the per-minute rate.
const ALERT_TIMES_MAX: usize = 100_000;
/// Latency histogram: 10 ms buckets up to the 30 s timeout.
const LATENCY_BUCKET_MS: u32 = 10;
const LATENCY_BUCKETS: usize = 3_001;
/// Payments per second are averaged over this many whole seconds.
const TPS_SECONDS: u64 = 10;
/// Alert delay histogram: 100 ms buckets up to 5 minutes (later ones land in the last).
const DELAY_BUCKET_MS: u64 = 100;
const DELAY_BUCKETS: usize = 3_001;

#[derive(Clone)]
struct Truth {
    pattern: Pattern,
    created_us: u64,
    flagged: bool,
    settled: bool,
}

/// Per fraud pattern, counted as payments are created, settle and are alerted.
#[derive(Clone, Copy, Default)]
struct Counts {
    created: u64,
    settled: u64,
    /// Settled and alerted, whether the alert came before or after it settled.
    detected: u64,
}

#[derive(Clone)]
pub struct Analytics {
    traffic: Traffic,
    traffic_spec: TrafficSpec,
    created: u64,
    statuses: [u64; 4],
    tps: Rate,
    latency: Vec<u64>,
    /// Fraud by record id: every unsettled one, and the last `SETTLED_MAX` settled.
    frauds: BTreeMap<u64, Truth>,
    /// Fraud not yet settled, in creation order: (created µs, record id).
    unsettled: VecDeque<(u64, u64)>,
    /// Settled fraud still in `frauds`, in settling (= creation) order.
    settled: VecDeque<u64>,
    /// Record ids below this were created before the oldest fraud remembered.
    forgotten_below: u64,
    per_pattern: [Counts; 6],
    flagged: BTreeSet<u64>,
    flagged_order: VecDeque<u64>,
    true_alerts: u64,
    false_alerts: u64,
    /// Alerts on payments too old to score (see `SETTLED_MAX`).
    unscored_alerts: u64,
    /// Fraud first alerted after it had settled.
    caught_late: u64,
    /// From a fraud's creation to its first alert becoming visible, and the longest.
    delays: Vec<u64>,
    delay_max_us: u64,
    /// When each distinct alerted payment became visible (µs), last minute.
    alert_times: VecDeque<u64>,
    feed: VecDeque<RecentAlert>,
}

/// One line of the alert feed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecentAlert {
    pub at_ms: u64,
    pub payer_vpa: String,
    pub payee_vpa: String,
    pub amount_rupees: f64,
    pub score: f64,
    pub reasons: Vec<Reason>,
    pub retroactive: bool,
}

/// Recall per fraud pattern.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PatternScore {
    pub pattern: &'static str,
    pub created: u64,
    pub settled: u64,
    pub detected: u64,
    pub recall: Option<f64>,
}

/// What the page and the summary show of a UPI run (field names are a contract with www/).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpiView {
    pub created: u64,
    /// Payments per second over the last 10 s.
    pub tps: f64,
    pub success_rate: f64,
    /// Business and technical declines.
    pub failure_rate: f64,
    pub timeout_rate: f64,
    /// Latency of successful payments, ms (10 ms resolution).
    pub latency_p50_ms: u32,
    pub latency_p99_ms: u32,
    /// Distinct payments alerted, and in the last minute.
    pub alerts: u64,
    pub alerts_per_min: u64,
    /// Alerted payments that were fraud, of the alerted payments that could be scored (all
    /// but `unscored_alerts`), whenever the alert came (None before any alert).
    pub precision: Option<f64>,
    /// Settled fraud that was alerted, of all settled fraud (None before any settled). A
    /// fraud settles `settle_horizon_ms` after it was created; an alert on it counts
    /// whenever it comes, before or after it settled, so recall and precision score the
    /// same alerts. Fraud alerted before it settles joins both counts when it settles.
    pub recall: Option<f64>,
    pub settle_horizon_ms: u64,
    /// Fraud whose first alert became visible only after it had settled: counted in recall,
    /// but caught later than the horizon allows for (a job behind, a long restore).
    pub caught_late: u64,
    /// From a fraud payment's creation to its first alert becoming visible, ms: the median
    /// (100 ms resolution) and the longest (None before any fraud is alerted).
    pub alert_delay_p50_ms: Option<u64>,
    pub alert_delay_max_ms: Option<u64>,
    /// Alerts on payments older than the oldest fraud remembered (more than 200,000 fraud
    /// payments ago), which cannot be told true or false: in `alerts`, not in precision.
    pub unscored_alerts: u64,
    pub fraud_created: u64,
    pub per_pattern: Vec<PatternScore>,
    pub recent_alerts: Vec<RecentAlert>,
    /// The traffic spike in force, if any ("Diwali evening").
    pub spike: Option<String>,
}

impl Analytics {
    pub fn new(spec: &UpiSpec) -> Analytics {
        let traffic_spec = spec.effective_traffic();
        Analytics {
            traffic: Traffic::new(&traffic_spec),
            traffic_spec,
            created: 0,
            statuses: [0; 4],
            tps: Rate::new(TPS_SECONDS),
            latency: vec![0; LATENCY_BUCKETS],
            frauds: BTreeMap::new(),
            unsettled: VecDeque::new(),
            settled: VecDeque::new(),
            forgotten_below: 0,
            per_pattern: [Counts::default(); 6],
            flagged: BTreeSet::new(),
            flagged_order: VecDeque::new(),
            true_alerts: 0,
            false_alerts: 0,
            unscored_alerts: 0,
            caught_late: 0,
            delays: vec![0; DELAY_BUCKETS],
            delay_max_us: 0,
            alert_times: VecDeque::new(),
            feed: VecDeque::new(),
        }
    }

    /// The producer created a payment: the truth side.
    pub fn on_created(&mut self, record_id: u64, now: SimTime, payload: &Payload) {
        let Payload::Upi(txn) = payload else { return };
        self.created += 1;
        self.statuses[txn.status as usize] += 1;
        self.tps.add(now);
        if txn.status == Status::Success {
            self.latency[((txn.latency_ms / LATENCY_BUCKET_MS) as usize).min(LATENCY_BUCKETS - 1)] += 1;
        }
        if let Some(pattern) = txn.label {
            self.per_pattern[pattern.index()].created += 1;
            self.frauds.insert(record_id, Truth { pattern, created_us: now.as_us(), flagged: false, settled: false });
            self.unsettled.push_back((now.as_us(), record_id));
            // Beyond the limit the oldest unsettled fraud settles early (as it stands); it
            // is not forgotten, so a later alert still finds it.
            if self.unsettled.len() > UNSETTLED_MAX {
                self.settle_front();
            }
        }
        self.settle(now);
    }

    /// A result of the fraud job became visible downstream.
    pub fn on_output(&mut self, output: &Output, now: SimTime) {
        let OutputValue::Domain(DomainOutput::Fraud(alert)) = &output.value else { return };
        self.settle(now);
        if !self.flagged.insert(alert.record_id) {
            return; // the payment's other role, or a duplicate after a restore
        }
        self.flagged_order.push_back(alert.record_id);
        if self.flagged_order.len() > FLAGGED_MAX {
            let oldest = self.flagged_order.pop_front().expect("non-empty");
            self.flagged.remove(&oldest);
        }
        self.score(alert.record_id, now);
        self.alert_times.push_back(now.as_us());
        while self.alert_times.len() > ALERT_TIMES_MAX || self.alert_times.front().is_some_and(|&t| t + 60_000_000 < now.as_us()) {
            self.alert_times.pop_front();
        }
        self.push_feed(alert, now);
    }

    /// Scores an alert on a payment seen for the first time: a fraud (detected, late if it
    /// had settled), a genuine payment, or one too old to tell.
    fn score(&mut self, record_id: u64, now: SimTime) {
        let Some(truth) = self.frauds.get_mut(&record_id) else {
            if record_id < self.forgotten_below {
                self.unscored_alerts += 1;
            } else {
                self.false_alerts += 1;
            }
            return;
        };
        if truth.flagged {
            return; // alerted before, and forgotten by the bounded `flagged` set since
        }
        truth.flagged = true;
        self.true_alerts += 1;
        if truth.settled {
            // Settled as missed; the alert came late but it came: recall's numerator grows.
            self.per_pattern[truth.pattern.index()].detected += 1;
            self.caught_late += 1;
        }
        let delay_us = now.as_us().saturating_sub(truth.created_us);
        self.delay_max_us = self.delay_max_us.max(delay_us);
        self.delays[((delay_us / 1_000 / DELAY_BUCKET_MS) as usize).min(DELAY_BUCKETS - 1)] += 1;
    }

    fn push_feed(&mut self, alert: &FraudAlert, now: SimTime) {
        if self.feed.len() == FEED_MAX {
            self.feed.pop_front();
        }
        self.feed.push_back(RecentAlert {
            at_ms: now.as_us() / 1_000,
            payer_vpa: vpa(alert.payer),
            payee_vpa: payee_vpa(alert.payee),
            amount_rupees: alert.amount_paise as f64 / 100.0,
            score: alert.score,
            reasons: alert.reasons.clone(),
            retroactive: alert.retroactive,
        });
    }

    /// Fraud created at least the horizon ago is settled: caught or missed for good.
    fn settle(&mut self, now: SimTime) {
        let horizon_us = SETTLE_HORIZON_MS * 1_000;
        while self.unsettled.front().is_some_and(|&(created_us, _)| created_us + horizon_us <= now.as_us()) {
            self.settle_front();
        }
    }

    /// Settles the oldest unsettled fraud, and forgets the oldest settled beyond the bound.
    fn settle_front(&mut self) {
        let Some((_, id)) = self.unsettled.pop_front() else { return };
        let Some(truth) = self.frauds.get_mut(&id) else { return };
        truth.settled = true;
        let row = &mut self.per_pattern[truth.pattern.index()];
        row.settled += 1;
        row.detected += u64::from(truth.flagged);
        self.settled.push_back(id);
        while self.settled.len() > SETTLED_MAX {
            let oldest = self.settled.pop_front().expect("non-empty");
            self.frauds.remove(&oldest);
            // Settling goes in creation order, so every id below is settled and forgotten.
            self.forgotten_below = self.forgotten_below.max(oldest + 1);
        }
    }

    pub fn view(&self, now: SimTime) -> UpiView {
        let rate = |n: u64| if self.created == 0 { 0.0 } else { n as f64 / self.created as f64 };
        let (settled, detected) = self.per_pattern.iter().fold((0, 0), |acc, r| (acc.0 + r.settled, acc.1 + r.detected));
        let scored = self.true_alerts + self.false_alerts;
        UpiView {
            created: self.created,
            tps: self.tps.per_s(now),
            success_rate: rate(self.statuses[Status::Success as usize]),
            failure_rate: rate(self.statuses[Status::Declined as usize] + self.statuses[Status::TechnicalDecline as usize]),
            timeout_rate: rate(self.statuses[Status::Timeout as usize]),
            latency_p50_ms: self.latency_percentile(0.50),
            latency_p99_ms: self.latency_percentile(0.99),
            alerts: scored + self.unscored_alerts,
            alerts_per_min: self.alert_times.iter().filter(|&&t| t + 60_000_000 >= now.as_us()).count() as u64,
            precision: (scored > 0).then(|| self.true_alerts as f64 / scored as f64),
            recall: (settled > 0).then(|| detected as f64 / settled as f64),
            settle_horizon_ms: SETTLE_HORIZON_MS,
            caught_late: self.caught_late,
            alert_delay_p50_ms: (self.true_alerts > 0).then(|| percentile(&self.delays, 0.5) * DELAY_BUCKET_MS),
            alert_delay_max_ms: (self.true_alerts > 0).then_some(self.delay_max_us / 1_000),
            unscored_alerts: self.unscored_alerts,
            fraud_created: self.per_pattern.iter().map(|r| r.created).sum(),
            per_pattern: Pattern::ALL
                .iter()
                .zip(&self.per_pattern)
                .map(|(p, r)| PatternScore { pattern: p.name(), created: r.created, settled: r.settled, detected: r.detected, recall: (r.settled > 0).then(|| r.detected as f64 / r.settled as f64) })
                .collect(),
            recent_alerts: self.feed.iter().rev().cloned().collect(),
            spike: self.traffic.spike_at(&self.traffic_spec, now).map(str::to_string),
        }
    }

    /// The latency below which `q` of successful payments fall (bucket upper edge).
    fn latency_percentile(&self, q: f64) -> u32 {
        percentile(&self.latency, q) as u32 * LATENCY_BUCKET_MS
    }
}

/// The number of buckets (of a histogram) below whose upper edge `q` of the counts fall;
/// 0 for an empty histogram.
fn percentile(buckets: &[u64], q: f64) -> u64 {
    let total: u64 = buckets.iter().sum();
    if total == 0 {
        return 0;
    }
    let target = libm::ceil(q * total as f64) as u64;
    let mut acc = 0;
    for (i, n) in buckets.iter().enumerate() {
        acc += n;
        if acc >= target {
            return i as u64 + 1;
        }
    }
    buckets.len() as u64
}
