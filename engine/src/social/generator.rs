//! The post generator: when the next post comes (a Poisson process on the traffic curve,
//! lifted by bursts), who writes it (the Kafka key, drawn Zipf-skewed so a few influencers
//! post far more than everyone else), and what it says. During a burst the topic mix leans
//! toward the burst's topic, which is what makes its hashtags trend.

use super::post::{Post, HASHTAGS_PER_POST_MAX, NONE_U16, NONE_U8};
use super::spec::SocialSpec;
use super::vocabulary::{hashtags_of, Lang, Topic, EMOJI, MENTIONS, PHRASES};
use crate::kafka::keys::KeySpace;
use crate::sim::{SimRng, SimTime};
use crate::workload::traffic::Traffic;
use crate::workload::{Arrival, Payload};

/// Bytes a post's record carries besides its text: ids, the author, timestamps, language
/// and the JSON around them.
const ENVELOPE_BYTES: u32 = 250;

/// How likely a hashtag is written in Devanagari, by the post's language.
const DEVANAGARI_TAG_PERCENT: [f64; 3] = [70.0, 30.0, 10.0];

#[derive(Clone)]
pub struct Generator {
    rng: SimRng,
    traffic: Traffic,
    spec: SocialSpec,
    /// `tags[topic][devanagari]`: hashtag ids, most used first.
    tags: Vec<[Vec<u16>; 2]>,
}

impl Generator {
    pub fn new(spec: &SocialSpec, seed: u64, _keys: &KeySpace) -> Generator {
        let tags = Topic::ALL.iter().map(|&t| [hashtags_of(t, false).collect(), hashtags_of(t, true).collect()]).collect();
        Generator { rng: SimRng::stream(seed, "workload-social"), traffic: Traffic::new(&spec.traffic_with_bursts()), spec: spec.clone(), tags }
    }

    /// The next post strictly after `now`, at `base_per_s` before the curve and bursts.
    pub fn next(&mut self, now: SimTime, base_per_s: u32, keys: &KeySpace) -> Arrival {
        let at = self.traffic.next_arrival(&mut self.rng, now, base_per_s);
        let key_id = keys.sample(&mut self.rng);
        let post = self.compose(at);
        let value_bytes = post.text().len() as u32 + ENVELOPE_BYTES;
        Arrival { at, key_id, payload: Payload::Post(post), value_bytes }
    }

    /// Chooses everything a post at `at` says.
    pub fn compose(&mut self, at: SimTime) -> Post {
        let language = Lang::ALL[pick(&mut self.rng, &self.spec.languages.as_array())];
        let topic = self.topic_at(at);
        let book = &PHRASES[topic.index()][language.index()];
        let template = self.rng.below(book.templates.len() as u64) as u8;
        let n = book.words.len() as u64;
        let first = self.rng.below(n);
        // The second word differs from the first: one of the other n − 1, shifted past it.
        let second = (first + 1 + self.rng.below(n - 1)) % n;
        let mention = if self.chance(self.spec.mention_percent) { self.rng.below(MENTIONS.len() as u64) as u8 } else { NONE_U8 };
        let emoji = if self.chance(self.spec.emoji_percent) { self.rng.below(EMOJI.len() as u64) as u8 } else { NONE_U8 };
        let hashtags = self.hashtags(topic, language);
        Post { language, topic, template, words: [first as u8, second as u8], hashtags, mention, emoji }
    }

    /// A burst's topic with its `topic_percent`, otherwise the usual weights.
    fn topic_at(&mut self, at: SimTime) -> Topic {
        let burst = self.spec.burst_at(at.as_us()).map(|b| (b.topic, b.topic_percent));
        if let Some((topic, percent)) = burst {
            if self.chance(percent) {
                return topic;
            }
        }
        Topic::ALL[pick(&mut self.rng, &self.spec.topics.as_array())]
    }

    /// 0 to 3 distinct hashtags of the topic. The script follows the language; within a
    /// script the earlier tags are more popular (the smaller of two uniform draws).
    fn hashtags(&mut self, topic: Topic, language: Lang) -> [u16; HASHTAGS_PER_POST_MAX] {
        let mut out = [NONE_U16; HASHTAGS_PER_POST_MAX];
        if !self.chance(self.spec.hashtag_percent) {
            return out;
        }
        let wanted = match self.rng.below(10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut have = 0;
        // A few extra attempts make room for draws that repeat a tag already chosen.
        for _ in 0..wanted * 4 {
            if have == wanted {
                break;
            }
            let devanagari = self.chance(DEVANAGARI_TAG_PERCENT[language.index()]);
            let list = &self.tags[topic.index()][usize::from(devanagari)];
            let n = list.len() as u64;
            let id = list[self.rng.below(n).min(self.rng.below(n)) as usize];
            if !out[..have].contains(&id) {
                out[have] = id;
                have += 1;
            }
        }
        out
    }

    fn chance(&mut self, percent: f64) -> bool {
        self.rng.unit_f64() * 100.0 < percent
    }
}

/// An index drawn with probability proportional to its weight (validation keeps at least
/// one weight above zero).
fn pick(rng: &mut SimRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.unit_f64() * total;
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    // Rounding can leave x at the very top: the last index with any weight.
    weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
}
