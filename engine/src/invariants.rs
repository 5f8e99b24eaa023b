//! The cluster's invariants, checked after every event in debug and test builds. They are
//! the rules a Kafka committer would state about any correct execution: a replica's high
//! watermark never passes its log end, at most one broker leads a partition in an epoch, the
//! group never commits past what was committed to the log, each partition has at most one
//! owner per group generation, and the fate ledger adds up.

use crate::kafka::protocol::Acks;
use crate::simulation::Simulation;
use std::collections::BTreeMap;

/// What the progress checks remember from one event to the next.
#[derive(Clone, Default)]
pub struct Progress {
    /// Per partition: (leader epoch, leader's LEO, leader's HW) at the last check.
    leaders: BTreeMap<u32, (u32, u64, u64)>,
    /// Per (broker, partition): the replica's log start offset at the last check.
    log_starts: BTreeMap<(u16, u32), u64>,
    /// The most brokers that have been down at once, and whether the network was ever cut:
    /// the conditions under which acks=all promises to lose nothing.
    pub brokers_down_max: usize,
    pub network_partitioned: bool,
    /// The stream job's attempt and its keyed tasks' watermarks at the last check.
    job_watermarks: ((u32, u32), Vec<i64>),
}

impl Simulation {
    /// Checks every invariant; the error names the first one broken and where.
    pub fn check_invariants(&self) -> Result<(), String> {
        for broker in self.brokers() {
            for replica in broker.replicas() {
                let (hw, leo) = (replica.high_watermark(), replica.log.log_end_offset());
                if hw > leo {
                    return Err(format!("broker-{} partition {}: HW {hw} > LEO {leo}", broker.id(), replica.partition));
                }
                let lso = replica.last_stable_offset();
                if lso > hw {
                    return Err(format!("broker-{} partition {}: LSO {lso} > HW {hw}", broker.id(), replica.partition));
                }
            }
        }
        for state in self.controller().partitions() {
            let p = state.partition;
            let leaders = self.brokers().iter().filter(|b| b.is_up()).filter(|b| b.replica(p).is_some_and(|r| r.is_leader() && r.leader_epoch() == state.leader_epoch)).count();
            if leaders > 1 {
                return Err(format!("partition {p}: {leaders} brokers lead epoch {}", state.leader_epoch));
            }
            if let Some(leader) = state.leader {
                if !state.isr.contains(&leader) {
                    return Err(format!("partition {p}: leader broker-{leader} is not in its ISR {:?}", state.isr));
                }
            }
        }
        self.check_ownership()?;
        self.check_job()?;
        if let Some(architectures) = self.architectures() {
            architectures.check()?;
        }
        let fates = self.fates.counts();
        let settled = fates.in_flight + fates.acked + fates.failed + fates.unconfirmed + fates.aborted;
        if settled != fates.created || fates.acked_lost > fates.acked {
            return Err(format!("fate ledger does not add up: {fates:?}"));
        }
        Ok(())
    }

    /// Exactly-once means it: no result is ever visible twice, whatever failed.
    fn check_job(&self) -> Result<(), String> {
        let Some(job) = self.job() else { return Ok(()) };
        let sink = job.sink().counts();
        let exactly_once = self.scenario.stream.as_ref().is_some_and(|s| s.delivery == crate::scenario::stream::Delivery::ExactlyOnce);
        // A producer without idempotence may write a record twice when it retries; an
        // operator whose results carry the record's id (a fraud alert, a join pair) then
        // rightly shows one result per copy. A window's panes never do: they stay strict.
        let stream = self.scenario.stream.as_ref();
        let ids_from_records = stream.is_some_and(|s| !matches!(s.operator, crate::scenario::stream::OperatorSpec::Window { .. }));
        let input_repeated = ids_from_records && self.fates.counts().duplicates_written > 0;
        if exactly_once && sink.duplicates > 0 && !input_repeated {
            return Err(format!("exactly-once job made {} duplicate results visible", sink.duplicates));
        }
        if sink.visible + sink.aborted + sink.pending != sink.written {
            return Err(format!("sink ledger does not add up: {sink:?}"));
        }
        Ok(())
    }

    /// Within one generation, no two live members own the same partition.
    fn check_ownership(&self) -> Result<(), String> {
        let mut owners: std::collections::BTreeMap<(i32, u32), usize> = std::collections::BTreeMap::new();
        let live = self.consumers.iter().enumerate().filter(|(_, c)| c.state() != crate::kafka::consumer::ConsumerState::Crashed);
        for (i, consumer) in live {
            for &p in consumer.assigned() {
                if let Some(other) = owners.insert((consumer.generation(), p), i) {
                    return Err(format!("partition {p} owned by consumer-{other} and consumer-{i} in generation {}", consumer.generation()));
                }
            }
        }
        Ok(())
    }

    /// Offsets only grow: within a leader epoch the leader's log end and high watermark never
    /// move back, and no replica's log start does. And Kafka's durability promise: with
    /// acks=all, RF ≥ 3, min.insync.replicas = 2, clean elections, no network partition and at
    /// most one broker down at a time, no acknowledged record is ever lost.
    pub(crate) fn check_progress(&mut self) -> Result<(), String> {
        for state in self.controller.partitions() {
            let p = state.partition;
            // Only once the elected broker acts as leader of that epoch.
            let acting = self.leader_replica(p).filter(|r| r.is_leader() && r.leader_epoch() == state.leader_epoch);
            let Some(replica) = acting else { continue };
            let now = (state.leader_epoch, replica.log.log_end_offset(), replica.high_watermark());
            if let Some(&(epoch, leo, hw)) = self.progress.leaders.get(&p) {
                if epoch == now.0 && (now.1 < leo || now.2 < hw) {
                    return Err(format!("partition {p}: the leader's LEO/HW went back from {leo}/{hw} to {}/{} in epoch {epoch}", now.1, now.2));
                }
            }
            self.progress.leaders.insert(p, now);
        }
        for broker in &self.brokers {
            for replica in broker.replicas() {
                let key = (broker.id(), replica.partition);
                let start = replica.log.log_start_offset();
                if self.progress.log_starts.insert(key, start).is_some_and(|before| start < before) {
                    return Err(format!("broker-{} partition {}: the log start offset went back", key.0, key.1));
                }
            }
        }
        if let Some(job) = &self.job {
            let now: Vec<i64> = job.tasks().iter().map(|t| t.watermark_us).collect();
            let (attempt, before) = &self.progress.job_watermarks;
            // A restore may rewind watermarks to the checkpoint's; between restores, never.
            let run = (job.attempt(), job.restarts);
            if *attempt == run && before.iter().zip(&now).any(|(b, n)| n < b) {
                return Err(format!("a keyed task's watermark went back within run {run:?}: {before:?} -> {now:?}"));
            }
            self.progress.job_watermarks = (run, now);
        }
        let (topic, cluster) = (&self.scenario.topic, &self.scenario.cluster);
        let promised = self.scenario.producer.acks == Acks::All
            && topic.replication_factor >= 3
            && topic.min_insync_replicas == 2
            && !cluster.unclean_leader_election_enable
            && !self.progress.network_partitioned
            && self.progress.brokers_down_max <= 1;
        let lost = self.fates.counts().acked_lost;
        if promised && lost > 0 {
            return Err(format!("{lost} acknowledged records lost under acks=all, RF 3, min ISR 2, one broker down"));
        }
        Ok(())
    }
}
