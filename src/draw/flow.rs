//! The flow view: producer → the topic's partitions (as lanes on the cluster) → the consumer group, with
//! every message on the wire as a dot. Each lane shows its log end offset and, in orange, the
//! consumer lag: the records written but not yet committed by the group. It reads only the
//! engine's `Snapshot` (the view contract), never the simulation's internals.

use super::painter::{Align, Painter};
use super::palette;
use dhara_engine::view::{InFlightView, PartitionView, Snapshot};

/// Lane text smaller than this many pixels is left out: many partitions on a small canvas
/// still show their bars, without an unreadable smear of digits.
const LANE_TEXT_MIN_PX: f64 = 9.0;

/// Where the boxes sit, in canvas pixels.
struct Layout {
    scale: f64,
    producer: Rect,
    broker: Rect,
    /// The consumer group's column; members stack inside it.
    group: Rect,
    consumers: usize,
    lanes_top: f64,
    lane_h: f64,
}

#[derive(Clone, Copy)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn center_y(self) -> f64 {
        self.y + self.h / 2.0
    }
    fn right(self) -> f64 {
        self.x + self.w
    }
}

impl Layout {
    fn new(width: f64, height: f64, partitions: usize, consumers: usize) -> Layout {
        // Designed at 1000 × 420; everything scales with the smaller ratio.
        let scale = (width / 1000.0).min(height / 420.0).max(0.1);
        let top = 44.0 * scale;
        let body_h = height - top - 12.0 * scale;
        let node_h = (150.0 * scale).min(body_h);
        let node_y = top + (body_h - node_h) / 2.0;
        let producer = Rect { x: width * 0.02, y: node_y, w: width * 0.14, h: node_h };
        let group = Rect { x: width * 0.8, y: top, w: width * 0.18, h: body_h };
        let broker = Rect { x: width * 0.25, y: top, w: width * 0.5, h: body_h };
        let lanes_top = broker.y + 30.0 * scale;
        let lane_h = (broker.h - 38.0 * scale) / partitions.max(1) as f64;
        Layout { scale, producer, broker, group, consumers: consumers.max(1), lanes_top, lane_h }
    }

    /// Member `i`'s box inside the group column, below the group's header.
    fn consumer(&self, i: usize) -> Rect {
        let s = self.scale;
        let top = self.group.y + 30.0 * s;
        let slot = (self.group.h - 34.0 * s) / self.consumers as f64;
        let h = (slot - 6.0 * s).min(150.0 * s);
        Rect { x: self.group.x + 6.0 * s, y: top + slot * i as f64, w: self.group.w - 12.0 * s, h }
    }

    fn lane_center_y(&self, partition: u32) -> f64 {
        self.lanes_top + (f64::from(partition) + 0.5) * self.lane_h
    }

    fn lane_x(&self) -> (f64, f64) {
        let margin = 40.0 * self.scale;
        (self.broker.x + margin, self.broker.w - margin - 10.0 * self.scale)
    }
}

pub fn draw(painter: &mut impl Painter, snapshot: &Snapshot) {
    let (width, height) = painter.size();
    let partitions = &snapshot.topic.partitions;
    let layout = Layout::new(width, height, partitions.len(), snapshot.consumers.len());
    painter.fill_rect(0.0, 0.0, width, height, palette::BACKGROUND);
    draw_header(painter, &layout, snapshot);
    draw_producer(painter, &layout, snapshot);
    draw_broker(painter, &layout, snapshot);
    draw_group(painter, &layout, snapshot);
    for message in &snapshot.in_flight {
        draw_message(painter, &layout, message);
    }
}

fn draw_header(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let s = layout.scale;
    let seconds = snapshot.now_us as f64 / 1e6;
    let status = format!(
        "t = {seconds:.1} s · {} events · {} on the wire · trace {}",
        group_digits(snapshot.events),
        group_digits(snapshot.in_flight_total.into()),
        snapshot.trace_hash
    );
    painter.text(12.0 * s, 22.0 * s, &snapshot.title, 18.0 * s, palette::INK, Align::Left);
    painter.text(12.0 * s, 39.0 * s, &status, 13.0 * s, palette::MUTED, Align::Left);
}

fn draw_node_box(painter: &mut impl Painter, rect: Rect, scale: f64, edge: &str, lines: &[(String, &str)]) {
    painter.fill_rect(rect.x, rect.y, rect.w, rect.h, palette::PANEL);
    painter.stroke_rect(rect.x, rect.y, rect.w, rect.h, edge, 1.5 * scale);
    let line_h = (rect.h / (lines.len() as f64 + 1.0)).min(24.0 * scale);
    for (i, (text, color)) in lines.iter().enumerate() {
        let size = if i == 0 { 16.0 } else { 14.0 } * scale;
        let y = rect.y + line_h * (i as f64 + 1.0) + 4.0 * scale;
        painter.text(rect.x + rect.w / 2.0, y, text, size, color, Align::Center);
    }
}

