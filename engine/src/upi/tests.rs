//! Unit tests of the UPI domain: the generator's determinism and statistics, each fraud
//! pattern, the features, and the detector fed straight from the generator (no Kafka), so
//! thousands of payments are judged in well under a second.

use super::features::{ln_rupees, PayerState, Welford};
use super::fraud::score_payer;
use super::population::{self, city_distance_km, haversine_km, Category, Population, CATEGORIES, CITIES};
use super::*;
use crate::kafka::keys::KeySpace;
use crate::scenario::stream::StepSpec;
use crate::sim::SimTime;
use crate::stream::job::chain;
use crate::stream::job::operator::{Output, OutputValue};
use crate::stream::StreamRecord;
use crate::workload::traffic::{Spike, TrafficSpec};
use crate::workload::{DomainOutput, Payload};
use std::collections::{BTreeMap, BTreeSet};

fn payments(spec: &UpiSpec, seed: u64, keys: &KeySpace, rate: u32, secs: u64) -> Vec<(SimTime, Txn)> {
    let mut g = Generator::new(spec, seed, keys);
    let mut now = SimTime::ZERO;
    let mut out = Vec::new();
    while now.as_us() < secs * 1_000_000 {
        let a = g.next(now, rate, keys);
        assert!(a.at > now, "arrivals move forward");
        assert_eq!(a.key_id, match a.payload {
            Payload::Upi(t) => t.payer,
            _ => unreachable!(),
        });
        now = a.at;
        if let Payload::Upi(t) = a.payload {
            out.push((now, t));
        }
    }
    out
}

fn flat_spec() -> UpiSpec {
    UpiSpec { traffic: TrafficSpec { start_hour: 0, diurnal: Some(vec![1.0; 24]), spikes: vec![] }, ..UpiSpec::default() }
}

#[test]
fn the_same_seed_gives_the_same_payments_and_another_seed_others() {
    let keys = KeySpace::new(10_000, 0.0, 6);
    let a = payments(&UpiSpec::default(), 7, &keys, 300, 20);
    let b = payments(&UpiSpec::default(), 7, &keys, 300, 20);
    let c = payments(&UpiSpec::default(), 8, &keys, 300, 20);
    assert_eq!(a, b);
    assert_ne!(a[..100], c[..100]);
}

#[test]
fn ordinary_payments_have_the_stated_mix_amounts_and_failures() {
    let keys = KeySpace::new(50_000, 0.0, 6);
    let all = payments(&flat_spec(), 3, &keys, 1_000, 60);
    let genuine: Vec<&Txn> = all.iter().map(|(_, t)| t).filter(|t| t.label.is_none()).collect();
    let n = genuine.len() as f64;
    assert!((55_000.0..65_000.0).contains(&(all.len() as f64)), "{} payments in 60 s at 1,000/s", all.len());
    for &(category, share, median, _) in &CATEGORIES {
        let mut amounts: Vec<u64> = genuine.iter().filter(|t| t.category == category).map(|t| t.amount_paise).collect();
        let got = amounts.len() as f64 / n * 100.0;
        // Category shares within 1.5 points (the standard error is under 0.3).
        assert!((got - f64::from(share)).abs() < 1.5, "{category:?}: {got:.1}% vs {share}%");
        amounts.sort_unstable();
        let med = amounts[amounts.len() / 2] as f64 / 100.0;
        // Median within 10% of the table's.
        assert!((med / median - 1.0).abs() < 0.10, "{category:?}: median ₹{med} vs ₹{median}");
    }
    let share = |s: Status| all.iter().filter(|(_, t)| t.status == s).count() as f64 / all.len() as f64 * 100.0;
    assert!((share(Status::Declined) - 5.0).abs() < 0.5, "declined {}", share(Status::Declined));
    assert!((share(Status::TechnicalDecline) - 1.0).abs() < 0.25, "technical {}", share(Status::TechnicalDecline));
    assert!((share(Status::Timeout) - 0.5).abs() < 0.2, "timeout {}", share(Status::Timeout));
    // Episodes last up to a minute: the fraud share is measured once they overlap fully.
    // Fraud comes in episodes of up to 12 payments, so its count varies more than a
    // Poisson count would: over about 600 episodes the standard error is about 6%.
    let late: Vec<Txn> = payments(&flat_spec(), 3, &keys, 300, 480).into_iter().filter(|(at, _)| at.as_us() >= 120_000_000).map(|(_, t)| t).collect();
    let fraud = late.iter().filter(|t| t.label.is_some()).count() as f64 / late.len() as f64 * 100.0;
    assert!((1.6..2.4).contains(&fraud), "fraud share {fraud}% (configured 2%)");
    // Cities: every city has payers, Delhi and Mumbai about 12% each.
    let mut per_city = [0u32; CITIES.len()];
    genuine.iter().for_each(|t| per_city[t.city as usize] += 1);
    assert!(per_city.iter().all(|&c| c > 0));
    let delhi = f64::from(per_city[0]) / n * 100.0;
    assert!((10.0..14.0).contains(&delhi), "Delhi {delhi}%");
    // Successful payments' latencies: median about 1.2 s.
    let mut lat: Vec<u32> = all.iter().filter(|(_, t)| t.status == Status::Success).map(|(_, t)| t.latency_ms).collect();
    lat.sort_unstable();
    assert!((1_100..1_300).contains(&lat[lat.len() / 2]), "p50 {}", lat[lat.len() / 2]);
}

