use super::*;
use crate::kafka::protocol::Accounting;
use crate::kafka::log::Record;
use crate::kafka::protocol::{JoinResult, JoinedMember};

const COORDINATOR: NodeId = NodeId::controller();

fn config(strategy: Strategy) -> ConsumerConfig {
    ConsumerConfig {
        rate_records_per_s: 1_000,
        max_poll_records: 500,
        fetch_max_wait_us: 500_000,
        fetch_min_bytes: 1,
        request_timeout_us: 30_000_000,
        heartbeat_interval_us: 3_000_000,
        strategy,
        instance_id: None,
        auto_commit_interval_us: None,
        offset_reset: OffsetReset::Earliest,
        max_poll_interval_us: 300_000_000,
        read_committed: false,
        topic: "t".into(),
        partitions: 2,
        manual_partitions: None,
        deliver: false,
    }
}

/// A consumer of two partitions (broker 0 leads 0, broker 1 leads 1), joined as the group's
/// only member and owning both, positioned at `offsets`.
fn joined(strategy: Strategy, offsets: [u64; 2]) -> Consumer {
    let mut c = Consumer::new(COORDINATOR, config(strategy));
    for partition in 0..2 {
        let state = PartitionState { partition, replicas: vec![partition as u16], leader: Some(partition as u16), leader_epoch: 0, isr: vec![] };
        c.on_message(Msg::PartitionChange { state }, &mut Outbox::default());
    }
    let mut out = Outbox::default();
    c.start(&mut out);
    assert!(matches!(&out.sends[0], (COORDINATOR, Msg::JoinGroup { member_id: None, .. })));
    let me = JoinedMember { member_id: "m1".into(), instance_id: None, owned: vec![], generation: -1 };
    let result = JoinResult { generation: 1, member_id: "m1".into(), leader: "m1".into(), members: vec![me] };
    let mut out = Outbox::default();
    c.on_message(Msg::JoinGroupResponse { result: Ok(result) }, &mut out);
    let Some((_, Msg::SyncGroup { assignments, .. })) = out.sends.first() else { panic!("the leader syncs: {:?}", out.sends) };
    assert_eq!(assignments, &[("m1".to_string(), vec![0, 1])], "the leader ran the assignor");
    let mut out = Outbox::default();
    c.on_message(Msg::SyncGroupResponse { generation: 1, result: Ok(vec![0, 1]) }, &mut out);
    assert!(out.sends.contains(&(COORDINATOR, Msg::OffsetFetch { partitions: vec![0, 1] })));
    c.on_message(Msg::OffsetFetchResponse { offsets: vec![(0, Some(offsets[0])), (1, Some(offsets[1]))] }, &mut Outbox::default());
    c
}

fn fetches(out: &Outbox) -> Vec<(NodeId, Vec<(u32, u64)>)> {
    out.sends.iter().filter_map(|(to, m)| if let Msg::Fetch { positions, .. } = m { Some((*to, positions.clone())) } else { None }).collect()
}

fn records(partition: u32, offsets: std::ops::Range<u64>) -> Vec<FetchedRecord> {
    let record = Record { record_id: 0, key_id: 0, timestamp_us: 0, value_bytes: 1, payload: crate::workload::Payload::None };
    offsets.map(|offset| FetchedRecord { partition, offset, record }).collect()
}

/// A fetch response with the records of `offsets`, read from the range's start.
fn response(fetch_id: u64, partition: u32, offsets: std::ops::Range<u64>) -> Msg {
    let advanced = vec![(partition, offsets.start, offsets.end)];
    Msg::FetchResponse { fetch_id, records: records(partition, offsets), not_leader: vec![], advanced }
}

#[test]
fn the_position_moves_past_offsets_the_broker_read_but_did_not_deliver() {
    let mut c = joined(Strategy::Range, [0, 0]);
    let mut out = Outbox::default();
    // Offsets 0..3 held records, offset 3 a transaction marker: the next fetch starts at 4.
    let msg = Msg::FetchResponse { fetch_id: 1, records: records(1, 0..3), not_leader: vec![], advanced: vec![(1, 0, 4)] };
    c.on_message(msg, &mut out);
    assert_eq!(c.position(1), Some(4));
}