fn draw_producer(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let p = &snapshot.producer;
    let fates = &snapshot.fates;
    let lost_color = if fates.acked_lost > 0 { palette::DOWN } else { palette::MUTED };
    // A transactional producer shows its transaction instead of the failure count.
    let last = if p.transaction_state == "none" {
        (format!("failed {}", group_digits(fates.failed)), palette::MUTED)
    } else {
        (format!("txn {} · aborted {}", p.transaction_state.replace('_', " "), group_digits(fates.aborted)), palette::MUTED)
    };
    let lines = [
        (p.node.clone(), palette::INK),
        (format!("{} rec/s · acks={}", group_digits(p.rate_records_per_s.into()), p.acks), palette::MUTED),
        (format!("sent {}", group_digits(p.sent)), palette::MUTED),
        (format!("acked {}", group_digits(p.acked)), palette::MUTED),
        (format!("acked, lost {}", group_digits(fates.acked_lost)), lost_color),
        last,
    ];
    draw_node_box(painter, layout.producer, layout.scale, palette::PANEL_EDGE, &lines);
}

/// The consumer group: a header with its state and generation, then one box per member
/// listing the partitions it owns.
fn draw_group(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (g, s) = (layout.group, layout.scale);
    let group = &snapshot.group;
    painter.fill_rect(g.x, g.y, g.w, g.h, palette::BACKGROUND);
    painter.stroke_rect(g.x, g.y, g.w, g.h, palette::PANEL_EDGE, 1.0 * s);
    let header = format!("group · {} · gen {} · {}", group.assignor, group.generation, group.state.replace('_', " "));
    let color = if group.state == "stable" { palette::INK } else { palette::LAG };
    painter.text(g.x + g.w / 2.0, g.y + 20.0 * s, &header, 12.5 * s, color, Align::Center);
    for (i, c) in snapshot.consumers.iter().enumerate() {
        let down = c.state == "crashed";
        let edge = if down { palette::DOWN } else { palette::PANEL_EDGE };
        let state_color = match c.state.as_str() {
            "crashed" => palette::DOWN,
            "joining" => palette::LAG,
            _ => palette::COMMITTED,
        };
        let owned: Vec<String> = c.assigned.iter().map(|p| format!("P{p}")).collect();
        let owned = if owned.is_empty() { "no partitions".to_string() } else { owned.join(" ") };
        let lines = [
            (c.node.clone(), palette::INK),
            (c.state.clone(), state_color),
            (owned, palette::INK),
            (format!("done {}", group_digits(c.processed)), palette::MUTED),
            (format!("lag {}", group_digits(c.lag_records)), palette::LAG),
        ];
        let rect = layout.consumer(i);
        // A short box keeps only the lines that fit.
        let fit = ((rect.h / (17.0 * s)) as usize).clamp(1, lines.len());
        draw_node_box(painter, rect, s, edge, &lines[..fit]);
    }
}

fn draw_broker(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (b, s) = (layout.broker, layout.scale);
    painter.fill_rect(b.x, b.y, b.w, b.h, palette::PANEL);
    painter.stroke_rect(b.x, b.y, b.w, b.h, palette::PANEL_EDGE, 1.5 * s);
    let topic = &snapshot.topic;
    let title = format!("topic {} · RF {} · min ISR {}", topic.name, topic.replication_factor, topic.min_insync_replicas);
    painter.text(b.x + 10.0 * s, b.y + 20.0 * s, &title, 15.0 * s, palette::INK, Align::Left);
    draw_broker_chips(painter, layout, snapshot);
    let partitions = &snapshot.topic.partitions;
    // One scale for every lane, the longest retained log, so a hot partition stands out.
    let records_max = partitions.iter().map(|p| p.log_end_offset - p.log_start_offset).max().unwrap_or(0).max(1);
    for partition in partitions {
        draw_lane(painter, layout, partition, records_max as f64);
    }
}

