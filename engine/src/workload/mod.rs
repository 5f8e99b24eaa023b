//! A workload is what the producer sends and what the analytics make of it: UPI payments,
//! social posts, shop clicks. Each domain (`upi`, `social`, `shop`) brings five things:
//! its scenario section, a generator that decides when the next record comes and what it
//! says (with ground truth the job never reads), the fields a pipeline can extract, a keyed
//! operator that runs its analytics inside the stream job, and the scoring that compares
//! the job's visible results with the truth. This module joins them behind one face, so the
//! Kafka model carries a payload without knowing what it means.

pub mod checks;
pub mod query;
pub mod rate;
pub mod traffic;

use crate::error::InputError;
use crate::kafka::keys::KeySpace;
use crate::sim::SimTime;
use crate::stream::job::operator::Output;
use crate::scenario::stream::EventTimeSpec;
use crate::stream::{EventTimeUs, StreamRecord};
pub use query::{Query, QueryTruth, QueryView};
use crate::{shop, social, upi};
use serde::{Deserialize, Serialize};

/// What a record's value says, decoded. Small and `Copy`: it travels inside every record
/// through the log, replication and the job. Text (a post) is kept as the choices that
/// render it, so a log of millions of posts stays small and every reader sees the same words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    /// A generic scenario's record: only its size matters.
    #[default]
    None,
    Upi(upi::Txn),
    Post(social::Post),
    Shop(shop::ShopEvent),
}

/// How big a run is: "class" (default) keeps `producer.records_per_s`, a rate that reads well
/// projected; "real" replaces it with the domain's real-world mean rate, and grows the key
/// population by the same factor (see `WorkloadSpec::keys`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    #[default]
    Class,
    Real,
}

/// The scenario's `workload` section: `{"kind": "upi", …}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkloadSpec {
    Upi(upi::UpiSpec),
    Social(social::SocialSpec),
    Shop(shop::ShopSpec),
}

/// Which domain a workload, field or operator belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Upi,
    Social,
    Shop,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Upi => "upi",
            Kind::Social => "social",
            Kind::Shop => "shop",
        }
    }
}

impl WorkloadSpec {
    pub fn kind(&self) -> Kind {
        match self {
            WorkloadSpec::Upi(_) => Kind::Upi,
            WorkloadSpec::Social(_) => Kind::Social,
            WorkloadSpec::Shop(_) => Kind::Shop,
        }
    }

    /// The question every architecture answers for this domain.
    pub fn query(&self) -> Query {
        match self {
            WorkloadSpec::Upi(_) => upi::query(),
            WorkloadSpec::Social(_) => social::query(),
            WorkloadSpec::Shop(_) => shop::query(),
        }
    }

    pub fn validate(&self) -> Result<(), InputError> {
        match self {
            WorkloadSpec::Upi(spec) => spec.validate("workload"),
            WorkloadSpec::Social(spec) => spec.validate("workload"),
            WorkloadSpec::Shop(spec) => spec.validate("workload"),
        }
    }

    /// Sets the scale (the CLI's `--scale`).
    pub fn set_scale(&mut self, scale: Scale) {
        match self {
            WorkloadSpec::Upi(spec) => spec.scale = scale,
            WorkloadSpec::Social(spec) => spec.scale = scale,
            WorkloadSpec::Shop(spec) => spec.scale = scale,
        }
    }

    /// The base rate the producer runs at, records per second: the scenario's own at class
    /// scale, the domain's real-world mean at real scale.
    pub fn rate_per_s(&self, class_rate_per_s: u32) -> u32 {
        let (scale, real) = match self {
            WorkloadSpec::Upi(spec) => (spec.scale, upi::REAL_RATE_PER_S),
            WorkloadSpec::Social(spec) => (spec.scale, social::REAL_RATE_PER_S),
            WorkloadSpec::Shop(spec) => (spec.scale, shop::REAL_RATE_PER_S),
        };
        match scale {
            Scale::Class => class_rate_per_s,
            Scale::Real => real,
        }
    }

    /// The key population (payers, authors, shoppers) the producer draws from: the
    /// scenario's own at class scale; at real scale grown by the same factor as the rate
    /// (at most `limits::KEYS_MAX`), so each key acts as often as it does in class. Without
    /// it, a real-scale rate over a class-sized population would make every payer a
    /// velocity burst and every shopper busy.
    pub fn keys(&self, class_keys: u32, class_rate_per_s: u32) -> u32 {
        self.grown(class_keys, class_rate_per_s, crate::scenario::limits::KEYS_MAX)
    }

