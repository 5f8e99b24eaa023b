//! A producer: an application writing records to a topic. Arrivals form a Poisson process
//! (independent, exponentially spaced), which is how many independent payers look from the
//! broker's side. Each record's key picks its partition, Kafka-style; the record joins that
//! partition's batch in the accumulator, and the sender ships ready batches to the
//! partition's leader, at most `max.in.flight.requests.per.connection` unanswered per broker.
//! With acks=1 or all the producer waits for an answer and retries retriable errors after
//! `retry.backoff.ms`, until `delivery.timeout.ms` runs out.

pub mod accumulator;
mod in_flight;
mod sender;
mod sequences;
mod transaction;

pub use transaction::{TransactionConfig, TransactionState};
use transaction::TransactionClient;

use super::keys::KeySpace;
use super::log::{ProducerStamp, Record, NO_KEY};
use super::protocol::{Accounting, Acks, Msg, Outbox, PartitionState, ProduceError, Timer};
use crate::scenario::ProducerSpec;
use crate::sim::{Duration, SimRng, SimTime, TraceKind};
use crate::workload::{Arrival, Generator, Payload};
use accumulator::{Accumulator, BatchingConfig, ProducerBatch};
use sequences::Sequences;
use std::collections::BTreeMap;

/// Producer ids are `PRODUCER_ID_BASE + the producer's index` (producer-0 is 1000). Kafka's
/// brokers hand out ids from blocks the controller allocates (InitProducerId); a fixed,
/// documented id keeps runs reproducible and the id recognisable in traces.
pub const PRODUCER_ID_BASE: u64 = 1_000;

/// Validated producer settings; times in µs.
#[derive(Clone, Copy, Debug)]
pub struct ProducerConfig {
    pub rate_records_per_s: u32,
    pub value_bytes: u32,
    pub acks: Acks,
    pub request_timeout_us: u64,
    pub delivery_timeout_us: u64,
    pub batching: BatchingConfig,
    /// Kafka's max.in.flight.requests.per.connection.
    pub max_in_flight_requests_per_connection: u32,
    /// Kafka's enable.idempotence, as the scenario resolved it.
    pub idempotence: bool,
    pub producer_id: u64,
    /// Share of records sent as tombstones (no value: "delete this key"), 0 to 100 percent.
    pub tombstone_percent: u32,
    /// Share of records sent without a key (sticky partitioning), 0 to 100 percent.
    pub keyless_percent: u32,
}

impl ProducerConfig {
    /// The engine's settings for a validated scenario's producer number `index`.
    pub fn from_spec(spec: &ProducerSpec, index: u16) -> ProducerConfig {
        let us = |ms: u32| Duration::from_ms(ms.into()).as_us();
        ProducerConfig {
            rate_records_per_s: spec.records_per_s,
            value_bytes: spec.value_bytes,
            acks: spec.acks,
            request_timeout_us: us(spec.request_timeout_ms),
            delivery_timeout_us: us(spec.delivery_timeout_ms),
            batching: BatchingConfig {
                batch_size_bytes: spec.batch_size_bytes,
                linger_us: us(spec.linger_ms),
                retry_backoff_us: us(spec.retry_backoff_ms),
                compression: spec.compression_type,
            },
            max_in_flight_requests_per_connection: spec.max_in_flight_requests_per_connection,
            tombstone_percent: spec.tombstone_percent,
            keyless_percent: spec.keyless_percent,
            idempotence: spec.idempotence(),
            producer_id: PRODUCER_ID_BASE + u64::from(index),
        }
    }
}

/// What the producer has done so far, for views and tests. Records and batches are counted
/// apart: one batch carries many records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProducerStats {
    /// Records created.
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    /// acks=0 records sent without waiting for an answer.
    pub unconfirmed: u64,
    /// Batches put back for another attempt.
    pub retries: u64,
    /// Error answers and request timeouts.
    pub errors: u64,
    /// Produce requests sent, and their bytes on the wire.
    pub batches_sent: u64,
    pub wire_bytes_sent: u64,
}

