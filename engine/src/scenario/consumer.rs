//! The consumer group's part of a scenario: Kafka's consumer settings under their Kafka
//! names (with units appended), each optional with Kafka's default.

use super::limits::*;
use super::{default_request_timeout_ms, one, one_u32};
use crate::error::{check_range, InputError};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    /// Processing speed, 1 to 1,000,000 records per second.
    pub records_per_s: u32,
    /// Kafka's max.poll.records (default 500), 1 to 100,000.
    #[serde(default = "default_max_poll_records")]
    pub max_poll_records: u32,
    /// Kafka's fetch.max.wait.ms (default 500), 0 to 60,000 ms.
    #[serde(default = "default_fetch_max_wait_ms")]
    pub fetch_max_wait_ms: u32,
    /// Kafka's fetch.min.bytes (default 1), 1 to 52,428,800 (fetch.max.bytes): a broker
    /// holds a fetch until this much data is ready or fetch.max.wait.ms passes.
    #[serde(default = "one_u32")]
    pub fetch_min_bytes: u32,
    /// Kafka's consumer request.timeout.ms (default 30,000), 1 to 600,000 ms.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u32,
    /// Members of the consumer group at the start, 1 to 16 (default 1).
    #[serde(default = "one")]
    pub count: u16,
    /// partition.assignment.strategy: "range" (default: the first of Kafka 3.x's default
    /// list), "roundrobin", "sticky" or "cooperative-sticky".
    #[serde(default = "default_assignor")]
    pub assignor: crate::kafka::assignor::Strategy,
    /// session.timeout.ms (default 45,000), 1,000 to 600,000 ms.
    #[serde(default = "default_session_timeout_ms")]
    pub session_timeout_ms: u32,
    /// heartbeat.interval.ms (default 3,000), 100 ms to a third of the session timeout.
    #[serde(default = "default_heartbeat_interval_ms")]
    pub heartbeat_interval_ms: u32,
    /// max.poll.interval.ms (default 300,000): also how long a rebalance waits for members.
    #[serde(default = "default_max_poll_interval_ms")]
    pub max_poll_interval_ms: u32,
    /// Give each member a group.instance.id (static membership; default false).
    #[serde(default)]
    pub static_membership: bool,
    /// enable.auto.commit (default true): commit every auto_commit_interval_ms; false
    /// commits after every processed batch (commitSync).
    #[serde(default = "yes")]
    pub enable_auto_commit: bool,
    /// auto.commit.interval.ms (default 5,000), 1 to 3,600,000 ms.
    #[serde(default = "default_auto_commit_interval_ms")]
    pub auto_commit_interval_ms: u32,
    /// auto.offset.reset: "latest" (default) or "earliest".
    #[serde(default = "default_offset_reset")]
    pub auto_offset_reset: crate::kafka::consumer::OffsetReset,
    /// isolation.level: "read_uncommitted" (Kafka's default) or "read_committed" (only
    /// committed transactions, below the last stable offset).
    #[serde(default)]
    pub isolation_level: crate::kafka::consumer::IsolationLevel,
}

impl ConsumerSpec {
    pub(super) fn validate(&self) -> Result<(), InputError> {
        let c = self;
        check_range("consumer.records_per_s", c.records_per_s, 1, RATE_RECORDS_PER_S_MAX, "records/s")?;
        check_range("consumer.max_poll_records", c.max_poll_records, 1, MAX_POLL_RECORDS_MAX, "")?;
        check_range("consumer.fetch_max_wait_ms", c.fetch_max_wait_ms, 0, WAIT_MS_MAX, "ms")?;
        check_range("consumer.fetch_min_bytes", c.fetch_min_bytes, 1, 52_428_800, "bytes")?;
        check_range("consumer.request_timeout_ms", c.request_timeout_ms, 1, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        check_range("consumer.count", c.count, 1, CONSUMERS_MAX, "")?;
        check_range("consumer.session_timeout_ms", c.session_timeout_ms, 1_000, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        check_range("consumer.heartbeat_interval_ms", c.heartbeat_interval_ms, 100, c.session_timeout_ms / 3, "ms (at most a third of consumer.session_timeout_ms)")?;
        check_range("consumer.max_poll_interval_ms", c.max_poll_interval_ms, 1_000, DELIVERY_TIMEOUT_MS_MAX, "ms")?;
        check_range("consumer.auto_commit_interval_ms", c.auto_commit_interval_ms, 1, DELIVERY_TIMEOUT_MS_MAX, "ms")?;
        Ok(())
    }
}

fn yes() -> bool {
    true
}
fn default_auto_commit_interval_ms() -> u32 {
    5_000
}
fn default_offset_reset() -> crate::kafka::consumer::OffsetReset {
    crate::kafka::consumer::OffsetReset::Latest
}
fn default_assignor() -> crate::kafka::assignor::Strategy {
    crate::kafka::assignor::Strategy::Range
}
fn default_session_timeout_ms() -> u32 {
    45_000
}
fn default_heartbeat_interval_ms() -> u32 {
    3_000
}
fn default_max_poll_interval_ms() -> u32 {
    300_000
}
fn default_max_poll_records() -> u32 {
    500
}
fn default_fetch_max_wait_ms() -> u32 {
    500
}
