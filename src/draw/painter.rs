//! The few drawing operations the flow view needs. Coordinates are canvas pixels.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

pub trait Painter {
    /// Canvas size in pixels.
    fn size(&self) -> (f64, f64);
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str);
    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str, line_px: f64);
    fn line(&mut self, from: (f64, f64), to: (f64, f64), color: &str, line_px: f64);
    fn circle(&mut self, x: f64, y: f64, radius: f64, color: &str);
    /// Many dots of one colour, as (x, y, radius): a canvas fills them as one path.
    fn circles(&mut self, dots: &[(f64, f64, f64)], color: &str) {
        for &(x, y, radius) in dots {
            self.circle(x, y, radius, color);
        }
    }
    /// Text with its baseline at `y`, in a sans-serif font `size_px` tall.
    fn text(&mut self, x: f64, y: f64, text: &str, size_px: f64, color: &str, align: Align);
}

/// A painter that records operations as text lines, for native tests of the layout.
#[derive(Default)]
pub struct Recording {
    pub width: f64,
    pub height: f64,
    pub ops: Vec<String>,
    sizes: Vec<(String, f64)>,
}

impl Recording {
    pub fn new(width: f64, height: f64) -> Self {
        Recording { width, height, ops: Vec::new(), sizes: Vec::new() }
    }

    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.ops.iter().filter_map(|op| op.strip_prefix("text "))
    }

    /// Each text with the size it was drawn at.
    pub fn sizes(&self) -> impl Iterator<Item = (&str, f64)> {
        self.sizes.iter().map(|(t, s)| (t.as_str(), *s))
    }

    pub fn count(&self, prefix: &str) -> usize {
        self.ops.iter().filter(|op| op.starts_with(prefix)).count()
    }
}

impl Painter for Recording {
    fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }
    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str) {
        self.ops.push(format!("fill_rect {x:.1} {y:.1} {w:.1} {h:.1} {color}"));
    }
    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str, _line_px: f64) {
        self.ops.push(format!("stroke_rect {x:.1} {y:.1} {w:.1} {h:.1} {color}"));
    }
    fn line(&mut self, from: (f64, f64), to: (f64, f64), color: &str, _line_px: f64) {
        self.ops.push(format!("line {:.1} {:.1} {:.1} {:.1} {color}", from.0, from.1, to.0, to.1));
    }
    fn circle(&mut self, x: f64, y: f64, radius: f64, color: &str) {
        self.ops.push(format!("circle {x:.1} {y:.1} {radius:.1} {color}"));
    }
    fn text(&mut self, _x: f64, _y: f64, text: &str, size_px: f64, _color: &str, _align: Align) {
        self.ops.push(format!("text {text}"));
        self.sizes.push((text.to_string(), size_px));
    }
}
