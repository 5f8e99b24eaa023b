//! Reconciliation: once a run's faults are healed and its job has drained, an exactly-once
//! job's visible results must equal a brute-force recount of the records it consumed, with
//! nothing missing and nothing counted twice. The invariants catch a rule broken at one
//! instant; this catches a final answer that is wrong although every instant looked fine.

use crate::kafka::log::BatchKind;
use crate::scenario::stream::{Accumulation, Delivery, OperatorSpec, WindowingSpec};
use crate::scenario::{CleanupPolicy, Scenario};
use crate::simulation::Simulation;
use crate::stream::aggregate::{AggregateKind, AggregateOutput};
use crate::stream::job::chain;
use crate::stream::job::operator::{KeyedOperator, Output, OutputValue};
use std::collections::BTreeMap;

/// Per (key, window start, window end): how many records the window counts.
pub type WindowCounts = BTreeMap<(u64, i64, i64), u64>;

/// Whether a recount is exact for this scenario: an exactly-once job counting records in
/// fixed or sliding windows with discarding panes (the panes of a window add up to its count),
/// over a log that keeps every record it once committed: delete policy (compaction removes
/// records), no transactions (aborted records stay in the log), clean leader elections (an
/// unclean one truncates committed records the job may have read).
pub fn recountable(s: &Scenario) -> bool {
    let Some(job) = &s.stream else { return false };
    let counted_windows = matches!(
        &job.operator,
        OperatorSpec::Window { windowing: WindowingSpec::Fixed { .. } | WindowingSpec::Sliding { .. }, accumulation: Accumulation::Discarding, aggregate: AggregateKind::Count, .. }
    );
    job.delivery == Delivery::ExactlyOnce
        && counted_windows
        && s.topic.cleanup_policy == CleanupPolicy::Delete
        && s.producer.transactional_id.is_none()
        && !s.cluster.unclean_leader_election_enable
}

/// The moment the job had consumed every committed record and processed all it consumed.
#[derive(Clone, Debug)]
pub struct Drained {
    pub at_us: u64,
    /// Per partition, the next offset the job reads: the recount covers the records below.
    pub offsets: BTreeMap<u32, u64>,
    /// The lowest keyed-task watermark: every window ending by it has fired in every task.
    pub watermark_us: i64,
    /// (attempt, restarts): a failure after the drain point voids the comparison.
    pub run: (u32, u32),
}

/// A drain point now, if the job is running, has read up to every partition's high
/// watermark, and is idle: no record waits for a keyed task and no task is busy.
pub fn drained(sim: &Simulation) -> Option<Drained> {
    let job = sim.job()?;
    if job.is_restarting() || !job.is_idle() {
        return None;
    }
    let offsets = job.source_offsets();
    for state in sim.controller().partitions() {
        let leader = state.leader.and_then(|b| sim.brokers().get(b as usize)).filter(|b| b.is_up())?;
        let hw = leader.replica(state.partition)?.high_watermark();
        if offsets.get(&state.partition).copied().unwrap_or(0) < hw {
            return None;
        }
    }
    let watermark_us = job.tasks().iter().map(|t| t.watermark_us).min()?;
    Some(Drained { at_us: sim.now().as_us(), offsets, watermark_us, run: (job.attempt(), job.restarts) })
}

/// A checkpoint begun after the drain point has completed: every result the tasks wrote
/// by then is committed (each task pre-commits when that checkpoint's barrier reaches it).
pub fn committed_since(sim: &Simulation, drained: &Drained) -> bool {
    sim.job().and_then(|j| j.coordinator().latest()).is_some_and(|c| c.started_at_us > drained.at_us)
}

/// The windows' true counts: the records below the drain point's offsets in the leaders'
/// logs, decoded and piped as the job's sources do, for windows ending by its watermark.
/// None when the logs no longer hold them all (retention removed some).
pub fn truth(sim: &Simulation, drained: &Drained) -> Option<WindowCounts> {
    let spec = sim.scenario().stream.as_ref()?;
    let operator = KeyedOperator::from_spec(&spec.operator);
    let mut counts = WindowCounts::new();
    let mut piped = Vec::new();
    for state in sim.controller().partitions() {
        let end = drained.offsets.get(&state.partition).copied().unwrap_or(0);
        let replica = sim.brokers().get(state.leader? as usize)?.replica(state.partition)?;
        if end > 0 && replica.log.log_start_offset() > 0 {
            return None;
        }
        for (_, entry) in replica.log.entries_with_offsets().filter(|(o, e)| *o < end && e.kind == BatchKind::Plain) {
            piped.clear();
            chain::run(&spec.pipeline, chain::decode(&entry.record, &spec.event_time), &mut piped);
            for record in &piped {
                for (start, stop) in operator.windows_of(record.event_time_us) {
                    if stop <= drained.watermark_us {
                        *counts.entry((record.key, start, stop)).or_insert(0) += 1;
                    }
                }
            }
        }
    }
    Some(counts)
}