#[test]
fn after_joining_it_fetches_each_owned_partition_from_its_leader_at_the_committed_offset() {
    let mut c = Consumer::new(COORDINATOR, config(Strategy::Range));
    let mut out = Outbox::default();
    for partition in 0..2 {
        let state = PartitionState { partition, replicas: vec![], leader: Some(partition as u16), leader_epoch: 0, isr: vec![] };
        c.on_message(Msg::PartitionChange { state }, &mut out);
    }
    assert!(fetches(&out).is_empty(), "nothing is owned before the group assigns it");
    let c = joined(Strategy::Range, [7, 3]);
    assert_eq!((c.position(0), c.position(1)), (Some(7), Some(3)));
}

#[test]
fn processing_takes_time_proportional_to_the_batch_then_commits_as_the_current_generation() {
    let mut c = joined(Strategy::Range, [0, 0]);
    let mut out = Outbox::default();
    c.on_message(response(1, 1, 0..250), &mut out);
    assert!(out.timers.contains(&(Duration::from_ms(250), Timer::BatchProcessed { batch_id: 0 })));
    let mut out = Outbox::default();
    c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
    assert_eq!(c.processed(), 250);
    let commit = Msg::OffsetCommit { member_id: "m1".into(), generation: 1, offsets: vec![(0, 0), (1, 250)] };
    assert_eq!(out.sends.first(), Some(&(COORDINATOR, commit)));
    assert_eq!(out.accounting, [Accounting::Processed { partition: 1, first: 0, last: 249, created_us: vec![0; 250] }]);
}

#[test]
fn an_eager_member_commits_and_gives_up_everything_before_rejoining() {
    let mut c = joined(Strategy::Range, [4, 9]);
    let mut out = Outbox::default();
    c.on_message(Msg::HeartbeatResponse { error: Some(GroupError::RebalanceInProgress) }, &mut out);
    assert!(matches!(&out.sends[0], (COORDINATOR, Msg::OffsetCommit { .. })));
    let join = Msg::JoinGroup { member_id: Some("m1".into()), instance_id: None, owned: vec![], generation: 1 };
    assert_eq!(out.sends[1], (COORDINATOR, join));
    assert!(c.assigned().is_empty() && c.position(0).is_none(), "stop the world");
}

#[test]
fn a_cooperative_member_keeps_consuming_while_it_rejoins() {
    let mut c = joined(Strategy::CooperativeSticky, [4, 9]);
    let mut out = Outbox::default();
    c.on_message(Msg::HeartbeatResponse { error: Some(GroupError::RebalanceInProgress) }, &mut out);
    let join = Msg::JoinGroup { member_id: Some("m1".into()), instance_id: None, owned: vec![0, 1], generation: 1 };
    assert_eq!(out.sends, [(COORDINATOR, join)]);
    assert_eq!(c.position(1), Some(9), "still owns and fetches its partitions");
    // The new assignment takes partition 1 away: it is revoked (after a commit), and the
    // member rejoins so that the second round can hand it over.
    let mut out = Outbox::default();
    c.on_message(Msg::SyncGroupResponse { generation: 1, result: Ok(vec![0]) }, &mut out);
    assert_eq!(c.assigned().iter().copied().collect::<Vec<_>>(), [0]);
    assert!(out.sends.iter().any(|(_, m)| matches!(m, Msg::JoinGroup { owned, .. } if owned == &[0])));
}

#[test]
fn a_cooperative_revocation_waits_for_the_batch_in_hand_and_commits_it_first() {
    let mut c = joined(Strategy::CooperativeSticky, [0, 0]);
    c.config.auto_commit_interval_us = Some(5_000_000);
    c.on_message(response(1, 1, 0..10), &mut Outbox::default());
    assert_eq!(c.state(), ConsumerState::Processing);
    c.on_message(Msg::HeartbeatResponse { error: Some(GroupError::RebalanceInProgress) }, &mut Outbox::default());
    let mut out = Outbox::default();
    c.on_message(Msg::SyncGroupResponse { generation: 1, result: Ok(vec![0]) }, &mut out);
    assert!(out.sends.is_empty(), "nothing happens inside the application's processing: {:?}", out.sends);
    assert_eq!(c.assigned().len(), 2, "partition 1 is still owned while its records are in hand");
    let mut out = Outbox::default();
    c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
    // The next poll(): commit what was processed, partition 1's batch included, then revoke
    // and rejoin so that the second round hands partition 1 over.
    let commit = Msg::OffsetCommit { member_id: "m1".into(), generation: 1, offsets: vec![(0, 0), (1, 10)] };
    assert_eq!(out.sends.first(), Some(&(COORDINATOR, commit)));
    assert_eq!(c.assigned().iter().copied().collect::<Vec<_>>(), [0]);
    assert!(out.sends.iter().any(|(_, m)| matches!(m, Msg::JoinGroup { owned, .. } if owned == &[0])));
}

