//! The lag chart: consumer lag in records over simulated time, the total in bold and each
//! partition in its own colour. Drawn with plotters, generic over the backend, so the page
//! draws it on a canvas and the native tests render the very same code to SVG.

use super::palette::CATEGORICAL_RGB;
use super::time_chart::{draw_frame, SIMULATED_TIME, Frame};
use dhara_engine::Simulation;
use plotters::prelude::*;

/// The numbers the chart needs, copied out of the simulation's series.
pub struct LagData {
    /// Sample times in simulated seconds.
    pub times_s: Vec<f64>,
    pub total: Vec<f64>,
    pub per_partition: Vec<Vec<f64>>,
}

impl LagData {
    pub fn from_simulation(sim: &Simulation) -> LagData {
        let values = |name: &str| -> Vec<f64> { sim.series(name).map(|s| s.points().map(|(_, v)| v).collect()).unwrap_or_default() };
        let times_s = sim.series("lag_records").map(|s| s.points().map(|(t, _)| t as f64 / 1e6).collect()).unwrap_or_default();
        let partitions = sim.scenario().topic.partitions;
        LagData {
            times_s,
            total: values("lag_records"),
            per_partition: (0..partitions).map(|p| values(&format!("lag_records.p{p}"))).collect(),
        }
    }
}

pub fn draw<DB: DrawingBackend>(backend: DB, data: &LagData) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let root = backend.into_drawing_area();
    let (width, _) = root.dim_in_pixel();
    let scale = (f64::from(width) / 600.0).clamp(0.6, 3.0);
    let x_end = data.times_s.last().copied().unwrap_or(0.0).max(10.0);
    let x_start = data.times_s.first().copied().unwrap_or(0.0).min(x_end - 10.0).max(0.0);
    let y_max = data.total.iter().copied().fold(0.0, f64::max).max(10.0) * 1.1;
    let frame = Frame { title: "Consumer lag (records behind the log end)", scale, x: x_start..x_end, x_desc: SIMULATED_TIME, y_min: 0.0, y_max, y_label_area_px: 52.0, y_decimals: 0 };
    let mut chart = draw_frame(&root, &frame)?;
    for (p, lags) in data.per_partition.iter().enumerate() {
        let (r, g, b) = CATEGORICAL_RGB[p % CATEGORICAL_RGB.len()];
        let points = data.times_s.iter().copied().zip(lags.iter().copied());
        chart.draw_series(LineSeries::new(points, RGBColor(r, g, b).stroke_width(1)))?;
    }
    let total = data.times_s.iter().copied().zip(data.total.iter().copied());
    chart.draw_series(LineSeries::new(total, RGBColor(29, 35, 48).stroke_width((2.5 * scale) as u32)))?;
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dhara_engine::scenario::builtin;
    use dhara_engine::sim::Duration;

    fn svg_of(data: &LagData) -> String {
        let mut svg = String::new();
        draw(SVGBackend::with_string(&mut svg, (600, 300)), data).expect("chart draws");
        svg
    }

    /// The data lines: polylines not drawn in black (black ones are the axes' ticks).
    fn polylines(svg: &str) -> Vec<&str> {
        let all = svg.match_indices("<polyline").map(|(i, _)| &svg[i..i + svg[i..].find("/>").unwrap_or(0)]);
        all.filter(|line| !line.contains("stroke=\"#000000\"")).collect()
    }

    #[test]
    fn draws_one_line_per_partition_plus_the_total() {
        let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 2);
        sim.advance(Duration::from_secs(30));
        let data = LagData::from_simulation(&sim);
        assert_eq!(data.times_s.len(), 30);
        let svg = svg_of(&data);
        assert_eq!(polylines(&svg).len(), 6 + 1, "{svg}");
        assert!(svg.contains("Consumer lag"));
    }

    #[test]
    fn a_growing_lag_rises_on_the_chart() {
        let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 2);
        sim.advance(Duration::from_secs(30));
        let svg = svg_of(&LagData::from_simulation(&sim));
        let total = *polylines(&svg).last().expect("total line");
        assert!(total.contains("stroke=\"#1D2330\""), "the total is drawn last, in ink");
        let ys: Vec<f64> = total
            .split("points=\"")
            .nth(1)
            .map(|p| p.split('"').next().unwrap_or_default())
            .unwrap_or_default()
            .split(' ')
            .filter_map(|xy| xy.split(',').nth(1)?.parse().ok())
            .collect();
        assert!(ys.len() >= 20);
        // SVG y grows downwards: a rising lag has a smaller y at the end.
        assert!(ys[ys.len() - 1] < ys[2] - 50.0, "{ys:?}");
    }

    #[test]
    fn an_empty_run_still_draws_axes() {
        let data = LagData { times_s: vec![], total: vec![], per_partition: vec![vec![]] };
        assert!(svg_of(&data).contains("<svg"));
    }
}
