//! Flink's `join().where(..).equalTo(..).window(TumblingEventTimeWindows.of(size))`.

use std::collections::BTreeMap;

use super::RECORD_BYTES;
use crate::error::{check_range, InputError};
use crate::stream::{EventTimeUs, StreamRecord, BEGINNING_OF_TIME_US};

/// The longest join window: a day of event time.
pub const WINDOW_SIZE_US_MAX: i64 = 86_400_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinSide {
    Left,
    Right,
}

// Not Serialize: `StreamRecord` (in stream/mod.rs) does not derive it yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JoinedPair {
    pub key: u64,
    pub window_start_us: EventTimeUs,
    pub left: StreamRecord,
    pub right: StreamRecord,
}

/// A record that arrived after its window had fired and been cleared: Flink's late side
/// output. Handed back to the caller and counted, never dropped unseen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LateRecord {
    pub side: JoinSide,
    pub record: StreamRecord,
    pub window_start_us: EventTimeUs,
    pub watermark_us: EventTimeUs,
}

// Saturating: the last window before the end of time ends there rather than wrapping.
fn window_end_us(start_us: EventTimeUs, size_us: i64) -> EventTimeUs {
    start_us.saturating_add(size_us)
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Buffer {
    left: Vec<StreamRecord>,
    right: Vec<StreamRecord>,
}

/// Tumbling-window inner join with allowed lateness 0: each (window, key) buffers both
/// sides until the watermark reaches the window's end, then emits every left × right pair
/// and forgets the window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowJoin {
    size_us: i64,
    /// Keyed by (window start, key) so firing walks windows in time order, keys ascending.
    buffers: BTreeMap<(EventTimeUs, u64), Buffer>,
    watermark_us: EventTimeUs,
    buffered_records: usize,
    late_left: u64,
    late_right: u64,
    pairs_emitted: u64,
}

impl WindowJoin {
    pub fn new(size_us: i64) -> Result<Self, InputError> {
        check_range("size_us", size_us, 1, WINDOW_SIZE_US_MAX, "µs")?;
        Ok(WindowJoin {
            size_us,
            buffers: BTreeMap::new(),
            watermark_us: BEGINNING_OF_TIME_US,
            buffered_records: 0,
            late_left: 0,
            late_right: 0,
            pairs_emitted: 0,
        })
    }

    /// The start of the tumbling window holding `t`: floor(t / size) × size, also for
    /// negative times (a plain `/` would round towards zero and misplace them).
    pub fn window_start_us(&self, event_time_us: EventTimeUs) -> EventTimeUs {
        event_time_us - event_time_us.rem_euclid(self.size_us)
    }

    fn window_end_us(&self, start_us: EventTimeUs) -> EventTimeUs {
        window_end_us(start_us, self.size_us)
    }

    /// Buffers the record, or returns it as late if its window has already fired.
    pub fn on_record(&mut self, side: JoinSide, record: StreamRecord) -> Result<(), LateRecord> {
        let window_start_us = self.window_start_us(record.event_time_us);
        // Beam's convention: watermark W says nothing earlier than W will come, so a window
        // [start, end) is complete, fired and cleared once W ≥ end (Flink fires at
        // W ≥ end − 1 because its watermark means "≤ W has arrived": the same instant).
        if self.watermark_us >= self.window_end_us(window_start_us) {
            match side {
                JoinSide::Left => self.late_left += 1,
                JoinSide::Right => self.late_right += 1,
            }
            return Err(LateRecord { side, record, window_start_us, watermark_us: self.watermark_us });
        }
        let buffer = self.buffers.entry((window_start_us, record.key)).or_default();
        match side {
            JoinSide::Left => buffer.left.push(record),
            JoinSide::Right => buffer.right.push(record),
        }
        self.buffered_records += 1;
        Ok(())
    }

    /// Fires every window whose end the watermark has reached: pairs in window order, then
    /// key, then left arrival order, then right arrival order (Flink's nested loop).
    pub fn on_watermark(&mut self, watermark_us: EventTimeUs) -> Vec<JoinedPair> {
        if watermark_us <= self.watermark_us {
            return Vec::new();
        }
        self.watermark_us = watermark_us;
        let mut pairs = Vec::new();
        let size_us = self.size_us;
        while let Some(entry) = self.buffers.first_entry() {
            let (window_start_us, key) = *entry.key();
            if window_end_us(window_start_us, size_us) > watermark_us {
                break;
            }
            let buffer = entry.remove();
            self.buffered_records -= buffer.left.len() + buffer.right.len();
            for left in &buffer.left {
                for right in &buffer.right {
                    pairs.push(JoinedPair { key, window_start_us, left: *left, right: *right });
                }
            }
        }
        self.pairs_emitted += pairs.len() as u64;
        pairs
    }

    pub fn size_us(&self) -> i64 {
        self.size_us
    }

