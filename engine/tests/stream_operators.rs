//! The stream job's operators end to end, each over the simulated cluster and checked against
//! a brute-force recomputation from the records in the topic: the late side output, early
//! panes by processing time, session windows, flat_map/key_by pipelines into top-k and
//! distinct-approx aggregates, the window join, the stream-table join and the burst rule.

mod stream_support;

use dhara_engine::stream::aggregate::{AggregateOutput, TagCount};
use dhara_engine::stream::job::operator::OutputValue;
use dhara_engine::stream::job::routing::key_owner;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use stream_support::*;

const SECOND: i64 = 1_000_000;

#[test]
fn stragglers_go_to_the_late_side_output_and_are_left_out_of_every_count() {
    let late_delay_ms = 30_000;
    let end_s = 45;
    let sim = run(
        scenario(|j| {
            j["stream"]["event_time"]["late_percent"] = 5.0.into();
            j["stream"]["event_time"]["late_delay_ms"] = late_delay_ms.into();
        }),
        3,
        end_s,
    );
    let logged = topic(&sim);
    // Other records happen at most delay_ms_max (2 s) before they are produced.
    let straggler = |l: &Logged| l.created_us as i64 - l.record.event_time_us == i64::from(late_delay_ms) * 1_000;
    let by_id: BTreeMap<u64, &Logged> = logged.iter().map(|l| (l.record.id, l)).collect();
    let job = sim.job().expect("job");
    let dropped: u64 = job.tasks().iter().map(|t| t.counts.late_dropped).sum();
    assert!(dropped > 0, "stragglers 30 s late miss their 10 s windows");
    for task in job.tasks() {
        assert!(!task.late_recent.is_empty() || task.counts.late_dropped == 0);
        for id in &task.late_recent {
            let l = by_id.get(id).unwrap_or_else(|| panic!("late record {id} is in the topic"));
            assert!(straggler(l), "task {}: late record {l:?} is a straggler", task.index);
            assert_eq!(key_owner(l.record.key, job.tasks().len() as u16), task.index, "its key's task dropped it");
        }
    }
    // Every straggler reaching a task once the watermark runs is dropped: at least those
    // produced between 5 s and 3 s before the end, at most all of them.
    let stragglers = logged.iter().filter(|l| straggler(l));
    let settled = stragglers.clone().filter(|l| (5 * SECOND..(end_s as i64 - 3) * SECOND).contains(&(l.created_us as i64))).count() as u64;
    assert!((settled..=stragglers.count() as u64).contains(&dropped), "{settled} <= {dropped}");

    // Windows of event time >= 0 (stragglers in them were produced after 30 s, when every
    // watermark was far past them): their counts are their records minus the stragglers.
    let size = 10 * SECOND;
    let until = final_watermark(&sim);
    let mut expected: BTreeMap<(u64, i64), u64> = BTreeMap::new();
    let mut stragglers_left_out = 0;
    for l in logged.iter().filter(|l| l.record.event_time_us >= 0) {
        let start = window_start(l.record.event_time_us, size);
        if start + size > until {
            continue;
        }
        if straggler(l) {
            stragglers_left_out += 1;
        } else {
            *expected.entry((l.record.key, start)).or_insert(0) += 1;
        }
    }
    assert!(stragglers_left_out > 10, "the comparison covers dropped records: {stragglers_left_out}");
    let mut got: BTreeMap<(u64, i64), u64> = BTreeMap::new();
    for output in outputs(&sim) {
        let (timing, count) = count_pane(output);
        assert_eq!(timing, "ON_TIME", "no lateness allowed: a late record never makes a pane");
        if output.id.start_us >= 0 && output.id.end_us <= until {
            assert!(got.insert((output.id.key, output.id.start_us), count).is_none(), "one pane per window");
        }
    }
    assert!(expected.len() > 1_000, "a real comparison: {} windows", expected.len());
    assert_eq!(got, expected);
}

