//! The producer as a state machine: driven by hand, its outbox inspected.

use super::*;
use crate::kafka::compression::CompressionType;
use crate::kafka::protocol::{RecordBatch, REQUEST_TIMED_OUT};
use crate::sim::NodeId;

const SECOND_US: u64 = 1_000_000;

fn config(acks: Acks) -> ProducerConfig {
    ProducerConfig {
        rate_records_per_s: 1_000,
        value_bytes: 200,
        acks,
        request_timeout_us: 30 * SECOND_US,
        delivery_timeout_us: 120 * SECOND_US,
        batching: BatchingConfig { batch_size_bytes: 16_384, linger_us: 5_000, retry_backoff_us: 100_000, compression: CompressionType::None },
        max_in_flight_requests_per_connection: 5,
        idempotence: acks == Acks::All,
        producer_id: PRODUCER_ID_BASE,
        tombstone_percent: 0,
        keyless_percent: 0,
    }
}

/// A producer whose keys all land on one partition, led by broker 0.
fn producer(config: ProducerConfig) -> Producer {
    let keys = KeySpace::new(50, 0.0, 1);
    let mut p = Producer::new(keys, SimRng::stream(1, "producer-0"), 1, config);
    let state = PartitionState { partition: 0, replicas: vec![0], leader: Some(0), leader_epoch: 0, isr: vec![0] };
    p.on_message(Msg::PartitionChange { state }, SimTime::ZERO, &mut Outbox::default());
    p
}

fn send_records(p: &mut Producer, count: u32, now: SimTime) -> Outbox {
    let mut out = Outbox::default();
    for _ in 0..count {
        p.on_timer(now, Timer::ProducerSend, &mut out);
    }
    out
}

/// The Produce requests in an outbox: (request id, batch).
fn produces(out: &Outbox) -> Vec<(u64, RecordBatch)> {
    let produce = |(to, msg): &(NodeId, Msg)| match msg {
        Msg::Produce { request_id, batch, .. } if *to == NodeId::broker(0) => Some((*request_id, batch.clone())),
        _ => None,
    };
    out.sends.iter().filter_map(produce).collect()
}

fn answer(p: &mut Producer, request_id: u64, result: Result<u64, ProduceError>, now: SimTime) -> Outbox {
    let mut out = Outbox::default();
    p.on_message(Msg::ProduceResponse { request_id, partition: 0, result }, now, &mut out);
    out
}

#[test]
fn the_mean_gap_follows_the_rate() {
    let mut p = producer(config(Acks::All));
    let out = send_records(&mut p, 5_000, SimTime::ZERO);
    let gaps: Vec<u64> = out.timers.iter().filter(|(_, t)| *t == Timer::ProducerSend).map(|(after, _)| after.as_us()).collect();
    let mean = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64;
    assert!((950.0..1_050.0).contains(&mean), "mean gap {mean} µs at 1000 records/s");
}

#[test]
fn a_record_lingers_then_goes_in_a_batch() {
    let mut p = producer(config(Acks::All));
    let out = send_records(&mut p, 3, SimTime::ZERO);
    assert!(produces(&out).is_empty(), "linger.ms has not passed");
    assert!(out.timers.contains(&(Duration::from_ms(5), Timer::Linger { batch_id: 0 })));
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(5_000), Timer::Linger { batch_id: 0 }, &mut out);
    let sent = produces(&out);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.records.iter().map(|r| r.record_id).collect::<Vec<_>>(), [0, 1, 2], "one batch, in order");
    assert!(out.timers.contains(&(Duration::from_secs(30), Timer::RequestTimeout { request_id: sent[0].0 })));
}

#[test]
fn a_full_batch_goes_at_once_without_waiting_for_linger() {
    let mut p = producer(ProducerConfig { batching: BatchingConfig { linger_us: 60 * SECOND_US, ..config(Acks::All).batching }, ..config(Acks::All) });
    // Records of about 230 bytes: a 16 KiB batch holds some 70 of them.
    let out = send_records(&mut p, 100, SimTime::ZERO);
    let sent = produces(&out);
    assert_eq!(sent.len(), 1, "the first batch filled up; the second is still open");
    let batch = &sent[0].1;
    assert!((60..=75).contains(&batch.records.len()), "{} records", batch.records.len());
    assert!(batch.wire_bytes <= 16_384 && batch.wire_bytes > 16_000, "{} bytes", batch.wire_bytes);
    assert_eq!(p.queued_records(), 100 - batch.records.len() as u64);
}

