//! Guided lessons. A lesson is a short tour of one concept: each step is some text, an exact
//! state of a run (a built-in scenario, a seed, knob changes, commands, a time), what to notice
//! there, and that same claim as an expectation the engine checks. Lessons are data (JSON in
//! `www/lessons/`), so a teacher writes one without touching Rust; this module reads and
//! validates them once, naming the step and field of any mistake.
//!
//! A step's `state` may leave fields out: each missing one is the previous step's, so a step
//! that says only `{"at_ms": 20000}` is "the same run, 20 s in". The first step states them all.

pub mod expect;
mod raw;
pub mod reach;

use crate::command::Scheduled;
use crate::error::InputError;
pub use expect::{Expectation, Outcome};
use serde_json::Value;

/// Steps per lesson: a lesson is short; a longer story is two lessons.
pub const STEPS_MAX: usize = 12;
/// Expectations per step.
pub const EXPECT_MAX: usize = 8;
/// Lines a lesson may list under "what Dhara simplifies here".
pub const SIMPLIFIES_MAX: usize = 8;
/// How far into a run a step may stand: 30 simulated minutes, so every step opens in moments.
pub const AT_MS_MAX: u64 = 30 * 60 * 1000;
/// Longest lesson file, in bytes.
pub const LESSON_BYTES_MAX: usize = 64 * 1024;

/// The dashboards a step may bring to the front (`Lab.draw_dashboard`'s names).
pub const DASHBOARDS: [&str; 5] = ["lag", "throughput", "latency", "event_time", "panes"];

#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Lowercase letters, digits and dashes: the deep link's `lesson=` value.
    pub id: String,
    pub title: String,
    /// One or two sentences: the concept, as a teacher would open with it.
    pub summary: String,
    /// What the simulation simplifies for this concept, one line each.
    pub simplifies: Vec<String>,
    pub steps: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub title: String,
    pub text: String,
    /// The exact run this step shows, with every field inherited filled in.
    pub state: StepState,
    /// The dashboard to bring to the front, if any.
    pub show: Option<String>,
    /// What to notice, in words.
    pub notice: String,
    /// The same claim, checked on the state.
    pub expect: Vec<Expectation>,
    pub question: Option<Question>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepState {
    /// A built-in scenario's name.
    pub scenario: String,
    pub seed: u64,
    /// Knob overrides, `PATH = VALUE` as `dhara run --set` takes them.
    pub set: Vec<(String, Value)>,
    /// The command log: some may lie after `at_ms`, and happen when the student plays on.
    pub commands: Vec<Scheduled>,
    /// Where the step stands, in simulated milliseconds.
    pub at_ms: u64,
}

/// Predict, then reveal: the page shows `ask` and the choices; a choice reveals `explain`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Question {
    pub ask: String,
    pub choices: Vec<String>,
    /// Index into `choices`.
    pub answer: usize,
    pub explain: String,
}

impl Lesson {
    /// Parses and validates a lesson file. Errors name the step and field:
    /// `steps[2].state.set.producer.acks: …`.
    pub fn from_json(text: &str) -> Result<Lesson, InputError> {
        if text.len() > LESSON_BYTES_MAX {
            return Err(InputError::new("$", format!("a lesson file is at most {LESSON_BYTES_MAX} bytes (got {})", text.len())));
        }
        let raw: raw::RawLesson = InputError::parse_json("lesson", text)?;
        raw.validate()
    }

    /// The lesson as the page reads it: every step's state complete, seeds as decimal
    /// strings, commands as a command log, expectations as their text.
    pub fn to_json(&self) -> Value {
        let steps: Vec<Value> = self.steps.iter().map(Step::to_json).collect();
        serde_json::json!({
            "id": self.id, "title": self.title, "summary": self.summary,
            "simplifies": self.simplifies, "steps": steps,
        })
    }
}

impl Step {
    fn to_json(&self) -> Value {
        let expect: Vec<&str> = self.expect.iter().map(|e| e.source.as_str()).collect();
        serde_json::json!({
            "title": self.title, "text": self.text, "state": self.state.to_json(), "show": self.show,
            "notice": self.notice, "expect": expect, "question": self.question,
        })
    }
}

impl StepState {
    pub fn to_json(&self) -> Value {
        let mut set = serde_json::Map::new(); // extended, not collected: see `sim::sort`
        set.extend(self.set.iter().cloned());
        let commands: Vec<Value> = self.commands.iter().map(Scheduled::to_json).collect();
        serde_json::json!({
            "scenario": self.scenario, "seed": self.seed.to_string(), "set": set,
            "commands": commands, "at_ms": self.at_ms,
        })
    }
}

#[cfg(test)]
mod tests;
