//! Consumer-group partition assignment: when a group rebalances, the leader hands every
//! partition of the subscribed topics to exactly one member. Kafka's four client-side
//! strategies (range, roundrobin, sticky, cooperative-sticky) are reproduced here decision
//! for decision, Java quirks included, and checked against `../shared/oracles/assignors.json`.

pub mod input;
pub mod java;

mod constrained;
mod cooperative;
mod general;
mod movements;
mod range;
mod round_robin;
mod sticky;

use crate::sim::sort::sort_by;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The `partition.assignment.strategy`, by the name Kafka gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Strategy {
    #[serde(rename = "range")]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl Strategy {
    pub const NAMES: [&'static str; 4] = ["range", "roundrobin", "sticky", "cooperative-sticky"];
}

/// One member's JoinGroup subscription.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Member {
    pub member_id: String,
    /// `group.instance.id`: set for static members.
    pub group_instance_id: Option<String>,
    /// Subscribed topics. Kafka subscribes to a set, so repeats mean nothing.
    pub topics: Vec<String>,
    /// The partitions the member held before this rebalance, and its generation then.
    /// `None` means it reported nothing (a fresh member).
    pub owned: Option<BTreeMap<String, Vec<u32>>>,
    pub generation: Option<i32>,
}

impl Member {
    fn subscribes(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic)
    }
}

/// What the leader sees: topic metadata (partition counts) and every member's subscription.
/// Member ids are unique within a group (the coordinator makes them so).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub topics: BTreeMap<String, u32>,
    pub members: Vec<Member>,
}

/// member id -> topic -> ascending partitions. Every member is present; a topic appears only
/// when the member got at least one of its partitions.
pub type Assignment = BTreeMap<String, BTreeMap<String, Vec<u32>>>;

/// Assigns the group's partitions with the given strategy.
pub fn assign(strategy: Strategy, group: &Group) -> Assignment {
    let universe = Universe::new(group);
    let per_member = match strategy {
        Strategy::Range => range::assign(&universe, group),
        Strategy::RoundRobin => round_robin::assign(&universe, group),
        Strategy::Sticky => sticky::assign(&universe, group, strategy).assignment,
        Strategy::CooperativeSticky => cooperative::assign(&universe, group),
    };
    universe.to_assignment(group, &per_member)
}

/// A topic partition: the topic is an index into `Universe::names`, which is sorted the way
/// Java sorts strings, so the derived order is Kafka's (topic, partition) order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tp {
    topic: usize,
    partition: u32,
}

/// The topics being assigned: those some member subscribes to and the metadata knows, with at
/// least one partition. This is what Java's `AbstractPartitionAssignor` passes down.
struct Universe {
    names: Vec<String>,
    counts: Vec<u32>,
    name_hashes: Vec<i32>,
    index: BTreeMap<String, usize>,
}

impl Universe {
    fn new(group: &Group) -> Universe {
        let mut names: Vec<String> = group
            .topics
            .iter()
            .filter(|(name, &count)| count > 0 && group.members.iter().any(|m| m.subscribes(name)))
            .map(|(name, _)| name.clone())
            .collect();
        sort_by(&mut names, |a, b| java::cmp_str(a, b));
        let counts = names.iter().map(|n| group.topics.get(n).copied().unwrap_or(0)).collect();
        let name_hashes = names.iter().map(|n| java::string_hash(n)).collect();
        let index = crate::sim::sort::collect_map(names.iter().enumerate().map(|(i, n)| (n.clone(), i)));
        Universe { names, counts, name_hashes, index }
    }

    fn topic(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn partitions(&self, topic: usize) -> impl Iterator<Item = Tp> {
        (0..self.counts[topic]).map(move |partition| Tp { topic, partition })
    }

    /// Every partition, in (topic, partition) order.
    fn all(&self) -> impl Iterator<Item = Tp> + '_ {
        (0..self.names.len()).flat_map(|t| self.partitions(t))
    }

    fn total(&self) -> usize {
        self.counts.iter().map(|&c| c as usize).sum()
    }

    fn hash(&self, tp: Tp) -> i32 {
        java::topic_partition_hash(self.name_hashes[tp.topic], tp.partition)
    }

    /// The member's subscribed topics that are being assigned, each once.
    fn subscribed(&self, member: &Member) -> Vec<usize> {
        let mut topics: Vec<usize> = member.topics.iter().filter_map(|t| self.topic(t)).collect();
        topics.sort_unstable();
        topics.dedup();
        topics
    }

