//! The scenario document's validation: every error names its field.

use super::*;

pub(super) fn default_json() -> serde_json::Value {
    serde_json::from_str(builtin::DEFAULT.json).expect("built-in JSON parses")
}

pub(super) fn error_for(mutate: impl FnOnce(&mut serde_json::Value)) -> InputError {
    let mut json = default_json();
    mutate(&mut json);
    Scenario::from_json(&json.to_string()).expect_err("the mutation makes it invalid")
}

#[test]
fn every_builtin_scenario_is_valid_and_round_trips() {
    for builtin in builtin::ALL {
        let scenario = Scenario::from_json(builtin.json).unwrap_or_else(|e| panic!("{}: {e}", builtin.name));
        assert_eq!(scenario.name, builtin.name);
        assert_eq!(Scenario::from_json(&scenario.to_json_pretty()), Ok(scenario));
    }
}

#[test]
fn out_of_range_values_name_the_field_and_the_range() {
    let err = error_for(|j| j["topic"]["partitions"] = 1_000_000_000.into());
    assert_eq!(err.to_string(), "topic.partitions: must be between 1 and 256 (got 1000000000)");
    let err = error_for(|j| j["producer"]["records_per_s"] = 0.into());
    assert_eq!(err.path, "producer.records_per_s");
    let err = error_for(|j| j["producer"]["key_skew"] = 9.5.into());
    assert_eq!(err.path, "producer.key_skew");
    let err = error_for(|j| j["metrics"] = serde_json::json!({"sample_interval_ms": 5, "series_points_max": 100}));
    assert_eq!(err.path, "metrics.sample_interval_ms");
}

#[test]
fn wrong_types_unknown_and_missing_fields_are_reported_with_paths() {
    let err = error_for(|j| j["consumer"]["records_per_s"] = "fast".into());
    assert_eq!(err.path, "consumer.records_per_s");
    let err = error_for(|j| j["producer"]["rate"] = 5.into());
    assert!(err.message.contains("unknown field `rate`"), "{err}");
    let err = error_for(|j| {
        j["topic"].as_object_mut().map(|t| t.remove("partitions"));
    });
    assert!(err.message.contains("missing field `partitions`"), "{err}");
}

#[test]
fn names_follow_kafkas_rules() {
    let err = error_for(|j| j["topic"]["name"] = "upi payments".into());
    assert_eq!(err.path, "topic.name");
    let err = error_for(|j| j["topic"]["name"] = "..".into());
    assert_eq!(err.path, "topic.name");
    let err = error_for(|j| j["name"] = "".into());
    assert_eq!(err.path, "name");
}

#[test]
fn defaults_are_kafkas() {
    let mut json = default_json();
    let consumer = json["consumer"].as_object_mut().expect("consumer is an object");
    consumer.remove("max_poll_records");
    consumer.remove("fetch_max_wait_ms");
    let scenario = Scenario::from_json(&json.to_string()).expect("valid");
    assert_eq!(scenario.consumer.max_poll_records, 500);
    assert_eq!(scenario.consumer.fetch_max_wait_ms, 500);
    let p = &scenario.producer;
    assert_eq!((p.batch_size_bytes, p.linger_ms, p.max_in_flight_requests_per_connection), (16_384, 5, 5));
    assert_eq!(p.compression_type, crate::kafka::compression::CompressionType::None);
    assert!(p.idempotence(), "acks=all and idempotence, Kafka 3.0's defaults");
}

#[test]
fn knobs_must_name_fields_of_the_scenario() {
    let knob = |path: &str| serde_json::json!([{ "path": path, "about": "how fast payers pay" }]);
    let mut json = default_json();
    json["knobs"] = knob("producer.records_per_s");
    assert!(Scenario::from_json(&json.to_string()).is_ok());
    // A defaulted field counts: the page shows its value.
    json["knobs"] = knob("producer.linger_ms");
    assert!(Scenario::from_json(&json.to_string()).is_ok());
    let err = error_for(|j| j["knobs"] = knob("producer.speed"));
    assert_eq!(err.path, "knobs[0].path");
    assert!(err.message.contains("producer.speed"), "{err}");
    json["knobs"] = serde_json::json!([{ "path": "cluster.racks[0]", "about": "x" }]);
    assert_eq!(Scenario::from_json(&json.to_string()).expect_err("no such rack").path, "knobs[0].path");
    let err = error_for(|j| j["knobs"] = serde_json::json!([{ "path": "topic.partitions", "about": "" }]));
    assert_eq!(err.path, "knobs[0].about");
}

#[test]
fn domain_fields_and_operators_need_their_workload() {
    let with_stream = |j: &mut serde_json::Value| {
        let windows: serde_json::Value = serde_json::from_str(builtin::find("upi-windows").expect("built in").json).expect("parses");
        j["stream"] = windows["stream"].clone();
        j["consumer"]["count"] = 1.into();
    };
    let err = error_for(|j| {
        with_stream(j);
        j["stream"]["pipeline"] = serde_json::json!([{ "op": "extract", "tag": "bank" }]);
    });
    assert_eq!(err.path, "stream.pipeline[0].tag");
    assert!(err.message.contains("needs workload.kind upi") && err.message.contains("none"), "{err}");
    let err = error_for(|j| {
        with_stream(j);
        j["workload"] = serde_json::json!({ "kind": "social" });
        j["stream"]["pipeline"] = serde_json::json!([{ "op": "extract", "value": "amount_rupees" }]);
    });
    assert_eq!(err.path, "stream.pipeline[0].value");
    assert!(err.message.contains("\"social\""), "{err}");
    let err = error_for(|j| {
        with_stream(j);
        j["stream"]["pipeline"] = serde_json::json!([{ "op": "extract" }]);
    });
    assert_eq!(err.path, "stream.pipeline[0]");
    let err = error_for(|j| j["workload"] = serde_json::json!({ "kind": "bank-heist" }));
    assert_eq!(err.path, "workload.kind");
    assert!(err.message.contains("upi") && err.message.contains("shop"), "{err}");
    let err = error_for(|j| j["workload"] = serde_json::json!({ "kind": "upi", "traffic": { "start_hour": 24 } }));
    assert_eq!(err.path, "workload.traffic.start_hour");
}
