//! `dhara bench`: how fast the engine simulates. A benchmark is an instrument: it runs the
//! same work every time (one scenario, one seed, one simulated span, proved by the trace
//! hash) and divides it by the wall-clock time it took, so a later change can be judged by a
//! number that moved rather than by feel. Only this command reads the wall clock; the engine
//! never does, which is what keeps its runs reproducible.

use crate::{apply_scale, Refusal, ScaleArg};
use dhara_engine::sim::Duration;
use dhara_engine::{Scenario, Timeline};
use serde_json::{json, Value};
use std::time::Instant;

/// The seed every bench run uses: the one the issue quotes (`dhara run upi-fraud --seed 1`).
pub const SEED: u64 = 1;
/// How far the page-like run advances per call: what `Lab.advance` does in the browser
/// bench (scripts/bench.mjs), so native and wasm do the same calls.
pub const PAGE_ADVANCE_MS: u64 = 1_000;
/// The targets, in simulated transactions per wall-clock second on one core.
const TARGET_NATIVE_TX_PER_S: f64 = 3_000_000.0;

/// One timed run: what it did and how long it took.
struct Timed {
    wall_s: f64,
    transactions: u64,
    events: u64,
    simulated_s: f64,
    /// Taken in by the consumer group (the fraud job's sources) and still waiting at the end:
    /// whether the pipeline behind the producer kept up.
    consumed: u64,
    lag_records: u64,
    trace_hash: String,
}

impl Timed {
    fn rates(&self) -> Value {
        json!({
            "wall_s": round(self.wall_s, 4),
            "transactions_per_wall_s": round(self.transactions as f64 / self.wall_s, 0),
            "events_per_wall_s": round(self.events as f64 / self.wall_s, 0),
            "simulated_s_per_wall_s": round(self.simulated_s / self.wall_s, 2),
            "trace_hash": self.trace_hash,
        })
    }
}

pub fn command(json_out: bool, seconds: u64, scenario_arg: &str, scale: Option<ScaleArg>) -> Result<(), Refusal> {
    let mut scenario = crate::load_scenario(scenario_arg, &[]).map_err(|Refusal(m)| Refusal(m.replacen("SCENARIO:", "--scenario:", 1)))?;
    if let Some(scale) = scale {
        apply_scale(&mut scenario, scale, "--scale")?;
    }
    let span = Duration::from_secs(seconds);
    // First the `dhara run` path (no snapshots, one advance): the headline number.
    let cli = timed(Timeline::new(scenario.clone(), SEED).without_snapshots(), span, false)?;
    let peak_after_cli_kib = peak_memory_kib();
    // Then the page's path: snapshots on, one advance and one summary per second, as
    // `Lab.advance` does; the wasm bench makes the same calls, so the ratio compares like work.
    let page = timed(Timeline::new(scenario.clone(), SEED), span, true)?;
    if page.trace_hash != cli.trace_hash {
        return Err(Refusal(format!("bench: the page-like run's trace hash {} differs from the run's {}: not the same work", page.trace_hash, cli.trace_hash)));
    }
    let report = report(&scenario, seconds, scale, &cli, &page, peak_after_cli_kib);
    if json_out {
        println!("{}", serde_json::to_string_pretty(&report).expect("a report serializes"));
    } else {
        print_human(&report);
    }
    Ok(())
}

fn timed(mut timeline: Timeline, span: Duration, page_like: bool) -> Result<Timed, Refusal> {
    let start = Instant::now();
    if page_like {
        for _ in 0..span.as_us() / (PAGE_ADVANCE_MS * 1_000) {
            advance(&mut timeline, Duration::from_ms(PAGE_ADVANCE_MS))?;
            // Lab.advance returns the summary after every call; build it here too.
            std::hint::black_box(timeline.sim().summary());
        }
    } else {
        advance(&mut timeline, span)?;
    }
    let wall_s = start.elapsed().as_secs_f64().max(1e-9);
    let summary = timeline.sim().summary();
    Ok(Timed {
        wall_s,
        transactions: summary.produced,
        events: summary.events,
        simulated_s: summary.simulated_us as f64 / 1e6,
        consumed: summary.consumed,
        lag_records: summary.lag_records,
        trace_hash: summary.trace_hash,
    })
}

