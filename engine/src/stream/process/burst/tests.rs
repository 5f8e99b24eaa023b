use super::*;

const CONFIG: BurstRuleConfig = BurstRuleConfig { count_min: 3, within_us: 1_000, idle_clear_us: 60_000_000 };

fn rec(id: u64, key: u64, event_time_us: i64) -> StreamRecord {
    StreamRecord { id, key, origin_key: key, event_time_us, value: 0, tag: 0, payload: crate::workload::Payload::None }
}

fn feed(rule: &mut BurstRule, key: u64, times: &[i64]) {
    for (i, &t) in times.iter().enumerate() {
        assert!(rule.on_record(&rec(i as u64, key, t), 0));
    }
}

#[test]
fn config_is_validated_naming_the_field() {
    let err = BurstRule::new(BurstRuleConfig { count_min: 0, ..CONFIG }).unwrap_err();
    assert_eq!(err.path, "count_min");
    let err = BurstRule::new(BurstRuleConfig { count_min: 257, ..CONFIG }).unwrap_err();
    assert_eq!(err.path, "count_min");
    assert_eq!(BurstRule::new(BurstRuleConfig { within_us: 0, ..CONFIG }).unwrap_err().path, "within_us");
    assert_eq!(BurstRule::new(BurstRuleConfig { idle_clear_us: 0, ..CONFIG }).unwrap_err().path, "idle_clear_us");
    let json = r#"{"count_min": 3, "within_us": 1000, "idle_clear_us": 5, "extra": 1}"#;
    assert!(InputError::parse_json::<BurstRuleConfig>("rule", json).unwrap_err().message.contains("unknown field"));
}

#[test]
fn out_of_order_records_are_counted_because_alerts_wait_for_the_watermark() {
    let mut rule = BurstRule::new(CONFIG).unwrap();
    feed(&mut rule, 7, &[900, 100, 500]);
    // Everything before 950 is in, but [100, 1100) is not complete: a record at 1050 may
    // still come, and does.
    assert_eq!(rule.on_watermark(950), vec![]);
    assert!(rule.on_record(&rec(9, 7, 1_050), 0));
    let alerts = rule.on_watermark(1_100);
    let expect = Alert { key: 7, count: 4, first_event_time_us: 100, last_event_time_us: 1_050, fired_at_watermark_us: 1_100 };
    assert_eq!(alerts, vec![expect]);
    // The burst is consumed: the later spans that overlap it raise nothing more.
    assert_eq!(rule.on_watermark(10_000), vec![]);
    assert_eq!(rule.alerts_emitted(), 1);
    assert_eq!((rule.keys(), rule.buffered_events(), rule.state_bytes()), (0, 0, 0));
}

#[test]
fn records_spread_wider_than_the_span_raise_nothing_and_are_cleared_on_event_time() {
    let mut rule = BurstRule::new(CONFIG).unwrap();
    feed(&mut rule, 1, &[0, 600, 1_200, 1_800]);
    assert_eq!(rule.keys(), 1);
    assert_eq!(rule.state_bytes(), KEY_STATE_BYTES + 4 * 8 + (4 + 1) * 16);
    assert_eq!(rule.on_watermark(2_799), vec![]);
    assert_eq!(rule.keys(), 1, "the last record's span is still open");
    assert_eq!(rule.on_watermark(2_800), vec![]);
    assert_eq!(rule.keys(), 0);
    assert_eq!(rule.timers().processing_timers(), 0, "clearing the key removes its idle timer");
}

#[test]
fn separate_bursts_alert_separately_and_keys_are_ordered() {
    let mut rule = BurstRule::new(CONFIG).unwrap();
    feed(&mut rule, 5, &[0, 10, 20, 5_000, 5_010, 5_020]);
    feed(&mut rule, 2, &[15, 16, 17]);
    let alerts = rule.on_watermark(20_000);
    let summary: Vec<(u64, u32, i64)> = alerts.iter().map(|a| (a.key, a.count, a.first_event_time_us)).collect();
    // Timers fire by time then key: key 5's span ends at 1,000, key 2's at 1,015.
    assert_eq!(summary, vec![(5, 3, 0), (2, 3, 15), (5, 3, 5_000)]);
}

#[test]
fn late_records_are_counted_not_kept() {
    let mut rule = BurstRule::new(CONFIG).unwrap();
    rule.on_watermark(5_000);
    assert!(!rule.on_record(&rec(1, 1, 4_999), 0));
    assert!(rule.on_record(&rec(2, 1, 5_000), 0));
    assert_eq!((rule.late_records(), rule.buffered_events()), (1, 1));
}

#[test]
fn keys_with_no_activity_are_cleared_by_processing_time() {
    let mut rule = BurstRule::new(BurstRuleConfig { idle_clear_us: 5_000, ..CONFIG }).unwrap();
    assert!(rule.on_record(&rec(1, 1, 100), 0));
    assert!(rule.on_record(&rec(2, 2, 100), 0));
    assert!(rule.on_record(&rec(3, 2, 200), 3_000)); // key 2's clear moves to 8,000
    assert_eq!(rule.on_processing_time(4_999), 0);
    assert_eq!(rule.on_processing_time(5_000), 1);
    assert_eq!((rule.keys(), rule.buffered_events()), (1, 2));
    assert_eq!(rule.timers().event_timers(), 2, "key 1's event timer went with it");
    assert_eq!(rule.on_processing_time(8_000), 1);
    assert_eq!(rule.state_bytes(), 0);
    assert_eq!(rule.on_watermark(i64::MAX), vec![]);
}

#[test]
fn a_runaway_key_is_bounded() {
    let mut rule = BurstRule::new(BurstRuleConfig { count_min: 256, within_us: 1_000_000, ..CONFIG }).unwrap();
    let times: Vec<i64> = (0..300).collect();
    feed(&mut rule, 3, &times);
    assert_eq!(rule.buffered_events(), BURST_EVENTS_MAX);
    assert_eq!(rule.evicted_events(), 300 - BURST_EVENTS_MAX as u64);
    let alerts = rule.on_watermark(2_000_000);
    assert_eq!(alerts.len(), 1);
    assert_eq!((alerts[0].count, alerts[0].first_event_time_us), (256, 44));
}

#[test]
fn a_clone_is_a_checkpoint_that_replays_identically() {
    let mut rule = BurstRule::new(CONFIG).unwrap();
    feed(&mut rule, 4, &[10, 700, 300]);
    let mut restored = rule.clone();
    for r in [&mut rule, &mut restored] {
        r.on_record(&rec(10, 4, 650), 1);
        r.on_record(&rec(11, 8, 20), 2);
    }
    assert_eq!(rule.on_watermark(5_000), restored.on_watermark(5_000));
    assert_eq!(rule, restored);
}
