//! When people pay, post and shop. Real traffic is not a steady drizzle: UPI volume sleeps
//! at 4 a.m., climbs through the morning and peaks in the evening, and a salary day, a
//! festival or a cricket final lifts it for hours. A `Traffic` is that shape: a base rate
//! times a diurnal multiplier times any spikes in force; arrivals are a Poisson process
//! whose rate follows it (drawn by thinning, Lewis and Shedler 1979).

use crate::error::{check_finite_range, check_range, InputError};
use crate::sim::{SimRng, SimTime};
use serde::{Deserialize, Serialize};

const HOUR_US: u64 = 3_600_000_000;
const DAY_US: u64 = 24 * HOUR_US;
/// Spikes a workload may declare.
pub const SPIKES_MAX: usize = 16;
/// The largest multiplier a spike or an hour may have.
pub const MULTIPLIER_MAX: f64 = 100.0;
/// How long a curve may sit at zero before an arrival comes anyway: one simulated day.
const QUIET_MAX_US: u64 = DAY_US;

/// A burst of extra traffic: a festival evening, a flash sale, a wicket in the final.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spike {
    /// What it is, for the page ("Diwali evening").
    pub label: String,
    /// When it starts, in ms of simulated time since the run began.
    pub start_ms: u64,
    /// How long it lasts, 1 ms to 10 days.
    pub duration_ms: u64,
    /// The rate during the spike, as a multiple of the rate without it, 1 to 100.
    pub multiplier: f64,
}

/// The rate's shape over a day, and the spikes on top of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrafficSpec {
    /// The hour of the day (IST, 0 to 23) at which the run starts (default 19: the evening peak).
    pub start_hour: u32,
    /// 24 hourly multipliers of the base rate (each 0 to 100; their mean is normalised to 1,
    /// so the base rate stays the day's mean). Between hours the rate is interpolated.
    /// Absent: a flat day.
    pub diurnal: Option<Vec<f64>>,
    /// Bursts on top of the curve, at most 16.
    pub spikes: Vec<Spike>,
}

impl Default for TrafficSpec {
    fn default() -> Self {
        TrafficSpec { start_hour: 19, diurnal: None, spikes: Vec::new() }
    }
}

impl TrafficSpec {
    /// Checks every field; `path` is where this section sits in the scenario.
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        check_range(&format!("{path}.start_hour"), self.start_hour, 0, 23, "")?;
        if let Some(hours) = &self.diurnal {
            if hours.len() != 24 {
                return Err(InputError::new(format!("{path}.diurnal"), format!("must list 24 hourly multipliers (got {})", hours.len())));
            }
            for (h, m) in hours.iter().enumerate() {
                check_multiplier(&format!("{path}.diurnal[{h}]"), *m, 0.0)?;
            }
            if hours.iter().all(|&m| m == 0.0) {
                return Err(InputError::new(format!("{path}.diurnal"), "must have at least one hour above 0"));
            }
        }
        if self.spikes.len() > SPIKES_MAX {
            return Err(InputError::new(format!("{path}.spikes"), format!("must have at most {SPIKES_MAX} spikes (got {})", self.spikes.len())));
        }
        for (i, spike) in self.spikes.iter().enumerate() {
            let at = format!("{path}.spikes[{i}]");
            if spike.label.is_empty() || spike.label.chars().count() > 64 {
                return Err(InputError::new(format!("{at}.label"), "must be 1 to 64 characters"));
            }
            check_range(&format!("{at}.start_ms"), spike.start_ms, 0, crate::scenario::limits::TEN_YEARS_MS, "ms")?;
            check_range(&format!("{at}.duration_ms"), spike.duration_ms, 1, 10 * DAY_US / 1_000, "ms")?;
            check_multiplier(&format!("{at}.multiplier"), spike.multiplier, 1.0)?;
        }
        Ok(())
    }
}

fn check_multiplier(path: &str, value: f64, min: f64) -> Result<(), InputError> {
    check_finite_range(path, value, min, MULTIPLIER_MAX, "")
}

/// The validated traffic shape, ready to draw arrivals from.
#[derive(Clone, Debug)]
pub struct Traffic {
    start_us: u64,
    /// Hourly multipliers with mean 1.
    hours: [f64; 24],
    spikes: Vec<(u64, u64, f64)>,
    /// The largest multiplier any instant can have: the thinning envelope.
    peak: f64,
    /// The last arrival returned, and the Poisson clock's time when it was drawn (µs,
    /// unrounded), so the next draw continues that clock exactly.
    last: (SimTime, f64),
}

