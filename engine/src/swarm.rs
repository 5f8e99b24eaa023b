//! Swarm testing, in the spirit of TigerBeetle's VOPR and FoundationDB's simulation tests:
//! each seed derives a random cluster, workload and schedule of faults, runs it with every
//! invariant checked after every event, and on a violation hands back exactly what
//! reproduces it: the scenario, the seed and the command log for `dhara run`.

use crate::command::{Command, Scheduled};
use crate::kafka::assignor::Strategy;
use crate::kafka::consumer::IsolationLevel;
use crate::kafka::protocol::Acks;
use crate::scenario::stream::{Accumulation, Delivery, OperatorSpec, StreamSpec, TriggerSpec, WindowingSpec};
use crate::scenario::{builtin, CleanupPolicy, Scenario};
use crate::stream::aggregate::AggregateKind;
use crate::sim::{Duration, SimRng, SimTime};
use crate::simulation::Simulation;
use serde::Serialize;

/// Faults per seed, and the simulated time between them (ms, drawn from 1,000 to 5,000).
const FAULTS_PER_SEED: u32 = 8;
/// Quiet time after the last fault (every fault healed), so recovery is checked too.
const SETTLE_MS: u64 = 10_000;
/// The swarm (and `dhara run --check-invariants`, which reproduces its findings) makes the
/// fate ledger retire settled records this often, not once a million, so every seed
/// exercises retirement and the recount checks that no retired record is still in play.
pub const RETIRE_FATES_EVERY_RECORDS: u64 = 256;
/// The longest a recountable seed may take, input slowed to a trickle, to drain and then
/// commit a checkpoint begun after the drain point.
const DRAIN_MS_MAX: u64 = 60_000;
/// The longest a seed with architectures may take, input slowed to a trickle, to finish a
/// batch run begun after every fault healed and reach a quiet topic.
const ARCH_SETTLE_MS_MAX: u64 = 120_000;
/// How often that wait looks; commands are applied on these whole milliseconds only, so the
/// logged run replays exactly.
const ARCH_LOOK_MS: u64 = 100;

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
    /// Seeds whose windowed-count job's results were compared with a recount of its input,
    /// by delivery guarantee (`reconcile`): shown exactly once, at least once, at most once.
    pub reconciled_exactly_once: u64,
    pub reconciled_at_least_once: u64,
    pub reconciled_at_most_once: u64,
    /// Recountable seeds that did not get there: no drain point within DRAIN_MS_MAX, a
    /// failure after it, a late-drop table that overflowed, or input removed by retention.
    pub windows_not_reconciled: u64,
    /// Seeds with architectures whose answers were compared with a recount of their input.
    pub architectures: ArchTally,
    /// Seeds whose fate ledger (acknowledged-but-lost records, duplicate copies) was checked,
    /// once healed and settled, against a brute-force recount of every partition's leader
    /// log (`Simulation::recount_fates`): every seed that got that far without an earlier
    /// violation (a recount that disagrees is a violation too).
    pub fates_recounted: u64,
    /// Records the fate ledger retired (forgot as settled for good) by the end of each seed,
    /// added up: retirement runs every `RETIRE_FATES_EVERY_RECORDS` records here.
    pub fates_retired: u64,
    pub violations: Vec<Violation>,
}

/// The architectures' reconciliation over all seeds (see `arch::recount`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ArchTally {
    /// Seeds whose Lambda answer (batch + realtime) equalled a recount of its dataset.
    pub lambda_reconciled: u64,
    /// Seeds whose Kappa table plus its late-dropped rows equalled a recount of what it read.
    pub kappa_reconciled: u64,
    /// Seeds whose truth (what the producer wrote) equalled a recount of the log.
    pub truth_reconciled: u64,
    /// Late-dropped rows the compared stream layers had, each found by the recount.
    pub late_rows_recounted: u64,
    /// Seeds with architectures where none could be compared: no batch run completed and no
    /// quiet topic within ARCH_SETTLE_MS_MAX, or no layer whose answer can be exact.
    pub not_reconciled: u64,
}

