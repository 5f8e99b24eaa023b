//! The `dhara` command's contract: output shapes, determinism across processes, and exit
//! code 2 with a message naming the field or flag for every kind of bad input.

use std::path::PathBuf;
mod support;

use support::{assert_refused, dhara, stdout_json};


fn temp_file(name: &str, contents: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dhara-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

#[test]
fn scenarios_lists_names_first_one_per_line() {
    let output = dhara(&["scenarios"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let names: Vec<&str> = text.lines().map(|l| l.split('\t').next().unwrap_or_default()).collect();
    assert_eq!(names, ["upi-lag", "upi-steady", "upi-hot-key", "upi-replication", "upi-acks1", "upi-consumer-group", "upi-transactions", "upi-windows", "upi-fraud", "upi-bank-totals", "upi-architectures", "social-trends", "social-hashtag-counts", "shop-sessions", "shop-category-purchases"]);
}

#[test]
fn scenario_show_prints_json_that_runs_as_a_file() {
    let shown = dhara(&["scenario", "show", "upi-steady"]);
    let json = stdout_json(&shown);
    assert_eq!(json["name"], "upi-steady");
    let path = temp_file("steady.json", &String::from_utf8_lossy(&shown.stdout));
    let from_file = stdout_json(&dhara(&["run", path.to_str().expect("utf-8 path"), "--seed", "3", "--for", "5s"]));
    let builtin = stdout_json(&dhara(&["run", "upi-steady", "--seed", "3", "--for", "5s"]));
    assert_eq!(from_file, builtin);
}

#[test]
fn run_prints_the_summary_and_is_deterministic_across_processes() {
    let a = stdout_json(&dhara(&["run", "upi-lag", "--seed", "42", "--for", "20s"]));
    for field in ["seed", "simulated_us", "events", "produced", "consumed", "trace_hash"] {
        assert!(!a[field].is_null(), "summary lacks {field}: {a}");
    }
    assert_eq!(a["seed"], "42");
    assert_eq!(a["simulated_us"], 20_000_000);
    assert_eq!(a, stdout_json(&dhara(&["run", "upi-lag", "--seed", "42", "--for", "20s"])));
    let other = stdout_json(&dhara(&["run", "upi-lag", "--seed", "43", "--for", "20s"]));
    assert_ne!(a["trace_hash"], other["trace_hash"]);
}

#[test]
fn progress_goes_to_stderr_and_leaves_the_run_unchanged() {
    let args = ["run", "upi-fraud", "--seed", "2", "--for", "25s"];
    let plain = dhara(&args);
    let with_progress = dhara(&[&args[..], &["--progress"]].concat());
    assert!(with_progress.status.success());
    // The run advances in slices to report between them; the summary (trace hash included)
    // must be the one a single advance gives.
    assert_eq!(stdout_json(&with_progress), stdout_json(&plain));
    assert!(plain.stderr.is_empty(), "no progress unless asked or on a terminal: {}", String::from_utf8_lossy(&plain.stderr));
    let stderr = String::from_utf8(with_progress.stderr).expect("utf-8");
    let last = stderr.lines().last().expect("a progress line");
    let produced = stdout_json(&plain)["produced"].as_u64().expect("produced");
    let counted = last.strip_prefix("dhara: 25 s of 25 s simulated (100.0%), ").and_then(|rest| rest.split(" records, ").next());
    assert_eq!(counted.map(|n| n.replace(',', "")), Some(produced.to_string()), "{last}");
    assert!(last.contains(" records per wall s, done in "), "{last}");
}

#[test]
fn trace_file_holds_one_json_line_per_entry() {
    let path = std::env::temp_dir().join(format!("dhara-trace-{}.jsonl", std::process::id()));
    let summary = stdout_json(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "30s", "--trace", path.to_str().expect("utf-8")]));
    let text = std::fs::read_to_string(&path).expect("trace written");
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert!(lines.len() > 30_000, "{} lines", lines.len());
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["seq"], i as u64, "dense sequence numbers");
    }
    let count = |kind: &str| lines.iter().filter(|l| l["kind"] == kind).count() as u64;
    // Every acknowledgement the summary counts is in the trace; appends whose ack was still
    // on the wire when the run stopped are the only difference.
    assert_eq!(count("ack"), summary["acked"].as_u64().expect("acked"));
    assert!(count("append") >= count("ack") && count("append") - count("ack") < 50);
    std::fs::remove_file(path).ok();
}

