//! Narration: the few moments of a run a learner should hear about (a leader elected, a
//! rebalance, a window fired, an alert raised), each in one plain sentence. The page reads
//! them into an ARIA live region, so someone who cannot see the canvas still follows the
//! story; everything else in the trace (sends, fetches, timers) is too fine-grained to say.

use crate::arch::{NOTE_BATCH_DONE, NOTE_BATCH_STARTED, NOTE_REBUILD_DONE, NOTE_VERSION_SERVING};
use crate::scenario::stream::OperatorSpec;
use crate::sim::trace::TraceEntry;
use crate::sim::TraceKind;
use crate::Simulation;
use serde::Serialize;

/// Lines one call returns at most: a page that polls rarely hears the latest, not a flood.
pub const LINES_MAX: usize = 64;

/// One sentence about one trace entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Line {
    pub seq: u64,
    pub at_ms: u64,
    /// What the sentence is about ("leader", "group", "output", …), so a listener can be
    /// told the latest of each topic rather than every repeat.
    pub topic: &'static str,
    pub text: String,
}

/// What a stream job's results are called, from its operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outputs {
    WindowResults,
    Alerts,
    Trends,
    FunnelSteps,
    JoinedRecords,
}

impl Outputs {
    pub fn of(sim: &Simulation) -> Outputs {
        match sim.scenario().stream.as_ref().map(|s| &s.operator) {
            Some(OperatorSpec::Fraud(_) | OperatorSpec::Burst { .. }) => Outputs::Alerts,
            Some(OperatorSpec::Trends(_)) => Outputs::Trends,
            Some(OperatorSpec::Funnel(_)) => Outputs::FunnelSteps,
            Some(OperatorSpec::JoinWindow { .. } | OperatorSpec::JoinTable { .. }) => Outputs::JoinedRecords,
            _ => Outputs::WindowResults,
        }
    }

