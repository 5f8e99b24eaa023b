//! The social workload end to end: the trends job's panes against a brute-force recount of
//! the posts in the topic (top-k hashtags and words, previous counts, trend scores, rank
//! changes, language mix), a burst that makes its topic trend, and the posts-per-hashtag
//! stream job against the query's truth. Runs are late-free (every post reaches Kafka within
//! 3 s of its event time, the watermark waits 4 s), so every window is complete when it fires.

mod stream_support;

use dhara_engine::command::Command;
use dhara_engine::scenario::builtin;
use dhara_engine::sim::Duration;
use dhara_engine::social::{self, Post, TrendsPane};
use dhara_engine::stream::job::operator::OutputValue;
use dhara_engine::workload::{DomainOutput, Payload, QueryTruth};
use dhara_engine::{Scenario, Simulation};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use stream_support::{count_pane, final_watermark, outputs, run, topic};

const SIZE_US: i64 = 60_000_000;
const PERIOD_US: i64 = 10_000_000;
const TOP_K: usize = 10;

fn builtin_with(name: &str, edit: impl FnOnce(&mut Value)) -> Scenario {
    let mut j: Value = serde_json::from_str(builtin::find(name).expect("built in").json).expect("JSON");
    // At-least-once without failures: every result is visible once, the moment it is written.
    j["stream"]["delivery"] = "at_least_once".into();
    j["stream"]["event_time"]["late_percent"] = 0.0.into();
    edit(&mut j);
    Scenario::from_json(&j.to_string()).unwrap_or_else(|e| panic!("valid scenario: {e}"))
}

/// One post as the brute force reads it: its event time and what its text says.
struct Read {
    event_time_us: i64,
    language: &'static str,
    hashtags: BTreeSet<String>,
    words: Vec<String>,
}

/// Everything in one window, recounted from scratch.
#[derive(Default)]
struct Recount {
    posts: u64,
    languages: BTreeMap<&'static str, u64>,
    hashtags: BTreeMap<String, u32>,
    words: BTreeMap<String, u32>,
}

fn recount(posts: &[Read], start: i64) -> Recount {
    let mut r = Recount::default();
    for p in posts.iter().filter(|p| (start..start + SIZE_US).contains(&p.event_time_us)) {
        r.posts += 1;
        *r.languages.entry(p.language).or_default() += 1;
        for h in &p.hashtags {
            *r.hashtags.entry(h.clone()).or_default() += 1;
        }
        for w in &p.words {
            *r.words.entry(w.clone()).or_default() += 1;
        }
    }
    r
}

/// The k largest, ties by text.
fn ranked(counts: &BTreeMap<String, u32>) -> Vec<(String, u32)> {
    let mut all: Vec<(String, u32)> = counts.iter().map(|(t, &c)| (t.clone(), c)).collect();
    all.sort_by_key(|(t, c)| (std::cmp::Reverse(*c), t.clone()));
    all.truncate(TOP_K);
    all
}

/// A 110 s trends run at 60 posts/s with a cricket burst (×3, 70% cricket) from 40 s to
/// 70 s: its panes and its posts, read once for all the tests here.
fn trends_run() -> &'static (Vec<social::TrendsPane>, Vec<Read>) {
    static RUN: OnceLock<(Vec<social::TrendsPane>, Vec<Read>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let scenario = builtin_with("social-trends", |j| {
            j["producer"]["records_per_s"] = 60.into();
            j["workload"]["bursts"][0]["start_ms"] = 40_000.into();
            j["workload"]["bursts"][0]["duration_ms"] = 30_000.into();
        });
        let sim = run(scenario, 4, 110);
        assert_eq!(sim.job().expect("job").late_dropped(), 0, "late-free");
        let wm = final_watermark(&sim);
        assert!(wm >= 100_000_000, "the watermark reached {wm}");
        let mut ids = BTreeSet::new();
        let panes = outputs(&sim)
            .iter()
            .map(|o| {
                assert!(ids.insert(o.id), "each result once: {:?}", o.id);
                match &o.value {
                    OutputValue::Domain(DomainOutput::Trends(pane)) => (**pane).clone(),
                    other => panic!("a trends pane: {other:?}"),
                }
            })
            .collect();
        let posts = posts_of(&sim);
        (panes, posts)
    })
}

/// The topic's posts, read by event time as the job's sources decode them.
fn posts_of(sim: &Simulation) -> Vec<Read> {
    topic(sim)
        .iter()
        .filter_map(|l| match l.record.payload {
            Payload::Post(post) => Some(read(l.record.event_time_us, &post)),
            _ => None,
        })
        .collect()
}

fn read(event_time_us: i64, post: &Post) -> Read {
    let text = post.text();
    let analysis = social::analyse(&text);
    Read {
        event_time_us,
        language: analysis.language.code(),
        hashtags: analysis.hashtags.iter().map(|h| h.to_string()).collect(),
        words: analysis.words.iter().map(|w| w.to_string()).collect(),
    }
}

