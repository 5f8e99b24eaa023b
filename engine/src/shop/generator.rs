//! Shoppers visiting the shop. A visit (a session) is a run of one shopper's events a few
//! seconds apart: product views, perhaps add-to-cart, perhaps checkout, perhaps purchase;
//! most visitors leave at each step (the funnel's drop-offs). Sessions start as a Poisson
//! process that follows the traffic curve, so a flash sale brings more visitors, who go for
//! the sale products and empty their stock. (The click rate follows the curve about one
//! session's length behind: a visitor who arrives in a spike keeps clicking after it.) The generator remembers each active session
//! (and when each shopper may start the next), so events of one visit come seconds apart
//! and visits of one shopper are separated by long breaks.

use super::catalog::{Catalogue, Category};
use super::spec::{ShopSpec, CART_MAX, VIEWS_MAX};
use crate::kafka::keys::KeySpace;
use crate::sim::{SimRng, SimTime};
use crate::workload::traffic::Traffic;
use crate::workload::{Arrival, Field, Payload};
use serde::Serialize;
use std::collections::BTreeMap;

/// A step of the funnel, in order: each stage's sessions are a subset of the previous one's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    View,
    Cart,
    Checkout,
    Purchase,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::View, Stage::Cart, Stage::Checkout, Stage::Purchase];
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One click-stream event. For a checkout, `product` is the cart's first item, `price_paise`
/// the cart's total and `quantity` its units; otherwise the product's unit price (the sale
/// price while a sale is on) and the units added or bought (1 for a view).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ShopEvent {
    pub stage: Stage,
    pub product: u32,
    pub category: Category,
    pub price_paise: u64,
    pub quantity: u32,
}

/// The payload field a pipeline's `extract` step reads: stage 0..3 (view, cart, checkout,
/// purchase), product id, price in paise, quantity, category 0..6 (see `Category`).
pub fn field(event: &ShopEvent, field: Field) -> Option<i64> {
    match field {
        Field::Stage => Some(event.stage.index() as i64),
        Field::Product => Some(i64::from(event.product)),
        Field::PricePaise => Some(event.price_paise as i64),
        Field::Quantity => Some(i64::from(event.quantity)),
        Field::Category => Some(event.category.index() as i64),
        _ => None,
    }
}

/// Concurrent sessions the generator keeps; a start beyond it is skipped. At real scale
/// (~2,000 sessions/s lasting ~40 s) about 80,000 are open.
pub const ACTIVE_MAX: usize = 250_000;
/// Shoppers remembered for their break between sessions; beyond it, those whose break is
/// over are forgotten.
pub const RESTING_MAX: usize = 1_000_000;
/// Draws of a shopper for a new session before the start is skipped (all were busy). Each
/// shopper is taken for a session and a break, so a workload needs more shoppers
/// (`producer.keys`) than session starts per second × (session length + break), or the
/// event rate falls short of the traffic's.
const SHOPPER_TRIES: u32 = 8;

/// One open session: what it still plans to do.
#[derive(Clone, Debug)]
struct Session {
    shopper: u32,
    views_left: u32,
    /// Distinct products it means to add to cart (0: it leaves without).
    cart_target: usize,
    cart: Vec<(u32, u32, u64)>,
    will_checkout: bool,
    will_purchase: bool,
    /// Came for the flash sale: views go mostly to sale products.
    for_sale: bool,
    last_viewed: Option<u32>,
    add_next: bool,
    checked_out: bool,
    paid_lines: usize,
}

#[derive(Clone)]
pub struct Generator {
    spec: ShopSpec,
    rng: SimRng,
    traffic: Traffic,
    catalogue: Catalogue,
    /// Units left per product: a purchase never takes more than there is.
    stock: Vec<u32>,
    /// Open sessions by (when the next event is due µs, a sequence number for ties).
    active: BTreeMap<(u64, u64), Session>,
    seq: u64,
    /// Shopper → when they may start a new session (µs; `u64::MAX` while one is open).
    resting: BTreeMap<u32, u64>,
    /// The next session start, once drawn, and the previous one (the Poisson clock).
    next_start: Option<SimTime>,
    last_start: SimTime,
}

