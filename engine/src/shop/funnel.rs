//! The funnel operator: one session window per shopper (Beam's and Flink's session windows:
//! a shopper's events closer than the gap belong together, and two sessions merge when a
//! late-arriving event bridges them), summarised when the watermark passes the session's end
//! (last event + gap). It is the engine's Windower with a session accumulator, so merging,
//! lateness and state size behave exactly as for the generic window operator.

use super::generator::{ShopEvent, Stage};
use crate::error::{check_range, InputError};
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::stream::trigger::Trigger;
use crate::stream::window::WindowFn;
use crate::stream::windower::{Accumulation, Pane, Windower, WindowingSpec};
use crate::stream::{Aggregate, EventTimeUs, StreamRecord};
use crate::workload::{DomainOutput, Payload};
use serde::{Deserialize, Serialize};

/// Distinct products a session keeps per list (viewed, added, purchased); beyond it, the
/// lowest ids are kept (an order-free rule, so merging in any order gives the same lists).
/// A generated session views at most 30 products, so only merged sessions can lose any.
pub const SESSION_PRODUCTS_MAX: usize = 32;

/// `{"op": "funnel", "gap_ms": 60000}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FunnelSpec {
    /// Inactivity that closes a session, 1,000 to 86,400,000 ms (default 60,000). Web
    /// analytics use 30 minutes; the built-in scenario compresses time so sessions close
    /// within a class.
    pub gap_ms: u32,
}

impl Default for FunnelSpec {
    fn default() -> Self {
        FunnelSpec { gap_ms: 60_000 }
    }
}

impl FunnelSpec {
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        check_range(&format!("{path}.gap_ms"), self.gap_ms, 1_000, 86_400_000, "ms")
    }
}

/// A purchased product in a session: units and what they cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub product: u32,
    pub quantity: u32,
    pub paise: u64,
}

/// The session accumulator (a Beam `CombineFn`): counts per stage and the products, merged
/// commutatively so merged sessions do not depend on arrival order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionAcc {
    pub stage_counts: [u32; 4],
    /// Sorted, distinct, bounded by `SESSION_PRODUCTS_MAX`.
    pub viewed: Vec<u32>,
    pub added: Vec<u32>,
    /// Sorted by product; a product bought twice is one line.
    pub purchased: Vec<Line>,
    pub revenue_paise: u64,
    pub first_event_us: Option<EventTimeUs>,
    pub last_event_us: Option<EventTimeUs>,
}

fn insert_bounded(list: &mut Vec<u32>, product: u32) {
    if let Err(at) = list.binary_search(&product) {
        list.insert(at, product);
        list.truncate(SESSION_PRODUCTS_MAX);
    }
}

fn add_line(lines: &mut Vec<Line>, line: Line) {
    match lines.binary_search_by_key(&line.product, |l| l.product) {
        Ok(at) => {
            lines[at].quantity += line.quantity;
            lines[at].paise += line.paise;
        }
        Err(at) => {
            lines.insert(at, line);
            lines.truncate(SESSION_PRODUCTS_MAX);
        }
    }
}

impl SessionAcc {
    /// Adds one event at event time `at_us`.
    pub fn add_event(&mut self, event: &ShopEvent, at_us: EventTimeUs) {
        self.stage_counts[event.stage.index()] += 1;
        match event.stage {
            Stage::View => insert_bounded(&mut self.viewed, event.product),
            Stage::Cart => insert_bounded(&mut self.added, event.product),
            Stage::Checkout => {}
            Stage::Purchase => {
                let paise = event.price_paise * u64::from(event.quantity);
                add_line(&mut self.purchased, Line { product: event.product, quantity: event.quantity, paise });
                self.revenue_paise += paise;
            }
        }
        self.first_event_us = Some(self.first_event_us.map_or(at_us, |f| f.min(at_us)));
        self.last_event_us = Some(self.last_event_us.map_or(at_us, |l| l.max(at_us)));
    }

    /// The furthest stage any event reached.
    pub fn furthest(&self) -> Stage {
        Stage::ALL.into_iter().rev().find(|s| self.stage_counts[s.index()] > 0).unwrap_or(Stage::View)
    }
}

impl Aggregate for SessionAcc {
    type Input = StreamRecord;

    fn add(&mut self, record: &StreamRecord) {
        // A record without a shop payload is not a shopper's click: it counts for nothing.
        if let Payload::Shop(event) = &record.payload {
            self.add_event(event, record.event_time_us);
        }
    }

