//! The controller: the one node that decides who leads each partition (KRaft's active
//! controller). Brokers heartbeat to it; a broker silent for `broker.session.timeout.ms` is
//! fenced, removed from every ISR, and each partition it led gets a new leader from the ISR,
//! with a bumped leader epoch. With no live ISR member the partition goes offline, unless
//! `unclean.leader.election.enable` lets an out-of-sync replica lead (and lose data).
//!
//! Simplifications: the controller quorum itself never fails, and it also hosts the consumer
//! group's coordinator and committed offsets, and the transaction coordinator (in Kafka,
//! brokers do, in the `__consumer_offsets` and `__transaction_state` topics).

use super::group::{GroupConfig, GroupCoordinator};
use super::protocol::{Accounting, Msg, Outbox, PartitionState, Timer};
use super::transactions::TransactionCoordinator;
use crate::sim::{Duration, NodeId, SimTime, TraceKind};

#[derive(Clone, Copy, Debug)]
pub struct ControllerConfig {
    pub brokers: u16,
    pub partitions: u32,
    pub replication_factor: u16,
    /// KRaft's broker.session.timeout.ms, in µs.
    pub broker_session_timeout_us: u64,
    /// How often the controller looks for silent brokers, in µs.
    pub session_check_interval_us: u64,
    pub unclean_leader_election: bool,
}

#[derive(Clone)]
struct Liveness {
    last_heartbeat: SimTime,
    fenced: bool,
    /// Heartbeats in a row that reported older metadata than the controller published.
    behind: u8,
}

#[derive(Clone)]
pub struct Controller {
    config: ControllerConfig,
    brokers: Vec<Liveness>,
    partitions: Vec<PartitionState>,
    clients: Vec<NodeId>,
    group: GroupCoordinator,
    transactions: TransactionCoordinator,
}

/// Replica placement: partition p's replicas are brokers p, p+1, … (mod the broker count), so
/// leaders spread evenly. (Kafka also randomizes the start and shifts followers, and can
/// place replicas by rack; Dhara keeps the simple, deterministic round-robin.)
pub fn replicas_of(partition: u32, brokers: u16, replication_factor: u16) -> Vec<u16> {
    (0..replication_factor).map(|i| ((partition + u32::from(i)) % u32::from(brokers)) as u16).collect()
}

impl Controller {
    pub fn new(config: ControllerConfig, group: GroupConfig, clients: Vec<NodeId>) -> Self {
        assert!(config.replication_factor >= 1 && config.replication_factor <= config.brokers);
        let partitions = (0..config.partitions)
            .map(|partition| {
                let replicas = replicas_of(partition, config.brokers, config.replication_factor);
                PartitionState { partition, leader: Some(replicas[0]), leader_epoch: 0, isr: replicas.clone(), replicas }
            })
            .collect();
        let brokers = (0..config.brokers).map(|_| Liveness { last_heartbeat: SimTime::ZERO, fenced: false, behind: 0 }).collect();
        Controller { config, brokers, partitions, clients, group: GroupCoordinator::new(group), transactions: TransactionCoordinator::default() }
    }

    pub fn partitions(&self) -> &[PartitionState] {
        &self.partitions
    }
    pub fn committed(&self) -> &[u64] {
        self.group.committed()
    }
    pub fn group(&self) -> &GroupCoordinator {
        &self.group
    }
    pub fn transactions(&self) -> &TransactionCoordinator {
        &self.transactions
    }
    /// A client that starts later (a consumer added by a command) needs the metadata too.
    pub fn add_client(&mut self, client: NodeId, out: &mut Outbox) {
        if !self.clients.contains(&client) {
            self.clients.push(client);
        }
        for state in &self.partitions {
            out.send(client, Msg::PartitionChange { state: state.clone() });
        }
    }
    pub fn is_fenced(&self, broker: u16) -> bool {
        self.brokers[broker as usize].fenced
    }

    /// Publishes the initial metadata and starts watching heartbeats.
    pub fn start(&mut self, out: &mut Outbox) {
        for p in 0..self.partitions.len() {
            self.publish(p, out);
        }
        out.set_timer(Duration::from_us(self.config.session_check_interval_us), Timer::SessionCheck);
        self.group.start(out);
        self.transactions.start(out);
    }

