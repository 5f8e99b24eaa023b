//! The plotters backend the page's charts draw on: plotters-canvas's `CanvasBackend` for every
//! drawing call, but text measured with the canvas's own `measureText`. plotters would measure
//! each label by adding a span to the page and reading its size, which forces the browser to
//! lay the whole page out again for every label (about 32 times per dashboard draw).

use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// plotters-canvas does not export its error type; it is passed through unchanged.
type CanvasError = <CanvasBackend as DrawingBackend>::ErrorType;

pub struct ChartCanvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
}

impl ChartCanvas {
    /// None when the canvas has no 2D context.
    pub fn new(canvas: &HtmlCanvasElement) -> Option<Self> {
        let context = canvas.get_context("2d").ok().flatten()?.dyn_into::<CanvasRenderingContext2d>().ok()?;
        Some(ChartCanvas { inner: CanvasBackend::with_canvas_object(canvas.clone())?, context })
    }
}

/// The CSS font plotters-canvas sets before drawing text in `style`: measured in the same one.
pub fn css_font<S: BackendTextStyle>(style: &S) -> String {
    format!("{} {}px {}", style.style().as_str(), style.size(), style.family().as_str())
}

/// A text's box exactly as the span plotters measured with had it, from the canvas's metrics
/// (checked against the span in Chromium for every size from 6 to 40 px). Width: layout keeps
/// 1/64 px and rounds a text's advance up to that, then `offsetWidth` rounds to whole pixels.
/// Height: a line of the font, its ascent and descent each rounded to whole pixels.
pub fn text_box(width: f64, font_ascent: f64, font_descent: f64) -> (u32, u32) {
    let whole = |v: f64| if v.is_finite() && v > 0.0 { v.round() as u32 } else { 0 };
    (whole((width * 64.0).ceil() / 64.0), whole(font_ascent.round() + font_descent.round()))
}

/// The text as a span shows it (CSS white-space: normal): no white space at its ends, runs of
/// it as one space. Charts' labels rarely have any, but a caption cut at a space could.
pub fn as_laid_out(text: &str) -> std::borrow::Cow<'_, str> {
    let collapsed = text.split_ascii_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed == text {
        text.into()
    } else {
        collapsed.into()
    }
}

impl DrawingBackend for ChartCanvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(&mut self, upper_left: BackendCoord, bottom_right: BackendCoord, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, path: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_path(path, style)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(&mut self, vert: I, style: &S) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.fill_polygon(vert, style)
    }
    fn draw_circle<S: BackendStyle>(&mut self, center: BackendCoord, radius: u32, style: &S, fill: bool) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn draw_text<S: BackendTextStyle>(&mut self, text: &str, style: &S, pos: BackendCoord) -> Result<(), DrawingErrorKind<CanvasError>> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(&self, text: &str, style: &S) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        // The font is part of the context's state that draw_text sets anew each time, so
        // changing it here leaves nothing for the drawing calls to undo.
        let text = as_laid_out(text);
        if text.is_empty() {
            // An empty span has no line box at all.
            return Ok((0, 0));
        }
        self.context.set_font(&css_font(style));
        let metrics = self.context.measure_text(&text).map_err(|e| DrawingErrorKind::FontError(format!("measureText refused {text:?}: {e:?}").into()))?;
        Ok(text_box(metrics.width(), metrics.font_bounding_box_ascent(), metrics.font_bounding_box_descent()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::{IntoFont, TextStyle};

    #[test]
    fn a_text_box_rounds_as_the_browser_lays_a_line_out() {
        // Seen in Chromium: "8690.5" at 7 px is 24.493 px wide by measureText and 25 px by
        // offsetWidth (24.493 is 24.5 once rounded up to 1/64 px).
        assert_eq!(text_box(24.4931640625, 6.0, 2.0), (25, 8));
        assert_eq!(text_box(47.4, 10.21, 2.6), (47, 13));
        assert_eq!(text_box(47.0, 10.6, 2.4), (47, 13));
        // Metrics the canvas could not give (a detached context) measure as nothing, not as garbage.
        assert_eq!(text_box(f64::NAN, -1.0, f64::INFINITY), (0, 0));
    }

    #[test]
    fn white_space_is_collapsed_as_a_span_does() {
        assert_eq!(as_laid_out("P11"), "P11");
        assert_eq!(as_laid_out(" lag  per\tpartition "), "lag per partition");
        assert_eq!(as_laid_out("   "), "");
    }

    #[test]
    fn the_measuring_font_is_the_one_plotters_canvas_draws_with() {
        let style = TextStyle::from(("sans-serif", 11).into_font());
        assert_eq!(css_font(&style), "normal 11px sans-serif");
    }
}
