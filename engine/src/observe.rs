//! What an operator would see: consumer lag per partition (in records and in time), the
//! metrics samples behind the dashboards, and a run's headline summary. All of it is read
//! from the simulation's state; none of it changes what happens next.

use crate::kafka::consumer::{Consumer, IsolationLevel};
use crate::metrics::Sample;
use crate::sim::trace::hash_hex;
use crate::sim::TraceKind;
use crate::simulation::{Event, Simulation, CONTROLLER};
use crate::view::Summary;

impl Simulation {
    pub(crate) fn sample(&mut self) {
        let lags = self.lags();
        let (produced, processed) = (self.producer.sent(), self.consumed());
        let states = self.controller.partitions();
        let ages: Vec<u64> = (0..self.scenario.topic.partitions).map(|p| self.lag_age_us(p)).collect();
        let group = self.controller.group();
        let topic = crate::arch::reader::TopicAccess { brokers: &self.brokers, controller: &self.controller };
        let architectures = self.architectures.as_mut().map(|a| a.sample(&topic, self.now.as_us())).unwrap_or_default();
        let sample = Sample {
            lags: &lags,
            lag_ages_us: &ages,
            produced,
            processed,
            produce_errors: self.producer.errors(),
            isr_min: states.iter().map(|s| s.isr.len()).min().unwrap_or(0),
            under_replicated: states.iter().filter(|s| s.isr.len() < s.replicas.len()).count() as u32,
            offline: states.iter().filter(|s| s.leader.is_none()).count() as u32,
            rebalances: group.rebalances(),
            rebalancing: group.state() != crate::kafka::group::GroupState::Stable,
            rebalancing_us: group.rebalancing_us(self.now),
            stream: self.job.as_ref().map(|job| job.sample(self.now.as_us())),
            workload: self.analytics.as_ref().map(|a| a.sample(self.now)).unwrap_or_default(),
            architectures,
        };
        self.metrics.sample(self.now, &sample);
        self.trace.record(self.now, TraceKind::Sample, CONTROLLER, [lags.iter().sum(), produced, processed]);
        self.queue.push(self.now + self.sample_interval, Event::Sample);
    }

    /// How long the oldest unconsumed record of `partition` has waited: now minus the
    /// CreateTime of the record at the committed offset (0 when the group is caught up).
    fn lag_age_us(&self, partition: u32) -> u64 {
        let committed = self.controller.committed()[partition as usize];
        let Some(replica) = self.leader_replica(partition) else { return 0 };
        if committed >= replica.high_watermark() {
            return 0;
        }
        replica.log.entry(committed.max(replica.log.log_start_offset())).map_or(0, |e| self.now.as_us().saturating_sub(e.record.timestamp_us))
    }

    /// The leader's replica of each partition, if it has a leader.
    pub(crate) fn leader_replica(&self, partition: u32) -> Option<&crate::kafka::replication::Replica> {
        let leader = self.controller.partitions()[partition as usize].leader?;
        self.brokers[leader as usize].replica(partition)
    }

    /// Per partition: high watermark minus the group's committed offset, as
    /// `kafka-consumer-groups.sh` reports it (its "log end offset" is the HW). An offline
    /// partition reports the lag against the best HW any replica knows. A read_committed
    /// group's lag counts to the last stable offset instead, as its consumers' records-lag
    /// metric does: what is readable, not what is written.
    pub(crate) fn lags(&self) -> Vec<u64> {
        (0..self.scenario.topic.partitions).map(|p| self.lag(p)).collect()
    }

    /// The lag of one partition, as `lags` explains.
    pub(crate) fn lag(&self, partition: u32) -> u64 {
        let read_committed = self.scenario.consumer.isolation_level == IsolationLevel::ReadCommitted;
        let end = match self.leader_replica(partition) {
            Some(replica) if read_committed => replica.last_stable_offset(),
            Some(replica) => replica.high_watermark(),
            None => self.brokers.iter().filter_map(|b| b.replica(partition)).map(|r| r.high_watermark()).max().unwrap_or(0),
        };
        end.saturating_sub(self.controller.committed()[partition as usize])
    }

    /// Records processed by all consumers, duplicates included.
    pub fn consumed(&self) -> u64 {
        self.consumers.iter().map(Consumer::processed).sum()
    }

    pub fn summary(&self) -> Summary {
        let fates = self.fates.counts();
        Summary {
            scenario: self.scenario.name.clone(),
            seed: self.seed.to_string(),
            simulated_us: self.now.as_us(),
            events: self.events,
            produced: self.producer.sent(),
            acked: fates.acked,
            failed: fates.failed,
            acked_lost: fates.acked_lost,
            consumed: self.consumed(),
            duplicates: fates.duplicates_processed,
            lag_records: self.lags().iter().sum(),
            trace_hash: hash_hex(self.trace.hash()),
            stream: self.job.as_ref().map(|job| {
                let sink = job.sink().counts();
                crate::view::StreamSummary {
                    results: sink.visible,
                    duplicates: sink.duplicates,
                    aborted: sink.aborted,
                    late_dropped: job.late_dropped(),
                    checkpoints: job.coordinator().completed,
                    restarts: job.restarts,
                }
            }),
            workload: self.analytics.as_ref().map(|a| a.view(self.now)),
            architectures: self.architectures.as_ref().map(|a| a.view(&self.topic_access(), self.now.as_us())),
        }
    }
}
