//! How a replica's log keeps its records: as runs, each a stretch of one shared batch at
//! consecutive offsets, not one entry per record. A producer's batch at real scale holds
//! several records, and all of them sit at consecutive offsets in every replica, so one run
//! (first offset, the batch, first and last index: 24 bytes) stands for all of them.
//!
//! Runs only ever shrink at the front (retention), split (compaction removes records from the
//! middle, as Kafka's cleaner leaves holes in a batch) or end early (truncation); a lookup by
//! offset is a binary search over runs, then arithmetic inside the run.

use super::rows::Rows;
use super::{BatchKind, Entry, ProducerStamp, Record};
use crate::sim::chunked::{ChunkedDeque, Pos};
use std::sync::Arc;

/// The part of a batch that every replica holds alike: its records and its header, written by
/// the leader in one epoch. Immutable, so replicas (and the timeline's copies) share it.
#[derive(Debug, PartialEq, Eq)]
pub struct SharedBatch {
    epoch: u32,
    /// The offset delta of `records[0]`: 0 for a whole batch, more for the one entry a test
    /// appends on its own from the middle of a batch.
    first_delta: u32,
    producer: Option<ProducerStamp>,
    kind: BatchKind,
    records: Rows,
}

impl SharedBatch {
    /// A batch written in `epoch`, its records from offset delta 0 on.
    pub fn new(records: &[Record], epoch: u32, producer: Option<ProducerStamp>, kind: BatchKind) -> Arc<SharedBatch> {
        assert!(!records.is_empty() && records.len() <= u32::MAX as usize, "a batch holds 1 to u32::MAX records");
        Arc::new(SharedBatch { epoch, first_delta: 0, producer, kind, records: Rows::new(records) })
    }

    /// One entry as a batch of its own (a control marker, or a test's single record).
    pub(super) fn of_entry(entry: Entry) -> Arc<SharedBatch> {
        let Entry { record, epoch, offset_delta, producer, kind } = entry;
        Arc::new(SharedBatch { epoch, first_delta: offset_delta, producer, kind, records: Rows::new(&[record]) })
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.len() == 0
    }
}

/// One record's place in a log, as a view: its offset and where its batch keeps it.
#[derive(Clone, Copy, Debug)]
pub struct Slot<'a> {
    offset: u64,
    batch: &'a Arc<SharedBatch>,
    index: u32,
}

impl<'a> Slot<'a> {
    /// Record `index` of `batch`, at `offset`.
    pub(super) fn new(offset: u64, batch: &'a Arc<SharedBatch>, index: u32) -> Slot<'a> {
        assert!((index as usize) < batch.len(), "record {index} of a batch of {}", batch.len());
        Slot { offset, batch, index }
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The record, copied out of its batch's rows.
    pub fn record(&self) -> Record {
        self.batch.records.get(self.index as usize)
    }

    pub fn epoch(&self) -> u32 {
        self.batch.epoch
    }

    /// This record's place in its batch (Kafka's offset delta): 0 starts a batch.
    pub fn offset_delta(&self) -> u32 {
        self.batch.first_delta + self.index
    }

    /// The entry, copied out of the shared batch.
    pub fn entry(&self) -> Entry {
        let b = &**self.batch;
        Entry { record: self.record(), epoch: b.epoch, offset_delta: self.offset_delta(), producer: b.producer, kind: b.kind }
    }

    pub fn is_control(&self) -> bool {
        matches!(self.batch.kind, BatchKind::Marker { .. })
    }

    /// Whether both slots keep their record in the same shared batch (one copy in memory).
    pub fn shares_batch_with(&self, other: Slot<'_>) -> bool {
        Arc::ptr_eq(self.batch, other.batch)
    }
}

/// Records `first..=last` of `batch`, at offsets `offset`, `offset + 1`, …: what a log holds
/// per stretch of a batch, and what replication hands a follower.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    offset: u64,
    batch: Arc<SharedBatch>,
    first: u32,
    last: u32,
}

impl Run {
    /// The run of one record.
    fn of(slot: Slot<'_>) -> Run {
        Run { offset: slot.offset, batch: Arc::clone(slot.batch), first: slot.index, last: slot.index }
    }