#[test]
fn the_day_curve_and_spikes_shape_the_rate() {
    let keys = KeySpace::new(1_000, 0.0, 6);
    let at_hour = |hour: u32| {
        let spec = UpiSpec { traffic: TrafficSpec { start_hour: hour, ..TrafficSpec::default() }, fraud_percent: 0.0, ..UpiSpec::default() };
        payments(&spec, 1, &keys, 1_000, 20).len() as f64
    };
    let (night, evening) = (at_hour(3), at_hour(20));
    let mean = UPI_DAY.iter().sum::<f64>() / 24.0;
    // 3 a.m. runs at UPI_DAY[3]/mean of the base rate, 8 p.m. at UPI_DAY[20]/mean (±10%).
    assert!((night / 20_000.0 / (UPI_DAY[3] / mean) - 1.0).abs() < 0.1, "night {night}");
    assert!((evening / 20_000.0 / (UPI_DAY[20] / mean) - 1.0).abs() < 0.1, "evening {evening}");
    let spike = Spike { label: "Diwali evening".into(), start_ms: 10_000, duration_ms: 10_000, multiplier: 3.0 };
    let spec = UpiSpec { traffic: TrafficSpec { spikes: vec![spike], ..flat_spec().traffic }, fraud_percent: 0.0, ..UpiSpec::default() };
    let all = payments(&spec, 2, &keys, 500, 20);
    let during = all.iter().filter(|(t, _)| t.as_us() >= 10_000_000).count() as f64;
    let ratio = during / (all.len() as f64 - during);
    assert!((2.6..3.4).contains(&ratio), "spike ratio {ratio}");
}

