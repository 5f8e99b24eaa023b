//! The range assignor (Kafka's default before 3.x's cooperative-sticky): each topic on its
//! own, its partitions cut into consecutive runs, one run per subscriber in member order.
//! The first `partitions % subscribers` members get one extra, on every topic, which is why
//! range can pile up imbalance when a group reads several topics.

use super::{member_info_order, Group, Tp, Universe};

pub(super) fn assign(universe: &Universe, group: &Group) -> Vec<Vec<Tp>> {
    let mut out = vec![Vec::new(); group.members.len()];
    let order = member_info_order(group);
    for topic in 0..universe.names.len() {
        let name = &universe.names[topic];
        let subscribers: Vec<usize> = order.iter().copied().filter(|&m| group.members[m].subscribes(name)).collect();
        let runs = consecutive_runs(universe.counts[topic], subscribers.len() as u32);
        for (&member, run) in subscribers.iter().zip(runs) {
            out[member].extend(run.map(|partition| Tp { topic, partition }));
        }
    }
    out
}

/// Splits `0..partitions` into `members` consecutive runs, the longer runs first.
fn consecutive_runs(partitions: u32, members: u32) -> impl Iterator<Item = std::ops::Range<u32>> {
    let each = partitions.checked_div(members).unwrap_or(0);
    let extra = partitions.checked_rem(members).unwrap_or(0);
    (0..members).map(move |k| {
        let start = k * each + k.min(extra);
        start..start + each + u32::from(k < extra)
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{assign, Strategy};
    use super::*;

    #[test]
    fn runs_are_consecutive_and_the_first_ones_longer() {
        let runs: Vec<_> = consecutive_runs(5, 3).collect();
        assert_eq!(runs, [0..2, 2..4, 4..5]);
        let runs: Vec<_> = consecutive_runs(2, 4).collect();
        assert_eq!(runs, [0..1, 1..2, 2..2, 2..2]);
        assert_eq!(consecutive_runs(7, 0).count(), 0);
    }

    #[test]
    fn each_topic_restarts_at_the_first_member() {
        let g = group(&[("t0", 5), ("t1", 5)], vec![member("C1", &["t0", "t1"]), member("C0", &["t0", "t1"])]);
        let a = assign(Strategy::Range, &g);
        assert_eq!(got(&a, "C0", "t0"), [0, 1, 2]);
        assert_eq!(got(&a, "C0", "t1"), [0, 1, 2]);
        assert_eq!(got(&a, "C1", "t1"), [3, 4]);
    }

    #[test]
    fn member_ids_sort_as_strings_not_numbers() {
        let g = group(&[("t0", 5)], vec![member("consumer-2", &["t0"]), member("consumer-10", &["t0"]), member("consumer-1", &["t0"])]);
        let a = assign(Strategy::Range, &g);
        assert_eq!(got(&a, "consumer-1", "t0"), [0, 1]);
        assert_eq!(got(&a, "consumer-10", "t0"), [2, 3]);
        assert_eq!(got(&a, "consumer-2", "t0"), [4]);
    }
}
