//! The event queue: every future happening (a message arriving, a timer firing) waits here,
//! ordered by its time. Two events at the same microsecond run in the order they were
//! scheduled, so ties resolve identically on every run and every platform.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Upper bound on pending events. Validated scenarios stay far below it (one timer per node
/// plus the messages in flight); reaching it means a node is scheduling without bound.
pub const QUEUE_LEN_MAX: usize = 4_000_000;

#[derive(Clone)]
struct Entry<E> {
    at: SimTime,
    seq: u64,
    event: E,
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

/// A min-queue of events keyed by (time, insertion sequence).
#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq_next: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), seq_next: 0 }
    }

    /// Schedules `event` at `at` and returns its insertion sequence number.
    pub fn push(&mut self, at: SimTime, event: E) -> u64 {
        assert!(self.heap.len() < QUEUE_LEN_MAX, "event queue exceeded {QUEUE_LEN_MAX} entries");
        let seq = self.seq_next;
        self.seq_next += 1;
        self.heap.push(Entry { at, seq, event });
        seq
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|entry| (entry.at, entry.event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|entry| entry.at)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Pending events in no particular order, with their times; for drawing in-flight
    /// messages, never for deciding what happens next.
    pub fn iter_unordered(&self) -> impl Iterator<Item = (SimTime, &E)> {
        self.heap.iter().map(|entry| (entry.at, &entry.event))
    }
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
}
