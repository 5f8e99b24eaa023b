//! The architectures' reconciliation (`arch::recount`): once healed and quiet, Lambda's
//! served answer equals a recount of its dataset, Kappa's table plus the rows it dropped as
//! late equals a recount of what it read, and the truth equals the log. Checked here on a
//! faulted run with stragglers, and over the swarm's seeds with architectures.

use dhara_engine::arch::recount::{self, Compared};
use dhara_engine::arch::{Layer, Logic};
use dhara_engine::command::Command;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::Simulation;

fn advance_s(sim: &mut Simulation, seconds: u64) {
    sim.advance(Duration::from_secs(seconds));
}

/// Runs a tenth of a second at a time until `done`, at most `limit_s` seconds.
fn until(sim: &mut Simulation, limit_s: u64, done: impl Fn(&Simulation) -> bool) {
    for _ in 0..limit_s * 10 {
        if done(sim) {
            return;
        }
        sim.advance(Duration::from_ms(100));
        sim.check_invariants().expect("every invariant holds");
    }
    panic!("not reached within {limit_s} s");
}

fn speed_at_end(sim: &Simulation) -> bool {
    recount::quiet_and_read(sim, sim.architectures().expect("architectures").lambda.speed.reader.positions())
}

#[test]
fn after_faults_and_stragglers_every_answer_reconciles_with_a_recount_and_late_rows_are_all_found() {
    let mut scenario = builtin::load("upi-architectures").expect("built in");
    let arch = scenario.architectures.as_mut().expect("architectures");
    arch.event_time.as_mut().expect("its own event time").late_percent = 5.0;
    arch.batch_interval_ms = 20_000;
    arch.restart_ms = 2_000;
    let mut sim = Simulation::new(scenario, 3);
    advance_s(&mut sim, 15);
    sim.apply(Command::CrashBroker { broker: 1 }).expect("a broker");
    sim.apply(Command::CrashLayer { layer: Layer::Kappa }).expect("Kappa runs");
    sim.apply(Command::SetLogic { layer: Layer::LambdaSpeed, logic: Logic::Sampled }).expect("a speed layer");
    advance_s(&mut sim, 15);
    sim.apply(Command::RestartBroker { broker: 1 }).expect("crashed");
    sim.apply(Command::CrashLayer { layer: Layer::LambdaSpeed }).expect("the speed layer runs");
    advance_s(&mut sim, 20);
    // Healed: exact code again, the input a trickle, a batch once the speed layer is at the end.
    sim.apply(Command::SetLogic { layer: Layer::LambdaSpeed, logic: Logic::Exact }).expect("a speed layer");
    sim.apply(Command::SetProducerRate { records_per_s: 1 }).expect("a rate");
    until(&mut sim, 60, |s| speed_at_end(s) && s.architectures().is_some_and(|a| a.lambda.run.is_none()));
    let runs = sim.architectures().expect("architectures").lambda.batch_runs;
    sim.apply(Command::RunBatchNow {}).expect("the batch cluster is free");
    until(&mut sim, 60, |s| recount::quiescent(s) && s.architectures().is_some_and(|a| a.lambda.batch_runs > runs));
    let compared = recount::check(&sim, true).expect("every answer reconciles");
    assert!(compared.lambda && compared.kappa && compared.truth, "{compared:?}");
    let a = sim.architectures().expect("architectures");
    let kappa_late = a.kappa.serving.job.late_dropped_rows;
    assert!(kappa_late > 0 && compared.late_rows >= kappa_late, "stragglers were dropped and recounted: {compared:?}");
    // Without its late rows Kappa's table is short of the recount: the check has teeth.
    let topic = sim.topic_access();
    let read = recount::recount(&topic, &mut a.shape(), a.kappa.serving.job.reader.positions()).expect("every partition led");
    let e = recount::compare("Kappa's table alone", a.kappa.serving.table.cells(), &read).expect_err("late rows are missing from it");
    assert!(e.starts_with("Kappa's table alone: ") && e.contains("cells differ; first: window starting"), "{e}");
}

#[test]
fn a_run_that_is_not_quiet_or_runs_approximate_code_is_not_compared() {
    let mut sim = Simulation::new(builtin::load("upi-architectures").expect("built in"), 4);
    advance_s(&mut sim, 10);
    sim.apply(Command::SetLogic { layer: Layer::LambdaBatch, logic: Logic::Sampled }).expect("a batch layer");
    sim.apply(Command::DeployV2 { logic: Logic::ProcessingTime, allow_loss: false }).expect("history is whole");
    sim.apply(Command::SetProducerRate { records_per_s: 1 }).expect("a rate");
    until(&mut sim, 60, |s| recount::quiescent(s) && s.architectures().is_some_and(|a| a.kappa.replaying.is_none()));
    let compared = recount::check(&sim, true).expect("nothing compared disagrees");
    assert_eq!((compared.lambda, compared.kappa, compared.truth), (false, false, true), "approximate code is not compared, the truth still is: {compared:?}");
    sim.apply(Command::CrashBroker { broker: 0 }).expect("a broker");
    advance_s(&mut sim, 1);
    assert!(!recount::quiescent(&sim), "a leader is down: not quiet");
    assert_eq!(recount::check(&sim, true), Ok(Compared::default()));
}

/// The swarm's seeds 0..150 with architectures all reach the reconciliation, and between
/// them compare Lambda, Kappa and the truth and recount late rows.
#[test]
fn swarm_seeds_with_architectures_reconcile() {
    let mut summary = dhara_engine::swarm::SwarmSummary::default();
    let mut seeds = 0;
    for seed in 0..150 {
        if dhara_engine::swarm::scenario_for(&mut dhara_engine::sim::SimRng::stream(seed, "swarm")).architectures.is_some() {
            dhara_engine::swarm::run_seed(seed, &mut summary);
            seeds += 1;
        }
    }
    let messages: Vec<_> = summary.violations.iter().map(|v| (v.seed, v.message.clone())).collect();
    assert!(messages.is_empty(), "{messages:?}");
    let t = &summary.architectures;
    assert!(seeds >= 10 && t.lambda_reconciled * 2 >= seeds && t.kappa_reconciled * 2 >= seeds && t.truth_reconciled > 0 && t.late_rows_recounted > 0, "{seeds} seeds: {t:?}");
}
