//! How an architecture's layers read the topic. Each layer (the Lambda archiver and speed
//! layer, each Kappa job version, the CQRS command handler) is a reader with its own
//! position per partition, like a consumer group of its own: it reads committed records
//! (read_committed: below the last stable offset, aborted ones skipped) from the partition's
//! current leader, at the speed its capacity allows, and stalls while a partition has no
//! live leader. Records that retention or compaction removed before it got there are
//! counted as missed, never silently skipped.

use crate::kafka::broker::Broker;
use crate::kafka::controller::Controller;
use crate::kafka::log::Record;
use crate::kafka::replication::Replica;

/// Read access to the topic for one tick: the brokers' logs and who leads each partition.
#[derive(Clone, Copy)]
pub struct TopicAccess<'a> {
    pub brokers: &'a [Broker],
    pub controller: &'a Controller,
}

impl<'a> TopicAccess<'a> {
    pub fn partitions(&self) -> u32 {
        self.controller.partitions().len() as u32
    }

    /// The live leader's replica of `partition`, if the partition has one.
    pub fn leader(&self, partition: u32) -> Option<&'a Replica> {
        let leader = self.controller.partitions()[partition as usize].leader?;
        let broker = &self.brokers[leader as usize];
        broker.replica(partition).filter(|r| broker.is_up() && r.is_leader())
    }

    /// Where a read_committed reader of `partition` must stop now, if it has a leader.
    pub fn end(&self, partition: u32) -> Option<u64> {
        self.leader(partition).map(Replica::last_stable_offset)
    }

    /// Offsets below the stable end that no longer hold a record (deleted by retention or
    /// compaction), over every partition: what a replay from 0 would miss. `Err` names a
    /// partition without a live leader, where nobody can tell.
    pub fn missing_below_end(&self) -> Result<u64, u32> {
        (0..self.partitions())
            .map(|p| {
                let r = self.leader(p).ok_or(p)?;
                let end = r.last_stable_offset();
                Ok(end - r.log.entries_below(end) as u64)
            })
            .sum()
    }
}

/// A record as a layer reads it.
#[derive(Clone, Copy, Debug)]
pub struct ReadRecord {
    pub partition: u32,
    pub offset: u64,
    pub record: Record,
}

/// A layer's speed, turned into records per tick; a fraction left over carries to the next.
#[derive(Clone, Debug)]
pub struct Budget {
    records_per_s: u64,
    carry_micro_records: u64,
}

impl Budget {
    pub fn new(records_per_s: u32) -> Budget {
        Budget { records_per_s: records_per_s.into(), carry_micro_records: 0 }
    }

    /// Records the layer may read in `elapsed_us`; capacity not used in a tick is lost.
    pub fn take(&mut self, elapsed_us: u64) -> u64 {
        let total = self.records_per_s.saturating_mul(elapsed_us).saturating_add(self.carry_micro_records);
        self.carry_micro_records = total % 1_000_000;
        total / 1_000_000
    }
}

/// One reader's positions over the topic's partitions.
#[derive(Clone, Debug)]
pub struct TopicReader {
    positions: Vec<u64>,
    /// The stable end each partition had when last read: lag is measured against it.
    ends: Vec<u64>,
    /// Partitions are drained in turn from a start that rotates, so one busy partition cannot
    /// starve the others (as a Kafka fetcher rotates them).
    next_partition: usize,
    /// Per partition, the leader epoch the reader last read under, and the epoch of the last
    /// record it read: after a leader change it checks that history still agrees (KIP-320).
    leader_epochs: Vec<u32>,
    record_epochs: Vec<Option<u32>>,
    /// Per partition, when the reader last stood at the end: without a live leader, that is
    /// how far back its answer is known to be complete.
    caught_up_us: Vec<u64>,
    /// Reads so far: until the first, `ends` are not known.
    pub reads: u64,
    pub records_read: u64,
    /// Offsets that held no record any more when the reader got there.
    pub records_missed: u64,
    /// Records it had read that a new leader no longer has (an unclean election, or acks=1
    /// writes lost with their leader): it already used them and cannot take them back.
    pub records_truncated: u64,
    /// Truncations found since the caller last took them: (partition, the new end).
    truncations: Vec<(u32, u64)>,
}

impl TopicReader {
    pub fn new(partitions: u32) -> TopicReader {
        TopicReader::from_positions(vec![0; partitions as usize], 0)
    }

