//! Keyed state, held as a state backend holds it: one value per key, which the operator reads
//! and changes one record at a time, and which a checkpoint copies as a whole. Flink's heap
//! backend copies on write for the same reason this one does: the checkpoint must not wait
//! for, or be disturbed by, the records that arrive while it is being taken.
//!
//! Each value sits behind a shared pointer, so a copy of the whole state copies pointers,
//! and a key's value is copied only when it next changes after the copy.
//!
//! The keys live in an open-addressing hash table (linear probing, at most three quarters
//! full: the table is copied whole by every checkpoint, so its empty slots cost too) with a
//! fixed hash, so finding a key costs about one cache miss where an ordered map over a
//! million payers cost four or five. A fixed hash also keeps the table's layout, and the
//! order `values` walks it in, a function of the operations alone: the same on every run and
//! platform, unlike std's randomly seeded `HashMap`. (A dense table indexed by key id was
//! tried too: each of a job's parallel tasks holds a slice of the keys, but such a table spans
//! all of them, so every checkpoint copied every task's whole table.)

use crate::sim::rng::splitmix64;
use std::sync::Arc;

/// The table's smallest size (slots); it doubles whenever it would be more than
/// `LOAD_MAX_NUM / LOAD_MAX_DEN` full.
const SLOTS_MIN: usize = 16;
/// The most of its slots the table fills: at 3/4 a linear probe for a key inspects 2.5 slots
/// on average (2 to 3 in one or two cache lines of 16-byte slots), against 1.5 at 1/2, for a
/// third fewer slots per key.
const LOAD_MAX_NUM: usize = 3;
const LOAD_MAX_DEN: usize = 4;

#[derive(Clone, Debug)]
pub struct KeyedState<S> {
    /// A power-of-two count of slots; a key lives at its hash's slot or the first free one after.
    slots: Vec<Option<(u64, Arc<S>)>>,
    len: usize,
}

impl<S> Default for KeyedState<S> {
    fn default() -> Self {
        KeyedState { slots: Vec::new(), len: 0 }
    }
}

impl<S: Clone + Default> KeyedState<S> {
    /// The state of `key` ready to change (created with its default if new, copied first if a
    /// checkpoint still shares it), with `size` of it before the change (0 for a new key).
    pub fn get_mut(&mut self, key: u64, size: impl Fn(&S) -> usize) -> (&mut S, usize) {
        if (self.len + 1) * LOAD_MAX_DEN > self.slots.len() * LOAD_MAX_NUM {
            self.rebuild((self.slots.len() * 2).max(SLOTS_MIN));
        }
        let index = self.probe(key);
        let slot = &mut self.slots[index];
        let before = match slot {
            Some((_, state)) => size(state),
            None => {
                self.len += 1;
                0
            }
        };
        let (_, state) = slot.get_or_insert_with(|| (key, Arc::default()));
        (Arc::make_mut(state), before)
    }
}

impl<S> KeyedState<S> {
    /// The slot `key` hashes to: where its probe starts.
    fn home(&self, key: u64) -> usize {
        splitmix64(key) as usize & (self.slots.len() - 1)
    }

    /// The slot holding `key`, or the free slot where it would go.
    fn probe(&self, key: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut index = self.home(key);
        while let Some((held, _)) = &self.slots[index] {
            if *held == key {
                break;
            }
            index = (index + 1) & mask;
        }
        index
    }

