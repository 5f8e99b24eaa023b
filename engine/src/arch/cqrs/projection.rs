//! The query side: a projector folds the event log into a read model (the query's answer),
//! snapshots it now and then, and can rebuild it from the log (from the latest snapshot)
//! while the old model keeps serving, swapping when the new one has caught up.

use super::{Event, LAGS_MAX};
use crate::arch::up;
use crate::arch::answer::{Answer, Row, Shape};
use crate::arch::reader::Budget;
use crate::arch::spec::ArchSpec;
use crate::error::InputError;

/// Finished rebuilds kept for the page.
const REBUILDS_KEPT: usize = 100;

/// A read model and how far into the log it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Projection {
    pub position: usize,
    pub model: Answer,
}

impl Projection {
    fn apply(&mut self, event: &Event, shape: &mut Shape, rows: &mut Vec<Row>) {
        rows.clear();
        event.rows(shape, rows);
        rows.iter().for_each(|row| self.model.add(row.cell, row.amount));
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
pub struct Projector {
    pub live: Projection,
    budget: Budget,
    rebuild_budget: Budget,
    pub down_until_us: Option<u64>,
    pub snapshot: Option<Projection>,
    snapshot_every_events: usize,
    pub rebuild: Option<Rebuild>,
    /// The latest finished rebuilds (at most `REBUILDS_KEPT`).
    pub rebuilds: Vec<RebuildDone>,
    pub rebuilds_total: u64,
    lags_us: Vec<u64>,
    /// When the live model last reflected the whole log.
    caught_up_us: u64,
    rows: Vec<Row>,
}

impl Projector {
    pub fn new(spec: &ArchSpec) -> Projector {
        Projector {
            live: Projection::default(),
            budget: Budget::new(spec.stream_records_per_s),
            rebuild_budget: Budget::new(spec.stream_records_per_s),
            down_until_us: None,
            snapshot: None,
            snapshot_every_events: spec.snapshot_every_events as usize,
            rebuild: None,
            rebuilds: Vec::new(),
            rebuilds_total: 0,
            lags_us: Vec::new(),
            caught_up_us: 0,
            rows: Vec::new(),
        }
    }

    pub fn bytes(&self) -> u64 {
        self.live.model.bytes() + self.snapshot.as_ref().map_or(0, |s| s.model.bytes()) + self.rebuild.as_ref().map_or(0, |r| r.projection.model.bytes())
    }

    /// Folds what the budget allows; returns the core time used (the projector, and a
    /// rebuild's own process while one runs).
    pub fn tick(&mut self, log: &[Event], shape: &mut Shape, elapsed_us: u64, now_us: u64) -> u64 {
        if !up(&mut self.down_until_us, now_us) {
            return 0;
        }
        let end = log.len().min(self.live.position + self.budget.take(elapsed_us) as usize);
        // At most one snapshot per tick: a model is cloned, not appended to.
        let mut snapshot_due = false;
        for event in &log[self.live.position..end] {
            self.live.apply(event, shape, &mut self.rows);
            if self.lags_us.len() < LAGS_MAX {
                self.lags_us.push(now_us.saturating_sub(event.created_us));
            }
            snapshot_due |= self.snapshot_every_events > 0 && self.live.position % self.snapshot_every_events == 0;
        }
        if snapshot_due {
            self.snapshot = Some(self.live.clone());
        }
        if self.live.position == log.len() {
            self.caught_up_us = now_us;
        }
        match self.rebuild.is_some() {
            true => {
                self.advance_rebuild(log, shape, elapsed_us, now_us);
                2 * elapsed_us
            }
            false => elapsed_us,
        }
    }

    /// How long the read model has been behind a log of `log_len` events, µs (0: it is not).
    pub fn staleness_us(&self, log_len: usize, now_us: u64) -> u64 {
        if self.live.position < log_len { now_us.saturating_sub(self.caught_up_us) } else { 0 }
    }

    /// Replays the log from the latest snapshot (or from the start) into a new read model.
    pub fn start_rebuild(&mut self, log_len: usize, now_us: u64) -> Result<(), InputError> {
        if let Some(r) = &self.rebuild {
            return Err(InputError::new("command", format!("a projection rebuild is already running ({} events to go)", log_len.saturating_sub(r.projection.position))));
        }
        if self.down_until_us.is_some() {
            return Err(InputError::new("command", "the projection is restarting after a crash; rebuild it once it runs"));
        }
        let projection = self.snapshot.clone().unwrap_or_default();
        self.rebuild = Some(Rebuild { from_snapshot_at: projection.position, projection, started_us: now_us });
        Ok(())
    }

    fn advance_rebuild(&mut self, log: &[Event], shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        let Some(rebuild) = &mut self.rebuild else { return };
        let end = self.live.position.min(rebuild.projection.position + self.rebuild_budget.take(elapsed_us) as usize);
        for event in &log[rebuild.projection.position..end] {
            rebuild.projection.apply(event, shape, &mut self.rows);
        }
        if rebuild.projection.position < self.live.position {
            return;
        }
        let rebuild = self.rebuild.take().expect("checked");
        self.rebuilds.push(RebuildDone {
            from_snapshot_at: rebuild.from_snapshot_at as u64,
            events_replayed: (rebuild.projection.position - rebuild.from_snapshot_at) as u64,
            duration_ms: now_us.saturating_sub(rebuild.started_us) / 1_000,
            equal_to_live: rebuild.projection == self.live,
        });
        self.rebuilds_total += 1;
        if self.rebuilds.len() > REBUILDS_KEPT {
            self.rebuilds.remove(0);
        }
        self.live = rebuild.projection;
    }

    /// The projector dies; it comes back at `until_us` from its latest snapshot.
    pub fn crash(&mut self, until_us: u64) {
        self.live = self.snapshot.clone().unwrap_or_default();
        self.rebuild = None;
        self.down_until_us = Some(until_us);
    }

    /// The read-your-writes lags since the last call as (p50, p99) in ms, and forgets them.
    pub fn take_lag_percentiles_ms(&mut self) -> Option<(f64, f64)> {
        if self.lags_us.is_empty() {
            return None;
        }
        let result = crate::metrics::percentiles(&mut self.lags_us);
        self.lags_us.clear();
        Some(result)
    }
}
