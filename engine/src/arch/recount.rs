//! Reconciling the architectures with their input. Once the cluster is healed and quiet,
//! each served answer must equal a from-scratch recount of the records that layer read,
//! less exactly the rows it dropped as too late. On late-free data that is the truth
//! itself. The swarm runs this after every seed with architectures. The invariants catch a
//! rule broken at one instant; this catches a final answer that is off although every
//! instant looked fine.

use super::answer::{Cell, Shape};
use super::reader::{ReadRecord, TopicAccess};
use super::{Architectures, Logic};
use crate::scenario::CleanupPolicy;
use crate::simulation::Simulation;
use std::collections::{BTreeMap, BTreeSet};

/// What one reconciliation compared (a layer is left out when its answer cannot be exact,
/// see `check`), and what the late rows it accounted for summed to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compared {
    pub lambda: bool,
    pub kappa: bool,
    pub truth: bool,
    /// Rows the compared stream layers had dropped as late: the recount found each of them.
    pub late_rows: u64,
}

/// Whether the topic is still whole and quiet: every partition has a live leader whose
/// log starts at 0 and whose high watermark and stable end are its log end. Then every
/// record ever appended is still there and readable, and nothing is in flight.
pub fn quiescent(sim: &Simulation) -> bool {
    let topic = sim.topic_access();
    (0..topic.partitions()).all(|p| {
        topic.leader(p).is_some_and(|r| {
            let leo = r.log.log_end_offset();
            r.log.log_start_offset() == 0 && r.high_watermark() == leo && r.last_stable_offset() == leo
        })
    })
}

/// The topic is quiet and a reader at `positions` has read all of it.
pub fn quiet_and_read(sim: &Simulation, positions: &[u64]) -> bool {
    let topic = sim.topic_access();
    quiescent(sim) && positions.iter().enumerate().all(|(p, &at)| topic.end(p as u32) == Some(at))
}

/// The query's exact answer over the committed, unaborted records below `positions` in
/// the leaders' logs, as a reader that skips control batches and aborted transactions sees
/// them. None when a partition has no live leader.
pub fn recount(topic: &TopicAccess, shape: &mut Shape, positions: &[u64]) -> Option<BTreeMap<Cell, i64>> {
    let mut cells = BTreeMap::new();
    let mut rows = Vec::new();
    for (p, &end) in positions.iter().enumerate() {
        let replica = topic.leader(p as u32)?;
        for (offset, entry) in replica.log.entries_with_offsets().take_while(|(o, _)| *o < end) {
            let aborted = entry.producer.is_some_and(|stamp| replica.is_aborted(stamp.producer_id, offset));
            if entry.is_control() || aborted {
                continue;
            }
            rows.clear();
            shape.rows(Logic::Exact, &ReadRecord { partition: p as u32, offset, record: entry.record }, 0, &mut rows);
            for row in &rows {
                *cells.entry(row.cell).or_insert(0) += row.amount;
            }
        }
    }
    cells.retain(|_, v| *v != 0);
    Some(cells)
}

/// `a` and `b` must be equal cell for cell; the error names how many differ and the first.
pub fn compare(what: &str, a: &BTreeMap<Cell, i64>, b: &BTreeMap<Cell, i64>) -> Result<(), String> {
    let cells: BTreeSet<&Cell> = a.keys().chain(b.keys()).collect();
    let differ: Vec<&Cell> = cells.into_iter().filter(|c| a.get(c) != b.get(c)).collect();
    let Some(&&(start_us, group)) = differ.first() else { return Ok(()) };
    let get = |m: &BTreeMap<Cell, i64>| m.get(&(start_us, group)).copied().unwrap_or(0);
    Err(format!("{what}: {} of {} cells differ; first: window starting {start_us} µs, group {group}: {} against {}", differ.len(), a.len().max(b.len()), get(a), get(b)))
}

