//! The general sticky algorithm's memory of moves (Java's `PartitionMovements`). When the
//! balancer wants to move a partition of some topic from member A to member B, but an earlier
//! step already moved a partition of that topic from B to A, it moves that one back instead:
//! the net effect on balance is the same, and neither member loses what it started with.

use super::java::HashSetOrder;
use super::{Tp, Universe};
use std::collections::BTreeMap;

/// (from, to) member indices.
type Pair = (usize, usize);

#[derive(Default)]
pub(super) struct Movements {
    by_partition: BTreeMap<Tp, Pair>,
    /// topic -> pair -> the partitions of that topic that made that move. Which one comes
    /// back first is the Java `HashSet`'s iteration order, so that is reproduced.
    by_topic: BTreeMap<usize, BTreeMap<Pair, HashSetOrder<Tp>>>,
}

impl Movements {
    fn remove_record(&mut self, tp: Tp) -> Option<Pair> {
        let pair = self.by_partition.remove(&tp)?;
        if let Some(pairs) = self.by_topic.get_mut(&tp.topic) {
            if let Some(set) = pairs.get_mut(&pair) {
                set.remove(tp);
                if set.is_empty() {
                    pairs.remove(&pair);
                }
            }
            if pairs.is_empty() {
                self.by_topic.remove(&tp.topic);
            }
        }
        Some(pair)
    }

    fn add_record(&mut self, universe: &Universe, tp: Tp, pair: Pair) {
        self.by_partition.insert(tp, pair);
        self.by_topic.entry(tp.topic).or_default().entry(pair).or_default().insert(tp, universe.hash(tp));
    }

    /// Records that `tp` moves from `from` to `to`; a partition that goes back where it
    /// started is no longer a move at all.
    pub fn record(&mut self, universe: &Universe, tp: Tp, from: usize, to: usize) {
        match self.remove_record(tp) {
            Some((origin, _)) if origin == to => {}
            Some((origin, _)) => self.add_record(universe, tp, (origin, to)),
            None => self.add_record(universe, tp, (from, to)),
        }
    }

    /// The partition to move when the balancer asks to move `tp` from `from` to `to`: one of
    /// the same topic that earlier went the opposite way, if any, else `tp` itself.
    pub fn partition_to_move(&self, tp: Tp, from: usize, to: usize) -> Tp {
        let Some(pairs) = self.by_topic.get(&tp.topic) else { return tp };
        let origin = self.by_partition.get(&tp).map_or(from, |&(origin, _)| origin);
        pairs.get(&(to, origin)).and_then(HashSetOrder::first).unwrap_or(tp)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn a_reverse_move_brings_back_the_earlier_partition() {
        let g = group(&[("t", 4)], vec![member("A", &["t"]), member("B", &["t"])]);
        let u = Universe::new(&g);
        let tp = |partition| Tp { topic: 0, partition };
        let mut moves = Movements::default();
        assert_eq!(moves.partition_to_move(tp(0), 1, 0), tp(0));
        moves.record(&u, tp(0), 1, 0);
        // Moving p3 from A (0) back to B (1): p0 went B -> A, so p0 goes back instead.
        assert_eq!(moves.partition_to_move(tp(3), 0, 1), tp(0));
        moves.record(&u, tp(0), 0, 1);
        assert!(moves.by_partition.is_empty() && moves.by_topic.is_empty());
    }
}
