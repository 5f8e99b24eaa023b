//! Lambda, Kappa and event sourcing + CQRS end to end, on the `upi-architectures` built-in:
//! on a late-free stream all three agree with the truth; with late data the stream layers'
//! shortfall is exactly the rows they dropped while the batch layer corrects it; the
//! serving merge never counts a record twice or misses one at the batch boundary, whenever
//! it is looked at; a rebuilt projection equals the live one; a replay refuses to start
//! when retention has already lost history, or counts the loss when told to go ahead.

use dhara_engine::arch::answer::{Cell, Shape};
use dhara_engine::arch::reader::ReadRecord;
use dhara_engine::arch::{Architectures, Layer, Logic};
use dhara_engine::command::Command;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::{Scenario, Simulation};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `upi-architectures` with `patch` merged into its `architectures` section (and `topic`),
/// on one replica per partition unless `topic` says otherwise: replication is not what
/// these tests are about, and debug builds check every invariant after every event.
fn scenario(architectures: Value, mut topic: Value) -> Scenario {
    for (k, v) in [("replication_factor", 1), ("min_insync_replicas", 1)] {
        topic.as_object_mut().expect("an object").entry(k).or_insert(json!(v));
    }
    let mut doc: Value = serde_json::from_str(builtin::find("upi-architectures").expect("built in").json).expect("JSON");
    for (section, patch) in [("architectures", architectures), ("topic", topic)] {
        for (k, v) in patch.as_object().expect("an object") {
            doc[section][k] = v.clone();
        }
    }
    Scenario::from_json(&doc.to_string()).expect("valid")
}

/// No straggler and a delay below the out-of-orderness bound: no row is ever late.
fn late_free() -> Value {
    json!({"event_time": {"delay_ms_max": 2000, "late_percent": 0.0, "late_delay_ms": 30000}, "out_of_orderness_ms": 3000})
}

fn arch(sim: &Simulation) -> &Architectures {
    sim.architectures().expect("the scenario has architectures")
}

fn advance_s(sim: &mut Simulation, seconds: u64) {
    sim.advance(Duration::from_secs(seconds));
}

/// Runs until `done` holds, a tenth of a second at a time, at most `limit_s` seconds.
fn advance_until(sim: &mut Simulation, limit_s: u64, done: impl Fn(&Architectures) -> bool) {
    for _ in 0..limit_s * 10 {
        if done(arch(sim)) {
            return;
        }
        sim.advance(Duration::from_ms(100));
    }
    panic!("not reached within {limit_s} s");
}

/// The exact answer over the records the topic's leaders hold below `coverage`, computed
/// from scratch: what a correct serving layer must show.
fn reference(sim: &Simulation, coverage: &[u64]) -> BTreeMap<Cell, i64> {
    let a = arch(sim);
    let mut shape = Shape::new(*a.truth().query(), arch_event_time(sim), (a.window_us() / 1_000) as u32);
    let mut cells = BTreeMap::new();
    let mut rows = Vec::new();
    for (p, state) in sim.controller().partitions().iter().enumerate() {
        let leader = state.leader.expect("no faults here: every partition has a leader");
        let replica = sim.brokers()[leader as usize].replica(p as u32).expect("the leader's replica");
        for (offset, entry) in replica.log.entries_with_offsets().take_while(|(o, _)| *o < coverage[p]) {
            rows.clear();
            shape.rows(Logic::Exact, &ReadRecord { partition: p as u32, offset, record: entry.record }, 0, &mut rows);
            for row in &rows {
                *cells.entry(row.cell).or_insert(0) += row.amount;
            }
        }
    }
    cells.retain(|_, v| *v != 0);
    cells
}

fn arch_event_time(sim: &Simulation) -> dhara_engine::scenario::stream::EventTimeSpec {
    sim.scenario().architectures.as_ref().and_then(|a| a.event_time.clone()).expect("the built-in sets its event time")
}

/// The truth's cells whose window ended at or before `end_us`.
fn truth_before(sim: &Simulation, end_us: i64) -> BTreeMap<Cell, i64> {
    let w = arch(sim).window_us();
    arch(sim).truth().cells().iter().filter(|(c, _)| c.0 + w <= end_us).map(|(&c, &v)| (c, v)).collect()
}

