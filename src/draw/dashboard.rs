//! Dashboards: the charts an operator of a streaming system watches, one name each. `lag` is
//! how far the consumers are behind (in records per partition, and in time with the time to
//! drain the backlog), `throughput` records in and out per second, `latency` how long a
//! record takes from creation to being processed, `event_time` when events happened against
//! when the job saw them with the watermark, and `panes` each window's results by timing.
//! All read the simulation's bounded series and logs, and draw in the charts' shared frame.

use super::event_chart::{self, EventTimeData, PaneData};
use super::workload_chart::{draw_on, Line, LineChart};
use dhara_engine::Simulation;
use plotters::coord::Shift;
use plotters::prelude::*;

pub const NAMES: [&str; 5] = ["lag", "throughput", "latency", "event_time", "panes"];

/// Partitions drawn one line each in the lag panel; with more, the ones with most lag now.
const LAG_LINES_MAX: usize = 12;

pub enum Panel {
    Lines(LineChart),
    EventTime(EventTimeData),
    Panes(PaneData),
}

/// A series' points in (simulated seconds, value divided by `divisor`), leaving out values
/// below zero (a time to drain of −1 means "never at these rates", not a time).
fn points(sim: &Simulation, name: &str, divisor: f64) -> Vec<(f64, f64)> {
    sim.series(name).map(|s| s.points().filter(|&(_, v)| v >= 0.0).map(|(t, v)| (t as f64 / 1e6, v / divisor)).collect()).unwrap_or_default()
}

fn line(sim: &Simulation, label: &'static str, name: &str, divisor: f64) -> Line {
    Line { label: label.into(), points: points(sim, name, divisor) }
}

/// The panels of dashboard `name`; an unknown name is an error listing the names.
pub fn panels(sim: &Simulation, name: &str) -> Result<Vec<Panel>, String> {
    let lines = |title: &'static str, lines: Vec<Line>| Panel::Lines(LineChart { title, y_max: None, lines });
    Ok(match name {
        "lag" => vec![
            lines("Consumer lag per partition (records)", lag_lines(sim)),
            // Seconds both, but of very different sizes: a panel each.
            lines("Time lag: oldest unconsumed record (s)", vec![line(sim, "time lag", "lag_ms", 1e3)]),
            lines("Time to drain at current rates (s)", vec![line(sim, "time to drain", "time_to_drain_s", 1.0)]),
        ],
        "throughput" => {
            let mut all = vec![line(sim, "in: produced", "produced_per_s", 1.0), line(sim, "out: consumed", "consumed_per_s", 1.0)];
            if sim.job().is_some() {
                all.push(line(sim, "results", "stream_results_per_s", 1.0));
            }
            vec![lines("Throughput (records/s)", all)]
        }
        "latency" => vec![lines("Latency, record created → processed (ms)", vec![line(sim, "p50", "latency_p50_ms", 1.0), line(sim, "p99", "latency_p99_ms", 1.0)])],
        "event_time" => vec![Panel::EventTime(EventTimeData::from_simulation(sim))],
        "panes" => vec![Panel::Panes(PaneData::from_simulation(sim))],
        _ => return Err(format!("draw_dashboard: unknown dashboard {name:?}; the dashboards are {}", NAMES.join(", "))),
    })
}

/// One line per partition (the worst `LAG_LINES_MAX` by current lag when there are more),
/// in partition order.
fn lag_lines(sim: &Simulation) -> Vec<Line> {
    let partitions = sim.scenario().topic.partitions as usize;
    let last = |p: usize| sim.series(&format!("lag_records.p{p}")).and_then(|s| s.last()).map_or(0.0, |(_, v)| v);
    let mut shown: Vec<usize> = (0..partitions).collect();
    if partitions > LAG_LINES_MAX {
        dhara_engine::sim::sort::sort_by(&mut shown, |&a, &b| last(b).total_cmp(&last(a)).then(a.cmp(&b)));
        shown.truncate(LAG_LINES_MAX);
        shown.sort_unstable();
    }
    shown.into_iter().map(|p| Line { label: format!("P{p}").into(), points: points(sim, &format!("lag_records.p{p}"), 1.0) }).collect()
}

/// The panels side by side on a wide canvas, one above the other otherwise.
pub fn draw<DB: DrawingBackend>(backend: DB, panels: &[Panel]) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let root = backend.into_drawing_area();
    let (width, height) = root.dim_in_pixel();
    let n = panels.len().max(1);
    let areas = if width >= 2 * height { root.split_evenly((1, n)) } else { root.split_evenly((n, 1)) };
    for (area, panel) in areas.iter().zip(panels) {
        draw_panel(area, panel)?;
    }
    root.present()
}

