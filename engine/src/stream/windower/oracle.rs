//! The windower against Beam: reads scenarios shaped like `shared/oracles/windows.json`
//! (only their inputs: id, windowing, trigger, allowed_lateness, accumulation, events), runs
//! each through a [`Windower`] and answers in the shape `dhara oracle windows` prints. The
//! CLI and the tests share it, so both check the same thing.
//!
//! Times in the file are seconds (floats, microsecond precision); they become whole
//! microseconds here and seconds again in the answer.

use super::{Accumulation, Pane, Windower, WindowingSpec};
use crate::stream::trigger::Trigger;
use crate::stream::window::WindowFn;
use crate::stream::{Aggregate, EventTimeUs, END_OF_TIME_US};
use crate::InputError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One scenario's inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct OracleScenario {
    pub id: String,
    pub spec: WindowingSpec,
    pub events: Vec<OracleEvent>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OracleEvent {
    Element { id: String, ts_us: EventTimeUs, key: String, value: f64 },
    Watermark { to_us: EventTimeUs },
}

/// The oracle's aggregate: it keeps every record (ids and values), so a pane can be compared
/// with Beam's list of elements as well as by count and sum.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Collected {
    pub ids: Vec<String>,
    pub values: Vec<f64>,
}

impl Aggregate for Collected {
    type Input = (String, f64);
    fn add(&mut self, input: &(String, f64)) {
        self.ids.push(input.0.clone());
        self.values.push(input.1);
    }
    fn merge(&mut self, other: &Self) {
        self.ids.extend_from_slice(&other.ids);
        self.values.extend_from_slice(&other.values);
    }
    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
    fn state_bytes(&self) -> usize {
        self.ids.iter().map(|id| id.len() + 8).sum()
    }
}

/// Parses every scenario, naming the field path of the first problem
/// (`scenarios[3].windowing.size: must be a positive number of seconds`).
pub fn parse_scenarios(text: &str) -> Result<Vec<OracleScenario>, InputError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| InputError::new("$", format!("not JSON: {e}")))?;
    let scenarios = doc.get("scenarios").and_then(Value::as_array).ok_or_else(|| InputError::new("scenarios", "must be an array"))?;
    scenarios.iter().enumerate().map(|(i, s)| parse_scenario(s, &format!("scenarios[{i}]"))).collect()
}

fn parse_scenario(scenario: &Value, path: &str) -> Result<OracleScenario, InputError> {
    let id = string(field(scenario, path, "id")?, &format!("{path}.id"))?.to_string();
    let accumulation = match field(scenario, path, "accumulation")?.as_str() {
        Some("discarding") => Accumulation::Discarding,
        Some("accumulating") => Accumulation::Accumulating,
        _ => return Err(InputError::new(format!("{path}.accumulation"), "must be \"discarding\" or \"accumulating\"")),
    };
    let spec = WindowingSpec {
        windows: parse_windowing(field(scenario, path, "windowing")?, &format!("{path}.windowing"))?,
        trigger: parse_trigger(field(scenario, path, "trigger")?, &format!("{path}.trigger"))?,
        allowed_lateness_us: seconds(field(scenario, path, "allowed_lateness")?, &format!("{path}.allowed_lateness"), Sign::NonNegative)?,
        accumulation,
    };
    // The parse checked signs; the spec adds its own limits. Its field names, in the file's.
    spec.validate().map_err(|e| InputError::new(format!("{path}.{}", e.path.replace("windows.", "windowing.").replace("_us", "")), e.message))?;
    let events_path = format!("{path}.events");
    let events = field(scenario, path, "events")?.as_array().ok_or_else(|| InputError::new(&events_path, "must be an array"))?;
    let events = events.iter().enumerate().map(|(i, e)| parse_event(e, &format!("{events_path}[{i}]"))).collect::<Result<_, _>>()?;
    Ok(OracleScenario { id, spec, events })
}

