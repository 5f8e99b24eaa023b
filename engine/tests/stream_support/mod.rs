//! What the stream-job test files share: scenarios made by editing the built-in upi-windows
//! job, a run that keeps every visible result, and the topic's records decoded exactly as the
//! job's sources decode them, for brute-force recomputation.

#![allow(dead_code)]

use dhara_engine::kafka::log::BatchKind;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::stream::aggregate::AggregateOutput;
use dhara_engine::stream::job::chain;
use dhara_engine::stream::job::operator::{Output, OutputValue};
use dhara_engine::stream::StreamRecord;
use dhara_engine::{Scenario, Simulation};
use serde_json::{json, Value};

/// The upi-windows scenario, made lighter for debug builds (200 records/s, at-least-once so
/// every result is visible the moment it is written), then edited by the test.
pub fn scenario(edit: impl FnOnce(&mut Value)) -> Scenario {
    let mut j: Value = serde_json::from_str(builtin::find("upi-windows").expect("built in").json).expect("JSON");
    j["producer"]["records_per_s"] = 200.into();
    j["stream"]["delivery"] = "at_least_once".into();
    j["stream"]["event_time"]["late_percent"] = 0.0.into();
    j["stream"]["watermark"]["out_of_orderness_ms"] = 4_000.into();
    edit(&mut j);
    Scenario::from_json(&j.to_string()).unwrap_or_else(|e| panic!("valid scenario: {e}"))
}

/// The scenario's JSON after `edit`, unvalidated (for tests of validation).
pub fn scenario_json(edit: impl FnOnce(&mut Value)) -> String {
    let mut j: Value = serde_json::from_str(builtin::find("upi-windows").expect("built in").json).expect("JSON");
    edit(&mut j);
    j.to_string()
}

pub fn set_operator(j: &mut Value, operator: Value) {
    j["stream"]["operator"] = operator;
}

pub fn fixed_count(size_ms: u32) -> Value {
    json!({ "op": "window", "windowing": { "type": "fixed", "size_ms": size_ms }, "aggregate": "count" })
}

/// A simulation that keeps every visible result, run for `secs` seconds.
pub fn run(scenario: Scenario, seed: u64, secs: u64) -> Simulation {
    let mut sim = Simulation::new(scenario, seed);
    sim.job_mut().expect("a job").keep_all_outputs();
    sim.advance(Duration::from_secs(secs));
    sim
}

/// A record of the topic as the job's source sees it.
#[derive(Clone, Copy, Debug)]
pub struct Logged {
    pub record: StreamRecord,
    pub created_us: u64,
    pub partition: u32,
    pub offset: u64,
}

/// Every record in the leaders' logs, decoded with the scenario's event-time spec, in
/// partition then offset order.
pub fn topic(sim: &Simulation) -> Vec<Logged> {
    let spec = sim.scenario().stream.as_ref().expect("job").event_time.clone();
    let snapshot = sim.snapshot();
    let mut all = Vec::new();
    for p in 0..sim.scenario().topic.partitions {
        let leader = snapshot.topic.partitions[p as usize].leader.expect("a leader");
        let replica = sim.brokers()[leader as usize].replica(p).expect("the leader has the replica");
        for (offset, entry) in replica.log.entries_with_offsets().filter(|(_, e)| e.kind == BatchKind::Plain) {
            let record = chain::decode(&entry.record, &spec);
            all.push(Logged { record, created_us: entry.record.timestamp_us, partition: p, offset });
        }
    }
    all
}

/// The records after the scenario's stateless steps, as the keyed tasks receive them.
pub fn piped(sim: &Simulation, logged: &[Logged]) -> Vec<StreamRecord> {
    let steps = &sim.scenario().stream.as_ref().expect("job").pipeline;
    let mut out = Vec::new();
    for l in logged {
        chain::run(steps, l.record, &mut out);
    }
    out
}

pub fn outputs(sim: &Simulation) -> &[Output] {
    sim.job().expect("job").sink().all().expect("kept")
}

/// The lowest keyed-task watermark: every window or timer up to it has fired everywhere.
pub fn final_watermark(sim: &Simulation) -> i64 {
    sim.job().expect("job").tasks().iter().map(|t| t.watermark_us).min().expect("tasks")
}

/// The pane's timing and its count, for a count aggregate.
pub fn count_pane(output: &Output) -> (&'static str, u64) {
    match &output.value {
        OutputValue::Pane { timing, value: AggregateOutput::Count { count }, .. } => (timing, *count),
        other => panic!("a count pane: {other:?}"),
    }
}

/// The start of the tumbling window of `size_us` holding `t`.
pub fn window_start(t: i64, size_us: i64) -> i64 {
    t.div_euclid(size_us) * size_us
}

/// Records per (key, tumbling window of `size_us`) in the topic, for windows ending by `until_us`.
pub fn expected_window_counts(sim: &Simulation, size_us: i64, until_us: i64) -> std::collections::BTreeMap<(u64, i64), u64> {
    let mut expected = std::collections::BTreeMap::new();
    for l in topic(sim) {
        let start = window_start(l.record.event_time_us, size_us);
        if start + size_us <= until_us {
            *expected.entry((l.record.key, start)).or_insert(0) += 1;
        }
    }
    expected
}
