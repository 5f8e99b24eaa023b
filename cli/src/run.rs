//! `dhara run`: one scenario, headless, start to end. A long run (a simulated day at real
//! scale is hundreds of millions of payments) reports its progress on stderr as it goes, so
//! the terminal is never silent for minutes; the summary on stdout is the same either way.

use crate::{apply_scale, load_scenario, Refusal, ScaleArg};
use dhara_engine::command::{parse_schedule, Scheduled};
use dhara_engine::sim::trace::TraceEntry;
use dhara_engine::sim::Duration;
use dhara_engine::timeline::Timeline;
use dhara_engine::view::group_digits;
use dhara_engine::Simulation;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A long run advances in slices of this much simulated time, so progress can be shown
/// between them (slicing never changes a run: the trace hash is the same as in one advance).
const SLICE_MS: u64 = 10_000;
/// At most one progress line per this much wall time.
const PROGRESS_EVERY_MS: u128 = 1_000;

pub fn run(scenario_arg: &str, seed: u64, duration: Duration, files: Files, check: bool, tweaks: Tweaks) -> Result<(), Refusal> {
    let Files { trace, commands } = files;
    let show_progress = tweaks.progress;
    let mut scenario = load_scenario(scenario_arg, &tweaks.set)?;
    if tweaks.architectures && scenario.architectures.is_none() {
        if scenario.workload.is_none() {
            return Err(Refusal(format!("--architectures: scenario {:?} has no workload, so no query to answer (scenarios with one: those with a \"workload\" section, e.g. upi-fraud)", scenario.name)));
        }
        scenario.architectures = Some(Default::default());
    }
    if let Some(scale) = tweaks.scale {
        apply_scale(&mut scenario, scale, "--scale")?;
    }
    let schedule = match commands {
        None => Vec::new(),
        Some(path) => load_schedule(path, duration)?,
    };
    let mut timeline = Timeline::new(scenario, seed).without_snapshots();
    if check {
        // As the swarm does, so a seed it reports replays exactly here.
        timeline.sim_mut().retire_fates_every(dhara_engine::swarm::RETIRE_FATES_EVERY_RECORDS);
    }
    timeline.load_log(schedule).map_err(|e| Refusal(format!("--commands: {e}")))?;
    let mut trace_out = trace.map(TraceOut::create).transpose()?;
    let mut progress = Progress::new(duration, show_progress || std::io::stderr().is_terminal());
    let mut done_us = 0;
    while done_us < duration.as_us() {
        let slice_us = (SLICE_MS * 1_000).min(duration.as_us() - done_us);
        advance(&mut timeline, Duration::from_us(slice_us), trace_out.as_mut(), check)?;
        done_us += slice_us;
        progress.report(done_us, timeline.sim());
    }
    if let Some(out) = trace_out {
        out.finish(timeline.sim())?;
    }
    println!("{}", serde_json::to_string_pretty(&timeline.sim().summary()).expect("a summary serializes"));
    Ok(())
}


/// Runs `by` more simulated time: through the trace file, under every invariant, or plainly.
fn advance(timeline: &mut Timeline, by: Duration, trace_out: Option<&mut TraceOut>, check: bool) -> Result<(), Refusal> {
    // The timeline applies each command at its instant; these run the events in between.
    let replayed = match trace_out {
        Some(out) => timeline.advance_with(by, &mut |sim, until| sim.advance_with(until.since(sim.now()), |s| out.flush(s, false))),
        None if check => timeline.advance_with(by, &mut |sim, until| {
            if let Err(violation) = dhara_engine::swarm::run_checked(sim, until) {
                // Not bad input: the simulation broke a rule. Exit 1, naming it.
                eprintln!("dhara: invariant violated at t={} µs: {violation}", sim.now().as_us());
                std::process::exit(1);
            }
        }),
        None => timeline.advance(by),
    };
    replayed.map_err(|refused| Refusal(format!("--commands: [{}]: {}", refused.index, refused.error)))
}

