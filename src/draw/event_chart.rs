//! Two charts of the stream job's timing. The event-time chart is Streaming Systems' figure:
//! each dot a record (across, when the job processed it; up, when it happened), the
//! watermark the curve under them (the job's estimate of how far event time is complete),
//! and records dropped as late as red crosses, above a watermark that had already passed
//! their window. The panes chart counts, per window, the results that fired early, on time
//! and late, and the records dropped.

use super::legend;
use super::time_chart::{draw_frame, font, Frame};
use dhara_engine::stream::job::timing::PaneCounts;
use dhara_engine::Simulation;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Dots drawn at most; past it every n-th on-time record is drawn (all dropped ones are).
const POINTS_DRAWN_MAX: usize = 2_000;

pub struct EventTimeData {
    /// (processing s, event s, dropped as late).
    pub points: Vec<(f64, f64, bool)>,
    /// (processing s, watermark s): the slowest keyed task's watermark over time.
    pub watermark: Vec<(f64, f64)>,
}

impl EventTimeData {
    pub fn from_simulation(sim: &Simulation) -> EventTimeData {
        let all = sim.job().map(|job| job.event_points()).unwrap_or_default();
        let stride = all.len().div_ceil(POINTS_DRAWN_MAX).max(1);
        let points = all
            .iter()
            .enumerate()
            .filter(|(i, p)| p.dropped || i % stride == 0)
            .map(|(_, p)| (p.processing_us as f64 / 1e6, p.event_us as f64 / 1e6, p.dropped))
            .collect();
        // The series holds processing time minus watermark; before the first watermark
        // that is all of time, and there is no curve yet.
        let watermark = sim
            .series("stream_watermark_lag_ms")
            .map(|s| s.points().map(|(t, lag_ms)| (t as f64 / 1e6, (t as f64 / 1e3 - lag_ms) / 1e3)).filter(|&(_, w)| w > 0.0).collect())
            .unwrap_or_default();
        EventTimeData { points, watermark }
    }
}

pub struct PaneData {
    /// (window start s, window end s, counts), oldest first.
    pub windows: Vec<(f64, f64, PaneCounts)>,
}

impl PaneData {
    pub fn from_simulation(sim: &Simulation) -> PaneData {
        let counts = sim.job().map(|job| job.pane_counts()).unwrap_or_default();
        PaneData { windows: counts.into_iter().map(|((start, end), c)| (start as f64 / 1e6, end as f64 / 1e6, c)).collect() }
    }
}

const ON_TIME_DOT: RGBColor = RGBColor(86, 180, 233);
const DROPPED: RGBColor = RGBColor(179, 38, 30);
const INK: RGBColor = RGBColor(29, 35, 48);

fn scale_of(width: u32, height: u32) -> f64 {
    (f64::from(width) / 600.0).min(f64::from(height) / 240.0).clamp(1.0, 3.0)
}

pub fn draw_event_time<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, data: &EventTimeData) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = root.dim_in_pixel();
    let scale = scale_of(width, height);
    let xs = data.points.iter().map(|p| p.0).chain(data.watermark.iter().map(|w| w.0));
    let x_end = xs.clone().fold(10.0, f64::max);
    let x_start = xs.fold(x_end, f64::min).min(x_end - 10.0).max(0.0);
    let ys = data.points.iter().map(|p| p.1).chain(data.watermark.iter().map(|w| w.1));
    let y_max = ys.clone().fold(1.0, f64::max) * 1.05;
    let y_min = ys.fold(y_max, f64::min).min(y_max - 1.0).max(0.0);
    let frame = Frame { title: "Event time (when it happened, s) × processing time", scale, x: x_start..x_end, x_desc: "processing time: when the job saw it (s)", y_min, y_max, y_label_area_px: 44.0, y_decimals: 0 };
    let mut chart = draw_frame(root, &frame)?;
    let ideal = [(x_start.max(y_min), x_start.max(y_min)), (x_end.min(y_max), x_end.min(y_max))];
    chart.draw_series(LineSeries::new(ideal, RGBColor(201, 208, 220).stroke_width(1)))?;
    let radius = (2.0 * scale) as i32;
    let on_time = data.points.iter().filter(|p| !p.2 && p.1 >= y_min).map(|&(x, y, _)| Circle::new((x, y), radius, ON_TIME_DOT.filled()));
    chart.draw_series(on_time)?;
    let size = (4.0 * scale) as i32;
    let dropped = data.points.iter().filter(|p| p.2 && p.1 >= y_min).map(|&(x, y, _)| Cross::new((x, y), size, DROPPED.stroke_width(2)));
    chart.draw_series(dropped)?;
    let stroke = INK.stroke_width((2.0 * scale) as u32);
    chart.draw_series(LineSeries::new(data.watermark.iter().copied(), stroke))?;
    let entries = [
        legend::entry("event time = processing time", |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RGBColor(201, 208, 220))),
        legend::entry("record", move |(x, y)| Circle::new((x + 8, y), radius, ON_TIME_DOT.filled())),
        legend::entry("dropped as late", move |(x, y)| Cross::new((x + 8, y), size, DROPPED.stroke_width(2))),
        legend::entry("watermark", move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], INK.stroke_width(3))),
    ];
    legend::draw(&chart.plotting_area().strip_coord_spec(), &entries, &font(scale, 11.0).into_font().into())
}

