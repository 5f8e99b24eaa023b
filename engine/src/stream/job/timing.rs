//! Event time against processing time, as Streaming Systems draws it: every record is a point
//! (when it happened, when the job saw it), the watermark is a curve below them, and a record
//! that arrives after the watermark has passed its window's end (plus allowed lateness) is
//! dropped. This log keeps a bounded sample of those points per keyed task, and per window how
//! many panes fired early, on time or late and how many records were dropped, for the
//! dashboards. It only observes: nothing here changes what the job does or its trace.

use super::operator::{Output, OutputValue};
use super::Job;
use crate::stream::EventTimeUs;
use std::collections::{BTreeMap, VecDeque};

/// Every this many records of a task, one becomes a point (dropped records always do).
const SAMPLE_EVERY: u64 = 8;
/// Points kept per task: at 50 sampled records a second, half a minute.
const POINTS_MAX: usize = 1_500;
/// Windows whose panes are counted per task: the latest by start.
const WINDOWS_MAX: usize = 24;

/// One sampled record: processing time, event time, and whether it was dropped as late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventPoint {
    pub processing_us: u64,
    pub event_us: EventTimeUs,
    pub dropped: bool,
}

/// A window's panes by timing and its records dropped as too late.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PaneCounts {
    pub early: u64,
    pub on_time: u64,
    pub late: u64,
    pub dropped: u64,
}

#[derive(Clone, Debug, Default)]
pub struct TimingLog {
    seen: u64,
    points: VecDeque<EventPoint>,
    /// By window (start, end) in event-time µs.
    panes: BTreeMap<(EventTimeUs, EventTimeUs), PaneCounts>,
}

impl TimingLog {
    /// A record reached the operator; `dropped_from` are the windows it was too late for.
    pub fn on_record(&mut self, processing_us: u64, event_us: EventTimeUs, dropped_from: &[(EventTimeUs, EventTimeUs)]) {
        self.seen += 1;
        let dropped = !dropped_from.is_empty();
        if dropped || self.seen % SAMPLE_EVERY == 0 {
            if self.points.len() == POINTS_MAX {
                self.points.pop_front();
            }
            self.points.push_back(EventPoint { processing_us, event_us, dropped });
        }
        for &window in dropped_from {
            self.window(window).dropped += 1;
        }
    }

    /// Counts the panes among a task's outputs by their timing.
    pub fn on_outputs(&mut self, outputs: &[Output]) {
        for output in outputs {
            let OutputValue::Pane { timing, .. } = &output.value else { continue };
            let counts = self.window((output.id.start_us, output.id.end_us));
            match *timing {
                "EARLY" => counts.early += 1,
                "LATE" => counts.late += 1,
                _ => counts.on_time += 1,
            }
        }
    }

    fn window(&mut self, window: (EventTimeUs, EventTimeUs)) -> &mut PaneCounts {
        if !self.panes.contains_key(&window) && self.panes.len() == WINDOWS_MAX {
            self.panes.pop_first();
        }
        self.panes.entry(window).or_default()
    }
}

impl Job {
    /// The sampled records of every keyed task, in processing-time order.
    pub fn event_points(&self) -> Vec<EventPoint> {
        let mut points: Vec<EventPoint> = self.tasks.iter().flat_map(|t| t.timing.points.iter().copied()).collect();
        crate::sim::sort::sort_by_key(&mut points, |p| (p.processing_us, p.event_us));
        points
    }

    /// Pane counts per window over all keyed tasks, the latest `WINDOWS_MAX` windows.
    pub fn pane_counts(&self) -> Vec<((EventTimeUs, EventTimeUs), PaneCounts)> {
        let mut all: BTreeMap<(EventTimeUs, EventTimeUs), PaneCounts> = BTreeMap::new();
        for (&window, c) in self.tasks.iter().flat_map(|t| t.timing.panes.iter()) {
            let sum = all.entry(window).or_default();
            sum.early += c.early;
            sum.on_time += c.on_time;
            sum.late += c.late;
            sum.dropped += c.dropped;
        }
        let skip = all.len().saturating_sub(WINDOWS_MAX);
        all.into_iter().skip(skip).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_sampled_and_bounded_and_dropped_ones_always_kept() {
        let mut log = TimingLog::default();
        for i in 0..(POINTS_MAX as u64 * SAMPLE_EVERY * 2) {
            log.on_record(i, i as i64, &[]);
        }
        assert_eq!(log.points.len(), POINTS_MAX);
        log.on_record(7, -5, &[(0, 10)]);
        assert_eq!(log.points.back(), Some(&EventPoint { processing_us: 7, event_us: -5, dropped: true }));
        assert_eq!(log.panes[&(0, 10)].dropped, 1);
    }

    #[test]
    fn only_the_latest_windows_are_counted() {
        let mut log = TimingLog::default();
        for w in 0..(WINDOWS_MAX as i64 + 5) {
            log.on_record(0, 0, &[(w * 10, w * 10 + 10)]);
        }
        assert_eq!(log.panes.len(), WINDOWS_MAX);
        assert_eq!(log.panes.keys().next(), Some(&(50, 60)));
    }
}
