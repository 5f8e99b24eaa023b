//! UPI payments (SKELETON: the seam only; the generator, fraud detector and scoring are
//! filled in by the UPI work).

use crate::error::InputError;
use crate::kafka::keys::KeySpace;
use crate::sim::{SimRng, SimTime};
use crate::stream::job::operator::Output;
use crate::stream::{EventTimeUs, StreamRecord};
use crate::workload::traffic::{Traffic, TrafficSpec};
use crate::workload::{Arrival, Field, Payload, Scale};
use serde::{Deserialize, Serialize};

/// NPCI's UPI volume, about 650 million transactions a day in 2025: 7,523 per second on average.
pub const REAL_RATE_PER_S: u32 = 7_523;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpiSpec {
    pub scale: Scale,
    pub traffic: TrafficSpec,
}

impl UpiSpec {
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        self.traffic.validate(&format!("{path}.traffic"))
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Txn {
    pub payee: u32,
    pub amount_paise: u64,
}

pub struct Generator {
    rng: SimRng,
    traffic: Traffic,
}

impl Generator {
    pub fn new(spec: &UpiSpec, seed: u64, _keys: &KeySpace) -> Generator {
        Generator { rng: SimRng::stream(seed, "workload-upi"), traffic: Traffic::new(&spec.traffic) }
    }
    pub fn next(&mut self, now: SimTime, base_per_s: u32, keys: &KeySpace) -> Arrival {
        let at = self.traffic.next_arrival(&mut self.rng, now, base_per_s);
        let key_id = keys.sample(&mut self.rng);
        let txn = Txn { payee: self.rng.below(1_000) as u32, amount_paise: 100 + self.rng.below(100_000) };
        Arrival { at, key_id, payload: Payload::Upi(txn), value_bytes: 300 }
    }
}

pub fn field(txn: &Txn, field: Field) -> Option<i64> {
    match field {
        Field::AmountPaise => Some(txn.amount_paise as i64),
        Field::Payee => Some(i64::from(txn.payee)),
        _ => None,
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FraudSpec {
    pub threshold: f64,
}

impl FraudSpec {
    pub fn validate(&self, _path: &str) -> Result<(), InputError> {
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FraudAlert {
    pub record_id: u64,
}

#[derive(Clone, Debug)]
pub struct FraudDetector {}

impl FraudDetector {
    pub fn new(_spec: &FraudSpec) -> FraudDetector {
        FraudDetector {}
    }
    pub fn on_record(&mut self, _record: &StreamRecord, _now_us: u64, _out: &mut Vec<Output>) -> bool {
        true
    }
    pub fn on_watermark(&mut self, _watermark_us: EventTimeUs, _now_us: u64, _out: &mut Vec<Output>) {}
    pub fn on_processing_time(&mut self, _now_us: u64, _out: &mut Vec<Output>) {}
    pub fn next_processing_time_us(&self) -> Option<u64> {
        None
    }
    pub fn state_bytes(&self) -> usize {
        0
    }
    pub fn state_keys(&self) -> usize {
        0
    }
}

pub struct Analytics {
    created: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpiView {
    pub created: u64,
}

impl Analytics {
    pub fn new(_spec: &UpiSpec) -> Analytics {
        Analytics { created: 0 }
    }
    pub fn on_created(&mut self, _record_id: u64, _now: SimTime, _payload: &Payload) {
        self.created += 1;
    }
    pub fn on_output(&mut self, _output: &Output, _now: SimTime) {}
    pub fn view(&self, _now: SimTime) -> UpiView {
        UpiView { created: self.created }
    }
}

/// The workload's query (SKELETON).
pub fn query() -> crate::workload::Query {
    crate::workload::Query { title: "count per payee", window_ms: 3_600_000, rows: |_, out| out.push((0, 1)), group_name: |g| g.to_string() }
}
