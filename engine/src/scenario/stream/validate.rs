//! Validation of a scenario's stream job, field by field: every number against its
//! documented range, every step and operator against what it needs, so the job itself can
//! assume its spec is sound. Errors name the field by its JSON path.

use super::*;

impl StreamSpec {
    /// Checks every field; `partitions` and `sources` bound the parallelism.
    pub(in crate::scenario) fn validate(&self, partitions: u32, sources: u16, workload: Option<crate::workload::Kind>) -> Result<(), InputError> {
        if self.job.is_empty() || self.job.len() > 64 {
            return Err(InputError::new("stream.job", format!("must be 1 to 64 characters (got {})", self.job.len())));
        }
        self.event_time.validate("stream.event_time")?;
        let w = &self.watermark;
        check_range("stream.watermark.out_of_orderness_ms", w.out_of_orderness_ms, 0, HOUR_MS, "ms")?;
        if let Some(idle) = w.idle_timeout_ms {
            check_range("stream.watermark.idle_timeout_ms", idle, 1, HOUR_MS, "ms")?;
        }
        check_range("stream.watermark.interval_ms", w.interval_ms, 1, 60_000, "ms")?;
        check_range("consumer.count", u32::from(sources), 1, partitions, "(a stream job's source tasks: at most topic.partitions)")?;
        check_range("stream.pipeline", self.pipeline.len(), 0, PIPELINE_STEPS_MAX, "steps")?;
        for (i, step) in self.pipeline.iter().enumerate() {
            step.validate(&format!("stream.pipeline[{i}]"), workload)?;
        }
        let fan_out: u32 = self.pipeline.iter().map(StepSpec::fan_out).product();
        if fan_out > FAN_OUT_MAX {
            return Err(InputError::new("stream.pipeline", format!("the flat_map steps together make up to {fan_out} records of one; at most {FAN_OUT_MAX} are allowed")));
        }
        if let Some(needed) = self.operator.domain() {
            crate::workload::check_domain("stream.operator.op", "this operator", &[needed], workload)?;
        }
        self.validate_operator()?;
        check_range("stream.parallelism", self.parallelism, 1, PARALLELISM_MAX, "")?;
        check_range("stream.operator_records_per_s", self.operator_records_per_s, 1, 1_000_000, "records/s")?;
        check_range("stream.channel_capacity_records", self.channel_capacity_records, 1, 1_000_000, "records")?;
        let c = &self.checkpoint;
        check_range("stream.checkpoint.interval_ms", c.interval_ms, 100, HOUR_MS, "ms")?;
        check_range("stream.checkpoint.timeout_ms", c.timeout_ms, 100, HOUR_MS, "ms")?;
        check_range("stream.checkpoint.restart_delay_ms", c.restart_delay_ms, 0, 600_000, "ms")?;
        check_range("stream.checkpoint.storage_bytes_per_ms", c.storage_bytes_per_ms, 1, 10_000_000, "bytes/ms")
    }

    fn validate_operator(&self) -> Result<(), InputError> {
        match &self.operator {
            OperatorSpec::Window { windowing, trigger, allowed_lateness_ms, aggregate, .. } => {
                windowing.validate("stream.operator.windowing")?;
                if let TriggerSpec::Custom(custom) = trigger {
                    custom.validate("stream.operator.trigger")?;
                }
                check_range("stream.operator.allowed_lateness_ms", *allowed_lateness_ms, 0, 86_400_000, "ms")?;
                aggregate.validate().map_err(|e| InputError::new(format!("stream.operator.aggregate.{}", e.path), e.message))
            }
            OperatorSpec::Burst { count_min, within_ms, idle_clear_ms } => {
                let most = crate::stream::process::BURST_EVENTS_MAX as u32;
                check_range("stream.operator.count_min", *count_min, 1, most, "")?;
                check_range("stream.operator.within_ms", *within_ms, 1, HOUR_MS, "ms")?;
                check_range("stream.operator.idle_clear_ms", *idle_clear_ms, 1, HOUR_MS, "ms")
            }
            OperatorSpec::JoinWindow { left_tag, right_tag, size_ms } => {
                if left_tag == right_tag {
                    return Err(InputError::new("stream.operator.right_tag", format!("must differ from left_tag ({left_tag})")));
                }
                check_range("stream.operator.size_ms", *size_ms, 1, 86_400_000, "ms")
            }
            OperatorSpec::JoinTable { .. } => Ok(()),
            OperatorSpec::Fraud(spec) => spec.validate("stream.operator"),
            OperatorSpec::Trends(spec) => spec.validate("stream.operator"),
            OperatorSpec::Funnel(spec) => spec.validate("stream.operator"),
        }
    }
}

