//! The cooperative-sticky assignor (KIP-429): the sticky target, reached in two rebalances
//! instead of one stop-the-world. A partition that must move from a member that still holds
//! it to another is only taken away in this round; the new owner gets it in the next, once
//! the old one has let go. Partitions nobody holds (their owner left) move at once.

use super::sticky::{self, remove_first};
use super::{Group, Strategy, Tp, Universe};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn assign(universe: &Universe, group: &Group) -> Vec<Vec<Tp>> {
    let outcome = sticky::assign(universe, group, Strategy::CooperativeSticky);
    let mut assignment = outcome.assignment;
    let transfers = outcome.transfers.unwrap_or_else(|| transfers(universe, group, &assignment));
    for (tp, to) in transfers {
        remove_first(&mut assignment[to], tp);
    }
    assignment
}

/// Partitions the target gives to a member that did not own them, while a member that did
/// own them (as it reported, conflicts and all) loses them.
fn transfers(universe: &Universe, group: &Group, assignment: &[Vec<Tp>]) -> BTreeMap<Tp, usize> {
    let mut added = BTreeMap::new();
    let mut revoked = BTreeSet::new();
    for (m, (member, assigned)) in group.members.iter().zip(assignment).enumerate() {
        let owned = universe.owned(member);
        added.extend(assigned.iter().filter(|tp| !owned.contains(tp)).map(|&tp| (tp, m)));
        revoked.extend(owned.into_iter().filter(|tp| !assigned.contains(tp)));
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{assign, Strategy};

    #[test]
    fn a_joiner_waits_a_round_for_partitions_that_are_still_held() {
        let round1 = group(
            &[("t0", 6)],
            vec![owning("C0", &["t0"], &[("t0", &[0, 1, 2])], 3), owning("C1", &["t0"], &[("t0", &[3, 4, 5])], 3), owning("C2", &["t0"], &[], -1)],
        );
        let a = assign(Strategy::CooperativeSticky, &round1);
        assert_eq!(got(&a, "C0", "t0"), [0, 1]);
        assert_eq!(got(&a, "C1", "t0"), [3, 4]);
        assert_eq!(got(&a, "C2", "t0"), Vec::<u32>::new());
        let round2 = group(
            &[("t0", 6)],
            vec![owning("C0", &["t0"], &[("t0", &[0, 1])], 4), owning("C1", &["t0"], &[("t0", &[3, 4])], 4), owning("C2", &["t0"], &[], 4)],
        );
        let a = assign(Strategy::CooperativeSticky, &round2);
        assert_eq!(got(&a, "C2", "t0"), [2, 5]);
    }

    #[test]
    fn partitions_of_a_member_that_left_move_at_once() {
        let g = group(&[("t0", 4)], vec![owning("C0", &["t0"], &[("t0", &[0, 1])], 2)]);
        let a = assign(Strategy::CooperativeSticky, &g);
        assert_eq!(got(&a, "C0", "t0"), [0, 1, 2, 3]);
    }
}