fn restrict(cells: &BTreeMap<Cell, i64>, keep: &BTreeMap<Cell, i64>) -> BTreeMap<Cell, i64> {
    keep.keys().map(|c| (*c, cells.get(c).copied().unwrap_or(0))).collect()
}

#[test]
fn on_a_late_free_stream_the_kappa_replay_the_lambda_batch_and_the_truth_agree() {
    let mut sim = Simulation::new(scenario(late_free(), json!({})), 7);
    advance_s(&mut sim, 180);
    sim.apply(Command::DeployV2 { logic: Logic::Exact, allow_loss: false }).expect("history is all there");
    sim.advance(Duration::from_ms(1_000));
    let during = sim.snapshot().architectures.expect("a view").kappa;
    assert_eq!(during.serving_version, 1, "v1 serves while v2 replays");
    assert!(during.replaying.as_ref().is_some_and(|r| r.version == 2 && r.lag_records > 1_000), "{during:?}");
    assert!(sim.apply(Command::DeployV2 { logic: Logic::Exact, allow_loss: false }).expect_err("one replay at a time").message.contains("still replaying"));
    advance_until(&mut sim, 60, |a| a.kappa.serving.version == 2);
    sim.apply(Command::RunBatchNow {}).expect("no run in progress");
    let started_us = sim.now().as_us() as i64;
    advance_until(&mut sim, 60, |a| a.lambda.run.is_none());
    // Every record of a window that ended 10 s before the batch started is in the dataset.
    let truth = truth_before(&sim, started_us - 10_000_000);
    assert!(truth.len() >= 20, "enough closed cells to compare: {}", truth.len());
    let a = arch(&sim);
    assert_eq!(a.lambda.speed.late_dropped_rows + a.kappa.serving.job.late_dropped_rows, 0, "late-free");
    assert_eq!(restrict(a.lambda.batch_view.cells(), &truth), truth, "the batch view is the truth");
    assert_eq!(restrict(a.kappa.serving.table.cells(), &truth), truth, "the replayed v2 table is the truth");
    let switch = &a.kappa.switches[0];
    assert_eq!(switch.records_missed, 0);
    assert!(switch.records_replayed > 30_000 && switch.replay_ms > 1_000, "the replay read the whole history: {switch:?}");
    let view = sim.snapshot().architectures.expect("a view");
    for (name, m) in [("lambda", view.lambda.measure), ("kappa", view.kappa.measure), ("cqrs", view.cqrs.measure)] {
        assert!(m.score.cells_settled > 0, "{name} scored on settled windows");
        assert_eq!(m.score.error_percent, 0.0, "{name} is exact on a late-free stream: {m:?}");
    }
}

#[test]
fn late_data_costs_the_stream_exactly_what_it_dropped_and_the_batch_corrects_it() {
    let late = json!({"event_time": {"delay_ms_max": 2000, "late_percent": 3.0, "late_delay_ms": 20000}, "out_of_orderness_ms": 3000, "allowed_lateness_ms": 0});
    let mut sim = Simulation::new(scenario(late, json!({})), 3);
    advance_s(&mut sim, 150);
    sim.apply(Command::RunBatchNow {}).expect("no run in progress");
    let started_us = sim.now().as_us() as i64;
    advance_until(&mut sim, 60, |a| a.lambda.run.is_none());
    // Stragglers are 20 s late: a window that ended 40 s before the batch began is complete.
    let truth = truth_before(&sim, started_us - 40_000_000);
    let a = arch(&sim);
    let kappa = &a.kappa.serving;
    let dropped_total: i64 = kappa.job.late_dropped.cells().values().sum();
    assert!(kappa.job.late_dropped_rows > 20 && dropped_total > 0, "stragglers were dropped: {} rows", kappa.job.late_dropped_rows);
    let mut shortfall = 0;
    for (cell, &true_sum) in &truth {
        let served = kappa.table.get(cell);
        assert_eq!(served + kappa.job.late_dropped.get(cell), true_sum, "Kappa's table plus its dropped rows is the truth at {cell:?}");
        shortfall += true_sum - served;
    }
    assert!(shortfall > 0, "the documented difference appears");
    assert_eq!(restrict(a.lambda.batch_view.cells(), &truth), truth, "the batch layer never drops a straggler");
    let view = sim.snapshot().architectures.expect("a view");
    assert!(view.kappa.measure.score.error_percent > 0.0, "quantified: {:?}", view.kappa.measure);
    assert!(view.lambda.measure.score.error_percent < view.kappa.measure.score.error_percent, "the batch corrected what Lambda's speed layer dropped: {:?}", view.lambda.measure);
}

