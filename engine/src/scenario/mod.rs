//! A scenario is a JSON document that says what to simulate: the topic, the producer's rate
//! and keys, the consumer's speed, the network. It is validated once, here at the edge, so
//! the engine itself can assume every number is in range. Units are in the field names.

pub mod builtin;
pub mod knobs;
mod consumer;
mod producer;
pub mod stream;

use crate::error::{check_range, InputError};
use serde::{Deserialize, Serialize};

pub use consumer::ConsumerSpec;
pub use producer::{ProducerSpec, IDEMPOTENT_MAX_IN_FLIGHT};

/// Limits that keep every run in bounded memory and time; the error names them.
pub mod limits {
    pub const PARTITIONS_MAX: u32 = 256;
    pub const RETENTION_RECORDS_MAX: u64 = 1_000_000;
    pub const RATE_RECORDS_PER_S_MAX: u32 = 1_000_000;
    pub const KEYS_MAX: u32 = 1_000_000;
    pub const KEY_SKEW_MAX: f64 = 3.0;
    pub const VALUE_BYTES_MAX: u32 = 1_048_576;
    pub const MAX_POLL_RECORDS_MAX: u32 = 100_000;
    pub const WAIT_MS_MAX: u32 = 60_000;
    pub const LATENCY_MS_MAX: u32 = 10_000;
    pub const SAMPLE_INTERVAL_MS_MIN: u32 = 100;
    pub const SAMPLE_INTERVAL_MS_MAX: u32 = 60_000;
    pub const SERIES_POINTS_MAX: u32 = 100_000;
    pub const BROKERS_MAX: u16 = 9;
    pub const CONSUMERS_MAX: u16 = 16;
    pub const TEN_YEARS_MS: u64 = 10 * 365 * 24 * 3_600_000;
    pub const CLUSTER_TIMEOUT_MS_MAX: u32 = 600_000;
    pub const DELIVERY_TIMEOUT_MS_MAX: u32 = 3_600_000;
    /// Kafka's default max.request.size: a larger batch could not be sent with defaults.
    pub const BATCH_SIZE_BYTES_MAX: u32 = 1_048_576;
    pub const MAX_IN_FLIGHT_MAX: u32 = 100;
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Identifier: lower-case letters, digits and '-', 1 to 64 characters.
    pub name: String,
    /// One line for the page's title bar.
    pub title: String,
    pub description: String,
    /// What this scenario simplifies compared to real Kafka; shown on the page.
    #[serde(default)]
    pub simplifications: Vec<String>,
    /// The knobs that matter most here, for the page: a path into this document, written as
    /// errors name fields ("workload.traffic.spikes[1].multiplier"), and
    /// one line on what turning it does (at most 12).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub knobs: Vec<Knob>,
    pub topic: TopicSpec,
    pub producer: ProducerSpec,
    pub consumer: ConsumerSpec,
    #[serde(default)]
    pub cluster: ClusterSpec,
    #[serde(default)]
    pub network: NetworkSpec,
    #[serde(default)]
    pub metrics: MetricsSpec,
    /// A stream job reading the topic; its source tasks are the consumers (consumer.count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<stream::StreamSpec>,
    /// A domain workload (UPI payments, social posts, shop clicks) generating the producer's
    /// records instead of Poisson arrivals of Zipf keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<crate::workload::WorkloadSpec>,
    /// Lambda, Kappa and event sourcing + CQRS answering the workload's query side by side
    /// from the same topic (needs a workload: it defines the query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architectures: Option<crate::arch::ArchSpec>,
}

/// A knob worth turning, named by its path in the scenario ("workload.fraud_percent").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Knob {
    pub path: String,
    /// One line, at most 200 characters.
    pub about: String,
}

