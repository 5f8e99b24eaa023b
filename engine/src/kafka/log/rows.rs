//! How a shared batch stores its records. Kafka's v2 record format writes each record's offset
//! and timestamp as a small delta from its batch's base; a row here keeps the record id and the
//! timestamp as 32-bit deltas from the batch's first record, so a row is 48 bytes where a
//! whole `Record` is 56 (at real scale the logs hold about two million of them). A batch whose
//! deltas do not fit in 32 bits (no producer builds one: its records are created within
//! `linger.ms` of each other, and their ids count up) keeps its records whole.

use super::Record;
use crate::workload::Payload;

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Rows {
    Narrow { base_id: u64, base_timestamp_us: u64, rows: Box<[Row]> },
    Whole(Box<[Record]>),
}

/// A record without its batch's base id and timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Row {
    id_delta: i32,
    timestamp_delta_us: i32,
    key_id: u32,
    value_bytes: u32,
    payload: Payload,
}

const _: () = assert!(std::mem::size_of::<Row>() == 48, "a row is 48 bytes");

impl Rows {
    /// `records` (at least one), narrow if every delta fits.
    pub(super) fn new(records: &[Record]) -> Rows {
        let first = records[0];
        let row = |r: &Record| {
            let id_delta = delta(r.record_id, first.record_id)?;
            let timestamp_delta_us = delta(r.timestamp_us, first.timestamp_us)?;
            Some(Row { id_delta, timestamp_delta_us, key_id: r.key_id, value_bytes: r.value_bytes, payload: r.payload })
        };
        if records.iter().any(|r| row(r).is_none()) {
            return Rows::Whole(records.into());
        }
        // Collected from an exact-size iterator: one allocation of exactly the batch's rows
        // (collecting through `Option` grows a vector by doubling, then shrinks it).
        let rows = records.iter().map(|r| row(r).expect("every delta fits")).collect();
        Rows::Narrow { base_id: first.record_id, base_timestamp_us: first.timestamp_us, rows }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Rows::Narrow { rows, .. } => rows.len(),
            Rows::Whole(records) => records.len(),
        }
    }

    /// Record `index`, as it was given.
    pub(super) fn get(&self, index: usize) -> Record {
        match self {
            Rows::Narrow { base_id, base_timestamp_us, rows } => {
                let row = &rows[index];
                Record {
                    record_id: base_id.wrapping_add_signed(i64::from(row.id_delta)),
                    key_id: row.key_id,
                    timestamp_us: base_timestamp_us.wrapping_add_signed(i64::from(row.timestamp_delta_us)),
                    value_bytes: row.value_bytes,
                    payload: row.payload,
                }
            }
            Rows::Whole(records) => records[index],
        }
    }
}

/// `value - base`, if it fits in 32 signed bits (wrapping, so `base + delta` gives it back).
fn delta(value: u64, base: u64) -> Option<i32> {
    i32::try_from(value.wrapping_sub(base) as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(record_id: u64, timestamp_us: u64) -> Record {
        Record { record_id, key_id: (record_id % 7) as u32, timestamp_us, value_bytes: 320, payload: Payload::None }
    }

    fn round_trip(records: &[Record]) -> Rows {
        let rows = Rows::new(records);
        assert_eq!(rows.len(), records.len());
        let back: Vec<Record> = (0..rows.len()).map(|i| rows.get(i)).collect();
        assert_eq!(back, records);
        rows
    }

    #[test]
    fn a_producers_batch_is_stored_narrow_and_read_back_whole() {
        let batch: Vec<Record> = (0..16).map(|i| record(1_000_000 + 3 * i, 5_000_000_000 + 997 * i)).collect();
        assert!(matches!(round_trip(&batch), Rows::Narrow { .. }));
        // Deltas either way, and at the very ends of the range, still fit.
        let edges = [record(u64::MAX, 0), record(u64::MAX - i32::MAX as u64, i32::MAX as u64), record(u64::MAX.wrapping_add(i32::MAX as u64), 0)];
        assert!(matches!(round_trip(&edges), Rows::Narrow { .. }));
    }

    #[test]
    fn a_batch_whose_deltas_do_not_fit_keeps_its_records_whole() {
        for far in [record(1 << 40, 0), record(0, 1 << 40), record(1 + i32::MAX as u64, 0), record(0, u64::MAX - i32::MAX as u64 - 1)] {
            let batch = [record(0, 0), record(1, 1), far];
            assert!(matches!(round_trip(&batch), Rows::Whole(_)), "{far:?}");
        }
    }
}
