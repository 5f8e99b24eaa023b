//! Time travel: a cloned simulation continues exactly like the original, and a `Timeline`
//! reaches the same state at time T by any path (advance, apply, step, seek back and forth,
//! fork) as a straight run from 0 to T with the log it ends up with.

use dhara_engine::command::Scheduled;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::{Duration, SimRng, SimTime};
use dhara_engine::timeline::{Timeline, SNAPSHOTS_MAX};
use dhara_engine::{Command, Simulation, Summary};

/// What `dhara run --commands` does, written out independently of `Timeline`: advance to
/// each command's instant, apply it, and advance to the end.
fn straight(name: &str, seed: u64, log: &[Scheduled], until: SimTime) -> Summary {
    let mut sim = Simulation::new(builtin::load(name).expect("built-in"), seed);
    for entry in log.iter().filter(|e| e.at_ms * 1_000 <= until.as_us()) {
        sim.advance(Duration::from_us(entry.at_ms * 1_000 - sim.now().as_us()));
        sim.apply(entry.command.clone()).expect("a logged command applies again");
    }
    sim.advance(until.since(sim.now()));
    sim.summary()
}

fn timeline(name: &str, seed: u64) -> Timeline {
    Timeline::new(builtin::load(name).expect("built-in"), seed)
}

#[test]
fn a_clone_continues_exactly_like_the_original() {
    let cases: [(&str, &[(u64, Command)]); 4] = [
        ("upi-replication", &[(3_000, Command::CrashBroker { broker: 0 }), (9_000, Command::RestartBroker { broker: 0 })]),
        ("upi-windows", &[(2_000, Command::CrashTask { task: 1 })]),
        ("upi-architectures", &[(4_000, Command::RunBatchNow {}), (5_000, Command::CrashBroker { broker: 1 })]),
        ("social-trends", &[]),
    ];
    for (name, commands) in cases {
        let mut original = Simulation::new(builtin::load(name).expect("built-in"), 4);
        assert!(original.architectures().is_some() || name != "upi-architectures");
        for (at_ms, command) in commands {
            original.advance(Duration::from_us(at_ms * 1_000 - original.now().as_us()));
            original.apply(command.clone()).expect("applies");
        }
        // Mid-instant and mid-flight: messages on the wire, timers pending, a fault active.
        original.advance(Duration::from_us(1_234_567));
        for _ in 0..17 {
            original.step();
        }
        let mut copy = original.clone();
        original.advance(Duration::from_ms(6_000));
        copy.advance(Duration::from_ms(6_000));
        assert_eq!(copy.summary(), original.summary(), "{name}");
        assert!(copy.events() > 1_000, "{name}: a real run");
        assert_eq!(copy.trace().hash(), original.trace().hash());
    }
}

/// A command for one of the scenarios below; some are refused (restarting a running
/// broker), which is part of what the test checks.
fn random_command(rng: &mut SimRng, name: &str) -> Command {
    let broker = rng.below(3) as u16;
    match (name, rng.below(6)) {
        ("upi-windows", 0) => Command::CrashTask { task: rng.below(2) as u16 },
        ("upi-windows", 1) => Command::SetOperatorRate { records_per_s: 100 + rng.below(2_000) as u32 },
        ("upi-architectures", 0) => Command::RunBatchNow {},
        ("upi-architectures", 1) => Command::RebuildProjection {},
        (_, 0 | 1) => Command::SetConsumerRate { records_per_s: 50 + rng.below(1_000) as u32 },
        (_, 2) => Command::SetProducerRate { records_per_s: 50 + rng.below(1_000) as u32 },
        (_, 3) => Command::CrashBroker { broker },
        (_, 4) => Command::RestartBroker { broker },
        _ => Command::PartitionNetwork { a: vec![format!("broker-{broker}")], b: vec!["controller".into()] },
    }
}

