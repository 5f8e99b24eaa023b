//! Three architectures that answer the same question from the same stream, side by side:
//! Lambda (a batch layer, a speed layer and a serving layer that adds them), Kappa (one
//! stream job; a logic change is a replay into a new table version) and event sourcing with
//! CQRS (commands, an event log, projections). They all read the scenario's topic, answer
//! the workload's query ("₹ per bank per hour"), and are measured every run against the
//! truth the engine knows because it generated the data.

pub mod answer;
pub mod compare;
pub mod cqrs;
pub mod kappa;
pub mod lambda;
pub mod reader;
pub mod recount;
pub(crate) mod run;
pub mod spec;
pub mod stream_layer;
#[cfg(test)]
mod tests;

use crate::error::InputError;
use crate::scenario::stream::EventTimeSpec;
use crate::sim::SimTime;
use crate::kafka::log::Record;
use crate::workload::{Payload, QueryTruth, WorkloadSpec};
use answer::{Cell, Shape};
use reader::TopicAccess;
use serde::{Deserialize, Serialize};
pub use spec::{ArchSpec, Logic};

/// Whether a layer's process runs at `now_us`: a crashed one (`down_until_us` set by
/// `crash_layer`) runs again once its restart is due, and then no longer counts as down.
pub(crate) fn up(down_until_us: &mut Option<u64>, now_us: u64) -> bool {
    match *down_until_us {
        Some(until) if now_us < until => false,
        _ => {
            *down_until_us = None;
            true
        }
    }
}

/// A layer a command can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    LambdaBatch,
    LambdaSpeed,
    Kappa,
    CqrsCommands,
    CqrsProjection,
}

/// Commands to the architectures (the Kafka faults act on the topic they all read).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArchCommand {
    RunBatchNow,
    DeployV2 { logic: Logic, allow_loss: bool },
    SetLogic { layer: Layer, logic: Logic },
    RebuildProjection,
    CrashLayer { layer: Layer },
}

/// Records of open transactions the truth remembers.
pub const PENDING_MAX: usize = 200_000;

/// What happened in a tick, for the trace: (code, a, b).
pub type Note = [u64; 3];
pub const NOTE_BATCH_STARTED: u64 = 1;
pub const NOTE_BATCH_DONE: u64 = 2;
pub const NOTE_VERSION_SERVING: u64 = 3;
pub const NOTE_REBUILD_DONE: u64 = 4;

#[derive(Clone)]
pub struct Architectures {
    spec: ArchSpec,
    shape: Shape,
    truth: QueryTruth,
    pub lambda: lambda::Lambda,
    pub kappa: kappa::Kappa,
    pub cqrs: cqrs::Cqrs,
    last_tick_us: u64,
    /// The read-your-writes lag's (p50, p99) at the last sample, ms.
    read_your_writes_ms: Option<(f64, f64)>,
    /// A transactional producer's records whose transaction may still abort: (CreateTime, payload).
    pending: std::collections::BTreeMap<u64, (u64, Payload)>,
    /// The producer writes in transactions: a written record can still be aborted.
    transactional: bool,
    /// (batch runs started, batch runs done, Kappa switches, rebuilds) at the last notes.
    noted: (u64, u64, u64, u64),
    /// Per architecture, recovery after the latest stale spell.
    pub(crate) recovery: [compare::Recovery; 3],
}

impl Architectures {
    /// `event_time` is the stream job's (or the default) unless the section sets its own.
    pub fn new(spec: &ArchSpec, workload: &WorkloadSpec, event_time: EventTimeSpec, partitions: u32) -> Architectures {
        let query = workload.query();
        let event_time = spec.event_time.clone().unwrap_or(event_time);
        let window_ms = spec.window_ms.unwrap_or(query.window_ms);
        let query = crate::workload::Query { window_ms, ..query };
        Architectures {
            shape: Shape::new(query, event_time.clone(), window_ms),
            truth: QueryTruth::new(query, event_time),
            lambda: lambda::Lambda::new(spec, partitions, 0),
            kappa: kappa::Kappa::new(spec, partitions, 0),
            cqrs: cqrs::Cqrs::new(spec, partitions),
            last_tick_us: 0,
            read_your_writes_ms: None,
            recovery: Default::default(),
            noted: Default::default(),
            pending: Default::default(),
            transactional: false,
            spec: spec.clone(),
        }
    }