    /// Records `first..=last` of this run, as a run of their own.
    fn part(&self, first: u32, last: u32) -> Run {
        Run { offset: self.offset_of(first), batch: Arc::clone(&self.batch), first, last }
    }

    /// The offset of record `index` of the batch.
    fn offset_of(&self, index: u32) -> u64 {
        self.offset + u64::from(index - self.first)
    }

    /// Whether `slot` is the record right after this run's last, in the same batch.
    fn continues_with(&self, slot: Slot<'_>) -> bool {
        Arc::ptr_eq(&self.batch, slot.batch) && self.last.checked_add(1) == Some(slot.index) && self.last_offset() + 1 == slot.offset
    }

    fn slot(&self, index: u32) -> Slot<'_> {
        Slot { offset: self.offset_of(index), batch: &self.batch, index }
    }

    /// The run's records from `index` on, as slots.
    fn slots_from(&self, index: u32) -> impl Iterator<Item = Slot<'_>> + '_ {
        (index..=self.last).map(move |i| self.slot(i))
    }

    pub fn offset(&self) -> u64 {
        self.offset
    }

    pub fn last_offset(&self) -> u64 {
        self.offset_of(self.last)
    }

    pub fn len(&self) -> usize {
        (self.last - self.first) as usize + 1
    }

    /// Never: a run holds at least one record.
    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn epoch(&self) -> u32 {
        self.batch.epoch
    }

    pub fn is_control(&self) -> bool {
        matches!(self.batch.kind, BatchKind::Marker { .. })
    }

    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        (self.first..=self.last).map(|index| self.batch.records.get(index as usize))
    }

    pub fn slots(&self) -> impl Iterator<Item = Slot<'_>> + '_ {
        self.slots_from(self.first)
    }
}

/// Gathers slots in offset order into as few runs as they make.
pub(super) fn runs_of<'a>(slots: impl Iterator<Item = Slot<'a>>) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for slot in slots {
        match runs.last_mut() {
            Some(run) if run.continues_with(slot) => run.last += 1,
            _ => runs.push(Run::of(slot)),
        }
    }
    runs
}

/// A record in a `Runs`: record `index` of the batch of the run at `pos` (`pos` is the end
/// past the last record). Only valid until the runs next change.
#[derive(Clone, Copy, Debug)]
pub(super) struct At {
    pos: Pos,
    index: u32,
}

/// A log's records, oldest first, as runs whose chunks its copies share (`sim::chunked`).
#[derive(Clone, Debug, Default)]
pub(super) struct Runs {
    runs: ChunkedDeque<Run>,
    /// Records already deleted from the front of the first run. Its chunk may be shared with
    /// a copy, whose past must not change, so the run itself is left as it was (as the
    /// deque's own popped elements are).
    front_cut: u32,
    /// Records held, over all runs.
    len: usize,
}

impl Runs {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn run_count(&self) -> usize {
        self.runs.len()
    }

    /// The first record still held of the run at `pos`.
    fn first_held(&self, pos: Pos, run: &Run) -> u32 {
        run.first + if pos == self.runs.start() { self.front_cut } else { 0 }
    }

    /// The first held record of the run at `pos`, or the end.
    fn run_start(&self, pos: Pos) -> At {
        let index = self.runs.get(pos).map_or(0, |run| self.first_held(pos, run));
        At { pos, index }
    }

