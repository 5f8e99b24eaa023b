//! The stateless front of the job: decode a Kafka record into a `StreamRecord` (with its event
//! time), then filter, map, flat_map and key_by. Flink chains such operators into the source
//! task, so a record crosses no channel until the key_by exchange.

use crate::kafka::log::Record;
use crate::scenario::stream::{EventTimeSpec, Field, KeyBy, StepSpec};
use crate::stream::StreamRecord;

/// A fixed, portable mix of a record id: per-record draws depend on the id only and
/// never disturb the run's random streams.
pub fn mix(x: u64) -> u64 {
    crate::sim::rng::splitmix64(x)
}

/// `also_key_by`'s copy has this bit set in its key (so the two key spaces never collide)
/// and in its id (so ids stay unique; clear it to find the Kafka record).
pub const SECOND_KEY_BIT: u64 = 1 << 63;

/// The stream record a Kafka record stands for: the event happened a little before the
/// producer sent it (a straggler: much before), and carries a value and a tag.
pub fn decode(record: &Record, spec: &EventTimeSpec) -> StreamRecord {
    let h = mix(record.record_id);
    let straggler = (h % 10_000) < (spec.late_percent * 100.0) as u64;
    let delay_us = if straggler {
        u64::from(spec.late_delay_ms) * 1_000
    } else {
        mix(h ^ 1) % (u64::from(spec.delay_ms_max) * 1_000 + 1)
    };
    StreamRecord {
        id: record.record_id,
        key: u64::from(record.key_id),
        origin_key: u64::from(record.key_id),
        event_time_us: record.timestamp_us as i64 - delay_us as i64,
        // A tombstone (a record without a value) keeps value 0: a table join deletes its key.
        value: if record.is_tombstone() { 0 } else { 1 + (mix(h ^ 2) % spec.value_max as u64) as i64 },
        tag: (mix(h ^ 3) % u64::from(spec.tags)) as u32,
        payload: record.payload,
    }
}

/// Runs the steps over one record, appending what comes out to `out`.
pub fn run(steps: &[StepSpec], record: StreamRecord, out: &mut Vec<StreamRecord>) {
    let Some((step, rest)) = steps.split_first() else {
        out.push(record);
        return;
    };
    match *step {
        StepSpec::Filter { field, min, max } => {
            if (min..=max).contains(&get(&record, field)) {
                run(rest, record, out);
            }
        }
        StepSpec::Map { field, multiply, add } => {
            let mapped = get(&record, field).saturating_mul(multiply).saturating_add(add);
            run(rest, set(record, field, mapped), out);
        }
        StepSpec::FlatMap { copies_max } => {
            let copies = 1 + mix(record.id ^ 4) % u64::from(copies_max);
            for copy in 0..copies {
                // Every child gets a hashed id, so ids stay unique through any number of
                // flat_maps (a copy number in fixed bits would collide across stages).
                let child = StreamRecord { id: mix(record.id ^ (copy + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)), tag: record.tag.wrapping_add(copy as u32), ..record };
                run(rest, child, out);
            }
        }
        StepSpec::KeyBy { by } => {
            let key = match by {
                KeyBy::Key => record.key,
                KeyBy::Tag => u64::from(record.tag),
                KeyBy::Constant => 0,
            };
            run(rest, StreamRecord { key, ..record }, out);
        }
        StepSpec::AlsoKeyBy { field } => {
            // The record as it is, and a copy keyed by the payload's field (a payment by its
            // payer and by its payee): two keyed states, each on the task owning its key.
            run(rest, record, out);
            if let Some(v) = field.of(&record.payload) {
                let copy = StreamRecord { id: record.id | SECOND_KEY_BIT, key: v as u64 | SECOND_KEY_BIT, ..record };
                run(rest, copy, out);
            }
        }
        StepSpec::Extract { value, tag } => {
            // Validation made sure the fields belong to the workload; a generic record
            // (no payload) keeps what it had.
            let mut extracted = record;
            if let Some(v) = value.and_then(|f| f.of(&record.payload)) {
                extracted.value = v;
            }
            if let Some(t) = tag.and_then(|f| f.of(&record.payload)) {
                extracted.tag = t.clamp(0, i64::from(u32::MAX)) as u32;
            }
            run(rest, extracted, out);
        }
        StepSpec::Hashtags => {
            for (i, id) in crate::social::hashtag_ids_of(&record.payload).enumerate() {
                // Hashed child ids, as flat_map's, with the hashtag's place as the copy number.
                let child = StreamRecord { id: mix(record.id ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)), tag: id, value: 1, ..record };
                run(rest, child, out);
            }
        }
    }
}

