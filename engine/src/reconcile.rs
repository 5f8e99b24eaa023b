//! Reconciliation: once a run's faults are healed and its job has drained, its visible
//! results are compared with a brute-force recount of the records it consumed, window by
//! window, and each delivery guarantee must keep its promise: exactly-once shows every record
//! once, at-least-once never loses one (it may show some twice), at-most-once never shows one
//! twice (it may lose some). The invariants catch a rule broken at one instant; this catches a
//! final answer that is wrong although every instant looked fine. A record the job dropped as
//! too late is accounted for too: per window, what the sink shows plus what the tasks dropped
//! from it is what is compared with the input.

use crate::kafka::log::BatchKind;
use crate::scenario::stream::{Accumulation, Delivery, OperatorSpec, TriggerSpec, WindowingSpec};
use crate::scenario::{CleanupPolicy, Scenario};
use crate::simulation::Simulation;
use crate::stream::aggregate::{AggregateKind, AggregateOutput};
use crate::stream::job::chain;
use crate::stream::job::operator::{KeyedOperator, Output, OutputValue};
use std::collections::BTreeMap;

/// Per (key, window start, window end): how many records the window counts.
pub type WindowCounts = BTreeMap<(u64, i64, i64), u64>;

/// Whether a recount is exact for this scenario: a job (any delivery guarantee) counting records in
/// fixed or sliding windows with discarding panes (the panes of a window add up to its count)
/// and the default trigger (a fired window shows each record it accepts later at once, in a
/// late pane, where another trigger could hold it back until the window expires), over a log
/// that keeps every record it once committed: delete policy (compaction removes
/// records), no transactions (aborted records stay in the log), clean leader elections (an
/// unclean one truncates committed records the job may have read).
pub fn recountable(s: &Scenario) -> bool {
    let Some(job) = &s.stream else { return false };
    let counted_windows = matches!(
        &job.operator,
        OperatorSpec::Window {
            windowing: WindowingSpec::Fixed { .. } | WindowingSpec::Sliding { .. },
            trigger: TriggerSpec::Default,
            accumulation: Accumulation::Discarding,
            aggregate: AggregateKind::Count,
            ..
        }
    );
    counted_windows
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
    /// Per window, the records the tasks had dropped as too late by then, as their state
    /// holds it (a rolled-back attempt's drops rolled back with it); the job may go on
    /// dropping trickle records after this. None if a task's table overflowed.
    pub dropped: Option<WindowCounts>,
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
    let full = job.tasks().iter().any(|t| t.late_drops.full);
    let dropped = (!full).then(|| job.tasks().iter().flat_map(|t| &t.late_drops.windows).fold(WindowCounts::new(), |mut all, (&window, &count)| {
        *all.entry(window).or_insert(0) += count;
        all
    }));
    Some(Drained { at_us: sim.now().as_us(), offsets, watermark_us, run: (job.attempt(), job.restarts), dropped })
}

/// A checkpoint begun after the drain point has completed: every result the tasks wrote
/// by then is committed (each task pre-commits when that checkpoint's barrier reaches it).
pub fn committed_since(sim: &Simulation, drained: &Drained) -> bool {
    sim.job().and_then(|j| j.coordinator().latest()).is_some_and(|c| c.started_at_us > drained.at_us)
}

/// Whether the results written by the drain point are all visible: at once for a job
/// without transactions, after the next checkpoint for an exactly-once one.
pub fn visible_since(sim: &Simulation, drained: &Drained) -> bool {
    delivery(sim) != Some(Delivery::ExactlyOnce) || committed_since(sim, drained)
}

