//! The scenario's `workload` section for social posts: how much traffic, which languages and
//! topics in what proportions, how often posts carry hashtags, mentions and emoji, and the
//! bursts (a cricket final, a festival evening, a breaking story) that both lift the rate and
//! pull the conversation toward one topic. Validated once; the generator trusts it.

use super::vocabulary::Topic;
use crate::error::{check_finite_range, check_range, InputError};
use crate::workload::traffic::{Spike, TrafficSpec, MULTIPLIER_MAX, SPIKES_MAX};
use crate::workload::Scale;
use serde::{Deserialize, Serialize};

/// Posts per second at `"scale": "real"`. The basis: X/Twitter's widely quoted figure of
/// about 500 million posts a day worldwide is 5,787 per second on average; 6,000 rounds it.
/// An Indian trends pipeline sees a fraction of that on an ordinary day, but a World Cup
/// final or Diwali evening lifts Indian traffic to that order, so it is the rate a real job
/// must be sized for.
pub const REAL_RATE_PER_S: u32 = 6_000;

/// Bursts a workload may declare (they share the traffic's spike budget).
pub const BURSTS_MAX: usize = 8;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SocialSpec {
    pub scale: Scale,
    /// The diurnal curve and any plain spikes (a burst adds its own spike).
    pub traffic: TrafficSpec,
    /// Relative weights of the post languages, each 0 to 100, not all 0
    /// (default hi 35, hinglish 40, en 25).
    pub languages: LanguageWeights,
    /// Relative weights of the topics outside bursts, each 0 to 100, not all 0.
    pub topics: TopicWeights,
    /// Percentage of posts with at least one hashtag, 0 to 100 (default 70). Of those, 60%
    /// carry one, 30% two and 10% three.
    pub hashtag_percent: f64,
    /// Percentage of posts that mention an account, 0 to 100 (default 20).
    pub mention_percent: f64,
    /// Percentage of posts with an emoji, 0 to 100 (default 50).
    pub emoji_percent: f64,
    /// Topic bursts, at most 8.
    pub bursts: Vec<Burst>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LanguageWeights {
    pub hi: f64,
    pub hinglish: f64,
    pub en: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicWeights {
    pub cricket: f64,
    pub festival: f64,
    pub news: f64,
    pub bollywood: f64,
    pub daily: f64,
}

/// A burst of posts about one topic: a cricket final's last over, Diwali evening, a breaking
/// story.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// What it is, for the page, 1 to 64 characters.
    pub label: String,
    pub topic: Topic,
    /// When it starts, ms of simulated time since the run began.
    pub start_ms: u64,
    /// How long it lasts, 1 ms to 10 days.
    pub duration_ms: u64,
    /// The rate during the burst as a multiple of the rate without it, 1 to 100.
    pub multiplier: f64,
    /// Percentage of posts during the burst that are about its topic, 0 to 100 (default 60);
    /// the rest follow the usual topic weights.
    #[serde(default = "default_topic_percent")]
    pub topic_percent: f64,
}

fn default_topic_percent() -> f64 {
    60.0
}

impl Default for SocialSpec {
    fn default() -> Self {
        SocialSpec {
            scale: Scale::Class,
            traffic: TrafficSpec::default(),
            languages: LanguageWeights::default(),
            topics: TopicWeights::default(),
            hashtag_percent: 70.0,
            mention_percent: 20.0,
            emoji_percent: 50.0,
            bursts: Vec::new(),
        }
    }
}

impl Default for LanguageWeights {
    fn default() -> Self {
        LanguageWeights { hi: 35.0, hinglish: 40.0, en: 25.0 }
    }
}

impl Default for TopicWeights {
    fn default() -> Self {
        TopicWeights { cricket: 25.0, festival: 15.0, news: 20.0, bollywood: 15.0, daily: 25.0 }
    }
}

impl LanguageWeights {
    /// In `Lang::ALL` order.
    pub fn as_array(&self) -> [f64; 3] {
        [self.hi, self.hinglish, self.en]
    }
}

impl TopicWeights {
    /// In `Topic::ALL` order.
    pub fn as_array(&self) -> [f64; 5] {
        [self.cricket, self.festival, self.news, self.bollywood, self.daily]
    }
}

impl SocialSpec {
    /// Checks every field; `path` is where this section sits in the scenario.
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        self.traffic.validate(&format!("{path}.traffic"))?;
        check_weights(&format!("{path}.languages"), &["hi", "hinglish", "en"], &self.languages.as_array())?;
        check_weights(&format!("{path}.topics"), &["cricket", "festival", "news", "bollywood", "daily"], &self.topics.as_array())?;
        check_finite_range(&format!("{path}.hashtag_percent"), self.hashtag_percent, 0.0, 100.0, "%")?;
        check_finite_range(&format!("{path}.mention_percent"), self.mention_percent, 0.0, 100.0, "%")?;
        check_finite_range(&format!("{path}.emoji_percent"), self.emoji_percent, 0.0, 100.0, "%")?;
        check_range(&format!("{path}.bursts"), self.bursts.len(), 0, BURSTS_MAX, "bursts")?;
        let spikes = self.traffic.spikes.len() + self.bursts.len();
        if spikes > SPIKES_MAX {
            return Err(InputError::new(format!("{path}.bursts"), format!("traffic.spikes and bursts together must be at most {SPIKES_MAX} (got {spikes})")));
        }
        for (i, burst) in self.bursts.iter().enumerate() {
            let at = format!("{path}.bursts[{i}]");
            // A burst is a spike with a topic: the traffic's own checks name its fields.
            TrafficSpec { spikes: vec![burst.spike()], ..TrafficSpec::default() }
                .validate("")
                .map_err(|e| InputError::new(format!("{at}{}", e.path.trim_start_matches(".spikes[0]")), e.message))?;
            check_finite_range(&format!("{at}.topic_percent"), burst.topic_percent, 0.0, 100.0, "%")?;
        }
        Ok(())
    }

    /// The traffic shape with every burst added as a spike.
    pub fn traffic_with_bursts(&self) -> TrafficSpec {
        let mut traffic = self.traffic.clone();
        traffic.spikes.extend(self.bursts.iter().map(Burst::spike));
        traffic
    }

    /// The burst in force at `at_us` of simulated time (the first declared wins).
    pub fn burst_at(&self, at_us: u64) -> Option<&Burst> {
        self.bursts.iter().find(|b| (b.start_ms * 1_000..(b.start_ms + b.duration_ms) * 1_000).contains(&at_us))
    }
}