    /// Moves every key into a table of `slots` slots.
    fn rebuild(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, (0..slots).map(|_| None).collect());
        self.len = 0;
        for (key, state) in old.into_iter().flatten() {
            let index = self.probe(key);
            self.slots[index] = Some((key, state));
            self.len += 1;
        }
    }

    /// Keeps the keys whose state passes `keep`, in place: a sweep of idle keys must not
    /// allocate a second table the size of the first.
    pub fn retain(&mut self, mut keep: impl FnMut(&S) -> bool) {
        let mut index = 0;
        while index < self.slots.len() {
            match &self.slots[index] {
                Some((_, state)) if !keep(state) => self.remove_at(index),
                // A removal may have moved a later key (or, wrapping, an earlier one) here:
                // look at this slot again. Asking `keep` twice of a kept key is harmless.
                _ => index += 1,
            }
        }
        // A table left mostly empty by a sweep would still be copied whole by every checkpoint.
        let fitting = ((self.len + 1) * 2).next_power_of_two().max(SLOTS_MIN);
        if fitting * 4 <= self.slots.len() {
            self.rebuild(fitting);
        }
    }

    /// Empties slot `hole` and moves back the keys after it that may now sit closer to
    /// their hash's slot (backward-shift deletion), so no probe ever stops at a false gap.
    fn remove_at(&mut self, mut hole: usize) {
        let mask = self.slots.len() - 1;
        self.slots[hole] = None;
        self.len -= 1;
        let mut next = hole;
        loop {
            next = (next + 1) & mask;
            let Some((key, _)) = &self.slots[next] else { return };
            let home = self.home(*key);
            // The key may fill the hole unless its home lies after the hole, up to `next`.
            if next.wrapping_sub(home) & mask >= next.wrapping_sub(hole) & mask {
                self.slots.swap(hole, next);
                hole = next;
            }
        }
    }

    pub fn values(&self) -> impl Iterator<Item = &S> {
        self.slots.iter().flatten().map(|(_, state)| &**state)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(state: &mut KeyedState<Vec<u32>>, key: u64, value: u32) -> usize {
        let (values, before) = state.get_mut(key, Vec::len);
        values.push(value);
        before
    }

    #[test]
    fn each_key_holds_its_own_value() {
        let mut state = KeyedState::default();
        for (key, value) in [(3, 1), (1 << 40, 2), (3, 3), (u64::MAX, 4), (0, 5)] {
            add(&mut state, key, value);
        }
        assert_eq!(state.len(), 4);
        assert_eq!(add(&mut state, 3, 6), 2, "the size before the change");
        assert_eq!(add(&mut state, 7, 7), 0, "a new key");
        let mut values: Vec<Vec<u32>> = state.values().cloned().collect();
        values.sort();
        assert_eq!(values, vec![vec![1, 3, 6], vec![2], vec![4], vec![5], vec![7]]);
        state.retain(|v| v.len() > 1 || v[0] == 4);
        assert_eq!(state.len(), 2);
        let mut values: Vec<Vec<u32>> = state.values().cloned().collect();
        values.sort();
        assert_eq!(values, vec![vec![1, 3, 6], vec![4]]);
        assert_eq!(add(&mut state, 0, 8), 0, "a dropped key starts again from empty");
    }

    #[test]
    fn a_copy_keeps_its_values_while_the_original_changes() {
        let mut state = KeyedState::default();
        for key in [1, 2, 1 << 40] {
            add(&mut state, key, 10);
        }
        let copy = state.clone();
        for key in [1, 1 << 40, 9] {
            add(&mut state, key, 20);
        }
        state.retain(|v| v.len() == 2);
        assert_eq!(copy.len(), 3);
        assert!(copy.values().all(|v| v == &vec![10]), "the copy moved");
        assert_eq!(state.len(), 2);
        assert!(state.values().all(|v| v == &vec![10, 20]));
    }

    /// Many keys, colliding and growing the table, each found again with its own value.
    #[test]
    fn a_hundred_thousand_keys_grow_the_table_and_are_each_found() {
        let mut state = KeyedState::default();
        let keys = |n: u64| (0..n).map(|i| i.wrapping_mul(0x9E37_79B9) ^ (i << 40));
        for key in keys(100_000) {
            add(&mut state, key, key as u32);
        }
        assert_eq!(state.len(), 100_000);
        assert!(state.slots.len() >= 200_000 && state.slots.len().is_power_of_two());
        for key in keys(100_000) {
            assert_eq!(add(&mut state, key, 0), 1, "key {key} found with its one value");
        }
        state.retain(|v| v[0] % 2 == 0);
        let kept = keys(100_000).filter(|&k| (k as u32) % 2 == 0).count();
        assert_eq!(state.len(), kept);
        assert_eq!(state.values().count(), kept);
        for key in keys(100_000) {
            let expected = if (key as u32) % 2 == 0 { 2 } else { 0 };
            assert_eq!(add(&mut state, key, 0), expected, "key {key} after retain");
        }
    }

    /// Random inserts and removals on small tables, where probes wrap around the end and keys
    /// collide, held against an ordered map after every step.
    #[test]
    fn inserts_and_removals_match_an_ordered_map() {
        let mut rng = crate::sim::rng::SplitMix(11);
        for round in 0..200 {
            let mut state = KeyedState::default();
            let mut model = std::collections::BTreeMap::new();
            let key_range = 4 + round % 40;
            for step in 0..300 {
                let key = rng.next_u64() % key_range;
                if rng.next_u64() % 4 == 0 {
                    let cut = rng.next_u64() % 3;
                    state.retain(|v: &Vec<u32>| u64::from(v[0]) % 3 != cut);
                    model.retain(|_, v: &mut Vec<u32>| u64::from(v[0]) % 3 != cut);
                } else {
                    let value = (rng.next_u64() % 1_000) as u32;
                    let before = model.get(&key).map_or(0, Vec::len);
                    assert_eq!(add(&mut state, key, value), before, "round {round} step {step}");
                    model.entry(key).or_insert_with(Vec::new).push(value);
                }
                assert_eq!(state.len(), model.len(), "round {round} step {step}");
                let mut held: Vec<&Vec<u32>> = state.values().collect();
                let mut expected: Vec<&Vec<u32>> = model.values().collect();
                held.sort();
                expected.sort();
                assert_eq!(held, expected, "round {round} step {step}");
            }
        }
    }

    /// A sweep that leaves the table mostly empty shrinks it (checkpoints copy every slot);
    /// one that keeps most keys leaves it as it is.
    #[test]
    fn a_sweep_of_most_keys_shrinks_the_table() {
        let mut state = KeyedState::default();
        for key in 0..10_000u64 {
            add(&mut state, key, key as u32);
        }
        let full = state.slots.len();
        state.retain(|v| v[0] % 4 != 0);
        assert_eq!(state.slots.len(), full, "three quarters kept: the same table");
        state.retain(|v| v[0] % 100 == 1);
        assert_eq!(state.len(), 100);
        assert!(state.slots.len() <= 256, "{} slots for 100 keys", state.slots.len());
        assert!((0..10_000u64).all(|key| {
            let found = add(&mut state, key, 0);
            found == usize::from(key % 100 == 1) && state.len() <= 10_000
        }));
    }
}
