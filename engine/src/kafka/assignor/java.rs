//! The Java details an assignor's output depends on. Kafka's assignors run in the Java client,
//! so "which member comes first" is decided by `String.compareTo` (UTF-16 code units) and, in
//! the sticky assignors, by the iteration order of `java.util.HashMap`: to give the same answer
//! we reproduce both, instead of iterating anything of our own that is unordered.

use std::cmp::Ordering;

/// Java's `String.compareTo`: lexicographic over UTF-16 code units. It differs from Rust's
/// `str` order above the BMP: U+1F600 is `\uD83D\uDE00` in Java, so it sorts before U+FF01.
pub fn cmp_str(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 units, wrapping.
pub fn string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)))
}

/// Kafka's `TopicPartition.hashCode`.
pub fn topic_partition_hash(topic_hash: i32, partition: u32) -> i32 {
    // Partitions are Java ints; ours are validated far below i32::MAX.
    31i32.wrapping_add(partition as i32).wrapping_mul(31).wrapping_add(topic_hash)
}

/// The table size of a `new HashMap<>()` that has held at most `max_len` entries: 16, doubled
/// whenever the size passes three quarters of it. Tables never shrink.
fn table_capacity(max_len: usize) -> usize {
    let mut capacity = 16usize;
    while max_len > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The bucket a hash lands in: `HashMap.hash` folds the high half into the low half first.
fn bucket(hash: i32, capacity: usize) -> usize {
    let h = hash as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// The order in which a `new HashMap<>()` iterates keys inserted in the given order: by
/// bucket, and within a bucket by insertion (a resize splits buckets but keeps that order).
/// Returns positions into `keys`. Buckets only become trees past 8 collisions in a table
/// of 64, which the groups this serves never reach.
pub fn hash_map_order<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<usize> {
    let hashes: Vec<i32> = keys.into_iter().map(string_hash).collect();
    let capacity = table_capacity(hashes.len());
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    crate::sim::sort::sort_by_key(&mut order, |&i| (bucket(hashes[i], capacity), i));
    order
}

/// A `java.util.HashSet` reduced to what the sticky assignor asks of it: insert, remove, and
/// the element its iterator returns first.
#[derive(Clone, Debug)]
pub struct HashSetOrder<T> {
    /// (element, its hashCode, insertion sequence)
    entries: Vec<(T, i32, u64)>,
    next_seq: u64,
    max_len: usize,
}

impl<T: PartialEq + Copy> HashSetOrder<T> {
    pub fn new() -> Self {
        HashSetOrder { entries: Vec::new(), next_seq: 0, max_len: 0 }
    }

    pub fn insert(&mut self, element: T, hash: i32) {
        if self.entries.iter().any(|(e, _, _)| *e == element) {
            return;
        }
        self.entries.push((element, hash, self.next_seq));
        self.next_seq += 1;
        self.max_len = self.max_len.max(self.entries.len());
    }

    pub fn remove(&mut self, element: T) {
        self.entries.retain(|(e, _, _)| *e != element);
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What `iterator().next()` returns.
    pub fn first(&self) -> Option<T> {
        let capacity = table_capacity(self.max_len);
        self.entries.iter().min_by_key(|(_, hash, seq)| (bucket(*hash, capacity), *seq)).map(|(e, _, _)| *e)
    }
}

impl<T: PartialEq + Copy> Default for HashSetOrder<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_compare_by_utf16_code_units() {
        // Rust's str order says the opposite: U+1F600 > U+FF01 as code points.
        assert_eq!(cmp_str("\u{1F600}", "\u{FF01}"), Ordering::Less);
        assert!("\u{1F600}" > "\u{FF01}");
        assert_eq!(cmp_str("consumer-1", "consumer-10"), Ordering::Less);
        assert_eq!(cmp_str("consumer-10", "consumer-2"), Ordering::Less);
        assert_eq!(cmp_str("B", "a"), Ordering::Less);
        assert_eq!(cmp_str("ravi", "रवि"), Ordering::Less);
    }

    #[test]
    fn string_hash_matches_java() {
        // Values computed by java.lang.String.hashCode.
        assert_eq!(string_hash(""), 0);
        assert_eq!(string_hash("C0"), 2125);
        assert_eq!(string_hash("hello"), 99_162_322);
        assert_eq!(string_hash("consumer-10"), -858_448_042);
    }

    #[test]
    fn hash_map_order_is_bucket_then_insertion() {
        // "c0".."c4" hash to 3117..3121: buckets 13, 14, 15, 0, 1 of 16.
        let order = hash_map_order(["c0", "c1", "c2", "c4", "c3"]);
        assert_eq!(order, [4, 3, 0, 1, 2]);
        // "Aa" and "BB" share a hash: insertion order decides.
        assert_eq!(hash_map_order(["BB", "Aa"]), [0, 1]);
        assert_eq!(table_capacity(12), 16);
        assert_eq!(table_capacity(13), 32);
    }

    #[test]
    fn hash_set_first_follows_buckets_and_reinsertion() {
        let mut set = HashSetOrder::new();
        set.insert('a', 17); // bucket 1
        set.insert('b', 2); // bucket 2
        set.insert('c', 1); // bucket 1, after 'a'
        assert_eq!(set.first(), Some('a'));
        set.remove('a');
        assert_eq!(set.first(), Some('c'));
        set.insert('a', 17);
        assert_eq!(set.first(), Some('c'));
    }
}