impl Traffic {
    pub fn new(spec: &TrafficSpec) -> Traffic {
        let mut hours = [1.0; 24];
        if let Some(given) = &spec.diurnal {
            let mean = given.iter().sum::<f64>() / 24.0;
            for (h, m) in hours.iter_mut().zip(given) {
                *h = m / mean;
            }
        }
        let spikes: Vec<(u64, u64, f64)> = spec.spikes.iter().map(|s| (s.start_ms * 1_000, (s.start_ms + s.duration_ms) * 1_000, s.multiplier)).collect();
        // The most the spikes multiply together at any instant: the product is largest at
        // some spike's start, so checking every start finds it (non-overlapping spikes do
        // not multiply, and a loose envelope would throw most candidates away).
        let spike_peak = spikes.iter().map(|&(start, _, _)| spikes.iter().filter(|s| (s.0..s.1).contains(&start)).map(|s| s.2).product::<f64>()).fold(1.0, f64::max);
        let peak = hours.iter().copied().fold(0.0, f64::max) * spike_peak;
        Traffic { start_us: u64::from(spec.start_hour) * HOUR_US, hours, spikes, peak, last: (SimTime::ZERO, 0.0) }
    }

    /// The multiplier of the base rate at simulated time `at` (overlapping spikes multiply).
    pub fn multiplier(&self, at: SimTime) -> f64 {
        let t = at.as_us();
        let of_day = (self.start_us + t) % DAY_US;
        let hour = (of_day / HOUR_US) as usize;
        let frac = (of_day % HOUR_US) as f64 / HOUR_US as f64;
        let curve = self.hours[hour] + (self.hours[(hour + 1) % 24] - self.hours[hour]) * frac;
        self.spikes.iter().filter(|s| (s.0..s.1).contains(&t)).fold(curve, |m, s| m * s.2)
    }