#[test]
fn the_serving_merge_never_double_counts_or_misses_the_batch_boundary() {
    // Lateness allowed for a day: nothing is dropped, so the merge must equal the reference.
    let mut patch = late_free();
    patch["event_time"]["late_percent"] = json!(2.0);
    patch["allowed_lateness_ms"] = json!(86_400_000);
    patch["batch_interval_ms"] = json!(20_000);
    patch["batch_startup_ms"] = json!(1_000);
    let mut sim = Simulation::new(scenario(patch, json!({})), 11);
    let mut checks = 0;
    let mut boundaries = std::collections::BTreeSet::new();
    for step in 0..120u64 {
        // Uneven steps land before, during and right after batch runs; a crash and a manual
        // run move the boundary at other moments.
        sim.advance(Duration::from_ms(700 + (step * 373) % 1_900));
        if step == 40 {
            sim.apply(Command::CrashLayer { layer: Layer::LambdaSpeed }).expect("the speed layer runs");
        }
        if step == 70 {
            let _ = sim.apply(Command::RunBatchNow {});
        }
        let a = arch(&sim);
        let served: BTreeMap<Cell, i64> = a.lambda.served_cells().cells().iter().map(|(&c, &v)| (c, v)).collect();
        assert_eq!(served, reference(&sim, &a.lambda.coverage()), "served = exact over the covered prefix, at step {step} (t = {} ms)", sim.now().as_us() / 1_000);
        boundaries.insert(a.lambda.boundary.iter().sum::<u64>());
        checks += 1;
    }
    assert!(boundaries.len() >= 5, "the boundary moved several times: {boundaries:?}");
    assert_eq!(checks, 120);
}

#[test]
fn a_projection_rebuilt_from_the_log_equals_the_live_one_and_snapshots_shorten_it() {
    let mut replayed = Vec::new();
    for snapshot_every_events in [0, 5_000] {
        let mut sim = Simulation::new(scenario(json!({"snapshot_every_events": snapshot_every_events, "stream_records_per_s": 5_000}), json!({})), 5);
        advance_s(&mut sim, 90);
        sim.apply(Command::RebuildProjection {}).expect("no rebuild running");
        assert!(sim.apply(Command::RebuildProjection {}).expect_err("one at a time").message.contains("already running"));
        advance_until(&mut sim, 120, |a| a.cqrs.projector.rebuilds_total == 1);
        let a = arch(&sim);
        let cqrs = &a.cqrs;
        let done = &cqrs.projector.rebuilds[0];
        assert!(done.equal_to_live, "{done:?}");
        // Independently: fold the whole log up to the projection's position.
        let mut folded = BTreeMap::new();
        let mut shape = Shape::new(*a.truth().query(), arch_event_time(&sim), (a.window_us() / 1_000) as u32);
        let mut rows = Vec::new();
        for event in &cqrs.log[..cqrs.live().position] {
            rows.clear();
            event.rows(&mut shape, &mut rows);
            for row in &rows {
                *folded.entry(row.cell).or_insert(0i64) += row.amount;
            }
        }
        folded.retain(|_, v| *v != 0);
        let live: BTreeMap<Cell, i64> = cqrs.live().model.cells().iter().map(|(&c, &v)| (c, v)).collect();
        assert_eq!(live, folded, "the read model is the fold of the event log");
        replayed.push((done.events_replayed, done.duration_ms));
    }
    assert!(replayed[1].0 < replayed[0].0 && replayed[1].1 < replayed[0].1, "a snapshot shortens the rebuild: {replayed:?}");
}

