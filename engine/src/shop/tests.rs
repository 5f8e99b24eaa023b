//! The shop's pieces on their own: the generator's determinism and statistics against the
//! rates its spec documents, the catalogue's prices, the session accumulator's merging, the
//! rollup's inventory alerts and duplicates, and validation.

use super::*;
use crate::kafka::keys::KeySpace;
use crate::sim::SimTime;
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::stream::{Aggregate, StreamRecord};
use crate::workload::traffic::Spike;
use crate::workload::{Arrival, DomainOutput, Payload};
use std::collections::BTreeMap;

/// Enough shoppers that starts are never skipped: each is busy for a session and a break,
/// about 350 s, and up to ~150 sessions start per second.
fn arrivals(spec: &ShopSpec, seed: u64, rate: u32, until_s: u64) -> Vec<Arrival> {
    let keys = KeySpace::new(100_000, 0.3, 6);
    let mut generator = Generator::new(spec, seed, &keys);
    let (mut now, mut out) = (SimTime::ZERO, Vec::new());
    while now.as_us() < until_s * 1_000_000 {
        let arrival = generator.next(now, rate, &keys);
        assert!(arrival.at > now, "strictly after now");
        now = arrival.at;
        out.push(arrival);
    }
    out
}

fn event(a: &Arrival) -> ShopEvent {
    match a.payload {
        Payload::Shop(e) => e,
        other => panic!("a shop event: {other:?}"),
    }
}

/// A flat day with stock that never runs out: the drop-offs are the spec's own.
fn plain() -> ShopSpec {
    ShopSpec { stock_units: 1_000_000, ..ShopSpec::default() }
}

/// Each shopper's events split where they pause longer than any think time: with breaks
/// longer than that, these are exactly the generator's sessions.
fn sessions(all: &[Arrival], split_us: u64) -> Vec<Vec<(u64, ShopEvent)>> {
    let mut by_shopper: BTreeMap<u32, Vec<(u64, ShopEvent)>> = BTreeMap::new();
    for a in all {
        by_shopper.entry(a.key_id).or_default().push((a.at.as_us(), event(a)));
    }
    let mut out = Vec::new();
    for events in by_shopper.into_values() {
        let mut current: Vec<(u64, ShopEvent)> = Vec::new();
        for e in events {
            if current.last().is_some_and(|l| e.0 - l.0 > split_us) {
                out.push(std::mem::take(&mut current));
            }
            current.push(e);
        }
        out.push(current);
    }
    out
}

#[test]
fn the_generator_is_deterministic_per_seed() {
    let spec = ShopSpec::default();
    let a = arrivals(&spec, 7, 300, 60);
    assert_eq!(a, arrivals(&spec, 7, 300, 60));
    assert_ne!(a, arrivals(&spec, 8, 300, 60));
}

#[test]
fn events_come_at_the_base_rate_in_sessions_that_start_with_a_view() {
    let spec = plain();
    // Skip the first two minutes: sessions ramp up until the first ones end.
    let all = arrivals(&spec, 1, 500, 600);
    let steady = all.iter().filter(|a| a.at.as_us() >= 120_000_000).count() as f64 / 480.0;
    assert!((steady / 500.0 - 1.0).abs() < 0.05, "{steady} events/s for 500");
    for s in sessions(&all, u64::from(spec.think_ms_max) * 1_000) {
        assert_eq!(s[0].1.stage, Stage::View, "a session starts with a view");
    }
}

