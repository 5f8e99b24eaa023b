//! The keyed operator a task runs, behind one face: a windowed aggregate (Beam's windowing
//! and triggers over a combining function) or a keyed process function (per-key state and
//! timers, here a burst detector). Either turns records, watermarks and processing time into
//! results with a stable identity, which is what lets the sink count duplicates.

use crate::scenario::stream::{Accumulation as SpecAccumulation, CustomTrigger, OperatorSpec, TriggerSpec, WindowingSpec as SpecWindowing};
use crate::stream::aggregate::{AggregateOutput, Accumulator};
use crate::stream::process::{Alert, BurstRule, BurstRuleConfig};
use crate::stream::join::{JoinSide, JoinedPair, StreamTableJoin, WindowJoin};
use crate::stream::trigger::Trigger;
use crate::stream::window::WindowFn;
use crate::stream::windower::{Accumulation, Pane, Windower, WindowingSpec};
use crate::stream::{EventTimeUs, StreamRecord};
use crate::workload::DomainOperator;
use serde::Serialize;

fn decimal<S: serde::Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

/// Which result this is: the same id written twice is a duplicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct OutputId {
    /// A decimal string in JSON: keys use the full u64 range (the fraud job marks payee keys
    /// with the top bit), beyond what a JS number holds exactly.
    #[serde(serialize_with = "decimal")]
    pub key: u64,
    pub start_us: EventTimeUs,
    pub end_us: EventTimeUs,
    /// The pane's index in its window (0 for an alert).
    pub pane: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutputValue {
    Pane { timing: &'static str, is_last: bool, value: AggregateOutput },
    Alert { count: u32 },
    /// A window join's pair.
    Pair { left_id: u64, right_id: u64 },
    /// A stream record with its key's table value (`None` in a left join's miss).
    Enriched { record_id: u64, table_value: Option<i64> },
    /// A domain operator's result: a fraud alert, a trends pane, a shopper's session.
    Domain(crate::workload::DomainOutput),
}

/// One result, as the sink receives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Output {
    pub id: OutputId,
    pub value: OutputValue,
    /// Processing time of emission.
    pub emitted_at_us: u64,
}

impl Output {
    /// How long after the end of its event-time span the result came out.
    pub fn latency_us(&self, now_us: u64) -> u64 {
        let end = self.id.end_us.clamp(0, i64::MAX) as u64;
        now_us.saturating_sub(end.min(now_us))
    }

    #[cfg(test)]
    pub fn for_test(key: u64) -> Output {
        Output { id: OutputId { key, start_us: 0, end_us: 10, pane: 0 }, value: OutputValue::Alert { count: 1 }, emitted_at_us: 0 }
    }
}

#[derive(Clone, Debug)]
pub enum KeyedOperator {
    Window(Box<Windower<u64, Accumulator>>),
    Burst(Box<BurstRule>),
    JoinWindow { join: Box<WindowJoin>, left_tag: u32, right_tag: u32 },
    JoinTable { join: Box<StreamTableJoin>, table_tag: u32 },
    Domain(Box<DomainOperator>),
}

impl KeyedOperator {
    pub fn from_spec(spec: &OperatorSpec) -> KeyedOperator {
        match spec {
            OperatorSpec::Window { windowing, trigger, allowed_lateness_ms, accumulation, aggregate } => {
                let spec = WindowingSpec {
                    windows: window_fn(windowing),
                    trigger: trigger_of(trigger),
                    allowed_lateness_us: i64::from(*allowed_lateness_ms) * 1_000,
                    accumulation: match accumulation {
                        SpecAccumulation::Discarding => Accumulation::Discarding,
                        SpecAccumulation::Accumulating => Accumulation::Accumulating,
                    },
                };
                KeyedOperator::Window(Box::new(Windower::new(spec, Accumulator::new(aggregate))))
            }
            OperatorSpec::Burst { count_min, within_ms, idle_clear_ms } => {
                let config = BurstRuleConfig { count_min: *count_min, within_us: i64::from(*within_ms) * 1_000, idle_clear_us: u64::from(*idle_clear_ms) * 1_000 };
                KeyedOperator::Burst(Box::new(BurstRule::new(config).expect("validated with the scenario")))
            }
            OperatorSpec::JoinWindow { left_tag, right_tag, size_ms } => {
                let join = WindowJoin::new(i64::from(*size_ms) * 1_000).expect("validated with the scenario");
                KeyedOperator::JoinWindow { join: Box::new(join), left_tag: *left_tag, right_tag: *right_tag }
            }
            OperatorSpec::JoinTable { table_tag, kind } => KeyedOperator::JoinTable { join: Box::new(StreamTableJoin::new(*kind)), table_tag: *table_tag },
            OperatorSpec::Fraud(spec) => KeyedOperator::Domain(Box::new(DomainOperator::Fraud(crate::upi::FraudDetector::new(spec)))),
            OperatorSpec::Trends(spec) => KeyedOperator::Domain(Box::new(DomainOperator::Trends(crate::social::Trends::new(spec)))),
            OperatorSpec::Funnel(spec) => KeyedOperator::Domain(Box::new(DomainOperator::Funnel(crate::shop::Funnel::new(spec)))),
        }
    }

