//! A running stream job, Flink's runtime in miniature: source tasks read Kafka partitions
//! through the simulated consumers, run the stateless steps and send each record over a
//! bounded channel to the keyed task that owns its key; keyed tasks run the windowed or
//! process operator and write results to the sink. A coordinator takes checkpoints by
//! barriers, and a failure restarts every task from the last completed checkpoint, with the
//! sources rewound to its offsets. The job is driven by the simulation: it hears of every
//! consumed batch and of its own timers, and answers with a `JobOut` of things to do.

pub mod chain;
pub mod checkpoint;
pub mod operator;
pub mod routing;
pub mod sink;
pub mod source;
pub mod store;
pub mod task;
pub mod timing;
mod view;

use crate::kafka::protocol::FetchedRecord;
use crate::scenario::stream::{Delivery, StreamSpec};
use crate::sim::{Duration, TraceKind};
use crate::stream::{EventTimeUs, StreamRecord};
use checkpoint::Coordinator;
use operator::{KeyedOperator, Output};
use sink::Sink;
use source::SourceTask;
use std::collections::{BTreeMap, VecDeque};
use task::KeyedTask;

pub use view::{JobView, SourceView, TaskView};

/// A keyed task works in slices of this much processing time, so watermarks and barriers
/// interleave with records at a realistic grain without an event per record.
const SLICE_US: u64 = 10_000;

/// What travels over a channel, in order: records, watermarks, idleness and barriers.
#[derive(Clone, Debug)]
pub enum Item {
    Record(StreamRecord),
    Watermark(EventTimeUs),
    /// Every partition of the sending source is idle: leave it out of the minimum.
    Idle,
    Barrier(u64),
}

/// A bounded FIFO between a source task and a keyed task; its capacity counts records.
#[derive(Clone, Debug, Default)]
pub struct Channel {
    items: VecDeque<Item>,
    records: u32,
}

impl Channel {
    pub fn push(&mut self, item: Item) {
        self.records += u32::from(matches!(item, Item::Record(_)));
        self.items.push_back(item);
    }
    pub fn pop(&mut self) -> Option<Item> {
        let item = self.items.pop_front()?;
        self.records -= u32::from(matches!(item, Item::Record(_)));
        Some(item)
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn records(&self) -> u32 {
        self.records
    }
}

/// The job's timers; those of an earlier attempt are ignored after a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobTimer {
    Watermarks,
    Checkpoint,
    CheckpointTimeout { id: u64 },
    /// `wake`: set for the task's processing-time timers rather than to carry on working.
    Work { task: u16, attempt: u32, wake: bool },
    /// Task `task` has written its snapshot for checkpoint `id` to storage.
    Acknowledge { id: u64, task: u16, attempt: u32 },
    Restart { attempt: u32 },
}

impl JobTimer {
    /// (code, argument) for the trace.
    pub fn code(self) -> (u64, u64) {
        match self {
            JobTimer::Watermarks => (101, 0),
            JobTimer::Checkpoint => (102, 0),
            JobTimer::CheckpointTimeout { id } => (103, id),
            JobTimer::Work { task, .. } => (104, task.into()),
            JobTimer::Restart { attempt } => (105, attempt.into()),
            JobTimer::Acknowledge { id, .. } => (106, id),
        }
    }
}

/// What the job asks the simulation to do.
#[derive(Debug, Default)]
pub struct JobOut {
    pub timers: Vec<(Duration, JobTimer)>,
    /// (source task, paused): backpressure on that source's consumer.
    pub pause: Vec<(u16, bool)>,
    /// Restart crashed source consumers, then move every source to these offsets.
    pub restore: Option<BTreeMap<u32, u64>>,
    /// A checkpoint completed: commit its offsets to the group (for lag monitoring only).
    pub commit: Option<BTreeMap<u32, u64>>,
    pub notes: Vec<(TraceKind, [u64; 3])>,
}

