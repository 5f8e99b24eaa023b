//! The log cleaner: each broker's background thread that keeps logs from growing forever.
//! Under `cleanup.policy=delete` it deletes records older than `retention.ms`; under
//! `compact` it keeps only the latest record of each key (a changelog becomes a table), and
//! removes a key entirely once its tombstone has been visible for `delete.retention.ms`. It
//! never touches the active segment or anything above the high watermark.

use super::log::{Entry, PartitionLog};
use crate::sim::SimTime;

/// Validated cleaner settings; times in µs.
#[derive(Clone, Copy, Debug)]
pub struct CleanerConfig {
    /// log.cleaner.backoff.ms: how often the cleaner runs.
    pub backoff_us: u64,
    pub compact: bool,
    /// retention.ms, when the policy deletes.
    pub retention_us: Option<u64>,
    pub delete_retention_us: u64,
    /// Records per segment: the cleaner works below the active segment's start.
    pub segment_records: u64,
}

/// Cleans one replica's log; returns the records it removed.
pub fn clean(log: &mut PartitionLog, high_watermark: u64, now: SimTime, config: &CleanerConfig) -> Vec<Entry> {
    let active_segment_start = (log.log_end_offset() / config.segment_records) * config.segment_records;
    // The last record always stays: it holds the log end (and Kafka keeps producers' last batch).
    let last = log.log_end_offset().saturating_sub(1);
    let cleanable_below = active_segment_start.min(high_watermark).min(last);
    let mut removed = Vec::new();
    if let Some(retention_us) = config.retention_us {
        removed.extend(log.delete_older_than(now.as_us().saturating_sub(retention_us), cleanable_below));
    }
    if config.compact {
        removed.extend(log.compact(cleanable_below, now.as_us(), config.delete_retention_us));
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::Record;

    fn log_of(keys: &[u32], timestamp_us: u64) -> PartitionLog {
        let mut log = PartitionLog::new(1_000);
        for (id, &key) in keys.iter().enumerate() {
            log.append(Record { record_id: id as u64, key_id: key, timestamp_us, value_bytes: 10, payload: crate::workload::Payload::None }, 0);
        }
        log
    }

    fn config(compact: bool, retention_us: Option<u64>) -> CleanerConfig {
        CleanerConfig { backoff_us: 15_000_000, compact, retention_us, delete_retention_us: 1_000, segment_records: 4 }
    }

    #[test]
    fn compaction_stops_at_the_active_segment_and_the_high_watermark() {
        // Offsets 0..10 in segments of 4: the active segment starts at 8.
        let mut log = log_of(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0);
        clean(&mut log, 10, SimTime::ZERO, &config(true, None));
        let kept: Vec<u64> = log.entries_with_offsets().map(|(o, _)| o).collect();
        assert_eq!(kept, [7, 8, 9], "key 1's latest below 8 is offset 7; the active segment is untouched");
        let mut log = log_of(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 0);
        clean(&mut log, 3, SimTime::ZERO, &config(true, None));
        assert_eq!(log.len(), 8, "only offsets 0..3 are below the HW: 0 and 1 go");
    }

    #[test]
    fn time_retention_deletes_only_below_the_cleanable_point() {
        let mut log = log_of(&[1, 2, 3, 4, 5, 6], 1_000);
        let removed = clean(&mut log, 6, SimTime::from_us(10_000), &config(false, Some(5_000)));
        assert_eq!(removed.len(), 4, "all are old, but offsets 4 and 5 are in the active segment");
        assert_eq!(log.log_start_offset(), 4);
    }
}