fn draw_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, panel: &Panel) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match panel {
        Panel::Lines(chart) => draw_on(area, chart),
        Panel::EventTime(data) => event_chart::draw_event_time(area, data),
        Panel::Panes(data) => event_chart::draw_panes(area, data),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::test_support::run;

    fn svg_of(sim: &Simulation, name: &str) -> String {
        let mut svg = String::new();
        draw(SVGBackend::with_string(&mut svg, (900, 400)), &panels(sim, name).expect("a dashboard")).expect("draws");
        svg
    }

    #[test]
    fn an_unknown_dashboard_is_refused_with_the_names() {
        let Err(error) = panels(&run("upi-lag", 1), "lags") else { panic!("refused") };
        assert!(error.contains("\"lags\"") && error.contains("lag, throughput, latency, event_time, panes"), "{error}");
    }

    #[test]
    fn lag_draws_a_line_per_partition_and_the_time_lag_with_time_to_drain() {
        let sim = run("upi-lag", 20);
        let panels = panels(&sim, "lag").expect("known");
        let Panel::Lines(per_partition) = &panels[0] else { panic!("lines") };
        assert_eq!(per_partition.lines.iter().map(|l| l.label.as_ref()).collect::<Vec<_>>(), ["P0", "P1", "P2", "P3", "P4", "P5"]);
        assert!(per_partition.lines.iter().all(|l| l.points.len() >= 19));
        let (Panel::Lines(time_lag), Panel::Lines(drain)) = (&panels[1], &panels[2]) else { panic!("lines") };
        // upi-lag's consumer is slower than its producer: the time lag grows, and the backlog
        // never drains at these rates (-1 in the series), so there is no time to drain to draw.
        let time_lag = &time_lag.lines[0].points;
        assert!(time_lag.last().expect("points").1 > time_lag[2].1 + 5.0, "{time_lag:?}");
        assert!(drain.lines[0].points.is_empty(), "{:?}", drain.lines[0].points);
        let svg = svg_of(&sim, "lag");
        assert!(svg.contains("Consumer lag per partition") && svg.contains("Time to drain"), "{svg}");
    }

    #[test]
    fn captions_of_side_by_side_panels_fit_their_panels() {
        let sim = run("upi-lag", 20);
        let svg_at = |width: u32| {
            let mut svg = String::new();
            draw(SVGBackend::with_string(&mut svg, (width, 260)), &panels(&sim, "lag").expect("a dashboard")).expect("draws");
            svg
        };
        // The font size of the caption starting with `start` (cut or not).
        let caption_px = |svg: &str, start: &str| -> f64 {
            let at = svg.find(&format!(">\n{start}")).expect("the caption is drawn");
            let open = svg[..at].rfind("font-size=\"").expect("a size") + "font-size=\"".len();
            svg[open..].split('"').next().and_then(|v| v.parse().ok()).expect("a number")
        };
        // The page's dashboard beside the scenario's text at 1280 px: three panels of 250 px,
        // where the captions at full size would run into each other.
        let (narrow, wide) = (svg_at(750), svg_at(1800));
        for start in ["Consumer lag", "Time lag"] {
            assert!(caption_px(&narrow, start) < caption_px(&wide, start), "{start}: smaller in a narrow panel");
        }
        assert!(wide.contains(">\nTime lag: oldest unconsumed record (s)\n<"), "whole where there is room");
    }

    #[test]
    fn throughput_and_latency_draw_their_series() {
        let sim = run("upi-windows", 20);
        let panels_of = |name| panels(&sim, name).expect("known");
        let Panel::Lines(throughput) = &panels_of("throughput")[0] else { panic!("lines") };
        assert_eq!(throughput.lines.len(), 3, "in, out and the job's results");
        let produced = throughput.lines[0].points.last().expect("points").1;
        assert!((300.0..=500.0).contains(&produced), "about 400 records/s in: {produced}");
        let Panel::Lines(latency) = &panels_of("latency")[0] else { panic!("lines") };
        let p50 = latency.lines[0].points.last().expect("p50").1;
        let p99 = latency.lines[1].points.last().expect("p99").1;
        assert!(p50 > 0.0 && p99 >= p50, "{p50} {p99}");
        assert!(svg_of(&sim, "latency").contains("p99"));
    }
}
