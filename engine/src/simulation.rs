//! The simulation: it owns the event queue, the network, the nodes and the trace, and runs
//! the loop "take the earliest event, hand it to its node, schedule what the node asked for".
//! Everything the page or the CLI does goes through here: advance time, step one event,
//! apply a command, take a snapshot. It is also the omniscient observer that keeps the
//! ledger of every record's fate (`kafka::fates`), which no node could know on its own.

use crate::arch::Architectures;
use crate::command::Command;
use crate::error::InputError;
use crate::kafka::broker::{Broker, BrokerConfig};
use crate::kafka::cleaner::CleanerConfig;
use crate::kafka::consumer::{Consumer, ConsumerConfig, ConsumerState, IsolationLevel};
use crate::kafka::controller::{replicas_of, Controller, ControllerConfig};
use crate::kafka::group::GroupConfig;
use crate::kafka::fates::Fates;
use crate::kafka::keys::KeySpace;
use crate::kafka::log::Run;
use crate::kafka::producer::{Producer, ProducerConfig, TransactionConfig};
use crate::kafka::protocol::{Accounting, ReplicaFetchResult};
use crate::kafka::replication::ReplicationConfig;
use crate::kafka::{Msg, Outbox, Timer};
use crate::metrics::{Metrics, Series};
use crate::scenario::Scenario;
use crate::sim::network::{LinkConfig, Network};
use crate::sim::node::NodeKind;
use crate::sim::{Duration, EventQueue, NodeId, SimRng, SimTime, Trace, TraceKind};
use crate::stream::job::{Job, JobOut, JobTimer};
use crate::workload::{Analytics, Generator};

pub(crate) const PRODUCER: NodeId = NodeId::producer(0);
pub(crate) const CONSUMER: NodeId = NodeId::consumer(0);
pub(crate) const CONTROLLER: NodeId = NodeId::controller();

/// Trace entries kept in memory for `trace_since`; the hash covers all of them regardless.
pub const TRACE_RECENT_MAX: usize = 65_536;
/// Commands one run accepts; a page would need hours of clicking to reach it.
pub const COMMANDS_MAX: usize = 100_000;
/// Records per replica fetch response: bounds every message's size.
const REPLICA_FETCH_RECORDS_MAX: usize = 1_000;

#[derive(Clone)]
pub(crate) enum Event {
    /// The message is boxed: most pending events are small timers (a batch's delivery
    /// timeout waits minutes), and an unboxed message would size every queue entry to it.
    Deliver { from: NodeId, to: NodeId, sent_at: SimTime, msg: Box<Msg> },
    Timer { node: NodeId, timer: Timer },
    Job(JobTimer),
    /// The architectures read the topic and compute, every `architectures.tick_ms`.
    Arch,
    Sample,
}

#[derive(Clone)]
pub struct Simulation {
    pub(crate) scenario: Scenario,
    pub(crate) seed: u64,
    pub(crate) now: SimTime,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) network: Network,
    pub(crate) producer: Producer,
    pub(crate) brokers: Vec<Broker>,
    pub(crate) controller: Controller,
    pub(crate) consumers: Vec<Consumer>,
    /// The stream job, when the scenario has one: its source tasks read through `consumers`.
    pub(crate) job: Option<Job>,
    /// The domain workload's analytics (UPI fraud scoring, trends, the funnel), when the
    /// scenario has a workload.
    pub(crate) analytics: Option<Analytics>,
    /// Lambda, Kappa and CQRS side by side, when the scenario has an `architectures` section.
    pub(crate) architectures: Option<Box<Architectures>>,
    pub(crate) trace: Trace,
    pub(crate) metrics: Metrics,
    pub(crate) fates: Fates,
    pub(crate) sample_interval: Duration,
    pub(crate) events: u64,
    commands: Vec<(SimTime, Command)>,
    /// What the invariant checks remember between events (debug and test builds).
    pub(crate) progress: crate::invariants::Progress,
}

fn ms(value: u32) -> u64 {
    Duration::from_ms(value.into()).as_us()
}

