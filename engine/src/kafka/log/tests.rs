use super::*;

fn record(record_id: u64) -> Record {
    Record { record_id, key_id: record_id as u32, timestamp_us: 0, value_bytes: 100, payload: crate::workload::Payload::None }
}

#[test]
fn offsets_are_dense_and_start_at_zero() {
    let mut log = PartitionLog::new(100);
    assert_eq!(log.append(record(1), 0), 0);
    assert_eq!(log.append(record(2), 0), 1);
    assert_eq!(log.log_end_offset(), 2);
    let read: Vec<_> = log.read(1, u64::MAX, 10).map(|(o, e)| (o, e.record.record_id)).collect();
    assert_eq!(read, [(1, 2)]);
}

#[test]
fn retention_moves_the_start_and_never_reuses_offsets() {
    let mut log = PartitionLog::new(3);
    for id in 0..5 {
        log.append(record(id), 0);
    }
    assert_eq!(log.log_start_offset(), 2);
    assert_eq!(log.log_end_offset(), 5);
    let read: Vec<_> = log.read(0, u64::MAX, 10).map(|(o, e)| (o, e.record.record_id)).collect();
    assert_eq!(read, [(2, 2), (3, 3), (4, 4)]);
}

#[test]
fn reads_stop_at_the_given_end_such_as_the_high_watermark() {
    let mut log = PartitionLog::new(10);
    for id in 0..5 {
        log.append(record(id), 0);
    }
    assert_eq!(log.read(1, 3, 10).count(), 2);
    assert_eq!(log.read(5, 9, 10).count(), 0);
    assert_eq!(log.read(0, 5, 0).count(), 0);
}

#[test]
fn epoch_end_offsets_find_where_histories_diverge() {
    let mut log = PartitionLog::new(100);
    for (id, epoch) in [(0, 0), (1, 0), (2, 2), (3, 2), (4, 5)] {
        log.append(record(id), epoch);
    }
    assert_eq!(log.end_offset_for_epoch(0), 2);
    assert_eq!(log.end_offset_for_epoch(1), 2, "epoch 1 never wrote here: it ends where epoch 2 starts");
    assert_eq!(log.end_offset_for_epoch(2), 4);
    assert_eq!(log.end_offset_for_epoch(7), 5);
    let removed = log.truncate_to(2);
    assert_eq!(removed.iter().map(|e| e.record.record_id).collect::<Vec<_>>(), [2, 3, 4]);
    assert_eq!(log.log_end_offset(), 2);
    assert_eq!(log.last_epoch(), Some(0));
}

#[test]
fn replication_reads_finish_the_batch_they_start() {
    let mut log = PartitionLog::new(100);
    log.append(record(0), 0);
    for delta in 0..3 {
        log.append_entry(Entry { offset_delta: delta, ..Entry::single(record(1 + u64::from(delta)), 0) });
    }
    log.append(record(4), 0);
    let ids = |runs: Vec<Run>| runs.iter().flat_map(Run::records).map(|r| r.record_id).collect::<Vec<_>>();
    assert_eq!(ids(log.read_batches(0, 5, 2)), [0, 1, 2, 3], "the batch of 1..=3 is not split");
    assert_eq!(ids(log.read_batches(0, 3, 2)), [0, 1, 2], "but never past `end`");
    assert_eq!(ids(log.read_batches(4, 5, 10)), [4]);
}

fn keyed(record_id: u64, key_id: u32, value_bytes: u32, timestamp_us: u64) -> Record {
    Record { record_id, key_id, timestamp_us, value_bytes, payload: crate::workload::Payload::None }
}

#[test]
fn compaction_keeps_the_latest_value_per_key_with_its_offset() {
    let mut log = PartitionLog::new(100);
    for (id, key) in [(0, 7), (1, 8), (2, 7), (3, 9), (4, 7), (5, 8)] {
        log.append(keyed(id, key, 10, 0), 0);
    }
    let removed = log.compact(5, 0, 1_000);
    assert_eq!(removed.iter().map(|e| e.record.record_id).collect::<Vec<_>>(), [0, 2], "key 7's older values; key 8's latest below 5 is offset 1");
    let kept: Vec<(u64, u64)> = log.entries_with_offsets().map(|(o, e)| (o, e.record.record_id)).collect();
    assert_eq!(kept, [(1, 1), (3, 3), (4, 4), (5, 5)], "offsets are kept, with holes");
    assert_eq!(log.log_end_offset(), 6);
    assert!(log.entry(2).is_none() && log.entry(3).is_some());
    let read: Vec<u64> = log.read(0, 6, 10).map(|(o, _)| o).collect();
    assert_eq!(read, [1, 3, 4, 5], "readers skip the holes");
}

