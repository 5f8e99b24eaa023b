//! A keyed task: one parallel instance of the operator after the key_by exchange. It reads one
//! channel per source task, takes the minimum of their watermarks (idle channels excluded,
//! never going back), and lines up checkpoint barriers: under exactly-once a channel that has
//! delivered barrier n is blocked until every channel has, so the snapshot holds exactly the
//! records before the barrier (Flink's aligned checkpoint); under at-least-once nothing
//! blocks, and records after the barrier slip into the snapshot, to be counted again after a
//! restore.

use super::operator::{KeyedOperator, Output};
use super::{Channel, Item};
use crate::stream::{EventTimeUs, BEGINNING_OF_TIME_US};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Late records kept for listing (the count covers all).
pub const LATE_RECENT_MAX: usize = 64;
/// (key, window) pairs whose late drops are counted; past this many the table stops
/// growing and says so (`LateDrops::full`).
pub const LATE_WINDOWS_MAX: usize = 100_000;

/// Per (key, window start, window end): how many records that window refused as too late
/// (or closed), in the history the task's state stands for. Part of the checkpointed state,
/// so a restore rolls back the drops of the attempt it undoes, as it rolls back the panes:
/// a recount of the input can then tell a record dropped from one that vanished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LateDrops {
    pub windows: BTreeMap<(u64, EventTimeUs, EventTimeUs), u64>,
    /// A window was left out for want of room: the table no longer accounts for every drop.
    pub full: bool,
}

impl LateDrops {
    /// Counts one record of `key` dropped from each of `windows`.
    pub fn add(&mut self, key: u64, windows: &[(EventTimeUs, EventTimeUs)]) {
        for &(start_us, end_us) in windows {
            let room = self.windows.len() < LATE_WINDOWS_MAX;
            match self.windows.get_mut(&(key, start_us, end_us)) {
                Some(count) => *count += 1,
                None if room => _ = self.windows.insert((key, start_us, end_us), 1),
                None => self.full = true,
            }
        }
    }
}

/// What a slice of work produced for the job to act on.
#[derive(Default)]
pub struct Worked {
    pub records: u64,
    pub outputs: Vec<Output>,
    /// The task completed its part of checkpoint `id` (its snapshot is `snapshot`).
    pub snapshot: Option<(u64, TaskState)>,
}

/// What a checkpoint keeps of a task: its operator state and watermark, and its late drops.
#[derive(Clone, Debug)]
pub struct TaskState {
    pub operator: KeyedOperator,
    pub watermark_us: EventTimeUs,
    pub inputs: Vec<(EventTimeUs, bool)>,
    /// The operator's alone: the drop table is bookkeeping for the recount, not job state a
    /// backend would store, so it does not lengthen the checkpoint's upload.
    pub state_bytes: u64,
    pub late_drops: LateDrops,
}

#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct TaskCounts {
    pub records_in: u64,
    pub records_out: u64,
    pub late_dropped: u64,
    pub latency_us_last: u64,
    pub latency_us_max: u64,
    /// From the checkpoint's start to this task's acknowledgement (alignment + writing).
    pub checkpoint_us_last: u64,
}

#[derive(Clone, Debug)]
pub struct KeyedTask {
    pub index: u16,
    pub operator: KeyedOperator,
    /// Per input channel: its last watermark and whether it is left out of the minimum
    /// (its source said it is idle, and it has not caught up with us since).
    pub inputs: Vec<(EventTimeUs, bool)>,
    pub watermark_us: EventTimeUs,
    /// The checkpoint being aligned and the channels whose barrier has arrived.
    aligning: Option<(u64, BTreeSet<usize>)>,
    /// Whose turn it is next, so no channel starves.
    next_channel: usize,
    pub counts: TaskCounts,
    pub late_recent: VecDeque<u64>,
    /// Records dropped per window, as of this attempt's history (restored with the state,
    /// unlike `counts.late_dropped`, which counts across attempts).
    pub late_drops: LateDrops,
    /// What the event-time and pane dashboards read (observes only).
    pub timing: super::timing::TimingLog,
}

