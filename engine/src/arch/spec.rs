//! The scenario's `architectures` section: the knobs of the three architectures that answer
//! the workload's query side by side (Lambda, Kappa, event sourcing + CQRS), with units in
//! the names and ranges checked once, here.

use crate::error::{check_range, InputError};
use crate::scenario::stream::EventTimeSpec;
use serde::{Deserialize, Serialize};

/// How a layer turns a record into query rows. Every layer starts `exact`; the others let a
/// teacher make the "two codebases" problem concrete.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Logic {
    /// The query as defined: event-time windows, every row.
    #[default]
    Exact,
    /// An approximation a speed layer might ship: one record in ten (by record id), ×10.
    Sampled,
    /// A classic bug: windows by the time the layer reads a record, not by its event time.
    ProcessingTime,
}

/// `"architectures": {…}`. Every field has a default, so `{}` runs all three.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ArchSpec {
    /// Tumbling event-time window of the query, 1,000 to 86,400,000 ms; absent: the
    /// workload's own (an hour). A minute makes windows close within a lesson.
    pub window_ms: Option<u32>,
    /// How records get their event time; absent: the stream job's, else the default.
    pub event_time: Option<EventTimeSpec>,
    /// How often the layers read the topic and the serving layer is refreshed, 10 to 10,000 ms
    /// (default 100).
    pub tick_ms: u32,
    /// Bounded out-of-orderness of the stream layers' watermark, 0 to 3,600,000 ms (default 5,000).
    pub out_of_orderness_ms: u32,
    /// How long after the watermark passes a window the stream layers still accept its
    /// records, 0 to 86,400,000 ms (default 0, Beam's and Flink's default). Later ones are dropped.
    pub allowed_lateness_ms: u32,
    /// A stream layer's speed (speed layer, each Kappa job, the projection), 1 to 10,000,000
    /// records per simulated second (default 20,000).
    pub stream_records_per_s: u32,
    /// Lambda: records one core of the batch layer recomputes per second, 1 to 100,000,000
    /// (default 50,000).
    pub batch_records_per_core_s: u32,
    /// Lambda: the batch cluster's cores, 1 to 1,024 (default 4): the capacity knob.
    pub batch_cores: u32,
    /// Lambda: a batch run's fixed start-up cost (scheduling, reading metadata), 0 to
    /// 3,600,000 ms (default 5,000).
    pub batch_startup_ms: u32,
    /// Lambda: a batch run starts this long after the previous one ended, 1,000 to
    /// 86,400,000 ms (default 120,000).
    pub batch_interval_ms: u32,
    /// Kappa: the serving pointer moves to a replaying version once its lag is at most
    /// this many records, 0 to 1,000,000 (default 0: fully caught up).
    pub switch_lag_records: u64,
    /// CQRS: snapshot the projection every this many events, 0 (never) to 10,000,000
    /// (default 10,000).
    pub snapshot_every_events: u64,
    /// A crashed layer comes back after this long, 0 to 3,600,000 ms (default 5,000).
    pub restart_ms: u32,
    /// Correctness is scored on windows that ended at least this long ago, 0 to
    /// 86,400,000 ms (default 30,000): later data may still be on its way.
    pub settle_ms: u32,
}

impl Default for ArchSpec {
    fn default() -> Self {
        ArchSpec {
            window_ms: None,
            event_time: None,
            tick_ms: 100,
            out_of_orderness_ms: 5_000,
            allowed_lateness_ms: 0,
            stream_records_per_s: 20_000,
            batch_records_per_core_s: 50_000,
            batch_cores: 4,
            batch_startup_ms: 5_000,
            batch_interval_ms: 120_000,
            switch_lag_records: 0,
            snapshot_every_events: 10_000,
            restart_ms: 5_000,
            settle_ms: 30_000,
        }
    }
}

const DAY_MS: u32 = 86_400_000;
const HOUR_MS: u32 = 3_600_000;

impl ArchSpec {
    pub fn validate(&self) -> Result<(), InputError> {
        let at = |field: &str| format!("architectures.{field}");
        if let Some(window_ms) = self.window_ms {
            check_range(&at("window_ms"), window_ms, 1_000, DAY_MS, "ms")?;
        }
        if let Some(event_time) = &self.event_time {
            event_time.validate("architectures.event_time")?;
        }
        check_range(&at("tick_ms"), self.tick_ms, 10, 10_000, "ms")?;
        check_range(&at("out_of_orderness_ms"), self.out_of_orderness_ms, 0, HOUR_MS, "ms")?;
        check_range(&at("allowed_lateness_ms"), self.allowed_lateness_ms, 0, DAY_MS, "ms")?;
        check_range(&at("stream_records_per_s"), self.stream_records_per_s, 1, 10_000_000, "records/s")?;
        check_range(&at("batch_records_per_core_s"), self.batch_records_per_core_s, 1, 100_000_000, "records/s")?;
        check_range(&at("batch_cores"), self.batch_cores, 1, 1_024, "cores")?;
        check_range(&at("batch_startup_ms"), self.batch_startup_ms, 0, HOUR_MS, "ms")?;
        check_range(&at("batch_interval_ms"), self.batch_interval_ms, 1_000, DAY_MS, "ms")?;
        check_range(&at("switch_lag_records"), self.switch_lag_records, 0, 1_000_000, "records")?;
        check_range(&at("snapshot_every_events"), self.snapshot_every_events, 0, 10_000_000, "events")?;
        check_range(&at("restart_ms"), self.restart_ms, 0, HOUR_MS, "ms")?;
        check_range(&at("settle_ms"), self.settle_ms, 0, DAY_MS, "ms")
    }
}
