//! The producer in whole runs: batches that fill by linger or by size, max.in.flight and
//! compression seen from the trace, and idempotence writing no duplicates through a leader
//! crash and a network partition where the same faults make a plain producer write some.
//! Invariants, the fate ledger's among them, are checked after every event (debug builds).

use dhara_engine::kafka::compression::CompressionType;
use dhara_engine::scenario::{builtin, Scenario};
use dhara_engine::sim::{Duration, TraceKind};
use dhara_engine::{Command, Simulation};

/// What the trace says the producer sent and the leaders did.
#[derive(Debug, Default)]
struct Observed {
    batches: u64,
    records_in_batches: u64,
    wire_bytes: u64,
    duplicate_batches: u64,
    epoch_bumps: u64,
}

impl Observed {
    fn records_per_batch(&self) -> f64 {
        self.records_in_batches as f64 / self.batches as f64
    }
    fn wire_bytes_per_record(&self) -> f64 {
        self.wire_bytes as f64 / self.records_in_batches as f64
    }
}

fn run_observing(sim: &mut Simulation, secs: u64, seen: &mut Observed) {
    let mut next = sim.trace().len();
    sim.advance_with(Duration::from_secs(secs), |s| {
        for entry in s.trace().since(next) {
            match entry.kind {
                TraceKind::BatchSent => {
                    seen.batches += 1;
                    seen.records_in_batches += entry.b;
                    seen.wire_bytes += entry.c;
                }
                TraceKind::DuplicateBatch => seen.duplicate_batches += 1,
                TraceKind::ProducerEpochBump => seen.epoch_bumps += 1,
                _ => {}
            }
        }
        next = s.trace().len();
    });
}

fn observe(scenario: Scenario, seed: u64, secs: u64) -> Observed {
    let mut sim = Simulation::new(scenario, seed);
    let mut seen = Observed::default();
    run_observing(&mut sim, secs, &mut seen);
    seen
}

fn steady(change: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut scenario = builtin::load("upi-steady").expect("loads");
    change(&mut scenario);
    scenario.validate().expect("still valid");
    scenario
}

/// upi-steady on a fast network, where five requests in flight never hold a batch back.
fn quiet(linger_ms: u32) -> Scenario {
    steady(|s| {
        s.producer.linger_ms = linger_ms;
        s.network.latency_ms = 1;
        s.network.jitter_ms = 0;
    })
}

#[test]
fn a_quiet_producer_sends_batches_when_linger_ms_passes() {
    // 400 records/s over 6 partitions: about one record per partition every 15 ms.
    let eager = observe(quiet(0), 1, 20);
    let default = observe(quiet(5), 1, 20);
    let patient = observe(quiet(100), 1, 20);
    assert!(eager.records_per_batch() < 1.1, "linger 0: {eager:?}");
    assert!((1.1..2.0).contains(&default.records_per_batch()), "linger 5 ms: {default:?}");
    assert!(patient.records_per_batch() > 5.0, "linger 100 ms: {patient:?}");
    assert!(patient.wire_bytes_per_record() < eager.wire_bytes_per_record() - 40.0, "one 61-byte header per batch");
}

#[test]
fn a_busy_producer_sends_batches_as_soon_as_they_fill() {
    let busy = observe(
        steady(|s| {
            s.producer.records_per_s = 30_000;
            s.producer.linger_ms = 1_000;
        }),
        2,
        2,
    );
    // About 340-byte records: 47 fit in 16,384 bytes. Batches go full, long before linger.
    assert!((40.0..=48.0).contains(&busy.records_per_batch()), "{busy:?}");
    assert!(busy.wire_bytes / busy.batches <= 16_384, "{busy:?}");
}

#[test]
fn max_in_flight_holds_batches_back_so_they_grow() {
    let slow_link = |in_flight: u32| {
        steady(move |s| {
            s.producer.records_per_s = 300;
            s.producer.linger_ms = 0;
            s.producer.enable_idempotence = Some(false);
            s.producer.max_in_flight_requests_per_connection = in_flight;
            s.network.latency_ms = 50;
        })
    };
    let one = observe(slow_link(1), 3, 10);
    let five = observe(slow_link(5), 3, 10);
    // One broker, a round trip of 100 to 120 ms: one request in flight means at most ten
    // requests a second for all six partitions; the rest waits in the accumulator and
    // batches up. Five in flight send five times as many, smaller batches.
    assert!(one.batches <= 100, "{one:?}");
    assert!(five.batches > 3 * one.batches, "{five:?} vs {one:?}");
    assert!(one.records_per_batch() > 3.0 * five.records_per_batch(), "{one:?} vs {five:?}");
}