impl KeyedTask {
    pub fn new(index: u16, operator: KeyedOperator, inputs: usize) -> KeyedTask {
        KeyedTask {
            index,
            operator,
            inputs: vec![(BEGINNING_OF_TIME_US, false); inputs],
            watermark_us: BEGINNING_OF_TIME_US,
            aligning: None,
            next_channel: 0,
            counts: TaskCounts::default(),
            late_recent: VecDeque::new(),
            late_drops: LateDrops::default(),
            timing: Default::default(),
        }
    }

    pub fn state(&self) -> TaskState {
        let state_bytes = self.operator.state_bytes() as u64;
        TaskState { operator: self.operator.clone(), watermark_us: self.watermark_us, inputs: self.inputs.clone(), state_bytes, late_drops: self.late_drops.clone() }
    }

    pub fn restore(&mut self, state: &TaskState) {
        self.operator = state.operator.clone();
        self.watermark_us = state.watermark_us;
        self.inputs = state.inputs.clone();
        self.late_drops = state.late_drops.clone();
        self.aligning = None;
    }

    /// Forgets an abandoned checkpoint's alignment: blocked channels flow again.
    pub fn cancel_alignment(&mut self, id: u64) {
        if self.aligning.as_ref().is_some_and(|(aligning, _)| *aligning == id) {
            self.aligning = None;
        }
    }

    pub fn aligning(&self) -> Option<u64> {
        self.aligning.as_ref().map(|(id, _)| *id)
    }

    /// Processes items from the channels until `budget` records are done or nothing is
    /// left that may flow. `pending` is the checkpoint in progress, if any; `aligned` blocks
    /// channels past their barrier.
    pub fn work(&mut self, channels: &mut [Channel], budget: u64, now_us: u64, pending: Option<u64>, aligned: bool) -> Worked {
        let mut worked = Worked::default();
        while worked.records < budget && worked.snapshot.is_none() {
            let Some(c) = self.next_ready(channels, aligned) else { break };
            match channels[c].pop().expect("a ready channel has an item") {
                Item::Record(record) => {
                    worked.records += 1;
                    self.counts.records_in += 1;
                    // Asked before the record goes in: which of its windows refuse it.
                    let refused = self.operator.refused_windows(&record);
                    self.late_drops.add(record.key, &refused);
                    let accepted = self.operator.on_record(&record, self.watermark_us, now_us, &mut worked.outputs);
                    let dropped_from = if accepted { Vec::new() } else { self.operator.windows_of(record.event_time_us) };
                    self.timing.on_record(now_us, record.event_time_us, &dropped_from);
                    if !accepted {
                        self.counts.late_dropped += 1;
                        if self.late_recent.len() == LATE_RECENT_MAX {
                            self.late_recent.pop_front();
                        }
                        self.late_recent.push_back(record.id);
                    }
                }
                Item::Watermark(watermark) => {
                    // An input back from idleness rejoins the minimum only once it has caught
                    // up, so it cannot hold back what the others already let through
                    // (Flink's StatusWatermarkValve).
                    let (before, excluded) = self.inputs[c];
                    let watermark = watermark.max(before);
                    self.inputs[c] = (watermark, excluded && watermark < self.watermark_us);
                    self.advance_watermark(now_us, &mut worked.outputs);
                }
                Item::Idle => {
                    self.inputs[c].1 = true;
                    self.advance_watermark(now_us, &mut worked.outputs);
                }
                Item::Barrier(id) if Some(id) == pending => worked.snapshot = self.on_barrier(id, c, channels.len()),
                Item::Barrier(_) => {}
            }
        }
        // After a snapshot, anything fired belongs to the next checkpoint, and the job has not
        // pre-committed yet: leave due timers to the next slice (the job wakes it at once).
        if worked.snapshot.is_none() {
            self.operator.on_processing_time(now_us, &mut worked.outputs);
        }
        self.account(&worked.outputs, now_us);
        worked
    }

    /// The next channel, in turn, that has an item and is not blocked by alignment.
    fn next_ready(&mut self, channels: &[Channel], aligned: bool) -> Option<usize> {
        let n = channels.len();
        let blocked = |c: usize| aligned && self.aligning.as_ref().is_some_and(|(_, arrived)| arrived.contains(&c));
        let c = (0..n).map(|i| (self.next_channel + i) % n).find(|&c| !channels[c].is_empty() && !blocked(c))?;
        self.next_channel = (c + 1) % n;
        Some(c)
    }