#[test]
fn every_pattern_is_produced_and_labelled_as_its_episode() {
    let keys = KeySpace::new(50_000, 0.0, 6);
    let spec = UpiSpec { fraud_percent: 10.0, ..flat_spec() };
    // Episodes started in the first minute are complete after three.
    let all: Vec<(SimTime, Txn)> = payments(&spec, 5, &keys, 500, 180);
    let population = Population::new(5);
    let of = |p: Pattern| all.iter().filter(move |(at, t)| t.label == Some(p) && at.as_us() < 60_000_000);
    for p in Pattern::ALL {
        assert!(of(p).count() >= 10, "{p:?}: {}", of(p).count());
    }
    // A burst: one payer, many payments within a minute.
    let mut per_payer: BTreeMap<u32, Vec<SimTime>> = BTreeMap::new();
    of(Pattern::Velocity).for_each(|(_, t)| {
        per_payer.entry(t.payer).or_default();
    });
    for (at, t) in all.iter().filter(|(_, t)| t.label == Some(Pattern::Velocity)) {
        if let Some(times) = per_payer.get_mut(&t.payer) {
            times.push(*at);
        }
    }
    assert!(per_payer.values().all(|ts| ts.len() >= 4 && ts.windows(4).any(|w| w[3].as_us() - w[0].as_us() <= 60_000_000)), "{per_payer:?}");
    // A mule: one payee, at least six different payers.
    let mut per_payee: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    of(Pattern::Mule).for_each(|(_, t)| {
        per_payee.entry(t.payee).or_default();
    });
    for (_, t) in all.iter().filter(|(_, t)| t.label == Some(Pattern::Mule)) {
        if let Some(payers) = per_payee.get_mut(&t.payee) {
            payers.insert(t.payer);
        }
    }
    assert!(per_payee.values().all(|payers| payers.len() >= 6), "{per_payee:?}");
    assert!(of(Pattern::AmountSpike).all(|(_, t)| t.amount_paise >= 30_000 * 100));
    assert!(of(Pattern::NewDevice).all(|(_, t)| t.device != population.payer(t.payer).device && t.amount_paise >= 15_000 * 100));
    assert!(of(Pattern::ImpossibleTravel).all(|(_, t)| city_distance_km(t.city, population.payer(t.payer).city) >= 500.0));
    // Test then large: a payment of at most ₹10, then ₹20,000 or more to the same payee
    // within a minute.
    for (at, test) in of(Pattern::TestThenLarge).filter(|(_, t)| t.amount_paise <= 1_000) {
        let large = all.iter().find(|(later, t)| t.label == Some(Pattern::TestThenLarge) && t.payer == test.payer && t.payee == test.payee && t.amount_paise >= 20_000 * 100 && *later > *at);
        assert!(large.is_some_and(|(later, _)| later.as_us() - at.as_us() <= 60_000_000), "{test:?}");
    }
    assert!(of(Pattern::TestThenLarge).all(|(_, t)| t.amount_paise <= 1_000 || t.amount_paise >= 20_000 * 100));
}

#[test]
fn haversine_gives_known_distances() {
    let (delhi, mumbai) = (CITIES[0], CITIES[1]);
    let km = haversine_km(delhi.1, delhi.2, mumbai.1, mumbai.2);
    assert!((1_130.0..1_170.0).contains(&km), "Delhi–Mumbai {km} km");
    assert_eq!(haversine_km(12.0, 77.0, 12.0, 77.0), 0.0);
    // Bengaluru–Chennai is about 290 km as the crow flies.
    assert!((270.0..310.0).contains(&city_distance_km(2, 4)));
}

#[test]
fn welford_matches_the_two_pass_mean_and_variance_and_scores_outliers() {
    let xs = [3.0, 5.5, 4.2, 6.1, 4.8, 5.0, 4.4];
    let mut w = Welford::empty();
    xs.iter().for_each(|&x| w.add(x));
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / xs.len() as f64;
    assert!((w.mean - mean).abs() < 1e-12 && (w.variance() - var).abs() < 1e-12);
    assert!((w.z(mean + 2.0 * libm::sqrt(var)) - 2.0).abs() < 1e-9);
    // A payer who pays about ₹300: ₹50,000 is far above, ₹500 is not.
    let mut payer = PayerState::new();
    let base = Txn { amount_paise: 30_000, ..Txn::default() };
    for i in 0..10 {
        payer.add(i, &Txn { amount_paise: 25_000 + i * 1_000, ..base }, i as i64 * 1_000_000_000, false);
    }
    assert!(payer.amounts.z(ln_rupees(5_000_000)) > 4.0);
    assert!(payer.amounts.z(ln_rupees(50_000)) < 1.5);
}

#[test]
fn velocity_counts_the_last_minute_and_scores_a_burst() {
    let mut payer = PayerState::new();
    let txn = Txn { amount_paise: 300_000, device: 9, payee: 1, ..Txn::default() };
    // Four payments 10 s apart, then one 2 minutes later: only the recent ones count.
    for i in 0..4 {
        payer.add(i, &txn, i as i64 * 10_000_000, false);
    }
    assert_eq!(payer.features(&txn, 35_000_000).velocity, 5);
    assert_eq!(payer.features(&txn, 150_000_000).velocity, 1);
    let (score, reasons) = score_payer(&payer.features(&txn, 35_000_000));
    assert!(score >= 0.6 && reasons == vec![Reason::Velocity], "{score} {reasons:?}");
    let (calm, none) = score_payer(&payer.features(&txn, 150_000_000));
    assert!(calm < 0.1 && none.is_empty(), "{calm}");
}

