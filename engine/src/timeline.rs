//! Time travel. Because a run is a pure function of (scenario, seed, command log), the past
//! never needs to be stored, only recomputed: a `Timeline` keeps the command log and, every
//! few simulated seconds, a snapshot (a full copy of the simulation). Going back to time t
//! restores the latest snapshot at or before t and replays from there, re-applying logged
//! commands as their instants come. Applying a new command in the past forks: the commands
//! that were logged after it belong to a future that no longer happens, so they are dropped.
//!
//! Every path through a timeline (advance, step, seek, fork) reaches the same state at time
//! T as a straight run from 0 to T with the resulting log, which is what `dhara run
//! --commands` does: the CLI runs through a `Timeline` too, so there is one implementation.

use crate::command::{check_schedule, Command, Scheduled, AT_MS_MAX};
use crate::error::InputError;
use crate::scenario::Scenario;
use crate::sim::{Duration, SimTime};
use crate::simulation::{Simulation, COMMANDS_MAX};
use std::fmt;

/// Snapshots a timeline keeps at most; when full, it keeps every other one and doubles the
/// interval, so a run of any length keeps even coverage in bounded memory.
pub const SNAPSHOTS_MAX: usize = 32;
/// Simulated time between snapshots at the start of a run.
pub const SNAPSHOT_INTERVAL_START: Duration = Duration::from_secs(5);
/// The records the held snapshots had created, summed, at most. A snapshot shares the
/// partition logs, the recent trace and the sealed event queue with the run (`sim::chunked`),
/// but still copies what grows with the records the run has made (the fate ledger's entries,
/// the stream job's keyed state: about 3.5 MB at 60 s on upi-fraud), so a count bound alone
/// would let the 32 snapshots of a long run take gigabytes. Past this budget snapshots thin
/// just as when their count is full: a long run keeps fewer, further apart (none once one
/// alone would exceed it), and a seek replays more instead.
pub const SNAPSHOT_RECORDS_MAX: u64 = 250_000;

/// What a successful `Timeline::apply` did to the future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    /// Logged commands later than the new one that were dropped (0 unless time was rewound).
    pub dropped: usize,
}

/// A logged command the simulation refused when its instant came (only possible for a log
/// loaded from outside: a command accepted once is accepted again on replay). The timeline
/// stops at that instant and drops that entry and every later one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// The entry's index in the command log.
    pub index: usize,
    pub error: InputError,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "commands[{}]: {}", self.index, self.error)
    }
}

impl std::error::Error for Refused {}

impl From<Refused> for InputError {
    fn from(refused: Refused) -> InputError {
        InputError::new(format!("commands[{}].{}", refused.index, refused.error.path), refused.error.message)
    }
}

/// A full copy of the simulation at `at`, a multiple of the snapshot interval, with every
/// event and every logged command up to and including `at` done.
#[derive(Clone)]
struct Snapshot {
    at: SimTime,
    sim: Simulation,
    /// The records the run had created by then: what the snapshot's size grows with.
    records: u64,
}

/// A run with a command log and snapshots, that can go back in time and fork.
pub struct Timeline {
    /// The live state. `sim.commands()` is always a prefix of `log`: the commands applied so
    /// far, so its length is the index of the next logged command to replay.
    sim: Simulation,
    log: Vec<Scheduled>,
    /// Sorted by time.
    snapshots: Vec<Snapshot>,
    snapshot_interval: Duration,
    snapshot_records_max: u64,
    snapshots_on: bool,
    furthest: SimTime,
}

fn plain(sim: &mut Simulation, until: SimTime) {
    sim.advance(until.since(sim.now()));
}

fn instant(at_ms: u64) -> SimTime {
    SimTime::ZERO + Duration::from_ms(at_ms)
}

impl Timeline {
    /// A run of a validated scenario under `seed`, at time zero with an empty log.
    pub fn new(scenario: Scenario, seed: u64) -> Timeline {
        Timeline {
            sim: Simulation::new(scenario, seed),
            log: Vec::new(),
            snapshots: Vec::new(),
            snapshot_interval: SNAPSHOT_INTERVAL_START,
            snapshot_records_max: SNAPSHOT_RECORDS_MAX,
            snapshots_on: true,
            furthest: SimTime::ZERO,
        }
    }

    /// The same without snapshots: for a run that only goes forward (the CLI), where copies
    /// would cost memory and time for nothing.
    pub fn without_snapshots(mut self) -> Timeline {
        self.snapshots_on = false;
        self.snapshots.clear();
        self
    }

    /// The same with another first snapshot interval (at least 1 ms): short intervals let
    /// tests reach the bound and the thinning in a few simulated seconds.
    pub fn with_snapshot_interval(mut self, interval: Duration) -> Timeline {
        assert!(interval >= Duration::from_ms(1), "a snapshot interval is at least 1 ms");
        self.snapshot_interval = interval;
        self
    }

