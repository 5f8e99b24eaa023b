//! Event sourcing with CQRS: the topic's records are commands ("pay ₹500"). A command
//! handler validates each against its aggregate (the payer's account, with UPI's daily
//! limit; a shopper's order, which must be checked out before its items are paid) and
//! appends the outcome as an event to the event log, the only source of truth.
//! Projections fold the event log into read models that queries use; a projection can be
//! rebuilt from the log at any time, and snapshots make that shorter. A query sees a
//! command only once the projection has applied its event: the read-your-writes lag.

use super::answer::{Answer, Row, Shape};
use super::reader::{Budget, ReadRecord, TopicAccess, TopicReader};
use super::spec::{ArchSpec, Logic};
use crate::upi::Status;
use crate::workload::Payload;
use std::collections::BTreeMap;

/// Events the log holds; a full log stops the command handler (shown, counted).
pub const EVENT_LOG_MAX: usize = 1_000_000;
/// Bytes an event takes in the log.
pub const EVENT_BYTES: u64 = 48;
/// Bytes an aggregate takes.
pub const AGGREGATE_BYTES: u64 = 64;
/// NPCI's per-payer daily limit for UPI payments, ₹.
pub const UPI_DAILY_LIMIT_RUPEES: i64 = 100_000;
/// Record ids an aggregate remembers to recognise a command it already handled.
const RECENT_IDS: usize = 4;
/// Products an order aggregate remembers in its cart (a session adds at most 3).
const CART_MAX: usize = 8;
/// Lags kept between two samples for the read-your-writes percentiles.
const LAG_SAMPLES_MAX: usize = 4_096;
const DAY_US: i64 = 86_400_000_000;
/// IST is UTC+5:30: a "day" for the limit starts at midnight in India.
const IST_OFFSET_US: i64 = 19_800_000_000;

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// The same command (record id) was handled before: a producer retry's duplicate.
    Duplicate,
    /// The payer's successful payments today would pass ₹1,00,000.
    DailyLimit,
    /// The bank declined it or it timed out: a failed payment moves no money.
    NotSuccessful,
    /// A purchase of a product the shopper's order does not hold, or before checkout.
    NotInCheckedOutOrder,
    /// A checkout of an empty cart.
    EmptyCart,
}

/// An event in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub record_id: u64,
    /// When the command was issued (its CreateTime), for the read-your-writes lag.
    pub created_us: u64,
    pub outcome: Outcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted(Row),
    Rejected(Rejection),
}

/// What the handler knows about one key (a payer, an author, a shopper).
#[derive(Clone, Debug, Default)]
struct Aggregate {
    day: i64,
    spent_today_rupees: i64,
    recent_ids: [u64; RECENT_IDS],
    handled: u64,
    /// A shopper's order: products in the cart (oldest first) and whether it is checked out.
    cart: Vec<u32>,
    checked_out: bool,
}

/// A read model: the query's answer folded from the events, and how far into the log it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projection {
    pub position: usize,
    pub model: Answer,
}

impl Projection {
    fn apply(&mut self, event: &Event) {
        if let Outcome::Accepted(row) = event.outcome {
            self.model.add(row.cell, row.amount);
        }
        self.position += 1;
    }
}

/// A rebuild in progress: it replays the log into a new projection while the old one serves.
#[derive(Clone, Debug)]
pub struct Rebuild {
    pub projection: Projection,
    pub from_snapshot_at: usize,
    pub started_us: u64,
}

/// A finished rebuild.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RebuildDone {
    pub from_snapshot_at: u64,
    pub events_replayed: u64,
    pub duration_ms: u64,
    /// The rebuilt read model equals the live one at the same position.
    pub equal_to_live: bool,
}

#[derive(Clone, Debug)]
pub struct Cqrs {
    pub handler: TopicReader,
    handler_budget: Budget,
    pub handler_down_until_us: Option<u64>,
    aggregates: BTreeMap<u32, Aggregate>,
    pub log: Vec<Event>,
    pub live: Projection,
    projection_budget: Budget,
    pub projection_down_until_us: Option<u64>,
    pub snapshot: Option<Projection>,
    pub rebuild: Option<Rebuild>,
    /// The latest finished rebuilds (at most 100).
    pub rebuilds: Vec<RebuildDone>,
    pub rebuilds_total: u64,
    /// Rows the rules refused that the query would have counted: truth minus these is what
    /// a correct CQRS answer shows.
    pub rejected_rows: Answer,
    pub rejections: BTreeMap<&'static str, u64>,
    lags_us: Vec<u64>,
    pub cpu_us: u64,
    rows: Vec<Row>,
    read: Vec<ReadRecord>,
    spec: ArchSpec,
}

