//! A partition's log: an append-only sequence of records, each named by its offset. The log
//! end offset (LEO) is the offset the next record will get; retention deletes from the front,
//! moving the log start offset forward. Every record remembers the leader epoch it was
//! written in, so that after a leader change a replica can find where its history diverges
//! from the new leader's and truncate exactly there (Kafka's KIP-101 / KIP-279).
//!
//! Records arrive in batches, and a batch is the unit Kafka appends, replicates and truncates:
//! each entry keeps its place in its batch and the batch's producer stamp, so a replica can
//! always tell where a batch ends and can rebuild the idempotent producers' state from disk.

use std::collections::VecDeque;

/// One record as stored in a partition. The key is an id into the producer's key table (the
/// bytes were hashed when partitioning), so a log of millions of records stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Unique per run: lets the simulation account for every record's fate.
    pub record_id: u64,
    pub key_id: u32,
    /// When the producer created the record, in simulated microseconds (Kafka's CreateTime).
    pub timestamp_us: u64,
    pub value_bytes: u32,
}

/// The idempotence fields of a v2 batch header: who wrote the batch and where it sits in that
/// producer's per-partition sequence. A batch's records have sequences base, base+1, ….
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: u64,
    pub producer_epoch: u16,
    pub base_sequence: u32,
}

/// What kind of batch an entry belongs to (the isTransactional and isControl bits of Kafka's
/// v2 batch attributes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BatchKind {
    /// Ordinary data, visible as soon as it is below the high watermark.
    #[default]
    Plain,
    /// Data of a transaction: read_committed consumers see it only after its COMMIT marker.
    Transactional,
    /// A control record ending the producer's transaction in this partition (`commit` or
    /// abort). It takes an offset, but no application ever receives it.
    Marker { commit: bool },
}

/// The record id carried by control records: they are not application records, so the fate
/// ledger never sees them.
pub const CONTROL_RECORD_ID: u64 = u64::MAX;

/// A record in a log, with the leader epoch it was appended in and its place in its batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub record: Record,
    pub epoch: u32,
    /// Position in its batch: 0 starts a batch (Kafka's offset delta).
    pub offset_delta: u32,
    /// The batch's producer stamp; None for a producer without idempotence.
    pub producer: Option<ProducerStamp>,
    pub kind: BatchKind,
}

impl Entry {
    /// A record that is a batch on its own, from a producer without idempotence.
    pub fn single(record: Record, epoch: u32) -> Entry {
        Entry { record, epoch, offset_delta: 0, producer: None, kind: BatchKind::Plain }
    }

    /// A transaction marker for `producer` (its id and the coordinator's epoch), a batch of
    /// one control record.
    pub fn marker(producer: ProducerStamp, commit: bool, epoch: u32, timestamp_us: u64) -> Entry {
        let record = Record { record_id: CONTROL_RECORD_ID, key_id: 0, timestamp_us, value_bytes: 0 };
        Entry { record, epoch, offset_delta: 0, producer: Some(producer), kind: BatchKind::Marker { commit } }
    }

    pub fn is_control(&self) -> bool {
        matches!(self.kind, BatchKind::Marker { .. })
    }

    /// This record's producer sequence number, if its batch has a stamp.
    pub fn sequence(&self) -> Option<u32> {
        self.producer.map(|stamp| stamp.base_sequence + self.offset_delta)
    }
}

pub struct PartitionLog {
    log_start_offset: u64,
    entries: VecDeque<Entry>,
    /// Size-based retention, counted in records: older records are deleted beyond this.
    retention_records_max: u64,
}

impl PartitionLog {
    pub fn new(retention_records_max: u64) -> Self {
        assert!(retention_records_max > 0, "retention keeps at least one record");
        PartitionLog { log_start_offset: 0, entries: VecDeque::new(), retention_records_max }
    }

    /// Appends a record written in `epoch` as a batch of its own and returns its offset.
    pub fn append(&mut self, record: Record, epoch: u32) -> u64 {
        self.append_entry(Entry::single(record, epoch))
    }

    /// Appends one entry (a follower copying the leader's log) and returns its offset.
    pub fn append_entry(&mut self, entry: Entry) -> u64 {
        self.append_evicting(entry).0
    }

    /// Appends, and also returns the record retention deleted to make room, if any.
    pub fn append_evicting(&mut self, entry: Entry) -> (u64, Option<Entry>) {
        assert!(self.last_epoch().is_none_or(|last| last <= entry.epoch), "epochs in a log never decrease");
        let offset = self.log_end_offset();
        self.entries.push_back(entry);
        let mut evicted = None;
        if self.entries.len() as u64 > self.retention_records_max {
            evicted = self.entries.pop_front();
            self.log_start_offset += 1;
        }
        (offset, evicted)
    }

