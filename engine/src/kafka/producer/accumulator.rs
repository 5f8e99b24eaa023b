//! The record accumulator: where a producer's records wait to be sent. Each partition has a
//! queue of batches; a record joins the newest batch if it still fits in `batch.size`, and a
//! batch becomes ready when it is full or has lingered `linger.ms`. Waiting a little lets
//! records share one request, one header and one compression run: that is Kafka's
//! throughput-for-latency trade, and this module follows Kafka's `RecordAccumulator`.

use crate::kafka::compression::{CompressionType, RatioEstimator};
use crate::kafka::log::{ProducerStamp, Record};
use crate::kafka::record_format::{record_bytes, single_record_batch_bytes_max};
use crate::sim::SimTime;
use std::collections::VecDeque;

/// Validated batching settings; times in µs.
#[derive(Clone, Copy, Debug)]
pub struct BatchingConfig {
    /// Kafka's batch.size: a batch takes no record that would grow it past this.
    pub batch_size_bytes: u32,
    /// Kafka's linger.ms: how long a batch that is not full waits for more records.
    pub linger_us: u64,
    /// Kafka's retry.backoff.ms: how long a failed batch waits before it is sent again.
    pub retry_backoff_us: u64,
    pub compression: CompressionType,
}

/// A batch of records for one partition, from its first record until it is settled.
#[derive(Clone, Debug)]
pub struct ProducerBatch {
    pub batch_id: u64,
    pub partition: u32,
    pub records: Vec<Record>,
    /// The records' v2 sizes added up, before compression.
    pub records_bytes: u32,
    /// Header plus compressed records; known once the batch is closed for sending.
    pub wire_bytes: u32,
    pub created_at: SimTime,
    /// Creation, or the latest failed attempt: linger and backoff count from here.
    pub last_attempt_at: SimTime,
    /// Failed attempts so far (Kafka's `attempts`); above zero, the batch is a retry.
    pub retries: u32,
    /// Set when an idempotent producer first sends it, and kept for every retry.
    pub producer: Option<ProducerStamp>,
    /// The most bytes it may grow to: batch.size, or more for one record larger than that.
    write_limit_bytes: u32,
    /// The compression ratio the producer expected when the batch was opened.
    estimated_ratio: f32,
    base_timestamp_ms: i64,
    /// Closed batches take no more records: they have been sent at least once.
    closed: bool,
}

impl ProducerBatch {
    fn open(batch_id: u64, partition: u32, record: Record, key_bytes: u32, now: SimTime, limit: u32, ratio: f32) -> Self {
        let write_limit_bytes = limit.max(single_record_batch_bytes_max(key_bytes, record.value_bytes));
        ProducerBatch {
            batch_id,
            partition,
            records: vec![record],
            records_bytes: record_bytes(0, 0, key_bytes, record.value_bytes),
            wire_bytes: 0,
            created_at: now,
            last_attempt_at: now,
            retries: 0,
            producer: None,
            write_limit_bytes,
            estimated_ratio: ratio,
            base_timestamp_ms: timestamp_ms(&record),
            closed: false,
        }
    }

    pub fn record_count(&self) -> u32 {
        self.records.len() as u32
    }

    /// Full, as Kafka judges it before compressing: closed, or its estimated size has
    /// reached the write limit.
    pub fn is_full(&self, compression: CompressionType) -> bool {
        self.closed || self.write_limit_bytes <= compression.estimated_batch_bytes(self.records_bytes, self.estimated_ratio)
    }

    /// Adds the record if it fits (Kafka's `hasRoomFor`); false means "start a new batch".
    fn try_append(&mut self, record: Record, key_bytes: u32, compression: CompressionType) -> bool {
        if self.is_full(compression) {
            return false;
        }
        let delta_ms = timestamp_ms(&record) - self.base_timestamp_ms;
        let size = record_bytes(self.record_count(), delta_ms, key_bytes, record.value_bytes);
        if compression.estimated_batch_bytes(self.records_bytes, self.estimated_ratio) + size > self.write_limit_bytes {
            return false;
        }
        self.records.push(record);
        self.records_bytes += size;
        true
    }
}

/// Kafka timestamps are milliseconds; a record's deltas are counted in them.
fn timestamp_ms(record: &Record) -> i64 {
    i64::try_from(record.timestamp_us / 1_000).unwrap_or(i64::MAX)
}