    /// The windows (start, end) a record of event time `ts_us` belongs to, for a window
    /// operator; other operators have none.
    pub fn windows_of(&self, ts_us: EventTimeUs) -> Vec<(EventTimeUs, EventTimeUs)> {
        match self {
            KeyedOperator::Window(windower) => windower.spec().windows.assign(ts_us).into_iter().map(|w| (w.start_us, w.end_us)).collect(),
            _ => Vec::new(),
        }
    }

    /// The windows (start, end) that would refuse `record` now, for a fixed or sliding window
    /// operator: asked before `on_record`, it says which of a record's windows drop it.
    pub fn refused_windows(&self, record: &StreamRecord) -> Vec<(EventTimeUs, EventTimeUs)> {
        match self {
            KeyedOperator::Window(windower) => windower.refused_windows(&record.key, record.event_time_us).into_iter().map(|w| (w.start_us, w.end_us)).collect(),
            _ => Vec::new(),
        }
    }

    /// Returns false if the record was too late for every window (the late side output).
    pub fn on_record(&mut self, record: &StreamRecord, _watermark_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) -> bool {
        match self {
            KeyedOperator::Window(windower) => {
                let mut panes = Vec::new();
                let outcome = windower.on_element(record.key, record.event_time_us, record, now_us, &mut panes);
                out.extend(panes.into_iter().map(|p| pane_output(p, now_us)));
                !outcome.late_dropped()
            }
            KeyedOperator::Burst(burst) => burst.on_record(record, now_us),
            KeyedOperator::JoinWindow { join, left_tag, right_tag } => {
                let side = match record.tag {
                    t if t == *left_tag => JoinSide::Left,
                    t if t == *right_tag => JoinSide::Right,
                    // Neither side's tag: not this join's input (a filter would drop it).
                    _ => return true,
                };
                join.on_record(side, *record).is_ok()
            }
            KeyedOperator::JoinTable { join, table_tag } => {
                if record.tag == *table_tag {
                    if record.value == 0 {
                        join.delete(record.key);
                    } else {
                        join.upsert(record.key, record.value, record.id);
                    }
                } else if let Some(enriched) = join.enrich(*record) {
                    let id = OutputId { key: record.key, start_us: record.event_time_us, end_us: record.event_time_us, pane: record.id };
                    let value = OutputValue::Enriched { record_id: record.id, table_value: enriched.table.map(|row| row.value) };
                    out.push(Output { id, value, emitted_at_us: now_us });
                }
                true
            }
            KeyedOperator::Domain(domain) => domain.on_record(record, now_us, out),
        }
    }

    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        match self {
            KeyedOperator::Window(windower) => {
                let mut panes = Vec::new();
                windower.on_watermark(watermark_us, now_us, &mut panes);
                out.extend(panes.into_iter().map(|p| pane_output(p, now_us)));
            }
            KeyedOperator::Burst(burst) => out.extend(burst.on_watermark(watermark_us).into_iter().map(|a| alert_output(a, now_us))),
            KeyedOperator::JoinWindow { join, .. } => {
                let size_us = join.size_us();
                out.extend(join.on_watermark(watermark_us).into_iter().map(|p| pair_output(p, size_us, now_us)));
            }
            KeyedOperator::JoinTable { .. } => {}
            KeyedOperator::Domain(domain) => domain.on_watermark(watermark_us, now_us, out),
        }
    }

    pub fn on_processing_time(&mut self, now_us: u64, out: &mut Vec<Output>) {
        match self {
            KeyedOperator::Window(windower) => {
                let mut panes = Vec::new();
                windower.on_processing_time(now_us, &mut panes);
                out.extend(panes.into_iter().map(|p| pane_output(p, now_us)));
            }
            KeyedOperator::Burst(burst) => {
                burst.on_processing_time(now_us);
            }
            KeyedOperator::JoinWindow { .. } | KeyedOperator::JoinTable { .. } => {}
            KeyedOperator::Domain(domain) => domain.on_processing_time(now_us, out),
        }
    }

    pub fn next_processing_time_us(&self) -> Option<u64> {
        match self {
            KeyedOperator::Window(windower) => windower.next_processing_time_us(),
            KeyedOperator::Burst(burst) => burst.timers().next_processing_time_us(),
            KeyedOperator::JoinWindow { .. } | KeyedOperator::JoinTable { .. } => None,
            KeyedOperator::Domain(domain) => domain.next_processing_time_us(),
        }
    }

    pub fn state_bytes(&self) -> usize {
        match self {
            KeyedOperator::Window(windower) => windower.state_bytes(),
            KeyedOperator::Burst(burst) => burst.state_bytes(),
            KeyedOperator::JoinWindow { join, .. } => join.state_bytes(),
            KeyedOperator::JoinTable { join, .. } => join.table().state_bytes(),
            KeyedOperator::Domain(domain) => domain.state_bytes(),
        }
    }

    pub fn state_keys(&self) -> usize {
        match self {
            KeyedOperator::Window(windower) => windower.open_windows(),
            KeyedOperator::Burst(burst) => burst.keys(),
            KeyedOperator::JoinWindow { join, .. } => join.buffered_windows(),
            KeyedOperator::JoinTable { join, .. } => join.table().len(),
            KeyedOperator::Domain(domain) => domain.state_keys(),
        }
    }

    /// Why this task has not emitted (more) yet, for the page.
    pub fn waiting(&self, watermark_us: EventTimeUs) -> Option<String> {
        let KeyedOperator::Window(windower) = self else { return None };
        let pending = windower.pending().into_iter().min_by_key(|p| (p.fires_at_watermark_us, p.window.end_us))?;
        let at = pending.fires_at_watermark_us?;
        let now = if watermark_us == crate::stream::BEGINNING_OF_TIME_US { "has not started".to_string() } else { format!("is at {} ms", watermark_us / 1_000) };
        Some(format!("window [{} ms, {} ms) of key {} fires when the watermark reaches {} ms; it {now}", pending.window.start_us / 1_000, pending.window.end_us / 1_000, pending.key, at / 1_000))
    }
}

