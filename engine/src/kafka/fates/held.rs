//! The ledger's per-record columns (state bits, partition, offset of the latest copy), kept
//! compactly: a real-scale run holds millions of records, and one doubling `Vec` per column
//! reserves up to twice what it holds (three times while it grows). So the records live in
//! fixed-size chunks aligned to record ids, one narrow array per column: nothing is
//! reserved beyond the last chunk, retiring drops whole chunks from the front, and a copy of
//! the ledger (a timeline snapshot) shares every chunk until one of them changes.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// Records per chunk: a power of two, so that an id finds its chunk with a shift.
const CHUNK_SHIFT: u32 = 12;
pub const CHUNK_RECORDS: usize = 1 << CHUNK_SHIFT;
/// Largest partition count a byte can name.
pub const PARTITIONS_MAX: u32 = 1 << u8::BITS;
/// `copy` of a record no leader has appended yet.
const NO_COPY: u32 = u32::MAX;
/// `copy` of a record whose offset does not fit in 32 bits: the offset is in `wide`. A
/// partition reaches 4 billion offsets only in a very long run; the answer must not change.
const WIDE: u32 = u32::MAX - 1;

/// One column per field; each `Vec` is allocated whole at once and never grows past it.
#[derive(Debug)]
struct Chunk {
    state: Vec<u8>,
    partition: Vec<u8>,
    copy: Vec<u32>,
}

impl Chunk {
    fn new() -> Self {
        Chunk { state: Vec::with_capacity(CHUNK_RECORDS), partition: Vec::with_capacity(CHUNK_RECORDS), copy: Vec::with_capacity(CHUNK_RECORDS) }
    }
}

impl Clone for Chunk {
    // A derived clone would allocate only the length: the last chunk would then grow by
    // doubling again once written to.
    fn clone(&self) -> Self {
        let mut chunk = Chunk::new();
        chunk.state.extend_from_slice(&self.state);
        chunk.partition.extend_from_slice(&self.partition);
        chunk.copy.extend_from_slice(&self.copy);
        chunk
    }
}

/// The records `first()..end()`, by id.
#[derive(Clone, Debug, Default)]
pub struct Held {
    /// Chunk k holds ids from `(first_chunk + k) * CHUNK_RECORDS`; the first may begin with
    /// records already dropped.
    chunks: VecDeque<Arc<Chunk>>,
    first_chunk: u64,
    first: u64,
    end: u64,
    /// Offsets of latest copies that do not fit in 32 bits, by record id.
    wide: BTreeMap<u64, u64>,
}

impl Held {
    /// The oldest record held.
    pub fn first(&self) -> u64 {
        self.first
    }

    /// One past the newest record.
    pub fn end(&self) -> u64 {
        self.end
    }

    pub fn len(&self) -> u64 {
        self.end - self.first
    }

    /// Bytes the chunks reserve per record held (the cost this module exists to cut).
    pub fn reserved_bytes(&self) -> usize {
        self.chunks.iter().map(|c| c.state.capacity() + c.partition.capacity() + 4 * c.copy.capacity()).sum()
    }

    /// Where record `id` is: its chunk and its index there. Panics for a record not held.
    fn at(&self, id: u64) -> (usize, usize) {
        assert!((self.first..self.end).contains(&id), "record {id} is not held (held: {}..{})", self.first, self.end);
        (((id >> CHUNK_SHIFT) - self.first_chunk) as usize, (id as usize) & (CHUNK_RECORDS - 1))
    }

    /// Appends record `end()` with no copy yet.
    pub fn push(&mut self, state: u8, partition: u32) {
        assert!(partition < PARTITIONS_MAX, "partition {partition} does not fit the ledger's byte");
        if self.chunks.is_empty() {
            self.first_chunk = self.end >> CHUNK_SHIFT;
        }
        if self.end & (CHUNK_RECORDS as u64 - 1) == 0 || self.chunks.is_empty() {
            self.chunks.push_back(Arc::new(Chunk::new()));
        }
        let chunk = Arc::make_mut(self.chunks.back_mut().expect("a chunk was just ensured"));
        chunk.state.push(state);
        chunk.partition.push(partition as u8);
        chunk.copy.push(NO_COPY);
        self.end += 1;
    }

    pub fn state(&self, id: u64) -> u8 {
        let (c, i) = self.at(id);
        self.chunks[c].state[i]
    }

    pub fn set_state(&mut self, id: u64, state: u8) {
        let (c, i) = self.at(id);
        if self.chunks[c].state[i] != state {
            Arc::make_mut(&mut self.chunks[c]).state[i] = state;
        }
    }

    pub fn partition(&self, id: u64) -> u32 {
        let (c, i) = self.at(id);
        self.chunks[c].partition[i].into()
    }

    /// The offset of the record's latest copy, if a leader appended one.
    pub fn copy(&self, id: u64) -> Option<u64> {
        let (c, i) = self.at(id);
        match self.chunks[c].copy[i] {
            NO_COPY => None,
            WIDE => Some(self.wide[&id]),
            narrow => Some(narrow.into()),
        }
    }

    /// Records a new latest copy at `offset` and returns the previous one.
    pub fn set_copy(&mut self, id: u64, offset: u64) -> Option<u64> {
        let previous = self.copy(id);
        let (c, i) = self.at(id);
        let narrow = match u32::try_from(offset) {
            Ok(narrow) if narrow < WIDE => {
                self.wide.remove(&id);
                narrow
            }
            _ => {
                self.wide.insert(id, offset);
                WIDE
            }
        };
        Arc::make_mut(&mut self.chunks[c]).copy[i] = narrow;
        previous
    }

    /// Rewrites the state of every record of `partition`, oldest first: `edit` gets its id
    /// and state and returns the new state. Chunks where nothing changes stay shared.
    pub fn edit_states(&mut self, partition: u32, mut edit: impl FnMut(u64, u8) -> u8) {
        let mut id = self.first;
        for k in 0..self.chunks.len() {
            let base = (self.first_chunk + k as u64) << CHUNK_SHIFT;
            let from = (id - base) as usize;
            let chunk = &mut self.chunks[k];
            for i in from..chunk.state.len() {
                if u32::from(chunk.partition[i]) != partition {
                    continue;
                }
                let (old, new) = (chunk.state[i], edit(base + i as u64, chunk.state[i]));
                if new != old {
                    Arc::make_mut(chunk).state[i] = new;
                }
            }
            id = base + CHUNK_RECORDS as u64;
        }
    }

    /// Forgets the records below `id`, releasing every chunk that holds none after it.
    pub fn drop_below(&mut self, id: u64) {
        assert!(id <= self.end, "cannot drop records {}..{id} not yet created", self.end);
        if id <= self.first {
            return;
        }
        self.first = id;
        let chunks_below = (id >> CHUNK_SHIFT).saturating_sub(self.first_chunk).min(self.chunks.len() as u64);
        self.chunks.drain(..chunks_below as usize);
        self.first_chunk += chunks_below;
        if !self.wide.is_empty() {
            self.wide = self.wide.split_off(&id);
        }
    }
}

#[cfg(test)]
mod tests;