/// Knobs a scenario may list.
pub const KNOBS_MAX: usize = 12;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Kafka's legal topic names: ASCII letters, digits, '.', '_' and '-', 1 to 249 characters.
    pub name: String,
    /// 1 to 256.
    pub partitions: u32,
    /// Size-based retention per partition, counted in records (1 to 1,000,000).
    pub retention_records_max: u64,
    /// Copies of each partition, 1 to the broker count (Kafka's default.replication.factor: 1).
    #[serde(default = "one")]
    pub replication_factor: u16,
    /// Kafka's min.insync.replicas (default 1), 1 to the replication factor.
    #[serde(default = "one_u32")]
    pub min_insync_replicas: u32,
    /// Kafka's cleanup.policy: "delete" (default), "compact", or "compact,delete".
    #[serde(default)]
    pub cleanup_policy: CleanupPolicy,
    /// Kafka's retention.ms (default 604,800,000: 7 days), 1 ms to 10 years: records
    /// created longer ago are deleted (under a "delete" policy).
    #[serde(default = "default_retention_ms")]
    pub retention_ms: u64,
    /// Kafka's delete.retention.ms (default 86,400,000: 1 day), 0 to 10 years: how long a
    /// compacted topic keeps a tombstone after the cleaner first sees it.
    #[serde(default = "default_delete_retention_ms")]
    pub delete_retention_ms: u64,
    /// Records per log segment (Kafka rolls segments by segment.bytes, 1 GiB by default;
    /// this counts records), 1 to 10,000,000 (default 1,000,000). The cleaner never touches
    /// the active (last) segment.
    #[serde(default = "default_segment_records")]
    pub segment_records: u64,
}

/// What happens to old records: deleted by age and size, compacted to the latest per key, or both.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CleanupPolicy {
    #[default]
    #[serde(rename = "delete")]
    Delete,
    #[serde(rename = "compact")]
    Compact,
    #[serde(rename = "compact,delete")]
    CompactDelete,
}

impl CleanupPolicy {
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
}

/// The brokers and the controller's failure detection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterSpec {
    /// 1 to 9 brokers (default 1).
    pub brokers: u16,
    /// One rack name per broker, or empty for `rack-a`, `rack-b`, `rack-c` in turn.
    pub racks: Vec<String>,
    /// Kafka's replica.lag.time.max.ms (default 30,000), 100 to 600,000 ms.
    pub replica_lag_time_max_ms: u32,
    /// Kafka's replica.socket.timeout.ms (default 30,000), 100 to 600,000 ms: how long a
    /// follower waits for a fetch answer before sending the fetch again.
    pub replica_socket_timeout_ms: u32,
    /// KRaft's broker.heartbeat.interval.ms (default 2,000), 100 to 600,000 ms.
    pub broker_heartbeat_interval_ms: u32,
    /// KRaft's broker.session.timeout.ms (default 9,000): at least twice the heartbeat interval.
    pub broker_session_timeout_ms: u32,
    /// Kafka's unclean.leader.election.enable (default false).
    pub unclean_leader_election_enable: bool,
    /// The broker's group.initial.rebalance.delay.ms (default 3,000), 0 to 300,000 ms.
    pub group_initial_rebalance_delay_ms: u32,
    /// Kafka's log.cleaner.backoff.ms (default 15,000), 100 to 600,000 ms: how often each
    /// broker's cleaner looks for work (compaction and time-based deletion).
    pub log_cleaner_backoff_ms: u32,
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: 1,
            racks: Vec::new(),
            replica_lag_time_max_ms: 30_000,
            replica_socket_timeout_ms: 30_000,
            broker_heartbeat_interval_ms: 2_000,
            broker_session_timeout_ms: 9_000,
            unclean_leader_election_enable: false,
            group_initial_rebalance_delay_ms: 3_000,
            log_cleaner_backoff_ms: 15_000,
        }
    }
}

