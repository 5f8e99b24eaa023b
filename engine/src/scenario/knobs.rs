//! Knobs are the settings a learner turns to see what changes: acks, partitions, the
//! watermark delay. Each is a path into the scenario document plus what turning it does;
//! an override sets one path to a new value and the whole scenario is validated again, so
//! a knob can never produce a scenario that a hand-edited file could not.
//!
//! Overrides are written `PATH=VALUE` (`producer.acks=all`, `topic.partitions=12`): the CLI
//! takes them as `--set`, the page's URL hash as `set.PATH=VALUE`.

mod catalogue;
mod path;
#[cfg(test)]
mod tests;

pub use catalogue::{entry, KnobKind, KnobSpec, CATALOGUE};
pub use path::PATH_CHARS_MAX;

use super::Scenario;
use crate::error::InputError;
use serde::Serialize;
use serde_json::Value;

/// Overrides one run may carry: enough for every knob, few enough to bound the work.
pub const OVERRIDES_MAX: usize = 64;
/// Optional fields that serialize as absent when unset: an override may add them.
const UNSET_WHEN_ABSENT: [&str; 1] = ["producer.enable_idempotence"];
/// Longest VALUE in `PATH=VALUE`.
pub const VALUE_CHARS_MAX: usize = 200;

/// A knob of one scenario: what it is, the values this scenario accepts, and its value now.
/// Serialized flat for the page: `{path, label, about, kind, min, max, unit, options, value}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Knob {
    pub path: String,
    pub label: String,
    pub about: String,
    #[serde(flatten)]
    pub kind: Kind,
    pub value: Value,
}

/// The values a knob takes here. `None` bounds mean the range is not known (a knob the
/// scenario lists outside the catalogue): validation still has the last word.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Integer { min: Option<i64>, max: Option<i64>, unit: String },
    Number { min: Option<f64>, max: Option<f64>, unit: String },
    /// `options` lists the values this scenario accepts with its other fields as they are.
    Choice { options: Vec<String> },
    Flag { options: Vec<bool> },
    /// Text, a list or a section: no control for it, only its value.
    Other,
}

/// The catalogue's knobs that apply to `scenario` (their field exists, with defaults filled
/// in), then the knobs the scenario itself lists that the catalogue lacks.
pub fn knobs_for(scenario: &Scenario) -> Vec<Knob> {
    let document = serde_json::to_value(scenario).expect("a scenario always serializes");
    let mut knobs: Vec<Knob> = CATALOGUE
        .iter()
        .filter_map(|spec| {
            let value = current(scenario, &document, spec.path)?;
            let kind = narrowed(spec, scenario, &document);
            Some(Knob { path: spec.path.into(), label: spec.label.into(), about: spec.about.into(), kind, value })
        })
        .collect();
    for own in &scenario.knobs {
        if knobs.iter().any(|k| k.path == own.path) {
            continue;
        }
        let Some(value) = path::parse(&own.path).ok().and_then(|steps| path::get(&document, &steps).cloned()) else { continue };
        let label = own.path.rsplit('.').next().unwrap_or(&own.path).replace('_', " ");
        knobs.push(Knob { path: own.path.clone(), label, about: own.about.clone(), kind: inferred(&value), value });
    }
    knobs
}

/// Parses `scenario_json`, sets each override and validates the result. With no overrides
/// the scenario is the same (defaults filled in). Errors name the path.
pub fn apply_overrides(scenario_json: &str, overrides: &[(String, Value)]) -> Result<Scenario, InputError> {
    let scenario = Scenario::from_json(scenario_json)?;
    if overrides.len() > OVERRIDES_MAX {
        return Err(InputError::new("set", format!("at most {OVERRIDES_MAX} overrides (got {})", overrides.len())));
    }
    let mut document = serde_json::to_value(&scenario).expect("a scenario always serializes");
    for (i, (path, value)) in overrides.iter().enumerate() {
        if overrides[..i].iter().any(|(earlier, _)| earlier == path) {
            return Err(InputError::new(path.as_str(), "is set twice; set each knob once"));
        }
        let steps = path::parse(path)?;
        let value = scalar(path, &document, &steps, value.clone())?;
        if !path::set(&mut document, &steps, value, UNSET_WHEN_ABSENT.contains(&path.as_str())) {
            let known: Vec<String> = knobs_for(&scenario).into_iter().map(|k| k.path).collect();
            let message = format!("is not a field of this scenario; its knobs are {} (any other field of the document, as `dhara scenario show` prints it, can be set too)", known.join(", "));
            return Err(InputError::new(path.as_str(), message));
        }
    }
    let brokers_set = overrides.iter().any(|(p, _)| p == "cluster.brokers");
    if brokers_set && !overrides.iter().any(|(p, _)| p.starts_with("cluster.racks")) {
        fit_racks(&mut document);
    }
    Scenario::from_json(&document.to_string()).map_err(|err| sharpened(err, overrides))
}

