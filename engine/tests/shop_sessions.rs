//! The shop workload end to end: the funnel job's visible sessions, and the rollup a
//! downstream reader makes of them, against a brute-force sessionization of every click in
//! the topic (same gap, same event time); and the generic purchases-per-category job against
//! the query's ground truth.

mod stream_support;

use dhara_engine::scenario::builtin;
use dhara_engine::shop::{self, Catalogue, FunnelCounts, SessionAcc, SessionSummary, ShopSpec, Stage};
use dhara_engine::stream::job::operator::{Output, OutputValue};
use dhara_engine::workload::{DomainOutput, DomainView, Payload, QueryTruth, WorkloadSpec};
use dhara_engine::{Scenario, Simulation};
use serde_json::Value;
use std::collections::BTreeMap;
use stream_support::{count_pane, final_watermark, outputs, run, topic};

/// A built-in made lighter for debug builds and at-least-once (results visible at once).
fn builtin_scenario(name: &str, edit: impl FnOnce(&mut Value)) -> Scenario {
    let mut j: Value = serde_json::from_str(builtin::find(name).expect("built in").json).expect("JSON");
    j["stream"]["delivery"] = "at_least_once".into();
    edit(&mut j);
    Scenario::from_json(&j.to_string()).unwrap_or_else(|e| panic!("valid scenario: {e}"))
}

/// shop-sessions at 100 clicks/s with the flash sale from 20 s to 80 s.
fn sessions_scenario() -> Scenario {
    builtin_scenario("shop-sessions", |j| {
        j["producer"]["records_per_s"] = 100.into();
        j["workload"]["traffic"]["spikes"][0]["start_ms"] = 20_000.into();
        j["workload"]["traffic"]["spikes"][0]["duration_ms"] = 60_000.into();
    })
}

fn shop_spec(sim: &Simulation) -> ShopSpec {
    match sim.scenario().workload.as_ref().expect("a workload") {
        WorkloadSpec::Shop(spec) => spec.clone(),
        other => panic!("a shop workload: {other:?}"),
    }
}

/// (shopper, start, end) → the session's summary.
type Sessions = BTreeMap<(u64, i64, i64), SessionSummary>;

/// Every click of the topic, grouped per shopper into sessions by event time as Beam does:
/// a click at t opens [t, t + gap), and windows that overlap merge.
fn brute_force_sessions(sim: &Simulation, gap_us: i64) -> Sessions {
    let mut clicks: BTreeMap<u64, Vec<(i64, u64, shop::ShopEvent)>> = BTreeMap::new();
    for logged in topic(sim) {
        let Payload::Shop(event) = logged.record.payload else { panic!("a shop click") };
        clicks.entry(logged.record.key).or_default().push((logged.record.event_time_us, logged.record.id, event));
    }
    let mut sessions = Sessions::new();
    for (shopper, mut events) in clicks {
        events.sort_by_key(|&(t, id, _)| (t, id));
        let mut open: Option<(i64, i64, SessionAcc)> = None;
        for (t, _, event) in events {
            if let Some((start, end, acc)) = open.take_if(|o| t >= o.1) {
                sessions.insert((shopper, start, end), SessionSummary::of(&acc));
            }
            let (start, end, acc) = open.get_or_insert_with(|| (t, t + gap_us, SessionAcc::default()));
            *end = (*end).max(t + gap_us);
            debug_assert!(*start <= t);
            acc.add_event(&event, t);
        }
        if let Some((start, end, acc)) = open {
            sessions.insert((shopper, start, end), SessionSummary::of(&acc));
        }
    }
    sessions
}

fn funnel_outputs(sim: &Simulation) -> Vec<(&Output, &SessionSummary)> {
    outputs(sim)
        .iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Funnel(s)) => (o, &**s),
            other => panic!("a session: {other:?}"),
        })
        .collect()
}

fn shop_view(sim: &Simulation) -> shop::ShopView {
    match sim.snapshot().workload.expect("a workload view").domain {
        DomainView::Shop(view) => view,
        other => panic!("the shop's view: {other:?}"),
    }
}