#[test]
fn bad_input_exits_2_and_names_the_problem() {
    assert_refused(&dhara(&["run", "no-such-scenario", "--seed", "1", "--for", "1s"]), "upi-lag");
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "-1", "--for", "1s"]), "--seed");
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "forever"]), "--for");
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "30d"]), "at most 7d");
    assert_refused(&dhara(&["run", "upi-lag", "--for", "1s"]), "--seed");
    assert_refused(&dhara(&["scenario", "show", "nope"]), "upi-steady");
    assert_refused(&dhara(&["frobnicate"]), "frobnicate");
    let trace_dir = std::env::temp_dir().join("dhara-no-such-dir/x/trace.jsonl");
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "1s", "--trace", trace_dir.to_str().expect("utf-8")]), "--trace");
}

#[test]
fn invalid_scenario_files_name_the_field() {
    let not_json = temp_file("broken.json", "{ this is not json");
    assert_refused(&dhara(&["run", not_json.to_str().expect("utf-8"), "--seed", "1", "--for", "1s"]), "broken.json");
    let shown = dhara(&["scenario", "show", "upi-lag"]);
    let mut json: serde_json::Value = stdout_json(&shown);
    json["topic"]["partitions"] = 1_000_000_000.into();
    let absurd = temp_file("absurd.json", &json.to_string());
    assert_refused(&dhara(&["run", absurd.to_str().expect("utf-8"), "--seed", "1", "--for", "1s"]), "topic.partitions: must be between 1 and 256");
    json["topic"]["partitions"] = 6.into();
    json["producer"]["keyz"] = 5.into();
    let typo = temp_file("typo.json", &json.to_string());
    assert_refused(&dhara(&["run", typo.to_str().expect("utf-8"), "--seed", "1", "--for", "1s"]), "unknown field `keyz`");
}

#[test]
fn oracle_partition_answers_every_case_of_the_shared_vectors() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracles/kafka_partitioner.json");
    let answers = stdout_json(&dhara(&["oracle", "partition", file.to_str().expect("utf-8")]));
    let oracle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("oracle readable")).expect("JSON");
    let cases = oracle["cases"].as_array().expect("cases");
    let answers = answers.as_array().expect("array");
    assert_eq!(answers.len(), cases.len());
    for (answer, case) in answers.iter().zip(cases) {
        assert_eq!(answer["key_hex"], case["key_hex"]);
        assert_eq!(answer["murmur2"], case["murmur2"], "{}", case["key_hex"]);
        assert_eq!(answer["partition"], case["partition"], "{}", case["key_hex"]);
    }
    let bad = temp_file("bad-oracle.json", r#"{"cases":[{"key_hex":"zz","num_partitions":3}]}"#);
    assert_refused(&dhara(&["oracle", "partition", bad.to_str().expect("utf-8")]), "cases[0].key_hex");
}

