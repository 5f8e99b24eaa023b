//! The windowed-count recount (`reconcile`): every window ending by the drain point's
//! watermark is compared, and what the sink shows plus what the tasks dropped from it as too
//! late must be what the input holds for exactly-once (late stragglers, sliding windows and
//! a task crash whose rolled-back drops must not count included), at least that for
//! at-least-once, at most that for at-most-once.

use dhara_engine::command::Command;
use dhara_engine::reconcile::{self, Drained, WindowCounts};
use dhara_engine::scenario::stream::{Delivery, OperatorSpec, WindowingSpec};
use dhara_engine::sim::{Duration, SimRng};
use dhara_engine::{Scenario, Simulation};

/// The first recountable swarm seed's scenario, exactly-once, with 10% of records 6 s late,
/// a short allowed lateness and the given windows: stragglers miss some windows and make it
/// into others.
fn late_scenario(windowing: WindowingSpec) -> (Scenario, u64) {
    with_delivery(windowing, Delivery::ExactlyOnce)
}

fn with_delivery(windowing: WindowingSpec, delivery: Delivery) -> (Scenario, u64) {
    let scenario = |seed| dhara_engine::swarm::scenario_for(&mut SimRng::stream(seed, "swarm"));
    let seed = (0..100).find(|&seed| reconcile::recountable(&scenario(seed))).expect("a recountable seed");
    let mut s = scenario(seed);
    let job = s.stream.as_mut().expect("a job");
    job.delivery = delivery;
    job.event_time.late_percent = 10.0;
    job.event_time.late_delay_ms = 6_000;
    let OperatorSpec::Window { windowing: w, allowed_lateness_ms, .. } = &mut job.operator else { panic!("a window job") };
    (*w, *allowed_lateness_ms) = (windowing, 500);
    assert!(reconcile::recountable(&s));
    (s, seed)
}

fn start(scenario: Scenario, seed: u64) -> Simulation {
    let mut sim = Simulation::new(scenario, seed);
    sim.job_mut().expect("a job").keep_all_outputs();
    sim
}

/// Trickles the input and steps until a drain point and its results are visible (for
/// exactly-once, a checkpoint begun after it has completed).
fn drain(sim: &mut Simulation) -> Drained {
    sim.apply(Command::SetProducerRate { records_per_s: 1 }).expect("a valid rate");
    let deadline_us = sim.now().as_us() + 60_000_000;
    let mut drained = None;
    while drained.as_ref().is_none_or(|d| !reconcile::visible_since(sim, d)) {
        assert!(sim.now().as_us() < deadline_us, "drains and commits within 60 s");
        sim.step();
        drained = drained.or_else(|| reconcile::drained(sim));
    }
    drained.expect("drained")
}

/// Drops counted in windows the recount compares (ending by the drain point's watermark).
fn compared_drops(drained: &Drained) -> u64 {
    let dropped = drained.dropped.as_ref().expect("no table overflowed");
    dropped.iter().filter(|((_, _, end_us), _)| *end_us <= drained.watermark_us).map(|(_, n)| n).sum()
}

fn total(table: &WindowCounts) -> u64 {
    table.values().sum()
}

#[test]
fn late_records_are_dropped_from_compared_windows_and_accounted_for() {
    for windowing in [WindowingSpec::Fixed { size_ms: 2_000, offset_ms: 0 }, WindowingSpec::Sliding { size_ms: 4_000, period_ms: 1_000, offset_ms: 0 }] {
        let (scenario, seed) = late_scenario(windowing.clone());
        let mut sim = start(scenario, seed);
        sim.advance(Duration::from_secs(15));
        let drained = drain(&mut sim);
        assert_eq!(reconcile::check(&sim, &drained), Ok(true), "{windowing:?}");
        let drops = compared_drops(&drained);
        assert!(drops > 0, "{windowing:?}: records were dropped from compared windows");
        // Each fully dropped record left every one of its windows (one fixed, four sliding);
        // the table counts more than that only if some record was dropped from some of its
        // windows and counted in others.
        let dropped_records = sim.job().expect("a job").late_dropped();
        let per_record = if matches!(windowing, WindowingSpec::Fixed { .. }) { 1 } else { 4 };
        let all_slots = total(drained.dropped.as_ref().expect("present"));
        match windowing {
            WindowingSpec::Fixed { .. } => assert!(all_slots <= dropped_records * per_record, "{all_slots} slots, {dropped_records} records"),
            _ => assert!(all_slots > dropped_records * per_record, "a partly dropped record: {all_slots} slots, {dropped_records} records"),
        }
    }
}