impl ClusterSpec {
    /// The rack of `broker`.
    pub fn rack(&self, broker: u16) -> String {
        match self.racks.get(broker as usize) {
            Some(rack) => rack.clone(),
            None => format!("rack-{}", ["a", "b", "c"][broker as usize % 3]),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency of every link, 0 to 10,000 ms (default 1).
    pub latency_ms: u32,
    /// Extra uniform random delay, 0 to 10,000 ms (default 1).
    pub jitter_ms: u32,
    /// What each directed link carries, 0 to 100,000 Mbit/s; 0 (default) is unlimited.
    #[serde(default)]
    pub bandwidth_mbps: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    /// How often lag and rates are sampled, 100 to 60,000 ms (default 1000).
    pub sample_interval_ms: u32,
    /// Points kept per series (a ring buffer), 10 to 100,000 (default 3600).
    pub series_points_max: u32,
}

pub(crate) fn one() -> u16 {
    1
}
pub(crate) fn one_u32() -> u32 {
    1
}
fn default_request_timeout_ms() -> u32 {
    30_000
}
fn default_retention_ms() -> u64 {
    604_800_000
}
fn default_delete_retention_ms() -> u64 {
    86_400_000
}
fn default_segment_records() -> u64 {
    1_000_000
}
impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec { latency_ms: 1, jitter_ms: 1, bandwidth_mbps: 0 }
    }
}
impl Default for MetricsSpec {
    fn default() -> Self {
        MetricsSpec { sample_interval_ms: 1_000, series_points_max: 3_600 }
    }
}

impl Scenario {
    /// Parses and validates a scenario document.
    pub fn from_json(text: &str) -> Result<Scenario, InputError> {
        let scenario: Scenario = InputError::parse_json("scenario", text).map_err(knobs::name_the_limit)?;
        scenario.validate()?;
        Ok(scenario)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a scenario always serializes")
    }

