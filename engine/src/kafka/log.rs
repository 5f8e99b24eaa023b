//! A partition's log: an append-only sequence of records, each named by its offset. The log
//! end offset (LEO) is the offset the next record will get; retention deletes from the front,
//! moving the log start offset forward. Every record remembers the leader epoch it was
//! written in, so that after a leader change a replica can find where its history diverges
//! from the new leader's and truncate exactly there (Kafka's KIP-101 / KIP-279).
//!
//! Records arrive in batches, and a batch is the unit Kafka appends, replicates and truncates:
//! each entry keeps its place in its batch and the batch's producer stamp, so a replica can
//! always tell where a batch ends and can rebuild the idempotent producers' state from disk.
//!
//! Like Kafka's segments, the runs are held in chunks that are immutable once another copy
//! shares them (`sim::chunked`): the timeline's snapshots share a log's history instead of
//! copying every record of every replica.
//!
//! A batch's records are written once, by the leader, and never change: so the replicas of a
//! partition share them (`SharedBatch`) instead of each keeping a copy, as three brokers'
//! disks would. A replica's log holds only where each stretch of a batch sits (`runs`: one
//! entry per run of records at consecutive offsets, not per record); reading a record copies
//! it out. Replication factor 3 then costs one copy of the records, not three.

use runs::{runs_of, Runs};
use std::collections::BTreeMap;
use std::sync::Arc;

mod rows;
mod runs;
pub use runs::{Run, SharedBatch, Slot};

/// One record as stored in a partition. The key is an id into the producer's key table (the
/// bytes were hashed when partitioning), so a log of millions of records stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Unique per run: lets the simulation account for every record's fate.
    pub record_id: u64,
    pub key_id: u32,
    /// When the producer created the record, in simulated microseconds (Kafka's CreateTime).
    pub timestamp_us: u64,
    /// 0 is a tombstone: a record without a value (Kafka's null value), which deletes its key
    /// from a compacted topic.
    pub value_bytes: u32,
    /// What the value says, for a domain workload (UPI, posts, shop); Kafka never reads it.
    pub payload: crate::workload::Payload,
}

/// The key id of a record without a key.
pub const NO_KEY: u32 = u32::MAX;

impl Record {
    pub fn is_tombstone(&self) -> bool {
        self.value_bytes == 0
    }
    pub fn has_key(&self) -> bool {
        self.key_id != NO_KEY
    }
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
        let record = Record { record_id: CONTROL_RECORD_ID, key_id: 0, timestamp_us, value_bytes: 0, payload: crate::workload::Payload::None };
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

#[derive(Clone)]
pub struct PartitionLog {
    log_start_offset: u64,
    /// The offset the next record gets (the LEO). Offsets are never reused, and compaction
    /// leaves holes, so runs carry their offsets instead of deriving them from positions.
    next_offset: u64,
    runs: Runs,
    /// Size-based retention, counted in records: older records are deleted beyond this.
    retention_records_max: u64,
    /// Tombstones the cleaner has seen, with the time (µs) after which it may delete them:
    /// Kafka's delete horizon (KIP-534), so consumers have delete.retention.ms to see them.
    tombstone_horizons_us: BTreeMap<u64, u64>,
}

impl PartitionLog {
    pub fn new(retention_records_max: u64) -> Self {
        assert!(retention_records_max > 0, "retention keeps at least one record");
        PartitionLog { log_start_offset: 0, next_offset: 0, runs: Runs::default(), retention_records_max, tombstone_horizons_us: BTreeMap::new() }
    }

    /// Appends a record written in `epoch` as a batch of its own and returns its offset.
    pub fn append(&mut self, record: Record, epoch: u32) -> u64 {
        self.append_entry(Entry::single(record, epoch))
    }

    /// Appends one entry at the log end and returns its offset.
    pub fn append_entry(&mut self, entry: Entry) -> u64 {
        self.append_evicting(entry).0
    }

    /// Appends one entry as a batch of its own, and also returns the record retention
    /// deleted to make room, if any.
    pub fn append_evicting(&mut self, entry: Entry) -> (u64, Option<Entry>) {
        let offset = self.next_offset;
        (offset, self.append_at(offset, entry))
    }

