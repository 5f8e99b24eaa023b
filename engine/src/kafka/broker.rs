//! A broker: it hosts replicas of partitions, leading some and following others. It answers
//! producers and consumers for the partitions it leads, fetches from the leaders of the
//! partitions it follows, and heartbeats to the controller, which decides who leads what.
//!
//! Consumer fetches are long polls, as in Kafka: with `fetch.min.bytes=1`, a fetch that finds
//! nothing committed is parked until the high watermark moves or `fetch.max.wait.ms` passes.

use super::log::Entry;
use super::cleaner::CleanerConfig;
use super::record_format::record_bytes_max;
use super::protocol::{Accounting, FetchedRecord, Msg, Outbox, Timer};
use super::replication::{Replica, ReplicationConfig};
use crate::sim::{Duration, NodeId, SimTime};
use std::collections::BTreeMap;

/// Validated broker settings.
#[derive(Clone, Copy, Debug)]
pub struct BrokerConfig {
    pub replication: ReplicationConfig,
    /// KRaft's broker.heartbeat.interval.ms, in µs.
    pub heartbeat_interval_us: u64,
    pub cleaner: CleanerConfig,
}

#[derive(Clone)]
struct ParkedFetch {
    from: NodeId,
    fetch_id: u64,
    positions: Vec<(u32, u64)>,
    max_records: u32,
    /// Kafka's fetch.min.bytes: hold the fetch until this much is ready (or the wait ends).
    min_bytes: u32,
    read_committed: bool,
}

/// What one read of a fetch found: records to deliver, partitions this broker does not
/// lead, and how far each partition's read got (it may pass markers and aborted records).
#[derive(Default)]
struct ReadResult {
    records: Vec<FetchedRecord>,
    not_leader: Vec<u32>,
    advanced: Vec<(u32, u64, u64)>,
}

impl ReadResult {
    fn is_empty(&self) -> bool {
        self.records.is_empty() && self.not_leader.is_empty() && self.advanced.is_empty()
    }

    /// Enough to answer at once: fetch.min.bytes of data, or news the consumer must act on
    /// (a partition this broker no longer leads).
    fn is_ready(&self, min_bytes: u32) -> bool {
        let mut bytes: u64 = self.records.iter().map(|r| record_bytes_max(r.record.value_bytes)).sum();
        if self.records.is_empty() && self.advanced.iter().any(|a| a.1 != a.2) {
            // Only markers to move past: a control batch's worth (its v2 header).
            bytes = u64::from(super::record_format::BATCH_HEADER_BYTES);
        }
        !self.not_leader.is_empty() || (!self.is_empty() && bytes >= u64::from(min_bytes))
    }

    fn into_response(self, fetch_id: u64) -> Msg {
        Msg::FetchResponse { fetch_id, records: self.records, not_leader: self.not_leader, advanced: self.advanced }
    }
}

#[derive(Clone)]
pub struct Broker {
    id: u16,
    config: BrokerConfig,
    up: bool,
    replicas: BTreeMap<u32, Replica>,
    /// Consumer fetches waiting for data, one per consumer at most.
    parked: Vec<ParkedFetch>,
    /// This broker's clock error: its cleaner judges records' age by now + offset.
    clock_offset_ms: i64,
}

impl Broker {
    /// A broker hosting replicas of `partitions` (the partition numbers assigned to it).
    pub fn new(id: u16, partitions: impl IntoIterator<Item = u32>, config: BrokerConfig) -> Self {
        let replicas = partitions.into_iter().map(|p| (p, Replica::new(p, config.replication))).collect();
        Broker { id, config, up: true, replicas, parked: Vec::new(), clock_offset_ms: 0 }
    }

    /// Skews this broker's clock (time retention deletes early or late).
    pub fn set_clock_offset_ms(&mut self, offset_ms: i64) {
        self.clock_offset_ms = offset_ms;
    }

    pub fn id(&self) -> u16 {
        self.id
    }
    pub fn is_up(&self) -> bool {
        self.up
    }
    pub fn replica(&self, partition: u32) -> Option<&Replica> {
        self.replicas.get(&partition)
    }
    pub fn replicas(&self) -> impl Iterator<Item = &Replica> {
        self.replicas.values()
    }

    /// How far this broker's metadata has come: the sum of its replicas' leader epochs.
    fn leader_epochs(&self) -> u64 {
        self.replicas.values().map(|r| u64::from(r.leader_epoch())).sum()
    }