#[test]
fn records_of_a_revoked_partition_or_a_stale_position_are_dropped() {
    let mut c = joined(Strategy::Range, [5, 0]);
    let mut out = Outbox::default();
    c.on_message(response(99, 0, 0..5), &mut out);
    assert!(out.timers.is_empty(), "an unknown fetch id is ignored");
    let mut out = Outbox::default();
    c.on_message(response(0, 0, 3..6), &mut out);
    assert!(!out.timers.iter().any(|(_, t)| matches!(t, Timer::BatchProcessed { .. })), "offsets 3..6 do not follow position 0");
}

#[test]
fn without_a_committed_offset_reset_latest_asks_the_leader_for_the_end() {
    let mut c = Consumer::new(COORDINATOR, ConsumerConfig { offset_reset: OffsetReset::Latest, ..config(Strategy::Range) });
    for partition in 0..2 {
        let state = PartitionState { partition, replicas: vec![], leader: Some(partition as u16), leader_epoch: 0, isr: vec![] };
        c.on_message(Msg::PartitionChange { state }, &mut Outbox::default());
    }
    c.start(&mut Outbox::default());
    let me = JoinedMember { member_id: "m1".into(), instance_id: None, owned: vec![], generation: -1 };
    c.on_message(Msg::JoinGroupResponse { result: Ok(JoinResult { generation: 1, member_id: "m1".into(), leader: "m1".into(), members: vec![me] }) }, &mut Outbox::default());
    c.on_message(Msg::SyncGroupResponse { generation: 1, result: Ok(vec![0, 1]) }, &mut Outbox::default());
    let mut out = Outbox::default();
    c.on_message(Msg::OffsetFetchResponse { offsets: vec![(0, Some(5)), (1, None)] }, &mut out);
    assert_eq!(c.position(0), Some(5), "a committed offset wins");
    assert!(out.sends.contains(&(NodeId::broker(1), Msg::ListOffsets { partitions: vec![1] })));
    c.on_message(Msg::ListOffsetsResponse { offsets: vec![(1, Some(70))] }, &mut Outbox::default());
    assert_eq!(c.position(1), Some(70), "starts at the end: earlier records are skipped");
}

#[test]
fn auto_commit_commits_on_its_timer_not_after_each_batch() {
    let mut c = joined(Strategy::Range, [0, 0]);
    c.config.auto_commit_interval_us = Some(5_000_000);
    let mut out = Outbox::default();
    c.on_message(response(1, 1, 0..10), &mut out);
    let mut out = Outbox::default();
    c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
    assert!(!out.sends.iter().any(|(_, m)| matches!(m, Msg::OffsetCommit { .. })));
    let mut out = Outbox::default();
    c.on_timer(Timer::AutoCommit, &mut out);
    let commit = Msg::OffsetCommit { member_id: "m1".into(), generation: 1, offsets: vec![(0, 0), (1, 10)] };
    assert!(out.sends.contains(&(COORDINATOR, commit)));
    assert!(out.timers.contains(&(Duration::from_ms(5_000), Timer::AutoCommit)));
}

#[test]
fn a_batch_longer_than_max_poll_interval_makes_the_member_leave_and_rejoin_afterwards() {
    let mut c = joined(Strategy::Range, [0, 0]);
    c.config.max_poll_interval_us = 100_000;
    let mut out = Outbox::default();
    c.on_message(response(1, 1, 0..250), &mut out);
    assert!(out.timers.contains(&(Duration::from_ms(100), Timer::PollIntervalExpired { batch_id: 0 })), "250 ms of work > 100 ms");
    let mut out = Outbox::default();
    c.on_timer(Timer::PollIntervalExpired { batch_id: 0 }, &mut out);
    assert_eq!(out.sends, [(COORDINATOR, Msg::LeaveGroup { member_id: "m1".into() })]);
    let mut out = Outbox::default();
    c.on_timer(Timer::BatchProcessed { batch_id: 0 }, &mut out);
    assert!(!out.sends.iter().any(|(_, m)| matches!(m, Msg::OffsetCommit { .. })), "no member id: nothing to commit under");
    let join = Msg::JoinGroup { member_id: None, instance_id: None, owned: vec![], generation: -1 };
    assert!(out.sends.contains(&(COORDINATOR, join)), "{:?}", out.sends);
    assert!(c.assigned().is_empty());
}
