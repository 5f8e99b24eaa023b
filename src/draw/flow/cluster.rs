//! The cluster in the flow view: the topic's partitions as lanes (the retained log, the lag,
//! every replica's position and whether it is in sync), or as a heat strip of lag when there
//! are too many partitions for lanes, with a chip per broker on top.

use super::layout::{Layout, Rect};
use super::{duplicate_mark, fit_text, group_digits, Painter};
use crate::draw::painter::Align;
use crate::draw::palette;
use dhara_engine::view::{PartitionView, Snapshot};

pub fn draw(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (b, s, t) = (layout.cluster, layout.scale, layout.text);
    painter.fill_rect(b.x, b.y, b.w, b.h, palette::PANEL);
    painter.stroke_rect(b.x, b.y, b.w, b.h, palette::PANEL_EDGE, 1.5 * s);
    let topic = &snapshot.topic;
    let title = format!("{} · RF {} · min ISR {}", topic.name, topic.replication_factor, topic.min_insync_replicas);
    let title_w = layout.brokers.first().map_or(b.w, |chip| chip.x - b.x) - 12.0 * s;
    if !fit_text(painter, b.x + 8.0 * s, b.y + 19.0 * t, title_w, &format!("topic {title}"), 14.0 * t, palette::INK, Align::Left) {
        fit_text(painter, b.x + 8.0 * s, b.y + 19.0 * t, title_w, &title, 14.0 * t, palette::INK, Align::Left);
    }
    draw_broker_chips(painter, layout, snapshot);
    let up = broker_up(snapshot);
    // One scale for every lane, the longest retained log, so a hot partition stands out.
    let records_max = topic.partitions.iter().map(|p| p.log_end_offset - p.log_start_offset).max().unwrap_or(0).max(1) as f64;
    if layout.dense_lanes {
        draw_heat_strip(painter, layout, snapshot);
    } else {
        for (partition, &rect) in topic.partitions.iter().zip(&layout.lanes) {
            draw_lane(painter, layout, rect, partition, records_max, &up);
        }
    }
    draw_note(painter, layout, snapshot);
}

/// Per broker id: whether it is up.
fn broker_up(snapshot: &Snapshot) -> Vec<bool> {
    snapshot.brokers.iter().map(|b| b.up).collect()
}

/// One chip per broker along the top of the cluster box: green when up, red when down.
fn draw_broker_chips(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    for (broker, &chip) in snapshot.brokers.iter().zip(&layout.brokers) {
        let color = if broker.up { palette::COMMITTED } else { palette::DOWN };
        painter.fill_rect(chip.x, chip.y, chip.w, chip.h, color);
        let label = if broker.up { broker.node.clone() } else { format!("{} ✕", broker.node) };
        let short = label.replace("broker-", "b");
        let (x, y) = (chip.x + chip.w / 2.0, chip.y + chip.h / 2.0 + 4.0 * layout.text);
        if !fit_text(painter, x, y, chip.w - 2.0, &label, 11.5 * layout.text, palette::BACKGROUND, Align::Center) {
            fit_text(painter, x, y, chip.w - 2.0, &short, 11.5 * layout.text, palette::BACKGROUND, Align::Center);
        }
    }
}

/// A replica's colour: the leader in ink, a follower in the ISR green, one out of sync
/// orange, one on a broker that is down red.
fn replica_color(p: &PartitionView, broker: u16, up: &[bool]) -> &'static str {
    if !up.get(usize::from(broker)).copied().unwrap_or(true) {
        palette::DOWN
    } else if p.leader == Some(broker) {
        palette::INK
    } else if p.isr.contains(&broker) {
        palette::COMMITTED
    } else {
        palette::LAG
    }
}

/// A lane is the partition's retained log, oldest on the left; the orange tail is the lag,
/// the records after the group's committed offset (the green mark). Each follower's log end
/// is a tick on the lane, and a square per replica at its end says who is in sync.
fn draw_lane(painter: &mut impl Painter, layout: &Layout, lane: Rect, partition: &PartitionView, records_max: f64, up: &[bool]) {
    let (s, t) = (layout.scale, layout.text);
    let replica_px = (lane.h * 0.5).min(13.0 * t).max(2.0);
    let replicas_w = partition.replicas.len() as f64 * (replica_px + 3.0 * s) + 6.0 * s;
    let label_w = 30.0 * t;
    let (x, w) = (lane.x + label_w, (lane.w - label_w - replicas_w).max(1.0));
    let y_mid = lane.y + lane.h / 2.0;
    let bar_h = (lane.h * 0.6).min(26.0 * s);
    let y = y_mid - bar_h / 2.0;
    let color = palette::partition_color(partition.partition);
    let start = partition.log_start_offset;
    let at = |offset: u64| x + w * (offset.saturating_sub(start) as f64 / records_max).min(1.0);
    painter.fill_rect(x, y, w, bar_h, palette::BACKGROUND);
    painter.fill_rect(x, y, at(partition.log_end_offset) - x, bar_h, "#d9e0ea");
    painter.fill_rect(x, y, 4.0 * s, bar_h, color);
    let lag = partition.lag_records.min(partition.log_end_offset - start) as f64;
    // At least a sliver: a lag of a few records must still be visible.
    let lag_w = if lag > 0.0 { (w * lag / records_max).max(2.0 * s) } else { 0.0 };
    let commit_x = at(partition.log_end_offset) - lag_w;
    painter.fill_rect(commit_x, y, lag_w, bar_h, palette::LAG);
    painter.line((commit_x, y - 2.0 * s), (commit_x, y + bar_h + 2.0 * s), palette::COMMITTED, 2.0 * s);
    for (i, (&broker, &leo)) in partition.replicas.iter().zip(&partition.replica_log_end_offsets).enumerate() {
        let replica = replica_color(partition, broker, up);
        if partition.leader != Some(broker) {
            let tick_x = at(leo);
            painter.line((tick_x, y + bar_h), (tick_x, y + bar_h + 3.0 * s), replica, 2.0 * s);
        }
        let rx = x + w + 6.0 * s + i as f64 * (replica_px + 3.0 * s);
        painter.fill_rect(rx, y_mid - replica_px / 2.0, replica_px, replica_px, replica);
        fit_text(painter, rx + replica_px / 2.0, y_mid + replica_px / 3.0, replica_px, &broker.to_string(), replica_px * 0.85, palette::BACKGROUND, Align::Center);
    }
    // Sized by the lane, not the bar: a thin bar on a small canvas keeps readable labels.
    let size = (lane.h * 0.55).min(13.0 * t);
    fit_text(painter, x - 5.0 * s, y_mid + size / 3.0, label_w, &format!("P{}", partition.partition), size, palette::INK, Align::Right);
    let text_x = x + 8.0 * s;
    // The full detail only near its size: lanes side by side must not mix tiny and large text.
    if !super::fit_text_within(painter, (text_x, y_mid + size / 3.0, w - 12.0 * s), &lane_detail(partition), size, 0.85, palette::INK, Align::Left) {
        fit_text(painter, text_x, y_mid + size / 3.0, w - 12.0 * s, &lane_short(partition), size, palette::INK, Align::Left);
    }
    if partition.leader.is_none() {
        fit_text(painter, x + w - 4.0 * s, y_mid + size / 3.0, w / 2.0, "OFFLINE", size, palette::DOWN, Align::Right);
    }
}

