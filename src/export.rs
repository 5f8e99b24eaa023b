//! Export: a run's numbers leave the tab as files. The CSV is a table a spreadsheet or a
//! notebook reads (one row per sampling instant, one column per series); the JSON is the
//! run itself (scenario, seed and command log, which replay it exactly with `dhara run`)
//! with its summary, series and recent trace beside it.
//!
//! Both are free functions of a `&Simulation`, so the `Lab` methods below stay one-liners.

use crate::Lab;
use dhara_engine::metrics::Series;
use dhara_engine::Simulation;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// The metrics as CSV (RFC 4180, CRLF line ends): `time_s`, then one column per series
    /// that has a point; one row per sampling instant; an empty cell where a series has no
    /// value at that instant.
    pub fn export_csv(&self) -> String {
        export_csv(self.timeline.sim())
    }

    /// The events (the trace entries still in memory) as CSV: `seq,time_s,kind,node,detail`.
    pub fn export_events_csv(&self) -> String {
        export_events_csv(self.timeline.sim())
    }

    /// The run as one JSON document: `scenario`, `seed`, `now_ms`, `commands` (the CLI's
    /// `--commands` format), `summary`, `series` (`{name: [[t_s, value], …]}`) and `trace`.
    pub fn export_json(&self) -> Result<String, JsError> {
        serde_json::to_string(&export_json(self.timeline.sim())).map_err(|e| JsError::new(&format!("export_json: {e}")))
    }
}

/// The series a run has: those with at least one point, in `series_names` order.
fn present_series(sim: &Simulation) -> Vec<(String, &Series)> {
    sim.series_names()
        .into_iter()
        .filter_map(|name| sim.series(&name).filter(|series| !series.is_empty()).map(|series| (name, series)))
        .collect()
}

/// The metrics as CSV: header `time_s,<series>…`, then one row per sampling instant.
pub fn export_csv(sim: &Simulation) -> String {
    let present = present_series(sim);
    // Rows keyed by the instant in µs: series that start later (rates need two samples) or
    // belong to a layer that samples at other instants still line up by time.
    let mut rows: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
    for (column, (_, series)) in present.iter().enumerate() {
        for (at_us, value) in series.points() {
            rows.entry(at_us).or_insert_with(|| vec![None; present.len()])[column] = Some(value);
        }
    }
    let mut out = String::from("time_s");
    for (name, _) in &present {
        out.push(',');
        out.push_str(&csv_field(name));
    }
    out.push_str("\r\n");
    for (at_us, values) in rows {
        out.push_str(&seconds_text(at_us));
        for value in values {
            out.push(',');
            if let Some(value) = value {
                out.push_str(&number_text(value));
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// The trace entries still in memory as CSV, one row per event: `seq,time_s,kind,node,detail`,
/// where detail names the event's numbers (`offset=17 partition=3 record_id=99`) the way the
/// JSON export and `dhara run --trace` do.
pub fn export_events_csv(sim: &Simulation) -> String {
    let mut out = String::from("seq,time_s,kind,node,detail\r\n");
    for entry in sim.trace().since(0) {
        let Value::Object(fields) = entry.to_json() else { continue };
        let text = |value: &Value| value.as_str().map_or_else(|| value.to_string(), str::to_string);
        let detail: Vec<String> =
            fields.iter().filter(|(name, _)| !matches!(name.as_str(), "seq" | "t_us" | "kind" | "node")).map(|(name, value)| format!("{name}={}", text(value))).collect();
        let kind = fields.get("kind").map(text).unwrap_or_default();
        let node = fields.get("node").map(text).unwrap_or_default();
        out.push_str(&format!("{},{},{},{},{}\r\n", entry.seq, seconds_text(entry.at.as_us()), csv_field(&kind), csv_field(&node), csv_field(&detail.join(" "))));
    }
    out
}

/// The run as a JSON value (see `Lab::export_json`).
pub fn export_json(sim: &Simulation) -> Value {
    let mut series = Map::new(); // extended, not collected: a collect into a map compiles another sort (`sim::sort`)
    series.extend(present_series(sim).into_iter().map(|(name, series)| {
        let points: Vec<Value> = series.points().map(|(at_us, value)| json!([at_us as f64 / 1e6, value])).collect();
        (name, Value::Array(points))
    }));
    let trace: Vec<Value> = sim.trace().since(0).map(|entry| entry.to_json()).collect();
    json!({
        "scenario": serde_json::to_value(sim.scenario()).unwrap_or(Value::Null),
        "seed": sim.seed().to_string(),
        "now_ms": ms_value(sim.now().as_us()),
        "commands": command_log(sim),
        "summary": serde_json::to_value(sim.summary()).unwrap_or(Value::Null),
        "series": series,
        "trace": trace,
    })
}

/// The commands applied so far, each `{"at_ms": …, "command": …, fields…}` as `dhara run
/// --commands` reads them. A command applied between two whole milliseconds keeps its exact
/// time as a fraction, which the CLI refuses by name (`[i].at_ms`) rather than replaying a
/// different run; the page applies commands on whole milliseconds so this does not arise.
pub fn command_log(sim: &Simulation) -> Vec<Value> {
    sim.commands()
        .iter()
        .map(|(at, command)| {
            let mut entry = Map::new();
            entry.insert("at_ms".into(), ms_value(at.as_us()));
            if let Ok(Value::Object(fields)) = serde_json::to_value(command) {
                entry.extend(fields);
            }
            Value::Object(entry)
        })
        .collect()
}

/// Microseconds as milliseconds: a whole number when exact, else a fraction.
fn ms_value(us: u64) -> Value {
    if us % 1_000 == 0 { (us / 1_000).into() } else { json!(us as f64 / 1e3) }
}

/// Microseconds as decimal seconds with no float rounding: 1500000 → "1.5".
fn seconds_text(us: u64) -> String {
    let fraction = us % 1_000_000;
    if fraction == 0 {
        return (us / 1_000_000).to_string();
    }
    let digits = format!("{fraction:06}");
    format!("{}.{}", us / 1_000_000, digits.trim_end_matches('0'))
}

/// A value in the shortest form that reads back to the same f64, with a `.` decimal point
/// whatever the locale (Rust's formatting has none) and never an exponent.
fn number_text(value: f64) -> String {
    if value == 0.0 { "0".into() } else { value.to_string() }
}

/// One CSV field per RFC 4180: quoted when it holds a comma, a quote or a line break, with
/// inner quotes doubled.
fn csv_field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
