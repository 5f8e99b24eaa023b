//! The `Painter` over a browser canvas 2D context.

use super::painter::{Align, Painter};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

pub struct CanvasPainter {
    context: CanvasRenderingContext2d,
    width: f64,
    height: f64,
}

impl CanvasPainter {
    pub fn new(canvas: &HtmlCanvasElement) -> Result<Self, String> {
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
            .ok_or("draw_flow: the canvas has no 2D context")?;
        Ok(CanvasPainter { context, width: canvas.width().into(), height: canvas.height().into() })
    }
}

impl Painter for CanvasPainter {
    fn size(&self) -> (f64, f64) {
        (self.width, self.height)
    }

    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str) {
        self.context.set_fill_style_str(color);
        self.context.fill_rect(x, y, w, h);
    }

    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: &str, line_px: f64) {
        self.context.set_stroke_style_str(color);
        self.context.set_line_width(line_px);
        self.context.stroke_rect(x, y, w, h);
    }

    fn line(&mut self, from: (f64, f64), to: (f64, f64), color: &str, line_px: f64) {
        self.context.set_stroke_style_str(color);
        self.context.set_line_width(line_px);
        self.context.begin_path();
        self.context.move_to(from.0, from.1);
        self.context.line_to(to.0, to.1);
        self.context.stroke();
    }

    fn circle(&mut self, x: f64, y: f64, radius: f64, color: &str) {
        self.context.set_fill_style_str(color);
        self.context.begin_path();
        // An arc only fails for a negative radius, which the layout never asks for.
        let _ = self.context.arc(x, y, radius.max(0.0), 0.0, std::f64::consts::TAU);
        self.context.fill();
    }

    fn circles(&mut self, dots: &[(f64, f64, f64)], color: &str) {
        self.context.set_fill_style_str(color);
        self.context.begin_path();
        for &(x, y, radius) in dots {
            // A new subpath per dot, or the arcs would be joined by lines.
            self.context.move_to(x + radius, y);
            let _ = self.context.arc(x, y, radius.max(0.0), 0.0, std::f64::consts::TAU);
        }
        self.context.fill();
    }

    fn text(&mut self, x: f64, y: f64, text: &str, size_px: f64, color: &str, align: Align) {
        self.context.set_fill_style_str(color);
        self.context.set_font(&format!("{size_px:.0}px system-ui, 'DejaVu Sans', sans-serif"));
        self.context.set_text_align(match align {
            Align::Left => "left",
            Align::Center => "center",
            Align::Right => "right",
        });
        // fill_text only fails on a detached context; a frame without text is acceptable.
        let _ = self.context.fill_text(text, x, y);
    }
}