#[test]
fn max_in_flight_bounds_the_unanswered_requests_per_broker() {
    let batching = BatchingConfig { linger_us: 0, ..config(Acks::All).batching };
    let mut p = producer(ProducerConfig { batching, max_in_flight_requests_per_connection: 2, ..config(Acks::All) });
    let out = send_records(&mut p, 5, SimTime::ZERO);
    let sent = produces(&out);
    assert_eq!(sent.len(), 2, "two requests of one record each; the rest wait");
    assert_eq!((p.requests_in_flight(0), p.queued_records()), (2, 3));
    let out = answer(&mut p, sent[0].0, Ok(0), SimTime::from_us(10));
    let next = produces(&out);
    assert_eq!(next.len(), 1, "an answer frees one slot");
    assert_eq!(next[0].1.records.len(), 3, "the waiting records went together");
    assert_eq!((p.acked(), p.requests_in_flight(0)), (1, 2));
}

#[test]
fn an_acknowledgement_settles_every_record_of_the_batch() {
    let mut p = producer(config(Acks::All));
    send_records(&mut p, 2, SimTime::ZERO);
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(5_000), Timer::Linger { batch_id: 0 }, &mut out);
    let (request_id, _) = produces(&out)[0].clone();
    let out = answer(&mut p, request_id, Ok(40), SimTime::from_us(9_000));
    assert_eq!((p.acked(), p.in_flight()), (2, 0));
    let acks = [Accounting::Acknowledged { record_id: 0, broker: 0 }, Accounting::Acknowledged { record_id: 1, broker: 0 }];
    assert_eq!(out.accounting, acks);
    assert!(out.notes.contains(&(TraceKind::Ack, [0, 41, 1])), "offsets follow the base offset");
}

#[test]
fn retriable_errors_retry_until_the_delivery_timeout() {
    let mut p = producer(config(Acks::All));
    send_records(&mut p, 1, SimTime::ZERO);
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(5_000), Timer::Linger { batch_id: 0 }, &mut out);
    let (request_id, _) = produces(&out)[0].clone();
    let out = answer(&mut p, request_id, Err(ProduceError::NotEnoughReplicas), SimTime::from_us(6_000));
    assert!(out.timers.contains(&(Duration::from_ms(100), Timer::Retry { batch_id: 0 })));
    assert!(produces(&out).is_empty(), "backing off");
    assert_eq!(p.retries(), 1);
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(106_000), Timer::Retry { batch_id: 0 }, &mut out);
    let (request_id, _) = produces(&out)[0].clone();
    // An answer after the delivery timeout is final.
    let out = answer(&mut p, request_id, Err(ProduceError::NotEnoughReplicas), SimTime::from_us(120 * SECOND_US));
    assert_eq!((p.failed(), p.in_flight()), (1, 0));
    assert_eq!(out.accounting, [Accounting::Failed { record_id: 0 }]);
}

#[test]
fn the_delivery_timeout_fails_a_batch_wherever_it_is() {
    let mut p = producer(config(Acks::All));
    send_records(&mut p, 1, SimTime::ZERO);
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(5_000), Timer::Linger { batch_id: 0 }, &mut out);
    let (request_id, _) = produces(&out)[0].clone();
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(120 * SECOND_US), Timer::DeliveryTimeout { batch_id: 0 }, &mut out);
    assert_eq!(out.accounting, [Accounting::Failed { record_id: 0 }], "in flight, and still it fails");
    assert_eq!(p.requests_in_flight(0), 1, "its request still holds the connection slot");
    let out = answer(&mut p, request_id, Ok(0), SimTime::from_us(120 * SECOND_US + 1));
    assert!(out.accounting.is_empty(), "a late answer changes nothing");
    assert_eq!((p.acked(), p.failed(), p.requests_in_flight(0)), (0, 1, 0));
}

#[test]
fn a_request_timeout_closes_the_connection_and_retries_everything_on_it() {
    let batching = BatchingConfig { linger_us: 0, ..config(Acks::All).batching };
    let mut p = producer(ProducerConfig { batching, ..config(Acks::All) });
    let out = send_records(&mut p, 1, SimTime::ZERO);
    let first = produces(&out)[0].0;
    let out = send_records(&mut p, 1, SimTime::from_us(1_000));
    let second = produces(&out)[0].0;
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(30 * SECOND_US), Timer::RequestTimeout { request_id: first }, &mut out);
    let errors: Vec<[u64; 3]> = out.notes.iter().filter(|(k, _)| *k == TraceKind::ProduceError).map(|(_, n)| *n).collect();
    assert_eq!(errors, [[0, REQUEST_TIMED_OUT, 1], [1, REQUEST_TIMED_OUT, 1]]);
    assert_eq!((p.retries(), p.requests_in_flight(0)), (2, 0));
    assert!(answer(&mut p, second, Ok(0), SimTime::from_us(30 * SECOND_US)).accounting.is_empty(), "closed: ignored");
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(30 * SECOND_US + 1), Timer::RequestTimeout { request_id: second }, &mut out);
    assert!(out.is_empty(), "the second request's own timeout finds nothing");
}