/// The settings of consumer `index` of the scenario's group.
pub(crate) fn consumer_config(scenario: &Scenario, index: u16) -> ConsumerConfig {
    let c = &scenario.consumer;
    let class_rate_per_s = scenario.producer.records_per_s;
    ConsumerConfig {
        rate_records_per_s: scenario.workload.as_ref().map_or(c.records_per_s, |w| w.capacity_per_s(c.records_per_s, class_rate_per_s)),
        max_poll_records: c.max_poll_records,
        fetch_max_wait_us: ms(c.fetch_max_wait_ms),
        fetch_min_bytes: c.fetch_min_bytes,
        request_timeout_us: ms(c.request_timeout_ms),
        heartbeat_interval_us: ms(c.heartbeat_interval_ms),
        strategy: c.assignor,
        instance_id: c.static_membership.then(|| format!("consumer-{index}")),
        auto_commit_interval_us: c.enable_auto_commit.then(|| ms(c.auto_commit_interval_ms)),
        offset_reset: c.auto_offset_reset,
        max_poll_interval_us: ms(c.max_poll_interval_ms),
        read_committed: c.isolation_level == IsolationLevel::ReadCommitted,
        topic: scenario.topic.name.clone(),
        partitions: scenario.topic.partitions,
        manual_partitions: None,
        deliver: false,
    }
}

/// How the scenario's records get their event time: the stream job's, else the default.
pub(crate) fn job_event_time(scenario: &Scenario) -> crate::scenario::stream::EventTimeSpec {
    scenario.stream.as_ref().map(|s| s.event_time.clone()).unwrap_or_default()
}

/// The stream job of the scenario, if any, with the partitions each source task reads.
fn stream_job(scenario: &Scenario) -> Option<Job> {
    let spec = scenario.stream.as_ref()?;
    let mut job = Job::new(spec, &scenario.topic.name, scenario.topic.partitions, scenario.consumer.count);
    if let Some(workload) = &scenario.workload {
        job.set_operator_rate(workload.capacity_per_s(spec.operator_records_per_s, scenario.producer.records_per_s));
    }
    Some(job)
}

impl Simulation {
    /// A run of a validated scenario under `seed`, at time zero with the first events queued.
    pub fn new(scenario: Scenario, seed: u64) -> Simulation {
        let partitions = scenario.topic.partitions;
        let (cluster, p, c) = (&scenario.cluster, &scenario.producer, &scenario.consumer);
        let key_count = scenario.workload.as_ref().map_or(p.keys, |w| w.keys(p.keys, p.records_per_s));
        let keys = KeySpace::new(key_count, p.key_skew, partitions);
        let mut producer_config = ProducerConfig::from_spec(p, PRODUCER.index);
        let generator = scenario.workload.as_ref().map(|w| {
            producer_config.rate_records_per_s = w.rate_per_s(p.records_per_s);
            Generator::new(w, seed, &keys)
        });
        let mut producer = Producer::new(keys, SimRng::stream(seed, "producer-0"), partitions, producer_config);
        if let Some(generator) = generator {
            producer = producer.with_generator(generator);
        }
        if let Some(transactional_id) = &p.transactional_id {
            producer = producer.with_transactions(TransactionConfig {
                transactional_id: transactional_id.clone(),
                records_max: p.transaction_records_max,
                due_us: p.transaction_ms.map(ms),
                timeout_us: ms(p.transaction_timeout_ms),
            });
        }
        let group = GroupConfig {
            partitions,
            session_timeout_us: ms(c.session_timeout_ms),
            rebalance_timeout_us: ms(c.max_poll_interval_ms),
            initial_rebalance_delay_us: ms(cluster.group_initial_rebalance_delay_ms),
        };
        let mut job = stream_job(&scenario);
        if let (Some(job), Some(_)) = (&mut job, &scenario.workload) {
            job.watch_outputs();
        }
        let consumers: Vec<Consumer> = (0..c.count)
            .map(|i| {
                let mut config = consumer_config(&scenario, i);
                if let Some(job) = &job {
                    config.manual_partitions = Some(job.partitions_of(i));
                    config.deliver = true;
                }
                Consumer::new(CONTROLLER, config)
            })
            .collect();
        let clients: Vec<NodeId> = std::iter::once(PRODUCER).chain((0..c.count).map(NodeId::consumer)).collect();
        let replication = ReplicationConfig {
            replica_lag_time_max_us: ms(cluster.replica_lag_time_max_ms),
            replica_fetch_wait_max_us: ms(500),
            replica_socket_timeout_us: ms(cluster.replica_socket_timeout_ms),
            min_insync_replicas: scenario.topic.min_insync_replicas,
            replica_fetch_records_max: REPLICA_FETCH_RECORDS_MAX,
            retention_records_max: scenario.topic.retention_records_max,
        };
        let topic = &scenario.topic;
        let cleaner = CleanerConfig {
            backoff_us: ms(cluster.log_cleaner_backoff_ms),
            compact: topic.cleanup_policy.compacts(),
            retention_us: topic.cleanup_policy.deletes().then(|| topic.retention_ms.saturating_mul(1_000)),
            delete_retention_us: topic.delete_retention_ms.saturating_mul(1_000),
            segment_records: topic.segment_records,
        };
        let broker_config = BrokerConfig { replication, heartbeat_interval_us: ms(cluster.broker_heartbeat_interval_ms), cleaner };
        let rf = scenario.topic.replication_factor;
        let brokers = (0..cluster.brokers)
            .map(|b| Broker::new(b, (0..partitions).filter(|&p| replicas_of(p, cluster.brokers, rf).contains(&b)), broker_config))
            .collect();
        let controller_config = ControllerConfig {
            brokers: cluster.brokers,
            partitions,
            replication_factor: rf,
            broker_session_timeout_us: ms(cluster.broker_session_timeout_ms),
            session_check_interval_us: ms(cluster.broker_heartbeat_interval_ms / 2).max(1),
            unclean_leader_election: cluster.unclean_leader_election_enable,
        };
        let n = &scenario.network;
        let link = LinkConfig { latency_us: ms(n.latency_ms), jitter_us: ms(n.jitter_ms), bandwidth_mbps: n.bandwidth_mbps.into() };
        let mut sim = Simulation {
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            network: Network::new(link, SimRng::stream(seed, "network")),
            producer,
            brokers,
            controller: Controller::new(controller_config, group, clients),
            consumers,
            analytics: scenario.workload.as_ref().map(|w| Analytics::new(w, job_event_time(&scenario))),
            architectures: crate::arch::run::for_scenario(&scenario, job_event_time(&scenario)),
            job,
            trace: Trace::new(TRACE_RECENT_MAX),
            metrics: Metrics::new(partitions, scenario.metrics.series_points_max as usize),
            fates: Fates::new(partitions),
            sample_interval: Duration::from_ms(scenario.metrics.sample_interval_ms.into()),
            events: 0,
            commands: Vec::new(),
            progress: crate::invariants::Progress::default(),
            scenario,
        };
        sim.boot();
        sim
    }