fn parse_windowing(windowing: &Value, path: &str) -> Result<WindowFn, InputError> {
    let positive = |name: &str| seconds(field(windowing, path, name)?, &format!("{path}.{name}"), Sign::Positive);
    let offset = || match windowing.get("offset") {
        None | Some(Value::Null) => Ok(0),
        Some(value) => seconds(value, &format!("{path}.offset"), Sign::Any),
    };
    match string(field(windowing, path, "type")?, &format!("{path}.type"))? {
        "fixed" => Ok(WindowFn::Fixed { size_us: positive("size")?, offset_us: offset()? }),
        "sliding" => Ok(WindowFn::Sliding { size_us: positive("size")?, period_us: positive("period")?, offset_us: offset()? }),
        "sessions" => Ok(WindowFn::Sessions { gap_us: positive("gap")? }),
        "global" => Ok(WindowFn::Global),
        other => Err(InputError::new(format!("{path}.type"), format!("unknown windowing {other:?}: must be fixed, sliding, sessions or global"))),
    }
}

fn parse_trigger(trigger: &Value, path: &str) -> Result<Trigger, InputError> {
    if trigger.as_str() == Some("default") {
        return Ok(Trigger::Default);
    }
    if !trigger.is_object() {
        return Err(InputError::new(path, "must be \"default\" or an object with a type"));
    }
    let nested = |name: &str| -> Result<Option<Box<Trigger>>, InputError> {
        match trigger.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(inner) => Ok(Some(Box::new(parse_trigger(inner, &format!("{path}.{name}"))?))),
        }
    };
    match string(field(trigger, path, "type")?, &format!("{path}.type"))? {
        "after_watermark" => Ok(Trigger::AfterWatermark { early: nested("early")?, late: nested("late")? }),
        "after_count" => {
            let n = field(trigger, path, "n")?.as_u64().filter(|n| *n > 0);
            Ok(Trigger::AfterCount { n: n.ok_or_else(|| InputError::new(format!("{path}.n"), "must be a positive integer"))? })
        }
        "after_processing_time" => {
            let delay_us = seconds(field(trigger, path, "delay")?, &format!("{path}.delay"), Sign::NonNegative)?;
            Ok(Trigger::AfterProcessingTime { delay_us: delay_us.unsigned_abs() })
        }
        "repeatedly" => {
            let of = nested("of")?.ok_or_else(|| InputError::new(format!("{path}.of"), "is required"))?;
            Ok(Trigger::Repeatedly(of))
        }
        other => Err(InputError::new(
            format!("{path}.type"),
            format!("unknown trigger {other:?}: must be after_watermark, after_count, after_processing_time or repeatedly"),
        )),
    }
}

fn parse_event(event: &Value, path: &str) -> Result<OracleEvent, InputError> {
    match string(field(event, path, "type")?, &format!("{path}.type"))? {
        "element" => Ok(OracleEvent::Element {
            id: string(field(event, path, "id")?, &format!("{path}.id"))?.to_string(),
            ts_us: seconds(field(event, path, "ts")?, &format!("{path}.ts"), Sign::Any)?,
            key: string(field(event, path, "key")?, &format!("{path}.key"))?.to_string(),
            value: field(event, path, "value")?.as_f64().ok_or_else(|| InputError::new(format!("{path}.value"), "must be a number"))?,
        }),
        "watermark" => {
            let to = field(event, path, "to")?;
            let to_us = if to.as_str() == Some("+inf") { END_OF_TIME_US } else { seconds(to, &format!("{path}.to"), Sign::Any)? };
            Ok(OracleEvent::Watermark { to_us })
        }
        other => Err(InputError::new(format!("{path}.type"), format!("unknown event {other:?}: must be element or watermark"))),
    }
}

fn field<'a>(object: &'a Value, path: &str, name: &str) -> Result<&'a Value, InputError> {
    object.get(name).ok_or_else(|| InputError::new(format!("{path}.{name}"), "is required"))
}

fn string<'a>(value: &'a Value, path: &str) -> Result<&'a str, InputError> {
    value.as_str().ok_or_else(|| InputError::new(path, "must be a string"))
}

#[derive(Clone, Copy)]
enum Sign {
    Positive,
    NonNegative,
    Any,
}

/// Seconds (a float) to whole microseconds, rounded; refuses what does not fit.
fn seconds(value: &Value, path: &str, sign: Sign) -> Result<i64, InputError> {
    let (ok, what) = match sign {
        Sign::Positive => (value.as_f64().map(|s| s > 0.0), "must be a positive number of seconds"),
        Sign::NonNegative => (value.as_f64().map(|s| s >= 0.0), "must be zero or a positive number of seconds"),
        Sign::Any => (value.as_f64().map(|_| true), "must be a number of seconds"),
    };
    // ±9.2e12 s is i64 microseconds' range; keep clear of it.
    let in_range = value.as_f64().is_some_and(|s| s.is_finite() && s.abs() < 9.0e12);
    match (ok, in_range, value.as_f64()) {
        (Some(true), true, Some(s)) => Ok((s * 1e6).round() as i64),
        _ => Err(InputError::new(path, what)),
    }
}