    pub fn on_message(&mut self, from: NodeId, msg: Msg, now: SimTime, out: &mut Outbox) {
        match msg {
            Msg::BrokerHeartbeat { wants_metadata, leader_epochs } => {
                let missed = self.missed_metadata(from.index, leader_epochs);
                self.on_heartbeat(from.index, wants_metadata || missed, now, out)
            }
            Msg::AlterPartition { partition, leader_epoch, isr } => {
                let p = partition as usize;
                let state = &mut self.partitions[p];
                let valid = state.leader == Some(from.index) && state.leader_epoch == leader_epoch;
                // A fenced broker cannot join the ISR (KRaft rejects it too).
                if valid && isr.iter().all(|&b| !self.brokers[b as usize].fenced) {
                    state.isr = isr;
                    out.note(TraceKind::IsrChange, [partition.into(), isr_code(&state.isr), 0]);
                    self.publish(p, out);
                } else {
                    // Rejected: tell the leader the current state so it stops waiting.
                    out.send(from, Msg::PartitionChange { state: state.clone() });
                }
            }
            group @ (Msg::JoinGroup { .. }
            | Msg::SyncGroup { .. }
            | Msg::Heartbeat { .. }
            | Msg::LeaveGroup { .. }
            | Msg::OffsetCommit { .. }
            | Msg::OffsetFetch { .. }) => self.group.on_message(from, group, now, out),
            txn @ (Msg::InitProducerId { .. } | Msg::AddPartitionsToTxn { .. } | Msg::EndTxn { .. } | Msg::WriteTxnMarkersResponse { .. }) => {
                self.transactions.on_message(from, txn, now, &self.partitions, out);
            }
            other => unreachable!("the controller is never sent {}", other.name()),
        }
    }

    /// Whether `broker` missed a partition change: a KRaft broker fetches the metadata log
    /// from where it is and so never misses one; here changes are pushed, and one pushed while
    /// the broker was cut off is lost. A broker that reports older leader epochs than the
    /// controller published, at two heartbeats in a row (one alone may just have crossed a
    /// change on the wire), gets its partitions' states again.
    fn missed_metadata(&mut self, broker: u16, leader_epochs: u64) -> bool {
        let published: u64 = self.partitions.iter().filter(|s| s.replicas.contains(&broker)).map(|s| u64::from(s.leader_epoch)).sum();
        let behind = &mut self.brokers[broker as usize].behind;
        *behind = if leader_epochs < published { *behind + 1 } else { 0 };
        if *behind < 2 {
            return false;
        }
        *behind = 0;
        true
    }

    fn on_heartbeat(&mut self, broker: u16, wants_metadata: bool, now: SimTime, out: &mut Outbox) {
        let liveness = &mut self.brokers[broker as usize];
        liveness.last_heartbeat = now;
        let was_fenced = std::mem::replace(&mut liveness.fenced, false);
        if wants_metadata || was_fenced {
            for state in self.partitions.iter().filter(|s| s.replicas.contains(&broker)) {
                out.send(NodeId::broker(broker), Msg::PartitionChange { state: state.clone() });
            }
        }
        if was_fenced {
            out.note(TraceKind::BrokerUnfenced, [broker.into(), 0, 0]);
            // Offline partitions this broker can lead come back.
            let offline: Vec<usize> = (0..self.partitions.len()).filter(|&p| self.partitions[p].leader.is_none()).collect();
            for p in offline {
                self.elect(p, out);
            }
        }
    }

    pub fn on_timer(&mut self, timer: Timer, now: SimTime, out: &mut Outbox) {
        if timer == Timer::TransactionCheck {
            return self.transactions.on_check(now, &self.partitions, out);
        }
        if timer != Timer::SessionCheck {
            return self.group.on_timer(timer, now, out);
        }
        for broker in 0..self.brokers.len() {
            let liveness = &self.brokers[broker];
            if !liveness.fenced && now.since(liveness.last_heartbeat).as_us() > self.config.broker_session_timeout_us {
                self.fence(broker as u16, out);
            }
        }
        out.set_timer(Duration::from_us(self.config.session_check_interval_us), Timer::SessionCheck);
    }

