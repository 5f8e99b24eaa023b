//! Faults and knob changes from outside, in the spirit of Turmoil's and MadSim's fault verbs:
//! crash a node, restart it, change a rate. Each is checked against the current state first
//! (you cannot crash what is already down), so a refused command changes nothing.

use crate::command::Command;
use crate::error::InputError;
use crate::kafka::consumer::ConsumerState;
use crate::kafka::Outbox;
use crate::kafka::consumer::Consumer;
use crate::scenario::limits::CONSUMERS_MAX;
use crate::simulation::{consumer_config, Simulation, CONTROLLER};
use crate::stream::job::JobOut;
use crate::sim::node::NodeKind;
use crate::sim::NodeId;
use std::collections::BTreeSet;

pub(crate) fn apply(sim: &mut Simulation, command: &Command) -> Result<(), InputError> {
    match command {
        Command::PartitionNetwork { a, b } => {
            let a = existing_nodes(sim, "a", a)?;
            let b = existing_nodes(sim, "b", b)?;
            sim.network.partition(a, b);
            sim.progress.network_partitioned = true;
            return Ok(());
        }
        Command::HealNetwork {} => {
            if !sim.network.is_partitioned() {
                return Err(InputError::new("command", "the network has no partition to heal"));
            }
            sim.network.heal();
            return Ok(());
        }
        Command::SlowNode { node, factor } => {
            let node = existing_node(sim, "node", node)?;
            sim.network.set_slow(node, *factor);
            return Ok(());
        }
        Command::HotKey { percent } => return sim.producer.set_hot_key_percent(*percent),
        Command::SkewClock { node, offset_ms } => {
            let node = existing_node(sim, "node", node)?;
            match node.kind {
                NodeKind::Broker => sim.brokers[node.index as usize].set_clock_offset_ms(*offset_ms),
                _ => sim.producer.set_clock_offset_ms(*offset_ms),
            }
            return Ok(());
        }
        _ => {}
    }
    if let Some(command) = command.to_arch() {
        return sim.apply_to_architectures(command);
    }
    if sim.job.is_some() {
        return apply_to_job(sim, command);
    }
    apply_to_cluster(sim, command)
}

/// Commands to the Kafka side: rates, consumers, brokers, transactions.
fn apply_to_cluster(sim: &mut Simulation, command: &Command) -> Result<(), InputError> {
    match *command {
        Command::SetProducerRate { records_per_s } => sim.producer.set_rate(records_per_s),
        Command::SetConsumerRate { records_per_s } => sim.consumers.iter_mut().for_each(|c| c.set_rate(records_per_s)),
        Command::CrashConsumer { consumer } => {
            check_consumer(sim, consumer)?;
            if sim.consumers[consumer as usize].state() == ConsumerState::Crashed {
                return Err(InputError::new("command", format!("consumer-{consumer} is already crashed; use restart_consumer")));
            }
            sim.consumers[consumer as usize].crash();
        }
        Command::RestartConsumer { consumer } => {
            check_consumer(sim, consumer)?;
            if sim.consumers[consumer as usize].state() != ConsumerState::Crashed {
                return Err(InputError::new("command", format!("consumer-{consumer} is running; crash_consumer it first")));
            }
            let mut out = Outbox::default();
            sim.consumers[consumer as usize].start(&mut out);
            sim.carry_out(NodeId::consumer(consumer), out);
        }
        Command::AbortTransaction {} => {
            let mut out = Outbox::default();
            let now = sim.now();
            sim.producer.abort_transaction(now, &mut out).map_err(|message| InputError::new("command", message))?;
            sim.carry_out(crate::simulation::PRODUCER, out);
        }
        Command::AddConsumer {} => {
            let index = sim.consumers.len() as u16;
            if index >= CONSUMERS_MAX {
                return Err(InputError::new("command", format!("a group has at most {CONSUMERS_MAX} consumers here")));
            }
            let node = NodeId::consumer(index);
            sim.consumers.push(Consumer::new(CONTROLLER, consumer_config(&sim.scenario, index)));
            let mut out = Outbox::default();
            sim.controller.add_client(node, &mut out);
            sim.carry_out(CONTROLLER, out);
            let mut out = Outbox::default();
            sim.consumers[index as usize].start(&mut out);
            sim.carry_out(node, out);
        }
        Command::CrashBroker { broker } => {
            check_broker(sim, broker)?;
            if !sim.brokers[broker as usize].is_up() {
                return Err(InputError::new("command", format!("broker-{broker} is already crashed; use restart_broker")));
            }
            sim.brokers[broker as usize].crash();
            let down = sim.brokers.iter().filter(|b| !b.is_up()).count();
            sim.progress.brokers_down_max = sim.progress.brokers_down_max.max(down);
        }
        Command::RestartBroker { broker } => {
            check_broker(sim, broker)?;
            if sim.brokers[broker as usize].is_up() {
                return Err(InputError::new("command", format!("broker-{broker} is running; crash_broker it first")));
            }
            let mut out = Outbox::default();
            sim.brokers[broker as usize].start(&mut out);
            sim.carry_out(NodeId::broker(broker), out);
        }
        Command::CrashTask { .. } | Command::SetOperatorRate { .. } => {
            return Err(InputError::new("command", "this scenario has no stream job (add a \"stream\" section)"));
        }
        _ => unreachable!("handled above"),
    }
    Ok(())
}

