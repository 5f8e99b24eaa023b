use super::*;

const S: i64 = 1_000_000;

/// A sum with a count, the smallest useful aggregate.
#[derive(Clone, Debug, Default, PartialEq)]
struct Sum {
    count: u64,
    total: i64,
}

impl Aggregate for Sum {
    type Input = i64;
    fn add(&mut self, input: &i64) {
        self.count += 1;
        self.total += input;
    }
    fn merge(&mut self, other: &Self) {
        self.count += other.count;
        self.total += other.total;
    }
    fn is_empty(&self) -> bool {
        self.count == 0
    }
    fn state_bytes(&self) -> usize {
        16
    }
}

fn windower(windows: WindowFn, trigger: Trigger, allowed_lateness_us: i64) -> Windower<&'static str, Sum> {
    let spec = WindowingSpec { windows, trigger, allowed_lateness_us, accumulation: Accumulation::Discarding };
    assert_eq!(spec.validate(), Ok(()));
    Windower::new(spec, Sum::default())
}

fn fixed_10s() -> WindowFn {
    WindowFn::Fixed { size_us: 10 * S, offset_us: 0 }
}

fn late_count_1() -> Trigger {
    Trigger::AfterWatermark { early: None, late: Some(Box::new(Trigger::AfterCount { n: 1 })) }
}

/// (window start s, timing, index, nonspeculative index, is_first, is_last, total)
fn describe(panes: &[Pane<&str, Sum>]) -> Vec<(i64, Timing, u64, i64, bool, bool, i64)> {
    panes.iter().map(|p| (p.window.start_us / S, p.timing, p.index, p.nonspeculative_index, p.is_first, p.is_last, p.accumulator.total)).collect()
}

#[test]
fn touching_sessions_stay_apart_and_a_bridge_merges_them_before_firing() {
    let mut w = windower(WindowFn::Sessions { gap_us: 5 * S }, Trigger::Default, 0);
    let mut out = Vec::new();
    w.on_element("a", 0, &1, 0, &mut out);
    w.on_element("a", 5 * S, &2, 0, &mut out);
    assert_eq!(w.open_windows(), 2, "[0,5) and [5,10) touch but do not overlap");
    w.on_element("a", 12 * S, &4, 0, &mut out);
    w.on_element("a", 9 * S, &8, 0, &mut out);
    assert_eq!(w.open_windows(), 2, "ts 9 opens [9,14), which bridges [5,10) and [12,17)");
    w.on_watermark(END_OF_TIME_US, 0, &mut out);
    let windows: Vec<(Window, i64)> = out.iter().map(|p| (p.window, p.accumulator.total)).collect();
    assert_eq!(windows, vec![(Window::new(0, 5 * S), 1), (Window::new(5 * S, 17 * S), 14)]);
}

#[test]
fn a_late_bridge_between_fired_sessions_starts_a_new_pane_sequence() {
    // Lateness 20 s: at watermark 20 s, [0,6) has not expired yet.
    let mut w = windower(WindowFn::Sessions { gap_us: 6 * S }, Trigger::Default, 20 * S);
    let mut out = Vec::new();
    w.on_element("a", 0, &1, 0, &mut out);
    w.on_element("a", 10 * S, &2, 0, &mut out);
    w.on_watermark(20 * S, 0, &mut out);
    assert_eq!(out.len(), 2, "both sessions fired on time");
    out.clear();
    w.on_element("a", 5 * S, &4, 0, &mut out);
    // Beam clears the pane numbering of merged windows: the bridged session's first pane.
    assert_eq!(describe(&out), vec![(0, Timing::Late, 0, 0, true, false, 4)]);
    assert_eq!(out[0].window, Window::new(0, 16 * S));
}

#[test]
fn a_window_whose_first_record_is_late_fires_a_late_first_pane() {
    let mut w = windower(fixed_10s(), Trigger::Default, 5 * S);
    let mut out = Vec::new();
    w.on_watermark(12 * S, 0, &mut out);
    w.on_element("a", 3 * S, &1, 0, &mut out);
    assert_eq!(describe(&out), vec![(0, Timing::Late, 0, 0, true, false, 1)]);
}

