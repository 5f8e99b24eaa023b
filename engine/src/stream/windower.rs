//! The windower groups each key's records into windows and emits panes when triggers fire:
//! Beam's `WindowInto` + `GroupByKey` (its `ReduceFnRunner`), as one state machine the job
//! checkpoints by cloning. Inputs are records, watermarks and processing time; outputs are
//! [`Pane`]s, each saying which window it is for, whether it is early, on time or late, and
//! its place in the window's sequence of panes.
//!
//! It matches Beam Python 2.77 pane for pane on `shared/oracles/windows.json`, with one
//! deliberate difference: expired windows are garbage-collected as in Beam Java and Flink.
//! Where the engines differ:
//! - Beam Python drops a record for a window when the watermark is strictly greater than
//!   `end + allowed_lateness`; Beam Java when `max_timestamp + lateness < watermark` and Flink
//!   when `max_timestamp + lateness <= watermark`, with `max_timestamp = end − 1 ms` in both, so
//!   they drop from one millisecond earlier. Flink also fires on time at `watermark >= end − 1 ms`.
//! - Beam Python never expires a window; Beam Java clears it when the watermark passes
//!   `end + lateness` and first emits a final pane if it holds records no pane has shown.
//!   Dhara does the latter, so the three scenarios where Beam Python stalls get an answer.
//!   Sessions are the exception: an expired session is kept a little longer, silently, so
//!   that a late record can still merge with it as it does in Beam Python (see
//!   [`Windower::gc_horizon_us`]).
//! - A pane fired by a record is judged EARLY or not against the *output* watermark, as in
//!   Beam Python: the input watermark held back by the windows' watermark holds
//!   ([`Windower::output_watermark_us`]). They differ only after a session merge whose members
//!   held earlier holds, and where Beam stalls.

mod state;

pub mod oracle;

use self::state::{Cause, Firing, PaneRules, WindowState};
use super::trigger::{Trigger, TriggerContext};
use super::window::{merge_sessions, Window, WindowFn};
use super::{Aggregate, EventTimeUs, BEGINNING_OF_TIME_US, END_OF_TIME_US};
use crate::InputError;
use std::collections::BTreeMap;

/// Whether a pane carries the window's whole contents so far or only what came since the
/// previous pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accumulation {
    Discarding,
    Accumulating,
}

/// Everything `WindowInto` takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowingSpec {
    pub windows: WindowFn,
    pub trigger: Trigger,
    /// How long after a window's end late records are still taken (event time).
    pub allowed_lateness_us: i64,
    pub accumulation: Accumulation,
}

impl WindowingSpec {
    pub fn validate(&self) -> Result<(), InputError> {
        self.windows.validate("windows")?;
        self.trigger.validate("trigger")?;
        if self.allowed_lateness_us < 0 {
            return Err(InputError::new("allowed_lateness_us", "must be zero or more microseconds"));
        }
        Ok(())
    }
}

/// Beam's `PaneInfo.timing`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Timing {
    Early,
    OnTime,
    Late,
}

impl Timing {
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::Early => "EARLY",
            Timing::OnTime => "ON_TIME",
            Timing::Late => "LATE",
        }
    }
}

/// One emitted result of one key's window.
#[derive(Clone, Debug)]
pub struct Pane<K, A> {
    pub key: K,
    pub window: Window,
    pub timing: Timing,
    /// 0 for the window's first pane, counting every pane.
    pub index: u64,
    /// -1 for early panes; counts on-time and late panes from 0.
    pub nonspeculative_index: i64,
    pub is_first: bool,
    /// The trigger finished: no more panes for this window.
    pub is_last: bool,
    pub accumulator: A,
    pub fired_at_watermark_us: EventTimeUs,
}

/// What became of one record, window by window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElementOutcome {
    /// Windows that took the record.
    pub windows_accepted: usize,
    /// Windows that refused it as too late (watermark > end + allowed lateness).
    pub windows_late: usize,
    /// Windows whose trigger had finished, so they take nothing more.
    pub windows_closed: usize,
}