    pub fn get(&self, at: At) -> Option<Slot<'_>> {
        self.runs.get(at.pos).map(|run| run.slot(at.index))
    }

    pub fn front(&self) -> Option<Slot<'_>> {
        self.get(self.run_start(self.runs.start()))
    }

    pub fn back(&self) -> Option<Slot<'_>> {
        self.runs.back().map(|run| run.slot(run.last))
    }

    /// The first record at or after `offset` (the end if none is).
    pub fn find(&self, offset: u64) -> At {
        let pos = self.runs.partition_point(|run| run.last_offset() < offset);
        let Some(run) = self.runs.get(pos) else { return At { pos, index: 0 } };
        let within = offset.saturating_sub(run.offset) as u32;
        At { pos, index: (run.first + within).max(self.first_held(pos, run)) }
    }

    /// The first record of the first run for which `pred` is false, given that it is true
    /// for a prefix of the runs (as `slice::partition_point`).
    pub fn first_where_not(&self, pred: impl FnMut(&Run) -> bool) -> Option<Slot<'_>> {
        self.get(self.run_start(self.runs.partition_point(pred)))
    }

    /// The records from `at` on, oldest first.
    pub fn iter_from(&self, at: At) -> impl Iterator<Item = Slot<'_>> + '_ {
        let runs = self.runs.iter_from(at.pos).enumerate();
        runs.flat_map(move |(k, run)| run.slots_from(if k == 0 { at.index } else { run.first }))
    }

    pub fn iter(&self) -> impl Iterator<Item = Slot<'_>> + '_ {
        self.iter_from(self.run_start(self.runs.start()))
    }

    /// How many records come before `at`.
    pub fn count_before(&self, at: At) -> usize {
        let Some(run) = self.runs.get(at.pos) else { return self.len };
        let from_at: usize = self.runs.iter_from(at.pos).map(Run::len).sum::<usize>() - (at.index - run.first) as usize;
        self.len - from_at
    }

    /// Appends a record after the last. It extends the last run if it continues it and no
    /// copy shares that run's chunk; otherwise it starts a run.
    pub fn push(&mut self, slot: Slot<'_>) {
        self.len += 1;
        if let Some(run) = self.runs.back_mut_unshared().filter(|run| run.continues_with(slot)) {
            run.last += 1;
        } else {
            self.runs.push_back(Run::of(slot));
        }
    }

    /// Removes the first record, returning its offset and entry.
    pub fn pop_front(&mut self) -> Option<(u64, Entry)> {
        let run = self.runs.front()?;
        let index = run.first + self.front_cut;
        let popped = (run.offset_of(index), run.slot(index).entry());
        if index == run.last {
            self.runs.pop_front();
            self.front_cut = 0;
        } else {
            self.front_cut += 1;
        }
        self.len -= 1;
        Some(popped)
    }

    /// Removes every record from `at` on and returns them, oldest first. The run `at` falls
    /// inside keeps its records before `at`.
    pub fn split_off(&mut self, at: At) -> Vec<Entry> {
        let Some(cut) = self.runs.get(at.pos).cloned() else { return Vec::new() };
        let (held, at_front) = (self.first_held(at.pos, &cut), at.pos == self.runs.start());
        let removed_runs = self.runs.split_off(at.pos);
        let removed: Vec<Entry> = removed_runs.iter().enumerate().flat_map(|(k, run)| run.slots_from(if k == 0 { at.index } else { run.first })).map(|s| s.entry()).collect();
        if at_front {
            self.front_cut = 0;
        }
        if at.index > held {
            self.runs.push_back(cut.part(held, at.index - 1));
        }
        self.len -= removed.len();
        removed
    }

    /// Keeps only the records for which `keep` is true (called once per record, in order).
    /// A run that loses records from its middle becomes a run per surviving stretch; runs
    /// that lose none stay as they are, and their chunks shared.
    pub fn retain(&mut self, mut keep: impl FnMut(Slot<'_>) -> bool) {
        let (mut is_front, mut front_untouched, mut len) = (true, false, 0);
        let front_cut = self.front_cut;
        self.runs.rewrite(|run, out| {
            let from = run.first + if is_front { front_cut } else { 0 };
            let mut stretch: Option<u32> = None;
            let mut kept_all = true;
            for slot in run.slots_from(from) {
                if keep(slot) {
                    stretch.get_or_insert(slot.index);
                    len += 1;
                    continue;
                }
                kept_all = false;
                if let Some(first) = stretch.take() {
                    out.push(run.part(first, slot.index - 1));
                }
            }
            front_untouched |= is_front && kept_all;
            is_front = false;
            if kept_all {
                return true;
            }
            out.extend(stretch.map(|first| run.part(first, run.last)));
            false
        });
        if !front_untouched {
            // The first run now starts at its first held record (or is another run).
            self.front_cut = 0;
        }
        self.len = len;
    }
}

#[cfg(test)]
mod tests;
