//! The web crate: the only place that knows about the browser. It exports one handle, `Lab`,
//! over the pure engine (`dhara-engine`), and draws with the canvas and plotters. Following
//! the wasm-bindgen "game of life" pattern, JS makes one `advance` call and a few draw calls
//! per frame; nothing crosses the boundary per message.
//!
//! The JS side of this contract is `www/main.js`.

pub mod draw;
mod export;
pub mod lessons;
pub mod knobs;
mod narrate;
mod timeline;
mod views;

use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::timeline::Refused;
use dhara_engine::{Command, InputError, Scenario, Timeline};
use wasm_bindgen::prelude::*;

/// Simulated milliseconds one `advance` call may cover: a day. The page asks for at most
/// frame time × speed; larger requests are a bug in the caller and are refused.
pub const ADVANCE_MS_MAX: f64 = 86_400_000.0;

#[wasm_bindgen(start)]
pub fn start() {
    // Panics print a readable message and stack to the console instead of "unreachable".
    console_error_panic_hook::set_once();
}

/// One simulation run, driven by the page, with its command log and snapshots so it can go
/// back in time and fork (the methods for that are in `timeline.rs`).
#[wasm_bindgen]
pub struct Lab {
    timeline: Timeline,
}

#[wasm_bindgen]
impl Lab {
    /// A run of `scenario_json` (validated; errors name the field) under `seed`.
    #[wasm_bindgen(constructor)]
    pub fn new(scenario_json: &str, seed: u64) -> Result<Lab, JsError> {
        let scenario = Scenario::from_json(scenario_json).map_err(to_js)?;
        Ok(Lab { timeline: Timeline::new(scenario, seed) })
    }

    /// Runs `ms` of simulated time (0 to 86,400,000), replaying logged commands as their
    /// instants come (after a seek back), and returns the run's summary.
    pub fn advance(&mut self, ms: f64) -> Result<JsValue, JsError> {
        self.timeline.advance(parse_advance_ms(ms).map_err(to_js)?).map_err(refused_to_js)?;
        self.summary()
    }

    /// Processes exactly one event (or replays the logged command due before it) and returns
    /// the summary.
    pub fn step(&mut self) -> Result<JsValue, JsError> {
        self.timeline.step().map_err(refused_to_js)?;
        self.summary()
    }

    /// Applies one command given as JSON, e.g. `{"command":"crash_consumer"}`, at the next
    /// whole millisecond. Logged commands later than that are dropped (a fork after a seek
    /// back); returns how many (0 normally).
    pub fn apply(&mut self, command_json: &str) -> Result<u32, JsError> {
        let command = Command::from_json(command_json).map_err(to_js)?;
        let applied = self.timeline.apply(command).map_err(to_js)?;
        Ok(applied.dropped as u32)
    }