impl ElementOutcome {
    /// Refused by every window it belongs to: the caller sends it to the late side output.
    pub fn late_dropped(&self) -> bool {
        self.windows_accepted == 0 && self.windows_late + self.windows_closed > 0
    }
}

/// Why a window has not produced (all of) its output yet: what it waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingWindow<K> {
    pub key: K,
    pub window: Window,
    /// It holds records no pane has shown yet.
    pub holds_unemitted: bool,
    /// Its on-time pane fires when the watermark reaches this.
    pub fires_at_watermark_us: Option<EventTimeUs>,
    /// A processing-time trigger fires then.
    pub fires_at_processing_time_us: Option<u64>,
    /// A count trigger needs this many more records.
    pub records_needed: Option<u64>,
    /// Its state goes (with a final pane if it holds unemitted records) once the watermark
    /// passes this: `end + allowed lateness`, plus the gap for sessions.
    pub expires_after_watermark_us: EventTimeUs,
}

#[derive(Clone, Debug)]
pub struct Windower<K: Ord + Clone, A: Aggregate> {
    spec: WindowingSpec,
    empty: A,
    watermark_us: EventTimeUs,
    processing_time_us: u64,
    keys: BTreeMap<K, BTreeMap<Window, WindowState<A>>>,
    /// Every window's watermark hold, counted (a multiset), for the output watermark.
    holds: BTreeMap<EventTimeUs, usize>,
}

impl<K: Ord + Clone, A: Aggregate> Windower<K, A> {
    /// `empty` is the accumulator every window starts from.
    pub fn new(spec: WindowingSpec, empty: A) -> Self {
        Windower { spec, empty, watermark_us: BEGINNING_OF_TIME_US, processing_time_us: 0, keys: BTreeMap::new(), holds: BTreeMap::new() }
    }

    /// `new` after checking the spec (an invalid one assigns records to no window).
    pub fn try_new(spec: WindowingSpec, empty: A) -> Result<Self, InputError> {
        spec.validate()?;
        Ok(Windower::new(spec, empty))
    }

    pub fn spec(&self) -> &WindowingSpec {
        &self.spec
    }

    /// The output watermark, as Beam Python's DirectRunner computes it: the input watermark,
    /// held back to one microsecond before the earliest watermark hold of any key's window.
    /// A pane fired by a record is EARLY iff this has not passed the window's max timestamp.
    /// Holds are normally released by the on-time pane, so this equals the input watermark;
    /// it stays behind after a session merge whose members held earlier holds (Beam keeps
    /// them until the merged window's on-time pane), and when a late record moves a session's
    /// end past the watermark (Beam then stalls).
    pub fn output_watermark_us(&self) -> EventTimeUs {
        match self.holds.keys().next() {
            Some(hold_us) => self.watermark_us.min(hold_us.saturating_sub(1)),
            None => self.watermark_us,
        }
    }

    /// The input watermark so far.
    pub fn watermark_us(&self) -> EventTimeUs {
        self.watermark_us
    }

    /// Adds one record to its windows, firing any trigger it satisfies (counts, or the
    /// watermark for late records). A window refuses it once the watermark is strictly past
    /// `end + allowed_lateness`.
    pub fn on_element(&mut self, key: K, ts_us: EventTimeUs, input: &A::Input, processing_time_us: u64, out: &mut Vec<Pane<K, A>>) -> ElementOutcome {
        self.processing_time_us = self.processing_time_us.max(processing_time_us);
        let mut outcome = ElementOutcome::default();
        let mut live = self.spec.windows.assign(ts_us);
        let assigned = live.len();
        live.retain(|window| !self.is_expired(window));
        outcome.windows_late = assigned - live.len();
        if live.is_empty() {
            return outcome;
        }
        let targets = if self.spec.windows.is_merging() { self.merge_into_sessions(&key, &live) } else { live };
        // Judged before this record adds its own holds, as Beam reads the watermarks first.
        let output_watermark_us = self.output_watermark_us();
        let rules = PaneRules { accumulation: self.spec.accumulation, empty: &self.empty };
        let windows = self.keys.entry(key.clone()).or_default();
        for window in targets {
            let state = windows.entry(window).or_insert_with(|| WindowState::new(&self.empty, &self.spec.trigger));
            if state.closed {
                outcome.windows_closed += 1;
                continue;
            }
            let hold_before = state.hold_us;
            let ctx = TriggerContext { watermark_us: self.watermark_us, processing_time_us, window_end_us: window.end_us };
            state.hold_for_record(window, output_watermark_us);
            state.accumulator.add(input);
            state.unemitted = true;
            state.trigger.on_element(&ctx);
            out.extend(state.maybe_fire(&key, window, Cause::Element, &ctx, output_watermark_us, &rules));
            track_hold(&mut self.holds, hold_before, state.hold_us);
            outcome.windows_accepted += 1;
        }
        outcome
    }

