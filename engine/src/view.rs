//! Views: plain structs made for drawing, separate from the simulation's state. Their field
//! names are a contract with the JS shell (`www/main.js`) and the Rust drawing code
//! (`src/draw/`): rename a field here and you must rename it there too.

use serde::Serialize;

/// 1234567 → "1,234,567": numbers on a projected screen (and in the CLI's progress line)
/// must be readable at a glance.
pub fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Everything the page draws in one frame.
#[derive(Clone, Debug, Serialize)]
pub struct Snapshot {
    pub scenario: String,
    pub title: String,
    /// Decimal string: a u64 does not survive a trip through a JS number.
    pub seed: String,
    pub now_us: u64,
    pub events: u64,
    pub trace_hash: String,
    pub producer: ProducerView,
    pub brokers: Vec<BrokerView>,
    pub topic: TopicView,
    pub group: GroupView,
    pub consumers: Vec<ConsumerView>,
    pub fates: crate::kafka::fates::FateCounts,
    /// Messages on the wire right now, at most `IN_FLIGHT_VIEW_MAX`.
    pub in_flight: Vec<InFlightView>,
    /// All messages on the wire, including those not listed.
    pub in_flight_total: u32,
    /// The stream job, when the scenario has one.
    pub stream: Option<crate::stream::job::JobView>,
    /// The domain workload's analytics (alerts and precision/recall, trends, the funnel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::workload::WorkloadView>,
    /// Lambda, Kappa and CQRS side by side, when the scenario has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architectures: Option<crate::arch::compare::ArchView>,
}

pub const IN_FLIGHT_VIEW_MAX: usize = 400;

#[derive(Clone, Debug, Serialize)]
pub struct ProducerView {
    pub node: String,
    pub rate_records_per_s: u32,
    /// "0", "1" or "all".
    pub acks: String,
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    pub retries: u64,
    /// "none" for a producer without transactional.id; else "initializing", "ready",
    /// "in_transaction", "committing" or "aborting".
    pub transaction_state: String,
    pub transactions_committed: u64,
    pub transactions_aborted: u64,
    /// Produce requests sent (one batch each here), retries included: records per request
    /// is what batch.size and linger.ms buy.
    pub requests_sent: u64,
    /// Their bytes on the wire (record batch format v2, after compression).
    pub wire_bytes_sent: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct BrokerView {
    pub node: String,
    pub rack: String,
    pub up: bool,
    /// The controller stopped hearing from it and moved its leadership away.
    pub fenced: bool,
    /// Partitions it leads.
    pub leader_of: Vec<u32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TopicView {
    pub name: String,
    pub replication_factor: u16,
    pub min_insync_replicas: u32,
    pub partitions: Vec<PartitionView>,
    /// Partitions whose ISR is smaller than their replica set.
    pub under_replicated: u32,
    /// Partitions with no leader.
    pub offline: u32,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartitionView {
    pub partition: u32,
    /// The leader's broker id; None when the partition is offline.
    pub leader: Option<u16>,
    pub leader_epoch: u32,
    pub replicas: Vec<u16>,
    pub isr: Vec<u16>,
    /// Per replica (same order as `replicas`): its log end offset.
    pub replica_log_end_offsets: Vec<u64>,
    pub log_start_offset: u64,
    /// The leader's log end offset (or the best replica's when offline).
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// The leader's last stable offset: read_committed consumers read below it.
    pub last_stable_offset: u64,
    /// The group's committed offset: where a restarted consumer resumes.
    pub committed_offset: u64,
    /// The member that owns it, by node name, per the latest completed assignment.
    pub owner: Option<String>,
    /// The owner's fetch position (ahead of the commit while records are in hand).
    pub consumer_position: Option<u64>,
    /// High watermark minus committed offset, as `kafka-consumer-groups.sh` reports it.
    pub lag_records: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupView {
    /// empty, preparing_rebalance, completing_rebalance or stable.
    pub state: String,
    pub generation: i32,
    /// partition.assignment.strategy.
    pub assignor: String,
    pub rebalances: u64,
    /// Total time spent rebalancing so far, in simulated ms.
    pub rebalancing_ms: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConsumerView {
    pub node: String,
    /// joining, fetching, processing or crashed.
    pub state: String,
    pub rate_records_per_s: u32,
    pub processed: u64,
    pub batch_records: u32,
    /// Partitions it owns now.
    pub assigned: Vec<u32>,
    /// Lag summed over the partitions it owns.
    pub lag_records: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct InFlightView {
    pub from: String,
    pub to: String,
    /// The Kafka request or response name, e.g. `produce`, `fetch_response`.
    pub kind: &'static str,
    /// The partition a produce or replica fetch is about, or a fetch response's first.
    pub partition: Option<u32>,
    /// Records carried.
    pub records: u32,
    /// 0 when sent, 1 on arrival.
    pub progress: f64,
}

/// The headline numbers of a run: what `dhara run` prints and `Lab.advance` returns.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Summary {
    pub scenario: String,
    /// Decimal string, as in `Snapshot`: JSON readers in JS (and jq) round numbers above 2^53.
    pub seed: String,
    pub simulated_us: u64,
    pub events: u64,
    pub produced: u64,
    pub acked: u64,
    /// Records the producer gave up on (delivery.timeout.ms ran out).
    pub failed: u64,
    /// Acknowledged records that the current leaders do not have: acknowledged, then lost.
    pub acked_lost: u64,
    pub consumed: u64,
    pub duplicates: u64,
    pub lag_records: u64,
    pub trace_hash: String,
    /// The stream job's headline numbers, when the scenario has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<StreamSummary>,
    /// The domain workload's analytics, when the scenario has a workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::workload::WorkloadView>,
    /// Lambda, Kappa and CQRS side by side, when the scenario has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architectures: Option<crate::arch::compare::ArchView>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct StreamSummary {
    /// Results a read_committed reader has seen.
    pub results: u64,
    /// Of those, results seen before (same key, window and pane).
    pub duplicates: u64,
    /// Results thrown away with aborted transactions (exactly-once).
    pub aborted: u64,
    pub late_dropped: u64,
    pub checkpoints: u64,
    pub restarts: u32,
}
