//! The consumer's poll loop: fetch from the leader of every owned partition, hand the
//! application at most max.poll.records at a time, process them at the consumer's speed,
//! and commit (after each batch, or on the auto-commit timer).

use super::{Consumer, ConsumerState};
use crate::kafka::protocol::{Accounting, Msg, Outbox, Timer};
use crate::sim::{Duration, NodeId, TraceKind};
use std::collections::BTreeMap;

impl Consumer {
    /// Keeps the consumer busy: process what is buffered, and fetch from every leader of an
    /// owned partition that has no fetch outstanding once the buffer runs dry.
    pub(super) fn pump(&mut self, out: &mut Outbox) {
        if self.state == ConsumerState::Crashed {
            return;
        }
        if self.state == ConsumerState::Fetching && !self.buffer.is_empty() && !self.rejoin_after_batch && !self.paused {
            self.begin_batch(out);
        }
        if !self.buffer.is_empty() {
            return;
        }
        self.list_latest_offsets(out);
        let mut by_leader: BTreeMap<u16, Vec<(u32, u64)>> = BTreeMap::new();
        for (&p, &position) in &self.positions {
            if let (Some(leader), _) = self.leaders[p as usize] {
                by_leader.entry(leader).or_default().push((p, position));
            }
        }
        for (broker, positions) in by_leader {
            if self.outstanding.contains_key(&broker) {
                continue;
            }
            let fetch_id = self.fetch_id_next;
            self.fetch_id_next += 1;
            self.outstanding.insert(broker, fetch_id);
            let max_records = self.config.max_poll_records;
            out.note(TraceKind::Fetch, [positions.len() as u64, max_records.into(), broker.into()]);
            let min_bytes = self.config.fetch_min_bytes;
            let fetch = Msg::Fetch { fetch_id, positions, max_records, min_bytes, max_wait_us: self.config.fetch_max_wait_us, read_committed: self.config.read_committed };
            out.send(NodeId::broker(broker), fetch);
            let timeout = self.config.fetch_max_wait_us + self.config.request_timeout_us;
            out.set_timer(Duration::from_us(timeout), Timer::FetchTimeout { fetch_id });
        }
    }

    /// auto.offset.reset=latest: ask each leader for the end of the partitions it leads.
    pub(super) fn list_latest_offsets(&mut self, out: &mut Outbox) {
        let mut by_leader: BTreeMap<u16, Vec<u32>> = BTreeMap::new();
        for &p in &self.resetting {
            if let (Some(leader), _) = self.leaders[p as usize] {
                if !self.listing.contains(&leader) {
                    by_leader.entry(leader).or_default().push(p);
                }
            }
        }
        for (leader, partitions) in by_leader {
            self.listing.insert(leader);
            out.send(NodeId::broker(leader), Msg::ListOffsets { partitions });
            // Lost to a network partition, the request would block the reset forever.
            out.set_timer(Duration::from_us(self.config.request_timeout_us), Timer::ListOffsetsTimeout { broker: leader });
        }
    }

    pub(super) fn begin_batch(&mut self, out: &mut Outbox) {
        let take = self.buffer.len().min(self.config.max_poll_records as usize);
        self.batch = self.buffer.drain(..take).collect();
        let rate = u64::from(self.config.rate_records_per_s);
        // Ceiling division: a batch never takes less than its records' worth of time.
        let busy_us = (self.batch.len() as u64 * 1_000_000).div_ceil(rate);
        self.state = ConsumerState::Processing;
        out.set_timer(Duration::from_us(busy_us), Timer::BatchProcessed { batch_id: self.batch_id });
        if busy_us > self.config.max_poll_interval_us {
            out.set_timer(Duration::from_us(self.config.max_poll_interval_us), Timer::PollIntervalExpired { batch_id: self.batch_id });
        }
    }

    pub(super) fn finish_batch(&mut self, out: &mut Outbox) {
        let done = self.batch.len() as u64;
        // Per partition, the batch holds consecutive offsets: report each run downstream.
        let mut runs: BTreeMap<u32, (u64, u64, Vec<u64>)> = BTreeMap::new();
        let batch = std::mem::take(&mut self.batch);
        for record in &batch {
            let run = runs.entry(record.partition).or_insert((record.offset, record.offset, Vec::new()));
            run.1 = run.1.max(record.offset);
            run.2.push(record.record.timestamp_us);
            if let Some(consumed) = self.consumed.get_mut(&record.partition) {
                *consumed = (*consumed).max(record.offset + 1);
            }
        }
        for (partition, (first, last, created_us)) in runs {
            out.account(Accounting::Processed { partition, first, last, created_us });
        }
        if self.config.deliver {
            out.delivered = batch;
        }
        self.processed += done;
        out.note(TraceKind::Processed, [done, 0, 0]);
        self.batch_id += 1;
        self.state = ConsumerState::Fetching;
        if self.config.auto_commit_interval_us.is_none() {
            self.commit(out);
        }
        self.take_deferred_assignment(out);
        if std::mem::take(&mut self.rejoin_after_batch) {
            self.rejoin(out);
        }
        self.pump(out);
    }
}
