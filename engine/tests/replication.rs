//! The replicated cluster under failures: leader election, ISR, acks and the exact count of
//! acknowledged records lost. Invariants are checked after every event (debug builds).

use dhara_engine::scenario::{builtin, Scenario};
use dhara_engine::sim::{Duration, TraceKind};
use dhara_engine::{Command, Simulation};
use std::collections::{BTreeMap, BTreeSet};

/// Runs `sim` for `secs`, collecting (partition, record id) of every acknowledgement.
fn run_collecting_acks(sim: &mut Simulation, secs: u64, acks: &mut Vec<(u32, u64)>) {
    let mut seen = sim.trace().len();
    sim.advance_with(Duration::from_secs(secs), |s| {
        for entry in s.trace().since(seen) {
            if entry.kind == TraceKind::Ack {
                acks.push((entry.a as u32, entry.c));
            }
        }
        seen = s.trace().len();
    });
}

/// The brute-force recount: acknowledged records absent from their partition's leader log.
fn recount_lost(sim: &Simulation, acks: &[(u32, u64)]) -> u64 {
    let mut present: BTreeMap<u32, BTreeSet<u64>> = BTreeMap::new();
    for state in sim.controller().partitions() {
        let leader = state.leader.expect("every partition has a leader at the end");
        let log = &sim.brokers()[leader as usize].replica(state.partition).expect("leader has a replica").log;
        assert_eq!(log.log_start_offset(), 0, "this recount assumes retention deleted nothing");
        present.insert(state.partition, log.entries().map(|e| e.record.record_id).collect());
    }
    acks.iter().filter(|(p, id)| !present[p].contains(id)).count() as u64
}

fn leader_of(sim: &Simulation, partition: u32) -> u16 {
    sim.controller().partitions()[partition as usize].leader.expect("online")
}

/// Crashes partition 0's leader at 10 s, restarts it at 30 s, runs to 60 s.
fn crash_and_recover(name: &str, seed: u64) -> (Simulation, Vec<(u32, u64)>, u16) {
    let mut sim = Simulation::new(builtin::load(name).expect("loads"), seed);
    let mut acks = Vec::new();
    run_collecting_acks(&mut sim, 10, &mut acks);
    let victim = leader_of(&sim, 0);
    sim.apply(Command::CrashBroker { broker: victim }).expect("crash");
    run_collecting_acks(&mut sim, 20, &mut acks);
    sim.apply(Command::RestartBroker { broker: victim }).expect("restart");
    run_collecting_acks(&mut sim, 30, &mut acks);
    (sim, acks, victim)
}

#[test]
fn acks_all_with_min_isr_2_loses_nothing_when_a_leader_dies() {
    for seed in 1..=4 {
        let (sim, acks, victim) = crash_and_recover("upi-replication", seed);
        let summary = sim.summary();
        assert_eq!(summary.acked_lost, 0, "seed {seed}: {summary:?}");
        assert_eq!(recount_lost(&sim, &acks), 0);
        assert_ne!(leader_of(&sim, 0), victim, "leadership moved away (no preferred-leader rebalance)");
        assert_eq!(summary.failed, 0, "retries delivered everything: {summary:?}");
        assert!(summary.acked + 100 >= summary.produced, "{summary:?}");
    }
}

#[test]
fn acks_1_loses_acknowledged_records_when_a_leader_dies_and_the_count_is_exact() {
    let mut lost_somewhere = false;
    for seed in 1..=4 {
        let (sim, acks, _) = crash_and_recover("upi-acks1", seed);
        let summary = sim.summary();
        assert_eq!(summary.acked_lost, recount_lost(&sim, &acks), "seed {seed}: engine count = brute-force recount");
        assert_eq!(summary.acked as usize, acks.len());
        lost_somewhere |= summary.acked_lost > 0;
    }
    assert!(lost_somewhere, "acks=1 lost acknowledged records in at least one of four runs");
}