    /// For a transactional producer, whose acknowledged records may still be aborted.
    pub fn with_transactions(mut self) -> Architectures {
        self.transactional = true;
        self
    }

    pub fn spec(&self) -> &ArchSpec {
        &self.spec
    }

    pub fn tick_interval_us(&self) -> u64 {
        u64::from(self.spec.tick_ms) * 1_000
    }

    /// The query's logic, as every layer runs it (a copy: it keeps scratch space).
    pub fn shape(&self) -> Shape {
        self.shape.clone()
    }

    pub fn truth(&self) -> &QueryTruth {
        &self.truth
    }

    pub fn window_us(&self) -> i64 {
        self.shape.window_us
    }

    /// A leader appended the first copy of `record`: it entered the stream, so it joins the
    /// truth. Records the producer never got into the topic (a send that failed for good)
    /// are not the architectures' to answer for; records Kafka loses later (acks=1 and a
    /// failover) stay in it, since losing them is a real error of every answer. A
    /// transactional record stays pending: its transaction may still abort.
    pub fn on_written(&mut self, record: &Record) {
        self.truth.on_created(record.record_id, record.timestamp_us, &record.payload);
        if self.transactional {
            self.pending.insert(record.record_id, (record.timestamp_us, record.payload));
            // An abort concerns the open transaction, never more than
            // `transaction_records_max` (≤ 100,000) records: the newest are enough.
            while self.pending.len() > PENDING_MAX {
                self.pending.pop_first();
            }
        }
    }

    /// A record's transaction aborted: read_committed readers never see it, so neither does
    /// the truth.
    pub fn on_aborted(&mut self, record_id: u64) {
        if let Some((timestamp_us, payload)) = self.pending.remove(&record_id) {
            self.truth.withdraw(record_id, timestamp_us, &payload);
        }
    }

    /// Every layer reads and computes for the time since the last tick.
    pub fn tick(&mut self, topic: &TopicAccess, now: SimTime) {
        let now_us = now.as_us();
        let elapsed_us = now_us - self.last_tick_us;
        self.last_tick_us = now_us;
        self.lambda.tick(topic, &mut self.shape, elapsed_us, now_us);
        self.kappa.tick(topic, &mut self.shape, elapsed_us, now_us);
        self.cqrs.tick(topic, &mut self.shape, elapsed_us, now_us);
    }

    /// What changed in what the architectures serve since the last call, for the trace: a
    /// tick or a command may have started or finished a batch run, moved Kappa's serving
    /// pointer or swapped in a rebuilt projection.
    pub fn take_notes(&mut self) -> Vec<Note> {
        let now = (self.lambda.batch_runs_started, self.lambda.batch_runs, self.kappa.switches_total, self.cqrs.projector.rebuilds_total);
        let before = std::mem::replace(&mut self.noted, now);
        let mut notes = Vec::new();
        if let Some(run) = self.lambda.run.as_ref().filter(|_| now.0 != before.0) {
            notes.push([NOTE_BATCH_STARTED, run.records as u64, (run.ends_us - run.started_us) / 1_000]);
        }
        if now.1 != before.1 {
            notes.push([NOTE_BATCH_DONE, self.lambda.batch_runs, self.lambda.boundary.iter().sum()]);
        }
        if now.2 != before.2 {
            notes.push([NOTE_VERSION_SERVING, self.kappa.serving.version.into(), self.kappa.serving.job.reader.records_missed]);
        }
        if now.3 != before.3 {
            notes.push([NOTE_REBUILD_DONE, self.cqrs.live().position as u64, 0]);
        }
        notes
    }

