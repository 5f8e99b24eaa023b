//! The lessons, for the page: the built-in ones (every `www/lessons/*.json`, built in by
//! `build.rs`) and any lesson file a teacher opens from disk, each validated by the engine so a
//! mistake is named by step and field. Expectations are checked on the live run, so the page
//! can show whether "what to notice" holds right now.

use crate::{to_js, to_value, Lab};
use dhara_engine::lesson::{reach, Expectation, Lesson};
use serde::Serialize;
use wasm_bindgen::prelude::*;

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// A built-in lesson file, parsed; or why it could not be.
#[derive(Serialize)]
pub struct LessonEntry {
    pub file: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The built-in lessons, without the JS types, for native tests.
pub fn lesson_entries() -> Vec<LessonEntry> {
    LESSON_FILES
        .iter()
        .map(|(file, text)| match Lesson::from_json(text) {
            Ok(lesson) => LessonEntry { file, lesson: Some(lesson.to_json()), error: None },
            Err(error) => LessonEntry { file, lesson: None, error: Some(format!("{file}: {error}")) },
        })
        .collect()
}

/// The built-in lessons, in order: `[{file, lesson}]`, or `{file, error}` for a file the
/// engine refuses (the page lists the error; the other lessons still work).
#[wasm_bindgen]
pub fn lessons() -> Result<JsValue, JsError> {
    to_value(&lesson_entries())
}

/// A lesson file's text, validated: the lesson as the page reads it, or an error naming the
/// step and field.
#[wasm_bindgen]
pub fn parse_lesson(text: &str) -> Result<JsValue, JsError> {
    let lesson = Lesson::from_json(text).map_err(to_js)?;
    to_value(&lesson.to_json())
}

/// One expectation checked: its outcome, or why it could not be evaluated.
#[derive(Serialize)]
struct Checked {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    outcome: Option<dhara_engine::lesson::Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[wasm_bindgen]
impl Lab {
    /// Checks each of `expectations` (`fates.acked_lost > 0`) on the run as it is now, reading
    /// its state once: per expectation `{holds, left, right}`, or `{error}` naming what is wrong
    /// with it or the path the state lacks.
    pub fn check(&self, expectations: Vec<String>) -> Result<JsValue, JsError> {
        let state = reach::state_of(self.timeline.sim());
        let checked: Vec<Checked> = expectations
            .iter()
            .enumerate()
            .map(|(i, text)| {
                let outcome = Expectation::parse(&format!("expect[{i}]"), text).map_err(|e| e.to_string()).and_then(|e| e.evaluate(&state));
                match outcome {
                    Ok(outcome) => Checked { outcome: Some(outcome), error: None },
                    Err(error) => Checked { outcome: None, error: Some(error) },
                }
            })
            .collect();
        to_value(&checked)
    }
}