#[test]
fn every_complete_window_fires_once_with_the_brute_force_top_k_and_language_mix() {
    let (panes, posts) = trends_run();
    let last_end = panes.iter().map(|p| p.window_end_ms * 1_000).max().expect("panes");
    // Every window with posts that ends by the last fired end has exactly one pane.
    let first = posts.iter().map(|p| p.event_time_us).min().expect("posts");
    let expected: BTreeSet<i64> = (first.div_euclid(PERIOD_US) * PERIOD_US - SIZE_US + PERIOD_US..=last_end - SIZE_US)
        .step_by(PERIOD_US as usize)
        .filter(|&s| recount(posts, s).posts > 0)
        .collect();
    let fired: BTreeSet<i64> = panes.iter().map(|p| p.window_start_ms * 1_000).collect();
    assert_eq!(fired, expected);
    assert_eq!(fired.len(), panes.len());
    for pane in panes {
        assert_counts(pane, posts);
    }
}

/// The pane's posts, language mix, top hashtags and top words equal a recount of its window.
fn assert_counts(pane: &TrendsPane, posts: &[Read]) {
    let start = pane.window_start_ms * 1_000;
    assert_eq!((pane.key, pane.timing, pane.window_end_ms * 1_000 - start), (0, "ON_TIME", SIZE_US));
    let truth = recount(posts, start);
    assert_eq!(pane.posts, truth.posts, "window {start}");
    let mix = pane.languages;
    let shown = [("hi", mix.hi), ("en", mix.en), ("hinglish", mix.hinglish), ("mixed", mix.mixed), ("und", mix.und)];
    let shown: BTreeMap<&str, u64> = shown.into_iter().filter(|&(_, n)| n > 0).collect();
    assert_eq!(shown, truth.languages, "window {start}");
    let tags: Vec<(String, u32)> = pane.hashtags.iter().map(|t| (t.tag.clone(), t.count)).collect();
    assert_eq!(tags, ranked(&truth.hashtags), "window {start}");
    let words: Vec<(String, u32)> = pane.words.iter().map(|w| (w.word.clone(), w.count)).collect();
    assert_eq!(words, ranked(&truth.words), "window {start}");
}

#[test]
fn trend_scores_and_rank_changes_compare_with_the_windows_before() {
    let (panes, posts) = trends_run();
    let (mut moved, mut new_entries, mut compared) = (0, 0, 0);
    for pane in panes {
        moved += pane.hashtags.iter().filter(|t| t.rank_change.is_some_and(|c| c != 0)).count();
        new_entries += pane.hashtags.iter().filter(|t| t.rank_change.is_none()).count();
        compared += pane.hashtags.iter().filter(|t| t.previous_count > 0).count();
        assert_trend(pane, posts);
    }
    // Not vacuous: tags climbed or fell, entered the top k, and had earlier counts.
    assert!(moved > 5 && new_entries > 5 && compared > 30, "{moved} moved, {new_entries} new, {compared} compared");
}

/// Each listed hashtag's previous count, trend score, rank and rank change equal a recount
/// of the window a size before and the window a period before.
fn assert_trend(pane: &TrendsPane, posts: &[Read]) {
    let start = pane.window_start_ms * 1_000;
    let before = recount(posts, start - SIZE_US);
    let slide_before: Vec<String> = ranked(&recount(posts, start - PERIOD_US).hashtags).into_iter().map(|(t, _)| t).collect();
    for (i, t) in pane.hashtags.iter().enumerate() {
        let previous = before.hashtags.get(&t.tag).copied().unwrap_or(0);
        assert_eq!(t.previous_count, previous, "{} in window {start}", t.tag);
        let score = (f64::from(t.count) + 1.0) / (f64::from(previous) + 1.0);
        assert!((t.score - score).abs() < 1e-12, "{} in window {start}: {} vs {score}", t.tag, t.score);
        let previous_rank = slide_before.iter().position(|s| *s == t.tag).map(|p| p as u32 + 1);
        assert_eq!((t.rank, t.previous_rank), (i as u32 + 1, previous_rank), "{} in window {start}", t.tag);
        assert_eq!(t.rank_change, previous_rank.map(|p| p as i32 - t.rank as i32));
    }
}

#[test]
fn after_a_crash_exactly_once_shows_every_pane_once_with_the_same_answer() {
    let scenario = builtin_with("social-trends", |j| {
        j["stream"]["delivery"] = "exactly_once".into();
        j["producer"]["records_per_s"] = 60.into();
        j["stream"]["checkpoint"]["interval_ms"] = 5_000.into();
    });
    let mut sim = Simulation::new(scenario, 6);
    sim.job_mut().expect("job").keep_all_outputs();
    sim.advance(Duration::from_secs(47));
    sim.apply(Command::CrashTask { task: 0 }).expect("crash accepted");
    sim.advance(Duration::from_secs(50));
    let job = sim.job().expect("job");
    assert_eq!((job.restarts, job.sink().counts().duplicates), (1, 0));
    let posts = posts_of(&sim);
    let mut ids = BTreeSet::new();
    for o in outputs(&sim) {
        assert!(ids.insert(o.id), "each result once: {:?}", o.id);
        let OutputValue::Domain(DomainOutput::Trends(pane)) = &o.value else { panic!("a trends pane") };
        // The restored operator remembered the windows before the crash: the comparison holds.
        assert_counts(pane, &posts);
        assert_trend(pane, &posts);
    }
    // Windows fired both before the crash and after the restart.
    assert!(ids.iter().any(|id| id.end_us <= 40_000_000) && ids.iter().any(|id| id.end_us >= 70_000_000), "{ids:?}");
}