#[test]
fn a_replay_refuses_lost_history_unless_told_and_then_counts_the_loss() {
    // 6 partitions keep 2,000 records each: about 50 s of payments.
    let mut sim = Simulation::new(scenario(json!({}), json!({"retention_records_max": 2000})), 2);
    advance_s(&mut sim, 120);
    let err = sim.apply(Command::DeployV2 { logic: Logic::Exact, allow_loss: false }).expect_err("history is gone");
    assert_eq!(err.path, "allow_loss");
    assert!(err.message.contains("retention") && err.message.contains("would miss"), "{err}");
    assert_eq!(arch(&sim).kappa.serving.version, 1, "refused: nothing changed");
    sim.apply(Command::DeployV2 { logic: Logic::Exact, allow_loss: true }).expect("told to go ahead");
    advance_until(&mut sim, 60, |a| a.kappa.serving.version == 2);
    let switch = &arch(&sim).kappa.switches[0];
    assert!(switch.records_missed > 10_000, "the loss is counted: {switch:?}");
    advance_s(&mut sim, 5);
    let view = sim.snapshot().architectures.expect("a view");
    assert!(view.kappa.measure.score.error_percent > 50.0, "v2 never saw the early windows: {:?}", view.kappa.measure);
}

#[test]
fn a_batch_run_takes_longer_with_more_data_and_less_with_more_cores_and_serves_the_old_view_meanwhile() {
    let duration = |cores: u32, at_s: u64| {
        let mut sim = Simulation::new(scenario(json!({"batch_cores": cores, "batch_interval_ms": 86_400_000, "batch_startup_ms": 0, "batch_records_per_core_s": 2_000}), json!({})), 4);
        advance_s(&mut sim, at_s);
        sim.apply(Command::RunBatchNow {}).expect("idle");
        let before = arch(&sim).lambda.batch_view.clone();
        sim.advance(Duration::from_ms(500));
        assert!(arch(&sim).lambda.run.is_some(), "still running");
        assert_eq!(arch(&sim).lambda.batch_view, before, "while a run computes, the previous view serves");
        advance_until(&mut sim, 600, |a| a.lambda.run.is_none());
        arch(&sim).lambda.last_batch_ms.expect("a run finished")
    };
    let (small, big, big_more_cores) = (duration(1, 30), duration(1, 90), duration(4, 90));
    assert!(big > 2 * small, "more data, a longer run: {small} ms vs {big} ms");
    assert!(big_more_cores * 3 < big, "more cores, a shorter run: {big_more_cores} ms vs {big} ms");
}

#[test]
fn two_codebases_diverge_until_the_next_batch_recomputes() {
    let mut sim = Simulation::new(scenario(late_free(), json!({})), 9);
    sim.apply(Command::SetLogic { layer: Layer::LambdaSpeed, logic: Logic::Sampled }).expect("a Lambda layer");
    advance_s(&mut sim, 110);
    let diverged = sim.snapshot().architectures.expect("a view").lambda;
    assert!(diverged.logic_differs && diverged.measure.score.error_percent > 1.0, "the sampled speed layer is off: {:?}", diverged.measure);
    sim.apply(Command::RunBatchNow {}).expect("idle");
    advance_until(&mut sim, 60, |a| a.lambda.run.is_none());
    let corrected = sim.snapshot().architectures.expect("a view").lambda;
    assert_eq!(corrected.measure.score.error_percent, 0.0, "the batch recomputed every settled window: {:?}", corrected.measure);
    // The cost per layer: the speed layer held its core all along; the run held four for its
    // duration (5 s start-up plus the dataset at 50,000 records per core-second).
    assert!((corrected.batch_cpu_s + corrected.speed_cpu_s - corrected.measure.cpu_s).abs() < 1e-9);
    assert!((corrected.speed_cpu_s - sim.now().as_us() as f64 / 1e6).abs() <= 0.2, "{corrected:?}");
    // (The run is seen to end at the next tick: its duration is known to within 0.1 s.)
    let run_s = corrected.last_batch_ms.expect("a run") as f64 / 1e3;
    assert!((corrected.batch_cpu_s - 4.0 * run_s).abs() <= 0.4 && run_s > 5.0, "{corrected:?}");
    let err = sim.apply(Command::SetLogic { layer: Layer::Kappa, logic: Logic::Sampled }).expect_err("Kappa changes by deploying");
    assert_eq!(err.path, "layer");
}

