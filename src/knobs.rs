//! The page's side of knobs: which settings of the current scenario a learner may turn, with
//! a line on each, and the scenario with some of them turned. The page keeps the turned
//! knobs (in the URL hash as `set.PATH=VALUE`) and builds each run's scenario through here,
//! so it is validated exactly as `dhara run --set` validates it.

use dhara_engine::scenario::knobs::{self, apply_overrides};
use dhara_engine::{InputError, Scenario};
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// The knobs of `scenario_json`: an array of `{path, label, about, kind, min, max, unit,
/// options, value}`, `kind` one of "integer", "number", "choice", "flag", "other"; `min`
/// and `max` null when the range is not known (validation still checks it).
#[wasm_bindgen]
pub fn knobs(scenario_json: &str) -> Result<JsValue, JsError> {
    let scenario = Scenario::from_json(scenario_json).map_err(crate::to_js)?;
    crate::to_value(&knobs::knobs_for(&scenario))
}

/// `scenario_json` with `overrides_json` applied, e.g. `{"producer.acks": "1",
/// "topic.partitions": 12}`, as the JSON of a scenario `new Lab(json, seed)` accepts.
/// Errors name the path.
#[wasm_bindgen]
pub fn scenario_with(scenario_json: &str, overrides_json: &str) -> Result<String, JsError> {
    scenario_with_overrides(scenario_json, overrides_json).map_err(crate::to_js)
}

/// `scenario_with` without the JS types, for native tests.
pub fn scenario_with_overrides(scenario_json: &str, overrides_json: &str) -> Result<String, InputError> {
    let overrides = overrides_from_json(overrides_json)?;
    Ok(apply_overrides(scenario_json, &overrides)?.to_json_pretty())
}

/// Reads `{"PATH": VALUE, …}` by `knobs::overrides_from_object`'s rules.
pub fn overrides_from_json(overrides_json: &str) -> Result<Vec<(String, Value)>, InputError> {
    let object: serde_json::Map<String, Value> = InputError::parse_json("overrides", overrides_json)?;
    knobs::overrides_from_object(object).map_err(|e| if e.path == "set" { InputError::new("overrides", e.message) } else { e })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dhara_engine::scenario::builtin;

    #[test]
    fn overrides_read_text_as_the_url_writes_it_and_errors_name_the_path() {
        let lag = builtin::find("upi-lag").expect("built-in").json;
        let json = scenario_with_overrides(lag, r#"{"producer.acks": "1", "topic.partitions": "12", "producer.key_skew": 1.5}"#).expect("valid");
        let scenario = Scenario::from_json(&json).expect("the result loads");
        assert_eq!((scenario.topic.partitions, scenario.producer.key_skew), (12, 1.5));
        assert_eq!(serde_json::to_value(scenario.producer.acks).expect("serializes"), "1");
        assert_eq!(scenario_with_overrides(lag, "{}").map(|j| Scenario::from_json(&j)), Ok(Scenario::from_json(lag)));
        let err = scenario_with_overrides(lag, r#"{"topic.partitions": 0}"#).expect_err("range");
        assert_eq!(err.path, "topic.partitions");
        for bad in ["[]", "{", r#"{"topic.partitions": [1]}"#, r#"{"Topic": 1}"#] {
            assert!(scenario_with_overrides(lag, bad).is_err(), "{bad}");
        }
    }
}
