//! The question each workload poses, which every architecture must answer the same way
//! ("UPI amount per bank per hour", "posts per hashtag per hour", "purchases per category
//! per hour"): a sum per group over tumbling event-time windows. Because the engine generated
//! the data, it knows the true answer; `QueryTruth` keeps it, so a stream job's, a batch
//! layer's or a replay's answer can be checked cell by cell.

use super::Payload;
use crate::kafka::log::Record;
use crate::scenario::stream::EventTimeSpec;
use crate::stream::job::chain;
use crate::stream::EventTimeUs;
use serde::Serialize;
use std::collections::BTreeMap;

/// (window start, group) → the sum, at most this many cells; the oldest windows go first.
pub const TRUTH_CELLS_MAX: usize = 200_000;

/// A domain's query: which rows a payload adds, and how groups are named.
#[derive(Clone, Copy)]
pub struct Query {
    /// One line for the page, e.g. "UPI amount (₹) per bank per hour".
    pub title: &'static str,
    /// Tumbling window size in event time, ms.
    pub window_ms: u32,
    /// The (group, amount) rows one payload contributes: a post with three hashtags gives
    /// three, a failed payment none.
    pub rows: fn(&Payload, &mut Vec<(u32, i64)>),
    /// A group's name for display ("HDFC Bank", "#IndVsAus").
    pub group_name: fn(u32) -> String,
}

impl std::fmt::Debug for Query {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query").field("title", &self.title).field("window_ms", &self.window_ms).finish()
    }
}

/// The true answer, built from every record the producer created.
#[derive(Clone, Debug)]
pub struct QueryTruth {
    query: Query,
    event_time: EventTimeSpec,
    cells: BTreeMap<(EventTimeUs, u32), i64>,
    rows: Vec<(u32, i64)>,
}

/// One window's answer, for the page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryView {
    pub title: &'static str,
    pub window_ms: u32,
    /// The latest window with any rows: its start (event time, ms) and its groups, largest first.
    pub window_start_ms: i64,
    pub rows: Vec<(String, i64)>,
}

impl QueryTruth {
    /// Event time is derived exactly as the job's source derives it (`chain::decode`).
    pub fn new(query: Query, event_time: EventTimeSpec) -> QueryTruth {
        QueryTruth { query, event_time, cells: BTreeMap::new(), rows: Vec::new() }
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The producer created `record_id` with CreateTime `timestamp_us`.
    pub fn on_created(&mut self, record_id: u64, timestamp_us: u64, payload: &Payload) {
        self.add(record_id, timestamp_us, payload, 1);
    }

    /// Takes back a record counted by `on_created` (its producer gave up on it).
    pub fn withdraw(&mut self, record_id: u64, timestamp_us: u64, payload: &Payload) {
        self.add(record_id, timestamp_us, payload, -1);
    }

    fn add(&mut self, record_id: u64, timestamp_us: u64, payload: &Payload, sign: i64) {
        self.rows.clear();
        (self.query.rows)(payload, &mut self.rows);
        if self.rows.is_empty() {
            return;
        }
        let record = Record { record_id, key_id: 0, timestamp_us, value_bytes: 1, payload: *payload };
        let event_time_us = chain::decode(&record, &self.event_time).event_time_us;
        let size_us = i64::from(self.query.window_ms) * 1_000;
        let start = event_time_us - event_time_us.rem_euclid(size_us);
        for &(group, amount) in &self.rows {
            let cell = self.cells.entry((start, group)).or_insert(0);
            *cell += sign * amount;
            if *cell == 0 && sign < 0 {
                self.cells.remove(&(start, group));
            }
        }
        while self.cells.len() > TRUTH_CELLS_MAX {
            self.cells.pop_first();
        }
    }

    /// Every (window start µs, group) → sum known so far.
    pub fn cells(&self) -> &BTreeMap<(EventTimeUs, u32), i64> {
        &self.cells
    }

    /// The latest window's answer, largest groups first, at most `top` of them.
    pub fn view(&self, top: usize) -> Option<QueryView> {
        let (&(start, _), _) = self.cells.last_key_value()?;
        let mut rows: Vec<(u32, i64)> = self.cells.range((start, 0)..).map(|(&(_, g), &v)| (g, v)).collect();
        crate::sim::sort::sort_by_key(&mut rows, |&(g, v)| (std::cmp::Reverse(v), g));
        rows.truncate(top);
        Some(QueryView {
            title: self.query.title,
            window_ms: self.query.window_ms,
            window_start_ms: start / 1_000,
            rows: rows.into_iter().map(|(g, v)| ((self.query.group_name)(g), v)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_parity(payload: &Payload, out: &mut Vec<(u32, i64)>) {
        if let Payload::None = payload {
            out.push((0, 1));
        }
    }

    #[test]
    fn truth_sums_rows_per_event_time_window_and_group() {
        let query = Query { title: "count", window_ms: 1_000, rows: by_parity, group_name: |g| format!("g{g}") };
        let spec = EventTimeSpec { delay_ms_max: 0, ..EventTimeSpec::default() };
        let mut truth = QueryTruth::new(query, spec);
        for id in 0..10u64 {
            truth.on_created(id, id * 300_000, &Payload::None);
        }
        // Created at 0, 0.3, …, 2.7 s: windows [0,1) s has 4, [1,2) s has 3, [2,3) s has 3.
        let cells: Vec<_> = truth.cells().iter().map(|(&(s, g), &v)| (s, g, v)).collect();
        assert_eq!(cells, vec![(0, 0, 4), (1_000_000, 0, 3), (2_000_000, 0, 3)]);
        let view = truth.view(5).expect("rows");
        assert_eq!((view.window_start_ms, view.rows.clone()), (2_000, vec![("g0".to_string(), 3)]));
    }
}
