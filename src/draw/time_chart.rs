//! The frame the charts share: a white area, a caption, simulated time in seconds across and
//! a value axis (from zero up, for most), with light grid lines. Each chart decides its own scale (how
//! big text is for its canvas) and draws its lines into the frame.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// What differs between the charts' frames.
pub struct Frame<'t> {
    pub title: &'t str,
    /// Text and margins are multiplied by this.
    pub scale: f64,
    /// Simulated seconds shown.
    pub x: Range<f64>,
    /// What the x axis measures; most charts: "simulated time (s)".
    pub x_desc: &'t str,
    pub y_min: f64,
    pub y_max: f64,
    /// Room for the value labels, in nominal pixels.
    pub y_label_area_px: f64,
    /// Decimals of the value labels.
    pub y_decimals: usize,
}

/// The usual x axis.
pub const SIMULATED_TIME: &str = "simulated time (s)";

/// A text style of nominal size `px` at `scale`.
pub fn font(scale: f64, px: f64) -> (&'static str, u32) {
    ("sans-serif", (px * scale) as u32)
}

pub type TimeChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Fills `root` white and draws the frame; the chart's lines go into what it returns.
pub fn draw_frame<'a, DB: DrawingBackend>(root: &'a DrawingArea<DB, Shift>, frame: &Frame) -> Result<TimeChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let scale = frame.scale;
    let mut chart = ChartBuilder::on(root)
        .caption(frame.title, font(scale, 15.0))
        .margin((8.0 * scale) as u32)
        .x_label_area_size((28.0 * scale) as u32)
        .y_label_area_size((frame.y_label_area_px * scale) as u32)
        .build_cartesian_2d(frame.x.clone(), frame.y_min..frame.y_max)?;
    let decimals = frame.y_decimals;
    chart
        .configure_mesh()
        .x_desc(frame.x_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .label_style(font(scale, 11.0))
        .axis_desc_style(font(scale, 11.0))
        .light_line_style(RGBColor(236, 239, 244))
        .draw()?;
    Ok(chart)
}
