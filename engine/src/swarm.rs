//! Swarm testing, in the spirit of TigerBeetle's VOPR and FoundationDB's simulation tests:
//! each seed derives a random cluster, workload and schedule of faults, runs it with every
//! invariant checked after every event, and on a violation hands back exactly what
//! reproduces it: the scenario, the seed and the command log for `dhara run`.

use crate::command::{Command, Scheduled};
use crate::kafka::assignor::Strategy;
use crate::kafka::consumer::IsolationLevel;
use crate::kafka::protocol::Acks;
use crate::scenario::{builtin, CleanupPolicy, Scenario};
use crate::sim::{Duration, SimRng, SimTime};
use crate::simulation::Simulation;
use serde::Serialize;

/// Faults per seed, and the simulated time between them (ms, drawn from 1,000 to 5,000).
const FAULTS_PER_SEED: u32 = 8;
/// Quiet time after the last fault, so recovery is checked too.
const SETTLE_MS: u64 = 10_000;

/// A failed seed: everything needed to run it again.
#[derive(Clone, Debug, Serialize)]
pub struct Violation {
    pub seed: u64,
    pub message: String,
    pub scenario: Scenario,
    pub commands: Vec<serde_json::Value>,
    pub run_for_ms: u64,
}

/// What `dhara swarm` prints.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SwarmSummary {
    pub seeds_run: u64,
    pub first_seed: u64,
    pub events: u64,
    pub faults_injected: u64,
    /// Fault commands the simulation refused as impossible right then (crash what is down…).
    pub faults_refused: u64,
    pub invariants_checked: u64,
    pub violations: Vec<Violation>,
}

/// The scenario seed `seed` tests: a random variation of the replicated UPI workload.
pub fn scenario_for(rng: &mut SimRng) -> Scenario {
    let mut s = builtin::load("upi-replication").expect("built-ins are valid");
    s.name = "swarm".into();
    s.cluster.brokers = 1 + rng.below(4) as u16;
    s.cluster.racks.clear();
    s.topic.replication_factor = 1 + rng.below(u64::from(s.cluster.brokers)) as u16;
    s.topic.min_insync_replicas = 1 + rng.below(u64::from(s.topic.replication_factor)) as u32;
    s.topic.partitions = 1 + rng.below(8) as u32;
    s.producer.acks = if rng.below(2) == 0 { Acks::All } else { Acks::Leader };
    s.producer.enable_idempotence = Some(s.producer.acks == Acks::All && rng.below(2) == 0);
    s.producer.keyless_percent = if rng.below(2) == 0 { 0 } else { 30 };
    if s.producer.enable_idempotence == Some(true) && rng.below(3) == 0 {
        s.producer.transactional_id = Some("swarm".into());
        s.consumer.isolation_level = IsolationLevel::ReadCommitted;
    }
    if s.producer.keyless_percent == 0 && rng.below(3) == 0 {
        s.topic.cleanup_policy = CleanupPolicy::Compact;
        s.topic.segment_records = 100;
        s.cluster.log_cleaner_backoff_ms = 1_000;
        s.producer.tombstone_percent = 5;
    }
    s.consumer.count = 1 + rng.below(3) as u16;
    s.consumer.assignor = [Strategy::Range, Strategy::RoundRobin, Strategy::Sticky, Strategy::CooperativeSticky][rng.below(4) as usize];
    s.consumer.enable_auto_commit = rng.below(2) == 0;
    s.cluster.unclean_leader_election_enable = rng.below(4) == 0;
    s
}

