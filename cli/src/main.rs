//! `dhara`: run Dhara's scenarios headless. The same engine runs in the page, so a run here
//! with the same scenario, seed and commands has the same `trace_hash` as in the browser.
//!
//! Exit codes: 0 success; 2 bad input (an unknown scenario, an invalid file, a bad flag),
//! always with a message on stderr that names the field or flag and what is allowed.

mod bench;
mod duration;
mod lesson;
mod oracle_windows;
mod run;
mod swarm;

use clap::{Parser, Subcommand};
use dhara_engine::kafka::assignor::{self, input::parse_oracle_cases, Assignment};
use dhara_engine::kafka::partitioner::{murmur2, partition_for_key};
use dhara_engine::scenario::{builtin, knobs};
use dhara_engine::sim::Duration;
use dhara_engine::{InputError, Scenario};
use std::collections::BTreeMap;
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
        /// Apply a command log: a JSON array like [{"at_ms": 5000, "command": "crash_consumer"}].
        #[arg(long, value_name = "FILE")]
        commands: Option<PathBuf>,
        /// Check every invariant after every event; a violation exits 1 naming it.
        #[arg(long, conflicts_with = "trace")]
        check_invariants: bool,
        /// For a scenario with a workload: "class" (its own rate) or "real" (the domain's
        /// real-world rate, e.g. UPI's 650 million payments a day).
        #[arg(long, value_enum)]
        scale: Option<ScaleArg>,
        /// For a scenario with a workload: also run Lambda, Kappa and CQRS on its query
        /// (adds "architectures": {} unless the scenario has that section).
        #[arg(long)]
        architectures: bool,
        /// Override one knob, e.g. --set producer.acks=1 --set topic.partitions=12 (repeatable;
        /// VALUE is a number, true, false, null or text; see `dhara scenario knobs NAME`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Report progress on stderr about once a second (on by default when stderr is a
        /// terminal): simulated time done, records, records per wall s, time left.
        #[arg(long)]
        progress: bool,
    },
    /// Swarm testing: random clusters, workloads and faults, every invariant checked after
    /// every event; prints a JSON summary and, for a violation, how to reproduce it.
    Swarm {
        /// How many seeds to run (1 to 1,000,000).
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        seeds: u64,
        /// The first seed (default 0).
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Where to write each violation's scenario and command log (default ./swarm-failures).
        #[arg(long, value_name = "DIR", default_value = "swarm-failures")]
        out: PathBuf,
    },
    /// Time the engine: run a scenario (default upi-fraud) for a fixed simulated span on seed 1
    /// and report transactions, events and simulated seconds per wall-clock second.
    Bench {
        /// Print one JSON object instead of a short summary.
        #[arg(long)]
        json: bool,
        /// Simulated seconds to run (1 to 86400).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        seconds: u64,
        /// A built-in scenario name or a path to a scenario JSON file.
        #[arg(long, default_value = "upi-fraud")]
        scenario: String,
        /// "class" (the scenario's own rate) or "real" (the domain's real-world rate: UPI's
        /// 650 million payments a day). Default: the scenario as it is.
        #[arg(long, value_enum)]
        scale: Option<ScaleArg>,
    },
    /// Check lessons: parse each (a mistake names the step and field), reach every step and
    /// check its expectations; exit 1 if a claim does not hold.
    Lesson {
        #[command(subcommand)]
        action: LessonCmd,
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
    /// Print the knobs of a scenario (built-in name or JSON file) as JSON: each with its
    /// path, a one-line explanation, the values it takes here and its current value.
    Knobs {
        scenario: String,
        /// List the knobs after these overrides (as `run --set`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
}

#[derive(Subcommand)]
enum LessonCmd {
    /// Check lesson files, or directories of them (e.g. www/lessons).
    Check {
        #[arg(required = true, value_name = "FILE|DIR")]
        files: Vec<PathBuf>,
    },
    /// Print the state a step reaches (the snapshot its expectations read), as JSON.
    State {
        file: PathBuf,
        /// The step, counting from 1.
        step: usize,
    },
}

#[derive(Subcommand)]
enum OracleCmd {
    /// Kafka's keyed partitioner for every case of a kafka_partitioner.json-shaped file.
    Partition { file: PathBuf },
    /// Kafka's consumer partition assignors for every case of an assignors.json-shaped file.
    Assign { file: PathBuf },
    /// Beam-style windows, triggers and panes for every scenario of a windows.json-shaped file.
    Windows { file: PathBuf },
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
        Cmd::Scenario { action: ScenarioCmd::Knobs { scenario, set } } => list_knobs(&scenario, &set),
        Cmd::Run { scenario, seed, duration, trace, commands, check_invariants, scale, architectures, set, progress } => {
            let files = run::Files { trace: trace.as_deref(), commands: commands.as_deref() };
            run::run(&scenario, seed, duration, files, check_invariants, run::Tweaks { scale, architectures, set, progress })
        }
        Cmd::Swarm { seeds, from, out } => swarm::command(seeds, from, &out),
        Cmd::Bench { json, seconds, scenario, scale } => bench::command(json, seconds, &scenario, scale),
        Cmd::Lesson { action } => {
            let outcome = match action {
                LessonCmd::Check { files } => lesson::check(&files),
                LessonCmd::State { file, step } => lesson::state(&file, step),
            };
            match outcome {
                Ok(code) => return code,
                Err(refusal) => Err(refusal),
            }
        }
        Cmd::Oracle { kind: OracleCmd::Partition { file } } => oracle_partition(&file),
        Cmd::Oracle { kind: OracleCmd::Assign { file } } => oracle_assign(&file),
        Cmd::Oracle { kind: OracleCmd::Windows { file } } => oracle_windows::command(&file),
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

fn list_knobs(scenario_arg: &str, set: &[String]) -> Result<(), Refusal> {
    let scenario = load_scenario(scenario_arg, set)?;
    println!("{}", serde_json::to_string_pretty(&knobs::knobs_for(&scenario)).expect("knobs serialize"));
    Ok(())
}

/// A built-in name or a JSON file, with the `--set` overrides applied.
fn load_scenario(arg: &str, set: &[String]) -> Result<Scenario, Refusal> {
    let (text, scenario) = scenario_text(arg)?;
    if set.is_empty() {
        return Ok(scenario);
    }
    let overrides = set.iter().map(|text| knobs::parse_override(text)).collect::<Result<Vec<_>, _>>();
    let overrides = overrides.map_err(|e| Refusal(format!("--set: {e}")))?;
    knobs::apply_overrides(&text, &overrides).map_err(|e| Refusal(format!("--set: {e}")))
}

/// The scenario's JSON text and the scenario it validates to.
fn scenario_text(arg: &str) -> Result<(String, Scenario), Refusal> {
    if let Some(found) = builtin::find(arg) {
        return Ok((found.json.to_string(), builtin::load(arg)?));
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
    let scenario = Scenario::from_json(&text).map_err(|e| Refusal(format!("{arg}: {e}")))?;
    Ok((text, scenario))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ScaleArg {
    Class,
    Real,
}

/// Applies `--scale` to the scenario's workload; `flag` names the flag in the refusal.
fn apply_scale(scenario: &mut Scenario, scale: ScaleArg, flag: &str) -> Result<(), Refusal> {
    let Some(workload) = &mut scenario.workload else {
        return Err(Refusal(format!("{flag}: scenario {:?} has no workload to scale (scenarios with one: those with a \"workload\" section, e.g. upi-fraud)", scenario.name)));
    };
    workload.set_scale(match scale {
        ScaleArg::Class => dhara_engine::workload::Scale::Class,
        ScaleArg::Real => dhara_engine::workload::Scale::Real,
    });
    Ok(())
}

fn read_oracle_file(file: &Path) -> Result<String, Refusal> {
    std::fs::read_to_string(file).map_err(|e| Refusal(format!("FILE: cannot read {}: {e}", file.display())))
}

/// Prints `{"<case id>": {"<member_id>": {"<topic>": [partitions]}}}`.
fn oracle_assign(file: &Path) -> Result<(), Refusal> {
    let text = read_oracle_file(file)?;
    let cases = parse_oracle_cases(&text).map_err(|e| Refusal(format!("{}: {e}", file.display())))?;
    let answers: BTreeMap<&str, Assignment> = cases.iter().map(|c| (c.id.as_str(), assignor::assign(c.strategy, &c.group))).collect();
    println!("{}", serde_json::to_string(&answers).expect("assignments serialize"));
    Ok(())
}

fn oracle_partition(file: &Path) -> Result<(), Refusal> {
    let where_ = file.display();
    let text = read_oracle_file(file)?;
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
