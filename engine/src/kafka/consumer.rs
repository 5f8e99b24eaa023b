//! A consumer: it asks the group coordinator where its group left off (OffsetFetch), then
//! loops: fetch committed records from each partition's leader, process them at its own
//! speed, commit the new positions. When it is slower than the producer, the distance between
//! the log end and the committed offset grows: that distance is consumer lag. A crash loses
//! the batch in hand, and the restarted consumer resumes from the last commit, so records
//! processed but not yet committed are processed again: at-least-once, duplicates counted.

use super::protocol::{FetchedRecord, Msg, Outbox, PartitionState, Timer};
use crate::sim::{Duration, NodeId, TraceKind};
use std::collections::{BTreeMap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerState {
    /// Waiting for its committed offsets from the coordinator.
    Starting,
    /// Fetching (possibly long-polling at the leaders), nothing in hand.
    Fetching,
    /// Working through a batch.
    Processing,
    Crashed,
}

/// Validated consumer settings.
#[derive(Clone, Copy, Debug)]
pub struct ConsumerConfig {
    pub rate_records_per_s: u32,
    /// Kafka's `max.poll.records`.
    pub max_poll_records: u32,
    /// Kafka's `fetch.max.wait.ms`, in microseconds.
    pub fetch_max_wait_us: u64,
    /// Kafka's consumer `request.timeout.ms`, in microseconds: a fetch lost to a network
    /// partition is given up after this long (beyond the broker's wait) and sent again.
    pub request_timeout_us: u64,
}

pub struct Consumer {
    coordinator: NodeId,
    config: ConsumerConfig,
    state: ConsumerState,
    leaders: Vec<(Option<u16>, u32)>,
    /// Next offset to fetch, per partition.
    positions: Vec<u64>,
    /// One past the last processed offset, per partition: what a commit records.
    consumed: Vec<u64>,
    /// Per partition, one past the highest offset ever processed: what downstream has seen.
    /// It survives crashes (it stands for the side effects), so re-processing is detectable.
    processed_end: Vec<u64>,
    /// Fetched, not yet processed (Kafka's fetch buffer).
    buffer: VecDeque<FetchedRecord>,
    batch: Vec<FetchedRecord>,
    /// The fetch awaited from each broker.
    outstanding: BTreeMap<u16, u64>,
    fetch_id_next: u64,
    batch_id: u64,
    processed: u64,
    duplicates: u64,
}

impl Consumer {
    pub fn new(coordinator: NodeId, partition_count: u32, config: ConsumerConfig) -> Self {
        assert!(config.rate_records_per_s > 0 && config.max_poll_records > 0);
        let zeros = vec![0; partition_count as usize];
        Consumer {
            coordinator,
            config,
            state: ConsumerState::Starting,
            leaders: vec![(None, 0); partition_count as usize],
            positions: zeros.clone(),
            consumed: zeros.clone(),
            processed_end: zeros,
            buffer: VecDeque::new(),
            batch: Vec::new(),
            outstanding: BTreeMap::new(),
            fetch_id_next: 0,
            batch_id: 0,
            processed: 0,
            duplicates: 0,
        }
    }

    pub fn start(&mut self, out: &mut Outbox) {
        self.state = ConsumerState::Starting;
        out.send(self.coordinator, Msg::OffsetFetch);
    }

    /// The process dies: the batch in hand, the fetch buffer and the fetches in flight are
    /// forgotten (metadata too would be; it is re-learned instantly here).
    pub fn crash(&mut self) {
        self.state = ConsumerState::Crashed;
        self.batch.clear();
        self.buffer.clear();
        self.outstanding.clear();
        // Any pending BatchProcessed timer must not complete a batch of the old process.
        self.batch_id += 1;
    }

    pub fn set_rate(&mut self, rate_records_per_s: u32) {
        assert!(rate_records_per_s > 0, "validated at the command edge");
        self.config.rate_records_per_s = rate_records_per_s;
    }

    pub fn state(&self) -> ConsumerState {
        self.state
    }
    pub fn config(&self) -> ConsumerConfig {
        self.config
    }
    pub fn positions(&self) -> &[u64] {
        &self.positions
    }
    pub fn processed(&self) -> u64 {
        self.processed
    }
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }
    pub fn batch_len(&self) -> usize {
        self.batch.len()
    }

    pub fn on_message(&mut self, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::PartitionChange { state } => self.on_metadata(&state, out),
            Msg::OffsetFetchResponse { offsets } if self.state == ConsumerState::Starting => {
                out.note(TraceKind::OffsetsLoaded, [offsets.len() as u64, offsets.iter().sum(), 0]);
                self.positions.clone_from(&offsets);
                self.consumed = offsets;
                self.state = ConsumerState::Fetching;
                self.pump(out);
            }
            Msg::FetchResponse { fetch_id, records, .. } => {
                let Some((&broker, _)) = self.outstanding.iter().find(|(_, &id)| id == fetch_id) else { return };
                self.outstanding.remove(&broker);
                let first = records.first().map_or([0, 0], |r| [r.partition.into(), r.offset]);
                out.note(TraceKind::FetchResponse, [records.len() as u64, first[0], first[1]]);
                for record in &records {
                    self.positions[record.partition as usize] = record.offset + 1;
                }
                self.buffer.extend(records);
                self.pump(out);
            }
            // A response to a request from before a crash: ignore it.
            Msg::OffsetFetchResponse { .. } => {}
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
            Timer::FetchTimeout { fetch_id } => {
                let lost = self.outstanding.iter().find(|(_, &id)| id == fetch_id).map(|(&broker, _)| broker);
                if let Some(broker) = lost {
                    self.outstanding.remove(&broker);
                    self.pump(out);
                }
            }
            other => unreachable!("a consumer never sets {other:?}"),
        }
    }

    /// Keeps the consumer busy: process what is buffered, and fetch from every leader that
    /// has no fetch outstanding once the buffer runs dry.
    fn pump(&mut self, out: &mut Outbox) {
        if matches!(self.state, ConsumerState::Starting | ConsumerState::Crashed) {
            return;
        }
        if self.state == ConsumerState::Fetching && !self.buffer.is_empty() {
            self.begin_batch(out);
        }
        if !self.buffer.is_empty() {
            return;
        }
        let mut by_leader: BTreeMap<u16, Vec<(u32, u64)>> = BTreeMap::new();
        for (p, (leader, _)) in self.leaders.iter().enumerate() {
            if let Some(leader) = leader {
                by_leader.entry(*leader).or_default().push((p as u32, self.positions[p]));
            }
        }
        for (broker, positions) in by_leader {
            if self.outstanding.contains_key(&broker) {
                continue;
            }
            let fetch_id = self.fetch_id_next;
            self.fetch_id_next += 1;
            self.outstanding.insert(broker, fetch_id);
            let max_records = self.config.max_poll_records;
            out.note(TraceKind::Fetch, [positions.len() as u64, max_records.into(), broker.into()]);
            let fetch = Msg::Fetch { fetch_id, positions, max_records, max_wait_us: self.config.fetch_max_wait_us };
            out.send(NodeId::broker(broker), fetch);
            let timeout = self.config.fetch_max_wait_us + self.config.request_timeout_us;
            out.set_timer(Duration::from_us(timeout), Timer::FetchTimeout { fetch_id });
        }
    }

    fn begin_batch(&mut self, out: &mut Outbox) {
        let take = self.buffer.len().min(self.config.max_poll_records as usize);
        self.batch = self.buffer.drain(..take).collect();
        let rate = u64::from(self.config.rate_records_per_s);
        // Ceiling division: a batch never takes less than its records' worth of time.
        let busy_us = (self.batch.len() as u64 * 1_000_000).div_ceil(rate);
        self.state = ConsumerState::Processing;
        out.set_timer(Duration::from_us(busy_us), Timer::BatchProcessed { batch_id: self.batch_id });
    }

    fn finish_batch(&mut self, out: &mut Outbox) {
        let mut duplicates = 0u64;
        let done = self.batch.len() as u64;
        for record in self.batch.drain(..) {
            let p = record.partition as usize;
            if record.offset < self.processed_end[p] {
                duplicates += 1;
            }
            self.processed_end[p] = self.processed_end[p].max(record.offset + 1);
            self.consumed[p] = self.consumed[p].max(record.offset + 1);
        }
        self.processed += done;
        self.duplicates += duplicates;
        out.note(TraceKind::Processed, [done, duplicates, 0]);
        self.batch_id += 1;
        out.send(self.coordinator, Msg::OffsetCommit { offsets: self.consumed.clone() });
        self.state = ConsumerState::Fetching;
        self.pump(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::Record;

    const COORDINATOR: NodeId = NodeId::controller();

    /// A consumer of two partitions, both led by broker 0.
    fn consumer() -> Consumer {
        let config = ConsumerConfig { rate_records_per_s: 1_000, max_poll_records: 500, fetch_max_wait_us: 500_000, request_timeout_us: 30_000_000 };
        let mut c = Consumer::new(COORDINATOR, 2, config);
        for partition in 0..2 {
            let state = PartitionState { partition, replicas: vec![0], leader: Some(0), leader_epoch: 0, isr: vec![0] };
            c.on_message(Msg::PartitionChange { state }, &mut Outbox::default());
        }
        c
    }

    fn records(partition: u32, offsets: std::ops::Range<u64>) -> Vec<FetchedRecord> {
        let record = Record { record_id: 0, key_id: 0, timestamp_us: 0, value_bytes: 1 };
        offsets.map(|offset| FetchedRecord { partition, offset, record }).collect()
    }

    fn response(fetch_id: u64, records: Vec<FetchedRecord>) -> Msg {
        Msg::FetchResponse { fetch_id, records, not_leader: Vec::new() }
    }

    /// Starts the consumer at `offsets` and returns the id of its first fetch.
    fn started(c: &mut Consumer, offsets: Vec<u64>) -> u64 {
        let mut out = Outbox::default();
        c.start(&mut out);
        assert_eq!(out.sends, [(COORDINATOR, Msg::OffsetFetch)]);
        c.on_message(Msg::OffsetFetchResponse { offsets }, &mut out);
        match out.sends.last() {
            Some((to, Msg::Fetch { fetch_id, .. })) if *to == NodeId::broker(0) => *fetch_id,
            other => panic!("expected a fetch to the leader, got {other:?}"),
        }
    }

    #[test]
    fn resumes_from_the_committed_offsets() {
        let mut c = consumer();
        started(&mut c, vec![7, 3]);
        assert_eq!(c.positions(), [7, 3]);
        assert_eq!(c.state(), ConsumerState::Fetching);
    }

    #[test]
    fn processing_takes_time_proportional_to_the_batch_then_commits() {
        let mut c = consumer();
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(response(fetch_id, records(1, 0..250)), &mut out);
        // 250 records at 1000 records/s take 250 ms.
        assert!(out.timers.contains(&(Duration::from_ms(250), Timer::BatchProcessed { batch_id: 0 })));
        assert!(out.timers.contains(&(Duration::from_ms(30_500), Timer::FetchTimeout { fetch_id: fetch_id + 1 })));
        // Like Kafka's fetcher, it fetches the next records while it processes these.
        assert!(out.sends.iter().any(|(_, m)| matches!(m, Msg::Fetch { positions, .. } if positions == &[(0, 0), (1, 250)])));
        let mut out = Outbox::default();
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        assert_eq!(c.processed(), 250);
        assert_eq!(out.sends, [(COORDINATOR, Msg::OffsetCommit { offsets: vec![0, 250] })], "the prefetch is still outstanding");
    }

    #[test]
    fn a_crash_forgets_the_batch_and_reprocessing_counts_duplicates() {
        let mut c = consumer();
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(response(fetch_id, records(0, 0..10)), &mut out);
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        // Processed 0..10 and sent the commit, but the coordinator never got it; then a crash.
        c.crash();
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        assert_eq!(c.processed(), 10);
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(response(fetch_id, records(0, 0..12)), &mut out);
        let Some(&(_, Timer::BatchProcessed { batch_id })) = out.timers.iter().find(|(_, t)| matches!(t, Timer::BatchProcessed { .. })) else {
            panic!("expected a processing timer");
        };
        c.on_timer(Timer::BatchProcessed { batch_id }, &mut out);
        assert_eq!(c.processed(), 22);
        assert_eq!(c.duplicates(), 10);
    }

    #[test]
    fn stale_fetch_responses_are_ignored() {
        let mut c = consumer();
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(response(fetch_id + 99, records(0, 0..5)), &mut out);
        assert!(out.is_empty());
        assert_eq!(c.state(), ConsumerState::Fetching);
    }

    #[test]
    fn fetches_go_to_each_partitions_leader() {
        let mut c = consumer();
        let state = PartitionState { partition: 1, replicas: vec![0, 1], leader: Some(1), leader_epoch: 1, isr: vec![1] };
        c.on_message(Msg::PartitionChange { state }, &mut Outbox::default());
        let mut out = Outbox::default();
        c.start(&mut out);
        c.on_message(Msg::OffsetFetchResponse { offsets: vec![4, 9] }, &mut out);
        let fetches: Vec<(NodeId, Vec<(u32, u64)>)> =
            out.sends.iter().filter_map(|(to, m)| if let Msg::Fetch { positions, .. } = m { Some((*to, positions.clone())) } else { None }).collect();
        assert_eq!(fetches, [(NodeId::broker(0), vec![(0, 4)]), (NodeId::broker(1), vec![(1, 9)])]);
    }
}
