//! Trending hashtags, the way a trends pipeline finds them: count hashtags and words over
//! sliding event-time windows (say the last 60 s, recomputed every 10 s), fire each window
//! when the watermark passes its end, and compare it with the window of the same size just
//! before it. A hashtag trends when it is both frequent and growing: the pane lists the top
//! k by count, each with its count in the previous window, a trend score and how its rank
//! moved since the previous slide. The language mix of the window comes with it.
//!
//! The windowing is the engine's own (Beam semantics: `Windower` with `WindowFn::Sliding`
//! and the default watermark trigger); only the accumulator and the comparison are here.

use super::post::Post;
use super::{analyse, Language};
use crate::error::{check_range, InputError};
use crate::stream::job::operator::{Output, OutputId, OutputValue};
use crate::stream::trigger::Trigger;
use crate::stream::window::WindowFn;
use crate::stream::windower::{Accumulation, Pane, Windower, WindowingSpec};
use crate::stream::{Aggregate, EventTimeUs, StreamRecord};
use crate::workload::{DomainOutput, Payload};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Distinct hashtags, and distinct words, one window counts at most; beyond that new terms
/// are only counted in `other_terms` (the generator's vocabulary is far smaller).
pub const TERMS_MAX: usize = 4_096;
/// Keys whose past windows are remembered for the comparison; the least recent goes first.
pub const HISTORY_KEYS_MAX: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrendsSpec {
    /// Window size, 1,000 to 86,400,000 ms (default 60,000).
    pub size_ms: u32,
    /// A new window starts every period, 1 ms to size_ms, dividing size_ms, at most 100
    /// windows per post (default 10,000).
    pub period_ms: u32,
    /// Hashtags and words listed per pane, 1 to 50 (default 10).
    pub top_k: u32,
    /// How long after a window's end late posts still update it (a late pane), 0 to
    /// 86,400,000 ms (default 0).
    pub allowed_lateness_ms: u32,
}

impl Default for TrendsSpec {
    fn default() -> Self {
        TrendsSpec { size_ms: 60_000, period_ms: 10_000, top_k: 10, allowed_lateness_ms: 0 }
    }
}

impl TrendsSpec {
    pub fn validate(&self, path: &str) -> Result<(), InputError> {
        check_range(&format!("{path}.size_ms"), self.size_ms, 1_000, 86_400_000, "ms")?;
        check_range(&format!("{path}.period_ms"), self.period_ms, self.size_ms.div_ceil(100), self.size_ms, "ms (at most size_ms, at least size_ms / 100)")?;
        if self.size_ms % self.period_ms != 0 {
            // The previous window of the same size must itself be one of the windows.
            return Err(InputError::new(format!("{path}.period_ms"), format!("must divide size_ms ({}) so the previous window of the same size is a window too", self.size_ms)));
        }
        check_range(&format!("{path}.top_k"), self.top_k, 1, 50, "")?;
        check_range(&format!("{path}.allowed_lateness_ms"), self.allowed_lateness_ms, 0, 86_400_000, "ms")
    }
}

/// What one post adds to a window: its language as `social::language` reads the text, its
/// hashtags (normalised, each once per post) and its words (stop words removed, every
/// occurrence).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostTerms {
    pub language: Language,
    pub hashtags: Vec<String>,
    pub words: Vec<String>,
}

/// Reads a post the way the job does: render its text, tokenize once.
pub fn terms_of(post: &Post) -> PostTerms {
    let text = post.text();
    let analysis = analyse(&text);
    let mut hashtags: Vec<String> = analysis.hashtags.into_iter().map(|h| h.into_owned()).collect();
    hashtags.sort_unstable();
    hashtags.dedup();
    PostTerms { language: analysis.language, hashtags, words: analysis.words.into_iter().map(|w| w.into_owned()).collect() }
}

/// Posts per language in a window, by `Language::code`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LanguageMix {
    pub hi: u64,
    pub en: u64,
    pub hinglish: u64,
    pub mixed: u64,
    pub und: u64,
}

impl LanguageMix {
    pub fn add(&mut self, language: Language, n: u64) {
        let slot = match language {
            Language::Hindi => &mut self.hi,
            Language::English => &mut self.en,
            Language::Hinglish => &mut self.hinglish,
            Language::Mixed => &mut self.mixed,
            Language::Unknown => &mut self.und,
        };
        *slot += n;
    }

    fn merge(&mut self, other: &LanguageMix) {
        self.hi += other.hi;
        self.en += other.en;
        self.hinglish += other.hinglish;
        self.mixed += other.mixed;
        self.und += other.und;
    }
}

/// The accumulator of one window: a combining function for the engine's windower.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TermCounts {
    pub posts: u64,
    pub languages: LanguageMix,
    pub hashtags: BTreeMap<String, u32>,
    pub words: BTreeMap<String, u32>,
    /// Term occurrences not counted because the window already held `TERMS_MAX` terms.
    pub other_terms: u64,
}

