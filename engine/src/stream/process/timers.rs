//! Flink's timer service: a keyed operator asks to be called back at an event time (when
//! the watermark gets there) or at a processing time (when the clock does). Timers are
//! state like any other: they are checkpointed, and registering one twice keeps one.

use std::collections::BTreeSet;

use crate::stream::{EventTimeUs, BEGINNING_OF_TIME_US};

/// Per timer: its time and its key, 8 bytes each.
pub const TIMER_BYTES: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimerService<K: Ord + Copy> {
    /// Ordered by (time, key): timers fire earliest first, keys ascending on ties.
    event_timers: BTreeSet<(EventTimeUs, K)>,
    processing_timers: BTreeSet<(u64, K)>,
    watermark_us: EventTimeUs,
    processing_time_us: u64,
}

impl<K: Ord + Copy> Default for TimerService<K> {
    fn default() -> Self {
        TimerService {
            event_timers: BTreeSet::new(),
            processing_timers: BTreeSet::new(),
            watermark_us: BEGINNING_OF_TIME_US,
            processing_time_us: 0,
        }
    }
}

impl<K: Ord + Copy> TimerService<K> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns false if the same (key, time) was already registered: it stays one timer.
    /// A timer already due fires at the next `pop_due_event_timer`, as in Flink.
    pub fn register_event_time_timer(&mut self, key: K, time_us: EventTimeUs) -> bool {
        self.event_timers.insert((time_us, key))
    }

    pub fn delete_event_time_timer(&mut self, key: K, time_us: EventTimeUs) -> bool {
        self.event_timers.remove(&(time_us, key))
    }

    pub fn register_processing_time_timer(&mut self, key: K, time_us: u64) -> bool {
        self.processing_timers.insert((time_us, key))
    }

    pub fn delete_processing_time_timer(&mut self, key: K, time_us: u64) -> bool {
        self.processing_timers.remove(&(time_us, key))
    }

    /// When the earliest processing-time timer is due: when the caller must wake us.
    pub fn next_processing_time_us(&self) -> Option<u64> {
        self.processing_timers.first().map(|&(time_us, _)| time_us)
    }

    /// Moves the watermark forward (never back). Due timers are then taken one at a time
    /// with `pop_due_event_timer`, so a callback may register further timers and have
    /// them fire in the same pass, as Flink's `advanceWatermark` loop allows.
    pub fn advance_watermark(&mut self, watermark_us: EventTimeUs) {
        self.watermark_us = self.watermark_us.max(watermark_us);
    }

    /// The earliest timer at or before the watermark. A timer at t fires once the watermark
    /// reaches t: by Beam's convention every record before t has then arrived.
    pub fn pop_due_event_timer(&mut self) -> Option<(EventTimeUs, K)> {
        let &(time_us, key) = self.event_timers.first()?;
        if time_us > self.watermark_us {
            return None;
        }
        self.event_timers.pop_first();
        Some((time_us, key))
    }

    pub fn advance_processing_time(&mut self, now_us: u64) {
        self.processing_time_us = self.processing_time_us.max(now_us);
    }

    pub fn pop_due_processing_timer(&mut self) -> Option<(u64, K)> {
        let &(time_us, key) = self.processing_timers.first()?;
        if time_us > self.processing_time_us {
            return None;
        }
        self.processing_timers.pop_first();
        Some((time_us, key))
    }

    /// Advances the watermark and takes every timer it makes due, in (time, key) order.
    pub fn fire_event_timers(&mut self, watermark_us: EventTimeUs) -> Vec<(EventTimeUs, K)> {
        self.advance_watermark(watermark_us);
        std::iter::from_fn(|| self.pop_due_event_timer()).collect()
    }

    pub fn fire_processing_timers(&mut self, now_us: u64) -> Vec<(u64, K)> {
        self.advance_processing_time(now_us);
        std::iter::from_fn(|| self.pop_due_processing_timer()).collect()
    }

    pub fn watermark_us(&self) -> EventTimeUs {
        self.watermark_us
    }

    pub fn processing_time_us(&self) -> u64 {
        self.processing_time_us
    }

    pub fn event_timers(&self) -> usize {
        self.event_timers.len()
    }

    pub fn processing_timers(&self) -> usize {
        self.processing_timers.len()
    }

    pub fn state_bytes(&self) -> usize {
        (self.event_timers.len() + self.processing_timers.len()) * TIMER_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_timers_fire_in_time_then_key_order_once_the_watermark_reaches_them() {
        let mut timers = TimerService::new();
        assert!(timers.register_event_time_timer(9_u64, 100));
        assert!(timers.register_event_time_timer(2, 100));
        assert!(timers.register_event_time_timer(5, 50));
        assert!(!timers.register_event_time_timer(5, 50), "the same (key, time) is one timer");
        assert!(timers.register_event_time_timer(5, 300));
        assert_eq!(timers.event_timers(), 4);
        assert_eq!(timers.fire_event_timers(49), vec![]);
        assert_eq!(timers.fire_event_timers(100), vec![(50, 5), (100, 2), (100, 9)]);
        assert_eq!(timers.fire_event_timers(10), vec![], "the watermark does not go back");
        assert_eq!(timers.watermark_us(), 100);
        // Registered in the past: due at once.
        timers.register_event_time_timer(1, 20);
        assert_eq!(timers.pop_due_event_timer(), Some((20, 1)));
        assert!(timers.delete_event_time_timer(5, 300));
        assert!(!timers.delete_event_time_timer(5, 300));
        assert_eq!(timers.fire_event_timers(1_000), vec![]);
        assert_eq!(timers.state_bytes(), 0);
    }

    #[test]
    fn processing_timers_fire_by_processing_time_only() {
        let mut timers = TimerService::new();
        timers.register_processing_time_timer(3_u64, 1_000);
        timers.register_processing_time_timer(1, 2_000);
        timers.register_event_time_timer(1, 0);
        assert_eq!(timers.state_bytes(), 3 * TIMER_BYTES);
        assert_eq!(timers.fire_processing_timers(999), vec![]);
        assert_eq!(timers.fire_processing_timers(5_000), vec![(1_000, 3), (2_000, 1)]);
        assert_eq!(timers.processing_time_us(), 5_000);
        assert_eq!(timers.event_timers(), 1, "processing time does not fire event timers");
        assert_eq!(timers.processing_timers(), 0);
    }
}