    /// How fast a consumer or an operator task processes, records per second: the
    /// scenario's own at class scale; at real scale grown by the same factor as the rate (at
    /// most `limits::RATE_RECORDS_PER_S_MAX`), so the pipeline has the headroom over its load
    /// that the scenario gave it in class. A real deployment is sized for its traffic; a
    /// class-sized consumer group under UPI's real rate would only ever show lag growing.
    pub fn capacity_per_s(&self, class_capacity_per_s: u32, class_rate_per_s: u32) -> u32 {
        self.grown(class_capacity_per_s, class_rate_per_s, crate::scenario::limits::RATE_RECORDS_PER_S_MAX)
    }

    /// `class_value` times real rate / class rate, at most `max`; unchanged at class scale
    /// and where the class rate is already the higher.
    fn grown(&self, class_value: u32, class_rate_per_s: u32, max: u32) -> u32 {
        let real_rate = self.rate_per_s(class_rate_per_s);
        if real_rate <= class_rate_per_s {
            return class_value;
        }
        let grown = u64::from(class_value) * u64::from(real_rate) / u64::from(class_rate_per_s);
        grown.min(u64::from(max)) as u32
    }
}

/// Refuses a domain field or operator (`what`, at `path`) in a scenario whose workload is
/// not one of `domains`.
pub fn check_domain(path: &str, what: &str, domains: &[Kind], workload: Option<Kind>) -> Result<(), InputError> {
    if workload.is_some_and(|w| domains.contains(&w)) {
        return Ok(());
    }
    let needed: Vec<&str> = domains.iter().map(|d| d.name()).collect();
    let have = workload.map_or("none".to_string(), |w| format!("{:?}", w.name()));
    Err(InputError::new(path, format!("{what} needs workload.kind {}; this scenario's workload is {have}", needed.join(" or "))))
}

/// The next record a generator has decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub at: SimTime,
    /// The Kafka key: an id into the producer's key space (a payer, an author, a shopper).
    pub key_id: u32,
    pub payload: Payload,
    /// The record's value size on the wire (a UPI JSON is a few hundred bytes).
    pub value_bytes: u32,
}

/// A domain's generator, seeded from the run's seed through its own random stream.
#[derive(Clone)]
pub enum Generator {
    Upi(Box<upi::Generator>),
    Social(Box<social::Generator>),
    Shop(Box<shop::Generator>),
}

impl Generator {
    pub fn new(spec: &WorkloadSpec, seed: u64, keys: &KeySpace) -> Generator {
        match spec {
            WorkloadSpec::Upi(spec) => Generator::Upi(Box::new(upi::Generator::new(spec, seed, keys))),
            WorkloadSpec::Social(spec) => Generator::Social(Box::new(social::Generator::new(spec, seed, keys))),
            WorkloadSpec::Shop(spec) => Generator::Shop(Box::new(shop::Generator::new(spec, seed, keys))),
        }
    }

    /// The next record strictly after `now`, with `base_per_s` the current base rate.
    pub fn next(&mut self, now: SimTime, base_per_s: u32, keys: &KeySpace) -> Arrival {
        match self {
            Generator::Upi(g) => g.next(now, base_per_s, keys),
            Generator::Social(g) => g.next(now, base_per_s, keys),
            Generator::Shop(g) => g.next(now, base_per_s, keys),
        }
    }
}

/// A payload field a pipeline step can read into a record's value or tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// upi: the amount in paise, and in whole rupees.
    AmountPaise,
    AmountRupees,
    /// upi: the payer's bank, the payer's app, the payee's id, success/failure/timeout.
    Bank,
    App,
    Payee,
    Status,
    /// upi and shop: the payment's or the product's category.
    Category,
    /// upi: where the payer is.
    City,
    /// social: the post's language and its topic.
    Language,
    Topic,
    /// shop: the step of the funnel (view, cart, checkout, purchase), the product, its price
    /// in paise and the quantity.
    Stage,
    Product,
    PricePaise,
    Quantity,
}

