//! `dhara bench`'s contract, without timing anything: the report's shape, and that it did the
//! same work as `dhara run` (equal trace hash and counts), so its rates are rates of that run.

mod support;

use support::{assert_refused, dhara, stdout_json};

#[test]
fn bench_json_reports_the_same_run_as_dhara_run() {
    let bench = stdout_json(&dhara(&["bench", "--json", "--seconds", "1"]));
    let run = stdout_json(&dhara(&["run", "upi-fraud", "--seed", "1", "--for", "1s"]));
    assert_eq!(bench["scenario"], "upi-fraud");
    assert_eq!(bench["seed"], "1");
    assert_eq!(bench["simulated_s"], 1);
    assert_eq!(bench["trace_hash"], run["trace_hash"]);
    assert_eq!(bench["page_like"]["trace_hash"], run["trace_hash"], "the page-like run must do the same work");
    assert_eq!(bench["transactions"], run["produced"]);
    assert_eq!(bench["events"], run["events"]);
    assert!(bench["transactions"].as_u64().expect("a count") > 0, "{bench}");
    for rate in ["wall_s", "transactions_per_wall_s", "events_per_wall_s", "simulated_s_per_wall_s"] {
        assert!(bench[rate].as_f64().expect("a number") > 0.0, "{rate}: {bench}");
        assert!(bench["page_like"][rate].as_f64().expect("a number") > 0.0, "page_like.{rate}: {bench}");
    }
    assert_eq!(bench["machine"]["cores"].as_u64().map(|n| n > 0), Some(true), "{bench}");
    assert!(bench["machine"]["cpu_model"].is_string(), "{bench}");
    let date = bench["date"].as_str().expect("a date");
    assert!(date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-' && date.starts_with("20"), "{date}");
    assert!(bench["build"].is_string() && bench["command"].is_string(), "{bench}");
    if cfg!(target_os = "linux") {
        assert!(bench["peak_memory_kib"].as_u64().expect("VmHWM on Linux") > 0, "{bench}");
    }
}

#[test]
fn bench_other_scenario_and_plain_summary() {
    let run = stdout_json(&dhara(&["run", "upi-lag", "--seed", "1", "--for", "2s"]));
    let bench = dhara(&["bench", "--seconds", "2", "--scenario", "upi-lag"]);
    assert!(bench.status.success(), "{}", String::from_utf8_lossy(&bench.stderr));
    let text = String::from_utf8(bench.stdout).expect("utf-8");
    assert!(text.starts_with("dhara bench: upi-lag (seed 1), 2 simulated s"), "{text}");
    assert!(text.contains(run["trace_hash"].as_str().expect("a hash")), "{text}");
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "plain output is not JSON: {text}");
}

#[test]
fn bench_refuses_bad_flags_naming_them() {
    assert_refused(&dhara(&["bench", "--seconds", "0"]), "--seconds");
    assert_refused(&dhara(&["bench", "--seconds", "86401"]), "--seconds");
    assert_refused(&dhara(&["bench", "--seconds", "ten"]), "--seconds");
    assert_refused(&dhara(&["bench", "--scenario", "no-such-scenario"]), "--scenario");
    assert_refused(&dhara(&["bench", "--fast"]), "--fast");
    assert_refused(&dhara(&["bench", "--scale", "huge"]), "--scale");
    assert_refused(&dhara(&["bench", "--scale", "real", "--scenario", "upi-lag"]), "--scale");
}

/// At real scale the bench runs what `dhara run --scale real` runs, and says how much of it
/// the consumer group kept up with.
#[test]
fn bench_at_real_scale_is_dhara_run_at_real_scale() {
    let bench = stdout_json(&dhara(&["bench", "--json", "--seconds", "1", "--scale", "real"]));
    let run = stdout_json(&dhara(&["run", "upi-fraud", "--seed", "1", "--for", "1s", "--scale", "real"]));
    let class = stdout_json(&dhara(&["run", "upi-fraud", "--seed", "1", "--for", "1s"]));
    assert_eq!(bench["scale"], "real");
    assert_eq!(bench["trace_hash"], run["trace_hash"]);
    assert_eq!(bench["transactions"], run["produced"]);
    assert_eq!(bench["consumed"], run["consumed"]);
    assert_eq!(bench["lag_records_at_end"], run["lag_records"]);
    assert!(bench["transactions"].as_u64() > class["produced"].as_u64().map(|n| n * 10), "{bench}");
    assert!(bench["command"].as_str().expect("text").ends_with("--scale real"), "{bench}");
}
