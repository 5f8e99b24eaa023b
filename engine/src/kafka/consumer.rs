//! A consumer, as a member of a consumer group. It joins the group; the coordinator and the
//! group's leader decide which partitions it owns; it asks where the group left off
//! (OffsetFetch), then loops: fetch committed records from each partition's leader, process
//! them at its own speed, commit the new positions. When it is slower than the producer, the
//! distance between the high watermark and the committed offset grows: consumer lag.
//!
//! Rebalances follow `partition.assignment.strategy`: the eager strategies (range,
//! roundrobin, sticky) revoke every partition before rejoining, so the whole group stops
//! (the stop-the-world gap); cooperative-sticky keeps what it owns and gives up only what
//! moves, in a second rebalance. A crash loses the batch in hand; records processed but not
//! committed are processed again by the next owner: at-least-once, and the simulation's
//! downstream ledger counts the duplicates.

use super::assignor::Strategy;
use super::protocol::{FetchedRecord, GroupError, Msg, Outbox, PartitionState, Timer};
use crate::sim::{Duration, NodeId, TraceKind};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerState {
    /// Fetching (possibly long-polling at the leaders), nothing in hand.
    Fetching,
    /// Working through a batch.
    Processing,
    Crashed,
}

/// Validated consumer settings; times in µs.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    pub rate_records_per_s: u32,
    /// Kafka's `max.poll.records`.
    pub max_poll_records: u32,
    /// Kafka's `fetch.max.wait.ms`.
    pub fetch_max_wait_us: u64,
    /// Kafka's `fetch.min.bytes`.
    pub fetch_min_bytes: u32,
    /// Kafka's consumer `request.timeout.ms`: a fetch lost to a network partition is given
    /// up after this long (beyond the broker's wait) and sent again.
    pub request_timeout_us: u64,
    /// Kafka's `heartbeat.interval.ms`.
    pub heartbeat_interval_us: u64,
    pub strategy: Strategy,
    /// `group.instance.id`, for static membership.
    pub instance_id: Option<String>,
    /// `enable.auto.commit`: commit what was processed every `auto_commit_interval_us`
    /// (Kafka's default); otherwise commit after every processed batch, like commitSync.
    pub auto_commit_interval_us: Option<u64>,
    /// `auto.offset.reset`: where to start a partition the group never committed.
    pub offset_reset: OffsetReset,
    /// `max.poll.interval.ms`: a batch in hand longer than this makes the member leave.
    pub max_poll_interval_us: u64,
    /// `isolation.level=read_committed`: only records of committed transactions (and plain
    /// records) below the last stable offset.
    pub read_committed: bool,
    pub topic: String,
    pub partitions: u32,
    /// Partitions handed to this consumer by a stream job (Flink's KafkaSource assigns
    /// splits itself, without group membership); `None` joins the consumer group.
    pub manual_partitions: Option<Vec<u32>>,
    /// Hand every processed batch to the simulation (a stream job's source reads them).
    pub deliver: bool,
}

/// Kafka's `isolation.level`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsolationLevel {
    /// Everything below the high watermark, aborted transactions included (Kafka's default).
    #[default]
    ReadUncommitted,
    /// Below the last stable offset, without aborted transactions' records.
    ReadCommitted,
}

/// Kafka's `auto.offset.reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// From the oldest retained record.
    Earliest,
    /// From the end: only records written from now on (Kafka's default).
    Latest,
}

