//! Replication of one partition on one broker. The leader appends; followers fetch from it,
//! as consumers do, and the offset they fetch from tells the leader how far they have got.
//! The in-sync replicas (ISR) are those that kept up within `replica.lag.time.max.ms`; the
//! high watermark (HW) is the lowest log end offset among them, and only records below it are
//! committed: visible to consumers and, with acks=all, acknowledged to the producer.

use super::idempotence::{Admission, ProducerStates};
use super::log::{Entry, PartitionLog, ProducerStamp, SharedBatch};
use super::txn_index::TxnIndex;
use super::protocol::{Accounting, Acks, Msg, Outbox, PartitionState, ProduceError, RecordBatch, ReplicaFetchResult, Timer};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};
use std::collections::BTreeMap;

/// Replication settings shared by every replica of a cluster (validated in the scenario).
#[derive(Clone, Copy, Debug)]
pub struct ReplicationConfig {
    /// Kafka's replica.lag.time.max.ms, in µs.
    pub replica_lag_time_max_us: u64,
    /// Kafka's replica.fetch.wait.max.ms, in µs.
    pub replica_fetch_wait_max_us: u64,
    /// Kafka's replica.socket.timeout.ms, in µs: a follower whose fetch got no answer in
    /// this long (lost to a network partition) sends it again.
    pub replica_socket_timeout_us: u64,
    /// Kafka's min.insync.replicas.
    pub min_insync_replicas: u32,
    /// Records per replica fetch response.
    pub replica_fetch_records_max: usize,
    pub retention_records_max: u64,
}

/// How far a follower has got, as seen by the leader.
#[derive(Clone)]
struct Progress {
    leo: u64,
    caught_up_at: SimTime,
    last_fetch_at: SimTime,
    leader_leo_at_last_fetch: u64,
}

/// An acks=all batch waiting for the high watermark to pass its last offset.
#[derive(Clone)]
struct PendingAck {
    request_id: u64,
    from: NodeId,
    base_offset: u64,
    last_offset: u64,
}

#[derive(Clone)]
pub struct Leadership {
    pub isr: Vec<u16>,
    followers: BTreeMap<u16, Progress>,
    /// The idempotent producers' sequence state, rebuilt from the log on promotion.
    producers: ProducerStates,
    pending: Vec<PendingAck>,
    parked: Vec<(u16, u64)>,
    alter_in_flight: bool,
    /// Transaction markers waiting for the HW to pass them: (offset, coordinator, producer).
    markers: Vec<(u64, NodeId, u64)>,
}

#[derive(Clone)]
pub enum Role {
    Leader(Leadership),
    Follower { leader: Option<u16> },
}

#[derive(Clone)]
pub struct Replica {
    pub partition: u32,
    pub log: PartitionLog,
    hw: u64,
    epoch: u32,
    role: Role,
    config: ReplicationConfig,
    /// When the follower's outstanding fetch was sent; None while none is outstanding.
    fetch_sent_at: Option<SimTime>,
    /// Open and aborted transactions in this log, kept by leaders and followers alike.
    txns: TxnIndex,
}

impl Replica {
    pub fn new(partition: u32, config: ReplicationConfig) -> Self {
        let log = PartitionLog::new(config.retention_records_max);
        Replica { partition, log, hw: 0, epoch: 0, role: Role::Follower { leader: None }, config, fetch_sent_at: None, txns: TxnIndex::default() }
    }

    pub fn high_watermark(&self) -> u64 {
        self.hw
    }
    /// The last stable offset: read_committed consumers read below it.
    pub fn last_stable_offset(&self) -> u64 {
        self.txns.last_stable_offset(self.hw)
    }
    /// Whether the data record of `producer_id` at `offset` belongs to an aborted transaction.
    pub fn is_aborted(&self, producer_id: u64, offset: u64) -> bool {
        self.txns.is_aborted(producer_id, offset)
    }
    pub fn leader_epoch(&self) -> u32 {
        self.epoch
    }
    pub fn is_leader(&self) -> bool {
        matches!(self.role, Role::Leader(_))
    }
    pub fn isr(&self) -> Option<&[u16]> {
        match &self.role {
            Role::Leader(l) => Some(&l.isr),
            Role::Follower { .. } => None,
        }
    }

    /// The process died: everything but the log on disk (and the HW checkpoint) is gone.
    pub fn crash(&mut self) {
        self.role = Role::Follower { leader: None };
        self.fetch_sent_at = None;
    }

