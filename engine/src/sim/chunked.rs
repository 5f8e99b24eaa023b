//! A deque whose copies share their past. The timeline copies the whole simulation every few
//! simulated seconds, and most of what it copies (a partition's records, the recent trace) is
//! history that no longer changes. So the sequence is kept as chunks behind reference counts,
//! as Kafka keeps a log as segments that are immutable once rolled: a copy shares every
//! chunk, and whichever copy then writes starts a chunk of its own (or copies the one chunk
//! it must change). Copying costs one pointer per chunk, not one copy per element.
//!
//! `Arc`, not `Rc`: nothing sends a simulation to another thread today, but the other shared
//! state (the fraud detector's, the key space's) is `Arc` too, so a `Simulation` stays `Send`
//! and a parallel swarm remains possible; an atomic count per chunk per copy costs nothing here.

use std::collections::VecDeque;
use std::sync::Arc;

/// Elements per chunk at most: bounds what a copy-on-write of one chunk costs and what
/// deleted-but-not-yet-freed elements a chunk can hold at the front.
pub const CHUNK_LEN_MAX: usize = 1_024;

/// Where an element sits: a chunk and an index in it. `end()` is one past the last element.
/// Only valid until the deque next changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    chunk: usize,
    index: usize,
}

/// A double-ended sequence (push at the back, pop at the front, cut anywhere) whose clones
/// share their chunks. Chunks are never empty; the first one may begin with `skip` elements
/// that were popped but are still shared with other copies.
#[derive(Clone, Debug)]
pub struct ChunkedDeque<T> {
    chunks: VecDeque<Arc<Vec<T>>>,
    skip: usize,
    len: usize,
}

impl<T> Default for ChunkedDeque<T> {
    fn default() -> Self {
        ChunkedDeque { chunks: VecDeque::new(), skip: 0, len: 0 }
    }
}

