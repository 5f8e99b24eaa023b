//! Where results go, and how many times. Under at-least-once a result is visible the moment
//! it is written, so after a restore rewinds the job, results since the checkpoint are
//! written (and seen) again. Under exactly-once each task writes into a transaction that it
//! pre-commits when it takes its checkpoint snapshot and that is committed only when the whole
//! checkpoint completes (Flink's two-phase-commit sink); a failure aborts what is open, so a
//! read_committed reader sees every result exactly once.

use super::operator::{Output, OutputId};
use super::store::ServingStore;
use crate::scenario::stream::Delivery;
use std::collections::{BTreeMap, VecDeque};

/// Results kept for listing (the counts cover all of them).
pub const SINK_RECENT_MAX: usize = 256;
/// Distinct result ids remembered to count duplicates; the oldest are forgotten first. A
/// restore rewinds to the last completed checkpoint (several intervals back if some were
/// abandoned), far fewer results than this at any rate a scenario allows.
pub const LEDGER_IDS_MAX: usize = 200_000;

#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct SinkCounts {
    /// Results handed to the sink, including those later aborted.
    pub written: u64,
    /// Results a read_committed reader has seen.
    pub visible: u64,
    /// Visible results that had been seen before (same key, window and pane).
    pub duplicates: u64,
    /// Results thrown away with an aborted transaction.
    pub aborted: u64,
    /// Results written but not committed yet (in open or pre-committed transactions).
    pub pending: u64,
    pub transactions_committed: u64,
    pub transactions_aborted: u64,
}

#[derive(Clone, Debug)]
pub struct Sink {
    delivery: Delivery,
    /// Per task, the open transaction's results (exactly-once only).
    open: Vec<Vec<Output>>,
    /// Pre-committed transactions by (checkpoint id, task).
    precommitted: BTreeMap<(u64, u16), Vec<Output>>,
    /// How often each result id has become visible.
    ledger: BTreeMap<OutputId, u32>,
    ledger_order: VecDeque<OutputId>,
    recent: VecDeque<Output>,
    counts: SinkCounts,
    /// Every visible result in order, when a test asks for it (`keep_all`).
    all: Option<Vec<Output>>,
    /// The visible results as a queryable table.
    store: ServingStore,
    /// Results made visible since a downstream reader last took them (`watch`).
    fresh: Option<Vec<Output>>,
}

impl Sink {
    pub fn new(delivery: Delivery, tasks: u16) -> Sink {
        Sink {
            delivery,
            open: vec![Vec::new(); tasks as usize],
            precommitted: BTreeMap::new(),
            ledger: BTreeMap::new(),
            ledger_order: VecDeque::new(),
            recent: VecDeque::new(),
            counts: SinkCounts::default(),
            all: None,
            store: ServingStore::default(),
            fresh: None,
        }
    }

    /// A downstream reader (the workload's analytics) will take what becomes visible.
    pub fn watch(&mut self) {
        self.fresh.get_or_insert_with(Vec::new);
    }

    /// What became visible since the last call (empty unless watched).
    pub fn take_fresh(&mut self) -> Vec<Output> {
        self.fresh.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Keeps every visible result (for tests that recompute the expected output).
    pub fn keep_all(&mut self) {
        self.all.get_or_insert_with(Vec::new);
    }

    pub fn write(&mut self, task: u16, output: Output) {
        self.counts.written += 1;
        if self.delivery == Delivery::ExactlyOnce {
            self.counts.pending += 1;
            self.open[task as usize].push(output);
        } else {
            self.make_visible(output);
        }
    }

    /// Task `task` snapshotted its state for checkpoint `id`: its transaction is closed and
    /// waits for the checkpoint to complete; a new one opens.
    pub fn precommit(&mut self, task: u16, id: u64) {
        if self.delivery == Delivery::ExactlyOnce {
            let outputs = std::mem::take(&mut self.open[task as usize]);
            self.precommitted.insert((id, task), outputs);
        }
    }

    /// Checkpoint `id` completed: commit every transaction pre-committed for it or before.
    pub fn commit(&mut self, id: u64) {
        let later = self.precommitted.split_off(&(id + 1, 0));
        for (_, outputs) in std::mem::replace(&mut self.precommitted, later) {
            self.counts.transactions_committed += 1;
            self.counts.pending -= outputs.len() as u64;
            for output in outputs {
                self.make_visible(output);
            }
        }
    }

    /// A failure: every transaction not committed is aborted.
    pub fn abort(&mut self) {
        let open = self.open.iter_mut().map(std::mem::take).filter(|t| !t.is_empty());
        let transactions: Vec<Vec<Output>> = open.chain(std::mem::take(&mut self.precommitted).into_values()).collect();
        for outputs in transactions {
            self.counts.transactions_aborted += 1;
            self.counts.pending -= outputs.len() as u64;
            self.counts.aborted += outputs.len() as u64;
        }
    }

    fn make_visible(&mut self, output: Output) {
        self.counts.visible += 1;
        let seen = self.ledger.entry(output.id).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            self.counts.duplicates += 1;
        } else {
            self.ledger_order.push_back(output.id);
            if self.ledger_order.len() > LEDGER_IDS_MAX {
                let oldest = self.ledger_order.pop_front().expect("longer than the bound");
                self.ledger.remove(&oldest);
            }
        }
        if let Some(all) = &mut self.all {
            all.push(output.clone());
        }
        self.store.upsert(&output);
        if let Some(fresh) = &mut self.fresh {
            fresh.push(output.clone());
        }
        if self.recent.len() == SINK_RECENT_MAX {
            self.recent.pop_front();
        }
        self.recent.push_back(output);
    }

    pub fn counts(&self) -> &SinkCounts {
        &self.counts
    }
    pub fn recent(&self) -> impl DoubleEndedIterator<Item = &Output> {
        self.recent.iter()
    }
    pub fn store(&self) -> &ServingStore {
        &self.store
    }
    pub fn all(&self) -> Option<&[Output]> {
        self.all.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stream::Delivery;

    fn output(key: u64) -> Output {
        Output::for_test(key)
    }

    #[test]
    fn at_least_once_shows_a_rewritten_result_twice() {
        let mut sink = Sink::new(Delivery::AtLeastOnce, 1);
        sink.write(0, output(1));
        sink.abort();
        sink.write(0, output(1));
        assert_eq!((sink.counts().visible, sink.counts().duplicates), (2, 1));
    }

    #[test]
    fn exactly_once_shows_results_only_after_their_checkpoint_and_never_twice() {
        let mut sink = Sink::new(Delivery::ExactlyOnce, 2);
        sink.write(0, output(1));
        sink.write(1, output(2));
        sink.precommit(0, 1);
        sink.precommit(1, 1);
        sink.write(0, output(3));
        assert_eq!(sink.counts().visible, 0);
        sink.commit(1);
        assert_eq!((sink.counts().visible, sink.counts().pending), (2, 1));
        sink.abort();
        sink.write(0, output(3));
        sink.precommit(0, 2);
        sink.commit(2);
        let c = sink.counts();
        assert_eq!((c.visible, c.duplicates, c.aborted, c.pending), (3, 0, 1, 0));
    }
}