    /// A reader at `positions` from `now_us`: until it first reaches the end, its answer is
    /// counted as complete up to its start.
    pub fn from_positions(positions: Vec<u64>, now_us: u64) -> TopicReader {
        let ends = positions.clone();
        let partitions = positions.len();
        TopicReader {
            positions,
            ends,
            next_partition: 0,
            leader_epochs: vec![0; partitions],
            record_epochs: vec![None; partitions],
            caught_up_us: vec![now_us; partitions],
            reads: 0,
            records_read: 0,
            records_missed: 0,
            records_truncated: 0,
            truncations: Vec::new(),
        }
    }

    /// A restart at `positions`: what the reader counted and the epochs it validated stay;
    /// where it starts somewhere new, it has no record epoch to check there yet.
    pub fn restart(&mut self, positions: Vec<u64>) {
        for (p, &position) in positions.iter().enumerate() {
            if position != self.positions[p] {
                self.record_epochs[p] = None;
            }
        }
        self.ends = positions.clone();
        self.positions = positions;
    }

    /// The next offset to read, per partition.
    pub fn positions(&self) -> &[u64] {
        &self.positions
    }

    /// Moves every partition at least up to `floor` (nothing below it needs reading). A
    /// partition that moves has read no record there, so it has no epoch to validate yet.
    pub fn skip_to(&mut self, floor: &[u64]) {
        for (p, &f) in floor.iter().enumerate() {
            if f > self.positions[p] {
                self.positions[p] = f;
                self.record_epochs[p] = None;
            }
        }
    }

    /// Records behind the stable ends seen at the last read.
    pub fn lag_records(&self) -> u64 {
        self.positions.iter().zip(&self.ends).map(|(&p, &e)| e.saturating_sub(p)).sum()
    }

    /// The truncations found since the last call: whoever kept rows from those offsets must
    /// drop them before the records now at those offsets arrive.
    pub fn take_truncations(&mut self) -> Vec<(u32, u64)> {
        std::mem::take(&mut self.truncations)
    }

    pub fn caught_up_us(&self) -> &[u64] {
        &self.caught_up_us
    }

    /// Reads up to `max` records into `out`, partition by partition, at `now_us`.
    pub fn read(&mut self, topic: &TopicAccess, max: u64, now_us: u64, out: &mut Vec<ReadRecord>) {
        let partitions = self.positions.len();
        let first = self.next_partition;
        self.next_partition = (first + 1) % partitions.max(1);
        self.reads += 1;
        let mut left = max;
        for step in 0..partitions {
            let p = (first + step) % partitions;
            let Some(replica) = topic.leader(p as u32) else { continue };
            self.validate_after_leader_change(replica, p);
            let end = replica.last_stable_offset();
            self.ends[p] = end;
            if left > 0 {
                left -= self.read_partition(replica, p, end, left, out);
            }
            if self.positions[p] >= end {
                self.caught_up_us[p] = now_us;
            }
        }
    }

    /// After a leader change, the new leader's log may end the reader's last epoch earlier
    /// than where the reader is (it never got those records): the reader moves back to that
    /// end, as a Kafka consumer does when it detects truncation, so it does not skip the
    /// records the new leader writes at those offsets.
    fn validate_after_leader_change(&mut self, replica: &Replica, p: usize) {
        let epoch = replica.leader_epoch();
        if epoch == self.leader_epochs[p] {
            return;
        }
        self.leader_epochs[p] = epoch;
        let Some(record_epoch) = self.record_epochs[p] else { return };
        let end = replica.log.end_offset_for_epoch(record_epoch);
        if end < self.positions[p] {
            self.records_truncated += self.positions[p] - end;
            self.positions[p] = end;
            self.truncations.push((p as u32, end));
        }
    }

    fn read_partition(&mut self, replica: &Replica, p: usize, end: u64, max: u64, out: &mut Vec<ReadRecord>) -> u64 {
        let mut expected = self.positions[p];
        let mut taken = 0;
        for (offset, entry) in replica.log.read(expected, end, usize::MAX) {
            if taken == max {
                break;
            }
            self.records_missed += offset - expected;
            expected = offset + 1;
            let aborted = entry.producer.is_some_and(|stamp| replica.is_aborted(stamp.producer_id, offset));
            self.record_epochs[p] = Some(entry.epoch);
            if !entry.is_control() && !aborted {
                out.push(ReadRecord { partition: p as u32, offset, record: entry.record });
                taken += 1;
            }
        }
        // Everything below the end was read or is gone: the gone part counts as missed.
        if taken < max && expected < end {
            self.records_missed += end - expected;
            expected = end;
        }
        self.positions[p] = expected;
        self.records_read += taken;
        taken
    }
}