#[derive(Clone, Debug)]
pub struct Job {
    spec: StreamSpec,
    sources: Vec<SourceTask>,
    tasks: Vec<KeyedTask>,
    /// `channels[task][source]`.
    channels: Vec<Vec<Channel>>,
    coordinator: Coordinator,
    sink: Sink,
    attempt: u32,
    restarting: bool,
    pub restarts: u32,
    /// A Work timer is pending for the task (it is busy or about to be woken).
    scheduled: Vec<bool>,
    /// The processing time a task asked to be woken at for its timers.
    wake_at: Vec<Option<u64>>,
    paused: Vec<bool>,
    /// Snapshots being written to storage, by (checkpoint, task).
    uploading: BTreeMap<(u64, u16), task::TaskState>,
}

impl Job {
    /// A job over `topic`'s `partitions` with `readers` source tasks (validated scenario).
    pub fn new(spec: &StreamSpec, topic: &str, partitions: u32, readers: u16) -> Job {
        let mut owned: Vec<Vec<u32>> = vec![Vec::new(); readers as usize];
        for p in 0..partitions {
            owned[routing::split_owner(topic, p, readers) as usize].push(p);
        }
        let sources = owned.into_iter().enumerate().map(|(i, parts)| SourceTask::new(i as u16, parts, spec)).collect();
        let tasks = (0..spec.parallelism).map(|t| KeyedTask::new(t, KeyedOperator::from_spec(&spec.operator), readers as usize)).collect();
        Job {
            sources,
            tasks,
            channels: vec![vec![Channel::default(); readers as usize]; spec.parallelism as usize],
            coordinator: Coordinator::new(),
            sink: Sink::new(spec.delivery, spec.parallelism),
            attempt: 0,
            restarting: false,
            restarts: 0,
            scheduled: vec![false; spec.parallelism as usize],
            wake_at: vec![None; spec.parallelism as usize],
            paused: vec![false; readers as usize],
            uploading: BTreeMap::new(),
            spec: spec.clone(),
        }
    }

    /// The partitions source task `reader` owns (its consumer is assigned them).
    pub fn partitions_of(&self, reader: u16) -> Vec<u32> {
        self.sources[reader as usize].partitions.clone()
    }

    pub fn start(&mut self, out: &mut JobOut) {
        out.timers.push((self.watermark_interval(), JobTimer::Watermarks));
        if self.spec.delivery != Delivery::AtMostOnce {
            out.timers.push((ms(self.spec.checkpoint.interval_ms), JobTimer::Checkpoint));
        }
    }