#[test]
fn a_crashed_leader_is_replaced_from_the_isr_with_a_new_epoch_and_rejoins_later() {
    let mut sim = Simulation::new(builtin::load("upi-replication").expect("loads"), 3);
    sim.advance(Duration::from_secs(5));
    let before = sim.snapshot().topic.partitions[0].clone();
    sim.apply(Command::CrashBroker { broker: before.leader.expect("online") }).expect("crash");
    sim.advance(Duration::from_secs(8));
    let during = sim.snapshot();
    let p0 = &during.topic.partitions[0];
    assert!(p0.leader_epoch > before.leader_epoch, "epoch bumped: {} → {}", before.leader_epoch, p0.leader_epoch);
    assert_ne!(p0.leader, before.leader);
    assert_eq!(p0.isr.len(), 2, "the dead broker left the ISR");
    assert!(during.topic.under_replicated >= 2, "{} under-replicated", during.topic.under_replicated);
    assert_eq!(during.topic.offline, 0);
    sim.apply(Command::RestartBroker { broker: before.leader.expect("online") }).expect("restart");
    sim.advance(Duration::from_secs(15));
    let after = sim.snapshot();
    assert_eq!(after.topic.under_replicated, 0, "caught up and back in every ISR");
    for p in &after.topic.partitions {
        assert!(p.replica_log_end_offsets.iter().all(|&leo| leo + 50 >= p.log_end_offset), "{p:?}");
    }
}

#[test]
fn acks_all_is_refused_below_min_insync_replicas_and_delivered_after_recovery() {
    let mut sim = Simulation::new(builtin::load("upi-replication").expect("loads"), 5);
    sim.advance(Duration::from_secs(3));
    sim.apply(Command::CrashBroker { broker: 1 }).expect("crash");
    sim.apply(Command::CrashBroker { broker: 2 }).expect("crash");
    sim.advance(Duration::from_secs(20));
    let stalled = sim.summary();
    let snapshot = sim.snapshot();
    // Broker 0 alone: partitions it leads have ISR [0] < 2, the rest are offline.
    assert!(snapshot.topic.partitions.iter().all(|p| p.leader.is_none() || p.isr == [0]), "{:?}", snapshot.topic.partitions);
    assert!(snapshot.producer.retries > 100, "NOT_ENOUGH_REPLICAS is retried: {}", snapshot.producer.retries);
    sim.apply(Command::RestartBroker { broker: 1 }).expect("restart");
    sim.apply(Command::RestartBroker { broker: 2 }).expect("restart");
    sim.advance(Duration::from_secs(40));
    let recovered = sim.summary();
    assert!(recovered.acked > stalled.acked + 8_000, "{stalled:?} → {recovered:?}");
    assert_eq!(recovered.acked_lost, 0);
}

/// acks=all with min.insync.replicas=1: a leader whose ISR shrank to itself acknowledges alone.
fn unclean_variant(enabled: bool) -> Scenario {
    let mut scenario = builtin::load("upi-replication").expect("loads");
    scenario.name = "upi-unclean".into();
    scenario.topic.replication_factor = 2;
    scenario.topic.min_insync_replicas = 1;
    scenario.cluster.unclean_leader_election_enable = enabled;
    scenario
}

/// Partition 0 lives on brokers 0 (leader) and 1. Broker 1 dies and drops out of the ISR;
/// broker 0 keeps acknowledging alone, then dies; broker 1 comes back, out of date.
fn out_of_sync_follower_returns(enabled: bool) -> (Simulation, Vec<(u32, u64)>) {
    let mut sim = Simulation::new(unclean_variant(enabled), 8);
    let mut acks = Vec::new();
    run_collecting_acks(&mut sim, 3, &mut acks);
    sim.apply(Command::CrashBroker { broker: 1 }).expect("crash follower");
    run_collecting_acks(&mut sim, 20, &mut acks);
    assert_eq!(sim.snapshot().topic.partitions[0].isr, [0], "the follower fell out of the ISR");
    sim.apply(Command::CrashBroker { broker: 0 }).expect("crash leader");
    run_collecting_acks(&mut sim, 1, &mut acks);
    sim.apply(Command::RestartBroker { broker: 1 }).expect("restart follower");
    run_collecting_acks(&mut sim, 15, &mut acks);
    (sim, acks)
}

#[test]
fn without_unclean_election_the_partition_stays_offline_and_nothing_is_lost() {
    let (sim, _) = out_of_sync_follower_returns(false);
    let p0 = &sim.snapshot().topic.partitions[0];
    assert_eq!(p0.leader, None, "offline: the only ISR member is down");
    assert_eq!(sim.summary().acked_lost, 0);
}