#[test]
fn drop_offs_views_and_think_times_follow_the_spec() {
    let spec = plain();
    let all = arrivals(&spec, 2, 800, 400);
    // Sessions that started in the first 250 s: all have ended by 400 s (one lasting 150 s
    // would need about 19 clicks). Choosing by end instead would favour short sessions.
    let split = u64::from(spec.think_ms_max) * 1_000;
    let done: Vec<_> = sessions(&all, split).into_iter().filter(|s| s[0].0 < 250_000_000).collect();
    let reached = |stage: Stage| done.iter().filter(|s| s.iter().any(|e| e.1.stage == stage)).count() as f64;
    let n = done.len() as f64;
    assert!(n > 30_000.0, "{n} sessions");
    // Binomial standard errors are below 0.15 points for carts, 1 point for the others.
    let cart = 100.0 * reached(Stage::Cart) / n;
    let checkout = 100.0 * reached(Stage::Checkout) / reached(Stage::Cart);
    let purchase = 100.0 * reached(Stage::Purchase) / reached(Stage::Checkout);
    assert!((cart - 10.0).abs() < 0.6, "cart {cart}%");
    assert!((checkout - 45.0).abs() < 3.0, "checkout {checkout}%");
    assert!((purchase - 65.0).abs() < 3.5, "purchase {purchase}%");
    let view_to_purchase = 100.0 * reached(Stage::Purchase) / n;
    assert!((2.0..4.0).contains(&view_to_purchase), "{view_to_purchase}% of sessions buy");
    let views: f64 = done.iter().map(|s| s.iter().filter(|e| e.1.stage == Stage::View).count() as f64).sum::<f64>() / n;
    assert!((views - spec.views_mean).abs() < 0.1, "{views} views per session");
    let gaps: Vec<u64> = done.iter().flat_map(|s| s.windows(2).map(|w| w[1].0 - w[0].0)).collect();
    let mean_gap_ms = gaps.iter().sum::<u64>() as f64 / gaps.len() as f64 / 1_000.0;
    // Exponential with mean 8 s cut at 40 s: 8 × (1 − e^−5) ≈ 7.95 s.
    assert!((mean_gap_ms - 7_950.0).abs() < 200.0, "{mean_gap_ms} ms between clicks");
    assert!(gaps.iter().all(|&g| (1_000..=split).contains(&g)));
}

#[test]
fn a_shopper_rests_between_sessions() {
    let spec = plain();
    let all = arrivals(&spec, 3, 300, 500);
    let mut last: BTreeMap<u32, u64> = BTreeMap::new();
    let (mut breaks, split, rest) = (0, u64::from(spec.think_ms_max) * 1_000, u64::from(spec.session_break_ms_min) * 1_000);
    for a in &all {
        if let Some(&before) = last.get(&a.key_id) {
            let gap = a.at.as_us() - before;
            assert!(gap <= split || gap >= rest, "a pause of {gap} µs is neither a click nor a break");
            breaks += usize::from(gap > split);
        }
        last.insert(a.key_id, a.at.as_us());
    }
    assert!(breaks > 100, "{breaks} returning shoppers");
}

#[test]
fn prices_are_log_normal_around_each_categorys_median() {
    let catalogue = Catalogue::new(&ShopSpec { products: 5_000, ..ShopSpec::default() });
    for category in CATEGORIES {
        let mut rupees: Vec<f64> = catalogue.products().iter().filter(|p| p.category == category).map(|p| p.price_paise as f64 / 100.0).collect();
        rupees.sort_by(f64::total_cmp);
        let (median, sigma) = category.price_shape();
        let got = rupees[rupees.len() / 2];
        assert!((got / median - 1.0).abs() < 0.2, "{category:?}: median ₹{got}, expected about ₹{median}");
        let logs: Vec<f64> = rupees.iter().map(|r| libm::log(*r)).collect();
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let sd = libm::sqrt(logs.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / logs.len() as f64);
        assert!((sd / sigma - 1.0).abs() < 0.2, "{category:?}: σ {sd}, expected {sigma}");
        let mean_price = rupees.iter().sum::<f64>() / rupees.len() as f64;
        assert!(mean_price > got, "{category:?}: skewed right (mean above median)");
    }
}

