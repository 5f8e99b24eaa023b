//! A producer: an application writing records to a topic. Arrivals form a Poisson process
//! (independent, exponentially spaced), which is how many independent payers look from the
//! broker's side. Each record's key picks its partition, Kafka-style, and the record goes to
//! that partition's leader. With acks=1 or all the producer waits for an answer and retries
//! retriable errors after `retry.backoff.ms`, until `delivery.timeout.ms` runs out.

use super::keys::KeySpace;
use super::log::Record;
use super::protocol::{Accounting, Acks, Msg, Outbox, PartitionState, ProduceError, Timer};
use crate::sim::{Duration, NodeId, SimRng, SimTime, TraceKind};
use std::collections::BTreeMap;

/// Validated producer settings; times in µs.
#[derive(Clone, Copy, Debug)]
pub struct ProducerConfig {
    pub rate_records_per_s: u32,
    pub value_bytes: u32,
    pub acks: Acks,
    pub request_timeout_us: u64,
    pub delivery_timeout_us: u64,
    pub retry_backoff_us: u64,
}

/// A record the producer has not yet settled.
struct Pending {
    record: Record,
    partition: u32,
    created_at: SimTime,
    attempt: u32,
    /// The request of the latest attempt; earlier attempts' timeouts are ignored.
    request_id: Option<u64>,
    /// No leader was known at the last attempt: it waits for metadata (or the timeout).
    waiting_for_leader: bool,
}

pub struct Producer {
    keys: KeySpace,
    rng: SimRng,
    config: ProducerConfig,
    leaders: Vec<(Option<u16>, u32)>,
    pending: BTreeMap<u64, Pending>,
    /// request id → (record id, broker asked), for every attempt still awaiting an answer.
    requests: BTreeMap<u64, (u64, Option<u16>)>,
    /// This producer's clock error: it stamps records with now + offset (CreateTime).
    clock_offset_ms: i64,
    request_id_next: u64,
    sent: u64,
    acked: u64,
    failed: u64,
    retries: u64,
    errors: u64,
}

impl Producer {
    pub fn new(keys: KeySpace, rng: SimRng, partitions: u32, config: ProducerConfig) -> Self {
        assert!(config.rate_records_per_s > 0, "a rate of zero would never send");
        let leaders = vec![(None, 0); partitions as usize];
        let (pending, requests) = (BTreeMap::new(), BTreeMap::new());
        Producer { keys, rng, config, leaders, pending, requests, clock_offset_ms: 0, request_id_next: 0, sent: 0, acked: 0, failed: 0, retries: 0, errors: 0 }
    }

    pub fn start(&mut self, out: &mut Outbox) {
        self.schedule_next(out);
    }

    pub fn set_rate(&mut self, rate_records_per_s: u32) {
        assert!(rate_records_per_s > 0, "validated at the command edge");
        self.config.rate_records_per_s = rate_records_per_s;
    }

    /// Skews this producer's clock: later records carry timestamps off by `offset_ms`.
    pub fn set_clock_offset_ms(&mut self, offset_ms: i64) {
        self.clock_offset_ms = offset_ms;
    }

    pub fn config(&self) -> ProducerConfig {
        self.config
    }
    pub fn keys(&self) -> &KeySpace {
        &self.keys
    }
    pub fn sent(&self) -> u64 {
        self.sent
    }
    pub fn acked(&self) -> u64 {
        self.acked
    }
    pub fn failed(&self) -> u64 {
        self.failed
    }
    pub fn retries(&self) -> u64 {
        self.retries
    }
    /// Error responses and request timeouts seen so far.
    pub fn errors(&self) -> u64 {
        self.errors
    }
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    pub fn on_timer(&mut self, now: SimTime, timer: Timer, out: &mut Outbox) {
        match timer {
            Timer::ProducerSend => {
                let key_id = self.keys.sample(&mut self.rng);
                let partition = self.keys.partition(key_id);
                let skew_us = self.clock_offset_ms.saturating_mul(1_000);
                let timestamp_us = now.as_us().saturating_add_signed(skew_us);
                let record = Record { record_id: self.sent, key_id, timestamp_us, value_bytes: self.config.value_bytes };
                self.sent += 1;
                out.note(TraceKind::Send, [partition.into(), key_id.into(), 0]);
                out.account(Accounting::Created { record_id: record.record_id, partition });
                let pending = Pending { record, partition, created_at: now, attempt: 0, request_id: None, waiting_for_leader: false };
                self.pending.insert(record.record_id, pending);
                self.attempt(record.record_id, now, out);
                self.schedule_next(out);
            }
            Timer::Retry { request_id: record_id } => self.attempt(record_id, now, out),
            Timer::RequestTimeout { request_id } => {
                // No answer in request.timeout.ms: treat it as a retriable failure.
                if let Some((record_id, _)) = self.requests.remove(&request_id) {
                    self.retry_or_fail(record_id, 0, now, out);
                }
            }
            other => unreachable!("a producer never sets {other:?}"),
        }
    }

