//! Whole runs of a stream job over the simulated Kafka cluster: watermarks that never go
//! back, the idle-partition stall and its fix, backpressure turning into Kafka lag, and a
//! crash in the middle of a checkpoint, whose results are counted against a brute-force
//! recomputation from the topic itself: duplicates under at-least-once, none (and nothing
//! missing) under exactly-once.

use dhara_engine::kafka::log::BatchKind;
use dhara_engine::scenario::builtin;
use dhara_engine::scenario::stream::Delivery;
use dhara_engine::sim::Duration;
use dhara_engine::stream::aggregate::AggregateOutput;
use dhara_engine::stream::job::chain;
use dhara_engine::stream::job::operator::{OutputId, OutputValue};
use dhara_engine::{Command, Scenario, Simulation};
use std::collections::BTreeMap;

fn scenario(edit: impl FnOnce(&mut serde_json::Value)) -> Scenario {
    let mut json: serde_json::Value = serde_json::from_str(builtin::find("upi-windows").expect("built in").json).expect("JSON");
    edit(&mut json);
    Scenario::from_json(&json.to_string()).expect("valid scenario")
}

fn watermarks(sim: &Simulation) -> Vec<i64> {
    let job = sim.job().expect("a job");
    job.tasks().iter().map(|t| t.watermark_us).collect()
}

#[test]
fn watermarks_never_go_back_through_stragglers_crashes_and_restores() {
    let mut sim = Simulation::new(scenario(|j| j["stream"]["event_time"]["late_percent"] = 5.0.into()), 11);
    let mut last = watermarks(&sim);
    let mut restores_seen = 0;
    for step in 0..400u32 {
        if step == 150 {
            sim.apply(Command::CrashTask { task: 1 }).expect("crash accepted");
        }
        sim.advance(Duration::from_ms(100));
        let now = watermarks(&sim);
        let job = sim.job().expect("job");
        if job.restarts > restores_seen {
            // A restore may take the watermark back to the checkpoint's: that is a new
            // attempt, and within it the watermark again only moves forward.
            restores_seen = job.restarts;
            last = now;
            continue;
        }
        assert!(now.iter().zip(&last).all(|(n, l)| n >= l), "step {step}: {last:?} -> {now:?}");
        last = now;
    }
    assert!(last.iter().all(|&w| w > 30_000_000), "watermarks advanced: {last:?}");
    assert_eq!(restores_seen, 1);
}

/// Two keys on six partitions: at most two partitions ever get a record.
fn sparse(idle_timeout_ms: Option<u32>) -> Scenario {
    scenario(|j| {
        j["producer"]["keys"] = 2.into();
        j["producer"]["key_skew"] = 0.0.into();
        j["stream"]["watermark"]["idle_timeout_ms"] = idle_timeout_ms.map_or(serde_json::Value::Null, Into::into);
    })
}

#[test]
fn an_empty_partition_stalls_the_watermark_until_it_is_declared_idle() {
    let mut stalled = Simulation::new(sparse(None), 5);
    stalled.advance(Duration::from_secs(40));
    let view = stalled.snapshot().stream.expect("job view");
    assert_eq!(view.sink.visible, 0, "no window can fire while a partition holds the watermark");
    let waiting = view.waiting.expect("the page says why");
    assert!(waiting.contains("no record yet"), "{waiting}");
    assert!(view.tasks.iter().all(|t| t.watermark_us.is_none()), "{:?}", view.tasks);

    let mut fixed = Simulation::new(sparse(Some(2_000)), 5);
    fixed.advance(Duration::from_secs(40));
    let view = fixed.snapshot().stream.expect("job view");
    assert!(view.sink.visible > 0, "idle partitions are left out of the minimum: {:?}", view.sink);
    assert!(view.sources.iter().flat_map(|s| &s.partitions).any(|p| p.idle), "some partitions are idle");
}

#[test]
fn a_slow_operator_backpressures_the_sources_and_kafka_lag_grows() {
    let mut sim = Simulation::new(builtin::load("upi-windows").expect("loads"), 2);
    sim.advance(Duration::from_secs(20));
    let lag_before = sim.summary().lag_records;
    sim.apply(Command::SetOperatorRate { records_per_s: 100 }).expect("accepted");
    sim.advance(Duration::from_secs(30));
    let slow = sim.snapshot();
    let lag_slow = sim.summary().lag_records;
    assert!(slow.stream.as_ref().expect("job").sources.iter().any(|s| s.backpressured), "sources are paused");
    assert!(lag_slow > lag_before + 5_000, "lag grows upstream: {lag_before} -> {lag_slow}");
    let queued: u64 = slow.stream.as_ref().expect("job").tasks.iter().map(|t| t.queued_records).sum();
    assert!(queued <= 2 * (1_000 + 500) * 3, "channels stay bounded: {queued}");
    sim.apply(Command::SetOperatorRate { records_per_s: 10_000 }).expect("accepted");
    sim.advance(Duration::from_secs(60));
    assert!(sim.summary().lag_records < lag_slow / 4, "it drains once the operator is fast again: {}", sim.summary().lag_records);
}