    /// Starts every node. The controller's metadata reaches the others over the network, so
    /// the first records wait a round trip for their leader, as a real client's would.
    fn boot(&mut self) {
        let mut out = Outbox::default();
        self.controller.start(&mut out);
        self.carry_out(CONTROLLER, out);
        for b in 0..self.brokers.len() {
            let mut out = Outbox::default();
            self.brokers[b].start(&mut out);
            self.carry_out(NodeId::broker(b as u16), out);
        }
        let mut out = Outbox::default();
        self.producer.start(&mut out);
        self.carry_out(PRODUCER, out);
        for i in 0..self.consumers.len() {
            let mut out = Outbox::default();
            self.consumers[i].start(&mut out);
            self.carry_out(NodeId::consumer(i as u16), out);
        }
        if let Some(job) = &mut self.job {
            let mut out = JobOut::default();
            job.start(&mut out);
            self.carry_out_job(out);
        }
        if let Some(architectures) = &self.architectures {
            self.queue.push(SimTime::ZERO + Duration::from_us(architectures.tick_interval_us()), Event::Arch);
        }
        self.queue.push(SimTime::ZERO + self.sample_interval, Event::Sample);
    }

    pub fn now(&self) -> SimTime {
        self.now
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    pub fn trace(&self) -> &Trace {
        &self.trace
    }
    pub fn events(&self) -> u64 {
        self.events
    }
    pub fn commands(&self) -> &[(SimTime, Command)] {
        &self.commands
    }
    pub fn series(&self, name: &str) -> Option<&Series> {
        self.metrics.series(name)
    }
    /// Every series name `series` answers (see `Metrics::names`).
    pub fn series_names(&self) -> Vec<String> {
        self.metrics.names()
    }
    pub fn brokers(&self) -> &[Broker] {
        &self.brokers
    }
    pub fn controller(&self) -> &Controller {
        &self.controller
    }
    /// The stream job, when the scenario has one.
    pub fn job(&self) -> Option<&Job> {
        self.job.as_ref()
    }
    /// The stream job, for tests and harnesses that ask it to keep every result.
    pub fn job_mut(&mut self) -> Option<&mut Job> {
        self.job.as_mut()
    }
    pub fn consumers(&self) -> &[Consumer] {
        &self.consumers
    }
    /// The true answer to the workload's query, as the page shows it: built from every
    /// record the producer created (`Accounting::Created`), not from what reached the topic.
    pub fn workload_truth(&self) -> Option<&crate::workload::QueryTruth> {
        self.analytics.as_ref().map(|a| a.truth())
    }
    /// Makes the fate ledger try to retire settled records every `records` records created
    /// instead of every `fates::RETIRE_EVERY_RECORDS`: the swarm and tests use it to exercise
    /// retirement in short runs. Changes no count and nothing the run does.
    pub fn retire_fates_every(&mut self, records: u64) {
        self.fates.retire_every(records);
    }

    /// The fate ledger's oldest record still held (ids below are retired), and how many it holds.
    pub fn fates_held(&self) -> (u64, u64) {
        (self.fates.first_held(), self.fates.record_count() - self.fates.first_held())
    }

    /// The fate ledger's counts (also in every snapshot).
    pub fn fates_counts(&self) -> crate::kafka::fates::FateCounts {
        self.fates.counts()
    }

    /// Processes the single earliest event. Returns false if nothing is pending (a run always
    /// has its producer and sampler pending, so this does not happen in practice).
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else { return false };
        assert!(at >= self.now, "the queue returned an event in the past");
        self.now = at;
        self.events += 1;
        self.dispatch(event);
        if self.fates.retirement_due() {
            self.retire_fates();
        }
        #[cfg(debug_assertions)]
        if let Err(violation) = self.check_invariants().and_then(|()| self.check_progress()) {
            panic!("invariant violated at t={} µs after event {}: {violation}", self.now.as_us(), self.events);
        }
        true
    }