impl Cqrs {
    pub fn new(spec: &ArchSpec, partitions: u32) -> Cqrs {
        Cqrs {
            handler: TopicReader::new(partitions),
            handler_budget: Budget::new(spec.stream_records_per_s),
            handler_down_until_us: None,
            aggregates: BTreeMap::new(),
            log: Vec::new(),
            live: Projection::default(),
            projection_budget: Budget::new(spec.stream_records_per_s),
            projection_down_until_us: None,
            snapshot: None,
            rebuild: None,
            rebuilds: Vec::new(),
            rebuilds_total: 0,
            rejected_rows: Answer::default(),
            rejections: BTreeMap::new(),
            lags_us: Vec::new(),
            cpu_us: 0,
            rows: Vec::new(),
            read: Vec::new(),
            spec: spec.clone(),
        }
    }

    pub fn storage_bytes(&self) -> u64 {
        self.log.len() as u64 * EVENT_BYTES
            + self.aggregates.len() as u64 * AGGREGATE_BYTES
            + self.live.model.bytes()
            + self.snapshot.as_ref().map_or(0, |s| s.model.bytes())
            + self.rebuild.as_ref().map_or(0, |r| r.projection.model.bytes())
    }

    pub fn log_full(&self) -> bool {
        self.log.len() >= EVENT_LOG_MAX
    }

    pub fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        // Two processes: the command handler and the projector.
        self.cpu_us += 2 * elapsed_us;
        if up(&mut self.handler_down_until_us, now_us) {
            self.handle_commands(topic, shape, elapsed_us, now_us);
        }
        if up(&mut self.projection_down_until_us, now_us) {
            self.project(elapsed_us, now_us);
        }
    }

    fn handle_commands(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        let room = (EVENT_LOG_MAX - self.log.len().min(EVENT_LOG_MAX)) as u64;
        let mut read = std::mem::take(&mut self.read);
        read.clear();
        // A command may append several events (a post with three hashtags): keep room for them.
        self.handler.read(topic, self.handler_budget.take(elapsed_us).min(room / 8), now_us, &mut read);
        for record in &read {
            self.rows.clear();
            shape.rows(Logic::Exact, record, now_us, &mut self.rows);
            let outcome = self.decide(record, shape);
            let created_us = record.record.timestamp_us;
            let record_id = record.record.record_id;
            match outcome {
                Ok(()) => self.log.extend(self.rows.iter().map(|&row| Event { record_id, created_us, outcome: Outcome::Accepted(row) })),
                Err(rejection) => {
                    self.rows.iter().for_each(|row| self.rejected_rows.add(row.cell, row.amount));
                    *self.rejections.entry(rejection_name(rejection)).or_insert(0) += 1;
                    self.log.push(Event { record_id, created_us, outcome: Outcome::Rejected(rejection) });
                }
            }
        }
        self.read = read;
    }

    /// Validates a command against its key's aggregate, and updates the aggregate.
    fn decide(&mut self, record: &ReadRecord, shape: &Shape) -> Result<(), Rejection> {
        let aggregate = self.aggregates.entry(record.record.key_id).or_default();
        let id = record.record.record_id;
        if aggregate.handled > 0 && aggregate.recent_ids.contains(&id) {
            return Err(Rejection::Duplicate);
        }
        aggregate.recent_ids[(aggregate.handled % RECENT_IDS as u64) as usize] = id;
        aggregate.handled += 1;
        match record.record.payload {
            Payload::Upi(txn) => decide_payment(aggregate, &txn, shape.event_time_us(record)),
            Payload::Shop(event) => decide_order(aggregate, &event),
            Payload::Post(_) | Payload::None => Ok(()),
        }
    }

    fn project(&mut self, elapsed_us: u64, now_us: u64) {
        let budget = self.projection_budget.take(elapsed_us) as usize;
        let end = self.log.len().min(self.live.position + budget);
        for event in &self.log[self.live.position..end] {
            self.live.apply(event);
            if self.lags_us.len() < LAG_SAMPLES_MAX {
                self.lags_us.push(now_us.saturating_sub(event.created_us));
            }
            let every = self.spec.snapshot_every_events as usize;
            if every > 0 && self.live.position % every == 0 {
                self.snapshot = Some(self.live.clone());
            }
        }
        self.advance_rebuild(budget, now_us);
    }

    /// `rebuild_projection`: replays the log from the latest snapshot (or from the start)
    /// into a new read model; the live one serves until the new one has caught up.
    pub fn start_rebuild(&mut self, now_us: u64) -> Result<(), crate::error::InputError> {
        if let Some(r) = &self.rebuild {
            let left = self.log.len() - r.projection.position;
            return Err(crate::error::InputError::new("command", format!("a projection rebuild is already running ({left} events to go)")));
        }
        let projection = self.snapshot.clone().unwrap_or_default();
        self.rebuild = Some(Rebuild { from_snapshot_at: projection.position, projection, started_us: now_us });
        Ok(())
    }

    fn advance_rebuild(&mut self, budget: usize, now_us: u64) {
        let Some(rebuild) = &mut self.rebuild else { return };
        let end = self.live.position.min(rebuild.projection.position + budget);
        for event in &self.log[rebuild.projection.position..end] {
            rebuild.projection.apply(event);
        }
        if rebuild.projection.position == self.live.position {
            let rebuild = self.rebuild.take().expect("checked");
            self.rebuilds.push(RebuildDone {
                from_snapshot_at: rebuild.from_snapshot_at as u64,
                events_replayed: (rebuild.projection.position - rebuild.from_snapshot_at) as u64,
                duration_ms: (now_us - rebuild.started_us) / 1_000,
                equal_to_live: rebuild.projection == self.live,
            });
            self.rebuilds_total += 1;
            if self.rebuilds.len() > 100 {
                self.rebuilds.remove(0);
            }
            self.live = rebuild.projection;
        }
    }

    /// The projector dies: its read model lived in memory, so it restarts from the latest
    /// snapshot and replays the log from there; until then queries see that older state.
    pub fn crash_projection(&mut self, now_us: u64) {
        self.live = self.snapshot.clone().unwrap_or_default();
        self.rebuild = None;
        self.projection_down_until_us = Some(now_us + u64::from(self.spec.restart_ms) * 1_000);
    }

    /// The command handler dies; its aggregates are rebuilt from the event log on restart
    /// (instantly here), and it resumes after the last command it logged.
    pub fn crash_handler(&mut self, now_us: u64) {
        self.handler_down_until_us = Some(now_us + u64::from(self.spec.restart_ms) * 1_000);
    }

    /// The read-your-writes lags (command issued → visible to queries) since the last call,
    /// as (p50, p99) in ms, and forgets them.
    pub fn take_lag_percentiles_ms(&mut self) -> Option<(f64, f64)> {
        if self.lags_us.is_empty() {
            return None;
        }
        self.lags_us.sort_unstable();
        let at = |q: f64| self.lags_us[((self.lags_us.len() - 1) as f64 * q).round() as usize] as f64 / 1_000.0;
        let result = (at(0.5), at(0.99));
        self.lags_us.clear();
        Some(result)
    }
}