#[test]
fn a_tampered_drop_count_fails_the_reconciliation() {
    let (scenario, seed) = late_scenario(WindowingSpec::Sliding { size_ms: 4_000, period_ms: 1_000, offset_ms: 0 });
    let mut sim = start(scenario, seed);
    sim.advance(Duration::from_secs(15));
    let drained = drain(&mut sim);
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    let outputs = sim.job().expect("a job").sink().all().expect("kept").to_vec();
    let compared = |d: &Drained| -> Vec<(u64, i64, i64)> { d.dropped.iter().flatten().filter(|(w, _)| w.2 <= d.watermark_us).map(|(w, _)| *w).collect() };
    let victim = compared(&drained)[0];
    let mut more = drained.clone();
    *more.dropped.as_mut().expect("present").get_mut(&victim).expect("a dropped window") += 1;
    let e = reconcile::check_outputs(&sim, &more, &outputs).expect_err("one drop too many");
    let (key, start_us, end_us) = victim;
    assert!(e.contains(&format!("key {key}, window [{start_us}, {end_us}) µs")) && e.contains("were dropped as late"), "{e}");
    let mut fewer = drained.clone();
    fewer.dropped.as_mut().expect("present").remove(&victim);
    assert!(reconcile::check_outputs(&sim, &fewer, &outputs).is_err(), "a drop gone uncounted");
    let mut overflowed = drained.clone();
    overflowed.dropped = None;
    assert_eq!(reconcile::check_outputs(&sim, &overflowed, &outputs), Ok(false), "an overflowed table voids the comparison");
}

/// A task crashes after dropping records since the last checkpoint: the restore rolls its
/// drop table back to the checkpoint's, the replay drops those records again, and only the
/// restored table's counts reconcile (adding the rolled-back drops on top would not).
#[test]
fn drops_rolled_back_by_a_restore_are_not_counted_twice() {
    let (scenario, seed) = late_scenario(WindowingSpec::Sliding { size_ms: 4_000, period_ms: 1_000, offset_ms: 0 });
    let mut sim = start(scenario, seed);
    sim.advance(Duration::from_secs(10));
    let task_drops = |sim: &Simulation| sim.job().expect("a job").tasks()[0].late_drops.clone();
    let checkpointed = |sim: &Simulation| sim.job().and_then(|j| j.coordinator().latest()).map(|c| c.tasks[0].late_drops.clone()).unwrap_or_default();
    while total(&task_drops(&sim).windows) <= total(&checkpointed(&sim).windows) {
        assert!(sim.now().as_us() < 40_000_000, "task 0 drops records after a checkpoint within 40 s");
        sim.step();
    }
    let (before_crash, restored_to) = (task_drops(&sim), checkpointed(&sim));
    sim.apply(Command::CrashTask { task: 0 }).expect("task 0 runs");
    while sim.job().expect("a job").restarts == 0 || sim.job().expect("a job").is_restarting() {
        sim.step();
    }
    assert_eq!(task_drops(&sim), restored_to, "the restored table is the checkpoint's");
    let drained = drain(&mut sim);
    assert!(compared_drops(&drained) > 0);
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    // The drops the restore undid, counted on top, break the balance.
    let mut twice = drained.clone();
    let table = twice.dropped.as_mut().expect("present");
    for (window, n) in &before_crash.windows {
        let undone = n - restored_to.windows.get(window).copied().unwrap_or(0);
        *table.entry(*window).or_insert(0) += undone;
    }
    let outputs = sim.job().expect("a job").sink().all().expect("kept").to_vec();
    assert!(reconcile::check_outputs(&sim, &twice, &outputs).is_err(), "rolled-back drops counted twice");
}