    pub fn watermark_us(&self) -> EventTimeUs {
        self.watermark_us
    }

    pub fn buffered_records(&self) -> usize {
        self.buffered_records
    }

    /// Open (window, key) buffers.
    pub fn buffered_windows(&self) -> usize {
        self.buffers.len()
    }

    /// Records plus, per buffer, its window start and key.
    pub fn state_bytes(&self) -> usize {
        self.buffered_records * RECORD_BYTES + self.buffers.len() * 16
    }

    pub fn late_records(&self, side: JoinSide) -> u64 {
        match side {
            JoinSide::Left => self.late_left,
            JoinSide::Right => self.late_right,
        }
    }

    pub fn pairs_emitted(&self) -> u64 {
        self.pairs_emitted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: u64, key: u64, event_time_us: i64) -> StreamRecord {
        StreamRecord { id, key, origin_key: key, event_time_us, value: 0, tag: 0, payload: crate::workload::Payload::None }
    }

    fn ids(pairs: &[JoinedPair]) -> Vec<(u64, u64)> {
        pairs.iter().map(|p| (p.left.id, p.right.id)).collect()
    }

    #[test]
    fn windows_are_aligned_to_multiples_of_the_size_even_before_zero() {
        let join = WindowJoin::new(10).unwrap();
        assert_eq!(join.window_start_us(0), 0);
        assert_eq!(join.window_start_us(19), 10);
        assert_eq!(join.window_start_us(-1), -10);
        assert_eq!(join.window_start_us(-10), -10);
        assert_eq!(WindowJoin::new(0).unwrap_err().path, "size_us");
    }

    #[test]
    fn same_key_same_window_pairs_fire_when_the_watermark_reaches_the_end() {
        let mut join = WindowJoin::new(1_000).unwrap();
        join.on_record(JoinSide::Left, rec(1, 7, 100)).unwrap();
        join.on_record(JoinSide::Right, rec(2, 7, 900)).unwrap();
        join.on_record(JoinSide::Right, rec(3, 7, 1_000)).unwrap(); // next window
        join.on_record(JoinSide::Right, rec(4, 8, 500)).unwrap(); // other key
        join.on_record(JoinSide::Left, rec(5, 7, 50)).unwrap();
        join.on_record(JoinSide::Right, rec(6, 7, 10)).unwrap();
        assert_eq!(join.buffered_records(), 6);
        assert_eq!(join.state_bytes(), 6 * RECORD_BYTES + 3 * 16);
        assert!(join.on_watermark(999).is_empty());
        let pairs = join.on_watermark(1_000);
        assert_eq!(ids(&pairs), vec![(1, 2), (1, 6), (5, 2), (5, 6)]);
        assert!(pairs.iter().all(|p| p.key == 7 && p.window_start_us == 0));
        // Window [0, 1000) is gone for both keys; key 8 had no left, so no pair.
        assert_eq!(join.buffered_records(), 1);
        assert_eq!(join.buffered_windows(), 1);
        assert_eq!(join.pairs_emitted(), 4);
    }

    #[test]
    fn records_for_a_cleared_window_are_handed_back_as_late() {
        let mut join = WindowJoin::new(1_000).unwrap();
        join.on_record(JoinSide::Left, rec(1, 7, 100)).unwrap();
        join.on_watermark(1_500);
        let late = join.on_record(JoinSide::Right, rec(2, 7, 999)).unwrap_err();
        assert_eq!(late, LateRecord { side: JoinSide::Right, record: rec(2, 7, 999), window_start_us: 0, watermark_us: 1_500 });
        assert_eq!(join.late_records(JoinSide::Right), 1);
        assert_eq!(join.late_records(JoinSide::Left), 0);
        // Behind the watermark but in a window still open: not late (Beam: the window decides).
        join.on_record(JoinSide::Left, rec(3, 7, 1_200)).unwrap();
        join.on_record(JoinSide::Right, rec(4, 7, 1_100)).unwrap();
        assert_eq!(ids(&join.on_watermark(2_000)), vec![(3, 4)]);
        assert!(join.on_watermark(1_800).is_empty(), "a watermark going back is ignored");
        assert_eq!(join.watermark_us(), 2_000);
        assert_eq!(join.state_bytes(), 0);
    }

    #[test]
    fn firing_walks_windows_in_time_then_key_order() {
        let mut join = WindowJoin::new(10).unwrap();
        for (id, key, t) in [(1, 9, 25), (2, 3, 25), (3, 9, 5)] {
            join.on_record(JoinSide::Left, rec(id, key, t)).unwrap();
            join.on_record(JoinSide::Right, rec(id + 100, key, t)).unwrap();
        }
        let pairs = join.on_watermark(30);
        assert_eq!(ids(&pairs), vec![(3, 103), (2, 102), (1, 101)]);
        let snapshot = join.clone();
        assert_eq!(snapshot, join);
    }
}
