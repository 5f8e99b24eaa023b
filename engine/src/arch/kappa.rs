//! The Kappa architecture (Jay Kreps): one stream job, no batch layer. Its output is a
//! versioned table. To change the logic, deploy version N+1: it replays the topic from
//! offset 0 into a new table while version N keeps serving; when it has caught up, the
//! serving pointer moves and version N is retired. This only works if the topic still
//! holds the whole history, so a deploy checks retention first.

use super::answer::{Answer, Shape};
use super::reader::TopicAccess;
use super::spec::{ArchSpec, Logic};
use super::stream_layer::{LayerEvent, StreamLayer};
use crate::error::InputError;

/// Versions a run may deploy, so the list of switches stays small.
pub const VERSIONS_MAX: u32 = 1_000;

#[derive(Clone, Debug)]
pub struct Version {
    pub version: u32,
    pub job: StreamLayer,
    pub table: Answer,
    pub deployed_us: u64,
}

impl Version {
    fn new(spec: &ArchSpec, version: u32, partitions: u32, logic: Logic, now_us: u64) -> Version {
        Version { version, job: StreamLayer::new(spec, vec![0; partitions as usize], logic, now_us), table: Answer::default(), deployed_us: now_us }
    }

    fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        let table = &mut self.table;
        // The table was committed with what the job read: records a truncation took away
        // later stay counted, as in any sink that already published them.
        self.job.tick(topic, shape, elapsed_us, now_us, u64::MAX, |event| {
            if let LayerEvent::Row(_, row) = event {
                table.add(row.cell, row.amount);
            }
        });
    }
}

/// A finished replay, for the page and the comparison.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Switch {
    pub version: u32,
    pub at_ms: u64,
    /// From deploy to the serving pointer moving.
    pub replay_ms: u64,
    /// Records the replay read to catch up: the cost of the logic change, with the one
    /// core it held for `replay_ms`.
    pub records_replayed: u64,
    /// Records the replay could not read because retention had removed them.
    pub records_missed: u64,
}

#[derive(Clone, Debug)]
pub struct Kappa {
    pub serving: Version,
    pub replaying: Option<Version>,
    /// The latest switches (at most 100).
    pub switches: Vec<Switch>,
    pub switches_total: u64,
    /// Core time of retired versions, µs.
    retired_cpu_us: u64,
    partitions: u32,
    spec: ArchSpec,
}

impl Kappa {
    pub fn new(spec: &ArchSpec, partitions: u32, now_us: u64) -> Kappa {
        Kappa { serving: Version::new(spec, 1, partitions, Logic::Exact, now_us), replaying: None, switches: Vec::new(), switches_total: 0, retired_cpu_us: 0, partitions, spec: spec.clone() }
    }

    pub fn cpu_us(&self) -> u64 {
        self.retired_cpu_us + self.serving.job.cpu_us + self.replaying.as_ref().map_or(0, |v| v.job.cpu_us)
    }

    /// The tables' size; the topic's retained history, which Kappa relies on, is counted by the caller.
    pub fn tables_bytes(&self) -> u64 {
        self.serving.table.bytes() + self.replaying.as_ref().map_or(0, |v| v.table.bytes())
    }

    /// `deploy_v2`: starts the next version replaying from offset 0. If retention already
    /// removed records, refuses unless `allow_loss`, which replays anyway and counts them.
    pub fn deploy(&mut self, topic: &TopicAccess, logic: Logic, allow_loss: bool, now_us: u64) -> Result<(), InputError> {
        if let Some(v) = &self.replaying {
            return Err(InputError::new("command", format!("v{} is still replaying ({} records behind); wait for it to take over", v.version, v.job.reader.lag_records())));
        }
        let next = self.serving.version + 1;
        if next > VERSIONS_MAX {
            return Err(InputError::new("command", format!("a run deploys at most {VERSIONS_MAX} versions")));
        }
        let missing = topic.missing_below_end().map_err(|p| InputError::new("command", format!("partition {p} has no live leader, so nobody can tell whether its history is complete; deploy once the cluster has recovered")))?;
        if missing > 0 && !allow_loss {
            return Err(InputError::new(
                "allow_loss",
                format!("the topic no longer holds {missing} records (retention or compaction removed them), so a replay from offset 0 would miss them; raise topic.retention_ms or topic.retention_records_max, or deploy with \"allow_loss\": true to replay anyway and count the loss"),
            ));
        }
        self.replaying = Some(Version::new(&self.spec, next, self.partitions, logic, now_us));
        Ok(())
    }

    /// The serving job dies; its table and offsets were committed together, so it resumes
    /// where it was after the restart (exactly once), only later.
    pub fn crash(&mut self, now_us: u64) {
        let positions = self.serving.job.reader.positions().to_vec();
        self.serving.job.crash(positions, now_us, u64::from(self.spec.restart_ms) * 1_000);
    }

    pub fn tick(&mut self, topic: &TopicAccess, shape: &mut Shape, elapsed_us: u64, now_us: u64) {
        self.serving.tick(topic, shape, elapsed_us, now_us);
        let Some(next) = &mut self.replaying else { return };
        next.tick(topic, shape, elapsed_us, now_us);
        let every_partition_led = (0..self.partitions).all(|p| topic.leader(p).is_some());
        if every_partition_led && next.job.reader.lag_records() <= self.spec.switch_lag_records && next.job.reader.reads > 0 {
            let next = self.replaying.take().expect("checked");
            self.switches.push(Switch { version: next.version, at_ms: now_us / 1_000, replay_ms: (now_us - next.deployed_us) / 1_000, records_replayed: next.job.reader.records_read, records_missed: next.job.reader.records_missed });
            self.switches_total += 1;
            if self.switches.len() > 100 {
                self.switches.remove(0);
            }
            let old = std::mem::replace(&mut self.serving, next);
            self.retired_cpu_us += old.job.cpu_us;
        }
    }
}