/// What the sink showed for the same windows: the panes emitted by the drain point, summed.
pub fn shown(outputs: &[Output], drained: &Drained) -> WindowCounts {
    let mut counts = WindowCounts::new();
    for output in outputs.iter().filter(|o| o.emitted_at_us <= drained.at_us && o.id.end_us <= drained.watermark_us) {
        if let OutputValue::Pane { value: AggregateOutput::Count { count }, .. } = &output.value {
            *counts.entry((output.id.key, output.id.start_us, output.id.end_us)).or_insert(0) += count;
        }
    }
    counts
}

/// The two tables must be equal; the error names how many windows differ and the first.
pub fn compare(shown: &WindowCounts, truth: &WindowCounts) -> Result<(), String> {
    let keys: std::collections::BTreeSet<_> = shown.keys().chain(truth.keys()).collect();
    let differ: Vec<_> = keys.into_iter().filter(|k| shown.get(k) != truth.get(k)).collect();
    let Some(&&(key, start_us, end_us)) = differ.first() else { return Ok(()) };
    let (sink, input) = (shown.get(&(key, start_us, end_us)).copied().unwrap_or(0), truth.get(&(key, start_us, end_us)).copied().unwrap_or(0));
    Err(format!(
        "exactly-once reconciliation: {} of {} windows differ from a recount of the committed input; first: key {key}, window [{start_us}, {end_us}) µs: the sink shows {sink}, the input holds {input}",
        differ.len(),
        truth.len().max(shown.len())
    ))
}

/// The whole check at the drain point, over every window that got no record late:
/// Ok(true) if compared and equal, Ok(false) if it could not be compared (the job failed
/// again, retention removed input), Err naming the difference otherwise.
pub fn check(sim: &Simulation, drained: &Drained) -> Result<bool, String> {
    match sim.job().and_then(|j| j.sink().all()) {
        Some(outputs) => check_outputs(sim, drained, outputs),
        None => Ok(false),
    }
}

/// `check` with the visible results given (a test hands it a tampered copy).
pub fn check_outputs(sim: &Simulation, drained: &Drained, outputs: &[Output]) -> Result<bool, String> {
    let Some(job) = sim.job() else { return Ok(false) };
    if (job.attempt(), job.restarts) != drained.run || job.tasks().iter().any(|t| t.late_windows_full) {
        return Ok(false);
    }
    let Some(mut truth) = truth(sim, drained) else { return Ok(false) };
    let mut shown = shown(outputs, drained);
    // A window that got a record after it fired may rightly hold fewer than the input (the
    // record was dropped as too late): the recount skips it.
    for window in job.tasks().iter().flat_map(|t| &t.late_windows) {
        truth.remove(window);
        shown.remove(window);
    }
    compare(&shown, &truth).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_count_a_lost_window_and_an_extra_one_are_named() {
        let truth: WindowCounts = [((7, 0, 2_000), 3), ((8, 0, 2_000), 1)].into_iter().collect();
        assert_eq!(compare(&truth.clone(), &truth), Ok(()));
        let mut tampered = truth.clone();
        *tampered.get_mut(&(7, 0, 2_000)).unwrap() += 1;
        let e = compare(&tampered, &truth).unwrap_err();
        assert!(e.contains("1 of 2 windows") && e.contains("key 7") && e.contains("shows 4, the input holds 3"), "{e}");
        let mut lost = truth.clone();
        lost.remove(&(8, 0, 2_000));
        assert!(compare(&lost, &truth).unwrap_err().contains("key 8, window [0, 2000) µs: the sink shows 0, the input holds 1"));
        let mut extra = truth.clone();
        extra.insert((9, 2_000, 4_000), 2);
        assert!(compare(&extra, &truth).unwrap_err().contains("key 9"));
    }
}
