//! Simulated time. The engine never reads a wall clock: "now" is the timestamp of the event
//! being processed, an integer count of microseconds since the run began. Jumping from event
//! to event (instead of ticking) is what lets a simulated day run in seconds.

use serde::Serialize;
use std::ops::{Add, Sub};

/// A point in simulated time, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SimTime(u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Duration(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub const fn from_us(us: u64) -> Self {
        SimTime(us)
    }

    pub const fn as_us(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`; zero if `earlier` is in the future.
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_us(us: u64) -> Self {
        Duration(us)
    }

    pub const fn from_ms(ms: u64) -> Self {
        Duration(ms.saturating_mul(1_000))
    }

    pub const fn from_secs(secs: u64) -> Self {
        Duration(secs.saturating_mul(1_000_000))
    }

    pub const fn as_us(self) -> u64 {
        self.0
    }

    pub fn saturating_mul(self, factor: u64) -> Duration {
        Duration(self.0.saturating_mul(factor))
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, rhs: Duration) -> SimTime {
        // Saturate rather than wrap: a run is bounded far below u64::MAX microseconds
        // (584,000 years), so saturation can only ever mean "never".
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}

impl Sub for SimTime {
    type Output = Duration;
    fn sub(self, rhs: SimTime) -> Duration {
        assert!(self >= rhs, "time went backwards: {self:?} - {rhs:?}");
        Duration(self.0 - rhs.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_exactly() {
        assert_eq!(Duration::from_ms(3).as_us(), 3_000);
        assert_eq!(Duration::from_secs(2).as_us(), 2_000_000);
        assert_eq!((SimTime::from_us(10) + Duration::from_us(5)).as_us(), 15);
    }

    #[test]
    fn adding_saturates_instead_of_wrapping() {
        let late = SimTime::from_us(u64::MAX - 1) + Duration::from_secs(1);
        assert_eq!(late.as_us(), u64::MAX);
    }

    #[test]
    fn since_is_zero_for_a_future_instant() {
        assert_eq!(SimTime::from_us(5).since(SimTime::from_us(9)), Duration::ZERO);
        assert_eq!(SimTime::from_us(9).since(SimTime::from_us(5)).as_us(), 4);
    }

    #[test]
    #[should_panic(expected = "time went backwards")]
    fn subtracting_a_later_time_is_an_invariant_violation() {
        let _ = SimTime::from_us(1) - SimTime::from_us(2);
    }
}
