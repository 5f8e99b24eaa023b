//! Building the view of one instant (`view::Snapshot`) from the simulation's state: the
//! cluster as a Kafka UI would show it (leaders, ISR, offsets, lag) plus the messages on the
//! wire, for drawing.

use crate::kafka::Msg;
use crate::sim::trace::hash_hex;
use crate::kafka::consumer::ConsumerState;
use crate::sim::NodeId;
use crate::simulation::{Event, Simulation, PRODUCER};
use crate::view::{self, BrokerView, InFlightView, PartitionView, Snapshot};

impl Simulation {
    pub fn snapshot(&self) -> Snapshot {
        let owners = self.partition_owners();
        let partitions: Vec<PartitionView> = (0..self.scenario.topic.partitions).map(|p| self.partition_view(p, owners[p as usize])).collect();
        let under_replicated = partitions.iter().filter(|p| p.isr.len() < p.replicas.len()).count() as u32;
        let offline = partitions.iter().filter(|p| p.leader.is_none()).count() as u32;
        let (in_flight, in_flight_total) = self.in_flight();
        let topic = &self.scenario.topic;
        Snapshot {
            scenario: self.scenario.name.clone(),
            title: self.scenario.title.clone(),
            seed: self.seed().to_string(),
            now_us: self.now().as_us(),
            events: self.events(),
            trace_hash: hash_hex(self.trace().hash()),
            producer: self.producer_view(),
            brokers: self.broker_views(),
            consumers: self.consumer_views(&partitions),
            group: self.group_view(),
            topic: view::TopicView {
                name: topic.name.clone(),
                replication_factor: topic.replication_factor,
                min_insync_replicas: topic.min_insync_replicas,
                partitions,
                under_replicated,
                offline,
            },
            fates: self.fates.counts(),
            in_flight,
            in_flight_total,
            stream: self.job.as_ref().map(|job| job.view(self.now().as_us())),
            workload: self.analytics.as_ref().map(|a| a.view(self.now)),
            architectures: self.architectures.as_ref().map(|a| a.view(&self.topic_access(), self.now.as_us())),
        }
    }

    /// Who reads each partition: the group's assignment, or a stream job's source tasks.
    fn partition_owners(&self) -> Vec<Option<NodeId>> {
        if self.job.is_none() {
            return self.controller.group().owners();
        }
        let mut owners = vec![None; self.scenario.topic.partitions as usize];
        for (i, consumer) in self.consumers.iter().enumerate() {
            for &p in consumer.assigned() {
                owners[p as usize] = Some(NodeId::consumer(i as u16));
            }
        }
        owners
    }

    fn consumer_views(&self, partitions: &[PartitionView]) -> Vec<view::ConsumerView> {
        let views = self.consumers.iter().enumerate().map(|(i, consumer)| {
            let assigned: Vec<u32> = consumer.assigned().iter().copied().collect();
            let state = match consumer.state() {
                ConsumerState::Crashed => "crashed",
                _ if consumer.is_joining() => "joining",
                ConsumerState::Processing => "processing",
                ConsumerState::Fetching => "fetching",
            };
            view::ConsumerView {
                node: NodeId::consumer(i as u16).to_string(),
                state: state.to_string(),
                rate_records_per_s: consumer.config().rate_records_per_s,
                processed: consumer.processed(),
                batch_records: consumer.batch_len() as u32,
                lag_records: assigned.iter().map(|&p| partitions[p as usize].lag_records).sum(),
                assigned,
            }
        });
        views.collect()
    }

    fn group_view(&self) -> view::GroupView {
        let group = self.controller.group();
        let assignor = serde_json::to_value(self.scenario.consumer.assignor).ok().and_then(|v| v.as_str().map(String::from));
        let state = serde_json::to_value(group.state()).ok().and_then(|v| v.as_str().map(String::from));
        view::GroupView {
            state: state.unwrap_or_default(),
            generation: group.generation(),
            assignor: assignor.unwrap_or_default(),
            rebalances: group.rebalances(),
            rebalancing_ms: group.rebalancing_us(self.now()) / 1_000,
        }
    }

