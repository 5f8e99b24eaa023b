//! Consumer-group partition assignment: when a group rebalances, the leader hands every
//! partition of the subscribed topics to exactly one member. Kafka's strategies run in the
//! Java client, so their answers depend on Java's string order and hash maps, which come first.

pub mod java;