#[test]
fn views_favour_each_categorys_popular_products() {
    let all = arrivals(&plain(), 4, 800, 120);
    let catalogue = Catalogue::new(&plain());
    let mut views: BTreeMap<u32, u32> = BTreeMap::new();
    for e in all.iter().map(event).filter(|e| e.stage == Stage::View) {
        *views.entry(e.product).or_default() += 1;
        assert_eq!(e.category, catalogue.product(e.product).category);
    }
    let fashion: Vec<u32> = (0..catalogue.len() as u32).filter(|&p| catalogue.product(p).category == Category::Fashion).collect();
    let (first, second, last) = (views[&fashion[0]], views[&fashion[1]], views.get(fashion.last().expect("products")).copied().unwrap_or(0));
    // Zipf with exponent 1: rank 1 twice rank 2, and far above the last.
    assert!((1.6..2.5).contains(&(f64::from(first) / f64::from(second))), "{first} vs {second}");
    assert!(first > 20 * last.max(1), "{first} vs {last}");
}

#[test]
fn a_flash_sale_sells_out_its_products_and_never_oversells() {
    let spike = Spike { label: "Flash sale".into(), start_ms: 30_000, duration_ms: 120_000, multiplier: 4.0 };
    let spec = ShopSpec { traffic: crate::workload::traffic::TrafficSpec { spikes: vec![spike], ..Default::default() }, ..ShopSpec::default() };
    let all = arrivals(&spec, 5, 200, 240);
    let catalogue = Catalogue::new(&spec);
    let mut sold: BTreeMap<u32, u32> = BTreeMap::new();
    for e in all.iter().map(event).filter(|e| e.stage == Stage::Purchase) {
        *sold.entry(e.product).or_default() += e.quantity;
    }
    for (&product, &units) in &sold {
        assert!(units <= catalogue.product(product).stock, "product {product}: sold {units}");
    }
    let sold_out = catalogue.sale_products().iter().filter(|p| sold.get(p) == Some(&spec.flash_sale.stock_units)).count();
    assert!(sold_out >= catalogue.sale_products().len() / 2, "{sold_out} sale products sold out");
    // Sale prices are discounted while the sale is on.
    let sale = catalogue.sale_products()[0];
    let during = all.iter().filter(|a| (30_000_000..150_000_000).contains(&a.at.as_us())).map(event).find(|e| e.product == sale).expect("a sale view");
    assert_eq!(during.price_paise, catalogue.product(sale).price_paise * 60 / 100);
}

fn record(id: u64, t: i64, stage: Stage, product: u32, quantity: u32) -> StreamRecord {
    let event = ShopEvent { stage, product, category: Category::Home, price_paise: 10_000, quantity };
    StreamRecord { id, key: 1, origin_key: 1, event_time_us: t, value: 0, tag: 0, payload: Payload::Shop(event) }
}

#[test]
fn merging_session_accumulators_is_order_free_and_equals_adding_everything() {
    let records = [
        record(1, 10, Stage::View, 5, 1),
        record(2, 20, Stage::View, 3, 1),
        record(3, 30, Stage::Cart, 3, 2),
        record(4, 40, Stage::Checkout, 3, 2),
        record(5, 50, Stage::Purchase, 3, 2),
        record(6, 60, Stage::View, 5, 1),
    ];
    let mut whole = SessionAcc::default();
    records.iter().for_each(|r| whole.add(r));
    let (mut left, mut right) = (SessionAcc::default(), SessionAcc::default());
    records[..3].iter().for_each(|r| left.add(r));
    records[3..].iter().for_each(|r| right.add(r));
    let mut lr = left.clone();
    lr.merge(&right);
    let mut rl = right.clone();
    rl.merge(&left);
    assert_eq!(lr, whole);
    assert_eq!(rl, whole);
    assert_eq!((whole.stage_counts, whole.viewed.clone(), whole.revenue_paise), ([3, 1, 1, 1], vec![3, 5], 20_000));
    assert_eq!((whole.first_event_us, whole.last_event_us), (Some(10), Some(60)));
    let summary = SessionSummary::of(&whole);
    assert_eq!((summary.furthest, summary.cart_abandoned), (Stage::Purchase, false));
    assert!(SessionSummary::of(&left).cart_abandoned, "carted, not (yet) bought");
}

