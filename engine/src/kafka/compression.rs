//! Producer-side compression. Kafka compresses each record batch as a whole (the 61-byte
//! header stays plain), so fuller batches give the codec more to work with, and the producer
//! pays for it in CPU time. Dhara compresses no real bytes: each codec is a size ratio and a
//! speed, model parameters taken from one published benchmark.

use super::record_format::BATCH_HEADER_BYTES;
use serde::{Deserialize, Serialize};

/// Kafka's `compression.type` for a producer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompressionType {
    /// Kafka's default.
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

/// What one codec does to a batch: its records shrink to `wire_permille`/1000 of their size,
/// and compressing them costs `cpu_ns_per_kib` of producer CPU per KiB of input.
struct Codec {
    wire_permille: u64,
    cpu_ns_per_kib: u64,
}

// Model parameters, not measurements of Kafka: the zstd project's benchmark table (README of
// facebook/zstd v1.5.7, "Benchmarks": lzbench on the Silesia corpus, one core of a Core
// i7-9700K at 4.9 GHz) gives ratio and compression speed per codec:
//   zstd 1.5.7 -1   ratio 2.896   510 MB/s  → 345‰, 1024 B / 510 MB/s ≈ 2,008 ns per KiB
//   zlib 1.3.1 -1   ratio 2.743   105 MB/s  → 365‰, ≈ 9,752 ns per KiB   (Kafka's gzip)
//   lz4 1.10.0      ratio 2.101   675 MB/s  → 476‰, ≈ 1,517 ns per KiB
//   snappy 1.2.1    ratio 2.089   520 MB/s  → 479‰, ≈ 1,969 ns per KiB
// Real payloads differ (JSON payments compress better than Silesia), Kafka's default levels
// differ from the fastest levels above (gzip 6, zstd 3), and the Java client adds overhead:
// treat these as the shape of the trade-off (zstd smallest, lz4 fastest, gzip slowest).
const GZIP: Codec = Codec { wire_permille: 365, cpu_ns_per_kib: 9_752 };
const SNAPPY: Codec = Codec { wire_permille: 479, cpu_ns_per_kib: 1_969 };
const LZ4: Codec = Codec { wire_permille: 476, cpu_ns_per_kib: 1_517 };
const ZSTD: Codec = Codec { wire_permille: 345, cpu_ns_per_kib: 2_008 };

impl CompressionType {
    fn codec(self) -> Option<&'static Codec> {
        match self {
            CompressionType::None => None,
            CompressionType::Gzip => Some(&GZIP),
            CompressionType::Snappy => Some(&SNAPPY),
            CompressionType::Lz4 => Some(&LZ4),
            CompressionType::Zstd => Some(&ZSTD),
        }
    }

    /// Bytes a batch takes on the wire and on disk: the plain header plus its records,
    /// compressed (rounded up to whole bytes).
    pub fn batch_wire_bytes(self, records_bytes: u32) -> u32 {
        let records = u64::from(records_bytes);
        let compressed = self.codec().map_or(records, |c| (records * c.wire_permille).div_ceil(1_000));
        BATCH_HEADER_BYTES + u32::try_from(compressed).unwrap_or(u32::MAX)
    }

    /// Producer CPU time to compress `records_bytes`, in whole microseconds (rounded up).
    pub fn cpu_us(self, records_bytes: u32) -> u64 {
        self.codec().map_or(0, |c| (u64::from(records_bytes) * c.cpu_ns_per_kib).div_ceil(1_024 * 1_000))
    }

    /// Kafka's guess of a batch's size before it is compressed (`MemoryRecordsBuilder.
    /// estimatedBytesWritten`): records times the estimated ratio, plus a 5% safety margin.
    /// `batch.size` bounds this estimate, so a compressing producer fits more records.
    pub fn estimated_batch_bytes(self, records_bytes: u32, estimated_ratio: f32) -> u32 {
        if self == CompressionType::None {
            return BATCH_HEADER_BYTES + records_bytes;
        }
        // f32, as in Java: IEEE single precision gives the same bits on every platform.
        BATCH_HEADER_BYTES + (records_bytes as f32 * estimated_ratio * ESTIMATION_MARGIN) as u32
    }
}