/// serde loses the path inside internally tagged sections (the stream operator, the
/// workload), naming only the section: when one override lies inside it, that override's
/// path is the field at fault. The line and column serde reports are in the document
/// rebuilt here, not in one the user wrote: dropped.
fn sharpened(mut err: InputError, overrides: &[(String, Value)]) -> InputError {
    if let Some(at) = err.message.rfind(" at line ") {
        if err.message[at..].split(' ').filter_map(|w| w.parse::<u64>().ok()).count() == 2 {
            err.message.truncate(at);
        }
    }
    let inside: Vec<&String> = overrides.iter().map(|(p, _)| p).filter(|p| p.starts_with(&format!("{}.", err.path))).collect();
    match inside.as_slice() {
        [only] => InputError::new(only.as_str(), err.message),
        _ => err,
    }
}

/// Reads `{"PATH": VALUE, …}` (a URL hash's knobs, a lesson's `set`). A string value is read
/// by the `PATH=VALUE` rules, so the text of a URL hash can be passed as it is ("12" is the
/// number 12, "all" the text all); numbers, true, false and null stand as they are.
pub fn overrides_from_object(object: serde_json::Map<String, Value>) -> Result<Vec<(String, Value)>, InputError> {
    if object.len() > OVERRIDES_MAX {
        return Err(InputError::new("set", format!("at most {OVERRIDES_MAX} overrides (got {})", object.len())));
    }
    object
        .into_iter()
        .map(|(path, value)| match value {
            Value::String(text) => parse_override(&format!("{path}={text}")),
            other => Ok((path, other)),
        })
        .collect()
}

/// serde names an out-of-type number by its Rust type ("expected u32"); a learner who asked
/// for 10¹² records/s needs the knob's own limit. Rewrites such an error to name the range
/// (the catalogue's, or else the type's), so an absurd size is refused with its limit up front.
pub(crate) fn name_the_limit(mut err: InputError) -> InputError {
    let Some(rest) = err.message.split("invalid value: integer `").nth(1) else { return err };
    let Some((got, ty)) = rest.split_once("`, expected ") else { return err };
    let ty = ty.split_whitespace().next().unwrap_or_default();
    let type_range = match ty {
        "u8" => Some((0, i128::from(u8::MAX))),
        "u16" => Some((0, i128::from(u16::MAX))),
        "u32" => Some((0, i128::from(u32::MAX))),
        "u64" => Some((0, i128::from(u64::MAX))),
        "i32" => Some((i128::from(i32::MIN), i128::from(i32::MAX))),
        "i64" => Some((i128::from(i64::MIN), i128::from(i64::MAX))),
        _ => None,
    };
    let Some((type_min, type_max)) = type_range else { return err };
    err.message = match catalogue::entry(&err.path).map(|k| k.kind) {
        Some(catalogue::KnobKind::Integer { min, max, unit }) => {
            let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
            format!("must be between {min} and {max}{unit} (got {got})")
        }
        _ => format!("must be a whole number from {type_min} to {type_max} (got {got})"),
    };
    err
}

/// Parses `PATH=VALUE`. VALUE is a JSON number, `true`, `false`, `null` (unsets an optional
/// field), a JSON string in quotes, or else a bare string (`all`, `cooperative-sticky`).
pub fn parse_override(text: &str) -> Result<(String, Value), InputError> {
    let Some((path, raw)) = text.split_once('=') else {
        return Err(InputError::new("set", format!("expected PATH=VALUE, e.g. producer.acks=all (got {text:?})")));
    };
    path::parse(path)?;
    if raw.is_empty() || raw.chars().count() > VALUE_CHARS_MAX {
        return Err(InputError::new(path, format!("the value must be 1 to {VALUE_CHARS_MAX} characters (got {})", raw.chars().count())));
    }
    if raw.chars().any(char::is_control) {
        return Err(InputError::new(path, "the value contains a control character"));
    }
    let value = match raw {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        _ if raw.starts_with('"') => serde_json::from_str::<String>(raw).map(Value::String).map_err(|e| InputError::new(path, format!("the quoted value is not a JSON string: {e}")))?,
        _ => match serde_json::from_str::<serde_json::Number>(raw) {
            Ok(number) => Value::Number(number),
            Err(_) => Value::String(raw.to_string()),
        },
    };
    Ok((path.to_string(), value))
}

/// Only one value is set at a time, never a section. A number or flag written where the
/// document has text becomes that text, so `producer.acks=1` means acks "1".
fn scalar(path: &str, document: &Value, steps: &[path::Step], value: Value) -> Result<Value, InputError> {
    if value.is_object() || value.is_array() {
        return Err(InputError::new(path, "an override sets one value (a number, true, false, null or a string), not a list or section"));
    }
    if let Some(current) = path::get(document, steps) {
        if current.is_object() || current.is_array() {
            return Err(InputError::new(path, "is a section, not a value; set one of its fields (e.g. producer.acks)"));
        }
        if current.is_string() && (value.is_number() || value.is_boolean()) {
            return Ok(Value::String(value.to_string()));
        }
    }
    Ok(value)
}

