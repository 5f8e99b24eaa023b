//! The sticky assignor's fast path, for groups whose members all subscribe to the same topics
//! (Java's `ConstrainedAssignmentBuilder`). Balance is a quota: every member gets `floor` or
//! `ceil` of partitions/members, and only `partitions % members` of them may get the ceiling.
//! Members first keep what they owned up to their quota, then the rest is dealt round-robin.

use super::sticky::{Claims, Outcome};
use super::{id_ranks, Group, Tp, Universe};
use crate::sim::sort::sort_by_key;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

struct Builder<'a> {
    claims: &'a Claims,
    min_quota: usize,
    max_quota: usize,
    /// How many members may end up with `max_quota` (zero when the quotas are equal).
    expected_over_min: usize,
    over_min: usize,
    assignment: Vec<Vec<Tp>>,
    /// Owned partitions a member had to give up, and who gave them up.
    maybe_revoked: BTreeMap<Tp, usize>,
    transfers: BTreeMap<Tp, usize>,
    /// Members below `min_quota`, dealt to in turn.
    under_min: Vec<usize>,
    /// Members at exactly `min_quota` that may still take one more.
    at_min: VecDeque<usize>,
}

pub(super) fn assign(universe: &Universe, group: &Group, order: &[usize], claims: &Claims) -> Outcome {
    let members = group.members.len();
    let total = universe.total();
    let mut builder = Builder {
        claims,
        min_quota: total / members,
        max_quota: total.div_ceil(members),
        expected_over_min: total % members,
        over_min: 0,
        assignment: vec![Vec::new(); members],
        maybe_revoked: BTreeMap::new(),
        transfers: BTreeMap::new(),
        under_min: Vec::new(),
        at_min: VecDeque::new(),
    };
    // Java iterates its HashMap of claims here, so which members get to keep `max_quota`
    // depends on the map order, not on the member ids.
    for &m in order {
        builder.keep_owned(m);
    }
    let kept: BTreeSet<Tp> = crate::sim::sort::collect_set(builder.assignment.iter().flatten().copied());
    let unassigned: Vec<Tp> = universe.all().filter(|tp| !kept.contains(tp)).collect();
    let rank = id_ranks(group);
    sort_by_key(&mut builder.under_min, |&m| rank[m]);
    sort_by_key(builder.at_min.make_contiguous(), |&m| rank[m]);
    builder.deal(&unassigned);
    Outcome { assignment: builder.assignment, transfers: Some(builder.transfers) }
}

impl Builder<'_> {
    /// Keeps a member's owned partitions up to its quota, lowest partition numbers first.
    fn keep_owned(&mut self, m: usize) {
        let mut owned: Vec<Tp> = self.claims.owned[m].clone();
        sort_by_key(&mut owned, |tp| (tp.partition, tp.topic));
        owned.retain(|tp| !self.claims.doubly_claimed.contains(tp));
        let keep = if owned.len() < self.min_quota {
            self.under_min.push(m);
            owned.len()
        } else if owned.len() >= self.max_quota && self.over_min < self.expected_over_min {
            self.over_min += 1;
            if self.over_min == self.expected_over_min {
                // The ceiling is used up: nobody at the floor may grow any more.
                self.at_min.clear();
            }
            self.max_quota
        } else {
            if self.over_min < self.expected_over_min {
                self.at_min.push_back(m);
            }
            self.min_quota
        };
        for &tp in &owned[keep..] {
            self.maybe_revoked.insert(tp, m);
        }
        self.assignment[m].extend_from_slice(&owned[..keep]);
    }

    /// Deals the unassigned partitions: round-robin over the members under the floor, then
    /// one each to members at the floor, in the order they reached it.
    fn deal(&mut self, unassigned: &[Tp]) {
        let mut cursor = 0;
        for &tp in unassigned {
            let m = if cursor < self.under_min.len() {
                cursor += 1;
                self.under_min[cursor - 1]
            } else if !self.under_min.is_empty() {
                cursor = 1;
                self.under_min[0]
            } else if let Some(m) = self.at_min.pop_front() {
                m
            } else {
                // Java throws here; the quotas add up to the partition count, so it cannot.
                break;
            };
            let count = self.give(tp, m);
            if count == self.min_quota && cursor > 0 && self.under_min.get(cursor - 1) == Some(&m) {
                cursor -= 1;
                self.under_min.remove(cursor);
                self.at_min.push_back(m);
            } else if count == self.max_quota {
                self.over_min += 1;
            }
        }
    }

    fn give(&mut self, tp: Tp, m: usize) -> usize {
        let revoked_elsewhere = self.maybe_revoked.get(&tp).is_some_and(|&from| from != m);
        if revoked_elsewhere || self.claims.doubly_claimed.contains(&tp) {
            // Someone else still holds it: a cooperative rebalance must wait a round.
            self.transfers.insert(tp, m);
        }
        self.assignment[m].push(tp);
        self.assignment[m].len()
    }
}