fn advance(timeline: &mut Timeline, by: Duration) -> Result<(), Refusal> {
    timeline.advance(by).map_err(|refused| Refusal(format!("bench: the run refused command [{}]: {}", refused.index, refused.error)))
}

fn report(scenario: &Scenario, seconds: u64, scale: Option<ScaleArg>, cli: &Timed, page: &Timed, peak_after_cli_kib: Option<u64>) -> Value {
    let tx_per_s = cli.transactions as f64 / cli.wall_s;
    let scale_name = match scale {
        None => "",
        Some(ScaleArg::Class) => "class",
        Some(ScaleArg::Real) => "real",
    };
    let scale_flag = if scale_name.is_empty() { String::new() } else { format!(" --scale {scale_name}") };
    let mut out = json!({
        "scenario": scenario.name,
        "scale": if scale_name.is_empty() { "as the scenario is" } else { scale_name },
        "seed": SEED.to_string(),
        "simulated_s": seconds,
        "transactions": cli.transactions,
        "events": cli.events,
        "consumed": cli.consumed,
        "lag_records_at_end": cli.lag_records,
        "trace_hash": cli.trace_hash,
        "page_like": page.rates(),
        "peak_memory_kib": peak_after_cli_kib,
        "peak_memory_kib_with_snapshots": peak_memory_kib(),
        "target_native_transactions_per_wall_s": TARGET_NATIVE_TX_PER_S,
        "share_of_native_target": round(tx_per_s / TARGET_NATIVE_TX_PER_S, 5),
        "build": if cfg!(debug_assertions) { "debug (not a measurement: build with --release)" } else { "release" },
        "machine": machine(),
        "date": today_utc(),
        "command": format!("dhara bench --json --seconds {seconds} --scenario {}{scale_flag}", scenario.name),
    });
    if let (Some(object), Value::Object(rates)) = (out.as_object_mut(), cli.rates()) {
        object.extend(rates);
    }
    out
}

fn print_human(report: &Value) {
    let n = |key: &str| report[key].as_f64().unwrap_or(0.0);
    println!("dhara bench: {} (seed {}), {} simulated s, trace {}", report["scenario"].as_str().unwrap_or(""), report["seed"].as_str().unwrap_or(""), report["simulated_s"], report["trace_hash"].as_str().unwrap_or(""));
    println!("  {} transactions and {} events in {:.3} s of wall time", report["transactions"], report["events"], n("wall_s"));
    println!("  the consumer group took in {} of them; {} records were waiting at the end", report["consumed"], report["lag_records_at_end"]);
    println!("  {:.0} transactions/s, {:.0} events/s, {:.2} simulated s per wall s ({:.3}% of the 3,000,000 tx/s target)", n("transactions_per_wall_s"), n("events_per_wall_s"), n("simulated_s_per_wall_s"), n("share_of_native_target") * 100.0);
    let page = &report["page_like"];
    println!("  as the page runs it (snapshots, 1 s advances): {} transactions/s", page["transactions_per_wall_s"]);
    if let Some(kib) = report["peak_memory_kib"].as_u64() {
        println!("  peak memory {:.1} MiB ({:.1} MiB with the page's snapshots)", kib as f64 / 1024.0, report["peak_memory_kib_with_snapshots"].as_f64().unwrap_or(0.0) / 1024.0);
    }
    let machine = &report["machine"];
    println!("  {} cores, {}; {}; {} build", machine["cores"], machine["cpu_model"].as_str().unwrap_or(""), report["date"].as_str().unwrap_or(""), report["build"].as_str().unwrap_or(""));
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}

/// The process's peak resident memory (Linux `VmHWM`), or None where that is not cheap.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, m)| m.trim().to_string());
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "cpu_model": model.unwrap_or_else(|| "unknown".into()),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}

/// Today's date (UTC) as YYYY-MM-DD, from the days since 1970 (the civil-from-days rule:
/// count in 400-year eras of 146,097 days, with years starting in March so leap days fall last).
fn today_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days / 146_097;
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