#[test]
fn a_command_log_changes_the_run_reproducibly() {
    let log = temp_file("commands.json", r#"[{"at_ms": 3000, "command": "crash_consumer"}, {"at_ms": 8000, "command": "restart_consumer"}]"#);
    let args = ["run", "upi-steady", "--seed", "5", "--for", "12s", "--commands", log.to_str().expect("utf-8")];
    let with_log = stdout_json(&dhara(&args));
    assert_eq!(with_log, stdout_json(&dhara(&args)));
    let plain = stdout_json(&dhara(&["run", "upi-steady", "--seed", "5", "--for", "12s"]));
    assert_ne!(with_log["trace_hash"], plain["trace_hash"]);
    // Five seconds without a consumer leave a backlog the plain run does not have.
    assert!(with_log["lag_records"].as_u64() > plain["lag_records"].as_u64().map(|l| l + 500), "{with_log} vs {plain}");
}

#[test]
fn bad_command_logs_exit_2_naming_the_entry() {
    let cases = [
        (r#"[{"at_ms": 1000, "command": "restart_consumer"}]"#, "[0]: command: consumer-0 is running"),
        (r#"[{"command": "crash_consumer"}]"#, "[0].at_ms"),
        (r#"[{"at_ms": 1000, "command": "teleport"}]"#, "[0].command"),
        (r#"[{"at_ms": 99000, "command": "crash_consumer"}]"#, "after the end of the run"),
        ("not json", "--commands"),
    ];
    for (i, (log, mentions)) in cases.into_iter().enumerate() {
        let path = temp_file(&format!("bad-commands-{i}.json"), log);
        assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "10s", "--commands", path.to_str().expect("utf-8")]), mentions);
    }
}

#[test]
fn oracle_assign_answers_every_case_of_the_shared_vectors() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracles/assignors.json");
    let answers = stdout_json(&dhara(&["oracle", "assign", file.to_str().expect("utf-8")]));
    let oracle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("oracle readable")).expect("JSON");
    let cases = oracle["cases"].as_array().expect("cases");
    assert_eq!(answers.as_object().map(|a| a.len()), Some(cases.len()));
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let answer = &answers[id];
        for member in case["members"].as_array().expect("members") {
            assert!(answer[member["member_id"].as_str().expect("member_id")].is_object(), "{id}: {answer}");
        }
        if case["assignor"] == "range" || case["assignor"] == "roundrobin" {
            assert_eq!(answer, &case["expected"], "{id}");
        }
    }
}

