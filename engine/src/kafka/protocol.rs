//! The requests and responses that cross the simulated network, and the timers nodes set.
//! Names follow the Kafka protocol (Produce, Fetch, OffsetCommit, BrokerHeartbeat,
//! AlterPartition) so what a student sees here maps onto the real wire protocol.

use super::log::{ProducerStamp, Record, Run};
use serde::{Deserialize, Serialize};

// Outboxes and ledger items travel with the protocol; they live in their own module.
pub use super::outbox::{Accounting, Outbox};

/// How many replicas must have a record before the producer hears "done" (`acks`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Acks {
    /// Fire and forget: no response at all.
    #[serde(rename = "0")]
    None,
    /// The leader wrote it to its own log.
    #[serde(rename = "1")]
    Leader,
    /// Every in-sync replica has it (the high watermark passed it). Kafka's default since 3.0.
    #[serde(rename = "all")]
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProduceError {
    /// The broker does not lead this partition (any more).
    NotLeaderOrFollower,
    /// acks=all, and the ISR is smaller than min.insync.replicas: nothing was written.
    NotEnoughReplicas,
    /// acks=all: written, but the ISR shrank below min.insync.replicas before it committed.
    NotEnoughReplicasAfterAppend,
    /// Idempotence: the batch's sequence does not follow the last one this leader appended
    /// for the producer (an earlier batch is missing). Nothing was written.
    OutOfOrderSequenceNumber,
    /// Idempotence: the batch carries an older producer epoch than one already appended.
    InvalidProducerEpoch,
}

impl ProduceError {
    /// The Kafka protocol's error code, for the trace.
    pub fn code(self) -> u64 {
        match self {
            ProduceError::NotLeaderOrFollower => 6,
            ProduceError::NotEnoughReplicas => 19,
            ProduceError::NotEnoughReplicasAfterAppend => 20,
            ProduceError::OutOfOrderSequenceNumber => 45,
            ProduceError::InvalidProducerEpoch => 47,
        }
    }

    /// Whether the producer tries the batch again. An idempotent producer retries every
    /// OUT_OF_ORDER_SEQUENCE_NUMBER (since Kafka 2.5, KIP-360); a fenced epoch is final.
    pub fn is_retriable(self) -> bool {
        self != ProduceError::InvalidProducerEpoch
    }
}

/// Kafka's REQUEST_TIMED_OUT: what every request on a connection gets when one of them
/// passes request.timeout.ms and the client closes that connection.
pub const REQUEST_TIMED_OUT: u64 = 7;

/// One record batch as a producer sends it: the unit of Produce requests, of appends and of
/// replication. The leader appends it whole, at consecutive offsets, in one leader epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    pub records: Vec<Record>,
    /// Producer id, epoch and base sequence; None without idempotence.
    pub producer: Option<ProducerStamp>,
    /// Header plus (compressed) records: what the batch weighs on the wire.
    pub wire_bytes: u32,
    /// Part of a transaction (the batch header's isTransactional bit).
    pub transactional: bool,
}

impl RecordBatch {
    /// How the batch's records are marked in the log.
    pub fn kind(&self) -> super::log::BatchKind {
        if self.transactional { super::log::BatchKind::Transactional } else { super::log::BatchKind::Plain }
    }
}

/// Errors of the transaction coordinator's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxnError {
    /// A newer epoch of this transactional id exists (a restarted producer, or the
    /// coordinator aborted a timed-out transaction): this producer instance is a zombie.
    ProducerFenced,
    /// The request does not fit the transaction's state (e.g. commit after a timeout abort).
    InvalidTxnState,
}

