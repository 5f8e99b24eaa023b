use super::*;
use crate::sim::rng::SplitMix;
use crate::workload::Payload;

/// What the runs must hold, one element per record: its offset, its batch, its index there.
type Model = Vec<(u64, Arc<SharedBatch>, u32)>;

/// A run of runs: the structure, its model, the next free offset and epoch.
#[derive(Clone)]
struct Case {
    runs: Runs,
    model: Model,
    next_offset: u64,
    epoch: u32,
}

fn record(id: u64) -> Record {
    Record { record_id: id, key_id: (id % 13) as u32, timestamp_us: id, value_bytes: 10, payload: Payload::None }
}

/// Appends a new batch of 1 to 8 records, some skipped (a follower copying a leader whose
/// cleaner left holes; the offsets skip with them), sometimes past a gap in offsets.
fn append_batch(rng: &mut SplitMix, case: &mut Case) {
    let n = 1 + rng.next_u64() % 8;
    case.epoch += u32::from(rng.next_u64() % 20 == 0);
    let records: Vec<Record> = (0..n).map(|i| record(case.next_offset * 10 + i)).collect();
    let batch = SharedBatch::new(&records, case.epoch, None, BatchKind::Plain);
    case.next_offset += u64::from(rng.next_u64() % 10 == 0) * 3;
    for index in 0..n as u32 {
        if rng.next_u64() % 8 != 0 {
            case.runs.push(Slot::new(case.next_offset, &batch, index));
            case.model.push((case.next_offset, Arc::clone(&batch), index));
        }
        case.next_offset += 1;
    }
}

/// One random change, applied to both the runs and the model.
fn change(rng: &mut SplitMix, case: &mut Case) {
    // Anywhere in the log, or close to its front, where the first run may have lost records.
    let offset_in_range = |rng: &mut SplitMix, case: &Case| {
        let first = case.model.first().map_or(0, |m| m.0);
        let span = if rng.next_u64() % 2 == 0 { 10 } else { case.next_offset - first + 2 };
        first + rng.next_u64() % span
    };
    match rng.next_u64() % 10 {
        0..=5 => (0..rng.next_u64() % 40).for_each(|_| append_batch(rng, case)),
        6 => {
            for _ in 0..rng.next_u64() % 60 {
                let expected = (!case.model.is_empty()).then(|| case.model.remove(0));
                let popped = case.runs.pop_front();
                assert_eq!(popped.map(|(o, e)| (o, e.record.record_id)), expected.map(|(o, b, i)| (o, b.records.get(i as usize).record_id)));
            }
        }
        7 => {
            let cut = offset_in_range(rng, case);
            let keep = case.model.partition_point(|m| m.0 < cut);
            let expected: Vec<u64> = case.model.split_off(keep).iter().map(|(_, b, i)| b.records.get(*i as usize).record_id).collect();
            let removed = case.runs.split_off(case.runs.find(cut));
            assert_eq!(removed.iter().map(|e| e.record.record_id).collect::<Vec<_>>(), expected);
            case.next_offset = case.next_offset.min(cut);
        }
        8 => {
            let (modulus, rest) = (2 + rng.next_u64() % 6, rng.next_u64() % 2);
            let keep = |offset: u64| offset % modulus != rest || offset % 5 == 0;
            case.runs.retain(|slot| keep(slot.offset()));
            case.model.retain(|m| keep(m.0));
        }
        _ => {
            // Retention by count: a long log loses its oldest records.
            while case.model.len() > 3_000 {
                case.model.remove(0);
                case.runs.pop_front();
            }
        }
    }
}

/// Every way to read the runs agrees with the model.
fn check(rng: &mut SplitMix, case: &Case, what: &str) {
    let Case { runs, model, .. } = case;
    assert_eq!(runs.len(), model.len(), "{what}: records");
    let held: Vec<(u64, *const SharedBatch, u32)> = runs.iter().map(|s| (s.offset, Arc::as_ptr(s.batch), s.index)).collect();
    let expected: Vec<(u64, *const SharedBatch, u32)> = model.iter().map(|(o, b, i)| (*o, Arc::as_ptr(b), *i)).collect();
    assert!(held == expected, "{what}: the records held");
    assert_eq!(runs.front().map(|s| s.offset), model.first().map(|m| m.0), "{what}: front");
    assert_eq!(runs.back().map(|s| s.offset), model.last().map(|m| m.0), "{what}: back");
    for _ in 0..4 {
        let offset = model.first().map_or(0, |m| m.0.saturating_sub(2)) + rng.next_u64() % (case.next_offset + 3);
        let at = runs.find(offset);
        let below = model.partition_point(|m| m.0 < offset);
        assert_eq!(runs.count_before(at), below, "{what}: records below {offset}");
        assert_eq!(runs.get(at).map(|s| s.offset), model.get(below).map(|m| m.0), "{what}: first at or after {offset}");
        let from: Vec<u64> = runs.iter_from(at).map(|s| s.offset).collect();
        assert_eq!(from, model[below..].iter().map(|m| m.0).collect::<Vec<_>>(), "{what}: reading from {offset}");
        let epoch = model.get(below).map_or(0, |m| m.1.epoch);
        let later = model.iter().find(|m| m.1.epoch > epoch).map(|m| m.0);
        assert_eq!(runs.first_where_not(|run| run.epoch() <= epoch).map(|s| s.offset), later, "{what}: after epoch {epoch}");
    }
}

/// Stretches of one batch at consecutive offsets in the model: the fewest runs it can take.
fn stretches(model: &Model) -> usize {
    let continues = |w: &[(u64, Arc<SharedBatch>, u32)]| Arc::ptr_eq(&w[0].1, &w[1].1) && w[0].2 + 1 == w[1].2 && w[0].0 + 1 == w[1].0;
    model.len() - model.windows(2).filter(|w| continues(w)).count()
}

/// Random appends of whole and holed batches, evictions from the front, compactions and
/// truncations, checked against a plain vector of records after every step; copies taken
/// along the way (as the timeline's) must keep reading as they did, however the original
/// changes after.
#[test]
fn every_change_matches_a_vector_of_records_and_spares_the_copies() {
    let mut rng = SplitMix(7);
    for round in 0..6 {
        let mut case = Case { runs: Runs::default(), model: Vec::new(), next_offset: 0, epoch: 0 };
        let mut copies: Vec<Case> = Vec::new();
        for step in 0..400 {
            change(&mut rng, &mut case);
            check(&mut rng, &case, &format!("round {round} step {step}"));
            if copies.is_empty() {
                assert_eq!(case.runs.run_count(), stretches(&case.model), "round {round} step {step}: as few runs as stretches");
            }
            if round % 2 == 1 && step % 40 == 0 {
                copies.push(case.clone());
            }
            if let Some(copy) = copies.get_mut(step % 7) {
                change(&mut rng, copy);
            }
            for (k, copy) in copies.iter().enumerate() {
                check(&mut rng, copy, &format!("round {round} step {step} copy {k}"));
            }
        }
        assert!(case.runs.run_count() < case.model.len(), "round {round}: batches of several records make fewer runs than records");
    }
}

#[test]
fn a_run_is_as_small_as_a_slot_was() {
    assert_eq!(std::mem::size_of::<Run>(), 24, "offset, batch pointer, first and last index");
}
