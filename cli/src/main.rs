//! `dhara`: run Dhara's scenarios headless. The same engine runs in the page, so a run here
//! with the same scenario, seed and commands has the same `trace_hash` as in the browser.
//!
//! Exit codes: 0 success; 2 bad input (an unknown scenario, an invalid file, a bad flag),
//! always with a message on stderr that names the field or flag and what is allowed.

mod duration;

use clap::{Parser, Subcommand};
use dhara_engine::kafka::partitioner::{murmur2, partition_for_key};
use dhara_engine::scenario::builtin;
use dhara_engine::sim::trace::TraceEntry;
use dhara_engine::sim::Duration;
use dhara_engine::{InputError, Scenario, Simulation};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dhara", version, about = "Dhara: a streaming-architecture lab (headless runner)")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// List the built-in scenarios, one per line: name, then title.
    Scenarios,
    /// Work with one scenario.
    Scenario {
        #[command(subcommand)]
        action: ScenarioCmd,
    },
    /// Run a scenario headless and print a JSON summary.
    Run {
        /// A built-in scenario name or a path to a scenario JSON file.
        scenario: String,
        /// The seed: same scenario + seed gives the same run (0 to 18446744073709551615).
        #[arg(long)]
        seed: u64,
        /// Simulated time to run, e.g. 500ms, 90s, 10m, 2h, 1d (at most 7d).
        #[arg(long = "for", value_name = "DURATION", value_parser = duration::parse)]
        duration: Duration,
        /// Also write every trace entry as JSON lines to FILE.
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
    },
    /// Answer the questions of the oracle test vectors (see shared/oracles/README.md).
    Oracle {
        #[command(subcommand)]
        kind: OracleCmd,
    },
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// Print a built-in scenario's JSON, to copy and edit.
    Show { name: String },
}

#[derive(Subcommand)]
enum OracleCmd {
    /// Kafka's keyed partitioner for every case of a kafka_partitioner.json-shaped file.
    Partition { file: PathBuf },
}

/// Bad input: reported with its field or flag, exit code 2.
struct Refusal(String);

impl From<InputError> for Refusal {
    fn from(error: InputError) -> Self {
        Refusal(error.to_string())
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Scenarios => {
            for b in builtin::ALL {
                let title = Scenario::from_json(b.json).map(|s| s.title).unwrap_or_default();
                println!("{}\t{}", b.name, title);
            }
            Ok(())
        }
        Cmd::Scenario { action: ScenarioCmd::Show { name } } => show(&name),
        Cmd::Run { scenario, seed, duration, trace } => run(&scenario, seed, duration, trace.as_deref()),
        Cmd::Oracle { kind: OracleCmd::Partition { file } } => oracle_partition(&file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Refusal(message)) => {
            eprintln!("dhara: {message}");
            ExitCode::from(2)
        }
    }
}

fn show(name: &str) -> Result<(), Refusal> {
    builtin::load(name)?;
    let json = builtin::find(name).map(|b| b.json).unwrap_or_default();
    print!("{json}");
    Ok(())
}

/// A built-in name, or else a JSON file.
fn load_scenario(arg: &str) -> Result<Scenario, Refusal> {
    if builtin::find(arg).is_some() {
        return Ok(builtin::load(arg)?);
    }
    let path = Path::new(arg);
    if !path.is_file() {
        let names: Vec<&str> = builtin::ALL.iter().map(|b| b.name).collect();
        return Err(Refusal(format!(
            "SCENARIO: {arg:?} is neither a built-in scenario ({}) nor a readable JSON file",
            names.join(", ")
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Refusal(format!("SCENARIO: cannot read {arg}: {e}")))?;
    Scenario::from_json(&text).map_err(|e| Refusal(format!("{arg}: {e}")))
}

fn run(scenario_arg: &str, seed: u64, duration: Duration, trace: Option<&Path>) -> Result<(), Refusal> {
    let scenario = load_scenario(scenario_arg)?;
    let mut sim = Simulation::new(scenario, seed);
    match trace {
        None => sim.advance(duration),
        Some(path) => write_trace(&mut sim, duration, path)?,
    }
    println!("{}", serde_json::to_string_pretty(&sim.summary()).expect("a summary serializes"));
    Ok(())
}

/// Runs while streaming the trace to `path`, flushing the in-memory ring long before it wraps.
fn write_trace(sim: &mut Simulation, duration: Duration, path: &Path) -> Result<(), Refusal> {
    let file = std::fs::File::create(path).map_err(|e| Refusal(format!("--trace: cannot create {}: {e}", path.display())))?;
    let mut out = BufWriter::new(file);
    let mut written = 0u64;
    let mut failure: Option<std::io::Error> = None;
    let mut flush = |sim: &Simulation, force: bool| {
        let trace = sim.trace();
        if failure.is_some() || (!force && trace.len() - written < 1_024) {
            return;
        }
        for entry in trace.since(written) {
            assert_eq!(entry.seq, written, "trace ring overflowed between flushes");
            if let Err(e) = writeln!(out, "{}", TraceEntry::to_json(entry)) {
                failure = Some(e);
                return;
            }
            written += 1;
        }
    };
    sim.advance_with(duration, |s| flush(s, false));
    flush(sim, true);
    drop(flush);
    let result = failure.map_or_else(|| out.flush(), Err);
    result.map_err(|e| Refusal(format!("--trace: cannot write {}: {e}", path.display())))
}

fn oracle_partition(file: &Path) -> Result<(), Refusal> {
    let where_ = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| Refusal(format!("FILE: cannot read {where_}: {e}")))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| Refusal(format!("{where_}: not JSON: {e}")))?;
    let cases = doc["cases"].as_array().ok_or_else(|| Refusal(format!("{where_}: cases: must be an array")))?;
    let mut answers = Vec::with_capacity(cases.len());
    for (i, case) in cases.iter().enumerate() {
        let key_hex = case["key_hex"].as_str().ok_or_else(|| Refusal(format!("cases[{i}].key_hex: must be a string")))?;
        let key = parse_hex(key_hex).ok_or_else(|| Refusal(format!("cases[{i}].key_hex: must be an even number of hex digits")))?;
        let partitions = case["num_partitions"]
            .as_u64()
            .filter(|n| (1..=i32::MAX as u64).contains(n))
            .ok_or_else(|| Refusal(format!("cases[{i}].num_partitions: must be an integer from 1 to 2147483647")))?;
        answers.push(serde_json::json!({
            "key_hex": key_hex,
            "num_partitions": partitions,
            "murmur2": murmur2(&key),
            "partition": partition_for_key(&key, partitions as u32),
        }));
    }
    println!("{}", serde_json::Value::Array(answers));
    Ok(())
}

fn parse_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok()).collect()
}
