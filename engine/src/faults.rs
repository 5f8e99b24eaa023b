//! Faults and knob changes from outside, in the spirit of Turmoil's and MadSim's fault verbs:
//! crash a node, restart it, change a rate. Each is checked against the current state first
//! (you cannot crash what is already down), so a refused command changes nothing.

use crate::command::Command;
use crate::error::InputError;
use crate::kafka::consumer::ConsumerState;
use crate::kafka::Outbox;
use crate::simulation::{Simulation, CONSUMER};
use crate::sim::node::NodeKind;
use crate::sim::NodeId;
use std::collections::BTreeSet;

pub(crate) fn apply(sim: &mut Simulation, command: &Command) -> Result<(), InputError> {
    match command {
        Command::PartitionNetwork { a, b } => {
            let a = existing_nodes(sim, "a", a)?;
            let b = existing_nodes(sim, "b", b)?;
            sim.network.partition(a, b);
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
        Command::SkewClock { node, offset_ms } => {
            existing_node(sim, "node", node)?;
            sim.producer.set_clock_offset_ms(*offset_ms);
            return Ok(());
        }
        _ => {}
    }
    match *command {
        Command::SetProducerRate { records_per_s } => sim.producer.set_rate(records_per_s),
        Command::SetConsumerRate { records_per_s } => sim.consumer.set_rate(records_per_s),
        Command::CrashConsumer {} => {
            if sim.consumer.state() == ConsumerState::Crashed {
                return Err(InputError::new("command", "consumer-0 is already crashed; use restart_consumer"));
            }
            sim.consumer.crash();
        }
        Command::RestartConsumer {} => {
            if sim.consumer.state() != ConsumerState::Crashed {
                return Err(InputError::new("command", "consumer-0 is running; crash_consumer it first"));
            }
            let mut out = Outbox::default();
            sim.consumer.start(&mut out);
            sim.carry_out(CONSUMER, out);
        }
        Command::CrashBroker { broker } => {
            check_broker(sim, broker)?;
            if !sim.brokers[broker as usize].is_up() {
                return Err(InputError::new("command", format!("broker-{broker} is already crashed; use restart_broker")));
            }
            sim.brokers[broker as usize].crash();
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
        _ => unreachable!("handled above"),
    }
    Ok(())
}

/// A node name that exists in this run: producer-0, consumer-0, controller, broker-0 to broker-(n-1).
fn existing_node(sim: &Simulation, path: &str, name: &str) -> Result<NodeId, InputError> {
    let node = crate::command::parse_node(path, name)?;
    let exists = match node.kind {
        NodeKind::Broker => usize::from(node.index) < sim.brokers.len(),
        NodeKind::Controller => true,
        NodeKind::Producer | NodeKind::Consumer => node.index == 0,
    };
    if !exists {
        let last = sim.brokers.len() - 1;
        return Err(InputError::new(path, format!("{name} is not in this run; nodes are producer-0, consumer-0, controller and broker-0 to broker-{last}")));
    }
    Ok(node)
}

fn existing_nodes(sim: &Simulation, path: &str, names: &[String]) -> Result<BTreeSet<NodeId>, InputError> {
    names.iter().enumerate().map(|(i, name)| existing_node(sim, &format!("{path}[{i}]"), name)).collect()
}

fn check_broker(sim: &Simulation, broker: u16) -> Result<(), InputError> {
    let count = sim.brokers.len();
    if usize::from(broker) >= count {
        return Err(InputError::new("broker", format!("must be between 0 and {} (this cluster has {count} brokers; got {broker})", count - 1)));
    }
    Ok(())
}