/// A Produce request the producer has not heard back about.
#[derive(Clone)]
struct Request {
    batch_id: u64,
    partition: u32,
    broker: u16,
    /// False while the batch is still being compressed.
    on_wire: bool,
    /// The batch's stamp and size, kept here because the batch may expire before the answer.
    producer: Option<ProducerStamp>,
    record_count: u32,
}

#[derive(Clone)]
pub struct Producer {
    keys: KeySpace,
    rng: SimRng,
    config: ProducerConfig,
    /// Per partition: its leader and leader epoch, as the latest metadata says.
    leaders: Vec<(Option<u16>, u32)>,
    accumulator: Accumulator,
    /// Batches taken from the accumulator whose request is being compressed or answered.
    sending: BTreeMap<u64, ProducerBatch>,
    requests: in_flight::InFlight,
    /// Sequence numbering, for an idempotent producer.
    sequences: Option<Sequences>,
    /// When the producer's compression work queued so far is done: one thread compresses.
    cpu_free_at: SimTime,
    /// Where the next drain starts, so no partition always goes first (Kafka's drainIndex).
    drain_start: u32,
    /// This producer's clock error: it stamps records with now + offset (CreateTime).
    clock_offset_ms: i64,
    /// The share of records (0 to 100 %) sent with key 0, the busiest key: a hot key.
    hot_key_percent: u32,
    /// The keyless records' current partition and the bytes sent to it (NO_KEY: none yet).
    sticky: (u32, u64),
    request_id_next: u64,
    stats: ProducerStats,
    /// The transactional side, when `transactional.id` is set.
    txn: Option<TransactionClient>,
    /// A domain workload's generator, which then decides arrivals, keys and payloads, and
    /// the arrival it has decided on next.
    generator: Option<(Generator, Option<Arrival>)>,
}

impl Producer {
    pub fn new(keys: KeySpace, rng: SimRng, partitions: u32, config: ProducerConfig) -> Self {
        assert!(config.rate_records_per_s > 0, "a rate of zero would never send");
        assert!(config.max_in_flight_requests_per_connection > 0, "validated: at least one request in flight");
        Producer {
            keys,
            rng,
            config,
            leaders: vec![(None, 0); partitions as usize],
            accumulator: Accumulator::new(partitions, config.batching),
            sending: BTreeMap::new(),
            requests: in_flight::InFlight::default(),
            sequences: config.idempotence.then(|| Sequences::new(config.producer_id, partitions)),
            cpu_free_at: SimTime::ZERO,
            drain_start: 0,
            clock_offset_ms: 0,
            hot_key_percent: 0,
            sticky: (NO_KEY, 0),
            request_id_next: 0,
            stats: ProducerStats::default(),
            txn: None,
            generator: None,
        }
    }

    /// Sends what a domain workload generates instead of Poisson arrivals of Zipf keys.
    pub fn with_generator(mut self, generator: Generator) -> Self {
        self.generator = Some((generator, None));
        self
    }

    /// Makes this a transactional producer: its producer id and epoch come from the
    /// transaction coordinator (validation made sure idempotence is on).
    pub fn with_transactions(mut self, config: TransactionConfig) -> Self {
        assert!(self.config.idempotence, "validated: transactions need idempotence");
        self.sequences = None;
        self.txn = Some(TransactionClient::new(config));
        self
    }

    pub fn start(&mut self, out: &mut Outbox) {
        self.init_transactions(out);
        self.schedule_next(SimTime::ZERO, out);
    }

    /// The transaction state, for a transactional producer.
    pub fn transaction_state(&self) -> Option<TransactionState> {
        self.txn.as_ref().map(|t| t.state)
    }
    /// Transactions committed and aborted so far.
    pub fn transactions_ended(&self) -> (u64, u64) {
        self.txn.as_ref().map_or((0, 0), |t| (t.committed, t.aborted))
    }

    pub fn set_rate(&mut self, rate_records_per_s: u32) {
        assert!(rate_records_per_s > 0, "validated at the command edge");
        self.config.rate_records_per_s = rate_records_per_s;
    }

    /// Skews this producer's clock: later records carry timestamps off by `offset_ms`.
    pub fn set_clock_offset_ms(&mut self, offset_ms: i64) {
        self.clock_offset_ms = offset_ms;
    }