#[derive(Clone)]
pub struct Accumulator {
    config: BatchingConfig,
    queues: Vec<VecDeque<ProducerBatch>>,
    estimator: RatioEstimator,
    batch_id_next: u64,
}

impl Accumulator {
    pub fn new(partitions: u32, config: BatchingConfig) -> Self {
        let queues = (0..partitions).map(|_| VecDeque::new()).collect();
        Accumulator { config, queues, estimator: RatioEstimator::default(), batch_id_next: 0 }
    }

    /// Adds a record to its partition's newest batch, or opens a new batch for it. Returns
    /// the id of the batch it opened, if it did.
    pub fn append(&mut self, partition: u32, record: Record, key_bytes: u32, now: SimTime) -> Option<u64> {
        let compression = self.config.compression;
        let queue = &mut self.queues[partition as usize];
        if queue.back_mut().is_some_and(|last| last.try_append(record, key_bytes, compression)) {
            return None;
        }
        let batch_id = self.batch_id_next;
        self.batch_id_next += 1;
        let limit = self.config.batch_size_bytes;
        queue.push_back(ProducerBatch::open(batch_id, partition, record, key_bytes, now, limit, self.estimator.estimate()));
        Some(batch_id)
    }

    /// The partition's first batch, if Kafka's sender would take it now: a retry once its
    /// backoff has passed; otherwise a batch that is full (or has another behind it) or has
    /// waited linger.ms.
    pub fn ready_head(&self, partition: u32, now: SimTime) -> Option<&ProducerBatch> {
        let queue = &self.queues[partition as usize];
        let head = queue.front()?;
        let waited_us = now.since(head.last_attempt_at).as_us();
        if head.retries > 0 {
            return (waited_us >= self.config.retry_backoff_us).then_some(head);
        }
        let full = queue.len() > 1 || head.is_full(self.config.compression);
        (full || waited_us >= self.config.linger_us).then_some(head)
    }

    /// Takes the partition's first batch for sending and closes it: its wire size is fixed
    /// now, and what it compressed to teaches the ratio estimator (Kafka updates the
    /// estimate every time a batch is drained, retries included).
    pub fn take_head(&mut self, partition: u32) -> Option<ProducerBatch> {
        let mut batch = self.queues[partition as usize].pop_front()?;
        batch.closed = true;
        batch.wire_bytes = self.config.compression.batch_wire_bytes(batch.records_bytes);
        self.estimator.observe(batch.wire_bytes, batch.records_bytes);
        Some(batch)
    }

    /// Puts a failed batch back for a retry: ahead of the batches never sent, and among
    /// retries in sequence order, so an idempotent producer resends in the original order.
    pub fn reenqueue(&mut self, mut batch: ProducerBatch, now: SimTime) {
        batch.retries += 1;
        batch.last_attempt_at = now;
        let queue = &mut self.queues[batch.partition as usize];
        let at = match batch.producer {
            Some(stamp) => {
                let later = |b: &ProducerBatch| b.producer.is_none_or(|s| s.base_sequence > stamp.base_sequence);
                queue.iter().position(later).unwrap_or(queue.len())
            }
            // Without sequences Kafka simply puts it first: retries can overtake each other.
            None => 0,
        };
        queue.insert(at, batch);
    }

    /// Removes a batch (its delivery timeout passed), wherever it waits.
    pub fn remove(&mut self, batch_id: u64) -> Option<ProducerBatch> {
        self.queues.iter_mut().find_map(|queue| {
            let index = queue.iter().position(|b| b.batch_id == batch_id)?;
            queue.remove(index)
        })
    }

    /// The batches waiting for `partition`, first to be sent first.
    pub fn queued_mut(&mut self, partition: u32) -> impl Iterator<Item = &mut ProducerBatch> {
        self.queues[partition as usize].iter_mut()
    }

    /// Every batch waiting, partition by partition.
    pub fn batches(&self) -> impl Iterator<Item = &ProducerBatch> {
        self.queues.iter().flatten()
    }

    pub fn queued_records(&self) -> u64 {
        self.queues.iter().flatten().map(|b| u64::from(b.record_count())).sum()
    }

