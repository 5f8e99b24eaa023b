//! The key space a producer draws from. Real traffic is skewed: a few payers (or merchants,
//! or hashtags) are far busier than the rest. A Zipf distribution with exponent `skew`
//! models that: key i is chosen with weight 1/(i+1)^skew, so skew 0 is uniform and skew 1.2
//! makes the first key a hot key. Keys look like UPI VPAs because that is what a UPI
//! payments topic is keyed by.

use super::partitioner::partition_for_key;
use crate::sim::SimRng;

const NAMES: [&str; 16] = [
    "ravi", "priya", "amit", "sneha", "arjun", "kavya", "rahul", "ananya", "vikram", "pooja",
    "suresh", "divya", "imran", "fatima", "harpreet", "lakshmi",
];
const HANDLES: [&str; 8] = ["okaxis", "ybl", "paytm", "oksbi", "okhdfcbank", "ibl", "axl", "okicici"];

/// Total of all Zipf weights is kept below 2^62, far from overflow, with 2^40 for key 0.
const WEIGHT_KEY0: f64 = (1u64 << 40) as f64;

#[derive(Clone)]
pub struct KeySpace {
    names: Vec<String>,
    partition_of: Vec<u32>,
    /// cumulative[i] = sum of weights of keys 0..=i.
    cumulative: Vec<u64>,
}

impl KeySpace {
    /// `count` keys partitioned over `partitions`, drawn with Zipf exponent `skew`.
    pub fn new(count: u32, skew: f64, partitions: u32) -> Self {
        assert!(count > 0 && partitions > 0 && (0.0..=4.0).contains(&skew));
        let names: Vec<String> = (0..count).map(vpa).collect();
        let partition_of = names.iter().map(|n| partition_for_key(n.as_bytes(), partitions)).collect();
        let mut total = 0u64;
        let cumulative = (0..count)
            .map(|i| {
                // libm, not f64::powf: identical bits on native and wasm.
                let weight = (WEIGHT_KEY0 / libm::pow(f64::from(i) + 1.0, skew)) as u64;
                total += weight.max(1);
                total
            })
            .collect();
        KeySpace { names, partition_of, cumulative }
    }

    pub fn len(&self) -> u32 {
        self.names.len() as u32
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, key_id: u32) -> &str {
        &self.names[key_id as usize]
    }

    pub fn partition(&self, key_id: u32) -> u32 {
        self.partition_of[key_id as usize]
    }

    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        let total = *self.cumulative.last().expect("at least one key");
        let draw = rng.below(total);
        self.cumulative.partition_point(|&c| c <= draw) as u32
    }
}

/// The VPA for key id `i`, e.g. `priya.1@ybl`. Unique per id.
pub fn vpa(i: u32) -> String {
    let name = NAMES[i as usize % NAMES.len()];
    format!("{name}.{i}@{}", handle(i))
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
        let mut names: Vec<&str> = (0..500).map(|i| keys.name(i)).collect();
        assert!(names.iter().all(|n| n.contains('@')));
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
}