    /// Sends `percent` of later records with key 0. A workload's generator decides its own
    /// keys (the payer, the author), so there the command is refused rather than ignored.
    pub fn set_hot_key_percent(&mut self, percent: u32) -> Result<(), crate::error::InputError> {
        if self.generator.is_some() {
            return Err(crate::error::InputError::new("command", "hot_key: this scenario's workload decides every record's key; raise producer.key_skew in a scenario without a workload instead"));
        }
        self.hot_key_percent = percent;
        Ok(())
    }

    pub fn config(&self) -> ProducerConfig {
        self.config
    }
    pub fn keys(&self) -> &KeySpace {
        &self.keys
    }
    pub fn stats(&self) -> ProducerStats {
        self.stats
    }
    pub fn sent(&self) -> u64 {
        self.stats.sent
    }
    /// The oldest record this producer may still send, send again or abort: in a batch it
    /// holds or in its open transaction (the fate ledger keeps every record from it on).
    pub fn oldest_record_in_hand(&self) -> Option<u64> {
        let batches = self.accumulator.batches().chain(self.sending.values());
        let held = batches.flat_map(|batch| batch.records.iter().map(|r| r.record_id));
        let in_transaction = self.txn.iter().flat_map(|txn| txn.record_ids());
        held.chain(in_transaction).min()
    }
    pub fn acked(&self) -> u64 {
        self.stats.acked
    }
    pub fn failed(&self) -> u64 {
        self.stats.failed
    }
    /// Error responses and request timeouts seen so far.
    pub fn errors(&self) -> u64 {
        self.stats.errors
    }
    pub fn retries(&self) -> u64 {
        self.stats.retries
    }
    /// Records created and not yet settled (acknowledged, failed or sent with acks=0).
    pub fn in_flight(&self) -> u64 {
        let s = self.stats;
        s.sent - s.acked - s.failed - s.unconfirmed
    }
    /// Records waiting in the accumulator (not yet taken for a request).
    pub fn queued_records(&self) -> u64 {
        self.accumulator.queued_records()
    }
    /// Produce requests to `broker` not yet answered: what max.in.flight bounds.
    pub fn requests_in_flight(&self, broker: u16) -> u32 {
        self.requests.to_broker(broker)
    }

    pub fn on_timer(&mut self, now: SimTime, timer: Timer, out: &mut Outbox) {
        match timer {
            Timer::ProducerSend => {
                self.create_record(now, out);
                self.schedule_next(now, out);
            }
            Timer::Linger { .. } | Timer::Retry { .. } => self.drain(now, out),
            Timer::RequestTimeout { request_id } => self.on_request_timeout(request_id, now, out),
            Timer::DeliveryTimeout { batch_id } => self.expire(batch_id, now, out),
            Timer::BatchCompressed { request_id } => {
                self.transmit(request_id, out);
                self.drain(now, out);
            }
            Timer::TransactionDue { txn } => self.on_transaction_due(txn, now, out),
            other => unreachable!("a producer never sets {other:?}"),
        }
    }

    pub fn on_message(&mut self, msg: Msg, now: SimTime, out: &mut Outbox) {
        match msg {
            Msg::ProduceResponse { request_id, result, .. } => self.on_response(request_id, result, now, out),
            Msg::PartitionChange { state } => self.on_metadata(&state, now, out),
            other => self.on_transaction_message(other, now, out),
        }
    }