    fn fence(&mut self, broker: u16, out: &mut Outbox) {
        self.brokers[broker as usize].fenced = true;
        out.note(TraceKind::BrokerFenced, [broker.into(), 0, 0]);
        for p in 0..self.partitions.len() {
            let state = &mut self.partitions[p];
            if state.leader == Some(broker) {
                self.elect(p, out);
            } else if state.isr.contains(&broker) && state.isr.len() > 1 {
                state.isr.retain(|&b| b != broker);
                self.publish(p, out);
            }
        }
    }

    /// Picks a leader for partition `p`: the first replica, in preference order, that is in
    /// the ISR and not fenced; failing that, if unclean election is allowed, any live replica.
    fn elect(&mut self, p: usize, out: &mut Outbox) {
        let brokers = &self.brokers;
        let state = &mut self.partitions[p];
        let live = |b: &&u16| !brokers[**b as usize].fenced;
        let clean = state.replicas.iter().filter(|b| state.isr.contains(b)).find(live).copied();
        let unclean = if self.config.unclean_leader_election { state.replicas.iter().find(live).copied() } else { None };
        let previous = state.leader;
        match (clean, unclean) {
            (Some(leader), _) => {
                state.leader = Some(leader);
                state.isr.retain(|b| !brokers[*b as usize].fenced);
            }
            (None, Some(leader)) => {
                state.leader = Some(leader);
                state.isr = vec![leader];
                out.note(TraceKind::UncleanElection, [p as u64, leader.into(), 0]);
            }
            // No one may lead: offline. The ISR keeps its last member, who may come back.
            (None, None) => state.leader = None,
        }
        if state.leader == previous && previous.is_none() {
            return;
        }
        state.leader_epoch += 1;
        let leader = state.leader.map_or(u64::MAX, u64::from);
        out.note(TraceKind::LeaderElected, [p as u64, leader, state.leader_epoch.into()]);
        out.account(Accounting::LeaderChanged { partition: p as u32 });
        self.publish(p, out);
    }

    /// Sends partition `p`'s state to every broker and client (the metadata log, simplified).
    fn publish(&self, p: usize, out: &mut Outbox) {
        let state = &self.partitions[p];
        for broker in 0..self.config.brokers {
            out.send(NodeId::broker(broker), Msg::PartitionChange { state: state.clone() });
        }
        for client in &self.clients {
            out.send(*client, Msg::PartitionChange { state: state.clone() });
        }
    }
}

