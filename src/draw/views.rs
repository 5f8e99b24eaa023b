//! The browser side of the flow view's options, hit testing and the dashboards: checks what
//! the page passed and hands a canvas to the drawing code, which knows nothing of the DOM.

use super::canvas::CanvasPainter;
use super::flow::{self, Options};
use dhara_engine::Simulation;

pub fn draw_flow_with(canvas: &web_sys::HtmlCanvasElement, sim: &Simulation, text_scale: f64, reduced_motion: bool) -> Result<(), String> {
    let options = Options::new(text_scale, reduced_motion)?;
    let mut painter = CanvasPainter::new(canvas)?;
    flow::draw_with(&mut painter, &sim.snapshot(), &options);
    Ok(())
}

/// The node under (x, y) on a flow view of this canvas size drawn at `text_scale`.
pub fn node_at(sim: &Simulation, (canvas_width, canvas_height): (f64, f64), (x, y): (f64, f64), text_scale: f64) -> Result<Option<String>, String> {
    let options = Options::new(text_scale, false).map_err(|e| e.replace("draw_flow_with", "node_at"))?;
    for (name, value) in [("canvas_width", canvas_width), ("canvas_height", canvas_height)] {
        if !(value.is_finite() && value >= 1.0) {
            return Err(format!("node_at: {name} must be a number ≥ 1 (canvas pixels; got {value})"));
        }
    }
    for (name, value) in [("x", x), ("y", y)] {
        if !value.is_finite() {
            return Err(format!("node_at: {name} must be a finite number of canvas pixels (got {value})"));
        }
    }
    let snapshot = sim.snapshot();
    let layout = flow::layout_for(canvas_width, canvas_height, &snapshot, &options);
    Ok(layout.node_at(&snapshot, x, y))
}

pub fn draw_dashboard(canvas: &web_sys::HtmlCanvasElement, sim: &Simulation, name: &str) -> Result<(), String> {
    let panels = super::dashboard::panels(sim, name)?;
    let backend = super::chart_canvas::ChartCanvas::new(canvas).ok_or("draw_dashboard: the canvas has no 2D context")?;
    super::dashboard::draw(backend, &panels).map_err(|e| format!("draw_dashboard: {e}"))
}
