//! Windows cut the unbounded stream into finite pieces by event time: a record with
//! timestamp `ts` belongs to every window `[start, end)` whose span holds `ts`. The window
//! function decides which windows those are: fixed, sliding, sessions, or one global window.
//!
//! The arithmetic follows Apache Beam's window functions exactly (checked against Beam
//! Python 2.77 in `shared/oracles/windows.json`). Where Beam Java and Flink draw a boundary
//! differently, [`FIDELITY_NOTES`] says so; the page shows those notes next to the results.

use super::{EventTimeUs, BEGINNING_OF_TIME_US, END_OF_TIME_US};
use crate::InputError;

/// How Dhara's windows differ from the other engines a student may meet. Dhara follows
/// Beam's Python SDK, which the oracle vectors were produced with.
pub const FIDELITY_NOTES: &[&str] = &[
    "A window's max timestamp is end − 1 µs here (Beam Python); Beam Java and Flink use end − 1 ms, \
     because their timestamps are milliseconds.",
    "A window fires on time when the watermark reaches its end (watermark ≥ end), as in Beam. Flink's \
     EventTimeTrigger fires one millisecond earlier, at watermark ≥ end − 1 ms.",
    "A record is dropped for a window when the watermark is strictly greater than end + allowed \
     lateness (Beam Python). Beam Java drops when max_timestamp + lateness < watermark and Flink when \
     max_timestamp + lateness ≤ watermark, i.e. one millisecond earlier.",
    "Expired windows are garbage-collected once the watermark passes end + allowed lateness, firing a \
     last pane only if they hold records not yet emitted (as Beam Java does). Beam Python keeps them \
     forever, which is why three of its oracle runs stall. An expired session is kept, firing nothing, \
     until end + lateness + gap, because until then a late record can still bridge into it and Beam \
     Python merges the two.",
    "A pane fired by a record is early or late by the output watermark, as in Beam Python: the input \
     watermark held back by watermark holds. After a session merge Beam Python keeps the merged-away \
     sessions' holds until the merged session fires on time, so a late record of another key can \
     meanwhile fire an EARLY pane.",
    "Every window is final at the end of time (watermark +∞): the global window, too, fires its last \
     pane then.",
];

/// A window `[start_us, end_us)`: the start is in it, the end is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub start_us: EventTimeUs,
    pub end_us: EventTimeUs,
}

impl Window {
    /// The single window of `WindowFn::Global`: all of time. No interval window can equal it,
    /// since an interval's size fits in an `i64`.
    pub const GLOBAL: Window = Window { start_us: BEGINNING_OF_TIME_US, end_us: END_OF_TIME_US };

    pub fn new(start_us: EventTimeUs, end_us: EventTimeUs) -> Window {
        Window { start_us, end_us }
    }

    pub fn is_global(&self) -> bool {
        *self == Window::GLOBAL
    }

    /// The last instant inside the window, and the timestamp of its panes. Beam Python's
    /// timestamps are microseconds, so this is end − 1 µs (Java/Flink: end − 1 ms).
    pub fn max_timestamp_us(&self) -> EventTimeUs {
        self.end_us.saturating_sub(1)
    }

    pub fn contains(&self, ts_us: EventTimeUs) -> bool {
        self.start_us <= ts_us && ts_us < self.end_us
    }

    /// The watermark after which the window takes no more records and its state goes.
    pub fn expiry_us(&self, allowed_lateness_us: i64) -> EventTimeUs {
        self.end_us.saturating_add(allowed_lateness_us)
    }
}

/// How records are assigned to windows (Beam's `WindowFn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowFn {
    /// Back-to-back windows of one size: `[offset + k·size, offset + (k+1)·size)`.
    Fixed { size_us: i64, offset_us: i64 },
    /// Windows of `size_us` starting every `period_us`; a record is in `size / period` of them.
    Sliding { size_us: i64, period_us: i64, offset_us: i64 },
    /// One window per burst of activity: a record opens `[ts, ts + gap)` and overlapping
    /// windows of the same key merge.
    Sessions { gap_us: i64 },
    /// Everything in one window that never ends (so only count or time triggers fire early).
    Global,
}

