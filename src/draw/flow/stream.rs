//! The stream job in the flow view, after the consumer group that feeds it: its keyed tasks,
//! each with its watermark (how far event time has got) and the records it dropped as too
//! late, then the sink with its results, duplicates and commits, and, when the scenario
//! compares architectures, the serving views each answers from.

use super::layout::Layout;
use super::{draw_node_box, duplicate_mark, fit_text, group_digits, late_mark, Painter};
use crate::draw::painter::Align;
use crate::draw::palette;
use dhara_engine::scenario::stream::Delivery;
use dhara_engine::view::Snapshot;

pub fn draw(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let Some(job) = &snapshot.stream else { return };
    let (s, t) = (layout.scale, layout.text);
    if let Some(area) = layout.tasks_area {
        painter.stroke_rect(area.x, area.y, area.w, area.h, palette::PANEL_EDGE, 1.0 * s);
        let restarting = job.status != "running";
        let (head, color) = if restarting { (format!("keyed tasks · {}", job.status), palette::DOWN) } else { ("keyed tasks".to_string(), palette::INK) };
        fit_text(painter, area.x + area.w / 2.0, area.y + 13.0 * t, area.w - 4.0 * s, &head, 12.0 * t, color, Align::Center);
        fit_text(painter, area.x + area.w / 2.0, area.y + 26.0 * t, area.w - 4.0 * s, &job.job, 11.0 * t, palette::MUTED, Align::Center);
        let dense = job.tasks.len() > super::layout::MEMBERS_MAX;
        for (task, &rect) in job.tasks.iter().zip(&layout.tasks) {
            let edge = if restarting { palette::DOWN } else { palette::PANEL_EDGE };
            if dense {
                let color = if task.late_dropped > 0 { palette::LAG } else { palette::COMMITTED };
                painter.fill_rect(rect.x, rect.y, rect.w, rect.h, color);
                fit_text(painter, rect.x + rect.w / 2.0, rect.y + rect.h / 2.0 + 4.0 * t, rect.w - 2.0, &watermark_text(task.watermark_us), 10.0 * t, palette::BACKGROUND, Align::Center);
                continue;
            }
            let late_color = if task.late_dropped > 0 { palette::DOWN } else { palette::MUTED };
            // A narrow box (large text) gets the short form rather than none.
            let late = late_mark(task.late_dropped);
            let late = if super::text_width(&late, 13.0 * t) * 0.6 > rect.w - 6.0 * s { format!("◷ late {}", group_digits(task.late_dropped)) } else { late };
            let lines = [
                (format!("task-{}", task.task), palette::INK),
                (format!("wm {}", watermark_text(task.watermark_us)), palette::INK),
                (late, late_color),
                (format!("in {} · out {}", group_digits(task.records_in), group_digits(task.records_out)), palette::MUTED),
                (format!("queued {}", group_digits(task.queued_records)), palette::MUTED),
            ];
            draw_node_box(painter, rect, layout, edge, &lines);
        }
    }
    if let Some(rect) = layout.sink {
        let sink = &job.sink;
        let delivery = match job.delivery {
            Delivery::AtMostOnce => "at-most-once",
            Delivery::AtLeastOnce => "at-least-once",
            Delivery::ExactlyOnce => "exactly-once",
        };
        let dup_color = if sink.duplicates > 0 { palette::DOWN } else { palette::MUTED };
        let lines = [
            ("sink".to_string(), palette::INK),
            (delivery.to_string(), palette::MUTED),
            (format!("results {}", group_digits(sink.visible)), palette::INK),
            (duplicate_mark("seen", sink.duplicates), dup_color),
            (format!("commits {} · aborted {}", group_digits(sink.transactions_committed), group_digits(sink.aborted)), palette::MUTED),
            (format!("store rows {}", group_digits(job.store_rows)), palette::MUTED),
        ];
        draw_node_box(painter, rect, layout, if sink.duplicates > 0 { palette::DOWN } else { palette::PANEL_EDGE }, &lines);
    }
    draw_serving(painter, layout, snapshot);
}

/// Watermark in simulated seconds, or a dash while it is still at the beginning of time.
pub fn watermark_text(watermark_us: Option<i64>) -> String {
    watermark_us.map_or("—".to_string(), |us| format!("{:.1} s", us as f64 / 1e6))
}

/// Lambda, Kappa and CQRS: how stale each served answer is and how wrong on settled windows.
fn draw_serving(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (Some(rect), Some(arch)) = (layout.serving, &snapshot.architectures) else { return };
    let line = |name: &str, m: &dhara_engine::arch::compare::Measure, down: bool| {
        let color = if down || m.staleness_ms >= dhara_engine::arch::compare::STALE_MS { palette::DOWN } else { palette::INK };
        (format!("{name} {:.1} s stale · {:.1}% off", m.staleness_ms as f64 / 1e3, m.score.error_percent), color)
    };
    let lines = [
        ("serving views".to_string(), palette::INK),
        line("Lambda", &arch.lambda.measure, false),
        line("Kappa", &arch.kappa.measure, arch.kappa.serving_down),
        line("CQRS", &arch.cqrs.measure, false),
    ];
    draw_node_box(painter, rect, layout, palette::PANEL_EDGE, &lines);
}
