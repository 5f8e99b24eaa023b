//! A burst rule in the shape of a Flink `KeyedProcessFunction`: per card (key) it keeps the
//! event times of recent transactions, and alerts when too many fall inside a short span.

use std::collections::BTreeMap;

use super::timers::TimerService;
use crate::error::{check_range, InputError};
use crate::stream::{EventTimeUs, StreamRecord};

/// Event times kept per key. A key past this drops its earliest time (counted in
/// `evicted_events`), so a runaway key costs bounded memory; `count_min` may not exceed it,
/// so any burst the rule can ask for still fits.
pub const BURST_EVENTS_MAX: usize = 256;
/// The longest burst span: a day of event time.
pub const WITHIN_US_MAX: i64 = 86_400_000_000;
/// The longest idle clear: a day of processing time.
pub const IDLE_CLEAR_US_MAX: u64 = 86_400_000_000;
/// Per key besides its times: key, consumed-through mark, last activity, idle timer.
pub const KEY_STATE_BYTES: usize = 33;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct BurstRuleConfig {
    /// Alert at this many records of one key ...
    pub count_min: u32,
    /// ... within this span of event time (a half-open interval [first, first + within)).
    pub within_us: i64,
    /// Forget a key after this much processing time without a record.
    pub idle_clear_us: u64,
}