impl Generator {
    pub fn new(spec: &ShopSpec, seed: u64, _keys: &KeySpace) -> Generator {
        let catalogue = Catalogue::new(spec);
        let stock = catalogue.products().iter().map(|p| p.stock).collect();
        Generator {
            spec: spec.clone(),
            rng: SimRng::stream(seed, "workload-shop"),
            traffic: Traffic::new(&spec.traffic),
            catalogue,
            stock,
            active: BTreeMap::new(),
            seq: 0,
            resting: BTreeMap::new(),
            next_start: None,
            last_start: SimTime::ZERO,
        }
    }

    /// Units left of each product (the truth the analytics' inventory estimates).
    pub fn stock(&self) -> &[u32] {
        &self.stock
    }

    /// Open sessions now.
    pub fn open_sessions(&self) -> usize {
        self.active.len()
    }

    /// The next event strictly after `now`: the earliest of the open sessions' next steps and
    /// a new session's first view.
    pub fn next(&mut self, now: SimTime, base_per_s: u32, keys: &KeySpace) -> Arrival {
        let floor = now.as_us() + 1;
        loop {
            let start = match self.next_start {
                Some(start) => start,
                None => {
                    let start = self.draw_start(base_per_s);
                    *self.next_start.insert(start)
                }
            };
            let due = self.active.first_key_value().map(|(&(due, _), _)| due);
            if let Some(due) = due.filter(|&d| d <= start.as_us()) {
                let (_, mut session) = self.active.pop_first().expect("a session is due");
                if let Some(arrival) = self.step(&mut session, due.max(floor)) {
                    return arrival;
                }
                continue;
            }
            self.next_start = None;
            self.last_start = start;
            if let Some(mut session) = self.open(start, keys) {
                if let Some(arrival) = self.step(&mut session, start.as_us().max(floor)) {
                    return arrival;
                }
            }
        }
    }

    /// When the next session starts: the traffic's arrivals thinned to one in
    /// `events_per_session`, so events (not sessions) follow the traffic's rate.
    fn draw_start(&mut self, base_per_s: u32) -> SimTime {
        let keep = 1.0 / self.spec.events_per_session().max(1.0);
        let mut t = self.last_start;
        loop {
            t = self.traffic.next_arrival(&mut self.rng, t, base_per_s.max(1));
            if self.rng.unit_f64() < keep {
                return t;
            }
        }
    }

    /// A new session at `start` for a shopper who is not in one or resting, with its plan.
    fn open(&mut self, start: SimTime, keys: &KeySpace) -> Option<Session> {
        let t = start.as_us();
        if self.active.len() >= ACTIVE_MAX {
            return None;
        }
        if self.resting.len() >= RESTING_MAX {
            self.resting.retain(|_, until| *until > t);
        }
        let shopper = (0..SHOPPER_TRIES).map(|_| keys.sample(&mut self.rng)).find(|s| self.resting.get(s).is_none_or(|&until| until <= t))?;
        if self.resting.len() >= RESTING_MAX {
            return None;
        }
        self.resting.insert(shopper, u64::MAX);
        let sale = self.spec.flash_sale.clone();
        let sale_on = self.traffic.spike_at(&self.spec.traffic, start).is_some() && !self.catalogue.sale_products().is_empty();
        let for_sale = sale_on && self.chance(sale.sale_session_percent);
        let views = self.views();
        let cart_percent = if for_sale { sale.sale_cart_percent } else { self.spec.cart_percent };
        let cart_target = if self.chance(cart_percent) { cart_items(self.rng.below(100)).min(views as usize) } else { 0 };
        let will_checkout = cart_target > 0 && self.chance(self.spec.checkout_percent);
        let will_purchase = will_checkout && self.chance(self.spec.purchase_percent);
        Some(Session { shopper, views_left: views, cart_target, cart: Vec::with_capacity(CART_MAX), will_checkout, will_purchase, for_sale, last_viewed: None, add_next: false, checked_out: false, paid_lines: 0 })
    }

    fn chance(&mut self, percent: f64) -> bool {
        self.rng.unit_f64() * 100.0 < percent
    }

    /// 1 + a geometric number of further views, mean `views_mean`, at most `VIEWS_MAX`.
    fn views(&mut self) -> u32 {
        let more = 1.0 - 1.0 / self.spec.views_mean;
        let mut views = 1;
        while views < VIEWS_MAX && self.rng.unit_f64() < more {
            views += 1;
        }
        views
    }