    /// Readies the state for a cheap copy (the timeline's snapshots): the pending events are
    /// sorted into a run the copy shares. Changes nothing a run does or shows.
    pub fn prepare_to_copy(&mut self) {
        self.queue.seal();
    }

    /// When the next pending event happens.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Every invariant, including those that compare with the previous check; a harness
    /// (`swarm`, `dhara run --check-invariants`) calls it after every event, in any build.
    pub fn check_all(&mut self) -> Result<(), String> {
        self.check_invariants()?;
        self.check_progress()
    }

    /// Runs every event up to and including `now + by`, then sets the clock to that instant.
    pub fn advance(&mut self, by: Duration) {
        self.advance_with(by, |_| {});
    }

    /// `advance`, calling `after_each` after every event (the CLI streams the trace this way).
    pub fn advance_with(&mut self, by: Duration, mut after_each: impl FnMut(&Simulation)) {
        let until = self.now + by;
        while self.queue.peek_time().is_some_and(|t| t <= until) {
            self.step();
            after_each(self);
        }
        self.now = until;
    }

    /// Applies a command at the current instant and records it in the trace.
    pub fn apply(&mut self, command: Command) -> Result<(), InputError> {
        command.validate()?;
        if self.commands.len() >= COMMANDS_MAX {
            return Err(InputError::new("command", format!("a run accepts at most {COMMANDS_MAX} commands")));
        }
        crate::faults::apply(self, &command)?;
        let (code, argument) = command.trace_code();
        self.trace.record(self.now, TraceKind::Command, CONSUMER, [code, argument, 0]);
        self.commands.push((self.now, command));
        Ok(())
    }

