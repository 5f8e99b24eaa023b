//! The event queue: every future happening (a message arriving, a timer firing) waits here,
//! ordered by its time. Two events at the same microsecond run in the order they were
//! scheduled, so ties resolve identically on every run and every platform.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Upper bound on pending events. Validated scenarios stay far below it (one timer per node
/// plus the messages in flight); reaching it means a node is scheduling without bound.
pub const QUEUE_LEN_MAX: usize = 4_000_000;

/// A pending event's place in the order: the event itself waits in `EventQueue::slots`, so
/// the heap moves 24-byte keys rather than whole messages as it sifts.
#[derive(Clone, Copy)]
struct Key {
    at: SimTime,
    seq: u64,
    slot: u32,
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Key {
    // Reversed so that std's max-heap pops the earliest (time, seq) first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// A min-queue of events keyed by (time, insertion sequence).
#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Key>,
    /// The pending events, where their keys point; a popped event's slot is reused.
    slots: Vec<Option<E>>,
    free_slots: Vec<u32>,
    seq_next: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue { heap: BinaryHeap::new(), slots: Vec::new(), free_slots: Vec::new(), seq_next: 0 }
    }

    /// Schedules `event` at `at` and returns its insertion sequence number.
    pub fn push(&mut self, at: SimTime, event: E) -> u64 {
        assert!(self.heap.len() < QUEUE_LEN_MAX, "event queue exceeded {QUEUE_LEN_MAX} entries");
        let seq = self.seq_next;
        self.seq_next += 1;
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slots.push(Some(event));
                (self.slots.len() - 1) as u32
            }
        };
        self.heap.push(Key { at, seq, slot });
        seq
    }

    /// Removes and returns the earliest event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let key = self.heap.pop()?;
        let event = self.slots[key.slot as usize].take().expect("a key points at its event");
        self.free_slots.push(key.slot);
        Some((key.at, event))
    }

    /// The time of the earliest pending event.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|key| key.at)
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
        self.heap.iter().map(|key| (key.at, self.slots[key.slot as usize].as_ref().expect("a key points at its event")))
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

    /// Slots are reused, and a reused slot never mixes up two events.
    #[test]
    fn reused_slots_keep_each_event_with_its_time() {
        let mut queue = EventQueue::new();
        let mut expected = Vec::new();
        for round in 0..50u64 {
            for i in 0..4 {
                let at = SimTime::from_us((round * 7 + i * 13) % 40);
                queue.push(at, (round, i));
            }
            let (at, event) = queue.pop().expect("pending");
            expected.push((at, event));
        }
        assert!(queue.slots.len() <= 4 * 50 - 50 + 4, "slots are reused: {}", queue.slots.len());
        let pending: Vec<SimTime> = queue.iter_unordered().map(|(at, _)| at).collect();
        assert_eq!(pending.len(), queue.len());
        let mut last = SimTime::ZERO;
        while let Some((at, (round, i))) = queue.pop() {
            assert!(at >= last, "time order");
            assert_eq!(at, SimTime::from_us((round * 7 + i * 13) % 40), "the event kept its own time");
            last = at;
        }
        assert!(expected.iter().all(|(at, (round, i))| *at == SimTime::from_us((round * 7 + i * 13) % 40)));
    }
}