/// Runs one scenario and answers `{"panes": [...], "dropped_element_ids": [...]}`. Panes
/// fired by the same event are listed by key, then window. An element is dropped when it
/// appears in no pane (the oracle file's definition).
pub fn run_scenario(scenario: &OracleScenario) -> Value {
    let mut windower: Windower<String, Collected> = Windower::new(scenario.spec.clone(), Collected::default());
    let mut panes = Vec::new();
    let mut fired = Vec::new();
    for (i, event) in scenario.events.iter().enumerate() {
        match event {
            OracleEvent::Element { id, ts_us, key, value } => {
                windower.on_element(key.clone(), *ts_us, &(id.clone(), *value), 0, &mut fired);
            }
            OracleEvent::Watermark { to_us } => windower.on_watermark(*to_us, 0, &mut fired),
        }
        fired.sort_by(|a, b| (&a.key, a.window).cmp(&(&b.key, b.window)));
        panes.extend(fired.drain(..).map(|pane| (i, pane)));
    }
    let shown: BTreeSet<&str> = panes.iter().flat_map(|(_, p)| p.accumulator.ids.iter().map(String::as_str)).collect();
    let mut dropped: Vec<&str> = scenario
        .events
        .iter()
        .filter_map(|e| match e {
            OracleEvent::Element { id, .. } if !shown.contains(id.as_str()) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    dropped.sort_unstable();
    json!({ "panes": panes.iter().map(|(i, p)| pane_json(*i, p)).collect::<Vec<_>>(), "dropped_element_ids": dropped })
}

/// Every scenario's answer, by id.
pub fn run_all(scenarios: &[OracleScenario]) -> Value {
    let answers: BTreeMap<&str, Value> = scenarios.iter().map(|s| (s.id.as_str(), run_scenario(s))).collect();
    json!(answers)
}

fn pane_json(fired_after_event: usize, pane: &Pane<String, Collected>) -> Value {
    let window = if pane.window.is_global() {
        json!({ "type": "global" })
    } else {
        json!({ "start": seconds_of(pane.window.start_us), "end": seconds_of(pane.window.end_us) })
    };
    let mut ids = pane.accumulator.ids.clone();
    ids.sort();
    json!({
        "fired_after_event": fired_after_event,
        "key": pane.key,
        "window": window,
        "timing": pane.timing.as_str(),
        "index": pane.index,
        "nonspeculative_index": pane.nonspeculative_index,
        "is_first": pane.is_first,
        "is_last": pane.is_last,
        "element_ids": ids,
        "count": pane.accumulator.ids.len(),
        "sum": number(pane.accumulator.values.iter().sum()),
    })
}

fn seconds_of(us: EventTimeUs) -> f64 {
    us as f64 / 1e6
}

/// Whole numbers print as integers, as in the oracle file.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// A pane list (the oracle file's `panes` or an answer's) as sorted one-line descriptions of
/// the fields Beam and Dhara must agree on, for exact comparison with a readable diff.
pub fn canonical_panes(panes: &Value) -> Vec<String> {
    let empty = Vec::new();
    let mut lines: Vec<String> = panes.as_array().unwrap_or(&empty).iter().map(canonical_pane).collect();
    lines.sort();
    lines
}

fn canonical_pane(pane: &Value) -> String {
    let us = |v: &Value| v.as_f64().map_or(i64::MIN, |s| (s * 1e6).round() as i64);
    let window = &pane["window"];
    let window = if window["type"] == "global" { "global".to_string() } else { format!("[{}µs,{}µs)", us(&window["start"]), us(&window["end"])) };
    let mut fields = Map::new();
    for name in ["timing", "index", "nonspeculative_index", "is_first", "is_last", "element_ids", "count"] {
        fields.insert(name.to_string(), pane[name].clone());
    }
    let sum = pane["sum"].as_f64().map_or(Value::Null, number);
    format!("event {:>3} key {} window {window} {} sum {sum}", pane["fired_after_event"], pane["key"], Value::Object(fields))
}