/// What the detector decided, fed straight from the generator: each payment keyed by payer
/// and by payee through the real `also_key_by` step, event time = creation time.
struct Judged {
    /// Record id → its label and creation time (µs).
    labels: BTreeMap<u64, (Option<Pattern>, u64)>,
    /// Alerts in emission order.
    alerts: Vec<Output>,
}

fn judge(seed: u64, secs: u64, rate: u32, scrub_labels: bool) -> Judged {
    let keys = KeySpace::new(200_000, 0.0, 6);
    let spec = UpiSpec::default();
    let mut g = Generator::new(&spec, seed, &keys);
    let mut detector = FraudDetector::new(&FraudSpec::default());
    let steps = [StepSpec::AlsoKeyBy { field: crate::workload::Field::Payee }];
    let (mut now, mut id) = (SimTime::ZERO, 0u64);
    let mut judged = Judged { labels: BTreeMap::new(), alerts: Vec::new() };
    while now.as_us() < secs * 1_000_000 {
        let a = g.next(now, rate, &keys);
        now = a.at;
        let Payload::Upi(mut txn) = a.payload else { unreachable!() };
        judged.labels.insert(id, (txn.label, now.as_us()));
        if scrub_labels {
            txn.label = None;
        }
        let record = StreamRecord { id, key: u64::from(a.key_id), origin_key: u64::from(a.key_id), event_time_us: now.as_us() as i64, value: 0, tag: 0, payload: Payload::Upi(txn) };
        let mut copies = Vec::new();
        chain::run(&steps, record, &mut copies);
        for copy in &copies {
            detector.on_record(copy, now.as_us(), &mut judged.alerts);
        }
        id += 1;
    }
    judged
}

fn alerted_ids(alerts: &[Output]) -> BTreeSet<u64> {
    alerts
        .iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Fraud(a)) => a.record_id,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn the_detector_catches_each_pattern_with_few_false_alarms() {
    let judged = judge(1, 120, 400, false);
    let flagged = alerted_ids(&judged.alerts);
    // Recall over fraud created at least a minute before the end: later episodes may not
    // have shown their pattern yet.
    let fraud: BTreeSet<u64> = judged.labels.iter().filter(|(_, l)| l.0.is_some() && l.1 <= 60_000_000).map(|(&id, _)| id).collect();
    let all_fraud: BTreeSet<u64> = judged.labels.iter().filter(|(_, l)| l.0.is_some()).map(|(&id, _)| id).collect();
    let tp = flagged.intersection(&fraud).count() as f64;
    let precision = flagged.intersection(&all_fraud).count() as f64 / flagged.len() as f64;
    let mut fp_reasons: BTreeMap<String, u32> = BTreeMap::new();
    for o in &judged.alerts {
        if let OutputValue::Domain(DomainOutput::Fraud(a)) = &o.value {
            if !all_fraud.contains(&a.record_id) {
                *fp_reasons.entry(format!("{:?} retro={}", a.reasons, a.retroactive)).or_default() += 1;
            }
        }
    }
    println!("false alarms: {fp_reasons:?}");
    let recall = tp / fraud.len() as f64;
    println!("direct: {} payments, {} fraud, {} alerted: precision {precision:.3}, recall {recall:.3}", judged.labels.len(), fraud.len(), flagged.len());
    for p in Pattern::ALL {
        let of: Vec<u64> = fraud.iter().copied().filter(|id| judged.labels[id].0 == Some(p)).collect();
        let caught = of.iter().filter(|id| flagged.contains(id)).count();
        println!("  {:<18} {caught}/{} caught", p.name(), of.len());
        // Some short bursts and modest spikes are built to evade the rules.
        assert!(caught as f64 >= 0.7 * of.len() as f64, "{p:?}: {caught} of {}", of.len());
    }
    assert!(precision >= 0.9 && recall >= 0.9, "precision {precision}, recall {recall}");
}

#[test]
fn scrubbing_the_labels_changes_no_decision() {
    let with = judge(2, 30, 400, false);
    let without = judge(2, 30, 400, true);
    assert!(!with.alerts.is_empty());
    assert_eq!(with.alerts, without.alerts);
}

