//! The stream job's part of a scenario: how records get their event time, how watermarks
//! are generated, the stateless steps each source task runs, the keyed operator after the
//! key_by exchange, checkpointing and the delivery guarantee. Units are in the field names;
//! everything is validated here, once, so the job can assume every number is in range.

use crate::error::{check_range, InputError};
use crate::stream::aggregate::AggregateKind;
use serde::{Deserialize, Serialize};

/// Keyed-stage parallelism at most (Flink's maxParallelism bounds it far higher).
pub const PARALLELISM_MAX: u16 = 16;
const HOUR_MS: u32 = 3_600_000;
/// Stateless steps at most.
pub const PIPELINE_STEPS_MAX: usize = 16;
/// Records one input record may become through all flat_map steps together.
pub const FAN_OUT_MAX: u32 = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// The job's name on the page, 1 to 64 characters.
    pub job: String,
    #[serde(default)]
    pub event_time: EventTimeSpec,
    #[serde(default)]
    pub watermark: WatermarkSpec,
    /// Stateless steps every source task runs before the exchange, in order.
    #[serde(default)]
    pub pipeline: Vec<StepSpec>,
    /// The keyed operator after the exchange (records reach the task that owns their key).
    pub operator: OperatorSpec,
    /// Keyed-stage tasks, 1 to 16 (default 1). The source's parallelism is consumer.count.
    #[serde(default = "one")]
    pub parallelism: u16,
    /// How fast each keyed task processes records, 1 to 1,000,000 per second.
    pub operator_records_per_s: u32,
    /// Records an exchange channel holds before its sender is backpressured, 1 to 1,000,000
    /// (default 1,000). A source hands over whole poll batches and learns it is paused only
    /// after it has started the next, so a channel can overshoot by up to two batches.
    #[serde(default = "default_channel_capacity")]
    pub channel_capacity_records: u32,
    #[serde(default)]
    pub checkpoint: CheckpointSpec,
    /// "at_most_once", "at_least_once" (default) or "exactly_once".
    #[serde(default)]
    pub delivery: Delivery,
}

/// Where event time comes from: the phone stamps the payment when the payer presses Pay;
/// it reaches Kafka later (the producer's CreateTime). Delays are drawn per record from a
/// hash of its id, so they do not disturb the run's random streams.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventTimeSpec {
    /// Most records happened up to this long before they were produced, 0 to 3,600,000 ms
    /// (default 2,000).
    pub delay_ms_max: u32,
    /// Stragglers: this percentage of records (0 to 100, default 0) happened much earlier,
    pub late_percent: f64,
    /// … this long before they were produced, 0 to 3,600,000 ms (default 60,000).
    pub late_delay_ms: u32,
    /// Distinct tags (event types, hashtags) records carry, 1 to 100,000 (default 10).
    pub tags: u32,
    /// Values (amounts) are drawn from 1 to this, 1 to 10^12 (default 100,000: ₹1,000 in paise).
    pub value_max: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WatermarkSpec {
    /// Bounded out-of-orderness per source partition, 0 to 3,600,000 ms (default 5,000).
    pub out_of_orderness_ms: u32,
    /// A partition with no record for this long stops holding the watermark back, 1 to
    /// 3,600,000 ms; absent (default) never, like Flink without `withIdleness`.
    pub idle_timeout_ms: Option<u32>,
    /// How often sources emit watermarks, 1 to 60,000 ms (default 200, Flink's
    /// pipeline.auto-watermark-interval).
    pub interval_ms: u32,
}

/// A stateless step. Declarative, because a scenario is data, not code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepSpec {
    /// Keep records whose `field` is within `[min, max]`.
    Filter { field: Field, min: i64, max: i64 },
    /// `field = field × multiply + add` (saturating).
    Map { field: Field, multiply: i64, add: i64 },
    /// Each record becomes 1 to `copies_max` records with consecutive tags (a post with
    /// several hashtags); how many is drawn from a hash of the record's id.
    FlatMap { copies_max: u32 },
    /// Re-key: by the Kafka key (the default before any key_by), by tag, or one key for all.
    KeyBy { by: KeyBy },
    /// Read fields of a domain workload's payload into the record's value and/or tag
    /// ("amount_rupees" into value, "bank" into tag), so the generic steps and aggregates
    /// work on them.
    Extract {
        #[serde(default)]
        value: Option<crate::workload::Field>,
        #[serde(default)]
        tag: Option<crate::workload::Field>,
    },
    /// Social workload: a post becomes one record per hashtag (none without), tagged with
    /// the hashtag's id and valued 1, so key_by tag and count give posts per hashtag.
    Hashtags,
    /// Each record goes on as it is and also as a copy keyed by a payload field, with the
    /// top bit of the copy's key and id set ("payee": a payment reaches both its payer's and
    /// its payee's keyed state, the way a Flink job would union two keyBy streams).
    AlsoKeyBy { field: crate::workload::Field },
}


#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Value,
    Tag,
    Key,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyBy {
    Key,
    Tag,
    /// One key for every record: a global aggregate on a single task.
    Constant,
}