impl TermCounts {
    fn count(map: &mut BTreeMap<String, u32>, term: &str, n: u32, other: &mut u64) {
        if let Some(c) = map.get_mut(term) {
            *c += n;
        } else if map.len() < TERMS_MAX {
            map.insert(term.to_string(), n);
        } else {
            *other += u64::from(n);
        }
    }
}

impl Aggregate for TermCounts {
    type Input = PostTerms;

    fn add(&mut self, input: &PostTerms) {
        self.posts += 1;
        self.languages.add(input.language, 1);
        for h in &input.hashtags {
            TermCounts::count(&mut self.hashtags, h, 1, &mut self.other_terms);
        }
        for w in &input.words {
            TermCounts::count(&mut self.words, w, 1, &mut self.other_terms);
        }
    }

    fn merge(&mut self, other: &Self) {
        self.posts += other.posts;
        self.languages.merge(&other.languages);
        self.other_terms += other.other_terms;
        for (h, &n) in &other.hashtags {
            TermCounts::count(&mut self.hashtags, h, n, &mut self.other_terms);
        }
        for (w, &n) in &other.words {
            TermCounts::count(&mut self.words, w, n, &mut self.other_terms);
        }
    }

    fn is_empty(&self) -> bool {
        self.posts == 0
    }

    fn state_bytes(&self) -> usize {
        let terms: usize = self.hashtags.keys().chain(self.words.keys()).map(|t| t.len() + 28).sum();
        64 + terms
    }
}

/// One hashtag in a pane's top k.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendingTag {
    pub tag: String,
    /// Posts with it in this window.
    pub count: u32,
    /// Posts with it in the previous window of the same size (the one ending where this starts).
    pub previous_count: u32,
    /// [`trend_score`] of the two counts.
    pub score: f64,
    /// 1 for the most frequent.
    pub rank: u32,
    /// Its rank in the previous slide's pane (the window one period earlier), if it was in
    /// that top k.
    pub previous_rank: Option<u32>,
    /// previous_rank − rank: positive when it climbed; absent when it is new in the top k.
    pub rank_change: Option<i32>,
}

/// A word and its occurrences in the window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WordCount {
    pub word: String,
    pub count: u32,
}

/// The trends job's result for one key's window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrendsPane {
    pub key: u64,
    pub window_start_ms: i64,
    pub window_end_ms: i64,
    /// "ON_TIME", or "LATE" for an update by late posts.
    pub timing: &'static str,
    pub posts: u64,
    pub languages: LanguageMix,
    /// The top k hashtags by count (ties: by text).
    pub hashtags: Vec<TrendingTag>,
    /// The top k words by count (ties: by text).
    pub words: Vec<WordCount>,
}

/// How much a hashtag grew: (count + 1) / (previous + 1). The +1 (Laplace smoothing) keeps
/// a tag that came from nothing finite and stops 1 → 3 from outranking 100 → 250.
pub fn trend_score(count: u32, previous: u32) -> f64 {
    (f64::from(count) + 1.0) / (f64::from(previous) + 1.0)
}