#[test]
fn a_tombstone_deletes_its_key_and_goes_itself_after_delete_retention() {
    let mut log = PartitionLog::new(100);
    log.append(keyed(0, 7, 10, 0), 0);
    log.append(keyed(1, 7, 0, 0), 0);
    log.append(keyed(2, 8, 10, 0), 0);
    log.compact(3, 1_000, 5_000);
    assert_eq!(log.entries().map(|e| e.record.record_id).collect::<Vec<_>>(), [1, 2], "the tombstone stays for now");
    log.compact(3, 5_999, 5_000);
    assert_eq!(log.len(), 2, "not before the horizon (first seen at 1,000 + 5,000)");
    log.compact(3, 6_000, 5_000);
    assert_eq!(log.entries().map(|e| e.record.record_id).collect::<Vec<_>>(), [2], "key 7 is gone entirely");
}

#[test]
fn time_retention_deletes_old_records_from_the_front() {
    let mut log = PartitionLog::new(100);
    for (id, ts) in [(0, 100), (1, 200), (2, 300)] {
        log.append(keyed(id, 0, 10, ts), 0);
    }
    assert_eq!(log.delete_older_than(250, u64::MAX).len(), 2);
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (2, 3));
    assert_eq!(log.delete_older_than(1_000, 2).len(), 0, "nothing at or above offset 2");
    assert_eq!(log.delete_older_than(1_000, u64::MAX).len(), 1);
    assert_eq!((log.log_start_offset(), log.log_end_offset(), log.len()), (3, 3, 0), "an empty log keeps its end");
    assert_eq!(log.append(keyed(3, 0, 10, 400), 0), 3, "offsets are never reused");
}

#[test]
fn a_follower_copies_entries_at_the_leaders_offsets() {
    let mut log = PartitionLog::new(100);
    log.append_at(1, Entry::single(record(1), 0));
    log.append_at(4, Entry::single(record(4), 0));
    assert_eq!(log.log_end_offset(), 5);
    assert_eq!(log.entry(4).map(|e| e.record.record_id), Some(4));
    assert_eq!(log.truncate_to(2).len(), 1);
    assert_eq!(log.log_end_offset(), 2);
}

#[test]
#[should_panic(expected = "epochs in a log never decrease")]
fn appending_an_older_epoch_is_an_invariant_violation() {
    let mut log = PartitionLog::new(10);
    log.append(record(0), 3);
    log.append(record(1), 2);
}

/// Everything a reader can see of a log, to compare two logs.
fn visible(log: &PartitionLog) -> (u64, u64, Vec<(u64, Entry)>, u64, u64) {
    let entries = log.entries_with_offsets().collect();
    (log.log_start_offset(), log.log_end_offset(), entries, log.end_offset_for_epoch(1), log.entries_below(3_000) as u64)
}

/// A log several chunks long (`sim::chunked`), with keys that repeat and epochs 0 and 2.
fn long_log(retention_records_max: u64) -> PartitionLog {
    let mut log = PartitionLog::new(retention_records_max);
    for id in 0..5_000u64 {
        log.append(keyed(id, (id % 700) as u32, if id % 11 == 0 { 0 } else { 100 }, id), if id < 2_500 { 0 } else { 2 });
    }
    log
}

/// Appends, truncation, both retentions and compaction, in one order.
fn churn(log: &mut PartitionLog, salt: u64) {
    log.truncate_to(4_000 + salt * 100);
    for id in 0..1_500u64 {
        log.append(keyed(10_000 + salt * 10_000 + id, (id % 300) as u32, 100, 5_000 + id), 3);
    }
    log.delete_older_than(1_800 + salt * 50, 3_500);
    log.compact(4_500, 0, 1_000);
    log.truncate_to(5_000 - salt * 200);
}

