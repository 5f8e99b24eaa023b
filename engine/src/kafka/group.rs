//! The group coordinator (Kafka's classic rebalance protocol). Consumers of one group join;
//! the coordinator waits until every known member has (re)joined, bumps the generation, and
//! names a leader, which runs the assignor on the members' subscriptions and hands the
//! result back in SyncGroup. Heartbeats keep members alive and tell them when to rejoin. The
//! group's committed offsets live here too, and only members of the current generation may
//! commit: that is what makes a zombie consumer's late commit harmless.

use super::protocol::{GroupError, JoinResult, JoinedMember, Msg, Outbox, Timer};
use crate::sim::{Duration, NodeId, SimTime, TraceKind};
use std::collections::BTreeMap;

/// Validated group settings; times in µs.
#[derive(Clone, Copy, Debug)]
pub struct GroupConfig {
    pub partitions: u32,
    /// The consumers' session.timeout.ms.
    pub session_timeout_us: u64,
    /// The consumers' max.poll.interval.ms: how long the join phase waits for members.
    pub rebalance_timeout_us: u64,
    /// The broker's group.initial.rebalance.delay.ms: a new group waits for more joiners.
    pub initial_rebalance_delay_us: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

#[derive(Clone)]
struct Member {
    node: NodeId,
    instance_id: Option<String>,
    owned: Vec<u32>,
    generation: i32,
    joined: bool,
    awaiting_sync: bool,
    assignment: Vec<u32>,
    last_heartbeat: SimTime,
}

#[derive(Clone)]
pub struct GroupCoordinator {
    config: GroupConfig,
    state: GroupState,
    generation: i32,
    leader: Option<String>,
    members: BTreeMap<String, Member>,
    member_seq: u64,
    round: u64,
    /// A new group waits group.initial.rebalance.delay.ms for more members before completing.
    awaiting_initial_delay: bool,
    committed: Vec<u64>,
    /// Whether the group ever committed each partition (Kafka answers -1 when not).
    has_committed: Vec<bool>,
    rebalances: u64,
    rebalance_started_at: Option<SimTime>,
    rebalancing_us: u64,
}

impl GroupCoordinator {
    pub fn new(config: GroupConfig) -> Self {
        GroupCoordinator {
            config,
            state: GroupState::Empty,
            generation: 0,
            leader: None,
            members: BTreeMap::new(),
            member_seq: 0,
            round: 0,
            awaiting_initial_delay: false,
            committed: vec![0; config.partitions as usize],
            has_committed: vec![false; config.partitions as usize],
            rebalances: 0,
            rebalance_started_at: None,
            rebalancing_us: 0,
        }
    }

    pub fn state(&self) -> GroupState {
        self.state
    }
    pub fn generation(&self) -> i32 {
        self.generation
    }
    /// The committed offset of each partition; 0 where the group never committed.
    pub fn committed(&self) -> &[u64] {
        &self.committed
    }
    pub fn rebalances(&self) -> u64 {
        self.rebalances
    }
    /// Total time spent rebalancing, including a rebalance in progress at `now`.
    pub fn rebalancing_us(&self, now: SimTime) -> u64 {
        self.rebalancing_us + self.rebalance_started_at.map_or(0, |t| now.since(t).as_us())
    }
    /// Which member node holds each partition now, per the last completed assignment.
    pub fn owners(&self) -> Vec<Option<NodeId>> {
        let mut owners = vec![None; self.config.partitions as usize];
        for member in self.members.values() {
            for &p in &member.assignment {
                owners[p as usize] = Some(member.node);
            }
        }
        owners
    }

