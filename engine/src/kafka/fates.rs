//! The fate of every record, kept by an omniscient observer (the simulation, not any node).
//! A producer only knows what it was told; the ledger knows what really happened, so the page
//! can say exactly how many acknowledged records a configuration lost. An acknowledged record
//! is lost when the partition's current leader does not have it (and retention did not delete
//! it): after acks=1 and a leader crash, or after an unclean election. A record of an aborted
//! transaction is neither: it was stored, and deliberately left out of the committed output.
//!
//! A long run creates hundreds of millions of records, so the ledger forgets a record once its
//! fate is final (`retire`): settled, in no log and in no request that could still append it,
//! outside any open transaction. Only its counts remain, so the ledger holds about a
//! retention's worth of records however long the run.

use super::log::PartitionLog;
use std::collections::BTreeSet;

const STATE_MASK: u8 = 0b11;
const IN_FLIGHT: u8 = 0;
const ACKED: u8 = 1;
const FAILED: u8 = 2;
const UNCONFIRMED: u8 = 3;
const EXPIRED: u8 = 0b100;
/// Its transaction was aborted: it settles here whatever the producer hears about it later.
const ABORTED: u8 = 0b1000;
/// The last `recount_lost` of its partition found it missing: one of `lost_by_partition`.
const LOST: u8 = 0b1_0000;
/// `copy_offset` of a record no leader has appended yet.
const NO_COPY: u64 = u64::MAX;
/// How many records are created between two attempts to retire settled ones (`retire`): an
/// attempt walks every log, so it is rare; the ledger holds at most about this many records
/// beyond those a retention keeps.
pub const RETIRE_EVERY_RECORDS: u64 = 1 << 20;

/// Counts that always add up: `created = in_flight + acked + failed + unconfirmed + aborted`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FateCounts {
    pub created: u64,
    pub in_flight: u64,
    pub acked: u64,
    pub failed: u64,
    /// acks=0: sent, never confirmed.
    pub unconfirmed: u64,
    /// Records of aborted transactions (acknowledged or still in flight when the abort was
    /// known; records that had failed stay failed). Never counted as lost.
    pub aborted: u64,
    /// Acknowledged, then lost: not in the current leader's log.
    pub acked_lost: u64,
    /// Appends of a record whose earlier copy is still in the appending leader's log: the
    /// partition's history now holds it twice (retries without idempotence). A copy only a
    /// deposed leader had, truncated away later, does not count.
    pub duplicates_written: u64,
    /// Records processed again downstream (at-least-once redelivery after a crash or rebalance).
    pub duplicates_processed: u64,
}

#[derive(Clone)]
pub struct Fates {
    /// Records below this id are retired: final, and only in the counts. The per-record
    /// vectors below hold ids `retired_below..`.
    retired_below: u64,
    /// Retire (`retirement_due`) when this many records are held beyond the last attempt.
    retire_every_records: u64,
    retire_attempt_at: u64,
    /// Per partition: retired records that were counted lost (lost for good: in no log).
    retired_lost_by_partition: Vec<u64>,
    /// Per record id: state bits.
    state: Vec<u8>,
    /// Per partition: acknowledged record ids, in acknowledgement order.
    acked_by_partition: Vec<Vec<u64>>,
    partition_of: Vec<u32>,
    /// Per record id: the offset of its latest copy a leader appended, or NO_COPY.
    copy_offset: Vec<u64>,
    lost_by_partition: Vec<u64>,
    /// Per partition: the `duplicates_written` its leaders appended.
    duplicates_by_partition: Vec<u64>,
    /// Per partition, one past the highest offset any consumer has processed: what the
    /// downstream system has seen, across crashes and rebalances.
    downstream_end: Vec<u64>,
    counts: FateCounts,
}

impl Fates {
    pub fn new(partitions: u32) -> Self {
        Fates {
            retired_below: 0,
            retire_every_records: RETIRE_EVERY_RECORDS,
            retire_attempt_at: 0,
            retired_lost_by_partition: vec![0; partitions as usize],
            state: Vec::new(),
            acked_by_partition: vec![Vec::new(); partitions as usize],
            partition_of: Vec::new(),
            copy_offset: Vec::new(),
            lost_by_partition: vec![0; partitions as usize],
            duplicates_by_partition: vec![0; partitions as usize],
            downstream_end: vec![0; partitions as usize],
            counts: FateCounts::default(),
        }
    }

    pub fn counts(&self) -> FateCounts {
        let mut counts = self.counts;
        counts.acked_lost = self.lost_by_partition.iter().sum();
        counts
    }

