//! What the page shows of the trends job, read downstream as a dashboard would: the latest
//! visible pane of each key (top hashtags with their trend, top words, the language mix),
//! next to what only the generator knows: how many posts were really created, how fast, and
//! which burst is on.

use super::spec::SocialSpec;
use super::trends::TrendsPane;
use crate::sim::SimTime;
use crate::workload::rate::Rate;
use crate::stream::job::operator::{Output, OutputValue};
use crate::workload::{DomainOutput, Payload};
use serde::Serialize;
use std::collections::BTreeMap;

/// Keys whose latest pane is kept (a trends job keys by one constant or by language).
pub const VIEW_KEYS_MAX: usize = 8;
/// Seconds the posting rate is averaged over.
const RATE_SECONDS: u64 = 10;

#[derive(Clone)]
pub struct Analytics {
    spec: SocialSpec,
    created: u64,
    /// Posts per whole second, over the last `RATE_SECONDS`.
    per_second: Rate,
    /// Posts created per language the generator chose (hi, hinglish, en).
    created_languages: [u64; 3],
    latest: BTreeMap<u64, TrendsPane>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SocialView {
    /// Posts the producer created so far (the truth).
    pub created: u64,
    /// Posts per second created over the last 10 whole seconds of simulated time.
    pub posts_per_s: f64,
    /// The burst in force now, if any.
    pub burst: Option<String>,
    /// Created posts per language as written: hi, hinglish, en.
    pub created_languages: [u64; 3],
    /// The latest visible pane of each key, by key.
    pub panes: Vec<TrendsPane>,
}

impl Analytics {
    pub fn new(spec: &SocialSpec) -> Analytics {
        Analytics { spec: spec.clone(), created: 0, per_second: Rate::new(RATE_SECONDS), created_languages: [0; 3], latest: BTreeMap::new() }
    }

    pub fn on_created(&mut self, _record_id: u64, now: SimTime, payload: &Payload) {
        let Payload::Post(post) = payload else { return };
        self.created += 1;
        self.created_languages[post.language.index()] += 1;
        self.per_second.add(now);
    }

    /// A visible result: a pane replaces its key's latest unless a later window is shown.
    pub fn on_output(&mut self, output: &Output, _now: SimTime) {
        let OutputValue::Domain(DomainOutput::Trends(pane)) = &output.value else { return };
        let newer = self.latest.get(&pane.key).is_none_or(|shown| shown.window_end_ms <= pane.window_end_ms);
        if newer && (self.latest.contains_key(&pane.key) || self.latest.len() < VIEW_KEYS_MAX) {
            self.latest.insert(pane.key, (**pane).clone());
        }
    }

    pub fn view(&self, now: SimTime) -> SocialView {
        SocialView {
            created: self.created,
            posts_per_s: self.per_second.per_s(now),
            burst: self.spec.burst_at(now.as_us()).map(|b| b.label.clone()),
            created_languages: self.created_languages,
            panes: self.latest.values().cloned().collect(),
        }
    }
}