#[test]
fn a_crashed_layer_goes_stale_and_recovers_and_the_run_is_reproducible() {
    let run = || {
        let mut sim = Simulation::new(scenario(json!({"restart_ms": 15_000}), json!({})), 6);
        advance_s(&mut sim, 30);
        sim.apply(Command::CrashLayer { layer: Layer::Kappa }).expect("running");
        assert!(sim.apply(Command::CrashLayer { layer: Layer::Kappa }).expect_err("already down").message.contains("already down"));
        sim.apply(Command::CrashLayer { layer: Layer::CqrsProjection }).expect("running");
        advance_s(&mut sim, 10);
        let view = sim.snapshot().architectures.expect("a view");
        assert!(view.kappa.serving_down && view.kappa.measure.staleness_ms > 5_000, "{:?}", view.kappa.measure);
        assert!(view.lambda.measure.staleness_ms < 1_000, "Lambda is not affected: {:?}", view.lambda.measure);
        advance_s(&mut sim, 20);
        let view = sim.snapshot().architectures.expect("a view");
        assert!(!view.kappa.serving_down && view.kappa.measure.staleness_ms < 1_000, "{:?}", view.kappa.measure);
        let recovery = view.kappa.recovery.last_recovery_ms.expect("one stale spell ended");
        assert!((15_000..20_000).contains(&recovery), "stale for the restart plus the catch-up: {recovery} ms");
        assert!(view.cqrs.recovery.last_recovery_ms.is_some());
        // The same story over time, in the series the page draws: Kappa's staleness rose past
        // the restart and fell back; CQRS's read-your-writes lag took the projector's restart.
        let max = |name: &str| sim.series(name).expect("a series").points().map(|(_, v)| v).fold(0.0, f64::max);
        let last = |name: &str| sim.series(name).expect("a series").last().expect("sampled").1;
        assert!(max("kappa_staleness_ms") >= 10_000.0 && last("kappa_staleness_ms") < 1_000.0);
        assert!(max("lambda_staleness_ms") < 1_000.0, "Lambda was never stale");
        assert!(max("cqrs_read_your_writes_p99_ms") >= 10_000.0 && last("cqrs_read_your_writes_p99_ms") < 1_000.0, "commands waited for the projector, then no longer");
        let (p50, p99) = view.cqrs.read_your_writes_ms.expect("measured");
        assert!(0.0 < p50 && p50 <= p99, "{p50} {p99}");
        sim.trace().hash()
    };
    assert_eq!(run(), run(), "same scenario, seed and commands: the same trace");
}

#[test]
fn every_workload_built_in_runs_the_three_architectures() {
    for name in ["upi-fraud", "social-trends", "shop-sessions", "social-hashtag-counts", "shop-category-purchases", "upi-bank-totals"] {
        let mut doc: Value = serde_json::from_str(builtin::find(name).expect("built in").json).expect("JSON");
        doc["architectures"] = json!({"window_ms": 10_000, "settle_ms": 10_000});
        let mut sim = Simulation::new(Scenario::from_json(&doc.to_string()).expect("valid"), 1);
        advance_s(&mut sim, 40);
        let view = sim.snapshot().architectures.expect("a view");
        let latest = view.latest.as_ref().expect("a latest window");
        let settled = view.settled.as_ref().expect("a settled window");
        assert!(!latest.rows.is_empty() && !settled.rows.is_empty() && settled.settled && settled.start_ms < latest.start_ms, "{name}: {view:?}");
        for row in &settled.rows {
            assert_eq!(row.cqrs + row.cqrs_refused, row.truth, "{name}: CQRS's answer plus its refusals is the truth: {row:?}");
        }
        assert!(view.query.ends_with("per 10 s"), "{name}: {}", view.query);
        assert!(view.cqrs.events > 0 && view.kappa.measure.score.cells_settled > 0, "{name}: {view:?}");
        // Without faults every order's items were carted and checked out before being paid.
        let order_rejections: u64 = ["not_in_checked_out_order", "empty_cart", "duplicate"].iter().filter_map(|r| view.cqrs.rejections.get(r)).sum();
        assert_eq!(order_rejections, 0, "{name}: {:?}", view.cqrs.rejections);
        assert_eq!(view.cqrs.measure.score.error_percent, 0.0, "{name}: {:?}", view.cqrs.measure);
    }
    let mut doc: Value = serde_json::from_str(builtin::find("upi-lag").expect("built in").json).expect("JSON");
    doc["architectures"] = json!({});
    let err = Scenario::from_json(&doc.to_string()).expect_err("no workload, no query");
    assert_eq!(err.path, "architectures");
    doc["architectures"] = json!({"batch_cores": 0});
    assert!(Scenario::from_json(&doc.to_string()).is_err());
}

