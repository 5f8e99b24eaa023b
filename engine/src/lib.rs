//! dhara-engine: a deterministic simulation of Kafka-style brokers, producers and consumers
//! (and, as the project grows, stream processing and whole architectures). It has no web
//! dependency, reads no clock and does no I/O: the same scenario, seed and commands give the
//! same run, bit for bit, natively and in the browser.

pub mod arch;
pub mod command;
pub mod error;
mod faults;
mod invariants;
mod observe;
pub mod reconcile;
pub mod kafka;
pub mod lesson;
pub mod metrics;
pub mod narrate;
pub mod scenario;
pub mod shop;
pub mod sim;
pub mod simulation;
pub mod social;
pub mod stream;
pub mod swarm;
pub mod timeline;
pub mod upi;
pub mod workload;
mod snapshot;
pub mod view;

pub use command::Command;
pub use error::InputError;
pub use scenario::Scenario;
pub use simulation::Simulation;
pub use timeline::Timeline;
pub use view::{Snapshot, Summary};