    /// The session's next event at `at_us`, rescheduling it after a think time; `None` when
    /// it has nothing left to do (the shopper then rests).
    fn step(&mut self, s: &mut Session, at_us: u64) -> Option<Arrival> {
        let event = self.next_event(s, at_us);
        let Some(event) = event else {
            let rest = u64::from(self.spec.session_break_ms_min) * 1_000;
            self.resting.insert(s.shopper, at_us.saturating_add(rest));
            return None;
        };
        let think = self.rng.exponential_us(f64::from(self.spec.think_ms_mean) * 1_000.0);
        let due = at_us + think.clamp(1_000, u64::from(self.spec.think_ms_max) * 1_000);
        self.seq += 1;
        self.active.insert((due, self.seq), s.clone());
        Some(Arrival { at: SimTime::from_us(at_us), key_id: s.shopper, payload: Payload::Shop(event), value_bytes: 420 })
    }

    fn next_event(&mut self, s: &mut Session, at_us: u64) -> Option<ShopEvent> {
        let sale_on = self.traffic.spike_at(&self.spec.traffic, SimTime::from_us(at_us)).is_some();
        if s.add_next {
            s.add_next = false;
            let product = s.last_viewed.expect("an add follows a view");
            let quantity = quantity(self.rng.below(100));
            let price = self.unit_price(product, sale_on);
            s.cart.push((product, quantity, price));
            return Some(self.event(Stage::Cart, product, price, quantity));
        }
        if s.views_left > 0 {
            let product = self.pick_view(s.for_sale);
            s.views_left -= 1;
            s.last_viewed = Some(product);
            // Spread the planned adds over the views: add with probability adds left / views left.
            let adds_left = s.cart_target.saturating_sub(s.cart.len());
            let in_cart = s.cart.iter().any(|&(p, _, _)| p == product);
            s.add_next = adds_left > 0 && !in_cart && self.rng.below(u64::from(s.views_left) + 1) < adds_left as u64;
            let price = self.unit_price(product, sale_on);
            return Some(self.event(Stage::View, product, price, 1));
        }
        if s.will_checkout && !s.checked_out && !s.cart.is_empty() {
            s.checked_out = true;
            let total = s.cart.iter().map(|&(_, q, p)| u64::from(q) * p).sum();
            let units = s.cart.iter().map(|&(_, q, _)| q).sum();
            return Some(self.event(Stage::Checkout, s.cart[0].0, total, units));
        }
        while s.will_purchase && s.paid_lines < s.cart.len() {
            let (product, wanted, price) = s.cart[s.paid_lines];
            s.paid_lines += 1;
            // Sold out by the time they pay: that line fails; what is left, they get.
            let left = &mut self.stock[product as usize];
            let bought = wanted.min(*left);
            if bought > 0 {
                *left -= bought;
                return Some(self.event(Stage::Purchase, product, price, bought));
            }
        }
        None
    }

    /// A product to view: a sale shopper looks at sale products 3 times in 4.
    fn pick_view(&mut self, for_sale: bool) -> u32 {
        let sale = self.catalogue.sale_products();
        if for_sale && self.rng.below(4) < 3 {
            return sale[self.rng.below(sale.len() as u64) as usize];
        }
        self.catalogue.sample(&mut self.rng)
    }

    fn unit_price(&self, product: u32, sale_on: bool) -> u64 {
        let p = self.catalogue.product(product);
        if sale_on && p.on_sale {
            p.price_paise * u64::from(100 - self.spec.flash_sale.discount_percent) / 100
        } else {
            p.price_paise
        }
    }

    fn event(&self, stage: Stage, product: u32, price_paise: u64, quantity: u32) -> ShopEvent {
        ShopEvent { stage, product, category: self.catalogue.product(product).category, price_paise, quantity }
    }
}

/// Distinct items a cart gets, from a draw in 0..100: 1 (85%), 2 (12%), 3 (3%).
fn cart_items(draw: u64) -> usize {
    match draw {
        0..85 => 1,
        85..97 => 2,
        _ => CART_MAX,
    }
}

/// Units of one item, from a draw in 0..100: 1 (90%), 2 (8%), 3 (2%).
fn quantity(draw: u64) -> u32 {
    match draw {
        0..90 => 1,
        90..98 => 2,
        _ => 3,
    }
}