/// Counts per (payer, 10 s window) recomputed from every record in the topic, for windows
/// that end at or before `until_us`.
fn expected_counts(sim: &Simulation, until_us: i64) -> BTreeMap<(u64, i64), i64> {
    let spec = sim.scenario().stream.as_ref().expect("job").event_time.clone();
    let mut counts = BTreeMap::new();
    let partitions = sim.scenario().topic.partitions;
    for p in 0..partitions {
        let leader = sim.snapshot().topic.partitions[p as usize].leader.expect("one broker leads all");
        let replica = sim.brokers()[leader as usize].replica(p).expect("leader has the replica");
        for entry in replica.log.entries().filter(|e| e.kind == BatchKind::Plain) {
            let record = chain::decode(&entry.record, &spec);
            let start = record.event_time_us.div_euclid(10_000_000) * 10_000_000;
            if start + 10_000_000 <= until_us {
                *counts.entry((record.key, start)).or_insert(0) += 1;
            }
        }
    }
    counts
}

struct Delivered {
    counts: BTreeMap<(u64, i64), i64>,
    duplicates: u64,
    visible: u64,
}

fn delivered(sim: &Simulation, until_us: i64) -> Delivered {
    let job = sim.job().expect("job");
    let mut counts = BTreeMap::new();
    let mut seen: BTreeMap<OutputId, u32> = BTreeMap::new();
    for output in job.sink().all().expect("kept") {
        *seen.entry(output.id).or_insert(0) += 1;
        let OutputValue::Pane { value: AggregateOutput::Count { count }, .. } = &output.value else { panic!("count panes: {output:?}") };
        if output.id.end_us <= until_us && seen[&output.id] == 1 {
            counts.insert((output.id.key, output.id.start_us), *count as i64);
        }
    }
    Delivered { counts, duplicates: seen.values().map(|&n| u64::from(n - 1)).sum(), visible: job.sink().counts().visible }
}

/// Runs until a checkpoint has completed and the next is in progress, crashes a task right
/// then, and runs on.
fn crash_mid_checkpoint(delivery: Delivery) -> Simulation {
    let name = serde_json::to_value(delivery).expect("serializes");
    let mut sim = Simulation::new(scenario(|j| {
        j["stream"]["delivery"] = name;
        j["stream"]["event_time"]["late_percent"] = 0.0.into();
        j["stream"]["watermark"]["out_of_orderness_ms"] = 4_000.into();
    }), 21);
    sim.job_mut().expect("job").keep_all_outputs();
    sim.advance(Duration::from_secs(22));
    let in_progress = |sim: &Simulation| sim.job().expect("job").coordinator().pending().is_some();
    let mut steps = 0;
    while !(in_progress(&sim) && sim.job().expect("job").coordinator().completed >= 2) {
        sim.step();
        steps += 1;
        assert!(steps < 1_000_000, "a checkpoint starts");
    }
    sim.apply(Command::CrashTask { task: 0 }).expect("crash accepted");
    sim.advance(Duration::from_secs(40));
    sim
}

fn final_watermark(sim: &Simulation) -> i64 {
    *watermarks(sim).iter().min().expect("tasks")
}

#[test]
fn a_crash_mid_checkpoint_duplicates_results_under_at_least_once() {
    let sim = crash_mid_checkpoint(Delivery::AtLeastOnce);
    let until = final_watermark(&sim);
    let got = delivered(&sim, until);
    assert!(got.duplicates > 0, "results since the last checkpoint were written again");
    assert_eq!(sim.job().expect("job").sink().counts().duplicates, got.duplicates, "the sink counts them");
    // Nothing is missing; a count can be too high, because without alignment a snapshot can
    // hold records from after its barrier, which the rewound source then delivers again.
    let expected = expected_counts(&sim, until);
    assert!(expected.len() > 1_000, "a real comparison: {} windows", expected.len());
    for (window, count) in &expected {
        let got = got.counts.get(window).unwrap_or_else(|| panic!("window {window:?} missing"));
        assert!(got >= count, "window {window:?}: {got} < {count}");
    }
    assert_eq!(got.counts.len(), expected.len(), "no result for a window with no records");
}

#[test]
fn a_crash_mid_checkpoint_loses_and_repeats_nothing_under_exactly_once() {
    let sim = crash_mid_checkpoint(Delivery::ExactlyOnce);
    let job = sim.job().expect("job");
    assert_eq!(job.restarts, 1);
    assert!(job.sink().counts().aborted > 0, "the open transactions were aborted");
    // Compare what read_committed readers see up to the last completed checkpoint's watermark.
    let until = final_watermark(&sim) - 10_000_000;
    let got = delivered(&sim, until);
    assert_eq!(got.duplicates, 0);
    assert_eq!(job.sink().counts().duplicates, 0);
    let expected = expected_counts(&sim, until);
    assert!(expected.len() > 1_000, "a real comparison: {} windows", expected.len());
    assert_eq!(got.counts, expected);
    assert!(got.visible >= expected.len() as u64);
    // The serving store answers a query by payer with the same counts.
    let store = job.sink().store();
    for (&(key, start), &count) in expected.iter().step_by(97) {
        let row = store.query(key).find(|o| o.id.start_us == start).unwrap_or_else(|| panic!("payer {key} window {start} in the store"));
        assert!(matches!(row.value, OutputValue::Pane { value: AggregateOutput::Count { count: c }, .. } if c as i64 == count), "{row:?}");
    }
}
