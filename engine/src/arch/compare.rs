//! The comparison, measured every run: how fresh each architecture's served answer is, how
//! far it is from the truth, what it costs in core time and storage, and what late data did
//! to it. The page draws these side by side; the series carry them over time.

use super::answer::{score, Score};
use super::reader::{TopicAccess, TopicReader};
use super::{Architectures, Logic};
use serde::Serialize;
use std::collections::BTreeMap;

/// Windows scored at most, looking back from the settled edge.
const SCORED_WINDOWS_MAX: i64 = 48;
/// Groups the page lists for the latest window.
const VIEW_ROWS_MAX: usize = 8;

/// One architecture's numbers at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Measure {
    /// How long the served answer has not reflected everything the topic holds (0: it
    /// does), ms: the time since its readers last stood at the end.
    pub staleness_ms: u64,
    pub score: Score,
    /// Core time spent so far (a stream process holds its core; a batch run holds its
    /// cores for its duration), s.
    pub cpu_s: f64,
    pub storage_bytes: u64,
    /// Rows a stream layer dropped because they came later than the allowed lateness.
    pub late_dropped_rows: u64,
}

/// Staleness above this is a stale spell: a fault or a slow layer, not the ordinary tick.
pub const STALE_MS: u64 = 5_000;

/// Recovery after a fault: how long the latest stale spell lasted, from the first sample
/// above `STALE_MS` to the first one back under it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Recovery {
    /// The spell going on now: since when (simulated ms).
    pub stale_since_ms: Option<u64>,
    /// The latest spell that ended: how long it lasted, ms.
    pub last_recovery_ms: Option<u64>,
    /// Stale spells so far.
    pub spells: u64,
}

impl Recovery {
    pub(crate) fn observe(&mut self, staleness_ms: u64, now_ms: u64) {
        match (self.stale_since_ms, staleness_ms > STALE_MS) {
            (None, true) => {
                self.stale_since_ms = Some(now_ms.saturating_sub(staleness_ms));
                self.spells += 1;
            }
            (Some(since), false) => {
                self.last_recovery_ms = Some(now_ms - since);
                self.stale_since_ms = None;
            }
            _ => {}
        }
    }
}

/// How long the served answer has not reflected everything the topic holds, µs: per
/// partition behind its end (or without a live leader to tell), the time since `reader` last
/// stood at the end; the worst partition counts. Measured on the simulation's clock, so a
/// producer's skewed clock (CreateTime) cannot distort it.
pub fn staleness_us(topic: &TopicAccess, positions: &[u64], reader: &TopicReader, now_us: u64) -> u64 {
    (0..topic.partitions())
        .filter(|&p| topic.end(p).is_none_or(|end| positions[p as usize] < end))
        .map(|p| now_us.saturating_sub(reader.caught_up_us()[p as usize]))
        .max()
        .unwrap_or(0)
}

/// A row of the side-by-side table: one group in one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupRow {
    pub group: String,
    pub truth: i64,
    pub lambda: i64,
    pub kappa: i64,
    pub cqrs: i64,
    /// What CQRS's rules refused in this cell on purpose (a daily limit, an unpaid order):
    /// `cqrs + cqrs_refused` is what it must add up to.
    pub cqrs_refused: i64,
}