#[derive(Clone)]
pub struct Consumer {
    coordinator: NodeId,
    config: ConsumerConfig,
    state: ConsumerState,
    member_id: Option<String>,
    generation: i32,
    /// A JoinGroup or SyncGroup is outstanding.
    joining: bool,
    /// Eager: rejoin as soon as the batch in hand is done.
    rejoin_after_batch: bool,
    /// Cooperative: an assignment revoking partitions, waiting for the batch in hand (poll()).
    deferred_assignment: Option<Vec<u32>>,
    assigned: BTreeSet<u32>,
    leaders: Vec<(Option<u16>, u32)>,
    /// Next offset to fetch, per assigned partition whose committed offset is known.
    positions: BTreeMap<u32, u64>,
    /// One past the last processed offset, per assigned partition: what a commit records.
    consumed: BTreeMap<u32, u64>,
    buffer: VecDeque<FetchedRecord>,
    batch: Vec<FetchedRecord>,
    outstanding: BTreeMap<u16, u64>,
    /// Owned partitions with no committed offset, waiting for ListOffsets (reset=latest).
    resetting: BTreeSet<u32>,
    /// Brokers asked for latest offsets, not yet answered.
    listing: BTreeSet<u16>,
    fetch_id_next: u64,
    batch_id: u64,
    processed: u64,
    /// The stream job downstream is full (backpressure): take no new batch until it drains.
    paused: bool,
}

impl Consumer {
    pub fn new(coordinator: NodeId, config: ConsumerConfig) -> Self {
        assert!(config.rate_records_per_s > 0 && config.max_poll_records > 0);
        let partitions = config.partitions as usize;
        Consumer {
            coordinator,
            state: ConsumerState::Fetching,
            member_id: None,
            generation: -1,
            joining: false,
            rejoin_after_batch: false,
            deferred_assignment: None,
            assigned: BTreeSet::new(),
            leaders: vec![(None, 0); partitions],
            positions: BTreeMap::new(),
            consumed: BTreeMap::new(),
            buffer: VecDeque::new(),
            batch: Vec::new(),
            outstanding: BTreeMap::new(),
            resetting: BTreeSet::new(),
            listing: BTreeSet::new(),
            fetch_id_next: 0,
            batch_id: 0,
            processed: 0,
            paused: false,
            config,
        }
    }

    /// Starts the process: join the group and start heartbeating.
    pub fn start(&mut self, out: &mut Outbox) {
        self.state = ConsumerState::Fetching;
        if let Some(partitions) = self.config.manual_partitions.clone() {
            self.assigned = partitions.into_iter().collect();
            self.seek(&BTreeMap::new(), out);
            return;
        }
        self.send_join(out);
        out.set_timer(Duration::from_us(self.config.heartbeat_interval_us), Timer::MemberHeartbeat);
        if let Some(interval) = self.config.auto_commit_interval_us {
            out.set_timer(Duration::from_us(interval), Timer::AutoCommit);
        }
    }

    /// The process dies: assignment, batch, buffer and fetches are forgotten. A dynamic
    /// member's id dies with it; a static member comes back under its group.instance.id.
    pub fn crash(&mut self) {
        self.state = ConsumerState::Crashed;
        self.member_id = None;
        self.generation = -1;
        self.joining = false;
        self.rejoin_after_batch = false;
        self.deferred_assignment = None;
        self.revoke(&self.assigned.clone());
        self.batch.clear();
        self.outstanding.clear();
        self.listing.clear();
        self.batch_id += 1;
    }

    /// Moves every owned partition to `offsets` (a stream job restoring a checkpoint);
    /// a partition missing there starts over by `auto.offset.reset`. Whatever was fetched
    /// or in hand is forgotten.
    pub fn seek(&mut self, offsets: &BTreeMap<u32, u64>, out: &mut Outbox) {
        self.buffer.clear();
        self.batch.clear();
        self.listing.clear();
        self.batch_id += 1;
        if self.state == ConsumerState::Processing {
            self.state = ConsumerState::Fetching;
        }
        for p in self.assigned.clone() {
            self.start_or_reset(p, offsets.get(&p).copied());
        }
        self.pump(out);
    }

    /// Starts `partition` at `offset`; without one (never committed, or not in a
    /// checkpoint), `auto.offset.reset` decides: the beginning, or the end once ListOffsets
    /// answers.
    fn start_or_reset(&mut self, partition: u32, offset: Option<u64>) {
        self.resetting.remove(&partition);
        match (offset, self.config.offset_reset) {
            (Some(offset), _) => self.start_at(partition, offset),
            (None, OffsetReset::Earliest) => self.start_at(partition, 0),
            (None, OffsetReset::Latest) => {
                self.positions.remove(&partition);
                self.resetting.insert(partition);
            }
        }
    }