impl WindowFn {
    /// The windows a record with timestamp `ts_us` belongs to, before any merging. A spec
    /// that [`WindowFn::validate`] refuses assigns nothing rather than loop or overflow.
    pub fn assign(&self, ts_us: EventTimeUs) -> Vec<Window> {
        if self.validate("").is_err() {
            return Vec::new();
        }
        match *self {
            WindowFn::Fixed { size_us, offset_us } => {
                let start_us = last_start_at_or_before(ts_us, size_us, offset_us);
                vec![Window::new(start_us, start_us.saturating_add(size_us))]
            }
            WindowFn::Sliding { size_us, period_us, offset_us } => {
                // Beam: starts go back from the latest one, one period at a time, while the
                // window still reaches past ts (start > ts − size). May start below zero.
                let mut windows = Vec::new();
                let mut start_us = last_start_at_or_before(ts_us, period_us, offset_us);
                while start_us > ts_us.saturating_sub(size_us) {
                    windows.push(Window::new(start_us, start_us.saturating_add(size_us)));
                    match start_us.checked_sub(period_us) {
                        Some(earlier) => start_us = earlier,
                        None => break,
                    }
                }
                windows
            }
            WindowFn::Sessions { gap_us } => vec![Window::new(ts_us, ts_us.saturating_add(gap_us))],
            WindowFn::Global => vec![Window::GLOBAL],
        }
    }

    /// Sessions merge; the others never do.
    pub fn is_merging(&self) -> bool {
        matches!(self, WindowFn::Sessions { .. })
    }

    /// Sizes, periods and gaps must be positive. As in Beam, a period longer than the size is
    /// allowed (the windows then leave gaps, and a record there is in no window) and any
    /// offset is fine (it only matters modulo the size or period).
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        let positive = |field: &str, value: i64| {
            if value > 0 {
                Ok(())
            } else {
                Err(InputError::new(format!("{path}.{field}"), "must be a positive number of microseconds"))
            }
        };
        match *self {
            WindowFn::Fixed { size_us, .. } => positive("size_us", size_us),
            WindowFn::Sliding { size_us, period_us, .. } => {
                positive("size_us", size_us)?;
                positive("period_us", period_us)?;
                if size_us / period_us > MAX_SLIDING_WINDOWS_PER_RECORD {
                    return Err(InputError::new(
                        format!("{path}.period_us"),
                        format!("must be at least size / {MAX_SLIDING_WINDOWS_PER_RECORD}: a record would be in too many windows"),
                    ));
                }
                Ok(())
            }
            WindowFn::Sessions { gap_us } => positive("gap_us", gap_us),
            WindowFn::Global => Ok(()),
        }
    }
}

/// A simulator in a browser tab cannot hold millions of windows per record (Beam has no
/// such limit; it would just be slow).
pub const MAX_SLIDING_WINDOWS_PER_RECORD: i64 = 1000;

/// The latest `offset + k·step` at or before `ts`: `ts − ((ts − offset) mod step)` with a
/// true (never negative) modulo, so negative times land in the window below them.
fn last_start_at_or_before(ts_us: EventTimeUs, step_us: i64, offset_us: i64) -> EventTimeUs {
    let step = i128::from(step_us.max(1));
    let shift = (i128::from(ts_us) - i128::from(offset_us)).rem_euclid(step);
    // ts − shift ≥ ts − step + 1 > i64::MIN − 1 whenever it matters; clamp for the extremes.
    i64::try_from(i128::from(ts_us) - shift).unwrap_or(BEGINNING_OF_TIME_US)
}

/// One group of a session merge: the windows that became `result` (possibly just one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeGroup {
    pub result: Window,
    pub members: Vec<Window>,
}

