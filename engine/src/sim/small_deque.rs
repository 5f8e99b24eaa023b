//! A bounded deque whose first few items sit inline: the last `MAX` items pushed, oldest
//! first. It is how an operator keeps "a key's recent payments" when most keys have only one
//! or two: those live inside the key's state, and only a busy key's history moves to a heap
//! buffer. Keyed state that a checkpoint shares is copied on its next change, so a state
//! without a buffer of its own is copied with one allocation instead of two, and is smaller.

use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub enum SmallDeque<T, const INLINE: usize, const MAX: usize> {
    /// At most `INLINE` items, in order.
    Inline { items: [T; INLINE], len: u8 },
    /// More than `INLINE` items were pushed: the last `MAX` of them.
    Heap(VecDeque<T>),
}

impl<T: Copy + Default, const INLINE: usize, const MAX: usize> Default for SmallDeque<T, INLINE, MAX> {
    fn default() -> Self {
        const { assert!(0 < INLINE && INLINE < MAX && INLINE <= u8::MAX as usize, "0 < INLINE < MAX, INLINE at most 255") };
        SmallDeque::Inline { items: [T::default(); INLINE], len: 0 }
    }
}

impl<T: Copy + Default, const INLINE: usize, const MAX: usize> SmallDeque<T, INLINE, MAX> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item` as the newest, forgetting the oldest when `MAX` are held.
    pub fn push(&mut self, item: T) {
        match self {
            SmallDeque::Inline { items, len } if usize::from(*len) < INLINE => {
                items[usize::from(*len)] = item;
                *len += 1;
            }
            SmallDeque::Inline { items, .. } => {
                // Room for a few more before the buffer grows; most keys never get here.
                let mut heap = VecDeque::with_capacity((2 * INLINE + 2).min(MAX));
                heap.extend(items.iter().copied());
                heap.push_back(item);
                *self = SmallDeque::Heap(heap);
            }
            SmallDeque::Heap(heap) => {
                if heap.len() == MAX {
                    heap.pop_front();
                } else if heap.len() == heap.capacity() {
                    // Doubling would pass MAX (12 places become 24 for a deque of 16).
                    heap.reserve_exact(heap.len().min(MAX - heap.len()));
                }
                heap.push_back(item);
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            SmallDeque::Inline { len, .. } => usize::from(*len),
            SmallDeque::Heap(heap) => heap.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        let (older, newer) = match self {
            SmallDeque::Inline { items, len } => (&items[..usize::from(*len)], &[][..]),
            SmallDeque::Heap(heap) => heap.as_slices(),
        };
        older.iter().chain(newer.iter())
    }

    /// The items, oldest first, to change in place.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut T> + '_ {
        let (older, newer) = match self {
            SmallDeque::Inline { items, len } => (&mut items[..usize::from(*len)], &mut [][..]),
            SmallDeque::Heap(heap) => heap.as_mut_slices(),
        };
        older.iter_mut().chain(newer.iter_mut())
    }
}

impl<T: Copy + Default + PartialEq, const INLINE: usize, const MAX: usize> PartialEq for SmallDeque<T, INLINE, MAX> {
    /// Equal when they hold the same items in the same order, inline or not.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes and in-place changes, held against a VecDeque trimmed to the same bound.
    #[test]
    fn it_keeps_the_last_max_items_in_order_like_a_bounded_deque() {
        let mut rng = crate::sim::rng::SplitMix(5);
        for _ in 0..50 {
            let mut small: SmallDeque<u32, 2, 5> = SmallDeque::new();
            let mut model = VecDeque::new();
            for step in 0..40u32 {
                if rng.next_u64() % 5 == 0 {
                    let bump = (rng.next_u64() % 3) as u32;
                    small.iter_mut().filter(|v| **v % 3 == bump).for_each(|v| *v += 100);
                    model.iter_mut().filter(|v| **v % 3 == bump).for_each(|v| *v += 100);
                } else {
                    small.push(step);
                    if model.len() == 5 {
                        model.pop_front();
                    }
                    model.push_back(step);
                }
                assert_eq!(small.len(), model.len());
                assert!(small.iter().eq(model.iter()), "step {step}: {small:?} vs {model:?}");
                assert!(small.iter().rev().eq(model.iter().rev()), "step {step}, newest first");
            }
        }
    }

    #[test]
    fn a_few_items_stay_inline_and_more_move_to_the_heap() {
        let mut small: SmallDeque<u8, 2, 4> = SmallDeque::new();
        assert!(small.is_empty());
        small.push(1);
        small.push(2);
        assert!(matches!(small, SmallDeque::Inline { len: 2, .. }), "{small:?}");
        let mut inline_copy = small.clone();
        small.push(3);
        assert!(matches!(small, SmallDeque::Heap(_)), "{small:?}");
        assert_ne!(small, inline_copy);
        inline_copy.push(3);
        assert_eq!(small, inline_copy, "the same items are equal wherever they sit");
    }

    /// A full deque holds MAX places, not the next power of two a doubling buffer would.
    #[test]
    fn the_heap_buffer_never_grows_past_max() {
        let mut small: SmallDeque<u64, 2, 16> = SmallDeque::new();
        for v in 0..100 {
            small.push(v);
            if let SmallDeque::Heap(heap) = &small {
                assert!(heap.capacity() <= 16, "{} places after {} pushes", heap.capacity(), v + 1);
            }
        }
        assert!(small.iter().copied().eq(84..100));
    }
}