    /// Commits `offsets` as a standalone consumer (no member id, generation -1): what Flink's
    /// Kafka source does when a checkpoint completes, so the group's lag shows the job's
    /// progress.
    pub fn commit_standalone(&mut self, offsets: &BTreeMap<u32, u64>, out: &mut Outbox) {
        let offsets: Vec<(u32, u64)> = offsets.iter().filter(|(p, _)| self.assigned.contains(p)).map(|(&p, &o)| (p, o)).collect();
        if self.state != ConsumerState::Crashed && !offsets.is_empty() {
            out.send(self.coordinator, Msg::OffsetCommit { member_id: String::new(), generation: -1, offsets });
        }
    }

    /// Backpressure from a stream job: a paused consumer finishes its batch in hand but
    /// starts no other, so its buffer stays full, it stops fetching, and lag grows.
    pub fn set_paused(&mut self, paused: bool, out: &mut Outbox) {
        let resumed = self.paused && !paused;
        self.paused = paused;
        if resumed {
            self.pump(out);
        }
    }

    pub fn set_rate(&mut self, rate_records_per_s: u32) {
        assert!(rate_records_per_s > 0, "validated at the command edge");
        self.config.rate_records_per_s = rate_records_per_s;
    }

    pub fn state(&self) -> ConsumerState {
        self.state
    }
    pub fn config(&self) -> &ConsumerConfig {
        &self.config
    }
    pub fn assigned(&self) -> &BTreeSet<u32> {
        &self.assigned
    }
    pub fn is_joining(&self) -> bool {
        self.joining
    }
    /// The group generation this member last joined (-1 before it has one).
    pub fn generation(&self) -> i32 {
        self.generation
    }
    /// The fetch position of `partition`, if this member owns it and knows where to start.
    pub fn position(&self, partition: u32) -> Option<u64> {
        self.positions.get(&partition).copied()
    }
    /// One past the last record of `partition` handed to the application, or where it
    /// starts (once resolved) if none has been.
    pub fn consumed_position(&self, partition: u32) -> Option<u64> {
        self.consumed.get(&partition).copied()
    }
    pub fn processed(&self) -> u64 {
        self.processed
    }
    pub fn batch_len(&self) -> usize {
        self.batch.len()
    }