/// The progress line: simulated time done of the whole, records produced, their rate per
/// wall-clock second and the time left at that rate. Wall time is read here, in the CLI,
/// never by the engine.
struct Progress {
    total: Duration,
    started: Instant,
    last_shown_ms: Option<u128>,
    enabled: bool,
}

impl Progress {
    fn new(total: Duration, enabled: bool) -> Progress {
        Progress { total, started: Instant::now(), last_shown_ms: None, enabled }
    }

    fn report(&mut self, done_us: u64, sim: &Simulation) {
        let last = done_us == self.total.as_us();
        let elapsed_ms = self.started.elapsed().as_millis();
        let due = self.last_shown_ms.is_none_or(|shown| elapsed_ms - shown >= PROGRESS_EVERY_MS);
        if !self.enabled || !(due || last) {
            return;
        }
        self.last_shown_ms = Some(elapsed_ms);
        let produced = sim.summary().produced;
        let wall_s = (elapsed_ms as f64 / 1000.0).max(0.001);
        let share = done_us as f64 / self.total.as_us() as f64;
        let left_s = wall_s * (1.0 - share) / share.max(1e-9);
        eprintln!(
            "dhara: {} of {} simulated ({:.1}%), {} records, {} records per wall s, {}",
            span(done_us / 1_000_000),
            span(self.total.as_us() / 1_000_000),
            share * 100.0,
            group_digits(produced),
            group_digits((produced as f64 / wall_s) as u64),
            if last { format!("done in {}", span(wall_s.round() as u64)) } else { format!("about {} left", span(left_s.round() as u64)) },
        );
    }
}

/// Seconds as a person says them: "45 s", "12 min 5 s", "3 h 20 min".
fn span(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min {} s", secs / 60, secs % 60),
        _ => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
    }
}

fn load_schedule(path: &Path, duration: Duration) -> Result<Vec<Scheduled>, Refusal> {
    let where_ = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| Refusal(format!("--commands: cannot read {where_}: {e}")))?;
    let schedule = parse_schedule(&text).map_err(|e| Refusal(format!("--commands: {where_}: {e}")))?;
    if let Some(late) = schedule.iter().position(|s| Duration::from_ms(s.at_ms) > duration) {
        return Err(Refusal(format!("--commands: {where_}: [{late}].at_ms: is after the end of the run (--for)")));
    }
    Ok(schedule)
}


/// The files `run` writes and reads.
pub struct Files<'a> {
    pub trace: Option<&'a Path>,
    pub commands: Option<&'a Path>,
}

/// What the flags change in the scenario before it runs.
pub struct Tweaks {
    pub scale: Option<ScaleArg>,
    pub architectures: bool,
    /// `--set PATH=VALUE` overrides, applied first.
    pub set: Vec<String>,
    /// Progress on stderr even when it is not a terminal.
    pub progress: bool,
}


/// The trace file, written as the run goes, long before the in-memory ring wraps.
struct TraceOut {
    path: PathBuf,
    out: BufWriter<std::fs::File>,
    written: u64,
    failure: Option<std::io::Error>,
}

impl TraceOut {
    fn create(path: &Path) -> Result<TraceOut, Refusal> {
        let file = std::fs::File::create(path).map_err(|e| Refusal(format!("--trace: cannot create {}: {e}", path.display())))?;
        Ok(TraceOut { path: path.to_path_buf(), out: BufWriter::new(file), written: 0, failure: None })
    }

    fn flush(&mut self, sim: &Simulation, force: bool) {
        let trace = sim.trace();
        if self.failure.is_some() || (!force && trace.len() - self.written < 1_024) {
            return;
        }
        for entry in trace.since(self.written) {
            assert_eq!(entry.seq, self.written, "trace ring overflowed between flushes");
            if let Err(e) = writeln!(self.out, "{}", TraceEntry::to_json(entry)) {
                self.failure = Some(e);
                return;
            }
            self.written += 1;
        }
    }

    fn finish(mut self, sim: &Simulation) -> Result<(), Refusal> {
        self.flush(sim, true);
        let result = self.failure.take().map_or_else(|| self.out.flush(), Err);
        result.map_err(|e| Refusal(format!("--trace: cannot write {}: {e}", self.path.display())))
    }
}

