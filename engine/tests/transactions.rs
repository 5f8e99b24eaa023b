//! Transactions in whole runs: a read_committed consumer sees a transaction's records only
//! after its COMMIT marker and never those of an aborted one (aborted by command or by
//! transaction.timeout.ms), a read_uncommitted consumer sees everything, markers take
//! offsets, and the last stable offset stalls at an open transaction. Invariants (LSO ≤ HW
//! and the fate ledger's sums among them) are checked after every event in debug builds.

use dhara_engine::scenario::{builtin, Scenario};
use dhara_engine::sim::{Duration, TraceKind};
use dhara_engine::{Command, Simulation};

/// The default scenario with a transactional producer and a fast consumer from the start.
fn scenario(isolation_level: &str, tune: impl FnOnce(&mut serde_json::Value)) -> Scenario {
    let mut json: serde_json::Value = serde_json::from_str(builtin::DEFAULT.json).expect("built-in parses");
    json["producer"]["records_per_s"] = 200.into();
    json["producer"]["transactional_id"] = "upi-payments".into();
    json["consumer"]["records_per_s"] = 100_000.into();
    json["consumer"]["auto_offset_reset"] = "earliest".into();
    json["consumer"]["isolation_level"] = isolation_level.into();
    tune(&mut json);
    Scenario::from_json(&json.to_string()).expect("valid")
}

#[test]
fn committed_transactions_reach_read_committed_consumers_after_their_markers() {
    let mut sim = Simulation::new(scenario("read_committed", |_| {}), 7);
    for _ in 0..40 {
        sim.advance(Duration::from_ms(500));
        for p in sim.snapshot().topic.partitions {
            assert!(p.last_stable_offset <= p.high_watermark);
            let position = p.consumer_position.unwrap_or(0);
            assert!(position <= p.last_stable_offset.max(p.committed_offset), "partition {}: read past the LSO", p.partition);
        }
    }
    let snapshot = sim.snapshot();
    assert!(snapshot.producer.transactions_committed >= 30, "{:?}", snapshot.producer);
    assert_eq!(snapshot.fates.aborted, 0);
    assert!(sim.consumed() > 0 && sim.consumed() <= snapshot.fates.acked);
    // Every transaction left a marker in each partition it wrote to: offsets no record has.
    let appended = sim.trace().since(0).filter(|e| e.kind == TraceKind::Append).count() as u64;
    let markers = sim.trace().since(0).filter(|e| e.kind == TraceKind::TxnMarker).count() as u64;
    let log_end: u64 = snapshot.topic.partitions.iter().map(|p| p.log_end_offset).sum();
    assert!(markers >= snapshot.producer.transactions_committed);
    assert_eq!(log_end, appended + markers, "markers occupy offsets");
}

/// Runs a scenario whose producer aborts transactions; returns (records consumed, fates).
fn run_with_aborts(isolation_level: &str) -> (u64, dhara_engine::kafka::fates::FateCounts) {
    let mut sim = Simulation::new(scenario(isolation_level, |j| j["producer"]["transaction_records_max"] = 400.into()), 3);
    for _ in 0..5 {
        sim.advance(Duration::from_secs(1));
        while sim.snapshot().producer.transaction_state != "in_transaction" {
            sim.advance(Duration::from_ms(10));
        }
        sim.apply(Command::AbortTransaction {}).expect("a transaction is open");
        sim.advance(Duration::from_ms(1_500));
    }
    sim.advance(Duration::from_secs(5));
    (sim.consumed(), sim.fates_counts())
}

#[test]
fn an_aborted_transaction_is_invisible_to_read_committed_and_visible_to_read_uncommitted() {
    let (committed_reads, fates) = run_with_aborts("read_committed");
    assert!(fates.aborted > 100, "{fates:?}");
    assert_eq!(fates.created, fates.in_flight + fates.acked + fates.failed + fates.unconfirmed + fates.aborted);
    assert_eq!(fates.acked_lost, 0);
    assert!(committed_reads <= fates.acked, "read_committed never delivers aborted records: {committed_reads} > {}", fates.acked);
    let (all_reads, fates) = run_with_aborts("read_uncommitted");
    assert!(all_reads > fates.acked, "read_uncommitted delivers aborted records too: {all_reads} vs {fates:?}");
}

#[test]
fn abort_transaction_is_refused_without_a_transactional_producer() {
    let mut sim = Simulation::new(Scenario::from_json(builtin::DEFAULT.json).expect("valid"), 1);
    let err = sim.apply(Command::AbortTransaction {}).expect_err("not transactional");
    assert!(err.message.contains("producer.transactional_id"), "{err}");
}

#[test]
fn a_transaction_open_past_its_timeout_is_aborted_by_the_coordinator() {
    let mut sim = Simulation::new(
        scenario("read_committed", |j| {
            j["producer"]["transaction_records_max"] = 100_000.into();
            j["producer"]["transaction_ms"] = 10_000.into();
            j["producer"]["transaction_timeout_ms"] = 3_000.into();
        }),
        5,
    );
    sim.advance(Duration::from_secs(30));
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.producer.transactions_committed, 0);
    assert!(snapshot.producer.transactions_aborted >= 2, "{:?}", snapshot.producer);
    assert!(snapshot.fates.aborted > 0);
    assert_eq!(sim.consumed(), 0, "nothing committed, nothing read");
}

#[test]
fn the_lso_stalls_at_an_open_transaction_and_read_committed_lag_counts_to_it() {
    let tune = |j: &mut serde_json::Value| {
        j["producer"]["transaction_records_max"] = 100_000.into();
        j["producer"]["transaction_ms"] = 5_000.into();
    };
    let mut sim = Simulation::new(scenario("read_committed", tune), 9);
    sim.advance(Duration::from_secs(4));
    let snapshot = sim.snapshot();
    assert_eq!(snapshot.producer.transaction_state, "in_transaction");
    for p in &snapshot.topic.partitions {
        assert!(p.last_stable_offset < p.high_watermark, "partition {}: the open transaction holds the LSO back", p.partition);
        assert_eq!(p.lag_records, p.last_stable_offset - p.committed_offset.min(p.last_stable_offset));
    }
    // Committed 5 s in: the LSO catches up with the HW once the markers are committed.
    sim.advance(Duration::from_secs(2));
    let caught_up = sim.snapshot().topic.partitions.iter().all(|p| p.last_stable_offset > 0);
    assert!(caught_up);
}