    /// Where record `record_id`'s bits are; a retired record has none.
    fn at(&self, record_id: u64) -> usize {
        assert!(record_id >= self.retired_below, "record {record_id} was retired (below {}) yet is still in play", self.retired_below);
        (record_id - self.retired_below) as usize
    }

    pub fn created(&mut self, record_id: u64, partition: u32) {
        assert_eq!(record_id, self.record_count(), "record ids are dense, in creation order");
        self.state.push(IN_FLIGHT);
        self.partition_of.push(partition);
        self.copy_offset.push(NO_COPY);
        self.counts.created += 1;
        self.counts.in_flight += 1;
    }

    fn settle(&mut self, record_id: u64, to: u8) {
        let at = self.at(record_id);
        let state = &mut self.state[at];
        if *state & ABORTED != 0 {
            return; // The producer hears about a record whose transaction already aborted.
        }
        assert_eq!(*state & STATE_MASK, IN_FLIGHT, "record {record_id} settled twice");
        *state = (*state & !STATE_MASK) | to;
        self.counts.in_flight -= 1;
        match to {
            ACKED => {
                self.counts.acked += 1;
                let partition = self.partition_of[at] as usize;
                self.acked_by_partition[partition].push(record_id);
            }
            FAILED => self.counts.failed += 1,
            _ => self.counts.unconfirmed += 1,
        }
    }

    pub fn partition_of(&self, record_id: u64) -> u32 {
        self.partition_of[self.at(record_id)]
    }

    pub fn acknowledged(&mut self, record_id: u64) {
        self.settle(record_id, ACKED);
    }
    pub fn failed(&mut self, record_id: u64) {
        self.settle(record_id, FAILED);
    }
    pub fn unconfirmed(&mut self, record_id: u64) {
        self.settle(record_id, UNCONFIRMED);
    }

    /// The record's transaction was aborted: an acknowledged or unsettled record moves to
    /// `aborted`; a failed one stays failed; a second report changes nothing.
    pub fn aborted(&mut self, record_id: u64) {
        let at = self.at(record_id);
        let state = &mut self.state[at];
        match *state & STATE_MASK {
            _ if *state & ABORTED != 0 => return,
            IN_FLIGHT => self.counts.in_flight -= 1,
            ACKED => self.counts.acked -= 1,
            _ => return,
        }
        *state = (*state & !STATE_MASK) | ABORTED;
        self.counts.aborted += 1;
        self.no_longer_lost(record_id);
    }

    /// A record counted lost that then expired or was aborted is no longer lost: `acked_lost`
    /// counts only records still acknowledged, as `recount_lost` does. Without this the count
    /// would keep it until the partition's next leader change.
    fn no_longer_lost(&mut self, record_id: u64) {
        let at = self.at(record_id);
        let state = &mut self.state[at];
        if *state & LOST != 0 {
            *state &= !LOST;
            self.lost_by_partition[self.partition_of[at] as usize] -= 1;
        }
    }

    /// Whether a leader has appended a copy of the record yet.
    pub fn has_copy(&self, record_id: u64) -> bool {
        self.copy_offset[self.at(record_id)] != NO_COPY
    }

    /// A leader appended the record at `offset` of `leader_log` (the log it wrote into).
    /// It is a duplicate if its previous copy is still in that log: then both will be
    /// replicated and read. A copy only a deposed leader had is no duplicate.
    pub fn appended(&mut self, record_id: u64, offset: u64, leader_log: &PartitionLog) {
        let at = self.at(record_id);
        let previous = std::mem::replace(&mut self.copy_offset[at], offset);
        let still_there = |copy: u64| leader_log.entry(copy).is_some_and(|e| e.record.record_id == record_id);
        if previous != NO_COPY && previous != offset && still_there(previous) {
            self.counts.duplicates_written += 1;
            self.duplicates_by_partition[self.partition_of[at] as usize] += 1;
        }
    }

    /// A consumer processed offsets `first..=last` of `partition`; those below what was
    /// processed before are duplicates.
    pub fn processed(&mut self, partition: u32, first: u64, last: u64) {
        let end = &mut self.downstream_end[partition as usize];
        self.counts.duplicates_processed += (last + 1).min(*end).saturating_sub(first);
        *end = (*end).max(last + 1);
    }

    /// Retention or compaction removed the record (on any broker): removed by policy.
    pub fn expired(&mut self, record_id: u64) {
        let at = self.at(record_id);
        self.state[at] |= EXPIRED;
        self.no_longer_lost(record_id);
    }

