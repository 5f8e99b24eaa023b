//! Messages on the wire. Each network message in the snapshot is a dot on the link it travels,
//! placed by its progress (0 sent, 1 arrived), coloured by partition for records and grey for
//! control traffic. With reduced motion there are no dots: each link shows how many messages
//! are on it instead.

use super::layout::{Layout, Rect};
use super::{group_digits, Painter};
use crate::draw::painter::Align;
use crate::draw::palette;
use dhara_engine::view::{InFlightView, Snapshot};

type Point = (f64, f64);

/// Where a link leaves `rect` towards the next stage (right side, or bottom when vertical).
fn out_port(layout: &Layout, rect: Rect) -> Point {
    if layout.vertical { (rect.x + rect.w / 2.0, rect.bottom()) } else { (rect.right(), rect.y + rect.h / 2.0) }
}

/// Where a link enters `rect` from the previous stage (left side, or top when vertical).
fn in_port(layout: &Layout, rect: Rect) -> Point {
    if layout.vertical { (rect.x + rect.w / 2.0, rect.y) } else { (rect.x, rect.y + rect.h / 2.0) }
}

/// A partition's lane: records enter at its left end and leave at its right end.
fn lane_ends(layout: &Layout, partition: Option<u32>) -> (Point, Point) {
    match partition.and_then(|p| layout.lanes.get(p as usize)) {
        Some(&lane) if !layout.vertical => ((layout.cluster.x, lane.y + lane.h / 2.0), (layout.cluster.right(), lane.y + lane.h / 2.0)),
        Some(&lane) => ((lane.x + lane.w * 0.1, lane.y + lane.h / 2.0), (lane.x + lane.w * 0.9, lane.y + lane.h / 2.0)),
        None => (in_port(layout, layout.cluster), out_port(layout, layout.cluster)),
    }
}

/// The faint lines that join the stages, drawn under everything else.
pub fn draw_links(painter: &mut impl Painter, layout: &Layout) {
    let mut stages = vec![layout.producer, layout.cluster, layout.group];
    stages.extend(layout.tasks_area);
    stages.extend(layout.sink);
    for pair in stages.windows(2) {
        painter.line(out_port(layout, pair[0]), in_port(layout, pair[1]), palette::PANEL_EDGE, 1.5 * layout.scale);
    }
    if let (Some(sink), Some(serving)) = (layout.sink, layout.serving) {
        let (from, to) = if layout.vertical { ((sink.right(), sink.y + sink.h / 2.0), (serving.x, serving.y + serving.h / 2.0)) } else { ((sink.x + sink.w / 2.0, sink.bottom()), (serving.x + serving.w / 2.0, serving.y)) };
        painter.line(from, to, palette::PANEL_EDGE, 1.5 * layout.scale);
    }
}

/// The member a message goes to or comes from, as an index into the layout's consumers.
fn member(layout: &Layout, message: &InFlightView) -> Option<usize> {
    let index = |name: &str| name.strip_prefix("consumer-").and_then(|i| i.parse::<usize>().ok()).filter(|&i| i < layout.consumers.len());
    index(&message.to).or_else(|| index(&message.from))
}

