//! The flow view: producer → the topic's partitions (as lanes on the cluster) → the consumer
//! group → the stream job's keyed tasks → its sink and the serving views, with every message
//! on the wire as a dot. Each lane shows its log end offset, its replicas (in sync or not) and,
//! in orange, the consumer lag: the records written but not yet committed by the group. It
//! reads only the engine's `Snapshot` (the view contract), never the simulation's internals.

mod cluster;
mod dots;
pub mod layout;
mod stream;
#[cfg(test)]
mod tests;

pub use cluster::lane_detail;

use super::painter::{Align, Painter};
use super::palette;
use dhara_engine::view::Snapshot;
use layout::{Layout, Rect, Shape};

/// Text smaller than this many pixels is left out: many partitions on a small canvas still
/// show their bars, without an unreadable smear of digits.
pub const TEXT_MIN_PX: f64 = 9.0;

/// How the presenter wants the view drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// 1 to 2: multiplies every text size (large-text mode for a projector).
    pub text_scale: f64,
    /// No moving dots: counts of messages in flight per link instead (prefers-reduced-motion).
    pub reduced_motion: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { text_scale: 1.0, reduced_motion: false }
    }
}

impl Options {
    /// Checks what the page passed; the error names the field and the allowed range.
    pub fn new(text_scale: f64, reduced_motion: bool) -> Result<Options, String> {
        if !(text_scale.is_finite() && (1.0..=2.0).contains(&text_scale)) {
            return Err(format!("draw_flow_with: text_scale must be a number from 1 to 2 (got {text_scale})"));
        }
        Ok(Options { text_scale, reduced_motion })
    }
}

/// The layout a snapshot gets on a canvas of this size: what `draw` uses and `node_at` asks.
pub fn layout_for(width: f64, height: f64, snapshot: &Snapshot, options: &Options) -> Layout {
    Layout::new(width, height, &Shape::of(snapshot), options.text_scale)
}

pub fn draw(painter: &mut impl Painter, snapshot: &Snapshot) {
    draw_with(painter, snapshot, &Options::default());
}

pub fn draw_with(painter: &mut impl Painter, snapshot: &Snapshot, options: &Options) {
    let (width, height) = painter.size();
    let layout = layout_for(width, height, snapshot, options);
    painter.fill_rect(0.0, 0.0, width, height, palette::BACKGROUND);
    draw_header(painter, &layout, snapshot);
    dots::draw_links(painter, &layout);
    draw_producer(painter, &layout, snapshot);
    cluster::draw(painter, &layout, snapshot);
    draw_group(painter, &layout, snapshot, !options.reduced_motion);
    stream::draw(painter, &layout, snapshot);
    if options.reduced_motion {
        dots::draw_link_counts(painter, &layout, snapshot);
    } else {
        dots::draw_messages(painter, &layout, snapshot);
    }
}

fn draw_header(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let t = layout.text;
    let seconds = snapshot.now_us as f64 / 1e6;
    let status = format!(
        "t = {seconds:.1} s · {} events · {} on the wire · trace {}",
        group_digits(snapshot.events),
        group_digits(snapshot.in_flight_total.into()),
        snapshot.trace_hash
    );
    let x = 12.0 * layout.scale;
    fit_or_cut(painter, x, 22.0 * t, layout.header.w - 2.0 * x, &snapshot.title, 18.0 * t, palette::INK, Align::Left);
    fit_or_cut(painter, x, 39.0 * t, layout.header.w - 2.0 * x, &status, 13.0 * t, palette::MUTED, Align::Left);
}

/// Width of `text` at `size_px`, estimated (the painter cannot measure): sans-serif digits
/// and lower case average a little over half the font size.
pub fn text_width(text: &str, size_px: f64) -> f64 {
    text.chars().count() as f64 * size_px * 0.56
}

