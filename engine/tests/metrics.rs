//! The operator's dashboard numbers, measured on whole runs: lag in records and in time,
//! time to drain, end-to-end latency, ISR health, errors and rebalances.

use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::{Command, Simulation};

fn values(sim: &Simulation, name: &str) -> Vec<f64> {
    sim.series(name).unwrap_or_else(|| panic!("series {name}")).points().map(|(_, v)| v).collect()
}

fn last(sim: &Simulation, name: &str) -> f64 {
    *values(sim, name).last().unwrap_or_else(|| panic!("{name} has points"))
}

#[test]
fn a_falling_behind_consumer_shows_growing_time_lag_and_no_drain_time() {
    let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 1);
    sim.advance(Duration::from_secs(60));
    let lag_ms = values(&sim, "lag_ms");
    let oldest_per_partition = (0..6).map(|p| last(&sim, &format!("lag_ms.p{p}"))).fold(0.0, f64::max);
    assert_eq!(oldest_per_partition, last(&sim, "lag_ms"), "the topic's time lag is its worst partition's");
    assert!(lag_ms[55] > lag_ms[20] + 5_000.0, "the oldest unconsumed record ages: {lag_ms:?}");
    assert_eq!(last(&sim, "time_to_drain_s"), -1.0, "the backlog is not shrinking");
    assert!(last(&sim, "latency_p99_ms") >= last(&sim, "latency_p50_ms"));
    assert!(last(&sim, "latency_p50_ms") > 1_000.0, "records wait in the backlog");
    sim.apply(Command::SetConsumerRate { records_per_s: 800 }).expect("valid");
    sim.advance(Duration::from_secs(10));
    let drain = last(&sim, "time_to_drain_s");
    assert!(drain > 0.0, "now it drains, in {drain} s");
}

#[test]
fn a_consumer_with_headroom_has_low_latency() {
    let mut sim = Simulation::new(builtin::load("upi-steady").expect("loads"), 1);
    sim.advance(Duration::from_secs(30));
    let p50 = last(&sim, "latency_p50_ms");
    assert!((10.0..1_000.0).contains(&p50), "p50 {p50} ms: a few network hops and a batch");
    assert!(last(&sim, "lag_ms") < 2_000.0);
    assert_eq!(values(&sim, "rebalancing")[10..], vec![0.0; 20][..], "stable after the first join");
    assert_eq!(last(&sim, "rebalances"), 1.0);
}

#[test]
fn a_broker_crash_shows_in_isr_errors_and_under_replication() {
    let mut sim = Simulation::new(builtin::load("upi-replication").expect("loads"), 2);
    sim.advance(Duration::from_secs(10));
    assert_eq!(last(&sim, "isr_min"), 3.0);
    sim.apply(Command::CrashBroker { broker: 1 }).expect("crash");
    sim.advance(Duration::from_secs(10));
    assert_eq!(last(&sim, "isr_min"), 2.0);
    assert!(last(&sim, "under_replicated") >= 4.0);
    assert!(values(&sim, "produce_errors_per_s").iter().any(|&e| e > 0.0), "requests to the dead leader timed out");
    sim.apply(Command::RestartBroker { broker: 1 }).expect("restart");
    sim.advance(Duration::from_secs(20));
    assert_eq!((last(&sim, "isr_min"), last(&sim, "under_replicated")), (3.0, 0.0));
}

#[test]
fn a_narrow_link_adds_transmission_time_to_latency() {
    let p50_with = |bandwidth_mbps: u32| {
        let mut scenario = builtin::load("upi-steady").expect("loads");
        scenario.network.bandwidth_mbps = bandwidth_mbps;
        let mut sim = Simulation::new(scenario, 3);
        sim.advance(Duration::from_secs(20));
        last(&sim, "latency_p50_ms")
    };
    // 400 records/s of ~350 bytes is ~1.1 Mbit/s; a 2 Mbit/s link is over half busy.
    let (unlimited, narrow) = (p50_with(0), p50_with(2));
    assert!(narrow > unlimited + 5.0, "narrow {narrow} ms vs unlimited {unlimited} ms");
}

#[test]
fn a_workload_samples_its_own_series_and_only_its_own() {
    let mut upi = Simulation::new(builtin::load("upi-fraud").expect("loads"), 1);
    upi.advance(Duration::from_secs(60));
    let view = serde_json::to_value(upi.snapshot().workload.expect("a workload")).expect("serializes");
    let tps = values(&upi, "upi_tps");
    assert!(tps.len() >= 59, "one point a second: {}", tps.len());
    assert_eq!(last(&upi, "upi_tps"), view["domain"]["tps"].as_f64().expect("tps"), "the series is the panel's number");
    assert!(tps[30..].iter().all(|&t| (100.0..2_000.0).contains(&t)), "about 200 payments/s through the day curve and spikes: {tps:?}");
    let precision = values(&upi, "upi_precision");
    assert!(!precision.is_empty() && precision.iter().all(|p| (0.0..=1.0).contains(p)), "{precision:?}");
    assert!(values(&upi, "upi_recall").len() < tps.len(), "no recall point before any fraud has settled");
    assert!(values(&upi, "shop_events_per_s").is_empty() && values(&upi, "social_posts_per_s").is_empty());
    let mut shop = Simulation::new(builtin::load("shop-sessions").expect("loads"), 1);
    shop.advance(Duration::from_secs(90));
    assert!(last(&shop, "shop_events_per_s") > 100.0);
    assert!((0.0..=100.0).contains(&last(&shop, "shop_conversion_percent")));
    assert!(values(&shop, "upi_tps").is_empty());
    let mut plain = Simulation::new(builtin::load("upi-lag").expect("loads"), 1);
    plain.advance(Duration::from_secs(5));
    assert!(values(&plain, "upi_tps").is_empty(), "no workload, no workload series");
}
