//! The requests and responses that cross the simulated network, and the timers nodes set.
//! Names follow the Kafka protocol (Produce, Fetch, OffsetCommit, OffsetFetch) so what a
//! student sees here maps onto the real wire protocol.

use super::log::Record;
use crate::sim::{Duration, NodeId, TraceKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedRecord {
    pub partition: u32,
    pub offset: u64,
    pub record: Record,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Producer → broker: append one record to a partition (acks=all on a single broker).
    Produce { partition: u32, record: Record },
    /// Broker → producer: the record is stored at `offset`.
    ProduceAck { partition: u32, offset: u64 },
    /// Consumer → broker: records from these positions (one per partition), at most
    /// `max_records`; the broker may hold the request up to `max_wait_us` if none are ready.
    Fetch { fetch_id: u64, positions: Vec<u64>, max_records: u32, max_wait_us: u64 },
    FetchResponse { fetch_id: u64, records: Vec<FetchedRecord> },
    /// Consumer → broker: the group has processed everything before these offsets.
    OffsetCommit { offsets: Vec<u64> },
    /// Consumer → broker: where should I resume? (sent on start and after a restart)
    OffsetFetch,
    OffsetFetchResponse { offsets: Vec<u64> },
}

impl Msg {
    /// A short name for drawing and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Msg::Produce { .. } => "produce",
            Msg::ProduceAck { .. } => "produce_ack",
            Msg::Fetch { .. } => "fetch",
            Msg::FetchResponse { .. } => "fetch_response",
            Msg::OffsetCommit { .. } => "offset_commit",
            Msg::OffsetFetch => "offset_fetch",
            Msg::OffsetFetchResponse { .. } => "offset_fetch_response",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The producer's next record is due.
    ProducerSend,
    /// A parked fetch has waited `fetch.max.wait.ms`; answer it even if empty.
    FetchWaitExpired { fetch_id: u64 },
    /// The consumer finished processing batch `batch_id`.
    BatchProcessed { batch_id: u64 },
}

/// What a node wants done after handling one event. The simulation carries these out, so a
/// node can be unit-tested by calling it and inspecting its outbox.
#[derive(Debug, Default)]
pub struct Outbox {
    pub sends: Vec<(NodeId, Msg)>,
    pub timers: Vec<(Duration, Timer)>,
    pub notes: Vec<(TraceKind, [u64; 3])>,
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

    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.timers.is_empty() && self.notes.is_empty()
    }
}
