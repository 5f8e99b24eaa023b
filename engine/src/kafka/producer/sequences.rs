//! The idempotent producer's bookkeeping (what Kafka's `TransactionManager` does for a
//! producer without transactions). Every batch gets a sequence number per partition when it
//! is first sent and keeps it for every retry, so a leader can tell a retry from new data.
//! Retries go out strictly in sequence order; and when a sequence is lost for good (a batch
//! expired, or a leader reports a gap), the producer bumps its epoch and starts again at 0.

use crate::kafka::log::ProducerStamp;
use std::collections::BTreeMap;

/// Per partition: where its sequence numbering stands.
#[derive(Clone, Debug, Default)]
struct PartitionSequences {
    /// The producer epoch these sequences belong to.
    epoch: u16,
    /// The base sequence the next new batch gets.
    next: u32,
    /// The highest sequence a leader confirmed.
    last_acked: Option<u32>,
    /// Base sequence → (batch id, record count) of every sent batch not yet settled
    /// (Kafka's in-flight batches by sequence, retries waiting in the queue included).
    incomplete: BTreeMap<u32, (u64, u32)>,
    /// The last sequence of a batch that expired after a retry: it may or may not be in
    /// the log, so no new batch goes until that is resolved.
    unresolved: Option<u32>,
    /// A gap was found: renumber this partition under a new epoch once nothing is on the wire.
    bump_wanted: bool,
}

impl PartitionSequences {
    fn next_in_line(&self, base_sequence: u32) -> bool {
        self.last_acked.map_or(0, |s| s + 1) == base_sequence
    }
}

#[derive(Clone)]
pub struct Sequences {
    producer_id: u64,
    epoch: u16,
    partitions: Vec<PartitionSequences>,
}

impl Sequences {
    pub fn new(producer_id: u64, partitions: u32) -> Self {
        Sequences { producer_id, epoch: 0, partitions: vec![PartitionSequences::default(); partitions as usize] }
    }

    /// Sequences for a producer id and epoch the transaction coordinator handed out.
    pub fn starting_at(producer_id: u64, epoch: u16, partitions: u32) -> Self {
        let partition = PartitionSequences { epoch, ..PartitionSequences::default() };
        Sequences { producer_id, epoch, partitions: vec![partition; partitions as usize] }
    }

    pub fn producer_id(&self) -> u64 {
        self.producer_id
    }

    pub fn epoch(&self) -> u16 {
        self.epoch
    }

    /// Whether the partition's first queued batch may be sent (Kafka's
    /// `shouldStopDrainBatchesForPartition`, negated). A retry goes only if it is the
    /// earliest unsettled sequence; a new batch waits while sequences are unresolved, a bump
    /// is pending, or batches of an older epoch are still unsettled.
    pub fn may_send(&self, partition: u32, head: Option<ProducerStamp>) -> bool {
        let p = &self.partitions[partition as usize];
        match head {
            Some(stamp) => p.incomplete.keys().next().is_none_or(|&first| first == stamp.base_sequence),
            None => p.unresolved.is_none() && !p.bump_wanted && (p.epoch == self.epoch || p.incomplete.is_empty()),
        }
    }

    /// Numbers a batch on its first send. A partition still on an older epoch (and with
    /// nothing unsettled, as `may_send` ensured) moves to the current one at sequence 0.
    pub fn assign(&mut self, partition: u32, batch_id: u64, record_count: u32) -> ProducerStamp {
        let epoch = self.epoch;
        let p = &mut self.partitions[partition as usize];
        if p.epoch != epoch {
            *p = PartitionSequences { epoch, ..PartitionSequences::default() };
        }
        let stamp = ProducerStamp { producer_id: self.producer_id, producer_epoch: epoch, base_sequence: p.next };
        p.incomplete.insert(p.next, (batch_id, record_count));
        p.next += record_count;
        stamp
    }

    /// A leader confirmed the batch (even one the producer had already expired: that
    /// still tells where the partition's sequence stands).
    pub fn acked(&mut self, partition: u32, stamp: ProducerStamp, record_count: u32) {
        let p = &mut self.partitions[partition as usize];
        if stamp.producer_epoch != p.epoch {
            return;
        }
        p.incomplete.remove(&stamp.base_sequence);
        let last = stamp.base_sequence + record_count - 1;
        p.last_acked = Some(p.last_acked.map_or(last, |s| s.max(last)));
        self.resolve(partition);
    }

    /// The batch failed for good. If it had been retried, an earlier attempt may have been
    /// written: its sequence is unresolved until the partition settles.
    pub fn failed(&mut self, partition: u32, stamp: ProducerStamp, record_count: u32, was_retried: bool) {
        let p = &mut self.partitions[partition as usize];
        if stamp.producer_epoch != p.epoch {
            return;
        }
        p.incomplete.remove(&stamp.base_sequence);
        if was_retried {
            let last = stamp.base_sequence + record_count - 1;
            p.unresolved = Some(p.unresolved.map_or(last, |s| s.max(last)));
        }
        self.resolve(partition);
    }

