//! A partition's log: an append-only sequence of records, each named by its offset. The log
//! end offset (LEO) is the offset the next record will get; retention deletes from the front,
//! moving the log start offset forward. Offsets are never reused.

use std::collections::VecDeque;

/// One record as stored in a partition. The key is an id into the producer's key table (the
/// bytes were hashed when partitioning), so a log of millions of records stays small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub key_id: u32,
    /// When the producer created the record, in simulated microseconds (Kafka's CreateTime).
    pub timestamp_us: u64,
    pub value_bytes: u32,
}

pub struct PartitionLog {
    log_start_offset: u64,
    records: VecDeque<Record>,
    /// Size-based retention, counted in records: older records are deleted beyond this.
    retention_records_max: u64,
}

impl PartitionLog {
    pub fn new(retention_records_max: u64) -> Self {
        assert!(retention_records_max > 0, "retention keeps at least one record");
        PartitionLog { log_start_offset: 0, records: VecDeque::new(), retention_records_max }
    }

    /// Appends a record and returns its offset.
    pub fn append(&mut self, record: Record) -> u64 {
        let offset = self.log_end_offset();
        self.records.push_back(record);
        if self.records.len() as u64 > self.retention_records_max {
            self.records.pop_front();
            self.log_start_offset += 1;
        }
        offset
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    pub fn log_end_offset(&self) -> u64 {
        self.log_start_offset + self.records.len() as u64
    }

    /// Records from `offset` onwards, at most `max`, as (offset, record). An offset before
    /// the log start reads from the log start (the consumer's `auto.offset.reset=earliest`).
    pub fn read(&self, offset: u64, max: usize) -> impl Iterator<Item = (u64, &Record)> {
        let from = offset.max(self.log_start_offset);
        let skip = (from - self.log_start_offset) as usize;
        self.records.iter().skip(skip).take(max).enumerate().map(move |(i, r)| (from + i as u64, r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key_id: u32) -> Record {
        Record { key_id, timestamp_us: 0, value_bytes: 100 }
    }

    #[test]
    fn offsets_are_dense_and_start_at_zero() {
        let mut log = PartitionLog::new(100);
        assert_eq!(log.append(record(1)), 0);
        assert_eq!(log.append(record(2)), 1);
        assert_eq!(log.log_end_offset(), 2);
        let read: Vec<_> = log.read(1, 10).map(|(o, r)| (o, r.key_id)).collect();
        assert_eq!(read, [(1, 2)]);
    }

    #[test]
    fn retention_moves_the_start_and_never_reuses_offsets() {
        let mut log = PartitionLog::new(3);
        for key in 0..5 {
            log.append(record(key));
        }
        assert_eq!(log.log_start_offset(), 2);
        assert_eq!(log.log_end_offset(), 5);
        let read: Vec<_> = log.read(0, 10).map(|(o, r)| (o, r.key_id)).collect();
        assert_eq!(read, [(2, 2), (3, 3), (4, 4)]);
    }

    #[test]
    fn reading_at_the_end_yields_nothing() {
        let mut log = PartitionLog::new(3);
        log.append(record(0));
        assert_eq!(log.read(1, 10).count(), 0);
        assert_eq!(log.read(0, 0).count(), 0);
    }
}
