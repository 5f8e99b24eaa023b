//! How the UPI run looks from outside: the switch's vital signs (payments per second,
//! success and failure rates, latency percentiles) from every payment created, and the
//! fraud job's quality from the alerts that became visible in its sink, scored against the
//! generator's labels. Recall only counts fraud created at least `SETTLE_HORIZON_MS` ago:
//! a payment still in flight through Kafka and the job cannot have been caught yet, and the
//! first payments of an episode are only recognisable once the episode shows (a test
//! payment when its large follow-up comes, up to 30 s later; a mule's first transfers at
//! the fifth payer, up to 24 s later), and alerts become visible at the next checkpoint.

use super::fraud::{FraudAlert, Reason};
use super::population::payee_vpa;
use super::spec::UpiSpec;
use super::{Pattern, Status};
use crate::kafka::keys::vpa;
use crate::sim::SimTime;
use crate::stream::job::operator::{Output, OutputValue};
use crate::workload::traffic::{Traffic, TrafficSpec};
use crate::workload::{DomainOutput, Payload};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Fraud younger than this is not yet counted in recall.
pub const SETTLE_HORIZON_MS: u64 = 45_000;
/// Alerts the page's feed shows.
const FEED_MAX: usize = 20;
/// Fraudulent payments remembered (to score alerts), and alerted payments remembered (to
/// count each once); the oldest go first.
const FRAUD_MAX: usize = 200_000;
const FLAGGED_MAX: usize = 200_000;
/// Alert times kept for the per-minute rate.
const ALERT_TIMES_MAX: usize = 100_000;
/// Latency histogram: 10 ms buckets up to the 30 s timeout.
const LATENCY_BUCKET_MS: u32 = 10;
const LATENCY_BUCKETS: usize = 3_001;
/// Payments per second are averaged over this many whole seconds.
const TPS_SECONDS: u64 = 10;

struct Truth {
    pattern: Pattern,
    flagged: bool,
}