impl Field {
    /// The domains whose payloads have this field.
    pub fn domains(self) -> &'static [Kind] {
        match self {
            Field::AmountPaise | Field::AmountRupees | Field::Bank | Field::App | Field::Payee | Field::Status | Field::City => &[Kind::Upi],
            Field::Category => &[Kind::Upi, Kind::Shop],
            Field::Language | Field::Topic => &[Kind::Social],
            Field::Stage | Field::Product | Field::PricePaise | Field::Quantity => &[Kind::Shop],
        }
    }

    /// The field of `payload` as a number, `None` if its payload has no such field.
    pub fn of(self, payload: &Payload) -> Option<i64> {
        match payload {
            Payload::None => None,
            Payload::Upi(txn) => upi::field(txn, self),
            Payload::Post(post) => social::field(post, self),
            Payload::Shop(event) => shop::field(event, self),
        }
    }
}

/// A domain's keyed operator, with the same face as the job's other keyed operators.
#[derive(Clone, Debug)]
pub enum DomainOperator {
    Fraud(upi::FraudDetector),
    Trends(social::Trends),
    Funnel(shop::Funnel),
}

macro_rules! each_operator {
    ($self:expr, $op:ident => $body:expr) => {
        match $self {
            DomainOperator::Fraud($op) => $body,
            DomainOperator::Trends($op) => $body,
            DomainOperator::Funnel($op) => $body,
        }
    };
}

impl DomainOperator {
    /// Returns false if the record was too late to count (the late side output).
    pub fn on_record(&mut self, record: &StreamRecord, now_us: u64, out: &mut Vec<Output>) -> bool {
        each_operator!(self, op => op.on_record(record, now_us, out))
    }
    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        each_operator!(self, op => op.on_watermark(watermark_us, now_us, out))
    }
    pub fn on_processing_time(&mut self, now_us: u64, out: &mut Vec<Output>) {
        each_operator!(self, op => op.on_processing_time(now_us, out))
    }
    pub fn next_processing_time_us(&self) -> Option<u64> {
        each_operator!(self, op => op.next_processing_time_us())
    }
    pub fn state_bytes(&self) -> usize {
        each_operator!(self, op => op.state_bytes())
    }
    pub fn state_keys(&self) -> usize {
        each_operator!(self, op => op.state_keys())
    }
}

/// A domain operator's result, as it reaches the sink (see `stream::job::operator::Output`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "domain", rename_all = "snake_case")]
pub enum DomainOutput {
    Fraud(upi::FraudAlert),
    // Boxed: a trends pane (136 bytes) and a session (120) are rare beside alerts (64), and
    // every result the sink and its serving store hold is as large as the largest variant.
    Trends(Box<social::TrendsPane>),
    Funnel(Box<shop::SessionSummary>),
}

/// The analytics a domain shows on the page: the job's visible results read downstream (as
/// a read_committed consumer of the sink would) and scored against the generator's truth,
/// and the true answer to the workload's query.
#[derive(Clone)]
pub struct Analytics {
    domain: DomainAnalytics,
    truth: QueryTruth,
}

#[derive(Clone)]
enum DomainAnalytics {
    Upi(Box<upi::Analytics>),
    Social(Box<social::Analytics>),
    Shop(Box<shop::Analytics>),
}

/// The analytics' view for the page and the summary, per domain.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DomainView {
    Upi(upi::UpiView),
    Social(social::SocialView),
    Shop(shop::ShopView),
}

/// What the page shows of a workload (field names are a contract with www/).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkloadView {
    pub domain: DomainView,
    /// The latest window of the true answer to the workload's query.
    pub truth: Option<QueryView>,
}

/// Groups the page lists of the query's answer.
const TRUTH_VIEW_ROWS: usize = 10;

impl Analytics {
    /// `event_time` is the job's (or the default): the truth windows by the same event time.
    pub fn new(spec: &WorkloadSpec, event_time: EventTimeSpec) -> Analytics {
        let domain = match spec {
            WorkloadSpec::Upi(spec) => DomainAnalytics::Upi(Box::new(upi::Analytics::new(spec))),
            WorkloadSpec::Social(spec) => DomainAnalytics::Social(Box::new(social::Analytics::new(spec))),
            WorkloadSpec::Shop(spec) => DomainAnalytics::Shop(Box::new(shop::Analytics::new(spec))),
        };
        Analytics { domain, truth: QueryTruth::new(spec.query(), event_time) }
    }

