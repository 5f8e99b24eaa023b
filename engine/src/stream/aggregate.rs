//! An aggregate folds a window's records into one small accumulator (Beam's `CombineFn`):
//! add one record at a time, merge two accumulators when windows merge or partial results
//! meet, and read the answer only when the pane is emitted. Keeping the accumulator small
//! (a sum and a count, not the records) is what lets a window hold a day of data.

mod hll;
mod top_k;

pub use hll::{hash64, HyperLogLog, PRECISION_MAX, PRECISION_MIN};
pub use top_k::{TagCount, TopK, TOP_K_TAGS_MAX};

use super::{Aggregate, StreamRecord};
use crate::error::{check_range, InputError};

/// The largest k a top-k may ask for: the page lists them all.
pub const TOP_K_MAX: usize = 100;
/// Distinct-approx precision when a scenario omits it: 4,096 registers, about 1.6 % error.
pub const PRECISION_DEFAULT: u8 = 12;

fn precision_default() -> u8 {
    PRECISION_DEFAULT
}

/// Which aggregate a window computes, as a scenario spells it: `"count"`, `{"top_k": 5}`,
/// `{"distinct_approx": {"precision": 12}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AggregateKind {
    Count,
    /// Sum of `value`.
    Sum,
    Min,
    Max,
    Average,
    /// The k most frequent `tag`s.
    TopK(usize),
    /// Distinct `key`s, estimated by HyperLogLog with 2^precision registers.
    DistinctApprox {
        #[serde(default = "precision_default")]
        precision: u8,
    },
}

impl AggregateKind {
    pub fn validate(&self) -> Result<(), InputError> {
        match *self {
            AggregateKind::TopK(k) => check_range("top_k", k, 1, TOP_K_MAX, ""),
            AggregateKind::DistinctApprox { precision } => {
                check_range("distinct_approx.precision", precision, PRECISION_MIN, PRECISION_MAX, "")
            }
            _ => Ok(()),
        }
    }
}

/// The accumulator for one window (and one key). Built only from a validated kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Accumulator {
    Count(u64),
    /// i128: a sum of i64 values cannot overflow it, so merge order never changes the
    /// result. The count tells an empty window from one whose values cancel out.
    Sum { sum: i128, count: u64 },
    Min(Option<i64>),
    Max(Option<i64>),
    Average { sum: i128, count: u64 },
    TopK(TopK),
    DistinctApprox(HyperLogLog),
}

/// What a pane shows: the finished value of an accumulator.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AggregateOutput {
    Count { count: u64 },
    /// Saturated to i64 for display; the accumulator itself is exact.
    Sum { sum: i64 },
    /// `None` for an empty window.
    Min { min: Option<i64> },
    Max { max: Option<i64> },
    Average { mean: Option<f64>, count: u64 },
    /// Counts may be low by up to `error_max_count` once the tags outgrew exact counting.
    TopK { top: Vec<TagCount>, error_max_count: u64 },
    DistinctApprox { estimate: u64, relative_error: f64 },
}

fn saturate(sum: i128) -> i64 {
    sum.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

impl Accumulator {
    pub fn new(kind: &AggregateKind) -> Self {
        match *kind {
            AggregateKind::Count => Accumulator::Count(0),
            AggregateKind::Sum => Accumulator::Sum { sum: 0, count: 0 },
            AggregateKind::Min => Accumulator::Min(None),
            AggregateKind::Max => Accumulator::Max(None),
            AggregateKind::Average => Accumulator::Average { sum: 0, count: 0 },
            AggregateKind::TopK(k) => Accumulator::TopK(TopK::new(k)),
            AggregateKind::DistinctApprox { precision } => Accumulator::DistinctApprox(HyperLogLog::new(precision)),
        }
    }

    pub fn output(&self) -> AggregateOutput {
        match self {
            Accumulator::Count(count) => AggregateOutput::Count { count: *count },
            Accumulator::Sum { sum, .. } => AggregateOutput::Sum { sum: saturate(*sum) },
            Accumulator::Min(min) => AggregateOutput::Min { min: *min },
            Accumulator::Max(max) => AggregateOutput::Max { max: *max },
            Accumulator::Average { sum, count } => {
                // f64 only here, at the edge: the accumulator stays exact and mergeable.
                let mean = (*count > 0).then(|| *sum as f64 / *count as f64);
                AggregateOutput::Average { mean, count: *count }
            }
            Accumulator::TopK(top) => AggregateOutput::TopK { top: top.top(), error_max_count: top.error_max_count() },
            Accumulator::DistinctApprox(sketch) => AggregateOutput::DistinctApprox {
                estimate: libm::round(sketch.estimate()) as u64,
                relative_error: sketch.relative_error(),
            },
        }
    }
}

fn keep(current: &mut Option<i64>, candidate: Option<i64>, better: fn(i64, i64) -> i64) {
    if let Some(c) = candidate {
        *current = Some(current.map_or(c, |v| better(v, c)));
    }
}

impl Aggregate for Accumulator {
    type Input = StreamRecord;

    fn add(&mut self, record: &StreamRecord) {
        match self {
            Accumulator::Count(count) => *count += 1,
            Accumulator::Min(min) => keep(min, Some(record.value), i64::min),
            Accumulator::Max(max) => keep(max, Some(record.value), i64::max),
            Accumulator::Sum { sum, count } | Accumulator::Average { sum, count } => {
                *sum += record.value as i128;
                *count += 1;
            }
            Accumulator::TopK(top) => top.add(record.tag),
            Accumulator::DistinctApprox(sketch) => sketch.add(record.origin_key),
        }
    }

    /// Merging accumulators of different kinds is a bug in the caller (one window, one kind).
    fn merge(&mut self, other: &Self) {
        match (self, other) {
            (Accumulator::Count(a), Accumulator::Count(b)) => *a += b,
            (Accumulator::Sum { sum, count }, Accumulator::Sum { sum: s, count: c }) => {
                *sum += s;
                *count += c;
            }
            (Accumulator::Min(a), Accumulator::Min(b)) => keep(a, *b, i64::min),
            (Accumulator::Max(a), Accumulator::Max(b)) => keep(a, *b, i64::max),
            (Accumulator::Average { sum, count }, Accumulator::Average { sum: s, count: c }) => {
                *sum += s;
                *count += c;
            }
            (Accumulator::TopK(a), Accumulator::TopK(b)) => a.merge(b),
            (Accumulator::DistinctApprox(a), Accumulator::DistinctApprox(b)) => a.merge(b),
            (a, b) => panic!("merging accumulators of different kinds: {a:?} and {b:?}"),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Accumulator::Count(count) => *count == 0,
            Accumulator::Sum { count, .. } | Accumulator::Average { count, .. } => *count == 0,
            Accumulator::Min(v) | Accumulator::Max(v) => v.is_none(),
            Accumulator::TopK(top) => top.is_empty(),
            Accumulator::DistinctApprox(sketch) => sketch.is_empty(),
        }
    }

    /// As a compact binary state backend would store it: fixed-width numbers, a presence
    /// byte for options, registers one byte each.
    fn state_bytes(&self) -> usize {
        match self {
            Accumulator::Count(_) => 8,
            Accumulator::Min(_) | Accumulator::Max(_) => 9,
            Accumulator::Sum { .. } | Accumulator::Average { .. } => 24,
            Accumulator::TopK(top) => top.state_bytes(),
            Accumulator::DistinctApprox(sketch) => sketch.state_bytes(),
        }
    }
}

#[cfg(test)]
mod tests;
