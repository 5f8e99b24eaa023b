//! Metrics the views read: time series sampled at a fixed simulated interval and kept in
//! ring buffers, so an hour-long run in a browser tab holds a bounded number of points.

use crate::sim::SimTime;
use std::collections::VecDeque;

/// One time series: (simulated time in µs, value), oldest first, at most `points_max`.
pub struct Series {
    points: VecDeque<(u64, f64)>,
    points_max: usize,
}

impl Series {
    pub fn new(points_max: usize) -> Self {
        assert!(points_max > 0);
        Series { points: VecDeque::with_capacity(points_max.min(4096)), points_max }
    }

    pub fn push(&mut self, at: SimTime, value: f64) {
        if self.points.len() == self.points_max {
            self.points.pop_front();
        }
        self.points.push_back((at.as_us(), value));
    }

    pub fn points(&self) -> impl ExactSizeIterator<Item = (u64, f64)> + '_ {
        self.points.iter().copied()
    }

    pub fn last(&self) -> Option<(u64, f64)> {
        self.points.back().copied()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// The series of one run. Names (the `series(name)` contract with the page):
/// `lag_records` (total), `lag_records.p<N>` (partition N), `produced_per_s`, `consumed_per_s`.
pub struct Metrics {
    lag_total: Series,
    lag_per_partition: Vec<Series>,
    produced_per_s: Series,
    consumed_per_s: Series,
    last: Option<(SimTime, u64, u64)>,
}

impl Metrics {
    pub fn new(partition_count: u32, points_max: usize) -> Self {
        Metrics {
            lag_total: Series::new(points_max),
            lag_per_partition: (0..partition_count).map(|_| Series::new(points_max)).collect(),
            produced_per_s: Series::new(points_max),
            consumed_per_s: Series::new(points_max),
            last: None,
        }
    }

    /// Records one sample: lag per partition and the running totals of produced and
    /// processed records (rates are the differences over the interval).
    pub fn sample(&mut self, now: SimTime, lags: &[u64], produced: u64, processed: u64) {
        self.lag_total.push(now, lags.iter().sum::<u64>() as f64);
        for (series, lag) in self.lag_per_partition.iter_mut().zip(lags) {
            series.push(now, *lag as f64);
        }
        if let Some((then, produced_then, processed_then)) = self.last {
            let seconds = now.since(then).as_us() as f64 / 1e6;
            if seconds > 0.0 {
                self.produced_per_s.push(now, (produced - produced_then) as f64 / seconds);
                self.consumed_per_s.push(now, (processed - processed_then) as f64 / seconds);
            }
        }
        self.last = Some((now, produced, processed));
    }

    pub fn series(&self, name: &str) -> Option<&Series> {
        match name {
            "lag_records" => Some(&self.lag_total),
            "produced_per_s" => Some(&self.produced_per_s),
            "consumed_per_s" => Some(&self.consumed_per_s),
            _ => {
                let partition: usize = name.strip_prefix("lag_records.p")?.parse().ok()?;
                self.lag_per_partition.get(partition)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_is_a_bounded_ring() {
        let mut series = Series::new(3);
        for i in 0..5u64 {
            series.push(SimTime::from_us(i), i as f64);
        }
        let values: Vec<f64> = series.points().map(|(_, v)| v).collect();
        assert_eq!(values, [2.0, 3.0, 4.0]);
    }

    #[test]
    fn rates_are_differences_over_the_interval() {
        let mut metrics = Metrics::new(2, 10);
        metrics.sample(SimTime::from_us(1_000_000), &[1, 2], 100, 50);
        metrics.sample(SimTime::from_us(3_000_000), &[4, 6], 500, 250);
        assert_eq!(metrics.series("lag_records").and_then(Series::last), Some((3_000_000, 10.0)));
        assert_eq!(metrics.series("lag_records.p1").and_then(Series::last), Some((3_000_000, 6.0)));
        assert_eq!(metrics.series("produced_per_s").and_then(Series::last), Some((3_000_000, 200.0)));
        assert_eq!(metrics.series("consumed_per_s").and_then(Series::last), Some((3_000_000, 100.0)));
        assert!(metrics.series("lag_records.p2").is_none());
        assert!(metrics.series("nope").is_none());
    }
}
