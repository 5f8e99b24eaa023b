//! One key's one window: its accumulator, its trigger, and the pane numbering Beam keeps
//! (`index` over all panes, `nonspeculative_index` over on-time and late ones).

use super::{Accumulation, Pane, Timing};
use crate::stream::trigger::{Trigger, TriggerContext, TriggerState};
use crate::stream::window::Window;
use crate::stream::{Aggregate, EventTimeUs};

/// Bytes a state backend would spend on a window besides its accumulator: the window's
/// bounds, the two pane counters and a small trigger state.
pub(super) const WINDOW_OVERHEAD_BYTES: usize = 48;

#[derive(Clone, Debug)]
pub(super) struct WindowState<A> {
    pub accumulator: A,
    /// Holds records that no pane has shown yet (what a final pane at expiry would carry).
    pub unemitted: bool,
    pub pane_index: u64,
    pub nonspeculative_count: u64,
    pub trigger: TriggerState,
    /// The trigger finished: the window takes no more records (Beam's tombstone). Kept
    /// until the window expires, so that late records are refused rather than reopen it.
    pub closed: bool,
    /// Beam Python's watermark hold (`WATERMARK_HOLD`): set at the window's max timestamp by
    /// a record that is not behind the output watermark, released by a pane judged at or
    /// past the window's end (the on-time pane). A merge keeps the earliest of its members'
    /// holds: Beam moves the merged-away windows' state ids, holds included, into the result,
    /// and its `clear_state(merged_away_window, WATERMARK_HOLD)` afterwards finds no ids left.
    pub hold_us: Option<EventTimeUs>,
}

/// What asked the trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cause {
    Element,
    Watermark,
    ProcessingTime,
}

/// Why a pane is being emitted; only a watermark timer (or expiry) can make it ON_TIME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Firing {
    Trigger { by_watermark_timer: bool },
    Expiry,
}

impl<A: Aggregate> WindowState<A> {
    pub fn new(empty: &A, trigger: &Trigger) -> Self {
        WindowState {
            accumulator: empty.clone(),
            unemitted: false,
            pane_index: 0,
            nonspeculative_count: 0,
            trigger: trigger.new_state(),
            closed: false,
            hold_us: None,
        }
    }

    /// Pane numbering does not survive a merge (Beam clears it for merged-away windows).
    pub fn clear_pane_counters(&mut self) {
        self.pane_index = 0;
        self.nonspeculative_count = 0;
    }

    /// Takes in a window merged into this one.
    pub fn absorb(&mut self, other: &WindowState<A>) {
        self.accumulator.merge(&other.accumulator);
        self.unemitted |= other.unemitted;
        self.closed |= other.closed;
        self.trigger.merge_from(&other.trigger);
        self.hold_us = earliest(self.hold_us, other.hold_us);
    }

    /// Beam Python adds a hold at the window's max timestamp (the END_OF_WINDOW output time)
    /// for a record unless that is already behind the output watermark.
    pub fn hold_for_record(&mut self, window: Window, output_watermark_us: EventTimeUs) {
        let at = window.max_timestamp_us();
        if at >= output_watermark_us {
            self.hold_us = earliest(self.hold_us, Some(at));
        }
    }

    /// Asks the trigger and emits a pane if it fires. Only a watermark advance can fire the
    /// end-of-window timer: a record that arrives after the end fires a LATE pane, even the
    /// window's first (Beam passes "maybe on time" only from its timer callback).
    ///
    /// The trigger sees the input watermark (`ctx`); the pane is judged against
    /// `judged_at_us`, which is what Beam Python passes to `_output`: the output watermark
    /// for a pane fired by a record, the timer's time (the window's end) for one fired by
    /// the watermark timer — any input watermark at or past the end judges it the same.
    pub fn maybe_fire<K: Clone>(
        &mut self,
        key: &K,
        window: Window,
        cause: Cause,
        ctx: &TriggerContext,
        judged_at_us: EventTimeUs,
        rules: &PaneRules<'_, A>,
    ) -> Option<Pane<K, A>> {
        if self.closed || !self.trigger.should_fire(ctx) {
            return None;
        }
        let by_watermark_timer = cause == Cause::Watermark && self.trigger.waits_for_watermark() && ctx.watermark_us >= window.end_us;
        let finished = self.trigger.on_fire(ctx);
        Some(self.emit(key, window, finished, Firing::Trigger { by_watermark_timer }, ctx.watermark_us, judged_at_us, rules))
    }

    /// Beam's pane description: EARLY while the (output) watermark it is judged against has
    /// not passed the window's max timestamp; otherwise ON_TIME for the first non-speculative
    /// pane fired by the watermark, LATE for the rest. The hold goes unless the pane was
    /// judged before the window's end (Beam keeps it then, for the on-time pane to come).
    #[allow(clippy::too_many_arguments)]
    pub fn emit<K: Clone>(
        &mut self,
        key: &K,
        window: Window,
        finished: bool,
        firing: Firing,
        watermark_us: EventTimeUs,
        judged_at_us: EventTimeUs,
        rules: &PaneRules<'_, A>,
    ) -> Pane<K, A> {
        let index = self.pane_index;
        self.pane_index += 1;
        let may_be_on_time = matches!(firing, Firing::Expiry | Firing::Trigger { by_watermark_timer: true });
        if judged_at_us >= window.end_us {
            self.hold_us = None;
        }
        let (timing, nonspeculative_index) = if judged_at_us <= window.max_timestamp_us() {
            // Beam numbers an early pane non-speculatively only if one came before it (a
            // merged window whose end moved past the watermark again).
            match self.nonspeculative_count {
                0 => (Timing::Early, -1),
                _ => (Timing::Early, self.next_nonspeculative_index()),
            }
        } else {
            let ns = self.next_nonspeculative_index();
            (if may_be_on_time && ns == 0 { Timing::OnTime } else { Timing::Late }, ns)
        };
        let pane = Pane {
            key: key.clone(),
            window,
            timing,
            index,
            nonspeculative_index,
            is_first: index == 0,
            is_last: finished,
            accumulator: self.accumulator.clone(),
            fired_at_watermark_us: watermark_us,
        };
        if finished {
            self.closed = true;
        }
        if finished || rules.accumulation == Accumulation::Discarding {
            self.accumulator = rules.empty.clone();
        }
        self.unemitted = false;
        pane
    }

    fn next_nonspeculative_index(&mut self) -> i64 {
        let ns = i64::try_from(self.nonspeculative_count).unwrap_or(i64::MAX);
        self.nonspeculative_count += 1;
        ns
    }

    pub fn state_bytes(&self) -> usize {
        WINDOW_OVERHEAD_BYTES + self.accumulator.state_bytes()
    }
}

/// What emitting needs from the spec.
pub(super) struct PaneRules<'a, A> {
    pub accumulation: Accumulation,
    pub empty: &'a A,
}

fn earliest(a: Option<EventTimeUs>, b: Option<EventTimeUs>) -> Option<EventTimeUs> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}