    /// Applies the controller's view of this partition: become leader, follower, or neither.
    pub fn apply_state(&mut self, me: u16, state: &PartitionState, now: SimTime, out: &mut Outbox) {
        if state.leader_epoch < self.epoch {
            return; // A stale update overtaken by a newer one.
        }
        let same_epoch = state.leader_epoch == self.epoch;
        match (&mut self.role, state.leader) {
            (Role::Leader(l), Some(leader)) if leader == me && same_epoch => {
                // Only the ISR changed (our AlterPartition, or the controller fencing a broker).
                l.isr.clone_from(&state.isr);
                l.alter_in_flight = false;
                self.advance_hw(now, out);
            }
            (_, Some(leader)) if leader == me => {
                self.fail_pending(out);
                self.epoch = state.leader_epoch;
                let followers = state.replicas.iter().filter(|&&b| b != me).map(|&b| {
                    // A new leader gives every follower a full lag window to show up.
                    (b, Progress { leo: 0, caught_up_at: now, last_fetch_at: now, leader_leo_at_last_fetch: 0 })
                });
                let producers = ProducerStates::rebuild(&self.log);
                let (followers, isr) = (crate::sim::sort::collect_map(followers), state.isr.clone());
                let leadership = Leadership { isr, followers, producers, pending: Vec::new(), parked: Vec::new(), alter_in_flight: false, markers: Vec::new() };
                self.role = Role::Leader(leadership);
                // Until now this log still followed the old leader: what it holds may have
                // changed since the controller's election, so the ledger recounts losses.
                out.account(Accounting::LeaderChanged { partition: self.partition });
                self.advance_hw(now, out);
            }
            (Role::Follower { leader: current }, leader) if same_epoch && *current == leader => {}
            (_, leader) => {
                self.fail_pending(out);
                self.epoch = state.leader_epoch;
                self.role = Role::Follower { leader };
                if let Some(leader) = leader {
                    self.fetch_from(leader, now, out);
                }
            }
        }
    }

    fn fail_pending(&mut self, out: &mut Outbox) {
        if let Role::Leader(l) = &mut self.role {
            for ack in l.pending.drain(..) {
                let result = Err(ProduceError::NotLeaderOrFollower);
                out.send(ack.from, Msg::ProduceResponse { request_id: ack.request_id, partition: self.partition, result });
            }
            for (_, coordinator, producer_id) in l.markers.drain(..) {
                let result = Err(ProduceError::NotLeaderOrFollower);
                out.send(coordinator, Msg::WriteTxnMarkersResponse { partition: self.partition, producer_id, result });
            }
            l.parked.clear();
        }
    }

    /// A producer's batch, appended whole at consecutive offsets in the current epoch.
    /// Returns true if it was appended (so parked fetches may be answered).
    pub fn on_produce(&mut self, from: NodeId, request_id: u64, batch: &RecordBatch, acks: Acks, now: SimTime, out: &mut Outbox) -> bool {
        assert!(!batch.records.is_empty(), "a producer never sends an empty batch");
        let partition = self.partition;
        let respond = |out: &mut Outbox, result| {
            if acks != Acks::None {
                out.send(from, Msg::ProduceResponse { request_id, partition, result });
            }
        };
        let Role::Leader(l) = &mut self.role else {
            respond(out, Err(ProduceError::NotLeaderOrFollower));
            return false;
        };
        if acks == Acks::All && (l.isr.len() as u32) < self.config.min_insync_replicas {
            respond(out, Err(ProduceError::NotEnoughReplicas));
            return false;
        }
        let count = batch.records.len() as u32;
        let (base_offset, last_offset, appended) = match batch.producer.map(|stamp| (stamp, l.producers.admit(stamp, count))) {
            Some((_, Admission::Refused(error))) => {
                respond(out, Err(error));
                return false;
            }
            Some((stamp, Admission::Duplicate { first_offset, last_offset })) => {
                // A retry of a batch already in the log: answered as the original was.
                out.note(TraceKind::DuplicateBatch, [partition.into(), first_offset, stamp.base_sequence.into()]);
                (first_offset, last_offset, false)
            }
            _ => {
                let (base, last) = append_batch(&mut self.log, self.epoch, partition, batch, out);
                if let Some(stamp) = batch.producer {
                    l.producers.appended(stamp, count, base);
                }
                for offset in base..=last {
                    if let Some(entry) = self.log.entry(offset) {
                        self.txns.appended(offset, &entry, self.hw);
                    }
                }
                self.txns.retain_from(self.log.log_start_offset());
                (base, last, true)
            }
        };
        match acks {
            Acks::All => l.pending.push(PendingAck { request_id, from, base_offset, last_offset }),
            Acks::Leader => respond(out, Ok(base_offset)),
            Acks::None => {}
        }
        self.answer_parked(out);
        self.advance_hw(now, out);
        appended
    }

