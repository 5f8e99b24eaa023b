//! A leader's memory of idempotent producers (Kafka's `ProducerStateManager`). Per producer
//! id it keeps the producer epoch and the last five batches appended: their sequence ranges
//! and offsets. A batch whose sequences were already appended is a retry of something
//! written, so it is answered with the original offsets and not written again; a batch that
//! skips ahead is refused with OUT_OF_ORDER_SEQUENCE_NUMBER, so no gap enters the log. A new
//! leader rebuilds this memory from its own log, so a retry after a failover is still known.

use super::log::{PartitionLog, ProducerStamp};
use super::protocol::ProduceError;
use std::collections::{BTreeMap, VecDeque};

/// Batches remembered per producer (Kafka's `ProducerStateEntry.NUM_BATCHES_TO_RETAIN`).
/// It is why Kafka allows an idempotent producer at most 5 requests in flight: any retry it
/// can send is among the last five batches.
pub const BATCHES_RETAINED: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BatchMetadata {
    first_sequence: u32,
    last_sequence: u32,
    first_offset: u64,
    last_offset: u64,
}

#[derive(Clone, Debug)]
struct ProducerEntry {
    epoch: u16,
    batches: VecDeque<BatchMetadata>,
}

/// What a leader does with an idempotent producer's batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Next in sequence (or from a producer it knows nothing of): append it.
    Append,
    /// Already in the log at these offsets: answer with them, write nothing.
    Duplicate { first_offset: u64, last_offset: u64 },
    /// Out of order, or from a fenced (older) producer epoch.
    Refused(ProduceError),
}

#[derive(Clone, Debug, Default)]
pub struct ProducerStates {
    entries: BTreeMap<u64, ProducerEntry>,
}

impl ProducerStates {
    /// Decides a batch's fate, in Kafka's order: duplicate first, then epoch, then sequence.
    pub fn admit(&self, stamp: ProducerStamp, record_count: u32) -> Admission {
        let Some(entry) = self.entries.get(&stamp.producer_id) else {
            // No state: a new producer, or one whose batches all left the log. Kafka accepts
            // any sequence then (it cannot tell a gap from a retention boundary).
            return Admission::Append;
        };
        let last_sequence = stamp.base_sequence + record_count - 1;
        if stamp.producer_epoch == entry.epoch {
            let same = |b: &&BatchMetadata| b.first_sequence == stamp.base_sequence && b.last_sequence == last_sequence;
            if let Some(b) = entry.batches.iter().find(same) {
                return Admission::Duplicate { first_offset: b.first_offset, last_offset: b.last_offset };
            }
        }
        if stamp.producer_epoch < entry.epoch {
            return Admission::Refused(ProduceError::InvalidProducerEpoch);
        }
        let expected = if stamp.producer_epoch > entry.epoch {
            0 // A bumped epoch starts its sequences again.
        } else {
            entry.batches.back().map_or(stamp.base_sequence, |b| b.last_sequence + 1)
        };
        if stamp.base_sequence == expected {
            Admission::Append
        } else {
            Admission::Refused(ProduceError::OutOfOrderSequenceNumber)
        }
    }

    /// Remembers an appended batch, forgetting the oldest beyond five; a newer epoch
    /// replaces the producer's history.
    pub fn appended(&mut self, stamp: ProducerStamp, record_count: u32, first_offset: u64) {
        let fresh = || ProducerEntry { epoch: stamp.producer_epoch, batches: VecDeque::new() };
        let entry = self.entries.entry(stamp.producer_id).or_insert_with(fresh);
        if stamp.producer_epoch != entry.epoch {
            *entry = fresh();
        }
        if entry.batches.len() == BATCHES_RETAINED {
            entry.batches.pop_front();
        }
        let count = u64::from(record_count);
        let batch = BatchMetadata {
            first_sequence: stamp.base_sequence,
            last_sequence: stamp.base_sequence + record_count - 1,
            first_offset,
            last_offset: first_offset + count - 1,
        };
        entry.batches.push_back(batch);
    }

    /// A transaction marker carried `epoch`: a newer epoch than the producer's last fences
    /// the older one here (a zombie's late batches are refused), and sequences restart.
    pub fn fence(&mut self, producer_id: u64, epoch: u16) {
        let entry = self.entries.entry(producer_id).or_insert(ProducerEntry { epoch, batches: VecDeque::new() });
        if epoch > entry.epoch {
            *entry = ProducerEntry { epoch, batches: VecDeque::new() };
        }
    }