/// With a stream job, its source tasks are the consumers: a consumer crash fails the job,
/// which restarts its own tasks, so restarting or adding consumers by hand is refused.
fn apply_to_job(sim: &mut Simulation, command: &Command) -> Result<(), InputError> {
    let mut out = JobOut::default();
    let job = sim.job.as_mut().expect("checked by the caller");
    let tasks = job.tasks().len();
    match *command {
        Command::CrashTask { task } => {
            if usize::from(task) >= tasks {
                return Err(InputError::new("task", format!("must be between 0 and {} (this job has {tasks} keyed tasks; got {task})", tasks - 1)));
            }
            if job.is_restarting() {
                return Err(InputError::new("command", "the job is already restarting"));
            }
            job.fail(&mut out);
        }
        Command::SetOperatorRate { records_per_s } => job.set_operator_rate(records_per_s),
        Command::CrashConsumer { consumer } => {
            check_consumer(sim, consumer)?;
            if sim.consumers[consumer as usize].state() == ConsumerState::Crashed {
                return Err(InputError::new("command", format!("consumer-{consumer} is already crashed; the job restarts it")));
            }
            sim.consumers[consumer as usize].crash();
            let job = sim.job.as_mut().expect("checked by the caller");
            if !job.is_restarting() {
                job.fail(&mut out);
            }
        }
        Command::RestartConsumer { .. } | Command::AddConsumer {} => {
            return Err(InputError::new("command", "this scenario's consumers are a stream job's source tasks: the job restarts them itself, and its parallelism is fixed"));
        }
        Command::SetConsumerRate { records_per_s } => sim.consumers.iter_mut().for_each(|c| c.set_rate(records_per_s)),
        _ => return apply_to_cluster(sim, command),
    }
    sim.carry_out_job(out);
    Ok(())
}

/// A node name that exists in this run: producer-0, consumer-0, controller, broker-0 to broker-(n-1).
fn existing_node(sim: &Simulation, path: &str, name: &str) -> Result<NodeId, InputError> {
    let node = crate::command::parse_node(path, name)?;
    let exists = match node.kind {
        NodeKind::Broker => usize::from(node.index) < sim.brokers.len(),
        NodeKind::Controller => true,
        NodeKind::Producer => node.index == 0,
        NodeKind::Consumer => usize::from(node.index) < sim.consumers.len(),
        NodeKind::Task => false,
    };
    if !exists {
        let last = sim.brokers.len() - 1;
        return Err(InputError::new(path, format!("{name} is not in this run; nodes are producer-0, controller, broker-0 to broker-{last} and consumer-0 to consumer-{}", sim.consumers.len() - 1)));
    }
    Ok(node)
}

fn existing_nodes(sim: &Simulation, path: &str, names: &[String]) -> Result<BTreeSet<NodeId>, InputError> {
    crate::sim::sort::try_collect_set(names.iter().enumerate().map(|(i, name)| existing_node(sim, &format!("{path}[{i}]"), name)))
}

fn check_consumer(sim: &Simulation, consumer: u16) -> Result<(), InputError> {
    let count = sim.consumers.len();
    if usize::from(consumer) >= count {
        return Err(InputError::new("consumer", format!("must be between 0 and {} (this group has {count} consumers; got {consumer})", count - 1)));
    }
    Ok(())
}

fn check_broker(sim: &Simulation, broker: u16) -> Result<(), InputError> {
    let count = sim.brokers.len();
    if usize::from(broker) >= count {
        return Err(InputError::new("broker", format!("must be between 0 and {} (this cluster has {count} brokers; got {broker})", count - 1)));
    }
    Ok(())
}