/// `served` plus `dropped`, cell by cell: what the layer would show had it kept its late rows.
fn with_dropped(served: &BTreeMap<Cell, i64>, dropped: &BTreeMap<Cell, i64>) -> BTreeMap<Cell, i64> {
    let mut sum = served.clone();
    for (&cell, &amount) in dropped {
        *sum.entry(cell).or_insert(0) += amount;
    }
    sum.retain(|_, v| *v != 0);
    sum
}

/// Compares what can be compared now. `lambda_exact` says the caller saw a batch run start
/// after the last fault and complete, with the speed layer dropping no row since it started:
/// then every late row lies below the batch's cutoff and the batch counted it.
///
/// A layer is left out when its answer cannot be exact by design: it runs approximate
/// logic, retention or compaction removed records it had read (or never read), a new
/// leader truncated records it had already used, or a bounded table evicted cells. The
/// truth (what the producer wrote) joins when no record was lost, duplicated or failed and
/// the topic is quiescent: then it must equal the log.
pub fn check(sim: &Simulation, lambda_exact: bool) -> Result<Compared, String> {
    let Some(a) = sim.architectures() else { return Ok(Compared::default()) };
    let topic = sim.topic_access();
    if sim.scenario().topic.cleanup_policy != CleanupPolicy::Delete || !quiescent(sim) {
        return Ok(Compared::default());
    }
    let mut shape = a.shape();
    let mut compared = Compared::default();
    let k = &a.kappa.serving;
    if a.kappa.replaying.is_none() && k.job.logic == Logic::Exact && k.job.reader.records_missed + k.job.reader.records_truncated == 0 && k.table.cells_evicted + k.job.late_dropped.cells_evicted == 0 {
        let truth = recount(&topic, &mut shape, k.job.reader.positions()).ok_or("a partition lost its leader")?;
        compare("Kappa's table plus its late-dropped rows against a recount of what it read", &with_dropped(k.table.cells(), k.job.late_dropped.cells()), &truth)?;
        compared.kappa = true;
        compared.late_rows += k.job.late_dropped_rows;
    }
    let l = &a.lambda;
    if lambda_exact && lambda_whole(a) {
        let truth = recount(&topic, &mut shape, &l.coverage()).ok_or("a partition lost its leader")?;
        compare("Lambda's served answer (batch + realtime) against a recount of its dataset", l.served_cells().cells(), &truth)?;
        compared.lambda = true;
        compared.late_rows += l.speed.late_dropped_rows;
    }
    if truth_is_the_log(sim) {
        let ends: Vec<u64> = (0..topic.partitions()).map(|p| topic.end(p).unwrap_or(0)).collect();
        let log = recount(&topic, &mut shape, &ends).ok_or("a partition lost its leader")?;
        compare("the truth (every record the producer got into the topic) against a recount of the log", a.truth().cells(), &log)?;
        compared.truth = true;
    }
    Ok(compared)
}

/// Lambda's dataset is the log's history exactly: exact logic in both layers, nothing the
/// archiver missed or saw truncated (the append-only dataset then keeps records the log
/// lost), a dataset that had room, and a batch view that evicted nothing.
fn lambda_whole(a: &Architectures) -> bool {
    let l = &a.lambda;
    let archived = l.archiver();
    l.batch_logic == Logic::Exact && l.speed.logic == Logic::Exact && archived.records_missed + archived.records_truncated == 0 && !l.master_full() && l.batch_view.cells_evicted == 0
}

/// The truth counts each record the first time a leader appends it; on a quiescent topic
/// the log holds each such record once, unless a copy was lost, written twice, or a send
/// failed for good after a leader had appended it. A transactional producer's records leave
/// the truth when the producer learns their transaction aborted, which for an abort the
/// coordinator decided (a transaction timeout) comes only with its next request, after the
/// markers are in the log: such seeds leave the truth out.
fn truth_is_the_log(sim: &Simulation) -> bool {
    let fates = sim.fates_counts();
    sim.scenario().producer.transactional_id.is_none() && fates.acked_lost + fates.duplicates_written + fates.failed == 0
}
