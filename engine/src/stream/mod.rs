//! Stream processing, the Flink/Beam way: records carry the time their event happened
//! (event time), which is not the time they reach the processor. Watermarks say how far
//! event time has surely progressed, windows group records by event time, and triggers
//! decide when a window's result (a pane) is emitted: early, on time, or late.
//!
//! The pure semantics live in small state machines (`window`, `trigger`, `windower`,
//! `watermark`, `aggregate`, `join`, `process`) that know nothing of Kafka or the
//! simulation; `job` runs them as parallel tasks reading simulated Kafka partitions, with
//! checkpoints and a delivery guarantee.

pub mod aggregate;
pub mod job;
pub mod join;
pub mod keyed_state;
pub mod process;
pub mod trigger;
pub mod watermark;
pub mod window;
pub mod windower;

/// An instant in event time, in microseconds since the scenario's epoch. Signed: a sliding
/// window can start before zero.
pub type EventTimeUs = i64;

/// The end of time: the watermark that says no more data will ever arrive (Beam's
/// `MAX_TIMESTAMP`, "+inf" in the oracle files). The global window ends here.
pub const END_OF_TIME_US: EventTimeUs = i64::MAX;

/// The beginning of time: the watermark before any input has been seen.
pub const BEGINNING_OF_TIME_US: EventTimeUs = i64::MIN;

/// One record as the stream processor sees it after the source has decoded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct StreamRecord {
    /// Unique per run (the Kafka record's id, or an id derived from it by flat_map).
    pub id: u64,
    /// The grouping key after key_by (the Kafka key by default).
    pub key: u64,
    /// The Kafka record's own key, kept when key_by re-keys: what distinct_approx counts
    /// ("distinct payers per hashtag").
    pub origin_key: u64,
    /// When the event happened.
    pub event_time_us: EventTimeUs,
    /// The number the aggregates work on (an amount in paise, a count, ...).
    pub value: i64,
    /// A small categorical attribute (an event type, a hashtag id, ...).
    pub tag: u32,
    /// The Kafka record's decoded value (a payment, a post, a click), for domain operators.
    pub payload: crate::workload::Payload,
}

/// A combining function, Beam's `CombineFn` / Flink's `AggregateFunction`: an accumulator
/// that absorbs inputs one at a time and merges with another (session windows merge).
pub trait Aggregate: Clone + std::fmt::Debug {
    type Input;
    fn add(&mut self, input: &Self::Input);
    fn merge(&mut self, other: &Self);
    /// Nothing added since creation (or since the last reset).
    fn is_empty(&self) -> bool;
    /// The accumulator's size in bytes, as a state backend would store it (for metrics).
    fn state_bytes(&self) -> usize;
}
