//! A Kafka-style cluster as state machines. Producers, brokers and consumers never call each
//! other: each takes one message or timer, changes its own state and emits effects (send a
//! message, set a timer) into an `Outbox`, which the simulation turns into future events.
//! This is how the real protocol works too: everything is a request and a response.

pub mod assignor;
pub mod broker;
pub mod cleaner;
pub mod compression;
pub mod consumer;
pub mod controller;
pub mod fates;
pub mod fates_recount;
pub mod group;
pub mod idempotence;
pub mod keys;
pub mod log;
pub mod outbox;
pub mod partitioner;
pub mod producer;
pub mod replication;
pub mod transactions;
pub mod txn_index;
pub mod protocol;
pub mod record_format;

pub use protocol::{Msg, Outbox, Timer};