#[test]
fn the_query_counts_successful_payments_per_bank_in_rupees() {
    let mut rows = Vec::new();
    let ok = Txn { bank: 3, amount_paise: 123_456, ..Txn::default() };
    (query().rows)(&Payload::Upi(ok), &mut rows);
    (query().rows)(&Payload::Upi(Txn { status: Status::Declined, ..ok }), &mut rows);
    assert_eq!(rows, vec![(3, 1_234)]);
    assert_eq!((query().group_name)(0), "State Bank of India");
    assert_eq!(field(&ok, crate::workload::Field::AmountRupees), Some(1_234));
    assert_eq!(field(&ok, crate::workload::Field::Status), Some(0));
    assert_eq!(Category::P2p.index(), 0);
    assert_eq!(population::payee_vpa(42), crate::kafka::keys::vpa(42));
    let grocer = population::payee_vpa(population::MERCHANT_BASE + 100_000 + 7);
    assert!(grocer.starts_with("grocery.q7@"), "{grocer}");
}

#[test]
fn bad_settings_name_their_path() {
    let spec = UpiSpec { fraud_percent: 50.0, ..UpiSpec::default() };
    let err = spec.validate("workload").unwrap_err();
    assert_eq!(err.path, "workload.fraud_percent");
    assert!(err.message.contains("50"), "{err}");
    let err = UpiSpec { timeout_percent: f64::NAN, ..UpiSpec::default() }.validate("workload").unwrap_err();
    assert_eq!(err.path, "workload.timeout_percent");
    let err = FraudSpec { threshold: 1.5, ..FraudSpec::default() }.validate("stream.operator").unwrap_err();
    assert_eq!(err.path, "stream.operator.threshold");
    assert!(UpiSpec::default().validate("workload").is_ok() && FraudSpec::default().validate("x").is_ok());
}

#[test]
fn state_is_bounded_by_ttl_and_key_limit() {
    let mut detector = FraudDetector::new(&FraudSpec { state_keys_max: 1_000, ..FraudSpec::default() });
    let mut out = Vec::new();
    for i in 0..5_000u64 {
        let txn = Txn { payer: i as u32, payee: 7, amount_paise: 10_000, category: Category::Grocery, ..Txn::default() };
        let record = StreamRecord { id: i, key: i, origin_key: i, event_time_us: i as i64 * 1_000, value: 0, tag: 0, payload: Payload::Upi(txn) };
        detector.on_record(&record, 0, &mut out);
        assert!(detector.state_keys() <= 1_000);
        assert_eq!(detector.state_bytes(), detector.state_bytes_walked(), "after payment {i}");
    }
    assert!(detector.state_bytes() > 0);
    // Thirty minutes and more of silence: everything expires.
    detector.on_watermark(4_000_000_000, 0, &mut out);
    assert_eq!(detector.state_keys(), 0);
    assert_eq!(detector.state_bytes(), 0);
    assert!(out.is_empty());
}

/// A checkpoint copies the detector and shares each key's state with it until the key next
/// changes: the copy must not see later payments, the kept size must match a walk of every
/// key, and the copy restored must judge the later payments exactly as the original did.
#[test]
fn a_checkpoint_copy_is_unmoved_by_later_payments() {
    let keys = KeySpace::new(5_000, 0.0, 6);
    let mut g = Generator::new(&UpiSpec::default(), 3, &keys);
    let steps = [StepSpec::AlsoKeyBy { field: crate::workload::Field::Payee }];
    let mut detector = FraudDetector::new(&FraudSpec::default());
    let mut now = SimTime::ZERO;
    let (mut checkpoint, mut later, mut outputs) = (None, Vec::new(), Vec::new());
    for id in 0..40_000u64 {
        let a = g.next(now, 2_000, &keys);
        now = a.at;
        let record = StreamRecord { id, key: u64::from(a.key_id), origin_key: u64::from(a.key_id), event_time_us: now.as_us() as i64, value: 0, tag: 0, payload: a.payload };
        let mut copies = Vec::new();
        chain::run(&steps, record, &mut copies);
        if id == 20_000 {
            let copy = detector.clone();
            checkpoint = Some((format!("{copy:?}"), copy));
        }
        for copy in copies {
            let mut out = Vec::new();
            detector.on_record(&copy, 0, &mut out);
            if checkpoint.is_some() {
                outputs.extend(out);
                later.push(copy);
            }
        }
        if id % 5_000 == 0 {
            detector.on_watermark(now.as_us() as i64, 0, &mut Vec::new());
        }
        if id % 500 == 0 {
            assert_eq!(detector.state_bytes(), detector.state_bytes_walked(), "after payment {id}");
        }
    }
    let (before, mut copy) = checkpoint.expect("taken");
    assert_eq!(format!("{copy:?}"), before, "the checkpoint's copy moved with later payments");
    assert!(copy.state_keys() > 1_000 && copy.state_bytes() == copy.state_bytes_walked());
    let mut replayed = Vec::new();
    for record in &later {
        copy.on_record(record, 0, &mut replayed);
    }
    assert!(!outputs.is_empty(), "the later payments raised alerts");
    assert_eq!(replayed, outputs);
}