    fn producer_view(&self) -> view::ProducerView {
        let acks = serde_json::to_value(self.producer.config().acks).ok().and_then(|v| v.as_str().map(String::from));
        view::ProducerView {
            node: PRODUCER.to_string(),
            rate_records_per_s: self.producer.config().rate_records_per_s,
            acks: acks.unwrap_or_default(),
            sent: self.producer.sent(),
            acked: self.producer.acked(),
            failed: self.producer.failed(),
            retries: self.producer.retries(),
            transaction_state: self.producer.transaction_state().map_or("none", |s| s.name()).to_string(),
            transactions_committed: self.producer.transactions_ended().0,
            transactions_aborted: self.producer.transactions_ended().1,
            requests_sent: self.producer.stats().batches_sent,
            wire_bytes_sent: self.producer.stats().wire_bytes_sent,
        }
    }

    fn broker_views(&self) -> Vec<BrokerView> {
        let states = self.controller.partitions();
        (0..self.brokers.len() as u16)
            .map(|b| BrokerView {
                node: crate::sim::NodeId::broker(b).to_string(),
                rack: self.scenario.cluster.rack(b),
                up: self.brokers[b as usize].is_up(),
                fenced: self.controller.is_fenced(b),
                leader_of: states.iter().filter(|s| s.leader == Some(b)).map(|s| s.partition).collect(),
            })
            .collect()
    }

    fn partition_view(&self, p: u32, owner: Option<NodeId>) -> PartitionView {
        let state = &self.controller.partitions()[p as usize];
        let replica_leos: Vec<u64> = state.replicas.iter().map(|&b| self.brokers[b as usize].replica(p).map_or(0, |r| r.log.log_end_offset())).collect();
        let source = self.leader_replica(p).or_else(|| {
            // Offline: show the most advanced replica's log.
            self.brokers.iter().filter_map(|b| b.replica(p)).max_by_key(|r| r.log.log_end_offset())
        });
        let (log_start, log_end, hw) = source.map_or((0, 0, 0), |r| (r.log.log_start_offset(), r.log.log_end_offset(), r.high_watermark()));
        let lso = source.map_or(0, |r| r.last_stable_offset());
        let committed = self.controller.committed()[p as usize];
        PartitionView {
            partition: p,
            leader: state.leader,
            leader_epoch: state.leader_epoch,
            replicas: state.replicas.clone(),
            isr: state.isr.clone(),
            replica_log_end_offsets: replica_leos,
            log_start_offset: log_start,
            log_end_offset: log_end,
            high_watermark: hw,
            last_stable_offset: lso,
            committed_offset: committed,
            owner: owner.map(|node| node.to_string()),
            consumer_position: owner.and_then(|node| self.consumers.get(node.index as usize)).and_then(|c| c.position(p)),
            lag_records: self.lag(p),
        }
    }

    fn in_flight(&self) -> (Vec<InFlightView>, u32) {
        let mut total = 0u32;
        let mut listed = Vec::new();
        for (arrival, event) in self.queue.iter_unordered() {
            let Event::Deliver { from, to, sent_at, msg } = event else { continue };
            total += 1;
            if listed.len() >= view::IN_FLIGHT_VIEW_MAX {
                continue;
            }
            let span = arrival.since(*sent_at).as_us().max(1) as f64;
            let progress = (self.now().since(*sent_at).as_us() as f64 / span).min(1.0);
            let (partition, records) = match &**msg {
                Msg::Produce { partition, batch, .. } => (Some(*partition), batch.records.len() as u32),
                Msg::FetchResponse { records, .. } => (records.first().map(|r| r.partition), records.len() as u32),
                Msg::ReplicaFetch { partition, .. } => (Some(*partition), 0),
                Msg::ReplicaFetchResponse { partition, result, .. } => {
                    let records = match result {
                        crate::kafka::protocol::ReplicaFetchResult::Records { entries, .. } => entries.len() as u32,
                        _ => 0,
                    };
                    (Some(*partition), records)
                }
                _ => (None, 0),
            };
            listed.push(InFlightView { from: from.to_string(), to: to.to_string(), kind: msg.name(), partition, records, progress });
        }
        (listed, total)
    }
}
