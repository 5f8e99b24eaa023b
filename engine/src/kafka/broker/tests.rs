use super::*;
use crate::kafka::log::Record;
use crate::kafka::protocol::{Acks, PartitionState, ProduceError, RecordBatch};

const PRODUCER: NodeId = NodeId::producer(0);
const CONSUMER: NodeId = NodeId::consumer(0);

fn config(min_insync_replicas: u32) -> BrokerConfig {
    let replication = ReplicationConfig {
        replica_lag_time_max_us: 30_000_000,
        replica_fetch_wait_max_us: 500_000,
        replica_socket_timeout_us: 30_000_000,
        min_insync_replicas,
        replica_fetch_records_max: 1_000,
        retention_records_max: 1_000,
    };
    let cleaner = CleanerConfig { backoff_us: 15_000_000, compact: false, retention_us: None, delete_retention_us: 0, segment_records: 1_000 };
    BrokerConfig { replication, heartbeat_interval_us: 2_000_000, cleaner }
}

fn lead(broker: &mut Broker, partition: u32, isr: Vec<u16>) {
    let state = PartitionState { partition, replicas: isr.clone(), leader: Some(broker.id()), leader_epoch: 1, isr };
    broker.on_message(NodeId::controller(), Msg::PartitionChange { state }, SimTime::ZERO, &mut Outbox::default());
}

fn produce(broker: &mut Broker, partition: u32, record_id: u64, acks: Acks) -> Outbox {
    let record = Record { record_id, key_id: 1, timestamp_us: 0, value_bytes: 10, payload: crate::workload::Payload::None };
    let batch = RecordBatch { records: vec![record], producer: None, wire_bytes: 100, transactional: false };
    let mut out = Outbox::default();
    broker.on_message(PRODUCER, Msg::Produce { request_id: record_id, partition, batch, acks }, SimTime::ZERO, &mut out);
    out
}

fn responses(out: &Outbox) -> Vec<Result<u64, ProduceError>> {
    out.sends.iter().filter_map(|(_, m)| if let Msg::ProduceResponse { result, .. } = m { Some(*result) } else { None }).collect()
}

#[test]
fn a_sole_leader_commits_at_once() {
    let mut broker = Broker::new(0, [0, 1], config(1));
    lead(&mut broker, 1, vec![0]);
    produce(&mut broker, 1, 0, Acks::All);
    let out = produce(&mut broker, 1, 1, Acks::All);
    assert_eq!(responses(&out), [Ok(1)]);
    assert_eq!(broker.replica(1).map(Replica::high_watermark), Some(2));
}

#[test]
fn acks_all_waits_for_the_isr_and_acks_1_does_not() {
    let mut broker = Broker::new(0, [0], config(2));
    lead(&mut broker, 0, vec![0, 1]);
    assert!(responses(&produce(&mut broker, 0, 0, Acks::All)).is_empty(), "waits for the follower");
    assert_eq!(responses(&produce(&mut broker, 0, 1, Acks::Leader)), [Ok(1)]);
    assert!(responses(&produce(&mut broker, 0, 2, Acks::None)).is_empty());
    // The follower fetches from offset 3: it has everything, so the HW reaches 3.
    let mut out = Outbox::default();
    let fetch = Msg::ReplicaFetch { partition: 0, leader_epoch: 1, fetch_offset: 3, last_fetched_epoch: Some(1) };
    broker.on_message(NodeId::broker(1), fetch, SimTime::ZERO, &mut out);
    assert_eq!(responses(&out), [Ok(0)]);
    assert_eq!(broker.replica(0).map(Replica::high_watermark), Some(3));
}

#[test]
fn acks_all_is_refused_when_the_isr_is_below_min_insync_replicas() {
    let mut broker = Broker::new(0, [0], config(2));
    lead(&mut broker, 0, vec![0]);
    assert_eq!(responses(&produce(&mut broker, 0, 0, Acks::All)), [Err(ProduceError::NotEnoughReplicas)]);
    assert_eq!(broker.replica(0).map(|r| r.log.log_end_offset()), Some(0), "nothing was written");
    assert_eq!(responses(&produce(&mut broker, 0, 1, Acks::Leader)), [Ok(0)], "acks=1 ignores min.insync.replicas");
}