/// The ISR as a bit set, for the trace.
fn isr_code(isr: &[u16]) -> u64 {
    isr.iter().fold(0, |bits, &b| bits | (1 << b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn controller(unclean: bool) -> Controller {
        let config = ControllerConfig {
            brokers: 3,
            partitions: 3,
            replication_factor: 3,
            broker_session_timeout_us: 9_000_000,
            session_check_interval_us: 1_000_000,
            unclean_leader_election: unclean,
        };
        let group = GroupConfig { partitions: 3, session_timeout_us: 45_000_000, rebalance_timeout_us: 300_000_000, initial_rebalance_delay_us: 3_000_000 };
        Controller::new(config, group, vec![NodeId::producer(0)])
    }

    fn heartbeat_all_but(c: &mut Controller, silent: &[u16], at_secs: u64) {
        for b in (0..3).filter(|b| !silent.contains(b)) {
            c.on_message(NodeId::broker(b), Msg::BrokerHeartbeat { wants_metadata: false, leader_epochs: u64::MAX }, SimTime::from_us(at_secs * 1_000_000), &mut Outbox::default());
        }
    }

    fn check(c: &mut Controller, at_secs: u64) -> Outbox {
        let mut out = Outbox::default();
        c.on_timer(Timer::SessionCheck, SimTime::from_us(at_secs * 1_000_000), &mut out);
        out
    }

    #[test]
    fn replicas_spread_leaders_round_robin() {
        assert_eq!(replicas_of(0, 3, 3), [0, 1, 2]);
        assert_eq!(replicas_of(4, 3, 2), [1, 2]);
        let c = controller(false);
        let leaders: Vec<_> = c.partitions().iter().map(|s| s.leader).collect();
        assert_eq!(leaders, [Some(0), Some(1), Some(2)]);
    }

    #[test]
    fn a_silent_broker_is_fenced_and_its_partitions_get_new_leaders_from_the_isr() {
        let mut c = controller(false);
        heartbeat_all_but(&mut c, &[], 1);
        heartbeat_all_but(&mut c, &[1], 8);
        assert!(check(&mut c, 9).notes.is_empty(), "not silent for 9 s yet");
        let out = check(&mut c, 11);
        assert!(c.is_fenced(1));
        let p1 = &c.partitions()[1];
        assert_eq!((p1.leader, p1.leader_epoch, p1.isr.clone()), (Some(2), 1, vec![2, 0]));
        assert!(!c.partitions()[0].isr.contains(&1), "fenced brokers leave every ISR");
        assert!(out.notes.iter().any(|(k, _)| *k == TraceKind::LeaderElected));
    }

    #[test]
    fn a_broker_that_missed_a_partition_change_gets_it_again_at_its_second_behind_heartbeat() {
        let mut c = controller(false);
        heartbeat_all_but(&mut c, &[], 1);
        heartbeat_all_but(&mut c, &[1], 8);
        check(&mut c, 11);
        assert_eq!(c.partitions()[1].leader, Some(2), "broker 2 was elected for partition 1");
        // Broker 2 hosts all three partitions; it knows epoch 0 everywhere, the controller
        // published epoch 1 for partition 1 (and 0 for the others).
        let heartbeat = |c: &mut Controller, leader_epochs: u64, at_secs: u64| {
            let mut out = Outbox::default();
            c.on_message(NodeId::broker(2), Msg::BrokerHeartbeat { wants_metadata: false, leader_epochs }, SimTime::from_us(at_secs * 1_000_000), &mut out);
            out.sends.iter().filter(|(to, m)| *to == NodeId::broker(2) && matches!(m, Msg::PartitionChange { .. })).count()
        };
        assert_eq!(heartbeat(&mut c, 0, 12), 0, "one behind heartbeat may have crossed the change on the wire");
        assert_eq!(heartbeat(&mut c, 1, 13), 0, "up to date again: the count starts over");
        assert_eq!(heartbeat(&mut c, 0, 14), 0);
        assert_eq!(heartbeat(&mut c, 0, 15), 3, "behind twice in a row: its three partitions' states again");
        assert_eq!(heartbeat(&mut c, 0, 16), 0, "and the count starts over");
    }

    #[test]
    fn without_a_live_isr_member_a_partition_goes_offline_unless_unclean_is_allowed() {
        for unclean in [false, true] {
            let mut c = controller(unclean);
            // Broker 1 alone stays in partition 0's ISR (its followers were dropped), then dies.
            let alter = Msg::AlterPartition { partition: 0, leader_epoch: 0, isr: vec![0] };
            c.on_message(NodeId::broker(0), alter, SimTime::ZERO, &mut Outbox::default());
            heartbeat_all_but(&mut c, &[], 1);
            heartbeat_all_but(&mut c, &[0], 5);
            check(&mut c, 11);
            let p0 = &c.partitions()[0];
            if unclean {
                assert_eq!((p0.leader, p0.isr.clone()), (Some(1), vec![1]), "an out-of-sync replica leads");
            } else {
                assert_eq!(p0.leader, None, "offline");
                // The last ISR member returns: the partition comes back online under it.
                c.on_message(NodeId::broker(0), Msg::BrokerHeartbeat { wants_metadata: true, leader_epochs: 0 }, SimTime::from_us(12_000_000), &mut Outbox::default());
                assert_eq!(c.partitions()[0].leader, Some(0));
            }
        }
    }

    #[test]
    fn alter_partition_from_a_stale_leader_is_rejected() {
        let mut c = controller(false);
        let mut out = Outbox::default();
        c.on_message(NodeId::broker(1), Msg::AlterPartition { partition: 0, leader_epoch: 0, isr: vec![1] }, SimTime::ZERO, &mut out);
        assert_eq!(c.partitions()[0].isr, [0, 1, 2]);
        assert_eq!(out.sends.len(), 1, "the sender is told the current state");
    }
}