pub struct Analytics {
    traffic: Traffic,
    traffic_spec: TrafficSpec,
    created: u64,
    statuses: [u64; 4],
    per_second: VecDeque<(u64, u64)>,
    latency: Vec<u64>,
    frauds: BTreeMap<u64, Truth>,
    /// Fraud not yet settled, in creation order: (created µs, record id).
    unsettled: VecDeque<(u64, u64)>,
    /// Per pattern: (created, settled, settled and detected).
    per_pattern: [(u64, u64, u64); 6],
    flagged: BTreeSet<u64>,
    flagged_order: VecDeque<u64>,
    true_alerts: u64,
    false_alerts: u64,
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
    /// Alerted payments that were fraud, of all alerted (None before any alert).
    pub precision: Option<f64>,
    /// Settled fraud that was alerted, of all settled fraud (None before any settled).
    pub recall: Option<f64>,
    pub settle_horizon_ms: u64,
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
            per_second: VecDeque::new(),
            latency: vec![0; LATENCY_BUCKETS],
            frauds: BTreeMap::new(),
            unsettled: VecDeque::new(),
            per_pattern: [(0, 0, 0); 6],
            flagged: BTreeSet::new(),
            flagged_order: VecDeque::new(),
            true_alerts: 0,
            false_alerts: 0,
            alert_times: VecDeque::new(),
            feed: VecDeque::new(),
        }
    }

    /// The producer created a payment: the truth side.
    pub fn on_created(&mut self, record_id: u64, now: SimTime, payload: &Payload) {
        let Payload::Upi(txn) = payload else { return };
        self.created += 1;
        self.statuses[txn.status as usize] += 1;
        let second = now.as_us() / 1_000_000;
        match self.per_second.back_mut() {
            Some((s, n)) if *s == second => *n += 1,
            _ => self.per_second.push_back((second, 1)),
        }
        while self.per_second.len() as u64 > TPS_SECONDS + 1 {
            self.per_second.pop_front();
        }
        if txn.status == Status::Success {
            self.latency[((txn.latency_ms / LATENCY_BUCKET_MS) as usize).min(LATENCY_BUCKETS - 1)] += 1;
        }
        if let Some(pattern) = txn.label {
            self.per_pattern[pattern.index()].0 += 1;
            self.frauds.insert(record_id, Truth { pattern, flagged: false });
            self.unsettled.push_back((now.as_us(), record_id));
            while self.frauds.len() > FRAUD_MAX {
                self.frauds.pop_first();
            }
            // Beyond the limit the oldest unsettled fraud is settled early (as it stands).
            if self.unsettled.len() > FRAUD_MAX {
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
        match self.frauds.get_mut(&alert.record_id) {
            Some(truth) => {
                truth.flagged = true;
                self.true_alerts += 1;
            }
            None => self.false_alerts += 1,
        }
        self.alert_times.push_back(now.as_us());
        while self.alert_times.len() > ALERT_TIMES_MAX || self.alert_times.front().is_some_and(|&t| t + 60_000_000 < now.as_us()) {
            self.alert_times.pop_front();
        }
        self.push_feed(alert, now);
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

    fn settle_front(&mut self) {
        let Some((_, id)) = self.unsettled.pop_front() else { return };
        if let Some(truth) = self.frauds.get(&id) {
            let row = &mut self.per_pattern[truth.pattern.index()];
            row.1 += 1;
            row.2 += u64::from(truth.flagged);
        }
    }

    pub fn view(&self, now: SimTime) -> UpiView {
        let rate = |n: u64| if self.created == 0 { 0.0 } else { n as f64 / self.created as f64 };
        let second = now.as_us() / 1_000_000;
        let recent: u64 = self.per_second.iter().filter(|(s, _)| *s < second && *s + TPS_SECONDS >= second).map(|(_, n)| n).sum();
        let (settled, detected) = self.per_pattern.iter().fold((0, 0), |acc, r| (acc.0 + r.1, acc.1 + r.2));
        let alerts = self.true_alerts + self.false_alerts;
        UpiView {
            created: self.created,
            tps: recent as f64 / TPS_SECONDS.min(second).max(1) as f64,
            success_rate: rate(self.statuses[Status::Success as usize]),
            failure_rate: rate(self.statuses[Status::Declined as usize] + self.statuses[Status::TechnicalDecline as usize]),
            timeout_rate: rate(self.statuses[Status::Timeout as usize]),
            latency_p50_ms: self.latency_percentile(0.50),
            latency_p99_ms: self.latency_percentile(0.99),
            alerts,
            alerts_per_min: self.alert_times.iter().filter(|&&t| t + 60_000_000 >= now.as_us()).count() as u64,
            precision: (alerts > 0).then(|| self.true_alerts as f64 / alerts as f64),
            recall: (settled > 0).then(|| detected as f64 / settled as f64),
            settle_horizon_ms: SETTLE_HORIZON_MS,
            fraud_created: self.per_pattern.iter().map(|r| r.0).sum(),
            per_pattern: Pattern::ALL
                .iter()
                .zip(&self.per_pattern)
                .map(|(p, r)| PatternScore { pattern: p.name(), created: r.0, settled: r.1, detected: r.2, recall: (r.1 > 0).then(|| r.2 as f64 / r.1 as f64) })
                .collect(),
            recent_alerts: self.feed.iter().rev().cloned().collect(),
            spike: self.traffic.spike_at(&self.traffic_spec, now).map(str::to_string),
        }
    }

    /// The latency below which `q` of successful payments fall (bucket upper edge).
    fn latency_percentile(&self, q: f64) -> u32 {
        let total: u64 = self.latency.iter().sum();
        if total == 0 {
            return 0;
        }
        let target = libm::ceil(q * total as f64) as u64;
        let mut acc = 0;
        for (i, n) in self.latency.iter().enumerate() {
            acc += n;
            if acc >= target {
                return (i as u32 + 1) * LATENCY_BUCKET_MS;
            }
        }
        LATENCY_BUCKETS as u32 * LATENCY_BUCKET_MS
    }
}