    /// Every retained entry, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    pub fn log_end_offset(&self) -> u64 {
        self.log_start_offset + self.entries.len() as u64
    }

    /// The epoch of the last record, if any is retained.
    pub fn last_epoch(&self) -> Option<u32> {
        self.entries.back().map(|e| e.epoch)
    }

    pub fn entry(&self, offset: u64) -> Option<&Entry> {
        let index = offset.checked_sub(self.log_start_offset)?;
        self.entries.get(usize::try_from(index).ok()?)
    }

    /// Records from `offset` up to (not including) `end`, at most `max`, as (offset, entry).
    /// An offset before the log start reads from the log start (`auto.offset.reset=earliest`).
    pub fn read(&self, offset: u64, end: u64, max: usize) -> impl Iterator<Item = (u64, &Entry)> {
        let from = offset.max(self.log_start_offset);
        let skip = (from - self.log_start_offset) as usize;
        let available = end.min(self.log_end_offset()).saturating_sub(from) as usize;
        self.entries.iter().skip(skip).take(max.min(available)).enumerate().map(move |(i, e)| (from + i as u64, e))
    }

    /// Whole batches from `offset` up to `end`: at least `max` records unless the range runs
    /// out, then on to the end of the batch the last one belongs to. Kafka replicates whole
    /// batches, so a follower never holds half of one.
    pub fn read_batches(&self, offset: u64, end: u64, max: usize) -> Vec<Entry> {
        let mut entries: Vec<Entry> = self.read(offset, end, max).map(|(_, e)| *e).collect();
        let mut next = offset.max(self.log_start_offset) + entries.len() as u64;
        while next < end.min(self.log_end_offset()) {
            match self.entry(next) {
                Some(entry) if entry.offset_delta > 0 => entries.push(*entry),
                _ => break,
            }
            next += 1;
        }
        entries
    }

    /// Where this log's history of `epoch` ends: one past the last offset written in `epoch`
    /// or earlier. A follower whose last epoch is `epoch` must truncate to this offset to
    /// agree with this log (Kafka's OffsetsForLeaderEpoch answer).
    pub fn end_offset_for_epoch(&self, epoch: u32) -> u64 {
        // Entries are in epoch order: the first entry of a later epoch ends `epoch`'s history.
        let later = self.entries.iter().position(|e| e.epoch > epoch);
        later.map_or(self.log_end_offset(), |i| self.log_start_offset + i as u64)
    }

    /// Removes every record at `offset` and beyond, returning them (oldest first).
    pub fn truncate_to(&mut self, offset: u64) -> Vec<Entry> {
        let keep = offset.saturating_sub(self.log_start_offset).min(self.entries.len() as u64) as usize;
        self.entries.drain(keep..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(record_id: u64) -> Record {
        Record { record_id, key_id: record_id as u32, timestamp_us: 0, value_bytes: 100 }
    }

    #[test]
    fn offsets_are_dense_and_start_at_zero() {
        let mut log = PartitionLog::new(100);
        assert_eq!(log.append(record(1), 0), 0);
        assert_eq!(log.append(record(2), 0), 1);
        assert_eq!(log.log_end_offset(), 2);
        let read: Vec<_> = log.read(1, u64::MAX, 10).map(|(o, e)| (o, e.record.record_id)).collect();
        assert_eq!(read, [(1, 2)]);
    }

    #[test]
    fn retention_moves_the_start_and_never_reuses_offsets() {
        let mut log = PartitionLog::new(3);
        for id in 0..5 {
            log.append(record(id), 0);
        }
        assert_eq!(log.log_start_offset(), 2);
        assert_eq!(log.log_end_offset(), 5);
        let read: Vec<_> = log.read(0, u64::MAX, 10).map(|(o, e)| (o, e.record.record_id)).collect();
        assert_eq!(read, [(2, 2), (3, 3), (4, 4)]);
    }

    #[test]
    fn reads_stop_at_the_given_end_such_as_the_high_watermark() {
        let mut log = PartitionLog::new(10);
        for id in 0..5 {
            log.append(record(id), 0);
        }
        assert_eq!(log.read(1, 3, 10).count(), 2);
        assert_eq!(log.read(5, 9, 10).count(), 0);
        assert_eq!(log.read(0, 5, 0).count(), 0);
    }

    #[test]
    fn epoch_end_offsets_find_where_histories_diverge() {
        let mut log = PartitionLog::new(100);
        for (id, epoch) in [(0, 0), (1, 0), (2, 2), (3, 2), (4, 5)] {
            log.append(record(id), epoch);
        }
        assert_eq!(log.end_offset_for_epoch(0), 2);
        assert_eq!(log.end_offset_for_epoch(1), 2, "epoch 1 never wrote here: it ends where epoch 2 starts");
        assert_eq!(log.end_offset_for_epoch(2), 4);
        assert_eq!(log.end_offset_for_epoch(7), 5);
        let removed = log.truncate_to(2);
        assert_eq!(removed.iter().map(|e| e.record.record_id).collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(log.last_epoch(), Some(0));
    }

    #[test]
    fn replication_reads_finish_the_batch_they_start() {
        let mut log = PartitionLog::new(100);
        log.append(record(0), 0);
        for delta in 0..3 {
            log.append_entry(Entry { offset_delta: delta, ..Entry::single(record(1 + u64::from(delta)), 0) });
        }
        log.append(record(4), 0);
        let ids = |entries: Vec<Entry>| entries.iter().map(|e| e.record.record_id).collect::<Vec<_>>();
        assert_eq!(ids(log.read_batches(0, 5, 2)), [0, 1, 2, 3], "the batch of 1..=3 is not split");
        assert_eq!(ids(log.read_batches(0, 3, 2)), [0, 1, 2], "but never past `end`");
        assert_eq!(ids(log.read_batches(4, 5, 10)), [4]);
    }

    #[test]
    #[should_panic(expected = "epochs in a log never decrease")]
    fn appending_an_older_epoch_is_an_invariant_violation() {
        let mut log = PartitionLog::new(10);
        log.append(record(0), 3);
        log.append(record(1), 2);
    }
}
