//! The page's views beyond the basic frame: the flow view with presenter options, what node
//! is under the pointer, and the named dashboards. Each method is a thin call into `draw`,
//! which holds the logic and its native tests.

use crate::draw;
use crate::Lab;
use dhara_engine::Simulation;
use wasm_bindgen::prelude::*;

/// The run these views read; the only line that knows how `Lab` holds it.
fn sim(lab: &Lab) -> &Simulation {
    lab.timeline.sim()
}

#[wasm_bindgen]
impl Lab {
    /// Draws the flow view with presenter options: `text_scale` from 1 to 2 enlarges all text;
    /// `reduced_motion` draws no moving dots, only per-link counts of messages in flight.
    pub fn draw_flow_with(&self, canvas: &web_sys::HtmlCanvasElement, text_scale: f64, reduced_motion: bool) -> Result<(), JsError> {
        draw::views::draw_flow_with(canvas, sim(self), text_scale, reduced_motion).map_err(|e| JsError::new(&e))
    }

    /// The node drawn at canvas pixel (x, y) of a `canvas_width` × `canvas_height` flow view
    /// (canvas pixels: CSS pixels × devicePixelRatio, as the page sizes the canvas), e.g.
    /// `broker-1`, `partition-4`, `consumer-0`, `task-2`, `producer-0`; `undefined` for none.
    /// Pass the `text_scale` the view was drawn with (omitted: 1), as large text moves boxes.
    pub fn node_at(&self, canvas_width: f64, canvas_height: f64, x: f64, y: f64, text_scale: Option<f64>) -> Result<Option<String>, JsError> {
        draw::views::node_at(sim(self), (canvas_width, canvas_height), (x, y), text_scale.unwrap_or(1.0)).map_err(|e| JsError::new(&e))
    }

    /// Draws the dashboard `name` (`lag`, `throughput`, `latency`, `event_time`, `panes`)
    /// into `canvas`; an unknown name is an error listing the names.
    pub fn draw_dashboard(&self, canvas: &web_sys::HtmlCanvasElement, name: &str) -> Result<(), JsError> {
        draw::views::draw_dashboard(canvas, sim(self), name).map_err(|e| JsError::new(&e))
    }
}