    /// The producer created record `record_id` at `now`, stamped with CreateTime
    /// `timestamp_us` (its clock may be skewed): the truth side.
    pub fn on_created(&mut self, record_id: u64, now: SimTime, timestamp_us: u64, payload: &Payload) {
        self.truth.on_created(record_id, timestamp_us, payload);
        match &mut self.domain {
            DomainAnalytics::Upi(a) => a.on_created(record_id, now, payload),
            DomainAnalytics::Social(a) => a.on_created(record_id, now, payload),
            DomainAnalytics::Shop(a) => a.on_created(record_id, now, payload),
        }
    }

    /// A result of the job became visible at `now`: the detection side.
    pub fn on_output(&mut self, output: &Output, now: SimTime) {
        match &mut self.domain {
            DomainAnalytics::Upi(a) => a.on_output(output, now),
            DomainAnalytics::Social(a) => a.on_output(output, now),
            DomainAnalytics::Shop(a) => a.on_output(output, now),
        }
    }

    /// The true answer to the workload's query so far.
    pub fn truth(&self) -> &QueryTruth {
        &self.truth
    }

    /// The numbers sampled into the workload's series (`metrics::WORKLOAD_SERIES`).
    pub fn sample(&self, now: SimTime) -> Vec<(&'static str, f64)> {
        let mut out = Vec::new();
        let mut put = |name: &'static str, value: Option<f64>| out.extend(value.map(|v| (name, v)));
        match &self.domain {
            DomainAnalytics::Upi(a) => {
                let v = a.view(now);
                put("upi_tps", Some(v.tps));
                put("upi_success_percent", Some(100.0 * v.success_rate));
                put("upi_alerts_per_min", Some(v.alerts_per_min as f64));
                put("upi_precision", v.precision);
                put("upi_recall", v.recall);
                put("upi_latency_p99_ms", Some(f64::from(v.latency_p99_ms)));
            }
            DomainAnalytics::Social(a) => put("social_posts_per_s", Some(a.view(now).posts_per_s)),
            DomainAnalytics::Shop(a) => {
                let v = a.view(now);
                put("shop_events_per_s", Some(v.events_per_s));
                put("shop_conversion_percent", (v.funnel.counts.sessions > 0).then_some(v.funnel.view_to_purchase_percent));
                put("shop_abandonment_percent", (v.funnel.counts.cart > 0).then_some(v.funnel.cart_abandonment_percent));
            }
        }
        out
    }

    pub fn view(&self, now: SimTime) -> WorkloadView {
        let domain = match &self.domain {
            DomainAnalytics::Upi(a) => DomainView::Upi(a.view(now)),
            DomainAnalytics::Social(a) => DomainView::Social(a.view(now)),
            DomainAnalytics::Shop(a) => DomainView::Shop(a.view(now)),
        };
        WorkloadView { domain, truth: self.truth.view(TRUTH_VIEW_ROWS) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upi(scale: Scale) -> WorkloadSpec {
        WorkloadSpec::Upi(upi::UpiSpec { scale, ..upi::UpiSpec::default() })
    }

    #[test]
    fn real_scale_grows_the_population_with_the_rate_up_to_the_key_limit() {
        assert_eq!(upi(Scale::Class).keys(200_000, 200), 200_000, "class scale keeps the scenario's");
        // 7,523/s instead of 2,000/s: 3.76 times the payers, so each pays as often as in class.
        assert_eq!(upi(Scale::Real).keys(10_000, 2_000), 10_000 * upi::REAL_RATE_PER_S / 2_000);
        assert_eq!(upi(Scale::Real).keys(200_000, 200), crate::scenario::limits::KEYS_MAX, "capped");
        // A class rate above the real one is not shrunk.
        assert_eq!(upi(Scale::Real).keys(5_000, 20_000), 5_000);
        // Processing capacity grows by the same factor, so the headroom over the load stays.
        assert_eq!(upi(Scale::Class).capacity_per_s(3_000, 200), 3_000);
        assert_eq!(upi(Scale::Real).capacity_per_s(3_000, 200), 3_000 * upi::REAL_RATE_PER_S / 200);
        assert_eq!(upi(Scale::Real).capacity_per_s(5_000_000, 1), crate::scenario::limits::RATE_RECORDS_PER_S_MAX, "capped");
    }
}
