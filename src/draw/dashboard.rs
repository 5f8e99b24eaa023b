//! Dashboards: the operator's charts, by name. Stub while the flow view is tested.
use super::workload_chart::LineChart;
use dhara_engine::Simulation;
use plotters::prelude::*;

pub const NAMES: [&str; 5] = ["lag", "throughput", "latency", "event_time", "panes"];

pub fn panels(_sim: &Simulation, name: &str) -> Result<Vec<LineChart>, String> {
    Err(format!("draw_dashboard: unknown dashboard {name:?}; the dashboards are {}", NAMES.join(", ")))
}

pub fn draw<DB: DrawingBackend>(backend: DB, panels: &[LineChart]) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let root = backend.into_drawing_area();
    let areas = root.split_evenly((panels.len().max(1), 1));
    for (area, panel) in areas.iter().zip(panels) {
        super::workload_chart::draw_on(area, panel)?;
    }
    root.present()
}