fn delivery(sim: &Simulation) -> Option<Delivery> {
    sim.scenario().stream.as_ref().map(|s| s.delivery)
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

/// Per window, shown + dropped against the input, as `delivery` promises: equal for
/// exactly-once, at least the input for at-least-once, at most the input for at-most-once.
/// The weaker guarantees repeat or lose records only when the job restarts: one that never
/// `restarted` must be exact whatever it promised, so a counting bug cannot hide in the
/// slack. The error names the guarantee, how many windows break it and the first, with all
/// three counts.
pub fn compare(delivery: Delivery, restarted: bool, shown: &WindowCounts, dropped: &WindowCounts, truth: &WindowCounts) -> Result<(), String> {
    let get = |table: &WindowCounts, window| table.get(window).copied().unwrap_or(0);
    let windows: std::collections::BTreeSet<_> = shown.keys().chain(dropped.keys()).chain(truth.keys()).collect();
    let (kept, name, broke): (fn(u64, u64) -> bool, _, _) = match (delivery, restarted) {
        (Delivery::ExactlyOnce, _) => (|seen, input| seen == input, "exactly-once reconciliation", "differ from a recount of the committed input"),
        (Delivery::AtLeastOnce, true) => (|seen, input| seen >= input, "at-least-once reconciliation", "lost records the committed input holds"),
        (Delivery::AtMostOnce, true) => (|seen, input| seen <= input, "at-most-once reconciliation", "show more than the committed input holds"),
        (_, false) => (|seen, input| seen == input, "reconciliation of a job that never restarted (exact whatever its guarantee)", "differ from a recount of the committed input"),
    };
    let broken: Vec<_> = windows.iter().filter(|w| !kept(get(shown, w) + get(dropped, w), get(truth, w))).collect();
    let Some(&&&(key, start_us, end_us)) = broken.first() else { return Ok(()) };
    let window = (key, start_us, end_us);
    let (sink, late, input) = (get(shown, &window), get(dropped, &window), get(truth, &window));
    Err(format!(
        "{name}: {} of {} windows {broke}; first: key {key}, window [{start_us}, {end_us}) µs: the sink shows {sink} and {late} were dropped as late, the input holds {input}",
        broken.len(),
        windows.len()
    ))
}

/// The whole check at the drain point, over every window ending by its watermark:
/// Ok(true) if compared and equal, Ok(false) if it could not be compared (the job failed
/// again, retention removed input, a drop table overflowed), Err naming the difference.
pub fn check(sim: &Simulation, drained: &Drained) -> Result<bool, String> {
    match sim.job().and_then(|j| j.sink().all()) {
        Some(outputs) => check_outputs(sim, drained, outputs),
        None => Ok(false),
    }
}

/// `check` with the visible results given (a test hands it a tampered copy; the drop
/// counts are `drained.dropped`, which a test may tamper with too).
pub fn check_outputs(sim: &Simulation, drained: &Drained, outputs: &[Output]) -> Result<bool, String> {
    let Some(job) = sim.job() else { return Ok(false) };
    let Some(dropped) = &drained.dropped else { return Ok(false) };
    if (job.attempt(), job.restarts) != drained.run {
        return Ok(false);
    }
    let Some(truth) = truth(sim, drained) else { return Ok(false) };
    let mut dropped = dropped.clone();
    dropped.retain(|&(_, _, end_us), _| end_us <= drained.watermark_us);
    let delivery = delivery(sim).unwrap_or(Delivery::ExactlyOnce);
    compare(delivery, drained.run.1 > 0, &shown(outputs, drained), &dropped, &truth).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tampered_count_a_lost_window_and_an_extra_one_are_named() {
        let truth: WindowCounts = [((7, 0, 2_000), 3), ((8, 0, 2_000), 1)].into_iter().collect();
        let none = WindowCounts::new();
        assert_eq!(compare(Delivery::ExactlyOnce, false, &truth.clone(), &none, &truth), Ok(()));
        let mut tampered = truth.clone();
        *tampered.get_mut(&(7, 0, 2_000)).unwrap() += 1;
        let e = compare(Delivery::ExactlyOnce, false, &tampered, &none, &truth).unwrap_err();
        assert!(e.contains("1 of 2 windows") && e.contains("key 7") && e.contains("shows 4 and 0 were dropped as late, the input holds 3"), "{e}");
        let mut lost = truth.clone();
        lost.remove(&(8, 0, 2_000));
        assert!(compare(Delivery::ExactlyOnce, false, &lost, &none, &truth).unwrap_err().contains("key 8, window [0, 2000) µs: the sink shows 0 and 0 were dropped"));
        let mut extra = truth.clone();
        extra.insert((9, 2_000, 4_000), 2);
        assert!(compare(Delivery::ExactlyOnce, false, &extra, &none, &truth).unwrap_err().contains("key 9"));
    }

    #[test]
    fn records_dropped_as_late_make_up_the_difference_exactly() {
        let truth: WindowCounts = [((7, 0, 2_000), 3), ((7, 1_000, 3_000), 2)].into_iter().collect();
        // A sliding record dropped from its older window and counted in the newer one.
        let shown: WindowCounts = [((7, 0, 2_000), 2), ((7, 1_000, 3_000), 2)].into_iter().collect();
        let dropped: WindowCounts = [((7, 0, 2_000), 1)].into_iter().collect();
        assert_eq!(compare(Delivery::ExactlyOnce, false, &shown, &dropped, &truth), Ok(()));
        let e = compare(Delivery::ExactlyOnce, false, &shown, &WindowCounts::new(), &truth).unwrap_err();
        assert!(e.contains("key 7, window [0, 2000) µs: the sink shows 2 and 0 were dropped as late, the input holds 3"), "{e}");
        let twice: WindowCounts = [((7, 0, 2_000), 1), ((7, 1_000, 3_000), 1)].into_iter().collect();
        let e = compare(Delivery::ExactlyOnce, false, &shown, &twice, &truth).unwrap_err();
        assert!(e.contains("window [1000, 3000) µs: the sink shows 2 and 1 were dropped as late, the input holds 2"), "{e}");
        // A window wholly dropped: the sink shows nothing for it.
        let all_late: WindowCounts = [((8, 0, 2_000), 1)].into_iter().collect();
        assert_eq!(compare(Delivery::ExactlyOnce, false, &WindowCounts::new(), &all_late, &all_late), Ok(()));
    }
}
