//! The simulation: it owns the event queue, the network, the nodes and the trace, and runs
//! the loop "take the earliest event, hand it to its node, schedule what the node asked for".
//! Everything the page or the CLI does goes through here: advance time, step one event,
//! apply a command, take a snapshot.

use crate::command::Command;
use crate::error::InputError;
use crate::kafka::broker::Broker;
use crate::kafka::consumer::{Consumer, ConsumerConfig, ConsumerState};
use crate::kafka::keys::KeySpace;
use crate::kafka::producer::Producer;
use crate::kafka::{Msg, Outbox, Timer};
use crate::metrics::{Metrics, Series};
use crate::scenario::Scenario;
use crate::sim::network::{LinkConfig, Network};
use crate::sim::node::NodeKind;
use crate::sim::trace::hash_hex;
use crate::sim::{Duration, EventQueue, NodeId, SimRng, SimTime, Trace, TraceKind};
use crate::view::{self, InFlightView, Snapshot, Summary};

const PRODUCER: NodeId = NodeId::producer(0);
const BROKER: NodeId = NodeId::broker(0);
const CONSUMER: NodeId = NodeId::consumer(0);

/// Trace entries kept in memory for `trace_since`; the hash covers all of them regardless.
pub const TRACE_RECENT_MAX: usize = 65_536;
/// Commands one run accepts; a page would need hours of clicking to reach it.
pub const COMMANDS_MAX: usize = 100_000;

enum Event {
    Deliver { from: NodeId, to: NodeId, sent_at: SimTime, msg: Msg },
    Timer { node: NodeId, timer: Timer },
    Sample,
}

pub struct Simulation {
    scenario: Scenario,
    seed: u64,
    now: SimTime,
    queue: EventQueue<Event>,
    network: Network,
    producer: Producer,
    broker: Broker,
    consumer: Consumer,
    trace: Trace,
    metrics: Metrics,
    sample_interval: Duration,
    events: u64,
    commands: Vec<(SimTime, Command)>,
}

impl Simulation {
    /// A run of a validated scenario under `seed`, at time zero with the first events queued.
    pub fn new(scenario: Scenario, seed: u64) -> Simulation {
        let partitions = scenario.topic.partitions;
        let p = &scenario.producer;
        let keys = KeySpace::new(p.keys, p.key_skew, partitions);
        let producer = Producer::new(BROKER, keys, SimRng::stream(seed, "producer-0"), p.records_per_s, p.value_bytes);
        let c = &scenario.consumer;
        let consumer_config = ConsumerConfig {
            rate_records_per_s: c.records_per_s,
            max_poll_records: c.max_poll_records,
            fetch_max_wait_us: Duration::from_ms(c.fetch_max_wait_ms.into()).as_us(),
        };
        let link = LinkConfig {
            latency_us: Duration::from_ms(scenario.network.latency_ms.into()).as_us(),
            jitter_us: Duration::from_ms(scenario.network.jitter_ms.into()).as_us(),
        };
        let mut sim = Simulation {
            seed,
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            network: Network::new(link, SimRng::stream(seed, "network")),
            producer,
            broker: Broker::new(partitions, scenario.topic.retention_records_max),
            consumer: Consumer::new(BROKER, partitions, consumer_config),
            trace: Trace::new(TRACE_RECENT_MAX),
            metrics: Metrics::new(partitions, scenario.metrics.series_points_max as usize),
            sample_interval: Duration::from_ms(scenario.metrics.sample_interval_ms.into()),
            events: 0,
            commands: Vec::new(),
            scenario,
        };
        let mut out = Outbox::default();
        sim.producer.start(&mut out);
        sim.carry_out(PRODUCER, out);
        let mut out = Outbox::default();
        sim.consumer.start(&mut out);
        sim.carry_out(CONSUMER, out);
        sim.queue.push(SimTime::ZERO + sim.sample_interval, Event::Sample);
        sim
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

    /// Processes the single earliest event. Returns false if nothing is pending (a run always
    /// has its producer and sampler pending, so this does not happen in practice).
    pub fn step(&mut self) -> bool {
        let Some((at, event)) = self.queue.pop() else { return false };
        assert!(at >= self.now, "the queue returned an event in the past");
        self.now = at;
        self.events += 1;
        self.dispatch(event);
        true
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
        match command {
            Command::SetProducerRate { records_per_s } => self.producer.set_rate(records_per_s),
            Command::SetConsumerRate { records_per_s } => self.consumer.set_rate(records_per_s),
            Command::CrashConsumer {} => {
                if self.consumer.state() == ConsumerState::Crashed {
                    return Err(InputError::new("command", "consumer-0 is already crashed; use restart_consumer"));
                }
                self.consumer.crash();
            }
            Command::RestartConsumer {} => {
                if self.consumer.state() != ConsumerState::Crashed {
                    return Err(InputError::new("command", "consumer-0 is running; crash_consumer it first"));
                }
                let mut out = Outbox::default();
                self.consumer.start(&mut out);
                self.carry_out(CONSUMER, out);
            }
        }
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
            Event::Deliver { from, to, msg, .. } => {
                self.trace.record(self.now, TraceKind::Deliver, to, [msg_code(&msg), from.code().into(), 0]);
                if self.is_down(to) {
                    self.trace.record(self.now, TraceKind::Dropped, to, [msg_code(&msg), 0, 0]);
                    return;
                }
                match to.kind {
                    NodeKind::Producer => self.producer.on_message(msg, &mut out),
                    NodeKind::Broker => self.broker.on_message(from, msg, &mut out),
                    NodeKind::Consumer => self.consumer.on_message(msg, &mut out),
                }
                to
            }
            Event::Timer { node, timer } => {
                let (code, id) = timer_code(timer);
                self.trace.record(self.now, TraceKind::Timer, node, [code, id, 0]);
                if self.is_down(node) {
                    self.trace.record(self.now, TraceKind::Dropped, node, [code, 0, 0]);
                    return;
                }
                match node.kind {
                    NodeKind::Producer => self.producer.on_timer(self.now, timer, &mut out),
                    NodeKind::Broker => self.broker.on_timer(timer, &mut out),
                    NodeKind::Consumer => self.consumer.on_timer(timer, &mut out),
                }
                node
            }
        };
        self.carry_out(node, out);
    }