#[test]
fn a_broker_failover_stalls_every_architecture_and_loses_nothing_with_acks_all() {
    let mut sim = Simulation::new(scenario(late_free(), json!({"replication_factor": 3, "min_insync_replicas": 2})), 8);
    advance_s(&mut sim, 20);
    sim.apply(Command::CrashBroker { broker: 0 }).expect("broker 0 runs");
    // The controller fences it after the broker session timeout; until then its partitions
    // have a leader nobody can reach, and every architecture's answer ages.
    advance_s(&mut sim, 4);
    let stalled = sim.snapshot().architectures.expect("a view");
    for (name, m) in [("lambda", stalled.lambda.measure), ("kappa", stalled.kappa.measure), ("cqrs", stalled.cqrs.measure)] {
        assert!(m.staleness_ms >= 1_000, "{name} waits for a leader: {m:?}");
    }
    advance_s(&mut sim, 20);
    sim.apply(Command::RestartBroker { broker: 0 }).expect("crashed");
    advance_s(&mut sim, 60);
    assert_eq!(sim.fates_counts().acked_lost, 0, "acks=all, min.insync.replicas=2");
    let view = sim.snapshot().architectures.expect("a view");
    for (name, m) in [("lambda", view.lambda.measure), ("kappa", view.kappa.measure), ("cqrs", view.cqrs.measure)] {
        assert!(m.staleness_ms < 1_000, "{name} caught up: {m:?}");
        assert_eq!((m.score.error_percent, m.score.cells_wrong), (0.0, 0), "{name} lost nothing: {m:?}");
    }
    let a = arch(&sim);
    assert_eq!(a.kappa.serving.job.reader.records_truncated + a.lambda.speed.reader.records_truncated, 0);
}

#[test]
fn a_command_between_a_runs_end_and_the_next_tick_finds_the_run_finished() {
    // Ticks every second and a run ending between two: the command comes in that gap.
    let mut sim = Simulation::new(scenario(json!({"tick_ms": 1000, "batch_startup_ms": 1234, "batch_interval_ms": 86_400_000}), json!({})), 12);
    advance_s(&mut sim, 20);
    sim.apply(Command::RunBatchNow {}).expect("idle");
    let ends_us = arch(&sim).lambda.run.as_ref().expect("running").ends_us;
    sim.advance(Duration::from_us(ends_us + 1_000 - sim.now().as_us()));
    assert!(arch(&sim).lambda.run.as_ref().is_some_and(|r| r.ends_us < sim.now().as_us()), "the tick has not seen the end yet");
    sim.apply(Command::RunBatchNow {}).expect("the first run is finished, so a second may start");
    assert_eq!(arch(&sim).lambda.batch_runs, 1);
    sim.apply(Command::CrashLayer { layer: Layer::LambdaBatch }).expect("a crash loses the second run");
    let err = sim.apply(Command::CrashLayer { layer: Layer::LambdaBatch }).expect_err("it is restarting");
    assert!(err.message.contains("already down"), "{err}");
    let view = sim.snapshot().architectures.expect("a view").lambda;
    assert_eq!((view.batch_state, view.batch_runs), ("restarting", 1));
}

#[test]
fn retried_duplicates_inflate_kappa_while_cqrs_refuses_them_and_sends_that_never_reached_the_topic_are_not_in_the_truth() {
    // No idempotence, and brokers slowed until requests time out: retries write records
    // twice, and some sends fail for good after delivery.timeout.ms.
    let mut doc: Value = serde_json::to_value(scenario(late_free(), json!({}))).expect("JSON");
    doc["producer"]["enable_idempotence"] = json!(false);
    doc["producer"]["request_timeout_ms"] = json!(1_000);
    doc["producer"]["delivery_timeout_ms"] = json!(3_000);
    let mut sim = Simulation::new(Scenario::from_json(&doc.to_string()).expect("valid"), 13);
    advance_s(&mut sim, 20);
    for broker in 0..3 {
        sim.apply(Command::SlowNode { node: format!("broker-{broker}"), factor: 300 }).expect("a broker");
    }
    advance_s(&mut sim, 15);
    for broker in 0..3 {
        sim.apply(Command::SlowNode { node: format!("broker-{broker}"), factor: 1 }).expect("a broker");
    }
    advance_s(&mut sim, 120);
    let fates = sim.fates_counts();
    assert!(fates.duplicates_written > 0 && fates.failed > 0, "{fates:?}");
    let view = sim.snapshot().architectures.expect("a view");
    assert!(view.cqrs.rejections.get("duplicate").is_some_and(|&n| n > 0), "{:?}", view.cqrs.rejections);
    assert_eq!(view.cqrs.measure.score.cells_wrong, 0, "CQRS refuses the copies; failed sends are not in the truth: {:?}", view.cqrs.measure);
    assert!(view.kappa.measure.score.cells_wrong > 0, "Kappa counts the copies twice: {:?}", view.kappa.measure);
}

