//! The UPI built-ins end to end: the fraud job on the default seed catches the injected
//! fraud through Kafka, the job and its exactly-once sink; the bank-totals job's answer
//! equals the generator's ground truth for every closed window; scenarios that misuse the
//! UPI steps are refused with the path named.

mod stream_support;

use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::stream::aggregate::AggregateOutput;
use dhara_engine::stream::job::operator::OutputValue;
use dhara_engine::upi::{self, UpiView};
use dhara_engine::command::Command;
use dhara_engine::workload::{DomainOutput, DomainView, QueryTruth};
use dhara_engine::{Scenario, Simulation};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

fn builtin_json(name: &str) -> Value {
    serde_json::from_str(builtin::find(name).expect("built in").json).expect("JSON")
}

fn upi_view(sim: &Simulation) -> UpiView {
    match sim.snapshot().workload.expect("a workload").domain {
        DomainView::Upi(view) => view,
        other => panic!("a UPI view: {other:?}"),
    }
}

#[test]
fn the_fraud_job_on_the_default_seed_catches_the_fraud_with_few_false_alarms() {
    // The built-in as it ships, seed 1, 75 s: through the salary-day surge and into Diwali.
    let scenario = builtin::load("upi-fraud").expect("valid");
    let mut sim = Simulation::new(scenario, 1);
    sim.advance(Duration::from_secs(75));
    let view = upi_view(&sim);
    let (precision, recall) = (view.precision.expect("alerts"), view.recall.expect("settled fraud"));
    println!("upi-fraud seed 1, 75 s: {} payments, {} alerted, precision {precision:.3}, recall {recall:.3}", view.created, view.alerts);
    for p in &view.per_pattern {
        println!("  {:<18} created {:>4} settled {:>4} detected {:>4} recall {:?}", p.pattern, p.created, p.settled, p.detected, p.recall);
    }
    let settled: u64 = view.per_pattern.iter().map(|p| p.settled).sum();
    assert!(settled >= 100, "enough settled fraud to judge: {settled}");
    assert!(recall >= 0.9 && precision >= 0.8, "precision {precision}, recall {recall}");
    assert!(view.per_pattern.iter().all(|p| p.settled > 0), "every pattern has settled fraud");
    // The switch's vital signs are in the stated ranges.
    assert!((0.90..0.96).contains(&view.success_rate), "success {}", view.success_rate);
    assert!(view.latency_p50_ms > 800 && view.latency_p99_ms > view.latency_p50_ms && view.latency_p99_ms < 10_000);
    assert_eq!(view.spike.as_deref(), Some("Diwali evening"));
    assert!(!view.recent_alerts.is_empty() && view.recent_alerts.iter().all(|a| a.payer_vpa.contains('@') && a.payee_vpa.contains('@') && !a.reasons.is_empty()));
    assert_eq!(sim.job().expect("a job").sink().counts().duplicates, 0, "exactly once: no alert visible twice");
}

#[test]
fn the_bank_totals_job_equals_the_true_answer_for_every_closed_window() {
    // The built-in job with no stragglers, and 10-second windows instead of hours so that
    // windows close within a short run (the query is the same, only its window shrinks).
    let mut j = builtin_json("upi-bank-totals");
    j["stream"]["event_time"]["late_percent"] = 0.0.into();
    j["stream"]["operator"]["windowing"]["size_ms"] = 10_000.into();
    j["stream"]["delivery"] = "at_least_once".into();
    j["producer"]["records_per_s"] = 150.into();
    let scenario = Scenario::from_json(&j.to_string()).expect("valid");
    let mut sim = Simulation::new(scenario, 1);
    sim.job_mut().expect("a job").keep_all_outputs();
    // The truth the page shows at 30 s, built from the producer's Created accounting.
    sim.advance(Duration::from_secs(30));
    let shown_at_30s = sim.workload_truth().expect("a workload").cells().clone();
    let created_by_30s = upi_view(&sim).created;
    sim.advance(Duration::from_secs(10));
    let watermark = stream_support::final_watermark(&sim);
    let mut query = upi::query();
    query.window_ms = 10_000;
    let mut truth = QueryTruth::new(query, sim.scenario().stream.as_ref().expect("job").event_time.clone());
    for logged in stream_support::topic(&sim) {
        truth.on_created(logged.record.id, logged.created_us, &logged.record.payload);
    }
    let mut answer: BTreeMap<(i64, u32), i64> = BTreeMap::new();
    for output in stream_support::outputs(&sim) {
        if let OutputValue::Pane { value: AggregateOutput::Sum { sum }, .. } = &output.value {
            // At-least-once without failures: one on-time pane per window and bank.
            assert!(answer.insert((output.id.start_us, output.id.key as u32), *sum).is_none(), "{output:?}");
        }
    }
    let closed: BTreeMap<(i64, u32), i64> = truth.cells().iter().filter(|(&(start, _), _)| start + 10_000_000 <= watermark).map(|(&k, &v)| (k, v)).collect();
    assert!(closed.len() >= 20, "closed cells: {}", closed.len());
    assert_eq!(answer.iter().filter(|(&(start, _), _)| start + 10_000_000 <= watermark).map(|(&k, &v)| (k, v)).collect::<BTreeMap<_, _>>(), closed);
    // The page's truth is the simulation's own, counted as records are created rather than
    // read back from the topic; its window is the query's hour, open all run, so it is
    // compared whole: with what the topic holds of the records created by 30 s (ids are the
    // producer's count, from 0), which a loss-free run has all appended 10 s later.
    let mut hourly = QueryTruth::new(upi::query(), sim.scenario().stream.as_ref().expect("job").event_time.clone());
    let logged = stream_support::topic(&sim);
    for l in logged.iter().filter(|l| l.record.id < created_by_30s) {
        hourly.on_created(l.record.id, l.created_us, &l.record.payload);
    }
    assert_eq!(logged.iter().filter(|l| l.record.id < created_by_30s).count() as u64, created_by_30s, "loss-free");
    assert!(!shown_at_30s.is_empty());
    assert_eq!(&shown_at_30s, hourly.cells(), "the page's truth is the topic's");
    // Group names are banks.
    assert_eq!((truth.query().group_name)(1), "HDFC Bank");
}

