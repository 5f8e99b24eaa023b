//! Keyed state, held as a state backend holds it: one value per key, which the operator reads
//! and changes one record at a time, and which a checkpoint copies as a whole. Flink's heap
//! backend copies on write for the same reason this one does: the checkpoint must not wait
//! for, or be disturbed by, the records that arrive while it is being taken.
//!
//! Each value sits behind a shared pointer, so a copy of the whole state copies pointers,
//! and a key's value is copied only when it next changes after the copy.
//!
//! The values live in an ordered map. A dense table indexed by key id was tried and was
//! slower: each of the job's parallel tasks holds a slice of the keys, but a table indexed by
//! key id spans all of them, so every checkpoint copied every task's whole table.

use std::collections::btree_map::{BTreeMap, Entry};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct KeyedState<S> {
    values: BTreeMap<u64, Arc<S>>,
}

impl<S> Default for KeyedState<S> {
    fn default() -> Self {
        KeyedState { values: BTreeMap::new() }
    }
}

impl<S: Clone + Default> KeyedState<S> {
    /// The state of `key` ready to change (created with its default if new, copied first if a
    /// checkpoint still shares it), with `size` of it before the change (0 for a new key).
    pub fn get_mut(&mut self, key: u64, size: impl Fn(&S) -> usize) -> (&mut S, usize) {
        match self.values.entry(key) {
            Entry::Vacant(vacant) => (Arc::make_mut(vacant.insert(Arc::default())), 0),
            Entry::Occupied(occupied) => {
                let state = occupied.into_mut();
                let before = size(state);
                (Arc::make_mut(state), before)
            }
        }
    }
}

impl<S> KeyedState<S> {
    /// Keeps the keys whose state passes `keep`.
    pub fn retain(&mut self, mut keep: impl FnMut(&S) -> bool) {
        self.values.retain(|_, state| keep(state));
    }

    pub fn values(&self) -> impl Iterator<Item = &S> {
        self.values.values().map(|state| &**state)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
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
        assert_eq!(state.values().cloned().collect::<Vec<_>>(), vec![vec![1, 3, 6], vec![4]], "in key order");
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
}
