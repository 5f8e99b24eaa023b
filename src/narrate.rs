//! The run told in sentences for the page's live region (see `dhara_engine::narrate`): the
//! page polls a few times a second with the last sequence number it has heard.

use crate::{to_value, Lab};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Lab {
    /// Notable moments with trace sequence number ≥ `first_seq`, the latest `max` (1 to 64)
    /// of them: `[{seq, at_ms, topic, text}]`.
    pub fn narration_since(&self, first_seq: f64, max: u32) -> Result<JsValue, JsError> {
        if !(first_seq.is_finite() && first_seq >= 0.0) {
            return Err(JsError::new("narration_since: first_seq must be a whole number ≥ 0"));
        }
        if !(1..=dhara_engine::narrate::LINES_MAX as u32).contains(&max) {
            return Err(JsError::new(&format!("narration_since: max must be 1 to {} (got {max})", dhara_engine::narrate::LINES_MAX)));
        }
        to_value(&dhara_engine::narrate::lines_since(self.timeline.sim(), first_seq as u64, max as usize))
    }

    /// The sequence number the next trace entry will get: where a listener starts.
    pub fn trace_len(&self) -> f64 {
        self.timeline.sim().trace().len() as f64
    }
}
