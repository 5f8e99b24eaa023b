//! The simulation substrate: simulated time, the event queue, seeded randomness, the
//! network between nodes, and the trace. Nothing here knows about Kafka; the nodes in
//! `kafka/` are plain state machines that this substrate drives one event at a time.

pub mod chunked;
pub mod network;
pub mod node;
pub mod queue;
pub mod small_deque;
pub mod sort;
#[cfg(test)]
pub mod test_ops;
pub mod rng;
pub mod time;
pub mod trace;

pub use node::NodeId;
pub use queue::EventQueue;
pub use rng::SimRng;
pub use time::{Duration, SimTime};
pub use trace::{Trace, TraceEntry, TraceKind};