fn pane_output(pane: Pane<u64, Accumulator>, now_us: u64) -> Output {
    let timing = pane.timing.as_str();
    Output {
        id: OutputId { key: pane.key, start_us: pane.window.start_us, end_us: pane.window.end_us, pane: pane.index },
        value: OutputValue::Pane { timing, is_last: pane.is_last, value: pane.accumulator.output() },
        emitted_at_us: now_us,
    }
}

fn alert_output(alert: Alert, now_us: u64) -> Output {
    Output {
        id: OutputId { key: alert.key, start_us: alert.first_event_time_us, end_us: alert.last_event_time_us, pane: 0 },
        value: OutputValue::Alert { count: alert.count },
        emitted_at_us: now_us,
    }
}

fn pair_output(pair: JoinedPair, size_us: i64, now_us: u64) -> Output {
    // The pair's identity is its two records: fold both ids into the pane slot.
    let pane = crate::stream::job::chain::mix(pair.left.id) ^ pair.right.id;
    Output {
        id: OutputId { key: pair.key, start_us: pair.window_start_us, end_us: pair.window_start_us.saturating_add(size_us), pane },
        value: OutputValue::Pair { left_id: pair.left.id, right_id: pair.right.id },
        emitted_at_us: now_us,
    }
}

fn window_fn(spec: &SpecWindowing) -> WindowFn {
    let us = |ms: u32| i64::from(ms) * 1_000;
    match *spec {
        SpecWindowing::Fixed { size_ms, offset_ms } => WindowFn::Fixed { size_us: us(size_ms), offset_us: us(offset_ms) },
        SpecWindowing::Sliding { size_ms, period_ms, offset_ms } => WindowFn::Sliding { size_us: us(size_ms), period_us: us(period_ms), offset_us: us(offset_ms) },
        SpecWindowing::Sessions { gap_ms } => WindowFn::Sessions { gap_us: us(gap_ms) },
        SpecWindowing::Global {} => WindowFn::Global,
    }
}

fn trigger_of(spec: &TriggerSpec) -> Trigger {
    match spec {
        TriggerSpec::Default => Trigger::Default,
        TriggerSpec::Custom(custom) => custom_trigger(custom),
    }
}

fn custom_trigger(spec: &CustomTrigger) -> Trigger {
    match spec {
        CustomTrigger::AfterWatermark { early, late } => Trigger::AfterWatermark {
            early: early.as_deref().map(|t| Box::new(custom_trigger(t))),
            late: late.as_deref().map(|t| Box::new(custom_trigger(t))),
        },
        CustomTrigger::AfterCount { n } => Trigger::AfterCount { n: u64::from(*n) },
        CustomTrigger::AfterProcessingTime { delay_ms } => Trigger::AfterProcessingTime { delay_us: u64::from(*delay_ms) * 1_000 },
        CustomTrigger::Repeatedly { of } => Trigger::Repeatedly(Box::new(custom_trigger(of))),
    }
}