#[test]
fn a_cricket_burst_makes_cricket_hashtags_trend() {
    let (panes, _) = trends_run();
    let is_cricket = |tag: &str| social::vocabulary::HASHTAGS.iter().any(|(h, t)| *t == social::Topic::Cricket && social::normalise(h).to_lowercase() == tag);
    let pane = |start_ms: i64| panes.iter().find(|p| p.window_start_ms == start_ms).expect("pane");
    // [40 s, 100 s) holds the whole burst; the window before it, [-20 s, 40 s), none of it.
    let hot = pane(40_000);
    let leader = &hot.hashtags[0];
    assert!(is_cricket(&leader.tag) && leader.score > 2.0, "{leader:?}");
    let cricket_in_top: usize = hot.hashtags.iter().filter(|t| is_cricket(&t.tag)).count();
    assert!(cricket_in_top >= 6, "{:?}", hot.hashtags);
    // The burst lifts the rate: 30 s at 60 posts/s then 30 s at 180/s is 7,200 posts
    // (Poisson: a standard deviation of 85).
    assert!((6_850..7_550).contains(&hot.posts), "{}", hot.posts);
    // Languages keep their configured shares through the burst (35/40/25 ± 3 points).
    let mix = hot.languages;
    for (n, want) in [(mix.hi, 0.35), (mix.hinglish, 0.40), (mix.en, 0.25)] {
        assert!((n as f64 / hot.posts as f64 - want).abs() < 0.03, "{mix:?}");
    }
}

#[test]
fn the_hashtag_count_job_answers_the_query_like_the_truth() {
    let scenario = builtin_with("social-hashtag-counts", |j| {
        // A light run: 4 posts/s for just over an hour, fewer watermarks and checkpoints.
        j["producer"]["records_per_s"] = 4.into();
        j["stream"]["watermark"]["interval_ms"] = 1_000.into();
        j["stream"]["checkpoint"]["interval_ms"] = 60_000.into();
        j["metrics"]["sample_interval_ms"] = 10_000.into();
    });
    let event_time = scenario.stream.as_ref().expect("job").event_time.clone();
    let sim = run(scenario, 9, 3_620);
    assert_eq!(sim.job().expect("job").late_dropped(), 0, "late-free");
    let wm = final_watermark(&sim);
    assert!(wm >= 3_600_000_000, "the first hour closed: {wm}");
    let mut truth = QueryTruth::new(social::query(), event_time);
    for l in topic(&sim) {
        truth.on_created(l.record.id, l.created_us, &l.record.payload);
    }
    let closed: BTreeMap<(u64, i64), u64> = truth.cells().iter().filter(|(&(s, _), _)| s + 3_600_000_000 <= wm).map(|(&(s, g), &v)| ((u64::from(g), s), v as u64)).collect();
    assert!(closed.len() >= 30, "most hashtags appear in the hour: {}", closed.len());
    let mut answered = BTreeMap::new();
    for o in outputs(&sim) {
        let (timing, count) = count_pane(o);
        if timing == "ON_TIME" {
            assert!(answered.insert((o.id.key, o.id.start_us), count).is_none(), "one on-time pane per cell");
        }
    }
    assert_eq!(answered, closed);
    // A post with several hashtags counts in each of their groups.
    let tagged: usize = topic(&sim).iter().map(|l| social::hashtag_ids_of(&l.record.payload).count()).sum();
    assert_eq!(truth.cells().values().sum::<i64>() as usize, tagged);
}

#[test]
fn social_steps_and_operators_need_the_social_workload() {
    let hashtags = stream_support::scenario_json(|j| j["stream"]["pipeline"] = serde_json::json!([{ "op": "hashtags" }]));
    let err = Scenario::from_json(&hashtags).expect_err("no social workload");
    assert_eq!(err.path, "stream.pipeline[0]");
    assert!(err.message.contains("social"), "{err}");
    let trends = stream_support::scenario_json(|j| j["stream"]["operator"] = serde_json::json!({ "op": "trends" }));
    assert_eq!(Scenario::from_json(&trends).expect_err("no social workload").path, "stream.operator.op");
    let bad = builtin::find("social-trends").expect("built in").json.replace("\"period_ms\": 10000", "\"period_ms\": 7000");
    assert_eq!(Scenario::from_json(&bad).expect_err("7 s does not divide 60 s").path, "stream.operator.period_ms");
    let bad = builtin::find("social-trends").expect("built in").json.replace("\"topic\": \"cricket\"", "\"topic\": \"chess\"");
    assert!(Scenario::from_json(&bad).is_err());
}