/// One window of the side-by-side table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowRows {
    /// Start of the window in event time, ms.
    pub start_ms: i64,
    /// The window ended at least `architectures.settle_ms` ago: its answers are scored.
    pub settled: bool,
    /// Its largest groups by the truth.
    pub rows: Vec<GroupRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LambdaView {
    pub measure: Measure,
    pub recovery: Recovery,
    /// Logic changes so far, in either codebase; `logic_differs`: the two disagree now.
    pub logic_changes: u64,
    pub logic_differs: bool,
    /// "idle", "running" or "restarting".
    pub batch_state: &'static str,
    pub batch_progress_percent: u64,
    pub batch_runs: u64,
    pub last_batch_ms: Option<u64>,
    pub batch_logic: Logic,
    /// Core time per layer, s: the batch runs' and the speed layer's.
    pub batch_cpu_s: f64,
    pub speed_cpu_s: f64,
    pub master_records: u64,
    pub master_full: bool,
    /// Records below the batch boundary: what the batch view covers.
    pub batch_covers_records: u64,
    pub speed_logic: Logic,
    pub speed_down: bool,
    pub speed_lag_records: u64,
    pub realtime_full: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplayView {
    pub version: u32,
    pub logic: Logic,
    pub lag_records: u64,
    pub records_missed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KappaView {
    pub measure: Measure,
    pub recovery: Recovery,
    pub serving_version: u32,
    pub serving_logic: Logic,
    pub serving_down: bool,
    pub replaying: Option<ReplayView>,
    pub switches: Vec<super::kappa::Switch>,
    /// Records the serving version's replay could not read (retention removed them).
    pub records_missed: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CqrsView {
    pub measure: Measure,
    pub recovery: Recovery,
    pub events: u64,
    pub event_log_full: bool,
    pub projection_position: u64,
    /// Keys with an aggregate (payers, shoppers, authors).
    pub aggregates: u64,
    /// Core time per process, s: the command handler's and the projector's (with rebuilds).
    pub commands_cpu_s: f64,
    pub projection_cpu_s: f64,
    pub rejections: BTreeMap<&'static str, u64>,
    /// Command issued → visible to queries, at the last sample (p50, p99), ms.
    pub read_your_writes_ms: Option<(f64, f64)>,
    pub snapshot_at: Option<u64>,
    /// Events the running rebuild still has to replay.
    pub rebuild_left: Option<u64>,
    pub rebuilds: Vec<super::cqrs::RebuildDone>,
    pub commands_down: bool,
    pub projection_down: bool,
}

/// What the page shows of the architectures (field names are a contract with www/).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArchView {
    /// The question, with this run's window ("… per payer bank per minute").
    pub query: String,
    pub window_ms: i64,
    /// The latest window with data (still filling, so the answers differ in flight) and
    /// the latest settled one (where the differences that remain are real).
    pub latest: Option<WindowRows>,
    pub settled: Option<WindowRows>,
    pub lambda: LambdaView,
    pub kappa: KappaView,
    pub cqrs: CqrsView,
}

/// The query's title with this run's window in place of the domain's hour.
pub fn titled(title: &str, window_ms: i64) -> String {
    let per = match window_ms {
        60_000 => "per minute".to_string(),
        3_600_000 => "per hour".to_string(),
        86_400_000 => "per day".to_string(),
        ms if ms % 60_000 == 0 => format!("per {} minutes", ms / 60_000),
        ms => format!("per {} s", ms as f64 / 1e3),
    };
    match title.strip_suffix("per hour") {
        Some(stem) => format!("{stem}{per}"),
        None => format!("{title} ({per})"),
    }
}

impl Architectures {
    /// (Lambda, Kappa, CQRS) measured now.
    pub fn measures(&self, topic: &TopicAccess, now_us: u64) -> [Measure; 3] {
        let settled_before_us = now_us as i64 - i64::from(self.spec.settle_ms) * 1_000;
        let w = self.window_us();
        let cells = self.truth.cells();
        let scored = |served: &dyn Fn(&super::Cell) -> i64, tables: &[&super::answer::Answer]| {
            let tables: Vec<_> = tables.iter().map(|t| t.cells()).collect();
            score(cells, served, &tables, settled_before_us, w, SCORED_WINDOWS_MAX)
        };
        let (l, k, c) = (&self.lambda, &self.kappa, &self.cqrs);
        let cqrs_staleness_us = staleness_us(topic, c.handler.positions(), &c.handler, now_us).max(c.projector.staleness_us(c.log.len(), now_us));
        [
            Measure {
                staleness_ms: staleness_us(topic, &l.coverage(), &l.speed.reader, now_us) / 1_000,
                score: scored(&|cell| l.served(cell), &[&l.batch_view, &l.realtime]),
                cpu_s: l.cpu_us() as f64 / 1e6,
                storage_bytes: l.storage_bytes(),
                late_dropped_rows: l.speed.late_dropped_rows,
            },
            Measure {
                staleness_ms: staleness_us(topic, k.serving.job.reader.positions(), &k.serving.job.reader, now_us) / 1_000,
                score: scored(&|cell| k.serving.table.get(cell), &[&k.serving.table]),
                cpu_s: k.cpu_us() as f64 / 1e6,
                storage_bytes: k.serving.job.bytes_read + k.tables_bytes(),
                late_dropped_rows: k.serving.job.late_dropped_rows,
            },
            Measure {
                staleness_ms: cqrs_staleness_us / 1_000,
                // The rules' refusals are deliberate: scored as truth minus what they refused.
                score: scored(&|cell| c.live().model.get(cell) + c.rejected_rows.get(cell), &[&c.live().model, &c.rejected_rows]),
                cpu_s: c.cpu_us() as f64 / 1e6,
                storage_bytes: c.storage_bytes(),
                late_dropped_rows: 0,
            },
        ]
    }

    /// The series `ARCH_SERIES` names, in order.
    pub fn sample(&mut self, topic: &TopicAccess, now_us: u64) -> Vec<(&'static str, f64)> {
        if let Some(lags) = self.cqrs.take_lag_percentiles_ms() {
            self.read_your_writes_ms = Some(lags);
        }
        let m = self.measures(topic, now_us);
        for (recovery, m) in self.recovery.iter_mut().zip(&m) {
            recovery.observe(m.staleness_ms, now_us / 1_000);
        }
        let mut out = Vec::with_capacity(crate::metrics::ARCH_SERIES.len());
        let names = &crate::metrics::ARCH_SERIES;
        for (i, m) in m.iter().enumerate() {
            out.push((names[i], m.staleness_ms as f64));
            out.push((names[3 + i], m.score.error_percent));
            out.push((names[6 + i], m.cpu_s));
            out.push((names[9 + i], m.storage_bytes as f64 / 1e6));
        }
        out.push(("lambda_late_dropped", m[0].late_dropped_rows as f64));
        out.push(("kappa_late_dropped", m[1].late_dropped_rows as f64));
        if let Some((_, p99)) = self.read_your_writes_ms {
            out.push(("cqrs_read_your_writes_p99_ms", p99));
        }
        out
    }

    pub fn view(&self, topic: &TopicAccess, now_us: u64) -> ArchView {
        let [lm, km, cm] = self.measures(topic, now_us);
        let w = self.window_us();
        let settled_before_us = now_us as i64 - i64::from(self.spec.settle_ms) * 1_000;
        let cells = self.truth.cells();
        let latest = cells.last_key_value().map(|(&(start, _), _)| start);
        // The last cell of a window starting at or before the settled edge minus a window.
        let settled = cells.range(..(settled_before_us - w + 1, 0)).next_back().map(|(&(start, _), _)| start);
        ArchView {
            query: titled(self.truth.query().title, w / 1_000),
            window_ms: w / 1_000,
            latest: latest.map(|start| self.window_rows(start, settled_before_us)),
            settled: settled.map(|start| self.window_rows(start, settled_before_us)),
            lambda: self.lambda_view(lm, now_us),
            kappa: self.kappa_view(km),
            cqrs: self.cqrs_view(cm),
        }
    }

    fn window_rows(&self, start: i64, settled_before_us: i64) -> WindowRows {
        let group_name = self.truth.query().group_name;
        let mut rows: Vec<GroupRow> = self
            .truth
            .cells()
            .range((start, 0)..(start + 1, 0))
            .map(|(cell, &truth)| {
                let (lambda, kappa, cqrs) = self.served(cell);
                GroupRow { group: group_name(cell.1), truth, lambda, kappa, cqrs, cqrs_refused: self.cqrs.rejected_rows.get(cell) }
            })
            .collect();
        crate::sim::sort::sort_by(&mut rows, |a, b| b.truth.cmp(&a.truth).then_with(|| a.group.cmp(&b.group)));
        rows.truncate(VIEW_ROWS_MAX);
        WindowRows { start_ms: start / 1_000, settled: start + self.window_us() <= settled_before_us, rows }
    }

    fn lambda_view(&self, measure: Measure, now_us: u64) -> LambdaView {
        let l = &self.lambda;
        let (batch_state, batch_progress_percent) = match &l.run {
            Some(run) => ("running", run.progress_percent(now_us)),
            None if l.batch_restarting() => ("restarting", 0),
            None => ("idle", 0),
        };
        LambdaView {
            measure,
            recovery: self.recovery[0],
            logic_changes: l.logic_changes,
            logic_differs: l.batch_logic != l.speed.logic,
            batch_state,
            batch_progress_percent,
            batch_runs: l.batch_runs,
            last_batch_ms: l.last_batch_ms,
            batch_logic: l.batch_logic,
            batch_cpu_s: l.batch_cpu_us as f64 / 1e6,
            speed_cpu_s: l.speed.cpu_us as f64 / 1e6,
            master_records: l.master_records() as u64,
            master_full: l.master_full(),
            batch_covers_records: l.boundary.iter().sum(),
            speed_logic: l.speed.logic,
            speed_down: l.speed.is_down(),
            speed_lag_records: l.speed.reader.lag_records(),
            realtime_full: l.realtime_full(),
        }
    }

    fn kappa_view(&self, measure: Measure) -> KappaView {
        let k = &self.kappa;
        KappaView {
            measure,
            recovery: self.recovery[1],
            serving_version: k.serving.version,
            serving_logic: k.serving.job.logic,
            serving_down: k.serving.job.is_down(),
            replaying: k.replaying.as_ref().map(|v| ReplayView { version: v.version, logic: v.job.logic, lag_records: v.job.reader.lag_records(), records_missed: v.job.reader.records_missed }),
            switches: k.switches.iter().rev().take(5).cloned().collect(),
            records_missed: k.serving.job.reader.records_missed,
        }
    }

    fn cqrs_view(&self, measure: Measure) -> CqrsView {
        let c = &self.cqrs;
        CqrsView {
            measure,
            recovery: self.recovery[2],
            events: c.log.len() as u64,
            event_log_full: c.log_full(),
            projection_position: c.live().position as u64,
            aggregates: c.aggregates() as u64,
            commands_cpu_s: c.handler_cpu_us as f64 / 1e6,
            projection_cpu_s: c.projector_cpu_us as f64 / 1e6,
            rejections: c.rejections.clone(),
            read_your_writes_ms: self.read_your_writes_ms,
            snapshot_at: c.projector.snapshot.as_ref().map(|s| s.position as u64),
            rebuild_left: c.projector.rebuild.as_ref().map(|r| (c.live().position - r.projection.position) as u64),
            rebuilds: c.projector.rebuilds.iter().rev().take(5).cloned().collect(),
            commands_down: c.handler_down_until_us.is_some(),
            projection_down: c.projector.down_until_us.is_some(),
        }
    }
}
