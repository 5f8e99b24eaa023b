//! What the shop's analysts see: a downstream reader of the funnel job's sessions topic
//! (read_committed, so it sees exactly the job's visible results) rolls closed sessions up
//! into the conversion funnel per hour, product rankings, revenue per category, the cart
//! abandonment rate and inventory alerts. In a real pipeline this rollup would be its own
//! consumer behind another Kafka hop; here it reads the sink directly.

use super::catalog::{Catalogue, Category, CATEGORIES};
use super::funnel::SessionSummary;
use super::generator::Stage;
use super::spec::ShopSpec;
use crate::sim::sort::sort_by_key;
use crate::sim::SimTime;
use crate::workload::rate::Rate;
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::stream::EventTimeUs;
use crate::workload::traffic::{Traffic, TrafficSpec};
use crate::workload::{DomainOutput, Payload, Query};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

const HOUR_US: i64 = 3_600_000_000;
/// Hours of funnel kept (the oldest go first).
pub const HOURS_MAX: usize = 48;
/// Session ids remembered to ignore a duplicate (a result written again after a restore).
pub const SEEN_MAX: usize = 200_000;
/// Inventory alerts kept for the page.
pub const ALERTS_MAX: usize = 20;
/// Products listed in each ranking.
pub const TOP_PRODUCTS: usize = 5;
/// The events/s figure is over this many of the latest whole seconds.
const RATE_SECONDS: u64 = 10;

/// Sessions reaching each stage (a session that bought also viewed, carted, checked out).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FunnelCounts {
    pub sessions: u64,
    pub cart: u64,
    pub checkout: u64,
    pub purchase: u64,
    /// Carted and bought nothing.
    pub abandoned: u64,
    pub revenue_paise: u64,
}

impl FunnelCounts {
    pub fn add(&mut self, s: &SessionSummary) {
        let reached = |stage: Stage| u64::from(s.furthest >= stage);
        self.sessions += 1;
        self.cart += reached(Stage::Cart);
        self.checkout += reached(Stage::Checkout);
        self.purchase += reached(Stage::Purchase);
        self.abandoned += u64::from(s.cart_abandoned);
        self.revenue_paise += s.revenue_paise;
    }
}

/// The funnel as rates, in percent of the previous stage (and of all sessions for the last).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FunnelView {
    pub counts: FunnelCounts,
    pub view_to_cart_percent: f64,
    pub cart_to_checkout_percent: f64,
    pub checkout_to_purchase_percent: f64,
    pub view_to_purchase_percent: f64,
    pub cart_abandonment_percent: f64,
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

impl FunnelView {
    pub fn of(counts: FunnelCounts) -> FunnelView {
        FunnelView {
            counts,
            view_to_cart_percent: percent(counts.cart, counts.sessions),
            cart_to_checkout_percent: percent(counts.checkout, counts.cart),
            checkout_to_purchase_percent: percent(counts.purchase, counts.checkout),
            view_to_purchase_percent: percent(counts.purchase, counts.sessions),
            cart_abandonment_percent: percent(counts.abandoned, counts.cart),
        }
    }
}

/// One hour of sessions, by the hour their session window ends in (event time).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HourFunnel {
    pub hour_start_ms: i64,
    pub funnel: FunnelView,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProductRow {
    pub product: u32,
    pub name: String,
    pub category: Category,
    /// Sessions that viewed it, or units sold.
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InventoryAlert {
    /// When the analytics learnt of it (simulated ms).
    pub at_ms: u64,
    pub product: u32,
    pub name: String,
    pub units_left: u32,
    pub sold_out: bool,
}

/// The shop's page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShopView {
    /// All closed sessions so far (boxed: the page's views travel in one enum).
    pub funnel: Box<FunnelView>,
    /// The latest hours, oldest first.
    pub hourly: Vec<HourFunnel>,
    /// Sessions that viewed each product, most first.
    pub top_viewed: Vec<ProductRow>,
    /// Units sold, most first.
    pub top_purchased: Vec<ProductRow>,
    /// Every category with its revenue (₹, whole rupees), largest first.
    pub revenue_by_category: Vec<(Category, u64)>,
    /// Newest last.
    pub inventory_alerts: Vec<InventoryAlert>,
    /// Events the shoppers made per second, over the last 10 s.
    pub events_per_s: f64,
    /// The flash sale (traffic spike) on now, if any.
    pub spike: Option<String>,
    pub events_created: u64,
    /// Session results seen twice (after a restore, at-least-once) and counted once.
    pub duplicates_ignored: u64,
}

#[derive(Clone)]
pub struct Analytics {
    catalogue: Catalogue,
    traffic: Traffic,
    traffic_spec: TrafficSpec,
    low_stock: u32,
    /// Units left as the analytics knows it: the catalogue's stock minus sessions' purchases.
    stock: Vec<u32>,
    seen: BTreeSet<OutputId>,
    seen_order: VecDeque<OutputId>,
    total: FunnelCounts,
    hours: BTreeMap<EventTimeUs, FunnelCounts>,
    sessions_viewing: Vec<u64>,
    units_sold: Vec<u64>,
    revenue: [u64; 7],
    alerts: VecDeque<InventoryAlert>,
    /// Events created per whole second of simulated time, the latest few.
    per_second: Rate,
    created: u64,
    duplicates: u64,
}