    pub fn start(&mut self, out: &mut Outbox) {
        out.set_timer(Duration::from_us((self.config.session_timeout_us / 4).max(1)), Timer::MemberSessionCheck);
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, now: SimTime, out: &mut Outbox) {
        match msg {
            Msg::JoinGroup { member_id, instance_id, owned, generation } => self.on_join(from, member_id, instance_id, owned, generation, now, out),
            Msg::SyncGroup { member_id, generation, assignments } => self.on_sync(&member_id, generation, assignments, now, out),
            Msg::Heartbeat { member_id, generation } => {
                let error = self.check_member(&member_id, generation).err().or_else(|| {
                    (self.state == GroupState::PreparingRebalance).then_some(GroupError::RebalanceInProgress)
                });
                if let Some(member) = self.members.get_mut(&member_id) {
                    member.last_heartbeat = now;
                }
                out.send(from, Msg::HeartbeatResponse { error });
            }
            Msg::LeaveGroup { member_id } => {
                if self.members.remove(&member_id).is_some() {
                    out.note(TraceKind::MemberLeft, [self.generation as u64, 0, 0]);
                    self.prepare_rebalance(now, None, out);
                }
            }
            Msg::OffsetCommit { member_id, generation, offsets } => {
                // Kafka accepts commits from the current generation, even while the group
                // prepares a rebalance (eager members commit as they revoke), but not from
                // a zombie of an older generation.
                // A standalone consumer (no group membership, as a Flink source committing
                // its checkpointed offsets) commits with generation -1 to a group with no members.
                let standalone = generation < 0 && member_id.is_empty() && self.members.is_empty();
                if standalone || (self.check_member(&member_id, generation).is_ok() && self.state != GroupState::CompletingRebalance) {
                    for (p, offset) in offsets {
                        self.committed[p as usize] = offset;
                        self.has_committed[p as usize] = true;
                    }
                    out.note(TraceKind::Commit, [self.generation as u64, self.committed.iter().sum(), 0]);
                } else {
                    out.note(TraceKind::CommitRejected, [generation as u64, self.generation as u64, 0]);
                }
            }
            Msg::OffsetFetch { partitions } => {
                let offsets = partitions.iter().map(|&p| (p, self.has_committed[p as usize].then_some(self.committed[p as usize]))).collect();
                out.send(from, Msg::OffsetFetchResponse { offsets });
            }
            other => unreachable!("the group coordinator is never sent {}", other.name()),
        }
    }