    fn dispatch(&mut self, event: Event) {
        let mut out = Outbox::default();
        let node = match event {
            Event::Sample => {
                self.sample();
                return;
            }
            Event::Arch => {
                self.tick_architectures();
                return;
            }
            Event::Job(timer) => {
                let (code, argument) = timer.code();
                self.trace.record(self.now, TraceKind::Timer, NodeId::task(0), [code, argument, 0]);
                let mut out = JobOut::default();
                self.job.as_mut().expect("only a job sets job timers").on_timer(timer, self.now.as_us(), &mut out);
                self.carry_out_job(out);
                return;
            }
            Event::Deliver { from, to, msg, .. } => {
                let msg = *msg;
                self.trace.record(self.now, TraceKind::Deliver, to, [msg.code(), from.code().into(), 0]);
                if self.is_down(to) {
                    self.trace.record(self.now, TraceKind::Dropped, to, [msg.code(), 0, 0]);
                    return;
                }
                let now = self.now;
                match to.kind {
                    NodeKind::Producer => self.producer.on_message(msg, now, &mut out),
                    NodeKind::Broker => {
                        self.brokers[to.index as usize].on_message(from, msg, now, &mut out);
                    }
                    NodeKind::Consumer => self.consumers[to.index as usize].on_message(msg, &mut out),
                    NodeKind::Controller => self.controller.on_message(from, msg, now, &mut out),
                    NodeKind::Task => unreachable!("tasks get no network messages"),
                }
                to
            }
            Event::Timer { node, timer } => {
                let (code, id) = timer.code();
                self.trace.record(self.now, TraceKind::Timer, node, [code, id, 0]);
                if self.is_down(node) {
                    self.trace.record(self.now, TraceKind::Dropped, node, [code, 0, 0]);
                    return;
                }
                let now = self.now;
                match node.kind {
                    NodeKind::Producer => self.producer.on_timer(now, timer, &mut out),
                    NodeKind::Broker => self.brokers[node.index as usize].on_timer(timer, now, &mut out),
                    NodeKind::Consumer => self.consumers[node.index as usize].on_timer(timer, &mut out),
                    NodeKind::Controller => self.controller.on_timer(timer, now, &mut out),
                    NodeKind::Task => unreachable!("tasks use job timers"),
                }
                node
            }
        };
        self.carry_out(node, out);
    }

    pub(crate) fn is_down(&self, node: NodeId) -> bool {
        match node.kind {
            NodeKind::Consumer => self.consumers[node.index as usize].state() == ConsumerState::Crashed,
            NodeKind::Broker => !self.brokers[node.index as usize].is_up(),
            NodeKind::Producer | NodeKind::Controller | NodeKind::Task => false,
        }
    }

    /// Turns a node's outbox into trace entries, ledger updates and future events.
    pub(crate) fn carry_out(&mut self, node: NodeId, out: Outbox) {
        if node.kind == NodeKind::Consumer {
            self.resolve_source_starts(node.index);
        }
        for (kind, payload) in out.notes {
            self.trace.record(self.now, kind, node, payload);
        }
        for item in out.accounting {
            self.account(node, item);
        }
        for (to, msg) in out.sends {
            match self.network.arrival(self.now, node, to, msg.wire_bytes()) {
                Some(at) => {
                    self.queue.push(at, Event::Deliver { from: node, to, sent_at: self.now, msg: Box::new(msg) });
                }
                None => self.trace.record(self.now, TraceKind::Dropped, to, [msg.code(), node.code().into(), 1]),
            }
        }
        for (after, timer) in out.timers {
            self.queue.push(self.now + after, Event::Timer { node, timer });
        }
        if !out.delivered.is_empty() {
            if let Some(job) = &mut self.job {
                let mut job_out = JobOut::default();
                job.on_source_batch(node.index, &out.delivered, self.now.as_us(), &mut job_out);
                self.carry_out_job(job_out);
            }
        }
    }

    /// Tells the stream job where its source's partitions start, once the consumer knows.
    fn resolve_source_starts(&mut self, reader: u16) {
        let Some(job) = &mut self.job else { return };
        let consumer = &self.consumers[reader as usize];
        for p in job.unresolved(reader) {
            if let Some(offset) = consumer.consumed_position(p) {
                job.resolve(reader, p, offset);
            }
        }
    }

    /// Carries out what the stream job asked for: its timers, backpressure on its source
    /// consumers, and after a restart, rewinding them to the restored offsets.
    pub(crate) fn carry_out_job(&mut self, out: JobOut) {
        if let (Some(analytics), Some(job)) = (&mut self.analytics, &mut self.job) {
            for output in job.take_fresh_outputs() {
                analytics.on_output(&output, self.now);
            }
        }
        for (kind, payload) in out.notes {
            self.trace.record(self.now, kind, NodeId::task(0), payload);
        }
        for (after, timer) in out.timers {
            self.queue.push(self.now + after, Event::Job(timer));
        }
        let readers = self.consumers.len() as u16;
        if let Some(offsets) = out.restore {
            for reader in 0..readers {
                self.on_consumer(reader, |consumer, out| {
                    if consumer.state() == ConsumerState::Crashed {
                        consumer.start(out);
                    }
                    consumer.seek(&offsets, out);
                });
            }
        }
        if let Some(offsets) = out.commit {
            for reader in 0..readers {
                self.on_consumer(reader, |consumer, out| consumer.commit_standalone(&offsets, out));
            }
        }
        for (reader, paused) in out.pause {
            self.on_consumer(reader, |consumer, out| consumer.set_paused(paused, out));
        }
    }

