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
pub mod spec;
pub mod stream_layer;
#[cfg(test)]
mod tests;

use crate::error::InputError;
use crate::scenario::stream::EventTimeSpec;
use crate::sim::SimTime;
use crate::workload::{Payload, QueryTruth, WorkloadSpec};
use answer::{Cell, Shape};
use reader::TopicAccess;
use serde::{Deserialize, Serialize};
pub use spec::{ArchSpec, Logic};

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

impl Layer {
    pub const NAMES: &'static str = "lambda_batch, lambda_speed, kappa, cqrs_commands, cqrs_projection";
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

/// What happened in a tick, for the trace: (code, a, b).
pub type Note = [u64; 3];
pub const NOTE_BATCH_STARTED: u64 = 1;
pub const NOTE_BATCH_DONE: u64 = 2;
pub const NOTE_VERSION_SERVING: u64 = 3;
pub const NOTE_REBUILD_DONE: u64 = 4;

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
            spec: spec.clone(),
        }
    }

    pub fn spec(&self) -> &ArchSpec {
        &self.spec
    }

    pub fn tick_interval_us(&self) -> u64 {
        u64::from(self.spec.tick_ms) * 1_000
    }

    pub fn truth(&self) -> &QueryTruth {
        &self.truth
    }

    pub fn window_us(&self) -> i64 {
        self.shape.window_us
    }

    /// The producer created a record: the truth side.
    pub fn on_created(&mut self, record_id: u64, timestamp_us: u64, payload: &Payload) {
        self.truth.on_created(record_id, timestamp_us, payload);
    }

    /// Every layer reads and computes for the time since the last tick.
    pub fn tick(&mut self, topic: &TopicAccess, now: SimTime) -> Vec<Note> {
        let now_us = now.as_us();
        let elapsed_us = now_us - self.last_tick_us;
        self.last_tick_us = now_us;
        let before = (self.lambda.batch_runs, self.kappa.switches_total, self.cqrs.rebuilds_total);
        self.lambda.tick(topic, &mut self.shape, elapsed_us, now_us);
        self.kappa.tick(topic, &mut self.shape, elapsed_us, now_us);
        self.cqrs.tick(topic, &mut self.shape, elapsed_us, now_us);
        let mut notes = Vec::new();
        if let Some(run) = self.lambda.run.as_ref().filter(|r| r.started_us == now_us) {
            notes.push([NOTE_BATCH_STARTED, run.records as u64, (run.ends_us - run.started_us) / 1_000]);
        }
        if self.lambda.batch_runs != before.0 {
            notes.push([NOTE_BATCH_DONE, self.lambda.batch_runs, self.lambda.boundary.iter().sum()]);
        }
        if self.kappa.switches_total != before.1 {
            notes.push([NOTE_VERSION_SERVING, self.kappa.serving.version.into(), self.kappa.serving.job.reader.records_missed]);
        }
        if self.cqrs.rebuilds_total != before.2 {
            notes.push([NOTE_REBUILD_DONE, self.cqrs.live.position as u64, 0]);
        }
        notes
    }

    pub fn apply(&mut self, command: ArchCommand, topic: &TopicAccess, now: SimTime) -> Result<(), InputError> {
        let now_us = now.as_us();
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
            Layer::CqrsProjection => self.cqrs.projection_down_until_us.is_some(),
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

    /// The served answer of each architecture for one cell: (Lambda, Kappa, CQRS).
    pub fn served(&self, cell: &Cell) -> (i64, i64, i64) {
        (self.lambda.served(cell), self.kappa.serving.table.get(cell), self.cqrs.live.model.get(cell))
    }
}