#[test]
fn early_panes_by_processing_time_come_before_the_on_time_pane_which_counts_everything() {
    let sim = run(
        scenario(|j| {
            j["producer"]["keys"] = 100.into();
            set_operator(j, json!({
                "op": "window",
                "windowing": { "type": "fixed", "size_ms": 10_000 },
                "trigger": { "type": "after_watermark", "early": { "type": "after_processing_time", "delay_ms": 1_000 } },
                "accumulation": "accumulating",
                "aggregate": "count"
            }));
        }),
        4,
        35,
    );
    let size = 10 * SECOND;
    let until = final_watermark(&sim);
    let mut expected: BTreeMap<(u64, i64), u64> = BTreeMap::new();
    for l in topic(&sim) {
        let start = window_start(l.record.event_time_us, size);
        if start + size <= until {
            *expected.entry((l.record.key, start)).or_insert(0) += 1;
        }
    }
    // Panes per window (index, timing, count, emitted at) in the order the sink showed them.
    type Seen = (u64, &'static str, u64, u64);
    let mut panes: BTreeMap<(u64, i64), Vec<Seen>> = BTreeMap::new();
    for output in outputs(&sim) {
        let (timing, count) = count_pane(output);
        panes.entry((output.id.key, output.id.start_us)).or_default().push((output.id.pane, timing, count, output.emitted_at_us));
    }
    let mut with_early = 0;
    let mut on_time: BTreeMap<(u64, i64), u64> = BTreeMap::new();
    for (window, list) in &panes {
        let indices: Vec<u64> = list.iter().map(|p| p.0).collect();
        assert_eq!(indices, (0..list.len() as u64).collect::<Vec<_>>(), "{window:?}: panes in index order");
        let (last, earlier) = list.split_last().expect("a pane");
        assert!(earlier.iter().all(|p| p.1 == "EARLY"), "{window:?}: {list:?}");
        assert!(list.windows(2).all(|w| w[0].2 <= w[1].2 && w[0].3 <= w[1].3), "{window:?}: accumulating counts grow: {list:?}");
        with_early += usize::from(!earlier.is_empty());
        if last.1 == "ON_TIME" {
            on_time.insert(*window, last.2);
        } else {
            assert_eq!(last.1, "EARLY", "{window:?}: {list:?}");
            assert!(window.1 + size > until, "{window:?}: not yet on time although the watermark passed it");
        }
    }
    on_time.retain(|window, _| window.1 + size <= until);
    assert!(with_early * 2 > panes.len(), "most windows fire early: {with_early} of {}", panes.len());
    assert!(expected.len() > 200, "a real comparison: {} windows", expected.len());
    assert_eq!(on_time, expected, "the on-time pane counts every record of its window");
}

#[test]
fn session_windows_match_a_brute_force_sessionization_of_each_key() {
    let gap = 3 * SECOND;
    let sim = run(
        scenario(|j| {
            j["producer"]["records_per_s"] = 10.into();
            j["producer"]["keys"] = 20.into();
            j["producer"]["key_skew"] = 0.0.into();
            set_operator(j, json!({ "op": "window", "windowing": { "type": "sessions", "gap_ms": 3_000 }, "aggregate": "count" }));
        }),
        5,
        60,
    );
    let job = sim.job().expect("job");
    assert_eq!(job.tasks().iter().map(|t| t.counts.late_dropped).sum::<u64>(), 0, "no late records in this scenario");
    let until = final_watermark(&sim);
    let mut times: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for l in topic(&sim) {
        times.entry(l.record.key).or_default().push(l.record.event_time_us);
    }
    let mut expected: BTreeMap<(u64, i64, i64), u64> = BTreeMap::new();
    for (&key, times) in &mut times {
        times.sort_unstable();
        let mut session = (times[0], times[0], 1);
        let mut close = |(first, last, count): (i64, i64, u64)| {
            if last + gap <= until {
                expected.insert((key, first, last + gap), count);
            }
        };
        for &t in &times[1..] {
            if t - session.1 >= gap {
                close(session);
                session = (t, t, 1);
            } else {
                session = (session.0, t, session.2 + 1);
            }
        }
        close(session);
    }
    let mut got: BTreeMap<(u64, i64, i64), u64> = BTreeMap::new();
    let mut by_key: BTreeMap<u64, Vec<(i64, i64)>> = BTreeMap::new();
    for output in outputs(&sim) {
        let (timing, count) = count_pane(output);
        assert_eq!(timing, "ON_TIME");
        by_key.entry(output.id.key).or_default().push((output.id.start_us, output.id.end_us));
        if output.id.end_us <= until {
            got.insert((output.id.key, output.id.start_us, output.id.end_us), count);
        }
    }
    for (key, windows) in &mut by_key {
        windows.sort_unstable();
        for w in windows.windows(2) {
            // [first, last + gap): the next session starts at least a gap after the last event.
            assert!(w[1].0 - (w[0].1 - gap) >= gap, "key {key}: sessions {:?} and {:?} overlap or are closer than the gap", w[0], w[1]);
        }
    }
    assert!(by_key.values().any(|w| w.len() >= 3), "keys have several sessions");
    assert!(expected.values().any(|&c| c >= 3), "sessions gather several records");
    assert!(expected.len() > 50, "a real comparison: {} sessions", expected.len());
    assert_eq!(got, expected);
}

/// The k largest tag counts, ties to the smaller tag.
fn top_k(counts: &BTreeMap<u32, u64>, k: usize) -> Vec<TagCount> {
    let mut all: Vec<TagCount> = counts.iter().map(|(&tag, &count)| TagCount { tag, count }).collect();
    all.sort_by(|a, b| b.count.cmp(&a.count).then(a.tag.cmp(&b.tag)));
    all.truncate(k);
    all
}

#[test]
fn flat_map_then_a_global_top_k_counts_every_copy() {
    let sim = run(
        scenario(|j| {
            j["stream"]["pipeline"] = json!([{ "op": "flat_map", "copies_max": 3 }, { "op": "key_by", "by": "constant" }]);
            set_operator(j, json!({ "op": "window", "windowing": { "type": "fixed", "size_ms": 5_000 }, "aggregate": { "top_k": 3 } }));
        }),
        6,
        30,
    );
    let size = 5 * SECOND;
    let until = final_watermark(&sim);
    let logged = topic(&sim);
    let piped = piped(&sim, &logged);
    assert!(piped.len() > logged.len() * 3 / 2, "flat_map made copies: {} from {}", piped.len(), logged.len());
    let mut tags: BTreeMap<i64, BTreeMap<u32, u64>> = BTreeMap::new();
    for r in &piped {
        let start = window_start(r.event_time_us, size);
        if start + size <= until {
            *tags.entry(start).or_default().entry(r.tag).or_insert(0) += 1;
        }
    }
    let expected: BTreeMap<i64, Vec<TagCount>> = tags.iter().map(|(&start, counts)| (start, top_k(counts, 3))).collect();
    let mut got = BTreeMap::new();
    for output in outputs(&sim) {
        assert_eq!(output.id.key, 0, "key_by constant: one key");
        let OutputValue::Pane { timing: "ON_TIME", value: AggregateOutput::TopK { top, error_max_count: 0 }, .. } = &output.value else {
            panic!("an exact top-k pane: {output:?}")
        };
        if output.id.end_us <= until {
            got.insert(output.id.start_us, top.clone());
        }
    }
    assert!(expected.len() >= 4, "{} windows", expected.len());
    assert_eq!(got, expected);
}

#[test]
fn key_by_tag_counts_distinct_payers_per_tag_and_window_approximately() {
    let sim = run(
        scenario(|j| {
            j["stream"]["pipeline"] = json!([{ "op": "key_by", "by": "tag" }]);
            set_operator(j, json!({ "op": "window", "windowing": { "type": "fixed", "size_ms": 5_000 }, "aggregate": { "distinct_approx": { "precision": 10 } } }));
        }),
        7,
        25,
    );
    let size = 5 * SECOND;
    let until = final_watermark(&sim);
    let tags = sim.scenario().stream.as_ref().expect("job").event_time.tags;
    let logged = topic(&sim);
    // Distinct payers (the records' own Kafka keys) per tag and window, by brute force.
    let mut expected: BTreeMap<(u64, i64), BTreeSet<u64>> = BTreeMap::new();
    for r in piped(&sim, &logged) {
        let start = window_start(r.event_time_us, size);
        if start + size <= until {
            expected.entry((r.key, start)).or_default().insert(r.origin_key);
        }
    }
    assert!(expected.keys().all(|(key, _)| *key < u64::from(tags)), "keys are tags");
    let mut got = BTreeMap::new();
    for output in outputs(&sim) {
        let OutputValue::Pane { timing: "ON_TIME", value: AggregateOutput::DistinctApprox { estimate, relative_error }, .. } = &output.value else {
            panic!("a distinct-approx pane: {output:?}")
        };
        if output.id.end_us <= until {
            assert!(got.insert((output.id.key, output.id.start_us), (*estimate, *relative_error)).is_none(), "one pane per tag and window");
        }
    }
    assert!(expected.len() > 20, "{} windows", expected.len());
    assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    for (window, payers) in &expected {
        let (estimate, relative_error) = got[window];
        let truth = payers.len() as f64;
        // Three standard errors (HyperLogLog's 1.04/√m), and at least one payer of slack.
        let bound = (3.0 * relative_error * truth).max(1.0);
        assert!((estimate as f64 - truth).abs() <= bound, "window {window:?}: estimate {estimate}, truth {truth}");
    }
    assert!(expected.values().any(|p| p.len() > 20), "windows with many payers are compared");
}

#[test]
fn the_window_join_pairs_exactly_the_left_and_right_records_of_a_key_and_window() {
    let (left_tag, right_tag) = (1u32, 2u32);
    let sim = run(
        scenario(|j| {
            j["producer"]["keys"] = 100.into();
            set_operator(j, json!({ "op": "join_window", "left_tag": left_tag, "right_tag": right_tag, "size_ms": 5_000 }));
        }),
        8,
        30,
    );
    let size = 5 * SECOND;
    let until = final_watermark(&sim);
    let mut sides: BTreeMap<(u64, i64), (Vec<u64>, Vec<u64>)> = BTreeMap::new();
    for l in topic(&sim) {
        let r = l.record;
        let start = window_start(r.event_time_us, size);
        if start + size > until {
            continue;
        }
        let entry = sides.entry((r.key, start)).or_default();
        match r.tag {
            t if t == left_tag => entry.0.push(r.id),
            t if t == right_tag => entry.1.push(r.id),
            _ => {}
        }
    }
    let mut expected: Vec<(u64, i64, u64, u64)> = Vec::new();
    for ((key, start), (lefts, rights)) in &sides {
        expected.extend(lefts.iter().flat_map(|&l| rights.iter().map(move |&r| (*key, *start, l, r))));
    }
    let mut got = Vec::new();
    for output in outputs(&sim) {
        let OutputValue::Pair { left_id, right_id } = output.value else { panic!("a pair: {output:?}") };
        assert_eq!(output.id.end_us - output.id.start_us, size);
        if output.id.end_us <= until {
            got.push((output.id.key, output.id.start_us, left_id, right_id));
        }
    }
    expected.sort_unstable();
    got.sort_unstable();
    assert!(expected.len() > 100, "a real comparison: {} pairs", expected.len());
    assert_eq!(got, expected);
    assert_eq!(sim.job().expect("job").sink().counts().duplicates, 0, "every pair has its own identity");
}

#[test]
fn the_table_join_enriches_with_the_keys_latest_table_value_and_drops_misses() {
    let table_tag = 0u32;
    let end_s = 30;
    let sim = run(
        scenario(|j| {
            j["producer"]["keys"] = 60.into();
            j["producer"]["key_skew"] = 0.0.into();
            j["producer"]["tombstone_percent"] = 10.into();
            j["stream"]["event_time"]["tags"] = 4.into();
            set_operator(j, json!({ "op": "join_table", "table_tag": table_tag, "kind": "inner" }));
        }),
        9,
        end_s,
    );
    // A key's records all go to one partition, read by one source in offset order and sent
    // over one channel to the key's task: the task sees them in that order, so the table it
    // holds for a stream record is the changelog before it in the partition.
    let logged = topic(&sim);
    let mut partition_of: BTreeMap<u64, u32> = BTreeMap::new();
    let mut expected: BTreeMap<u64, (Option<i64>, bool)> = BTreeMap::new();
    let mut table: BTreeMap<u64, i64> = BTreeMap::new();
    let (mut deleted_hits, mut upserts) = (0, 0);
    for l in &logged {
        let r = l.record;
        assert_eq!(*partition_of.entry(r.key).or_insert(l.partition), l.partition, "a key stays in its partition");
        if r.tag == table_tag {
            if r.value == 0 {
                deleted_hits += usize::from(table.remove(&r.key).is_some());
            } else {
                upserts += usize::from(table.insert(r.key, r.value).is_some());
            }
        } else {
            let settled = l.created_us + 3 * SECOND as u64 <= end_s * SECOND as u64;
            expected.insert(r.id, (table.get(&r.key).copied(), settled));
        }
    }
    assert!(deleted_hits > 0 && upserts > 0, "tombstones delete rows and updates replace them");
    let by_id: BTreeMap<u64, &Logged> = logged.iter().map(|l| (l.record.id, l)).collect();
    let mut enriched = BTreeMap::new();
    for output in outputs(&sim) {
        let OutputValue::Enriched { record_id, table_value } = output.value else { panic!("an enriched record: {output:?}") };
        let l = by_id.get(&record_id).unwrap_or_else(|| panic!("record {record_id} is in the topic"));
        assert_ne!(l.record.tag, table_tag, "table records are not enriched");
        assert_eq!(output.id.key, l.record.key);
        assert_eq!(table_value, expected[&record_id].0, "record {record_id} joins its key's latest value");
        assert!(table_value.is_some(), "an inner join has a value");
        assert!(enriched.insert(record_id, table_value).is_none(), "record {record_id} enriched once");
    }
    // Records produced 3 s before the end have all been processed: those with a value are
    // enriched, the misses are dropped.
    let settled: Vec<(u64, Option<i64>)> = expected.iter().filter(|(_, (_, s))| *s).map(|(&id, &(v, _))| (id, v)).collect();
    let misses = settled.iter().filter(|(_, v)| v.is_none()).count();
    assert!(misses > 20 && settled.len() > misses * 2, "hits and misses: {misses} of {}", settled.len());
    for (id, value) in &settled {
        match value {
            Some(v) => assert_eq!(enriched.get(id), Some(&Some(*v)), "record {id} joins the latest value"),
            None => assert!(!enriched.contains_key(id), "record {id}: an inner join drops a miss"),
        }
    }
}

#[test]
fn burst_alerts_fire_exactly_for_keys_with_enough_records_within_the_span() {
    let (count_min, within) = (4usize, 2 * SECOND);
    let sim = run(
        scenario(|j| {
            j["producer"]["keys"] = 200.into();
            set_operator(j, json!({ "op": "burst", "count_min": count_min, "within_ms": 2_000, "idle_clear_ms": 600_000 }));
        }),
        10,
        30,
    );
    assert_eq!(sim.job().expect("job").tasks().iter().map(|t| t.counts.late_dropped).sum::<u64>(), 0);
    let until = final_watermark(&sim);
    let mut times: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for l in topic(&sim) {
        times.entry(l.record.key).or_default().push(l.record.event_time_us);
    }
    times.values_mut().for_each(|t| t.sort_unstable());
    let mut alerts: BTreeMap<u64, Vec<(i64, i64)>> = BTreeMap::new();
    for output in outputs(&sim) {
        let OutputValue::Alert { count } = output.value else { panic!("an alert: {output:?}") };
        let (key, first, last) = (output.id.key, output.id.start_us, output.id.end_us);
        // Sound: the alert's records are all of the key's records from its first to its last,
        // at least count_min of them, within the span.
        let between = times[&key].iter().filter(|&&t| (first..=last).contains(&t)).count();
        assert_eq!(count as usize, between, "key {key}: alert [{first}, {last}]");
        assert!(between >= count_min && last - first < within, "key {key}: {count} records over {} µs", last - first);
        alerts.entry(key).or_default().push((first, last));
    }
    for (key, list) in &alerts {
        assert!(list.windows(2).all(|w| w[1].0 > w[0].1), "key {key}: one burst, one alert: {list:?}");
    }
    // Complete: every run of count_min records within the span, decided by the watermark,
    // lies in some alert (its first record at least).
    let mut bursts = 0;
    for (key, times) in &times {
        for run in times.windows(count_min) {
            if run[count_min - 1] - run[0] < within && run[0] + within <= until {
                bursts += 1;
                let covered = alerts.get(key).is_some_and(|list| list.iter().any(|&(f, l)| (f..=l).contains(&run[0])));
                assert!(covered, "key {key}: burst from {} µs has no alert", run[0]);
            }
        }
    }
    let quiet = times.iter().filter(|(k, t)| t.len() >= count_min && !alerts.contains_key(k)).count();
    assert!(bursts > 20 && quiet > 0, "bursts {bursts}, keys with records but no alert {quiet}");
}