/// One chip per broker along the top of the cluster box: green when up, red when down.
fn draw_broker_chips(painter: &mut impl Painter, layout: &Layout, snapshot: &Snapshot) {
    let (b, s) = (layout.broker, layout.scale);
    let count = snapshot.brokers.len().max(1) as f64;
    let chip_w = ((b.w * 0.52) / count).min(110.0 * s);
    for (i, broker) in snapshot.brokers.iter().enumerate() {
        let x = b.right() - 8.0 * s - (count - i as f64) * chip_w;
        let color = if broker.up { palette::COMMITTED } else { palette::DOWN };
        painter.fill_rect(x + 2.0 * s, b.y + 6.0 * s, chip_w - 4.0 * s, 19.0 * s, color);
        let label = if broker.up { broker.node.clone() } else { format!("{} ✕", broker.node) };
        painter.text(x + chip_w / 2.0, b.y + 20.0 * s, &label, 11.5 * s, palette::BACKGROUND, Align::Center);
    }
}

/// A lane is the partition's retained log, oldest on the left; the orange tail is the lag,
/// the records after the group's committed offset (the green mark).
fn draw_lane(painter: &mut impl Painter, layout: &Layout, partition: &PartitionView, records_max: f64) {
    let s = layout.scale;
    let (x, w) = layout.lane_x();
    let y_mid = layout.lane_center_y(partition.partition);
    let bar_h = (layout.lane_h * 0.6).min(26.0 * s);
    let y = y_mid - bar_h / 2.0;
    let color = palette::partition_color(partition.partition);
    let retained = (partition.log_end_offset - partition.log_start_offset) as f64;
    let log_w = w * retained / records_max;
    painter.fill_rect(x, y, w, bar_h, palette::BACKGROUND);
    painter.fill_rect(x, y, log_w, bar_h, "#d9e0ea");
    painter.fill_rect(x, y, 5.0 * s, bar_h, color);
    let lag = partition.lag_records.min(partition.log_end_offset - partition.log_start_offset) as f64;
    // At least a sliver: a lag of a few records must still be visible.
    let lag_w = if lag > 0.0 { (w * lag / records_max).max(2.0 * s) } else { 0.0 };
    let commit_x = x + log_w - lag_w;
    painter.fill_rect(commit_x, y, lag_w, bar_h, palette::LAG);
    painter.line((commit_x, y - 2.0 * s), (commit_x, y + bar_h + 2.0 * s), palette::COMMITTED, 2.0 * s);
    let size = (bar_h * 0.6).min(13.5 * s);
    if size < LANE_TEXT_MIN_PX {
        return;
    }
    let label = format!("P{}", partition.partition);
    painter.text(x - 6.0 * s, y_mid + size / 3.0, &label, size, palette::INK, Align::Right);
    painter.text(x + 10.0 * s, y_mid + size / 3.0, &lane_detail(partition), size, palette::INK, Align::Left);
    if partition.leader.is_none() {
        painter.text(x + w - 6.0 * s, y_mid + size / 3.0, "OFFLINE", size, palette::DOWN, Align::Right);
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

fn draw_message(painter: &mut impl Painter, layout: &Layout, message: &InFlightView) {
    let s = layout.scale;
    let lane_y = |p: Option<u32>| p.map_or(layout.broker.center_y(), |p| layout.lane_center_y(p));
    let producer_port = (layout.producer.right(), layout.producer.center_y());
    // The member this message goes to or comes from; the group's header for the coordinator.
    let member = |name: &str| name.strip_prefix("consumer-").and_then(|i| i.parse::<usize>().ok()).filter(|&i| i < layout.consumers);
    let consumer_port = match member(&message.to).or_else(|| member(&message.from)) {
        Some(i) => (layout.group.x, layout.consumer(i).center_y()),
        None => (layout.group.x, layout.group.y + 15.0 * s),
    };
    let (lane_x, lane_w) = layout.lane_x();
    let (from, to, radius, color) = match message.kind {
        // Replication runs inside the cluster box: drawn along the partition's lane.
        "replica_fetch_response" if message.records > 0 => {
            let y = lane_y(message.partition) + layout.lane_h * 0.3;
            ((lane_x + lane_w, y), (lane_x, y), 2.5 * s, palette::partition_color(message.partition.unwrap_or(0)))
        }
        "replica_fetch" | "replica_fetch_response" | "broker_heartbeat" | "alter_partition" | "partition_change" | "heartbeat"
        | "heartbeat_response" => return,
        "produce" => {
            let color = palette::partition_color(message.partition.unwrap_or(0));
            (producer_port, (layout.broker.x, lane_y(message.partition)), 4.0 * s, color)
        }
        "produce_response" => ((layout.broker.x, layout.broker.center_y()), producer_port, 2.5 * s, palette::CONTROL_MESSAGE),
        "fetch_response" => {
            let color = palette::partition_color(message.partition.unwrap_or(0));
            let radius = (3.0 + f64::from(message.records).sqrt()).min(12.0) * s;
            ((layout.broker.right(), lane_y(message.partition)), consumer_port, radius, color)
        }
        "offset_fetch_response" | "join_group_response" | "sync_group_response" => {
            ((layout.broker.right(), layout.broker.center_y()), consumer_port, 2.5 * s, palette::CONTROL_MESSAGE)
        }
        // Requests from a consumer: fetch, offset_commit, offset_fetch, join_group, sync_group.
        _ => (consumer_port, (layout.broker.right(), layout.broker.center_y()), 2.5 * s, palette::CONTROL_MESSAGE),
    };
    let t = message.progress.clamp(0.0, 1.0);
    let at = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
    painter.circle(at.0, at.1, radius, color);
}

/// 1234567 → "1,234,567": numbers on a projected screen must be readable at a glance.
pub fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::painter::Recording;
    use dhara_engine::scenario::builtin;
    use dhara_engine::sim::Duration;
    use dhara_engine::Simulation;

    fn snapshot_after(name: &str, secs: u64) -> Snapshot {
        let mut sim = Simulation::new(builtin::load(name).expect("loads"), 1);
        sim.advance(Duration::from_secs(secs));
        sim.snapshot()
    }

    #[test]
    fn digits_are_grouped_in_threes() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }

    #[test]
    fn every_partition_gets_a_lane_with_its_offsets_and_lag() {
        let snapshot = snapshot_after("upi-lag", 20);
        let mut rec = Recording::new(1200.0, 620.0);
        draw(&mut rec, &snapshot);
        let texts: Vec<&str> = rec.texts().collect();
        for p in &snapshot.topic.partitions {
            let expected = lane_detail(p);
            assert!(texts.contains(&expected.as_str()), "missing {expected:?} in {texts:?}");
        }
        assert!(texts.contains(&snapshot.title.as_str()));
    }

    #[test]
    fn messages_in_flight_are_drawn_as_dots_inside_the_canvas() {
        let snapshot = snapshot_after("upi-lag", 7);
        assert!(!snapshot.in_flight.is_empty(), "a busy topic has messages on the wire");
        let mut rec = Recording::new(1000.0, 520.0);
        draw(&mut rec, &snapshot);
        // Client traffic is drawn; cluster housekeeping (heartbeats, metadata) is not.
        let drawn = snapshot.in_flight.iter().filter(|m| matches!(m.kind, "produce" | "produce_response" | "fetch" | "fetch_response" | "offset_commit")).count();
        assert!(drawn > 0);
        assert!(rec.count("circle ") >= drawn && rec.count("circle ") <= snapshot.in_flight.len());
        for op in rec.ops.iter().filter(|op| op.starts_with("circle ")) {
            let coords: Vec<f64> = op.split(' ').skip(1).take(2).map(|v| v.parse().expect("number")).collect();
            assert!((0.0..=1000.0).contains(&coords[0]) && (0.0..=520.0).contains(&coords[1]), "{op}");
        }
    }

    #[test]
    fn a_crashed_broker_and_an_offline_partition_are_marked() {
        let mut scenario = builtin::load("upi-replication").expect("loads");
        scenario.topic.min_insync_replicas = 1;
        let mut sim = Simulation::new(scenario, 4);
        sim.advance(Duration::from_secs(2));
        for broker in 0..3 {
            sim.apply(dhara_engine::Command::CrashBroker { broker }).expect("crash");
        }
        sim.advance(Duration::from_secs(10));
        let mut rec = Recording::new(1200.0, 620.0);
        draw(&mut rec, &sim.snapshot());
        assert_eq!(rec.texts().filter(|t| t.ends_with('✕')).count(), 3);
        assert!(rec.texts().any(|t| t == "OFFLINE"));
    }

    #[test]
    fn a_crashed_consumer_is_marked_and_dense_lanes_drop_their_text() {
        let mut sim = Simulation::new(builtin::load("upi-lag").expect("loads"), 1);
        sim.advance(Duration::from_secs(2));
        sim.apply(dhara_engine::Command::CrashConsumer { consumer: 0 }).expect("crash");
        let mut rec = Recording::new(1000.0, 520.0);
        draw(&mut rec, &sim.snapshot());
        assert!(rec.texts().any(|t| t == "crashed"));
        // On a tiny canvas the lanes are too thin for text, but still drawn.
        let mut tiny = Recording::new(300.0, 120.0);
        draw(&mut tiny, &sim.snapshot());
        assert!(!tiny.texts().any(|t| t.starts_with("leader")));
        assert!(tiny.count("fill_rect") >= 6 * 3);
    }
}