#[test]
fn a_copy_and_its_original_change_independently_as_if_never_copied() {
    for salt in [0, 1, 2] {
        let original = long_log(4_000);
        let mut copy = original.clone();
        let mut changed = original.clone();
        churn(&mut changed, salt);
        churn(&mut copy, salt + 1);
        // Logs that never shared anything, changed the same ways, are the reference.
        let mut plain_changed = long_log(4_000);
        churn(&mut plain_changed, salt);
        let mut plain_copy = long_log(4_000);
        churn(&mut plain_copy, salt + 1);
        assert!(visible(&changed) == visible(&plain_changed), "salt {salt}: the changed original");
        assert!(visible(&copy) == visible(&plain_copy), "salt {salt}: the changed copy");
        assert!(visible(&original) == visible(&long_log(4_000)), "salt {salt}: the untouched original");
        assert_ne!(visible(&changed), visible(&copy), "the two histories really differ");
        let read: Vec<u64> = copy.read_batches(3_900, u64::MAX, 10).iter().flat_map(Run::slots).map(|s| s.offset()).collect();
        let expected: Vec<u64> = plain_copy.read_batches(3_900, u64::MAX, 10).iter().flat_map(Run::slots).map(|s| s.offset()).collect();
        assert_eq!(read, expected);
    }
}

/// A follower appends what the leader's `read_batches` hands it: the records stay one copy,
/// shared, and each log still changes on its own (retention on one leaves the other whole).
#[test]
fn a_follower_shares_the_leaders_batches_and_outlives_their_deletion_there() {
    let mut leader = PartitionLog::new(4);
    let records: Vec<Record> = (0..3).map(record).collect();
    let batch = SharedBatch::new(&records, 1, None, BatchKind::Plain);
    for index in 0..3 {
        leader.append_shared(&batch, index);
    }
    let mut follower = PartitionLog::new(100);
    for slot in leader.read_batches(0, leader.log_end_offset(), 1).iter().flat_map(Run::slots) {
        follower.append_slot(slot);
    }
    assert_eq!(follower.entries_with_offsets().collect::<Vec<_>>(), leader.entries_with_offsets().collect::<Vec<_>>());
    assert!(follower.slots().zip(leader.slots()).all(|(f, l)| f.shares_batch_with(l)), "one copy of the records");
    assert_eq!(follower.entry(1).map(|e| e.offset_delta), Some(1));
    for id in 3..7 {
        leader.append(record(id), 1);
    }
    assert_eq!(leader.log_start_offset(), 3, "retention deleted the shared batch from the leader");
    assert_eq!(follower.entries().map(|e| e.record.record_id).collect::<Vec<_>>(), [0, 1, 2], "the follower's copy is intact");
    assert!(!follower.slots().next().expect("held").shares_batch_with(leader.slots().next().expect("held")));
}

/// A producer's batch of several records costs a log one run, on the leader that appends it
/// record by record and on the follower that copies the leader's answer; the records read
/// back one by one, each at its own offset and place in the batch.
#[test]
fn a_batch_of_many_records_costs_a_log_one_run() {
    let mut leader = PartitionLog::new(1_000);
    let records: Vec<Record> = (0..50).map(record).collect();
    let batch = SharedBatch::new(&records, 0, None, BatchKind::Plain);
    leader.append(record(99), 0);
    for index in 0..50 {
        leader.append_shared(&batch, index);
    }
    assert_eq!((leader.len(), leader.run_count()), (51, 2), "the lone record, then the batch as one run");
    let answer = leader.read_batches(0, leader.log_end_offset(), 10);
    assert_eq!(answer.iter().map(Run::len).collect::<Vec<_>>(), [1, 50], "replication hands over runs too");
    let mut follower = PartitionLog::new(1_000);
    for slot in answer.iter().flat_map(Run::slots) {
        follower.append_slot(slot);
    }
    assert_eq!(follower.run_count(), 2);
    assert_eq!(follower.entry(21).map(|e| (e.record.record_id, e.offset_delta)), Some((20, 20)));
    // Retention shortens the run from the front, truncation from the back.
    let mut trimmed = PartitionLog::new(40);
    for index in 0..50 {
        trimmed.append_shared(&batch, index);
    }
    assert_eq!((trimmed.log_start_offset(), trimmed.run_count()), (10, 1));
    trimmed.truncate_to(45);
    assert_eq!(trimmed.entries().map(|e| e.record.record_id).collect::<Vec<_>>(), (10..45).collect::<Vec<_>>());
}