    /// The label of the spike in force at `at`, if any (the first declared wins).
    pub fn spike_at<'a>(&self, spec: &'a TrafficSpec, at: SimTime) -> Option<&'a str> {
        let t = at.as_us();
        self.spikes.iter().zip(&spec.spikes).find(|(s, _)| (s.0..s.1).contains(&t)).map(|(_, spec)| spec.label.as_str())
    }

    /// The hour of the day (IST) at simulated time `at`.
    pub fn hour_of_day(&self, at: SimTime) -> u32 {
        (((self.start_us + at.as_us()) % DAY_US) / HOUR_US) as u32
    }

    /// The next arrival strictly after `now` of a Poisson process whose rate is
    /// `base_per_s × multiplier(t)`: candidates come at the peak rate and each is kept with
    /// probability rate(t)/peak. Candidate times add up in fractional microseconds, so a
    /// peak above a million per second is not slowed by rounding; only the kept arrival is
    /// rounded (at least 1 µs after `now`, so records keep a strict order, which caps any
    /// instant's rate at 1,000,000 per second). Bounded: a curve
    /// at zero for `QUIET_MAX_US` of simulated time yields an arrival at its end.
    pub fn next_arrival(&mut self, rng: &mut SimRng, now: SimTime, base_per_s: u32) -> SimTime {
        let peak_per_s = f64::from(base_per_s) * self.peak.max(f64::MIN_POSITIVE);
        let mean_gap_us = 1_000_000.0 / peak_per_s;
        // Continue the clock of the last arrival when `now` is that arrival (the usual case),
        // so neither rounding nor the 1 µs spacing ever adds up; otherwise start afresh.
        let start = if self.last.0 == now { self.last.1 } else { now.as_us() as f64 };
        let give_up = start + QUIET_MAX_US as f64;
        let mut t = start;
        while t < give_up {
            t += rng.exponential(mean_gap_us);
            let at = SimTime::from_us((libm::round(t) as u64).max(now.as_us() + 1));
            if rng.unit_f64() * self.peak < self.multiplier(at) {
                self.last = (at, t);
                return at;
            }
        }
        let at = SimTime::from_us(give_up as u64);
        self.last = (at, give_up);
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec_with(diurnal: Option<Vec<f64>>, spikes: Vec<Spike>) -> TrafficSpec {
        TrafficSpec { start_hour: 0, diurnal, spikes }
    }

    #[test]
    fn a_flat_day_is_a_poisson_process_at_the_base_rate() {
        let mut traffic = Traffic::new(&spec_with(None, vec![]));
        let mut rng = SimRng::stream(1, "t");
        let (mut t, mut n) = (SimTime::ZERO, 0u32);
        while t.as_us() < 100_000_000 {
            t = traffic.next_arrival(&mut rng, t, 1_000);
            n += 1;
        }
        // 100 s at 1,000/s: 100,000 ± 1% (the standard deviation is about 0.3%).
        assert!((99_000..101_000).contains(&n), "{n}");
    }

    #[test]
    fn the_curve_keeps_its_mean_and_shapes_the_rate() {
        let mut hours = vec![1.0; 24];
        hours[3] = 0.0;
        hours[20] = 3.0;
        let traffic = Traffic::new(&spec_with(Some(hours), vec![]));
        let mean: f64 = (0..24).map(|h| traffic.hours[h]).sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 1e-12);
        assert_eq!(traffic.multiplier(SimTime::from_us(3 * HOUR_US)), 0.0);
        assert!(traffic.multiplier(SimTime::from_us(20 * HOUR_US)) > 2.5);
        // Half past 19 is between hour 19 (≈1) and hour 20 (≈3).
        let half = traffic.multiplier(SimTime::from_us(19 * HOUR_US + HOUR_US / 2));
        assert!(half > traffic.hours[19] && half < traffic.hours[20], "{half}");
    }

    #[test]
    fn a_spike_multiplies_the_rate_while_it_lasts() {
        let spike = Spike { label: "Diwali".into(), start_ms: 10_000, duration_ms: 10_000, multiplier: 5.0 };
        let mut traffic = Traffic::new(&spec_with(None, vec![spike]));
        let mut rng = SimRng::stream(2, "t");
        let (mut t, mut before, mut during) = (SimTime::ZERO, 0u32, 0u32);
        while t.as_us() < 20_000_000 {
            t = traffic.next_arrival(&mut rng, t, 500);
            match t.as_us() {
                0..10_000_000 => before += 1,
                10_000_000..20_000_000 => during += 1,
                _ => {}
            }
        }
        let ratio = f64::from(during) / f64::from(before);
        assert!((4.5..5.5).contains(&ratio), "{before} then {during}");
    }

    /// Arrivals in `[from_s, to_s)` of simulated time at `base_per_s`.
    fn count(traffic: &mut Traffic, base_per_s: u32, from_s: u64, to_s: u64) -> u32 {
        let mut rng = SimRng::stream(3, "t");
        let (mut t, mut n) = (SimTime::from_us(from_s * 1_000_000), 0);
        loop {
            t = traffic.next_arrival(&mut rng, t, base_per_s);
            if t.as_us() >= to_s * 1_000_000 {
                return n;
            }
            n += 1;
        }
    }

    #[test]
    fn spikes_that_never_overlap_do_not_slow_the_rate_outside_them() {
        let spike = |start_s: u64| Spike { label: "x".into(), start_ms: start_s * 1_000, duration_ms: 1_000, multiplier: 10.0 };
        let mut apart = Traffic::new(&spec_with(None, (0..4).map(|i| spike(100 + 10 * i)).collect()));
        assert_eq!(apart.peak, 10.0, "four ×10 spikes one after another peak at ×10, not ×10,000");
        let n = count(&mut apart, 200, 0, 10);
        assert!((1_880..2_120).contains(&n), "200/s for 10 s outside the spikes: {n}");
        let overlapping = Traffic::new(&spec_with(None, vec![spike(100), Spike { start_ms: 100_500, ..spike(100) }]));
        assert_eq!(overlapping.peak, 100.0, "two overlapping ×10 spikes multiply");
    }

    #[test]
    fn a_high_peak_keeps_the_rate_outside_and_inside_its_spike() {
        // A ×100 spike on 5,000/s: candidates come at 500,000/s and must not be rounded
        // to whole microseconds one by one (that alone would cost a third of them).
        let spike = Spike { label: "x".into(), start_ms: 50_000, duration_ms: 1_000, multiplier: 100.0 };
        let mut traffic = Traffic::new(&spec_with(None, vec![spike]));
        let n = count(&mut traffic, 5_000, 0, 4);
        assert!((19_500..20_500).contains(&n), "5,000/s for 4 s: {n}");
        let during = count(&mut traffic, 5_000, 50, 51);
        assert!((495_000..505_000).contains(&during), "×100 for 1 s: {during}");
    }

    #[test]
    fn a_curve_silent_most_of_the_day_sends_only_in_its_busy_hours() {
        // Zero but for hour 23: the rate ramps up from 22:00 (hours are interpolated).
        let mut traffic = Traffic::new(&spec_with(Some(vec![0.0; 23].into_iter().chain([1.0]).collect()), vec![]));
        let mut rng = SimRng::stream(1, "t");
        let at = traffic.next_arrival(&mut rng, SimTime::ZERO, 10);
        assert!(at.as_us() >= 22 * HOUR_US && at.as_us() < 24 * HOUR_US, "the first arrival comes once the curve rises: {at:?}");
    }

    #[test]
    fn bad_shapes_name_the_field() {
        let err = spec_with(Some(vec![1.0; 23]), vec![]).validate("workload.traffic").unwrap_err();
        assert_eq!(err.path, "workload.traffic.diurnal");
        let spike = Spike { label: "x".into(), start_ms: 0, duration_ms: 1, multiplier: 0.5 };
        let err = spec_with(None, vec![spike]).validate("workload.traffic").unwrap_err();
        assert_eq!(err.path, "workload.traffic.spikes[0].multiplier");
        let mut hours = vec![1.0; 24];
        hours[5] = f64::NAN;
        assert_eq!(spec_with(Some(hours), vec![]).validate("w").unwrap_err().path, "w.diurnal[5]");
    }
}