#[test]
fn session_lists_keep_the_lowest_products_whatever_the_merge_order() {
    let (mut a, mut b) = (SessionAcc::default(), SessionAcc::default());
    for p in 0..SESSION_PRODUCTS_MAX as u32 {
        a.add(&record(u64::from(p), 0, Stage::View, 2 * p + 1, 1));
        b.add(&record(u64::from(p), 0, Stage::View, 2 * p, 1));
    }
    let mut ab = a.clone();
    ab.merge(&b);
    b.merge(&a);
    assert_eq!(ab, b);
    assert_eq!(ab.viewed, (0..SESSION_PRODUCTS_MAX as u32).collect::<Vec<_>>());
    assert_eq!(ab.stage_counts[0], 2 * SESSION_PRODUCTS_MAX as u32, "counts are not bounded");
}

fn session_output(key: u64, end_us: i64, purchased: Vec<Line>) -> Output {
    let stage_counts = [1, 1, 1, u32::from(!purchased.is_empty())];
    let summary = SessionSummary {
        furthest: if purchased.is_empty() { Stage::Checkout } else { Stage::Purchase },
        stage_counts,
        viewed: purchased.iter().map(|l| l.product).collect(),
        added: purchased.iter().map(|l| l.product).collect(),
        revenue_paise: purchased.iter().map(|l| l.paise).sum(),
        cart_abandoned: purchased.is_empty(),
        purchased,
        first_event_us: 0,
        last_event_us: end_us - 1,
    };
    Output { id: OutputId { key, start_us: 0, end_us, pane: 0 }, value: OutputValue::Domain(DomainOutput::Funnel(Box::new(summary))), emitted_at_us: 0 }
}

#[test]
fn inventory_alerts_fire_when_stock_crosses_the_threshold_and_at_zero() {
    let spec = ShopSpec::default();
    let mut analytics = Analytics::new(&spec);
    let product = Catalogue::new(&spec).sale_products()[0];
    // 60 units, threshold 10: 45 sold (15 left), 6 more (9: low), 20 more (0: sold out, never negative).
    for (key, quantity) in [(1, 45), (2, 6), (3, 20)] {
        let line = Line { product, quantity, paise: 100 * u64::from(quantity) };
        analytics.on_output(&session_output(key, 1_000_000, vec![line]), SimTime::from_us(key * 1_000_000));
    }
    let view = analytics.view(SimTime::from_us(5_000_000));
    let alerts: Vec<(u32, bool, u64)> = view.inventory_alerts.iter().map(|a| (a.units_left, a.sold_out, a.at_ms)).collect();
    assert_eq!(alerts, vec![(9, false, 2_000), (0, true, 3_000)]);
    assert_eq!(analytics.stock()[product as usize], 0);
}

#[test]
fn the_rollup_counts_a_duplicated_session_once() {
    let mut analytics = Analytics::new(&ShopSpec::default());
    let line = Line { product: 3, quantity: 1, paise: 50_000 };
    let bought = session_output(1, 3_600_000_001, vec![line]);
    analytics.on_output(&bought, SimTime::ZERO);
    analytics.on_output(&bought, SimTime::ZERO);
    analytics.on_output(&session_output(2, 10, vec![]), SimTime::ZERO);
    let view = analytics.view(SimTime::ZERO);
    assert_eq!(view.duplicates_ignored, 1);
    assert_eq!((view.funnel.counts.sessions, view.funnel.counts.purchase, view.funnel.counts.abandoned), (2, 1, 1));
    assert_eq!(view.funnel.cart_abandonment_percent, 50.0);
    let hours: Vec<(i64, u64)> = view.hourly.iter().map(|h| (h.hour_start_ms, h.funnel.counts.sessions)).collect();
    assert_eq!(hours, vec![(0, 1), (3_600_000, 1)], "by the hour the session ends in");
    assert_eq!(view.top_purchased[0].product, 3);
}