/// Early, on time, late and dropped: a bar each per window, in this order and colour.
const PANE_KINDS: [(&str, RGBColor); 4] = [("early panes", RGBColor(86, 180, 233)), ("on-time panes", RGBColor(0, 158, 115)), ("late panes", RGBColor(230, 159, 0)), ("records dropped", DROPPED)];

fn pane_value(c: &PaneCounts, kind: usize) -> f64 {
    [c.early, c.on_time, c.late, c.dropped][kind] as f64
}

pub fn draw_panes<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, data: &PaneData) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, height) = root.dim_in_pixel();
    let scale = scale_of(width, height);
    let x_start = data.windows.first().map_or(0.0, |w| w.0);
    let x_end = data.windows.last().map_or(10.0, |w| w.1).max(x_start + 1.0);
    let y_max = data.windows.iter().flat_map(|w| (0..4).map(|k| pane_value(&w.2, k))).fold(1.0, f64::max) * 1.2;
    let frame = Frame { title: "Panes per window by timing, and records dropped as late", scale, x: x_start..x_end, x_desc: "window (event time, s)", y_min: 0.0, y_max, y_label_area_px: 52.0, y_decimals: 0 };
    let mut chart = draw_frame(root, &frame)?;
    for (kind, &(_, colour)) in PANE_KINDS.iter().enumerate() {
        let bars = data.windows.iter().map(|&(start, end, counts)| {
            let slot = (end - start) / 5.0;
            let x0 = start + slot * (kind as f64 + 0.5);
            Rectangle::new([(x0, 0.0), (x0 + slot, pane_value(&counts, kind))], colour.filled())
        });
        chart.draw_series(bars)?;
    }
    let entries: Vec<_> = PANE_KINDS.iter().map(|&(label, colour)| legend::entry(label, move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()))).collect();
    legend::draw(&chart.plotting_area().strip_coord_spec(), &entries, &font(scale, 11.0).into_font().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::test_support::run;

    #[test]
    fn event_time_has_records_above_the_watermark_and_the_late_ones_marked() {
        let sim = run("upi-windows", 40);
        let data = EventTimeData::from_simulation(&sim);
        assert!(data.points.len() > 100 && data.points.len() <= POINTS_DRAWN_MAX + 200, "{}", data.points.len());
        let dropped = data.points.iter().filter(|p| p.2).count();
        assert!(dropped > 0, "upi-windows has 30-second stragglers");
        // A record is processed after it happens, and the watermark trails processing time.
        assert!(data.points.iter().all(|&(x, y, _)| y <= x + 1e-6));
        assert!(data.watermark.len() >= 30 && data.watermark.iter().all(|&(t, w)| w <= t));
        // Dropped records happened well before the watermark at the time they came.
        let at = |t: f64| data.watermark.iter().rev().find(|w| w.0 <= t).map_or(0.0, |w| w.1);
        assert!(data.points.iter().filter(|p| p.2).all(|&(x, y, _)| y < at(x)), "late means behind the watermark");
        let mut svg = String::new();
        draw_event_time(&SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area(), &data).expect("draws");
        assert!(svg.contains("watermark") && svg.contains("dropped as late"));
    }

    #[test]
    fn panes_count_each_window_and_the_records_dropped() {
        let sim = run("upi-windows", 60);
        let data = PaneData::from_simulation(&sim);
        assert!(data.windows.len() >= 4, "{}", data.windows.len());
        let total = |k: usize| data.windows.iter().map(|w| pane_value(&w.2, k)).sum::<f64>();
        assert!(total(1) > 0.0, "on-time panes");
        let late_dropped: u64 = sim.snapshot().stream.expect("job").tasks.iter().map(|t| t.late_dropped).sum();
        assert!(total(3) > 0.0 && total(3) <= late_dropped as f64, "{} of {late_dropped}", total(3));
        assert!(data.windows.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
        let mut svg = String::new();
        draw_panes(&SVGBackend::with_string(&mut svg, (800, 400)).into_drawing_area(), &data).expect("draws");
        assert!(svg.contains("on-time panes") && svg.contains("records dropped"));
    }
}