    /// The transaction coordinator's WriteTxnMarkers: append a COMMIT or ABORT control record
    /// for the producer, answered once the HW passes it (as Kafka appends markers with
    /// acks=all). The marker's epoch fences older epochs of the producer here.
    pub fn on_write_marker(&mut self, from: NodeId, producer: ProducerStamp, commit: bool, now: SimTime, out: &mut Outbox) {
        let Role::Leader(l) = &mut self.role else {
            let result = Err(ProduceError::NotLeaderOrFollower);
            out.send(from, Msg::WriteTxnMarkersResponse { partition: self.partition, producer_id: producer.producer_id, result });
            return;
        };
        l.producers.fence(producer.producer_id, producer.producer_epoch);
        let entry = Entry::marker(producer, commit, self.epoch, now.as_us());
        // A marker takes a place in the log like any record, so retention may delete the
        // oldest record to make room.
        let (offset, evicted) = self.log.append_evicting(entry);
        expire_evicted(evicted, out);
        out.note(TraceKind::TxnMarker, [self.partition.into(), offset, u64::from(commit)]);
        self.txns.appended(offset, &entry, self.hw);
        l.markers.push((offset, from, producer.producer_id));
        self.answer_parked(out);
        self.advance_hw(now, out);
    }

    /// A follower asks for records. Returns true if the high watermark moved.
    pub fn on_replica_fetch(&mut self, follower: u16, leader_epoch: u32, fetch_offset: u64, last_fetched_epoch: Option<u32>, now: SimTime, out: &mut Outbox) -> bool {
        let config = self.config;
        let partition = self.partition;
        let reply = |out: &mut Outbox, epoch, result| {
            out.send(NodeId::broker(follower), Msg::ReplicaFetchResponse { partition, leader_epoch: epoch, result });
        };
        let Role::Leader(l) = &mut self.role else {
            reply(out, self.epoch, ReplicaFetchResult::NotLeader);
            return false;
        };
        if leader_epoch != self.epoch {
            reply(out, self.epoch, ReplicaFetchResult::NotLeader);
            return false;
        }
        if let Some(epoch) = last_fetched_epoch {
            let end = self.log.end_offset_for_epoch(epoch);
            if end < fetch_offset {
                reply(out, self.epoch, ReplicaFetchResult::Diverging { truncate_to: end });
                return false;
            }
        }
        let leo = self.log.log_end_offset();
        if let Some(p) = l.followers.get_mut(&follower) {
            // Kafka's rule: caught up if it has fetched everything the leader had at its
            // previous fetch, or everything the leader has now.
            if fetch_offset >= p.leader_leo_at_last_fetch {
                p.caught_up_at = p.caught_up_at.max(p.last_fetch_at);
            }
            if fetch_offset >= leo {
                p.caught_up_at = now;
            }
            p.leo = fetch_offset;
            p.last_fetch_at = now;
            p.leader_leo_at_last_fetch = leo;
            let rejoins = !l.isr.contains(&follower) && fetch_offset >= self.hw && !l.alter_in_flight;
            if rejoins {
                let mut isr = l.isr.clone();
                isr.push(follower);
                isr.sort_unstable();
                l.alter_in_flight = true;
                out.send(NodeId::controller(), Msg::AlterPartition { partition, leader_epoch: self.epoch, isr });
            }
        }
        if fetch_offset >= leo {
            l.parked.push((follower, fetch_offset));
            out.set_timer(Duration::from_us(config.replica_fetch_wait_max_us), Timer::ReplicaFetchWaitExpired { partition, follower });
        } else {
            let entries = self.log.read_batches(fetch_offset, leo, config.replica_fetch_records_max);
            reply(out, self.epoch, ReplicaFetchResult::Records { fetch_offset, entries, leader_hw: self.hw });
        }
        self.advance_hw(now, out)
    }

    /// Answers replica fetches parked at the log end, now that there is something new.
    fn answer_parked(&mut self, out: &mut Outbox) {
        let config = self.config;
        let Role::Leader(l) = &mut self.role else { return };
        let leo = self.log.log_end_offset();
        let (ready, waiting): (Vec<_>, Vec<_>) = l.parked.drain(..).partition(|&(_, offset)| offset < leo);
        l.parked = waiting;
        for (follower, offset) in ready {
            let entries = self.log.read_batches(offset, leo, config.replica_fetch_records_max);
            let result = ReplicaFetchResult::Records { fetch_offset: offset, entries, leader_hw: self.hw };
            out.send(NodeId::broker(follower), Msg::ReplicaFetchResponse { partition: self.partition, leader_epoch: self.epoch, result });
        }
    }