    fn merge(&mut self, other: &Self) {
        for (a, b) in self.stage_counts.iter_mut().zip(other.stage_counts) {
            *a += b;
        }
        other.viewed.iter().for_each(|&p| insert_bounded(&mut self.viewed, p));
        other.added.iter().for_each(|&p| insert_bounded(&mut self.added, p));
        other.purchased.iter().for_each(|&l| add_line(&mut self.purchased, l));
        self.revenue_paise += other.revenue_paise;
        self.first_event_us = [self.first_event_us, other.first_event_us].into_iter().flatten().min();
        self.last_event_us = [self.last_event_us, other.last_event_us].into_iter().flatten().max();
    }

    fn is_empty(&self) -> bool {
        self.stage_counts == [0; 4]
    }

    fn state_bytes(&self) -> usize {
        48 + 4 * (self.viewed.len() + self.added.len()) + 16 * self.purchased.len()
    }
}

/// A closed session, as the sink's sessions topic receives it (keyed by the shopper; the
/// session's span is in the output's id).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SessionSummary {
    pub furthest: Stage,
    /// Events per stage: view, cart, checkout, purchase.
    pub stage_counts: [u32; 4],
    pub viewed: Vec<u32>,
    pub added: Vec<u32>,
    pub purchased: Vec<Line>,
    pub revenue_paise: u64,
    /// Added to cart and bought nothing.
    pub cart_abandoned: bool,
    pub first_event_us: EventTimeUs,
    pub last_event_us: EventTimeUs,
}

impl SessionSummary {
    pub fn of(acc: &SessionAcc) -> SessionSummary {
        let added = acc.stage_counts[Stage::Cart.index()] > 0;
        SessionSummary {
            furthest: acc.furthest(),
            stage_counts: acc.stage_counts,
            viewed: acc.viewed.clone(),
            added: acc.added.clone(),
            purchased: acc.purchased.clone(),
            revenue_paise: acc.revenue_paise,
            cart_abandoned: added && acc.stage_counts[Stage::Purchase.index()] == 0,
            first_event_us: acc.first_event_us.unwrap_or_default(),
            last_event_us: acc.last_event_us.unwrap_or_default(),
        }
    }
}

/// Session windows per shopper with the default trigger (one pane when the watermark passes
/// the session's end), no allowed lateness: a click behind the watermark whose session has
/// closed opens a new one if it can (Beam's rule), and is dropped as late otherwise.
#[derive(Clone, Debug)]
pub struct Funnel {
    windower: Box<Windower<u64, SessionAcc>>,
}

impl Funnel {
    pub fn new(spec: &FunnelSpec) -> Funnel {
        let windowing = WindowingSpec {
            windows: WindowFn::Sessions { gap_us: i64::from(spec.gap_ms) * 1_000 },
            trigger: Trigger::Default,
            allowed_lateness_us: 0,
            accumulation: Accumulation::Discarding,
        };
        Funnel { windower: Box::new(Windower::new(windowing, SessionAcc::default())) }
    }

    /// Returns false if the record was too late for any session.
    pub fn on_record(&mut self, record: &StreamRecord, now_us: u64, out: &mut Vec<Output>) -> bool {
        let mut panes = Vec::new();
        let outcome = self.windower.on_element(record.key, record.event_time_us, record, now_us, &mut panes);
        out.extend(panes.into_iter().map(|p| session_output(p, now_us)));
        !outcome.late_dropped()
    }

    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        let mut panes = Vec::new();
        self.windower.on_watermark(watermark_us, now_us, &mut panes);
        out.extend(panes.into_iter().map(|p| session_output(p, now_us)));
    }

    /// The default trigger sets no processing-time timers, so there is nothing to fire (and
    /// no reason to scan every open session on each of the job's timer wake-ups).
    pub fn on_processing_time(&mut self, _now_us: u64, _out: &mut Vec<Output>) {}

    pub fn next_processing_time_us(&self) -> Option<u64> {
        None
    }

    pub fn state_bytes(&self) -> usize {
        self.windower.state_bytes()
    }

    /// Open sessions.
    pub fn state_keys(&self) -> usize {
        self.windower.open_windows()
    }
}

/// The pane's identity is (shopper, session span, pane index): a replay after a restore
/// emits the same id, so the sink can count it as a duplicate.
fn session_output(pane: Pane<u64, SessionAcc>, now_us: u64) -> Output {
    Output {
        id: OutputId { key: pane.key, start_us: pane.window.start_us, end_us: pane.window.end_us, pane: pane.index },
        value: OutputValue::Domain(DomainOutput::Funnel(Box::new(SessionSummary::of(&pane.accumulator)))),
        emitted_at_us: now_us,
    }
}