    pub fn on_message(&mut self, msg: Msg, now: SimTime, out: &mut Outbox) {
        match msg {
            Msg::ProduceResponse { request_id, partition, result } => {
                let Some((record_id, broker)) = self.requests.remove(&request_id) else { return };
                match result {
                    Ok(offset) => {
                        if self.pending.remove(&record_id).is_some() {
                            self.acked += 1;
                            out.note(TraceKind::Ack, [partition.into(), offset, record_id]);
                            out.account(Accounting::Acknowledged { record_id, broker: broker.unwrap_or(u16::MAX) });
                        }
                    }
                    Err(error) => self.retry_or_fail(record_id, error_code(error), now, out),
                }
            }
            Msg::PartitionChange { state } => self.on_metadata(&state, now, out),
            other => unreachable!("a producer is never sent {}", other.name()),
        }
    }

    fn on_metadata(&mut self, state: &PartitionState, now: SimTime, out: &mut Outbox) {
        let known = &mut self.leaders[state.partition as usize];
        if state.leader_epoch < known.1 {
            return;
        }
        let was_unknown = known.0.is_none();
        *known = (state.leader, state.leader_epoch);
        if was_unknown && state.leader.is_some() {
            // Records that were waiting for a leader can go now.
            let waiting = self.pending.iter().filter(|(_, p)| p.partition == state.partition && p.waiting_for_leader);
            let waiting: Vec<(u64, Option<u64>)> = waiting.map(|(&id, p)| (id, p.request_id)).collect();
            for (record_id, request_id) in waiting {
                // Its delivery-timeout watch is replaced by the real request's timeout.
                if let Some(r) = request_id {
                    self.requests.remove(&r);
                }
                self.attempt(record_id, now, out);
            }
        }
    }

    /// Sends the record to its partition's leader, or leaves it waiting for one.
    fn attempt(&mut self, record_id: u64, now: SimTime, out: &mut Outbox) {
        let Some(pending) = self.pending.get_mut(&record_id) else { return };
        let request_id = self.request_id_next;
        self.request_id_next += 1;
        pending.request_id = Some(request_id);
        let leader = self.leaders[pending.partition as usize].0;
        self.requests.insert(request_id, (record_id, leader));
        let Some(leader) = leader else {
            // Kafka holds it in the accumulator; the delivery timeout still runs.
            pending.waiting_for_leader = true;
            let left = self.config.delivery_timeout_us.saturating_sub(now.since(pending.created_at).as_us());
            out.set_timer(Duration::from_us(left.max(1)), Timer::RequestTimeout { request_id });
            return;
        };
        pending.waiting_for_leader = false;
        pending.attempt += 1;
        let msg = Msg::Produce { request_id, partition: pending.partition, record: pending.record, acks: self.config.acks };
        out.send(NodeId::broker(leader), msg);
        if self.config.acks == Acks::None {
            self.pending.remove(&record_id);
            self.requests.remove(&request_id);
            out.account(Accounting::Unconfirmed { record_id });
            return;
        }
        out.set_timer(Duration::from_us(self.config.request_timeout_us), Timer::RequestTimeout { request_id });
    }

    fn retry_or_fail(&mut self, record_id: u64, error_code: u64, now: SimTime, out: &mut Outbox) {
        let Some(pending) = self.pending.get(&record_id) else { return };
        self.errors += 1;
        out.note(TraceKind::ProduceError, [record_id, error_code, pending.attempt.into()]);
        let retry_at = now.since(pending.created_at).as_us() + self.config.retry_backoff_us;
        if retry_at < self.config.delivery_timeout_us {
            self.retries += 1;
            out.set_timer(Duration::from_us(self.config.retry_backoff_us), Timer::Retry { request_id: record_id });
        } else {
            self.pending.remove(&record_id);
            self.failed += 1;
            out.account(Accounting::Failed { record_id });
        }
    }

    fn schedule_next(&mut self, out: &mut Outbox) {
        let mean_gap_us = 1_000_000.0 / f64::from(self.config.rate_records_per_s);
        // At least 1 µs apart: two records at the same instant would be one batch in Kafka.
        let gap = self.rng.exponential_us(mean_gap_us).max(1);
        out.set_timer(Duration::from_us(gap), Timer::ProducerSend);
    }
}