    /// A parked replica fetch timed out: answer it empty (it carries the latest HW).
    pub fn on_fetch_wait_expired(&mut self, follower: u16, out: &mut Outbox) {
        let Role::Leader(l) = &mut self.role else { return };
        let Some(index) = l.parked.iter().position(|&(f, _)| f == follower) else { return };
        let (_, fetch_offset) = l.parked.remove(index);
        let result = ReplicaFetchResult::Records { fetch_offset, entries: Vec::new(), leader_hw: self.hw };
        out.send(NodeId::broker(follower), Msg::ReplicaFetchResponse { partition: self.partition, leader_epoch: self.epoch, result });
    }
    /// Runs the log cleaner over this replica (leaders and followers clean independently,
    /// as in Kafka); returns the records it removed.
    pub fn clean(&mut self, now: SimTime, config: &super::cleaner::CleanerConfig) -> Vec<Entry> {
        super::cleaner::clean(&mut self.log, self.hw, now, config)
    }

    /// Leader only: drop followers that have not caught up within replica.lag.time.max.ms.
    pub fn isr_check(&mut self, me: u16, now: SimTime, out: &mut Outbox) {
        let config = self.config;
        let Role::Leader(l) = &mut self.role else { return };
        if l.alter_in_flight {
            return;
        }
        let lagging = |b: &u16| l.followers.get(b).is_some_and(|p| now.since(p.caught_up_at).as_us() > config.replica_lag_time_max_us);
        if !l.isr.iter().any(|b| *b != me && lagging(b)) {
            return;
        }
        let isr: Vec<u16> = l.isr.iter().copied().filter(|b| *b == me || !lagging(b)).collect();
        l.alter_in_flight = true;
        out.send(NodeId::controller(), Msg::AlterPartition { partition: self.partition, leader_epoch: self.epoch, isr });
    }

    /// Recomputes the HW (the minimum log end offset over the ISR) and completes the acks=all
    /// requests below it (a duplicate batch may be below it already). Returns true if the HW
    /// moved.
    fn advance_hw(&mut self, _now: SimTime, out: &mut Outbox) -> bool {
        let Role::Leader(l) = &mut self.role else { return false };
        let leo = self.log.log_end_offset();
        let isr_min = l.isr.iter().filter_map(|b| l.followers.get(b)).map(|p| p.leo).fold(leo, u64::min);
        let moved = isr_min > self.hw;
        self.hw = self.hw.max(isr_min);
        let hw = self.hw;
        let (done, waiting): (Vec<_>, Vec<_>) = l.markers.drain(..).partition(|&(offset, ..)| offset < hw);
        l.markers = waiting;
        for (_, coordinator, producer_id) in done {
            out.send(coordinator, Msg::WriteTxnMarkersResponse { partition: self.partition, producer_id, result: Ok(()) });
        }
        if l.pending.iter().all(|ack| ack.last_offset >= self.hw) {
            return moved;
        }
        // As Kafka's checkEnoughReplicasReachOffset: committed, but if the ISR shrank below
        // min.insync.replicas meanwhile, the producer is told so (and may retry).
        let enough = l.isr.len() as u32 >= self.config.min_insync_replicas;
        let hw = self.hw;
        let (done, waiting): (Vec<_>, Vec<_>) = l.pending.drain(..).partition(|ack| ack.last_offset < hw);
        l.pending = waiting;
        for ack in done {
            let result = if enough { Ok(ack.base_offset) } else { Err(ProduceError::NotEnoughReplicasAfterAppend) };
            out.send(ack.from, Msg::ProduceResponse { request_id: ack.request_id, partition: self.partition, result });
        }
        moved
    }
}

/// Appends a batch at the log end, every record in `epoch`, and returns its first and last
/// offsets. Retention may delete old records to make room: those are expired, not lost.
fn append_batch(log: &mut PartitionLog, epoch: u32, partition: u32, batch: &RecordBatch, out: &mut Outbox) -> (u64, u64) {
    let base_offset = log.log_end_offset();
    // Written once here; the followers' logs will share it.
    let shared = SharedBatch::new(&batch.records, epoch, batch.producer, batch.kind());
    for (index, record) in (0u32..).zip(&batch.records) {
        let (offset, evicted) = log.append_shared(&shared, index);
        out.note(TraceKind::Append, [partition.into(), offset, record.record_id]);
        out.account(Accounting::Appended { partition, record_id: record.record_id, offset });
        expire_evicted(evicted, out);
    }
    (base_offset, log.log_end_offset() - 1)
}

/// A record retention deleted to make room for an append, on any replica, is expired (not
/// lost) for the fate ledger; a control marker is no record of the ledger's.
fn expire_evicted(evicted: Option<Entry>, out: &mut Outbox) {
    if let Some(old) = evicted.filter(|e| !e.is_control()) {
        out.account(Accounting::Expired { record_id: old.record.record_id });
    }
}

mod follower;
