//! A keyed process function is the low-level building block under every windowed operator:
//! per key it keeps whatever state it likes and sets timers, in event time (called back when
//! the watermark gets there) or processing time (when the clock does). Here: the timer
//! service, and one rule a fraud detector needs, written on it.

mod burst;
mod timers;

pub use burst::{
    Alert, BurstRule, BurstRuleConfig, BURST_EVENTS_MAX, IDLE_CLEAR_US_MAX, KEY_STATE_BYTES, WITHIN_US_MAX,
};
pub use timers::{TimerService, TIMER_BYTES};