    pub fn estimated_ratio(&self) -> f32 {
        self.estimator.estimate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(batch_size_bytes: u32, compression: CompressionType) -> BatchingConfig {
        BatchingConfig { batch_size_bytes, linger_us: 5_000, retry_backoff_us: 100_000, compression }
    }

    fn record(record_id: u64) -> Record {
        Record { record_id, key_id: 0, timestamp_us: record_id * 1_000, value_bytes: 320, payload: crate::workload::Payload::None }
    }

    /// Appends records to partition 0 until a second batch opens, then takes the first and
    /// returns how many records it holds.
    fn fill_first_batch(accumulator: &mut Accumulator) -> u32 {
        let mut id = 0;
        while accumulator.queues[0].len() < 2 {
            accumulator.append(0, record(id), 20, SimTime::ZERO);
            id += 1;
        }
        accumulator.take_head(0).map_or(0, |b| b.record_count())
    }

    #[test]
    fn a_batch_takes_records_until_the_next_would_pass_batch_size() {
        let mut accumulator = Accumulator::new(1, config(16_384, CompressionType::None));
        // 61-byte header; records of about 349 bytes: 46 fit under 16,384 bytes, 47 do not.
        assert_eq!(fill_first_batch(&mut accumulator), 46);
    }

    #[test]
    fn ready_when_full_or_lingered_and_retries_wait_for_the_backoff() {
        let mut accumulator = Accumulator::new(1, config(16_384, CompressionType::None));
        accumulator.append(0, record(0), 20, SimTime::ZERO);
        assert!(accumulator.ready_head(0, SimTime::from_us(4_999)).is_none(), "lingering");
        assert!(accumulator.ready_head(0, SimTime::from_us(5_000)).is_some(), "linger.ms passed");
        let batch = accumulator.take_head(0).expect("queued");
        accumulator.reenqueue(batch, SimTime::from_us(10_000));
        assert!(accumulator.ready_head(0, SimTime::from_us(109_999)).is_none(), "backing off");
        assert!(accumulator.ready_head(0, SimTime::from_us(110_000)).is_some());
        accumulator.append(0, record(1), 20, SimTime::from_us(110_000));
        assert_eq!(accumulator.queued_records(), 2, "a closed batch takes no more records");
    }

    #[test]
    fn a_record_larger_than_batch_size_gets_a_batch_of_its_own() {
        let mut accumulator = Accumulator::new(1, config(100, CompressionType::None));
        assert_eq!(accumulator.append(0, record(0), 20, SimTime::ZERO), Some(0));
        assert_eq!(accumulator.append(0, record(1), 20, SimTime::ZERO), Some(1));
        assert!(accumulator.ready_head(0, SimTime::ZERO).is_some(), "followed by another batch: full");
    }

    #[test]
    fn compression_lets_more_records_into_a_batch_once_the_estimate_has_learned() {
        let mut accumulator = Accumulator::new(1, config(16_384, CompressionType::Zstd));
        let first = fill_first_batch(&mut accumulator);
        assert!(first < 46, "the estimate starts at 1.0 with a 5% margin: {first}");
        for _ in 0..300 {
            fill_first_batch(&mut accumulator);
        }
        assert!(accumulator.estimated_ratio() < 0.45, "{}", accumulator.estimated_ratio());
        assert!(fill_first_batch(&mut accumulator) > 100, "about 16 KiB of compressed output");
    }

    #[test]
    fn retries_go_back_in_sequence_order_ahead_of_new_batches() {
        let mut accumulator = Accumulator::new(1, config(0, CompressionType::None));
        for id in 0..3 {
            accumulator.append(0, record(id), 20, SimTime::ZERO);
        }
        let mut taken: Vec<ProducerBatch> = (0..2).filter_map(|_| accumulator.take_head(0)).collect();
        for (sequence, batch) in (0u32..).zip(taken.iter_mut()) {
            batch.producer = Some(ProducerStamp { producer_id: 1_000, producer_epoch: 0, base_sequence: sequence });
        }
        for batch in taken.into_iter().rev() {
            accumulator.reenqueue(batch, SimTime::ZERO);
        }
        let order: Vec<u64> = accumulator.queued_mut(0).map(|b| b.batch_id).collect();
        assert_eq!(order, [0, 1, 2]);
        assert_eq!(accumulator.remove(1).map(|b| b.batch_id), Some(1));
        assert_eq!(accumulator.remove(1).map(|b| b.batch_id), None);
    }
}
