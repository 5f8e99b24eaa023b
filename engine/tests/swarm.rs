//! The swarm in CI: random clusters, workloads and fault schedules (`dhara_engine::swarm`),
//! every invariant checked after every event. DHARA_SWARM_SEEDS=N runs a longer hunt by hand.

#[test]
fn random_clusters_and_faults_keep_every_invariant() {
    let seeds: u64 = std::env::var("DHARA_SWARM_SEEDS").ok().and_then(|n| n.parse().ok()).unwrap_or(24);
    let summary = dhara_engine::swarm::run(0, seeds);
    if let Some(v) = summary.violations.first() {
        let scenario = serde_json::to_string(&v.scenario).unwrap_or_default();
        let commands = serde_json::to_string(&v.commands).unwrap_or_default();
        panic!("seed {}: {}\nscenario: {scenario}\ncommands: {commands}", v.seed, v.message);
    }
    assert_eq!(summary.seeds_run, seeds);
    assert!(summary.faults_injected > seeds * 3, "{summary:?}");
    assert!(summary.invariants_checked > summary.events / 2, "{summary:?}");
}
