//! The event queue: every future happening (a message arriving, a timer firing) waits here,
//! ordered by its time. Two events at the same microsecond run in the order they were
//! scheduled, so ties resolve identically on every run and every platform.
//!
//! Most pending events are timeouts scheduled long ahead (a request's, a batch's delivery
//! timeout) that the timeline's snapshots would otherwise copy again and again. So, as a
//! log-structured merge tree does, the queue keeps its newest events in a heap, and before a
//! copy is taken (`seal`) sorts them into an immutable run shared (`Arc`) by every copy;
//! runs of similar size are merged. The next event is the earliest of the heap's top and the
//! runs' heads: the same order, (time, sequence), as one big heap. A run that is never
//! copied (the CLI's) never seals, and stays one plain heap.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// Upper bound on pending events. Validated scenarios stay far below it (one timer per node
/// plus the messages in flight); reaching it means a node is scheduling without bound.
pub const QUEUE_LEN_MAX: usize = 4_000_000;
/// A run popped past this many events (and past half) is cut down to its rest.
const RUN_POPPED_MIN: usize = 2_048;

#[derive(Clone)]
struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (SimTime, u64) {
        (self.at, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    // Reversed so that std's max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// Events sorted earliest first, shared by the queue's copies; each copy has its own cursor.
#[derive(Clone)]
struct Run<E> {
    entries: Arc<[Entry<E>]>,
    next: usize,
}

impl<E> Run<E> {
    fn head(&self) -> Option<&Entry<E>> {
        self.entries.get(self.next)
    }
    fn len(&self) -> usize {
        self.entries.len() - self.next
    }
    fn rest(&self) -> &[Entry<E>] {
        &self.entries[self.next..]
    }
}

/// A min-queue of events keyed by (time, insertion sequence).
#[derive(Clone)]
pub struct EventQueue<E> {
    /// The events scheduled since the last `seal`.
    fresh: BinaryHeap<Entry<E>>,
    /// Older events, oldest (largest) run first; never an exhausted run.
    runs: Vec<Run<E>>,
    len: usize,
    seq_next: u64,
}

impl<E: Clone> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Which part holds the earliest event.
enum Source {
    Fresh,
    Run(usize),
}

impl<E: Clone> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { fresh: BinaryHeap::new(), runs: Vec::new(), len: 0, seq_next: 0 }
    }

    /// Schedules `event` at `at` and returns its insertion sequence number.
    pub fn push(&mut self, at: SimTime, event: E) -> u64 {
        assert!(self.len < QUEUE_LEN_MAX, "event queue exceeded {QUEUE_LEN_MAX} entries");
        let seq = self.seq_next;
        self.seq_next += 1;
        self.fresh.push(Entry { at, seq, event });
        self.len += 1;
        seq
    }

    /// Sorts the events scheduled since the last seal into a run that copies of this queue
    /// will share: call it before copying. Then merges the newest two runs while the older is
    /// no longer than the newer, as a binary counter carries: the runs stay few (logarithmic
    /// in the number of seals) and each event is copied a logarithmic number of times.
    pub fn seal(&mut self) {
        if self.fresh.is_empty() {
            return;
        }
        let mut sorted = std::mem::take(&mut self.fresh).into_sorted_vec();
        sorted.reverse();
        self.runs.push(Run { entries: sorted.into(), next: 0 });
        while let [.., older, newer] = &self.runs[..] {
            if older.len() > newer.len() {
                break;
            }
            let merged = merge(older.rest(), newer.rest());
            self.runs.truncate(self.runs.len() - 2);
            self.runs.push(Run { entries: merged.into(), next: 0 });
        }
    }

    fn earliest(&self) -> Option<Source> {
        let mut best = self.fresh.peek().map(|e| (e.key(), Source::Fresh));
        for (i, run) in self.runs.iter().enumerate() {
            let key = run.head().expect("runs are never exhausted").key();
            if best.as_ref().is_none_or(|(k, _)| key < *k) {
                best = Some((key, Source::Run(i)));
            }
        }
        best.map(|(_, source)| source)
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = match self.earliest()? {
            Source::Fresh => self.fresh.pop().expect("the fresh heap has a top"),
            Source::Run(i) => {
                let run = &mut self.runs[i];
                let entry = run.entries[run.next].clone();
                run.next += 1;
                if run.len() == 0 {
                    self.runs.remove(i);
                } else if run.next > RUN_POPPED_MIN && run.next > run.len() {
                    // Most of the run is done: keep only the rest, so a long-lived run does
                    // not hold twice the memory its pending events need.
                    run.entries = run.rest().into();
                    run.next = 0;
                }
                entry
            }
        };
        self.len -= 1;
        Some((entry.at, entry.event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        let fresh = self.fresh.peek().map(|e| e.at);
        self.runs.iter().filter_map(|r| r.head().map(|e| e.at)).chain(fresh).min()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Pending events in no particular order, with their times; for drawing in-flight
    /// messages, never for deciding what happens next.
    pub fn iter_unordered(&self) -> impl Iterator<Item = (SimTime, &E)> {
        let runs = self.runs.iter().flat_map(|r| r.rest().iter());
        self.fresh.iter().chain(runs).map(|entry| (entry.at, &entry.event))
    }
}

/// Two sorted runs as one, earliest first.
fn merge<E: Clone>(a: &[Entry<E>], b: &[Entry<E>]) -> Vec<Entry<E>> {
    let mut merged = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].key() < b[j].key() {
            merged.push(a[i].clone());
            i += 1;
        } else {
            merged.push(b[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order() {
        let mut queue = EventQueue::new();
        queue.push(SimTime::from_us(30), "c");
        queue.push(SimTime::from_us(10), "a");
        queue.push(SimTime::from_us(20), "b");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn ties_pop_in_insertion_order() {
        let mut queue = EventQueue::new();
        for label in 0..100u32 {
            queue.push(SimTime::from_us(7), label);
        }
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn interleaved_pushes_keep_the_order_stable() {
        let mut queue = EventQueue::new();
        queue.push(SimTime::from_us(5), "first at 5");
        queue.push(SimTime::from_us(1), "at 1");
        assert_eq!(queue.pop().map(|(_, e)| e), Some("at 1"));
        queue.push(SimTime::from_us(5), "second at 5");
        assert_eq!(queue.peek_time(), Some(SimTime::from_us(5)));
        assert_eq!(queue.pop().map(|(_, e)| e), Some("first at 5"));
        assert_eq!(queue.pop().map(|(_, e)| e), Some("second at 5"));
        assert!(queue.is_empty());
    }

    #[test]
    fn sequence_numbers_count_every_push() {
        let mut queue = EventQueue::new();
        assert_eq!(queue.push(SimTime::ZERO, ()), 0);
        assert_eq!(queue.push(SimTime::ZERO, ()), 1);
        queue.pop();
        assert_eq!(queue.push(SimTime::ZERO, ()), 2);
        assert_eq!(queue.len(), 2);
    }

    /// Events between seals in the tests (the timeline seals before each snapshot).
    const FRESH: usize = 2_048;

    fn push_sealing<E: Clone>(queue: &mut EventQueue<E>, at: SimTime, event: E) {
        queue.push(at, event);
        if queue.fresh.len() >= FRESH {
            queue.seal();
        }
    }

    /// A queue and a plain sorted list, driven alike by a small deterministic generator.
    struct Model {
        queue: EventQueue<u64>,
        /// (time, sequence, event), sorted.
        pending: Vec<(SimTime, u64, u64)>,
        rng: u64,
    }

    impl Model {
        fn draw(&mut self, below: u64) -> u64 {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            self.rng % below
        }

        /// Pushes or pops at random; every pop must be the model's earliest (time, seq).
        fn churn(&mut self, rounds: usize) {
            for _ in 0..rounds {
                if self.draw(3) > 0 {
                    let now = self.pending.first().map_or(0, |(t, _, _)| t.as_us());
                    let at = SimTime::from_us(now + self.draw(1_000) * self.draw(4));
                    let event = self.draw(1 << 20);
                    let seq = self.queue.push(at, event);
                    self.pending.push((at, seq, event));
                    if self.queue.fresh.len() >= FRESH {
                        self.queue.seal();
                    }
                    self.pending.sort();
                } else {
                    let expected = (!self.pending.is_empty()).then(|| self.pending.remove(0));
                    assert_eq!(self.queue.peek_time(), expected.map(|(t, _, _)| t));
                    assert_eq!(self.queue.pop(), expected.map(|(t, _, event)| (t, event)));
                }
                assert_eq!(self.queue.len(), self.pending.len());
            }
        }
    }

    #[test]
    fn runs_and_the_fresh_heap_pop_in_the_order_of_one_heap() {
        let mut model = Model { queue: EventQueue::new(), pending: Vec::new(), rng: 7 };
        model.churn(20_000);
        assert!(model.queue.len() > FRESH, "the test reaches the runs");
        let order: Vec<(SimTime, u64)> = std::iter::from_fn(|| model.queue.pop()).collect();
        assert_eq!(order, model.pending.iter().map(|(t, _, event)| (*t, *event)).collect::<Vec<_>>());
    }

    #[test]
    fn ties_across_runs_keep_insertion_order() {
        let mut queue = EventQueue::new();
        let count = 7 * FRESH as u64 + 5;
        for label in 0..count {
            push_sealing(&mut queue, SimTime::from_us(7), label);
        }
        assert!(queue.runs.len() == 3 && !queue.fresh.is_empty(), "the ties are spread over runs and the heap");
        let order: Vec<_> = std::iter::from_fn(|| queue.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, (0..count).collect::<Vec<_>>());
    }

    #[test]
    fn a_copy_shares_the_runs_and_both_go_on_independently() {
        let mut model = Model { queue: EventQueue::new(), pending: Vec::new(), rng: 99 };
        model.churn(10_000);
        model.queue.seal();
        assert!(model.queue.fresh.is_empty(), "sealed: a copy copies no event");
        let mut copy = Model { queue: model.queue.clone(), pending: model.pending.clone(), rng: 12_345 };
        assert!(!model.queue.runs.is_empty());
        assert!(model.queue.runs.iter().zip(&copy.queue.runs).all(|(a, b)| Arc::ptr_eq(&a.entries, &b.entries)), "a copy shares every run");
        model.churn(10_000);
        copy.churn(10_000);
        for m in [&mut model, &mut copy] {
            let order: Vec<(SimTime, u64)> = std::iter::from_fn(|| m.queue.pop()).collect();
            assert_eq!(order, m.pending.iter().map(|(t, _, event)| (*t, *event)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_queue_never_sealed_is_one_heap() {
        let mut queue = EventQueue::new();
        for i in 0..(10 * FRESH as u64) {
            queue.push(SimTime::from_us(i % 13), i);
        }
        assert!(queue.runs.is_empty() && queue.fresh.len() == 10 * FRESH);
    }

    #[test]
    fn a_run_mostly_popped_releases_what_was_popped() {
        let mut queue = EventQueue::new();
        let count = 40 * FRESH as u64;
        for i in 0..count {
            push_sealing(&mut queue, SimTime::from_us(i), i);
        }
        for _ in 0..30 * FRESH {
            queue.pop();
        }
        let held: usize = queue.runs.iter().map(|r| r.entries.len()).sum::<usize>() + queue.fresh.len();
        assert_eq!(queue.len(), 10 * FRESH);
        assert!(held <= 2 * queue.len() + FRESH, "held {held} for {} pending", queue.len());
        assert_eq!(queue.pop(), Some((SimTime::from_us(30 * FRESH as u64), 30 * FRESH as u64)));
    }

    #[test]
    fn iter_unordered_sees_every_pending_event_once() {
        let mut queue = EventQueue::new();
        for i in 0..(3 * FRESH as u64 + 5) {
            push_sealing(&mut queue, SimTime::from_us(i % 97), i);
        }
        for _ in 0..100 {
            queue.pop();
        }
        let mut seen: Vec<u64> = queue.iter_unordered().map(|(_, e)| *e).collect();
        seen.sort();
        let mut expected: Vec<u64> = (0..(3 * FRESH as u64 + 5)).collect();
        expected.sort_by_key(|i| (i % 97, *i));
        let mut rest = expected[100..].to_vec();
        rest.sort();
        assert_eq!(seen, rest);
    }
}
