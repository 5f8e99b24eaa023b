//! The workload chart: what a domain's analytics mean over time, drawn with plotters like
//! the lag chart. For UPI it is the detector's precision and recall (how often an alert is
//! right, how much fraud is caught); for a sale, the conversion and cart-abandonment rates;
//! for posts, the posting rate that bursts lift.

use super::legend;
use super::palette::CATEGORICAL_RGB;
use super::time_chart::{draw_frame, SIMULATED_TIME, font, Frame};
use dhara_engine::workload::Kind;
use dhara_engine::Simulation;
use plotters::prelude::*;
use std::borrow::Cow;

/// One line: its legend label and its (simulated seconds, value) points.
pub struct Line {
    pub label: Cow<'static, str>,
    pub points: Vec<(f64, f64)>,
}

/// A titled chart of lines over simulated time: the workload's, and each panel of the
/// architectures chart.
pub struct LineChart {
    pub title: &'static str,
    /// The value axis; `None` fits the data.
    pub y_max: Option<f64>,
    pub lines: Vec<Line>,
}

/// Per domain: the title, a fixed value axis (or none), and the series drawn.
fn layout(kind: Kind) -> (&'static str, Option<f64>, &'static [(&'static str, &'static str)]) {
    match kind {
        Kind::Upi => ("Fraud detection: precision and recall", Some(1.0), &[("precision", "upi_precision"), ("recall", "upi_recall")]),
        Kind::Social => ("Posts per second", None, &[("posts / s", "social_posts_per_s")]),
        Kind::Shop => ("Conversion and cart abandonment (%)", Some(100.0), &[("view → purchase", "shop_conversion_percent"), ("carts abandoned", "shop_abandonment_percent")]),
    }
}

impl LineChart {
    /// `None` for a scenario without a workload.
    pub fn from_simulation(sim: &Simulation) -> Option<LineChart> {
        let (title, y_max, series) = layout(sim.scenario().workload.as_ref()?.kind());
        let points = |name: &str| sim.series(name).map(|s| s.points().map(|(t, v)| (t as f64 / 1e6, v)).collect()).unwrap_or_default();
        let lines = series.iter().map(|&(label, name)| Line { label: label.into(), points: points(name) }).collect();
        Some(LineChart { title, y_max, lines })
    }
}

pub fn draw<DB: DrawingBackend>(backend: DB, data: &LineChart) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let root = backend.into_drawing_area();
    draw_on(&root, data)?;
    root.present()
}

/// Draws `data` into `root` (a whole canvas or one panel of it).
pub fn draw_on<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, data: &LineChart) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = root.dim_in_pixel();
    // A wide, short strip must not get fonts sized for its width alone, nor unreadably
    // small ones: text stays at least at its nominal size.
    let scale = (f64::from(width) / 600.0).min(f64::from(height) / 240.0).clamp(1.0, 3.0);
    let all = || data.lines.iter().flat_map(|l| l.points.iter().copied());
    let x_end = all().map(|(t, _)| t).fold(10.0, f64::max);
    let x_start = all().map(|(t, _)| t).fold(x_end, f64::min).min(x_end - 10.0).max(0.0);
    let y_max = data.y_max.unwrap_or_else(|| all().map(|(_, v)| v).fold(10.0, f64::max) * 1.1);
    let y_decimals = if y_max <= 1.0 { 1 } else { 0 };
    let frame = Frame { title: data.title, scale, x: x_start..x_end, x_desc: SIMULATED_TIME, y_min: 0.0, y_max, y_label_area_px: 44.0, y_decimals };
    let mut chart = draw_frame(root, &frame)?;
    let mut entries = Vec::with_capacity(data.lines.len());
    for (i, line) in data.lines.iter().enumerate() {
        let (r, g, b) = CATEGORICAL_RGB[i % CATEGORICAL_RGB.len()];
        let colour = RGBColor(r, g, b);
        let stroke = colour.stroke_width((2.0 * scale) as u32);
        chart.draw_series(LineSeries::new(line.points.iter().copied(), stroke))?;
        entries.push(legend::entry(line.label.as_ref(), move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(3))));
    }
    legend::draw(&chart.plotting_area().strip_coord_spec(), &entries, &font(scale, 11.0).into_font().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::test_support::run;

    fn svg_of(data: &LineChart) -> String {
        let mut svg = String::new();
        draw(SVGBackend::with_string(&mut svg, (600, 300)), data).expect("chart draws");
        svg
    }

    #[test]
    fn upi_draws_precision_and_recall_on_a_unit_axis() {
        let sim = run("upi-fraud", 70);
        let data = LineChart::from_simulation(&sim).expect("a workload");
        assert_eq!(data.lines.iter().map(|l| l.label.as_ref()).collect::<Vec<_>>(), ["precision", "recall"]);
        assert!(data.lines.iter().all(|l| !l.points.is_empty() && l.points.iter().all(|&(_, v)| (0.0..=1.0).contains(&v))));
        let svg = svg_of(&data);
        assert!(svg.contains("Fraud detection") && svg.contains("precision") && svg.contains("recall"), "{svg}");
    }

    #[test]
    fn shop_and_social_draw_their_own_series_and_a_plain_run_none() {
        let shop = LineChart::from_simulation(&run("shop-sessions", 60)).expect("a workload");
        assert!(shop.lines.iter().any(|l| !l.points.is_empty()), "sessions closed in a minute");
        assert!(svg_of(&shop).contains("abandoned"));
        let social = LineChart::from_simulation(&run("social-trends", 15)).expect("a workload");
        assert!(social.lines[0].points.iter().any(|&(_, v)| v > 100.0), "about 200 posts/s");
        assert!(LineChart::from_simulation(&run("upi-lag", 2)).is_none());
    }

    #[test]
    fn an_empty_chart_still_draws_axes() {
        let data = LineChart { title: "t", y_max: None, lines: vec![Line { label: "x".into(), points: vec![] }] };
        assert!(svg_of(&data).contains("<svg"));
    }
}
