//! The sticky assignor's general algorithm (KIP-54, Java's `GeneralAssignmentBuilder`), used
//! when members subscribe to different topics. It keeps every valid claim, hands each free
//! partition to the least-loaded member that may take it, then moves partitions one at a
//! time from heavier to lighter members until no move can improve the balance; if all that
//! moving did not help, it goes back to the assignment it had before balancing.

use super::movements::Movements;
use super::sticky::{remove_first, Claims, Outcome};
use super::{id_ranks, Group, Tp, Universe};
use std::collections::{BTreeMap, BTreeSet};

struct Builder<'a> {
    universe: &'a Universe,
    /// Per member: the topics it may get (Java's `consumer2AllPotentialTopics`).
    topics: Vec<Vec<usize>>,
    /// Per topic: how many members may get it.
    potential: Vec<usize>,
    rank: Vec<usize>,
    current: Vec<Vec<Tp>>,
    owner: BTreeMap<Tp, usize>,
    /// Members still taking part in balancing: those with nothing that could move are set
    /// aside (Java removes them from its maps, and would fail if they were asked about).
    active: Vec<bool>,
    /// Per partition, its owner in an older generation: the first place it may go back to.
    previous: BTreeMap<Tp, usize>,
    movements: Movements,
    revocation_required: bool,
}

pub(super) fn assign(universe: &Universe, group: &Group, order: &[usize], claims: &Claims) -> Outcome {
    let topics: Vec<Vec<usize>> = group.members.iter().map(|m| universe.subscribed(m)).collect();
    let mut potential = vec![0; universe.names.len()];
    topics.iter().flatten().for_each(|&t| potential[t] += 1);
    let mut builder = Builder {
        universe,
        topics,
        potential,
        rank: id_ranks(group),
        current: claims.owned.clone(),
        owner: BTreeMap::new(),
        active: vec![true; group.members.len()],
        previous: previous_owners(universe, group, order, claims),
        movements: Movements::default(),
        revocation_required: false,
    };
    let kept = builder.drop_unsubscribed();
    let sorted_all = builder.sorted_all_partitions();
    let unassigned: Vec<Tp> = sorted_all.iter().copied().filter(|tp| !kept.contains(tp)).collect();
    builder.balance(sorted_all, unassigned);
    Outcome { assignment: builder.current, transfers: None }
}

/// Claims from older generations (Java's `prepopulateCurrentAssignments`): for each
/// partition, the member that held it in the newest generation older than the current one.
/// Ties go to the first member in map order.
fn previous_owners(universe: &Universe, group: &Group, order: &[usize], claims: &Claims) -> BTreeMap<Tp, usize> {
    let mut previous: BTreeMap<Tp, (usize, i32)> = BTreeMap::new();
    for &m in order {
        let generation = claims.generations[m];
        if generation >= claims.max_generation {
            continue;
        }
        for tp in universe.owned(&group.members[m]) {
            let newer = previous.get(&tp).is_none_or(|&(_, g)| generation > g);
            if newer {
                previous.insert(tp, (m, generation));
            }
        }
    }
    crate::sim::sort::collect_map(previous.into_iter().map(|(tp, (m, _))| (tp, m)))
}