#[test]
fn early_on_time_and_late_panes_are_numbered_as_beam_numbers_them() {
    let trigger = Trigger::AfterWatermark { early: Some(Box::new(Trigger::AfterCount { n: 1 })), late: Some(Box::new(Trigger::AfterCount { n: 1 })) };
    let mut w = windower(fixed_10s(), trigger, 5 * S);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_element("a", 2 * S, &2, 0, &mut out);
    w.on_element("a", 3 * S, &4, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    w.on_element("a", 4 * S, &8, 0, &mut out);
    let expected = vec![
        (0, Timing::Early, 0, -1, true, false, 1),
        (0, Timing::Early, 1, -1, false, false, 2),
        (0, Timing::Early, 2, -1, false, false, 4),
        (0, Timing::OnTime, 3, 0, false, false, 0),
        (0, Timing::Late, 4, 1, false, false, 8),
    ];
    assert_eq!(describe(&out), expected);
}

#[test]
fn a_lower_watermark_is_ignored() {
    let mut w = windower(fixed_10s(), Trigger::Default, 0);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    assert_eq!(out.len(), 1);
    w.on_watermark(5 * S, 0, &mut out);
    assert_eq!(w.watermark_us(), 10 * S);
    w.on_element("a", 2 * S, &2, 0, &mut out);
    assert_eq!(out[1].timing, Timing::Late, "still judged against watermark 10 s");
}

#[test]
fn the_on_time_pane_fires_at_watermark_equal_to_end_not_before() {
    let mut w = windower(fixed_10s(), Trigger::Default, 0);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_watermark(10 * S - 1, 0, &mut out);
    assert!(out.is_empty());
    assert_eq!(w.earliest_pending(&"a").and_then(|p| p.fires_at_watermark_us), Some(10 * S), "why no output yet");
    w.on_watermark(10 * S, 0, &mut out);
    assert_eq!(describe(&out), vec![(0, Timing::OnTime, 0, 0, true, false, 1)]);
}

#[test]
fn processing_time_fires_early_panes() {
    let early = Some(Box::new(Trigger::AfterProcessingTime { delay_us: 5 * S as u64 }));
    let mut w = windower(fixed_10s(), Trigger::AfterWatermark { early, late: None }, 0);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 1_000_000, &mut out);
    w.on_element("a", 2 * S, &2, 3_000_000, &mut out);
    assert_eq!(w.next_processing_time_us(), Some(6_000_000), "the delay runs from the pane's first record");
    w.on_processing_time(5_999_999, &mut out);
    assert!(out.is_empty());
    w.on_processing_time(6_000_000, &mut out);
    assert_eq!(describe(&out), vec![(0, Timing::Early, 0, -1, true, false, 3)]);
    assert_eq!(w.next_processing_time_us(), None);
    w.on_element("a", 3 * S, &4, 7_000_000, &mut out);
    w.on_watermark(10 * S, 8_000_000, &mut out);
    assert_eq!(describe(&out[1..]), vec![(0, Timing::OnTime, 1, 0, false, true, 4)]);
}

#[test]
fn records_are_dropped_only_once_the_watermark_is_strictly_past_end_plus_lateness() {
    let mut w = windower(fixed_10s(), late_count_1(), 5 * S);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_watermark(15 * S, 0, &mut out);
    let accepted = w.on_element("a", 2 * S, &2, 0, &mut out);
    assert_eq!((accepted.windows_accepted, accepted.late_dropped()), (1, false));
    w.on_watermark(15 * S + 1, 0, &mut out);
    let dropped = w.on_element("a", 3 * S, &4, 0, &mut out);
    assert_eq!((dropped.windows_late, dropped.late_dropped()), (1, true));
}

#[test]
fn a_sliding_record_can_be_late_for_one_window_and_on_time_for_another() {
    let mut w = windower(WindowFn::Sliding { size_us: 10 * S, period_us: 5 * S, offset_us: 0 }, Trigger::Default, 0);
    let mut out = Vec::new();
    w.on_watermark(11 * S, 0, &mut out);
    let outcome = w.on_element("a", 6 * S, &1, 0, &mut out);
    assert_eq!((outcome.windows_accepted, outcome.windows_late, outcome.late_dropped()), (1, 1, false));
    let refused = w.refused_windows(&"a", 6 * S);
    assert_eq!(refused, vec![Window::new(0, 10 * S)], "the expired window, not the live one");
}

