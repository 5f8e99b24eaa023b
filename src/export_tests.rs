use super::*;
use dhara_engine::command::parse_schedule;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::trace::hash_hex;
use dhara_engine::sim::Duration;
use dhara_engine::{Command, Scenario};

fn run(name: &str, seed: u64, ms: u64) -> Simulation {
    let mut sim = Simulation::new(builtin::load(name).expect("a built-in scenario"), seed);
    sim.advance(Duration::from_ms(ms));
    sim
}

fn parse_csv(text: &str) -> Vec<Vec<&str>> {
    assert!(text.ends_with("\r\n"), "every line ends in CRLF");
    text.trim_end_matches("\r\n").split("\r\n").map(|line| line.split(',').collect()).collect()
}

#[test]
fn csv_has_time_then_one_column_per_series_and_one_row_per_sample() {
    let sim = run("upi-lag", 42, 5_500);
    let csv = export_csv(&sim);
    let rows = parse_csv(&csv);
    let header = &rows[0];
    assert_eq!(header[0], "time_s");
    assert_eq!(header[1], "lag_records");
    assert!(header.contains(&"lag_records.p0") && header.contains(&"produced_per_s"));
    assert!(!header.iter().any(|name| name.starts_with("stream_")), "no stream job, no stream columns: {header:?}");
    let lag = sim.series("lag_records").expect("lag series");
    assert_eq!(rows.len() - 1, lag.len(), "one row per sampling instant");
    let times: Vec<&str> = rows[1..].iter().map(|row| row[0]).collect();
    assert_eq!(times, ["1", "2", "3", "4", "5"]);
    for (row, (_, value)) in rows[1..].iter().zip(lag.points()) {
        assert_eq!(row.len(), header.len(), "every row has every column");
        assert_eq!(row[1].parse::<f64>().expect("a plain number"), value);
    }
    // Rates need two samples: the first row leaves them empty rather than writing 0.
    let rate = header.iter().position(|name| *name == "produced_per_s").expect("column");
    assert_eq!(rows[1][rate], "");
    assert!(rows[2][rate].parse::<f64>().expect("a number") > 0.0);
}

#[test]
fn csv_includes_the_stream_jobs_series_when_there_is_one() {
    let sim = run("upi-windows", 9, 3_000);
    let header = export_csv(&sim).lines().next().unwrap_or_default().to_string();
    assert!(header.split(',').any(|name| name == "stream_watermark_lag_ms"), "{header}");
}

#[test]
fn numbers_and_times_are_written_without_locale_or_exponent() {
    assert_eq!(seconds_text(0), "0");
    assert_eq!(seconds_text(1_500_000), "1.5");
    assert_eq!(seconds_text(2_000_001), "2.000001");
    assert_eq!(seconds_text(3_600_000_000), "3600");
    assert_eq!(number_text(0.1), "0.1");
    assert_eq!(number_text(-0.0), "0");
    assert_eq!(number_text(-1.0), "-1");
    assert_eq!(number_text(1234567.25), "1234567.25");
    assert_eq!(number_text(1e21), "1000000000000000000000");
    assert_eq!(number_text(1e-7), "0.0000001");
}

#[test]
fn fields_with_commas_quotes_or_line_breaks_are_quoted_per_rfc_4180() {
    assert_eq!(csv_field("lag_records.p3"), "lag_records.p3");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
}

#[test]
fn json_replays_to_the_same_trace_hash_through_the_cli_format() {
    let mut sim = Simulation::new(builtin::load("upi-steady").expect("built in"), 7);
    sim.advance(Duration::from_ms(3_000));
    sim.apply(Command::CrashConsumer { consumer: 0 }).expect("crash");
    sim.advance(Duration::from_ms(2_500));
    sim.apply(Command::RestartConsumer { consumer: 0 }).expect("restart");
    sim.apply(Command::SetProducerRate { records_per_s: 700 }).expect("rate");
    sim.advance(Duration::from_ms(4_000));
    let doc = export_json(&sim);

    assert_eq!(doc["seed"], "7");
    assert_eq!(doc["now_ms"], 9_500);
    assert_eq!(doc["commands"][0], json!({"at_ms": 3000, "command": "crash_consumer", "consumer": 0}));
    assert_eq!(doc["summary"]["trace_hash"], hash_hex(sim.trace().hash()));
    let lag = doc["series"]["lag_records"].as_array().expect("lag points");
    assert_eq!(lag.len(), 9);
    assert_eq!(lag[0], json!([1.0, sim.series("lag_records").and_then(|s| s.points().next()).map(|(_, v)| v)]));
    let trace = doc["trace"].as_array().expect("trace");
    assert_eq!(trace.len(), sim.trace().since(0).count());
    assert_eq!(trace[0]["seq"], 0);

    // What `dhara run FILE --seed 7 --for 9500ms --commands LOG` does with the export.
    let scenario = Scenario::from_json(&doc["scenario"].to_string()).expect("the exported scenario loads");
    let schedule = parse_schedule(&doc["commands"].to_string()).expect("the exported log parses");
    let seed: u64 = doc["seed"].as_str().and_then(|s| s.parse().ok()).expect("seed");
    let mut replay = Simulation::new(scenario, seed);
    for scheduled in schedule {
        let by = Duration::from_ms(scheduled.at_ms).as_us() - replay.now().as_us();
        replay.advance(Duration::from_us(by));
        replay.apply(scheduled.command).expect("applies");
    }
    replay.advance(Duration::from_us(9_500_000 - replay.now().as_us()));
    assert_eq!(hash_hex(replay.trace().hash()), hash_hex(sim.trace().hash()));
}

#[test]
fn a_command_between_milliseconds_keeps_its_exact_time_and_the_cli_refuses_it_by_name() {
    let mut sim = run("upi-lag", 1, 0);
    sim.advance(Duration::from_us(1_234_567));
    sim.apply(Command::CrashConsumer { consumer: 0 }).expect("crash");
    let doc = export_json(&sim);
    assert_eq!(doc["now_ms"], json!(1234.567));
    assert_eq!(doc["commands"][0]["at_ms"], json!(1234.567));
    let err = parse_schedule(&doc["commands"].to_string()).expect_err("not a whole ms");
    assert_eq!(err.path, "[0].at_ms");
}

#[test]
fn events_csv_has_one_row_per_trace_entry_in_memory_with_named_numbers() {
    let mut sim = run("upi-replication", 3, 2_000);
    sim.apply(Command::CrashBroker { broker: 0 }).expect("accepted");
    sim.advance(Duration::from_secs(12));
    let text = export_events_csv(&sim);
    let rows = parse_csv(&text);
    assert_eq!(rows[0], ["seq", "time_s", "kind", "node", "detail"]);
    let entries: Vec<_> = sim.trace().since(0).collect();
    assert_eq!(rows.len() - 1, entries.len(), "one row per entry held in memory");
    assert_eq!(rows[1][0], entries[0].seq.to_string());
    let elected = rows.iter().find(|row| row[2] == "leader_elected").expect("the crash elects new leaders");
    assert!(elected[4].contains("partition=") && elected[4].contains("leader=") && elected[4].contains("leader_epoch="), "{elected:?}");
    assert!(rows.iter().skip(1).all(|row| row.len() == 5), "every row has five fields");
}
