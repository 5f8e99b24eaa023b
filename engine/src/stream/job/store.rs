//! The serving store: the job's results materialized as a table a dashboard or an API can
//! query ("how many payments did this payer make in each window?"). Each visible result
//! replaces the previous one for the same key and window, so a late pane updates its window
//! and a duplicate rewrites the same row: reads are idempotent even when writes are not.

use super::operator::{Output, OutputId};
use crate::stream::EventTimeUs;
use std::collections::{BTreeMap, VecDeque};

/// Rows kept; the oldest windows are evicted first, as a TTL would.
pub const STORE_ROWS_MAX: usize = 100_000;

#[derive(Clone, Debug, Default)]
pub struct ServingStore {
    /// (key, window start, window end) → the latest result for it.
    rows: BTreeMap<(u64, EventTimeUs, EventTimeUs), Output>,
    /// Rows in insertion order, for eviction.
    order: VecDeque<(u64, EventTimeUs, EventTimeUs)>,
    /// Writes that replaced a row (late panes, accumulating panes and duplicates).
    pub rewrites: u64,
}

impl ServingStore {
    pub fn upsert(&mut self, output: &Output) {
        let OutputId { key, start_us, end_us, .. } = output.id;
        let row = (key, start_us, end_us);
        if self.rows.insert(row, output.clone()).is_some() {
            self.rewrites += 1;
            return;
        }
        self.order.push_back(row);
        if self.order.len() > STORE_ROWS_MAX {
            let oldest = self.order.pop_front().expect("longer than the bound");
            self.rows.remove(&oldest);
        }
    }

    /// Every stored result of `key`, oldest window first: what a query by key returns.
    pub fn query(&self, key: u64) -> impl Iterator<Item = &Output> {
        self.rows.range((key, EventTimeUs::MIN, EventTimeUs::MIN)..=(key, EventTimeUs::MAX, EventTimeUs::MAX)).map(|(_, output)| output)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_pane_replaces_its_window_and_queries_go_by_key() {
        let mut store = ServingStore::default();
        let first = Output::for_test(7);
        let mut later = first.clone();
        later.id.pane = 1;
        store.upsert(&first);
        store.upsert(&Output::for_test(8));
        store.upsert(&later);
        assert_eq!(store.len(), 2);
        assert_eq!(store.rewrites, 1);
        let rows: Vec<&Output> = store.query(7).collect();
        assert_eq!(rows, [&later]);
        assert_eq!(store.query(9).count(), 0);
    }
}
