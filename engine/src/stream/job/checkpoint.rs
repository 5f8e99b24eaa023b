//! The checkpoint coordinator (Flink's CheckpointCoordinator, after Chandy–Lamport): every
//! interval it asks each source to snapshot its offsets and put barrier n into its channels;
//! each keyed task snapshots when barrier n has arrived on all its inputs; when every task
//! has acknowledged, checkpoint n is complete and becomes the point a failure rewinds to.
//! One checkpoint at a time, as with Flink's default max-concurrent-checkpoints of 1.

use super::source::SourceState;
use super::task::TaskState;
use std::collections::VecDeque;

/// Completed checkpoints kept for the page's history.
pub const HISTORY_MAX: usize = 32;

#[derive(Clone, Debug)]
pub struct Completed {
    pub id: u64,
    pub sources: Vec<SourceState>,
    pub tasks: Vec<TaskState>,
    pub size_bytes: u64,
    pub started_at_us: u64,
    pub completed_at_us: u64,
}

#[derive(Clone, Debug)]
struct Pending {
    id: u64,
    started_at_us: u64,
    sources: Vec<SourceState>,
    tasks: Vec<Option<TaskState>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointStat {
    pub id: u64,
    pub duration_us: u64,
    pub size_bytes: u64,
    pub completed_at_us: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Coordinator {
    next_id: u64,
    pending: Option<Pending>,
    latest: Option<Completed>,
    pub history: VecDeque<CheckpointStat>,
    pub completed: u64,
    /// Abandoned: timed out, or cut short by a failure.
    pub abandoned: u64,
}

impl Coordinator {
    pub fn new() -> Coordinator {
        Coordinator { next_id: 1, ..Coordinator::default() }
    }

    /// Starts checkpoint n with the sources' snapshots; `None` if one is still in progress.
    pub fn trigger(&mut self, sources: Vec<SourceState>, tasks: usize, now_us: u64) -> Option<u64> {
        if self.pending.is_some() {
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.pending = Some(Pending { id, started_at_us: now_us, sources, tasks: vec![None; tasks] });
        Some(id)
    }

    pub fn pending(&self) -> Option<u64> {
        self.pending.as_ref().map(|p| p.id)
    }

    /// When checkpoint `id` started, if it is the one in progress.
    pub fn started_at_us(&self, id: u64) -> Option<u64> {
        self.pending.as_ref().filter(|p| p.id == id).map(|p| p.started_at_us)
    }

    /// Task `task` acknowledged checkpoint `id`; returns the checkpoint if it is now complete.
    pub fn acknowledge(&mut self, id: u64, task: u16, state: TaskState, now_us: u64) -> Option<&Completed> {
        let pending = self.pending.as_mut().filter(|p| p.id == id)?;
        pending.tasks[task as usize] = Some(state);
        if pending.tasks.iter().any(Option::is_none) {
            return None;
        }
        let pending = self.pending.take().expect("checked above");
        let tasks: Vec<TaskState> = pending.tasks.into_iter().map(|t| t.expect("all acknowledged")).collect();
        let offsets_bytes: u64 = pending.sources.iter().map(|s| 12 * s.offsets.len() as u64 + 16).sum();
        let size_bytes = offsets_bytes + tasks.iter().map(|t| t.state_bytes).sum::<u64>();
        let stat = CheckpointStat { id, duration_us: now_us - pending.started_at_us, size_bytes, completed_at_us: now_us };
        if self.history.len() == HISTORY_MAX {
            self.history.pop_front();
        }
        self.history.push_back(stat);
        self.completed += 1;
        let completed = Completed { id, sources: pending.sources, tasks, size_bytes, started_at_us: pending.started_at_us, completed_at_us: now_us };
        Some(&*self.latest.insert(completed))
    }

    /// Gives up the checkpoint in progress (timeout or failure); returns its id.
    pub fn abandon(&mut self, id: Option<u64>) -> Option<u64> {
        let pending = self.pending.as_ref()?;
        if id.is_some_and(|id| id != pending.id) {
            return None;
        }
        self.abandoned += 1;
        self.pending.take().map(|p| p.id)
    }

    pub fn latest(&self) -> Option<&Completed> {
        self.latest.as_ref()
    }
}