    fn check_member(&self, member_id: &str, generation: i32) -> Result<(), GroupError> {
        match self.members.get(member_id) {
            None => Err(GroupError::UnknownMemberId),
            Some(_) if generation != self.generation => Err(GroupError::IllegalGeneration),
            Some(_) => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_join(&mut self, from: NodeId, member_id: Option<String>, instance_id: Option<String>, owned: Vec<u32>, generation: i32, now: SimTime, out: &mut Outbox) {
        // A static member (group.instance.id) keeps its member id across restarts.
        let known_static = instance_id.as_ref().and_then(|i| self.members.iter().find(|(_, m)| m.instance_id.as_ref() == Some(i)).map(|(id, _)| id.clone()));
        if let (Some(id), GroupState::Stable) = (&known_static, self.state) {
            // Kafka's static membership: a returning static member gets its old assignment
            // back without a rebalance.
            let member = self.members.get_mut(id).expect("found above");
            member.node = from;
            member.last_heartbeat = now;
            let result = JoinResult { generation: self.generation, member_id: id.clone(), leader: self.leader.clone().unwrap_or_default(), members: Vec::new() };
            out.send(from, Msg::JoinGroupResponse { result: Ok(result) });
            return;
        }
        let member_id = known_static.or(member_id.filter(|id| self.members.contains_key(id))).unwrap_or_else(|| {
            self.member_seq += 1;
            format!("{from}-{}", self.member_seq)
        });
        let member = self.members.entry(member_id.clone()).or_insert_with(|| Member {
            node: from,
            instance_id: instance_id.clone(),
            owned: Vec::new(),
            generation: -1,
            joined: false,
            awaiting_sync: false,
            assignment: Vec::new(),
            last_heartbeat: now,
        });
        member.node = from;
        member.owned = owned;
        member.generation = generation;
        member.joined = true;
        member.last_heartbeat = now;
        match self.state {
            GroupState::Empty => {
                self.begin_rebalance(now, out);
                self.awaiting_initial_delay = true;
                out.set_timer(Duration::from_us(self.config.initial_rebalance_delay_us), Timer::JoinDeadline { round: self.round });
            }
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(now, Some(&member_id), out),
            GroupState::PreparingRebalance => self.maybe_complete_join(out),
        }
    }

    fn begin_rebalance(&mut self, now: SimTime, out: &mut Outbox) {
        self.state = GroupState::PreparingRebalance;
        self.round += 1;
        self.rebalances += 1;
        self.rebalance_started_at.get_or_insert(now);
        out.note(TraceKind::RebalanceStarted, [self.round, self.members.len() as u64, 0]);
    }

    /// Starts a rebalance: every member must rejoin (heartbeats tell them) before the
    /// deadline; `joined` is the member whose JoinGroup triggered it, if any.
    fn prepare_rebalance(&mut self, now: SimTime, joined: Option<&str>, out: &mut Outbox) {
        if self.members.is_empty() {
            self.finish_rebalance(now);
            self.state = GroupState::Empty;
            return;
        }
        if self.state == GroupState::PreparingRebalance {
            return self.maybe_complete_join(out);
        }
        for (id, member) in &mut self.members {
            member.joined = joined == Some(id.as_str());
            member.awaiting_sync = false;
        }
        self.begin_rebalance(now, out);
        out.set_timer(Duration::from_us(self.config.rebalance_timeout_us), Timer::JoinDeadline { round: self.round });
        self.maybe_complete_join(out);
    }

    fn maybe_complete_join(&mut self, out: &mut Outbox) {
        if !self.awaiting_initial_delay && self.members.values().all(|m| m.joined) {
            self.complete_join(out);
        }
    }

    /// Ends the join phase: members that did not rejoin are dropped, the generation moves on,
    /// and every member learns it (the leader also learns everyone's subscription).
    fn complete_join(&mut self, out: &mut Outbox) {
        self.awaiting_initial_delay = false;
        self.members.retain(|_, m| m.joined);
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            return;
        }
        self.generation += 1;
        self.state = GroupState::CompletingRebalance;
        let leader = match &self.leader {
            Some(current) if self.members.contains_key(current) => current.clone(),
            _ => self.members.keys().next().expect("not empty").clone(),
        };
        self.leader = Some(leader.clone());
        let joined: Vec<JoinedMember> = self
            .members
            .iter()
            .map(|(id, m)| JoinedMember { member_id: id.clone(), instance_id: m.instance_id.clone(), owned: m.owned.clone(), generation: m.generation })
            .collect();
        for (id, member) in &mut self.members {
            member.joined = false;
            let members = if *id == leader { joined.clone() } else { Vec::new() };
            let result = JoinResult { generation: self.generation, member_id: id.clone(), leader: leader.clone(), members };
            out.send(member.node, Msg::JoinGroupResponse { result: Ok(result) });
        }
        out.note(TraceKind::GroupGeneration, [self.generation as u64, self.members.len() as u64, 0]);
    }

    fn on_sync(&mut self, member_id: &str, generation: i32, assignments: Vec<(String, Vec<u32>)>, now: SimTime, out: &mut Outbox) {
        let Some(member) = self.members.get(member_id) else {
            return;
        };
        let node = member.node;
        if let Err(error) = self.check_member(member_id, generation) {
            out.send(node, Msg::SyncGroupResponse { generation, result: Err(error) });
            return;
        }
        match self.state {
            GroupState::Stable => {
                let assignment = self.members[member_id].assignment.clone();
                out.send(node, Msg::SyncGroupResponse { generation, result: Ok(assignment) });
            }
            GroupState::CompletingRebalance => {
                self.members.get_mut(member_id).expect("checked").awaiting_sync = true;
                if self.leader.as_deref() == Some(member_id) {
                    for member in self.members.values_mut() {
                        member.assignment.clear();
                    }
                    for (id, partitions) in assignments {
                        if let Some(member) = self.members.get_mut(&id) {
                            member.assignment = partitions;
                        }
                    }
                    self.state = GroupState::Stable;
                    self.finish_rebalance(now);
                }
                if self.state == GroupState::Stable {
                    for member in self.members.values_mut().filter(|m| m.awaiting_sync) {
                        member.awaiting_sync = false;
                        out.send(member.node, Msg::SyncGroupResponse { generation, result: Ok(member.assignment.clone()) });
                    }
                }
            }
            GroupState::PreparingRebalance | GroupState::Empty => {
                out.send(node, Msg::SyncGroupResponse { generation, result: Err(GroupError::RebalanceInProgress) });
            }
        }
    }

    fn finish_rebalance(&mut self, now: SimTime) {
        if let Some(started) = self.rebalance_started_at.take() {
            self.rebalancing_us += now.since(started).as_us();
        }
    }

    pub fn on_timer(&mut self, timer: Timer, now: SimTime, out: &mut Outbox) {
        match timer {
            Timer::JoinDeadline { round } if round == self.round && self.state == GroupState::PreparingRebalance => self.complete_join(out),
            Timer::JoinDeadline { .. } => {}
            Timer::MemberSessionCheck => {
                let session = self.config.session_timeout_us;
                let expired: Vec<String> = self.members.iter().filter(|(_, m)| now.since(m.last_heartbeat).as_us() > session).map(|(id, _)| id.clone()).collect();
                for id in &expired {
                    self.members.remove(id);
                    out.note(TraceKind::MemberLeft, [self.generation as u64, 1, 0]);
                }
                if !expired.is_empty() {
                    self.prepare_rebalance(now, None, out);
                }
                out.set_timer(Duration::from_us((session / 4).max(1)), Timer::MemberSessionCheck);
            }
            other => unreachable!("the group coordinator never sets {other:?}"),
        }
    }
}