impl Builder<'_> {
    fn size(&self, m: usize) -> usize {
        self.current[m].len()
    }

    /// Drops claims on topics the member no longer subscribes to; returns what is kept.
    fn drop_unsubscribed(&mut self) -> BTreeSet<Tp> {
        let mut kept = BTreeSet::new();
        for m in 0..self.current.len() {
            let before = self.current[m].len();
            let topics = &self.topics[m];
            self.current[m].retain(|tp| topics.contains(&tp.topic));
            self.revocation_required |= self.current[m].len() < before;
            for &tp in &self.current[m] {
                kept.insert(tp);
                self.owner.insert(tp, m);
            }
        }
        kept
    }

    /// All partitions, topics with the fewest possible members first.
    fn sorted_all_partitions(&self) -> Vec<Tp> {
        let mut all: Vec<Tp> = self.universe.all().collect();
        crate::sim::sort::sort_by_key(&mut all, |tp| (self.potential[tp.topic], tp.topic, tp.partition));
        all
    }

    /// The least-loaded active member that may take `topic` (Java's first match in
    /// `sortedCurrentSubscriptions`, ordered by load, then member id).
    fn lightest_for(&self, topic: usize) -> Option<usize> {
        (0..self.current.len())
            .filter(|&m| self.active[m] && self.topics[m].contains(&topic))
            .min_by_key(|&m| (self.size(m), self.rank[m]))
    }

    fn max_size(&self, m: usize) -> usize {
        self.topics[m].iter().map(|&t| self.universe.counts[t] as usize).sum()
    }

    fn can_move(&self, m: usize) -> bool {
        self.size(m) < self.max_size(m) || self.current[m].iter().any(|tp| self.potential[tp.topic] >= 2)
    }

    fn balance(&mut self, mut sorted_all: Vec<Tp>, mut unassigned: Vec<Tp>) {
        let initializing = self.current.iter().all(Vec::is_empty);
        for &tp in &unassigned {
            if let Some(m) = self.lightest_for(tp.topic) {
                self.current[m].push(tp);
                self.owner.insert(tp, m);
            }
        }
        // Partitions only one member may have, and members with nothing that could move,
        // sit out the balancing.
        sorted_all.retain(|tp| self.potential[tp.topic] >= 2);
        unassigned.retain(|tp| self.potential[tp.topic] >= 2);
        for m in 0..self.current.len() {
            self.active[m] = self.can_move(m);
        }
        let before = (self.current.clone(), self.owner.clone());
        // Moving the partitions just handed out disturbs nobody's old ones, so that is tried
        // first, unless a dropped subscription forces revocations anyway.
        if !self.revocation_required {
            self.reassign_all(&unassigned);
        }
        let moved = self.reassign_all(&sorted_all);
        // Stickiness wins ties: moves that did not strictly improve the balance are undone.
        // (As in Java, only the full pass's moves trigger the check.)
        if !initializing && moved && self.score(&self.current) >= self.score(&before.0) {
            (self.current, self.owner) = before;
        }
    }

    /// The sum of load differences over all pairs of active members: 0 is perfect balance.
    fn score(&self, assignment: &[Vec<Tp>]) -> usize {
        let sizes: Vec<usize> = (0..assignment.len()).filter(|&m| self.active[m]).map(|m| assignment[m].len()).collect();
        let mut score = 0;
        for (i, a) in sizes.iter().enumerate() {
            score += sizes[i + 1..].iter().map(|b| a.abs_diff(*b)).sum::<usize>();
        }
        score
    }

    /// Java's `performReassignments`: passes over the partitions until a pass changes
    /// nothing, moving a partition whenever its owner has two more than someone who could
    /// take it. Returns whether anything moved.
    fn reassign_all(&mut self, partitions: &[Tp]) -> bool {
        let mut moved = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(&holder) = self.owner.get(&tp) else { continue };
                if let Some(&earlier) = self.previous.get(&tp) {
                    if self.active[earlier] && self.size(holder) > self.size(earlier) + 1 {
                        self.reassign(tp, earlier);
                        modified = true;
                        continue;
                    }
                }
                let lighter = (0..self.current.len())
                    .any(|o| self.active[o] && self.topics[o].contains(&tp.topic) && self.size(holder) > self.size(o) + 1);
                if let (true, Some(to)) = (lighter, self.lightest_for(tp.topic)) {
                    self.reassign(tp, to);
                    modified = true;
                }
            }
            moved |= modified;
            if !modified {
                return moved;
            }
        }
    }

    fn reassign(&mut self, tp: Tp, to: usize) {
        let Some(&holder) = self.owner.get(&tp) else { return };
        let tp = self.movements.partition_to_move(tp, holder, to);
        let Some(&from) = self.owner.get(&tp) else { return };
        self.movements.record(self.universe, tp, from, to);
        remove_first(&mut self.current[from], tp);
        self.current[to].push(tp);
        self.owner.insert(tp, to);
    }

    /// Balanced when loads differ by at most one, or when no member could take a partition
    /// from a member holding two more than it.
    fn is_balanced(&self) -> bool {
        let sizes = (0..self.current.len()).filter(|&m| self.active[m]).map(|m| self.size(m));
        let (Some(min), Some(max)) = (sizes.clone().min(), sizes.max()) else { return true };
        if min + 1 >= max {
            return true;
        }
        // `!=`, not `<`: a partition sent back to an earlier owner that no longer subscribes
        // to its topic can leave that member above its own maximum.
        (0..self.current.len()).filter(|&m| self.active[m] && self.size(m) != self.max_size(m)).all(|m| {
            self.topics[m].iter().flat_map(|&t| self.universe.partitions(t)).all(|tp| match self.owner.get(&tp) {
                Some(&other) if other != m && self.active[other] => self.size(m) + 1 >= self.size(other),
                _ => true,
            })
        })
    }
}
