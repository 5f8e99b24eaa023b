//! HyperLogLog counts distinct keys in a few kilobytes: hash each key, use its first p bits
//! to pick one of m = 2^p registers, and keep there the longest run of leading zeros seen in
//! the rest. Long runs are rare, so the registers together say how many distinct hashes
//! went by, within about 1.04/sqrt(m).

/// A fixed 64-bit mix (splitmix64's finaliser), the same on every platform and run; std's
/// hasher is randomly seeded and would make estimates differ between runs.
pub fn hash64(key: u64) -> u64 {
    crate::sim::rng::splitmix64(key)
}

pub const PRECISION_MIN: u8 = 4;
pub const PRECISION_MAX: u8 = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HyperLogLog {
    precision: u8,
    registers: Vec<u8>,
}

impl HyperLogLog {
    /// `precision` must already be validated (`AggregateKind::validate`).
    pub fn new(precision: u8) -> Self {
        debug_assert!((PRECISION_MIN..=PRECISION_MAX).contains(&precision));
        HyperLogLog { precision, registers: vec![0; 1 << precision] }
    }

    pub fn precision(&self) -> u8 {
        self.precision
    }

    pub fn add(&mut self, key: u64) {
        let hash = hash64(key);
        let index = (hash >> (64 - self.precision)) as usize;
        // The remaining 64 − p bits, shifted to the top; the sentinel bit caps the run at
        // 64 − p so an all-zero remainder still gives a finite rank.
        let rest = (hash << self.precision) | (1 << (self.precision - 1));
        let rank = rest.leading_zeros() as u8 + 1;
        let register = &mut self.registers[index];
        *register = (*register).max(rank);
    }

    /// The union of two sketches of the same precision: register-wise maximum.
    pub fn merge(&mut self, other: &HyperLogLog) {
        assert_eq!(self.precision, other.precision, "merging HyperLogLogs of different precision");
        for (mine, theirs) in self.registers.iter_mut().zip(&other.registers) {
            *mine = (*mine).max(*theirs);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.registers.iter().all(|&r| r == 0)
    }

    /// Flajolet et al.'s raw estimate with the alpha bias correction, and linear counting
    /// for small cardinalities where the raw estimate is biased upwards. A 64-bit hash makes
    /// the large-range correction of the 32-bit original unnecessary.
    pub fn estimate(&self) -> f64 {
        let m = self.registers.len() as f64;
        let alpha = match self.registers.len() {
            16 => 0.673,
            32 => 0.697,
            64 => 0.709,
            _ => 0.7213 / (1.0 + 1.079 / m),
        };
        // libm, not std: the result must be bit-identical natively and in wasm.
        let sum: f64 = self.registers.iter().map(|&r| libm::ldexp(1.0, -(r as i32))).sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        if raw <= 2.5 * m && zeros > 0 {
            return m * libm::log(m / zeros as f64);
        }
        raw
    }

    /// The standard error of the estimate, 1.04/sqrt(m).
    pub fn relative_error(&self) -> f64 {
        1.04 / libm::sqrt(self.registers.len() as f64)
    }

    pub fn state_bytes(&self) -> usize {
        1 + self.registers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate_error(precision: u8, distinct: u64, repeats: u64) -> (f64, f64) {
        let mut sketch = HyperLogLog::new(precision);
        for _ in 0..repeats {
            for key in 0..distinct {
                // Duplicates must not move the estimate: each key is added `repeats` times.
                sketch.add(key * 7_919);
            }
        }
        let error = (sketch.estimate() - distinct as f64).abs() / distinct as f64;
        (error, sketch.relative_error())
    }

    #[test]
    fn ten_thousand_distinct_keys_are_estimated_within_three_standard_errors() {
        for precision in [8, 10, 12, 14, 16] {
            let (error, standard) = estimate_error(precision, 10_000, 2);
            assert!(error <= 3.0 * standard, "p={precision}: error {error:.4} > 3 × {standard:.4}");
        }
    }

    #[test]
    fn small_cardinalities_use_linear_counting() {
        let mut sketch = HyperLogLog::new(12);
        assert!(sketch.is_empty());
        assert_eq!(sketch.estimate(), 0.0);
        for key in 0..10 {
            sketch.add(key);
        }
        assert!(!sketch.is_empty());
        assert!((sketch.estimate() - 10.0).abs() < 0.5, "{}", sketch.estimate());
    }

    #[test]
    fn merge_is_the_union() {
        let (mut a, mut b, mut both) = (HyperLogLog::new(10), HyperLogLog::new(10), HyperLogLog::new(10));
        for key in 0..3_000 {
            a.add(key);
            both.add(key);
        }
        for key in 2_000..6_000 {
            b.add(key);
            both.add(key);
        }
        a.merge(&b);
        assert_eq!(a, both);
        assert!((a.estimate() - 6_000.0).abs() / 6_000.0 < 3.0 * a.relative_error());
    }
}
