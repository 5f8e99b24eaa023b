//! The key space a producer draws from. Real traffic is skewed: a few payers (or merchants,
//! or hashtags) are far busier than the rest. A Zipf distribution with exponent `skew`
//! models that: key i is chosen with weight 1/(i+1)^skew, so skew 0 is uniform and skew 1.2
//! makes the first key a hot key. Keys look like UPI VPAs because that is what a UPI
//! payments topic is keyed by.

use super::partitioner::partition_for_key;
use crate::sim::SimRng;
use std::fmt::Write as _;
use std::sync::Arc;

const NAMES: [&str; 16] = [
    "ravi", "priya", "amit", "sneha", "arjun", "kavya", "rahul", "ananya", "vikram", "pooja",
    "suresh", "divya", "imran", "fatima", "harpreet", "lakshmi",
];
const HANDLES: [&str; 8] = ["okaxis", "ybl", "paytm", "oksbi", "okhdfcbank", "ibl", "axl", "okicici"];

/// Total of all Zipf weights is kept below 2^62, far from overflow, with 2^40 for key 0.
const WEIGHT_KEY0: f64 = (1u64 << 40) as f64;
/// log2 of `WEIGHT_KEY0`: with skew 0 every key weighs exactly this much.
const WEIGHT_KEY0_BITS: u32 = 40;
/// At most this many guide buckets for a skewed key space (8 bytes each).
const GUIDE_BUCKETS_MAX: usize = 1 << 16;

/// Drawing a key is the hot loop of every workload, so the space keeps only numbers: a key's
/// name is computed from its id when asked for, and the tables are shared by every copy of
/// the simulation (a timeline snapshot clones it), since they never change after setup.
#[derive(Clone)]
pub struct KeySpace {
    partition_of: Arc<[u32]>,
    /// cumulative[i] = sum of weights of keys 0..=i.
    cumulative: Arc<[u64]>,
    /// For a skewed space, guide[b] is the key drawn by the smallest draw in bucket b (draws
    /// split into equal buckets): a draw's key lies between its bucket's and the next
    /// bucket's, so a search walks a few entries instead of the whole table (the guide-table
    /// method). Empty for a uniform space, whose key is the draw divided by the weight.
    guide: Arc<[u32]>,
}

impl KeySpace {
    /// `count` keys partitioned over `partitions`, drawn with Zipf exponent `skew`.
    pub fn new(count: u32, skew: f64, partitions: u32) -> Self {
        assert!(count > 0 && partitions > 0 && (0.0..=4.0).contains(&skew));
        let mut name = String::new();
        let partition_of = (0..count)
            .map(|i| {
                write_vpa(&mut name, i);
                partition_for_key(name.as_bytes(), partitions)
            })
            .collect();
        let mut total = 0u64;
        let cumulative: Arc<[u64]> = (0..count)
            .map(|i| {
                // libm, not f64::powf: identical bits on native and wasm.
                let weight = (WEIGHT_KEY0 / libm::pow(f64::from(i) + 1.0, skew)) as u64;
                total += weight.max(1);
                total
            })
            .collect();
        let guide = if skew == 0.0 { Arc::from([]) } else { guide_table(&cumulative) };
        KeySpace { partition_of, cumulative, guide }
    }

    pub fn len(&self) -> u32 {
        self.partition_of.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.partition_of.is_empty()
    }

    /// Key `key_id`'s name, its VPA.
    pub fn name(&self, key_id: u32) -> String {
        assert!(key_id < self.len(), "key {key_id} is outside the key space");
        vpa(key_id)
    }

    /// The length in bytes of key `key_id`'s name, without building it.
    pub fn name_len(&self, key_id: u32) -> u32 {
        assert!(key_id < self.len(), "key {key_id} is outside the key space");
        vpa_len(key_id)
    }

    pub fn partition(&self, key_id: u32) -> u32 {
        self.partition_of[key_id as usize]
    }

    /// Draws a key: key i with probability weight(i) / total weight. The answer is always the
    /// first key whose cumulative weight exceeds a uniform draw below the total; the guide
    /// table and the uniform shortcut only find it faster.
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        let total = *self.cumulative.last().expect("at least one key");
        self.key_for_draw(rng.below(total))
    }

    fn key_for_draw(&self, draw: u64) -> u32 {
        let total = *self.cumulative.last().expect("at least one key");
        if self.guide.is_empty() {
            // Every weight is 2^40, so cumulative[i] = (i + 1) · 2^40.
            return (draw >> WEIGHT_KEY0_BITS) as u32;
        }
        let buckets = self.guide.len() as u128 - 1;
        let bucket = (u128::from(draw) * buckets / u128::from(total)) as usize;
        let (from, to) = (self.guide[bucket] as usize, self.guide[bucket + 1] as usize);
        let end = (to + 1).min(self.cumulative.len());
        (from + self.cumulative[from..end].partition_point(|&c| c <= draw)) as u32
    }
}

