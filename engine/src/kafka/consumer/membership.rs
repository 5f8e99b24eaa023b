//! A consumer's life in its group: joining, the leader running the assignor, taking up an
//! assignment, and giving partitions up again, eagerly (everything, before rejoining) or
//! cooperatively (only what moves, and only between batches, as Kafka does inside poll()).

use super::{Consumer, ConsumerState};
use crate::kafka::assignor::{self, Strategy};
use crate::kafka::protocol::{JoinResult, JoinedMember, Msg, Outbox};
use crate::sim::TraceKind;
use crate::sim::sort::collect_set;
use std::collections::BTreeSet;

impl Consumer {
    pub(super) fn cooperative(&self) -> bool {
        self.config.strategy == Strategy::CooperativeSticky
    }

    pub(super) fn send_join(&mut self, out: &mut Outbox) {
        self.joining = true;
        let owned = if self.cooperative() { self.assigned.iter().copied().collect() } else { Vec::new() };
        let msg = Msg::JoinGroup { member_id: self.member_id.clone(), instance_id: self.config.instance_id.clone(), owned, generation: self.generation };
        out.send(self.coordinator, msg);
    }

    /// The coordinator wants a rebalance. Eager: finish the batch in hand, commit, give up
    /// everything, rejoin. Cooperative: rejoin at once, still owning (and consuming) all.
    pub(super) fn rejoin(&mut self, out: &mut Outbox) {
        if self.joining || self.state == ConsumerState::Crashed || self.config.manual_partitions.is_some() {
            return;
        }
        if self.cooperative() {
            return self.send_join(out);
        }
        if self.state == ConsumerState::Processing {
            self.rejoin_after_batch = true;
            return;
        }
        self.commit(out);
        self.revoke(&self.assigned.clone());
        self.send_join(out);
    }

    pub(super) fn revoke(&mut self, partitions: &BTreeSet<u32>) {
        for p in partitions {
            self.assigned.remove(p);
            self.positions.remove(p);
            self.consumed.remove(p);
            self.resetting.remove(p);
        }
        self.buffer.retain(|r| !partitions.contains(&r.partition));
    }

    pub(super) fn commit(&mut self, out: &mut Outbox) {
        let (Some(member_id), false) = (self.member_id.clone(), self.consumed.is_empty()) else { return };
        let offsets = self.consumed.iter().map(|(&p, &o)| (p, o)).collect();
        out.send(self.coordinator, Msg::OffsetCommit { member_id, generation: self.generation, offsets });
    }

    pub(super) fn start_at(&mut self, partition: u32, offset: u64) {
        self.positions.insert(partition, offset);
        self.consumed.insert(partition, offset);
    }

    pub(super) fn on_joined(&mut self, result: JoinResult, out: &mut Outbox) {
        self.member_id = Some(result.member_id.clone());
        self.generation = result.generation;
        let assignments = if result.leader == result.member_id && !result.members.is_empty() { self.assign(&result.members) } else { Vec::new() };
        let msg = Msg::SyncGroup { member_id: result.member_id, generation: result.generation, assignments };
        out.send(self.coordinator, msg);
    }

    /// The leader's job: run the assignor over every member's subscription.
    pub(super) fn assign(&self, members: &[JoinedMember]) -> Vec<(String, Vec<u32>)> {
        let topic = self.config.topic.clone();
        let group = assignor::Group {
            topics: [(topic.clone(), self.config.partitions)].into(),
            members: members
                .iter()
                .map(|m| assignor::Member {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.instance_id.clone(),
                    topics: vec![topic.clone()],
                    owned: (m.generation >= 0).then(|| [(topic.clone(), m.owned.clone())].into()),
                    generation: (m.generation >= 0).then_some(m.generation),
                })
                .collect(),
        };
        let assignment = assignor::assign(self.config.strategy, &group);
        members.iter().map(|m| (m.member_id.clone(), assignment.get(&m.member_id).and_then(|t| t.get(&topic)).cloned().unwrap_or_default())).collect()
    }

    pub(super) fn on_assignment(&mut self, partitions: Vec<u32>, out: &mut Outbox) {
        let takes_away = self.assigned.iter().any(|p| !partitions.contains(p));
        if takes_away && self.state == ConsumerState::Processing {
            // Kafka's consumer applies a SyncGroup result inside poll() (onJoinComplete), so
            // the application has finished the records the previous poll() handed it before
            // a partition is revoked and committed. Revoking now would drop the batch in
            // hand's offsets from the commit, and the next owner would process them again.
            self.deferred_assignment = Some(partitions);
            return;
        }
        self.take_assignment(partitions, out);
    }

    /// The batch in hand is done: the next poll() takes up an assignment that had to wait.
    pub(super) fn take_deferred_assignment(&mut self, out: &mut Outbox) {
        if let Some(partitions) = self.deferred_assignment.take() {
            self.take_assignment(partitions, out);
        }
    }

    fn take_assignment(&mut self, partitions: Vec<u32>, out: &mut Outbox) {
        self.joining = false;
        let new: BTreeSet<u32> = collect_set(partitions);
        let revoked: BTreeSet<u32> = collect_set(self.assigned.difference(&new).copied());
        let added: Vec<u32> = new.difference(&self.assigned).copied().collect();
        if !revoked.is_empty() {
            // What a well-behaved onPartitionsRevoked listener does (commitSync). Kafka's
            // classic consumer leaves this to the listener (with auto-commit alone, records
            // polled since the rebalance began would be read again); KIP-848's consumer
            // auto-commits before it revokes.
            self.commit(out);
            self.revoke(&revoked);
        }
        self.assigned.extend(added.iter().copied());
        out.note(TraceKind::Assigned, [self.generation as u64, self.assigned.len() as u64, revoked.len() as u64]);
        if !added.is_empty() {
            out.send(self.coordinator, Msg::OffsetFetch { partitions: added });
        }
        if self.cooperative() && !revoked.is_empty() {
            // Cooperative: what we gave up can now go to its new owner, in a second round.
            self.send_join(out);
        }
        self.pump(out);
    }
}
