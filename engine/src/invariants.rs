//! The cluster's invariants, checked after every event in debug and test builds. They are
//! the rules a Kafka committer would state about any correct execution: a replica's high
//! watermark never passes its log end, at most one broker leads a partition in an epoch, the
//! group never commits past what was committed to the log, each partition has at most one
//! owner per group generation, and the fate ledger adds up.

use crate::simulation::Simulation;

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
        let fates = self.fates.counts();
        let settled = fates.in_flight + fates.acked + fates.failed + fates.unconfirmed + fates.aborted;
        if settled != fates.created || fates.acked_lost > fates.acked {
            return Err(format!("fate ledger does not add up: {fates:?}"));
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
}
