//! The sticky assignor (Java's `AbstractStickyAssignor`): as balanced as roundrobin, but a
//! member keeps as much of what it held as balance allows, so a rebalance moves few
//! partitions. First the members' claims are reconciled (a newer generation beats an older
//! one; two claims from the same generation cancel), then one of two algorithms runs: a fast
//! quota-filling one when everyone subscribes to the same topics, the original search otherwise.

use super::{constrained, general, map_order, Group, Member, Strategy, Tp, Universe};
use std::collections::{BTreeMap, BTreeSet};

/// Java's `DEFAULT_GENERATION`: a member that has never been assigned anything.
pub(super) const NO_GENERATION: i32 = -1;

/// What the assignment algorithms return.
pub(super) struct Outcome {
    /// Per member (indexed like `group.members`).
    pub assignment: Vec<Vec<Tp>>,
    /// Partitions given to a member other than the one that still claims them. The
    /// constrained algorithm records these as it goes; the general one leaves it to the
    /// cooperative assignor to work out (`None`).
    pub transfers: Option<BTreeMap<Tp, usize>>,
}

/// The previous owners, reconciled.
pub(super) struct Claims {
    /// Per member: the partitions it keeps a valid claim to.
    pub owned: Vec<Vec<Tp>>,
    /// Partitions claimed by two members of the same generation: nobody keeps them.
    pub doubly_claimed: BTreeSet<Tp>,
    /// Per member: the generation its claim was made in.
    pub generations: Vec<i32>,
    pub max_generation: i32,
    /// Whether everyone subscribes to the same topics (which picks the algorithm).
    pub same_subscriptions: bool,
}

pub(super) fn assign(universe: &Universe, group: &Group, strategy: Strategy) -> Outcome {
    if group.members.is_empty() {
        return Outcome { assignment: Vec::new(), transfers: None };
    }
    let order = map_order(group);
    let claims = reconcile(universe, group, &order, strategy);
    if claims.same_subscriptions {
        constrained::assign(universe, group, &order, &claims)
    } else {
        general::assign(universe, group, &order, &claims)
    }
}

/// The generation a member's claim carries. The eager sticky assignor reads it from the
/// user data, which a member sends only once it has been assigned something; the
/// cooperative one from the subscription itself.
fn claim_generation(member: &Member, strategy: Strategy) -> i32 {
    if strategy == Strategy::Sticky && member.owned.is_none() {
        return NO_GENERATION;
    }
    member.generation.unwrap_or(NO_GENERATION)
}

/// Java's `allSubscriptionsEqual`, which also settles conflicting claims, in map order. A
/// rival's generation is read from its subscription (`generationId`), not its user data.
fn reconcile(universe: &Universe, group: &Group, order: &[usize], strategy: Strategy) -> Claims {
    let n = group.members.len();
    let mut claims = Claims {
        owned: vec![Vec::new(); n],
        doubly_claimed: BTreeSet::new(),
        generations: group.members.iter().map(|m| claim_generation(m, strategy)).collect(),
        max_generation: NO_GENERATION,
        same_subscriptions: true,
    };
    let mut first_topics: BTreeSet<&str> = BTreeSet::new();
    let mut claimed_by: BTreeMap<Tp, usize> = BTreeMap::new();
    for &m in order {
        let member = &group.members[m];
        let topics: BTreeSet<&str> = crate::sim::sort::collect_set(member.topics.iter().map(String::as_str));
        // Java compares against the first non-empty subscription it met, so a member
        // subscribed to nothing does not count as different. Kept, to give Java's answer.
        if first_topics.is_empty() {
            first_topics = topics;
        } else if topics != first_topics {
            claims.same_subscriptions = false;
        }
        let generation = claims.generations[m];
        claims.max_generation = claims.max_generation.max(generation);
        for tp in universe.owned(member) {
            let Some(&rival) = claimed_by.get(&tp) else {
                claims.owned[m].push(tp);
                claimed_by.insert(tp, m);
                continue;
            };
            let rival_generation = group.members[rival].generation.unwrap_or(NO_GENERATION);
            if generation < rival_generation {
                continue;
            }
            if generation == rival_generation {
                claims.doubly_claimed.insert(tp);
            } else {
                claims.owned[m].push(tp);
            }
            remove_first(&mut claims.owned[rival], tp);
            claimed_by.insert(tp, m);
        }
    }
    claims
}

/// `List.remove(Object)`: the first occurrence only.
pub(super) fn remove_first(list: &mut Vec<Tp>, tp: Tp) {
    if let Some(at) = list.iter().position(|&x| x == tp) {
        list.remove(at);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{assign as assign_all, Strategy};
    use super::*;

    #[test]
    fn the_newer_generation_wins_a_conflicting_claim() {
        let g = group(&[("t", 4)], vec![owning("A", &["t"], &[("t", &[0, 1])], 3), owning("B", &["t"], &[("t", &[1])], 2)]);
        let u = Universe::new(&g);
        let claims = reconcile(&u, &g, &map_order(&g), Strategy::Sticky);
        assert_eq!(claims.owned[0].len(), 2);
        assert!(claims.owned[1].is_empty());
        assert!(claims.doubly_claimed.is_empty());
    }

    #[test]
    fn same_generation_claims_cancel() {
        let g = group(&[("t", 4)], vec![owning("A", &["t"], &[("t", &[0, 1])], 2), owning("B", &["t"], &[("t", &[1])], 2)]);
        let u = Universe::new(&g);
        let claims = reconcile(&u, &g, &map_order(&g), Strategy::Sticky);
        assert_eq!(claims.owned[0], [Tp { topic: 0, partition: 0 }]);
        assert!(claims.owned[1].is_empty());
        assert!(claims.doubly_claimed.contains(&Tp { topic: 0, partition: 1 }));
    }

    #[test]
    fn a_member_keeps_what_it_owned_when_balance_allows() {
        let g = group(&[("t", 6)], vec![owning("C0", &["t"], &[("t", &[0, 1])], 2), owning("C2", &["t"], &[("t", &[4, 5])], 2)]);
        let a = assign_all(Strategy::Sticky, &g);
        assert_eq!(got(&a, "C0", "t"), [0, 1, 2]);
        assert_eq!(got(&a, "C2", "t"), [3, 4, 5]);
    }
}