    /// Keeps every visible result, for tests that recompute what the output should be.
    pub fn keep_all_outputs(&mut self) {
        self.sink.keep_all();
    }
    /// A downstream reader will take the results as they become visible.
    pub fn watch_outputs(&mut self) {
        self.sink.watch();
    }
    /// The results that became visible since the last call (empty unless watched).
    pub fn take_fresh_outputs(&mut self) -> Vec<Output> {
        self.sink.take_fresh()
    }
    pub fn sink(&self) -> &Sink {
        &self.sink
    }
    pub fn coordinator(&self) -> &Coordinator {
        &self.coordinator
    }
    /// Which run of the tasks this is: 0 at first, one more after each failure.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    pub fn is_restarting(&self) -> bool {
        self.restarting
    }
    pub fn tasks(&self) -> &[KeyedTask] {
        &self.tasks
    }
    /// Where each source reads next, by partition: the job has consumed every record below.
    pub fn source_offsets(&self) -> BTreeMap<u32, u64> {
        self.sources.iter().flat_map(|s| s.state.offsets.iter().map(|(&p, &o)| (p, o))).collect()
    }
    /// No record or marker waits between the sources and the keyed tasks, and no task is
    /// busy (a task hands its results to the sink when its slice of work ends).
    pub fn is_idle(&self) -> bool {
        self.channels.iter().flatten().all(Channel::is_empty) && !self.scheduled.iter().any(|&s| s)
    }
    /// Records dropped as too late by every keyed task (the late side output).
    pub fn late_dropped(&self) -> u64 {
        self.tasks.iter().map(|t| t.counts.late_dropped).sum()
    }

    pub fn set_operator_rate(&mut self, records_per_s: u32) {
        self.spec.operator_records_per_s = records_per_s;
    }

    /// Partitions of source task `reader` whose start offset the job does not know yet.
    pub fn unresolved(&self, reader: u16) -> Vec<u32> {
        let source = &self.sources[reader as usize];
        source.partitions.iter().copied().filter(|p| !source.state.offsets.contains_key(p)).collect()
    }

    /// The consumer resolved where `partition` starts (auto.offset.reset): the source keeps
    /// it, so every checkpoint names an explicit offset for every partition it owns. Without
    /// it a restore would apply the reset policy again and, under "latest", skip records
    /// (Flink stores the resolved offset in the split's state for the same reason).
    pub fn resolve(&mut self, reader: u16, partition: u32, offset: u64) {
        if !self.restarting {
            self.sources[reader as usize].state.offsets.entry(partition).or_insert(offset);
        }
    }

    /// Source task `reader`'s consumer finished processing a poll batch.
    pub fn on_source_batch(&mut self, reader: u16, records: &[FetchedRecord], now_us: u64, out: &mut JobOut) {
        if self.restarting {
            return;
        }
        let s = reader as usize;
        let mut row = outgoing(&mut self.channels, s);
        self.sources[s].on_batch(records, &self.spec, &mut row, now_us);
        let capacity = self.spec.channel_capacity_records;
        if !self.paused[s] && row.iter().any(|c| c.records() > capacity) {
            self.paused[s] = true;
            out.pause.push((reader, true));
        }
        self.wake_all(out);
    }

    pub fn on_timer(&mut self, timer: JobTimer, now_us: u64, out: &mut JobOut) {
        match timer {
            JobTimer::Watermarks => {
                out.timers.push((self.watermark_interval(), JobTimer::Watermarks));
                if !self.restarting {
                    self.emit_watermarks(now_us);
                    self.wake_all(out);
                }
            }
            JobTimer::Checkpoint => {
                out.timers.push((ms(self.spec.checkpoint.interval_ms), JobTimer::Checkpoint));
                if !self.restarting {
                    self.trigger_checkpoint(now_us, out);
                }
            }
            JobTimer::CheckpointTimeout { id } => {
                if self.coordinator.abandon(Some(id)).is_some() {
                    self.tasks.iter_mut().for_each(|t| t.cancel_alignment(id));
                    self.uploading.retain(|&(uploading, _), _| uploading != id);
                    out.notes.push((TraceKind::CheckpointAbandoned, [id, 0, 0]));
                    self.wake_all(out);
                }
            }
            JobTimer::Work { task, attempt, wake } if attempt == self.attempt => {
                // A busy task's next slice runs its due timers: waking it as well would start
                // a second chain of slices and double its processing rate.
                if wake && self.scheduled[task as usize] {
                    return;
                }
                self.scheduled[task as usize] = false;
                self.work(task, now_us, out);
            }
            JobTimer::Acknowledge { id, task, attempt } if attempt == self.attempt => self.acknowledge(id, task, now_us, out),
            JobTimer::Restart { attempt } if attempt == self.attempt => self.restart(now_us, out),
            JobTimer::Work { .. } | JobTimer::Acknowledge { .. } | JobTimer::Restart { .. } => {}
        }
    }

    fn watermark_interval(&self) -> Duration {
        ms(self.spec.watermark.interval_ms)
    }

    fn emit_watermarks(&mut self, now_us: u64) {
        for (s, source) in self.sources.iter_mut().enumerate() {
            let mut row = outgoing(&mut self.channels, s);
            source.emit_watermark(&mut row, now_us);
        }
    }

    fn trigger_checkpoint(&mut self, now_us: u64, out: &mut JobOut) {
        let states = self.sources.iter().map(|s| s.state.clone()).collect();
        let Some(id) = self.coordinator.trigger(states, self.tasks.len(), now_us) else { return };
        for (s, source) in self.sources.iter().enumerate() {
            let mut row = outgoing(&mut self.channels, s);
            source.inject_barrier(id, &mut row);
        }
        out.notes.push((TraceKind::CheckpointTriggered, [id, 0, 0]));
        out.timers.push((ms(self.spec.checkpoint.timeout_ms), JobTimer::CheckpointTimeout { id }));
        self.wake_all(out);
    }

    /// One slice of a keyed task's work, then what follows from it: results to the sink,
    /// its checkpoint acknowledgement, resumed sources, and its next wake-up.
    fn work(&mut self, t: u16, now_us: u64, out: &mut JobOut) {
        let rate = u64::from(self.spec.operator_records_per_s);
        let budget = (rate * SLICE_US / 1_000_000).max(1);
        let aligned = self.spec.delivery == Delivery::ExactlyOnce;
        let pending = self.coordinator.pending();
        let worked = self.tasks[t as usize].work(&mut self.channels[t as usize], budget, now_us, pending, aligned);
        if !worked.outputs.is_empty() {
            out.notes.push((TraceKind::StreamOutput, [t.into(), worked.outputs.len() as u64, worked.records]));
        }
        for output in worked.outputs {
            self.sink.write(t, output);
        }
        let snapshotted = worked.snapshot.is_some();
        if let Some((id, state)) = worked.snapshot {
            // The synchronous part: the transaction is closed with the snapshot; writing the
            // state to storage happens in the background, and the acknowledgement follows.
            self.sink.precommit(t, id);
            let upload_us = (state.state_bytes * 1_000).div_ceil(u64::from(self.spec.checkpoint.storage_bytes_per_ms));
            self.uploading.insert((id, t), state);
            out.timers.push((Duration::from_us(upload_us), JobTimer::Acknowledge { id, task: t, attempt: self.attempt }));
        }
        self.resume_sources(out);
        let busy_us = (worked.records * 1_000_000).div_ceil(rate);
        let more = self.channels[t as usize].iter().any(|c| !c.is_empty());
        if worked.records > 0 || (more && snapshotted) {
            self.schedule(t, busy_us, out);
        }
        self.wake_for_timers(t, now_us, out);
    }

    fn acknowledge(&mut self, id: u64, t: u16, now_us: u64, out: &mut JobOut) {
        let Some(state) = self.uploading.remove(&(id, t)) else { return };
        if let Some(started_at_us) = self.coordinator.started_at_us(id) {
            self.tasks[t as usize].counts.checkpoint_us_last = now_us - started_at_us;
        }
        if let Some(done) = self.coordinator.acknowledge(id, t, state, now_us) {
            let (size, duration) = (done.size_bytes, done.completed_at_us - done.started_at_us);
            out.commit = Some(all_offsets(done.sources.iter()));
            self.sink.commit(id);
            out.notes.push((TraceKind::CheckpointCompleted, [id, duration, size]));
        }
    }

    fn resume_sources(&mut self, out: &mut JobOut) {
        let capacity = self.spec.channel_capacity_records;
        for s in 0..self.sources.len() {
            if self.paused[s] && self.channels.iter().all(|row| row[s].records() <= capacity) {
                self.paused[s] = false;
                out.pause.push((s as u16, false));
            }
        }
    }

    fn wake_for_timers(&mut self, t: u16, now_us: u64, out: &mut JobOut) {
        let Some(at) = self.tasks[t as usize].operator.next_processing_time_us() else { return };
        if self.wake_at[t as usize].is_some_and(|w| w <= at && w > now_us) {
            return;
        }
        self.wake_at[t as usize] = Some(at);
        out.timers.push((Duration::from_us(at.saturating_sub(now_us)), JobTimer::Work { task: t, attempt: self.attempt, wake: true }));
    }

    fn schedule(&mut self, t: u16, after_us: u64, out: &mut JobOut) {
        if !std::mem::replace(&mut self.scheduled[t as usize], true) {
            out.timers.push((Duration::from_us(after_us), JobTimer::Work { task: t, attempt: self.attempt, wake: false }));
        }
    }

    /// Wakes every idle task that has something in its channels.
    fn wake_all(&mut self, out: &mut JobOut) {
        for t in 0..self.tasks.len() {
            if self.channels[t].iter().any(|c| !c.is_empty()) {
                self.schedule(t as u16, 0, out);
            }
        }
    }

    /// A task or a source failed: cancel everything, abort open transactions, and restart
    /// every task after the restart delay (Flink's fixed-delay restart, whole-job failover).
    pub fn fail(&mut self, out: &mut JobOut) {
        self.attempt += 1;
        self.restarting = true;
        if let Some(id) = self.coordinator.abandon(None) {
            out.notes.push((TraceKind::CheckpointAbandoned, [id, 1, 0]));
        }
        self.channels.iter_mut().flatten().for_each(|c| *c = Channel::default());
        self.sink.abort();
        self.uploading.clear();
        self.scheduled.iter_mut().for_each(|s| *s = false);
        self.wake_at.iter_mut().for_each(|w| *w = None);
        for s in 0..self.sources.len() {
            self.paused[s] = true;
            out.pause.push((s as u16, true));
        }
        out.notes.push((TraceKind::JobFailed, [self.attempt.into(), self.coordinator.latest().map_or(0, |c| c.id), 0]));
        out.timers.push((ms(self.spec.checkpoint.restart_delay_ms), JobTimer::Restart { attempt: self.attempt }));
    }

    fn restart(&mut self, now_us: u64, out: &mut JobOut) {
        self.restarting = false;
        self.restarts += 1;
        let checkpoint = self.coordinator.latest().filter(|_| self.spec.delivery != Delivery::AtMostOnce).cloned();
        match &checkpoint {
            Some(c) => {
                for (task, state) in self.tasks.iter_mut().zip(&c.tasks) {
                    task.restore(state);
                }
                for (source, state) in self.sources.iter_mut().zip(&c.sources) {
                    source.state = state.clone();
                    source.idle_sent = false;
                    source.announce = true;
                }
            }
            None => {
                let fresh = KeyedOperator::from_spec(&self.spec.operator);
                for task in &mut self.tasks {
                    *task = KeyedTask::new(task.index, fresh.clone(), self.sources.len());
                }
                let keep_offsets = self.spec.delivery == Delivery::AtMostOnce;
                for source in &mut self.sources {
                    if !keep_offsets {
                        source.state.offsets.clear();
                    }
                    source.reset(now_us);
                }
            }
        }
        out.restore = Some(all_offsets(self.sources.iter().map(|s| &s.state)));
        for s in 0..self.sources.len() {
            self.paused[s] = false;
            out.pause.push((s as u16, false));
        }
        for t in 0..self.tasks.len() as u16 {
            self.wake_for_timers(t, now_us, out);
        }
        out.notes.push((TraceKind::JobRestored, [self.restarts.into(), checkpoint.map_or(0, |c| c.id), 0]));
    }
}

/// Source `s`'s outgoing channels, one per keyed task (they are stored per task).
fn outgoing(channels: &mut [Vec<Channel>], s: usize) -> Vec<&mut Channel> {
    channels.iter_mut().map(|row| &mut row[s]).collect()
}

/// Every partition's offset across the sources' states.
fn all_offsets<'a>(sources: impl Iterator<Item = &'a source::SourceState>) -> BTreeMap<u32, u64> {
    sources.flat_map(|s| s.offsets.iter().map(|(&p, &o)| (p, o))).collect()
}

fn ms(value: u32) -> Duration {
    Duration::from_ms(value.into())
}
