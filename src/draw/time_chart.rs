//! The frame the charts share: a white area, a caption, simulated time in seconds across and
//! a value axis (from zero up, for most), with light grid lines. Each chart decides its own scale (how
//! big text is for its canvas) and draws its lines into the frame.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// What differs between the charts' frames.
pub struct Frame<'t> {
    pub title: &'t str,
    /// Text and margins are multiplied by this.
    pub scale: f64,
    /// Simulated seconds shown.
    pub x: Range<f64>,
    /// What the x axis measures; most charts: "simulated time (s)".
    pub x_desc: &'t str,
    pub y_min: f64,
    pub y_max: f64,
    /// Room for the value labels, in nominal pixels.
    pub y_label_area_px: f64,
    /// Decimals of the value labels.
    pub y_decimals: usize,
}

/// The usual x axis.
pub const SIMULATED_TIME: &str = "simulated time (s)";

/// A text style of nominal size `px` at `scale`.
pub fn font(scale: f64, px: f64) -> (&'static str, u32) {
    ("sans-serif", (px * scale) as u32)
}

pub type TimeChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// How small a caption may shrink to fit its panel, as a share of its nominal size.
const CAPTION_SHRINK_MIN: f64 = 0.75;

/// The caption's text and pixel size for a panel `width_px` wide: the nominal `px` when it
/// fits, else smaller (to `CAPTION_SHRINK_MIN` of it), else cut with an ellipsis. A caption
/// wider than its panel would run over the next panel's, and both become unreadable.
pub fn fit_caption<E>(title: &str, width_px: u32, px: u32, mut measure: impl FnMut(&str, u32) -> Result<u32, E>) -> Result<(String, u32), E> {
    let min_px = ((f64::from(px) * CAPTION_SHRINK_MIN).ceil() as u32).max(1);
    for size in (min_px..=px).rev() {
        if measure(title, size)? <= width_px {
            return Ok((title.to_string(), size));
        }
    }
    let chars: Vec<char> = title.chars().collect();
    for keep in (1..chars.len()).rev() {
        let cut = format!("{}…", chars[..keep].iter().collect::<String>().trim_end());
        if measure(&cut, min_px)? <= width_px {
            return Ok((cut, min_px));
        }
    }
    Ok(("…".to_string(), min_px))
}

/// Fills `root` white and draws the frame; the chart's lines go into what it returns.
pub fn draw_frame<'a, DB: DrawingBackend>(root: &'a DrawingArea<DB, Shift>, frame: &Frame) -> Result<TimeChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let scale = frame.scale;
    let margin_px = (8.0 * scale) as u32;
    let (family, caption_px) = font(scale, 15.0);
    let room_px = root.dim_in_pixel().0.saturating_sub(2 * margin_px);
    let (caption, caption_px) = fit_caption(frame.title, room_px, caption_px, |text, px| {
        root.estimate_text_size(text, &(family, px).into_font().into()).map(|(width, _)| width)
    })?;
    let mut chart = ChartBuilder::on(root)
        .caption(caption, (family, caption_px))
        .margin(margin_px)
        .x_label_area_size((28.0 * scale) as u32)
        .y_label_area_size((frame.y_label_area_px * scale) as u32)
        .build_cartesian_2d(frame.x.clone(), frame.y_min..frame.y_max)?;
    let decimals = frame.y_decimals;
    chart
        .configure_mesh()
        .x_desc(frame.x_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .label_style(font(scale, 11.0))
        .axis_desc_style(font(scale, 11.0))
        .light_line_style(RGBColor(236, 239, 244))
        .draw()?;
    Ok(chart)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half the font size per character: a stand-in for the canvas's text measure.
    fn measure(text: &str, px: u32) -> Result<u32, ()> {
        Ok(text.chars().count() as u32 * px / 2)
    }

    #[test]
    fn a_caption_that_fits_keeps_its_size_and_text() {
        assert_eq!(fit_caption("Throughput (records/s)", 400, 15, measure), Ok(("Throughput (records/s)".to_string(), 15)));
    }

    #[test]
    fn a_caption_a_little_too_wide_shrinks_and_a_much_too_wide_one_is_cut() {
        // 22 characters: 165 px at 15 px, 143 px at 13 px.
        assert_eq!(fit_caption("Throughput (records/s)", 150, 15, measure), Ok(("Throughput (records/s)".to_string(), 13)));
        let (text, px) = fit_caption("Time lag: oldest unconsumed record (s)", 120, 15, measure).expect("fits");
        assert_eq!(px, 12, "shrunk as far as allowed first");
        assert!(text.ends_with('…') && text.starts_with("Time lag"), "{text}");
        assert!(measure(&text, px).expect("measured") <= 120, "{text} fits");
        assert_eq!(fit_caption("Time lag", 1, 15, measure), Ok(("…".to_string(), 12)));
    }
}
