//! UPI payments: India's real-time payment rail, where a payer's app sends "pay ₹450 from
//! priya.17@ybl to a grocer" through NPCI's switch to two banks and gets an answer in a
//! second or two. This domain generates such payments (with the day's rhythm, failures and
//! injected fraud whose labels are ground truth), runs a fraud detector as a keyed stream
//! operator, and scores what the detector's visible alerts caught against the truth.

mod analytics;
#[cfg(test)]
mod analytics_tests;
mod features;
mod fraud;
mod generator;
mod patterns;
pub mod population;
mod spec;
#[cfg(test)]
mod tests;

pub use analytics::{Analytics, PatternScore, RecentAlert, UpiView};
pub use features::{PayeeState, PayerState, Welford};
pub use fraud::{FraudAlert, FraudDetector, Reason, Role};
pub use generator::Generator;
pub use population::{Category, Population};
pub use spec::{FraudSpec, UpiSpec, UPI_DAY};

use crate::workload::{Field, Payload, Query};
use serde::Serialize;

/// NPCI's UPI volume, about 650 million transactions a day in 2025: 7,523 per second on average.
pub const REAL_RATE_PER_S: u32 = 7_523;

/// How a payment ended. `Success` is 0, so a filter on `status` in [0, 0] keeps successes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Success,
    /// A business decline: wrong PIN, insufficient balance, a limit.
    Declined,
    /// A technical decline: a bank or the switch failed.
    TechnicalDecline,
    /// No answer in time; the app shows "pending".
    Timeout,
}

/// The kinds of fraud the generator injects, each a multi-payment episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// A taken-over account drained by many quick payments to different people.
    Velocity,
    /// One payment far above anything the payer usually pays.
    AmountSpike,
    /// A payment from a city the payer cannot have reached since their last one.
    ImpossibleTravel,
    /// Large payments from a phone the payer has never used.
    NewDevice,
    /// Many people paying one account in minutes: a money mule collecting scam proceeds.
    Mule,
    /// A ₹1–₹10 "test" payment, then a large one to the same payee within a minute.
    TestThenLarge,
}

impl Pattern {
    pub const ALL: [Pattern; 6] = [Pattern::Velocity, Pattern::AmountSpike, Pattern::ImpossibleTravel, Pattern::NewDevice, Pattern::Mule, Pattern::TestThenLarge];

    pub fn name(self) -> &'static str {
        match self {
            Pattern::Velocity => "velocity",
            Pattern::AmountSpike => "amount_spike",
            Pattern::ImpossibleTravel => "impossible_travel",
            Pattern::NewDevice => "new_device",
            Pattern::Mule => "mule",
            Pattern::TestThenLarge => "test_then_large",
        }
    }

    pub fn index(self) -> usize {
        Pattern::ALL.iter().position(|&p| p == self).expect("listed")
    }
}

/// One UPI payment, as its JSON would say it (a few hundred bytes on the wire), decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Txn {
    /// The payer: the Kafka key's id (their VPA is `kafka::keys::vpa(payer)`).
    pub payer: u32,
    /// A person's key id (P2P) or a merchant at or above `population::MERCHANT_BASE` (P2M).
    pub payee: u32,
    /// ₹1 is 100 paise; at most UPI's ₹1 lakh limit.
    pub amount_paise: u64,
    pub category: Category,
    pub status: Status,
    /// The payer's bank, an index into `population::BANKS`.
    pub bank: u8,
    /// The payer's app, an index into `population::APPS`.
    pub app: u8,
    /// Where the payer is, an index into `population::CITIES`.
    pub city: u8,
    /// The phone's device id.
    pub device: u32,
    /// From Pay to the final answer, ms.
    pub latency_ms: u32,
    /// GROUND TRUTH: which fraud this payment belongs to, `None` if genuine. The fraud job
    /// never reads it (a test scrubs it and checks the job decides the same); only the
    /// analytics use it to score the job.
    pub label: Option<Pattern>,
}

/// The payment's `field` as a number, for a pipeline's extract step.
pub fn field(txn: &Txn, field: Field) -> Option<i64> {
    Some(match field {
        Field::AmountPaise => txn.amount_paise as i64,
        Field::AmountRupees => (txn.amount_paise / 100) as i64,
        Field::Bank => i64::from(txn.bank),
        Field::App => i64::from(txn.app),
        Field::Payee => i64::from(txn.payee),
        Field::Status => txn.status as i64,
        Field::Category => txn.category.index() as i64,
        Field::City => i64::from(txn.city),
        _ => return None,
    })
}

/// The workload's query for the architectures lesson: the amount of successful payments,
/// in whole rupees, per payer bank per hour of event time.
pub fn query() -> Query {
    Query { title: "UPI amount (₹, successful payments) per payer bank per hour", window_ms: 3_600_000, rows: bank_rows, group_name: bank_name }
}

fn bank_rows(payload: &Payload, out: &mut Vec<(u32, i64)>) {
    if let Payload::Upi(txn) = payload {
        if txn.status == Status::Success {
            out.push((u32::from(txn.bank), (txn.amount_paise / 100) as i64));
        }
    }
}

fn bank_name(group: u32) -> String {
    population::BANKS.get(group as usize).map_or_else(|| format!("bank {group}"), |b| b.0.to_string())
}