    /// Recounts the acknowledged records of `partition` missing from its new leader's log.
    /// Called at every leader change, the only moment the answer can change.
    pub fn recount_lost(&mut self, partition: u32, leader_log: &PartitionLog) {
        let present: BTreeSet<u64> = crate::sim::sort::collect_set(leader_log.entries().map(|e| e.record.record_id));
        let p = partition as usize;
        let mut lost = self.retired_lost_by_partition[p];
        for &id in &self.acked_by_partition[p] {
            let state = &mut self.state[(id - self.retired_below) as usize];
            let missing = *state & (EXPIRED | ABORTED | STATE_MASK) == ACKED && !present.contains(&id);
            *state = if missing { *state | LOST } else { *state & !LOST };
            lost += u64::from(missing);
        }
        self.lost_by_partition[p] = lost;
    }

    /// Records created so far (ids are `0..record_count()`).
    pub fn record_count(&self) -> u64 {
        self.retired_below + self.state.len() as u64
    }

    /// The oldest record the ledger still holds: ids below it are retired.
    pub fn first_held(&self) -> u64 {
        self.retired_below
    }

    /// Retired records of `partition` that were counted lost: part of `lost_in`.
    pub fn retired_lost_in(&self, partition: u32) -> u64 {
        self.retired_lost_by_partition[partition as usize]
    }

    /// Attempts to retire every `records` records created (the default is
    /// `RETIRE_EVERY_RECORDS`; tests and the swarm retire far more often to exercise it).
    pub fn retire_every(&mut self, records: u64) {
        assert!(records > 0, "retire at least every record");
        self.retire_every_records = records;
    }

    /// Whether enough records were created since the last attempt to try retiring again.
    /// Spaced by a quarter of what the ledger holds at least, so that a ledger that cannot
    /// retire (its oldest records still in logs) costs a walk of the logs per so many new
    /// records, not per `retire_every_records`; and skipped while its oldest record is not
    /// final, since then nothing can retire.
    pub fn retirement_due(&self) -> bool {
        let held = self.state.len() as u64;
        let spacing = self.retire_every_records.max(held / 4);
        self.record_count() - self.retire_attempt_at >= spacing && self.state.first().is_some_and(|&s| Self::is_final(s))
    }

    /// Whether a record in state `state` can change no count any more, once it is in no log
    /// and no request (see `retire`).
    fn is_final(state: u8) -> bool {
        let in_flight = state & (ABORTED | STATE_MASK) == IN_FLIGHT;
        let acked_not_yet_recounted = state & (EXPIRED | ABORTED | STATE_MASK | LOST) == ACKED;
        !in_flight && !acked_not_yet_recounted
    }

    /// Forgets the oldest records whose fates are final, stopping at the first that is not
    /// or at `live_min`: the caller's promise that no record below it is in any log, in any
    /// request or batch that could still be appended, or in an open transaction. Below
    /// that, a settled record can change no count any more, except an acknowledged one
    /// nobody has recounted yet (it waits for the next recount). One counted lost stays
    /// lost: nothing can bring it back.
    pub fn retire(&mut self, live_min: u64) {
        self.retire_attempt_at = self.record_count();
        let end = live_min.min(self.record_count());
        let mut retired = 0;
        for id in self.retired_below..end {
            let at = (id - self.retired_below) as usize;
            let state = self.state[at];
            if !Self::is_final(state) {
                break;
            }
            if state & LOST != 0 {
                self.retired_lost_by_partition[self.partition_of[at] as usize] += 1;
            }
            retired += 1;
        }
        self.state.drain(..retired);
        self.partition_of.drain(..retired);
        self.copy_offset.drain(..retired);
        self.retired_below += retired as u64;
        let below = self.retired_below;
        for acked in &mut self.acked_by_partition {
            acked.retain(|&id| id >= below);
        }
    }

    /// Acknowledged, and neither expired nor aborted since: a record the current leader of
    /// its partition must hold unless it was lost.
    pub fn still_acked(&self, record_id: u64) -> bool {
        self.state[self.at(record_id)] & (EXPIRED | ABORTED | STATE_MASK) == ACKED
    }

    /// Whether the last recount of its partition counted the record lost.
    pub fn counted_lost(&self, record_id: u64) -> bool {
        self.state[self.at(record_id)] & LOST != 0
    }

    /// The partition's share of `acked_lost`.
    pub fn lost_in(&self, partition: u32) -> u64 {
        self.lost_by_partition[partition as usize]
    }

    /// The partition's share of `duplicates_written`.
    pub fn duplicates_in(&self, partition: u32) -> u64 {
        self.duplicates_by_partition[partition as usize]
    }

    /// The number of partitions the ledger keeps.
    pub fn partitions(&self) -> u32 {
        self.lost_by_partition.len() as u32
    }
}

#[cfg(test)]
mod tests;
