//! A broker: it owns the partition logs of a topic, appends what producers send, answers
//! consumers' fetches, and stores the group's committed offsets (Kafka keeps these in the
//! internal `__consumer_offsets` topic; here they are a table on the broker).
//!
//! Fetches are long polls, as in Kafka: with `fetch.min.bytes=1`, a fetch that finds nothing
//! is parked until a record arrives or `fetch.max.wait.ms` passes, so an idle consumer is not
//! a busy loop and a new record reaches it without waiting for the next poll.

use super::log::PartitionLog;
use super::protocol::{FetchedRecord, Msg, Outbox, Timer};
use crate::sim::{Duration, NodeId, TraceKind};

struct ParkedFetch {
    from: NodeId,
    fetch_id: u64,
    positions: Vec<u64>,
    max_records: u32,
}

pub struct Broker {
    partitions: Vec<PartitionLog>,
    committed: Vec<u64>,
    parked: Option<ParkedFetch>,
}

impl Broker {
    pub fn new(partition_count: u32, retention_records_max: u64) -> Self {
        Broker {
            partitions: (0..partition_count).map(|_| PartitionLog::new(retention_records_max)).collect(),
            committed: vec![0; partition_count as usize],
            parked: None,
        }
    }

    pub fn partitions(&self) -> &[PartitionLog] {
        &self.partitions
    }

    /// The group's committed offset per partition.
    pub fn committed(&self) -> &[u64] {
        &self.committed
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, out: &mut Outbox) {
        match msg {
            Msg::Produce { partition, record } => {
                let offset = self.partitions[partition as usize].append(record);
                out.note(TraceKind::Append, [partition.into(), offset, record.key_id.into()]);
                out.send(from, Msg::ProduceAck { partition, offset });
                self.answer_parked_fetch(out);
            }
            Msg::Fetch { fetch_id, positions, max_records, max_wait_us } => {
                assert_eq!(positions.len(), self.partitions.len(), "fetch names every partition");
                let fetch = ParkedFetch { from, fetch_id, positions, max_records };
                let records = self.read(&fetch);
                if records.is_empty() && max_wait_us > 0 {
                    out.set_timer(Duration::from_us(max_wait_us), Timer::FetchWaitExpired { fetch_id });
                    self.parked = Some(fetch);
                } else {
                    out.send(from, Msg::FetchResponse { fetch_id, records });
                }
            }
            Msg::OffsetCommit { offsets } => {
                for (committed, offset) in self.committed.iter_mut().zip(&offsets) {
                    // A stale commit (an older batch arriving late) must not move the group back.
                    *committed = (*committed).max(*offset);
                }
                out.note(TraceKind::Commit, [offsets.len() as u64, self.committed.iter().sum(), 0]);
            }
            Msg::OffsetFetch => {
                out.send(from, Msg::OffsetFetchResponse { offsets: self.committed.clone() });
            }
            Msg::ProduceAck { .. } | Msg::FetchResponse { .. } | Msg::OffsetFetchResponse { .. } => {
                unreachable!("a broker is never sent a response: {}", msg.name())
            }
        }
    }

    pub fn on_timer(&mut self, timer: Timer, out: &mut Outbox) {
        if let Timer::FetchWaitExpired { fetch_id } = timer {
            if self.parked.as_ref().is_some_and(|p| p.fetch_id == fetch_id) {
                let parked = self.parked.take().expect("checked above");
                out.send(parked.from, Msg::FetchResponse { fetch_id, records: Vec::new() });
            }
        }
    }

    fn answer_parked_fetch(&mut self, out: &mut Outbox) {
        let Some(parked) = self.parked.take() else { return };
        let records = self.read(&parked);
        if records.is_empty() {
            self.parked = Some(parked);
        } else {
            out.send(parked.from, Msg::FetchResponse { fetch_id: parked.fetch_id, records });
        }
    }