/// Kafka's `COMPRESSION_RATE_ESTIMATION_FACTOR`.
const ESTIMATION_MARGIN: f32 = 1.05;

/// Kafka's `CompressionRatioEstimator` for one topic and codec: the producer cannot know how
/// well a batch will compress until it closes it, so it learns a ratio from closed batches,
/// starting from 1.0, trusting good news slowly and bad news fast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RatioEstimator {
    ratio: f32,
}

impl Default for RatioEstimator {
    fn default() -> Self {
        RatioEstimator { ratio: 1.0 }
    }
}

impl RatioEstimator {
    const IMPROVING_STEP: f32 = 0.005;
    const DETERIORATING_STEP: f32 = 0.05;

    pub fn estimate(&self) -> f32 {
        self.ratio
    }

    /// A closed batch's observed ratio: wire bytes (header included) over records bytes.
    pub fn observe(&mut self, wire_bytes: u32, records_bytes: u32) {
        if records_bytes == 0 {
            return;
        }
        let observed = wire_bytes as f32 / records_bytes as f32;
        if observed > self.ratio {
            self.ratio = (self.ratio + Self::DETERIORATING_STEP).max(observed);
        } else if observed < self.ratio {
            self.ratio -= Self::IMPROVING_STEP;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_shrinks_the_records_but_not_the_header() {
        assert_eq!(CompressionType::None.batch_wire_bytes(10_000), 10_061);
        assert_eq!(CompressionType::Lz4.batch_wire_bytes(10_000), 61 + 4_760);
        assert_eq!(CompressionType::Zstd.batch_wire_bytes(10_000), 61 + 3_450);
        assert_eq!(CompressionType::Gzip.batch_wire_bytes(1), 61 + 1, "rounded up");
        let sizes: Vec<u32> = [CompressionType::Gzip, CompressionType::Snappy, CompressionType::Lz4, CompressionType::Zstd]
            .iter()
            .map(|c| c.batch_wire_bytes(16_000))
            .collect();
        assert!(sizes.iter().all(|&s| s < 16_061), "{sizes:?}");
    }

    #[test]
    fn cpu_cost_follows_the_codec_speed() {
        assert_eq!(CompressionType::None.cpu_us(16_384), 0);
        assert_eq!(CompressionType::Lz4.cpu_us(16_384), 25, "16 KiB × 1,517 ns");
        assert_eq!(CompressionType::Gzip.cpu_us(16_384), 157, "16 KiB × 9,752 ns");
        assert_eq!(CompressionType::Zstd.cpu_us(1), 1, "rounded up");
    }

    #[test]
    fn the_estimate_starts_at_1_falls_slowly_and_rises_fast() {
        let mut estimator = RatioEstimator::default();
        assert_eq!(CompressionType::Lz4.estimated_batch_bytes(1_000, estimator.estimate()), 61 + 1_050);
        estimator.observe(500, 1_000);
        assert!((estimator.estimate() - 0.995).abs() < 1e-6);
        for _ in 0..200 {
            estimator.observe(500, 1_000);
        }
        // It settles around the observed ratio, dipping under it and bouncing back.
        assert!((estimator.estimate() - 0.5).abs() <= 0.05, "{}", estimator.estimate());
        estimator.observe(900, 1_000);
        assert!((estimator.estimate() - 0.9).abs() < 1e-6, "jumps up to a worse ratio at once");
    }

    #[test]
    fn names_are_kafkas() {
        let parsed: CompressionType = serde_json::from_str("\"zstd\"").expect("parses");
        assert_eq!(parsed, CompressionType::Zstd);
        assert!(serde_json::from_str::<CompressionType>("\"brotli\"").is_err());
    }
}