#[test]
fn every_visible_session_equals_the_brute_force_sessionization() {
    let sim = run(sessions_scenario(), 11, 150);
    let job = sim.job().expect("job");
    assert_eq!(job.late_dropped(), 0, "late-free: click delays stay within the out-of-orderness");
    let expected = brute_force_sessions(&sim, 30_000_000);
    let got = funnel_outputs(&sim);
    let mut ids = BTreeMap::new();
    for (output, summary) in &got {
        let id = (output.id.key, output.id.start_us, output.id.end_us);
        assert_eq!(expected.get(&id), Some(*summary), "session {id:?}");
        assert!(ids.insert(id, ()).is_none(), "session {id:?} emitted twice");
    }
    let watermark = final_watermark(&sim);
    let closed = expected.keys().filter(|k| k.2 <= watermark).count();
    let missing: Vec<_> = expected.keys().filter(|k| k.2 <= watermark && !ids.contains_key(k)).take(3).collect();
    assert!(missing.is_empty(), "closed sessions not emitted: {missing:?}");
    assert!(closed > 1_500 && got.len() >= closed, "{closed} closed, {} emitted", got.len());
}

#[test]
fn the_rollup_equals_brute_force_over_the_visible_sessions() {
    let sim = run(sessions_scenario(), 12, 150);
    let expected = brute_force_sessions(&sim, 30_000_000);
    let catalogue = Catalogue::new(&shop_spec(&sim));
    // The visible sessions, recomputed from the clicks; then the rollup by hand.
    let visible: Vec<((u64, i64, i64), &SessionSummary)> = funnel_outputs(&sim)
        .iter()
        .map(|(o, _)| {
            let id = (o.id.key, o.id.start_us, o.id.end_us);
            (id, expected.get(&id).expect("a brute-force session"))
        })
        .collect();
    let (mut hours, mut viewing, mut units, mut revenue) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for ((_, _, end), s) in &visible {
        hours.entry(end.div_euclid(3_600_000_000) * 3_600_000).or_insert_with(FunnelCounts::default).add(s);
        s.viewed.iter().for_each(|&p| *viewing.entry(p).or_insert(0u64) += 1);
        for line in &s.purchased {
            *units.entry(line.product).or_insert(0u64) += u64::from(line.quantity);
            *revenue.entry(catalogue.product(line.product).category).or_insert(0u64) += line.paise;
        }
    }
    let view = shop_view(&sim);
    let got_hours: BTreeMap<i64, FunnelCounts> = view.hourly.iter().map(|h| (h.hour_start_ms, h.funnel.counts)).collect();
    assert_eq!(got_hours, hours);
    let top = |counts: &BTreeMap<u32, u64>| {
        let mut ranked: Vec<(u32, u64)> = counts.iter().map(|(&p, &c)| (p, c)).collect();
        ranked.sort_by_key(|&(p, c)| (std::cmp::Reverse(c), p));
        ranked.truncate(shop::TOP_PRODUCTS);
        ranked
    };
    assert_eq!(view.top_viewed.iter().map(|r| (r.product, r.count)).collect::<Vec<_>>(), top(&viewing));
    assert_eq!(view.top_purchased.iter().map(|r| (r.product, r.count)).collect::<Vec<_>>(), top(&units));
    for (category, rupees) in &view.revenue_by_category {
        assert_eq!(*rupees, revenue.get(category).copied().unwrap_or(0) / 100, "{category:?}");
    }
    // The headline: about 3% of ordinary sessions buy; the sale lifts carts.
    let funnel = &view.funnel;
    assert!(funnel.counts.sessions > 1_500 && funnel.view_to_purchase_percent > 1.0, "{funnel:?}");
    assert_eq!(view.events_created, sim.summary().produced);
}