    /// The application sends a record: it joins its partition's batch.
    fn create_record(&mut self, now: SimTime, out: &mut Outbox) {
        if let Some((_, staged)) = &mut self.generator {
            let arrival = staged.take().expect("an arrival is staged before its timer is set");
            let partition = self.keys.partition(arrival.key_id);
            let record = Record { record_id: self.stats.sent, key_id: arrival.key_id, timestamp_us: self.stamp(now), value_bytes: arrival.value_bytes, payload: arrival.payload };
            return self.send_record(partition, record, false, now, out);
        }
        // Draw only when keyless records are on, so other runs keep their random streams.
        let keyless = self.config.keyless_percent > 0 && self.rng.below(100) < u64::from(self.config.keyless_percent);
        let (key_id, partition) = if keyless {
            (NO_KEY, self.sticky_partition())
        } else {
            // Draw the hot-key coin only while one is on, so other runs keep their streams.
            let hot = self.hot_key_percent > 0 && self.rng.below(100) < u64::from(self.hot_key_percent);
            let key_id = if hot { 0 } else { self.keys.sample(&mut self.rng) };
            (key_id, self.keys.partition(key_id))
        };
        // Draw only when tombstones are on, so other runs keep their random streams.
        let tombstone = self.config.tombstone_percent > 0 && self.rng.below(100) < u64::from(self.config.tombstone_percent);
        let value_bytes = if tombstone { 0 } else { self.config.value_bytes };
        let record = Record { record_id: self.stats.sent, key_id, timestamp_us: self.stamp(now), value_bytes, payload: Payload::None };
        self.send_record(partition, record, keyless, now, out);
    }

    /// CreateTime: the producer's clock, which may be skewed.
    fn stamp(&self, now: SimTime) -> u64 {
        now.as_us().saturating_add_signed(self.clock_offset_ms.saturating_mul(1_000))
    }

    /// The created record joins its partition's batch (or the open transaction).
    fn send_record(&mut self, partition: u32, record: Record, keyless: bool, now: SimTime, out: &mut Outbox) {
        let (key_id, value_bytes) = (record.key_id, record.value_bytes);
        self.stats.sent += 1;
        // A domain payload's fingerprint joins the trace, so the trace hash covers what the
        // generator said, not only when and where (a generic record's is 0: hashes unchanged).
        let fingerprint = if record.payload == Payload::None { 0 } else { crate::sim::rng::portable_hash(&record.payload) << 1 };
        out.note(TraceKind::Send, [partition.into(), key_id.into(), u64::from(record.is_tombstone()) | fingerprint]);
        out.account(Accounting::Created { record_id: record.record_id, partition, timestamp_us: record.timestamp_us, payload: record.payload });
        let key_bytes = if keyless { 0 } else { self.keys.name_len(key_id) };
        if keyless {
            self.sticky.1 += u64::from(value_bytes + key_bytes);
        }
        if self.txn.is_some() {
            self.enqueue_transactional(partition, record, key_bytes, now, out);
        } else {
            self.append_to_accumulator(partition, record, key_bytes, now, out);
        }
        self.drain(now, out);
    }

    /// The record joins its partition's batch (a new batch starts its delivery timeout).
    fn append_to_accumulator(&mut self, partition: u32, record: Record, key_bytes: u32, now: SimTime, out: &mut Outbox) {
        if let Some(batch_id) = self.accumulator.append(partition, record, key_bytes, now) {
            // Kafka's delivery timeout counts from the batch's creation, for all its records.
            out.set_timer(Duration::from_us(self.config.delivery_timeout_us), Timer::DeliveryTimeout { batch_id });
            if self.config.batching.linger_us > 0 {
                out.set_timer(Duration::from_us(self.config.batching.linger_us), Timer::Linger { batch_id });
            }
        }
    }

    /// Kafka's built-in partitioner for keyless records (KIP-794, the uniform sticky
    /// partitioner): stick to one partition until about batch.size bytes have gone to it,
    /// then pick another at random, so batches fill instead of spreading thin.
    fn sticky_partition(&mut self) -> u32 {
        let (partition, bytes) = self.sticky;
        if partition == NO_KEY || bytes >= u64::from(self.config.batching.batch_size_bytes) {
            let partitions = self.leaders.len() as u64;
            self.sticky = (self.rng.below(partitions) as u32, 0);
        }
        self.sticky.0
    }

    fn on_metadata(&mut self, state: &PartitionState, now: SimTime, out: &mut Outbox) {
        let known = &mut self.leaders[state.partition as usize];
        if state.leader_epoch < known.1 {
            return;
        }
        *known = (state.leader, state.leader_epoch);
        // Batches that were waiting for a leader can go now.
        self.drain(now, out);
    }

