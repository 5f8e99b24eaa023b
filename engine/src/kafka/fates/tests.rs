use super::*;
use crate::kafka::log::Record;

/// A one-partition ledger with records `0..records` created (all in flight).
fn created(records: u64) -> Fates {
    let mut fates = Fates::new(1);
    for id in 0..records {
        fates.created(id, 0);
    }
    fates
}

fn record(record_id: u64) -> Record {
    Record { record_id, key_id: 0, timestamp_us: 0, value_bytes: 1, payload: crate::workload::Payload::None }
}

#[test]
fn counts_add_up_through_every_fate() {
    let mut fates = created(4);
    fates.acknowledged(0);
    fates.failed(1);
    fates.unconfirmed(2);
    let c = fates.counts();
    assert_eq!((c.created, c.in_flight, c.acked, c.failed, c.unconfirmed), (4, 1, 1, 1, 1));
}

#[test]
fn acknowledged_records_missing_from_the_new_leader_are_lost() {
    let mut fates = Fates::new(2);
    for id in 0..5 {
        fates.created(id, 0);
        fates.acknowledged(id);
    }
    let mut new_leader = PartitionLog::new(100);
    for id in [0, 1, 2] {
        new_leader.append(record(id), 0);
    }
    fates.recount_lost(0, &new_leader);
    assert_eq!(fates.counts().acked_lost, 2);
    // A later leader that has them all brings them back into the count.
    new_leader.append(record(3), 1);
    new_leader.append(record(4), 1);
    fates.recount_lost(0, &new_leader);
    assert_eq!(fates.counts().acked_lost, 0);
}

#[test]
fn aborted_records_leave_acked_and_in_flight_and_are_never_lost() {
    let mut fates = created(4);
    fates.acknowledged(0);
    fates.failed(1);
    for id in [0, 1, 2, 2] {
        fates.aborted(id);
    }
    fates.acknowledged(2);
    let c = fates.counts();
    assert_eq!((c.in_flight, c.acked, c.failed, c.aborted), (1, 0, 1, 2));
    assert_eq!(c.created, c.in_flight + c.acked + c.failed + c.unconfirmed + c.aborted);
    fates.recount_lost(0, &PartitionLog::new(10));
    assert_eq!(fates.counts().acked_lost, 0);
}

#[test]
fn expired_records_are_not_lost() {
    let mut fates = Fates::new(1);
    fates.created(0, 0);
    fates.acknowledged(0);
    fates.expired(0);
    fates.recount_lost(0, &PartitionLog::new(10));
    assert_eq!(fates.counts().acked_lost, 0);
}

#[test]
fn a_lost_record_that_then_expires_or_aborts_leaves_the_lost_count_at_once() {
    // Found by the swarm's recount (seed 42): acknowledged by a deposed acks=1 leader,
    // counted lost at the next recount, then compacted away on the deposed leader; the
    // count kept it until a leader change that never came.
    let mut fates = Fates::new(1);
    for id in 0..3 {
        fates.created(id, 0);
        fates.acknowledged(id);
    }
    fates.recount_lost(0, &PartitionLog::new(10));
    assert_eq!(fates.counts().acked_lost, 3);
    fates.expired(0);
    fates.aborted(1);
    fates.expired(0);
    assert_eq!(fates.counts().acked_lost, 1);
    assert!(!fates.counted_lost(0) && !fates.counted_lost(1) && fates.counted_lost(2));
}

#[test]
fn a_second_copy_in_the_same_history_is_a_duplicate_and_one_on_a_deposed_leader_is_not() {
    let mut fates = Fates::new(1);
    fates.created(0, 0);
    // A deposed leader wrote it at offset 5; the new leader's log has another record there.
    let mut new_leader = PartitionLog::new(100);
    for id in [7, 8, 9, 10, 11, 12] {
        new_leader.append(record(id), 1);
    }
    fates.appended(0, 5, &PartitionLog::new(100));
    new_leader.append(record(0), 1);
    fates.appended(0, 6, &new_leader);
    assert_eq!(fates.counts().duplicates_written, 0, "only the new leader's copy is in the history");
    // A retry after a lost answer writes it again behind the first copy.
    new_leader.append(record(0), 1);
    fates.appended(0, 7, &new_leader);
    assert_eq!(fates.counts().duplicates_written, 1);
}

