//! The UPI scoring's bookkeeping, driven by hand: fraud created, alerts arriving early or
//! late, and more fraud than the scoring remembers. The end-to-end runs are in
//! engine/tests/upi_fraud.rs; these pin down the definitions of precision and recall.

use super::analytics::{Analytics, SETTLE_HORIZON_MS};
use super::fraud::{FraudAlert, Reason, Role};
use super::{Pattern, Txn, UpiSpec, UpiView};
use crate::sim::SimTime;
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::workload::{DomainOutput, Payload};

fn at_ms(ms: u64) -> SimTime {
    SimTime::from_us(ms * 1_000)
}

fn fraud(pattern: Pattern) -> Payload {
    Payload::Upi(Txn { amount_paise: 5_000_000, label: Some(pattern), ..Txn::default() })
}

fn genuine() -> Payload {
    Payload::Upi(Txn { amount_paise: 50_000, ..Txn::default() })
}

fn alert(record_id: u64) -> Output {
    let alert = FraudAlert { record_id, payer: 1, payee: 2, amount_paise: 5_000_000, score: 0.9, reasons: vec![Reason::Velocity], role: Role::Payer, retroactive: false };
    Output { id: OutputId { key: 1, start_us: 0, end_us: 0, pane: 0 }, value: OutputValue::Domain(DomainOutput::Fraud(alert)), emitted_at_us: 0 }
}

fn view(analytics: &Analytics, now_ms: u64) -> UpiView {
    analytics.view(at_ms(now_ms))
}

#[test]
fn an_alert_after_the_fraud_settled_still_counts_as_detected_and_is_reported_late() {
    let mut a = Analytics::new(&UpiSpec::default());
    a.on_created(0, at_ms(0), &fraud(Pattern::Velocity));
    a.on_created(1, at_ms(0), &fraud(Pattern::Mule));
    a.on_created(2, at_ms(0), &genuine());
    // Record 0 is alerted in time, 1.95 s after it was created (median: its bucket's top).
    a.on_output(&alert(0), at_ms(1_950));
    // Both frauds settle; only record 0 has been caught so far.
    let settled = SETTLE_HORIZON_MS + 1;
    a.on_created(3, at_ms(settled), &genuine());
    let v = view(&a, settled);
    assert_eq!((v.recall, v.precision, v.caught_late), (Some(0.5), Some(1.0), 0));
    // Record 1's alert comes 60 s after it was created (a job far behind): caught, late.
    a.on_output(&alert(1), at_ms(60_000));
    let v = view(&a, 60_000);
    assert_eq!(v.recall, Some(1.0), "a late alert is still a detection");
    assert_eq!(v.precision, Some(1.0));
    assert_eq!(v.caught_late, 1);
    assert_eq!((v.alert_delay_p50_ms, v.alert_delay_max_ms), (Some(2_000), Some(60_000)));
    let mule = v.per_pattern.iter().find(|p| p.pattern == "mule").expect("listed");
    assert_eq!((mule.settled, mule.detected), (1, 1));
    // A repeat of the alert (a restore's replay) changes nothing.
    a.on_output(&alert(1), at_ms(61_000));
    assert_eq!((view(&a, 61_000).caught_late, view(&a, 61_000).alerts), (1, 2));
    // A genuine payment alerted is a false alert, late or not.
    a.on_output(&alert(2), at_ms(62_000));
    assert_eq!(view(&a, 62_000).precision, Some(2.0 / 3.0));
}

#[test]
fn before_any_alert_the_delays_are_unknown() {
    let mut a = Analytics::new(&UpiSpec::default());
    a.on_created(0, at_ms(0), &fraud(Pattern::AmountSpike));
    let v = view(&a, 1_000);
    assert_eq!((v.alert_delay_p50_ms, v.alert_delay_max_ms, v.caught_late, v.recall), (None, None, 0, None));
}

#[test]
fn a_burst_of_unsettled_fraud_beyond_the_old_bound_is_neither_forgotten_nor_a_false_alert() {
    // 250,000 fraudulent payments within a second: more than the 200,000 the scoring used
    // to remember in all, all still unsettled when the first is alerted.
    let mut a = Analytics::new(&UpiSpec::default());
    let n = 250_000;
    for id in 0..n {
        a.on_created(id, at_ms(id / 250), &fraud(Pattern::Velocity));
    }
    a.on_output(&alert(0), at_ms(2_000));
    let v = view(&a, 2_000);
    assert_eq!((v.precision, v.unscored_alerts), (Some(1.0), 0), "the oldest fraud was still remembered");
    // All of them settle (an ordinary payment 46 s on): every one is in recall's denominator.
    a.on_created(n, at_ms(SETTLE_HORIZON_MS + 1_001), &genuine());
    let v = view(&a, SETTLE_HORIZON_MS + 1_001);
    let settled: u64 = v.per_pattern.iter().map(|p| p.settled).sum();
    assert_eq!(settled, n);
    assert_eq!(v.recall, Some(1.0 / n as f64));
}

#[test]
fn only_settled_fraud_is_forgotten_and_an_alert_on_it_is_not_called_false() {
    // 210,000 frauds, one every 0.2 ms; after they all settle only the last 200,000 are kept.
    let mut a = Analytics::new(&UpiSpec::default());
    let n: u64 = 210_000;
    for id in 0..n {
        a.on_created(id, SimTime::from_us(id * 200), &fraud(Pattern::NewDevice));
    }
    let later = SETTLE_HORIZON_MS + 60_000;
    a.on_created(n, at_ms(later), &genuine());
    a.on_output(&alert(5), at_ms(later)); // forgotten: cannot be scored
    a.on_output(&alert(209_999), at_ms(later)); // remembered: a late detection
    a.on_output(&alert(n), at_ms(later)); // the genuine payment: a false alert
    let v = view(&a, later);
    assert_eq!((v.alerts, v.unscored_alerts, v.caught_late), (3, 1, 1));
    assert_eq!(v.precision, Some(0.5));
    assert_eq!(v.per_pattern.iter().map(|p| p.settled).sum::<u64>(), n, "forgetting keeps the counts");
}