/// The key drawn by the smallest draw of each of B equal buckets of [0, total), plus a last
/// entry for the draw `total` itself, so bucket b's keys lie in guide[b]..=guide[b+1].
fn guide_table(cumulative: &[u64]) -> Arc<[u32]> {
    let total = u128::from(*cumulative.last().expect("at least one key"));
    let buckets = cumulative.len().clamp(1, GUIDE_BUCKETS_MAX) as u128;
    (0..=buckets)
        .map(|b| {
            // The smallest draw d with floor(d · B / total) = b.
            let lowest = ((b * total).div_ceil(buckets)) as u64;
            cumulative.partition_point(|&c| c <= lowest).min(cumulative.len() - 1) as u32
        })
        .collect()
}

/// The VPA for key id `i`, e.g. `priya.1@ybl`. Unique per id.
pub fn vpa(i: u32) -> String {
    let mut name = String::new();
    write_vpa(&mut name, i);
    name
}

/// Writes key id `i`'s VPA into `out`, replacing what it held (no allocation once `out` has
/// room, which matters for the hundreds of thousands of keys hashed at setup).
fn write_vpa(out: &mut String, i: u32) {
    out.clear();
    let name = NAMES[i as usize % NAMES.len()];
    write!(out, "{name}.{i}@{}", handle(i)).expect("writing to a String cannot fail");
}

/// The length of `vpa(i)` in bytes.
pub fn vpa_len(i: u32) -> u32 {
    let name = NAMES[i as usize % NAMES.len()];
    let digits = i.checked_ilog10().unwrap_or(0) + 1;
    name.len() as u32 + 1 + digits + 1 + handle(i).len() as u32
}

/// The handle of key id `i`'s VPA (`ybl` in `priya.1@ybl`): it names the payer's app.
pub fn handle(i: u32) -> &'static str {
    HANDLES[(i as usize / NAMES.len()) % HANDLES.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_vpas_with_their_kafka_partition() {
        let keys = KeySpace::new(500, 0.0, 6);
        let mut names: Vec<String> = (0..500).map(|i| keys.name(i)).collect();
        assert!(names.iter().all(|n| n.contains('@')));
        assert!((0..500).all(|i| keys.name_len(i) as usize == names[i as usize].len()));
        assert_eq!(vpa_len(1_000_000_000), vpa(1_000_000_000).len() as u32);
        assert_eq!(keys.partition(3), partition_for_key(keys.name(3).as_bytes(), 6));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 500);
    }

    #[test]
    fn uniform_keys_spread_and_skewed_keys_concentrate() {
        let share_of_key0 = |skew: f64| {
            let keys = KeySpace::new(100, skew, 6);
            let mut rng = SimRng::stream(5, "keys");
            let hits = (0..20_000).filter(|_| keys.sample(&mut rng) == 0).count();
            hits as f64 / 20_000.0
        };
        let uniform = share_of_key0(0.0);
        assert!((0.005..0.015).contains(&uniform), "uniform share {uniform}");
        // Zipf(1.5) over 100 keys gives key 0 about 0.39 of the traffic.
        let skewed = share_of_key0(1.5);
        assert!((0.35..0.43).contains(&skewed), "skewed share {skewed}");
    }

    /// The shortcuts must draw exactly the key the plain search over the cumulative weights
    /// draws, or every run's trace would change.
    #[test]
    fn the_fast_draws_are_the_plain_search() {
        for (count, skew) in [(1, 0.0), (7, 0.0), (200_000, 0.0), (1, 1.2), (3, 0.3), (1_000, 1.0), (100_000, 0.3), (70_000, 2.5)] {
            let keys = KeySpace::new(count, skew, 6);
            let total = *keys.cumulative.last().unwrap();
            let plain = |draw: u64| keys.cumulative.partition_point(|&c| c <= draw) as u32;
            let (mut fast, mut slow) = (SimRng::stream(9, "keys"), SimRng::stream(9, "keys"));
            for _ in 0..20_000 {
                assert_eq!(keys.sample(&mut fast), plain(slow.below(total)), "{count} keys, skew {skew}");
            }
            // The edges of every weight: the last draw of a key and the first of the next.
            for &c in keys.cumulative.iter().take(2_000) {
                for draw in [c - 1, c].into_iter().filter(|&d| d < total) {
                    assert_eq!(keys.key_for_draw(draw), plain(draw), "{count} keys, skew {skew}, draw {draw}");
                }
            }
        }
    }
}
