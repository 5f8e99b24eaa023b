//! The architectures chart: Lambda, Kappa and CQRS over time, side by side in three panels
//! (how stale each served answer is, how far it is from the truth on settled windows, and the
//! core time it has cost), so a fault, a replay or a batch run shows as a bump in one line
//! and not the others.

use super::workload_chart::{draw_on, Line, LineChart};
use dhara_engine::Simulation;
use plotters::prelude::*;

/// The panels: title and the series' common stem (value axes fit the data).
const PANELS: [(&str, &str); 3] = [("Staleness of the answer (s)", "staleness_ms"), ("Error vs truth, settled windows (%)", "error_percent"), ("Core time spent (core-s)", "cpu_s")];
const ARCHITECTURES: [(&str, &str); 3] = [("Lambda", "lambda"), ("Kappa", "kappa"), ("CQRS", "cqrs")];

/// The three panels' data.
pub fn panels(sim: &Simulation) -> Vec<LineChart> {
    PANELS
        .iter()
        .map(|&(title, stem)| {
            // Staleness is recorded in ms and read in seconds.
            let divisor = if stem == "staleness_ms" { 1e3 } else { 1.0 };
            let lines = ARCHITECTURES
                .iter()
                .map(|&(label, prefix)| {
                    let series = sim.series(&format!("{prefix}_{stem}"));
                    Line { label: label.into(), points: series.map(|s| s.points().map(|(t, v)| (t as f64 / 1e6, v / divisor)).collect()).unwrap_or_default() }
                })
                .collect();
            LineChart { title, y_max: None, lines }
        })
        .collect()
}

/// Three panels side by side on a wide canvas, one above the other on a narrow one.
pub fn draw<DB: DrawingBackend>(backend: DB, sim: &Simulation) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let root = backend.into_drawing_area();
    let (width, height) = root.dim_in_pixel();
    let areas = if width >= 2 * height { root.split_evenly((1, 3)) } else { root.split_evenly((3, 1)) };
    for (area, panel) in areas.iter().zip(panels(sim)) {
        draw_on(area, &panel)?;
    }
    root.present()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dhara_engine::command::Command;
    use dhara_engine::scenario::builtin;
    use dhara_engine::sim::Duration;

    #[test]
    fn three_panels_with_a_line_per_architecture_and_a_crash_shows_in_one() {
        let mut sim = Simulation::new(builtin::load("upi-architectures").expect("loads"), 1);
        sim.advance(Duration::from_secs(20));
        sim.apply(Command::CrashLayer { layer: dhara_engine::arch::Layer::Kappa }).expect("running");
        sim.advance(Duration::from_secs(10));
        let panels = panels(&sim);
        assert_eq!(panels.len(), 3);
        let staleness = &panels[0];
        assert_eq!(staleness.lines.iter().map(|l| l.label.as_ref()).collect::<Vec<_>>(), ["Lambda", "Kappa", "CQRS"]);
        let worst = |line: &Line| line.points.iter().map(|&(_, v)| v).fold(0.0, f64::max);
        assert!(worst(&staleness.lines[1]) >= 5.0 && worst(&staleness.lines[0]) < 1.0, "only Kappa went stale");
        let mut svg = String::new();
        draw(SVGBackend::with_string(&mut svg, (1200, 300)), &sim).expect("draws");
        for text in ["Staleness", "Error vs truth", "Core time", "Lambda", "Kappa", "CQRS"] {
            assert!(svg.contains(text), "{text}");
        }
    }
}