/// The keyed operator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum OperatorSpec {
    /// A windowed aggregate per key.
    Window {
        windowing: WindowingSpec,
        #[serde(default)]
        trigger: TriggerSpec,
        /// 0 to 86,400,000 ms (default 0, Beam's and Flink's default).
        #[serde(default)]
        allowed_lateness_ms: u32,
        /// "discarding" (default) or "accumulating".
        #[serde(default)]
        accumulation: Accumulation,
        aggregate: AggregateKind,
    },
    /// A keyed process function: alert when a key has at least `count_min` records within
    /// `within_ms` of event time.
    Burst { count_min: u32, within_ms: u32, idle_clear_ms: u32 },
    /// Flink's window join: a record tagged `left_tag` and one tagged `right_tag` with the
    /// same key in the same tumbling window of `size_ms` make a pair, emitted when the
    /// watermark passes the window's end.
    JoinWindow { left_tag: u32, right_tag: u32, size_ms: u32 },
    /// Kafka Streams' stream–table join: records tagged `table_tag` are the table's changelog
    /// (the latest value per key wins; a tombstone deletes the key), and every other record
    /// is enriched with its key's current value. "inner" (default) drops records whose key
    /// is not in the table; "left" keeps them without a value.
    JoinTable {
        table_tag: u32,
        #[serde(default)]
        kind: crate::stream::join::JoinKind,
    },
    /// The UPI fraud detector (workload "upi"): features per payer in keyed state and a
    /// risk score; alerts above the threshold go to the sink.
    Fraud(crate::upi::FraudSpec),
    /// Trending hashtags and words with a trend score, and the language mix, per sliding
    /// window (workload "social").
    Trends(crate::social::TrendsSpec),
    /// Session windows per shopper with the conversion funnel (workload "shop").
    Funnel(crate::shop::FunnelSpec),
}

impl OperatorSpec {
    /// The workload a domain operator needs, `None` for the generic operators.
    pub fn domain(&self) -> Option<crate::workload::Kind> {
        use crate::workload::Kind;
        match self {
            OperatorSpec::Fraud(_) => Some(Kind::Upi),
            OperatorSpec::Trends(_) => Some(Kind::Social),
            OperatorSpec::Funnel(_) => Some(Kind::Shop),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum WindowingSpec {
    Fixed {
        size_ms: u32,
        #[serde(default)]
        offset_ms: u32,
    },
    Sliding {
        size_ms: u32,
        period_ms: u32,
        #[serde(default)]
        offset_ms: u32,
    },
    Sessions {
        gap_ms: u32,
    },
    Global {},
}

/// Beam's triggers, in the oracle file's shape with milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerSpec {
    /// Repeatedly(AfterWatermark()): an on-time pane, then one late pane per late record.
    #[default]
    Default,
    #[serde(untagged)]
    Custom(CustomTrigger),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CustomTrigger {
    AfterWatermark {
        #[serde(default)]
        early: Option<Box<CustomTrigger>>,
        #[serde(default)]
        late: Option<Box<CustomTrigger>>,
    },
    AfterCount {
        n: u32,
    },
    AfterProcessingTime {
        delay_ms: u32,
    },
    Repeatedly {
        of: Box<CustomTrigger>,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accumulation {
    #[default]
    Discarding,
    Accumulating,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckpointSpec {
    /// How often the coordinator starts a checkpoint, 100 to 3,600,000 ms (default 10,000);
    /// ignored under at_most_once, which does not checkpoint.
    pub interval_ms: u32,
    /// A checkpoint not completed within this is abandoned, 100 to 3,600,000 ms (default
    /// 600,000, Flink's execution.checkpointing.timeout).
    pub timeout_ms: u32,
    /// After a failure, tasks restart after this pause, 0 to 600,000 ms (default 1,000,
    /// Flink's fixed-delay restart strategy).
    pub restart_delay_ms: u32,
    /// How fast a task writes its snapshot to durable storage, 1 to 10,000,000 bytes per ms
    /// (default 100,000: 100 MB/s); a task acknowledges once its state is written.
    pub storage_bytes_per_ms: u32,
}

/// The delivery guarantee of the job's output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// No checkpoints: after a failure the job starts empty from where its sources were.
    AtMostOnce,
    /// Checkpoints restore state and rewind sources; output since the checkpoint is
    /// written again (duplicates downstream).
    #[default]
    AtLeastOnce,
    /// Output goes into a transaction committed with the checkpoint; read_committed
    /// readers see each result exactly once.
    ExactlyOnce,
}

fn one() -> u16 {
    1
}
fn default_channel_capacity() -> u32 {
    1_000
}

impl Default for EventTimeSpec {
    fn default() -> Self {
        EventTimeSpec { delay_ms_max: 2_000, late_percent: 0.0, late_delay_ms: 60_000, tags: 10, value_max: 100_000 }
    }
}
impl Default for WatermarkSpec {
    fn default() -> Self {
        WatermarkSpec { out_of_orderness_ms: 5_000, idle_timeout_ms: None, interval_ms: 200 }
    }
}
impl Default for CheckpointSpec {
    fn default() -> Self {
        CheckpointSpec { interval_ms: 10_000, timeout_ms: 600_000, restart_delay_ms: 1_000, storage_bytes_per_ms: 100_000 }
    }
}

mod validate;
