//! The architectures' small parts: a layer's budget, the score against the truth, the
//! recovery clock, the logic variants.

use super::answer::{score, Answer, Shape, SAMPLE_ONE_IN};
use super::compare::{titled, Recovery, STALE_MS};
use super::reader::{Budget, ReadRecord};
use super::Logic;
use crate::kafka::log::Record;
use crate::scenario::stream::EventTimeSpec;
use std::collections::BTreeMap;

#[test]
fn a_budget_carries_fractions_but_not_unused_capacity() {
    let mut budget = Budget::new(15);
    // 15 records/s over 100 ms ticks: 1.5 per tick, so 1, 2, 1, 2 …
    let taken: Vec<u64> = (0..4).map(|_| budget.take(100_000)).collect();
    assert_eq!(taken, vec![1, 2, 1, 2]);
    assert_eq!(Budget::new(1_000_000).take(1_000_000), 1_000_000);
}

#[test]
fn the_score_counts_only_settled_windows_and_the_size_of_the_difference() {
    let w = 1_000_000;
    let truth: BTreeMap<(i64, u32), i64> = [((0, 1), 100), ((0, 2), 100), ((w, 1), 50), ((2 * w, 1), 7)].into();
    let mut served = Answer::default();
    served.add((0, 1), 100);
    served.add((0, 2), 90);
    served.add((w, 1), 50);
    // Windows ending by 2 s have settled: [0,1) s and [1,2) s, not [2,3) s.
    let s = score(&truth, &|c| served.get(c), &[served.cells()], 2 * w, w, 48);
    assert_eq!((s.cells_settled, s.cells_wrong), (3, 1));
    assert!((s.error_percent - 4.0).abs() < 1e-9, "10 of 250: {}", s.error_percent);
    assert_eq!(score(&truth, &|c| served.get(c), &[served.cells()], w / 2, w, 48).cells_settled, 0);
    // Rows moved to a cell the truth does not have count where they landed too.
    served.add((w, 3), 25);
    let s = score(&truth, &|c| served.get(c), &[served.cells()], 2 * w, w, 48);
    assert_eq!((s.cells_settled, s.cells_wrong), (4, 2));
    assert!((s.error_percent - 14.0).abs() < 1e-9, "35 of 250: {}", s.error_percent);
}

#[test]
fn recovery_is_the_length_of_the_stale_spell() {
    let mut r = Recovery::default();
    r.observe(0, 1_000);
    r.observe(STALE_MS + 1_000, 20_000);
    assert_eq!((r.stale_since_ms, r.spells), (Some(14_000), 1));
    r.observe(STALE_MS + 9_000, 28_000);
    r.observe(10, 31_000);
    assert_eq!((r.stale_since_ms, r.last_recovery_ms, r.spells), (None, Some(17_000), 1));
}

#[test]
fn the_logic_variants_differ_as_documented() {
    let query = crate::upi::query();
    let mut shape = Shape::new(query, EventTimeSpec { delay_ms_max: 0, ..EventTimeSpec::default() }, 60_000);
    let txn = crate::upi::Txn { amount_paise: 12_300, ..Default::default() };
    let record = |id| ReadRecord { partition: 0, offset: id, record: Record { record_id: id, key_id: 1, timestamp_us: 59_000_000, value_bytes: 1, payload: crate::workload::Payload::Upi(txn) } };
    let rows = |shape: &mut Shape, logic, id| {
        let mut out = Vec::new();
        shape.rows(logic, &record(id), 61_000_000, &mut out);
        out.iter().map(|r| (r.cell.0, r.amount)).collect::<Vec<_>>()
    };
    assert_eq!(rows(&mut shape, Logic::Exact, 3), vec![(0, 123)]);
    assert_eq!(rows(&mut shape, Logic::Sampled, 3), vec![]);
    assert_eq!(rows(&mut shape, Logic::Sampled, SAMPLE_ONE_IN * 4), vec![(0, 123 * SAMPLE_ONE_IN as i64)]);
    // Read at 61 s: the processing-time bug puts a payment made at 59 s in the next minute.
    assert_eq!(rows(&mut shape, Logic::ProcessingTime, 3), vec![(60_000_000, 123)]);
}

#[test]
fn the_title_names_the_runs_window() {
    assert_eq!(titled("posts per hashtag per hour", 60_000), "posts per hashtag per minute");
    assert_eq!(titled("posts per hashtag per hour", 3_600_000), "posts per hashtag per hour");
    assert_eq!(titled("posts per hashtag per hour", 600_000), "posts per hashtag per 10 minutes");
    assert_eq!(titled("posts per hashtag per hour", 2_500), "posts per hashtag per 2.5 s");
    assert_eq!(titled("a count", 86_400_000), "a count (per day)");
}
