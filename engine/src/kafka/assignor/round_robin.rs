//! The roundrobin assignor: all partitions of all subscribed topics, sorted by (topic,
//! partition), dealt one at a time around a circle of members like cards. The circle is not
//! restarted per topic, and a member not subscribed to a partition's topic is skipped, so
//! with different subscriptions the deal can end up lopsided.

use super::{member_info_order, Group, Tp, Universe};

pub(super) fn assign(universe: &Universe, group: &Group) -> Vec<Vec<Tp>> {
    let mut out = vec![Vec::new(); group.members.len()];
    let circle = member_info_order(group);
    let mut next = 0;
    for tp in universe.all() {
        let name = &universe.names[tp.topic];
        // The universe only holds topics somebody subscribes to, so this finds someone
        // within one lap; the bound keeps a broken invariant from looping forever.
        let Some(skip) = (0..circle.len()).find(|k| group.members[circle[(next + k) % circle.len()]].subscribes(name)) else {
            continue;
        };
        let member = circle[(next + skip) % circle.len()];
        out[member].push(tp);
        next = (next + skip + 1) % circle.len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{assign, Strategy};

    #[test]
    fn the_circle_carries_on_across_topics() {
        let g = group(&[("t0", 3), ("t1", 3)], vec![member("C0", &["t0", "t1"]), member("C1", &["t0", "t1"])]);
        let a = assign(Strategy::RoundRobin, &g);
        assert_eq!(got(&a, "C0", "t0"), [0, 2]);
        assert_eq!(got(&a, "C0", "t1"), [1]);
        assert_eq!(got(&a, "C1", "t1"), [0, 2]);
    }

    #[test]
    fn members_not_subscribed_are_skipped() {
        // The Javadoc's unbalanced example: C2 ends up with four partitions.
        let g = group(
            &[("t0", 1), ("t1", 2), ("t2", 3)],
            vec![member("C0", &["t0"]), member("C1", &["t0", "t1"]), member("C2", &["t0", "t1", "t2"])],
        );
        let a = assign(Strategy::RoundRobin, &g);
        assert_eq!(got(&a, "C0", "t0"), [0]);
        assert_eq!(got(&a, "C1", "t1"), [0]);
        assert_eq!(got(&a, "C2", "t1"), [1]);
        assert_eq!(got(&a, "C2", "t2"), [0, 1, 2]);
    }

    #[test]
    fn topics_sort_as_strings() {
        let g = group(&[("t10", 2), ("t2", 2), ("t1", 1)], vec![member("C0", &["t1", "t2", "t10"]), member("C1", &["t1", "t2", "t10"])]);
        let a = assign(Strategy::RoundRobin, &g);
        assert_eq!(got(&a, "C0", "t1"), [0]);
        assert_eq!(got(&a, "C1", "t10"), [0]);
        assert_eq!(got(&a, "C0", "t10"), [1]);
        assert_eq!(got(&a, "C1", "t2"), [0]);
    }
}