#[test]
fn upi_steps_and_operators_are_refused_outside_a_upi_workload() {
    let mut j = builtin_json("upi-windows");
    j["stream"]["pipeline"] = json!([{ "op": "also_key_by", "field": "payee" }]);
    let err = Scenario::from_json(&j.to_string()).expect_err("no workload");
    assert_eq!(err.path, "stream.pipeline[0].field");
    let mut j = builtin_json("upi-fraud");
    j["workload"]["fraud_percent"] = 50.0.into();
    let err = Scenario::from_json(&j.to_string()).expect_err("too much fraud");
    assert_eq!(err.path, "workload.fraud_percent");
    assert!(err.message.contains("between 0 and 20") && err.message.contains("50"), "{err}");
    let mut j = builtin_json("upi-fraud");
    j["stream"]["operator"]["threshold"] = 2.0.into();
    assert_eq!(Scenario::from_json(&j.to_string()).expect_err("bad threshold").path, "stream.operator.threshold");
}

#[test]
fn real_scale_runs_at_npci_rate() {
    let mut j = builtin_json("upi-bank-totals");
    j["workload"]["scale"] = "real".into();
    let scenario = Scenario::from_json(&j.to_string()).expect("valid");
    let mut sim = Simulation::new(scenario, 3);
    sim.advance(Duration::from_ms(500));
    let created = upi_view(&sim).created as f64;
    // Half a second at 7,523/s times the evening curve (about 1.74 at 7 p.m.): ≈ 6,500.
    let expected = f64::from(upi::REAL_RATE_PER_S) * 0.5 * upi::UPI_DAY[19] / (upi::UPI_DAY.iter().sum::<f64>() / 24.0);
    assert!((created / expected - 1.0).abs() < 0.1, "{created} vs {expected}");
}

/// Real scale sizes the consumers and the fraud tasks for the real rate, as the scenario sized
/// them for its class rate: the whole pipeline keeps up, instead of only the producer.
#[test]
fn at_real_scale_the_pipeline_is_sized_for_the_load_and_keeps_up() {
    let mut j = builtin_json("upi-fraud");
    j["workload"]["scale"] = "real".into();
    let mut sim = Simulation::new(Scenario::from_json(&j.to_string()).expect("valid"), 1);
    sim.advance(Duration::from_secs(6));
    let summary = sim.summary();
    assert!(summary.produced > 50_000, "{}", summary.produced);
    // The class-sized group (3 × 3,000 records/s) would have taken in about half.
    assert!(summary.consumed * 100 >= summary.produced * 95, "consumed {} of {}", summary.consumed, summary.produced);
}