#[test]
fn compression_shrinks_the_bytes_on_the_wire() {
    let with = |compression: CompressionType| {
        observe(
            steady(move |s| {
                s.producer.linger_ms = 50;
                s.producer.compression_type = compression;
            }),
            4,
            20,
        )
    };
    let (none, lz4, zstd) = (with(CompressionType::None), with(CompressionType::Lz4), with(CompressionType::Zstd));
    let per_record = [none.wire_bytes_per_record(), lz4.wire_bytes_per_record(), zstd.wire_bytes_per_record()];
    assert!(per_record[1] < 0.6 * per_record[0], "lz4 about halves it: {per_record:?}");
    assert!(per_record[2] < 0.8 * per_record[1], "zstd does better still: {per_record:?}");
}

/// upi-replication with a request timeout short enough that acks=all requests time out
/// while the cluster recovers from a fault, so the producer retries what was written.
fn replication(idempotent: bool) -> Scenario {
    let mut scenario = builtin::load("upi-replication").expect("loads");
    scenario.producer.enable_idempotence = Some(idempotent);
    scenario.producer.request_timeout_ms = 1_000;
    scenario.validate().expect("valid");
    scenario
}

fn leader_of(sim: &Simulation, partition: u32) -> u16 {
    sim.controller().partitions()[partition as usize].leader.expect("online")
}

/// Crashes partition 0's leader and brings it back; then cuts partition 1's leader off
/// from the controller and the other brokers (not from the clients) and heals the cut.
fn crash_then_partition(scenario: Scenario, seed: u64) -> (Simulation, Observed) {
    let mut sim = Simulation::new(scenario, seed);
    let mut seen = Observed::default();
    run_observing(&mut sim, 5, &mut seen);
    let crashed = leader_of(&sim, 0);
    sim.apply(Command::CrashBroker { broker: crashed }).expect("crash");
    run_observing(&mut sim, 15, &mut seen);
    sim.apply(Command::RestartBroker { broker: crashed }).expect("restart");
    run_observing(&mut sim, 10, &mut seen);
    let cut = leader_of(&sim, 1);
    let others = (0..3).filter(|&b| b != cut).map(|b| format!("broker-{b}")).chain(["controller".to_string()]);
    sim.apply(Command::PartitionNetwork { a: vec![format!("broker-{cut}")], b: others.collect() }).expect("partition");
    run_observing(&mut sim, 15, &mut seen);
    sim.apply(Command::HealNetwork {}).expect("heal");
    run_observing(&mut sim, 20, &mut seen);
    (sim, seen)
}

#[test]
fn an_idempotent_producer_writes_no_duplicates_through_a_crash_and_a_partition() {
    let mut recognised = 0;
    for seed in 1..=3 {
        let (sim, seen) = crash_then_partition(replication(true), seed);
        let fates = sim.snapshot().fates;
        assert_eq!(fates.duplicates_written, 0, "seed {seed}: {fates:?}");
        assert_eq!((fates.acked_lost, fates.failed), (0, 0), "seed {seed}: {fates:?}");
        assert_eq!(fates.created, sim.summary().produced);
        assert!(fates.in_flight < 100, "everything else settled: {fates:?}");
        recognised += seen.duplicate_batches;
    }
    assert!(recognised > 0, "some retries reached a leader that had them, and were recognised");
}

#[test]
fn the_same_faults_make_a_producer_without_idempotence_write_duplicates() {
    let (sim, seen) = crash_then_partition(replication(false), 1);
    let fates = sim.snapshot().fates;
    assert!(fates.duplicates_written > 100, "{fates:?}");
    assert_eq!(seen.duplicate_batches, 0, "no producer ids, nothing to recognise");
    assert_eq!(fates.acked_lost, 0, "duplicated, not lost");
}

#[test]
fn a_gap_after_an_unclean_election_is_crossed_with_a_new_epoch() {
    let mut scenario = builtin::load("upi-replication").expect("loads");
    scenario.topic.replication_factor = 2;
    scenario.topic.min_insync_replicas = 1;
    scenario.cluster.unclean_leader_election_enable = true;
    let mut sim = Simulation::new(scenario, 8);
    let mut seen = Observed::default();
    run_observing(&mut sim, 3, &mut seen);
    sim.apply(Command::CrashBroker { broker: 1 }).expect("crash the follower");
    run_observing(&mut sim, 20, &mut seen);
    sim.apply(Command::CrashBroker { broker: 0 }).expect("crash the leader");
    run_observing(&mut sim, 1, &mut seen);
    sim.apply(Command::RestartBroker { broker: 1 }).expect("restart the stale replica");
    run_observing(&mut sim, 15, &mut seen);
    // The stale leader lacks sequences the producer saw acknowledged: OUT_OF_ORDER_SEQUENCE_NUMBER,
    // then a bumped epoch that starts again at 0, and the producer goes on.
    assert!(seen.epoch_bumps > 0, "{seen:?}");
    let acked_before = sim.summary().acked;
    run_observing(&mut sim, 10, &mut seen);
    assert!(sim.summary().acked > acked_before + 3_000, "400 records/s flow again");
    assert_eq!(sim.snapshot().fates.duplicates_written, 0);
}