#[test]
fn stock_never_goes_negative_and_alerts_fire_when_it_runs_low() {
    let sim = run(sessions_scenario(), 13, 150);
    let spec = shop_spec(&sim);
    let catalogue = Catalogue::new(&spec);
    let mut sold: BTreeMap<u32, u32> = BTreeMap::new();
    for logged in topic(&sim) {
        if let Payload::Shop(e) = logged.record.payload {
            if e.stage == Stage::Purchase {
                *sold.entry(e.product).or_default() += e.quantity;
            }
        }
    }
    for (&product, &units) in &sold {
        assert!(units <= catalogue.product(product).stock, "product {product} oversold: {units}");
    }
    // The analytics' stock is what the visible sessions bought.
    let mut visible: BTreeMap<u32, u32> = BTreeMap::new();
    for (_, s) in funnel_outputs(&sim) {
        s.purchased.iter().for_each(|l| *visible.entry(l.product).or_default() += l.quantity);
    }
    let view = shop_view(&sim);
    let threshold = spec.low_stock_units;
    let mut alerted = 0;
    for (&product, &units) in &visible {
        let left = catalogue.product(product).stock - units;
        let alerts: Vec<_> = view.inventory_alerts.iter().filter(|a| a.product == product).collect();
        assert_eq!(alerts.iter().any(|a| a.sold_out), left == 0, "product {product}: {left} left, alerts {alerts:?}");
        assert_eq!(alerts.iter().any(|a| !a.sold_out), left < threshold && left + units > threshold, "product {product}: {left} left");
        alerted += usize::from(!alerts.is_empty());
    }
    assert!(alerted >= 3, "the flash sale empties sale products: {alerted} alerted");
}

/// (window start, category) → purchases, from the job's visible panes.
fn stream_answer(sim: &Simulation) -> BTreeMap<(i64, u32), i64> {
    outputs(sim).iter().map(|o| ((o.id.start_us, o.id.key as u32), count_pane(o).1 as i64)).collect()
}

/// The truth by the query's rows over every created click, with `window_ms`.
fn truth(sim: &Simulation, window_ms: u32) -> QueryTruth {
    let mut query = shop::query();
    query.window_ms = window_ms;
    let mut truth = QueryTruth::new(query, sim.scenario().stream.as_ref().expect("job").event_time.clone());
    for logged in topic(sim) {
        truth.on_created(logged.record.id, logged.created_us, &logged.record.payload);
    }
    truth
}

fn assert_closed_windows_match(sim: &Simulation, window_ms: u32) -> usize {
    assert_eq!(sim.job().expect("job").late_dropped(), 0);
    let size_us = i64::from(window_ms) * 1_000;
    let watermark = final_watermark(sim);
    let got = stream_answer(sim);
    let truth = truth(sim, window_ms);
    let expected: BTreeMap<(i64, u32), i64> = truth.cells().iter().filter(|(k, _)| k.0 + size_us <= watermark).map(|(&k, &v)| (k, v)).collect();
    let got_closed: BTreeMap<(i64, u32), i64> = got.iter().filter(|(k, _)| k.0 + size_us <= watermark).map(|(&k, &v)| (k, v)).collect();
    assert_eq!(got_closed, expected);
    expected.len()
}

#[test]
fn category_purchases_per_minute_equal_the_truth_for_closed_windows() {
    // The built-in's hour shrunk to a minute on both sides, so windows close in a short run.
    let scenario = builtin_scenario("shop-category-purchases", |j| {
        j["stream"]["operator"]["windowing"]["size_ms"] = 60_000.into();
    });
    let sim = run(scenario, 21, 240);
    let cells = assert_closed_windows_match(&sim, 60_000);
    assert!(cells >= 15, "{cells} closed (minute, category) cells");
}

#[test]
fn category_purchases_per_hour_equal_the_truth_once_the_hour_closes() {
    // The built-in as it is, at 10 clicks/s so an hour and a bit runs quickly in debug.
    let scenario = builtin_scenario("shop-category-purchases", |j| {
        j["producer"]["records_per_s"] = 10.into();
    });
    let sim = run(scenario, 22, 3_630);
    let cells = assert_closed_windows_match(&sim, 3_600_000);
    assert_eq!(cells, 7, "the first hour, every category");
}

#[test]
fn a_shop_run_is_deterministic_and_shows_the_sale_while_it_is_on() {
    let summary = |seed| run(sessions_scenario(), seed, 30).summary();
    let a = summary(5);
    assert_eq!(a, summary(5));
    assert_ne!(a.trace_hash, summary(6).trace_hash);
    let sim = run(sessions_scenario(), 5, 50);
    let view = shop_view(&sim);
    assert_eq!(view.spike.as_deref(), Some("Flash sale: 8 PM deal drop"));
    // 100 clicks/s quadrupled from 20 s. Sessions (not clicks) start 4× as often, so the
    // click rate catches up over about a session's length (~25 s): at 40-50 s, nearly there.
    assert!((300.0..480.0).contains(&view.events_per_s), "{} events/s", view.events_per_s);
}
