//! How the architectures plug into the simulation: they are built from the scenario, tick
//! on their own timer, read the topic through the brokers' logs, learn each record's fate
//! from the producer's accounting, and take the commands meant for them.

use super::reader::TopicAccess;
use super::{ArchCommand, Architectures};
use crate::error::InputError;
use crate::scenario::stream::EventTimeSpec;
use crate::scenario::Scenario;
use crate::simulation::{Event, Simulation, CONTROLLER};
use crate::sim::{Duration, TraceKind};

/// The architectures of `scenario`, if it has them (validation made sure it has a workload).
pub(crate) fn for_scenario(scenario: &Scenario, event_time: EventTimeSpec) -> Option<Box<Architectures>> {
    let (spec, workload) = scenario.architectures.as_ref().zip(scenario.workload.as_ref())?;
    let architectures = Architectures::new(spec, workload, event_time, scenario.topic.partitions);
    Some(Box::new(if scenario.producer.transactional_id.is_some() { architectures.with_transactions() } else { architectures }))
}

impl Simulation {
    /// Read access to the topic, for the architectures.
    pub fn topic_access(&self) -> TopicAccess<'_> {
        TopicAccess { brokers: &self.brokers, controller: &self.controller }
    }

    pub(crate) fn tick_architectures(&mut self) {
        let Some(architectures) = &mut self.architectures else { return };
        let topic = TopicAccess { brokers: &self.brokers, controller: &self.controller };
        architectures.tick(&topic, self.now);
        let next = self.now + Duration::from_us(architectures.tick_interval_us());
        self.queue.push(next, Event::Arch);
        self.trace_architecture_notes();
    }

    fn trace_architecture_notes(&mut self) {
        let Some(architectures) = &mut self.architectures else { return };
        for note in architectures.take_notes() {
            self.trace.record(self.now, TraceKind::Architecture, CONTROLLER, note);
        }
    }

    pub(crate) fn apply_to_architectures(&mut self, command: ArchCommand) -> Result<(), InputError> {
        let Some(architectures) = &mut self.architectures else {
            return Err(InputError::new("command", "this scenario has no architectures: add an \"architectures\" section (\"architectures\": {} runs all three) or run the CLI with --architectures"));
        };
        let topic = TopicAccess { brokers: &self.brokers, controller: &self.controller };
        let applied = architectures.apply(command, &topic, self.now);
        self.trace_architecture_notes();
        applied
    }

    /// Lambda, Kappa and CQRS, when the scenario has them.
    pub fn architectures(&self) -> Option<&Architectures> {
        self.architectures.as_deref()
    }
}