#[test]
fn a_restart_repeats_alerts_at_least_once_but_the_scores_count_each_payment_once() {
    let mut j = builtin_json("upi-fraud");
    j["producer"]["records_per_s"] = 100.into();
    j["stream"]["delivery"] = "at_least_once".into();
    let scenario = Scenario::from_json(&j.to_string()).expect("valid");
    let mut sim = Simulation::new(scenario, 1);
    sim.job_mut().expect("a job").keep_all_outputs();
    sim.advance(Duration::from_secs(33));
    sim.apply(Command::CrashTask { task: 1 }).expect("crash accepted");
    sim.advance(Duration::from_secs(32));
    let duplicates = sim.job().expect("a job").sink().counts().duplicates;
    assert!(duplicates > 0, "the replay after the restore wrote some alerts again");
    let distinct: BTreeSet<u64> = stream_support::outputs(&sim)
        .iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Fraud(alert)) => alert.record_id,
            other => panic!("an alert: {other:?}"),
        })
        .collect();
    let view = upi_view(&sim);
    assert_eq!(view.alerts, distinct.len() as u64, "each alerted payment counted once ({duplicates} duplicates)");
    let (precision, recall) = (view.precision.expect("alerts"), view.recall.expect("settled"));
    assert!(precision >= 0.8 && recall >= 0.9, "precision {precision}, recall {recall}");
}

/// The payments the sink's visible alerts name, with how many alerts were visible.
fn alerted(sim: &Simulation) -> (BTreeSet<u64>, usize) {
    let outputs = stream_support::outputs(sim);
    let ids = outputs
        .iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Fraud(alert)) => alert.record_id,
            other => panic!("an alert: {other:?}"),
        })
        .collect();
    (ids, outputs.len())
}

fn fraud_run(crash_at_s: Option<u64>) -> Simulation {
    let scenario = builtin::load("upi-fraud").expect("valid");
    let mut sim = Simulation::new(scenario, 1);
    sim.job_mut().expect("a job").keep_all_outputs();
    if let Some(at) = crash_at_s {
        sim.advance(Duration::from_secs(at));
        sim.apply(Command::CrashTask { task: 1 }).expect("crash accepted");
    }
    sim.advance(Duration::from_secs(75 - crash_at_s.unwrap_or(0)));
    sim
}

#[test]
fn a_crash_under_exactly_once_loses_and_repeats_no_alert() {
    // The built-in as it ships (exactly-once), a task killed at 30 s, 75 s in all. The
    // restore replays from the checkpoint's offsets and rebuilds the detector's state as it
    // was there, and the aborted transaction's alerts are never seen, so a read_committed
    // reader sees each alert once, and the same alerts as in the run without the crash.
    let crashed = fraud_run(Some(30));
    let calm = fraud_run(None);
    let job = crashed.job().expect("a job");
    assert_eq!(job.attempt(), 1, "the job failed over once and restored its checkpoint");
    let counts = job.sink().counts();
    println!("crash: {counts:?}");
    assert!(counts.aborted > 0, "alerts written before the crash but not committed were thrown away");
    assert_eq!(counts.duplicates, 0, "no alert visible twice");
    let (crashed_ids, crashed_visible) = alerted(&crashed);
    let (calm_ids, _) = alerted(&calm);
    assert_eq!(crashed_visible, crashed_ids.len(), "each visible alert names a different payment");
    println!("alerted: {} with the crash, {} without", crashed_ids.len(), calm_ids.len());
    assert_eq!(crashed_ids, calm_ids, "the same payments alerted as without the crash");
}

#[test]
fn under_backpressure_late_alerts_still_count_in_recall_and_are_reported_late() {
    // Each fraud task scores 150 payments/s instead of 3,000: the job falls far behind and by
    // 120 s most alerts become visible after their payment's 45 s settle horizon. Scored
    // only on alerts that came in time, recall here would be 0.14; the job did catch them.
    let mut j = builtin_json("upi-fraud");
    j["stream"]["operator_records_per_s"] = 150.into();
    let mut sim = Simulation::new(Scenario::from_json(&j.to_string()).expect("valid"), 1);
    sim.advance(Duration::from_secs(120));
    let view = upi_view(&sim);
    let (precision, recall) = (view.precision.expect("alerts"), view.recall.expect("settled fraud"));
    let settled: u64 = view.per_pattern.iter().map(|p| p.settled).sum();
    println!("backpressure: precision {precision:.3} recall {recall:.3} settled {settled} caught late {} delay p50 {:?} max {:?} ms", view.caught_late, view.alert_delay_p50_ms, view.alert_delay_max_ms);
    assert!(view.caught_late * 2 > settled, "most fraud was caught only after it settled: {} of {settled}", view.caught_late);
    assert!(recall >= 0.6 && precision >= 0.8, "precision {precision}, recall {recall}");
    assert!(view.alert_delay_p50_ms.expect("alerted") > view.settle_horizon_ms, "the page can tell the alerts came late");
}
