use super::*;

const PRODUCER: NodeId = NodeId::producer(0);

fn leaders() -> Vec<PartitionState> {
    (0..2).map(|p| PartitionState { partition: p, replicas: vec![0], leader: Some(p as u16), leader_epoch: 0, isr: vec![0] }).collect()
}

fn send(c: &mut TransactionCoordinator, msg: Msg, at_us: u64) -> Outbox {
    let mut out = Outbox::default();
    c.on_message(PRODUCER, msg, SimTime::from_us(at_us), &leaders(), &mut out);
    out
}

fn init(c: &mut TransactionCoordinator) -> (u64, u16) {
    let out = send(c, Msg::InitProducerId { transactional_id: "t".into(), transaction_timeout_us: 60_000_000 }, 0);
    match &out.sends[..] {
        [(_, Msg::InitProducerIdResponse { result: Ok(id) })] => *id,
        other => panic!("{other:?}"),
    }
}

fn markers(out: &Outbox) -> Vec<(u32, u16, bool)> {
    let marker = |m: &Msg| if let Msg::WriteTxnMarkers { partition, producer_epoch, commit, .. } = m { Some((*partition, *producer_epoch, *commit)) } else { None };
    out.sends.iter().filter_map(|(_, m)| marker(m)).collect()
}

#[test]
fn commit_writes_a_marker_to_every_partition_then_completes() {
    let mut c = TransactionCoordinator::default();
    let (producer_id, epoch) = init(&mut c);
    assert_eq!((producer_id, epoch), (TRANSACTIONAL_PRODUCER_ID_BASE, 0));
    send(&mut c, Msg::AddPartitionsToTxn { transactional_id: "t".into(), producer_id, producer_epoch: 0, partitions: vec![0, 1] }, 1);
    assert_eq!(c.state("t"), Some(TxnState::Ongoing));
    let out = send(&mut c, Msg::EndTxn { transactional_id: "t".into(), producer_id, producer_epoch: 0, commit: true }, 2);
    assert_eq!(markers(&out), [(0, 0, true), (1, 0, true)]);
    assert_eq!(c.state("t"), Some(TxnState::PrepareCommit));
    let out = send(&mut c, Msg::WriteTxnMarkersResponse { partition: 0, producer_id, result: Ok(()) }, 3);
    assert!(out.sends.is_empty(), "one marker still missing");
    let out = send(&mut c, Msg::WriteTxnMarkersResponse { partition: 1, producer_id, result: Ok(()) }, 4);
    assert_eq!(c.state("t"), Some(TxnState::CompleteCommit));
    assert_eq!(out.sends, [(PRODUCER, Msg::EndTxnResponse { commit: true, result: Ok(()) })]);
}

#[test]
fn init_producer_id_again_fences_the_old_epoch_and_aborts_its_open_transaction() {
    let mut c = TransactionCoordinator::default();
    let (producer_id, _) = init(&mut c);
    send(&mut c, Msg::AddPartitionsToTxn { transactional_id: "t".into(), producer_id, producer_epoch: 0, partitions: vec![1] }, 1);
    let out = send(&mut c, Msg::InitProducerId { transactional_id: "t".into(), transaction_timeout_us: 60_000_000 }, 2);
    assert_eq!(markers(&out), [(1, 1, false)], "the zombie's transaction is aborted under the new epoch");
    let out = send(&mut c, Msg::WriteTxnMarkersResponse { partition: 1, producer_id, result: Ok(()) }, 3);
    assert_eq!(out.sends, [(PRODUCER, Msg::InitProducerIdResponse { result: Ok((producer_id, 1)) })]);
    let out = send(&mut c, Msg::EndTxn { transactional_id: "t".into(), producer_id, producer_epoch: 0, commit: true }, 4);
    assert_eq!(out.sends, [(PRODUCER, Msg::EndTxnResponse { commit: true, result: Err(TxnError::ProducerFenced) })]);
}

#[test]
fn a_transaction_open_longer_than_its_timeout_is_aborted_with_a_bumped_epoch() {
    let mut c = TransactionCoordinator::default();
    let (producer_id, _) = init(&mut c);
    send(&mut c, Msg::AddPartitionsToTxn { transactional_id: "t".into(), producer_id, producer_epoch: 0, partitions: vec![0] }, 0);
    let mut out = Outbox::default();
    c.on_check(SimTime::from_us(59_000_000), &leaders(), &mut out);
    assert!(markers(&out).is_empty());
    let mut out = Outbox::default();
    c.on_check(SimTime::from_us(61_000_000), &leaders(), &mut out);
    assert_eq!(markers(&out), [(0, 1, false)]);
    assert_eq!(c.state("t"), Some(TxnState::PrepareAbort));
}
