//! A watermark is the processor's running promise about event time: "no more records older
//! than W will arrive". Each source partition makes its own promise from the records it has
//! seen, and an operator fed by several inputs can only promise what the slowest one does;
//! an input that has gone quiet would hold everyone back, so it can be declared idle.

use super::{EventTimeUs, BEGINNING_OF_TIME_US};
use crate::error::{check_range, InputError};

/// The largest out-of-orderness a scenario may declare: a day of event time.
pub const OUT_OF_ORDERNESS_US_MAX: i64 = 86_400_000_000;
/// The longest idle timeout: an hour of processing time.
pub const IDLE_TIMEOUT_US_MAX: u64 = 3_600_000_000;
/// Inputs one combiner may join (partitions of a source task, or upstream channels).
pub const INPUTS_MAX: usize = 1024;

/// How a source derives its watermarks (Flink's `WatermarkStrategy.forBoundedOutOfOrderness`
/// plus `withIdleness`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WatermarkConfig {
    pub out_of_orderness_us: i64,
    /// `None`: an input never goes idle, as in Flink without `withIdleness`.
    #[serde(default)]
    pub idle_timeout_us: Option<u64>,
}

impl WatermarkConfig {
    pub fn validate(&self) -> Result<(), InputError> {
        check_range("out_of_orderness_us", self.out_of_orderness_us, 0, OUT_OF_ORDERNESS_US_MAX, "µs")?;
        if let Some(idle_timeout_us) = self.idle_timeout_us {
            check_range("idle_timeout_us", idle_timeout_us, 1, IDLE_TIMEOUT_US_MAX, "µs")?;
        }
        Ok(())
    }
}

/// One partition's watermark generator: the largest event time seen, minus the disorder the
/// source admits to.
///
/// We use Beam's convention: watermark W means no more records with event time < W. Flink's
/// `BoundedOutOfOrdernessWatermarks` subtracts a further 1 ms because its watermark means
/// "everything ≤ W has arrived"; the two describe the same promise, shifted by one tick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoundedOutOfOrderness {
    out_of_orderness_us: i64,
    max_event_time_us: Option<EventTimeUs>,
}

impl BoundedOutOfOrderness {
    pub fn new(out_of_orderness_us: i64) -> Result<Self, InputError> {
        check_range("out_of_orderness_us", out_of_orderness_us, 0, OUT_OF_ORDERNESS_US_MAX, "µs")?;
        Ok(BoundedOutOfOrderness { out_of_orderness_us, max_event_time_us: None })
    }

    pub fn observe(&mut self, event_time_us: EventTimeUs) {
        let max = self.max_event_time_us.map_or(event_time_us, |m| m.max(event_time_us));
        self.max_event_time_us = Some(max);
    }

    /// Monotone by construction: it only ever follows the running maximum.
    pub fn watermark_us(&self) -> EventTimeUs {
        match self.max_event_time_us {
            // Saturating: a record at the beginning of time must not wrap round to the end.
            Some(max) => max.saturating_sub(self.out_of_orderness_us),
            None => BEGINNING_OF_TIME_US,
        }
    }

    pub fn max_event_time_us(&self) -> Option<EventTimeUs> {
        self.max_event_time_us
    }
}

/// What the page shows for one input of a combiner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputWatermark {
    pub watermark_us: EventTimeUs,
    pub idle: bool,
    /// Processing time of the last record (or of the combiner's creation, before any).
    pub last_activity_us: u64,
    pub has_record: bool,
    /// False after an idle spell until the input catches up with the output (Flink's
    /// "watermark aligned"): until then it does not take part in the minimum.
    pub aligned: bool,
}

/// Why the output is where it is: the input holding it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Stall {
    pub input: usize,
    pub watermark_us: EventTimeUs,
    /// Processing time since that input's last record.
    pub idle_for_us: u64,
    /// It has never had a record: it holds the output at the beginning of time.
    pub no_record_yet: bool,
}

impl Stall {
    /// "stalled by partition 3, idle for 0 ms: no record yet".
    pub fn describe(&self, input_name: &str) -> String {
        let why = if self.no_record_yet { ": no record yet" } else { "" };
        format!("stalled by {input_name} {}, idle for {} ms{why}", self.input, self.idle_for_us / 1_000)
    }
}

/// The minimum over the active inputs' watermarks, kept monotone (Flink's
/// `StatusWatermarkValve`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatermarkCombiner {
    inputs: Vec<InputWatermark>,
    idle_timeout_us: Option<u64>,
    output_us: EventTimeUs,
}

impl WatermarkCombiner {
    pub fn new(inputs: usize, idle_timeout_us: Option<u64>, now_us: u64) -> Result<Self, InputError> {
        check_range("inputs", inputs, 1, INPUTS_MAX, "")?;
        if let Some(timeout) = idle_timeout_us {
            check_range("idle_timeout_us", timeout, 1, IDLE_TIMEOUT_US_MAX, "µs")?;
        }
        let input = InputWatermark {
            watermark_us: BEGINNING_OF_TIME_US,
            idle: false,
            last_activity_us: now_us,
            has_record: false,
            aligned: true,
        };
        Ok(WatermarkCombiner { inputs: vec![input; inputs], idle_timeout_us, output_us: BEGINNING_OF_TIME_US })
    }

