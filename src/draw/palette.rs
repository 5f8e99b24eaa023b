//! Colours. The categorical colours are the Okabe–Ito palette, distinguishable with the
//! common forms of colour blindness; partitions cycle through them.

pub const BACKGROUND: &str = "#ffffff";
pub const INK: &str = "#1d2330";
pub const MUTED: &str = "#5b6578";
pub const PANEL: &str = "#f3f5f9";
pub const PANEL_EDGE: &str = "#c9d0dc";
pub const LAG: &str = "#d55e00";
pub const COMMITTED: &str = "#009e73";
pub const CONTROL_MESSAGE: &str = "#8a94a6";
pub const DOWN: &str = "#b3261e";

/// Okabe–Ito, without black: orange, sky blue, bluish green, yellow, blue, vermillion, purple.
pub const CATEGORICAL: [&str; 7] = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"];
pub const CATEGORICAL_RGB: [(u8, u8, u8); 7] =
    [(230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178), (213, 94, 0), (204, 121, 167)];

pub fn partition_color(partition: u32) -> &'static str {
    CATEGORICAL[partition as usize % CATEGORICAL.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_rgb_forms_agree() {
        for (hex, (r, g, b)) in CATEGORICAL.iter().zip(CATEGORICAL_RGB) {
            assert_eq!(*hex, format!("#{r:02x}{g:02x}{b:02x}"));
        }
    }
}