/// Beam's session merge: sorted by start, a window joins the running group iff it starts
/// strictly before the group's end (so touching windows stay apart), and the group becomes
/// `[min start, max end)`.
pub fn merge_sessions(windows: &[Window]) -> Vec<MergeGroup> {
    let mut sorted = windows.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut groups: Vec<MergeGroup> = Vec::new();
    for window in sorted {
        match groups.last_mut() {
            Some(group) if window.start_us < group.result.end_us => {
                group.result.end_us = group.result.end_us.max(window.end_us);
                group.members.push(window);
            }
            _ => groups.push(MergeGroup { result: window, members: vec![window] }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn w(start_s: i64, end_s: i64) -> Window {
        Window::new(start_s * S, end_s * S)
    }

    #[test]
    fn fixed_windows_use_a_true_modulo_for_offsets_and_negative_times() {
        let fixed = WindowFn::Fixed { size_us: 10 * S, offset_us: 0 };
        assert_eq!(fixed.assign(10 * S), vec![w(10, 20)], "the end is exclusive");
        assert_eq!(fixed.assign(-S), vec![w(-10, 0)]);
        let offset = WindowFn::Fixed { size_us: 10 * S, offset_us: 3 * S };
        assert_eq!(offset.assign(2 * S), vec![w(-7, 3)]);
        assert_eq!(offset.assign(3 * S), vec![w(3, 13)]);
        assert_eq!(offset.assign(-8 * S), vec![w(-17, -7)]);
        // An offset beyond the size means the same as its remainder.
        assert_eq!(WindowFn::Fixed { size_us: 10 * S, offset_us: 13 * S }.assign(2 * S), vec![w(-7, 3)]);
    }

    #[test]
    fn sliding_windows_reach_below_zero_and_count_size_over_period() {
        let sliding = WindowFn::Sliding { size_us: 10 * S, period_us: 5 * S, offset_us: 0 };
        assert_eq!(sliding.assign(2 * S), vec![w(0, 10), w(-5, 5)]);
        let fine = WindowFn::Sliding { size_us: 10 * S, period_us: 3 * S, offset_us: 0 };
        assert_eq!(fine.assign(9 * S), vec![w(9, 19), w(6, 16), w(3, 13), w(0, 10)]);
        let offset = WindowFn::Sliding { size_us: 10 * S, period_us: 5 * S, offset_us: 2 * S };
        assert_eq!(offset.assign(-4 * S), vec![w(-8, 2), w(-13, -3)]);
        let gappy = WindowFn::Sliding { size_us: 2 * S, period_us: 5 * S, offset_us: 0 };
        assert_eq!(gappy.assign(3 * S), vec![], "a period longer than the size leaves gaps");
    }

    #[test]
    fn global_and_extreme_times_do_not_overflow() {
        assert!(WindowFn::Global.assign(0)[0].is_global());
        let fixed = WindowFn::Fixed { size_us: 10, offset_us: 0 };
        assert_eq!(fixed.assign(i64::MIN).len(), 1);
        assert_eq!(fixed.assign(i64::MAX - 1).len(), 1);
        let sliding = WindowFn::Sliding { size_us: 10, period_us: 3, offset_us: 0 };
        let near_min = sliding.assign(i64::MIN + 100);
        assert!(!near_min.is_empty() && near_min.iter().all(|w| w.contains(i64::MIN + 100)));
    }

    #[test]
    fn touching_sessions_stay_apart_and_a_bridge_merges_them() {
        let touching = merge_sessions(&[w(0, 5), w(5, 10)]);
        assert_eq!(touching.len(), 2);
        let bridged = merge_sessions(&[w(0, 6), w(10, 16), w(5, 11)]);
        assert_eq!(bridged, vec![MergeGroup { result: w(0, 16), members: vec![w(0, 6), w(5, 11), w(10, 16)] }]);
        let inside = merge_sessions(&[w(1, 10), w(2, 4)]);
        assert_eq!(inside[0].result, w(1, 10));
    }

    #[test]
    fn validation_names_the_field() {
        let error = WindowFn::Sliding { size_us: 10, period_us: 0, offset_us: 0 }.validate("windows").unwrap_err();
        assert_eq!(error.path, "windows.period_us");
        assert!(WindowFn::Fixed { size_us: 0, offset_us: 0 }.validate("w").is_err());
        assert!(WindowFn::Sessions { gap_us: -1 }.validate("w").is_err());
        let too_fine = WindowFn::Sliding { size_us: 1_000_000, period_us: 1, offset_us: 0 };
        assert_eq!(too_fine.validate("w").unwrap_err().path, "w.period_us");
        assert!(too_fine.assign(0).is_empty(), "an invalid spec assigns nothing");
    }
}
