//! The network between nodes: each message takes a base latency plus a random jitter to
//! arrive. Like TCP, a link between two nodes never reorders: a message sent later on the
//! same link arrives no earlier than the one before it.

use super::node::NodeId;
use super::rng::SimRng;
use super::time::{Duration, SimTime};
use std::collections::BTreeMap;

/// Latency model of every link, validated at the scenario edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkConfig {
    /// One-way latency every message pays, in microseconds.
    pub latency_us: u64,
    /// Extra uniform random delay in `0..=jitter_us` microseconds.
    pub jitter_us: u64,
}

pub struct Network {
    link: LinkConfig,
    rng: SimRng,
    /// Arrival time of the latest message per (from, to) link, to keep links FIFO.
    last_arrival: BTreeMap<(NodeId, NodeId), SimTime>,
}

impl Network {
    pub fn new(link: LinkConfig, rng: SimRng) -> Self {
        Network { link, rng, last_arrival: BTreeMap::new() }
    }

    /// When a message sent now from `from` to `to` arrives.
    pub fn arrival(&mut self, now: SimTime, from: NodeId, to: NodeId) -> SimTime {
        let jitter = if self.link.jitter_us == 0 { 0 } else { self.rng.below(self.link.jitter_us + 1) };
        let sampled = now + Duration::from_us(self.link.latency_us + jitter);
        let last = self.last_arrival.entry((from, to)).or_insert(SimTime::ZERO);
        let arrival = sampled.max(*last);
        *last = arrival;
        arrival
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_is_within_base_plus_jitter() {
        let link = LinkConfig { latency_us: 1_000, jitter_us: 500 };
        let mut net = Network::new(link, SimRng::stream(1, "net"));
        for step in 0..1_000u64 {
            let now = SimTime::from_us(step * 10_000);
            let delay = net.arrival(now, NodeId::producer(0), NodeId::broker(0)).since(now).as_us();
            assert!((1_000..=1_500).contains(&delay), "delay {delay}");
        }
    }

    #[test]
    fn a_link_never_reorders_messages() {
        let link = LinkConfig { latency_us: 100, jitter_us: 10_000 };
        let mut net = Network::new(link, SimRng::stream(2, "net"));
        let mut last = SimTime::ZERO;
        for step in 0..1_000u64 {
            let arrival = net.arrival(SimTime::from_us(step), NodeId::producer(0), NodeId::broker(0));
            assert!(arrival >= last);
            last = arrival;
        }
    }
}