#[test]
fn batching_and_idempotence_are_deterministic() {
    let scenario = || steady(|s| s.producer.compression_type = CompressionType::Zstd);
    let run = || {
        let mut sim = Simulation::new(scenario(), 11);
        sim.advance(Duration::from_secs(10));
        sim.summary()
    };
    assert_eq!(run(), run());
}

#[test]
fn idempotence_with_acks_1_is_refused_naming_the_field() {
    let mut json: serde_json::Value = serde_json::from_str(builtin::find("upi-acks1").expect("built in").json).expect("JSON");
    json["producer"]["enable_idempotence"] = true.into();
    let err = Scenario::from_json(&json.to_string()).expect_err("Kafka refuses it");
    assert_eq!(err.path, "producer.acks");
    assert!(err.message.contains("\"all\""), "{err}");
}

#[test]
fn keyless_records_stick_to_a_partition_for_about_a_batch_then_move_on() {
    let mut scenario = dhara_engine::scenario::builtin::load("upi-steady").expect("loads");
    scenario.producer.keyless_percent = 100;
    let mut sim = dhara_engine::Simulation::new(scenario, 2);
    let mut partitions: Vec<u64> = Vec::new();
    let mut seen = 0;
    sim.advance_with(dhara_engine::sim::Duration::from_secs(30), |s| {
        partitions.extend(s.trace().since(seen).filter(|e| e.kind == dhara_engine::sim::TraceKind::Send).map(|e| e.a));
        seen = s.trace().len();
    });
    let switches = partitions.windows(2).filter(|w| w[0] != w[1]).count();
    let run = partitions.len() as f64 / (switches + 1) as f64;
    // batch.size 16,384 bytes of ~320-byte values: about 50 records per partition in a row.
    assert!((30.0..80.0).contains(&run), "records per sticky run: {run}");
    let used: std::collections::BTreeSet<u64> = partitions.iter().copied().collect();
    assert_eq!(used.len(), 6, "over time every partition is chosen");
    let mut bad = dhara_engine::scenario::builtin::load("upi-steady").expect("loads");
    bad.producer.keyless_percent = 10;
    bad.topic.cleanup_policy = dhara_engine::scenario::CleanupPolicy::Compact;
    assert_eq!(bad.validate().unwrap_err().path, "producer.keyless_percent");
}

/// Records sent per partition after `secs`, counted from the trace's Send entries.
fn sends_per_partition(sim: &mut Simulation, secs: u64) -> Vec<u64> {
    let mut counts = vec![0u64; sim.scenario().topic.partitions as usize];
    let mut next = sim.trace().len();
    sim.advance_with(Duration::from_secs(secs), |s| {
        for entry in s.trace().since(next).filter(|e| e.kind == TraceKind::Send) {
            counts[entry.a as usize] += 1;
        }
        next = s.trace().len();
    });
    counts
}

#[test]
fn a_hot_key_loads_its_partition_and_turns_off_again() {
    let scenario = builtin::load("upi-steady").expect("built in");
    let mut sim = Simulation::new(scenario, 3);
    let even = sends_per_partition(&mut sim, 10);
    let partitions = sim.scenario().topic.partitions;
    let hot_partition = dhara_engine::kafka::partitioner::partition_for_key(dhara_engine::kafka::keys::vpa(0).as_bytes(), partitions);
    let share = |counts: &[u64]| counts[hot_partition as usize] as f64 / counts.iter().sum::<u64>() as f64;
    sim.apply(Command::HotKey { percent: 80 }).expect("a plain producer accepts a hot key");
    let hot = sends_per_partition(&mut sim, 10);
    assert!(share(&hot) > 0.8, "80 % hot key plus its Zipf share lands on one partition: {hot:?}");
    assert!(share(&even) < 0.5, "before the command the load was spread: {even:?}");
    sim.apply(Command::HotKey { percent: 0 }).expect("0 turns it off");
    let after = sends_per_partition(&mut sim, 10);
    assert!(share(&after) < 0.5, "after turning it off the load spreads again: {after:?}");
}

#[test]
fn a_workload_refuses_a_hot_key_and_bad_percentages_are_named() {
    let mut sim = Simulation::new(builtin::load("upi-fraud").expect("built in"), 3);
    let err = sim.apply(Command::HotKey { percent: 50 }).expect_err("the workload decides keys");
    assert!(err.message.contains("workload decides"), "{err}");
    let err = Command::from_json(r#"{"command":"hot_key","percent":101}"#).expect_err("out of range");
    assert_eq!(err.path, "percent");
}