    pub fn apply(&mut self, command: ArchCommand, topic: &TopicAccess, now: SimTime) -> Result<(), InputError> {
        let now_us = now.as_us();
        // A run may have ended since the last tick: finish it first, so no command meets a
        // run past its end.
        self.lambda.advance_batch(&mut self.shape, now_us);
        match command {
            ArchCommand::RunBatchNow => self.lambda.run_now(now_us)?,
            ArchCommand::DeployV2 { logic, allow_loss } => self.kappa.deploy(topic, logic, allow_loss, now_us)?,
            ArchCommand::SetLogic { layer: Layer::LambdaBatch, logic } => {
                self.lambda.batch_logic = logic;
                self.lambda.logic_changes += 1;
            }
            ArchCommand::SetLogic { layer: Layer::LambdaSpeed, logic } => {
                self.lambda.speed.logic = logic;
                self.lambda.logic_changes += 1;
            }
            ArchCommand::SetLogic { layer, .. } => {
                return Err(InputError::new("layer", format!("set_logic changes lambda_batch or lambda_speed (got {layer:?}); Kappa changes logic by deploy_v2, CQRS keeps one codebase")));
            }
            ArchCommand::RebuildProjection => self.cqrs.start_rebuild(now_us)?,
            ArchCommand::CrashLayer { layer } => self.crash(layer, now_us)?,
        }
        Ok(())
    }

    fn crash(&mut self, layer: Layer, now_us: u64) -> Result<(), InputError> {
        let down = match layer {
            Layer::LambdaSpeed => self.lambda.speed.is_down(),
            Layer::Kappa => self.kappa.serving.job.is_down(),
            Layer::CqrsCommands => self.cqrs.handler_down_until_us.is_some(),
            Layer::CqrsProjection => self.cqrs.projector.down_until_us.is_some(),
            Layer::LambdaBatch => self.lambda.batch_restarting(),
        };
        if down {
            return Err(InputError::new("layer", format!("{layer:?} is already down; it restarts by itself after architectures.restart_ms")));
        }
        match layer {
            Layer::LambdaBatch => self.lambda.crash_batch(now_us),
            Layer::LambdaSpeed => self.lambda.crash_speed(now_us),
            Layer::Kappa => self.kappa.crash(now_us),
            Layer::CqrsCommands => self.cqrs.crash_handler(now_us),
            Layer::CqrsProjection => self.cqrs.crash_projection(now_us),
        }
        Ok(())
    }

    /// What must always hold, whatever failed (checked after every event by the harnesses):
    /// the realtime view holds only rows above the batch boundary, the speed layer never
    /// reads below it, and every projection stays within the event log.
    pub fn check(&self) -> Result<(), String> {
        let l = &self.lambda;
        let realtime_rows: usize = l.realtime_rows().iter().map(|q| q.len()).sum();
        if realtime_rows != l.realtime_rows_total() {
            return Err(format!("Lambda: {realtime_rows} realtime rows, {} counted", l.realtime_rows_total()));
        }
        for (p, queue) in l.realtime_rows().iter().enumerate() {
            let below = queue.front().is_some_and(|&(offset, _)| offset < l.boundary[p]);
            if below || l.speed.reader.positions()[p] < l.boundary[p] {
                return Err(format!("Lambda partition {p}: the speed layer holds or reads rows below the batch boundary {}", l.boundary[p]));
            }
        }
        let c = &self.cqrs;
        let (live, log) = (c.live().position, c.log.len());
        let rebuild = c.projector.rebuild.as_ref().map_or(0, |r| r.projection.position);
        let snapshot = c.projector.snapshot.as_ref().map_or(0, |s| s.position);
        if live > log || rebuild > live || snapshot > live {
            return Err(format!("CQRS: projection {live}, rebuild {rebuild}, snapshot {snapshot}, log {log}"));
        }
        if self.kappa.replaying.as_ref().is_some_and(|v| v.version <= self.kappa.serving.version) {
            return Err("Kappa: the replaying version is not newer than the serving one".into());
        }
        Ok(())
    }

    /// The served answer of each architecture for one cell: (Lambda, Kappa, CQRS).
    pub fn served(&self, cell: &Cell) -> (i64, i64, i64) {
        (self.lambda.served(cell), self.kappa.serving.table.get(cell), self.cqrs.live().model.get(cell))
    }
}