impl BurstRuleConfig {
    pub fn validate(&self) -> Result<(), InputError> {
        check_range("count_min", self.count_min as usize, 1, BURST_EVENTS_MAX, "records")?;
        check_range("within_us", self.within_us, 1, WITHIN_US_MAX, "µs")?;
        check_range("idle_clear_us", self.idle_clear_us, 1, IDLE_CLEAR_US_MAX, "µs")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Alert {
    pub key: u64,
    pub count: u32,
    pub first_event_time_us: EventTimeUs,
    pub last_event_time_us: EventTimeUs,
    pub fired_at_watermark_us: EventTimeUs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct KeyState {
    /// Sorted; records arrive out of order and are inserted in place.
    times_us: Vec<EventTimeUs>,
    /// Times up to here already went into an alert: one burst, one alert.
    consumed_through_us: Option<EventTimeUs>,
    idle_timer_us: u64,
}

/// The rule's whole state, cloned as-is by a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BurstRule {
    config: BurstRuleConfig,
    keys: BTreeMap<u64, KeyState>,
    timers: TimerService<u64>,
    buffered_events: usize,
    late_records: u64,
    evicted_events: u64,
    alerts_emitted: u64,
}

impl BurstRule {
    pub fn new(config: BurstRuleConfig) -> Result<Self, InputError> {
        config.validate()?;
        Ok(BurstRule {
            config,
            keys: BTreeMap::new(),
            timers: TimerService::new(),
            buffered_events: 0,
            late_records: 0,
            evicted_events: 0,
            alerts_emitted: 0,
        })
    }

    /// Takes one record at processing time `now_us`. Returns false for a late record (older
    /// than the watermark): counted, not kept, since the windows it could join are decided.
    pub fn on_record(&mut self, record: &StreamRecord, now_us: u64) -> bool {
        let t = record.event_time_us;
        if t < self.timers.watermark_us() {
            self.late_records += 1;
            return false;
        }
        let idle_timer_us = now_us.saturating_add(self.config.idle_clear_us);
        let state = self.keys.entry(record.key).or_insert_with(|| KeyState {
            times_us: Vec::new(),
            consumed_through_us: None,
            idle_timer_us,
        });
        // Every record pushes the key's idle clear back: delete the old timer, set a new one
        // (Flink's usual deleteProcessingTimeTimer / registerProcessingTimeTimer pair).
        self.timers.delete_processing_time_timer(record.key, state.idle_timer_us);
        state.idle_timer_us = idle_timer_us;
        self.timers.register_processing_time_timer(record.key, idle_timer_us);
        let at = state.times_us.partition_point(|&x| x <= t);
        state.times_us.insert(at, t);
        self.buffered_events += 1;
        if state.times_us.len() > BURST_EVENTS_MAX {
            state.times_us.remove(0);
            self.buffered_events -= 1;
            self.evicted_events += 1;
        }
        // The window of records starting at t is complete once the watermark reaches
        // t + within: evaluate it then.
        self.timers.register_event_time_timer(record.key, t.saturating_add(self.config.within_us));
        true
    }

    /// Alerts are decided on the watermark, not on arrival: a record arriving out of order
    /// can still belong to an earlier span, so a count taken at arrival could miss it (no
    /// alert) or report too few. When the watermark reaches the end of a span, every record
    /// in it has arrived, and the count is final.
    pub fn on_watermark(&mut self, watermark_us: EventTimeUs) -> Vec<Alert> {
        self.timers.advance_watermark(watermark_us);
        let mut alerts = Vec::new();
        while let Some((time_us, key)) = self.timers.pop_due_event_timer() {
            if let Some(alert) = self.on_event_timer(key, time_us) {
                alerts.push(alert);
            }
        }
        self.alerts_emitted += alerts.len() as u64;
        alerts
    }

    /// The span [end − within, end) is complete; it starts at one of the key's records.
    fn on_event_timer(&mut self, key: u64, end_us: EventTimeUs) -> Option<Alert> {
        let state = self.keys.get_mut(&key)?; // cleared by idleness meanwhile
        let start_us = end_us.saturating_sub(self.config.within_us);
        let fresh = |t: &&EventTimeUs| state.consumed_through_us.is_none_or(|c| **t > c);
        let in_span: Vec<EventTimeUs> =
            state.times_us.iter().filter(|&&t| t >= start_us && t < end_us).filter(fresh).copied().collect();
        let alert = (in_span.len() >= self.config.count_min as usize).then(|| Alert {
            key,
            count: in_span.len() as u32,
            first_event_time_us: in_span[0],
            last_event_time_us: in_span[in_span.len() - 1],
            fired_at_watermark_us: self.timers.watermark_us(),
        });
        if let Some(alert) = &alert {
            state.consumed_through_us = Some(alert.last_event_time_us);
        }
        // Spans starting later never include a time at or before this start: drop them.
        let before = state.times_us.len();
        state.times_us.retain(|&t| t > start_us);
        self.buffered_events -= before - state.times_us.len();
        // The event-time clear: once the watermark is past the last record + within, the
        // last timer has fired and nothing is left.
        if state.times_us.is_empty() {
            let idle_timer_us = state.idle_timer_us;
            self.keys.remove(&key);
            self.timers.delete_processing_time_timer(key, idle_timer_us);
        }
        alert
    }

    /// Clears keys silent for `idle_clear_us` of processing time, with their timers: a key
    /// whose watermark stalls would otherwise hold its records forever. Returns how many.
    pub fn on_processing_time(&mut self, now_us: u64) -> usize {
        self.timers.advance_processing_time(now_us);
        let mut cleared = 0;
        while let Some((_, key)) = self.timers.pop_due_processing_timer() {
            let Some(state) = self.keys.remove(&key) else { continue };
            for &t in &state.times_us {
                self.timers.delete_event_time_timer(key, t.saturating_add(self.config.within_us));
            }
            self.buffered_events -= state.times_us.len();
            cleared += 1;
        }
        cleared
    }

    pub fn config(&self) -> &BurstRuleConfig {
        &self.config
    }

    pub fn keys(&self) -> usize {
        self.keys.len()
    }

    pub fn buffered_events(&self) -> usize {
        self.buffered_events
    }

    pub fn timers(&self) -> &TimerService<u64> {
        &self.timers
    }

    /// Keyed state plus timers, as a state backend would hold them.
    pub fn state_bytes(&self) -> usize {
        self.keys.len() * KEY_STATE_BYTES + self.buffered_events * 8 + self.timers.state_bytes()
    }

    pub fn late_records(&self) -> u64 {
        self.late_records
    }

    pub fn evicted_events(&self) -> u64 {
        self.evicted_events
    }

    pub fn alerts_emitted(&self) -> u64 {
        self.alerts_emitted
    }
}

#[cfg(test)]
mod tests;