#[test]
fn a_finished_trigger_closes_its_window() {
    let mut w = windower(fixed_10s(), Trigger::AfterWatermark { early: None, late: None }, 5 * S);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    assert!(out[0].is_last);
    assert_eq!(w.refused_windows(&"a", 2 * S).len(), 1, "the closed window refuses, before the record comes");
    let outcome = w.on_element("a", 2 * S, &2, 0, &mut out);
    assert_eq!((outcome.windows_closed, outcome.late_dropped()), (1, true));
    assert_eq!(w.open_windows(), 0);
    assert!(w.refused_windows(&"b", 2 * S).is_empty(), "another key's window is open");
}

#[test]
fn expiry_clears_state_and_flushes_only_unemitted_records() {
    let late = Some(Box::new(Trigger::AfterCount { n: 2 }));
    let mut w = windower(fixed_10s(), Trigger::AfterWatermark { early: None, late }, 5 * S);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    w.on_element("b", S, &1, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    w.on_element("a", 2 * S, &2, 0, &mut out);
    assert!(w.state_bytes() > 0);
    w.on_watermark(15 * S, 0, &mut out);
    assert_eq!(out.len(), 2, "nothing expires at exactly end + lateness");
    w.on_watermark(15 * S + 1, 0, &mut out);
    assert_eq!(out.len(), 3, "only key a held an unemitted record");
    assert_eq!((out[2].key, out[2].timing, out[2].index, out[2].is_last, out[2].accumulator.total), ("a", Timing::Late, 1, true, 2));
    assert_eq!((w.open_windows(), w.state_bytes()), (0, 0));
    assert!(w.pending().is_empty());
}

#[test]
fn a_clone_is_a_checkpoint_that_continues_identically() {
    let mut w = windower(WindowFn::Sessions { gap_us: 5 * S }, Trigger::Default, 0);
    let mut out = Vec::new();
    w.on_element("a", S, &1, 0, &mut out);
    let mut restored = w.clone();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    w.on_element("a", 3 * S, &2, 0, &mut a);
    w.on_watermark(30 * S, 0, &mut a);
    restored.on_element("a", 3 * S, &2, 0, &mut b);
    restored.on_watermark(30 * S, 0, &mut b);
    assert_eq!(describe(&a), describe(&b));
}

#[test]
fn validation_names_the_field() {
    let spec = WindowingSpec { windows: fixed_10s(), trigger: Trigger::Default, allowed_lateness_us: -1, accumulation: Accumulation::Discarding };
    assert_eq!(spec.validate().unwrap_err().path, "allowed_lateness_us");
    let spec = WindowingSpec { windows: WindowFn::Sessions { gap_us: 0 }, ..spec };
    assert_eq!(spec.validate().unwrap_err().path, "windows.gap_us");
}

#[test]
fn an_expired_session_is_kept_for_merging_until_end_plus_lateness_plus_gap() {
    let mut w = windower(WindowFn::Sessions { gap_us: 5 * S }, late_count_1(), 2 * S);
    let mut out = Vec::new();
    w.on_element("a", 0, &1, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    assert_eq!(describe(&out), vec![(0, Timing::OnTime, 0, 0, true, false, 1)]);
    assert_eq!(w.gc_horizon_us(&Window::new(0, 5 * S)), 12 * S, "end + lateness + gap");
    assert_eq!(w.open_windows(), 0, "expired: it fires nothing more");
    assert!(w.state_bytes() > 0, "but its state is still there");
    // ts 4 opens [4,9), not expired at 10 (10 <= 9 + 2): it bridges into the old session.
    out.clear();
    w.on_element("a", 4 * S, &2, 0, &mut out);
    assert_eq!(describe(&out), vec![(0, Timing::Late, 0, 0, true, false, 2)]);
    assert_eq!(out[0].window, Window::new(0, 9 * S));
    // Past the horizon nothing is left.
    let mut other = windower(WindowFn::Sessions { gap_us: 5 * S }, late_count_1(), 2 * S);
    other.on_element("a", 0, &1, 0, &mut out);
    other.on_watermark(12 * S, 0, &mut out);
    assert!(other.state_bytes() > 0);
    other.on_watermark(12 * S + 1, 0, &mut out);
    assert_eq!(other.state_bytes(), 0);
}

#[test]
fn an_expired_sessions_unemitted_records_wait_for_the_horizon_and_can_merge_first() {
    // A late AfterCount(2) holds one late record (ts 0, inside [0,5)) when the session
    // expires at watermark 10 (> 5 + 2).
    let late = Some(Box::new(Trigger::AfterCount { n: 2 }));
    let spec = || Trigger::AfterWatermark { early: None, late: late.clone() };
    let run_up_to_expiry = |out: &mut Vec<Pane<&'static str, Sum>>| {
        let mut w = windower(WindowFn::Sessions { gap_us: 5 * S }, spec(), 2 * S);
        w.on_element("a", 0, &1, 0, out);
        w.on_watermark(5 * S, 0, out);
        w.on_element("a", 0, &2, 0, out);
        w.on_watermark(10 * S, 0, out);
        w
    };
    let mut out = Vec::new();
    let mut w = run_up_to_expiry(&mut out);
    assert_eq!(out.len(), 1, "only the on-time pane: no Java-style final pane at end + lateness");
    // A bridge (ts 4: [4,9), accepted at 10 <= 9 + 2) merges it: count 2 fires, with both
    // late records (discarding), as the first pane of [0,9).
    w.on_element("a", 4 * S, &4, 0, &mut out);
    assert_eq!(describe(&out[1..]), vec![(0, Timing::Late, 0, 0, true, false, 6)]);
    assert_eq!(out[1].window, Window::new(0, 9 * S));
    // Without the bridge, the final pane comes once the watermark passes 5 + 2 + 5.
    let mut out = Vec::new();
    let mut alone = run_up_to_expiry(&mut out);
    alone.on_watermark(12 * S, 0, &mut out);
    assert_eq!(out.len(), 1);
    alone.on_watermark(12 * S + 1, 0, &mut out);
    assert_eq!(describe(&out[1..]), vec![(0, Timing::Late, 1, 1, false, true, 2)]);
}

#[test]
fn a_closed_expired_session_refuses_a_bridge_as_beams_tombstone_does() {
    let mut w = windower(WindowFn::Sessions { gap_us: 5 * S }, Trigger::AfterWatermark { early: None, late: None }, 2 * S);
    let mut out = Vec::new();
    w.on_element("a", 0, &1, 0, &mut out);
    w.on_watermark(10 * S, 0, &mut out);
    assert!(out[0].is_last);
    let outcome = w.on_element("a", 4 * S, &2, 0, &mut out);
    assert_eq!((outcome.windows_closed, outcome.late_dropped(), out.len()), (1, true, 1));
}

#[test]
fn the_output_watermark_stays_behind_a_merged_away_sessions_hold() {
    let mut w = windower(WindowFn::Sessions { gap_us: 6 * S }, Trigger::Default, 6 * S);
    let mut out = Vec::new();
    w.on_element("b", 5 * S, &1, 0, &mut out);
    w.on_element("b", -2 * S, &1, 0, &mut out);
    w.on_element("b", S, &1, 0, &mut out);
    w.on_watermark(7 * S, 0, &mut out);
    assert!(out.is_empty(), "[-2,11) is not due yet");
    assert_eq!(w.output_watermark_us(), 4 * S - 2, "[-2,4)'s hold at 3.999999 s, less 1 µs");
    w.on_element("a", S, &1, 0, &mut out);
    assert_eq!(describe(&out), vec![(1, Timing::Early, 0, -1, true, false, 1)], "judged at 3.999998 s, not 7 s");
    // That EARLY pane keeps [1,7)'s own hold; a record growing it to [1,10) brings back an
    // on-time timer, and the on-time panes at 11 release every hold.
    w.on_element("a", 4 * S, &2, 0, &mut out);
    w.on_watermark(11 * S, 0, &mut out);
    assert_eq!(w.output_watermark_us(), 11 * S);
    assert_eq!(out.iter().filter(|p| p.timing == Timing::OnTime).count(), 2);
}
