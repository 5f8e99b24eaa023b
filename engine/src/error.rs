//! Errors in what a user gave us (a scenario, a command). Each names the field by its JSON
//! path and says what is allowed, so a teacher editing a scenario by hand can fix it at once.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// Where the problem is, as a JSON path (`producer.records_per_s`), or `$` for the whole.
    pub path: String,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { path: path.into(), message: message.into() }
    }

    /// Parses JSON into `T`, reporting the path of the first problem.
    pub fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, InputError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." || path == "?" { "$".to_string() } else { path };
            InputError::new(path, format!("{what}: {}", e.inner()))
        })?;
        de.end().map_err(|e| InputError::new("$", format!("{what}: {e}")))?;
        Ok(parsed)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for InputError {}

/// Checks that a number from JSON is finite and within `min..=max` (NaN and infinities
/// compare false both ways, so `check_range` alone would let them through).
pub fn check_finite_range(path: &str, value: f64, min: f64, max: f64, unit: &str) -> Result<(), InputError> {
    if !value.is_finite() {
        let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
        return Err(InputError::new(path, format!("must be a finite number between {min} and {max}{unit}")));
    }
    check_range(path, value, min, max, unit)
}

/// Checks `min <= value <= max`, naming the field and the allowed range otherwise.
pub fn check_range<T>(path: &str, value: T, min: T, max: T, unit: &str) -> Result<(), InputError>
where
    T: PartialOrd + fmt::Display,
{
    if value < min || value > max {
        let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
        return Err(InputError::new(path, format!("must be between {min} and {max}{unit} (got {value})")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn parse_errors_carry_the_json_path() {
        let err = InputError::parse_json::<Outer>("scenario", r#"{"inner": {"count": -1}}"#).unwrap_err();
        assert_eq!(err.path, "inner.count");
        assert!(err.message.contains("invalid value"), "{err}");
        let err = InputError::parse_json::<Outer>("scenario", r#"{"inner": {"cuont": 1}}"#).unwrap_err();
        assert!(err.message.contains("unknown field `cuont`"), "{err}");
        let err = InputError::parse_json::<Outer>("scenario", "{").unwrap_err();
        assert_eq!(err.path, "$");
    }

    #[test]
    fn range_errors_name_the_bounds() {
        let err = check_range("topic.partitions", 0u32, 1, 64, "").unwrap_err();
        assert_eq!(err.to_string(), "topic.partitions: must be between 1 and 64 (got 0)");
        assert!(check_range("x", 5u32, 1, 64, "").is_ok());
    }
}