    /// The windows that would refuse a record of `key` at `ts_us` now, as `on_element` judges
    /// them (expired, or closed by a finished trigger): where a record is dropped from some of
    /// its windows and counted in others, this says which. Empty for sessions, whose windows
    /// are only known after merging.
    pub fn refused_windows(&self, key: &K, ts_us: EventTimeUs) -> Vec<Window> {
        if self.spec.windows.is_merging() {
            return Vec::new();
        }
        let states = self.keys.get(key);
        let closed = |window: &Window| states.and_then(|s| s.get(window)).is_some_and(|state| state.closed);
        let mut refused = self.spec.windows.assign(ts_us);
        refused.retain(|window| self.is_expired(window) || closed(window));
        refused
    }

    /// Merges the new records' session windows with the key's existing ones and returns,
    /// for each new window, the window it ended up in. Pane numbering restarts in a window
    /// made by a merge, as in Beam; a window that absorbs others into itself keeps its own.
    fn merge_into_sessions(&mut self, key: &K, new_windows: &[Window]) -> Vec<Window> {
        let watermark_us = self.watermark_us;
        let processing_time_us = self.processing_time_us;
        let windows = self.keys.entry(key.clone()).or_default();
        let holds = &mut self.holds;
        let mut all: Vec<Window> = windows.keys().copied().collect();
        all.extend_from_slice(new_windows);
        let groups = merge_sessions(&all);
        for group in groups.iter().filter(|g| g.members.len() > 1) {
            let ctx = TriggerContext { watermark_us, processing_time_us, window_end_us: group.result.end_us };
            let mut merged = windows.remove(&group.result);
            let mut hold_before = merged.as_ref().and_then(|m| m.hold_us);
            for member in group.members.iter().filter(|m| **m != group.result) {
                let Some(absorbed) = windows.remove(member) else { continue };
                track_hold(holds, absorbed.hold_us, None);
                match merged.as_mut() {
                    Some(into) => into.absorb(&absorbed),
                    None => {
                        let mut first = absorbed;
                        first.clear_pane_counters();
                        track_hold(holds, None, first.hold_us);
                        hold_before = first.hold_us;
                        merged = Some(first);
                    }
                }
            }
            if let Some(mut merged) = merged {
                track_hold(holds, hold_before, merged.hold_us);
                merged.trigger.settle_merge(&ctx);
                windows.insert(group.result, merged);
            }
        }
        let result_of = |window: &Window| groups.iter().find(|g| g.members.contains(window)).map_or(*window, |g| g.result);
        let mut targets: Vec<Window> = new_windows.iter().map(result_of).collect();
        targets.dedup();
        targets
    }