/// Draws `text` when it fits `width` at `size_px`, shrunk by up to 40% if that makes it fit;
/// returns whether it was drawn. Never draws below `TEXT_MIN_PX`.
#[allow(clippy::too_many_arguments)]
pub fn fit_text(painter: &mut impl Painter, x: f64, y: f64, width: f64, text: &str, size_px: f64, color: &str, align: Align) -> bool {
    fit_text_within(painter, (x, y, width), text, size_px, 0.6, color, align)
}

/// `fit_text` that shrinks `text` to no less than `min_share` of `size_px`.
pub fn fit_text_within(painter: &mut impl Painter, (x, y, width): (f64, f64, f64), text: &str, size_px: f64, min_share: f64, color: &str, align: Align) -> bool {
    let needed = text_width(text, size_px);
    let size = if needed <= width { size_px } else { size_px * width / needed };
    if size < TEXT_MIN_PX || size < size_px * min_share {
        return false;
    }
    painter.text(x, y, text, size, color, align);
    true
}

/// Like `fit_text`, but text too long even when shrunk is cut short with an ellipsis.
#[allow(clippy::too_many_arguments)]
pub fn fit_or_cut(painter: &mut impl Painter, x: f64, y: f64, width: f64, text: &str, size_px: f64, color: &str, align: Align) {
    if fit_text(painter, x, y, width, text, size_px, color, align) {
        return;
    }
    let size = (size_px * 0.6).max(TEXT_MIN_PX);
    let chars = (width / (size * 0.56)).floor() as usize;
    if chars >= 2 {
        let cut: String = text.chars().take(chars - 1).collect();
        painter.text(x, y, &format!("{}…", cut.trim_end()), size, color, align);
    }
}

/// A panel with lines of text centred in it; the first line is the title. Lines that do
/// not fit the box (in height or width) are left out.
pub fn draw_node_box(painter: &mut impl Painter, rect: Rect, layout: &Layout, edge: &str, lines: &[(String, &str)]) {
    let (s, t) = (layout.scale, layout.text);
    painter.fill_rect(rect.x, rect.y, rect.w, rect.h, palette::PANEL);
    painter.stroke_rect(rect.x, rect.y, rect.w, rect.h, edge, 1.5 * s);
    let line_h = 19.0 * t;
    let fit = ((rect.h - 6.0 * s) / line_h).floor().max(0.0) as usize;
    let shown = fit.min(lines.len());
    let top = rect.y + (rect.h - line_h * shown as f64) / 2.0;
    for (i, (text, color)) in lines.iter().take(shown).enumerate() {
        let size = if i == 0 { 15.0 } else { 13.0 } * t;
        let y = top + line_h * (i as f64 + 0.5) + size / 3.0;
        fit_text(painter, rect.x + rect.w / 2.0, y, rect.w - 6.0 * s, text, size, color, Align::Center);
    }
}

fn draw_producer(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let p = &snapshot.producer;
    let fates = &snapshot.fates;
    // A transactional producer shows its transaction instead of the failure count.
    let last = if p.transaction_state == "none" {
        (format!("failed {}", group_digits(fates.failed)), palette::MUTED)
    } else {
        (format!("txn {} · aborted {}", p.transaction_state.replace('_', " "), group_digits(fates.aborted)), palette::MUTED)
    };
    let mut lines = vec![
        (p.node.clone(), palette::INK),
        (format!("{} rec/s · acks={}", group_digits(p.rate_records_per_s.into()), p.acks), palette::MUTED),
        (format!("sent {}", group_digits(p.sent)), palette::MUTED),
        (format!("acked {}", group_digits(p.acked)), palette::MUTED),
    ];
    // Acknowledged, then lost: the worst fate a record can have, marked where the promise was made.
    if fates.acked_lost > 0 {
        lines.insert(1, (lost_mark(fates.acked_lost), palette::DOWN));
    } else {
        lines.push((format!("acked, lost {}", group_digits(fates.acked_lost)), palette::MUTED));
    }
    lines.push(last);
    let edge = if fates.acked_lost > 0 { palette::DOWN } else { palette::PANEL_EDGE };
    draw_node_box(painter, layout.producer, layout, edge, &lines);
}

