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

/// Every seed of 0..100 whose windowed-count job can be recounted reaches the reconciliation
/// (healed, drained, its results visible) and its results keep its guarantee's promise.
#[test]
fn exactly_once_seeds_reconcile_with_a_recount_of_their_input() {
    let recountable: Vec<u64> = (0..100).filter(|&seed| dhara_engine::reconcile::recountable(&scenario(seed))).collect();
    assert!(recountable.len() >= 2, "seeds 0..100 hold {recountable:?}");
    let mut summary = dhara_engine::swarm::SwarmSummary::default();
    for &seed in &recountable {
        dhara_engine::swarm::run_seed(seed, &mut summary);
    }
    let messages: Vec<_> = summary.violations.iter().map(|v| (v.seed, v.message.clone())).collect();
    assert!(messages.is_empty(), "{messages:?}");
    let reconciled = summary.reconciled_exactly_once + summary.reconciled_at_least_once + summary.reconciled_at_most_once;
    assert_eq!(reconciled, recountable.len() as u64, "{summary:?}");
}

/// The reconciliation catches a sink that lost a result or showed one twice: the first
/// recountable exactly-once seed, run to a drain point, then compared with a tampered copy of its results.
#[test]
fn a_lost_or_repeated_result_fails_the_reconciliation() {
    use dhara_engine::reconcile;
    let exactly_once = |s: &dhara_engine::Scenario| s.stream.as_ref().is_some_and(|j| j.delivery == dhara_engine::scenario::stream::Delivery::ExactlyOnce);
    let seed = (0..100).find(|&seed| reconcile::recountable(&scenario(seed)) && exactly_once(&scenario(seed))).expect("a recountable exactly-once seed");
    let mut sim = dhara_engine::Simulation::new(scenario(seed), seed);
    sim.job_mut().expect("a job").keep_all_outputs();
    sim.advance(dhara_engine::sim::Duration::from_secs(15));
    sim.apply(dhara_engine::command::Command::SetProducerRate { records_per_s: 1 }).expect("a valid rate");
    let mut drained = None;
    while drained.as_ref().is_none_or(|d| !reconcile::committed_since(&sim, d)) {
        assert!(sim.now().as_us() < 60_000_000, "seed {seed} drains and commits within 60 s");
        sim.step();
        drained = drained.or_else(|| reconcile::drained(&sim));
    }
    let drained = drained.expect("drained");
    assert_eq!(reconcile::check(&sim, &drained), Ok(true));
    let outputs = sim.job().expect("a job").sink().all().expect("kept").to_vec();
    let counted = |o: &&dhara_engine::stream::job::operator::Output| o.emitted_at_us <= drained.at_us && o.id.end_us <= drained.watermark_us;
    let victim = outputs.iter().position(|o| counted(&o)).expect("a result to tamper with");
    let mut lost = outputs.clone();
    lost.remove(victim);
    let e = reconcile::check_outputs(&sim, &drained, &lost).expect_err("a lost result");
    assert!(e.contains("differ from a recount") && e.contains("the sink shows"), "{e}");
    let mut repeated = outputs.clone();
    repeated.push(outputs[victim].clone());
    assert!(reconcile::check_outputs(&sim, &drained, &repeated).is_err(), "a repeated result");
}

fn scenario(seed: u64) -> dhara_engine::Scenario {
    dhara_engine::swarm::scenario_for(&mut dhara_engine::sim::SimRng::stream(seed, "swarm"))
}

/// Seeds 3306 and 4099 elect a leader while it is cut off from the controller; the partition
/// change pushed to it is lost. Once healed, its heartbeats report older leader epochs than
/// the controller published, the controller sends the states again, and it takes over: the
/// seeds end with every partition led by an acting leader (and pass every other check).
#[test]
fn a_leader_elected_while_cut_off_takes_over_once_healed() {
    for seed in [3306, 4099] {
        let mut summary = dhara_engine::swarm::SwarmSummary::default();
        dhara_engine::swarm::run_seed(seed, &mut summary);
        let messages: Vec<_> = summary.violations.iter().map(|v| v.message.clone()).collect();
        assert!(messages.is_empty() && summary.fates_recounted == 1, "seed {seed}: {messages:?}");
    }
}
