//! Faults and knob changes from outside, in the spirit of Turmoil's and MadSim's fault verbs:
//! crash a node, restart it, change a rate. Each is checked against the current state first
//! (you cannot crash what is already down), so a refused command changes nothing.

use crate::command::Command;
use crate::error::InputError;
use crate::kafka::consumer::ConsumerState;
use crate::kafka::Outbox;
use crate::simulation::{Simulation, CONSUMER};
use crate::sim::NodeId;

pub(crate) fn apply(sim: &mut Simulation, command: &Command) -> Result<(), InputError> {
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
