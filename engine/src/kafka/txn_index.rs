//! A partition's view of transactions (what Kafka's `ProducerStateManager` and aborted
//! transaction index keep). A transaction is open in a partition from its first data batch
//! until its marker is committed; the last stable offset (LSO) is the first offset of the
//! earliest such transaction, so read_committed consumers never read past an undecided one.

use super::log::{BatchKind, Entry, PartitionLog};
use std::collections::BTreeMap;

/// A transaction of one producer in this partition that is not yet stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Unstable {
    producer_id: u64,
    /// Offset of its marker, once written: it is stable when the HW passes the marker.
    marker_offset: Option<u64>,
}

/// An aborted transaction's range in this partition: records of `producer_id` between
/// `first_offset` and the ABORT marker at `last_offset` are never delivered to read_committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedTxn {
    pub producer_id: u64,
    pub first_offset: u64,
    pub last_offset: u64,
}

#[derive(Clone, Debug, Default)]
pub struct TxnIndex {
    /// First offset → the transaction starting there, until it is stable.
    unstable: BTreeMap<u64, Unstable>,
    aborted: Vec<AbortedTxn>,
}

impl TxnIndex {
    /// The index a log implies, replayed from its oldest retained record (after truncation).
    pub fn rebuild(log: &PartitionLog) -> TxnIndex {
        let mut index = TxnIndex::default();
        for (offset, entry) in log.read(log.log_start_offset(), log.log_end_offset(), usize::MAX) {
            index.appended(offset, &entry, 0);
        }
        index
    }

    /// Follows one appended entry. `hw` lets it forget transactions already stable.
    pub fn appended(&mut self, offset: u64, entry: &Entry, hw: u64) {
        let Some(stamp) = entry.producer else { return };
        let open = self.unstable.iter().find(|(_, t)| t.producer_id == stamp.producer_id && t.marker_offset.is_none()).map(|(&first, _)| first);
        match (entry.kind, open) {
            (BatchKind::Transactional, None) => {
                self.unstable.insert(offset, Unstable { producer_id: stamp.producer_id, marker_offset: None });
            }
            (BatchKind::Marker { commit }, Some(first)) => {
                if let Some(txn) = self.unstable.get_mut(&first) {
                    txn.marker_offset = Some(offset);
                }
                if !commit {
                    self.aborted.push(AbortedTxn { producer_id: stamp.producer_id, first_offset: first, last_offset: offset });
                }
            }
            _ => {}
        }
        self.unstable.retain(|_, t| t.marker_offset.is_none_or(|m| m >= hw));
    }

    /// Forgets aborted ranges retention deleted entirely.
    pub fn retain_from(&mut self, log_start_offset: u64) {
        self.aborted.retain(|a| a.last_offset >= log_start_offset);
    }

    /// The LSO: the first offset of the earliest transaction not yet stable, or the HW.
    pub fn last_stable_offset(&self, hw: u64) -> u64 {
        let first_unstable = self.unstable.iter().find(|(_, t)| t.marker_offset.is_none_or(|m| m >= hw)).map(|(&first, _)| first);
        first_unstable.map_or(hw, |first| first.min(hw))
    }

    /// Whether a data record of `producer_id` at `offset` belongs to an aborted transaction.
    pub fn is_aborted(&self, producer_id: u64, offset: u64) -> bool {
        self.aborted.iter().any(|a| a.producer_id == producer_id && (a.first_offset..a.last_offset).contains(&offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::log::{ProducerStamp, Record};

    fn data(log: &mut PartitionLog, index: &mut TxnIndex, producer_id: u64, kind: BatchKind) -> u64 {
        let stamp = ProducerStamp { producer_id, producer_epoch: 0, base_sequence: 0 };
        let record = Record { record_id: log.log_end_offset(), key_id: 0, timestamp_us: 0, value_bytes: 1, payload: crate::workload::Payload::None };
        let entry = Entry { record, epoch: 0, offset_delta: 0, producer: Some(stamp), kind };
        let offset = log.append_entry(entry);
        index.appended(offset, &entry, 0);
        offset
    }

    #[test]
    fn the_lso_stalls_at_an_open_transaction_until_its_marker_is_committed() {
        let (mut log, mut index) = (PartitionLog::new(100), TxnIndex::default());
        data(&mut log, &mut index, 7, BatchKind::Plain);
        data(&mut log, &mut index, 1, BatchKind::Transactional);
        data(&mut log, &mut index, 7, BatchKind::Plain);
        data(&mut log, &mut index, 1, BatchKind::Transactional);
        assert_eq!(index.last_stable_offset(4), 1, "the transaction from offset 1 is open");
        let marker = data(&mut log, &mut index, 1, BatchKind::Marker { commit: true });
        assert_eq!(marker, 4, "the marker takes an offset");
        assert_eq!(index.last_stable_offset(4), 1, "the marker is not committed yet");
        assert_eq!(index.last_stable_offset(5), 5);
        assert!(!index.is_aborted(1, 1));
    }

    #[test]
    fn aborted_ranges_cover_only_that_producers_records_and_survive_a_rebuild() {
        let (mut log, mut index) = (PartitionLog::new(100), TxnIndex::default());
        data(&mut log, &mut index, 1, BatchKind::Transactional);
        data(&mut log, &mut index, 2, BatchKind::Transactional);
        data(&mut log, &mut index, 1, BatchKind::Marker { commit: false });
        data(&mut log, &mut index, 2, BatchKind::Marker { commit: true });
        for index in [index.clone(), TxnIndex::rebuild(&log)] {
            assert!(index.is_aborted(1, 0));
            assert!(!index.is_aborted(2, 1), "another producer's transaction committed");
            assert_eq!(index.last_stable_offset(4), 4);
            assert_eq!(index.last_stable_offset(3), 1, "producer 2's marker at 3 is not committed");
        }
    }
}
