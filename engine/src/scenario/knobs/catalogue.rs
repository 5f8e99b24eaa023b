//! The knobs a learner reaches for first, each with the line a teacher would say while
//! turning it. Ranges are the validation's own (`scenario::limits` and the checks beside
//! each section), so the page never offers a value the scenario would refuse.

use super::super::limits::*;
use super::super::stream::PARALLELISM_MAX;

/// A knob's static shape: ranges as validation accepts them regardless of other fields
/// (`knobs_for` narrows those that depend on another field, such as RF ≤ brokers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KnobKind {
    Integer { min: i64, max: i64, unit: &'static str },
    Number { min: f64, max: f64, unit: &'static str },
    Choice { options: &'static [&'static str] },
    Flag,
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KnobSpec {
    /// Written as errors name fields: "stream.watermark.out_of_orderness_ms".
    pub path: &'static str,
    pub label: &'static str,
    /// One line: what turning it does.
    pub about: &'static str,
    pub kind: KnobKind,
}

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

const fn int(min: i64, max: i64, unit: &'static str) -> KnobKind {
    KnobKind::Integer { min, max, unit }
}

const fn spec(path: &'static str, label: &'static str, about: &'static str, kind: KnobKind) -> KnobSpec {
    KnobSpec { path, label, about, kind }
}

/// Every catalogue knob, grouped as the scenario document is.
pub const CATALOGUE: &[KnobSpec] = &[
    spec("cluster.brokers", "Brokers", "More brokers spread the partitions' leaders and allow more replicas; a crash then takes a smaller share of the leaders. Brokers beyond the scenario's named racks get rack-a, rack-b, rack-c in turn.", int(1, BROKERS_MAX as i64, "")),
    spec("topic.partitions", "Partitions", "The unit of parallelism: at most one consumer of a group reads each partition, so more partitions allow more consumers; a key always lands on the same one.", int(1, PARTITIONS_MAX as i64, "")),
    spec("topic.replication_factor", "Replication factor", "Copies of each partition on different brokers: with 3, two brokers can die and the data survives; at most the broker count.", int(1, BROKERS_MAX as i64, "")),
    spec("topic.min_insync_replicas", "min.insync.replicas", "With acks=all, a write needs this many in-sync copies or it is refused: 2 of 3 survives one crash without losing acknowledged records.", int(1, BROKERS_MAX as i64, "")),
    spec("producer.records_per_s", "Producer rate", "How many records per second the producer sends (Poisson arrivals): above the consumers' speed, lag grows without end.", int(1, RATE_RECORDS_PER_S_MAX as i64, "records/s")),
    spec("producer.acks", "acks", "0: nobody confirms, so records vanish silently; 1: the leader alone acknowledges, so a leader crash can lose acknowledged records; all: every in-sync replica has it.", KnobKind::Choice { options: &["0", "1", "all"] }),
    spec("producer.linger_ms", "linger.ms", "How long a batch that is not full waits for more records: longer means fuller batches and fewer requests, at the cost of latency.", int(0, WAIT_MS_MAX as i64, "ms")),
    spec("producer.batch_size_bytes", "batch.size", "The most bytes a partition's batch may hold: bigger batches amortise each request; 0 sends every record alone.", int(0, BATCH_SIZE_BYTES_MAX as i64, "bytes")),
    spec("producer.compression_type", "compression.type", "Compress each batch: fewer bytes on the wire and on disk, paid for with CPU time in the producer.", KnobKind::Choice { options: &["none", "gzip", "snappy", "lz4", "zstd"] }),
    spec("producer.enable_idempotence", "enable.idempotence", "Brokers drop a retried batch they already wrote, so a retry never duplicates a record; Kafka requires acks=all and at most 5 requests in flight for it.", KnobKind::Flag),
    spec("producer.key_skew", "Key skew", "Zipf exponent of key popularity: 0 spreads keys evenly, above 1 a few hot keys dominate and their partitions lag behind.", KnobKind::Number { min: 0.0, max: KEY_SKEW_MAX, unit: "" }),
    spec("consumer.count", "Consumers", "Members of the consumer group: they share the partitions, so adding one speeds the group up until there are more consumers than partitions.", int(1, CONSUMERS_MAX as i64, "")),
    spec("consumer.records_per_s", "Consumer speed", "Records per second each consumer processes: when the group is slower than the producer, lag grows.", int(1, RATE_RECORDS_PER_S_MAX as i64, "records/s")),
    spec("consumer.assignor", "Assignor", "How partitions are shared out on a rebalance: range and roundrobin reshuffle everything, sticky keeps what it can, cooperative-sticky also never stops the whole group.", KnobKind::Choice { options: &["range", "roundrobin", "sticky", "cooperative-sticky"] }),
    spec("consumer.isolation_level", "isolation.level", "read_committed hides records of open and aborted transactions (it reads below the last stable offset); read_uncommitted sees everything at once.", KnobKind::Choice { options: &["read_uncommitted", "read_committed"] }),
    spec("consumer.max_poll_records", "max.poll.records", "The most records one poll returns: bigger polls mean fewer round trips but longer gaps between a consumer's commits.", int(1, MAX_POLL_RECORDS_MAX as i64, "records")),
    spec("cluster.unclean_leader_election_enable", "unclean.leader.election.enable", "When every in-sync replica is down, let an out-of-sync one lead: the partition comes back sooner, minus the records it never copied.", KnobKind::Flag),
    spec("network.latency_ms", "Network latency", "One-way delay of every link: it adds to every produce, replication and fetch round trip.", int(0, LATENCY_MS_MAX as i64, "ms")),
    spec("stream.watermark.out_of_orderness_ms", "Watermark delay", "How far behind the newest event time the watermark trails: longer waits for stragglers before a window fires, shorter gives results sooner and drops more late records.", int(0, HOUR_MS, "ms")),
    spec("stream.watermark.idle_timeout_ms", "Idle timeout", "A partition silent this long stops holding the watermark back; unset (null), one idle partition stalls every window.", int(1, HOUR_MS, "ms")),
    spec("stream.operator.windowing.size_ms", "Window size", "The span of event time each window aggregates: larger windows smooth the result and fire less often.", int(1, DAY_MS, "ms")),
    spec("stream.operator.allowed_lateness_ms", "Allowed lateness", "How long after the watermark passes a window it still accepts late records, each one refining the result with a late pane; later ones are dropped.", int(0, DAY_MS, "ms")),
    spec("stream.delivery", "Delivery guarantee", "at_most_once keeps no checkpoints, so a crash loses state; at_least_once replays from a checkpoint and writes some results twice; exactly_once commits output with the checkpoint.", KnobKind::Choice { options: &["at_most_once", "at_least_once", "exactly_once"] }),
    spec("stream.checkpoint.interval_ms", "Checkpoint interval", "How often the job snapshots its state: shorter means less to replay after a crash, more snapshot work; under exactly_once, results wait for the next checkpoint.", int(100, HOUR_MS, "ms")),
    spec("stream.parallelism", "Job parallelism", "Keyed tasks after the exchange: each owns a share of the keys, so more tasks process faster unless one hot key holds everything.", int(1, PARALLELISM_MAX as i64, "tasks")),
    spec("stream.event_time.late_percent", "Late records", "Share of records that happened long before they arrived: they test the watermark and the allowed lateness.", KnobKind::Number { min: 0.0, max: 100.0, unit: "%" }),
    spec("workload.scale", "Scale", "class keeps the scenario's own rate, easy to follow on screen; real runs at the domain's real-world rate with a population to match.", KnobKind::Choice { options: &["class", "real"] }),
    spec("architectures.window_ms", "Query window", "The tumbling event-time window every architecture answers the query in; unset (null), the workload's own hour. A minute closes windows within a lesson.", int(1_000, DAY_MS, "ms")),
    spec("architectures.batch_interval_ms", "Batch interval", "Lambda: the pause between batch runs; the speed layer covers the gap, so a longer pause leans harder on its approximations.", int(1_000, DAY_MS, "ms")),
    spec("architectures.batch_cores", "Batch cores", "Lambda: the batch cluster's cores: fewer make every recomputation slower, and the serving layer older.", int(1, 1_024, "cores")),
    spec("architectures.tick_ms", "Layer tick", "How often the layers read the topic and the serving views refresh: longer ticks make every answer staler.", int(10, 10_000, "ms")),
    spec("architectures.out_of_orderness_ms", "Stream layers' watermark delay", "How long the stream layers wait for stragglers before closing a window: shorter answers sooner and misses more late records.", int(0, HOUR_MS, "ms")),
    spec("architectures.allowed_lateness_ms", "Stream layers' allowed lateness", "How long after the watermark the stream layers still correct a closed window; later records only the batch layer counts.", int(0, DAY_MS, "ms")),
    spec("architectures.restart_ms", "Layer restart", "How long a crashed layer stays down: the gap its readers see as staleness or a replay.", int(0, HOUR_MS, "ms")),
];

/// The catalogue entry for `path`.
pub fn entry(path: &str) -> Option<&'static KnobSpec> {
    CATALOGUE.iter().find(|spec| spec.path == path)
}