    /// OUT_OF_ORDER_SEQUENCE_NUMBER: the batch is retried either way. If it was the next
    /// batch the leader should have accepted (right after the last confirmed or the last
    /// unresolved sequence), the gap is real and only a new epoch gets past it (KIP-360).
    pub fn out_of_order(&mut self, partition: u32, stamp: ProducerStamp) {
        let p = &mut self.partitions[partition as usize];
        if stamp.producer_epoch != p.epoch {
            return;
        }
        let gap = match p.unresolved {
            Some(last) => stamp.base_sequence == last + 1,
            None => p.next_in_line(stamp.base_sequence),
        };
        p.bump_wanted |= gap;
    }

    /// Kafka's `maybeResolveSequences`: once nothing is unsettled, an unresolved sequence is
    /// resolved if later batches were confirmed past it, and calls for a new epoch if not.
    fn resolve(&mut self, partition: u32) {
        let p = &mut self.partitions[partition as usize];
        if p.unresolved.is_none() || !p.incomplete.is_empty() {
            return;
        }
        p.unresolved = None;
        p.bump_wanted |= !p.next_in_line(p.next);
    }

    /// Partitions waiting for an epoch bump.
    pub fn bumps_wanted(&self) -> impl Iterator<Item = u32> + '_ {
        (0u32..).zip(&self.partitions).filter(|(_, p)| p.bump_wanted).map(|(i, _)| i)
    }

    /// Bumps the producer epoch and renumbers the unsettled batches of `partitions` (none of
    /// them on the wire) from sequence 0 in their old order. Returns each renumbered batch
    /// with its new stamp; other partitions move to the new epoch when they are idle.
    pub fn bump(&mut self, partitions: &[u32]) -> Vec<(u32, u64, ProducerStamp)> {
        self.epoch = self.epoch.checked_add(1).expect("fewer than 65,536 epoch bumps in a run");
        let mut renumbered = Vec::new();
        for &partition in partitions {
            let old = std::mem::take(&mut self.partitions[partition as usize].incomplete);
            self.partitions[partition as usize] = PartitionSequences { epoch: self.epoch, ..PartitionSequences::default() };
            for (batch_id, record_count) in old.into_values() {
                renumbered.push((partition, batch_id, self.assign(partition, batch_id, record_count)));
            }
        }
        renumbered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_count_records_and_retries_go_in_order() {
        let mut s = Sequences::new(1_000, 2);
        let first = s.assign(0, 10, 3);
        let second = s.assign(0, 11, 2);
        assert_eq!((first.base_sequence, second.base_sequence), (0, 3));
        assert_eq!(s.assign(1, 12, 1).base_sequence, 0, "per partition");
        assert!(s.may_send(0, Some(first)));
        assert!(!s.may_send(0, Some(second)), "a retry waits for the earlier one");
        s.acked(0, first, 3);
        assert!(s.may_send(0, Some(second)));
        assert!(s.may_send(0, None));
    }

    #[test]
    fn an_out_of_order_answer_to_the_next_batch_means_a_gap_and_a_new_epoch() {
        let mut s = Sequences::new(1_000, 1);
        let (a, b) = (s.assign(0, 1, 1), s.assign(0, 2, 1));
        s.out_of_order(0, b);
        assert_eq!(s.bumps_wanted().count(), 0, "b only waits for a");
        s.out_of_order(0, a);
        assert_eq!(s.bumps_wanted().collect::<Vec<_>>(), [0]);
        assert!(!s.may_send(0, None), "no new batch before the bump");
        let renumbered = s.bump(&[0]);
        assert_eq!(s.epoch(), 1);
        let stamps: Vec<(u64, u16, u32)> = renumbered.iter().map(|(_, id, st)| (*id, st.producer_epoch, st.base_sequence)).collect();
        assert_eq!(stamps, [(1, 1, 0), (2, 1, 1)]);
        assert!(s.may_send(0, None));
    }

    #[test]
    fn an_expired_retry_is_resolved_by_later_acks_or_by_a_bump() {
        let mut s = Sequences::new(1_000, 2);
        let (a, b) = (s.assign(0, 1, 1), s.assign(0, 2, 1));
        s.failed(0, a, 1, true);
        assert!(!s.may_send(0, None), "unresolved");
        s.acked(0, b, 1);
        assert!(s.may_send(0, None), "b's ack proves a was written");
        let c = s.assign(0, 3, 1);
        s.failed(0, c, 1, true);
        assert_eq!(s.bumps_wanted().collect::<Vec<_>>(), [0], "nothing after it: unknowable, so a new epoch");
        // Partition 1 has a batch of the old epoch in flight: it keeps its epoch until settled.
        let d = s.assign(1, 4, 1);
        s.bump(&[0]);
        assert!(!s.may_send(1, None));
        s.acked(1, d, 1);
        assert!(s.may_send(1, None));
        let e = s.assign(1, 5, 1);
        assert_eq!((e.producer_epoch, e.base_sequence), (1, 0));
    }
}
