//! Consumer groups: assignment by the leader's assignor, rebalances when members come and go,
//! the eager stop-the-world gap against cooperative rebalancing, and static membership.

use dhara_engine::kafka::assignor::Strategy;
use dhara_engine::scenario::{builtin, Scenario};
use dhara_engine::sim::Duration;
use dhara_engine::{Command, Simulation};

fn group_scenario(members: u16, assignor: Strategy, static_membership: bool) -> Scenario {
    let mut scenario = builtin::load("upi-steady").expect("loads");
    scenario.consumer.count = members;
    scenario.consumer.assignor = assignor;
    scenario.consumer.static_membership = static_membership;
    scenario
}

fn owned(sim: &Simulation) -> Vec<Vec<u32>> {
    sim.snapshot().consumers.iter().map(|c| c.assigned.clone()).collect()
}

#[test]
fn a_new_group_waits_the_initial_delay_then_splits_the_partitions() {
    let mut sim = Simulation::new(group_scenario(2, Strategy::Range, false), 1);
    sim.advance(Duration::from_secs(2));
    assert!(owned(&sim).iter().all(Vec::is_empty), "group.initial.rebalance.delay.ms (3 s) has not passed");
    sim.advance(Duration::from_secs(3));
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.group.state, "stable");
    assert_eq!(snapshot.group.generation, 1);
    // Range over 6 partitions and two members (ordered by member id): 0-2 and 3-5.
    assert_eq!(owned(&sim), [vec![0, 1, 2], vec![3, 4, 5]]);
    assert!(snapshot.topic.partitions.iter().all(|p| p.owner.is_some()));
}

/// Adds a member to a stable two-member group and returns the fewest partitions the group
/// owned at any sampled instant of the rebalance, with the final assignment.
fn fewest_owned_while_a_member_joins(assignor: Strategy) -> (usize, Simulation) {
    let mut sim = Simulation::new(group_scenario(2, assignor, false), 4);
    sim.advance(Duration::from_secs(10));
    let rebalances = sim.snapshot().group.rebalances;
    sim.apply(Command::AddConsumer {}).expect("add");
    let mut fewest = usize::MAX;
    for _ in 0..1_000 {
        sim.advance(Duration::from_ms(10));
        fewest = fewest.min(owned(&sim).iter().map(Vec::len).sum());
    }
    assert!(sim.snapshot().group.rebalances > rebalances, "the join triggered a rebalance");
    (fewest, sim)
}

#[test]
fn an_eager_rebalance_stops_the_whole_group() {
    let (fewest, sim) = fewest_owned_while_a_member_joins(Strategy::Range);
    assert_eq!(fewest, 0, "every member gave up every partition at some instant");
    assert_eq!(owned(&sim), [vec![0, 1], vec![2, 3], vec![4, 5]]);
}

#[test]
fn a_cooperative_rebalance_keeps_most_partitions_consuming() {
    let (fewest, sim) = fewest_owned_while_a_member_joins(Strategy::CooperativeSticky);
    assert!(fewest >= 4, "the old members kept their partitions except those that moved: {fewest}");
    let series = |name: &str| sim.series(name).map(|s| s.points().map(|(_, v)| v).collect::<Vec<f64>>()).unwrap_or_default();
    assert!(series("rebalancing_ms").last().is_some_and(|&ms| ms > 0.0), "the rebalances' duration is measured");
    let sizes: Vec<usize> = owned(&sim).iter().map(Vec::len).collect();
    assert_eq!(sizes, [2, 2, 2], "balanced after the second round: {:?}", owned(&sim));
    assert!(sim.snapshot().group.rebalances >= 3, "the join and the follow-up round");
}

#[test]
fn a_crashed_members_partitions_move_to_the_survivor_after_its_session_times_out() {
    let mut sim = Simulation::new(group_scenario(2, Strategy::Range, false), 9);
    sim.advance(Duration::from_secs(10));
    sim.apply(Command::CrashConsumer { consumer: 1 }).expect("crash");
    sim.advance(Duration::from_secs(5));
    assert_eq!(owned(&sim)[0], [0, 1, 2], "within the session timeout nothing moves");
    sim.advance(Duration::from_secs(15));
    assert_eq!(owned(&sim)[0], [0, 1, 2, 3, 4, 5], "the survivor owns everything");
    sim.advance(Duration::from_secs(30));
    let summary = sim.summary();
    assert!(summary.lag_records < 400, "caught up: {summary:?}");
}

#[test]
fn a_static_member_that_returns_in_time_gets_its_partitions_back_without_a_rebalance() {
    let mut sim = Simulation::new(group_scenario(2, Strategy::Range, true), 2);
    sim.advance(Duration::from_secs(10));
    let before = sim.snapshot();
    sim.apply(Command::CrashConsumer { consumer: 1 }).expect("crash");
    sim.advance(Duration::from_secs(3));
    sim.apply(Command::RestartConsumer { consumer: 1 }).expect("restart");
    sim.advance(Duration::from_secs(10));
    let after = sim.snapshot();
    assert_eq!(after.group.rebalances, before.group.rebalances, "no rebalance");
    assert_eq!(after.group.generation, before.group.generation);
    assert_eq!(owned(&sim), [vec![0, 1, 2], vec![3, 4, 5]]);
    assert!(after.consumers[1].processed > 0, "it consumes again");
}

#[test]
fn group_commands_name_what_is_wrong() {
    let mut sim = Simulation::new(group_scenario(2, Strategy::Range, false), 1);
    let err = sim.apply(Command::CrashConsumer { consumer: 5 }).unwrap_err();
    assert_eq!(err.to_string(), "consumer: must be between 0 and 1 (this group has 2 consumers; got 5)");
    for _ in 0..14 {
        sim.apply(Command::AddConsumer {}).expect("room for 16");
    }
    let err = sim.apply(Command::AddConsumer {}).unwrap_err();
    assert!(err.message.contains("at most 16"), "{err}");
}