    /// The member's previously owned partitions that still exist. (Java would keep a partition
    /// beyond the topic's count too, but partition counts only grow in Kafka.)
    fn owned(&self, member: &Member) -> Vec<Tp> {
        let Some(owned) = &member.owned else { return Vec::new() };
        let mut list = Vec::new();
        for (name, partitions) in owned {
            if let Some(topic) = self.topic(name) {
                let count = self.counts[topic];
                list.extend(partitions.iter().filter(|&&p| p < count).map(|&partition| Tp { topic, partition }));
            }
        }
        list
    }

    fn to_assignment(&self, group: &Group, per_member: &[Vec<Tp>]) -> Assignment {
        let mut out = Assignment::new();
        for (member, tps) in group.members.iter().zip(per_member) {
            let mut topics: BTreeMap<String, Vec<u32>> = BTreeMap::new();
            for tp in tps {
                topics.entry(self.names[tp.topic].clone()).or_default().push(tp.partition);
            }
            topics.values_mut().for_each(|ps| ps.sort_unstable());
            out.insert(member.member_id.clone(), topics);
        }
        out
    }
}

/// The order Java's leader sees the members in: `subscriptions` is a `HashMap` keyed by
/// member id. Returns indices into `group.members`.
fn map_order(group: &Group) -> Vec<usize> {
    java::hash_map_order(group.members.iter().map(|m| m.member_id.as_str()))
}

/// `MemberInfo`'s order, used by range and roundrobin: static members first by instance id,
/// then dynamic members by member id. The sort is stable over the map order, as Java's is.
fn member_info_order(group: &Group) -> Vec<usize> {
    let mut order = map_order(group);
    sort_by(&mut order, |&a, &b| {
        let (a, b) = (&group.members[a], &group.members[b]);
        match (&a.group_instance_id, &b.group_instance_id) {
            (Some(x), Some(y)) => java::cmp_str(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => java::cmp_str(&a.member_id, &b.member_id),
        }
    });
    order
}

/// Each member's place when member ids are sorted as Java strings.
fn id_ranks(group: &Group) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..group.members.len()).collect();
    sort_by(&mut sorted, |&a, &b| java::cmp_str(&group.members[a].member_id, &group.members[b].member_id));
    let mut rank = vec![0; sorted.len()];
    for (place, &member) in sorted.iter().enumerate() {
        rank[member] = place;
    }
    rank
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// A dynamic member subscribed to `topics`, owning nothing.
    pub fn member(id: &str, topics: &[&str]) -> Member {
        Member { member_id: id.into(), topics: topics.iter().map(|t| t.to_string()).collect(), ..Member::default() }
    }

    /// A dynamic member that held `owned` in `generation`.
    pub fn owning(id: &str, topics: &[&str], owned: &[(&str, &[u32])], generation: i32) -> Member {
        let mut m = member(id, topics);
        m.owned = Some(owned.iter().map(|&(t, ps)| (t.to_string(), ps.to_vec())).collect());
        m.generation = Some(generation);
        m
    }

    pub fn group(topics: &[(&str, u32)], members: Vec<Member>) -> Group {
        Group { topics: topics.iter().map(|&(t, n)| (t.to_string(), n)).collect(), members }
    }

    /// The partitions of `topic` that `member` got.
    pub fn got(assignment: &Assignment, member: &str, topic: &str) -> Vec<u32> {
        assignment.get(member).and_then(|t| t.get(topic)).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn static_members_come_first_by_instance_id() {
        let mut members = vec![member("a-dyn", &["t"]), member("z-static", &["t"]), member("b-static", &["t"])];
        members[1].group_instance_id = Some("inst-1".into());
        members[2].group_instance_id = Some("inst-2".into());
        let g = group(&[("t", 3)], members);
        let order: Vec<&str> = member_info_order(&g).iter().map(|&i| g.members[i].member_id.as_str()).collect();
        assert_eq!(order, ["z-static", "b-static", "a-dyn"]);
    }

    #[test]
    fn universe_holds_only_subscribed_existing_topics_in_java_order() {
        let g = group(&[("\u{FF01}", 1), ("\u{1F600}", 1), ("unused", 4), ("empty", 0)], vec![member("m", &["\u{FF01}", "\u{1F600}", "empty", "ghost"])]);
        let u = Universe::new(&g);
        assert_eq!(u.names, ["\u{1F600}", "\u{FF01}"]);
    }

    #[test]
    fn every_member_is_present_even_with_nothing() {
        let g = group(&[("t", 1)], vec![member("a", &["t"]), member("b", &["t"])]);
        for strategy in [Strategy::Range, Strategy::RoundRobin, Strategy::Sticky, Strategy::CooperativeSticky] {
            let a = assign(strategy, &g);
            assert_eq!(a.len(), 2, "{strategy:?}");
            assert_eq!(a["b"], BTreeMap::new(), "{strategy:?}");
        }
    }
}
