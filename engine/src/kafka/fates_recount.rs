//! A brute-force recount of the fate ledger's two Kafka-side loss counters from nothing but
//! the logs. The ledger keeps `acked_lost` and `duplicates_written` incrementally (at leader
//! changes and at appends), and an incremental count can drift without anyone noticing; this
//! walks every partition's current leader log from scratch and says whether the counters
//! still tell the truth, so no record can vanish, or appear twice, uncounted.
//!
//! The relations, per partition that has a leader (the controller's choice; a partition
//! without one has no "current log" to recount and is skipped, its ledger share left as the
//! last leader left it):
//! - Acknowledged-but-missing: the records still acknowledged (not expired by retention or
//!   compaction, not aborted) that the leader's log does not hold are exactly the ones the
//!   ledger counts lost, record by record, once the leader has taken over (its replica leads
//!   in the controller's epoch). A leading log loses records only by retention and
//!   compaction (which expire them), and the ledger recounts at each election, at each
//!   takeover and at each acknowledgement by a deposed leader. Before the takeover the
//!   elected replica still follows the old leader and its log may still change, so such a
//!   partition is left out of this check (counted in `not_acting`).
//! - Extra copies (each record id's copies minus one, over data records; control markers
//!   carry no record id): at most the ledger's `duplicates_written`, since every extra copy
//!   was once an append whose earlier copy was in the same log. Equal when the log holds its
//!   partition's whole history: one leader ever (leader epoch 0) and nothing removed (the log
//!   starts at offset 0 without compaction holes). Otherwise retention, compaction and a new
//!   leader's truncation of a deposed one's copies may have removed counted duplicates, and
//!   the ledger does not remember which, so `<=` is the check.

use super::fates::Fates;
use super::log::PartitionLog;

/// One partition's current leader, as the recount sees it.
pub struct LeaderView<'a> {
    pub log: &'a PartitionLog,
    /// Only one leader ever appended to the partition and its log has lost nothing since:
    /// every duplicate ever written is still in it.
    pub whole_history: bool,
    /// The elected replica knows it leads, in the controller's epoch: its log changes only by
    /// its own appends and policy.
    pub acting: bool,
}

impl<'a> LeaderView<'a> {
    /// The view of `log`, led since leader epoch `leader_epoch` by a replica that acts on it.
    pub fn new(log: &'a PartitionLog, leader_epoch: u32) -> Self {
        let untouched = log.log_start_offset() == 0 && log.len() as u64 == log.log_end_offset();
        LeaderView { log, whole_history: leader_epoch == 0 && untouched, acting: true }
    }
}

/// What a recount found, over the partitions that have a leader.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recount {
    /// Acknowledged records (not expired, not aborted) their leader's log does not hold, over
    /// the partitions whose leader acts.
    pub acked_missing: u64,
    /// Copies beyond the first of every record id in the leaders' logs.
    pub extra_copies: u64,
    /// Partitions without a leader, left out.
    pub leaderless: u32,
    /// Partitions whose elected leader has not taken over: duplicates checked, losses not.
    pub not_acting: u32,
}

/// Recounts from `leaders` (indexed by partition; None is a partition without a leader) and
/// compares with the ledger. The error names the counter, both numbers and the first record
/// that differs.
pub fn recount(fates: &Fates, leaders: &[Option<LeaderView>]) -> Result<Recount, String> {
    assert_eq!(leaders.len() as u32, fates.partitions(), "one view per partition");
    let copies = copies_by_record(fates, leaders)?;
    let mut total = Recount { leaderless: leaders.iter().filter(|l| l.is_none()).count() as u32, ..Recount::default() };
    for (p, view) in (0u32..).zip(leaders) {
        let Some(view) = view else { continue };
        // Retired records are in no log (the recount checks that below) and settled for
        // good: those counted lost are still missing.
        let held = fates.first_held();
        let copies_of = |id: u64| copies[(id - held) as usize];
        let ids = || (held..fates.record_count()).filter(move |&id| fates.partition_of(id) == p);
        let missing = |id: u64| fates.still_acked(id) && copies_of(id) == 0;
        let acked_missing = fates.retired_lost_in(p) + ids().filter(|&id| missing(id)).count() as u64;
        total.not_acting += u32::from(!view.acting);
        if let Some(id) = ids().filter(|_| view.acting).find(|&id| missing(id) != fates.counted_lost(id)) {
            let how = if missing(id) { "is missing but not counted" } else { "is counted but not missing" };
            return Err(format!(
                "acked_lost of partition {p}: the ledger counts {}, a recount of its leader's log finds {acked_missing}; record {id} {how}",
                fates.lost_in(p)
            ));
        }
        let extra_copies: u64 = ids().map(|id| u64::from(copies_of(id).saturating_sub(1))).sum();
        let counted = fates.duplicates_in(p);
        if extra_copies > counted || (view.whole_history && extra_copies != counted) {
            let first = ids().find(|&id| copies_of(id) > 1).map_or("none".to_string(), |id| id.to_string());
            let relation = if view.whole_history { "==" } else { "<=" };
            return Err(format!(
                "duplicates_written of partition {p}: its leader's log holds {extra_copies} extra copies, the ledger counts {counted} (must be {relation}); first record with extra copies: {first}"
            ));
        }
        total.acked_missing += if view.acting { acked_missing } else { 0 };
        total.extra_copies += extra_copies;
    }
    Ok(total)
}

/// Per record id the ledger holds (from `first_held`), its copies in its partition's leader
/// log (0 if the partition has none).
fn copies_by_record(fates: &Fates, leaders: &[Option<LeaderView>]) -> Result<Vec<u32>, String> {
    let held = fates.first_held();
    let mut copies = vec![0u32; (fates.record_count() - held) as usize];
    for (p, view) in (0u32..).zip(leaders) {
        // Control markers are no application record: they share one placeholder id.
        for entry in view.iter().flat_map(|v| v.log.entries()).filter(|e| !e.is_control()) {
            let id = entry.record.record_id;
            if id < held {
                return Err(format!("partition {p}'s leader log holds record {id}, which the ledger retired as in no log (it holds records from {held})"));
            }
            match copies.get_mut((id - held) as usize) {
                Some(count) if fates.partition_of(id) == p => *count += 1,
                Some(_) => return Err(format!("partition {p}'s leader log holds record {id} of partition {}", fates.partition_of(id))),
                None => return Err(format!("partition {p}'s leader log holds record {id}, which the ledger never saw created")),
            }
        }
    }
    Ok(copies)
}

impl crate::simulation::Simulation {
    /// Recounts acknowledged-but-lost records and duplicate copies from every partition's
    /// current leader log and checks them against the fate ledger (see the module's doc for
    /// the relations). Cost: one pass over every leader log and every record id.
    pub fn recount_fates(&self) -> Result<Recount, String> {
        let leaders: Vec<Option<LeaderView>> = (self.controller.partitions().iter())
            .map(|state| {
                let leader = state.leader?;
                let replica = self.brokers[leader as usize].replica(state.partition).expect("leaders are replicas");
                let acting = replica.is_leader() && replica.leader_epoch() == state.leader_epoch;
                Some(LeaderView { acting, ..LeaderView::new(&replica.log, state.leader_epoch) })
            })
            .collect();
        recount(&self.fates, &leaders)
    }
}

#[cfg(test)]
mod tests;
