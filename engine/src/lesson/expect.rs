//! A lesson's claims, checked. "What to notice" is prose; an expectation is the same claim as
//! one comparison on the run's state (`fates.acked_lost > 0`), so a test can prove the lesson
//! tells the truth and the page can show, live, whether it still holds after a student's change.
//!
//! The language, small on purpose:
//! `OPERAND OP OPERAND`, where OP is one of `> >= < <= == !=` and an operand is a number, a
//! quoted string, `true`, `false`, `null`, a path into the snapshot (`topic.partitions.0.lag_records`),
//! or `sum(…) max(…) min(…) count(…)` over a path with one `*` (`max(topic.partitions.*.lag_records)`),
//! or `len(…)` of a list (sum, max and min skip nulls); a number in front scales it (`4 * min(…)`).

use crate::error::InputError;
use serde_json::Value;

/// Longest expectation, in characters: one comparison fits in far less.
pub const EXPECT_CHARS_MAX: usize = 200;

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Field(String),
    Index(usize),
    All,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Func {
    Sum,
    Max,
    Min,
    Count,
    Len,
}

#[derive(Clone, Debug, PartialEq)]
enum Operand {
    Literal(Value),
    Read { scale: Option<f64>, func: Option<Func>, path: Vec<Segment>, source: String },
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// One checked claim, kept with its source text (what the page shows and the lesson file holds).
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub source: String,
    left: Operand,
    cmp: Cmp,
    right: Operand,
}

/// An expectation evaluated on one state: whether it holds, and the two sides' values.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub holds: bool,
    pub left: Value,
    pub right: Value,
}

const OPS: [(&str, Cmp); 6] = [(">=", Cmp::Ge), ("<=", Cmp::Le), ("==", Cmp::Eq), ("!=", Cmp::Ne), (">", Cmp::Gt), ("<", Cmp::Lt)];
const SYNTAX: &str = "write OPERAND OP OPERAND, e.g. `fates.acked_lost > 0` or `max(topic.partitions.*.lag_records) > 4 * min(topic.partitions.*.lag_records)`; OP is one of > >= < <= == !=";

impl Expectation {
    /// Parses one expectation; `path` names where it sits (`steps[2].expect[0]`).
    pub fn parse(path: &str, text: &str) -> Result<Expectation, InputError> {
        let err = |message: String| InputError::new(path, message);
        let chars = text.chars().count();
        if chars == 0 || chars > EXPECT_CHARS_MAX {
            return Err(err(format!("must be 1 to {EXPECT_CHARS_MAX} characters (got {chars})")));
        }
        let (at, op, cmp) = find_operator(text).ok_or_else(|| err(format!("has no comparison: {SYNTAX} (got {text:?})")))?;
        let (left, right) = (text[..at].trim(), text[at + op.len()..].trim());
        let operand = |side: &str, which: &str| parse_operand(side).map_err(|m| err(format!("{which} side {side:?}: {m}")));
        let expectation = Expectation { source: text.to_string(), left: operand(left, "left")?, cmp, right: operand(right, "right")? };
        let literal = |o: &Operand| matches!(o, Operand::Literal(_));
        if literal(&expectation.left) && literal(&expectation.right) {
            return Err(err(format!("compares two constants; one side must read the run, e.g. `fates.acked_lost > 0` (got {text:?})")));
        }
        Ok(expectation)
    }

    /// Evaluates the claim on `state` (a `Snapshot` as JSON). A path the state lacks is an
    /// error naming the fields it has, so a lesson's author sees the typo at once.
    pub fn evaluate(&self, state: &Value) -> Result<Outcome, String> {
        let (left, right) = (read(&self.left, state)?, read(&self.right, state)?);
        let holds = match (&left, &right) {
            (Value::Number(a), Value::Number(b)) => compare(a.as_f64().unwrap_or(f64::NAN), self.cmp, b.as_f64().unwrap_or(f64::NAN)),
            _ => match self.cmp {
                Cmp::Eq => left == right,
                Cmp::Ne => left != right,
                _ => return Err(format!("{:?}: {left} and {right} are not both numbers; only == and != compare text, true, false and null", self.source)),
            },
        };
        Ok(Outcome { holds, left, right })
    }
}

/// The first comparison operator outside quotes: its byte offset, its text and its meaning.
fn find_operator(text: &str) -> Option<(usize, &'static str, Cmp)> {
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if quoted {
            continue;
        }
        if let Some((op, cmp)) = OPS.iter().find(|(op, _)| text[at..].starts_with(op)) {
            return Some((at, op, *cmp));
        }
    }
    None
}

fn compare(a: f64, cmp: Cmp, b: f64) -> bool {
    match cmp {
        Cmp::Gt => a > b,
        Cmp::Ge => a >= b,
        Cmp::Lt => a < b,
        Cmp::Le => a <= b,
        Cmp::Eq => a == b,
        Cmp::Ne => a != b,
    }
}

