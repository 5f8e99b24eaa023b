//! What the page shows of the stream job: per source and keyed task their watermark, counts
//! and state, the checkpoints, the sink's exactly-once ledger, and in one sentence why no
//! result has appeared yet. Field names are a contract with the JS shell (www/), as for the
//! rest of the snapshot: www/stream-panel.js reads these (and Output, SinkCounts and
//! CheckpointStat) by name, so rename a field here and you must rename it there too.

use super::checkpoint::CheckpointStat;
use super::operator::Output;
use super::sink::SinkCounts;
use super::Job;
use crate::scenario::stream::Delivery;
use crate::stream::{EventTimeUs, BEGINNING_OF_TIME_US};
use serde::Serialize;

/// Results listed in the snapshot.
const OUTPUTS_SHOWN: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct JobView {
    pub job: String,
    pub delivery: Delivery,
    /// "running" or "restarting".
    pub status: &'static str,
    pub restarts: u32,
    /// How fast each keyed task processes, records/s: the scenario's, grown at real scale,
    /// or what `set_operator_rate` last set.
    pub operator_records_per_s: u32,
    pub sources: Vec<SourceView>,
    pub tasks: Vec<TaskView>,
    pub checkpoints: CheckpointsView,
    pub sink: SinkCounts,
    /// Rows in the serving store (latest result per key and window) and rewrites of a row.
    pub store_rows: u64,
    pub store_rewrites: u64,
    pub recent_outputs: Vec<Output>,
    /// Why nothing has come out yet (`None` once results flow).
    pub waiting: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SourceView {
    pub task: u16,
    pub partitions: Vec<PartitionWatermarkView>,
    /// `None`: still at the beginning of time.
    pub watermark_us: Option<EventTimeUs>,
    pub idle: bool,
    /// Event-time distance between its fastest and slowest active partition.
    pub skew_us: Option<u64>,
    pub stalled_by: Option<String>,
    pub records_in: u64,
    pub records_out: u64,
    pub backpressured: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartitionWatermarkView {
    pub partition: u32,
    pub watermark_us: Option<EventTimeUs>,
    pub idle: bool,
    pub next_offset: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TaskView {
    pub task: u16,
    pub watermark_us: Option<EventTimeUs>,
    pub records_in: u64,
    pub records_out: u64,
    pub late_dropped: u64,
    /// Ids of the latest records dropped as too late (the side output), as decimal strings:
    /// record ids use the whole u64 range, beyond what a JS number holds exactly.
    pub late_recent: Vec<String>,
    pub state_bytes: u64,
    pub state_keys: u64,
    /// Records waiting in its input channels.
    pub queued_records: u64,
    /// The checkpoint it is aligning barriers for.
    pub aligning: Option<u64>,
    pub latency_us_last: u64,
    pub latency_us_max: u64,
    /// Its part of the last checkpoint it acknowledged: barrier alignment plus writing.
    pub checkpoint_us_last: u64,
    pub waiting: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckpointsView {
    pub interval_ms: u32,
    pub completed: u64,
    pub abandoned: u64,
    pub in_progress: Option<u64>,
    pub latest: Option<CheckpointStat>,
    pub history: Vec<CheckpointStat>,
}

fn known(watermark_us: EventTimeUs) -> Option<EventTimeUs> {
    (watermark_us > BEGINNING_OF_TIME_US).then_some(watermark_us)
}

impl Job {
    pub fn view(&self, now_us: u64) -> JobView {
        let sources: Vec<SourceView> = self.sources.iter().map(|s| self.source_view(s, now_us)).collect();
        let tasks: Vec<TaskView> = self.tasks.iter().map(|t| {
            let queued = self.channels[t.index as usize].iter().map(|c| u64::from(c.records())).sum();
            TaskView {
                task: t.index,
                watermark_us: known(t.watermark_us),
                records_in: t.counts.records_in,
                records_out: t.counts.records_out,
                late_dropped: t.counts.late_dropped,
                late_recent: t.late_recent.iter().map(u64::to_string).collect(),
                state_bytes: t.operator.state_bytes() as u64,
                state_keys: t.operator.state_keys() as u64,
                queued_records: queued,
                aligning: t.aligning(),
                latency_us_last: t.counts.latency_us_last,
                latency_us_max: t.counts.latency_us_max,
                checkpoint_us_last: t.counts.checkpoint_us_last,
                waiting: t.operator.waiting(t.watermark_us),
            }
        }).collect();
        let waiting = self.waiting(&sources, &tasks);
        let c = &self.coordinator;
        JobView {
            job: self.spec.job.clone(),
            delivery: self.spec.delivery,
            status: if self.restarting { "restarting" } else { "running" },
            restarts: self.restarts,
            operator_records_per_s: self.spec.operator_records_per_s,
            sources,
            tasks,
            checkpoints: CheckpointsView {
                interval_ms: self.spec.checkpoint.interval_ms,
                completed: c.completed,
                abandoned: c.abandoned,
                in_progress: c.pending(),
                latest: c.history.back().copied(),
                history: c.history.iter().copied().collect(),
            },
            sink: self.sink.counts().clone(),
            store_rows: self.sink.store().len() as u64,
            store_rewrites: self.sink.store().rewrites,
            recent_outputs: self.sink.recent().rev().take(OUTPUTS_SHOWN).cloned().collect(),
            waiting,
        }
    }

    fn source_view(&self, source: &super::source::SourceTask, now_us: u64) -> SourceView {
        let combiner = source.state.watermarks.combiner();
        let partitions = source
            .partitions
            .iter()
            .zip(combiner.inputs())
            .map(|(&p, input)| PartitionWatermarkView { partition: p, watermark_us: known(input.watermark_us), idle: input.idle, next_offset: source.state.offsets.get(&p).copied() })
            .collect();
        SourceView {
            task: source.index,
            partitions,
            watermark_us: known(combiner.watermark_us()),
            idle: combiner.is_idle(),
            skew_us: combiner.skew_us(),
            stalled_by: combiner.stalled_by(now_us).map(|stall| {
                let partition = source.partitions[stall.input];
                let why = if stall.no_record_yet { ": no record yet" } else { "" };
                format!("partition {partition}, silent for {} ms{why}", stall.idle_for_us / 1_000)
            }),
            records_in: source.records_in,
            records_out: source.records_out,
            backpressured: self.paused[source.index as usize],
        }
    }

    /// The numbers behind the `stream_*` metrics series.
    pub fn sample(&self, now_us: u64) -> crate::metrics::StreamSample {
        let watermark = self.tasks.iter().map(|t| t.watermark_us).min().unwrap_or(BEGINNING_OF_TIME_US);
        crate::metrics::StreamSample {
            watermark_lag_us: if watermark <= 0 { now_us } else { now_us.saturating_sub(watermark as u64) },
            results_total: self.sink.counts().visible,
            late_dropped_total: self.late_dropped(),
            state_bytes: self.tasks.iter().map(|t| t.operator.state_bytes() as u64).sum(),
            checkpoint_duration_us_last: self.coordinator.history.back().map_or(0, |c| c.duration_us),
            result_latency_us_last: self.tasks.iter().map(|t| t.counts.latency_us_last).max().unwrap_or(0),
            queued_records: self.channels.iter().flatten().map(|c| u64::from(c.records())).sum(),
        }
    }

    /// One sentence for the page: why no result has come out, or `None` once some have.
    fn waiting(&self, sources: &[SourceView], tasks: &[TaskView]) -> Option<String> {
        if self.sink.counts().visible > 0 {
            return None;
        }
        if self.restarting {
            return Some("the job is restarting after a failure".into());
        }
        if self.spec.delivery == Delivery::ExactlyOnce && self.sink.counts().pending > 0 {
            let pending = self.sink.counts().pending;
            let (results, wait) = if pending == 1 { ("result", "waits") } else { ("results", "wait") };
            return Some(format!("{pending} {results} {wait} in transactions for the next checkpoint to complete (exactly-once)"));
        }
        if let Some(source) = sources.iter().find(|s| s.watermark_us.is_none()) {
            let by = source.stalled_by.clone().unwrap_or_else(|| "its partitions".into());
            return Some(format!("source task {} has no watermark yet: held back by {by}", source.task));
        }
        tasks.iter().find_map(|t| t.waiting.clone()).or_else(|| Some("no records have reached the keyed tasks yet".into()))
    }
}