impl Analytics {
    pub fn new(spec: &ShopSpec) -> Analytics {
        let catalogue = Catalogue::new(spec);
        let n = catalogue.len();
        Analytics {
            stock: catalogue.products().iter().map(|p| p.stock).collect(),
            catalogue,
            traffic: Traffic::new(&spec.traffic),
            traffic_spec: spec.traffic.clone(),
            low_stock: spec.low_stock_units,
            seen: BTreeSet::new(),
            seen_order: VecDeque::new(),
            total: FunnelCounts::default(),
            hours: BTreeMap::new(),
            sessions_viewing: vec![0; n],
            units_sold: vec![0; n],
            revenue: [0; 7],
            alerts: VecDeque::new(),
            per_second: Rate::new(RATE_SECONDS),
            created: 0,
            duplicates: 0,
        }
    }

    /// The producer created an event: only its count is used (the rate on the page).
    pub fn on_created(&mut self, _record_id: u64, now: SimTime, payload: &Payload) {
        if !matches!(payload, Payload::Shop(_)) {
            return;
        }
        self.created += 1;
        self.per_second.add(now);
    }

    /// A closed session became visible on the sessions topic.
    pub fn on_output(&mut self, output: &Output, now: SimTime) {
        let OutputValue::Domain(DomainOutput::Funnel(session)) = &output.value else { return };
        if !self.seen.insert(output.id) {
            self.duplicates += 1;
            return;
        }
        self.seen_order.push_back(output.id);
        if self.seen_order.len() > SEEN_MAX {
            let oldest = self.seen_order.pop_front().expect("non-empty");
            self.seen.remove(&oldest);
        }
        self.total.add(session);
        let hour = output.id.end_us.div_euclid(HOUR_US) * HOUR_US;
        self.hours.entry(hour).or_default().add(session);
        while self.hours.len() > HOURS_MAX {
            self.hours.pop_first();
        }
        for &p in &session.viewed {
            self.sessions_viewing[p as usize] += 1;
        }
        for line in &session.purchased {
            self.units_sold[line.product as usize] += u64::from(line.quantity);
            self.revenue[self.catalogue.product(line.product).category.index()] += line.paise;
            self.take_stock(line.product, line.quantity, now);
        }
    }

    /// Units leave the stock; an alert when it falls below the threshold or reaches zero.
    fn take_stock(&mut self, product: u32, quantity: u32, now: SimTime) {
        let left = &mut self.stock[product as usize];
        let before = *left;
        *left = left.saturating_sub(quantity);
        let after = *left;
        let crossed_low = before >= self.low_stock && after < self.low_stock;
        let sold_out = before > 0 && after == 0;
        if crossed_low || sold_out {
            let name = self.catalogue.name(product);
            self.alerts.push_back(InventoryAlert { at_ms: now.as_us() / 1_000, product, name, units_left: after, sold_out });
            if self.alerts.len() > ALERTS_MAX {
                self.alerts.pop_front();
            }
        }
    }

    /// Units left per product, as the analytics knows it.
    pub fn stock(&self) -> &[u32] {
        &self.stock
    }

    pub fn view(&self, now: SimTime) -> ShopView {
        let mut revenue: Vec<(Category, u64)> = CATEGORIES.iter().map(|&c| (c, self.revenue[c.index()] / 100)).collect();
        sort_by_key(&mut revenue, |&(c, r)| (std::cmp::Reverse(r), c));
        ShopView {
            funnel: Box::new(FunnelView::of(self.total)),
            hourly: self.hours.iter().map(|(&h, &c)| HourFunnel { hour_start_ms: h / 1_000, funnel: FunnelView::of(c) }).collect(),
            top_viewed: self.top(&self.sessions_viewing),
            top_purchased: self.top(&self.units_sold),
            revenue_by_category: revenue,
            inventory_alerts: self.alerts.iter().cloned().collect(),
            events_per_s: self.per_second.per_s(now),
            spike: self.traffic.spike_at(&self.traffic_spec, now).map(str::to_string),
            events_created: self.created,
            duplicates_ignored: self.duplicates,
        }
    }

    fn top(&self, counts: &[u64]) -> Vec<ProductRow> {
        let mut ranked: Vec<(u64, u32)> = counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(p, &c)| (c, p as u32)).collect();
        sort_by_key(&mut ranked, |&(c, p)| (std::cmp::Reverse(c), p));
        ranked.truncate(TOP_PRODUCTS);
        ranked
            .into_iter()
            .map(|(count, product)| ProductRow { product, name: self.catalogue.name(product), category: self.catalogue.product(product).category, count })
            .collect()
    }

}

/// The workload's query for the architectures lesson: purchases per category per hour,
/// counted as purchase events (one per product line of an order, whatever its quantity).
/// Groups are category ids 0..6 named "mobiles", "electronics", ….
pub fn query() -> Query {
    Query { title: "Purchases (order lines) per category per hour", window_ms: 3_600_000, rows: purchase_rows, group_name: category_name }
}

fn purchase_rows(payload: &Payload, out: &mut Vec<(u32, i64)>) {
    if let Payload::Shop(event) = payload {
        if event.stage == Stage::Purchase {
            out.push((event.category.index() as u32, 1));
        }
    }
}

fn category_name(group: u32) -> String {
    Category::from_index(group as usize).map_or_else(|| format!("category {group}"), |c| c.name().to_string())
}
