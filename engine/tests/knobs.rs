//! Knobs change the run, not only the document: the Jepsen lesson of acks, reached by
//! turning knobs on upi-replication rather than loading the separate upi-acks1 scenario.

use dhara_engine::scenario::builtin;
use dhara_engine::scenario::knobs::{apply_overrides, parse_override};
use dhara_engine::sim::Duration;
use dhara_engine::{Command, Simulation, Summary};

/// upi-replication with `overrides` (as the CLI's --set takes them), partition 0's leader
/// crashed at 10 s and restarted at 30 s, run to 60 s.
fn crash_a_leader(overrides: &[&str], seed: u64) -> Summary {
    let parsed: Vec<_> = overrides.iter().map(|text| parse_override(text).expect("parses")).collect();
    let json = builtin::find("upi-replication").expect("built-in").json;
    let scenario = apply_overrides(json, &parsed).expect("valid overrides");
    let mut sim = Simulation::new(scenario, seed);
    sim.advance(Duration::from_secs(10));
    let victim = sim.controller().partitions()[0].leader.expect("partition 0 has a leader");
    sim.apply(Command::CrashBroker { broker: victim }).expect("crash");
    sim.advance(Duration::from_secs(20));
    sim.apply(Command::RestartBroker { broker: victim }).expect("restart");
    sim.advance(Duration::from_secs(30));
    sim.summary()
}

#[test]
fn acks_1_loses_acknowledged_records_when_a_leader_crashes_and_acks_all_does_not() {
    let mut lost_with_acks_1 = 0;
    for seed in 1..=4 {
        let all = crash_a_leader(&["producer.acks=all"], seed);
        assert_eq!(all.acked_lost, 0, "seed {seed}, acks=all: {all:?}");
        assert!(all.acked > 0, "seed {seed}: records were acknowledged");
        let one = crash_a_leader(&["producer.enable_idempotence=false", "producer.acks=1"], seed);
        assert!(one.acked > 0, "seed {seed}: records were acknowledged");
        lost_with_acks_1 += one.acked_lost;
    }
    assert!(lost_with_acks_1 > 0, "acks=1 lost acknowledged records in at least one of four runs");
}

#[test]
fn other_knobs_change_the_run_too() {
    let base = crash_a_leader(&[], 3);
    let faster = crash_a_leader(&["producer.records_per_s=800"], 3);
    assert!(faster.produced > base.produced * 3 / 2, "twice the rate: {} vs {}", faster.produced, base.produced);
    let slow_network = crash_a_leader(&["network.latency_ms=200"], 3);
    assert_ne!(slow_network.trace_hash, base.trace_hash);
}
