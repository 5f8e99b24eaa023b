//! Node identities. Every participant in the simulated cluster (a producer, a broker, a
//! consumer) has a stable id; messages travel between ids and the trace records them.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Producer,
    Broker,
    Consumer,
    Controller,
    /// A keyed task of the stream job (source tasks are their consumers).
    Task,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId {
    pub kind: NodeKind,
    pub index: u16,
}

impl NodeId {
    pub const fn producer(index: u16) -> Self {
        NodeId { kind: NodeKind::Producer, index }
    }
    pub const fn broker(index: u16) -> Self {
        NodeId { kind: NodeKind::Broker, index }
    }
    pub const fn consumer(index: u16) -> Self {
        NodeId { kind: NodeKind::Consumer, index }
    }
    pub const fn task(index: u16) -> Self {
        NodeId { kind: NodeKind::Task, index }
    }
    /// The (single, active) controller.
    pub const fn controller() -> Self {
        NodeId { kind: NodeKind::Controller, index: 0 }
    }

    /// A compact, stable encoding for the trace hash: kind in the high 16 bits.
    pub fn code(self) -> u32 {
        let kind = match self.kind {
            NodeKind::Producer => 1u32,
            NodeKind::Broker => 2,
            NodeKind::Consumer => 3,
            NodeKind::Controller => 4,
            NodeKind::Task => 5,
        };
        (kind << 16) | u32::from(self.index)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            NodeKind::Producer => "producer",
            NodeKind::Broker => "broker",
            NodeKind::Consumer => "consumer",
            NodeKind::Controller => "controller",
            NodeKind::Task => "task",
        };
        write!(f, "{kind}-{}", self.index)
    }
}

impl std::str::FromStr for NodeId {
    type Err = String;

    /// Parses `producer-0`, `broker-2`, `consumer-0` or `controller`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "controller" || text == "controller-0" {
            return Ok(NodeId::controller());
        }
        let bad = || format!("{text:?} is not a node name; use producer-0, broker-N, consumer-0 or controller");
        let (kind, index) = text.rsplit_once('-').ok_or_else(bad)?;
        let index: u16 = index.parse().map_err(|_| bad())?;
        match kind {
            "producer" => Ok(NodeId::producer(index)),
            "broker" => Ok(NodeId::broker(index)),
            "consumer" => Ok(NodeId::consumer(index)),
            _ => Err(bad()),
        }
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_distinct_and_stable() {
        assert_eq!(NodeId::broker(2).to_string(), "broker-2");
        assert_eq!(NodeId::producer(0).code(), 0x1_0000);
        assert_ne!(NodeId::broker(0).code(), NodeId::consumer(0).code());
    }

    #[test]
    fn names_parse_back() {
        for node in [NodeId::producer(0), NodeId::broker(7), NodeId::consumer(0), NodeId::controller()] {
            assert_eq!(node.to_string().parse::<NodeId>(), Ok(node));
        }
        assert_eq!("controller".parse::<NodeId>(), Ok(NodeId::controller()));
        assert!("broker".parse::<NodeId>().is_err());
        assert!("bakery-1".parse::<NodeId>().is_err());
        assert!("broker-x".parse::<NodeId>().is_err());
    }
}
