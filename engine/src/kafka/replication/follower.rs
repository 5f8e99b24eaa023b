//! The follower's side of replication: fetch from the leader as a consumer would, append
//! what comes back at the leader's offsets, take the leader's high watermark, and truncate
//! when the leader says this replica's history diverged from its own.

use super::{Replica, Role};
use crate::kafka::txn_index::TxnIndex;
use crate::kafka::log::{Entry, Run};
use crate::kafka::protocol::{Msg, Outbox, ReplicaFetchResult, Timer};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};

impl Replica {
    pub(super) fn fetch_from(&mut self, leader: u16, now: SimTime, out: &mut Outbox) {
        let msg = Msg::ReplicaFetch {
            partition: self.partition,
            leader_epoch: self.epoch,
            fetch_offset: self.log.log_end_offset(),
            last_fetched_epoch: self.log.last_epoch(),
        };
        out.send(NodeId::broker(leader), msg);
        self.fetch_sent_at = Some(now);
        out.set_timer(Duration::from_us(self.config.replica_socket_timeout_us), Timer::ReplicaFetchRetry { partition: self.partition });
    }


    /// The leader's answer to our fetch, as a follower.
    pub fn on_replica_fetch_response(&mut self, leader_epoch: u32, result: ReplicaFetchResult, now: SimTime, out: &mut Outbox) -> Vec<Entry> {
        let Role::Follower { leader: Some(leader) } = self.role else { return Vec::new() };
        if leader_epoch != self.epoch {
            return Vec::new();
        }
        if let ReplicaFetchResult::Records { fetch_offset, .. } = result {
            if fetch_offset != self.log.log_end_offset() {
                return Vec::new(); // An answer to a fetch we already gave up on and re-sent.
            }
        }
        self.fetch_sent_at = None;
        let mut truncated = Vec::new();
        match result {
            ReplicaFetchResult::Records { entries, leader_hw, .. } => {
                for slot in entries.iter().flat_map(Run::slots) {
                    let (offset, entry) = (slot.offset(), slot.entry());
                    // A follower's log can fill before its leader's (the leader may have
                    // compacted more): what retention deletes here is expired too.
                    super::expire_evicted(self.log.append_slot(slot), out);
                    self.txns.appended(offset, &entry, self.hw);
                }
                self.txns.retain_from(self.log.log_start_offset());
                self.hw = self.hw.max(leader_hw.min(self.log.log_end_offset()));
            }
            ReplicaFetchResult::Diverging { truncate_to } => {
                truncated = self.log.truncate_to(truncate_to);
                self.txns = TxnIndex::rebuild(&self.log);
                self.hw = self.hw.min(self.log.log_end_offset());
                out.note(TraceKind::Truncate, [self.partition.into(), truncate_to, truncated.len() as u64]);
            }
            ReplicaFetchResult::NotLeader => {
                out.set_timer(Duration::from_ms(1_000), Timer::ReplicaFetchRetry { partition: self.partition });
                return truncated;
            }
        }
        self.fetch_from(leader, now, out);
        truncated
    }

    /// A follower's fetch timer: retry after "not leader", or when the fetch got no answer.
    pub fn on_fetch_retry(&mut self, now: SimTime, out: &mut Outbox) {
        let Role::Follower { leader: Some(leader) } = self.role else { return };
        let timed_out = self.fetch_sent_at.is_none_or(|sent| now.since(sent).as_us() >= self.config.replica_socket_timeout_us);
        if timed_out {
            self.fetch_from(leader, now, out);
        }
    }

}
