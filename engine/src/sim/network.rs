//! The network between nodes: each message takes a base latency plus a random jitter to
//! arrive. Like TCP, a link between two nodes never reorders: a message sent later on the
//! same link arrives no earlier than the one before it. Faults change it: a partition cuts
//! every link between two groups of nodes (messages sent across are lost), and a slow node
//! takes longer to hear and be heard.

use super::node::NodeId;
use super::rng::SimRng;
use super::time::{Duration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// Latency model of every link, validated at the scenario edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// One-way latency every message pays, in microseconds.
    pub latency_us: u64,
    /// Extra uniform random delay in `0..=jitter_us` microseconds.
    pub jitter_us: u64,
    /// Bits per microsecond (= Mbit/s) each directed link carries; 0 means unlimited.
    pub bandwidth_mbps: u64,
}

#[derive(Clone)]
pub struct Network {
    link: LinkConfig,
    rng: SimRng,
    /// Arrival time of the latest message per (from, to) link, to keep links FIFO.
    last_arrival: BTreeMap<(NodeId, NodeId), SimTime>,
    /// When each link finishes transmitting what it was already sending.
    busy_until: BTreeMap<(NodeId, NodeId), SimTime>,
    /// Active partitions: no message crosses between the two sides of any of them.
    cuts: Vec<(BTreeSet<NodeId>, BTreeSet<NodeId>)>,
    /// Latency multipliers of slow nodes.
    slow: BTreeMap<NodeId, u32>,
}

impl Network {
    pub fn new(link: LinkConfig, rng: SimRng) -> Self {
        Network { link, rng, last_arrival: BTreeMap::new(), busy_until: BTreeMap::new(), cuts: Vec::new(), slow: BTreeMap::new() }
    }

    /// Cuts every link between `a` and `b` until `heal`.
    pub fn partition(&mut self, a: BTreeSet<NodeId>, b: BTreeSet<NodeId>) {
        self.cuts.push((a, b));
    }

    pub fn heal(&mut self) {
        self.cuts.clear();
    }

    pub fn is_partitioned(&self) -> bool {
        !self.cuts.is_empty()
    }

    /// Makes messages to and from `node` take `factor` times as long (1 restores it).
    pub fn set_slow(&mut self, node: NodeId, factor: u32) {
        if factor <= 1 {
            self.slow.remove(&node);
        } else {
            self.slow.insert(node, factor);
        }
    }

    pub fn can_reach(&self, from: NodeId, to: NodeId) -> bool {
        !self.cuts.iter().any(|(a, b)| (a.contains(&from) && b.contains(&to)) || (b.contains(&from) && a.contains(&to)))
    }

    /// When a message of `bytes` sent now from `from` to `to` arrives; None if a partition
    /// drops it. With a bandwidth limit, a message first waits for the link to finish what
    /// it is sending, then takes bytes × 8 / bandwidth to put on the wire.
    pub fn arrival(&mut self, now: SimTime, from: NodeId, to: NodeId, bytes: u64) -> Option<SimTime> {
        if !self.can_reach(from, to) {
            return None;
        }
        let mut departure = now;
        if self.link.bandwidth_mbps > 0 {
            let transmit_us = (bytes * 8).div_ceil(self.link.bandwidth_mbps);
            let free = self.busy_until.entry((from, to)).or_insert(SimTime::ZERO);
            departure = now.max(*free) + Duration::from_us(transmit_us);
            *free = departure;
        }
        let jitter = if self.link.jitter_us == 0 { 0 } else { self.rng.below(self.link.jitter_us + 1) };
        let factor = u64::from(*self.slow.get(&from).unwrap_or(&1)) * u64::from(*self.slow.get(&to).unwrap_or(&1));
        let sampled = departure + Duration::from_us((self.link.latency_us + jitter).saturating_mul(factor));
        let last = self.last_arrival.entry((from, to)).or_insert(SimTime::ZERO);
        let arrival = sampled.max(*last);
        *last = arrival;
        Some(arrival)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_within_base_plus_jitter() {
        let link = LinkConfig { latency_us: 1_000, jitter_us: 500, bandwidth_mbps: 0 };
        let mut net = Network::new(link, SimRng::stream(1, "net"));
        for step in 0..1_000u64 {
            let now = SimTime::from_us(step * 10_000);
            let delay = net.arrival(now, NodeId::producer(0), NodeId::broker(0), 100).expect("connected").since(now).as_us();
            assert!((1_000..=1_500).contains(&delay), "delay {delay}");
        }
    }

    #[test]
    fn a_link_never_reorders_messages() {
        let link = LinkConfig { latency_us: 100, jitter_us: 10_000, bandwidth_mbps: 0 };
        let mut net = Network::new(link, SimRng::stream(2, "net"));
        let mut last = SimTime::ZERO;
        for step in 0..1_000u64 {
            let arrival = net.arrival(SimTime::from_us(step), NodeId::producer(0), NodeId::broker(0), 100).expect("connected");
            assert!(arrival >= last);
            last = arrival;
        }
    }

    #[test]
    fn a_partition_drops_messages_both_ways_until_healed_and_slow_nodes_lag() {
        let link = LinkConfig { latency_us: 100, jitter_us: 0, bandwidth_mbps: 0 };
        let mut net = Network::new(link, SimRng::stream(3, "net"));
        let (b0, b1, c) = (NodeId::broker(0), NodeId::broker(1), NodeId::controller());
        net.partition([b0].into(), [b1, c].into());
        assert_eq!(net.arrival(SimTime::ZERO, b0, c, 100), None);
        assert_eq!(net.arrival(SimTime::ZERO, b1, b0, 100), None);
        assert!(net.arrival(SimTime::ZERO, b1, c, 100).is_some(), "same side");
        net.heal();
        assert_eq!(net.arrival(SimTime::ZERO, b0, c, 100), Some(SimTime::from_us(100)));
        net.set_slow(b1, 10);
        assert_eq!(net.arrival(SimTime::from_us(1_000), b1, c, 100), Some(SimTime::from_us(2_000)));
        net.set_slow(b1, 1);
        assert_eq!(net.arrival(SimTime::from_us(5_000), b1, c, 100), Some(SimTime::from_us(5_100)));
    }

    #[test]
    fn a_narrow_link_queues_messages_behind_each_other() {
        // 8 Mbit/s: a 1,000-byte message takes 1,000 µs to transmit.
        let link = LinkConfig { latency_us: 100, jitter_us: 0, bandwidth_mbps: 8 };
        let mut net = Network::new(link, SimRng::stream(4, "net"));
        let (a, b) = (NodeId::producer(0), NodeId::broker(0));
        assert_eq!(net.arrival(SimTime::ZERO, a, b, 1_000), Some(SimTime::from_us(1_100)));
        assert_eq!(net.arrival(SimTime::ZERO, a, b, 1_000), Some(SimTime::from_us(2_100)), "waits for the first");
        assert_eq!(net.arrival(SimTime::ZERO, b, a, 1_000), Some(SimTime::from_us(1_100)), "the other direction is free");
        assert_eq!(net.arrival(SimTime::from_us(5_000), a, b, 8), Some(SimTime::from_us(5_108)));
    }
}
