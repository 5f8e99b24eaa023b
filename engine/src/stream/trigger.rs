//! A trigger decides when a window's result is emitted as a pane: when the watermark passes
//! the window's end (on time), before that (early, speculative), or after it (late, for
//! records that arrive within the allowed lateness). Each window keeps its own small state
//! machine, a [`TriggerState`], built from the [`Trigger`] spec.
//!
//! The rules are Beam's (`apache_beam/transforms/trigger.py`): `on_element`, `should_fire`,
//! `on_fire` returning "finished", `reset` and merging. A finished trigger closes its window:
//! later records for it are dropped. Processing time is a separate input in microseconds.

use super::EventTimeUs;
use crate::InputError;

/// When to emit panes (Beam's `TriggerFn`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Beam's default, `Repeatedly(AfterWatermark())`: one on-time pane, then one late pane
    /// per late record.
    Default,
    /// Fires once when the watermark reaches the window's end. `early` repeats before that,
    /// `late` repeats after it; without `late` the trigger finishes with the on-time pane.
    AfterWatermark { early: Option<Box<Trigger>>, late: Option<Box<Trigger>> },
    /// Fires once the pane holds `n` records; finishes then.
    AfterCount { n: u64 },
    /// Fires `delay_us` of processing time after the pane's first record; finishes then.
    AfterProcessingTime { delay_us: u64 },
    /// Runs the inner trigger again each time it finishes, so never finishes itself.
    Repeatedly(Box<Trigger>),
}

impl Trigger {
    /// Whether this trigger (or one inside it) ever waits on processing time: only then can a
    /// window have a processing-time timer.
    pub fn uses_processing_time(&self) -> bool {
        match self {
            Trigger::Default | Trigger::AfterCount { .. } => false,
            Trigger::AfterProcessingTime { .. } => true,
            Trigger::AfterWatermark { early, late } => [early, late].into_iter().flatten().any(|t| t.uses_processing_time()),
            Trigger::Repeatedly(inner) => inner.uses_processing_time(),
        }
    }

    /// A count of zero would fire on nothing; Beam refuses it too.
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        match self {
            Trigger::AfterCount { n: 0 } => Err(InputError::new(format!("{path}.n"), "must be a positive count")),
            Trigger::AfterWatermark { early, late } => {
                if let Some(early) = early {
                    early.validate(&format!("{path}.early"))?;
                }
                if let Some(late) = late {
                    late.validate(&format!("{path}.late"))?;
                }
                Ok(())
            }
            Trigger::Repeatedly(inner) => inner.validate(&format!("{path}.of")),
            _ => Ok(()),
        }
    }

    /// A fresh state machine for a new window.
    pub fn new_state(&self) -> TriggerState {
        match self {
            Trigger::Default => TriggerState::Repeatedly(Box::new(watermark_state(None, None))),
            Trigger::AfterWatermark { early, late } => watermark_state(early.as_deref(), late.as_deref()),
            Trigger::AfterCount { n } => TriggerState::Count { n: *n, seen: 0 },
            Trigger::AfterProcessingTime { delay_us } => TriggerState::ProcessingTime { delay_us: *delay_us, fire_at_us: None },
            Trigger::Repeatedly(inner) => TriggerState::Repeatedly(Box::new(inner.new_state())),
        }
    }
}

/// Beam wraps AfterWatermark's early and late triggers in `Repeatedly`.
fn watermark_state(early: Option<&Trigger>, late: Option<&Trigger>) -> TriggerState {
    let repeated = |t: &Trigger| Box::new(TriggerState::Repeatedly(Box::new(t.new_state())));
    TriggerState::Watermark { timer_armed: false, late_phase: false, early: early.map(repeated), late: late.map(repeated) }
}

/// What the trigger sees of the world when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriggerContext {
    pub watermark_us: EventTimeUs,
    pub processing_time_us: u64,
    pub window_end_us: EventTimeUs,
}

/// One window's trigger state. It carries its spec's constants (n, delay), so it needs no
/// spec to run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TriggerState {
    Watermark {
        /// The end-of-window timer: set by a record before the on-time pane, cleared when it fires.
        timer_armed: bool,
        /// The on-time pane has fired and a late trigger runs now.
        late_phase: bool,
        early: Option<Box<TriggerState>>,
        late: Option<Box<TriggerState>>,
    },
    Count { n: u64, seen: u64 },
    ProcessingTime { delay_us: u64, fire_at_us: Option<u64> },
    Repeatedly(Box<TriggerState>),
}

