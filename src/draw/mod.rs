//! Drawing. `flow` lays out the message flow against the small `Painter` trait, so the same
//! layout code draws on a browser canvas (`canvas`) and into a recording in native tests.
//! `lag_chart`, `workload_chart` and `arch_chart` use plotters, generic over their backend (a
//! canvas in the page, `chart_canvas`, SVG in tests), in the frame `time_chart` draws for all.

pub mod arch_chart;
pub mod canvas;
pub mod chart_canvas;
pub mod dashboard;
pub mod event_chart;
pub mod flow;
pub mod lag_chart;
pub mod legend;
pub mod painter;
#[cfg(test)]
mod test_support;
pub mod palette;
pub mod time_chart;
pub mod views;
pub mod workload_chart;