impl Burst {
    pub fn spike(&self) -> Spike {
        Spike { label: self.label.clone(), start_ms: self.start_ms, duration_ms: self.duration_ms, multiplier: self.multiplier }
    }
}


fn check_weights(path: &str, names: &[&str], weights: &[f64]) -> Result<(), InputError> {
    for (name, w) in names.iter().zip(weights) {
        if !w.is_finite() {
            return Err(InputError::new(format!("{path}.{name}"), "must be a finite number between 0 and 100"));
        }
        check_range(&format!("{path}.{name}"), *w, 0.0, MULTIPLIER_MAX, "")?;
    }
    if weights.iter().all(|&w| w == 0.0) {
        return Err(InputError::new(path, "must have at least one weight above 0"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst() -> Burst {
        Burst { label: "final".into(), topic: Topic::Cricket, start_ms: 0, duration_ms: 1_000, multiplier: 3.0, topic_percent: 60.0 }
    }

    #[test]
    fn bad_fields_are_named_by_their_path() {
        let mut spec = SocialSpec::default();
        assert!(spec.validate("workload").is_ok());
        spec.languages = LanguageWeights { hi: 0.0, hinglish: 0.0, en: 0.0 };
        assert_eq!(spec.validate("workload").unwrap_err().path, "workload.languages");
        spec.languages.en = f64::NAN;
        assert_eq!(spec.validate("workload").unwrap_err().path, "workload.languages.en");
        let mut spec = SocialSpec { hashtag_percent: 101.0, ..SocialSpec::default() };
        assert_eq!(spec.validate("w").unwrap_err().path, "w.hashtag_percent");
        spec.hashtag_percent = 50.0;
        spec.bursts = vec![Burst { multiplier: 0.5, ..burst() }];
        assert_eq!(spec.validate("w").unwrap_err().path, "w.bursts[0].multiplier");
        spec.bursts = vec![Burst { label: String::new(), ..burst() }];
        assert_eq!(spec.validate("w").unwrap_err().path, "w.bursts[0].label");
        spec.bursts = vec![Burst { topic_percent: -1.0, ..burst() }];
        assert_eq!(spec.validate("w").unwrap_err().path, "w.bursts[0].topic_percent");
        spec.bursts = vec![burst(); BURSTS_MAX + 1];
        assert_eq!(spec.validate("w").unwrap_err().path, "w.bursts");
    }

    #[test]
    fn a_burst_is_a_spike_while_it_lasts() {
        let spec = SocialSpec { bursts: vec![Burst { start_ms: 5_000, ..burst() }], ..SocialSpec::default() };
        assert_eq!(spec.traffic_with_bursts().spikes.len(), 1);
        assert!(spec.burst_at(4_999_999).is_none());
        assert_eq!(spec.burst_at(5_000_000).map(|b| b.label.as_str()), Some("final"));
        assert!(spec.burst_at(6_000_000).is_none());
    }
}