#[test]
fn after_an_eager_rebalance_every_partition_is_consumed_again() {
    let mut sim = Simulation::new(builtin::load("upi-consumer-group").expect("loads"), 3);
    sim.advance(Duration::from_secs(16));
    sim.apply(Command::AddConsumer {}).expect("add");
    sim.advance(Duration::from_secs(30));
    let snapshot = sim.snapshot();
    for p in &snapshot.topic.partitions {
        assert!(p.lag_records < 400, "partition {} is stuck: {p:?}\n{:?}", p.partition, snapshot.consumers);
    }
}

/// A two-member group where member 1 crashes at 12.5 s; returns the duplicates processed.
fn duplicates_after_a_crash(auto_commit: bool) -> u64 {
    let mut scenario = group_scenario(2, Strategy::Range, false);
    scenario.consumer.enable_auto_commit = auto_commit;
    let mut sim = Simulation::new(scenario, 7);
    sim.advance(Duration::from_ms(12_500));
    sim.apply(Command::CrashConsumer { consumer: 1 }).expect("crash");
    sim.advance(Duration::from_secs(40));
    // Lag counts from the committed offset, which with auto-commit trails by up to 5 s.
    assert!(sim.summary().lag_records < 2_500, "the survivor caught up: {:?}", sim.summary());
    sim.summary().duplicates
}

#[test]
fn auto_commit_redelivers_up_to_an_interval_of_records_after_a_crash() {
    let (auto, manual) = (duplicates_after_a_crash(true), duplicates_after_a_crash(false));
    // Member 1 consumes about 200 records/s; auto-commit every 5 s leaves up to 1,000 uncommitted.
    assert!(auto > 100 && auto <= 1_100, "auto-commit duplicates: {auto}");
    assert!(manual < auto, "committing after each batch redelivers less: {manual} vs {auto}");
}

#[test]
fn reset_latest_skips_what_was_written_before_the_group_first_joined() {
    let mut scenario = group_scenario(1, Strategy::Range, false);
    scenario.consumer.auto_offset_reset = dhara_engine::kafka::consumer::OffsetReset::Latest;
    let mut sim = Simulation::new(scenario, 3);
    sim.advance(Duration::from_secs(20));
    let summary = sim.summary();
    // The group formed after the 3 s initial delay: about 1,200 earlier records are skipped.
    assert!(summary.consumed + 1_000 < summary.acked, "{summary:?}");
    assert!(summary.lag_records < 300, "and it keeps up from there: {summary:?}");
}

#[test]
fn a_poll_loop_slower_than_max_poll_interval_is_kicked_out_and_its_batch_processed_twice() {
    let mut scenario = group_scenario(1, Strategy::Range, false);
    scenario.consumer.max_poll_interval_ms = 5_000;
    let mut sim = Simulation::new(scenario, 5);
    sim.advance(Duration::from_secs(8));
    // 500 records at 50 records/s: 10 s per batch, twice max.poll.interval.ms.
    sim.apply(Command::SetConsumerRate { records_per_s: 50 }).expect("valid");
    sim.advance(Duration::from_secs(40));
    let snapshot = sim.snapshot();
    assert!(snapshot.group.rebalances >= 2, "it left and rejoined: {:?}", snapshot.group);
    assert!(sim.summary().duplicates > 0, "the uncommittable batch was processed again: {:?}", sim.summary());
}

/// upi-consumer-group with cooperative-sticky: a third member joins at 10 s (or member 1
/// crashes at 12.5 s, between two auto-commits); returns the records processed twice by
/// 20 s (or 42.5 s after a crash).
fn cooperative_duplicates(seed: u64, auto_commit: bool, crash: bool) -> u64 {
    let mut scenario = builtin::load("upi-consumer-group").expect("loads");
    scenario.consumer.assignor = Strategy::CooperativeSticky;
    scenario.consumer.enable_auto_commit = auto_commit;
    let mut sim = Simulation::new(scenario, seed);
    sim.advance(Duration::from_ms(if crash { 12_500 } else { 10_000 }));
    let command = if crash { Command::CrashConsumer { consumer: 1 } } else { Command::AddConsumer {} };
    sim.apply(command).expect("valid");
    sim.advance(Duration::from_secs(if crash { 30 } else { 10 }));
    if !crash {
        let snapshot = sim.snapshot();
        let sizes: Vec<usize> = owned(&sim).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 2, 2], "seed {seed}: partitions moved to the new member: {:?}", snapshot.group);
    }
    sim.summary().duplicates
}

/// Kafka revokes inside poll(): the batch in hand is processed and committed before a
/// partition moves, so a plain join reprocesses nothing under either protocol.
#[test]
fn a_cooperative_revocation_waits_for_the_batch_in_hand_so_a_join_reprocesses_nothing() {
    for seed in 1..=4 {
        for auto_commit in [false, true] {
            let duplicates = cooperative_duplicates(seed, auto_commit, false);
            assert_eq!(duplicates, 0, "seed {seed}, auto-commit {auto_commit}: records processed twice after a join");
        }
    }
}

/// A crash loses what was processed but not committed: the next owner reads it again.
#[test]
fn a_crashed_cooperative_members_uncommitted_records_are_still_processed_twice() {
    for seed in 1..=4 {
        // Up to an auto-commit interval (5 s) of member 1's records was never committed.
        let duplicates = cooperative_duplicates(seed, true, true);
        assert!(duplicates > 100 && duplicates <= 1_100, "seed {seed}: what it processed since its last commit is processed again: {duplicates}");
    }
}

