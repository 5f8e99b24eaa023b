//! The scenario's UPI sections: `workload` (how payments arrive, how often they fail, how
//! much fraud is injected) and the fraud operator's settings. Checked once, here, with
//! errors naming the JSON path, so the generator and the detector can trust every number.

use crate::error::{check_finite_range, check_range, InputError};
use crate::workload::traffic::TrafficSpec;
use crate::workload::Scale;
use serde::{Deserialize, Serialize};

/// UPI's typical day, hour by hour (IST, 0 to 23), as multiples of the day's mean. The shape
/// follows published hourly UPI volume curves (NPCI and PhonePe Pulse commentary): almost
/// nothing between 1 and 5 a.m., a climb from 7, a long daytime plateau and the day's peak
/// between 7 and 9 p.m. when people shop and settle up. Normalised to mean 1 by `Traffic`.
pub const UPI_DAY: [f64; 24] = [
    0.45, 0.25, 0.15, 0.10, 0.10, 0.15, 0.35, 0.60, 0.90, 1.10, 1.25, 1.35, //
    1.40, 1.35, 1.25, 1.20, 1.25, 1.35, 1.50, 1.65, 1.70, 1.50, 1.10, 0.75,
];

/// The `workload` section with `"kind": "upi"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpiSpec {
    /// "class" keeps producer.records_per_s; "real" runs at NPCI's mean rate.
    pub scale: Scale,
    /// The day's shape and its spikes. Without `diurnal` the curve is `UPI_DAY`.
    pub traffic: TrafficSpec,
    /// Share of payments that are fraud (labelled ground truth), 0 to 20 % (default 2). Real
    /// UPI fraud is far rarer (RBI reports a few per million by count); a class needs enough
    /// of it to see the detector work.
    pub fraud_percent: f64,
    /// Business declines (wrong PIN, insufficient balance, limit exceeded), 0 to 50 % of
    /// payments (default 5; NPCI's published business-decline rates have been around 4-7%).
    pub declined_percent: f64,
    /// Technical declines (a bank or the switch failed), 0 to 50 % (default 1; NPCI
    /// publishes per-bank technical decline rates, mostly under 1%).
    pub technical_decline_percent: f64,
    /// Payments with no answer within the timeout (the app shows "pending"), 0 to 50 %
    /// (default 0.5, an assumption: NPCI reports these with technical declines).
    pub timeout_percent: f64,
}

impl Default for UpiSpec {
    fn default() -> Self {
        UpiSpec {
            scale: Scale::Class,
            traffic: TrafficSpec::default(),
            fraud_percent: 2.0,
            declined_percent: 5.0,
            technical_decline_percent: 1.0,
            timeout_percent: 0.5,
        }
    }
}

impl UpiSpec {
    /// Checks every field; `path` is where the section sits ("workload").
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        self.traffic.validate(&format!("{path}.traffic"))?;
        check_finite_range(&format!("{path}.fraud_percent"), self.fraud_percent, 0.0, 20.0, "%")?;
        check_finite_range(&format!("{path}.declined_percent"), self.declined_percent, 0.0, 50.0, "%")?;
        check_finite_range(&format!("{path}.technical_decline_percent"), self.technical_decline_percent, 0.0, 50.0, "%")?;
        check_finite_range(&format!("{path}.timeout_percent"), self.timeout_percent, 0.0, 50.0, "%")
    }

    /// The traffic with UPI's day filled in when the scenario gives no curve.
    pub fn effective_traffic(&self) -> TrafficSpec {
        let mut traffic = self.traffic.clone();
        if traffic.diurnal.is_none() {
            traffic.diurnal = Some(UPI_DAY.to_vec());
        }
        traffic
    }
}


/// The fraud operator: `{"op": "fraud", "threshold": 0.6, "state_ttl_ms": 1800000}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FraudSpec {
    /// A payment whose risk score (0 to 1) reaches this is alerted, 0.05 to 0.99 (default 0.6).
    pub threshold: f64,
    /// A payer's or payee's state is dropped after this long without a payment (event time),
    /// 60,000 to 86,400,000 ms (default 1,800,000: 30 minutes). Flink's state TTL.
    pub state_ttl_ms: u32,
    /// Keys with state at most, per task, 1,000 to 1,000,000 (default 200,000); beyond it
    /// the longest-idle keys are dropped first. A payer's state is about 0.16 KB in memory,
    /// 0.55 KB with a full history, and a checkpoint keeps the version it saw of each state
    /// changed since, so the default keeps a task near 110 MB at most (twice that while
    /// every key changes between two checkpoints): what a
    /// browser tab holds.
    pub state_keys_max: u32,
}

impl Default for FraudSpec {
    fn default() -> Self {
        FraudSpec { threshold: 0.6, state_ttl_ms: 1_800_000, state_keys_max: 200_000 }
    }
}

impl FraudSpec {
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        if !self.threshold.is_finite() {
            return Err(InputError::new(format!("{path}.threshold"), "must be a number between 0.05 and 0.99"));
        }
        check_range(&format!("{path}.threshold"), self.threshold, 0.05, 0.99, "")?;
        check_range(&format!("{path}.state_ttl_ms"), self.state_ttl_ms, 60_000, 86_400_000, "ms")?;
        check_range(&format!("{path}.state_keys_max"), self.state_keys_max, 1_000, 1_000_000, "keys")
    }
}