impl TxnError {
    /// The Kafka protocol's error code, for the trace.
    pub fn code(self) -> u64 {
        match self {
            TxnError::ProducerFenced => 90,
            TxnError::InvalidTxnState => 48,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedRecord {
    pub partition: u32,
    pub offset: u64,
    pub record: Record,
}

/// What the controller knows about one partition: the cluster's metadata for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    pub partition: u32,
    /// Replica brokers in preference order: the first is the preferred leader.
    pub replicas: Vec<u16>,
    pub leader: Option<u16>,
    pub leader_epoch: u32,
    pub isr: Vec<u16>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplicaFetchResult {
    /// Records from the fetch offset on, at the leader's offsets (the cleaner may have left
    /// holes), and the leader's high watermark.
    Records { fetch_offset: u64, entries: Vec<Run>, leader_hw: u64 },
    /// The follower's log diverged from the leader's: truncate to `truncate_to` and fetch again.
    Diverging { truncate_to: u64 },
    /// This broker is not the leader for that epoch.
    NotLeader,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Producer → leader: append one batch.
    Produce { request_id: u64, partition: u32, batch: RecordBatch, acks: Acks },
    /// Leader → producer: the batch's base offset, or why not.
    ProduceResponse { request_id: u64, partition: u32, result: Result<u64, ProduceError> },
    /// Consumer → broker: records from these (partition, offset) positions, at most
    /// `max_records`, held up to `max_wait_us` if none are ready. `read_committed` is
    /// Kafka's isolation.level=read_committed.
    Fetch { fetch_id: u64, positions: Vec<(u32, u64)>, max_records: u32, min_bytes: u32, max_wait_us: u64, read_committed: bool },
    /// Records below each partition's high watermark (read_committed: below its last stable
    /// offset, aborted records left out); `not_leader` lists partitions this broker does not
    /// lead. `advanced` says, per partition read, (partition, fetch offset, next offset): a
    /// read may pass offsets it does not deliver (control records, aborted records), and the
    /// consumer moves its position past them.
    FetchResponse { fetch_id: u64, records: Vec<FetchedRecord>, not_leader: Vec<u32>, advanced: Vec<(u32, u64, u64)> },
    /// Follower → leader: replicate from `fetch_offset`; `last_fetched_epoch` lets the leader
    /// detect a diverged history.
    ReplicaFetch { partition: u32, leader_epoch: u32, fetch_offset: u64, last_fetched_epoch: Option<u32> },
    ReplicaFetchResponse { partition: u32, leader_epoch: u32, result: ReplicaFetchResult },
    /// Broker → controller: I am alive (KRaft's BrokerHeartbeat). A broker that has just
    /// started asks for the metadata of its partitions. `leader_epochs` says how far its
    /// metadata has come, as KRaft's CurrentMetadataOffset does: the sum of the leader epochs
    /// it knows for its replicas, which only grows.
    BrokerHeartbeat { wants_metadata: bool, leader_epochs: u64 },
    /// Leader → controller: please change the ISR (KRaft's AlterPartition).
    AlterPartition { partition: u32, leader_epoch: u32, isr: Vec<u16> },
    /// Controller → brokers and clients: the partition's new state (the metadata log).
    PartitionChange { state: PartitionState },
    /// Member → coordinator: (re)join the group, reporting what it owns (cooperative).
    JoinGroup { member_id: Option<String>, instance_id: Option<String>, owned: Vec<u32>, generation: i32 },
    JoinGroupResponse { result: Result<JoinResult, GroupError> },
    /// Member → coordinator; the leader's carries everyone's assignment.
    SyncGroup { member_id: String, generation: i32, assignments: Vec<(String, Vec<u32>)> },
    SyncGroupResponse { generation: i32, result: Result<Vec<u32>, GroupError> },
    Heartbeat { member_id: String, generation: i32 },
    HeartbeatResponse { error: Option<GroupError> },
    LeaveGroup { member_id: String },
    /// Member → coordinator: the group has processed everything before these offsets.
    OffsetCommit { member_id: String, generation: i32, offsets: Vec<(u32, u64)> },
    /// Member → coordinator: where should these partitions resume?
    OffsetFetch { partitions: Vec<u32> },
    /// None: the group never committed an offset for that partition.
    OffsetFetchResponse { offsets: Vec<(u32, Option<u64>)> },
    /// Consumer → leader: the latest offset (the HW) of these partitions, for
    /// `auto.offset.reset=latest`.
    ListOffsets { partitions: Vec<u32> },
    /// None for a partition this broker does not lead.
    ListOffsetsResponse { offsets: Vec<(u32, Option<u64>)> },
    /// Producer → transaction coordinator: a producer id and a new epoch for this
    /// transactional id, fencing every older epoch. Carries transaction.timeout.ms, in µs.
    InitProducerId { transactional_id: String, transaction_timeout_us: u64 },
    /// The producer id and epoch to stamp batches with.
    InitProducerIdResponse { result: Result<(u64, u16), TxnError> },
    /// Producer → coordinator: these partitions join the open transaction (one starts if none
    /// is open). The producer sends to a partition only after it was added.
    AddPartitionsToTxn { transactional_id: String, producer_id: u64, producer_epoch: u16, partitions: Vec<u32> },
    AddPartitionsToTxnResponse { partitions: Vec<u32>, result: Result<(), TxnError> },
    /// Producer → coordinator: commit (or abort) the open transaction.
    EndTxn { transactional_id: String, producer_id: u64, producer_epoch: u16, commit: bool },
    /// Sent once every partition has its marker (the transaction is complete).
    EndTxnResponse { commit: bool, result: Result<(), TxnError> },
    /// Coordinator → partition leader: append a COMMIT or ABORT control record for this
    /// producer's transaction.
    WriteTxnMarkers { partition: u32, producer_id: u64, producer_epoch: u16, commit: bool },
    /// Sent once the marker is committed (below the high watermark).
    WriteTxnMarkersResponse { partition: u32, producer_id: u64, result: Result<(), ProduceError> },
}

/// The coordinator's answer to a JoinGroup: the new generation, and for the leader only,
/// every member's subscription so it can run the assignor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinResult {
    pub generation: i32,
    pub member_id: String,
    pub leader: String,
    pub members: Vec<JoinedMember>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub owned: Vec<u32>,
    pub generation: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupError {
    RebalanceInProgress,
    IllegalGeneration,
    UnknownMemberId,
}

impl Msg {
    /// A short name for drawing and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Msg::Produce { .. } => "produce",
            Msg::ProduceResponse { .. } => "produce_response",
            Msg::Fetch { .. } => "fetch",
            Msg::FetchResponse { .. } => "fetch_response",
            Msg::ReplicaFetch { .. } => "replica_fetch",
            Msg::ReplicaFetchResponse { .. } => "replica_fetch_response",
            Msg::BrokerHeartbeat { .. } => "broker_heartbeat",
            Msg::AlterPartition { .. } => "alter_partition",
            Msg::PartitionChange { .. } => "partition_change",
            Msg::OffsetCommit { .. } => "offset_commit",
            Msg::OffsetFetch { .. } => "offset_fetch",
            Msg::JoinGroup { .. } => "join_group",
            Msg::JoinGroupResponse { .. } => "join_group_response",
            Msg::SyncGroup { .. } => "sync_group",
            Msg::SyncGroupResponse { .. } => "sync_group_response",
            Msg::Heartbeat { .. } => "heartbeat",
            Msg::HeartbeatResponse { .. } => "heartbeat_response",
            Msg::LeaveGroup { .. } => "leave_group",
            Msg::ListOffsets { .. } => "list_offsets",
            Msg::ListOffsetsResponse { .. } => "list_offsets_response",
            Msg::OffsetFetchResponse { .. } => "offset_fetch_response",
            Msg::InitProducerId { .. } => "init_producer_id",
            Msg::InitProducerIdResponse { .. } => "init_producer_id_response",
            Msg::AddPartitionsToTxn { .. } => "add_partitions_to_txn",
            Msg::AddPartitionsToTxnResponse { .. } => "add_partitions_to_txn_response",
            Msg::EndTxn { .. } => "end_txn",
            Msg::EndTxnResponse { .. } => "end_txn_response",
            Msg::WriteTxnMarkers { .. } => "write_txn_markers",
            Msg::WriteTxnMarkersResponse { .. } => "write_txn_markers_response",
        }
    }

    /// What the message weighs on the wire, in bytes, for link bandwidth: record batches at
    /// their v2 size (a produce batch as compressed; fetched records uncompressed, a
    /// simplification), every request and response a nominal header of `HEADER_BYTES`.
    pub fn wire_bytes(&self) -> u64 {
        const HEADER_BYTES: u64 = 64;
        let record = |r: &Record| super::record_format::record_bytes_max(r.value_bytes);
        HEADER_BYTES
            + match self {
                Msg::Produce { batch, .. } => u64::from(batch.wire_bytes),
                Msg::FetchResponse { records, .. } => records.iter().map(|f| record(&f.record)).sum(),
                Msg::ReplicaFetchResponse { result: ReplicaFetchResult::Records { entries, .. }, .. } => entries.iter().flat_map(Run::records).map(|r| record(&r)).sum(),
                _ => 0,
            }
    }

    /// A stable code for the trace hash.
    pub fn code(&self) -> u64 {
        match self {
            Msg::Produce { .. } => 1,
            Msg::ProduceResponse { .. } => 2,
            Msg::Fetch { .. } => 3,
            Msg::FetchResponse { .. } => 4,
            Msg::OffsetCommit { .. } => 5,
            Msg::OffsetFetch { .. } => 6,
            Msg::JoinGroup { .. } => 13,
            Msg::JoinGroupResponse { .. } => 14,
            Msg::SyncGroup { .. } => 15,
            Msg::SyncGroupResponse { .. } => 16,
            Msg::Heartbeat { .. } => 17,
            Msg::HeartbeatResponse { .. } => 18,
            Msg::LeaveGroup { .. } => 19,
            Msg::ListOffsets { .. } => 20,
            Msg::ListOffsetsResponse { .. } => 21,
            Msg::OffsetFetchResponse { .. } => 7,
            Msg::ReplicaFetch { .. } => 8,
            Msg::ReplicaFetchResponse { .. } => 9,
            Msg::BrokerHeartbeat { .. } => 10,
            Msg::AlterPartition { .. } => 11,
            Msg::PartitionChange { .. } => 12,
            Msg::InitProducerId { .. } => 22,
            Msg::InitProducerIdResponse { .. } => 23,
            Msg::AddPartitionsToTxn { .. } => 24,
            Msg::AddPartitionsToTxnResponse { .. } => 25,
            Msg::EndTxn { .. } => 26,
            Msg::EndTxnResponse { .. } => 27,
            Msg::WriteTxnMarkers { .. } => 28,
            Msg::WriteTxnMarkersResponse { .. } => 29,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The producer's next record is due.
    ProducerSend,
    /// No response to produce request `request_id` within request.timeout.ms.
    RequestTimeout { request_id: u64 },
    /// retry.backoff.ms has passed: batch `batch_id` may be sent again.
    Retry { batch_id: u64 },
    /// linger.ms has passed since batch `batch_id` got its first record: it may be sent.
    Linger { batch_id: u64 },
    /// delivery.timeout.ms has passed since batch `batch_id` was created: it fails if unsettled.
    DeliveryTimeout { batch_id: u64 },
    /// The producer finished compressing the batch of request `request_id`: send it.
    BatchCompressed { request_id: u64 },
    /// A parked consumer fetch has waited fetch.max.wait.ms; answer it even if empty.
    FetchWaitExpired { fetch_id: u64 },
    /// The consumer got no answer to fetch `fetch_id` within request.timeout.ms.
    FetchTimeout { fetch_id: u64 },
    /// The consumer got no answer to ListOffsets from `broker` within request.timeout.ms.
    ListOffsetsTimeout { broker: u16 },
    /// A parked replica fetch has waited replica.fetch.wait.max.ms.
    ReplicaFetchWaitExpired { partition: u32, follower: u16 },
    /// A follower whose leader said "not leader" tries again.
    ReplicaFetchRetry { partition: u32 },
    /// The consumer finished processing batch `batch_id`.
    BatchProcessed { batch_id: u64 },
    /// Time for a broker's heartbeat to the controller.
    Heartbeat,
    /// Time for a leader to check which followers fell out of sync.
    IsrCheck,
    /// Time for the controller to fence brokers whose heartbeats stopped.
    SessionCheck,
    /// Time for a group member's heartbeat to the coordinator.
    MemberHeartbeat,
    /// The coordinator's join phase for rebalance `round` must end now.
    JoinDeadline { round: u64 },
    /// Time for the coordinator to expire members whose heartbeats stopped.
    MemberSessionCheck,
    /// Time for a consumer's automatic offset commit (enable.auto.commit).
    AutoCommit,
    /// Time for a broker's log cleaner to run.
    LogCleaner,
    /// max.poll.interval.ms after batch `batch_id` began: if it is still in hand, the member
    /// leaves the group (it is too slow to be trusted with its partitions).
    PollIntervalExpired { batch_id: u64 },
    /// transaction_ms has passed since the producer began transaction number `txn`: commit it.
    TransactionDue { txn: u64 },
    /// Time for the transaction coordinator to abort timed-out transactions and resend
    /// markers that found no leader.
    TransactionCheck,
}

impl Timer {
    /// A stable code and id for the trace hash.
    pub fn code(self) -> (u64, u64) {
        match self {
            Timer::ProducerSend => (1, 0),
            Timer::FetchWaitExpired { fetch_id } => (2, fetch_id),
            Timer::BatchProcessed { batch_id } => (3, batch_id),
            Timer::RequestTimeout { request_id } => (4, request_id),
            Timer::Retry { batch_id } => (5, batch_id),
            Timer::ReplicaFetchWaitExpired { partition, follower } => (6, (u64::from(partition) << 16) | u64::from(follower)),
            Timer::ReplicaFetchRetry { partition } => (7, partition.into()),
            Timer::Heartbeat => (8, 0),
            Timer::IsrCheck => (9, 0),
            Timer::SessionCheck => (10, 0),
            Timer::FetchTimeout { fetch_id } => (11, fetch_id),
            Timer::MemberHeartbeat => (12, 0),
            Timer::JoinDeadline { round } => (13, round),
            Timer::MemberSessionCheck => (14, 0),
            Timer::AutoCommit => (15, 0),
            Timer::PollIntervalExpired { batch_id } => (16, batch_id),
            Timer::LogCleaner => (20, 0),
            Timer::Linger { batch_id } => (17, batch_id),
            Timer::DeliveryTimeout { batch_id } => (18, batch_id),
            Timer::BatchCompressed { request_id } => (19, request_id),
            Timer::TransactionDue { txn } => (20, txn),
            Timer::TransactionCheck => (21, 0),
            Timer::ListOffsetsTimeout { broker } => (22, broker.into()),
        }
    }
}
