//! A small swarm, in the spirit of TigerBeetle's VOPR: each seed derives a cluster, a
//! workload and a schedule of faults, and runs with every invariant checked after every event
//! (debug builds). A failure names the seed and the command log that reproduce it. The full
//! `dhara swarm` harness is its own issue; this keeps every fault path exercised in CI.

use dhara_engine::kafka::assignor::Strategy;
use dhara_engine::scenario::{builtin, CleanupPolicy, Scenario};
use dhara_engine::sim::{Duration, SimRng};
use dhara_engine::{Command, Simulation};

fn scenario_for(rng: &mut SimRng) -> Scenario {
    let mut s = builtin::load("upi-replication").expect("loads");
    s.cluster.brokers = 1 + rng.below(4) as u16;
    s.cluster.racks.clear();
    s.topic.replication_factor = 1 + rng.below(u64::from(s.cluster.brokers)) as u16;
    s.topic.min_insync_replicas = 1 + rng.below(u64::from(s.topic.replication_factor)) as u32;
    s.topic.partitions = 1 + rng.below(8) as u32;
    s.producer.acks = [dhara_engine::kafka::protocol::Acks::All, dhara_engine::kafka::protocol::Acks::Leader][rng.below(2) as usize];
    s.producer.enable_idempotence = Some(s.producer.acks == dhara_engine::kafka::protocol::Acks::All && rng.below(2) == 0);
    s.producer.keyless_percent = [0, 30][rng.below(2) as usize];
    if s.producer.enable_idempotence == Some(true) && rng.below(3) == 0 {
        s.producer.transactional_id = Some("swarm".into());
        s.consumer.isolation_level = dhara_engine::kafka::consumer::IsolationLevel::ReadCommitted;
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
    s.validate().expect("the swarm only builds valid scenarios");
    s
}

fn fault_for(rng: &mut SimRng, brokers: u16, consumers: u16) -> Command {
    let broker = rng.below(u64::from(brokers)) as u16;
    let consumer = rng.below(u64::from(consumers)) as u16;
    match rng.below(9) {
        0 => Command::CrashBroker { broker },
        1 => Command::RestartBroker { broker },
        2 => Command::CrashConsumer { consumer },
        3 => Command::RestartConsumer { consumer },
        4 => Command::AddConsumer {},
        5 => Command::PartitionNetwork { a: vec![format!("broker-{broker}")], b: vec!["controller".into()] },
        6 => Command::HealNetwork {},
        7 => Command::SlowNode { node: format!("broker-{broker}"), factor: [1, 20][rng.below(2) as usize] },
        _ => Command::SetConsumerRate { records_per_s: 100 + rng.below(900) as u32 },
    }
}

#[test]
fn random_clusters_and_faults_keep_every_invariant() {
    // CI runs 24 seeds; DHARA_SWARM_SEEDS=N runs more (a longer hunt, by hand).
    let seeds: u64 = std::env::var("DHARA_SWARM_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(24);
    for seed in 0..seeds {
        let mut rng = SimRng::stream(seed, "swarm");
        let scenario = scenario_for(&mut rng);
        let (brokers, mut consumers) = (scenario.cluster.brokers, scenario.consumer.count);
        let mut sim = Simulation::new(scenario.clone(), seed);
        let mut log = Vec::new();
        for _ in 0..8 {
            sim.advance(Duration::from_ms(1_000 + rng.below(4_000)));
            let command = fault_for(&mut rng, brokers, consumers);
            // Refused commands (crash what is down, …) are part of the test: they must be
            // refused cleanly and change nothing.
            if sim.apply(command.clone()).is_ok() {
                if command == (Command::AddConsumer {}) {
                    consumers += 1;
                }
                log.push((sim.now().as_us() / 1_000, command));
            }
            sim.check_invariants().unwrap_or_else(|e| panic!("seed {seed}: {e}\nscenario {scenario:?}\ncommands {log:?}"));
        }
        sim.advance(Duration::from_secs(10));
        let summary = sim.summary();
        assert!(summary.produced > 0 && summary.events > 1_000, "seed {seed}: {summary:?}");
    }
}