    /// Acts on consumer `index` from outside its own events, then carries out what it asked.
    fn on_consumer(&mut self, index: u16, act: impl FnOnce(&mut Consumer, &mut Outbox)) {
        let mut out = Outbox::default();
        act(&mut self.consumers[index as usize], &mut out);
        self.carry_out(NodeId::consumer(index), out);
    }

    fn account(&mut self, node: NodeId, item: Accounting) {
        match item {
            Accounting::Created { record_id, partition, timestamp_us, payload } => {
                self.fates.created(record_id, partition);
                if let Some(analytics) = &mut self.analytics {
                    analytics.on_created(record_id, self.now, timestamp_us, &payload);
                }
            }
            Accounting::Acknowledged { record_id, broker } => {
                self.fates.acknowledged(record_id);
                // A deposed leader cut off by a partition can still acknowledge (acks=1):
                // such a record is lost the moment it is acknowledged.
                let partition = self.fates.partition_of(record_id);
                if self.controller.partitions()[partition as usize].leader != Some(broker) {
                    self.recount_lost(partition);
                }
            }
            Accounting::Failed { record_id } => self.fates.failed(record_id),
            Accounting::Unconfirmed { record_id } => self.fates.unconfirmed(record_id),
            Accounting::Aborted { record_id } => {
                self.fates.aborted(record_id);
                if let Some(architectures) = &mut self.architectures {
                    architectures.on_aborted(record_id);
                }
            }
            Accounting::Appended { partition, record_id, offset } => {
                let replica = self.brokers[node.index as usize].replica(partition).expect("a leader appends to its own replica");
                let first_copy = !self.fates.has_copy(record_id);
                self.fates.appended(record_id, offset, &replica.log);
                if let (true, Some(architectures), Some(entry)) = (first_copy, &mut self.architectures, replica.log.entry(offset)) {
                    architectures.on_written(&entry.record);
                }
            }
            Accounting::Expired { record_id } => self.fates.expired(record_id),
            Accounting::LeaderChanged { partition } => self.recount_lost(partition),
            Accounting::Processed { partition, first, last, created_us } => {
                self.fates.processed(partition, first, last);
                self.metrics.record_latencies(self.now, &created_us);
            }
        }
    }

    /// Lets the fate ledger forget settled records below the oldest one still in play: in a
    /// log, in a request or replication answer on the wire, or in the producer's hands.
    fn retire_fates(&mut self) {
        let in_logs = self.brokers.iter().flat_map(|b| b.replicas()).flat_map(|r| r.log.slots());
        let in_logs = in_logs.filter(|s| !s.is_control()).map(|s| s.record().record_id);
        let on_wire = self.queue.iter_unordered().flat_map(|(_, event)| match event {
            Event::Deliver { msg, .. } => match &**msg {
                Msg::Produce { batch, .. } => batch.records.iter().map(|r| r.record_id).min(),
                Msg::ReplicaFetchResponse { result: ReplicaFetchResult::Records { entries, .. }, .. } => {
                    entries.iter().filter(|r| !r.is_control()).flat_map(Run::records).map(|r| r.record_id).min()
                }
                _ => None,
            },
            _ => None,
        });
        let live_min = in_logs.chain(on_wire).chain(self.producer.oldest_record_in_hand()).min();
        self.fates.retire(live_min.unwrap_or(u64::MAX));
    }

    fn recount_lost(&mut self, partition: u32) {
        if let Some(leader) = self.controller.partitions()[partition as usize].leader {
            let log = &self.brokers[leader as usize].replica(partition).expect("leaders are replicas").log;
            self.fates.recount_lost(partition, log);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_event_is_small_whatever_message_it_could_carry() {
        // Every queue entry is as large as the largest event; a real-scale run keeps a
        // hundred thousand timers pending. Unboxed, a message made each event 104 bytes.
        assert!(std::mem::size_of::<Event>() <= 32, "{} bytes", std::mem::size_of::<Event>());
        assert!(std::mem::size_of::<Msg>() > 32, "the message is what the box keeps out of the queue");
    }
}