fn error_code(error: ProduceError) -> u64 {
    match error {
        ProduceError::NotLeaderOrFollower => 6,
        ProduceError::NotEnoughReplicas => 19,
        ProduceError::NotEnoughReplicasAfterAppend => 20,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn producer(acks: Acks) -> Producer {
        let keys = KeySpace::new(50, 0.0, 2);
        let config = ProducerConfig { rate_records_per_s: 1_000, value_bytes: 200, acks, request_timeout_us: 30_000_000, delivery_timeout_us: 120_000_000, retry_backoff_us: 100_000 };
        let mut p = Producer::new(keys, SimRng::stream(1, "producer-0"), 2, config);
        for partition in 0..2 {
            let state = PartitionState { partition, replicas: vec![0], leader: Some(partition as u16), leader_epoch: 0, isr: vec![0] };
            p.on_message(Msg::PartitionChange { state }, SimTime::ZERO, &mut Outbox::default());
        }
        p
    }

    fn send_one(p: &mut Producer, now: SimTime) -> (u64, u32, Outbox) {
        let mut out = Outbox::default();
        p.on_timer(now, Timer::ProducerSend, &mut out);
        let Some((to, Msg::Produce { request_id, partition, record, .. })) = out.sends.first().cloned() else {
            panic!("expected a produce, got {:?}", out.sends);
        };
        assert_eq!(to, NodeId::broker(partition as u16), "sent to the partition's leader");
        assert_eq!(partition, p.keys().partition(record.key_id));
        (request_id, partition, out)
    }

    #[test]
    fn the_mean_gap_follows_the_rate() {
        let mut p = producer(Acks::All);
        let mut out = Outbox::default();
        for _ in 0..5_000 {
            p.on_timer(SimTime::ZERO, Timer::ProducerSend, &mut out);
        }
        let gaps: Vec<u64> = out.timers.iter().filter(|(_, t)| *t == Timer::ProducerSend).map(|(after, _)| after.as_us()).collect();
        let mean = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
        assert!((950.0..1_050.0).contains(&mean), "mean gap {mean} µs at 1000 records/s");
    }

    #[test]
    fn an_acknowledgement_settles_the_record() {
        let mut p = producer(Acks::All);
        let (request_id, partition, _) = send_one(&mut p, SimTime::ZERO);
        let mut out = Outbox::default();
        p.on_message(Msg::ProduceResponse { request_id, partition, result: Ok(0) }, SimTime::ZERO, &mut out);
        assert_eq!((p.acked(), p.in_flight()), (1, 0));
        assert_eq!(out.accounting, [Accounting::Acknowledged { record_id: 0, broker: partition as u16 }]);
    }

    #[test]
    fn retriable_errors_retry_until_the_delivery_timeout() {
        let mut p = producer(Acks::All);
        let (request_id, partition, _) = send_one(&mut p, SimTime::ZERO);
        let mut out = Outbox::default();
        let error = Msg::ProduceResponse { request_id, partition, result: Err(ProduceError::NotEnoughReplicas) };
        p.on_message(error, SimTime::from_us(1_000), &mut out);
        assert_eq!(out.timers, [(Duration::from_ms(100), Timer::Retry { request_id: 0 })]);
        assert_eq!(p.retries(), 1);
        // After the delivery timeout the next failure is final.
        let mut out = Outbox::default();
        p.on_timer(SimTime::from_us(119_950_000), Timer::Retry { request_id: 0 }, &mut out);
        let Some((_, Msg::Produce { request_id, .. })) = out.sends.first().cloned() else { panic!("retried") };
        let error = Msg::ProduceResponse { request_id, partition, result: Err(ProduceError::NotEnoughReplicas) };
        p.on_message(error, SimTime::from_us(119_960_000), &mut out);
        assert_eq!((p.failed(), p.in_flight()), (1, 0));
    }

    #[test]
    fn acks_0_never_waits() {
        let mut p = producer(Acks::None);
        let (_, _, out) = send_one(&mut p, SimTime::ZERO);
        assert_eq!(p.in_flight(), 0);
        assert!(out.accounting.contains(&Accounting::Unconfirmed { record_id: 0 }));
        assert!(!out.timers.iter().any(|(_, t)| matches!(t, Timer::RequestTimeout { .. })));
    }

    #[test]
    fn a_request_timeout_retries_the_latest_attempt_only() {
        let mut p = producer(Acks::All);
        let (request_id, _, _) = send_one(&mut p, SimTime::ZERO);
        let mut out = Outbox::default();
        p.on_timer(SimTime::from_us(30_000_000), Timer::RequestTimeout { request_id }, &mut out);
        assert_eq!(out.timers, [(Duration::from_ms(100), Timer::Retry { request_id: 0 })]);
        let mut out = Outbox::default();
        p.on_timer(SimTime::from_us(30_000_001), Timer::RequestTimeout { request_id }, &mut out);
        assert!(out.is_empty(), "a second timeout of the same request does nothing");
    }
}