    /// Appends one entry as a batch of its own at `offset`. Returns what retention evicted.
    pub fn append_at(&mut self, offset: u64, entry: Entry) -> Option<Entry> {
        self.append_slot(Slot::new(offset, &SharedBatch::of_entry(entry), 0))
    }

    /// Appends record `index` of `batch` at the log end; returns its offset and what
    /// retention evicted. The leader appends a producer's batch this way, record by record
    /// (the log keeps them as one run).
    pub fn append_shared(&mut self, batch: &Arc<SharedBatch>, index: u32) -> (u64, Option<Entry>) {
        let offset = self.next_offset;
        (offset, self.append_slot(Slot::new(offset, batch, index)))
    }

    /// Appends a record at its offset, which may be past the log end when a follower copies
    /// a leader whose cleaner left a hole; the log shares the slot's batch. Returns what
    /// retention evicted.
    pub fn append_slot(&mut self, slot: Slot<'_>) -> Option<Entry> {
        let offset = slot.offset();
        assert!(offset >= self.next_offset, "offsets only grow: {offset} < {}", self.next_offset);
        assert!(self.last_epoch().is_none_or(|last| last <= slot.epoch()), "epochs in a log never decrease");
        if self.runs.is_empty() {
            // A follower whose leader already deleted the start of the log begins where it does.
            self.log_start_offset = self.log_start_offset.max(offset);
        }
        self.runs.push(slot);
        self.next_offset = offset + 1;
        if self.runs.len() as u64 > self.retention_records_max {
            return self.pop_front();
        }
        None
    }

    fn pop_front(&mut self) -> Option<Entry> {
        let (offset, entry) = self.runs.pop_front()?;
        self.tombstone_horizons_us.remove(&offset);
        self.log_start_offset = self.runs.front().map_or(self.next_offset, |s| s.offset()).max(offset + 1);
        Some(entry)
    }

    /// Every retained entry, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        self.runs.iter().map(|s| s.entry())
    }

