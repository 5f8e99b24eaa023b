//! Regressions found by review of the stream job, each run end to end: an exactly-once job
//! with processing-time panes, a source consumer slower than max.poll.interval.ms, a restore
//! under auto.offset.reset=latest, and ids through several flat_maps.

mod stream_support;

use dhara_engine::sim::Duration;
use dhara_engine::{Command, Simulation};
use serde_json::json;
use stream_support::*;

const SECOND: i64 = 1_000_000;

#[test]
fn exactly_once_never_repeats_processing_time_panes_after_a_restore() {
    // Early panes every 300 ms of processing time; a crash right after a checkpoint completes.
    // A pane fired in the slice that took the snapshot used to join the checkpoint's
    // transaction while its timer stayed in the snapshot, so it fired again after the restore.
    let early = json!({ "op": "window", "windowing": { "type": "fixed", "size_ms": 10_000 }, "aggregate": "count",
        "trigger": { "type": "after_watermark", "early": { "type": "repeatedly", "of": { "type": "after_processing_time", "delay_ms": 300 } } } });
    let mut early_panes = 0;
    for seed in 1..5u64 {
        let mut sim = Simulation::new(scenario(|j| {
            j["stream"]["delivery"] = "exactly_once".into();
            j["stream"]["checkpoint"]["interval_ms"] = 1_000.into();
            j["stream"]["operator_records_per_s"] = 120.into();
            set_operator(j, early.clone());
        }), seed);
        sim.job_mut().expect("job").keep_all_outputs();
        sim.advance(Duration::from_secs(12));
        let completed = sim.job().expect("job").coordinator().completed;
        while sim.job().expect("job").coordinator().completed == completed {
            sim.step();
        }
        sim.apply(Command::CrashTask { task: 0 }).expect("accepted");
        sim.advance(Duration::from_secs(10));
        let job = sim.job().expect("job");
        assert_eq!(job.restarts, 1);
        assert_eq!(job.sink().counts().duplicates, 0, "seed {seed}");
        early_panes += outputs(&sim).iter().filter(|o| matches!(o.value, dhara_engine::stream::job::operator::OutputValue::Pane { timing: "EARLY", .. })).count();
    }
    assert!(early_panes > 10, "the runs do fire early panes: {early_panes}");
}

#[test]
fn a_source_slower_than_max_poll_interval_keeps_its_partitions() {
    // Flink's source reads with assign(): there is no group membership to lose, so a slow
    // poll loop must not make the reader join the group and take other partitions.
    let mut sim = Simulation::new(scenario(|j| {
        j["consumer"]["records_per_s"] = 20.into();
        j["consumer"]["max_poll_interval_ms"] = 1_000.into();
    }), 3);
    sim.advance(Duration::from_secs(30));
    let job = sim.job().expect("job");
    for (i, consumer) in sim.consumers().iter().enumerate() {
        let assigned: Vec<u32> = consumer.assigned().iter().copied().collect();
        assert_eq!(assigned, job.partitions_of(i as u16), "consumer-{i}");
        assert_eq!(consumer.generation(), -1, "consumer-{i} never joined the group");
    }
    assert!(sim.consumed() > 500, "the slow sources do read: {}", sim.consumed());
}

#[test]
fn a_restore_under_auto_offset_reset_latest_loses_no_record() {
    // Few records, frequent checkpoints: some checkpoints are taken before a partition has
    // delivered anything. Its resolved start offset must be in them, or a restore would
    // re-apply "latest" and skip what arrived in between.
    let mut sim = Simulation::new(scenario(|j| {
        j["consumer"]["auto_offset_reset"] = "latest".into();
        j["stream"]["delivery"] = "exactly_once".into();
        j["stream"]["checkpoint"]["interval_ms"] = 100.into();
        j["stream"]["event_time"]["late_percent"] = 0.0.into();
        j["producer"]["records_per_s"] = 5.into();
    }), 4);
    sim.job_mut().expect("job").keep_all_outputs();
    sim.advance(Duration::from_ms(1_500));
    let partitions = sim.scenario().topic.partitions;
    let latest = sim.job().expect("job").coordinator().latest().expect("checkpoints completed");
    let named: std::collections::BTreeSet<u32> = latest.sources.iter().flat_map(|s| s.offsets.keys().copied()).collect();
    assert_eq!(named.len(), partitions as usize, "checkpoint {} names every partition's offset: {named:?}", latest.id);
    sim.apply(Command::SetProducerRate { records_per_s: 20 }).expect("accepted");
    sim.apply(Command::CrashTask { task: 0 }).expect("accepted");
    sim.advance(Duration::from_secs(40));
    // Every record produced after the job first resolved its offsets is counted once.
    let until = final_watermark(&sim) - 10 * SECOND;
    let first_offsets = expected_window_counts(&sim, 10 * SECOND, until);
    let mut got = std::collections::BTreeMap::new();
    for output in outputs(&sim) {
        if output.id.end_us <= until && output.id.start_us >= 10 * SECOND {
            got.insert((output.id.key, output.id.start_us), count_pane(output).1);
        }
    }
    let expected: std::collections::BTreeMap<(u64, i64), u64> = first_offsets.into_iter().filter(|((_, start), _)| *start >= 10 * SECOND).collect();
    assert!(expected.len() > 50, "{} windows", expected.len());
    assert_eq!(got, expected);
}

#[test]
fn ids_stay_unique_through_several_flat_maps() {
    let mut sim = Simulation::new(scenario(|j| {
        j["stream"]["delivery"] = "exactly_once".into();
        j["stream"]["pipeline"] = json!([{ "op": "flat_map", "copies_max": 4 }, { "op": "flat_map", "copies_max": 4 }, { "op": "key_by", "by": "key" }]);
        set_operator(j, json!({ "op": "join_table", "table_tag": 0, "kind": "left" }));
    }), 5);
    sim.advance(Duration::from_secs(20));
    let sink = sim.job().expect("job").sink().counts().clone();
    assert!(sink.visible > 1_000, "{sink:?}");
    assert_eq!(sink.duplicates, 0, "{sink:?}");
}