    /// The state a replica's log implies, replayed batch by batch from the oldest retained
    /// record (Kafka rebuilds it from snapshots and the log the same way).
    pub fn rebuild(log: &PartitionLog) -> ProducerStates {
        let mut states = ProducerStates::default();
        // The batch being read: stamp, its base offset, and its records seen so far.
        let mut current: Option<(ProducerStamp, u64, u32)> = None;
        for (offset, entry) in log.read(log.log_start_offset(), log.log_end_offset(), usize::MAX) {
            if let (true, Some(stamp)) = (entry.is_control(), entry.producer) {
                if let Some((stamp, base, count)) = current.take() {
                    states.appended(stamp, count, base);
                }
                states.fence(stamp.producer_id, stamp.producer_epoch);
                continue;
            }
            let same_batch = entry.offset_delta > 0 && current.is_some_and(|(stamp, ..)| entry.producer == Some(stamp));
            if same_batch {
                if let Some((_, _, count)) = &mut current {
                    *count = entry.offset_delta + 1;
                }
                continue;
            }
            if let Some((stamp, base, count)) = current.take() {
                states.appended(stamp, count, base);
            }
            // Retention may have cut a batch's first records: its base offset is still known.
            current = entry.producer.map(|stamp| (stamp, offset - u64::from(entry.offset_delta), entry.offset_delta + 1));
        }
        if let Some((stamp, base, count)) = current {
            states.appended(stamp, count, base);
        }
        states
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::{Entry, Record};

    fn stamp(producer_epoch: u16, base_sequence: u32) -> ProducerStamp {
        ProducerStamp { producer_id: 1_000, producer_epoch, base_sequence }
    }

    /// Appends a batch of `count` records with `stamp` to `log`, as a leader would.
    fn append(log: &mut PartitionLog, states: &mut ProducerStates, stamp: ProducerStamp, count: u32) -> u64 {
        let base = log.log_end_offset();
        for delta in 0..count {
            let record = Record { record_id: base + u64::from(delta), key_id: 0, timestamp_us: 0, value_bytes: 1, payload: crate::workload::Payload::None };
            log.append_entry(Entry { record, epoch: 0, offset_delta: delta, producer: Some(stamp), kind: Default::default() });
        }
        states.appended(stamp, count, base);
        base
    }

    #[test]
    fn in_order_batches_append_and_retries_of_the_last_five_are_duplicates() {
        let (mut log, mut states) = (PartitionLog::new(1_000), ProducerStates::default());
        assert_eq!(states.admit(stamp(0, 0), 3), Admission::Append, "unknown producer");
        for batch in 0..6 {
            assert_eq!(states.admit(stamp(0, batch * 3), 3), Admission::Append);
            append(&mut log, &mut states, stamp(0, batch * 3), 3);
        }
        assert_eq!(states.admit(stamp(0, 15), 3), Admission::Duplicate { first_offset: 15, last_offset: 17 });
        assert_eq!(states.admit(stamp(0, 3), 3), Admission::Duplicate { first_offset: 3, last_offset: 5 });
        assert_eq!(states.admit(stamp(0, 0), 3), Admission::Refused(ProduceError::OutOfOrderSequenceNumber), "forgotten: six back");
        assert_eq!(states.admit(stamp(0, 21), 3), Admission::Refused(ProduceError::OutOfOrderSequenceNumber), "a gap");
        assert_eq!(states.admit(stamp(0, 18), 3), Admission::Append);
    }

    #[test]
    fn a_bumped_epoch_restarts_at_zero_and_fences_the_old_one() {
        let (mut log, mut states) = (PartitionLog::new(1_000), ProducerStates::default());
        append(&mut log, &mut states, stamp(0, 0), 2);
        assert_eq!(states.admit(stamp(1, 2), 1), Admission::Refused(ProduceError::OutOfOrderSequenceNumber));
        assert_eq!(states.admit(stamp(1, 0), 1), Admission::Append);
        append(&mut log, &mut states, stamp(1, 0), 1);
        assert_eq!(states.admit(stamp(0, 2), 1), Admission::Refused(ProduceError::InvalidProducerEpoch));
        assert_eq!(states.admit(stamp(1, 0), 1), Admission::Duplicate { first_offset: 2, last_offset: 2 });
    }

    #[test]
    fn a_new_leader_rebuilds_the_same_state_from_its_log() {
        let (mut log, mut states) = (PartitionLog::new(10), ProducerStates::default());
        for batch in 0..4 {
            append(&mut log, &mut states, stamp(0, batch * 4), 4);
        }
        log.append(Record { record_id: 99, key_id: 0, timestamp_us: 0, value_bytes: 1, payload: crate::workload::Payload::None }, 0);
        assert_eq!(log.log_start_offset(), 7, "retention cut into the second batch");
        let rebuilt = ProducerStates::rebuild(&log);
        assert_eq!(rebuilt.admit(stamp(0, 12), 4), Admission::Duplicate { first_offset: 12, last_offset: 15 });
        assert_eq!(rebuilt.admit(stamp(0, 4), 4), Admission::Duplicate { first_offset: 4, last_offset: 7 }, "partly retained");
        let forgotten = rebuilt.admit(stamp(0, 0), 4);
        assert_eq!(forgotten, Admission::Refused(ProduceError::OutOfOrderSequenceNumber), "gone from the log, so from the state");
        assert_eq!(rebuilt.admit(stamp(0, 16), 1), Admission::Append);
        assert_eq!(rebuilt.admit(stamp(0, 17), 1), Admission::Refused(ProduceError::OutOfOrderSequenceNumber));
    }
}