    /// Up to `max_records` from the fetch positions, draining partitions in turn. The start
    /// rotates with the fetch id, as Kafka's fetcher rotates partitions, so that one busy
    /// partition cannot starve the others.
    fn read(&self, fetch: &ParkedFetch) -> Vec<FetchedRecord> {
        let count = self.partitions.len();
        let mut records = Vec::new();
        let mut left = fetch.max_records as usize;
        for step in 0..count {
            let partition = (fetch.fetch_id as usize + step) % count;
            let log = &self.partitions[partition];
            for (offset, record) in log.read(fetch.positions[partition], left) {
                records.push(FetchedRecord { partition: partition as u32, offset, record: *record });
            }
            left = fetch.max_records as usize - records.len();
            if left == 0 {
                break;
            }
        }
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::Record;

    const PRODUCER: NodeId = NodeId::producer(0);
    const CONSUMER: NodeId = NodeId::consumer(0);

    fn produce(broker: &mut Broker, partition: u32) -> Outbox {
        let record = Record { key_id: 1, timestamp_us: 0, value_bytes: 10 };
        let mut out = Outbox::default();
        broker.on_message(PRODUCER, Msg::Produce { partition, record }, &mut out);
        out
    }

    fn fetch(broker: &mut Broker, fetch_id: u64, positions: Vec<u64>, max_records: u32) -> Outbox {
        let mut out = Outbox::default();
        let msg = Msg::Fetch { fetch_id, positions, max_records, max_wait_us: 500_000 };
        broker.on_message(CONSUMER, msg, &mut out);
        out
    }

    #[test]
    fn produce_appends_and_acknowledges_with_the_offset() {
        let mut broker = Broker::new(2, 100);
        produce(&mut broker, 1);
        let out = produce(&mut broker, 1);
        assert_eq!(out.sends, [(PRODUCER, Msg::ProduceAck { partition: 1, offset: 1 })]);
        assert_eq!(broker.partitions()[1].log_end_offset(), 2);
        assert_eq!(broker.partitions()[0].log_end_offset(), 0);
    }

    #[test]
    fn an_empty_fetch_is_parked_then_answered_by_the_next_append() {
        let mut broker = Broker::new(2, 100);
        let out = fetch(&mut broker, 7, vec![0, 0], 10);
        assert!(out.sends.is_empty());
        assert_eq!(out.timers, [(Duration::from_ms(500), Timer::FetchWaitExpired { fetch_id: 7 })]);
        let out = produce(&mut broker, 0);
        let Some((to, Msg::FetchResponse { fetch_id: 7, records })) = out.sends.get(1).cloned() else {
            panic!("expected a fetch response, got {:?}", out.sends);
        };
        assert_eq!((to, records.len(), records[0].offset), (CONSUMER, 1, 0));
        // The wait timer for the answered fetch now does nothing.
        let mut out = Outbox::default();
        broker.on_timer(Timer::FetchWaitExpired { fetch_id: 7 }, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn a_parked_fetch_is_answered_empty_when_the_wait_expires() {
        let mut broker = Broker::new(1, 100);
        fetch(&mut broker, 3, vec![0], 10);
        let mut out = Outbox::default();
        broker.on_timer(Timer::FetchWaitExpired { fetch_id: 3 }, &mut out);
        assert_eq!(out.sends, [(CONSUMER, Msg::FetchResponse { fetch_id: 3, records: vec![] })]);
    }

    #[test]
    fn fetch_respects_max_records_and_positions() {
        let mut broker = Broker::new(2, 100);
        for _ in 0..5 {
            produce(&mut broker, 0);
            produce(&mut broker, 1);
        }
        let out = fetch(&mut broker, 0, vec![3, 1], 4);
        let Some((_, Msg::FetchResponse { records, .. })) = out.sends.first().cloned() else {
            panic!("expected a response");
        };
        let got: Vec<(u32, u64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
        assert_eq!(got, [(0, 3), (0, 4), (1, 1), (1, 2)]);
    }

    #[test]
    fn commits_never_move_backwards() {
        let mut broker = Broker::new(2, 100);
        let mut out = Outbox::default();
        broker.on_message(CONSUMER, Msg::OffsetCommit { offsets: vec![5, 2] }, &mut out);
        broker.on_message(CONSUMER, Msg::OffsetCommit { offsets: vec![4, 3] }, &mut out);
        assert_eq!(broker.committed(), [5, 3]);
        broker.on_message(CONSUMER, Msg::OffsetFetch, &mut out);
        assert_eq!(out.sends.last(), Some(&(CONSUMER, Msg::OffsetFetchResponse { offsets: vec![5, 3] })));
    }
}