/// The marks for records that went wrong, shared by the nodes and the tests.
pub fn lost_mark(count: u64) -> String {
    format!("✕ acked, lost {}", group_digits(count))
}
pub fn duplicate_mark(what: &str, count: u64) -> String {
    format!("❐ {what} twice {}", group_digits(count))
}
pub fn late_mark(count: u64) -> String {
    format!("◷ late, dropped {}", group_digits(count))
}

/// Kafka's own name for a group state (`preparing_rebalance` → `PreparingRebalance`), as
/// `kafka-consumer-groups.sh --describe --state` prints it.
pub fn kafka_group_state(state: &str) -> String {
    state.split('_').map(|word| {
        let mut chars = word.chars();
        chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
    }).collect()
}

/// The consumer group: a header with its state and generation, then one box per member
/// listing the partitions it owns (small coloured cells when there are many members).
/// `second_line`: false when reduced motion puts the link's count label there instead.
fn draw_group(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot, second_line: bool) {
    let (g, s, t) = (layout.group, layout.scale, layout.text);
    let group = &snapshot.group;
    painter.fill_rect(g.x, g.y, g.w, g.h, palette::BACKGROUND);
    painter.stroke_rect(g.x, g.y, g.w, g.h, palette::PANEL_EDGE, 1.0 * s);
    let state = kafka_group_state(&group.state);
    let color = if group.state == "stable" { palette::COMMITTED } else { palette::LAG };
    let x = g.x + g.w / 2.0;
    if !fit_text(painter, x, g.y + 13.0 * t, g.w - 4.0 * s, &format!("group · gen {} · {state}", group.generation), 12.0 * t, color, Align::Center) {
        fit_text(painter, x, g.y + 13.0 * t, g.w - 4.0 * s, &state, 12.0 * t, color, Align::Center);
    }
    let dup = snapshot.fates.duplicates_processed;
    let second = if dup > 0 { (duplicate_mark("processed", dup), palette::DOWN) } else { (group.assignor.clone(), palette::MUTED) };
    if second_line || dup > 0 {
        fit_text(painter, x, g.y + 26.0 * t, g.w - 4.0 * s, &second.0, 11.0 * t, second.1, Align::Center);
    }
    let dense = snapshot.consumers.len() > layout::MEMBERS_MAX;
    for (c, &rect) in snapshot.consumers.iter().zip(&layout.consumers) {
        let down = c.state == "crashed";
        let state_color = match c.state.as_str() {
            "crashed" => palette::DOWN,
            "joining" => palette::LAG,
            _ => palette::COMMITTED,
        };
        if dense {
            // A cell per member: its state's colour, its lag as text if there is room.
            painter.fill_rect(rect.x, rect.y, rect.w, rect.h, state_color);
            fit_text(painter, rect.x + rect.w / 2.0, rect.y + rect.h / 2.0 + 4.0 * t, rect.w - 2.0, &group_digits(c.lag_records), 10.0 * t, palette::BACKGROUND, Align::Center);
            continue;
        }
        let owned: Vec<String> = c.assigned.iter().map(|p| format!("P{p}")).collect();
        let owned = if owned.is_empty() { "no partitions".to_string() } else { owned.join(" ") };
        let lines = [
            (c.node.clone(), palette::INK),
            (c.state.clone(), state_color),
            (owned, palette::INK),
            (format!("lag {}", group_digits(c.lag_records)), palette::LAG),
            (format!("done {}", group_digits(c.processed)), palette::MUTED),
        ];
        draw_node_box(painter, rect, layout, if down { palette::DOWN } else { palette::PANEL_EDGE }, &lines);
    }
}

pub use dhara_engine::view::group_digits;