impl StepSpec {
    /// The most records one input record becomes at this step.
    fn fan_out(&self) -> u32 {
        match self {
            StepSpec::FlatMap { copies_max } => *copies_max,
            StepSpec::Hashtags => crate::social::HASHTAGS_PER_POST_MAX as u32,
            StepSpec::AlsoKeyBy { .. } => 2,
            _ => 1,
        }
    }

    fn validate(&self, path: &str, workload: Option<crate::workload::Kind>) -> Result<(), InputError> {
        match self {
            StepSpec::Filter { min, max, .. } if min > max => Err(InputError::new(format!("{path}.min"), format!("must be at most max ({max}; got {min})"))),
            StepSpec::FlatMap { copies_max } => check_range(&format!("{path}.copies_max"), *copies_max, 1, 16, ""),
            StepSpec::Extract { value: None, tag: None } => Err(InputError::new(path, "must name a payload field for value, tag or both")),
            StepSpec::AlsoKeyBy { field } => {
                let shown = serde_json::to_string(field).expect("a field serializes");
                crate::workload::check_domain(&format!("{path}.field"), &format!("field {shown}"), field.domains(), workload)
            }
            StepSpec::Extract { value, tag } => {
                for (name, field) in [("value", value), ("tag", tag)] {
                    if let Some(field) = field {
                        let shown = serde_json::to_string(field).expect("a field serializes");
                        crate::workload::check_domain(&format!("{path}.{name}"), &format!("field {shown}"), field.domains(), workload)?;
                    }
                }
                Ok(())
            }
            StepSpec::Hashtags => crate::workload::check_domain(path, "step \"hashtags\"", &[crate::workload::Kind::Social], workload),
            _ => Ok(()),
        }
    }
}

impl EventTimeSpec {
    /// `path` names the section: the stream job's and the architectures' share this shape.
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        check_range(&format!("{path}.delay_ms_max"), self.delay_ms_max, 0, HOUR_MS, "ms")?;
        if !(0.0..=100.0).contains(&self.late_percent) {
            return Err(InputError::new(format!("{path}.late_percent"), format!("must be between 0 and 100 (got {})", self.late_percent)));
        }
        check_range(&format!("{path}.late_delay_ms"), self.late_delay_ms, 0, HOUR_MS, "ms")?;
        check_range(&format!("{path}.tags"), self.tags, 1, 100_000, "")?;
        check_range(&format!("{path}.value_max"), self.value_max, 1, 1_000_000_000_000, "")
    }
}

impl WindowingSpec {
    fn validate(&self, path: &str) -> Result<(), InputError> {
        let day = 86_400_000;
        match *self {
            WindowingSpec::Fixed { size_ms, offset_ms } => {
                check_range(&format!("{path}.size_ms"), size_ms, 1, day, "ms")?;
                check_range(&format!("{path}.offset_ms"), offset_ms, 0, size_ms - 1, "ms (less than size_ms)")
            }
            WindowingSpec::Sliding { size_ms, period_ms, offset_ms } => {
                check_range(&format!("{path}.size_ms"), size_ms, 1, day, "ms")?;
                // Beyond 100 windows per record the state would explode for no lesson.
                check_range(&format!("{path}.period_ms"), period_ms, size_ms.div_ceil(100).max(1), size_ms, "ms (at most size_ms, at least size_ms / 100)")?;
                check_range(&format!("{path}.offset_ms"), offset_ms, 0, period_ms - 1, "ms (less than period_ms)")
            }
            WindowingSpec::Sessions { gap_ms } => check_range(&format!("{path}.gap_ms"), gap_ms, 1, day, "ms"),
            WindowingSpec::Global {} => Ok(()),
        }
    }
}

impl CustomTrigger {
    fn validate(&self, path: &str) -> Result<(), InputError> {
        match self {
            CustomTrigger::AfterWatermark { early, late } => {
                if let Some(early) = early {
                    early.validate(&format!("{path}.early"))?;
                }
                match late {
                    Some(late) => late.validate(&format!("{path}.late")),
                    None => Ok(()),
                }
            }
            CustomTrigger::AfterCount { n } => check_range(&format!("{path}.n"), *n, 1, 1_000_000, ""),
            CustomTrigger::AfterProcessingTime { delay_ms } => check_range(&format!("{path}.delay_ms"), *delay_ms, 1, HOUR_MS, "ms"),
            CustomTrigger::Repeatedly { of } => of.validate(&format!("{path}.of")),
        }
    }
}