#[test]
fn unclean_election_brings_the_partition_back_and_loses_acknowledged_records() {
    let (sim, acks) = out_of_sync_follower_returns(true);
    let p0 = &sim.snapshot().topic.partitions[0];
    assert_eq!(p0.leader, Some(1), "the out-of-sync replica leads");
    let summary = sim.summary();
    assert!(summary.acked_lost > 1_000, "about 17 s of partition 0's acknowledged records: {summary:?}");
    assert_eq!(summary.acked_lost, recount_lost(&sim, &acks));
}

/// Cuts partition 0's leader off from the controller and the other brokers (not from the
/// clients) for 15 s, then heals the network.
fn split_brain(name: &str, seed: u64) -> (Simulation, Vec<(u32, u64)>) {
    let mut sim = Simulation::new(builtin::load(name).expect("loads"), seed);
    let mut acks = Vec::new();
    run_collecting_acks(&mut sim, 5, &mut acks);
    let victim = leader_of(&sim, 0);
    let others: Vec<String> = (0..3).filter(|&b| b != victim).map(|b| format!("broker-{b}")).chain(["controller".to_string()]).collect();
    sim.apply(Command::PartitionNetwork { a: vec![format!("broker-{victim}")], b: others }).expect("partition");
    run_collecting_acks(&mut sim, 15, &mut acks);
    assert_ne!(leader_of(&sim, 0), victim, "the controller moved leadership away");
    sim.apply(Command::HealNetwork {}).expect("heal");
    run_collecting_acks(&mut sim, 15, &mut acks);
    (sim, acks)
}

#[test]
fn a_partitioned_leader_keeps_acknowledging_with_acks_1_and_loses_those_records() {
    let (sim, acks) = split_brain("upi-acks1", 2);
    let summary = sim.summary();
    assert!(summary.acked_lost > 100, "the deposed leader acknowledged for seconds: {summary:?}");
    assert_eq!(summary.acked_lost, recount_lost(&sim, &acks));
    assert_eq!(sim.snapshot().topic.under_replicated, 0, "healed and caught up");
}

#[test]
fn with_acks_all_a_partitioned_leader_cannot_commit_so_nothing_is_lost() {
    let (sim, acks) = split_brain("upi-replication", 2);
    let summary = sim.summary();
    assert_eq!(summary.acked_lost, 0, "{summary:?}");
    assert_eq!(recount_lost(&sim, &acks), 0);
    assert_eq!(summary.failed, 0);
}

#[test]
fn a_slow_consumer_link_slows_consumption() {
    let consumed_with = |factor: u32| {
        let mut sim = Simulation::new(builtin::load("upi-steady").expect("loads"), 6);
        sim.apply(Command::SlowNode { node: "consumer-0".into(), factor }).expect("valid");
        sim.advance(Duration::from_secs(20));
        sim.summary().consumed
    };
    let (normal, slowed) = (consumed_with(1), consumed_with(200));
    assert!(slowed * 2 < normal, "{slowed} vs {normal}");
}

#[test]
fn fault_commands_name_what_is_wrong() {
    let mut sim = Simulation::new(builtin::load("upi-replication").expect("loads"), 1);
    let err = sim.apply(Command::CrashBroker { broker: 3 }).unwrap_err();
    assert_eq!(err.to_string(), "broker: must be between 0 and 2 (this cluster has 3 brokers; got 3)");
    let err = sim.apply(Command::PartitionNetwork { a: vec!["broker-0".into()], b: vec!["broker-0".into()] }).unwrap_err();
    assert_eq!(err.path, "b");
    let err = sim.apply(Command::PartitionNetwork { a: vec!["broker-9".into()], b: vec!["controller".into()] }).unwrap_err();
    assert_eq!(err.path, "a[0]");
    assert!(sim.apply(Command::HealNetwork {}).is_err(), "nothing to heal");
    let err = sim.apply(Command::SkewClock { node: "consumer-0".into(), offset_ms: 5 }).unwrap_err();
    assert!(err.message.contains("only producer and broker clocks"), "{err}");
    assert!(sim.commands().is_empty(), "refused commands are not logged");
}