/// The lane's text: who leads, who is in sync, and the offsets that make the lag.
pub fn lane_detail(p: &PartitionView) -> String {
    let leader = p.leader.map_or("none".to_string(), |b| format!("b{b}"));
    let isr: Vec<String> = p.isr.iter().map(u16::to_string).collect();
    format!(
        "leader {leader} · ISR {} · HW {} · committed {} · lag {}",
        isr.join(","),
        group_digits(p.high_watermark),
        group_digits(p.committed_offset),
        group_digits(p.lag_records)
    )
}

/// The lane's text on a narrow canvas.
fn lane_short(p: &PartitionView) -> String {
    format!("HW {} · lag {}", group_digits(p.high_watermark), group_digits(p.lag_records))
}

/// Many partitions: a cell each, white (caught up) to orange (the worst lag), red when
/// offline, with an orange top edge when under-replicated.
fn draw_heat_strip(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let partitions = &snapshot.topic.partitions;
    let lag_max = partitions.iter().map(|p| p.lag_records).max().unwrap_or(0).max(1) as f64;
    for (p, &cell) in partitions.iter().zip(&layout.lanes) {
        let color = if p.leader.is_none() { palette::DOWN.to_string() } else { heat(p.lag_records as f64 / lag_max) };
        painter.fill_rect(cell.x, cell.y, cell.w, cell.h, &color);
        painter.stroke_rect(cell.x, cell.y, cell.w, cell.h, palette::PANEL_EDGE, 0.5 * layout.scale);
        if p.isr.len() < p.replicas.len() {
            painter.fill_rect(cell.x, cell.y, cell.w, (cell.h * 0.2).min(3.0 * layout.scale), palette::LAG);
        }
        fit_text(painter, cell.x + cell.w / 2.0, cell.y + cell.h / 2.0 + 3.5 * layout.text, cell.w - 2.0, &p.partition.to_string(), 10.0 * layout.text, palette::INK, Align::Center);
    }
}

/// White to the lag colour (#d55e00) by `fraction` (0 to 1).
pub fn heat(fraction: f64) -> String {
    let f = fraction.clamp(0.0, 1.0);
    let mix = |to: f64| (255.0 + (to - 255.0) * f).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(213.0), mix(94.0), mix(0.0))
}

/// The line under the lanes: replication health, records written twice, and on a heat
/// strip the three lanes with the most lag, by name.
fn draw_note(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (n, t) = (layout.lanes_note, layout.text);
    let topic = &snapshot.topic;
    let mut parts = Vec::new();
    if layout.dense_lanes {
        let mut worst: Vec<&PartitionView> = topic.partitions.iter().filter(|p| p.lag_records > 0).collect();
        dhara_engine::sim::sort::sort_by(&mut worst, |a, b| b.lag_records.cmp(&a.lag_records).then(a.partition.cmp(&b.partition)));
        let named: Vec<String> = worst.iter().take(3).map(|p| format!("P{} lag {}", p.partition, group_digits(p.lag_records))).collect();
        parts.push(if named.is_empty() { "no lag".to_string() } else { format!("most lag: {}", named.join(", ")) });
    }
    parts.push(format!("under-replicated {} · offline {}", topic.under_replicated, topic.offline));
    let written_twice = snapshot.fates.duplicates_written;
    let trouble = topic.under_replicated > 0 || topic.offline > 0 || written_twice > 0;
    if written_twice > 0 {
        parts.push(duplicate_mark("written", written_twice));
    }
    let color = if trouble { palette::DOWN } else { palette::MUTED };
    let text = parts.join(" · ");
    if !fit_text(painter, n.x + 4.0, n.y + 13.0 * t, n.w - 8.0, &text, 11.5 * t, color, Align::Left) {
        // Narrow: the most important part alone.
        let first = if written_twice > 0 { parts.last() } else { parts.first() };
        fit_text(painter, n.x + 4.0, n.y + 13.0 * t, n.w - 8.0, first.map_or("", String::as_str), 11.5 * t, color, Align::Left);
    }
}