    /// Advances the input watermark: fires the on-time panes of windows whose end it reached,
    /// then expires windows it passed (`end + allowed_lateness`, or every window at the end
    /// of time). A watermark never goes back: one at or below the current one is ignored.
    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, processing_time_us: u64, out: &mut Vec<Pane<K, A>>) {
        self.processing_time_us = self.processing_time_us.max(processing_time_us);
        if watermark_us <= self.watermark_us {
            return;
        }
        let previous_us = std::mem::replace(&mut self.watermark_us, watermark_us);
        let rules = PaneRules { accumulation: self.spec.accumulation, empty: &self.empty };
        let lateness_us = self.spec.allowed_lateness_us;
        for (key, windows) in self.keys.iter_mut() {
            // A window live until now fires (its on-time pane, say) before it expires; an
            // expired session kept only for merging fires nothing.
            for (window, state) in windows.iter_mut().filter(|(w, _)| previous_us <= w.expiry_us(lateness_us)) {
                let ctx = TriggerContext { watermark_us, processing_time_us: self.processing_time_us, window_end_us: window.end_us };
                let hold_before = state.hold_us;
                out.extend(state.maybe_fire(key, *window, Cause::Watermark, &ctx, watermark_us, &rules));
                track_hold(&mut self.holds, hold_before, state.hold_us);
            }
        }
        self.expire(out);
    }

    /// Garbage collection, as Beam Java's `ReduceFnRunner` does it: a final pane (is_last)
    /// only if the window holds records no pane has shown; otherwise the state just goes.
    /// It happens once the watermark passes [`Windower::gc_horizon_us`]: `end + lateness`,
    /// later for sessions.
    fn expire(&mut self, out: &mut Vec<Pane<K, A>>) {
        let watermark_us = self.watermark_us;
        let rules = PaneRules { accumulation: self.spec.accumulation, empty: &self.empty };
        let spec = &self.spec;
        let horizon = |window: &Window| gc_horizon_us(spec, window);
        let holds = &mut self.holds;
        for (key, windows) in self.keys.iter_mut() {
            windows.retain(|window, state| {
                let gone = watermark_us == END_OF_TIME_US || watermark_us > horizon(window);
                if gone {
                    track_hold(holds, state.hold_us, None);
                    if !state.closed && state.unemitted {
                        out.push(state.emit(key, *window, true, Firing::Expiry, watermark_us, watermark_us, &rules));
                    }
                }
                !gone
            });
        }
        self.keys.retain(|_, windows| !windows.is_empty());
    }

    /// The watermark past which a window's state is dropped. For fixed, sliding and global
    /// windows that is its expiry, `end + allowed_lateness`, as in Beam Java.
    ///
    /// An expired *session* is different. It takes no record of its own any more and fires
    /// nothing, but Beam Python still holds its state, and a late record whose own proto-window
    /// `[ts, ts + gap)` has not expired is accepted and can bridge into it: Beam merges the
    /// two, the merged pane carries the old session's records and starts a new pane sequence
    /// (index 0, LATE). So Dhara keeps an expired session, for merging only, until no record
    /// it still accepts can reach it. A record with timestamp `ts` arriving at watermark `W`
    /// is accepted iff `W <= ts + gap + lateness`, and its proto-window overlaps the session
    /// `[start, end)` only if `ts < end`. Together:
    ///
    /// ```text
    /// W <= ts + gap + lateness < end + gap + lateness
    /// ```
    ///
    /// So once `W >= end + lateness + gap` nothing can merge with it, and dropping it once
    /// `W > end + lateness + gap` is safe (one microsecond conservative). A merge needs direct
    /// overlap with the new proto-window: a key's sessions never overlap one another, so no
    /// chain of existing sessions can carry a record further back.
    ///
    /// The Java-style final pane for records no pane has shown waits until then too. Beam
    /// Python never emits such records on its own (it stalls: fixed-10 in the oracle file);
    /// what it does emit them in is the pane of a later merge, so flushing them at `end +
    /// lateness` would show them in a pane Beam never fires and then again in the merged one
    /// (accumulating), or close the session so that the merge Beam performs is refused.
    /// A closed (finished) session is kept as long, as Beam's tombstone is: a record that
    /// bridges into it is refused, as in Beam, where the merged window inherits the tombstone.
    pub fn gc_horizon_us(&self, window: &Window) -> EventTimeUs {
        gc_horizon_us(&self.spec, window)
    }

    /// Fires the processing-time triggers due at `now_us`.
    pub fn on_processing_time(&mut self, now_us: u64, out: &mut Vec<Pane<K, A>>) {
        self.processing_time_us = self.processing_time_us.max(now_us);
        let rules = PaneRules { accumulation: self.spec.accumulation, empty: &self.empty };
        let (watermark_us, lateness_us) = (self.watermark_us, self.spec.allowed_lateness_us);
        let output_watermark_us = self.output_watermark_us();
        for (key, windows) in self.keys.iter_mut() {
            for (window, state) in windows.iter_mut().filter(|(w, _)| watermark_us <= w.expiry_us(lateness_us)) {
                if state.trigger.next_processing_time_us().is_some_and(|at| at <= now_us) {
                    let ctx = TriggerContext { watermark_us, processing_time_us: now_us, window_end_us: window.end_us };
                    let hold_before = state.hold_us;
                    out.extend(state.maybe_fire(key, *window, Cause::ProcessingTime, &ctx, output_watermark_us, &rules));
                    track_hold(&mut self.holds, hold_before, state.hold_us);
                }
            }
        }
    }

    /// The earliest processing time at which some trigger wants to be asked again.
    pub fn next_processing_time_us(&self) -> Option<u64> {
        // Scanning every open window is only worth it if some window can have such a timer;
        // a watermark-only trigger (the default) never has one.
        if !self.spec.trigger.uses_processing_time() {
            return None;
        }
        self.open_states().filter_map(|(_, _, state)| state.trigger.next_processing_time_us()).min()
    }

    fn is_expired(&self, window: &Window) -> bool {
        self.watermark_us > window.expiry_us(self.spec.allowed_lateness_us)
    }

    /// Windows that can still fire: not closed, and not an expired session kept only for
    /// merging.
    fn open_states(&self) -> impl Iterator<Item = (&K, &Window, &WindowState<A>)> {
        self.keys
            .iter()
            .flat_map(|(key, windows)| windows.iter().map(move |(w, s)| (key, w, s)))
            .filter(|(_, w, s)| !s.closed && !self.is_expired(w))
    }

    /// The state a backend would hold: every window's accumulator plus its bookkeeping.
    pub fn state_bytes(&self) -> usize {
        self.keys.values().flat_map(|windows| windows.values()).map(WindowState::state_bytes).sum()
    }

    /// Windows that can still emit panes (closed ones, and expired sessions kept for merging,
    /// wait only for garbage collection).
    pub fn open_windows(&self) -> usize {
        self.open_states().count()
    }

    /// Every open window and what it waits for, by key then window.
    pub fn pending(&self) -> Vec<PendingWindow<K>> {
        self.open_states()
            .map(|(key, window, state)| PendingWindow {
                key: key.clone(),
                window: *window,
                holds_unemitted: state.unemitted,
                fires_at_watermark_us: state.trigger.waits_for_watermark().then_some(window.end_us),
                fires_at_processing_time_us: state.trigger.next_processing_time_us(),
                records_needed: state.trigger.records_needed(),
                expires_after_watermark_us: self.gc_horizon_us(window),
            })
            .collect()
    }

    /// "Why no output yet" for one key: its earliest open window holding unemitted records.
    pub fn earliest_pending(&self, key: &K) -> Option<PendingWindow<K>> {
        self.pending().into_iter().find(|p| &p.key == key && p.holds_unemitted)
    }
}

/// Keeps the multiset of holds in step with one window's hold going from `before` to `after`.
fn track_hold(holds: &mut BTreeMap<EventTimeUs, usize>, before: Option<EventTimeUs>, after: Option<EventTimeUs>) {
    if before == after {
        return;
    }
    if let Some(old) = before {
        if let Some(count) = holds.get_mut(&old) {
            *count -= 1;
            if *count == 0 {
                holds.remove(&old);
            }
        }
    }
    if let Some(new) = after {
        *holds.entry(new).or_insert(0) += 1;
    }
}

/// See [`Windower::gc_horizon_us`].
fn gc_horizon_us(spec: &WindowingSpec, window: &Window) -> EventTimeUs {
    let expiry_us = window.expiry_us(spec.allowed_lateness_us);
    match spec.windows {
        WindowFn::Sessions { gap_us } => expiry_us.saturating_add(gap_us),
        _ => expiry_us,
    }
}

#[cfg(test)]
mod tests;
