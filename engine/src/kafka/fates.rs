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
//! retention's worth of records however long the run. What it holds per record is a few
//! bytes in chunks (`held`): which records of a partition were acknowledged is read from
//! their state bits, not kept in a list of its own.

mod held;

use super::log::PartitionLog;
use held::Held;

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
    /// Per record id, from the oldest not yet retired (final, and only in the counts): its
    /// state bits, partition and the offset of its latest copy a leader appended.
    held: Held,
    /// Retire (`retirement_due`) when this many records are held beyond the last attempt.
    retire_every_records: u64,
    retire_attempt_at: u64,
    /// Per partition: retired records that were counted lost (lost for good: in no log).
    retired_lost_by_partition: Vec<u64>,
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
        assert!(partitions <= held::PARTITIONS_MAX, "the ledger keeps at most {} partitions, not {partitions}", held::PARTITIONS_MAX);
        Fates {
            held: Held::default(),
            retire_every_records: RETIRE_EVERY_RECORDS,
            retire_attempt_at: 0,
            retired_lost_by_partition: vec![0; partitions as usize],
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

    /// Record `record_id`'s state bits; a retired record has none.
    fn state(&self, record_id: u64) -> u8 {
        self.check_held(record_id);
        self.held.state(record_id)
    }

    fn check_held(&self, record_id: u64) {
        assert!(record_id >= self.held.first(), "record {record_id} was retired (below {}) yet is still in play", self.held.first());
    }

    pub fn created(&mut self, record_id: u64, partition: u32) {
        assert_eq!(record_id, self.record_count(), "record ids are dense, in creation order");
        assert!(partition < self.partitions(), "record {record_id} in partition {partition} of {}", self.partitions());
        self.held.push(IN_FLIGHT, partition);
        self.counts.created += 1;
        self.counts.in_flight += 1;
    }

    fn settle(&mut self, record_id: u64, to: u8) {
        let state = self.state(record_id);
        if state & ABORTED != 0 {
            return; // The producer hears about a record whose transaction already aborted.
        }
        assert_eq!(state & STATE_MASK, IN_FLIGHT, "record {record_id} settled twice");
        self.held.set_state(record_id, (state & !STATE_MASK) | to);
        self.counts.in_flight -= 1;
        match to {
            ACKED => self.counts.acked += 1,
            FAILED => self.counts.failed += 1,
            _ => self.counts.unconfirmed += 1,
        }
    }

    pub fn partition_of(&self, record_id: u64) -> u32 {
        self.check_held(record_id);
        self.held.partition(record_id)
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
        let state = self.state(record_id);
        match state & STATE_MASK {
            _ if state & ABORTED != 0 => return,
            IN_FLIGHT => self.counts.in_flight -= 1,
            ACKED => self.counts.acked -= 1,
            _ => return,
        }
        self.held.set_state(record_id, (state & !STATE_MASK) | ABORTED);
        self.counts.aborted += 1;
        self.no_longer_lost(record_id);
    }

    /// A record counted lost that then expired or was aborted is no longer lost: `acked_lost`
    /// counts only records still acknowledged, as `recount_lost` does. Without this the count
    /// would keep it until the partition's next leader change.
    fn no_longer_lost(&mut self, record_id: u64) {
        let state = self.state(record_id);
        if state & LOST != 0 {
            self.held.set_state(record_id, state & !LOST);
            self.lost_by_partition[self.held.partition(record_id) as usize] -= 1;
        }
    }

    /// Whether a leader has appended a copy of the record yet.
    pub fn has_copy(&self, record_id: u64) -> bool {
        self.check_held(record_id);
        self.held.copy(record_id).is_some()
    }

    /// A leader appended the record at `offset` of `leader_log` (the log it wrote into).
    /// It is a duplicate if its previous copy is still in that log: then both will be
    /// replicated and read. A copy only a deposed leader had is no duplicate.
    pub fn appended(&mut self, record_id: u64, offset: u64, leader_log: &PartitionLog) {
        self.check_held(record_id);
        let previous = self.held.set_copy(record_id, offset);
        let still_there = |copy: u64| leader_log.entry(copy).is_some_and(|e| e.record.record_id == record_id);
        if previous.is_some_and(|copy| copy != offset && still_there(copy)) {
            self.counts.duplicates_written += 1;
            self.duplicates_by_partition[self.held.partition(record_id) as usize] += 1;
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
        let state = self.state(record_id);
        self.held.set_state(record_id, state | EXPIRED);
        self.no_longer_lost(record_id);
    }

    /// Recounts the acknowledged records of `partition` missing from its new leader's log.
    /// Called at every leader change, the only moment the answer can change. Only a record
    /// acknowledged at some point can be missing or carry LOST, so walking all of the
    /// partition's held records gives what a list of its acknowledged ones would.
    pub fn recount_lost(&mut self, partition: u32, leader_log: &PartitionLog) {
        let mut present: Vec<u64> = leader_log.entries().map(|e| e.record.record_id).collect();
        present.sort_unstable();
        let p = partition as usize;
        let mut lost = self.retired_lost_by_partition[p];
        self.held.edit_states(partition, |id, state| {
            let missing = state & (EXPIRED | ABORTED | STATE_MASK) == ACKED && present.binary_search(&id).is_err();
            lost += u64::from(missing);
            if missing {
                state | LOST
            } else {
                state & !LOST
            }
        });
        self.lost_by_partition[p] = lost;
    }

    /// Records created so far (ids are `0..record_count()`).
    pub fn record_count(&self) -> u64 {
        self.held.end()
    }

    /// The oldest record the ledger still holds: ids below it are retired.
    pub fn first_held(&self) -> u64 {
        self.held.first()
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
        let spacing = self.retire_every_records.max(self.held.len() / 4);
        self.record_count() - self.retire_attempt_at >= spacing && self.held.len() > 0 && Self::is_final(self.held.state(self.held.first()))
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
        let mut below = self.held.first();
        while below < end {
            let state = self.held.state(below);
            if !Self::is_final(state) {
                break;
            }
            if state & LOST != 0 {
                self.retired_lost_by_partition[self.held.partition(below) as usize] += 1;
            }
            below += 1;
        }
        self.held.drop_below(below);
    }

    /// Acknowledged, and neither expired nor aborted since: a record the current leader of
    /// its partition must hold unless it was lost.
    pub fn still_acked(&self, record_id: u64) -> bool {
        self.state(record_id) & (EXPIRED | ABORTED | STATE_MASK) == ACKED
    }

    /// Whether the last recount of its partition counted the record lost.
    pub fn counted_lost(&self, record_id: u64) -> bool {
        self.state(record_id) & LOST != 0
    }

    /// The partition's share of `acked_lost`.
    pub fn lost_in(&self, partition: u32) -> u64 {
        self.lost_by_partition[partition as usize]
    }

    /// The partition's share of `duplicates_written`.
    pub fn duplicates_in(&self, partition: u32) -> u64 {
        self.duplicates_by_partition[partition as usize]
    }

    /// Bytes reserved for the records held (what a long run's ledger costs).
    pub fn held_bytes(&self) -> usize {
        self.held.reserved_bytes()
    }

    /// The number of partitions the ledger keeps.
    pub fn partitions(&self) -> u32 {
        self.lost_by_partition.len() as u32
    }
}

#[cfg(test)]
mod tests;