    /// The same with another records budget for the snapshots (see `SNAPSHOT_RECORDS_MAX`).
    pub fn with_snapshot_records_max(mut self, records: u64) -> Timeline {
        self.snapshot_records_max = records;
        self
    }

    /// The live simulation, to read (snapshot, summary, trace, drawing).
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }
    /// The live simulation, for harnesses that tune it (e.g. a stream job keeping results).
    /// Changing its state other than through the timeline breaks replay.
    pub fn sim_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }
    pub fn now_ms(&self) -> f64 {
        self.sim.now().as_us() as f64 / 1_000.0
    }
    /// The latest time this timeline has reached since its future last changed: how far a
    /// scrub bar reaches.
    pub fn furthest_ms(&self) -> f64 {
        self.furthest.max(self.sim.now()).as_us() as f64 / 1_000.0
    }
    /// The command log: applied commands, then (after a seek back) those still to replay.
    pub fn log(&self) -> &[Scheduled] {
        &self.log
    }
    pub fn snapshot_times_ms(&self) -> Vec<f64> {
        self.snapshots.iter().map(|s| s.at.as_us() as f64 / 1_000.0).collect()
    }
    /// The records the held snapshots had created, summed: at most the records budget.
    pub fn snapshot_records(&self) -> u64 {
        self.snapshots.iter().map(|s| s.records).sum()
    }
    /// The current simulated time between snapshots (doubles each time they are thinned).
    pub fn snapshot_interval(&self) -> Duration {
        self.snapshot_interval
    }

    /// Sets the commands a fresh timeline (time 0, nothing run or applied) replays as time
    /// passes, e.g. a log from a shared link. Errors name the entry: `commands[2].at_ms`.
    pub fn load_log(&mut self, log: Vec<Scheduled>) -> Result<(), InputError> {
        if self.sim.now() != SimTime::ZERO || self.sim.events() > 0 || !self.log.is_empty() {
            return Err(InputError::new("commands", "can only be loaded into a fresh run (at time 0, before any event or command)"));
        }
        if log.len() > COMMANDS_MAX {
            return Err(InputError::new("commands", format!("a run accepts at most {COMMANDS_MAX} commands (got {})", log.len())));
        }
        check_schedule(&log).map_err(|e| InputError::new(format!("commands{}", e.path), e.message))?;
        self.log = log;
        Ok(())
    }

    /// Runs `by` of simulated time, replaying logged commands when their instants come.
    pub fn advance(&mut self, by: Duration) -> Result<(), Refused> {
        self.advance_with(by, &mut plain)
    }

    /// `advance`, with `drive(sim, until)` running the events up to and including `until`
    /// between commands: the CLI streams the trace or checks invariants after every event
    /// this way. It must leave the clock at `until`, as `Simulation::advance` does.
    pub fn advance_with(&mut self, by: Duration, drive: &mut impl FnMut(&mut Simulation, SimTime)) -> Result<(), Refused> {
        let until = self.sim.now() + by;
        self.run_to(until, drive)
    }

    /// The state at `at_ms`, backward or forward. Going back, or forward past a snapshot, it
    /// restores the latest snapshot at or before `at_ms` (or starts afresh if there is none);
    /// then it replays up to `at_ms`.
    pub fn seek(&mut self, at_ms: u64) -> Result<(), Refused> {
        let target = instant(at_ms);
        let base = self.snapshots.iter().rev().find(|s| s.at <= target);
        if target < self.sim.now() || base.is_some_and(|s| s.at > self.sim.now()) {
            self.sim = match base {
                Some(snapshot) => snapshot.sim.clone(),
                None => Simulation::new(self.sim.scenario().clone(), self.sim.seed()),
            };
        }
        self.run_to(target, &mut plain)
    }

    /// Processes one thing: the next event, or the next logged command if it is due first.
    /// At an instant the CLI runs every due event before applying the commands logged for
    /// it, so a command goes first only when it is strictly earlier than the next event.
    /// Returns false if nothing is pending.
    pub fn step(&mut self) -> Result<bool, Refused> {
        let event_at = self.sim.next_event_time();
        let command_at = self.log.get(self.sim.commands().len()).map(|s| instant(s.at_ms));
        let command_first = command_at.is_some_and(|c| event_at.is_none_or(|e| c < e));
        let Some(due) = (if command_first { command_at } else { event_at }) else { return Ok(false) };
        // Pass the snapshot instants before it (nothing happens in between).
        if let Some(boundary) = self.last_boundary_before(due) {
            self.run_to(boundary, &mut plain)?;
        }
        if command_first {
            self.sim.advance(due.since(self.sim.now()));
            self.replay_next()?;
        } else {
            self.sim.step();
        }
        self.furthest = self.furthest.max(self.sim.now());
        Ok(true)
    }

    /// Applies `command` now, and forks: logged commands later than now are dropped. If now is
    /// not a whole millisecond, the run first advances to the next one (so the log's `at_ms`
    /// is exact and `dhara run --commands` reproduces the run); that advance stays even when
    /// the command is refused, which then leaves the log as it was.
    pub fn apply(&mut self, command: Command) -> Result<Applied, InputError> {
        let at_ms = self.sim.now().as_us().div_ceil(1_000);
        if at_ms > AT_MS_MAX {
            return Err(InputError::new("command", format!("a command log covers at most {AT_MS_MAX} ms (7 days); this run is past it")));
        }
        self.run_to(instant(at_ms), &mut plain)?;
        let applied = self.sim.commands().len();
        self.sim.apply(command.clone())?;
        let dropped = self.log.len() - applied;
        self.log.truncate(applied);
        self.log.push(Scheduled { at_ms, command });
        self.forget_future();
        // The events the command causes at this very instant, as the CLI runs them before
        // its next command or the end of the run.
        self.sim.advance(Duration::ZERO);
        Ok(Applied { dropped })
    }

    /// Drops the logged commands later than now and the snapshots after now: from here the
    /// future is new. Returns how many commands were dropped.
    pub fn fork(&mut self) -> usize {
        let now = self.sim.now();
        let keep = self.log.partition_point(|s| instant(s.at_ms) <= now);
        let dropped = self.log.len() - keep;
        self.log.truncate(keep);
        self.forget_future();
        dropped
    }

    fn forget_future(&mut self) {
        let now = self.sim.now();
        self.snapshots.retain(|s| s.at <= now);
        self.furthest = now;
    }

    /// Replays logged commands and events up to and including `until`, taking snapshots at
    /// each multiple of the interval on the way.
    fn run_to(&mut self, until: SimTime, drive: &mut impl FnMut(&mut Simulation, SimTime)) -> Result<(), Refused> {
        loop {
            let stop = self.next_boundary().filter(|&b| b < until).unwrap_or(until);
            self.run_segment(stop, drive)?;
            self.capture();
            if stop >= until {
                break;
            }
        }
        self.furthest = self.furthest.max(self.sim.now());
        Ok(())
    }

    /// The CLI's loop: advance to each logged command's instant and apply it, then advance
    /// to `until` (which also runs what the last command caused at its own instant).
    fn run_segment(&mut self, until: SimTime, drive: &mut impl FnMut(&mut Simulation, SimTime)) -> Result<(), Refused> {
        while let Some(next) = self.log.get(self.sim.commands().len()) {
            let at = instant(next.at_ms);
            if at > until {
                break;
            }
            let at = at.max(self.sim.now());
            drive(&mut self.sim, at);
            self.replay_next()?;
        }
        let until = until.max(self.sim.now());
        drive(&mut self.sim, until);
        Ok(())
    }

    /// Applies the next logged command; if the simulation refuses it, drops it and the rest.
    fn replay_next(&mut self) -> Result<(), Refused> {
        let index = self.sim.commands().len();
        if let Err(error) = self.sim.apply(self.log[index].command.clone()) {
            self.log.truncate(index);
            self.forget_future();
            return Err(Refused { index, error });
        }
        Ok(())
    }

    /// The first snapshot instant after now.
    fn next_boundary(&self) -> Option<SimTime> {
        let interval = self.snapshot_interval.as_us();
        self.snapshots_on.then(|| SimTime::from_us((self.sim.now().as_us() / interval + 1) * interval))
    }

    /// The last snapshot instant after now and strictly before `due`, if any.
    fn last_boundary_before(&self, due: SimTime) -> Option<SimTime> {
        let interval = self.snapshot_interval.as_us();
        let last = SimTime::from_us(due.as_us().saturating_sub(1) / interval * interval);
        (self.snapshots_on && last > self.sim.now()).then_some(last)
    }

    /// Keeps a copy of the live state if now is a snapshot instant without one. When the
    /// store is full (by count or by records), every other snapshot goes and the interval
    /// doubles first; the new one is kept only if now is on the coarser grid.
    fn capture(&mut self) {
        let now = self.sim.now();
        if !self.snapshots_on || now == SimTime::ZERO || now.as_us() % self.snapshot_interval.as_us() != 0 {
            return;
        }
        let Err(position) = self.snapshots.binary_search_by_key(&now, |s| s.at) else { return };
        let records = self.sim.fates_counts().created;
        if self.snapshots.len() >= SNAPSHOTS_MAX || self.snapshot_records() + records > self.snapshot_records_max {
            self.snapshot_interval = self.snapshot_interval.saturating_mul(2);
            let interval = self.snapshot_interval.as_us();
            self.snapshots.retain(|s| s.at.as_us() % interval == 0);
            return self.capture();
        }
        self.sim.prepare_to_copy();
        self.snapshots.insert(position, Snapshot { at: now, sim: self.sim.clone(), records });
    }
}