/// Random operations on a timeline; after each (but a step, which stops mid-instant), the
/// live state must equal a straight run to the same time with the log's commands up to it.
fn random_walk(name: &str, seed: u64, ops: usize, horizon_ms: u64) -> (usize, usize) {
    let mut rng = SimRng::stream(seed, "timeline-test");
    let mut tl = timeline(name, seed).with_snapshot_interval(Duration::from_ms(700));
    let (mut forks, mut seeks_back, mut refused) = (0, 0, 0);
    // After a step the clock may stand between two events of one instant, which a straight
    // run (that always finishes an instant) never does: a fork there is not compared.
    let mut mid_instant = false;
    for op in 0..ops {
        let now_ms = tl.sim().now().as_us() / 1_000;
        let what = match rng.below(7) {
            0 | 1 if now_ms < horizon_ms => {
                let (before_us, by_us) = (tl.sim().now().as_us(), 1 + rng.below(2_500_000));
                tl.advance(Duration::from_us(by_us)).expect("replay");
                assert_eq!(tl.sim().now().as_us(), before_us + by_us);
                "advance"
            }
            2 | 3 => {
                // Off the millisecond grid, so the apply has to round up first.
                tl.advance(Duration::from_us(rng.below(900_000))).expect("replay");
                let before = tl.log().to_vec();
                match tl.apply(random_command(&mut rng, name)) {
                    Ok(applied) => forks += usize::from(applied.dropped > 0),
                    Err(_) => {
                        refused += 1;
                        assert_eq!(tl.log(), before, "a refused command leaves the log alone");
                    }
                }
                assert_eq!(tl.sim().now().as_us() % 1_000, 0, "applied on a whole millisecond");
                "apply"
            }
            4 => {
                seeks_back += 1;
                let target_ms = rng.below(now_ms + 1);
                tl.seek(target_ms).expect("replay");
                assert_eq!(tl.sim().now(), ms(target_ms));
                "seek back"
            }
            5 => {
                let ahead_ms = (tl.furthest_ms() as u64).saturating_sub(now_ms) + 2_000;
                let target_ms = now_ms + rng.below(ahead_ms);
                tl.seek(target_ms).expect("replay");
                assert_eq!(tl.sim().now(), ms(target_ms));
                "seek forward"
            }
            _ if rng.below(2) == 0 => {
                forks += usize::from(tl.fork() > 0);
                if mid_instant {
                    continue;
                }
                "fork"
            }
            _ => {
                for _ in 0..1 + rng.below(40) {
                    assert!(tl.step().expect("replay"));
                }
                mid_instant = true;
                continue;
            }
        };
        mid_instant = false;
        assert!(tl.snapshot_times_ms().len() <= SNAPSHOTS_MAX);
        assert!(tl.furthest_ms() >= tl.now_ms());
        let expected = straight(name, seed, tl.log(), tl.sim().now());
        assert_eq!(tl.sim().summary(), expected, "{name} seed {seed}: op {op} ({what}) at {} ms", tl.now_ms());
    }
    assert!(seeks_back > 0, "{name} seed {seed}: the walk went back in time");
    (forks, refused)
}

#[test]
fn any_path_reaches_the_state_of_a_straight_run() {
    let (mut forks, mut refused) = (0, 0);
    for seed in 1..=3 {
        let (f, r) = random_walk("upi-replication", seed, 24, 20_000);
        (forks, refused) = (forks + f, refused + r);
    }
    // The walks did fork away logged futures and were refused commands along the way.
    assert!(forks > 0 && refused > 0, "forks {forks}, refused {refused}");
}

#[test]
fn any_path_reaches_the_state_of_a_straight_run_with_a_stream_job() {
    random_walk("upi-windows", 5, 14, 8_000);
}

#[test]
fn any_path_reaches_the_state_of_a_straight_run_with_architectures_and_a_workload() {
    random_walk("upi-architectures", 6, 12, 10_000);
    random_walk("social-trends", 7, 12, 10_000);
}

fn ms(at_ms: u64) -> SimTime {
    SimTime::from_us(at_ms * 1_000)
}

#[test]
fn applying_in_the_past_forks_and_fork_drops_the_later_commands() {
    let mut tl = timeline("upi-replication", 3);
    tl.advance(Duration::from_ms(3_000)).expect("runs");
    assert_eq!(tl.apply(Command::SetConsumerRate { records_per_s: 200 }).map(|a| a.dropped), Ok(0));
    tl.advance(Duration::from_ms(3_000)).expect("runs");
    tl.apply(Command::CrashBroker { broker: 1 }).expect("applies");
    tl.advance(Duration::from_ms(2_000)).expect("runs");
    tl.apply(Command::RestartBroker { broker: 1 }).expect("applies");
    tl.advance(Duration::from_ms(7_000)).expect("runs");
    assert_eq!(tl.furthest_ms(), 15_000.0);
    assert_eq!(tl.snapshot_times_ms(), [5_000.0, 10_000.0, 15_000.0]);

    // Back to 4 s: the log still holds the future, which replays when time passes.
    tl.seek(4_000).expect("replays");
    assert_eq!((tl.now_ms(), tl.log().len(), tl.furthest_ms()), (4_000.0, 3, 15_000.0));
    tl.seek(12_000).expect("replays");
    assert_eq!(tl.sim().summary(), straight("upi-replication", 3, tl.log(), ms(12_000)));
    assert_eq!(tl.sim().commands().len(), 3);

    // From 7 s, a fork drops the two commands after it, and the snapshots after it.
    tl.seek(7_000).expect("replays");
    assert_eq!(tl.fork(), 1);
    assert_eq!(tl.log().iter().map(|e| e.at_ms).collect::<Vec<_>>(), [3_000, 6_000]);
    assert_eq!((tl.furthest_ms(), tl.snapshot_times_ms()), (7_000.0, vec![5_000.0]));
    assert_eq!(tl.fork(), 0);

    // Applying at 2.5 s drops both later commands and runs the new future.
    tl.seek(2_500).expect("replays");
    assert_eq!(tl.apply(Command::SetProducerRate { records_per_s: 90 }).map(|a| a.dropped), Ok(2));
    tl.advance(Duration::from_ms(9_500)).expect("runs");
    assert_eq!(tl.log().len(), 1);
    assert_eq!(tl.sim().summary(), straight("upi-replication", 3, tl.log(), ms(12_000)));
}