/// A message's path, dot radius and colour; `None` for traffic the view leaves out
/// (heartbeats, metadata, replication requests).
fn path(layout: &Layout, message: &InFlightView) -> Option<(Point, Point, f64, &'static str)> {
    let s = layout.scale;
    let producer = out_port(layout, layout.producer);
    let consumer = match member(layout, message) {
        Some(i) => in_port(layout, layout.consumers[i]),
        None => in_port(layout, layout.group),
    };
    let cluster_out = out_port(layout, layout.cluster);
    let color = palette::partition_color(message.partition.unwrap_or(0));
    Some(match message.kind {
        // Replication runs inside the cluster box: drawn along the partition's lane, leader to follower.
        "replica_fetch_response" if message.records > 0 => {
            let (start, end) = lane_ends(layout, message.partition);
            let dy = layout.lanes.first().map_or(0.0, |l| l.h * 0.3);
            ((end.0, end.1 + dy), (start.0, start.1 + dy), 2.5 * s, color)
        }
        "replica_fetch" | "replica_fetch_response" | "broker_heartbeat" | "alter_partition" | "partition_change" | "heartbeat" | "heartbeat_response" => return None,
        "produce" => (producer, lane_ends(layout, message.partition).0, 4.0 * s, color),
        "produce_response" => (in_port(layout, layout.cluster), producer, 2.5 * s, palette::CONTROL_MESSAGE),
        "fetch_response" => {
            let radius = (3.0 + f64::from(message.records).sqrt()).min(12.0) * s;
            (lane_ends(layout, message.partition).1, consumer, radius, color)
        }
        "offset_fetch_response" | "join_group_response" | "sync_group_response" => (cluster_out, consumer, 2.5 * s, palette::CONTROL_MESSAGE),
        // Requests from a consumer: fetch, offset_commit, offset_fetch, join_group, sync_group.
        _ => (consumer, cluster_out, 2.5 * s, palette::CONTROL_MESSAGE),
    })
}

/// Every message as a dot, one batch per colour (one canvas path each, not one per dot).
pub fn draw_messages(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let mut dots: Vec<(&'static str, (f64, f64, f64))> = Vec::with_capacity(snapshot.in_flight.len());
    for message in &snapshot.in_flight {
        let Some((from, to, radius, color)) = path(layout, message) else { continue };
        let t = message.progress.clamp(0.0, 1.0);
        dots.push((color, (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t, radius)));
    }
    // Stable: dots of one colour keep the snapshot's order, so the picture is deterministic.
    dots.sort_by_key(|&(color, _)| color);
    for group in dots.chunk_by(|a, b| a.0 == b.0) {
        let circles: Vec<(f64, f64, f64)> = group.iter().map(|&(_, c)| c).collect();
        painter.circles(&circles, group[0].0);
    }
}

/// Reduced motion: per link, how many listed messages travel each way, as text at its middle.
pub fn draw_link_counts(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let mut counts = [0u64; 4]; // produce, produce responses, to the group, from the group
    for message in &snapshot.in_flight {
        if path(layout, message).is_none() || message.kind == "replica_fetch_response" {
            continue;
        }
        let slot = match message.kind {
            "produce" => 0,
            "produce_response" => 1,
            "fetch_response" | "offset_fetch_response" | "join_group_response" | "sync_group_response" => 2,
            _ => 3,
        };
        counts[slot] += 1;
    }
    let (forward, back) = if layout.vertical { ("↓", "↑") } else { ("→", "←") };
    let size = (12.0 * layout.text).max(super::TEXT_MIN_PX);
    let label = |ahead: u64, behind: u64| format!("{forward} {} · {back} {}", group_digits(ahead), group_digits(behind));
    // Where each link's label goes without covering text: tall, on the link between the
    // rows; wide, above the producer box and in the group's header (the gaps are narrow).
    let (first, second) = if layout.vertical {
        let mid = |from: Rect, to: Rect| {
            let (a, b) = (out_port(layout, from), in_port(layout, to));
            ((a.0 + b.0) / 2.0 + layout.cluster.w / 4.0, (a.1 + b.1) / 2.0)
        };
        (mid(layout.producer, layout.cluster), mid(layout.cluster, layout.group))
    } else {
        let p = layout.producer;
        ((p.x + p.w / 2.0, p.y - size), (layout.group.x + layout.group.w / 2.0, layout.group.y + 26.0 * layout.text - size / 3.0))
    };
    for (at, text) in [(first, label(counts[0], counts[1])), (second, label(counts[2], counts[3]))] {
        let (w, h) = (super::text_width(&text, size) + 6.0, size * 1.4);
        painter.fill_rect(at.0 - w / 2.0, at.1 - h / 2.0, w, h, palette::BACKGROUND);
        painter.stroke_rect(at.0 - w / 2.0, at.1 - h / 2.0, w, h, palette::PANEL_EDGE, layout.scale);
        painter.text(at.0, at.1 + size / 3.0, &text, size, palette::INK, Align::Center);
    }
}
