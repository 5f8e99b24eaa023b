//! The outbox: what a node asks for after handling one event. Nodes never touch the queue,
//! the network or the ledger themselves; they say what should happen and the simulation
//! carries it out, which is what makes each node testable on its own.

use super::protocol::{FetchedRecord, Msg, Timer};
use crate::sim::{Duration, NodeId, TraceKind};

/// Something the simulation must account for beyond the trace: record fates and log changes
/// that only an omniscient observer can judge (was an acknowledged record lost?).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Accounting {
    /// A leader appended a record at `offset` (for the duplicates and fate ledgers).
    Appended { partition: u32, record_id: u64, offset: u64 },
    /// A leader's retention deleted a record: gone by policy, not lost.
    Expired { record_id: u64 },
    /// The producer created a record for a partition.
    Created { record_id: u64, partition: u32, timestamp_us: u64, payload: crate::workload::Payload },
    /// The producer heard from `broker` that the record is stored (acks=1 or all).
    Acknowledged { record_id: u64, broker: u16 },
    /// The producer gave up on the record (delivery.timeout.ms, or a non-retriable error).
    Failed { record_id: u64 },
    /// acks=0: sent, and the producer will never know what happened to it.
    Unconfirmed { record_id: u64 },
    /// The record's transaction was aborted: it never becomes part of the committed output.
    Aborted { record_id: u64 },
    /// A controller elected a new leader (or none) for a partition, or the new leader took
    /// over (its log may have changed in between).
    LeaderChanged { partition: u32 },
    /// A consumer finished processing offsets `first..=last` of a partition, whose records
    /// were created at `created_us` (their CreateTime): for end-to-end latency.
    Processed { partition: u32, first: u64, last: u64, created_us: Vec<u64> },
}

/// What a node wants done after handling one event. The simulation carries these out, so a
/// node can be unit-tested by calling it and inspecting its outbox.
#[derive(Debug, Default)]
pub struct Outbox {
    pub sends: Vec<(NodeId, Msg)>,
    pub timers: Vec<(Duration, Timer)>,
    pub notes: Vec<(TraceKind, [u64; 3])>,
    pub accounting: Vec<Accounting>,
    /// A consumer's processed batch, for a stream job reading through it.
    pub delivered: Vec<FetchedRecord>,
}

impl Outbox {
    pub fn send(&mut self, to: NodeId, msg: Msg) {
        self.sends.push((to, msg));
    }

    pub fn set_timer(&mut self, after: Duration, timer: Timer) {
        self.timers.push((after, timer));
    }

    pub fn note(&mut self, kind: TraceKind, payload: [u64; 3]) {
        self.notes.push((kind, payload));
    }

    pub fn account(&mut self, item: Accounting) {
        self.accounting.push(item);
    }

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.notes.is_empty() && self.accounting.is_empty()
    }
}
