//! Metrics the views read: time series sampled at a fixed simulated interval and kept in
//! ring buffers, so an hour-long run in a browser tab holds a bounded number of points. They
//! are the numbers a Kafka operator watches: throughput in and out, consumer lag in records
//! and in time, how long the backlog will take to drain, end-to-end latency percentiles, ISR
//! health, rebalances and errors.

use crate::sim::SimTime;
use std::collections::{BTreeMap, VecDeque};

/// One time series: (simulated time in µs, value), oldest first, at most `points_max`.
#[derive(Clone)]
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

/// What the simulation measured at one sampling instant.
pub struct Sample<'a> {
    pub lags: &'a [u64],
    /// Per partition: how old the oldest unconsumed record is, in µs (0 when caught up).
    pub lag_ages_us: &'a [u64],
    pub produced: u64,
    pub processed: u64,
    pub produce_errors: u64,
    pub isr_min: usize,
    pub under_replicated: u32,
    pub offline: u32,
    pub rebalances: u64,
    pub rebalancing: bool,
    /// Total time the group has spent rebalancing, in µs.
    pub rebalancing_us: u64,
    pub stream: Option<StreamSample>,
    /// The workload's numbers (names from `WORKLOAD_SERIES`); a number not known yet (no
    /// alert, so no precision) is left out rather than drawn as zero.
    pub workload: Vec<(&'static str, f64)>,
    /// The architectures' comparison (names from `ARCH_SERIES`), when the scenario has them.
    pub architectures: Vec<(&'static str, f64)>,
}

/// The stream job's numbers at one sampling instant (its operators' metrics, summed).
pub struct StreamSample {
    /// Processing time minus the slowest keyed task's watermark: how far event time trails.
    pub watermark_lag_us: u64,
    pub results_total: u64,
    pub late_dropped_total: u64,
    pub state_bytes: u64,
    pub checkpoint_duration_us_last: u64,
    pub result_latency_us_last: u64,
    pub queued_records: u64,
}

/// The stream job's series (empty without a job).
pub const STREAM_SERIES: [&str; 7] = [
    "stream_watermark_lag_ms",
    "stream_results_per_s",
    "stream_late_dropped",
    "stream_state_bytes",
    "stream_checkpoint_ms",
    "stream_result_latency_ms",
    "stream_queued_records",
];

/// A domain workload's series (empty for other workloads and scenarios without one): the
/// numbers its panel shows, over time.
pub const WORKLOAD_SERIES: [&str; 10] = [
    "upi_tps",
    "upi_success_percent",
    "upi_alerts_per_min",
    "upi_precision",
    "upi_recall",
    "upi_latency_p99_ms",
    "social_posts_per_s",
    "shop_events_per_s",
    "shop_conversion_percent",
    "shop_abandonment_percent",
];

/// The architectures' comparison over time (empty without an `architectures` section): per
/// architecture the served answer's staleness, its error against the truth on settled
/// windows, core time and storage; late rows the stream layers dropped; CQRS's
/// read-your-writes lag. The first twelve are in blocks of three: Lambda, Kappa, CQRS.
pub const ARCH_SERIES: [&str; 15] = [
    "lambda_staleness_ms",
    "kappa_staleness_ms",
    "cqrs_staleness_ms",
    "lambda_error_percent",
    "kappa_error_percent",
    "cqrs_error_percent",
    "lambda_cpu_s",
    "kappa_cpu_s",
    "cqrs_cpu_s",
    "lambda_storage_mb",
    "kappa_storage_mb",
    "cqrs_storage_mb",
    "lambda_late_dropped",
    "kappa_late_dropped",
    "cqrs_read_your_writes_p99_ms",
];

/// Latencies kept per sampling interval; beyond it the rest of the interval is not sampled
/// (bounded memory even at a million records per second).
const LATENCIES_PER_INTERVAL_MAX: usize = 100_000;

/// Every series names a contract with the page (`series(name)`): those in `SERIES`, plus
/// `lag_records.p<N>` and `lag_ms.p<N>` per partition.
#[derive(Clone)]
pub struct Metrics {
    series: BTreeMap<&'static str, Series>,
    lag_per_partition: Vec<Series>,
    lag_ms_per_partition: Vec<Series>,
    latencies_us: Vec<u64>,
    last: Option<(SimTime, u64, u64, u64)>,
    /// (time, produced, processed) of the last `DRAIN_WINDOW_SAMPLES` + 1 samples.
    window: VecDeque<(SimTime, u64, u64)>,
    results_last: u64,
}

/// Time to drain uses the rates over this many sampling intervals: consumers process in
/// batches, so one interval's rate jumps around too much to extrapolate from.
const DRAIN_WINDOW_SAMPLES: usize = 10;

/// The names of the whole-topic series.
pub const SERIES: [&str; 14] = [
    "lag_records",
    "lag_ms",
    "time_to_drain_s",
    "produced_per_s",
    "consumed_per_s",
    "latency_p50_ms",
    "latency_p99_ms",
    "isr_min",
    "under_replicated",
    "offline",
    "rebalances",
    "rebalancing",
    "rebalancing_ms",
    "produce_errors_per_s",
];

impl Metrics {
    pub fn new(partition_count: u32, points_max: usize) -> Self {
        Metrics {
            series: crate::sim::sort::collect_map(SERIES.iter().chain(&STREAM_SERIES).chain(&WORKLOAD_SERIES).chain(&ARCH_SERIES).map(|&name| (name, Series::new(points_max)))),
            lag_per_partition: (0..partition_count).map(|_| Series::new(points_max)).collect(),
            lag_ms_per_partition: (0..partition_count).map(|_| Series::new(points_max)).collect(),
            latencies_us: Vec::new(),
            last: None,
            window: VecDeque::new(),
            results_last: 0,
        }
    }

    /// Records the end-to-end latency (creation to processing) of processed records.
    pub fn record_latencies(&mut self, now: SimTime, created_us: &[u64]) {
        let room = LATENCIES_PER_INTERVAL_MAX.saturating_sub(self.latencies_us.len());
        self.latencies_us.extend(created_us.iter().take(room).map(|&created| now.as_us().saturating_sub(created)));
    }

    fn push(&mut self, name: &'static str, now: SimTime, value: f64) {
        self.series.get_mut(name).expect("a known series").push(now, value);
    }

    pub fn sample(&mut self, now: SimTime, s: &Sample) {
        let lag_total: u64 = s.lags.iter().sum();
        self.push("lag_records", now, lag_total as f64);
        for (series, lag) in self.lag_per_partition.iter_mut().zip(s.lags) {
            series.push(now, *lag as f64);
        }
        for (series, age_us) in self.lag_ms_per_partition.iter_mut().zip(s.lag_ages_us) {
            series.push(now, *age_us as f64 / 1e3);
        }
        let oldest = s.lag_ages_us.iter().copied().max().unwrap_or(0);
        self.push("lag_ms", now, oldest as f64 / 1e3);
        if let Some((then, produced_then, processed_then, errors_then)) = self.last {
            let seconds = now.since(then).as_us() as f64 / 1e6;
            if seconds > 0.0 {
                let produced = (s.produced - produced_then) as f64 / seconds;
                let consumed = (s.processed - processed_then) as f64 / seconds;
                self.push("produced_per_s", now, produced);
                self.push("consumed_per_s", now, consumed);
                self.push("produce_errors_per_s", now, (s.produce_errors - errors_then) as f64 / seconds);
            }
        }
        self.last = Some((now, s.produced, s.processed, s.produce_errors));
        self.window.push_back((now, s.produced, s.processed));
        if self.window.len() > DRAIN_WINDOW_SAMPLES + 1 {
            self.window.pop_front();
        }
        let drain = self.time_to_drain_s(lag_total);
        self.push("time_to_drain_s", now, drain);
        let (p50, p99) = percentiles(&mut self.latencies_us);
        self.latencies_us.clear();
        self.push("latency_p50_ms", now, p50);
        self.push("latency_p99_ms", now, p99);
        self.push("isr_min", now, s.isr_min as f64);
        self.push("under_replicated", now, s.under_replicated.into());
        self.push("offline", now, s.offline.into());
        self.push("rebalances", now, s.rebalances as f64);
        self.push("rebalancing", now, if s.rebalancing { 1.0 } else { 0.0 });
        self.push("rebalancing_ms", now, s.rebalancing_us as f64 / 1e3);
        if let Some(stream) = &s.stream {
            self.sample_stream(now, stream);
        }
        for &(name, value) in s.workload.iter().chain(&s.architectures) {
            self.push(name, now, value);
        }
    }

    fn sample_stream(&mut self, now: SimTime, s: &StreamSample) {
        let seconds = self.window.iter().rev().nth(1).map_or(0.0, |(then, _, _)| now.since(*then).as_us() as f64 / 1e6);
        let rate = if seconds > 0.0 { (s.results_total - self.results_last.min(s.results_total)) as f64 / seconds } else { 0.0 };
        self.results_last = s.results_total;
        self.push("stream_watermark_lag_ms", now, s.watermark_lag_us as f64 / 1e3);
        self.push("stream_results_per_s", now, rate);
        self.push("stream_late_dropped", now, s.late_dropped_total as f64);
        self.push("stream_state_bytes", now, s.state_bytes as f64);
        self.push("stream_checkpoint_ms", now, s.checkpoint_duration_us_last as f64 / 1e3);
        self.push("stream_result_latency_ms", now, s.result_latency_us_last as f64 / 1e3);
        self.push("stream_queued_records", now, s.queued_records as f64);
    }

    /// How long the backlog lasts at the window's rates: 0 when there is none, -1 when it
    /// is not shrinking (it never drains at these rates).
    fn time_to_drain_s(&self, lag_total: u64) -> f64 {
        let (Some(first), Some(last)) = (self.window.front(), self.window.back()) else { return 0.0 };
        let seconds = last.0.since(first.0).as_us() as f64 / 1e6;
        if lag_total == 0 {
            return 0.0;
        }
        if seconds <= 0.0 {
            return -1.0;
        }
        let produced = (last.1 - first.1) as f64 / seconds;
        let consumed = (last.2 - first.2) as f64 / seconds;
        if consumed > produced { lag_total as f64 / (consumed - produced) } else { -1.0 }
    }

    /// The name of every series this run keeps, in a stable order: the whole-topic series,
    /// the stream job's, the workload's, the architectures', then `lag_records.p<N>` and
    /// `lag_ms.p<N>` per partition. Exports walk this list; a series that never got a
    /// point (no stream job, say) is still named, and `points()` tells it is empty.
    pub fn names(&self) -> Vec<String> {
        let fixed = SERIES.iter().chain(&STREAM_SERIES).chain(&WORKLOAD_SERIES).chain(&ARCH_SERIES).map(|name| name.to_string());
        let partitions = 0..self.lag_per_partition.len();
        let lags = partitions.clone().map(|p| format!("lag_records.p{p}"));
        fixed.chain(lags).chain(partitions.map(|p| format!("lag_ms.p{p}"))).collect()
    }

    pub fn series(&self, name: &str) -> Option<&Series> {
        if let Some(series) = self.series.get(name) {
            return Some(series);
        }
        if let Some(partition) = name.strip_prefix("lag_ms.p") {
            return self.lag_ms_per_partition.get(partition.parse::<usize>().ok()?);
        }
        let partition: usize = name.strip_prefix("lag_records.p")?.parse().ok()?;
        self.lag_per_partition.get(partition)
    }
}

/// Nearest-rank p50 and p99 in ms; NaN-free: 0 when nothing was processed.
pub(crate) fn percentiles(latencies_us: &mut [u64]) -> (f64, f64) {
    if latencies_us.is_empty() {
        return (0.0, 0.0);
    }
    latencies_us.sort_unstable();
    let rank = |q: f64| latencies_us[((q * latencies_us.len() as f64).ceil() as usize).clamp(1, latencies_us.len()) - 1];
    (rank(0.50) as f64 / 1e3, rank(0.99) as f64 / 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>(lags: &'a [u64], produced: u64, processed: u64) -> Sample<'a> {
        Sample { lags, lag_ages_us: &[], produced, processed, produce_errors: 0, isr_min: 3, under_replicated: 0, offline: 0, rebalances: 1, rebalancing: false, rebalancing_us: 0, stream: None, workload: Vec::new(), architectures: Vec::new() }
    }

    #[test]
    fn names_list_every_series_once_and_each_resolves() {
        let metrics = Metrics::new(2, 10);
        let names = metrics.names();
        assert_eq!(names.len(), SERIES.len() + STREAM_SERIES.len() + WORKLOAD_SERIES.len() + ARCH_SERIES.len() + 4);
        assert_eq!(names.first().map(String::as_str), Some("lag_records"));
        assert_eq!(&names[names.len() - 4..], ["lag_records.p0", "lag_records.p1", "lag_ms.p0", "lag_ms.p1"]);
        assert!(names.iter().all(|name| metrics.series(name).is_some()), "every listed name resolves");
        let unique: std::collections::BTreeSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

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
    fn rates_are_differences_over_the_interval_and_drain_time_follows() {
        let mut metrics = Metrics::new(2, 10);
        metrics.sample(SimTime::from_us(1_000_000), &sample(&[1, 2], 100, 50));
        metrics.sample(SimTime::from_us(3_000_000), &sample(&[400, 600], 500, 1_250));
        let last = |name: &str| metrics.series(name).and_then(Series::last).map(|(_, v)| v);
        assert_eq!(last("lag_records"), Some(1_000.0));
        assert_eq!(last("lag_records.p1"), Some(600.0));
        assert_eq!(last("produced_per_s"), Some(200.0));
        assert_eq!(last("consumed_per_s"), Some(600.0));
        // 1,000 records behind, shrinking at 600 - 200 = 400 records/s.
        assert_eq!(last("time_to_drain_s"), Some(2.5));
        assert!(metrics.series("lag_records.p2").is_none());
        assert!(metrics.series("nope").is_none());
    }

    #[test]
    fn latency_percentiles_are_nearest_rank() {
        let mut metrics = Metrics::new(1, 10);
        let created: Vec<u64> = (1..=100).map(|i| 10_000_000 - i * 1_000).collect();
        metrics.record_latencies(SimTime::from_us(10_000_000), &created);
        metrics.sample(SimTime::from_us(10_000_000), &sample(&[0], 0, 0));
        let last = |m: &Metrics, name: &str| m.series(name).and_then(Series::last).map(|(_, v)| v);
        assert_eq!((last(&metrics, "latency_p50_ms"), last(&metrics, "latency_p99_ms")), (Some(50.0), Some(99.0)));
        metrics.sample(SimTime::from_us(11_000_000), &sample(&[0], 0, 0));
        assert_eq!(last(&metrics, "latency_p50_ms"), Some(0.0), "each interval starts afresh");
    }
}
