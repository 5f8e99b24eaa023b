//! The Lambda architecture (Nathan Marz): every record is kept forever in an immutable,
//! append-only master dataset; a batch layer recomputes its view from the whole dataset on a
//! schedule, slowly but exactly; a speed layer covers only what arrived since the last batch,
//! quickly but approximately; the serving layer adds the two at query time. The boundary is
//! exact because it is a position in the log: the batch covered offsets below its cutoff in
//! every partition, the realtime view holds only rows from offsets at or above it.

use super::answer::{Answer, Cell, Row, Shape};
use super::reader::{Budget, ReadRecord, TopicAccess, TopicReader};
use super::spec::{ArchSpec, Logic};
use super::stream_layer::{LayerEvent, StreamLayer, RECORD_OVERHEAD_BYTES};
use crate::error::InputError;
use std::collections::VecDeque;

/// Records the master dataset holds; a full dataset stops growing (shown, counted).
pub const MASTER_RECORDS_MAX: usize = 1_000_000;
/// Rows the realtime view holds; a full speed layer waits for the next batch.
pub const REALTIME_ROWS_MAX: usize = 1_000_000;
/// Cells the realtime view may hold: never evicted (a row subtracted from an evicted cell
/// would come back negative), and bounded anyway, since rows are (a tick's worth past
/// `REALTIME_ROWS_MAX` at most) and a cell needs a row.
const REALTIME_CELLS_MAX: usize = usize::MAX;
/// The archiver copies the topic into the dataset (an HDFS or S3 sink) at this speed.
pub const ARCHIVE_RECORDS_PER_S: u32 = 1_000_000;
/// Bytes a realtime row takes: its offset and its cell and amount.
pub const REALTIME_ROW_BYTES: u64 = 32;

/// A record in the master dataset, with when it arrived there.
#[derive(Clone, Copy, Debug)]
pub struct MasterRecord {
    pub record: ReadRecord,
    pub archived_us: u64,
}

/// A batch run in progress: it computes over the dataset as it was when the run started.
#[derive(Clone, Debug)]
pub struct BatchRun {
    pub started_us: u64,
    pub ends_us: u64,
    pub records: usize,
    pub cutoff: Vec<u64>,
    pub logic: Logic,
}

impl BatchRun {
    pub fn progress_percent(&self, now_us: u64) -> u64 {
        (now_us.saturating_sub(self.started_us) * 100 / (self.ends_us - self.started_us).max(1)).min(100)
    }
}

#[derive(Clone, Debug)]
pub struct Lambda {
    archiver: TopicReader,
    archive_budget: Budget,
    archive_buffer: Vec<ReadRecord>,
    master: Vec<MasterRecord>,
    master_value_bytes: u64,
    pub batch_logic: Logic,
    /// Logic changes made to either layer: each is a change in one of two codebases.
    pub logic_changes: u64,
    pub run: Option<BatchRun>,
    /// While the batch cluster restarts after a crash: when it can run again.
    batch_down_until_us: Option<u64>,
    next_run_us: u64,
    pub batch_view: Answer,
    /// Offsets below which the batch view covers each partition.
    pub boundary: Vec<u64>,
    pub batch_runs: u64,
    pub batch_runs_started: u64,
    pub last_batch_ms: Option<u64>,
    /// Core time of batch runs (cores × duration), µs.
    pub batch_cpu_us: u64,
    pub speed: StreamLayer,
    pub realtime: Answer,
    /// Per partition, the realtime rows in offset order, to drop them exactly when a batch covers them.
    realtime_rows: Vec<VecDeque<(u64, Row)>>,
    realtime_rows_total: usize,
    spec: ArchSpec,
}

impl Lambda {
    pub fn new(spec: &ArchSpec, partitions: u32, now_us: u64) -> Lambda {
        let zeros = vec![0; partitions as usize];
        Lambda {
            archiver: TopicReader::new(partitions),
            archive_budget: Budget::new(ARCHIVE_RECORDS_PER_S),
            archive_buffer: Vec::new(),
            master: Vec::new(),
            master_value_bytes: 0,
            batch_logic: Logic::Exact,
            logic_changes: 0,
            run: None,
            batch_down_until_us: None,
            next_run_us: now_us + u64::from(spec.batch_interval_ms) * 1_000,
            batch_view: Answer::default(),
            boundary: zeros.clone(),
            batch_runs: 0,
            batch_runs_started: 0,
            last_batch_ms: None,
            batch_cpu_us: 0,
            speed: StreamLayer::new(spec, zeros, Logic::Exact, now_us),
            realtime: Answer::with_max(REALTIME_CELLS_MAX),
            realtime_rows: (0..partitions).map(|_| VecDeque::new()).collect(),
            realtime_rows_total: 0,
            spec: spec.clone(),
        }
    }