impl ArchTally {
    fn add(&mut self, c: crate::arch::recount::Compared) {
        self.lambda_reconciled += u64::from(c.lambda);
        self.kappa_reconciled += u64::from(c.kappa);
        self.truth_reconciled += u64::from(c.truth);
        self.late_rows_recounted += c.late_rows;
        self.not_reconciled += u64::from(!(c.lambda || c.kappa || c.truth));
    }
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
    if rng.below(3) == 0 {
        s.consumer.count = s.consumer.count.min(s.topic.partitions as u16);
        s.stream = Some(stream_for(rng));
    }
    if rng.below(3) == 0 {
        workload_for(rng, &mut s);
    }
    // A short retention on a third of the seeds without a job or architectures (whose checks
    // recount the topic from its start), drawn from a copy of the stream so every other
    // choice above stays what it was: records expire, and the fate ledger retires them.
    let mut retention = rng.clone();
    if s.stream.is_none() && s.architectures.is_none() && retention.below(3) == 0 {
        s.topic.retention_records_max = 100 + retention.below(400);
    }
    s
}

/// A domain workload (payments, posts or clicks) in place of Zipf keys; with a job, half the
/// time its domain operator (fraud, trends, funnel) too.
fn workload_for(rng: &mut SimRng, s: &mut Scenario) {
    let name = ["upi-fraud", "social-trends", "shop-sessions"][rng.below(3) as usize];
    let domain = builtin::load(name).expect("built-ins are valid");
    s.workload = domain.workload;
    s.knobs.clear();
    // The generator decides keys and values itself.
    s.producer.keyless_percent = 0;
    s.producer.tombstone_percent = 0;
    if let (Some(stream), Some(job), true) = (&mut s.stream, domain.stream, rng.below(2) == 0) {
        stream.pipeline = job.pipeline;
        stream.operator = job.operator;
    }
    if rng.below(2) == 0 {
        s.architectures = Some(architectures_for(rng));
    }
}

/// Lambda, Kappa and CQRS at a pace where batches, replays and snapshots happen within a seed.
fn architectures_for(rng: &mut SimRng) -> crate::arch::ArchSpec {
    crate::arch::ArchSpec {
        window_ms: Some(1_000 + rng.below(5_000) as u32),
        stream_records_per_s: 50 + rng.below(5_000) as u32,
        batch_records_per_core_s: 100 + rng.below(10_000) as u32,
        batch_startup_ms: rng.below(2_000) as u32,
        batch_interval_ms: 1_000 + rng.below(8_000) as u32,
        allowed_lateness_ms: rng.below(3_000) as u32,
        snapshot_every_events: rng.below(2_000),
        restart_ms: rng.below(3_000) as u32,
        settle_ms: 5_000,
        ..crate::arch::ArchSpec::default()
    }
}

/// A command to the architectures: their own faults and operations.
fn arch_command_for(rng: &mut SimRng) -> Command {
    use crate::arch::{Layer, Logic};
    let logic = [Logic::Exact, Logic::Sampled, Logic::ProcessingTime][rng.below(3) as usize];
    match rng.below(5) {
        0 => Command::RunBatchNow {},
        1 => Command::DeployV2 { logic, allow_loss: rng.below(2) == 0 },
        2 => Command::SetLogic { layer: if rng.below(2) == 0 { Layer::LambdaSpeed } else { Layer::LambdaBatch }, logic },
        3 => Command::RebuildProjection {},
        _ => Command::CrashLayer { layer: [Layer::LambdaBatch, Layer::LambdaSpeed, Layer::Kappa, Layer::CqrsCommands, Layer::CqrsProjection][rng.below(5) as usize] },
    }
}

/// A random stream job: its guarantee, parallelism, operator, speeds and checkpoints.
fn stream_for(rng: &mut SimRng) -> StreamSpec {
    let mut spec = builtin::load("upi-windows").expect("built-ins are valid").stream.expect("it has a job");
    spec.delivery = [Delivery::AtMostOnce, Delivery::AtLeastOnce, Delivery::ExactlyOnce][rng.below(3) as usize];
    spec.parallelism = 1 + rng.below(3) as u16;
    spec.operator_records_per_s = 100 + rng.below(5_000) as u32;
    spec.channel_capacity_records = 50 + rng.below(2_000) as u32;
    spec.checkpoint.interval_ms = 500 + rng.below(5_000) as u32;
    spec.checkpoint.timeout_ms = 1_000 + rng.below(10_000) as u32;
    spec.checkpoint.storage_bytes_per_ms = 1 + rng.below(100_000) as u32;
    spec.watermark.idle_timeout_ms = (rng.below(2) == 0).then(|| 500 + rng.below(5_000) as u32);
    spec.event_time.late_percent = rng.below(3) as f64;
    let window = |windowing| OperatorSpec::Window { windowing, trigger: TriggerSpec::Default, allowed_lateness_ms: 1_000, accumulation: Accumulation::Discarding, aggregate: AggregateKind::Count };
    spec.operator = match rng.below(5) {
        0 => window(WindowingSpec::Fixed { size_ms: 2_000, offset_ms: 0 }),
        1 => window(WindowingSpec::Sliding { size_ms: 4_000, period_ms: 1_000, offset_ms: 0 }),
        2 => window(WindowingSpec::Sessions { gap_ms: 1_500 }),
        3 => OperatorSpec::Burst { count_min: 3, within_ms: 2_000, idle_clear_ms: 5_000 },
        _ => OperatorSpec::JoinWindow { left_tag: 0, right_tag: 1, size_ms: 3_000 },
    };
    spec
}