#[test]
fn a_payer_remembers_their_last_four_phones_and_fan_in_counts_distinct_payers() {
    let mut devices = super::features::Devices::default();
    assert!(devices.is_empty());
    for phone in [7, 8, 9, 10, 11, 12] {
        devices.remember(phone);
    }
    assert_eq!(devices.len(), 4);
    assert!([9, 10, 11, 12].iter().all(|p| devices.contains(p)), "{devices:?}");
    assert!(![7, 8].iter().any(|p| devices.contains(p)), "the oldest are forgotten: {devices:?}");

    let mut payee = super::features::PayeeState::default();
    let p2p = |payer| Txn { payer, payee: 1, amount_paise: 500, category: Category::P2p, ..Txn::default() };
    // 40 payments (more than the state keeps) from payers 0..5, the last within the window.
    for (i, payer) in (0..40u32).map(|i| (i, i % 5)) {
        payee.add(u64::from(i), &p2p(payer), i64::from(i) * 1_000_000, false);
    }
    assert_eq!(payee.fan_in(3, 40_000_000), 5, "the five payers, 3 among them");
    assert_eq!(payee.fan_in(99, 40_000_000), 6, "a sixth payer");
    assert_eq!(payee.fan_in(99, 40_000_000 + super::features::FAN_IN_WINDOW_US + 40_000_000), 1, "all outside the window");
}

/// A payer's and a payee's state are copied on their first change after each checkpoint,
/// hundreds of thousands of them at real scale: their first recent payments sit inside the
/// state (one allocation per copy, not two), in 24-byte entries that keep everything the
/// detector reads.
#[test]
fn recent_payments_sit_inline_in_compact_entries() {
    use super::features::{Inbound, PayeeState, Recent, PAYER_RECENT_INLINE};
    use crate::sim::small_deque::SmallDeque;
    assert_eq!((std::mem::size_of::<Recent>(), std::mem::size_of::<Inbound>()), (24, 24));
    assert!(std::mem::size_of::<PayerState>() <= 136, "{} bytes", std::mem::size_of::<PayerState>());
    assert!(std::mem::size_of::<PayeeState>() <= 48, "{} bytes", std::mem::size_of::<PayeeState>());
    let limit = super::population::AMOUNT_MAX_PAISE;
    let mut r = Recent::new((1 << 61) - 1, -5, 7, limit, true, false);
    assert_eq!((r.id(), r.event_us, r.payee, r.amount_paise(), r.transfer(), r.flagged()), ((1 << 61) - 1, -5, 7, limit, true, false));
    r.flag();
    assert!(r.flagged() && r.transfer() && r.id() == (1 << 61) - 1);
    let mut i = Inbound::new(42, 9, 3, 1, false);
    i.flag();
    assert_eq!((i.id(), i.payer, i.amount_paise(), i.flagged()), (42, 3, 1, true));
    // The state keeps the last 16 payments, oldest first, as the deque it replaced did.
    let mut payer = PayerState::new();
    for id in 0..20 {
        payer.add(id, &Txn { amount_paise: 100 + id, ..Txn::default() }, id as i64, false);
        let inline = matches!(payer.recent, SmallDeque::Inline { .. });
        assert_eq!(inline, id < PAYER_RECENT_INLINE as u64, "after payment {id}");
    }
    let ids: Vec<u64> = payer.recent.iter().map(Recent::id).collect();
    assert_eq!(ids, (4..20).collect::<Vec<u64>>());
}