#[test]
fn oracle_assign_refuses_malformed_files_naming_the_field() {
    let member = r#"{"member_id": "C0", "group_instance_id": null, "topics": ["t0"], "owned": null, "generation": null}"#;
    let case = |assignor: &str, member: &str| format!(r#"{{"cases": [{{"id": "x", "assignor": "{assignor}", "topics": {{"t0": 2}}, "members": [{member}]}}]}}"#);
    let cases = [
        ("no-member-id.json", case("range", &member.replace(r#""member_id": "C0", "#, "")), "cases[0].members[0].member_id"),
        ("bad-generation.json", case("sticky", &member.replace(r#""generation": null"#, r#""generation": "one""#)), "cases[0].members[0].generation"),
        ("bad-assignor.json", case("fair", member), "cases[0].assignor"),
        ("bad-assignor.json", case("fair", member), "cooperative-sticky"),
        ("not-json.json", "{ cases: ".to_string(), "not-json.json"),
    ];
    for (name, contents, mentions) in cases {
        let path = temp_file(name, &contents);
        assert_refused(&dhara(&["oracle", "assign", path.to_str().expect("utf-8")]), mentions);
    }
}

#[test]
fn swarm_prints_a_summary_and_run_can_check_invariants() {
    let summary = stdout_json(&dhara(&["swarm", "--seeds", "2", "--from", "40"]));
    assert_eq!(summary["seeds_run"], 2);
    assert_eq!(summary["first_seed"], 40);
    assert_eq!(summary["violations"], 0);
    assert!(summary["invariants_checked"].as_u64() > Some(10_000), "{summary}");
    assert!(summary["faults_injected"].as_u64() > Some(0), "{summary}");
    assert_refused(&dhara(&["swarm", "--seeds", "0"]), "--seeds");
    let log = temp_file("swarm-commands.json", r#"[{"at_ms": 3000, "command": "crash_broker", "broker": 1}]"#);
    let checked = stdout_json(&dhara(&["run", "upi-replication", "--seed", "2", "--for", "15s", "--commands", log.to_str().expect("utf-8"), "--check-invariants"]));
    let plain = stdout_json(&dhara(&["run", "upi-replication", "--seed", "2", "--for", "15s", "--commands", log.to_str().expect("utf-8")]));
    assert_eq!(checked, plain, "checking changes nothing about the run");
}

#[test]
fn oracle_windows_matches_beam_on_every_scenario_that_ran() {
    use dhara_engine::stream::windower::oracle::canonical_panes;
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracles/windows.json");
    let answers = stdout_json(&dhara(&["oracle", "windows", file.to_str().expect("utf-8")]));
    let mut oracle: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).expect("oracle readable")).expect("JSON");
    let scenarios = oracle["scenarios"].as_array().expect("scenarios");
    assert_eq!(answers.as_object().map(|a| a.len()), Some(scenarios.len()));
    for scenario in scenarios {
        let id = scenario["id"].as_str().expect("id");
        assert!(answers[id]["panes"].is_array(), "{id}: every scenario gets an answer, stalled ones too");
        if !scenario["panes"].is_null() {
            assert_eq!(canonical_panes(&answers[id]["panes"]), canonical_panes(&scenario["panes"]), "{id}");
            assert_eq!(answers[id]["dropped_element_ids"], scenario["dropped_element_ids"], "{id}");
        }
    }
    // Only the inputs are read: without the expected fields the answer is the same.
    for scenario in oracle["scenarios"].as_array_mut().expect("scenarios") {
        let inputs = ["id", "windowing", "trigger", "allowed_lateness", "accumulation", "events"];
        scenario.as_object_mut().expect("object").retain(|name, _| inputs.contains(&name.as_str()));
    }
    let inputs_only = temp_file("windows-inputs-only.json", &oracle.to_string());
    assert_eq!(stdout_json(&dhara(&["oracle", "windows", inputs_only.to_str().expect("utf-8")])), answers);
}

#[test]
fn oracle_windows_refuses_malformed_files_naming_the_field() {
    let scenario = |windowing: &str, trigger: &str, event: &str| {
        format!(
            r#"{{"scenarios": [{{"id": "x", "windowing": {windowing}, "trigger": {trigger}, "allowed_lateness": 0,
                "accumulation": "discarding", "events": [{event}]}}]}}"#
        )
    };
    let (fixed, element) = (r#"{"type": "fixed", "size": 10}"#, r#"{"type": "element", "id": "e0", "ts": 1, "key": "a", "value": 1}"#);
    let cases = [
        ("zero-size.json", scenario(r#"{"type": "fixed", "size": 0}"#, r#""default""#, element), "scenarios[0].windowing.size: must be a positive number of seconds"),
        ("too-fine.json", scenario(r#"{"type": "sliding", "size": 10, "period": 0.000001}"#, r#""default""#, element), "scenarios[0].windowing.period: must be at least size / 1000"),
        ("no-period.json", scenario(r#"{"type": "sliding", "size": 10}"#, r#""default""#, element), "scenarios[0].windowing.period"),
        ("count-zero.json", scenario(fixed, r#"{"type": "repeatedly", "of": {"type": "after_count", "n": 0}}"#, element), "scenarios[0].trigger.of.n"),
        ("unknown-trigger.json", scenario(fixed, r#"{"type": "after_pigs_fly"}"#, element), "scenarios[0].trigger.type: unknown trigger"),
        ("bad-watermark.json", scenario(fixed, r#""default""#, r#"{"type": "watermark", "to": "soon"}"#), "scenarios[0].events[0].to"),
        ("no-key.json", scenario(fixed, r#""default""#, r#"{"type": "element", "id": "e0", "ts": 1, "value": 1}"#), "scenarios[0].events[0].key"),
        ("no-scenarios.json", "{}".to_string(), "scenarios: must be an array"),
        ("not-json.json", "{ scenarios: ".to_string(), "not JSON"),
    ];
    for (name, contents, mentions) in cases {
        let path = temp_file(name, &contents);
        assert_refused(&dhara(&["oracle", "windows", path.to_str().expect("utf-8")]), mentions);
    }
}

#[test]
fn scale_real_runs_a_workload_at_its_real_rate_and_is_refused_without_one() {
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "1s", "--scale", "real"]), "--scale");
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "1s", "--scale", "huge"]), "--scale");
    let show = dhara(&["scenario", "show", "upi-windows"]);
    let mut json: serde_json::Value = serde_json::from_slice(&show.stdout).expect("JSON");
    json["workload"] = serde_json::json!({ "kind": "upi" });
    json["stream"]["pipeline"] = serde_json::json!([{ "op": "extract", "value": "amount_paise" }, { "op": "key_by", "by": "key" }]);
    let file = temp_file("workload.json", &json.to_string());
    let path = file.to_str().expect("utf-8 path");
    let produced = |scale: &str| stdout_json(&dhara(&["run", path, "--seed", "1", "--for", "2s", "--scale", scale]))["produced"].as_u64().expect("produced");
    let (class, real) = (produced("class"), produced("real"));
    // Class scale is the scenario's 400/s; real scale UPI's mean, thousands per second.
    assert!(class < 1_500 && real > 5 * class, "class {class}, real {real}");
}

#[test]
fn architectures_run_beside_a_workload_and_are_refused_without_one() {
    assert_refused(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "1s", "--architectures"]), "--architectures");
    let summary = stdout_json(&dhara(&["run", "social-trends", "--seed", "1", "--for", "20s", "--architectures"]));
    let arch = &summary["architectures"];
    assert!(arch["query"].as_str().expect("the query").contains("hashtag"), "{arch}");
    for name in ["lambda", "kappa", "cqrs"] {
        assert!(arch[name]["measure"]["cpu_s"].as_f64().expect("cpu") > 0.0, "{name}: {arch}");
    }
    let file = temp_file("arch-commands.json", r#"[{"at_ms": 5000, "command": "deploy_v2", "logic": "sampled"}, {"at_ms": 6000, "command": "crash_layer", "layer": "nope"}]"#);
    let refused = dhara(&["run", "upi-architectures", "--seed", "1", "--for", "10s", "--commands", file.to_str().expect("utf-8")]);
    assert_refused(&refused, "layer");
}

#[test]
fn scenario_knobs_lists_each_knob_with_its_range_explanation_and_value() {
    let knobs = stdout_json(&dhara(&["scenario", "knobs", "upi-windows"]));
    let list = knobs.as_array().expect("an array");
    let find = |path: &str| list.iter().find(|k| k["path"] == path).unwrap_or_else(|| panic!("no knob {path}: {knobs}")).clone();
    let acks = find("producer.acks");
    assert_eq!(acks["kind"], "choice");
    assert_eq!(acks["options"], serde_json::json!(["0", "1", "all"]));
    let delay = find("stream.watermark.out_of_orderness_ms");
    assert_eq!((delay["kind"].as_str(), delay["min"].as_i64(), delay["max"].as_i64()), (Some("integer"), Some(0), Some(3_600_000)));
    assert_eq!(delay["unit"], "ms");
    assert!(delay["about"].as_str().is_some_and(|about| about.len() > 20), "{delay}");
    let partitions = find("topic.partitions");
    let after = stdout_json(&dhara(&["scenario", "knobs", "upi-windows", "--set", "topic.partitions=16"]));
    let after = after.as_array().expect("an array").iter().find(|k| k["path"] == "topic.partitions").expect("still there").clone();
    assert_ne!(partitions["value"], after["value"]);
    assert_eq!(after["value"], 16);
    assert_refused(&dhara(&["scenario", "knobs", "nope"]), "upi-lag");
}

#[test]
fn run_set_overrides_knobs_like_an_edited_file() {
    let args = ["--seed", "4", "--for", "10s"];
    let set = stdout_json(&dhara(&[&["run", "upi-lag", "--set", "topic.partitions=3", "--set", "producer.acks=1"][..], &args].concat()));
    let plain = stdout_json(&dhara(&[&["run", "upi-lag"][..], &args].concat()));
    assert_ne!(set["trace_hash"], plain["trace_hash"]);
    let mut edited: serde_json::Value = stdout_json(&dhara(&["scenario", "show", "upi-lag"]));
    edited["topic"]["partitions"] = 3.into();
    edited["producer"]["acks"] = "1".into();
    let path = temp_file("edited.json", &edited.to_string());
    let from_file = stdout_json(&dhara(&[&["run", path.to_str().expect("utf-8 path")][..], &args].concat()));
    assert_eq!(set, from_file, "--set gives the run of the edited document");
}

#[test]
fn bad_overrides_exit_2_naming_the_path() {
    let run = |set: &str| dhara(&["run", "upi-lag", "--seed", "1", "--for", "1s", "--set", set]);
    assert_refused(&run("topic.partitions=0"), "topic.partitions: must be between 1 and 256");
    assert_refused(&run("producer.akcs=1"), "producer.akcs: is not a field of this scenario; its knobs are cluster.brokers");
    assert_refused(&run("producer.acks=maybe"), "producer.acks");
    assert_refused(&run("producer.acks"), "--set: set: expected PATH=VALUE");
    assert_refused(&run("stream.parallelism=2"), "stream.parallelism: is not a field");
    assert_refused(&dhara(&["run", "upi-replication", "--seed", "1", "--for", "1s", "--set", "producer.acks=1"]), "producer.enable_idempotence");
}