    /// Every retained entry with its offset, oldest first.
    pub fn entries_with_offsets(&self) -> impl Iterator<Item = (u64, Entry)> + '_ {
        self.runs.iter().map(|s| (s.offset(), s.entry()))
    }

    /// Every retained record's slot, oldest first: the records without copying them out.
    pub fn slots(&self) -> impl Iterator<Item = Slot<'_>> + '_ {
        self.runs.iter()
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    pub fn log_end_offset(&self) -> u64 {
        self.next_offset
    }

    /// Records retained (fewer than the offset range once the cleaner has compacted).
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Runs held (`Run`): what the log itself costs beside the batches it shares, one per
    /// stretch of a batch at consecutive offsets.
    pub fn run_count(&self) -> usize {
        self.runs.run_count()
    }

    /// The epoch of the last record, if any is retained.
    pub fn last_epoch(&self) -> Option<u32> {
        self.runs.back().map(|s| s.epoch())
    }

    /// Entries retained below `offset` (fewer than `offset` once retention or compaction
    /// removed some).
    pub fn entries_below(&self, offset: u64) -> usize {
        self.runs.count_before(self.runs.find(offset))
    }

    fn slot(&self, offset: u64) -> Option<Slot<'_>> {
        self.runs.get(self.runs.find(offset)).filter(|s| s.offset() == offset)
    }

    /// The entry at exactly `offset`, if it is retained (not deleted, not compacted away).
    pub fn entry(&self, offset: u64) -> Option<Entry> {
        self.slot(offset).map(|s| s.entry())
    }

    /// The record at exactly `offset`, if it is retained.
    pub fn record(&self, offset: u64) -> Option<Record> {
        self.slot(offset).map(|s| s.record())
    }

    /// The retained slots from `offset` (or the log start, if later) on.
    fn slots_from(&self, offset: u64) -> impl Iterator<Item = Slot<'_>> + '_ {
        self.runs.iter_from(self.runs.find(offset.max(self.log_start_offset)))
    }

    /// Records from `offset` up to (not including) `end`, at most `max`, as (offset, entry).
    /// An offset before the log start reads from the log start (`auto.offset.reset=earliest`);
    /// offsets the cleaner removed are simply skipped, as a Kafka consumer skips them.
    pub fn read(&self, offset: u64, end: u64, max: usize) -> impl Iterator<Item = (u64, Entry)> + '_ {
        self.slots_from(offset).take_while(move |s| s.offset() < end).take(max).map(|s| (s.offset(), s.entry()))
    }

    /// Whole batches from `offset` up to `end`: at least `max` records unless the range runs
    /// out, then on to the end of the batch the last one belongs to. Kafka replicates whole
    /// batches, so a follower never holds half of one. The runs share this log's batches.
    pub fn read_batches(&self, offset: u64, end: u64, max: usize) -> Vec<Run> {
        let in_range = self.slots_from(offset).take_while(|s| s.offset() < end).enumerate();
        // The first `max` records, then the rest of the last one's batch.
        runs_of(in_range.take_while(|(i, s)| *i < max || s.offset_delta() > 0).map(|(_, s)| s))
    }

    /// Where this log's history of `epoch` ends: one past the last offset written in `epoch`
    /// or earlier. A follower whose last epoch is `epoch` must truncate to this offset to
    /// agree with this log (Kafka's OffsetsForLeaderEpoch answer).
    pub fn end_offset_for_epoch(&self, epoch: u32) -> u64 {
        // Runs are in epoch order: the first record of a later epoch ends `epoch`'s history.
        self.runs.first_where_not(|run| run.epoch() <= epoch).map_or(self.log_end_offset(), |s| s.offset())
    }

    /// Removes every record at `offset` and beyond, returning them (oldest first).
    pub fn truncate_to(&mut self, offset: u64) -> Vec<Entry> {
        let keep = self.runs.find(offset);
        self.next_offset = self.next_offset.min(offset.max(self.log_start_offset));
        self.tombstone_horizons_us.retain(|o, _| *o < offset);
        self.runs.split_off(keep)
    }

    /// Time-based retention (retention.ms): deletes records created before `cutoff_us` from
    /// the front of the log, but none at or above offset `below`. Returns what it deleted.
    pub fn delete_older_than(&mut self, cutoff_us: u64, below: u64) -> Vec<Entry> {
        let mut deleted = Vec::new();
        while self.runs.front().is_some_and(|s| s.record().timestamp_us < cutoff_us && s.offset() < below) {
            deleted.extend(self.pop_front());
        }
        deleted
    }

    /// Log compaction (cleanup.policy=compact) of the offsets below `clean_below`: of each
    /// key, only the latest record survives; offsets are kept, leaving holes. A tombstone
    /// (a record without a value) survives until `delete_retention_us` after the cleaner first
    /// saw it. Returns the removed records.
    ///
    /// A survivor keeps its whole shared batch alive: a compacted topic may hold a batch's
    /// other records in memory, unread, as long as one of them is kept.
    pub fn compact(&mut self, clean_below: u64, now_us: u64, delete_retention_us: u64) -> Vec<Entry> {
        let mut latest: BTreeMap<u32, u64> = BTreeMap::new();
        let cleanable = self.runs.iter().take_while(|s| s.offset() < clean_below);
        for slot in cleanable.filter(|s| !s.is_control()) {
            latest.insert(slot.record().key_id, slot.offset());
        }
        let horizons = &mut self.tombstone_horizons_us;
        let mut removed = Vec::new();
        self.runs.retain(|slot| {
            let offset = slot.offset();
            // Transaction markers are kept: they are not records of any key (Kafka removes
            // them only once their transaction's records are gone, which Dhara does not model).
            if offset >= clean_below || slot.is_control() {
                return true;
            }
            let record = slot.record();
            if latest.get(&record.key_id) != Some(&offset) {
                removed.push(slot.entry());
                return false;
            }
            if !record.is_tombstone() {
                return true;
            }
            let horizon = *horizons.entry(offset).or_insert(now_us + delete_retention_us);
            if now_us >= horizon {
                horizons.remove(&offset);
                removed.push(slot.entry());
                return false;
            }
            true
        });
        removed
    }
}

#[cfg(test)]
mod tests;