    /// Starts (or restarts) the broker's timers and announces it to the controller.
    pub fn start(&mut self, out: &mut Outbox) {
        self.up = true;
        out.send(NodeId::controller(), Msg::BrokerHeartbeat { wants_metadata: true, leader_epochs: self.leader_epochs() });
        out.set_timer(Duration::from_us(self.config.heartbeat_interval_us), Timer::Heartbeat);
        let isr_check = self.config.replication.replica_lag_time_max_us / 2;
        out.set_timer(Duration::from_us(isr_check.max(1)), Timer::IsrCheck);
        out.set_timer(Duration::from_us(self.config.cleaner.backoff_us), Timer::LogCleaner);
    }

    /// The process dies. Logs survive on disk; leadership, parked requests and timers do not.
    pub fn crash(&mut self) {
        self.up = false;
        self.parked.clear();
        for replica in self.replicas.values_mut() {
            replica.crash();
        }
    }

    /// Handles a message. Returns the entries any replica truncated (for loss accounting).
    pub fn on_message(&mut self, from: NodeId, msg: Msg, now: SimTime, out: &mut Outbox) -> Vec<(u32, Vec<Entry>)> {
        match msg {
            Msg::Produce { request_id, partition, batch, acks } => {
                match self.replicas.get_mut(&partition) {
                    Some(replica) => {
                        replica.on_produce(from, request_id, &batch, acks, now, out);
                    }
                    None => {
                        let result = Err(super::protocol::ProduceError::NotLeaderOrFollower);
                        out.send(from, Msg::ProduceResponse { request_id, partition, result });
                    }
                }
                self.answer_parked_fetch(out);
            }
            Msg::Fetch { fetch_id, positions, max_records, min_bytes, max_wait_us, read_committed } => {
                let fetch = ParkedFetch { from, fetch_id, positions, max_records, min_bytes, read_committed };
                let read = self.read(&fetch);
                if !read.is_ready(min_bytes) && max_wait_us > 0 {
                    out.set_timer(Duration::from_us(max_wait_us), Timer::FetchWaitExpired { fetch_id });
                    // A consumer has one fetch per broker in flight; a new one replaces the old.
                    self.parked.retain(|p| p.from != from);
                    self.parked.push(fetch);
                } else {
                    out.send(from, read.into_response(fetch_id));
                }
            }
            Msg::ReplicaFetch { partition, leader_epoch, fetch_offset, last_fetched_epoch } => {
                let follower = from.index;
                if let Some(replica) = self.replicas.get_mut(&partition) {
                    replica.on_replica_fetch(follower, leader_epoch, fetch_offset, last_fetched_epoch, now, out);
                }
                self.answer_parked_fetch(out);
            }
            Msg::ReplicaFetchResponse { partition, leader_epoch, result } => {
                if let Some(replica) = self.replicas.get_mut(&partition) {
                    let truncated = replica.on_replica_fetch_response(leader_epoch, result, now, out);
                    if !truncated.is_empty() {
                        return vec![(partition, truncated)];
                    }
                }
            }
            Msg::ListOffsets { partitions } => {
                let offsets = partitions.iter().map(|&p| (p, self.replicas.get(&p).filter(|r| r.is_leader()).map(Replica::high_watermark))).collect();
                out.send(from, Msg::ListOffsetsResponse { offsets });
            }
            Msg::WriteTxnMarkers { partition, producer_id, producer_epoch, commit } => {
                let producer = super::log::ProducerStamp { producer_id, producer_epoch, base_sequence: 0 };
                match self.replicas.get_mut(&partition) {
                    Some(replica) => replica.on_write_marker(from, producer, commit, now, out),
                    None => {
                        let result = Err(super::protocol::ProduceError::NotLeaderOrFollower);
                        out.send(from, Msg::WriteTxnMarkersResponse { partition, producer_id, result });
                    }
                }
                self.answer_parked_fetch(out);
            }
            Msg::PartitionChange { state } => {
                if let Some(replica) = self.replicas.get_mut(&state.partition) {
                    replica.apply_state(self.id, &state, now, out);
                }
                self.answer_parked_fetch(out);
            }
            other => unreachable!("a broker is never sent {}", other.name()),
        }
        Vec::new()
    }