/// A payment moves money only if the bank said yes and the payer's day stays within the limit.
fn decide_payment(aggregate: &mut Aggregate, txn: &crate::upi::Txn, event_time_us: i64) -> Result<(), Rejection> {
    if txn.status != Status::Success {
        return Err(Rejection::NotSuccessful);
    }
    let day = (event_time_us + IST_OFFSET_US).div_euclid(DAY_US);
    if day != aggregate.day {
        aggregate.day = day;
        aggregate.spent_today_rupees = 0;
    }
    let rupees = (txn.amount_paise / 100) as i64;
    if aggregate.spent_today_rupees + rupees > UPI_DAILY_LIMIT_RUPEES {
        return Err(Rejection::DailyLimit);
    }
    aggregate.spent_today_rupees += rupees;
    Ok(())
}

/// An order's status: items go into the cart, the cart is checked out, then each item is
/// paid for once. A new item after a checkout starts the next order.
fn decide_order(aggregate: &mut Aggregate, event: &crate::shop::ShopEvent) -> Result<(), Rejection> {
    use crate::shop::Stage;
    match event.stage {
        Stage::View => Ok(()),
        Stage::Cart => {
            if aggregate.checked_out {
                aggregate.cart.clear();
                aggregate.checked_out = false;
            }
            if aggregate.cart.len() == CART_MAX {
                aggregate.cart.remove(0);
            }
            aggregate.cart.push(event.product);
            Ok(())
        }
        Stage::Checkout if aggregate.cart.is_empty() => Err(Rejection::EmptyCart),
        Stage::Checkout => {
            aggregate.checked_out = true;
            Ok(())
        }
        Stage::Purchase => {
            let line = aggregate.cart.iter().position(|&p| p == event.product).filter(|_| aggregate.checked_out);
            let line = line.ok_or(Rejection::NotInCheckedOutOrder)?;
            aggregate.cart.remove(line);
            Ok(())
        }
    }
}

/// Clears a restart that is due; true when the process runs.
fn up(down_until_us: &mut Option<u64>, now_us: u64) -> bool {
    match *down_until_us {
        Some(until) if now_us < until => false,
        _ => {
            *down_until_us = None;
            true
        }
    }
}

fn rejection_name(rejection: Rejection) -> &'static str {
    match rejection {
        Rejection::Duplicate => "duplicate",
        Rejection::DailyLimit => "daily_limit",
        Rejection::NotSuccessful => "not_successful",
        Rejection::NotInCheckedOutOrder => "not_in_checked_out_order",
        Rejection::EmptyCart => "empty_cart",
    }
}