    pub fn on_message(&mut self, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::PartitionChange { state } => self.on_metadata(&state, out),
            Msg::JoinGroupResponse { result: Ok(result) } => self.on_joined(result, out),
            Msg::JoinGroupResponse { result: Err(_) } => {
                self.joining = false;
                self.rejoin(out);
            }
            Msg::SyncGroupResponse { generation, result } if generation == self.generation => match result {
                Ok(partitions) => self.on_assignment(partitions, out),
                Err(_) => {
                    self.joining = false;
                    self.rejoin(out);
                }
            },
            Msg::SyncGroupResponse { .. } => {}
            Msg::HeartbeatResponse { error: None } => {}
            Msg::HeartbeatResponse { error: Some(GroupError::RebalanceInProgress) } => self.rejoin(out),
            Msg::HeartbeatResponse { error: Some(_) } => {
                // Fenced out of the group (expired, or a newer generation): start over.
                self.member_id = None;
                self.generation = -1;
                self.joining = false;
                self.deferred_assignment = None;
                self.revoke(&self.assigned.clone());
                self.send_join(out);
            }
            Msg::OffsetFetchResponse { offsets } => {
                out.note(TraceKind::OffsetsLoaded, [offsets.len() as u64, offsets.iter().filter_map(|o| o.1).sum(), 0]);
                let owned: Vec<(u32, Option<u64>)> = offsets.into_iter().filter(|(p, _)| self.assigned.contains(p)).collect();
                for (p, offset) in owned {
                    self.start_or_reset(p, offset);
                }
                self.pump(out);
            }
            Msg::ListOffsetsResponse { offsets } => {
                for (p, latest) in offsets {
                    let Some(leader) = self.leaders[p as usize].0 else { continue };
                    self.listing.remove(&leader);
                    if let (Some(offset), true) = (latest, self.resetting.remove(&p)) {
                        self.start_at(p, offset);
                    }
                }
                self.pump(out);
            }
            Msg::FetchResponse { fetch_id, records, advanced, .. } => {
                let Some((&broker, _)) = self.outstanding.iter().find(|(_, &id)| id == fetch_id) else { return };
                self.outstanding.remove(&broker);
                let first = records.first().map_or([0, 0], |r| [r.partition.into(), r.offset]);
                out.note(TraceKind::FetchResponse, [records.len() as u64, first[0], first[1]]);
                // Only partitions we still own, read from our current position, count; the
                // position then moves past everything read, delivered or not (markers).
                let current: Vec<(u32, u64)> = advanced.into_iter().filter(|&(p, from, _)| self.positions.get(&p) == Some(&from)).map(|(p, _, next)| (p, next)).collect();
                for record in records {
                    if current.iter().any(|&(p, _)| p == record.partition) {
                        self.buffer.push_back(record);
                    }
                }
                for (p, next) in current {
                    self.positions.insert(p, next);
                }
                self.pump(out);
            }
            other => unreachable!("a consumer is never sent {}", other.name()),
        }
    }

    fn on_metadata(&mut self, state: &PartitionState, out: &mut Outbox) {
        let known = &mut self.leaders[state.partition as usize];
        if state.leader_epoch >= known.1 {
            *known = (state.leader, state.leader_epoch);
            self.pump(out);
        }
    }

    pub fn on_timer(&mut self, timer: Timer, out: &mut Outbox) {
        match timer {
            Timer::BatchProcessed { batch_id } if batch_id == self.batch_id => self.finish_batch(out),
            Timer::BatchProcessed { .. } => {}
            Timer::MemberHeartbeat => {
                if let Some(member_id) = self.member_id.clone() {
                    out.send(self.coordinator, Msg::Heartbeat { member_id, generation: self.generation });
                }
                out.set_timer(Duration::from_us(self.config.heartbeat_interval_us), Timer::MemberHeartbeat);
            }
            // A stream job's reader has no group membership to lose (Flink's source uses assign()).
            Timer::PollIntervalExpired { .. } if self.config.manual_partitions.is_some() => {}
            Timer::PollIntervalExpired { batch_id } if batch_id == self.batch_id && self.state == ConsumerState::Processing => {
                // Kafka's heartbeat thread gives up on a poll loop this slow: leave the group.
                // The batch still finishes, but its commit is refused, and its partitions
                // have other owners by then: their records will be processed twice.
                if let Some(member_id) = self.member_id.take() {
                    out.send(self.coordinator, Msg::LeaveGroup { member_id });
                    out.note(TraceKind::MemberLeft, [self.generation as u64, 2, 0]);
                }
                self.generation = -1;
                self.rejoin_after_batch = true;
                // An assignment waiting for this batch belongs to the generation just left.
                if self.deferred_assignment.take().is_some() {
                    self.joining = false;
                }
            }
            Timer::PollIntervalExpired { .. } => {}
            Timer::AutoCommit => {
                if self.state != ConsumerState::Crashed {
                    self.commit(out);
                }
                if let Some(interval) = self.config.auto_commit_interval_us {
                    out.set_timer(Duration::from_us(interval), Timer::AutoCommit);
                }
            }
            Timer::FetchTimeout { fetch_id } => {
                let lost = self.outstanding.iter().find(|(_, &id)| id == fetch_id).map(|(&broker, _)| broker);
                if let Some(broker) = lost {
                    self.outstanding.remove(&broker);
                    self.pump(out);
                }
            }
            Timer::ListOffsetsTimeout { broker } => {
                if self.listing.remove(&broker) {
                    self.pump(out);
                }
            }
            other => unreachable!("a consumer never sets {other:?}"),
        }
    }
}

mod fetching;
mod membership;

#[cfg(test)]
mod tests;
