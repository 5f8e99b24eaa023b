use super::*;

use crate::sim::test_ops::Ops;

fn contents(deque: &ChunkedDeque<u64>) -> Vec<u64> {
    deque.iter().copied().collect()
}

/// Applies one random operation to both the deque and a plain `VecDeque` model.
fn step(ops: &mut Ops, deque: &mut ChunkedDeque<u64>, model: &mut VecDeque<u64>, next_value: &mut u64) {
    match ops.next(12) {
        0..=5 => {
            for _ in 0..ops.next(300) {
                deque.push_back(*next_value);
                model.push_back(*next_value);
                *next_value += 1;
            }
        }
        6 => {
            for _ in 0..ops.next(200) {
                assert_eq!(deque.pop_front(), model.pop_front());
            }
        }
        7 => {
            let at = ops.next(model.len() as u64 + 1) as usize;
            let cut = model.split_off(at);
            assert_eq!(deque.split_off(deque.pos_of(at)), Vec::from(cut));
        }
        8 => {
            let modulus = 2 + ops.next(5);
            deque.retain(|v| v % modulus != 0 || *v < 100);
            model.retain(|v| v % modulus != 0 || *v < 100);
        }
        9 => {
            // Splits every multiple of `modulus` in two, and drops every value one above one.
            let modulus = 2 + ops.next(5);
            let edit = |v: &u64, out: &mut Vec<u64>| match (v % modulus, *v < 100) {
                (_, true) => true,
                (0, _) => {
                    out.extend([*v, *v]);
                    false
                }
                (r, _) => r != 1,
            };
            deque.rewrite(edit);
            let rewritten = model.iter().flat_map(|v| match (v % modulus, *v < 100) {
                (_, true) => vec![*v],
                (0, _) => vec![*v, *v],
                (r, _) => if r == 1 { vec![] } else { vec![*v] },
            });
            *model = rewritten.collect();
        }
        10 => {
            // A shared last chunk is never written: the model changes only where the deque can.
            // (It takes the next value, so the contents stay sorted for `partition_point`.)
            if let Some(last) = deque.back_mut_unshared() {
                *last = *next_value;
                *model.back_mut().expect("as long as the deque") = *next_value;
                *next_value += 1;
            }
        }
        _ => {
            let threshold = model.get(ops.next(model.len() as u64 + 1) as usize).copied().unwrap_or(u64::MAX);
            let pos = deque.partition_point(|v| *v < threshold);
            assert_eq!(deque.count_before(pos), model.partition_point(|v| *v < threshold));
            assert_eq!(deque.get(pos), model.get(model.partition_point(|v| *v < threshold)));
        }
    }
}

#[test]
fn behaves_as_a_plain_deque_under_every_operation() {
    let mut ops = Ops(0x9e37_79b9_7f4a_7c15);
    let (mut deque, mut model, mut next_value) = (ChunkedDeque::new(), VecDeque::new(), 0);
    for _ in 0..2_000 {
        step(&mut ops, &mut deque, &mut model, &mut next_value);
        assert_eq!(deque.len(), model.len());
        assert_eq!(contents(&deque), Vec::from(model.clone()));
        assert_eq!(deque.front(), model.front());
        assert_eq!(deque.back(), model.back());
    }
}

#[test]
fn a_clone_and_its_original_diverge_independently() {
    let mut ops = Ops(42);
    let (mut original, mut model, mut next_value) = (ChunkedDeque::new(), VecDeque::new(), 0);
    let mut copies: Vec<(ChunkedDeque<u64>, VecDeque<u64>, u64)> = Vec::new();
    for round in 0..400 {
        step(&mut ops, &mut original, &mut model, &mut next_value);
        if round % 7 == 0 {
            copies.push((original.clone(), model.clone(), next_value));
        }
        // Every copy keeps changing too, each in its own way, while sharing chunks.
        for (copy, copy_model, copy_next) in copies.iter_mut() {
            step(&mut ops, copy, copy_model, copy_next);
            assert_eq!(contents(copy), Vec::from(copy_model.clone()));
        }
        assert_eq!(contents(&original), Vec::from(model.clone()));
    }
}

#[test]
fn a_clone_shares_every_chunk_and_the_writer_starts_a_new_one() {
    let mut deque = ChunkedDeque::new();
    for v in 0..(3 * CHUNK_LEN_MAX as u64 + 10) {
        deque.push_back(v);
    }
    assert_eq!(deque.chunk_count(), 4);
    let copy = deque.clone();
    assert!(deque.chunks.iter().zip(&copy.chunks).all(|(a, b)| Arc::ptr_eq(a, b)), "a clone copies no element");
    deque.push_back(u64::MAX);
    assert_eq!(deque.chunk_count(), 5, "the shared last chunk is not written: a new one starts");
    assert_eq!(copy.back(), Some(&(3 * CHUNK_LEN_MAX as u64 + 9)));
    drop(copy);
    deque.push_back(u64::MAX);
    assert_eq!(deque.chunk_count(), 5, "an unshared last chunk is written in place");
}

#[test]
fn retain_keeps_untouched_chunks_shared() {
    let mut deque = ChunkedDeque::new();
    for v in 0..(2 * CHUNK_LEN_MAX as u64) {
        deque.push_back(v);
    }
    let copy = deque.clone();
    deque.retain(|v| *v != 5);
    assert!(!Arc::ptr_eq(&deque.chunks[0], &copy.chunks[0]), "the changed chunk is rebuilt");
    assert!(Arc::ptr_eq(&deque.chunks[1], &copy.chunks[1]), "the unchanged chunk is still shared");
    assert_eq!(copy.len(), 2 * CHUNK_LEN_MAX);
    assert_eq!(deque.len(), 2 * CHUNK_LEN_MAX - 1);
}

#[test]
fn rewrite_splits_within_the_chunk_bound_and_keeps_untouched_chunks_shared() {
    let mut deque = ChunkedDeque::new();
    for v in 0..(2 * CHUNK_LEN_MAX as u64) {
        deque.push_back(v);
    }
    let copy = deque.clone();
    deque.rewrite(|v, out| {
        if *v >= CHUNK_LEN_MAX as u64 {
            return true;
        }
        out.extend([*v, *v]);
        false
    });
    assert_eq!(deque.len(), 3 * CHUNK_LEN_MAX);
    assert!(deque.chunks.iter().all(|c| c.len() <= CHUNK_LEN_MAX), "a split chunk is cut to size");
    assert!(Arc::ptr_eq(deque.chunks.back().expect("held"), &copy.chunks[1]), "the unchanged chunk is still shared");
    assert_eq!(copy.iter().copied().collect::<Vec<_>>(), (0..2 * CHUNK_LEN_MAX as u64).collect::<Vec<_>>());
}

#[test]
fn the_last_element_changes_in_place_only_when_no_copy_shares_it() {
    let mut deque = ChunkedDeque::new();
    deque.push_back(1u64);
    let copy = deque.clone();
    assert!(deque.back_mut_unshared().is_none(), "the copy shares the last chunk");
    drop(copy);
    *deque.back_mut_unshared().expect("no longer shared") = 2;
    assert_eq!(deque.back(), Some(&2));
}