#[test]
fn reprocessed_offsets_count_as_duplicates() {
    let mut fates = Fates::new(2);
    fates.processed(0, 0, 9);
    fates.processed(0, 5, 14);
    fates.processed(1, 0, 3);
    fates.processed(0, 15, 20);
    assert_eq!(fates.counts().duplicates_processed, 5);
}

#[test]
#[should_panic(expected = "settled twice")]
fn a_record_settles_once() {
    let mut fates = Fates::new(1);
    fates.created(0, 0);
    fates.acknowledged(0);
    fates.failed(0);
}

#[test]
fn retiring_forgets_final_records_and_keeps_their_counts() {
    let mut fates = created(6);
    fates.acknowledged(0);
    fates.expired(0);
    fates.failed(1);
    fates.acknowledged(2);
    fates.acknowledged(4);
    fates.unconfirmed(5);
    fates.recount_lost(0, &PartitionLog::new(10));
    let before = fates.counts();
    assert_eq!(before.acked_lost, 2, "records 2 and 4 are in no log");
    // Record 3 is still in flight: retirement stops there whatever the caller allows.
    fates.retire(u64::MAX);
    assert_eq!((fates.first_held(), fates.record_count()), (3, 6));
    assert_eq!(fates.counts(), before, "retiring changes no count");
    assert_eq!(fates.retired_lost_in(0), 1, "record 2 was lost and is lost for good");
    // A later recount still counts the retired loss.
    fates.recount_lost(0, &PartitionLog::new(10));
    assert_eq!(fates.counts(), before);
}

#[test]
fn retiring_keeps_what_the_caller_says_is_in_play_and_losses_not_yet_recounted() {
    let mut fates = Fates::new(1);
    for id in 0..4 {
        fates.created(id, 0);
        fates.failed(id);
    }
    fates.retire(2);
    assert_eq!(fates.first_held(), 2, "records 2 and 3 may still be in a log or a request");
    fates.created(4, 0);
    fates.acknowledged(4);
    fates.retire(u64::MAX);
    assert_eq!(fates.first_held(), 4, "acknowledged, in no log, not yet recounted: kept for the recount");
    fates.recount_lost(0, &PartitionLog::new(10));
    fates.retire(u64::MAX);
    assert_eq!((fates.first_held(), fates.lost_in(0), fates.retired_lost_in(0)), (5, 1, 1));
}

#[test]
fn retirement_is_due_every_so_many_records_once_the_oldest_is_final() {
    let mut fates = Fates::new(1);
    fates.retire_every(3);
    for id in 0..3 {
        assert!(!fates.retirement_due());
        fates.created(id, 0);
    }
    assert!(!fates.retirement_due(), "the oldest is in flight: nothing could retire, no walk of the logs");
    fates.failed(0);
    assert!(fates.retirement_due());
    fates.retire(0);
    assert!(!fates.retirement_due(), "an attempt, even one that retires nothing, waits for 3 more");
    for id in 3..40 {
        fates.created(id, 0);
        fates.failed(id);
    }
    fates.retire(0);
    for id in 40..53 {
        assert!(!fates.retirement_due(), "about 50 held: attempts spaced by a quarter of that, not by 3");
        fates.created(id, 0);
    }
    assert!(fates.retirement_due());
}

#[test]
#[should_panic(expected = "was retired")]
fn a_retired_record_in_play_again_is_a_bug_caught_at_once() {
    let mut fates = Fates::new(1);
    fates.created(0, 0);
    fates.failed(0);
    fates.retire(u64::MAX);
    fates.expired(0);
}

#[test]
fn a_held_record_costs_about_six_bytes() {
    // A real-scale ledger holds millions of records: with a doubling vector per field (8-byte
    // offsets, 4-byte partitions, 8-byte ids of acknowledged records) these cost over 21
    // bytes each, up to twice that reserved.
    let records = 1_500_000u64;
    let mut fates = Fates::new(6);
    for id in 0..records {
        fates.created(id, (id % 6) as u32);
        if id % 4 != 0 {
            fates.acknowledged(id);
        }
    }
    let per_record = fates.held_bytes() as f64 / records as f64;
    assert!(per_record < 6.1, "{per_record:.2} bytes per held record");
}
