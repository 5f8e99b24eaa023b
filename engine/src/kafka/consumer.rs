//! A consumer: it asks the broker where its group left off (OffsetFetch), then loops: fetch
//! records, process them at its own speed, commit the new positions. When it is slower than
//! the producer, the distance between the log end and the committed offset grows: that
//! distance is consumer lag. A crash loses the batch in hand, and the restarted consumer
//! resumes from the last commit, so records processed but not yet committed are processed
//! again: at-least-once delivery, with the duplicates counted.

use super::protocol::{FetchedRecord, Msg, Outbox, Timer};
use crate::sim::{Duration, NodeId, TraceKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsumerState {
    /// Waiting for its committed offsets from the broker.
    Starting,
    /// A fetch is outstanding (possibly long-polling at the broker).
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
}

pub struct Consumer {
    broker: NodeId,
    config: ConsumerConfig,
    state: ConsumerState,
    positions: Vec<u64>,
    /// Per partition, one past the highest offset ever processed: what downstream has seen.
    /// It survives crashes (it stands for the side effects), so re-processing is detectable.
    processed_end: Vec<u64>,
    batch: Vec<FetchedRecord>,
    fetch_id_next: u64,
    fetch_id_awaited: Option<u64>,
    batch_id: u64,
    processed: u64,
    duplicates: u64,
}

impl Consumer {
    pub fn new(broker: NodeId, partition_count: u32, config: ConsumerConfig) -> Self {
        assert!(config.rate_records_per_s > 0 && config.max_poll_records > 0);
        Consumer {
            broker,
            config,
            state: ConsumerState::Starting,
            positions: vec![0; partition_count as usize],
            processed_end: vec![0; partition_count as usize],
            batch: Vec::new(),
            fetch_id_next: 0,
            fetch_id_awaited: None,
            batch_id: 0,
            processed: 0,
            duplicates: 0,
        }
    }

    pub fn start(&mut self, out: &mut Outbox) {
        self.state = ConsumerState::Starting;
        out.send(self.broker, Msg::OffsetFetch);
    }

    /// The process dies: the batch in hand and the fetch in flight are forgotten.
    pub fn crash(&mut self) {
        self.state = ConsumerState::Crashed;
        self.batch.clear();
        self.fetch_id_awaited = None;
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
            Msg::OffsetFetchResponse { offsets } if self.state == ConsumerState::Starting => {
                out.note(TraceKind::OffsetsLoaded, [offsets.len() as u64, offsets.iter().sum(), 0]);
                self.positions = offsets;
                self.fetch(out);
            }
            Msg::FetchResponse { fetch_id, records } if self.fetch_id_awaited == Some(fetch_id) => {
                self.fetch_id_awaited = None;
                let first = records.first().map_or([0, 0], |r| [r.partition.into(), r.offset]);
                out.note(TraceKind::FetchResponse, [records.len() as u64, first[0], first[1]]);
                if records.is_empty() {
                    self.fetch(out);
                } else {
                    self.begin_batch(records, out);
                }
            }
            // A response to a request from before a crash, or a duplicate: ignore it.
            Msg::OffsetFetchResponse { .. } | Msg::FetchResponse { .. } => {}
            other => unreachable!("a consumer is never sent {}", other.name()),
        }
    }

    pub fn on_timer(&mut self, timer: Timer, out: &mut Outbox) {
        match timer {
            Timer::BatchProcessed { batch_id } if batch_id == self.batch_id => self.finish_batch(out),
            Timer::BatchProcessed { .. } => {}
            other => unreachable!("a consumer never sets {other:?}"),
        }
    }

    fn fetch(&mut self, out: &mut Outbox) {
        let fetch_id = self.fetch_id_next;
        self.fetch_id_next += 1;
        self.fetch_id_awaited = Some(fetch_id);
        self.state = ConsumerState::Fetching;
        let max_records = self.config.max_poll_records;
        out.note(TraceKind::Fetch, [self.positions.len() as u64, max_records.into(), 0]);
        out.send(
            self.broker,
            Msg::Fetch {
                fetch_id,
                positions: self.positions.clone(),
                max_records,
                max_wait_us: self.config.fetch_max_wait_us,
            },
        );
    }

    fn begin_batch(&mut self, records: Vec<FetchedRecord>, out: &mut Outbox) {
        for record in &records {
            self.positions[record.partition as usize] = record.offset + 1;
        }
        let rate = u64::from(self.config.rate_records_per_s);
        // Ceiling division: a batch never takes less than its records' worth of time.
        let busy_us = (records.len() as u64 * 1_000_000).div_ceil(rate);
        self.batch = records;
        self.state = ConsumerState::Processing;
        out.set_timer(Duration::from_us(busy_us), Timer::BatchProcessed { batch_id: self.batch_id });
    }

    fn finish_batch(&mut self, out: &mut Outbox) {
        let mut duplicates = 0u64;
        let done = self.batch.len() as u64;
        for record in self.batch.drain(..) {
            let end = &mut self.processed_end[record.partition as usize];
            if record.offset < *end {
                duplicates += 1;
            }
            *end = (*end).max(record.offset + 1);
        }
        self.processed += done;
        self.duplicates += duplicates;
        out.note(TraceKind::Processed, [done, duplicates, 0]);
        self.batch_id += 1;
        out.send(self.broker, Msg::OffsetCommit { offsets: self.positions.clone() });
        self.fetch(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::Record;

    const BROKER: NodeId = NodeId::broker(0);

    fn consumer() -> Consumer {
        let config = ConsumerConfig { rate_records_per_s: 1_000, max_poll_records: 500, fetch_max_wait_us: 500_000 };
        Consumer::new(BROKER, 2, config)
    }

    fn records(partition: u32, offsets: std::ops::Range<u64>) -> Vec<FetchedRecord> {
        let record = Record { key_id: 0, timestamp_us: 0, value_bytes: 1 };
        offsets.map(|offset| FetchedRecord { partition, offset, record }).collect()
    }

    /// Starts the consumer at `offsets` and returns the id of its first fetch.
    fn started(c: &mut Consumer, offsets: Vec<u64>) -> u64 {
        let mut out = Outbox::default();
        c.start(&mut out);
        assert_eq!(out.sends, [(BROKER, Msg::OffsetFetch)]);
        c.on_message(Msg::OffsetFetchResponse { offsets }, &mut out);
        match out.sends.last() {
            Some((_, Msg::Fetch { fetch_id, .. })) => *fetch_id,
            other => panic!("expected a fetch, got {other:?}"),
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
        c.on_message(Msg::FetchResponse { fetch_id, records: records(1, 0..250) }, &mut out);
        // 250 records at 1000 records/s take 250 ms.
        assert_eq!(out.timers, [(Duration::from_ms(250), Timer::BatchProcessed { batch_id: 0 })]);
        let mut out = Outbox::default();
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        assert_eq!(c.processed(), 250);
        assert_eq!(out.sends[0], (BROKER, Msg::OffsetCommit { offsets: vec![0, 250] }));
        assert!(matches!(out.sends[1], (BROKER, Msg::Fetch { .. })));
    }

    #[test]
    fn a_crash_forgets_the_batch_and_reprocessing_counts_duplicates() {
        let mut c = consumer();
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(Msg::FetchResponse { fetch_id, records: records(0, 0..10) }, &mut out);
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        // Processed 0..10 and sent the commit, but the broker never got it; then a crash.
        c.crash();
        c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
        assert_eq!(c.processed(), 10);
        let fetch_id = started(&mut c, vec![0, 0]);
        let mut out = Outbox::default();
        c.on_message(Msg::FetchResponse { fetch_id, records: records(0, 0..12) }, &mut out);
        let Some((_, Timer::BatchProcessed { batch_id })) = out.timers.first().copied() else {
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
        c.on_message(Msg::FetchResponse { fetch_id: fetch_id + 99, records: records(0, 0..5) }, &mut out);
        assert!(out.is_empty());
        assert_eq!(c.state(), ConsumerState::Fetching);
    }
}
