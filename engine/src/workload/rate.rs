//! A rate "per second, over the last N seconds", as the workload pages show it (payments
//! per second, posts per second, clicks per second). The count is kept per whole second of
//! simulated time in a ring of at most N + 1 entries, so memory does not grow with the run.
//! The second in progress is left out of the rate (it is only partly counted, and including
//! it would make the rate dip at every second's start); at the start of a run, before N
//! whole seconds have passed, the rate is over the seconds there have been.

use crate::sim::SimTime;
use std::collections::VecDeque;

/// Events counted per whole second; the rate is over the last `seconds` whole seconds.
#[derive(Clone, Debug)]
pub struct Rate {
    seconds: u64,
    /// (second, events in it), oldest first, at most `seconds + 1` entries: the last
    /// `seconds` whole seconds and the one in progress.
    ring: VecDeque<(u64, u64)>,
}

impl Rate {
    /// A rate over the last `seconds` whole seconds (at least 1).
    pub fn new(seconds: u64) -> Rate {
        Rate { seconds: seconds.max(1), ring: VecDeque::new() }
    }

    /// One event at `now`. Times must not go backwards (the simulation's clock does not).
    pub fn add(&mut self, now: SimTime) {
        let second = now.as_us() / 1_000_000;
        match self.ring.back_mut() {
            Some((s, n)) if *s == second => *n += 1,
            _ => self.ring.push_back((second, 1)),
        }
        while self.ring.len() as u64 > self.seconds + 1 {
            self.ring.pop_front();
        }
    }

    /// Events per second over the last whole seconds before `now`'s second: the last
    /// `seconds` of them, or all there have been if fewer (at least one, so the first
    /// second of a run reads 0, not a division by zero).
    pub fn per_s(&self, now: SimTime) -> f64 {
        let second = now.as_us() / 1_000_000;
        let recent: u64 = self.ring.iter().filter(|&&(s, _)| s < second && s + self.seconds >= second).map(|&(_, n)| n).sum();
        recent as f64 / self.seconds.min(second).max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at_ms(ms: u64) -> SimTime {
        SimTime::from_us(ms * 1_000)
    }

    #[test]
    fn the_rate_is_over_the_last_whole_seconds_without_the_one_in_progress() {
        let mut rate = Rate::new(10);
        // 5 events in each of seconds 0..20, and 100 in second 20 (in progress).
        for second in 0..20 {
            for i in 0..5 {
                rate.add(at_ms(second * 1_000 + i * 100));
            }
        }
        for _ in 0..100 {
            rate.add(at_ms(20_500));
        }
        assert_eq!(rate.per_s(at_ms(20_500)), 5.0, "the burst in second 20 is not yet counted");
        assert_eq!(rate.per_s(at_ms(21_000)), (9.0 * 5.0 + 100.0) / 10.0, "seconds 11..=20");
        assert!(rate.ring.len() <= 11, "bounded: {}", rate.ring.len());
    }

    #[test]
    fn the_start_of_a_run_divides_by_the_seconds_there_have_been() {
        let mut rate = Rate::new(10);
        assert_eq!(rate.per_s(at_ms(0)), 0.0);
        for i in 0..30 {
            rate.add(at_ms(i * 100)); // 10 per second for 3 s
        }
        assert_eq!(rate.per_s(at_ms(3_000)), 10.0);
        // Quiet seconds count as zero: nothing since second 2, asked at second 12.
        assert_eq!(rate.per_s(at_ms(12_000)), 1.0, "second 2's 10 events over 10 s");
        assert_eq!(rate.per_s(at_ms(13_000)), 0.0);
    }
}