#[test]
fn acks_0_never_waits() {
    let batching = BatchingConfig { linger_us: 0, ..config(Acks::None).batching };
    let mut p = producer(ProducerConfig { batching, ..config(Acks::None) });
    let out = send_records(&mut p, 1, SimTime::ZERO);
    assert_eq!(produces(&out).len(), 1);
    assert_eq!((p.in_flight(), p.requests_in_flight(0)), (0, 0));
    assert!(out.accounting.contains(&Accounting::Unconfirmed { record_id: 0 }));
    assert!(!out.timers.iter().any(|(_, t)| matches!(t, Timer::RequestTimeout { .. })));
}

#[test]
fn compression_costs_cpu_time_before_the_send_and_shrinks_the_batch() {
    let batching = BatchingConfig { linger_us: 60 * SECOND_US, compression: CompressionType::Gzip, ..config(Acks::All).batching };
    let mut p = producer(ProducerConfig { batching, ..config(Acks::All) });
    let out = send_records(&mut p, 100, SimTime::ZERO);
    assert!(produces(&out).is_empty(), "compressing first");
    let Some(&(after, Timer::BatchCompressed { request_id })) = out.timers.iter().find(|(_, t)| matches!(t, Timer::BatchCompressed { .. })) else {
        panic!("no compression timer: {:?}", out.timers);
    };
    assert!((100..=160).contains(&after.as_us()), "gzip: about 10 µs per KiB of a ~15 KiB batch: {after:?}");
    let mut out = Outbox::default();
    p.on_timer(SimTime::ZERO + after, Timer::BatchCompressed { request_id }, &mut out);
    let batch = &produces(&out)[0].1;
    assert!(batch.wire_bytes < 7_000, "gzip's 0.365 ratio: {} bytes", batch.wire_bytes);
    assert_eq!(p.stats().wire_bytes_sent, u64::from(batch.wire_bytes));
}

fn stamps(out: &Outbox) -> Vec<(u16, u32)> {
    produces(out).iter().filter_map(|(_, b)| b.producer).map(|s| (s.producer_epoch, s.base_sequence)).collect()
}

/// An idempotent producer that sends each record as soon as it is created.
fn eager_idempotent() -> Producer {
    let batching = BatchingConfig { linger_us: 0, ..config(Acks::All).batching };
    producer(ProducerConfig { batching, ..config(Acks::All) })
}

#[test]
fn idempotent_batches_are_numbered_by_record_and_retried_in_order_with_their_numbers() {
    let mut p = eager_idempotent();
    let mut sent = Vec::new();
    for (i, count) in [1u32, 1, 1].iter().enumerate() {
        let out = send_records(&mut p, *count, SimTime::from_us(i as u64));
        assert_eq!(stamps(&out), [(0, i as u32)]);
        sent.push(produces(&out)[0].0);
    }
    assert_eq!(produces(&out_of(&mut p, sent[0], ProduceError::NotEnoughReplicas)).len(), 0);
    for &request_id in &sent[1..] {
        // The leader refuses what follows a batch it did not write.
        out_of(&mut p, request_id, ProduceError::OutOfOrderSequenceNumber);
    }
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(200_000), Timer::Retry { batch_id: 2 }, &mut out);
    assert_eq!(stamps(&out), [(0, 0)], "only the earliest unsettled batch goes: the rest wait behind it");
    let first_retry = produces(&out)[0].0;
    let out = answer(&mut p, first_retry, Ok(0), SimTime::from_us(210_000));
    assert_eq!(stamps(&out), [(0, 1)]);
    let out = answer(&mut p, produces(&out)[0].0, Ok(1), SimTime::from_us(220_000));
    assert_eq!(stamps(&out), [(0, 2)], "same numbers, same order, no epoch bump");
}

fn out_of(p: &mut Producer, request_id: u64, error: ProduceError) -> Outbox {
    answer(p, request_id, Err(error), SimTime::from_us(1_000))
}

#[test]
fn a_gap_at_the_leader_bumps_the_epoch_and_renumbers_from_zero() {
    let mut p = eager_idempotent();
    let first = produces(&send_records(&mut p, 1, SimTime::ZERO))[0].0;
    let second = produces(&send_records(&mut p, 1, SimTime::from_us(1)))[0].0;
    let acked = answer(&mut p, first, Ok(0), SimTime::from_us(500));
    assert!(acked.accounting.contains(&Accounting::Acknowledged { record_id: 0, broker: 0 }));
    // The leader lost sequence 0's successor state (say, an unclean election): a real gap.
    let out = out_of(&mut p, second, ProduceError::OutOfOrderSequenceNumber);
    assert!(out.notes.iter().any(|(k, n)| *k == TraceKind::ProducerEpochBump && *n == [PRODUCER_ID_BASE, 1, 1]), "{:?}", out.notes);
    let mut out = Outbox::default();
    p.on_timer(SimTime::from_us(101_000), Timer::Retry { batch_id: 1 }, &mut out);
    assert_eq!(stamps(&out), [(1, 0)], "epoch 1 starts again at sequence 0");
    assert_eq!(stamps(&send_records(&mut p, 1, SimTime::from_us(101_001))), [(1, 1)]);
}
