//! Where everything in the flow view sits. The view is a pipeline of stages (producer →
//! cluster → consumer group → keyed tasks → sink and serving views), laid out left to right on
//! a wide canvas and top to bottom on a tall one. Drawing and hit testing both read this one
//! layout, so what the pointer finds is always what was drawn there.

use dhara_engine::view::Snapshot;

/// More partitions than this become a heat strip instead of one lane each.
pub const LANES_MAX: usize = 24;
/// More group members (or keyed tasks) than this become a grid of small cells.
pub const MEMBERS_MAX: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn right(self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(self) -> f64 {
        self.y + self.h
    }
    pub fn contains(self, x: f64, y: f64) -> bool {
        x >= self.x && x <= self.right() && y >= self.y && y <= self.bottom()
    }
    /// The rect shrunk by `by` on every side (never below zero size).
    pub fn inset(self, by: f64) -> Rect {
        Rect { x: self.x + by, y: self.y + by, w: (self.w - 2.0 * by).max(0.0), h: (self.h - 2.0 * by).max(0.0) }
    }
}

/// How many of each thing the view shows: all the layout depends on besides the canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub partitions: usize,
    pub brokers: usize,
    pub consumers: usize,
    /// Keyed tasks of the stream job (0 without one).
    pub tasks: usize,
    pub stream: bool,
    pub serving: bool,
}

impl Shape {
    pub fn of(snapshot: &Snapshot) -> Shape {
        Shape {
            partitions: snapshot.topic.partitions.len(),
            brokers: snapshot.brokers.len(),
            consumers: snapshot.consumers.len(),
            tasks: snapshot.stream.as_ref().map_or(0, |s| s.tasks.len()),
            stream: snapshot.stream.is_some(),
            serving: snapshot.architectures.is_some(),
        }
    }
}

pub struct Layout {
    /// Stages run top to bottom (a tall canvas) instead of left to right.
    pub vertical: bool,
    /// Geometry scale: the canvas against the design size.
    pub scale: f64,
    /// Text scale: geometry scale times the presenter's text scale.
    pub text: f64,
    pub header: Rect,
    pub producer: Rect,
    pub cluster: Rect,
    pub brokers: Vec<Rect>,
    /// One rect per partition: a lane, or a cell of the heat strip when `dense_lanes`.
    pub lanes: Vec<Rect>,
    pub dense_lanes: bool,
    /// A line under the lanes: the cluster's health, and the worst lanes of a heat strip.
    pub lanes_note: Rect,
    pub group: Rect,
    pub consumers: Vec<Rect>,
    pub tasks_area: Option<Rect>,
    pub tasks: Vec<Rect>,
    pub sink: Option<Rect>,
    pub serving: Option<Rect>,
}

/// A stage's share of the canvas along the flow.
fn stage_weights(shape: &Shape) -> Vec<f64> {
    match (shape.stream, shape.serving) {
        (false, _) => vec![0.15, 0.52, 0.2],
        (true, false) => vec![0.1, 0.38, 0.13, 0.13, 0.12],
        (true, true) => vec![0.09, 0.34, 0.12, 0.12, 0.19],
    }
}

/// Splits `length` from `start` into stages by weight, with equal gaps around them.
fn stages(start: f64, length: f64, weights: &[f64]) -> Vec<(f64, f64)> {
    let total: f64 = weights.iter().sum();
    let gap = length * (1.0 - total).max(0.0) / (weights.len() + 1) as f64;
    let mut at = start + gap;
    weights
        .iter()
        .map(|w| {
            let span = (at, length * w);
            at += length * w + gap;
            span
        })
        .collect()
}

/// `n` cells in `area`: one column (or one row when `across`), or a near-square grid
/// once there are more than `dense_after`.
pub fn cells(area: Rect, n: usize, across: bool, dense_after: usize, gap: f64) -> Vec<Rect> {
    if n == 0 {
        return Vec::new();
    }
    let (cols, rows) = if n > dense_after {
        let cols = ((n as f64 * area.w / area.h.max(1.0)).sqrt().ceil() as usize).clamp(1, n);
        (cols, n.div_ceil(cols))
    } else if across {
        (n, 1)
    } else {
        (1, n)
    };
    let (cell_w, cell_h) = (area.w / cols as f64, area.h / rows as f64);
    (0..n)
        .map(|i| {
            let (col, row) = (i % cols, i / cols);
            let g = gap.min(cell_w / 4.0).min(cell_h / 4.0);
            Rect { x: area.x + col as f64 * cell_w + g / 2.0, y: area.y + row as f64 * cell_h + g / 2.0, w: cell_w - g, h: cell_h - g }
        })
        .collect()
}