    fn on_barrier(&mut self, id: u64, channel: usize, channels: usize) -> Option<(u64, TaskState)> {
        let arrived = match &mut self.aligning {
            Some((aligning, arrived)) if *aligning == id => arrived,
            _ => &mut self.aligning.insert((id, BTreeSet::new())).1,
        };
        arrived.insert(channel);
        if arrived.len() < channels {
            return None;
        }
        self.aligning = None;
        Some((id, self.state()))
    }

    /// The task's watermark: the minimum over channels not idle; never back.
    fn advance_watermark(&mut self, now_us: u64, outputs: &mut Vec<Output>) {
        let Some(min) = self.inputs.iter().filter(|(_, idle)| !idle).map(|(w, _)| *w).min() else { return };
        if min > self.watermark_us {
            self.watermark_us = min;
            self.operator.on_watermark(min, now_us, outputs);
        }
    }

    fn account(&mut self, outputs: &[Output], now_us: u64) {
        self.counts.records_out += outputs.len() as u64;
        self.timing.on_outputs(outputs);
        for output in outputs {
            self.counts.latency_us_last = output.latency_us(now_us);
            self.counts.latency_us_max = self.counts.latency_us_max.max(self.counts.latency_us_last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::stream::OperatorSpec;

    fn task(inputs: usize) -> KeyedTask {
        let spec: OperatorSpec = serde_json::from_str(r#"{"op": "window", "windowing": {"type": "fixed", "size_ms": 1000}, "aggregate": "count"}"#).expect("valid");
        KeyedTask::new(0, KeyedOperator::from_spec(&spec), inputs)
    }

    fn feed(task: &mut KeyedTask, channels: &mut [Channel], items: &[(usize, Item)]) {
        for (c, item) in items {
            channels[*c].push(item.clone());
        }
        task.work(channels, 1_000, 0, None, true);
    }

    #[test]
    fn the_drop_table_counts_per_window_stops_growing_at_its_bound_and_is_restored() {
        let mut drops = LateDrops::default();
        drops.add(7, &[(0, 4_000), (1_000, 5_000)]);
        drops.add(7, &[(1_000, 5_000)]);
        assert_eq!(drops.windows.get(&(7, 1_000, 5_000)), Some(&2));
        for key in 0..LATE_WINDOWS_MAX as u64 {
            drops.add(100 + key, &[(0, 4_000)]);
        }
        assert!(drops.full && drops.windows.len() == LATE_WINDOWS_MAX, "the last window had no room");
        drops.add(7, &[(0, 4_000)]);
        assert_eq!(drops.windows.get(&(7, 0, 4_000)), Some(&2), "a window already counted still counts");
        let mut t = task(1);
        t.late_drops.add(1, &[(0, 1_000)]);
        let state = t.state();
        t.late_drops.add(1, &[(0, 1_000)]);
        t.restore(&state);
        assert_eq!(t.late_drops.windows.get(&(1, 0, 1_000)), Some(&1), "the drop after the snapshot is rolled back");
    }

    #[test]
    fn an_input_back_from_idleness_rejoins_the_minimum_once_caught_up() {
        let mut t = task(2);
        let mut channels = vec![Channel::default(), Channel::default()];
        feed(&mut t, &mut channels, &[(0, Item::Watermark(10_000_000)), (1, Item::Idle)]);
        assert_eq!(t.watermark_us, 10_000_000, "the idle input is left out");
        feed(&mut t, &mut channels, &[(1, Item::Watermark(5_000_000))]);
        feed(&mut t, &mut channels, &[(0, Item::Watermark(20_000_000))]);
        assert_eq!(t.watermark_us, 20_000_000, "a returning input behind us does not hold us back");
        feed(&mut t, &mut channels, &[(1, Item::Watermark(25_000_000))]);
        feed(&mut t, &mut channels, &[(0, Item::Watermark(30_000_000))]);
        assert_eq!(t.watermark_us, 25_000_000, "once caught up it takes part in the minimum again");
    }
}