    /// The run's scenario with every default filled in (what the knobs list reads).
    pub fn scenario(&self) -> Result<JsValue, JsError> {
        to_value(self.timeline.sim().scenario())
    }

    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_value(&self.timeline.sim().summary())
    }

    /// The view of everything drawable right now (see `dhara_engine::view::Snapshot`).
    pub fn snapshot(&self) -> Result<JsValue, JsError> {
        to_value(&self.timeline.sim().snapshot())
    }

    /// The values of a metrics series (e.g. `lag_records`, `lag_records.p0`) as a typed array.
    pub fn series(&self, name: &str) -> Result<js_sys::Float64Array, JsError> {
        let series = self.timeline.sim().series(name).ok_or_else(|| JsError::new(&format!("series: unknown series {name:?}")))?;
        let values: Vec<f64> = series.points().map(|(_, value)| value).collect();
        Ok(js_sys::Float64Array::from(values.as_slice()))
    }

    /// When the engine last took a metrics sample, in simulated ms (−1 before the first). The
    /// page redraws the dashboards drawn from metric series when it changes: computing it from
    /// the clock instead would miss a sample still queued at the very instant a step stopped.
    pub fn last_sample_ms(&self) -> f64 {
        self.timeline.sim().series("lag_records").and_then(|series| series.last()).map_or(-1.0, |(at_us, _)| at_us as f64 / 1e3)
    }

    /// Trace entries with sequence number ≥ `first_seq` still held in memory, as objects.
    pub fn trace_since(&self, first_seq: f64) -> Result<JsValue, JsError> {
        if !(first_seq.is_finite() && first_seq >= 0.0) {
            return Err(JsError::new("trace_since: first_seq must be a whole number ≥ 0"));
        }
        let entries: Vec<serde_json::Value> = self.timeline.sim().trace().since(first_seq as u64).map(|e| e.to_json()).collect();
        to_value(&entries)
    }

    /// The run's fingerprint (16 hex digits); equal to `dhara run`'s for the same input.
    pub fn trace_hash(&self) -> String {
        dhara_engine::sim::trace::hash_hex(self.timeline.sim().trace().hash())
    }

    /// Draws the message flow (producer → partitions → consumer) into `canvas`.
    pub fn draw_flow(&self, canvas: &web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        let mut painter = draw::canvas::CanvasPainter::new(canvas).map_err(|e| JsError::new(&e))?;
        draw::flow::draw(&mut painter, &self.timeline.sim().snapshot());
        Ok(())
    }

    /// Draws consumer lag over time with plotters into `canvas`.
    pub fn draw_lag_chart(&self, canvas: &web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        let backend = draw::chart_canvas::ChartCanvas::new(canvas)
            .ok_or_else(|| JsError::new("draw_lag_chart: the canvas has no 2D context"))?;
        let data = draw::lag_chart::LagData::from_simulation(self.timeline.sim());
        draw::lag_chart::draw(backend, &data).map_err(|e| JsError::new(&format!("draw_lag_chart: {e}")))
    }

    /// Draws the workload's analytics over time (precision and recall, conversion, posting
    /// rate) with plotters into `canvas`; does nothing for a scenario without a workload.
    pub fn draw_workload_chart(&self, canvas: &web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        let Some(data) = draw::workload_chart::LineChart::from_simulation(self.timeline.sim()) else { return Ok(()) };
        let backend = draw::chart_canvas::ChartCanvas::new(canvas)
            .ok_or_else(|| JsError::new("draw_workload_chart: the canvas has no 2D context"))?;
        draw::workload_chart::draw(backend, &data).map_err(|e| JsError::new(&format!("draw_workload_chart: {e}")))
    }

    /// Draws the architectures' comparison over time (freshness, error against the truth,
    /// core time; Lambda, Kappa and CQRS in each) into `canvas`; does nothing for a scenario
    /// without architectures.
    pub fn draw_arch_chart(&self, canvas: &web_sys::HtmlCanvasElement) -> Result<(), JsError> {
        if self.timeline.sim().architectures().is_none() {
            return Ok(());
        }
        let backend = draw::chart_canvas::ChartCanvas::new(canvas)
            .ok_or_else(|| JsError::new("draw_arch_chart: the canvas has no 2D context"))?;
        draw::arch_chart::draw(backend, self.timeline.sim()).map_err(|e| JsError::new(&format!("draw_arch_chart: {e}")))
    }
}

/// The names of the built-in scenarios, default first.
#[wasm_bindgen]
pub fn scenario_names() -> Vec<String> {
    builtin::ALL.iter().map(|b| b.name.to_string()).collect()
}

/// A built-in scenario's JSON document.
#[wasm_bindgen]
pub fn scenario_json(name: &str) -> Result<String, JsError> {
    builtin::load(name).map_err(to_js)?;
    Ok(builtin::find(name).map(|b| b.json.to_string()).unwrap_or_default())
}

/// A fresh seed from the browser's entropy, for the "new seed" button only: the run itself
/// is then fully determined by it. Returned as a decimal string (u64 does not fit a JS number).
#[wasm_bindgen]
pub fn random_seed() -> Result<String, JsError> {
    getrandom::u64().map(|seed| seed.to_string()).map_err(|e| JsError::new(&format!("random_seed: {e}")))
}

/// Validates an `advance` request and converts it to whole microseconds.
pub fn parse_advance_ms(ms: f64) -> Result<Duration, InputError> {
    if !ms.is_finite() || !(0.0..=ADVANCE_MS_MAX).contains(&ms) {
        return Err(InputError::new("ms", format!("must be a number from 0 to {ADVANCE_MS_MAX} (got {ms})")));
    }
    Ok(Duration::from_us((ms * 1_000.0).round() as u64))
}

fn refused_to_js(refused: Refused) -> JsError {
    JsError::new(&refused.to_string())
}

fn to_js(error: InputError) -> JsError {
    JsError::new(&error.to_string())
}

fn to_value<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    // Plain objects (not Maps) so the page can read fields with dot syntax.
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| JsError::new(&format!("serialize: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_accepts_the_documented_range_only() {
        assert_eq!(parse_advance_ms(16.6), Ok(Duration::from_us(16_600)));
        assert_eq!(parse_advance_ms(0.0), Ok(Duration::ZERO));
        for bad in [-1.0, f64::NAN, f64::INFINITY, ADVANCE_MS_MAX + 1.0] {
            let err = parse_advance_ms(bad).expect_err("refused");
            assert_eq!(err.path, "ms");
        }
    }

    #[test]
    fn builtin_names_start_with_the_default() {
        assert_eq!(scenario_names().first().map(String::as_str), Some(builtin::DEFAULT.name));
    }
}
