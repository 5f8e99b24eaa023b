//! A producer: an application writing records to a topic at some rate. Arrivals form a
//! Poisson process (independent, exponentially spaced), which is how many independent
//! payers look from the broker's side. Each record's key picks its partition, Kafka-style.

use super::keys::KeySpace;
use super::log::Record;
use super::protocol::{Msg, Outbox, Timer};
use crate::sim::{Duration, NodeId, SimRng, SimTime, TraceKind};

pub struct Producer {
    broker: NodeId,
    keys: KeySpace,
    rng: SimRng,
    rate_records_per_s: u32,
    value_bytes: u32,
    sent: u64,
    acked: u64,
}

impl Producer {
    pub fn new(broker: NodeId, keys: KeySpace, rng: SimRng, rate_records_per_s: u32, value_bytes: u32) -> Self {
        assert!(rate_records_per_s > 0, "a rate of zero would never send");
        Producer { broker, keys, rng, rate_records_per_s, value_bytes, sent: 0, acked: 0 }
    }

    pub fn start(&mut self, out: &mut Outbox) {
        self.schedule_next(out);
    }

    pub fn set_rate(&mut self, rate_records_per_s: u32) {
        assert!(rate_records_per_s > 0, "validated at the command edge");
        self.rate_records_per_s = rate_records_per_s;
    }

    pub fn rate_records_per_s(&self) -> u32 {
        self.rate_records_per_s
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

    pub fn on_timer(&mut self, now: SimTime, timer: Timer, out: &mut Outbox) {
        assert_eq!(timer, Timer::ProducerSend, "a producer only sets send timers");
        let key_id = self.keys.sample(&mut self.rng);
        let partition = self.keys.partition(key_id);
        let record = Record { key_id, timestamp_us: now.as_us(), value_bytes: self.value_bytes };
        out.send(self.broker, Msg::Produce { partition, record });
        out.note(TraceKind::Send, [partition.into(), key_id.into(), 0]);
        self.sent += 1;
        self.schedule_next(out);
    }

    pub fn on_message(&mut self, msg: Msg, out: &mut Outbox) {
        let Msg::ProduceAck { partition, offset } = msg else {
            unreachable!("a producer is only sent acknowledgements, got {}", msg.name());
        };
        self.acked += 1;
        out.note(TraceKind::Ack, [partition.into(), offset, 0]);
    }

    fn schedule_next(&mut self, out: &mut Outbox) {
        let mean_gap_us = 1_000_000.0 / f64::from(self.rate_records_per_s);
        // At least 1 µs apart: two records at the same instant would be one batch in Kafka.
        let gap = self.rng.exponential_us(mean_gap_us).max(1);
        out.set_timer(Duration::from_us(gap), Timer::ProducerSend);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn producer(rate: u32) -> Producer {
        let keys = KeySpace::new(50, 0.0, 4);
        Producer::new(NodeId::broker(0), keys, SimRng::stream(1, "producer-0"), rate, 200)
    }

    #[test]
    fn each_send_produces_one_keyed_record_and_the_next_timer() {
        let mut p = producer(100);
        let mut out = Outbox::default();
        p.on_timer(SimTime::from_us(42), Timer::ProducerSend, &mut out);
        let [(to, Msg::Produce { partition, record })] = out.sends.as_slice() else {
            panic!("expected one produce, got {:?}", out.sends);
        };
        assert_eq!(*to, NodeId::broker(0));
        assert_eq!(*partition, p.keys().partition(record.key_id));
        assert_eq!(record.timestamp_us, 42);
        assert_eq!(out.timers.len(), 1);
        assert_eq!(p.sent(), 1);
    }

    #[test]
    fn the_mean_gap_follows_the_rate() {
        let mut p = producer(1_000);
        let mut out = Outbox::default();
        for _ in 0..5_000 {
            p.on_timer(SimTime::ZERO, Timer::ProducerSend, &mut out);
        }
        let total: u64 = out.timers.iter().map(|(after, _)| after.as_us()).sum();
        let mean = total as f64 / out.timers.len() as f64;
        assert!((950.0..1_050.0).contains(&mean), "mean gap {mean} µs at 1000 records/s");
    }

    #[test]
    fn acknowledgements_are_counted() {
        let mut p = producer(10);
        let mut out = Outbox::default();
        p.on_message(Msg::ProduceAck { partition: 0, offset: 9 }, &mut out);
        assert_eq!(p.acked(), 1);
    }
}
