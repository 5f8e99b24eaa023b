//! What the page shows of the trends job, read downstream as a dashboard would: the latest
//! visible pane of each key (top hashtags with their trend, top words, the language mix),
//! next to what only the generator knows: how many posts were really created, how fast, and
//! which burst is on.

use super::spec::SocialSpec;
use super::trends::TrendsPane;
use crate::sim::SimTime;
use crate::stream::job::operator::{Output, OutputValue};
use crate::workload::{DomainOutput, Payload};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};

/// Keys whose latest pane is kept (a trends job keys by one constant or by language).
pub const VIEW_KEYS_MAX: usize = 8;
/// Seconds the posting rate is averaged over.
const RATE_SECONDS: u64 = 10;

pub struct Analytics {
    spec: SocialSpec,
    created: u64,
    /// (second of simulated time, posts created in it): the current second and the
    /// `RATE_SECONDS` before it.
    per_second: VecDeque<(u64, u64)>,
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
        Analytics { spec: spec.clone(), created: 0, per_second: VecDeque::new(), created_languages: [0; 3], latest: BTreeMap::new() }
    }

    pub fn on_created(&mut self, _record_id: u64, now: SimTime, payload: &Payload) {
        let Payload::Post(post) = payload else { return };
        self.created += 1;
        self.created_languages[post.language.index()] += 1;
        let second = now.as_us() / 1_000_000;
        match self.per_second.back_mut() {
            Some((s, n)) if *s == second => *n += 1,
            _ => self.per_second.push_back((second, 1)),
        }
        while self.per_second.front().is_some_and(|&(s, _)| s + RATE_SECONDS < second) {
            self.per_second.pop_front();
        }
    }

    /// A visible result: a pane replaces its key's latest unless a later window is shown.
    pub fn on_output(&mut self, output: &Output, _now: SimTime) {
        let OutputValue::Domain(DomainOutput::Trends(pane)) = &output.value else { return };
        let newer = self.latest.get(&pane.key).is_none_or(|shown| shown.window_end_ms <= pane.window_end_ms);
        if newer && (self.latest.contains_key(&pane.key) || self.latest.len() < VIEW_KEYS_MAX) {
            self.latest.insert(pane.key, pane.clone());
        }
    }

    pub fn view(&self, now: SimTime) -> SocialView {
        let second = now.as_us() / 1_000_000;
        // The last RATE_SECONDS whole seconds (fewer at the start): the current second is
        // still filling up.
        let recent: u64 = self.per_second.iter().filter(|&&(s, _)| s < second && s + RATE_SECONDS >= second).map(|&(_, n)| n).sum();
        let span = second.clamp(1, RATE_SECONDS);
        SocialView {
            created: self.created,
            posts_per_s: recent as f64 / span as f64,
            burst: self.spec.burst_at(now.as_us()).map(|b| b.label.clone()),
            created_languages: self.created_languages,
            panes: self.latest.values().cloned().collect(),
        }
    }
}