impl<T: Clone> ChunkedDeque<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Chunks held: what a clone of this deque costs.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Appends at the back. The last chunk is written in place only if no copy shares it.
    pub fn push_back(&mut self, value: T) {
        if let Some(last) = self.chunks.back_mut().and_then(Arc::get_mut).filter(|c| c.len() < CHUNK_LEN_MAX) {
            last.push(value);
        } else {
            self.chunks.push_back(Arc::new(vec![value]));
        }
        self.len += 1;
    }

    /// Removes the first element. Its chunk is released once all of it is popped.
    pub fn pop_front(&mut self) -> Option<T> {
        let first = self.chunks.front()?;
        let value = first[self.skip].clone();
        self.skip += 1;
        if self.skip == first.len() {
            self.chunks.pop_front();
            self.skip = 0;
        }
        self.len -= 1;
        Some(value)
    }

    pub fn front(&self) -> Option<&T> {
        self.chunks.front().map(|c| &c[self.skip])
    }

    pub fn back(&self) -> Option<&T> {
        self.chunks.back().and_then(|c| c.last())
    }

    /// The last element, to change in place, but only if no copy shares its chunk (a copy's
    /// past must not change): None then, and the caller pushes a new element instead.
    pub fn back_mut_unshared(&mut self) -> Option<&mut T> {
        self.chunks.back_mut().and_then(Arc::get_mut).and_then(|c| c.last_mut())
    }

    pub fn start(&self) -> Pos {
        Pos { chunk: 0, index: self.skip }
    }

    pub fn end(&self) -> Pos {
        Pos { chunk: self.chunks.len(), index: 0 }
    }

    /// Where the live elements of chunk `chunk` begin: past the popped ones in the first.
    fn first_index(&self, chunk: usize) -> usize {
        if chunk == 0 {
            self.skip
        } else {
            0
        }
    }

    /// The position of the first element for which `pred` is false, given that it is true
    /// for a prefix and false for the rest (as `slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> Pos {
        let chunk = self.chunks.partition_point(|c| c.last().is_some_and(&mut pred));
        let Some(c) = self.chunks.get(chunk) else { return self.end() };
        let from = self.first_index(chunk);
        Pos { chunk, index: from + c[from..].partition_point(pred) }
    }

    pub fn get(&self, pos: Pos) -> Option<&T> {
        self.chunks.get(pos.chunk).and_then(|c| c.get(pos.index))
    }

    /// The elements from `pos` to the back, in order.
    pub fn iter_from(&self, pos: Pos) -> impl Iterator<Item = &T> + '_ {
        self.chunks.range(pos.chunk.min(self.chunks.len())..).enumerate().flat_map(move |(k, c)| c[if k == 0 { pos.index } else { 0 }..].iter())
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.iter_from(self.start())
    }

    /// How many elements come before `pos`.
    pub fn count_before(&self, pos: Pos) -> usize {
        if pos.chunk >= self.chunks.len() {
            return self.len;
        }
        let whole: usize = self.chunks.range(..pos.chunk).map(|c| c.len()).sum();
        whole + pos.index - self.skip
    }

    /// The position of the element `count` places from the front (`end()` past the back).
    pub fn pos_of(&self, count: usize) -> Pos {
        let mut left = count + self.skip;
        for (chunk, c) in self.chunks.iter().enumerate() {
            if left < c.len() {
                return Pos { chunk, index: left };
            }
            left -= c.len();
        }
        self.end()
    }

    /// Removes every element from `pos` to the back and returns them, in order. Only the
    /// chunk that is cut in two is copied, and only if another copy shares it.
    pub fn split_off(&mut self, pos: Pos) -> Vec<T> {
        let removed: Vec<T> = self.iter_from(pos).cloned().collect();
        if pos.chunk < self.chunks.len() {
            self.chunks.truncate(pos.chunk + 1);
            let from = self.first_index(pos.chunk);
            let cut = self.chunks.back_mut().expect("the cut chunk is held");
            if pos.index <= from {
                self.chunks.pop_back();
            } else if let Some(own) = Arc::get_mut(cut) {
                own.truncate(pos.index);
            } else {
                *cut = Arc::new(cut[from..pos.index].to_vec());
                if pos.chunk == 0 {
                    self.skip = 0;
                }
            }
            if self.chunks.is_empty() {
                self.skip = 0;
            }
        }
        self.len -= removed.len();
        removed
    }

    /// Keeps only the elements for which `keep` is true (called once per element, in
    /// order). Chunks where all elements stay are still shared; the others are rebuilt.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.rewrite(|value, _| keep(value));
    }

    /// Rewrites the deque element by element, in order: `edit` returns true to keep an
    /// element as it is, or false to replace it with what it pushed onto the vector (nothing
    /// removes it, several split it). Chunks where every element is kept are still shared.
    pub fn rewrite(&mut self, mut edit: impl FnMut(&T, &mut Vec<T>) -> bool) {
        let (old, old_skip) = (std::mem::take(&mut self.chunks), self.skip);
        self.skip = 0;
        let mut replacement = Vec::new();
        for (k, chunk) in old.into_iter().enumerate() {
            let from = if k == 0 { old_skip } else { 0 };
            let mut survivors: Vec<T> = Vec::new();
            let mut all_kept = true;
            for (i, value) in chunk[from..].iter().enumerate() {
                if edit(value, &mut replacement) {
                    if !all_kept {
                        survivors.push(value.clone());
                    }
                    continue;
                }
                if all_kept {
                    // The first change: what came before in this chunk is kept as it was.
                    all_kept = false;
                    survivors.extend_from_slice(&chunk[from..from + i]);
                }
                survivors.append(&mut replacement);
            }
            if all_kept {
                if self.chunks.is_empty() {
                    self.skip = from;
                }
                self.chunks.push_back(chunk);
                continue;
            }
            // Splits can make a chunk grow: keep chunks within their bound (the common case,
            // a chunk that only shrank, moves its survivors in without copying them again).
            while survivors.len() > CHUNK_LEN_MAX {
                let rest = survivors.split_off(CHUNK_LEN_MAX);
                self.chunks.push_back(Arc::new(std::mem::replace(&mut survivors, rest)));
            }
            if !survivors.is_empty() {
                self.chunks.push_back(Arc::new(survivors));
            }
        }
        self.len = self.chunks.iter().map(|c| c.len()).sum::<usize>() - self.skip;
    }
}

#[cfg(test)]
mod tests;
