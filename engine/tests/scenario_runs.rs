//! Whole runs of the built-in scenarios: determinism by trace hash, and the behaviour each
//! scenario exists to show (lag growing, lag staying low, a hot partition, redelivery).

use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::{Command, Simulation};

fn run(name: &str, seed: u64, secs: u64) -> Simulation {
    let mut sim = Simulation::new(builtin::load(name).expect("built-in loads"), seed);
    sim.advance(Duration::from_secs(secs));
    sim
}

#[test]
fn same_seed_same_trace_hash_different_seed_different_hash() {
    let a = run("upi-lag", 42, 30).summary();
    let b = run("upi-lag", 42, 30).summary();
    let c = run("upi-lag", 43, 30).summary();
    assert_eq!(a, b);
    assert_ne!(a.trace_hash, c.trace_hash);
    assert!(a.events > 10_000, "a 30 s run has many events: {}", a.events);
}

#[test]
fn advancing_in_slices_equals_advancing_at_once() {
    let whole = run("upi-lag", 7, 20).summary();
    let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 7);
    for _ in 0..2_000 {
        sim.advance(Duration::from_ms(10));
    }
    assert_eq!(sim.summary(), whole);
}

#[test]
fn a_slow_consumer_builds_lag_at_the_rate_difference() {
    // 400 records/s in, 320 out: lag grows about 80 records per second.
    let sim = run("upi-lag", 1, 60);
    let lag = sim.summary().lag_records;
    assert!((3_600..=6_000).contains(&lag), "lag after 60 s: {lag}");
    let series = sim.series("lag_records").expect("series exists");
    let values: Vec<f64> = series.points().map(|(_, v)| v).collect();
    assert_eq!(values.len(), 60);
    assert!(values[50] > values[10] + 2_000.0, "lag grows: {values:?}");
}

#[test]
fn a_fast_consumer_keeps_lag_near_zero() {
    let sim = run("upi-steady", 1, 60);
    let summary = sim.summary();
    assert!(summary.lag_records < 200, "lag {}", summary.lag_records);
    assert!(summary.consumed + 200 >= summary.produced, "{summary:?}");
    let consumed = sim.series("consumed_per_s").expect("series").last().expect("sampled").1;
    assert!((300.0..=500.0).contains(&consumed), "consumed/s {consumed}");
}

#[test]
fn a_hot_key_loads_one_partition_more_than_the_rest() {
    let sim = run("upi-hot-key", 3, 30);
    let ends: Vec<u64> = sim.snapshot().topic.partitions.iter().map(|p| p.log_end_offset).collect();
    let max = *ends.iter().max().expect("partitions");
    let mean = ends.iter().sum::<u64>() / ends.len() as u64;
    assert!(max as f64 > 1.5 * mean as f64, "partition sizes {ends:?}");
}

#[test]
fn raising_the_consumer_rate_drains_the_lag() {
    let mut sim = run("upi-lag", 5, 30);
    let lag_before = sim.summary().lag_records;
    sim.apply(Command::SetConsumerRate { records_per_s: 2_000 }).expect("valid");
    sim.advance(Duration::from_secs(30));
    let lag_after = sim.summary().lag_records;
    assert!(lag_before > 1_500 && lag_after < 300, "before {lag_before}, after {lag_after}");
}

#[test]
fn a_consumer_crash_stops_consumption_and_restart_resumes_from_the_commit() {
    let mut sim = run("upi-steady", 11, 10);
    sim.apply(Command::CrashConsumer { consumer: 0 }).expect("running consumer can crash");
    let consumed_at_crash = sim.summary().consumed;
    sim.advance(Duration::from_secs(10));
    assert_eq!(sim.summary().consumed, consumed_at_crash, "a crashed consumer processes nothing");
    assert!(sim.apply(Command::CrashConsumer { consumer: 0 }).is_err(), "cannot crash twice");
    sim.apply(Command::RestartConsumer { consumer: 0 }).expect("crashed consumer restarts");
    // The restarted process is a new member; the group waits for the dead one's session
    // (10 s) to expire before it rebalances. Then 6,000 records behind, draining at
    // 600 - 400 = 200 records/s: about 30 s, plus fetch round trips.
    sim.advance(Duration::from_secs(45));
    let summary = sim.summary();
    assert!(summary.lag_records < 300, "caught up: {summary:?}");
    assert!(summary.consumed > consumed_at_crash + 12_000, "{summary:?}");
    assert_eq!(sim.commands().len(), 3 - 1, "the refused command is not logged");
}

#[test]
fn commands_change_the_trace_hash() {
    let plain = run("upi-lag", 9, 10).summary();
    let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 9);
    sim.advance(Duration::from_secs(5));
    sim.apply(Command::SetProducerRate { records_per_s: 401 }).expect("valid");
    sim.advance(Duration::from_secs(5));
    assert_ne!(sim.summary().trace_hash, plain.trace_hash);
}

#[test]
fn offsets_never_go_backwards_and_commits_never_pass_the_log_end() {
    let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 21);
    let mut previous = sim.snapshot().topic.partitions;
    for step in 0..200 {
        sim.advance(Duration::from_ms(100));
        if step == 50 {
            sim.apply(Command::CrashConsumer { consumer: 0 }).expect("crash");
        }
        if step == 80 {
            sim.apply(Command::RestartConsumer { consumer: 0 }).expect("restart");
        }
        let now = sim.snapshot().topic.partitions;
        for (before, after) in previous.iter().zip(&now) {
            assert!(after.log_end_offset >= before.log_end_offset);
            assert!(after.committed_offset >= before.committed_offset);
            assert!(after.committed_offset <= after.log_end_offset);
            assert!(after.log_start_offset <= after.log_end_offset);
        }
        previous = now;
    }
}

/// Every number in `value` a JS number holds exactly (|n| ≤ 2^53), or the path of the first that is not.
fn beyond_js_numbers(value: &serde_json::Value, path: &str) -> Option<String> {
    const JS_SAFE: u64 = 1 << 53;
    match value {
        serde_json::Value::Number(n) if n.as_u64().is_some_and(|u| u > JS_SAFE) || n.as_i64().is_some_and(|i| i.unsigned_abs() > JS_SAFE) => Some(format!("{path} = {n}")),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| beyond_js_numbers(v, &format!("{path}[{i}]"))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, v)| beyond_js_numbers(v, &format!("{path}.{k}"))),
        _ => None,
    }
}

/// The page reads the snapshot as JS numbers (serde-wasm-bindgen refuses, rather than rounds,
/// a u64 beyond 2^53): every built-in's snapshot stays within them. The fraud job's payee keys
/// (top bit set) once broke the page's upi-fraud run 20 s in.
#[test]
fn every_snapshot_fits_javascript_numbers() {
    for builtin in builtin::ALL {
        let sim = run(builtin.name, 7, 30);
        let snapshot = serde_json::to_value(sim.snapshot()).expect("serializes");
        assert_eq!(beyond_js_numbers(&snapshot, "snapshot"), None, "{}", builtin.name);
    }
}
