//! Stable sorting with one copy of the sort algorithm. Rust compiles `slice::sort_by` afresh for
//! every element type and every closure it is called with, 3 to 10 KB of wasm each time, and a
//! page download pays for every copy. So the engine's cold paths (rebalances, views, exports,
//! start-up) sort through here: the algorithm runs once, over positions, with the comparison
//! behind a `dyn` call, and only a few lines per element type remain. It is stable like
//! `sort_by` (equal elements keep their order), so the results are the standard sort's, to the
//! element. Hot loops keep `sort_by`, where inlining the comparison pays.
//!
//! `collect()` into a `BTreeMap` or `BTreeSet` sorts its input the same way, a copy per
//! element type; `collect_map` and `collect_set` insert one element at a time instead, with
//! the `insert` the engine compiles anyway (`try_collect_set` where the items are `Result`s).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// Sorts `items` by `compare`, stably: what `items.sort_by(compare)` gives.
pub fn sort_by<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mut order = stable_order(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    permute(&mut order, &mut |a, b| items.swap(a, b));
}

/// Sorts `items` by the key `key` gives, stably: what `items.sort_by_key(key)` gives.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// A map of `pairs`, the last value of a repeated key winning: what `collect()` gives.
pub fn collect_map<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(pairs);
    map
}

/// A set of `items`: what `collect()` gives.
pub fn collect_set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut set = BTreeSet::new();
    set.extend(items);
    set
}

/// A set of the `Ok` items, or the first `Err`: what `collect::<Result<BTreeSet<_>, _>>()`
/// gives, stopping at the same item.
pub fn try_collect_set<T: Ord, E>(items: impl IntoIterator<Item = Result<T, E>>) -> Result<BTreeSet<T>, E> {
    let mut set = BTreeSet::new();
    for item in items {
        set.insert(item?);
    }
    Ok(set)
}

/// The positions `0..len` in the order that `compare` (on positions) sorts them, equal ones
/// in their original order. The one place the standard sort is compiled for.
#[inline(never)]
fn stable_order(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<u32> {
    let len = u32::try_from(len).expect("a slice to sort has at most u32::MAX elements");
    let mut order: Vec<u32> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a as usize, b as usize));
    order
}

/// Rearranges a slice in place, through `swap`, so that position `k` holds what position
/// `order[k]` held. Follows each cycle of the permutation once, marking a placed position by
/// setting `order[k] = k`; `order` is left as the identity.
#[inline(never)]
fn permute(order: &mut [u32], swap: &mut dyn FnMut(usize, usize)) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::test_ops::Ops;

    #[test]
    fn matches_the_standard_stable_sort_element_for_element() {
        let mut ops = Ops(7);
        for round in 0..400 {
            let len = ops.next(70) as usize + round % 3;
            let keys = 1 + ops.next(12); // few keys: many ties, so stability shows
            // (key, original position): a tie broken the wrong way changes the second field.
            let items: Vec<(u64, usize)> = (0..len).map(|i| (ops.next(keys), i)).collect();
            let mut ours = items.clone();
            let mut std_sorted = items.clone();
            sort_by_key(&mut ours, |&(k, _)| k);
            std_sorted.sort_by_key(|&(k, _)| k);
            assert_eq!(ours, std_sorted, "round {round}, {len} items");
            let mut descending = items.clone();
            sort_by(&mut descending, |a, b| b.0.cmp(&a.0));
            std_sorted = items.clone();
            std_sorted.sort_by_key(|&(k, _)| std::cmp::Reverse(k));
            assert_eq!(descending, std_sorted, "round {round} descending");
        }
    }

    #[test]
    fn equal_elements_keep_their_order_and_owned_values_move_intact() {
        let mut words: Vec<String> = ["pear", "fig", "apple", "kiwi", "date", "plum", "lime"].map(String::from).to_vec();
        sort_by_key(&mut words, String::len);
        assert_eq!(words, ["fig", "pear", "kiwi", "date", "plum", "lime", "apple"]);
        sort_by(&mut words, String::cmp);
        assert_eq!(words, ["apple", "date", "fig", "kiwi", "lime", "pear", "plum"]);
    }

    #[test]
    fn empty_single_and_sorted_slices() {
        let mut empty: Vec<u8> = Vec::new();
        sort_by(&mut empty, u8::cmp);
        assert!(empty.is_empty());
        let mut one = [5];
        sort_by(&mut one, i32::cmp);
        assert_eq!(one, [5]);
        let mut sorted: Vec<u32> = (0..100).collect();
        sort_by(&mut sorted, u32::cmp);
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        let mut reversed: Vec<u32> = (0..100).rev().collect();
        sort_by(&mut reversed, u32::cmp);
        assert_eq!(reversed, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn collecting_one_at_a_time_equals_collect() {
        let mut ops = Ops(11);
        for _ in 0..50 {
            let pairs: Vec<(u64, u64)> = (0..ops.next(40)).map(|i| (ops.next(10), i)).collect();
            assert_eq!(collect_map(pairs.iter().copied()), pairs.iter().copied().collect::<BTreeMap<_, _>>(), "last value wins");
            assert_eq!(collect_set(pairs.iter().map(|p| p.0)), pairs.iter().map(|p| p.0).collect::<BTreeSet<_>>());
            let checked = |p: &(u64, u64)| if p.0 < 9 { Ok(p.0) } else { Err(p.1) };
            assert_eq!(try_collect_set(pairs.iter().map(checked)), pairs.iter().map(checked).collect::<Result<BTreeSet<_>, _>>(), "the same set, or the same first error");
        }
    }

    #[test]
    fn permute_places_each_element_where_the_order_says() {
        // A permutation of three cycles and a fixed point: (0 3 1), (2), (4 6), (5).
        let mut order = [3, 0, 2, 1, 6, 5, 4];
        let mut items = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
        let before = items;
        let expected: Vec<char> = order.iter().map(|&from| before[from as usize]).collect();
        permute(&mut order, &mut |a, b| items.swap(a, b));
        assert_eq!(items.to_vec(), expected);
        assert_eq!(order, [0, 1, 2, 3, 4, 5, 6], "left as the identity");
    }
}