#[test]
fn freshness_runs_on_the_simulations_clock_not_the_producers() {
    let mut sim = Simulation::new(scenario(json!({}), json!({})), 14);
    advance_s(&mut sim, 10);
    sim.apply(Command::SkewClock { node: "producer-0".into(), offset_ms: -3_600_000 }).expect("a producer");
    for _ in 0..10 {
        advance_s(&mut sim, 3);
        let view = sim.snapshot().architectures.expect("a view");
        for (name, m) in [("lambda", view.lambda.measure), ("kappa", view.kappa.measure), ("cqrs", view.cqrs.measure)] {
            assert!(m.staleness_ms < 1_000, "{name} keeps up; the skewed CreateTime must not make it look stale: {m:?}");
        }
    }
}

#[test]
fn an_aborted_transactions_records_are_in_no_answer_and_not_in_the_truth() {
    let mut doc: Value = serde_json::to_value(scenario(late_free(), json!({}))).expect("JSON");
    doc["producer"]["transactional_id"] = json!("upi-switch");
    doc["producer"]["transaction_records_max"] = json!(200);
    let mut sim = Simulation::new(Scenario::from_json(&doc.to_string()).expect("valid"), 15);
    let mut aborted = 0;
    for _ in 0..6 {
        advance_s(&mut sim, 7);
        aborted += u64::from(sim.apply(Command::AbortTransaction {}).is_ok());
    }
    advance_s(&mut sim, 60);
    assert!(aborted > 0 && sim.fates_counts().aborted > 0, "{:?}", sim.fates_counts());
    let view = sim.snapshot().architectures.expect("a view");
    for (name, m) in [("lambda", view.lambda.measure), ("kappa", view.kappa.measure), ("cqrs", view.cqrs.measure)] {
        assert!(m.score.cells_settled > 0, "{name}: {m:?}");
        assert_eq!(m.score.cells_wrong, 0, "{name} reads committed records only, and so does the truth: {m:?}");
    }
}

#[test]
fn a_crashed_command_handler_rebuilds_its_aggregates_from_the_event_log_exactly() {
    // Two festival-sale runs, one whose handler dies twice and comes straight back. Every
    // purchase is decided against the shopper's order (carted, checked out, not yet paid):
    // rebuilt from the log, the aggregates decide every later command as the untouched
    // run's do, so both logs hold the same events.
    let run = |crash: bool| {
        let mut doc: Value = serde_json::from_str(builtin::find("shop-sessions").expect("built in").json).expect("JSON");
        doc["architectures"] = json!({"restart_ms": 0, "window_ms": 10_000});
        let mut sim = Simulation::new(Scenario::from_json(&doc.to_string()).expect("valid"), 16);
        for t in 0..4 {
            advance_s(&mut sim, 15);
            if crash && t % 2 == 0 {
                sim.apply(Command::CrashLayer { layer: Layer::CqrsCommands }).expect("running");
            }
        }
        let cqrs = &arch(&sim).cqrs;
        (cqrs.log.clone(), cqrs.rejections.clone(), cqrs.aggregates())
    };
    let (crashed, untouched) = (run(true), run(false));
    let purchases = |log: &[dhara_engine::arch::cqrs::Event]| log.iter().filter(|e| e.outcome.is_ok() && matches!(e.payload, dhara_engine::workload::Payload::Shop(s) if s.stage == dhara_engine::shop::Stage::Purchase)).count();
    assert!(purchases(&untouched.0) > 20, "purchases decided against their orders: {}", purchases(&untouched.0));
    assert_eq!(crashed.1, untouched.1, "the same refusals");
    assert_eq!(crashed.2, untouched.2, "the same aggregates");
    assert!(crashed.0 == untouched.0, "the same events, in the same order");
}