impl Layout {
    pub fn new(width: f64, height: f64, shape: &Shape, text_scale: f64) -> Layout {
        let vertical = height > width * 1.05;
        // Designed at 1000 × 420 (wide) or 420 × 900 (tall); everything scales with the
        // smaller ratio.
        let scale = if vertical { (width / 420.0).min(height / 900.0) } else { (width / 1000.0).min(height / 420.0) }.max(0.1);
        // Text never shrinks below 0.8 of its design size: a phone's small canvas keeps
        // fewer lines, not unreadable ones.
        let text = scale.max(0.8) * text_scale;
        let header = Rect { x: 0.0, y: 0.0, w: width, h: 44.0 * text };
        let body = Rect { x: 0.0, y: header.h, w: width, h: (height - header.h - 8.0 * scale).max(1.0) };
        let spans = if vertical { stages(body.y, body.h, &stage_weights(shape)) } else { stages(body.x, body.w, &stage_weights(shape)) };
        let margin = 8.0 * scale;
        let stage = |i: usize| -> Rect {
            let (at, len) = spans[i];
            if vertical {
                Rect { x: margin, y: at, w: width - 2.0 * margin, h: len }
            } else {
                Rect { x: at, y: body.y, w: len, h: body.h }
            }
        };
        // Boxes of text grow with the text: six lines of 19 px (design) and a margin.
        let six_lines = (6.0 * 19.0 + 16.0) * text;
        let producer = centered(stage(0), vertical, six_lines.max(150.0 * scale), 280.0 * scale);
        let cluster = stage(1);
        let group = stage(2);
        let header_h = 30.0 * text.max(scale);
        let chips = Rect { x: cluster.x + cluster.w * 0.46, y: cluster.y + 4.0 * scale, w: cluster.w * 0.54 - 6.0 * scale, h: header_h - 8.0 * scale };
        // Chips at most 110 px (design) wide, flush right: one broker is no wide bar.
        let chip_w = (chips.w / shape.brokers.max(1) as f64).min(110.0 * scale);
        let chips = Rect { x: chips.right() - chip_w * shape.brokers as f64, w: chip_w * shape.brokers as f64, ..chips };
        let brokers = cells(chips, shape.brokers, true, usize::MAX, 4.0 * scale);
        let dense_lanes = shape.partitions > LANES_MAX;
        // A line under the lanes for the cluster's health (and the worst lanes when dense).
        let note_h = 18.0 * text;
        let lanes_area = Rect { x: cluster.x + 4.0 * scale, y: cluster.y + header_h, w: cluster.w - 8.0 * scale, h: (cluster.h - header_h - 4.0 * scale - note_h).max(1.0) };
        let lanes = cells(lanes_area, shape.partitions, false, LANES_MAX, if dense_lanes { 2.0 * scale } else { 0.0 });
        let lanes_note = Rect { x: lanes_area.x, y: lanes_area.bottom(), w: lanes_area.w, h: note_h };
        let members_area = below_header(group, header_h);
        let consumers = cells(members_area, shape.consumers, vertical, MEMBERS_MAX, 6.0 * scale);
        let (tasks_area, tasks, sink, serving) = if shape.stream {
            let area = stage(3);
            let tasks = cells(below_header(area, header_h), shape.tasks, vertical, MEMBERS_MAX, 6.0 * scale);
            let last = stage(4);
            let (sink, serving) = if shape.serving { split(last, vertical, 0.45, 6.0 * scale) } else { (centered(last, vertical, six_lines.max(190.0 * scale), 320.0 * scale), last) };
            (Some(area), tasks, Some(sink), shape.serving.then_some(serving))
        } else {
            (None, Vec::new(), None, None)
        };
        Layout { vertical, scale, text, header, producer, cluster, brokers, lanes, dense_lanes, lanes_note, group, consumers, tasks_area, tasks, sink, serving }
    }

    /// Every node the pointer can pick, by its engine name, most specific first.
    pub fn nodes<'a>(&'a self, snapshot: &'a Snapshot) -> impl Iterator<Item = (String, Rect)> + 'a {
        let brokers = snapshot.brokers.iter().zip(&self.brokers).map(|(b, r)| (b.node.clone(), *r));
        let lanes = snapshot.topic.partitions.iter().zip(&self.lanes).map(|(p, r)| (format!("partition-{}", p.partition), *r));
        let consumers = snapshot.consumers.iter().zip(&self.consumers).map(|(c, r)| (c.node.clone(), *r));
        let tasks = snapshot.stream.iter().flat_map(|s| s.tasks.iter()).zip(&self.tasks).map(|(t, r)| (format!("task-{}", t.task), *r));
        let producer = std::iter::once((snapshot.producer.node.clone(), self.producer));
        brokers.chain(lanes).chain(consumers).chain(tasks).chain(producer)
    }

    /// The node under canvas pixel (x, y), if any.
    pub fn node_at(&self, snapshot: &Snapshot, x: f64, y: f64) -> Option<String> {
        self.nodes(snapshot).find(|(_, r)| r.contains(x, y)).map(|(name, _)| name)
    }
}

/// A box of at most `long` along the stage and `wide` across it, centred in `stage`.
fn centered(stage: Rect, vertical: bool, long: f64, wide: f64) -> Rect {
    let (w, h) = if vertical { (stage.w.min(wide), stage.h) } else { (stage.w, stage.h.min(long)) };
    Rect { x: stage.x + (stage.w - w) / 2.0, y: stage.y + (stage.h - h) / 2.0, w, h }
}

fn below_header(area: Rect, header_h: f64) -> Rect {
    Rect { x: area.x + 4.0, y: area.y + header_h, w: (area.w - 8.0).max(1.0), h: (area.h - header_h - 4.0).max(1.0) }
}

/// Two parts of `area` across the flow: the first `share` of it, then the rest.
fn split(area: Rect, vertical: bool, share: f64, gap: f64) -> (Rect, Rect) {
    if vertical {
        let w = area.w * share;
        (Rect { w: w - gap / 2.0, ..area }, Rect { x: area.x + w + gap / 2.0, w: area.w - w - gap / 2.0, ..area })
    } else {
        let h = area.h * share;
        (Rect { h: h - gap / 2.0, ..area }, Rect { y: area.y + h + gap / 2.0, h: area.h - h - gap / 2.0, ..area })
    }
}