impl TriggerState {
    pub fn on_element(&mut self, ctx: &TriggerContext) {
        match self {
            TriggerState::Watermark { timer_armed, late_phase, early, late } => {
                if *late_phase {
                    if let Some(late) = late {
                        late.on_element(ctx);
                    }
                } else {
                    *timer_armed = true;
                    if let Some(early) = early {
                        early.on_element(ctx);
                    }
                }
            }
            TriggerState::Count { seen, .. } => *seen = seen.saturating_add(1),
            TriggerState::ProcessingTime { delay_us, fire_at_us } => {
                // Java's semantics: the delay runs from the pane's first record (Python re-arms
                // the timer on every record, which postpones it under a steady stream).
                if fire_at_us.is_none() {
                    *fire_at_us = Some(ctx.processing_time_us.saturating_add(*delay_us));
                }
            }
            TriggerState::Repeatedly(inner) => inner.on_element(ctx),
        }
    }

    pub fn should_fire(&self, ctx: &TriggerContext) -> bool {
        match self {
            TriggerState::Watermark { timer_armed, late_phase, early, late } => {
                if *late_phase {
                    late.as_ref().is_some_and(|late| late.should_fire(ctx))
                } else if *timer_armed && ctx.watermark_us >= ctx.window_end_us {
                    true
                } else {
                    early.as_ref().is_some_and(|early| early.should_fire(ctx))
                }
            }
            TriggerState::Count { n, seen } => seen >= n,
            TriggerState::ProcessingTime { fire_at_us, .. } => fire_at_us.is_some_and(|at| ctx.processing_time_us >= at),
            TriggerState::Repeatedly(inner) => inner.should_fire(ctx),
        }
    }

    /// Called when the window fires (after `should_fire` said so); returns whether the
    /// trigger is finished, which closes the window.
    pub fn on_fire(&mut self, ctx: &TriggerContext) -> bool {
        match self {
            TriggerState::Watermark { timer_armed, late_phase, early, late } => {
                if *late_phase {
                    return late.as_mut().is_some_and(|late| late.on_fire(ctx));
                }
                if *timer_armed && ctx.watermark_us >= ctx.window_end_us {
                    *timer_armed = false;
                    *late_phase = late.is_some();
                    return late.is_none();
                }
                if let Some(early) = early {
                    early.on_fire(ctx);
                }
                false
            }
            TriggerState::Count { .. } | TriggerState::ProcessingTime { .. } => true,
            TriggerState::Repeatedly(inner) => {
                if inner.on_fire(ctx) {
                    inner.reset();
                }
                false
            }
        }
    }

    /// Back to the state of a fresh window (Repeatedly does this after each finish).
    pub fn reset(&mut self) {
        match self {
            TriggerState::Watermark { timer_armed, late_phase, early, late } => {
                *timer_armed = false;
                *late_phase = false;
                for sub in [early, late].into_iter().flatten() {
                    sub.reset();
                }
            }
            TriggerState::Count { seen, .. } => *seen = 0,
            TriggerState::ProcessingTime { fire_at_us, .. } => *fire_at_us = None,
            TriggerState::Repeatedly(inner) => inner.reset(),
        }
    }