    /// The reader that copies the topic into the master dataset.
    pub fn archiver(&self) -> &TopicReader {
        &self.archiver
    }

    pub fn master_records(&self) -> usize {
        self.master.len()
    }

    /// The served answer for one cell: batch view plus realtime view.
    pub fn served(&self, cell: &Cell) -> i64 {
        self.batch_view.get(cell) + self.realtime.get(cell)
    }

    /// Every cell either view has, with the served sum.
    pub fn served_cells(&self) -> Answer {
        let mut served = self.batch_view.clone();
        for (&cell, &sum) in self.realtime.cells() {
            served.add(cell, sum);
        }
        served
    }

    /// Per partition, the offset below which the served answer has seen the topic.
    pub fn coverage(&self) -> Vec<u64> {
        self.speed.reader.positions().iter().zip(&self.boundary).map(|(&s, &b)| s.max(b)).collect()
    }

    pub fn storage_bytes(&self) -> u64 {
        self.master.len() as u64 * RECORD_OVERHEAD_BYTES + self.master_value_bytes + self.batch_view.bytes() + self.realtime.bytes() + self.realtime_rows_total as u64 * REALTIME_ROW_BYTES
    }

    pub fn cpu_us(&self) -> u64 {
        self.batch_cpu_us + self.speed.cpu_us
    }

    /// Per partition, the realtime rows (offset, row) in offset order.
    pub fn realtime_rows(&self) -> &[VecDeque<(u64, Row)>] {
        &self.realtime_rows
    }

    pub fn realtime_rows_total(&self) -> usize {
        self.realtime_rows_total
    }

    pub fn batch_restarting(&self) -> bool {
        self.batch_down_until_us.is_some()
    }

    pub fn master_full(&self) -> bool {
        self.master.len() >= MASTER_RECORDS_MAX
    }

    pub fn realtime_full(&self) -> bool {
        self.realtime_rows_total >= REALTIME_ROWS_MAX
    }

