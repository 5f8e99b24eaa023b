use super::*;
use crate::scenario::builtin;
use crate::sim::Duration;
use crate::Simulation;
use serde_json::json;

fn load(name: &str) -> (&'static str, Scenario) {
    let builtin = builtin::find(name).expect("built-in");
    (builtin.json, Scenario::from_json(builtin.json).expect("valid"))
}

fn set(name: &str, overrides: &[(&str, Value)]) -> Result<Scenario, InputError> {
    let owned: Vec<(String, Value)> = overrides.iter().map(|(p, v)| (p.to_string(), v.clone())).collect();
    apply_overrides(load(name).0, &owned)
}

fn knob<'a>(knobs: &'a [Knob], at: &str) -> &'a Knob {
    knobs.iter().find(|k| k.path == at).unwrap_or_else(|| panic!("no knob {at}"))
}

fn trace_hash(scenario: Scenario) -> u64 {
    let mut sim = Simulation::new(scenario, 7);
    sim.advance(Duration::from_secs(15));
    sim.trace().hash()
}

#[test]
fn no_overrides_leave_the_scenario_and_its_run_unchanged() {
    for name in ["upi-lag", "upi-replication", "upi-windows", "upi-architectures", "social-trends"] {
        let (json, original) = load(name);
        let same = apply_overrides(json, &[]).expect("valid");
        assert_eq!(same, original, "{name}");
        assert_eq!(trace_hash(same), trace_hash(original), "{name}");
    }
}

/// Each value a knob offers for this scenario: integer bounds, number bounds, options.
fn offered(knob: &Knob) -> Vec<Value> {
    match &knob.kind {
        Kind::Integer { min, max, .. } => vec![json!(min.expect("catalogue knobs know their range")), json!(max.expect("known"))],
        Kind::Number { min, max, .. } => vec![json!(min.expect("known")), json!(max.expect("known"))],
        Kind::Choice { options } => options.iter().map(|o| json!(o)).collect(),
        Kind::Flag { options } => options.iter().map(|&o| json!(o)).collect(),
        Kind::Other => Vec::new(),
    }
}

#[test]
fn every_catalogue_knob_of_every_builtin_takes_each_value_it_offers() {
    for b in builtin::ALL {
        let scenario = Scenario::from_json(b.json).expect("valid");
        let knobs = knobs_for(&scenario);
        for knob in knobs.iter().filter(|k| catalogue::entry(&k.path).is_some()) {
            let values = offered(knob);
            assert!(!values.is_empty(), "{}: {} offers nothing", b.name, knob.path);
            for value in values {
                let changed = apply_overrides(b.json, &[(knob.path.clone(), value.clone())]);
                let changed = changed.unwrap_or_else(|e| panic!("{}: {} = {value}: {e}", b.name, knob.path));
                let now = knob_value(&changed, &knob.path);
                assert_eq!(now, value, "{}: {} reads back", b.name, knob.path);
            }
        }
    }
}

fn knob_value(scenario: &Scenario, at: &str) -> Value {
    knobs_for(scenario).into_iter().find(|k| k.path == at).expect("still a knob").value
}

#[test]
fn values_beyond_the_catalogue_range_are_refused_naming_the_knob() {
    for b in builtin::ALL {
        let knobs = knobs_for(&Scenario::from_json(b.json).expect("valid"));
        for knob in &knobs {
            let outside = match catalogue::entry(&knob.path).map(|spec| spec.kind) {
                Some(KnobKind::Integer { min, max, .. }) => vec![json!(min - 1), json!(max + 1)],
                Some(KnobKind::Number { min, max, .. }) => vec![json!(min - 0.5), json!(max + 0.5)],
                Some(KnobKind::Choice { .. }) => vec![json!("bogus")],
                Some(KnobKind::Flag) => vec![json!("maybe")],
                None => continue,
            };
            for value in outside {
                let err = apply_overrides(b.json, &[(knob.path.clone(), value.clone())]).expect_err("out of range");
                assert_eq!(err.path, knob.path, "{}: {} = {value}: {err}", b.name, knob.path);
            }
        }
    }
}