    pub fn on_timer(&mut self, timer: Timer, now: SimTime, out: &mut Outbox) {
        match timer {
            Timer::Heartbeat => {
                out.send(NodeId::controller(), Msg::BrokerHeartbeat { wants_metadata: false, leader_epochs: self.leader_epochs() });
                out.set_timer(Duration::from_us(self.config.heartbeat_interval_us), Timer::Heartbeat);
            }
            Timer::IsrCheck => {
                for replica in self.replicas.values_mut() {
                    replica.isr_check(self.id, now, out);
                }
                let interval = (self.config.replication.replica_lag_time_max_us / 2).max(1);
                out.set_timer(Duration::from_us(interval), Timer::IsrCheck);
            }
            Timer::LogCleaner => {
                let local_now = SimTime::from_us(now.as_us().saturating_add_signed(self.clock_offset_ms.saturating_mul(1_000)));
                for replica in self.replicas.values_mut() {
                    for removed in replica.clean(local_now, &self.config.cleaner).into_iter().filter(|e| !e.is_control()) {
                        // Removed by policy, not lost: the fate ledger must know the difference.
                        out.account(Accounting::Expired { record_id: removed.record.record_id });
                    }
                }
                out.set_timer(Duration::from_us(self.config.cleaner.backoff_us), Timer::LogCleaner);
            }
            Timer::FetchWaitExpired { fetch_id } => {
                if let Some(index) = self.parked.iter().position(|p| p.fetch_id == fetch_id) {
                    // fetch.max.wait.ms is up: answer with whatever there is, even too little.
                    let parked = self.parked.remove(index);
                    out.send(parked.from, self.read(&parked).into_response(fetch_id));
                }
            }
            Timer::ReplicaFetchWaitExpired { partition, follower } => {
                if let Some(replica) = self.replicas.get_mut(&partition) {
                    replica.on_fetch_wait_expired(follower, out);
                }
            }
            Timer::ReplicaFetchRetry { partition } => {
                if let Some(replica) = self.replicas.get_mut(&partition) {
                    replica.on_fetch_retry(now, out);
                }
            }
            other => unreachable!("a broker never sets {other:?}"),
        }
    }

    fn answer_parked_fetch(&mut self, out: &mut Outbox) {
        for parked in std::mem::take(&mut self.parked) {
            let read = self.read(&parked);
            if !read.is_ready(parked.min_bytes) {
                self.parked.push(parked);
            } else {
                out.send(parked.from, read.into_response(parked.fetch_id));
            }
        }
    }

    /// Committed records (below the HW) from the fetch positions, up to `max_records`,
    /// draining partitions in turn from a start that rotates with the fetch id, as Kafka's
    /// fetcher rotates partitions so that one busy partition cannot starve the others.
    fn read(&self, fetch: &ParkedFetch) -> ReadResult {
        let count = fetch.positions.len().max(1);
        let mut read = ReadResult::default();
        for step in 0..fetch.positions.len() {
            let (partition, position) = fetch.positions[(fetch.fetch_id as usize + step) % count];
            let Some(replica) = self.replicas.get(&partition).filter(|r| r.is_leader()) else {
                read.not_leader.push(partition);
                continue;
            };
            let next = read_partition(replica, partition, position, fetch, &mut read.records);
            if next != position {
                read.advanced.push((partition, position, next));
            }
        }
        read.not_leader.sort_unstable();
        read
    }
}

/// Reads one partition from `position` into `records` until `max_records` are gathered, and
/// returns the offset after the last entry read. read_committed stops at the LSO and skips
/// aborted records; control records are never delivered (Kafka's consumer drops them).
fn read_partition(replica: &Replica, partition: u32, position: u64, fetch: &ParkedFetch, records: &mut Vec<FetchedRecord>) -> u64 {
    let end = if fetch.read_committed { replica.last_stable_offset() } else { replica.high_watermark() };
    let mut next = position;
    for (offset, entry) in replica.log.read(position, end, usize::MAX) {
        if records.len() >= fetch.max_records as usize {
            break;
        }
        next = offset + 1;
        let aborted = fetch.read_committed && entry.producer.is_some_and(|stamp| replica.is_aborted(stamp.producer_id, offset));
        if !entry.is_control() && !aborted {
            records.push(FetchedRecord { partition, offset, record: entry.record });
        }
    }
    next
}

#[cfg(test)]
mod tests;