/// The `k` largest counts, largest first, ties by text.
pub fn top_k(counts: &BTreeMap<String, u32>, k: usize) -> Vec<(&str, u32)> {
    let mut all: Vec<(&str, u32)> = counts.iter().map(|(t, &c)| (t.as_str(), c)).collect();
    crate::sim::sort::sort_by(&mut all, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    all.truncate(k);
    all
}

/// What is remembered of a fired window: every hashtag's count and the top k's order.
#[derive(Clone, Debug)]
struct Fired {
    hashtags: BTreeMap<String, u32>,
    top: Vec<String>,
}

/// The trends operator: one windower over all keys (a key is whatever the pipeline keyed
/// by: one constant key, or the language), and each key's recently fired windows.
#[derive(Clone, Debug)]
pub struct Trends {
    size_us: i64,
    period_us: i64,
    top_k: usize,
    /// Boxed: the operator sits in an enum with the other domains' operators.
    windower: Box<Windower<u64, TermCounts>>,
    history: BTreeMap<u64, BTreeMap<EventTimeUs, Fired>>,
}

impl Trends {
    pub fn new(spec: &TrendsSpec) -> Trends {
        let (size_us, period_us) = (i64::from(spec.size_ms) * 1_000, i64::from(spec.period_ms) * 1_000);
        let windowing = WindowingSpec {
            windows: WindowFn::Sliding { size_us, period_us, offset_us: 0 },
            trigger: Trigger::Default,
            allowed_lateness_us: i64::from(spec.allowed_lateness_ms) * 1_000,
            // A late pane must carry the whole window, to be compared and ranked again.
            accumulation: Accumulation::Accumulating,
        };
        Trends { size_us, period_us, top_k: spec.top_k as usize, windower: Box::new(Windower::new(windowing, TermCounts::default())), history: BTreeMap::new() }
    }

    /// Returns false if the post was too late for every window it belongs to.
    pub fn on_record(&mut self, record: &StreamRecord, now_us: u64, out: &mut Vec<Output>) -> bool {
        let Payload::Post(post) = &record.payload else { return true };
        let mut panes = Vec::new();
        let outcome = self.windower.on_element(record.key, record.event_time_us, &terms_of(post), now_us, &mut panes);
        self.emit(panes, now_us, out);
        !outcome.late_dropped()
    }

    pub fn on_watermark(&mut self, watermark_us: EventTimeUs, now_us: u64, out: &mut Vec<Output>) {
        let mut panes = Vec::new();
        self.windower.on_watermark(watermark_us, now_us, &mut panes);
        self.emit(panes, now_us, out);
    }

    pub fn on_processing_time(&mut self, now_us: u64, out: &mut Vec<Output>) {
        let mut panes = Vec::new();
        self.windower.on_processing_time(now_us, &mut panes);
        self.emit(panes, now_us, out);
    }

    pub fn next_processing_time_us(&self) -> Option<u64> {
        self.windower.next_processing_time_us()
    }

    pub fn state_bytes(&self) -> usize {
        let remembered: usize = self.history.values().flat_map(|h| h.values()).map(|f| f.hashtags.keys().map(|t| t.len() + 28).sum::<usize>() + 32).sum();
        self.windower.state_bytes() + remembered
    }

    pub fn state_keys(&self) -> usize {
        self.windower.open_windows()
    }

    /// Earlier windows first, so each is remembered before the window after it compares.
    fn emit(&mut self, mut panes: Vec<Pane<u64, TermCounts>>, now_us: u64, out: &mut Vec<Output>) {
        crate::sim::sort::sort_by_key(&mut panes, |p| (p.window.end_us, p.key, p.index));
        for pane in panes {
            let id = OutputId { key: pane.key, start_us: pane.window.start_us, end_us: pane.window.end_us, pane: pane.index };
            let value = OutputValue::Domain(DomainOutput::Trends(Box::new(self.compare(pane))));
            out.push(Output { id, value, emitted_at_us: now_us });
        }
    }

    /// Ranks the pane's window against the remembered ones, then remembers it.
    fn compare(&mut self, pane: Pane<u64, TermCounts>) -> TrendsPane {
        let (key, start) = (pane.key, pane.window.start_us);
        let counts = pane.accumulator;
        let past = self.history.entry(key).or_default();
        let same_size_before = past.get(&(start - self.size_us)).map(|f| &f.hashtags);
        let slide_before = past.get(&(start - self.period_us)).map(|f| &f.top);
        let top = top_k(&counts.hashtags, self.top_k);
        let hashtags: Vec<TrendingTag> = top
            .iter()
            .enumerate()
            .map(|(i, &(tag, count))| {
                let previous_count = same_size_before.and_then(|h| h.get(tag)).copied().unwrap_or(0);
                let rank = i as u32 + 1;
                let previous_rank = slide_before.and_then(|t| t.iter().position(|p| p == tag)).map(|p| p as u32 + 1);
                TrendingTag { tag: tag.to_string(), count, previous_count, score: trend_score(count, previous_count), rank, previous_rank, rank_change: previous_rank.map(|p| p as i32 - rank as i32) }
            })
            .collect();
        let words = top_k(&counts.words, self.top_k).into_iter().map(|(w, c)| WordCount { word: w.to_string(), count: c }).collect();
        let result = TrendsPane {
            key,
            window_start_ms: start / 1_000,
            window_end_ms: pane.window.end_us / 1_000,
            timing: pane.timing.as_str(),
            posts: counts.posts,
            languages: counts.languages,
            hashtags,
            words,
        };
        let top = result.hashtags.iter().map(|t| t.tag.clone()).collect();
        past.insert(start, Fired { hashtags: counts.hashtags, top });
        // Only the window one size back and the one a period back are ever compared with.
        let keep_from = start - self.size_us;
        past.retain(|&s, _| s >= keep_from);
        self.bound_history(key);
        result
    }

    /// Forgets the key whose latest window is the oldest, beyond `HISTORY_KEYS_MAX` keys.
    fn bound_history(&mut self, keep: u64) {
        while self.history.len() > HISTORY_KEYS_MAX {
            let stalest = self.history.iter().filter(|(&k, _)| k != keep).min_by_key(|(_, h)| h.keys().next_back().copied()).map(|(&k, _)| k);
            match stalest {
                Some(k) => self.history.remove(&k),
                None => break,
            };
        }
    }
}