#[test]
fn narrowed_ranges_follow_the_other_fields_and_their_edges_are_refused() {
    let (_, replication) = load("upi-replication");
    let knobs = knobs_for(&replication);
    assert_eq!(knob(&knobs, "cluster.brokers").kind, Kind::Integer { min: Some(3), max: Some(9), unit: String::new() });
    assert_eq!(knob(&knobs, "topic.replication_factor").kind, Kind::Integer { min: Some(2), max: Some(3), unit: String::new() });
    // enable_idempotence is set true explicitly, and Kafka refuses it with acks 0 or 1 …
    assert_eq!(knob(&knobs, "producer.acks").kind, Kind::Choice { options: vec!["all".into()] });
    let err = set("upi-replication", &[("producer.acks", json!("1"))]).expect_err("idempotence needs acks=all");
    assert!(err.path == "producer.acks" && err.message.contains("enable_idempotence"), "{err}");
    // … so turning it off first opens every acks.
    let off = set("upi-replication", &[("producer.enable_idempotence", json!(false))]).expect("valid");
    assert_eq!(knob(&knobs_for(&off), "producer.acks").kind, Kind::Choice { options: vec!["0".into(), "1".into(), "all".into()] });
    assert!(set("upi-replication", &[("cluster.brokers", json!(2))]).is_err(), "below the replication factor");
    assert!(set("upi-replication", &[("topic.replication_factor", json!(1))]).is_err(), "below min.insync.replicas");
    let (_, windows) = load("upi-windows");
    let count = knob(&knobs_for(&windows), "consumer.count").kind.clone();
    let Kind::Integer { max: Some(most), .. } = count else { panic!("{count:?}") };
    assert_eq!(most, i64::from(windows.topic.partitions), "a stream job's sources: at most one per partition");
    assert!(set("upi-windows", &[("consumer.count", json!(most + 1))]).is_err());
}

#[test]
fn knobs_apply_only_where_their_field_exists_and_the_scenarios_own_follow() {
    let (_, lag) = load("upi-lag");
    let paths: Vec<String> = knobs_for(&lag).into_iter().map(|k| k.path).collect();
    assert!(paths.contains(&"producer.acks".to_string()) && paths.contains(&"producer.enable_idempotence".to_string()));
    assert!(!paths.iter().any(|p| p.starts_with("stream.") || p.starts_with("workload.") || p.starts_with("architectures.")), "{paths:?}");
    let (_, windows) = load("upi-windows");
    let knobs = knobs_for(&windows);
    assert!(knobs.iter().any(|k| k.path == "stream.operator.windowing.size_ms"));
    assert_eq!(knob(&knobs, "stream.watermark.out_of_orderness_ms").value, json!(windows.stream.as_ref().expect("job").watermark.out_of_orderness_ms));
    let (_, trends) = load("social-trends");
    let knobs = knobs_for(&trends);
    let own = knob(&knobs, "stream.operator.top_k");
    assert_eq!(own.kind, Kind::Integer { min: None, max: None, unit: String::new() }, "range unknown outside the catalogue");
    assert_eq!(own.about, "How many hashtags and words each list shows.");
    let first_own = knobs.iter().position(|k| catalogue::entry(&k.path).is_none()).expect("own knobs");
    assert!(knobs[first_own..].iter().all(|k| catalogue::entry(&k.path).is_none()), "catalogue first, then the scenario's");
    assert_eq!(knobs.iter().filter(|k| k.path == "producer.key_skew").count(), 1, "listed once");
    let json = serde_json::to_value(own).expect("serializes");
    assert_eq!(json["kind"], "integer");
    assert!(json["min"].is_null() && json["label"] == "top k", "{json}");
}

#[test]
fn unknown_paths_sections_and_repeats_are_refused_by_name() {
    let err = set("upi-lag", &[("producer.akcs", json!("all"))]).expect_err("typo");
    assert_eq!(err.path, "producer.akcs");
    assert!(err.message.contains("producer.acks") && err.message.contains("topic.partitions"), "{err}");
    let err = set("upi-lag", &[("stream.parallelism", json!(2))]).expect_err("no stream job here");
    assert_eq!(err.path, "stream.parallelism");
    let err = set("upi-lag", &[("producer", json!(1))]).expect_err("a section");
    assert_eq!(err.path, "producer");
    let err = set("upi-lag", &[("producer.acks", json!(["all"]))]).expect_err("a list");
    assert_eq!(err.path, "producer.acks");
    let err = set("upi-lag", &[("topic.partitions", json!(2)), ("topic.partitions", json!(3))]).expect_err("twice");
    assert_eq!(err.path, "topic.partitions");
    let many: Vec<(String, Value)> = (0..=OVERRIDES_MAX).map(|i| (format!("knob{i}"), json!(1))).collect();
    assert_eq!(apply_overrides(load("upi-lag").1.to_json_pretty().as_str(), &many).expect_err("too many").path, "set");
    let err = set("upi-fraud", &[("workload.traffic.spikes[9].multiplier", json!(2))]).expect_err("no such spike");
    assert_eq!(err.path, "workload.traffic.spikes[9].multiplier");
}

