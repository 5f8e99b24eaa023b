use super::*;

fn record(id: u64, key: u64, value: i64, tag: u32) -> StreamRecord {
    StreamRecord { id, key, origin_key: key, event_time_us: id as i64 * 1_000, value, tag, payload: crate::workload::Payload::None }
}

fn parse(json: &str) -> Result<AggregateKind, InputError> {
    let kind: AggregateKind = InputError::parse_json("aggregate", json)?;
    kind.validate()?;
    Ok(kind)
}

fn fold(kind: &AggregateKind, records: &[StreamRecord]) -> Accumulator {
    let mut acc = Accumulator::new(kind);
    for r in records {
        acc.add(r);
    }
    acc
}

#[test]
fn kinds_parse_from_json_and_are_validated() {
    assert_eq!(parse(r#""count""#).unwrap(), AggregateKind::Count);
    assert_eq!(parse(r#""average""#).unwrap(), AggregateKind::Average);
    assert_eq!(parse(r#"{"top_k": 5}"#).unwrap(), AggregateKind::TopK(5));
    assert_eq!(parse(r#"{"distinct_approx": {"precision": 10}}"#).unwrap(), AggregateKind::DistinctApprox { precision: 10 });
    assert_eq!(parse(r#"{"distinct_approx": {}}"#).unwrap(), AggregateKind::DistinctApprox { precision: 12 });
    let err = parse(r#"{"top_k": 0}"#).unwrap_err();
    assert_eq!(err.to_string(), "top_k: must be between 1 and 100 (got 0)");
    let err = parse(r#"{"distinct_approx": {"precision": 17}}"#).unwrap_err();
    assert_eq!(err.to_string(), "distinct_approx.precision: must be between 4 and 16 (got 17)");
    let err = parse(r#"{"distinct_approx": {"precison": 12}}"#).unwrap_err();
    assert!(err.message.contains("unknown field"), "{err}");
    assert!(parse(r#""median""#).is_err());
}

#[test]
fn simple_aggregates_and_their_outputs() {
    let records: Vec<StreamRecord> = [5, -3, 12, 7].iter().enumerate().map(|(i, &v)| record(i as u64, 1, v, 0)).collect();
    let out = |kind| fold(&kind, &records).output();
    assert_eq!(out(AggregateKind::Count), AggregateOutput::Count { count: 4 });
    assert_eq!(out(AggregateKind::Sum), AggregateOutput::Sum { sum: 21 });
    assert_eq!(out(AggregateKind::Min), AggregateOutput::Min { min: Some(-3) });
    assert_eq!(out(AggregateKind::Max), AggregateOutput::Max { max: Some(12) });
    assert_eq!(out(AggregateKind::Average), AggregateOutput::Average { mean: Some(5.25), count: 4 });
    let empty = Accumulator::new(&AggregateKind::Average);
    assert!(empty.is_empty());
    assert_eq!(empty.output(), AggregateOutput::Average { mean: None, count: 0 });
    assert_eq!(Accumulator::new(&AggregateKind::Min).output(), AggregateOutput::Min { min: None });
    let json = serde_json::to_string(&out(AggregateKind::Average)).unwrap();
    assert_eq!(json, r#"{"kind":"average","mean":5.25,"count":4}"#);
}

#[test]
fn a_sum_that_cancels_out_is_not_empty_and_never_overflows() {
    let acc = fold(&AggregateKind::Sum, &[record(0, 1, 5, 0), record(1, 1, -5, 0)]);
    assert!(!acc.is_empty());
    // Exact past i64 on the way (no wrap, no saturation in the middle) ...
    let big = fold(&AggregateKind::Sum, &[record(0, 1, i64::MAX, 0), record(1, 1, i64::MAX, 0), record(2, 1, i64::MIN, 0)]);
    assert_eq!(big.output(), AggregateOutput::Sum { sum: i64::MAX - 1 });
    // ... and saturated only for display.
    let huge = fold(&AggregateKind::Sum, &[record(0, 1, i64::MAX, 0), record(1, 1, 1, 0)]);
    assert_eq!(huge.output(), AggregateOutput::Sum { sum: i64::MAX });
}

#[test]
fn merging_two_halves_equals_folding_the_whole() {
    let records: Vec<StreamRecord> = (0..200).map(|i| record(i, i % 37, (i as i64 * 7919) % 101 - 50, (i % 6) as u32)).collect();
    let kinds = [
        AggregateKind::Count,
        AggregateKind::Sum,
        AggregateKind::Min,
        AggregateKind::Max,
        AggregateKind::Average,
        AggregateKind::TopK(3),
        AggregateKind::DistinctApprox { precision: 8 },
    ];
    for kind in kinds {
        let whole = fold(&kind, &records);
        let mut left = fold(&kind, &records[..77]);
        left.merge(&fold(&kind, &records[77..]));
        assert_eq!(left, whole, "{kind:?}");
        assert!(!whole.is_empty() && Accumulator::new(&kind).is_empty(), "{kind:?}");
    }
}

#[test]
fn top_k_and_distinct_outputs() {
    let records: Vec<StreamRecord> = (0..60).map(|i| record(i, i % 20, 0, [4, 4, 9, 1, 9, 4][i as usize % 6])).collect();
    let top = fold(&AggregateKind::TopK(2), &records).output();
    let expect = vec![TagCount { tag: 4, count: 30 }, TagCount { tag: 9, count: 20 }];
    assert_eq!(top, AggregateOutput::TopK { top: expect, error_max_count: 0 });
    let AggregateOutput::DistinctApprox { estimate, relative_error } =
        fold(&AggregateKind::DistinctApprox { precision: 12 }, &records).output()
    else {
        panic!("wrong output kind")
    };
    assert_eq!(estimate, 20);
    assert!((relative_error - 1.04 / 64.0).abs() < 1e-12);
}

#[test]
fn state_bytes_grow_with_what_is_kept() {
    assert_eq!(Accumulator::new(&AggregateKind::Count).state_bytes(), 8);
    assert_eq!(Accumulator::new(&AggregateKind::DistinctApprox { precision: 10 }).state_bytes(), 1_025);
    let small = fold(&AggregateKind::TopK(3), &[record(0, 0, 0, 1)]).state_bytes();
    let large = fold(&AggregateKind::TopK(3), &(0..50).map(|i| record(i, 0, 0, i as u32)).collect::<Vec<_>>()).state_bytes();
    assert!(large > small);
}

#[test]
#[should_panic(expected = "different kinds")]
fn merging_different_kinds_is_a_bug() {
    let mut count = Accumulator::new(&AggregateKind::Count);
    count.merge(&Accumulator::new(&AggregateKind::Sum));
}