    /// Folds `other` (a window merged into this one) into this state: counts add up, timers
    /// keep the earliest, flags combine with "or". Call [`TriggerState::settle_merge`] after
    /// the last one.
    pub fn merge_from(&mut self, other: &TriggerState) {
        match (self, other) {
            (
                TriggerState::Watermark { timer_armed, late_phase, early, late },
                TriggerState::Watermark { timer_armed: other_armed, late_phase: other_late, early: other_early, late: other_late_trigger },
            ) => {
                *timer_armed |= *other_armed;
                *late_phase |= *other_late;
                merge_optional(early, other_early);
                merge_optional(late, other_late_trigger);
            }
            (TriggerState::Count { seen, .. }, TriggerState::Count { seen: other_seen, .. }) => {
                *seen = seen.saturating_add(*other_seen);
            }
            (TriggerState::ProcessingTime { fire_at_us, .. }, TriggerState::ProcessingTime { fire_at_us: other_at, .. }) => {
                *fire_at_us = match (*fire_at_us, *other_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            (TriggerState::Repeatedly(inner), TriggerState::Repeatedly(other_inner)) => inner.merge_from(other_inner),
            // States of one spec always have the same shape; nothing to do otherwise.
            _ => {}
        }
    }

    /// After a merge: the late phase survives only if the watermark has reached the merged
    /// window's end. A session that grew past the watermark is on time again, as in Beam
    /// Java (Beam Python keeps the late flag and then stalls: session-08 in the oracle file).
    pub fn settle_merge(&mut self, ctx: &TriggerContext) {
        match self {
            TriggerState::Watermark { late_phase, .. } => *late_phase &= ctx.watermark_us >= ctx.window_end_us,
            TriggerState::Repeatedly(inner) => inner.settle_merge(ctx),
            _ => {}
        }
    }

    /// When a processing-time timer in the active part of this trigger is due.
    pub fn next_processing_time_us(&self) -> Option<u64> {
        match self {
            TriggerState::Watermark { late_phase, early, late, .. } => {
                let active = if *late_phase { late } else { early };
                active.as_ref().and_then(|t| t.next_processing_time_us())
            }
            TriggerState::Count { .. } => None,
            TriggerState::ProcessingTime { fire_at_us, .. } => *fire_at_us,
            TriggerState::Repeatedly(inner) => inner.next_processing_time_us(),
        }
    }

    /// Whether an end-of-window timer is waiting for the watermark (for "why no output yet").
    pub fn waits_for_watermark(&self) -> bool {
        match self {
            TriggerState::Watermark { timer_armed, .. } => *timer_armed,
            TriggerState::Repeatedly(inner) => inner.waits_for_watermark(),
            _ => false,
        }
    }

    /// How many more records an active count trigger needs, if one is waiting.
    pub fn records_needed(&self) -> Option<u64> {
        match self {
            TriggerState::Watermark { late_phase, early, late, .. } => {
                let active = if *late_phase { late } else { early };
                active.as_ref().and_then(|t| t.records_needed())
            }
            TriggerState::Count { n, seen } => Some(n.saturating_sub(*seen)),
            TriggerState::ProcessingTime { .. } => None,
            TriggerState::Repeatedly(inner) => inner.records_needed(),
        }
    }
}

fn merge_optional(into: &mut Option<Box<TriggerState>>, from: &Option<Box<TriggerState>>) {
    if let (Some(into), Some(from)) = (into, from) {
        into.merge_from(from);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(watermark_us: EventTimeUs, processing_time_us: u64) -> TriggerContext {
        TriggerContext { watermark_us, processing_time_us, window_end_us: 100 }
    }

    #[test]
    fn only_a_trigger_with_a_processing_time_part_uses_processing_time() {
        let after_pt = || Box::new(Trigger::AfterProcessingTime { delay_us: 5 });
        assert!(!Trigger::Default.uses_processing_time());
        assert!(!Trigger::Repeatedly(Box::new(Trigger::AfterCount { n: 2 })).uses_processing_time());
        assert!(!Trigger::AfterWatermark { early: Some(Box::new(Trigger::AfterCount { n: 3 })), late: None }.uses_processing_time());
        assert!(Trigger::AfterWatermark { early: Some(after_pt()), late: None }.uses_processing_time());
        assert!(Trigger::AfterWatermark { early: None, late: Some(Box::new(Trigger::Repeatedly(after_pt()))) }.uses_processing_time());
        // And a windower with one has the timer the trigger asks for.
        let mut state = Trigger::AfterWatermark { early: Some(Box::new(Trigger::Repeatedly(after_pt()))), late: None }.new_state();
        state.on_element(&ctx(0, 10));
        assert_eq!(state.next_processing_time_us(), Some(15));
    }

    #[test]
    fn after_watermark_without_late_finishes_with_the_on_time_pane() {
        let mut state = Trigger::AfterWatermark { early: None, late: None }.new_state();
        state.on_element(&ctx(0, 0));
        assert!(!state.should_fire(&ctx(99, 0)));
        assert!(state.should_fire(&ctx(100, 0)));
        assert!(state.on_fire(&ctx(100, 0)), "finished");
    }

    #[test]
    fn after_watermark_with_late_count_keeps_firing_late() {
        let late = Some(Box::new(Trigger::AfterCount { n: 1 }));
        let mut state = Trigger::AfterWatermark { early: None, late }.new_state();
        state.on_element(&ctx(0, 0));
        assert!(!state.on_fire(&ctx(100, 0)));
        assert!(!state.should_fire(&ctx(120, 0)), "the timer fired once");
        state.on_element(&ctx(120, 0));
        assert!(state.should_fire(&ctx(120, 0)));
        assert!(!state.on_fire(&ctx(120, 0)), "late firings repeat");
        assert!(!state.should_fire(&ctx(120, 0)));
    }

    #[test]
    fn processing_time_fires_delay_after_the_first_record() {
        let early = Some(Box::new(Trigger::AfterProcessingTime { delay_us: 50 }));
        let mut state = Trigger::AfterWatermark { early, late: None }.new_state();
        state.on_element(&ctx(0, 10));
        state.on_element(&ctx(0, 40));
        assert_eq!(state.next_processing_time_us(), Some(60));
        assert!(!state.should_fire(&ctx(0, 59)));
        assert!(state.should_fire(&ctx(0, 60)));
        assert!(!state.on_fire(&ctx(0, 60)));
        assert_eq!(state.next_processing_time_us(), None, "re-armed by the next record");
    }

    #[test]
    fn count_zero_is_refused_with_its_path() {
        let spec = Trigger::Repeatedly(Box::new(Trigger::AfterCount { n: 0 }));
        assert_eq!(spec.validate("trigger").unwrap_err().path, "trigger.of.n");
    }
}
