//! The charts' legend: a box at the plot's upper left with, for each series, a sample of its
//! mark and its name. plotters draws the same box (`configure_series_labels`), but measures
//! the names with its own font code, which in a browser adds a span to the page per name and
//! reads its size back: a layout of the whole page each time. This one asks the backend
//! instead (in the page, the canvas's `measureText`: see `chart_canvas`) and lays the box out
//! exactly as plotters 0.3.7 does, so the picture is the same.

use plotters::coord::Shift;
use plotters::element::{DynElement, IntoDynElement};
use plotters::prelude::*;
use plotters_backend::BackendCoord;

/// plotters' layout, in pixels: room for the samples left of the names, padding inside the
/// box, and the box's offset from the plot's corner; rows are 1.25 font sizes apart.
const SAMPLE_PX: i32 = 30;
const PADDING_PX: i32 = 10;
const INSET_PX: i32 = 5;
const LINE_HEIGHT: f64 = 1.25;
const BORDER: RGBColor = RGBColor(201, 208, 220);

/// Draws a series' sample with its middle-left at the given point.
type Sample<'a, DB> = Box<dyn Fn(BackendCoord) -> DynElement<'a, DB, BackendCoord> + 'a>;

pub struct Entry<'a, DB: DrawingBackend> {
    label: String,
    sample: Sample<'a, DB>,
}

/// A legend row: `label`, after the element `sample` draws at a row's middle-left point.
pub fn entry<'a, DB, E, F>(label: impl Into<String>, sample: F) -> Entry<'a, DB>
where
    DB: DrawingBackend,
    E: IntoDynElement<'a, DB, BackendCoord>,
    F: Fn(BackendCoord) -> E + 'a,
{
    Entry { label: label.into(), sample: Box::new(move |at| sample(at).into_dyn()) }
}

/// Draws the legend of `entries` into `plot` (a chart's plotting area) with names in `style`.
pub fn draw<DB: DrawingBackend>(plot: &DrawingArea<DB, Shift>, entries: &[Entry<DB>], style: &TextStyle) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let row_px = style.font.get_size() * LINE_HEIGHT;
    // Each row's top (from the first row's) and its name's height.
    let mut rows = Vec::with_capacity(entries.len());
    let (mut names_w, mut names_h) = (0, 0);
    for (i, entry) in entries.iter().enumerate() {
        let top = (i as f64 * row_px).round() as i32;
        let (w, h) = plot.estimate_text_size(&entry.label, style)?;
        names_w = names_w.max(w as i32);
        names_h = names_h.max(top + h as i32);
        rows.push((top, h as i32));
    }
    let corner = (INSET_PX, INSET_PX);
    let far = (corner.0 + names_w + SAMPLE_PX + 2 * PADDING_PX, corner.1 + names_h + 2 * PADDING_PX);
    plot.draw(&Rectangle::new([corner, far], WHITE.mix(0.85).filled()))?;
    plot.draw(&Rectangle::new([corner, far], BORDER))?;
    let first_top = corner.1 + PADDING_PX;
    // All the names, then all the samples: plotters' order, where they overlap.
    for (entry, &(top, _)) in entries.iter().zip(&rows) {
        plot.draw(&Text::new(entry.label.as_str(), (corner.0 + SAMPLE_PX + PADDING_PX, first_top + top), style.clone()))?;
    }
    for (entry, &(top, h)) in entries.iter().zip(&rows) {
        let y = first_top + top;
        plot.draw(&(entry.sample)((corner.0 + PADDING_PX, (y + y + h) / 2)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A legend of `labels` (each sample a short line) in an SVG of a 400×300 plot.
    fn svg_of(labels: &[&str]) -> String {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (400, 300)).into_drawing_area();
            let entries: Vec<_> = labels.iter().map(|&l| entry(l, |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLACK))).collect();
            draw(&root, &entries, &("sans-serif", 20).into_font().into()).expect("draws");
        }
        svg
    }

    #[test]
    fn each_name_is_drawn_a_row_below_the_last_after_its_sample() {
        let svg = svg_of(&["P0", "P1", "time lag"]);
        for label in ["P0", "P1", "time lag"] {
            assert!(svg.contains(&format!(">\n{label}\n<")), "{label} in {svg}");
        }
        // Rows 25 px apart (1.25 × 20 px) from 5 + 10 px down; names 30 + 10 px right of the box.
        for top in [15, 40, 65] {
            assert!(svg.contains(&format!("x=\"45\" y=\"{top}\"")), "a name at y={top}: {svg}");
        }
        assert_eq!(svg.matches("<polyline").count(), 3, "a sample per row");
    }

    #[test]
    fn the_box_grows_with_the_longest_name() {
        let width = |svg: &str| -> u32 {
            let at = svg.find("<rect").expect("a box");
            let w = svg[at..].find("width=\"").expect("a width") + at + "width=\"".len();
            svg[w..].split('"').next().and_then(|v| v.parse().ok()).expect("a number")
        };
        assert!(width(&svg_of(&["P0", "a much longer series name"])) > width(&svg_of(&["P0", "P1"])));
    }
}