#[test]
fn consumers_only_see_committed_records() {
    let mut broker = Broker::new(0, [0], config(1));
    lead(&mut broker, 0, vec![0, 1]);
    produce(&mut broker, 0, 0, Acks::Leader);
    let mut out = Outbox::default();
    let fetch = Msg::Fetch { fetch_id: 1, positions: vec![(0, 0)], max_records: 10, min_bytes: 1, max_wait_us: 500_000, read_committed: false };
    broker.on_message(CONSUMER, fetch, SimTime::ZERO, &mut out);
    assert!(out.sends.is_empty(), "uncommitted: the fetch is parked");
    // The follower catches up; the HW passes the record and the parked fetch is answered.
    let mut out = Outbox::default();
    let replica_fetch = Msg::ReplicaFetch { partition: 0, leader_epoch: 1, fetch_offset: 1, last_fetched_epoch: Some(1) };
    broker.on_message(NodeId::broker(1), replica_fetch, SimTime::ZERO, &mut out);
    let answered = out.sends.iter().any(|(to, m)| *to == CONSUMER && matches!(m, Msg::FetchResponse { records, .. } if records.len() == 1));
    assert!(answered, "{:?}", out.sends);
}

#[test]
fn fetch_min_bytes_holds_a_fetch_until_enough_is_ready_or_the_wait_ends() {
    let mut broker = Broker::new(0, [0], config(1));
    lead(&mut broker, 0, vec![0]);
    produce(&mut broker, 0, 0, Acks::All);
    let mut out = Outbox::default();
    let fetch = Msg::Fetch { fetch_id: 1, positions: vec![(0, 0)], max_records: 10, min_bytes: 50, max_wait_us: 500_000, read_committed: false };
    broker.on_message(CONSUMER, fetch, SimTime::ZERO, &mut out);
    assert!(out.sends.is_empty(), "one 10-byte record is less than 50 bytes: parked");
    let out = produce(&mut broker, 0, 1, Acks::All);
    let answered = out.sends.iter().any(|(to, m)| *to == CONSUMER && matches!(m, Msg::FetchResponse { records, .. } if records.len() == 2));
    assert!(answered, "two records are enough: {:?}", out.sends);
    let mut out = Outbox::default();
    let fetch = Msg::Fetch { fetch_id: 2, positions: vec![(0, 1)], max_records: 10, min_bytes: 500, max_wait_us: 500_000, read_committed: false };
    broker.on_message(CONSUMER, fetch, SimTime::ZERO, &mut out);
    assert!(out.sends.is_empty());
    let mut out = Outbox::default();
    broker.on_timer(Timer::FetchWaitExpired { fetch_id: 2 }, SimTime::from_us(500_000), &mut out);
    assert!(matches!(&out.sends[0].1, Msg::FetchResponse { records, .. } if records.len() == 1), "at the deadline, whatever there is");
}

#[test]
fn every_consumers_parked_fetch_is_answered() {
    let mut broker = Broker::new(0, [0], config(1));
    lead(&mut broker, 0, vec![0]);
    for (consumer, fetch_id) in [(0, 10), (1, 20)] {
        let fetch = Msg::Fetch { fetch_id, positions: vec![(0, 0)], max_records: 10, min_bytes: 1, max_wait_us: 500_000, read_committed: false };
        broker.on_message(NodeId::consumer(consumer), fetch, SimTime::ZERO, &mut Outbox::default());
    }
    let out = produce(&mut broker, 0, 0, Acks::All);
    let answered: Vec<NodeId> = out.sends.iter().filter(|(_, m)| matches!(m, Msg::FetchResponse { .. })).map(|(to, _)| *to).collect();
    assert_eq!(answered, [NodeId::consumer(0), NodeId::consumer(1)]);
}

#[test]
fn a_follower_with_a_diverged_history_is_told_where_to_truncate() {
    let mut broker = Broker::new(0, [0], config(1));
    lead(&mut broker, 0, vec![0]);
    produce(&mut broker, 0, 0, Acks::Leader);
    // The follower claims 3 records of epoch 0, which this leader (epoch 1) never had.
    let mut out = Outbox::default();
    let fetch = Msg::ReplicaFetch { partition: 0, leader_epoch: 1, fetch_offset: 3, last_fetched_epoch: Some(0) };
    broker.on_message(NodeId::broker(1), fetch, SimTime::ZERO, &mut out);
    let expected = super::super::protocol::ReplicaFetchResult::Diverging { truncate_to: 0 };
    assert!(out.sends.iter().any(|(_, m)| matches!(m, Msg::ReplicaFetchResponse { result, .. } if *result == expected)), "{:?}", out.sends);
}

#[test]
fn a_non_leader_refuses_produce_and_reports_fetch_partitions() {
    let mut broker = Broker::new(0, [0], config(1));
    assert_eq!(responses(&produce(&mut broker, 0, 0, Acks::All)), [Err(ProduceError::NotLeaderOrFollower)]);
    let mut out = Outbox::default();
    let fetch = Msg::Fetch { fetch_id: 1, positions: vec![(0, 0)], max_records: 10, min_bytes: 1, max_wait_us: 500_000, read_committed: false };
    broker.on_message(CONSUMER, fetch, SimTime::ZERO, &mut out);
    assert!(matches!(&out.sends[0].1, Msg::FetchResponse { not_leader, .. } if not_leader == &[0]));
}