/// Runs `delivery` with a task crash after 10 s, drains, and returns the simulation, the
/// drain point, the sink's results and how shown + dropped compares with the input per window:
/// (windows above the input, windows below it).
fn crashed_run(delivery: Delivery) -> (Simulation, Drained, Vec<dhara_engine::stream::job::operator::Output>, (usize, usize)) {
    let (scenario, seed) = with_delivery(WindowingSpec::Fixed { size_ms: 2_000, offset_ms: 0 }, delivery);
    let mut sim = start(scenario, seed);
    sim.advance(Duration::from_secs(10));
    sim.apply(Command::CrashTask { task: 0 }).expect("task 0 runs");
    sim.advance(Duration::from_secs(10));
    let drained = drain(&mut sim);
    let outputs = sim.job().expect("a job").sink().all().expect("kept").to_vec();
    let (shown, truth) = (reconcile::shown(&outputs, &drained), reconcile::truth(&sim, &drained).expect("the log is whole"));
    let dropped = drained.dropped.clone().expect("no table overflowed");
    let seen = |w| shown.get(w).copied().unwrap_or(0) + dropped.get(w).copied().unwrap_or(0);
    let windows: std::collections::BTreeSet<_> = shown.keys().chain(truth.keys()).collect();
    let above = windows.iter().filter(|w| seen(w) > truth.get(w).copied().unwrap_or(0)).count();
    let below = windows.iter().filter(|w| seen(w) < truth.get(w).copied().unwrap_or(0)).count();
    (sim, drained, outputs, (above, below))
}

/// At-least-once replays from the last checkpoint after a crash: windows may show records
/// twice, none may lose one; a result removed from the sink is caught.
#[test]
fn at_least_once_may_repeat_a_record_and_never_loses_one() {
    let (sim, drained, outputs, (above, below)) = crashed_run(Delivery::AtLeastOnce);
    assert!(above > 0 && below == 0, "the replay repeated results and lost none: {above} windows above the input, {below} below");
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    let victim = outputs.iter().position(|o| o.emitted_at_us <= drained.at_us && o.id.end_us <= drained.watermark_us).expect("a result");
    let mut lost = outputs.clone();
    lost.remove(victim);
    // Removing one copy of a repeated result still leaves the window whole; remove them all.
    lost.retain(|o| o.id != outputs[victim].id);
    let e = reconcile::check_outputs(&sim, &drained, &lost).expect_err("a lost window");
    assert!(e.starts_with("at-least-once reconciliation: ") && e.contains("lost records"), "{e}");
}

/// At-most-once restarts from scratch where it had read: what the crashed task held is lost,
/// nothing is shown twice; a repeated result is caught.
#[test]
fn at_most_once_may_lose_a_record_and_never_repeats_one() {
    let (sim, drained, outputs, (above, below)) = crashed_run(Delivery::AtMostOnce);
    assert!(below > 0 && above == 0, "the crash lost records and repeated none: {above} windows above the input, {below} below");
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    let mut repeated = outputs.clone();
    let victim = outputs.iter().find(|o| o.emitted_at_us <= drained.at_us && o.id.end_us <= drained.watermark_us).expect("a result");
    repeated.push(victim.clone());
    let e = reconcile::check_outputs(&sim, &drained, &repeated).expect_err("a repeated result");
    assert!(e.starts_with("at-most-once reconciliation: ") && e.contains("show more than"), "{e}");
}

/// Without a restart the weaker guarantees have no reason to repeat or lose a record, so the
/// recount holds them to equality: a repeated result under at-least-once is caught.
#[test]
fn a_job_that_never_restarted_must_be_exact_whatever_it_promised() {
    let (scenario, seed) = with_delivery(WindowingSpec::Fixed { size_ms: 2_000, offset_ms: 0 }, Delivery::AtLeastOnce);
    let mut sim = start(scenario, seed);
    sim.advance(Duration::from_secs(15));
    let drained = drain(&mut sim);
    assert_eq!(drained.run.1, 0, "no restart");
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    let outputs = sim.job().expect("a job").sink().all().expect("kept").to_vec();
    let mut repeated = outputs.clone();
    repeated.push(outputs.iter().find(|o| o.emitted_at_us <= drained.at_us && o.id.end_us <= drained.watermark_us).expect("a result").clone());
    let e = reconcile::check_outputs(&sim, &drained, &repeated).expect_err("a repeated result without a restart");
    assert!(e.starts_with("reconciliation of a job that never restarted"), "{e}");
}
