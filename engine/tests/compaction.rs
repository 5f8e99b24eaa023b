//! Log compaction and time retention on whole runs: a compacted topic keeps the latest value
//! of every key (offsets unchanged), drops a deleted key after delete.retention.ms, and the
//! ledger counts removed records as cleaned, never as lost.

use dhara_engine::scenario::{builtin, CleanupPolicy, Scenario};
use dhara_engine::sim::{Duration, TraceKind};
use dhara_engine::Simulation;
use std::collections::BTreeMap;

const SEGMENT_RECORDS: u64 = 200;

fn compacted_topic() -> Scenario {
    let mut scenario = builtin::load("upi-steady").expect("loads");
    scenario.topic.cleanup_policy = CleanupPolicy::Compact;
    scenario.topic.segment_records = SEGMENT_RECORDS;
    scenario.topic.delete_retention_ms = 5_000;
    scenario.cluster.log_cleaner_backoff_ms = 1_000;
    scenario.producer.keys = 3_000;
    scenario.producer.tombstone_percent = 10;
    scenario
}

/// Per partition: key → (offset, record id) of its latest append; and which records were
/// tombstones. Both from the trace.
struct Appends {
    latest: BTreeMap<u32, BTreeMap<u32, (u64, u64)>>,
    tombstones: Vec<bool>,
}

fn run(scenario: Scenario, secs: u64) -> (Simulation, Appends) {
    let mut sim = Simulation::new(scenario, 4);
    let mut keys: Vec<u32> = Vec::new();
    let mut tombstones: Vec<bool> = Vec::new();
    let mut latest: BTreeMap<u32, BTreeMap<u32, (u64, u64)>> = BTreeMap::new();
    let mut seen = 0;
    sim.advance_with(Duration::from_secs(secs), |s| {
        for e in s.trace().since(seen) {
            match e.kind {
                // Sends come in record-id order: the n-th carries record n's key.
                TraceKind::Send => {
                    keys.push(e.b as u32);
                    tombstones.push(e.c == 1);
                }
                TraceKind::Append => {
                    let key = keys[e.c as usize];
                    let slot = latest.entry(e.a as u32).or_default().entry(key).or_insert((e.b, e.c));
                    if e.b >= slot.0 {
                        *slot = (e.b, e.c);
                    }
                }
                _ => {}
            }
        }
        seen = s.trace().len();
    });
    (sim, Appends { latest, tombstones })
}

#[test]
fn compaction_keeps_the_latest_value_of_every_key_and_drops_deleted_keys() {
    let (sim, appends) = run(compacted_topic(), 60);
    let summary = sim.summary();
    assert_eq!(summary.acked_lost, 0, "compaction is not loss: {summary:?}");
    let mut tombstoned_keys_gone = 0;
    for state in sim.controller().partitions() {
        let p = state.partition;
        let log = &sim.brokers()[state.leader.expect("online") as usize].replica(p).expect("replica").log;
        let entries: Vec<(u64, u32, u64, bool)> = log.entries_with_offsets().map(|(o, e)| (o, e.record.key_id, e.record.record_id, e.record.is_tombstone())).collect();
        assert!((entries.len() as u64) < log.log_end_offset() / 2, "partition {p} was compacted: {} of {}", entries.len(), log.log_end_offset());
        // Below the last two segments every key appears at most once.
        let settled = (log.log_end_offset() / SEGMENT_RECORDS).saturating_sub(1) * SEGMENT_RECORDS;
        let mut seen = BTreeMap::new();
        for &(offset, key, _, _) in entries.iter().filter(|e| e.0 < settled) {
            assert!(seen.insert(key, offset).is_none(), "partition {p}: key {key} twice below {settled}");
        }
        // The latest value of every key survives, at its original offset...
        for (&key, &(offset, record_id)) in &appends.latest[&p] {
            let kept = entries.iter().find(|e| e.1 == key && e.0 == offset);
            match kept {
                Some(&(_, _, id, _)) => assert_eq!(id, record_id),
                // ...unless it was a tombstone whose delete.retention.ms has passed.
                None => {
                    assert!(appends.tombstones[record_id as usize], "partition {p}: key {key}'s latest value (offset {offset}) was removed");
                    assert!(offset < settled, "a tombstone in the active segment was removed");
                    tombstoned_keys_gone += 1;
                }
            }
        }
    }
    assert!(tombstoned_keys_gone > 0, "some deleted keys disappeared entirely");
}

#[test]
fn time_retention_deletes_old_records_and_counts_them_as_expired_not_lost() {
    let mut scenario = builtin::load("upi-steady").expect("loads");
    scenario.topic.retention_ms = 10_000;
    scenario.topic.segment_records = SEGMENT_RECORDS;
    scenario.cluster.log_cleaner_backoff_ms = 1_000;
    let (sim, _) = run(scenario, 40);
    for p in sim.snapshot().topic.partitions {
        assert!(p.log_start_offset > 0, "old records were deleted: {p:?}");
        // About 10 s of ~67 records/s per partition stay, plus up to two segments.
        assert!(p.log_end_offset - p.log_start_offset < 670 + 2 * SEGMENT_RECORDS, "{p:?}");
    }
    assert_eq!(sim.summary().acked_lost, 0);
}

#[test]
fn a_compacted_transactional_topic_keeps_its_markers_and_its_books() {
    let mut scenario = compacted_topic();
    scenario.producer.transactional_id = Some("upi-ledger".into());
    scenario.producer.transaction_records_max = 50;
    scenario.topic.retention_records_max = 2_000;
    let (sim, _) = run(scenario, 30);
    let summary = sim.summary();
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    let markers: usize = sim.brokers().iter().flat_map(|b| b.replicas()).map(|r| r.log.entries().filter(|e| e.is_control()).count()).sum();
    assert!(markers > 0, "commit markers survive compaction");
}

#[test]
fn a_broker_clock_running_ahead_deletes_by_time_early() {
    let log_start_with = |skew_ms: i64| {
        let mut scenario = builtin::load("upi-steady").expect("loads");
        scenario.topic.retention_ms = 20_000;
        scenario.topic.segment_records = SEGMENT_RECORDS;
        scenario.cluster.log_cleaner_backoff_ms = 1_000;
        let mut sim = Simulation::new(scenario, 5);
        sim.apply(dhara_engine::Command::SkewClock { node: "broker-0".into(), offset_ms: skew_ms }).expect("valid");
        sim.advance(Duration::from_secs(15));
        sim.snapshot().topic.partitions[0].log_start_offset
    };
    assert_eq!(log_start_with(0), 0, "nothing is 20 s old yet");
    assert!(log_start_with(30_000) > 0, "a clock 30 s ahead thinks it is");
}