#[test]
fn overrides_change_the_scenario_and_numbers_become_text_where_text_is_expected() {
    let changed = set("upi-lag", &[("producer.acks", json!(1)), ("topic.partitions", json!(12)), ("producer.key_skew", json!(1.5))]).expect("valid");
    assert_eq!(changed.producer.acks, crate::kafka::protocol::Acks::Leader);
    assert_eq!(changed.topic.partitions, 12);
    assert_eq!(changed.producer.key_skew, 1.5);
    let fraud = set("upi-fraud", &[("workload.traffic.spikes[1].multiplier", json!(3))]).expect("an index path");
    assert_ne!(fraud, load("upi-fraud").1);
    let more = set("upi-replication", &[("cluster.brokers", json!(5))]).expect("racks fitted");
    assert_eq!(more.cluster.racks, ["mumbai-a", "mumbai-b", "mumbai-c", "rack-a", "rack-b"]);
    let err = set("upi-lag", &[("topic.partitions", json!(0))]).expect_err("range");
    assert_eq!(err.to_string(), "topic.partitions: must be between 1 and 256 (got 0)");
}

#[test]
fn override_text_parses_numbers_flags_null_and_bare_or_quoted_strings() {
    assert_eq!(parse_override("producer.acks=all"), Ok(("producer.acks".into(), json!("all"))));
    assert_eq!(parse_override("producer.acks=1"), Ok(("producer.acks".into(), json!(1))));
    assert_eq!(parse_override("producer.key_skew=0.75"), Ok(("producer.key_skew".into(), json!(0.75))));
    assert_eq!(parse_override("producer.enable_idempotence=false"), Ok(("producer.enable_idempotence".into(), json!(false))));
    assert_eq!(parse_override("stream.watermark.idle_timeout_ms=null"), Ok(("stream.watermark.idle_timeout_ms".into(), Value::Null)));
    assert_eq!(parse_override("consumer.assignor=cooperative-sticky"), Ok(("consumer.assignor".into(), json!("cooperative-sticky"))));
    assert_eq!(parse_override("topic.name=\"a=b\""), Ok(("topic.name".into(), json!("a=b"))));
    assert_eq!(parse_override("workload.traffic.spikes[0].multiplier=2"), Ok(("workload.traffic.spikes[0].multiplier".into(), json!(2))));
    assert_eq!(parse_override("producer.acks").expect_err("no =").path, "set");
    assert_eq!(parse_override("producer.acks=").expect_err("empty").path, "producer.acks");
    assert_eq!(parse_override("producer.acks=\"all").expect_err("unclosed").path, "producer.acks");
    assert_eq!(parse_override("producer.acks=a\nb").expect_err("control").path, "producer.acks");
    assert!(parse_override("Producer.acks=all").is_err());
    assert!(parse_override(&format!("producer.acks={}", "x".repeat(VALUE_CHARS_MAX + 1))).is_err());
}

#[test]
fn errors_inside_tagged_sections_name_the_override_without_a_position() {
    let err = set("upi-windows", &[("stream.operator.windowing.size_ms", json!(-3))]).expect_err("negative");
    assert_eq!(err.path, "stream.operator.windowing.size_ms");
    assert!(err.message.contains("-3") && !err.message.contains("column"), "{err}");
    let err = set("shop-sessions", &[("workload.scale", json!("bogus"))]).expect_err("no such scale");
    assert_eq!(err.path, "workload.scale");
    assert!(err.message.contains("class") && !err.message.contains("line"), "{err}");
}

#[test]
fn absurd_sizes_are_refused_up_front_naming_the_limit() {
    for (path, value, says) in [
        ("topic.partitions", json!(1_000_000_000u64), "must be between 1 and 256"),
        ("producer.records_per_s", json!(1_000_000_000_000u64), "must be between 1 and 1000000 records/s (got 1000000000000)"),
        ("producer.records_per_s", json!(-5), "must be between 1 and 1000000 records/s (got -5)"),
        ("consumer.count", json!(100_000), "must be between 1 and 16 (got 100000)"),
        ("metrics.sample_interval_ms", json!(99_999_999_999u64), "must be a whole number from 0 to 4294967295 (got 99999999999)"),
    ] {
        let err = set("upi-lag", &[(path, value)]).expect_err(path);
        assert_eq!(err.path, path);
        assert!(err.message.contains(says), "{path}: {err}");
    }
}
