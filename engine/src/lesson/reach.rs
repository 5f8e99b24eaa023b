//! Reaching a step: the run its state describes, built the way the page builds it (the built-in
//! scenario, the knobs, the command log, then a seek), and its expectations checked there.
//! `dhara lesson check` and the lesson tests go through here, so what they prove is what the
//! page shows.

use super::{Lesson, Outcome, StepState};
use crate::error::InputError;
use crate::scenario::{builtin, knobs, Scenario};
use crate::simulation::Simulation;
use crate::timeline::Timeline;

impl StepState {
    /// The scenario with this step's knobs applied.
    pub fn scenario(&self) -> Result<Scenario, InputError> {
        let json = builtin::find(&self.scenario).map(|b| b.json).ok_or_else(|| InputError::new("state.scenario", format!("unknown scenario {:?}", self.scenario)))?;
        knobs::apply_overrides(json, &self.set).map_err(|e| InputError::new(format!("state.set.{}", e.path), e.message))
    }

    /// The run at `at_ms`, with the whole command log loaded (later commands wait their turn).
    pub fn reach(&self) -> Result<Timeline, InputError> {
        let mut timeline = Timeline::new(self.scenario()?, self.seed);
        timeline.load_log(self.commands.clone()).map_err(|e| InputError::new(format!("state.{}", e.path), e.message))?;
        timeline.seek(self.at_ms).map_err(|refused| {
            let error = InputError::from(refused);
            InputError::new(format!("state.{}", error.path), format!("the run refuses it when its time comes: {}", error.message))
        })?;
        Ok(timeline)
    }
}

/// The document expectations read: the run's snapshot as JSON.
pub fn state_of(sim: &Simulation) -> serde_json::Value {
    serde_json::to_value(sim.snapshot()).expect("a snapshot always serializes")
}

/// One step, reached and checked.
#[derive(Debug)]
pub struct StepCheck {
    pub step: usize,
    pub title: String,
    /// The state could not be reached (a command the run refuses), or a dashboard does not
    /// apply: the step is broken as written.
    pub error: Option<String>,
    /// Per expectation: its text, and its outcome or why it could not be evaluated.
    pub outcomes: Vec<(String, Result<Outcome, String>)>,
}

impl StepCheck {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.outcomes.iter().all(|(_, o)| o.as_ref().is_ok_and(|o| o.holds))
    }
}

/// Reaches every step of `lesson` and evaluates its expectations on the snapshot there.
pub fn check(lesson: &Lesson) -> Vec<StepCheck> {
    lesson
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut result = StepCheck { step: i, title: step.title.clone(), error: None, outcomes: Vec::new() };
            let timeline = match step.state.reach() {
                Ok(timeline) => timeline,
                Err(error) => {
                    result.error = Some(format!("steps[{i}].{error}"));
                    return result;
                }
            };
            let stream_only = matches!(step.show.as_deref(), Some("event_time" | "panes"));
            if stream_only && timeline.sim().scenario().stream.is_none() {
                result.error = Some(format!("steps[{i}].show: {:?} needs a scenario with a stream job", step.show.as_deref().unwrap_or_default()));
            }
            let state = state_of(timeline.sim());
            result.outcomes = step.expect.iter().map(|e| (e.source.clone(), e.evaluate(&state))).collect();
            result
        })
        .collect()
}