    pub fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        self.archive(topic, elapsed_us, now_us);
        let (realtime, rows, total, boundary) = (&mut self.realtime, &mut self.realtime_rows, &mut self.realtime_rows_total, &mut self.boundary);
        let mut cutoff = self.run.as_mut().map(|run| &mut run.cutoff);
        let room = (REALTIME_ROWS_MAX - (*total).min(REALTIME_ROWS_MAX)) as u64;
        self.speed.tick(topic, shape, elapsed_us, now_us, room, |event| match event {
            LayerEvent::Row(record, row) => {
                realtime.add(row.cell, row.amount);
                rows[record.partition as usize].push_back((record.offset, row));
                *total += 1;
            }
            // The realtime view mirrors the log from the boundary on: rows of records the
            // log lost go. Below the boundary the batch view keeps what its dataset saw, and
            // the offsets from `end` on now hold new records that only the speed layer has.
            LayerEvent::Truncated { partition, end } => {
                let queue = &mut rows[partition as usize];
                while queue.back().is_some_and(|&(offset, _)| offset >= end) {
                    let (_, row) = queue.pop_back().expect("checked");
                    realtime.add(row.cell, -row.amount);
                    *total -= 1;
                }
                let b = &mut boundary[partition as usize];
                *b = (*b).min(end);
                // A run in progress saw the old records at those offsets, not the new ones.
                if let Some(cutoff) = cutoff.as_deref_mut() {
                    cutoff[partition as usize] = cutoff[partition as usize].min(end);
                }
            }
        });
        self.advance_batch(shape, now_us);
    }

    /// The archiver appends what the topic has to the master dataset, never changing it.
    fn archive(&mut self, topic: &TopicAccess, elapsed_us: u64, now_us: u64) {
        let room = (MASTER_RECORDS_MAX - self.master.len()) as u64;
        let mut read = std::mem::take(&mut self.archive_buffer);
        read.clear();
        self.archiver.read(topic, self.archive_budget.take(elapsed_us).min(room), now_us, &mut read);
        // Append-only: records a truncation took from the log stay in the dataset, and the
        // new records at those offsets are appended after them.
        self.archiver.take_truncations();
        for &record in &read {
            self.master_value_bytes += u64::from(record.record.value_bytes);
            self.master.push(MasterRecord { record, archived_us: now_us });
        }
        self.archive_buffer = read;
    }

    /// Completes a run that is due, and starts the next when it is time. Called every tick,
    /// and before a command acts on the batch layer, so none sees a run past its end.
    pub fn advance_batch(&mut self, shape: &mut Shape, now_us: u64) {
        let cluster_up = super::up(&mut self.batch_down_until_us, now_us);
        if self.run.as_ref().is_some_and(|run| now_us >= run.ends_us) {
            let run = self.run.take().expect("checked");
            self.complete(run, shape, now_us);
        }
        if self.run.is_none() && cluster_up && now_us >= self.next_run_us {
            self.start_run(now_us);
        }
    }

    /// Starts a run over the dataset as it is now. Its duration grows with the data and
    /// shrinks with the cores; the view stays the previous one until it completes.
    fn start_run(&mut self, now_us: u64) {
        let records = self.master.len();
        let per_s = u64::from(self.spec.batch_records_per_core_s) * u64::from(self.spec.batch_cores);
        let compute_us = (records as u64).saturating_mul(1_000_000).div_ceil(per_s);
        let duration_us = u64::from(self.spec.batch_startup_ms) * 1_000 + compute_us;
        self.batch_cpu_us += duration_us * u64::from(self.spec.batch_cores);
        let cutoff = self.archiver.positions().to_vec();
        self.batch_runs_started += 1;
        self.run = Some(BatchRun { started_us: now_us, ends_us: now_us + duration_us, records, cutoff, logic: self.batch_logic });
    }

    /// `run batch now`: refused while one runs or the cluster restarts.
    pub fn run_now(&mut self, now_us: u64) -> Result<(), InputError> {
        if let Some(run) = &self.run {
            return Err(InputError::new("command", format!("a batch run is already running ({}% done); it ends in {} ms", run.progress_percent(now_us), run.ends_us.saturating_sub(now_us) / 1_000)));
        }
        if self.batch_down_until_us.is_some() {
            return Err(InputError::new("command", "the batch cluster is restarting after a crash"));
        }
        self.start_run(now_us);
        Ok(())
    }

    /// The batch cluster dies: the run in progress is lost; the stored view survives.
    pub fn crash_batch(&mut self, now_us: u64) {
        if let Some(run) = self.run.take() {
            // Only the time it really ran was spent.
            self.batch_cpu_us -= run.ends_us.saturating_sub(now_us) * u64::from(self.spec.batch_cores);
        }
        let until = now_us + u64::from(self.spec.restart_ms) * 1_000;
        self.batch_down_until_us = Some(until);
        self.next_run_us = self.next_run_us.max(until);
    }

    /// The speed layer dies: its realtime view lived in memory, so it recomputes it from the
    /// batch boundary (the speed layer's state is disposable, Lambda's point).
    pub fn crash_speed(&mut self, now_us: u64) {
        self.realtime = Answer::with_max(REALTIME_CELLS_MAX);
        self.realtime_rows.iter_mut().for_each(VecDeque::clear);
        self.realtime_rows_total = 0;
        self.speed.crash(self.boundary.clone(), now_us, u64::from(self.spec.restart_ms) * 1_000);
    }

    /// The run's view replaces the batch view; the realtime rows it now covers leave the
    /// realtime view, so nothing is counted twice and nothing falls between. (Only a
    /// truncation during the run blurs this: its offsets then name other records than the
    /// ones the run saw, until the next run.)
    fn complete(&mut self, run: BatchRun, shape: &mut Shape, now_us: u64) {
        let mut view = Answer::default();
        let mut rows = Vec::new();
        for m in &self.master[..run.records] {
            rows.clear();
            shape.rows(run.logic, &m.record, m.archived_us, &mut rows);
            rows.iter().for_each(|row| view.add(row.cell, row.amount));
        }
        self.batch_view = view;
        for (p, queue) in self.realtime_rows.iter_mut().enumerate() {
            while queue.front().is_some_and(|&(offset, _)| offset < run.cutoff[p]) {
                let (_, row) = queue.pop_front().expect("checked");
                self.realtime.add(row.cell, -row.amount);
                self.realtime_rows_total -= 1;
            }
        }
        self.speed.reader.skip_to(&run.cutoff);
        self.boundary = run.cutoff;
        self.batch_runs += 1;
        self.last_batch_ms = Some((now_us - run.started_us) / 1_000);
        self.next_run_us = now_us + u64::from(self.spec.batch_interval_ms) * 1_000;
    }
}