fn fault_for(rng: &mut SimRng, brokers: u16, consumers: u16, job: bool) -> Command {
    let broker = rng.below(u64::from(brokers)) as u16;
    let consumer = rng.below(u64::from(consumers)) as u16;
    match rng.below(if job { 12 } else { 10 }) {
        0 => Command::CrashBroker { broker },
        1 => Command::RestartBroker { broker },
        2 => Command::CrashConsumer { consumer },
        3 => Command::RestartConsumer { consumer },
        4 => Command::AddConsumer {},
        5 => Command::PartitionNetwork { a: vec![format!("broker-{broker}")], b: vec!["controller".into()] },
        6 => Command::HealNetwork {},
        7 => Command::SlowNode { node: format!("broker-{broker}"), factor: if rng.below(2) == 0 { 1 } else { 20 } },
        8 => Command::SkewClock { node: "producer-0".into(), offset_ms: rng.below(20_000) as i64 - 10_000 },
        9 => Command::SetConsumerRate { records_per_s: 100 + rng.below(900) as u32 },
        10 => Command::SetOperatorRate { records_per_s: 50 + rng.below(5_000) as u32 },
        _ => Command::CrashTask { task: rng.below(3) as u16 },
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
    sim.retire_fates_every(RETIRE_FATES_EVERY_RECORDS);
    let recount = crate::reconcile::recountable(&scenario);
    if let (true, Some(job)) = (recount, sim.job_mut()) {
        job.keep_all_outputs();
    }
    let mut log: Vec<Scheduled> = Vec::new();
    let mut until = SimTime::ZERO;
    let mut outcome = Ok(());
    for _ in 0..FAULTS_PER_SEED {
        until = until + Duration::from_ms(1_000 + rng.below(4_000));
        if let Err(e) = run_checked(&mut sim, until).map(|checks| summary.invariants_checked += checks) {
            outcome = Err(e);
            break;
        }
        let command = match scenario.architectures.is_some() && rng.below(3) == 0 {
            true => arch_command_for(&mut rng),
            false => fault_for(&mut rng, brokers, consumers, scenario.stream.is_some()),
        };
        match sim.apply(command.clone()) {
            Ok(()) => {
                consumers += u16::from(command == Command::AddConsumer {});
                summary.faults_injected += 1;
                log.push(Scheduled { at_ms: until.as_us() / 1_000, command });
            }
            Err(_) => summary.faults_refused += 1,
        }
    }
    let mut end = until + Duration::from_ms(SETTLE_MS);
    if outcome.is_ok() {
        let heal = heal_commands(&sim, &log);
        apply_logged(&mut sim, &mut log, heal);
        outcome = run_checked(&mut sim, end).map(|checks| summary.invariants_checked += checks);
    }
    if outcome.is_ok() && recount {
        let (result, finished) = reconcile_windows(&mut sim, &mut log, summary);
        (outcome, end) = (result, finished);
    }
    if outcome.is_ok() && scenario.architectures.is_some() {
        let (result, finished) = reconcile_architectures(&mut sim, &mut log, summary);
        (outcome, end) = (result, finished);
    }
    if outcome.is_ok() {
        summary.fates_recounted += 1;
        outcome = sim.recount_fates().and_then(healed_leaders);
    }
    summary.seeds_run += 1;
    summary.events += sim.events();
    summary.fates_retired += sim.fates_held().0;
    if let Err(message) = outcome {
        let commands = log.iter().map(Scheduled::to_json).collect();
        summary.violations.push(Violation { seed, message, scenario, commands, run_for_ms: end.as_us() / 1_000 });
    }
}

/// Once healed and settled every partition has a leader that has taken over: a broker
/// elected while cut off from the controller must learn it once the network heals.
fn healed_leaders(recount: crate::kafka::fates_recount::Recount) -> Result<(), String> {
    match (recount.leaderless, recount.not_acting) {
        (0, 0) => Ok(()),
        (leaderless, not_acting) => Err(format!("healed and settled, yet {leaderless} partitions have no leader and {not_acting} have an elected leader that never took over")),
    }
}

/// Applies `commands` now and logs them, so the reproduce command replays them too.
fn apply_logged(sim: &mut Simulation, log: &mut Vec<Scheduled>, commands: Vec<Command>) {
    let at_ms = sim.now().as_us() / 1_000;
    for command in commands {
        if sim.apply(command.clone()).is_ok() {
            log.push(Scheduled { at_ms, command });
        }
    }
}

/// What undoes every fault still in force: the network healed, crashed brokers and consumers
/// restarted, slowed brokers, the producer's clock and the rates back to the scenario's.
/// (Crashed tasks and architecture layers restart by themselves.)
fn heal_commands(sim: &Simulation, log: &[Scheduled]) -> Vec<Command> {
    let s = sim.scenario();
    let mut heal = vec![Command::HealNetwork {}];
    heal.extend(sim.brokers().iter().filter(|b| !b.is_up()).map(|b| Command::RestartBroker { broker: b.id() }));
    let crashed = sim.consumers().iter().enumerate().filter(|(_, c)| c.state() == crate::kafka::consumer::ConsumerState::Crashed);
    heal.extend(crashed.map(|(i, _)| Command::RestartConsumer { consumer: i as u16 }));
    let mut slowed: Vec<String> = log.iter().filter_map(|l| if let Command::SlowNode { node, .. } = &l.command { Some(node.clone()) } else { None }).collect();
    slowed.sort();
    slowed.dedup();
    heal.extend(slowed.into_iter().map(|node| Command::SlowNode { node, factor: 1 }));
    let was = |f: fn(&Command) -> bool| log.iter().any(|l| f(&l.command));
    if was(|c| matches!(c, Command::SkewClock { .. })) {
        heal.push(Command::SkewClock { node: "producer-0".into(), offset_ms: 0 });
    }
    if was(|c| matches!(c, Command::SetConsumerRate { .. })) {
        heal.push(Command::SetConsumerRate { records_per_s: s.consumer.records_per_s });
    }
    if let (Some(job), true) = (&s.stream, was(|c| matches!(c, Command::SetOperatorRate { .. }))) {
        heal.push(Command::SetOperatorRate { records_per_s: job.operator_records_per_s });
    }
    if let Some(a) = sim.architectures() {
        heal.extend(exact_again(a));
    }
    heal
}

/// Logic changes are no faults, but undoing them lets the reconciliation test the remedy
/// each architecture offers: Lambda's next batch recomputes with the fixed code, and Kappa
/// replays the fixed code from offset 0 (refused, and so not logged, while a replay runs or
/// when history is gone).
fn exact_again(a: &crate::arch::Architectures) -> Vec<Command> {
    use crate::arch::{Layer, Logic};
    let mut commands = Vec::new();
    for (layer, logic) in [(Layer::LambdaBatch, a.lambda.batch_logic), (Layer::LambdaSpeed, a.lambda.speed.logic)] {
        if logic != Logic::Exact {
            commands.push(Command::SetLogic { layer, logic: Logic::Exact });
        }
    }
    if a.kappa.serving.job.logic != Logic::Exact {
        commands.push(Command::DeployV2 { logic: Logic::Exact, allow_loss: false });
    }
    commands
}

/// Slows the producer to a trickle, runs (checking every invariant) until the job drains
/// and what it wrote by then is visible (after a checkpoint begun later, if exactly-once),
/// then compares its results with a recount. Returns the outcome and the simulated time
/// the run reached.
fn reconcile_windows(sim: &mut Simulation, log: &mut Vec<Scheduled>, summary: &mut SwarmSummary) -> (Result<(), String>, SimTime) {
    apply_logged(sim, log, vec![Command::SetProducerRate { records_per_s: 1 }]);
    let deadline = sim.now() + Duration::from_ms(DRAIN_MS_MAX);
    let mut drained = None;
    while let Some(t) = sim.next_event_time().filter(|&t| t <= deadline) {
        sim.step();
        summary.invariants_checked += 1;
        if let Err(e) = sim.check_all() {
            return (Err(e), t);
        }
        drained = drained.or_else(|| crate::reconcile::drained(sim));
        if let Some(point) = drained.as_ref().filter(|d| crate::reconcile::visible_since(sim, d)) {
            let result = crate::reconcile::check(sim, point);
            let delivery = sim.scenario().stream.as_ref().map(|s| s.delivery);
            let reconciled = match delivery {
                Some(Delivery::ExactlyOnce) => &mut summary.reconciled_exactly_once,
                Some(Delivery::AtLeastOnce) => &mut summary.reconciled_at_least_once,
                _ => &mut summary.reconciled_at_most_once,
            };
            *reconciled += u64::from(result == Ok(true));
            summary.windows_not_reconciled += u64::from(result == Ok(false));
            return (result.map(|_| ()), sim.now());
        }
    }
    summary.windows_not_reconciled += 1;
    (Ok(()), sim.now())
}

/// Slows the producer to a trickle, asks for a batch run once the batch cluster is free,
/// and once that run has completed and the topic is quiet, reconciles every architecture
/// whose answer can be exact with a recount of its input (checking every invariant all the
/// while). Returns the outcome and the simulated time the run reached.
fn reconcile_architectures(sim: &mut Simulation, log: &mut Vec<Scheduled>, summary: &mut SwarmSummary) -> (Result<(), String>, SimTime) {
    let start = SimTime::ZERO + Duration::from_ms(sim.now().as_us().div_ceil(1_000));
    if let Err(e) = run_checked(sim, start).map(|checks| summary.invariants_checked += checks) {
        return (Err(e), sim.now());
    }
    apply_logged(sim, log, vec![Command::SetProducerRate { records_per_s: 1 }]);
    let deadline = start + Duration::from_ms(ARCH_SETTLE_MS_MAX);
    // (batch runs completed, speed-layer late rows) when our run started.
    let mut asked: Option<(u64, u64)> = None;
    while sim.now() < deadline {
        let a = sim.architectures().expect("only seeds with architectures come here");
        let (runs, late_rows) = (a.lambda.batch_runs, a.lambda.speed.late_dropped_rows);
        let kappa_settled = a.kappa.replaying.is_none();
        match asked {
            // Asked once the speed layer stands at the end of a quiet topic: every row it
            // drops later lies above the run's cutoff, where only it can count the row.
            None if a.lambda.run.is_none() && !a.lambda.batch_restarting() && crate::arch::recount::quiet_and_read(sim, a.lambda.speed.reader.positions()) => {
                apply_logged(sim, log, vec![Command::RunBatchNow {}]);
                asked = Some((runs, late_rows));
            }
            Some((before, late_before)) if runs > before && kappa_settled && crate::arch::recount::quiescent(sim) => {
                let t = &mut summary.architectures;
                return match crate::arch::recount::check(sim, late_rows == late_before) {
                    Ok(compared) => {
                        t.add(compared);
                        (Ok(()), sim.now())
                    }
                    Err(e) => (Err(e), sim.now()),
                };
            }
            _ => {}
        }
        let next = sim.now() + Duration::from_ms(ARCH_LOOK_MS);
        if let Err(e) = run_checked(sim, next).map(|checks| summary.invariants_checked += checks) {
            return (Err(e), sim.now());
        }
    }
    summary.architectures.not_reconciled += 1;
    (Ok(()), sim.now())
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
        let json = |s: &SwarmSummary| serde_json::to_string(s).expect("serialisable");
        assert_eq!(json(&a), json(&b), "the same seed, the same summary");
        // And a seed that runs the reconciliation (heal, trickle, drain, recount).
        let recounted = (0..100).find(|&seed| crate::reconcile::recountable(&scenario_for(&mut SimRng::stream(seed, "swarm")))).expect("one in 100");
        let (a, b) = (run(recounted, 1), run(recounted, 1));
        let reconciled = a.reconciled_exactly_once + a.reconciled_at_least_once + a.reconciled_at_most_once;
        assert_eq!((reconciled, json(&a)), (1, json(&b)), "seed {recounted}");
        assert!(a.invariants_checked >= a.events.saturating_sub(10), "checked after (nearly) every event");
    }
}