    fn on_response(&mut self, request_id: u64, result: Result<u64, ProduceError>, now: SimTime, out: &mut Outbox) {
        // Unknown: its connection was closed after a timeout, and the batch already retried.
        let Some(request) = self.requests.remove(&request_id) else { return };
        if let (Some(sequences), Some(stamp)) = (&mut self.sequences, request.producer) {
            match result {
                Ok(_) => sequences.acked(request.partition, stamp, request.record_count),
                Err(ProduceError::OutOfOrderSequenceNumber) => sequences.out_of_order(request.partition, stamp),
                Err(_) => {}
            }
        }
        // Absent: the batch's delivery timeout passed while the request was out.
        if let Some(batch) = self.sending.remove(&request.batch_id) {
            match result {
                Ok(base_offset) => self.acknowledge(&batch, base_offset, request.broker, out),
                Err(error) if error.is_retriable() => self.retry_or_fail(batch, error.code(), now, out),
                Err(_) => self.fail(&batch, true, out),
            }
        }
        self.drain(now, out);
    }

    fn acknowledge(&mut self, batch: &ProducerBatch, base_offset: u64, broker: u16, out: &mut Outbox) {
        for (offset, record) in (base_offset..).zip(&batch.records) {
            out.note(TraceKind::Ack, [batch.partition.into(), offset, record.record_id]);
            out.account(Accounting::Acknowledged { record_id: record.record_id, broker });
        }
        self.stats.acked += u64::from(batch.record_count());
    }

    /// A failed attempt: back into the accumulator for another try after the backoff, unless
    /// the batch has used up its delivery timeout.
    fn retry_or_fail(&mut self, batch: ProducerBatch, error_code: u64, now: SimTime, out: &mut Outbox) {
        let first_record = batch.records.first().map_or(0, |r| r.record_id);
        self.stats.errors += 1;
        out.note(TraceKind::ProduceError, [first_record, error_code, u64::from(batch.retries) + 1]);
        if now.since(batch.created_at).as_us() >= self.config.delivery_timeout_us {
            self.fail(&batch, true, out);
            return;
        }
        self.stats.retries += 1;
        let batch_id = batch.batch_id;
        self.accumulator.reenqueue(batch, now);
        out.set_timer(Duration::from_us(self.config.batching.retry_backoff_us), Timer::Retry { batch_id });
    }

    /// The batch fails for good. `maybe_written`: an attempt of it may be in the log, so an
    /// idempotent producer cannot be sure where its sequence stands.
    fn fail(&mut self, batch: &ProducerBatch, maybe_written: bool, out: &mut Outbox) {
        for record in &batch.records {
            out.account(Accounting::Failed { record_id: record.record_id });
        }
        self.stats.failed += u64::from(batch.record_count());
        self.on_record_failed(out);
        if let (Some(sequences), Some(stamp)) = (&mut self.sequences, batch.producer) {
            sequences.failed(batch.partition, stamp, batch.record_count(), maybe_written);
        }
    }

    /// delivery.timeout.ms has passed since the batch was created: if it is still unsettled,
    /// it fails now, queued or in flight (Kafka expires in-flight batches too; a late answer
    /// to their request is then ignored).
    fn expire(&mut self, batch_id: u64, now: SimTime, out: &mut Outbox) {
        let batch = self.sending.remove(&batch_id).or_else(|| self.accumulator.remove(batch_id));
        if let Some(batch) = batch {
            // As Kafka: only a batch that was already retried leaves its sequence unresolved.
            self.fail(&batch, batch.retries > 0, out);
            self.drain(now, out);
        }
    }

    fn schedule_next(&mut self, now: SimTime, out: &mut Outbox) {
        if let Some((generator, staged)) = &mut self.generator {
            let arrival = generator.next(now, self.config.rate_records_per_s, &self.keys);
            *staged = Some(arrival);
            out.set_timer(arrival.at.since(now), Timer::ProducerSend);
            return;
        }
        let mean_gap_us = 1_000_000.0 / f64::from(self.config.rate_records_per_s);
        // At least 1 µs apart, so records keep a strict order in time.
        let gap = self.rng.exponential_us(mean_gap_us).max(1);
        out.set_timer(Duration::from_us(gap), Timer::ProducerSend);
    }
}

#[cfg(test)]
mod tests;
