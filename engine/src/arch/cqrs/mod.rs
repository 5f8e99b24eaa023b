//! Event sourcing with CQRS: the topic's records are commands ("pay ₹500", "check out my
//! cart"). The command handler decides each against its aggregate (the payer's account with
//! UPI's daily limit; the shopper's order, checked out before its items are paid) and appends
//! the outcome, accepted or refused, as an event to the event log: the system's only source
//! of truth. Its aggregates are rebuilt from that log after a crash. Projections fold the
//! events into read models that queries use; one can be rebuilt from the log at any time,
//! and snapshots make that shorter. A query sees a command only once the projection has
//! applied its event: the read-your-writes lag.

pub mod aggregate;
mod projection;

use super::answer::{Answer, Row, Shape};
use super::reader::{Budget, ReadRecord, TopicAccess, TopicReader};
use super::up;
use super::spec::{ArchSpec, Logic};
use crate::kafka::log::Record;
use crate::workload::Payload;
use aggregate::{Aggregates, Command, Rejection};
pub use projection::{Projection, Rebuild, RebuildDone};
use std::collections::BTreeMap;

/// Events the log holds; a full log stops the command handler (shown, counted).
pub const EVENT_LOG_MAX: usize = 1_000_000;
/// Bytes an aggregate takes, roughly (its map entry, a cart).
pub const AGGREGATE_BYTES: u64 = 128;
/// Lags kept between two samples for the read-your-writes percentiles.
pub(crate) const LAGS_MAX: usize = 4_096;

/// A handled command, as the log keeps it: enough to decide it again (rebuilding the
/// aggregates) and to project it (rebuilding the read models).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub key: u32,
    pub record_id: u64,
    /// When the command was issued (its CreateTime), for the read-your-writes lag.
    pub created_us: u64,
    pub event_time_us: i64,
    pub payload: Payload,
    pub outcome: Result<(), Rejection>,
}

/// Bytes an event takes in the log.
pub const EVENT_BYTES: u64 = std::mem::size_of::<Event>() as u64;

impl Event {
    fn command(&self) -> Command {
        Command { key: self.key, record_id: self.record_id, event_time_us: self.event_time_us, payload: self.payload }
    }

    /// The query rows the event adds to a read model: none if the command was refused.
    pub fn rows(&self, shape: &mut Shape, out: &mut Vec<Row>) {
        if self.outcome.is_ok() {
            let record = Record { record_id: self.record_id, key_id: self.key, timestamp_us: self.created_us, value_bytes: 0, payload: self.payload };
            shape.rows(Logic::Exact, &ReadRecord { partition: 0, offset: 0, record }, 0, out);
        }
    }
}

#[derive(Clone, Debug)]
pub struct Cqrs {
    pub handler: TopicReader,
    handler_budget: Budget,
    pub handler_down_until_us: Option<u64>,
    /// After a crash, the aggregates are gone until the handler replays the log.
    rehydrate: bool,
    aggregates: Aggregates,
    pub log: Vec<Event>,
    pub projector: projection::Projector,
    /// Rows the rules refused that the query would have counted (not duplicates: the truth
    /// counts a record once): truth minus these is what a correct CQRS answer shows.
    pub rejected_rows: Answer,
    pub rejections: BTreeMap<&'static str, u64>,
    /// Core time of the command handler and of the projector (with its rebuilds), µs.
    pub handler_cpu_us: u64,
    pub projector_cpu_us: u64,
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
            rehydrate: false,
            aggregates: Aggregates::default(),
            log: Vec::new(),
            projector: projection::Projector::new(spec),
            rejected_rows: Answer::default(),
            rejections: BTreeMap::new(),
            handler_cpu_us: 0,
            projector_cpu_us: 0,
            rows: Vec::new(),
            read: Vec::new(),
            spec: spec.clone(),
        }
    }

    /// The read model queries see.
    pub fn live(&self) -> &Projection {
        &self.projector.live
    }

    pub fn storage_bytes(&self) -> u64 {
        self.log.len() as u64 * EVENT_BYTES + self.aggregates.len() as u64 * AGGREGATE_BYTES + self.projector.bytes()
    }

    pub fn log_full(&self) -> bool {
        self.log.len() >= EVENT_LOG_MAX
    }

    pub fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        if up(&mut self.handler_down_until_us, now_us) {
            self.handler_cpu_us += elapsed_us;
            if std::mem::take(&mut self.rehydrate) {
                self.aggregates = Aggregates::default();
                for event in &self.log {
                    let _ = self.aggregates.decide(&event.command());
                }
            }
            self.handle_commands(topic, shape, elapsed_us, now_us);
        }
        self.projector_cpu_us += self.projector.tick(&self.log, shape, elapsed_us, now_us);
    }

    fn handle_commands(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        let room = (EVENT_LOG_MAX - self.log.len().min(EVENT_LOG_MAX)) as u64;
        let mut read = std::mem::take(&mut self.read);
        read.clear();
        self.handler.read(topic, self.handler_budget.take(elapsed_us).min(room), now_us, &mut read);
        // Events are facts once logged: a command a truncation took from the topic stays
        // handled, and the new records at those offsets are new commands.
        self.handler.take_truncations();
        for record in &read {
            let r = &record.record;
            let event_time_us = shape.event_time_us(record);
            let command = Command { key: r.key_id, record_id: r.record_id, event_time_us, payload: r.payload };
            let outcome = self.aggregates.decide(&command);
            if let Err(rejection) = outcome {
                *self.rejections.entry(rejection.name()).or_insert(0) += 1;
                if rejection != Rejection::Duplicate {
                    self.rows.clear();
                    shape.rows(Logic::Exact, record, now_us, &mut self.rows);
                    self.rows.iter().for_each(|row| self.rejected_rows.add(row.cell, row.amount));
                }
            }
            self.log.push(Event { key: r.key_id, record_id: r.record_id, created_us: r.timestamp_us, event_time_us, payload: r.payload, outcome });
        }
        self.read = read;
    }

    /// `rebuild_projection`.
    pub fn start_rebuild(&mut self, now_us: u64) -> Result<(), crate::error::InputError> {
        self.projector.start_rebuild(self.log.len(), now_us)
    }

    /// The projector dies: its read model lived in memory, so it restarts from the latest
    /// snapshot and replays the log from there; until then queries see that older state.
    pub fn crash_projection(&mut self, now_us: u64) {
        self.projector.crash(now_us + u64::from(self.spec.restart_ms) * 1_000);
    }

    /// The command handler dies with its aggregates; on restart it replays the event log to
    /// rebuild them (instantly here) and resumes after the last command it logged.
    pub fn crash_handler(&mut self, now_us: u64) {
        self.handler_down_until_us = Some(now_us + u64::from(self.spec.restart_ms) * 1_000);
        self.aggregates = Aggregates::default();
        self.rehydrate = true;
    }

    pub fn cpu_us(&self) -> u64 {
        self.handler_cpu_us + self.projector_cpu_us
    }

    pub fn aggregates(&self) -> usize {
        self.aggregates.len()
    }

    /// The read-your-writes lags since the last call as (p50, p99) in ms, and forgets them.
    pub fn take_lag_percentiles_ms(&mut self) -> Option<(f64, f64)> {
        self.projector.take_lag_percentiles_ms()
    }
}