    fn sentence(self, task: u64, results: u64) -> String {
        match self {
            Outputs::WindowResults => format!("A window fired: task {task} emitted {results} result{}", plural(results)),
            Outputs::Alerts => format!("Alert raised: task {task} flagged {results} payment{}", plural(results)),
            Outputs::Trends => format!("Trends updated: task {task} emitted {results} ranking{}", plural(results)),
            Outputs::FunnelSteps => format!("Funnel updated: task {task} emitted {results} step count{}", plural(results)),
            Outputs::JoinedRecords => format!("Join output: task {task} emitted {results} joined record{}", plural(results)),
        }
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The sentence for `entry`, if it is one a learner should hear.
pub fn narrate(entry: &TraceEntry, outputs: Outputs) -> Option<Line> {
    let (a, b, c) = (entry.a, entry.b, entry.c);
    let (topic, text) = match entry.kind {
        // Epoch 0 is the cluster's first assignment of leaders, not news.
        TraceKind::LeaderElected if c == 0 => return None,
        TraceKind::LeaderElected if b == u64::MAX => ("leader", format!("Partition {a} is offline: no in-sync replica is left to lead it")),
        TraceKind::LeaderElected => ("leader", format!("Leader elected: broker {b} now leads partition {a} (leader epoch {c})")),
        TraceKind::UncleanElection => ("leader", format!("Unclean election: out-of-sync broker {b} leads partition {a}; records only the old leader had are lost")),
        TraceKind::BrokerFenced => ("broker", format!("Broker {a} missed its heartbeats: the controller fenced it and moves its leaderships")),
        TraceKind::BrokerUnfenced => ("broker", format!("Broker {a} is back: the controller unfenced it")),
        TraceKind::Truncate if c > 0 => ("broker", format!("{} truncated partition {a} to offset {b}, removing {c} record{} the new leader never had", entry.node, plural(c))),
        TraceKind::RebalanceStarted => ("group", format!("Rebalance started with {b} member{}: fetching pauses until every member has rejoined", plural(b))),
        TraceKind::GroupGeneration => ("group", format!("Rebalance done: generation {a} with {b} member{}", plural(b))),
        TraceKind::MemberLeft if b == 1 => ("group", "A consumer missed session.timeout.ms: the coordinator removed it from the group".to_string()),
        TraceKind::JobFailed => ("job", format!("The stream job failed: it restarts from checkpoint {b}")),
        TraceKind::JobRestored => ("job", format!("The stream job restarted from checkpoint {b} (restart {a})")),
        TraceKind::StreamOutput if b > 0 => ("output", outputs.sentence(a, b)),
        TraceKind::Architecture => ("architecture", architecture_sentence(a, b)?),
        _ => return None,
    };
    Some(Line { seq: entry.seq, at_ms: entry.at.as_us() / 1_000, topic, text })
}

fn architecture_sentence(what: u64, number: u64) -> Option<String> {
    Some(match what {
        NOTE_BATCH_STARTED => "Lambda: the batch layer started a run over the master dataset".to_string(),
        NOTE_BATCH_DONE => "Lambda: a batch run finished; the serving layer swaps in the new batch view".to_string(),
        NOTE_VERSION_SERVING => format!("Kappa: version {number} caught up and now serves"),
        NOTE_REBUILD_DONE => "CQRS: the projection was rebuilt from the event log".to_string(),
        _ => return None,
    })
}

/// The notable entries with sequence number ≥ `first_seq` still in memory, the latest
/// `max` of them (at most `LINES_MAX`).
pub fn lines_since(sim: &Simulation, first_seq: u64, max: usize) -> Vec<Line> {
    let outputs = Outputs::of(sim);
    let lines: Vec<Line> = sim.trace().since(first_seq).filter_map(|entry| narrate(entry, outputs)).collect();
    let skip = lines.len().saturating_sub(max.min(LINES_MAX));
    lines.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::builtin;
    use crate::sim::Duration;
    use crate::Command;

    /// Every line the run narrates, collected as it goes (the trace keeps only recent entries).
    fn run(name: &str, commands: &[(u64, Command)], secs: u64) -> Vec<Line> {
        let mut sim = Simulation::new(builtin::load(name).expect("built in"), 7);
        let outputs = Outputs::of(&sim);
        let mut lines = Vec::new();
        let mut next = 0;
        let mut collect = |s: &Simulation| {
            lines.extend(s.trace().since(next).filter_map(|e| narrate(e, outputs)));
            next = s.trace().len();
        };
        for (at_s, command) in commands {
            sim.advance_with(Duration::from_us(at_s * 1_000_000 - sim.now().as_us()), &mut collect);
            sim.apply(command.clone()).expect("accepted");
        }
        sim.advance_with(Duration::from_us(secs * 1_000_000 - sim.now().as_us()), &mut collect);
        lines
    }

    #[test]
    fn a_broker_crash_is_told_as_fencing_then_new_leaders() {
        let lines = run("upi-replication", &[(5, Command::CrashBroker { broker: 0 })], 30);
        let fenced = lines.iter().position(|l| l.text.starts_with("Broker 0 missed its heartbeats")).expect("the fencing is told");
        let elected = lines.iter().position(|l| l.topic == "leader" && l.text.starts_with("Leader elected")).expect("a new leader is told");
        assert!(fenced < elected, "fencing comes before the new leaders: {lines:?}");
        assert!(lines.iter().all(|l| l.at_ms >= 5_000 || l.topic == "group"), "nothing before the crash but the group forming is news: {lines:?}");
    }

    #[test]
    fn a_quiet_run_says_nothing_but_a_stream_job_tells_its_windows() {
        let quiet = run("upi-steady", &[], 20);
        assert!(quiet.iter().all(|l| l.topic == "group"), "no fault, no news but the group forming: {quiet:?}");
        let lines = run("upi-windows", &[], 30);
        assert!(lines.iter().any(|l| l.topic == "output" && l.text.starts_with("A window fired")), "{lines:?}");
        let fraud = run("upi-fraud", &[], 60);
        assert!(fraud.iter().any(|l| l.text.starts_with("Alert raised")), "{fraud:?}");
    }

    #[test]
    fn a_consumer_crash_is_told_as_a_rebalance() {
        let lines = run("upi-consumer-group", &[(10, Command::CrashConsumer { consumer: 0 })], 70);
        assert!(lines.iter().any(|l| l.text.contains("removed it from the group")), "{lines:?}");
        assert!(lines.iter().any(|l| l.text.starts_with("Rebalance done")), "{lines:?}");
    }

    #[test]
    fn a_call_returns_the_latest_lines_up_to_its_bound() {
        let mut sim = Simulation::new(builtin::load("upi-replication").expect("built in"), 7);
        sim.advance(Duration::from_secs(5));
        sim.apply(Command::CrashBroker { broker: 0 }).expect("accepted");
        sim.advance(Duration::from_secs(10));
        let all = lines_since(&sim, 0, LINES_MAX);
        assert!(all.len() > 2, "the crash makes news: {all:?}");
        assert_eq!(lines_since(&sim, 0, 2), all[all.len() - 2..].to_vec());
        assert_eq!(lines_since(&sim, 0, LINES_MAX + 1000).len(), all.len().min(LINES_MAX));
        let after = all[1].seq + 1;
        assert_eq!(lines_since(&sim, after, LINES_MAX), all[2..].to_vec(), "first_seq skips what was told");
    }
}