fn get(record: &StreamRecord, field: Field) -> i64 {
    match field {
        Field::Value => record.value,
        Field::Tag => i64::from(record.tag),
        Field::Key => record.key as i64,
    }
}

fn set(record: StreamRecord, field: Field, value: i64) -> StreamRecord {
    match field {
        Field::Value => StreamRecord { value, ..record },
        Field::Tag => StreamRecord { tag: value.clamp(0, i64::from(u32::MAX)) as u32, ..record },
        Field::Key => StreamRecord { key: value as u64, ..record },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> StreamRecord {
        StreamRecord { id, key: 7, origin_key: 7, event_time_us: 1_000, value: 50, tag: 2, payload: crate::workload::Payload::None }
    }

    #[test]
    fn event_time_is_before_the_create_time_by_at_most_the_delay() {
        let spec = EventTimeSpec { delay_ms_max: 2_000, ..EventTimeSpec::default() };
        for id in 0..1_000 {
            let r = decode(&Record { record_id: id, key_id: 3, timestamp_us: 10_000_000, value_bytes: 100, payload: crate::workload::Payload::None }, &spec);
            assert!((8_000_000..=10_000_000).contains(&r.event_time_us), "{r:?}");
            assert!((1..=spec.value_max).contains(&r.value) && r.tag < spec.tags);
        }
    }

    #[test]
    fn stragglers_are_the_configured_share() {
        let spec = EventTimeSpec { late_percent: 10.0, late_delay_ms: 60_000, ..EventTimeSpec::default() };
        let late = (0..10_000).filter(|&id| decode(&Record { record_id: id, key_id: 0, timestamp_us: 100_000_000, value_bytes: 1, payload: crate::workload::Payload::None }, &spec).event_time_us == 40_000_000).count();
        assert!((800..1_200).contains(&late), "{late}");
    }

    #[test]
    fn steps_filter_map_flat_map_and_key_by_in_order() {
        let steps = vec![
            StepSpec::Filter { field: Field::Value, min: 10, max: 100 },
            StepSpec::Map { field: Field::Value, multiply: 2, add: 1 },
            StepSpec::FlatMap { copies_max: 3 },
            StepSpec::KeyBy { by: KeyBy::Tag },
        ];
        let mut out = Vec::new();
        run(&steps, record(1), &mut out);
        run(&steps, StreamRecord { value: 500, ..record(2) }, &mut out);
        assert!(!out.is_empty() && out.len() <= 3);
        assert!(out.iter().all(|r| r.value == 101 && r.key == u64::from(r.tag) && r.origin_key == 7));
        let ids: std::collections::BTreeSet<u64> = out.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), out.len(), "flat_map keeps ids unique");
        // Through two flat_maps of four: up to 16 children, all with distinct ids.
        let twice = [StepSpec::FlatMap { copies_max: 4 }, StepSpec::FlatMap { copies_max: 4 }];
        let mut many = Vec::new();
        for id in 0..200 {
            run(&twice, record(id), &mut many);
        }
        let ids: std::collections::BTreeSet<u64> = many.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), many.len(), "no two children of any parent share an id");
    }
}
