use super::*;

use crate::sim::test_ops::Ops;

/// The simple layout `Held` replaces: one struct per record in a plain vector from `first`.
#[derive(Default)]
struct Model {
    first: u64,
    records: Vec<(u8, u32, Option<u64>)>,
}

impl Model {
    fn get(&mut self, id: u64) -> &mut (u8, u32, Option<u64>) {
        &mut self.records[(id - self.first) as usize]
    }
}

fn assert_same(held: &Held, model: &Model) {
    assert_eq!((held.first(), held.end()), (model.first, model.first + model.records.len() as u64));
    for (k, &(state, partition, copy)) in model.records.iter().enumerate() {
        let id = model.first + k as u64;
        assert_eq!((held.state(id), held.partition(id), held.copy(id)), (state, partition, copy), "record {id}");
    }
}

/// Applies one random operation to both; offsets are sometimes past 32 bits.
fn step(ops: &mut Ops, held: &mut Held, model: &mut Model) {
    let (first, len) = (model.first, model.records.len() as u64);
    let any_held = |ops: &mut Ops| first + ops.next(len);
    match ops.next(10) {
        0..=3 => {
            for _ in 0..ops.next(3 * CHUNK_RECORDS as u64) {
                let (state, partition) = (ops.next(32) as u8, ops.next(PARTITIONS_MAX.into()) as u32);
                held.push(state, partition);
                model.records.push((state, partition, None));
            }
        }
        4 if !model.records.is_empty() => {
            let (id, state) = (any_held(ops), ops.next(32) as u8);
            held.set_state(id, state);
            model.get(id).0 = state;
        }
        5 | 6 if !model.records.is_empty() => {
            let id = any_held(ops);
            let offset = match ops.next(4) {
                0 => u64::from(u32::MAX) - 2 + ops.next(4),
                1 => ops.next(1 << 40),
                _ => ops.next(1 << 20),
            };
            assert_eq!(held.set_copy(id, offset), model.get(id).2.replace(offset));
        }
        7 => {
            let partition = ops.next(4) as u32;
            let flip = ops.next(32) as u8;
            let mut seen = Vec::new();
            held.edit_states(partition, |id, state| {
                seen.push(id);
                state ^ flip
            });
            let expected: Vec<u64> = (first..first + len).filter(|&id| model.get(id).1 == partition).collect();
            assert_eq!(seen, expected, "every record of the partition, oldest first");
            for id in expected {
                model.get(id).0 ^= flip;
            }
        }
        _ => {
            let below = first + ops.next(len + 1);
            held.drop_below(below);
            model.records.drain(..(below - model.first) as usize);
            model.first = below;
        }
    }
}

#[test]
fn held_records_answer_as_one_plain_vector_does() {
    for seed in [1, 7, 1_234_567] {
        let (mut ops, mut held, mut model) = (Ops(seed), Held::default(), Model::default());
        let mut copies = Vec::new();
        for round in 0..300 {
            step(&mut ops, &mut held, &mut model);
            assert_same(&held, &model);
            if round % 50 == 0 {
                // A copy keeps its contents whatever the original does next.
                let frozen = Model { first: model.first, records: model.records.clone() };
                copies.push((held.clone(), frozen));
            }
        }
        for (copy, frozen) in &copies {
            assert_same(copy, frozen);
        }
    }
}

#[test]
fn a_copy_shares_its_chunks_until_one_is_written() {
    let mut held = Held::default();
    for id in 0..(3 * CHUNK_RECORDS) {
        held.push(0, (id % 3) as u32);
    }
    let copy = held.clone();
    let shared = |a: &Held, b: &Held| a.chunks.iter().zip(&b.chunks).filter(|(x, y)| Arc::ptr_eq(x, y)).count();
    assert_eq!(shared(&held, &copy), 3);
    held.edit_states(1, |_, state| state);
    assert_eq!(shared(&held, &copy), 3, "an edit that changes nothing copies nothing");
    held.set_state(5, 1);
    assert_eq!(shared(&held, &copy), 2, "only the written chunk is copied");
    assert_eq!((held.state(5), copy.state(5)), (1, 0));
}

#[test]
fn dropping_releases_whole_chunks_and_the_wide_offsets_below() {
    let mut held = Held::default();
    for _ in 0..(2 * CHUNK_RECORDS + 10) {
        held.push(0, 0);
    }
    held.set_copy(3, 1 << 40);
    held.set_copy(CHUNK_RECORDS as u64 + 1, 1 << 41);
    held.drop_below(CHUNK_RECORDS as u64 + 1);
    assert_eq!((held.chunks.len(), held.wide.len()), (2, 1), "the first chunk and its wide offset are gone");
    assert_eq!(held.copy(CHUNK_RECORDS as u64 + 1), Some(1 << 41));
    held.drop_below(held.end());
    held.push(0, 0);
    assert_eq!((held.first(), held.len(), held.chunks.len()), (2 * CHUNK_RECORDS as u64 + 10, 1, 1));
}

#[test]
fn a_record_costs_six_bytes_however_many_are_held() {
    let mut held = Held::default();
    let records = 1_000_000u64;
    for id in 0..records {
        held.push(0, (id % 6) as u32);
    }
    let per_record = held.reserved_bytes() as f64 / records as f64;
    // One byte of state, one of partition, four of offset; a doubling vector per column
    // would have reserved 2^20 places of each (13 bytes a record with 8-byte offsets and
    // 4-byte partitions as before, times 1.05).
    assert!(per_record < 6.03, "{per_record} bytes a record");
}

#[test]
#[should_panic(expected = "is not held")]
fn a_dropped_record_has_no_answer() {
    let mut held = Held::default();
    held.push(0, 0);
    held.push(0, 0);
    held.drop_below(1);
    held.state(0);
}