#[test]
fn a_refused_command_leaves_the_log_and_the_state_alone() {
    let mut tl = timeline("upi-replication", 2);
    tl.advance(Duration::from_ms(2_000)).expect("runs");
    tl.apply(Command::CrashBroker { broker: 2 }).expect("applies");
    tl.advance(Duration::from_ms(1_000)).expect("runs");
    tl.seek(1_000).expect("replays");
    let (log, summary) = (tl.log().to_vec(), tl.sim().summary());
    let err = tl.apply(Command::RestartBroker { broker: 0 }).expect_err("broker 0 is running");
    assert!(err.to_string().contains("running"), "{err}");
    assert_eq!((tl.log(), tl.sim().summary()), (log.as_slice(), summary));
    assert_eq!(tl.furthest_ms(), 3_000.0, "the logged future is still there");
}

#[test]
fn apply_between_milliseconds_moves_to_the_next_one_first() {
    let mut tl = timeline("upi-steady", 8);
    tl.advance(Duration::from_us(1_234_001)).expect("runs");
    tl.apply(Command::SetProducerRate { records_per_s: 300 }).expect("applies");
    assert_eq!(tl.now_ms(), 1_235.0);
    assert_eq!(tl.log()[0].at_ms, 1_235);
    assert_eq!(tl.sim().summary(), straight("upi-steady", 8, tl.log(), ms(1_235)));
}

#[test]
fn snapshots_stay_within_the_bound_and_thin_evenly() {
    let mut tl = timeline("upi-lag", 1).with_snapshot_interval(Duration::from_ms(50));
    let mut most = 0;
    for _ in 0..90 {
        tl.advance(Duration::from_us(77_777)).expect("runs");
        most = most.max(tl.snapshot_times_ms().len());
    }
    assert_eq!(most, SNAPSHOTS_MAX);
    // 7 s at 50 ms would be 140 snapshots: full at 1.6, 3.2 and 6.4 s, so thinned three
    // times, to every 400 ms.
    assert_eq!(tl.snapshot_interval(), Duration::from_ms(400));
    let times = tl.snapshot_times_ms();
    assert!(times.windows(2).all(|w| w[1] - w[0] == 400.0), "{times:?}");
    assert_eq!((times.first(), times.len()), (Some(&400.0), 17));
    // The default interval is 5 s.
    let mut tl = timeline("upi-lag", 1);
    tl.advance(Duration::from_ms(12_000)).expect("runs");
    assert_eq!(tl.snapshot_times_ms(), [5_000.0, 10_000.0]);
}

#[test]
fn snapshots_stay_within_the_records_budget() {
    // upi-lag makes 400 records/s: snapshots every 100 ms for 6 s would hold over 70,000
    // records' worth; a budget of 3,000 thins them to a few, still evenly spaced.
    let mut tl = timeline("upi-lag", 1).with_snapshot_interval(Duration::from_ms(100)).with_snapshot_records_max(3_000);
    for _ in 0..60 {
        tl.advance(Duration::from_ms(100)).expect("runs");
        assert!(tl.snapshot_records() <= 3_000, "{} records at {} ms", tl.snapshot_records(), tl.now_ms());
    }
    let times = tl.snapshot_times_ms();
    assert!(!times.is_empty() && times.len() < 8, "{times:?}");
    let interval_ms = tl.snapshot_interval().as_us() as f64 / 1_000.0;
    assert!(interval_ms >= 800.0 && times.iter().all(|t| t % interval_ms == 0.0), "{times:?} every {interval_ms} ms");
    assert!(tl.sim().fates_counts().created > 2_000, "a real run");
    tl.seek(2_345).expect("replays");
    assert_eq!(tl.sim().summary(), straight("upi-lag", 1, &[], ms(2_345)));
}

