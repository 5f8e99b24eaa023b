//! A lesson file as written, and its validation into a `Lesson`: every text within its
//! length, every state complete (inheriting from the step before) and accepted by the engine,
//! every expectation parsed. Each error names its place, `steps[2].state.seed`.

use super::{Expectation, Lesson, Question, Step, StepState, AT_MS_MAX, DASHBOARDS, EXPECT_MAX, SIMPLIFIES_MAX, STEPS_MAX};
use crate::command::parse_schedule;
use crate::error::InputError;
use crate::scenario::{builtin, knobs};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLesson {
    id: String,
    title: String,
    summary: String,
    simplifies: Vec<String>,
    steps: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    title: String,
    text: String,
    state: RawState,
    #[serde(default)]
    show: Option<String>,
    notice: String,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    question: Option<RawQuestion>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawState {
    scenario: Option<String>,
    seed: Option<Value>,
    set: Option<Map<String, Value>>,
    commands: Option<Vec<Value>>,
    at_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    ask: String,
    choices: Vec<String>,
    answer: usize,
    explain: String,
}

/// Checks a text field is 1..=`max` characters with no control characters but newlines.
fn text(path: &str, value: &str, max: usize) -> Result<String, InputError> {
    let chars = value.chars().count();
    if value.trim().is_empty() || chars > max {
        return Err(InputError::new(path, format!("must be 1 to {max} characters of text (got {chars})")));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(InputError::new(path, "contains a control character (only line breaks are allowed)"));
    }
    Ok(value.to_string())
}

impl RawLesson {
    pub(super) fn validate(self) -> Result<Lesson, InputError> {
        let id_ok = (1..=40).contains(&self.id.len()) && self.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !self.id.starts_with('-');
        if !id_ok {
            return Err(InputError::new("id", format!("must be 1 to 40 lowercase letters, digits and dashes, not starting with a dash (got {:?})", self.id)));
        }
        if self.simplifies.is_empty() || self.simplifies.len() > SIMPLIFIES_MAX {
            return Err(InputError::new("simplifies", format!("must list 1 to {SIMPLIFIES_MAX} things this lesson's simulation simplifies (got {})", self.simplifies.len())));
        }
        if self.steps.is_empty() || self.steps.len() > STEPS_MAX {
            return Err(InputError::new("steps", format!("must hold 1 to {STEPS_MAX} steps (got {})", self.steps.len())));
        }
        let simplifies = self.simplifies.iter().enumerate().map(|(i, s)| text(&format!("simplifies[{i}]"), s, 300)).collect::<Result<_, _>>()?;
        let mut steps: Vec<Step> = Vec::with_capacity(self.steps.len());
        for (i, raw) in self.steps.into_iter().enumerate() {
            let step = raw.validate(&format!("steps[{i}]"), steps.last().map(|s| &s.state))?;
            steps.push(step);
        }
        Ok(Lesson { id: self.id, title: text("title", &self.title, 80)?, summary: text("summary", &self.summary, 600)?, simplifies, steps })
    }
}

impl RawStep {
    fn validate(self, at: &str, previous: Option<&StepState>) -> Result<Step, InputError> {
        let state = self.state.resolve(&format!("{at}.state"), previous)?;
        if let Some(show) = &self.show {
            if !DASHBOARDS.contains(&show.as_str()) {
                return Err(InputError::new(format!("{at}.show"), format!("must be one of {} (got {show:?})", DASHBOARDS.join(", "))));
            }
        }
        if self.expect.len() > EXPECT_MAX {
            return Err(InputError::new(format!("{at}.expect"), format!("at most {EXPECT_MAX} expectations per step (got {})", self.expect.len())));
        }
        let expect = self.expect.iter().enumerate().map(|(k, e)| Expectation::parse(&format!("{at}.expect[{k}]"), e)).collect::<Result<_, _>>()?;
        let question = self.question.map(|q| q.validate(&format!("{at}.question"))).transpose()?;
        Ok(Step {
            title: text(&format!("{at}.title"), &self.title, 80)?,
            text: text(&format!("{at}.text"), &self.text, 1500)?,
            state,
            show: self.show,
            notice: text(&format!("{at}.notice"), &self.notice, 600)?,
            expect,
            question,
        })
    }
}

impl RawQuestion {
    fn validate(self, at: &str) -> Result<Question, InputError> {
        if !(2..=5).contains(&self.choices.len()) {
            return Err(InputError::new(format!("{at}.choices"), format!("must offer 2 to 5 choices (got {})", self.choices.len())));
        }
        if self.answer >= self.choices.len() {
            return Err(InputError::new(format!("{at}.answer"), format!("must be the index of a choice, 0 to {} (got {})", self.choices.len() - 1, self.answer)));
        }
        let choices = self.choices.iter().enumerate().map(|(i, c)| text(&format!("{at}.choices[{i}]"), c, 200)).collect::<Result<_, _>>()?;
        Ok(Question { ask: text(&format!("{at}.ask"), &self.ask, 300)?, choices, answer: self.answer, explain: text(&format!("{at}.explain"), &self.explain, 600)? })
    }
}

impl RawState {
    /// The complete state: each field given here, or else the previous step's.
    fn resolve(self, at: &str, previous: Option<&StepState>) -> Result<StepState, InputError> {
        let missing = |field: &str| InputError::new(format!("{at}.{field}"), "is required in the first step (later steps inherit it from the step before)");
        let scenario = match (self.scenario, previous) {
            (Some(name), _) => builtin::find(&name).map(|b| b.name.to_string()).ok_or_else(|| {
                let names: Vec<&str> = builtin::ALL.iter().map(|b| b.name).collect();
                InputError::new(format!("{at}.scenario"), format!("must be a built-in scenario: {} (got {name:?})", names.join(", ")))
            })?,
            (None, Some(p)) => p.scenario.clone(),
            (None, None) => return Err(missing("scenario")),
        };
        let seed = match (self.seed, previous) {
            (Some(value), _) => seed(&format!("{at}.seed"), &value)?,
            (None, Some(p)) => p.seed,
            (None, None) => return Err(missing("seed")),
        };
        let at_ms = match (self.at_ms, previous) {
            (Some(ms), _) if ms > AT_MS_MAX => return Err(InputError::new(format!("{at}.at_ms"), format!("must be at most {AT_MS_MAX} (30 simulated minutes; got {ms})"))),
            (Some(ms), _) => ms,
            (None, Some(p)) => p.at_ms,
            (None, None) => return Err(missing("at_ms")),
        };
        // Knobs and commands belong to the scenario they were made for: a step that names a
        // new scenario starts without them unless it gives its own.
        let same = previous.filter(|p| p.scenario == scenario);
        let set = match (self.set, same) {
            (Some(object), _) => overrides(&format!("{at}.set"), &scenario, object)?,
            (None, Some(p)) => p.set.clone(),
            (None, None) => Vec::new(),
        };
        let commands = match (self.commands, same) {
            (Some(items), _) => parse_schedule(&Value::Array(items).to_string()).map_err(|e| InputError::new(format!("{at}.commands{}", e.path), e.message))?,
            (None, Some(p)) => p.commands.clone(),
            (None, None) => Vec::new(),
        };
        Ok(StepState { scenario, seed, set, commands, at_ms })
    }
}

fn seed(at: &str, value: &Value) -> Result<u64, InputError> {
    let parsed = match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| InputError::new(at, format!("must be a whole number from 0 to {} (a number, or a decimal string for seeds above 2^53; got {value})", u64::MAX)))
}

/// The knob overrides, checked against the scenario they change.
fn overrides(at: &str, scenario: &str, object: Map<String, Value>) -> Result<Vec<(String, Value)>, InputError> {
    let set = knobs::overrides_from_object(object).map_err(|e| InputError::new(format!("{at}.{}", e.path), e.message))?;
    let json = builtin::find(scenario).map(|b| b.json).unwrap_or_default();
    knobs::apply_overrides(json, &set).map_err(|e| InputError::new(format!("{at}.{}", e.path), e.message))?;
    Ok(set)
}