/// A scenario that names its racks names one per broker; when only the broker count is
/// overridden, the named racks are kept for the first brokers and the rest get
/// `ClusterSpec::rack`'s defaults (rack-a, rack-b, rack-c in turn), as documented on the knob.
fn fit_racks(document: &mut Value) {
    let Some(cluster) = document.get_mut("cluster").and_then(Value::as_object_mut) else { return };
    let Some(brokers) = cluster.get("brokers").and_then(Value::as_u64) else { return };
    let Some(racks) = cluster.get_mut("racks").and_then(Value::as_array_mut) else { return };
    if racks.is_empty() {
        return;
    }
    let brokers = brokers.min(u64::from(super::limits::BROKERS_MAX)) as usize;
    racks.truncate(brokers);
    while racks.len() < brokers {
        let name = super::ClusterSpec::default().rack(racks.len() as u16);
        racks.push(Value::String(name));
    }
}

/// A knob's value now; an unset optional field reads as what it means (idempotence resolved
/// from acks) or null ("never", "the workload's own").
fn current(scenario: &Scenario, document: &Value, at: &str) -> Option<Value> {
    let steps = path::parse(at).ok()?;
    if let Some(value) = path::get(document, &steps) {
        return Some(value.clone());
    }
    match at {
        "producer.enable_idempotence" => Some(Value::Bool(scenario.producer.idempotence())),
        _ => None,
    }
}

/// The catalogue's range, narrowed where another field of this scenario bounds it; choices
/// and flags keep the values this scenario accepts with everything else as it is.
fn narrowed(spec: &KnobSpec, s: &Scenario, document: &Value) -> Kind {
    let (mut min, mut max, unit) = match spec.kind {
        KnobKind::Integer { min, max, unit } => (min, max, unit),
        KnobKind::Number { min, max, unit } => return Kind::Number { min: Some(min), max: Some(max), unit: unit.into() },
        KnobKind::Choice { options } => {
            let options = options.iter().filter(|o| accepts(document, spec.path, Value::String(o.to_string()))).map(|o| o.to_string()).collect();
            return Kind::Choice { options };
        }
        KnobKind::Flag => return Kind::Flag { options: [false, true].into_iter().filter(|&b| accepts(document, spec.path, Value::Bool(b))).collect() },
    };
    let stream = s.stream.is_some();
    match spec.path {
        "cluster.brokers" => min = i64::from(s.topic.replication_factor),
        "topic.replication_factor" => (min, max) = (i64::from(s.topic.min_insync_replicas), i64::from(s.cluster.brokers)),
        "topic.min_insync_replicas" => max = i64::from(s.topic.replication_factor),
        "topic.partitions" if stream => min = i64::from(s.consumer.count),
        "consumer.count" if stream => max = max.min(i64::from(s.topic.partitions)),
        "producer.linger_ms" => max = max.min(i64::from(s.producer.delivery_timeout_ms) - i64::from(s.producer.request_timeout_ms)),
        "stream.operator.windowing.size_ms" => (min, max) = window_size_range(s, min, max),
        _ => {}
    }
    Kind::Integer { min: Some(min), max: Some(max), unit: unit.into() }
}

/// A fixed window must be longer than its offset; a sliding one at least its period and at
/// most 100 periods (validation's bound on windows per record).
fn window_size_range(s: &Scenario, min: i64, max: i64) -> (i64, i64) {
    use super::stream::{OperatorSpec, WindowingSpec};
    match s.stream.as_ref().map(|job| &job.operator) {
        Some(OperatorSpec::Window { windowing: WindowingSpec::Fixed { offset_ms, .. }, .. }) => (min.max(i64::from(*offset_ms) + 1), max),
        Some(OperatorSpec::Window { windowing: WindowingSpec::Sliding { period_ms, .. }, .. }) => {
            let period = i64::from(*period_ms);
            (min.max(period), max.min(period * 100))
        }
        _ => (min, max),
    }
}

/// Whether the scenario validates with `at` set to `value`.
fn accepts(document: &Value, at: &str, value: Value) -> bool {
    let mut trial = document.clone();
    let Ok(steps) = path::parse(at) else { return false };
    path::set(&mut trial, &steps, value, UNSET_WHEN_ABSENT.contains(&at)) && Scenario::from_json(&trial.to_string()).is_ok()
}

/// The kind of a knob outside the catalogue, from its value's JSON type; ranges unknown.
fn inferred(value: &Value) -> Kind {
    match value {
        Value::Number(n) if n.is_i64() || n.is_u64() => Kind::Integer { min: None, max: None, unit: String::new() },
        Value::Number(_) => Kind::Number { min: None, max: None, unit: String::new() },
        Value::Bool(_) => Kind::Flag { options: vec![false, true] },
        _ => Kind::Other,
    }
}