    fn is_down(&self, node: NodeId) -> bool {
        node == CONSUMER && self.consumer.state() == ConsumerState::Crashed
    }

    /// Turns a node's outbox into trace entries and future events.
    fn carry_out(&mut self, node: NodeId, out: Outbox) {
        for (kind, payload) in out.notes {
            self.trace.record(self.now, kind, node, payload);
        }
        for (to, msg) in out.sends {
            let at = self.network.arrival(self.now, node, to);
            self.queue.push(at, Event::Deliver { from: node, to, sent_at: self.now, msg });
        }
        for (after, timer) in out.timers {
            self.queue.push(self.now + after, Event::Timer { node, timer });
        }
    }

    fn sample(&mut self) {
        let lags = self.lags();
        let (produced, processed) = (self.producer.sent(), self.consumer.processed());
        self.metrics.sample(self.now, &lags, produced, processed);
        self.trace.record(self.now, TraceKind::Sample, BROKER, [lags.iter().sum(), produced, processed]);
        self.queue.push(self.now + self.sample_interval, Event::Sample);
    }

    fn lags(&self) -> Vec<u64> {
        let logs = self.broker.partitions().iter();
        logs.zip(self.broker.committed()).map(|(log, &committed)| log.log_end_offset().saturating_sub(committed)).collect()
    }

    pub fn summary(&self) -> Summary {
        Summary {
            scenario: self.scenario.name.clone(),
            seed: self.seed.to_string(),
            simulated_us: self.now.as_us(),
            events: self.events,
            produced: self.producer.sent(),
            acked: self.producer.acked(),
            consumed: self.consumer.processed(),
            duplicates: self.consumer.duplicates(),
            lag_records: self.lags().iter().sum(),
            trace_hash: hash_hex(self.trace.hash()),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let lags = self.lags();
        let partitions = self.broker.partitions().iter().enumerate().map(|(p, log)| view::PartitionView {
            partition: p as u32,
            log_start_offset: log.log_start_offset(),
            log_end_offset: log.log_end_offset(),
            committed_offset: self.broker.committed()[p],
            consumer_position: self.consumer.positions()[p],
            lag_records: lags[p],
        });
        let (in_flight, in_flight_total) = self.in_flight();
        Snapshot {
            scenario: self.scenario.name.clone(),
            title: self.scenario.title.clone(),
            seed: self.seed.to_string(),
            now_us: self.now.as_us(),
            events: self.events,
            trace_hash: hash_hex(self.trace.hash()),
            producer: view::ProducerView {
                node: PRODUCER.to_string(),
                rate_records_per_s: self.producer.rate_records_per_s(),
                sent: self.producer.sent(),
                acked: self.producer.acked(),
            },
            topic: view::TopicView { name: self.scenario.topic.name.clone(), partitions: partitions.collect() },
            consumer: view::ConsumerView {
                node: CONSUMER.to_string(),
                state: format!("{:?}", self.consumer.state()).to_lowercase(),
                rate_records_per_s: self.consumer.config().rate_records_per_s,
                processed: self.consumer.processed(),
                duplicates: self.consumer.duplicates(),
                batch_records: self.consumer.batch_len() as u32,
                lag_records: lags.iter().sum(),
            },
            in_flight,
            in_flight_total,
        }
    }

    fn in_flight(&self) -> (Vec<InFlightView>, u32) {
        let mut total = 0u32;
        let mut listed = Vec::new();
        for (arrival, event) in self.queue.iter_unordered() {
            let Event::Deliver { from, to, sent_at, msg } = event else { continue };
            total += 1;
            if listed.len() < view::IN_FLIGHT_VIEW_MAX {
                let span = arrival.since(*sent_at).as_us().max(1) as f64;
                let progress = (self.now.since(*sent_at).as_us() as f64 / span).min(1.0);
                let (partition, records) = match msg {
                    Msg::Produce { partition, .. } => (Some(*partition), 1),
                    Msg::FetchResponse { records, .. } => (records.first().map(|r| r.partition), records.len() as u32),
                    _ => (None, 0),
                };
                listed.push(InFlightView { from: from.to_string(), to: to.to_string(), kind: msg.name(), partition, records, progress });
            }
        }
        (listed, total)
    }
}

fn msg_code(msg: &Msg) -> u64 {
    match msg {
        Msg::Produce { .. } => 1,
        Msg::ProduceAck { .. } => 2,
        Msg::Fetch { .. } => 3,
        Msg::FetchResponse { .. } => 4,
        Msg::OffsetCommit { .. } => 5,
        Msg::OffsetFetch => 6,
        Msg::OffsetFetchResponse { .. } => 7,
    }
}

fn timer_code(timer: Timer) -> (u64, u64) {
    match timer {
        Timer::ProducerSend => (1, 0),
        Timer::FetchWaitExpired { fetch_id } => (2, fetch_id),
        Timer::BatchProcessed { batch_id } => (3, batch_id),
    }
}
