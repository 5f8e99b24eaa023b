//! The producer's sender (Kafka's `Sender` and `NetworkClient`): it drains ready batches
//! from the accumulator into Produce requests, one batch per request, never more than
//! `max.in.flight.requests.per.connection` unanswered per broker. When a request passes
//! `request.timeout.ms` it closes that broker's connection, as Kafka's client does, so every
//! request on it fails at once and its batch goes back for a retry. For an idempotent
//! producer it also numbers batches and keeps retries in sequence order.

use super::{Producer, Request};
use super::accumulator::ProducerBatch;
use crate::kafka::protocol::{Accounting, Acks, Msg, Outbox, RecordBatch, Timer, REQUEST_TIMED_OUT};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};

impl Producer {
    /// Sends every batch that is ready and allowed to go, one per partition per pass, the
    /// starting partition rotating between drains so that none is always served first.
    pub(super) fn drain(&mut self, now: SimTime, out: &mut Outbox) {
        self.bump_epoch_if_wanted(out);
        let partitions = self.leaders.len() as u32;
        loop {
            let mut sent = false;
            for step in 0..partitions {
                sent |= self.send_head((self.drain_start + step) % partitions, now, out);
            }
            if !sent {
                break;
            }
        }
        self.drain_start = (self.drain_start + 1) % partitions;
        self.maybe_end_transaction(out);
    }

    /// Sends the partition's first batch if it is ready, its leader is known and the
    /// connection to that leader has room. Returns whether it sent.
    fn send_head(&mut self, partition: u32, now: SimTime, out: &mut Outbox) -> bool {
        let Some(leader) = self.leaders[partition as usize].0 else { return false };
        if self.txn.as_ref().is_some_and(|t| !t.may_send(partition)) {
            return false; // Not yet added to the transaction.
        }
        let Some(head) = self.accumulator.ready_head(partition, now) else { return false };
        if self.sequences.as_ref().is_some_and(|s| !s.may_send(partition, head.producer)) {
            return false;
        }
        if self.requests_in_flight(leader) >= self.config.max_in_flight_requests_per_connection {
            return false;
        }
        let Some(mut batch) = self.accumulator.take_head(partition) else { return false };
        if let Some(sequences) = &mut self.sequences {
            // Numbered on its first send only: a retry keeps its number, so a leader that
            // already has it recognises it.
            if batch.producer.is_none() {
                batch.producer = Some(sequences.assign(partition, batch.batch_id, batch.record_count()));
            }
        }
        self.dispatch(batch, leader, now, out);
        true
    }

    /// Renumbers the partitions that found a gap in their sequences under a new producer
    /// epoch, once none of their requests is on the wire (an old-epoch batch arriving after
    /// the renumbering could otherwise be written twice).
    fn bump_epoch_if_wanted(&mut self, out: &mut Outbox) {
        // A transactional producer's epoch belongs to its coordinator: the stuck batches expire,
        // the transaction aborts, and InitProducerId brings the next epoch.
        if self.txn.is_some() {
            return;
        }
        let Some(sequences) = &mut self.sequences else { return };
        let requests = &self.requests;
        let idle: Vec<u32> = sequences.bumps_wanted().filter(|&p| !requests.values().any(|r| r.partition == p)).collect();
        if idle.is_empty() {
            return;
        }
        for (partition, batch_id, stamp) in sequences.bump(&idle) {
            let batch = self.accumulator.queued_mut(partition).find(|b| b.batch_id == batch_id);
            batch.expect("an unsettled batch with nothing on the wire is queued").producer = Some(stamp);
        }
        out.note(TraceKind::ProducerEpochBump, [self.config.producer_id, sequences.epoch().into(), idle.len() as u64]);
    }

    /// Opens a request for the batch. Compression runs first, on the producer's one
    /// compression thread, so a codec's CPU time delays this batch and those after it.
    fn dispatch(&mut self, batch: ProducerBatch, leader: u16, now: SimTime, out: &mut Outbox) {
        let request_id = self.request_id_next;
        self.request_id_next += 1;
        let cpu_us = self.config.batching.compression.cpu_us(batch.records_bytes);
        let (producer, record_count) = (batch.producer, batch.record_count());
        let request = Request { batch_id: batch.batch_id, partition: batch.partition, broker: leader, on_wire: false, producer, record_count };
        self.requests.insert(request_id, request);
        self.sending.insert(batch.batch_id, batch);
        if cpu_us == 0 {
            self.transmit(request_id, out);
            return;
        }
        self.cpu_free_at = self.cpu_free_at.max(now) + Duration::from_us(cpu_us);
        out.set_timer(self.cpu_free_at.since(now), Timer::BatchCompressed { request_id });
    }

    /// Puts a request's batch on the wire.
    pub(super) fn transmit(&mut self, request_id: u64, out: &mut Outbox) {
        let Some(request) = self.requests.get(&request_id) else { return };
        let (batch_id, partition, broker, acks) = (request.batch_id, request.partition, request.broker, self.config.acks);
        let Some(batch) = self.sending.get(&batch_id) else {
            // Its delivery timeout passed while it was being compressed: nothing to send.
            self.requests.remove(&request_id);
            return;
        };
        self.requests.set_on_wire(&request_id);
        out.note(TraceKind::BatchSent, [partition.into(), batch.record_count().into(), batch.wire_bytes.into()]);
        self.stats.batches_sent += 1;
        self.stats.wire_bytes_sent += u64::from(batch.wire_bytes);
        let wire = RecordBatch { records: batch.records.clone(), producer: batch.producer, wire_bytes: batch.wire_bytes, transactional: self.txn.is_some() };
        out.send(NodeId::broker(broker), Msg::Produce { request_id, partition, batch: wire, acks });
        if acks != Acks::None {
            out.set_timer(Duration::from_us(self.config.request_timeout_us), Timer::RequestTimeout { request_id });
            return;
        }
        // Fire and forget: the request is done once written, and so are its records.
        self.requests.remove(&request_id);
        if let Some(batch) = self.sending.remove(&batch_id) {
            for record in &batch.records {
                out.account(Accounting::Unconfirmed { record_id: record.record_id });
            }
            self.stats.unconfirmed += u64::from(batch.record_count());
        }
    }

    /// No answer within request.timeout.ms: Kafka's client closes the connection to that
    /// broker, failing every request on it (oldest first), and each batch is retried.
    pub(super) fn on_request_timeout(&mut self, request_id: u64, now: SimTime, out: &mut Outbox) {
        let Some(timed_out) = self.requests.get(&request_id) else { return };
        let broker = timed_out.broker;
        let on_connection: Vec<u64> = self.requests.iter().filter(|(_, r)| r.broker == broker && r.on_wire).map(|(&id, _)| id).collect();
        for id in on_connection {
            let Some(request) = self.requests.remove(&id) else { continue };
            if let Some(batch) = self.sending.remove(&request.batch_id) {
                self.retry_or_fail(batch, REQUEST_TIMED_OUT, now, out);
            }
        }
        self.drain(now, out);
    }
}