#[test]
fn seek_to_zero_and_beyond_the_furthest_point() {
    let mut tl = timeline("upi-replication", 9);
    tl.advance(Duration::from_ms(6_000)).expect("runs");
    tl.apply(Command::CrashBroker { broker: 0 }).expect("applies");
    tl.advance(Duration::from_ms(1_000)).expect("runs");
    tl.seek(0).expect("replays");
    assert_eq!(tl.sim().summary(), straight("upi-replication", 9, &[], SimTime::ZERO));
    assert_eq!((tl.now_ms(), tl.furthest_ms()), (0.0, 7_000.0));
    tl.seek(11_000).expect("replays");
    assert_eq!((tl.now_ms(), tl.furthest_ms()), (11_000.0, 11_000.0));
    assert_eq!(tl.sim().summary(), straight("upi-replication", 9, tl.log(), ms(11_000)));
}

#[test]
fn steps_replay_a_command_after_the_events_of_its_instant() {
    // The metrics sampler runs on whole seconds: at 1 s an event and a command share the
    // instant, and the event must go first.
    let log = vec![
        Scheduled { at_ms: 40, command: Command::SetProducerRate { records_per_s: 900 } },
        Scheduled { at_ms: 1_000, command: Command::CrashBroker { broker: 0 } },
        Scheduled { at_ms: 1_000, command: Command::RestartBroker { broker: 0 } },
    ];
    let mut tl = timeline("upi-replication", 4);
    tl.load_log(log).expect("valid");
    let mut events_at_one_second = 0;
    while tl.sim().commands().len() < 3 {
        let pending_before = tl.sim().commands().len();
        let next_event = tl.sim().next_event_time();
        assert!(tl.step().expect("replays"));
        if tl.sim().commands().len() > pending_before {
            // A command goes only when no event of its instant or before is left.
            assert!(next_event.is_none_or(|e| e > tl.sim().now()), "at {:?}", tl.sim().now());
        } else {
            events_at_one_second += u32::from(tl.sim().now() == ms(1_000));
        }
    }
    assert!(events_at_one_second > 0, "an event shared the commands' instant");
    tl.seek(3_000).expect("replays");
    assert_eq!(tl.sim().summary(), straight("upi-replication", 4, tl.log(), ms(3_000)));
}

#[test]
fn a_loaded_log_replays_and_bad_logs_name_the_entry() {
    let entry = |at_ms, command| Scheduled { at_ms, command };
    let rate = |r| Command::SetConsumerRate { records_per_s: r };
    let mut tl = timeline("upi-lag", 2);
    let err = tl.load_log(vec![entry(5, rate(10)), entry(6, rate(10)), entry(4, rate(10))]).expect_err("out of order");
    assert_eq!(err.path, "commands[2].at_ms");
    let err = tl.load_log(vec![entry(5, rate(10)), entry(6, rate(0))]).expect_err("out of range");
    assert_eq!(err.path, "commands[1].records_per_s");
    let too_many = vec![entry(1, rate(10)); dhara_engine::simulation::COMMANDS_MAX + 1];
    assert_eq!(tl.load_log(too_many).expect_err("too long").path, "commands");
    assert!(tl.log().is_empty(), "a refused log loads nothing");

    let log = vec![entry(1_000, rate(100)), entry(2_500, Command::CrashConsumer { consumer: 0 })];
    tl.load_log(log.clone()).expect("valid");
    tl.advance(Duration::from_ms(4_000)).expect("replays");
    assert_eq!(tl.sim().summary(), straight("upi-lag", 2, &log, ms(4_000)));
    assert_eq!(tl.load_log(log).expect_err("not fresh").path, "commands");

    // A command the run refuses when its time comes stops the replay there and goes, with
    // everything after it.
    let mut tl = timeline("upi-lag", 2);
    tl.load_log(vec![entry(1_000, rate(100)), entry(2_000, Command::RestartConsumer { consumer: 0 }), entry(3_000, rate(5))]).expect("valid");
    let refused = tl.advance(Duration::from_ms(4_000)).expect_err("consumer 0 is running");
    assert_eq!((refused.index, tl.now_ms(), tl.log().len()), (1, 2_000.0, 1));
    assert!(refused.to_string().starts_with("commands[1]: "), "{refused}");
}