fn parse_operand(text: &str) -> Result<Operand, String> {
    match text {
        "" => return Err("is empty".into()),
        "true" => return Ok(Operand::Literal(Value::Bool(true))),
        "false" => return Ok(Operand::Literal(Value::Bool(false))),
        "null" => return Ok(Operand::Literal(Value::Null)),
        _ => {}
    }
    if let Some(inner) = text.strip_prefix('"') {
        let content = inner.strip_suffix('"').filter(|c| !c.contains('"')).ok_or("a string must be one \"quoted\" text")?;
        return Ok(Operand::Literal(Value::String(content.to_string())));
    }
    if let Some(number) = parse_number(text) {
        // Kept as written (an integer stays an integer), so the page shows "37 > 0".
        let literal = serde_json::from_str::<Value>(text).unwrap_or_else(|_| number.into());
        return Ok(Operand::Literal(literal));
    }
    // Not a literal: a read, maybe scaled. Paths hold no spaces, signs or slashes.
    let compact: String = text.split_whitespace().collect();
    let text = compact.as_str();
    if text.contains(['+', '-', '/']) {
        return Err("arithmetic is only a number times a value (`4 * min(…)`); there is no +, - or /".into());
    }
    let (scale, rest) = match text.split_once('*') {
        Some((factor, rest)) if parse_number(factor.trim()).is_some() => (parse_number(factor.trim()), rest.trim()),
        _ => (None, text),
    };
    if let (Some(factor), Some(number)) = (scale, parse_number(rest)) {
        return Ok(Operand::Literal((factor * number).into()));
    }
    let (func, inner) = match rest.split_once('(') {
        Some((name, args)) => {
            let args = args.strip_suffix(')').ok_or("a function call must end with )")?;
            (Some(parse_func(name.trim())?), args.trim())
        }
        None => (None, rest),
    };
    let path = parse_path(inner)?;
    let stars = path.iter().filter(|s| **s == Segment::All).count();
    match func {
        Some(Func::Sum | Func::Max | Func::Min | Func::Count) if stars != 1 => Err("sum, max, min and count take a path with one * (all items of a list)".into()),
        Some(Func::Len) | None if stars != 0 => Err("a path with * needs sum(…), max(…), min(…) or count(…) around it".into()),
        _ => Ok(Operand::Read { scale, func, path, source: inner.to_string() }),
    }
}

fn parse_number(text: &str) -> Option<f64> {
    let valid = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | '-')) && text.chars().any(|c| c.is_ascii_digit());
    valid.then(|| text.parse::<f64>().ok()).flatten().filter(|n| n.is_finite())
}

fn parse_func(name: &str) -> Result<Func, String> {
    match name {
        "sum" => Ok(Func::Sum),
        "max" => Ok(Func::Max),
        "min" => Ok(Func::Min),
        "count" => Ok(Func::Count),
        "len" => Ok(Func::Len),
        _ => Err(format!("unknown function {name:?}; the functions are sum, max, min, count and len")),
    }
}

/// Paths are at most this deep: the snapshot is.
const PATH_SEGMENTS_MAX: usize = 8;

fn parse_path(text: &str) -> Result<Vec<Segment>, String> {
    let segments: Vec<&str> = text.split('.').collect();
    if segments.len() > PATH_SEGMENTS_MAX {
        return Err(format!("a path has at most {PATH_SEGMENTS_MAX} parts"));
    }
    segments
        .into_iter()
        .map(|part| match part {
            "*" => Ok(Segment::All),
            _ if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) => part.parse().map(Segment::Index).map_err(|_| format!("index {part:?} is too large")),
            _ if !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') => Ok(Segment::Field(part.to_string())),
            _ => Err(format!("{part:?} is not a path part: write field names (lowercase, digits, _), list indexes and * joined by dots")),
        })
        .collect()
}

fn read(operand: &Operand, state: &Value) -> Result<Value, String> {
    let Operand::Read { scale, func, path, source } = operand else {
        let Operand::Literal(value) = operand else { unreachable!() };
        return Ok(value.clone());
    };
    let mut found = Vec::new();
    walk(state, path, source, &mut found)?;
    let number = |v: &Value| v.as_f64().ok_or_else(|| format!("{source}: {v} is not a number"));
    let value = match func {
        None => found.pop().cloned().unwrap_or(Value::Null),
        Some(Func::Len) => match found.pop() {
            Some(Value::Array(items)) => items.len().into(),
            other => return Err(format!("len({source}): {} is not a list", other.unwrap_or(&Value::Null))),
        },
        Some(Func::Count) => found.iter().filter(|v| truthy(v)).count().into(),
        Some(f) => {
            // As in SQL, a fold skips nulls (a hashtag new to the top 10 has no rank change).
            let numbers = found.iter().filter(|v| !v.is_null()).map(|v| number(v)).collect::<Result<Vec<f64>, String>>()?;
            let folded = match f {
                Func::Sum => Some(numbers.iter().sum()),
                Func::Max => numbers.iter().copied().reduce(f64::max),
                _ => numbers.iter().copied().reduce(f64::min),
            };
            folded.ok_or_else(|| format!("{source}: the list is empty, so it has no max or min"))?.into()
        }
    };
    match scale {
        Some(factor) => Ok((factor * number(&value)?).into()),
        None => Ok(value),
    }
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => true,
    }
}

/// Collects what `path` reaches from `value` (one value, or one per item under a `*`).
fn walk<'v>(value: &'v Value, path: &[Segment], source: &str, found: &mut Vec<&'v Value>) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        found.push(value);
        return Ok(());
    };
    match (first, value) {
        (Segment::Field(name), Value::Object(fields)) => match fields.get(name) {
            Some(next) => walk(next, rest, source, found),
            None => {
                let names: Vec<&str> = fields.keys().map(String::as_str).collect();
                Err(format!("{source}: there is no {name:?} here; the fields are {}", names.join(", ")))
            }
        },
        (Segment::Index(i), Value::Array(items)) => match items.get(*i) {
            Some(next) => walk(next, rest, source, found),
            None => Err(format!("{source}: index {i} is past the end of a list of {}", items.len())),
        },
        (Segment::All, Value::Array(items)) => items.iter().try_for_each(|item| walk(item, rest, source, found)),
        (segment, Value::Null) => Err(format!("{source}: reaches null before {segment:?}: that part of the state is absent in this run")),
        (segment, other) => Err(format!("{source}: cannot take {segment:?} of {}", short(other))),
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 { format!("{}…", text.chars().take(40).collect::<String>()) } else { text }
}

#[cfg(test)]
#[path = "expect_tests.rs"]
mod tests;
