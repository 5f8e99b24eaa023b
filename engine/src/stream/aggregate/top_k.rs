//! The most frequent tags, counted exactly while there are few distinct tags and by
//! Misra–Gries once there are too many to keep: the summary stays bounded and every count
//! is an undercount by at most the total it has had to forget.

use std::collections::BTreeMap;

/// Distinct tags counted exactly. Past this, a new tag arriving at a full summary
/// decrements every counter by one instead of being stored (Misra–Gries), so memory stays
/// at this many counters and each reported count is low by at most `error_max_count`.
pub const TOP_K_TAGS_MAX: usize = 1_024;

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TagCount {
    pub tag: u32,
    pub count: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopK {
    k: usize,
    counts: BTreeMap<u32, u64>,
    /// The total subtracted from every counter so far: the bound on any count's error.
    error_max_count: u64,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        TopK { k, counts: BTreeMap::new(), error_max_count: 0 }
    }

    pub fn k(&self) -> usize {
        self.k
    }

    pub fn add(&mut self, tag: u32) {
        if let Some(count) = self.counts.get_mut(&tag) {
            *count += 1;
        } else if self.counts.len() < TOP_K_TAGS_MAX {
            self.counts.insert(tag, 1);
        } else {
            self.subtract(1);
        }
    }

    /// Agarwal et al.'s mergeable Misra–Gries: add the counters, then if more than the
    /// capacity remain, subtract the (capacity+1)-th largest count from all of them.
    pub fn merge(&mut self, other: &TopK) {
        for (&tag, &count) in &other.counts {
            *self.counts.entry(tag).or_insert(0) += count;
        }
        self.error_max_count += other.error_max_count;
        if self.counts.len() > TOP_K_TAGS_MAX {
            let mut sorted: Vec<u64> = self.counts.values().copied().collect();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            self.subtract(sorted[TOP_K_TAGS_MAX]);
        }
    }

    fn subtract(&mut self, amount: u64) {
        self.error_max_count += amount;
        self.counts.retain(|_, count| {
            *count = count.saturating_sub(amount);
            *count > 0
        });
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.error_max_count == 0
    }

    /// The k largest counts, ties broken by the smaller tag so the list never depends on
    /// arrival order.
    pub fn top(&self) -> Vec<TagCount> {
        let mut all: Vec<TagCount> = self.counts.iter().map(|(&tag, &count)| TagCount { tag, count }).collect();
        crate::sim::sort::sort_by(&mut all, |a, b| b.count.cmp(&a.count).then(a.tag.cmp(&b.tag)));
        all.truncate(self.k);
        all
    }

    pub fn error_max_count(&self) -> u64 {
        self.error_max_count
    }

    /// Tag (4 bytes) and count (8 bytes) per counter, plus k and the error bound.
    pub fn state_bytes(&self) -> usize {
        16 + self.counts.len() * 12
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_counts_with_ties_broken_by_the_smaller_tag() {
        let mut top = TopK::new(2);
        for tag in [7, 3, 7, 9, 3, 9, 1] {
            top.add(tag);
        }
        let expect = vec![TagCount { tag: 3, count: 2 }, TagCount { tag: 7, count: 2 }];
        assert_eq!(top.top(), expect);
        assert_eq!(top.error_max_count(), 0);
        assert_eq!(top.state_bytes(), 16 + 4 * 12);
    }

    #[test]
    fn past_capacity_the_summary_stays_bounded_and_heavy_hitters_survive() {
        let mut top = TopK::new(3);
        // 5,000 distinct one-off tags interleaved with three heavy ones.
        for i in 0..5_000_u32 {
            top.add(1_000_000 + i);
            top.add(u32::from(i % 10 == 0)); // tag 1 every tenth step, tag 0 otherwise
            top.add(42);
        }
        assert!(top.counts.len() <= TOP_K_TAGS_MAX);
        let listed: Vec<u32> = top.top().iter().map(|t| t.tag).collect();
        assert_eq!(listed, vec![42, 0, 1]);
        let error = top.error_max_count();
        assert!(error > 0);
        for entry in top.top() {
            let truth = match entry.tag { 42 => 5_000, 0 => 4_500, _ => 500 };
            assert!(entry.count <= truth && entry.count + error >= truth, "{entry:?} error {error}");
        }
    }

    #[test]
    fn merge_adds_counts_and_keeps_the_bound() {
        let (mut a, mut b) = (TopK::new(2), TopK::new(2));
        a.add(1);
        a.add(2);
        b.add(2);
        b.add(2);
        a.merge(&b);
        assert_eq!(a.top(), vec![TagCount { tag: 2, count: 3 }, TagCount { tag: 1, count: 1 }]);
        let mut full = TopK::new(1);
        let mut other = TopK::new(1);
        for tag in 0..TOP_K_TAGS_MAX as u32 {
            full.add(tag);
            other.add(tag + 10_000);
        }
        other.add(10_000);
        full.merge(&other);
        assert!(full.counts.len() <= TOP_K_TAGS_MAX);
        assert_eq!(full.top(), vec![TagCount { tag: 10_000, count: 1 }]);
        assert_eq!(full.error_max_count(), 1);
    }
}