#[test]
fn the_query_counts_purchases_by_category() {
    let q = query();
    let mut rows = Vec::new();
    for stage in Stage::ALL {
        let e = ShopEvent { stage, product: 1, category: Category::Grocery, price_paise: 1, quantity: 3 };
        (q.rows)(&Payload::Shop(e), &mut rows);
    }
    assert_eq!(rows, vec![(Category::Grocery.index() as u32, 1)]);
    assert_eq!((q.group_name)(0), "mobiles");
    assert_eq!(q.window_ms, 3_600_000);
}

#[test]
fn bad_settings_name_their_field() {
    let spec = ShopSpec { think_ms_max: 10, ..ShopSpec::default() };
    assert_eq!(spec.validate("workload").unwrap_err().path, "workload.think_ms_max");
    let spec = ShopSpec { cart_percent: f64::NAN, ..ShopSpec::default() };
    assert_eq!(spec.validate("workload").unwrap_err().path, "workload.cart_percent");
    let spec = ShopSpec { flash_sale: FlashSaleSpec { discount_percent: 95, ..FlashSaleSpec::default() }, ..ShopSpec::default() };
    assert_eq!(spec.validate("workload").unwrap_err().path, "workload.flash_sale.discount_percent");
    assert_eq!(FunnelSpec { gap_ms: 0 }.validate("stream.operator").unwrap_err().path, "stream.operator.gap_ms");
    assert!(ShopSpec::default().validate("workload").is_ok());
}

fn funnel_summaries(out: &[Output]) -> Vec<(i64, i64, [u32; 4])> {
    out.iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Funnel(s)) => (o.id.start_us, o.id.end_us, s.stage_counts),
            other => panic!("a session: {other:?}"),
        })
        .collect()
}

#[test]
fn the_funnel_merges_sessions_a_late_click_bridges_and_drops_clicks_behind_closed_ones() {
    let mut funnel = Funnel::new(&FunnelSpec { gap_ms: 30_000 });
    let mut out = Vec::new();
    // Two visits 50 s apart (gap 30 s), then a click at 25 s arrives out of order: Beam merges
    // [0, 30 s), [25 s, 55 s) and [50 s, 80 s) into one session [0, 80 s).
    assert!(funnel.on_record(&record(1, 0, Stage::View, 1, 1), 0, &mut out));
    assert!(funnel.on_record(&record(2, 50_000_000, Stage::View, 2, 1), 0, &mut out));
    assert_eq!(funnel.state_keys(), 2);
    assert!(funnel.on_record(&record(3, 25_000_000, Stage::Cart, 2, 1), 0, &mut out));
    assert_eq!(funnel.state_keys(), 1);
    funnel.on_watermark(79_999_998, 0, &mut out);
    assert!(out.is_empty(), "not before the watermark reaches the session's end");
    funnel.on_watermark(80_000_000, 0, &mut out);
    assert_eq!(funnel_summaries(&out), vec![(0, 80_000_000, [2, 1, 0, 0])]);
    // A click whose own window [t, t + gap) is behind the watermark is late: dropped.
    funnel.on_watermark(200_000_000, 0, &mut out);
    assert!(!funnel.on_record(&record(4, 60_000_000, Stage::View, 3, 1), 0, &mut out));
    // One whose window is still ahead of it opens a new session, as in Beam.
    assert!(funnel.on_record(&record(5, 190_000_000, Stage::View, 3, 1), 0, &mut out));
    assert_eq!(funnel.state_keys(), 1);
}