    /// Checks every field against its documented range.
    pub fn validate(&self) -> Result<(), InputError> {
        use limits::*;
        check_name("name", &self.name, 64, |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')?;
        check_name("topic.name", &self.topic.name, 249, |c| c.is_ascii_alphanumeric() || "._-".contains(c))?;
        if self.topic.name == "." || self.topic.name == ".." {
            return Err(InputError::new("topic.name", "cannot be \".\" or \"..\" (Kafka forbids them)"));
        }
        check_range("topic.partitions", self.topic.partitions, 1, PARTITIONS_MAX, "")?;
        let retention = self.topic.retention_records_max;
        check_range("topic.retention_records_max", retention, 1, RETENTION_RECORDS_MAX, "records")?;
        self.producer.validate()?;
        self.consumer.validate()?;
        check_range("network.latency_ms", self.network.latency_ms, 0, LATENCY_MS_MAX, "ms")?;
        check_range("network.jitter_ms", self.network.jitter_ms, 0, LATENCY_MS_MAX, "ms")?;
        check_range("network.bandwidth_mbps", self.network.bandwidth_mbps, 0, 100_000, "Mbit/s")?;
        let m = &self.metrics;
        let interval = m.sample_interval_ms;
        check_range("metrics.sample_interval_ms", interval, SAMPLE_INTERVAL_MS_MIN, SAMPLE_INTERVAL_MS_MAX, "ms")?;
        check_range("metrics.series_points_max", m.series_points_max, 10, SERIES_POINTS_MAX, "")?;
        if let Some(workload) = &self.workload {
            workload.validate()?;
        }
        self.validate_knobs()?;
        if let Some(stream) = &self.stream {
            stream.validate(self.topic.partitions, self.consumer.count, self.workload.as_ref().map(|w| w.kind()))?;
            crate::workload::checks::check_job(stream, self.workload.as_ref())?;
        }
        if self.workload.is_some() {
            crate::workload::checks::check_producer(&self.producer)?;
        }
        if let Some(architectures) = &self.architectures {
            if self.workload.is_none() {
                return Err(InputError::new("architectures", "needs a \"workload\" section (upi, social or shop): the workload defines the query the architectures answer"));
            }
            architectures.validate()?;
        }
        self.validate_cluster()
    }

    /// Every knob names a field this scenario has (with its defaults filled in).
    fn validate_knobs(&self) -> Result<(), InputError> {
        if self.knobs.len() > KNOBS_MAX {
            return Err(InputError::new("knobs", format!("must list at most {KNOBS_MAX} knobs (got {})", self.knobs.len())));
        }
        let document = serde_json::to_value(self).expect("a scenario always serializes");
        for (i, knob) in self.knobs.iter().enumerate() {
            // Written as errors name fields: "workload.traffic.spikes[1].multiplier".
            let found = knob.path.split(['.', '[']).try_fold(&document, |at, part| match part.strip_suffix(']').map(str::parse::<usize>) {
                Some(Ok(index)) => at.get(index),
                Some(Err(_)) => None,
                None => at.get(part),
            });
            if knob.path.is_empty() || found.is_none() {
                return Err(InputError::new(format!("knobs[{i}].path"), format!("{:?} is not a field of this scenario (use a dotted path such as \"producer.records_per_s\")", knob.path)));
            }
            if knob.about.is_empty() || knob.about.chars().count() > 200 {
                return Err(InputError::new(format!("knobs[{i}].about"), "must be 1 to 200 characters"));
            }
        }
        Ok(())
    }

    fn validate_cluster(&self) -> Result<(), InputError> {
        use limits::*;
        let c = &self.cluster;
        check_range("cluster.brokers", c.brokers, 1, BROKERS_MAX, "")?;
        if !c.racks.is_empty() && c.racks.len() != c.brokers as usize {
            return Err(InputError::new("cluster.racks", format!("must name one rack per broker ({}), or be empty", c.brokers)));
        }
        for (i, rack) in c.racks.iter().enumerate() {
            check_name(&format!("cluster.racks[{i}]"), rack, 32, |ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))?;
        }
        check_range("cluster.replica_lag_time_max_ms", c.replica_lag_time_max_ms, 100, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        check_range("cluster.log_cleaner_backoff_ms", c.log_cleaner_backoff_ms, 100, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        let t = &self.topic;
        check_range("topic.retention_ms", t.retention_ms, 1, TEN_YEARS_MS, "ms")?;
        check_range("topic.delete_retention_ms", t.delete_retention_ms, 0, TEN_YEARS_MS, "ms")?;
        check_range("topic.segment_records", t.segment_records, 1, 10_000_000, "records")?;
        if t.cleanup_policy.compacts() && self.producer.keyless_percent > 0 {
            return Err(InputError::new("producer.keyless_percent", "must be 0 on a compacted topic (cleanup_policy compact): Kafka refuses records without a key there"));
        }
        check_range("cluster.group_initial_rebalance_delay_ms", c.group_initial_rebalance_delay_ms, 0, 300_000, "ms")?;
        check_range("cluster.replica_socket_timeout_ms", c.replica_socket_timeout_ms, 100, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        let heartbeat = c.broker_heartbeat_interval_ms;
        check_range("cluster.broker_heartbeat_interval_ms", heartbeat, 100, CLUSTER_TIMEOUT_MS_MAX, "ms")?;
        let session_min = heartbeat.saturating_mul(2);
        check_range("cluster.broker_session_timeout_ms", c.broker_session_timeout_ms, session_min, CLUSTER_TIMEOUT_MS_MAX, "ms (at least twice the heartbeat interval)")?;
        check_range("topic.replication_factor", self.topic.replication_factor, 1, c.brokers, "(at most cluster.brokers)")?;
        let rf = u32::from(self.topic.replication_factor);
        check_range("topic.min_insync_replicas", self.topic.min_insync_replicas, 1, rf, "(at most topic.replication_factor)")
    }

}

fn check_name(path: &str, value: &str, len_max: usize, allowed: impl Fn(char) -> bool) -> Result<(), InputError> {
    if value.is_empty() || value.len() > len_max {
        return Err(InputError::new(path, format!("must be 1 to {len_max} characters (got {})", value.len())));
    }
    if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
        return Err(InputError::new(path, format!("contains {bad:?}, which is not allowed here")));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
