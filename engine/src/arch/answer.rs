//! An answer to the workload's query is a table of cells: (event-time window, group) → sum,
//! e.g. (10:00–11:00, HDFC Bank) → ₹4,12,500. Every architecture serves one, and the engine
//! compares each with the truth it knows because it generated the data. `Shape` is the
//! query's logic: which cells a record adds to, exactly or as a layer's variant computes it.

use super::reader::ReadRecord;
use super::spec::Logic;
use crate::scenario::stream::EventTimeSpec;
use crate::stream::job::chain;
use crate::stream::EventTimeUs;
use crate::workload::Query;
use serde::Serialize;
use std::collections::BTreeMap;

/// (window start in event time µs, group).
pub type Cell = (EventTimeUs, u32);

/// Cells one table keeps; past it the oldest windows go first (counted, never silent).
pub const CELLS_MAX: usize = 200_000;
/// Bytes a stored cell takes, for the storage comparison: key (12) and sum (8), rounded.
pub const CELL_BYTES: u64 = 24;

/// A table of sums.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    cells: BTreeMap<Cell, i64>,
    cells_max: usize,
    /// Cells dropped for space.
    pub cells_evicted: u64,
}

impl Default for Answer {
    fn default() -> Self {
        Answer::with_max(CELLS_MAX)
    }
}

impl Answer {
    /// A table that keeps at most `cells_max` cells. One that rows are later subtracted from
    /// (the realtime view) must be given room for all of them: an evicted cell would come
    /// back negative.
    pub fn with_max(cells_max: usize) -> Answer {
        Answer { cells: BTreeMap::new(), cells_max, cells_evicted: 0 }
    }

    pub fn add(&mut self, cell: Cell, amount: i64) {
        let sum = self.cells.entry(cell).or_insert(0);
        *sum += amount;
        if *sum == 0 {
            self.cells.remove(&cell);
        }
        while self.cells.len() > self.cells_max {
            self.cells.pop_first();
            self.cells_evicted += 1;
        }
    }

    pub fn get(&self, cell: &Cell) -> i64 {
        self.cells.get(cell).copied().unwrap_or(0)
    }

    pub fn cells(&self) -> &BTreeMap<Cell, i64> {
        &self.cells
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    pub fn bytes(&self) -> u64 {
        self.cells.len() as u64 * CELL_BYTES
    }
}

/// One row a record contributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub cell: Cell,
    pub amount: i64,
}

/// The query's logic, shared by every layer so that "the same logic" really is one code path.
#[derive(Clone, Debug)]
pub struct Shape {
    pub query: Query,
    pub event_time: EventTimeSpec,
    pub window_us: i64,
    scratch: Vec<(u32, i64)>,
}

/// The sampled variant keeps one record in this many and scales its amounts up by as much.
pub const SAMPLE_ONE_IN: u64 = 10;

impl Shape {
    pub fn new(query: Query, event_time: EventTimeSpec, window_ms: u32) -> Shape {
        Shape { query, event_time, window_us: i64::from(window_ms) * 1_000, scratch: Vec::new() }
    }

    pub fn window_start(&self, time_us: EventTimeUs) -> EventTimeUs {
        time_us - time_us.rem_euclid(self.window_us)
    }

    /// The record's event time, exactly as the stream job's source derives it.
    pub fn event_time_us(&self, record: &ReadRecord) -> EventTimeUs {
        chain::decode(&record.record, &self.event_time).event_time_us
    }

    /// The rows `record` adds under `logic`, read at processing time `read_us`.
    pub fn rows(&mut self, logic: Logic, record: &ReadRecord, read_us: u64, out: &mut Vec<Row>) {
        let (scale, time_us) = match logic {
            Logic::Exact => (1, self.event_time_us(record)),
            Logic::Sampled if record.record.record_id % SAMPLE_ONE_IN != 0 => return,
            Logic::Sampled => (SAMPLE_ONE_IN as i64, self.event_time_us(record)),
            Logic::ProcessingTime => (1, read_us as i64),
        };
        self.scratch.clear();
        (self.query.rows)(&record.record.payload, &mut self.scratch);
        let start = self.window_start(time_us);
        out.extend(self.scratch.iter().map(|&(group, amount)| Row { cell: (start, group), amount: amount * scale }));
    }
}

/// How far an answer is from the truth, over the windows that have settled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Score {
    /// Σ|served − true| / Σ|true| over settled cells, in percent; 0 when nothing settled yet.
    pub error_percent: f64,
    /// Settled cells whose served sum differs from the truth.
    pub cells_wrong: u64,
    pub cells_settled: u64,
}

/// Scores `served` (looked up cell by cell) against `truth` over windows that ended at or
/// before `settled_before_us`, looking back `windows_max` windows (and the one before). Cells only the
/// served side has (`served_cells`: the tables the served answer is made of) count too: a
/// bug that moves rows to another window is wrong twice, where they went missing and where
/// they landed.
pub fn score(truth: &BTreeMap<Cell, i64>, served: &dyn Fn(&Cell) -> i64, served_cells: &[&BTreeMap<Cell, i64>], settled_before_us: EventTimeUs, window_us: i64, windows_max: i64) -> Score {
    let first = (settled_before_us - window_us * (windows_max + 1), 0);
    let settled = |cell: &Cell| cell.0 + window_us <= settled_before_us;
    let mut s = Score::default();
    let (mut diff, mut total) = (0u128, 0u128);
    let mut count = |served_sum: i64, true_sum: i64| {
        s.cells_settled += 1;
        s.cells_wrong += u64::from(served_sum != true_sum);
        diff += served_sum.abs_diff(true_sum) as u128;
        total += true_sum.unsigned_abs() as u128;
    };
    for (cell, &true_sum) in truth.range(first..).take_while(|(c, _)| settled(c)) {
        count(served(cell), true_sum);
    }
    let mut extra = std::collections::BTreeSet::new();
    for table in served_cells {
        extra.extend(table.range(first..).take_while(|(c, _)| settled(c)).map(|(c, _)| *c).filter(|c| !truth.contains_key(c)));
    }
    for cell in &extra {
        count(served(cell), 0);
    }
    if total > 0 {
        s.error_percent = diff as f64 * 100.0 / total as f64;
    }
    s
}
