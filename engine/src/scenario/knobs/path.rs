//! Paths into a scenario document, written as errors name fields
//! ("workload.traffic.spikes[1].multiplier"): parsed into steps, then followed or written.

use crate::error::InputError;
use serde_json::Value;

/// Longest path accepted: the deepest real field is far shorter.
pub const PATH_CHARS_MAX: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Splits "a.b[2].c" into Key(a), Key(b), Index(2), Key(c); refuses anything else.
pub fn parse(path: &str) -> Result<Vec<Step>, InputError> {
    let bad = |why: &str| InputError::new(path, format!("is not a knob path ({why}); write it as errors name fields, e.g. \"producer.acks\" or \"workload.traffic.spikes[0].multiplier\""));
    if path.is_empty() || path.chars().count() > PATH_CHARS_MAX {
        return Err(InputError::new("set", format!("a knob path must be 1 to {PATH_CHARS_MAX} characters (got {})", path.chars().count())));
    }
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_once('[').map_or((part, ""), |(name, _)| (name, &part[name.len()..]));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(bad("each name is lower-case letters, digits and '_'"));
        }
        steps.push(Step::Key(name.to_string()));
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[').and_then(|r| r.split_once(']'));
            let Some((digits, after)) = inner else { return Err(bad("an index is written [0]")) };
            let index = digits.parse::<usize>().map_err(|_| bad("an index is a whole number"))?;
            steps.push(Step::Index(index));
            rest = after;
        }
    }
    Ok(steps)
}

/// The value at `steps`, if the document has it.
pub fn get<'a>(document: &'a Value, steps: &[Step]) -> Option<&'a Value> {
    steps.iter().try_fold(document, |at, step| match step {
        Step::Key(key) => at.as_object()?.get(key),
        Step::Index(index) => at.as_array()?.get(*index),
    })
}

/// Writes `value` at `steps`. The field must exist, except a last key inside an existing
/// object when `may_add` (an optional field left unset, such as enable_idempotence).
/// Returns false when the path leads nowhere.
pub fn set(document: &mut Value, steps: &[Step], value: Value, may_add: bool) -> bool {
    let Some((last, parents)) = steps.split_last() else { return false };
    let mut at = document;
    for step in parents {
        let next = match step {
            Step::Key(key) => at.as_object_mut().and_then(|o| o.get_mut(key)),
            Step::Index(index) => at.as_array_mut().and_then(|a| a.get_mut(*index)),
        };
        let Some(next) = next else { return false };
        at = next;
    }
    match last {
        Step::Key(key) => match at.as_object_mut() {
            Some(object) if object.contains_key(key) || may_add => {
                object.insert(key.clone(), value);
                true
            }
            _ => false,
        },
        Step::Index(index) => match at.as_array_mut().and_then(|a| a.get_mut(*index)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_parse_keys_and_indices_and_refuse_the_rest() {
        let steps = parse("workload.traffic.spikes[1].multiplier").expect("parses");
        assert_eq!(steps[3], Step::Index(1));
        assert_eq!(steps.len(), 5);
        for bad in ["", "a..b", "a.B", "a[x]", "a[1", "a]", ".a", "a b", "a[1]x"] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(parse(&"a.".repeat(150)).is_err(), "too long");
    }

    #[test]
    fn set_writes_existing_fields_and_adds_only_when_allowed() {
        let mut doc = json!({"a": {"b": [1, 2]}, "c": 3});
        assert!(set(&mut doc, &parse("a.b[1]").unwrap(), json!(9), false));
        assert_eq!(doc["a"]["b"][1], 9);
        assert!(!set(&mut doc, &parse("a.b[2]").unwrap(), json!(9), true), "no index beyond the end");
        assert!(!set(&mut doc, &parse("a.d").unwrap(), json!(9), false));
        assert!(set(&mut doc, &parse("a.d").unwrap(), json!(9), true));
        assert!(!set(&mut doc, &parse("c.d").unwrap(), json!(9), true), "c is not an object");
        assert_eq!(get(&doc, &parse("a.d").unwrap()), Some(&json!(9)));
    }
}