    /// Input `input` had a record at processing time `now_us` and now promises
    /// `watermark_us`. Returns the new output if it advanced.
    pub fn on_activity(&mut self, input: usize, watermark_us: EventTimeUs, now_us: u64) -> Option<EventTimeUs> {
        let output = self.output_us;
        let state = &mut self.inputs[input];
        state.last_activity_us = state.last_activity_us.max(now_us);
        state.has_record = true;
        // A record wakes an idle input; it rejoins the minimum only once it has caught up,
        // so a partition returning from a long silence cannot drag the output backwards.
        state.idle = false;
        state.watermark_us = state.watermark_us.max(watermark_us);
        if state.watermark_us >= output {
            state.aligned = true;
        }
        self.mark_idle_inputs(now_us);
        self.recompute()
    }

    /// Processing time moved on with no record: inputs silent for the idle timeout go idle.
    /// Returns the new output if it advanced because a laggard went idle.
    pub fn on_processing_time(&mut self, now_us: u64) -> Option<EventTimeUs> {
        self.mark_idle_inputs(now_us);
        self.recompute()
    }

    fn mark_idle_inputs(&mut self, now_us: u64) {
        let Some(timeout) = self.idle_timeout_us else { return };
        for state in &mut self.inputs {
            if !state.idle && now_us.saturating_sub(state.last_activity_us) >= timeout {
                state.idle = true;
                state.aligned = false;
            }
        }
    }

    fn recompute(&mut self) -> Option<EventTimeUs> {
        let min = self.inputs.iter().filter(|s| s.aligned && !s.idle).map(|s| s.watermark_us).min()?;
        if min > self.output_us {
            self.output_us = min;
            return Some(min);
        }
        None
    }

    pub fn watermark_us(&self) -> EventTimeUs {
        self.output_us
    }

    /// Every input idle: the output holds where it is and downstream should not wait on us.
    pub fn is_idle(&self) -> bool {
        self.inputs.iter().all(|s| s.idle)
    }

    pub fn inputs(&self) -> &[InputWatermark] {
        &self.inputs
    }

    /// The input the output waits for: the active, aligned one with the smallest watermark
    /// (the first such, on ties). `None` when every input is idle.
    pub fn stalled_by(&self, now_us: u64) -> Option<Stall> {
        let (input, state) = self
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.aligned && !s.idle)
            .min_by_key(|(i, s)| (s.watermark_us, *i))?;
        Some(Stall {
            input,
            watermark_us: state.watermark_us,
            idle_for_us: now_us.saturating_sub(state.last_activity_us),
            no_record_yet: !state.has_record,
        })
    }

    /// How far apart the active inputs are in event time (max − min). Inputs with no
    /// watermark yet are left out, even if a record came (it may arrive before its channel's
    /// first watermark): their "beginning of time" is not a position, just an absence.
    pub fn skew_us(&self) -> Option<u64> {
        let active = self.inputs.iter().filter(|s| !s.idle && s.has_record && s.watermark_us > BEGINNING_OF_TIME_US).map(|s| s.watermark_us);
        let (min, max) = active.fold(None, |acc: Option<(i64, i64)>, w| match acc {
            None => Some((w, w)),
            Some((lo, hi)) => Some((lo.min(w), hi.max(w))),
        })?;
        Some(max.abs_diff(min))
    }
}

/// A source task: one generator per partition feeding one combiner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceWatermarks {
    generators: Vec<BoundedOutOfOrderness>,
    combiner: WatermarkCombiner,
}

impl SourceWatermarks {
    pub fn new(config: &WatermarkConfig, partitions: usize, now_us: u64) -> Result<Self, InputError> {
        config.validate()?;
        let generator = BoundedOutOfOrderness::new(config.out_of_orderness_us)?;
        let combiner = WatermarkCombiner::new(partitions, config.idle_timeout_us, now_us)
            .map_err(|e| InputError::new("partitions", e.message))?;
        Ok(SourceWatermarks { generators: vec![generator; partitions], combiner })
    }

    /// Returns the task's new watermark if it advanced.
    pub fn on_record(&mut self, partition: usize, event_time_us: EventTimeUs, now_us: u64) -> Option<EventTimeUs> {
        let generator = &mut self.generators[partition];
        generator.observe(event_time_us);
        let watermark_us = generator.watermark_us();
        self.combiner.on_activity(partition, watermark_us, now_us)
    }

    pub fn on_processing_time(&mut self, now_us: u64) -> Option<EventTimeUs> {
        self.combiner.on_processing_time(now_us)
    }

    pub fn combiner(&self) -> &WatermarkCombiner {
        &self.combiner
    }

    pub fn watermark_us(&self) -> EventTimeUs {
        self.combiner.watermark_us()
    }
}

#[cfg(test)]
mod tests;