fn fault_for(rng: &mut SimRng, brokers: u16, consumers: u16) -> Command {
    let broker = rng.below(u64::from(brokers)) as u16;
    let consumer = rng.below(u64::from(consumers)) as u16;
    match rng.below(10) {
        0 => Command::CrashBroker { broker },
        1 => Command::RestartBroker { broker },
        2 => Command::CrashConsumer { consumer },
        3 => Command::RestartConsumer { consumer },
        4 => Command::AddConsumer {},
        5 => Command::PartitionNetwork { a: vec![format!("broker-{broker}")], b: vec!["controller".into()] },
        6 => Command::HealNetwork {},
        7 => Command::SlowNode { node: format!("broker-{broker}"), factor: if rng.below(2) == 0 { 1 } else { 20 } },
        8 => Command::SkewClock { node: "producer-0".into(), offset_ms: rng.below(20_000) as i64 - 10_000 },
        _ => Command::SetConsumerRate { records_per_s: 100 + rng.below(900) as u32 },
    }
}

/// Runs `sim` to `until`, checking every invariant after every event. Returns the checks made.
pub fn run_checked(sim: &mut Simulation, until: SimTime) -> Result<u64, String> {
    let mut checks = 0;
    while sim.next_event_time().is_some_and(|t| t <= until) {
        sim.step();
        sim.check_all()?;
        checks += 1;
    }
    let rest = until.as_us().saturating_sub(sim.now().as_us());
    sim.advance(Duration::from_us(rest));
    Ok(checks)
}

/// Runs one seed; adds its counts to `summary`.
pub fn run_seed(seed: u64, summary: &mut SwarmSummary) {
    let mut rng = SimRng::stream(seed, "swarm");
    let scenario = scenario_for(&mut rng);
    let (brokers, mut consumers) = (scenario.cluster.brokers, scenario.consumer.count);
    let mut sim = Simulation::new(scenario.clone(), seed);
    let mut log: Vec<Scheduled> = Vec::new();
    let mut until = SimTime::ZERO;
    let mut outcome = Ok(());
    for _ in 0..FAULTS_PER_SEED {
        until = until + Duration::from_ms(1_000 + rng.below(4_000));
        if let Err(e) = run_checked(&mut sim, until).map(|checks| summary.invariants_checked += checks) {
            outcome = Err(e);
            break;
        }
        let command = fault_for(&mut rng, brokers, consumers);
        match sim.apply(command.clone()) {
            Ok(()) => {
                consumers += u16::from(command == Command::AddConsumer {});
                summary.faults_injected += 1;
                log.push(Scheduled { at_ms: until.as_us() / 1_000, command });
            }
            Err(_) => summary.faults_refused += 1,
        }
    }
    let end = until + Duration::from_ms(SETTLE_MS);
    if outcome.is_ok() {
        outcome = run_checked(&mut sim, end).map(|checks| summary.invariants_checked += checks);
    }
    summary.seeds_run += 1;
    summary.events += sim.events();
    if let Err(message) = outcome {
        let commands = log.iter().map(scheduled_json).collect();
        summary.violations.push(Violation { seed, message, scenario, commands, run_for_ms: end.as_us() / 1_000 });
    }
}

/// A command log entry as `dhara run --commands` reads it.
fn scheduled_json(scheduled: &Scheduled) -> serde_json::Value {
    let mut value = serde_json::to_value(&scheduled.command).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("at_ms".into(), scheduled.at_ms.into());
    }
    value
}

/// Runs seeds `from..from + seeds`.
pub fn run(from: u64, seeds: u64) -> SwarmSummary {
    let mut summary = SwarmSummary { first_seed: from, ..SwarmSummary::default() };
    for seed in from..from.saturating_add(seeds) {
        run_seed(seed, &mut summary);
    }
    summary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_swarm_scenario_is_valid_and_a_seed_is_reproducible() {
        for seed in 0..200 {
            let mut rng = SimRng::stream(seed, "swarm");
            scenario_for(&mut rng).validate().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        }
        let (a, b) = (run(7, 1), run(7, 1));
        assert_eq!((a.events, a.faults_injected, a.invariants_checked), (b.events, b.faults_injected, b.invariants_checked));
        assert!(a.invariants_checked >= a.events.saturating_sub(10), "checked after (nearly) every event");
    }
}
