//! The trends operator on hand-fed records, the pipeline steps that read posts, and the
//! analytics view.

use super::spec::{Burst, SocialSpec};
use super::trends::{trend_score, Trends, TrendsSpec};
use super::vocabulary::Topic;
use super::*;
use crate::kafka::keys::KeySpace;
use crate::scenario::stream::{KeyBy, StepSpec};
use crate::sim::SimTime;
use crate::stream::job::chain;
use crate::stream::job::operator::{Output, OutputValue};
use crate::stream::{StreamRecord, END_OF_TIME_US};
use crate::workload::{DomainOutput, Field, Payload};

/// `n` generated posts, one every 10 ms of event time from 0.
fn records(n: u64, seed: u64) -> Vec<StreamRecord> {
    let keys = KeySpace::new(100, 1.0, 6);
    let mut generator = Generator::new(&SocialSpec::default(), seed, &keys);
    (0..n)
        .map(|i| {
            let post = generator.compose(SimTime::from_us(i * 10_000));
            StreamRecord { id: i, key: 0, origin_key: 0, event_time_us: i as i64 * 10_000, value: 1, tag: 0, payload: Payload::Post(post) }
        })
        .collect()
}

fn panes(out: &[Output]) -> Vec<&TrendsPane> {
    out.iter()
        .map(|o| match &o.value {
            OutputValue::Domain(DomainOutput::Trends(p)) => &**p,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[test]
fn the_spec_names_bad_fields() {
    assert!(TrendsSpec::default().validate("op").is_ok());
    let bad = |spec: TrendsSpec| spec.validate("op").unwrap_err().path;
    assert_eq!(bad(TrendsSpec { size_ms: 500, ..TrendsSpec::default() }), "op.size_ms");
    assert_eq!(bad(TrendsSpec { period_ms: 7_000, ..TrendsSpec::default() }), "op.period_ms");
    assert_eq!(bad(TrendsSpec { period_ms: 100, ..TrendsSpec::default() }), "op.period_ms");
    assert_eq!(bad(TrendsSpec { top_k: 0, ..TrendsSpec::default() }), "op.top_k");
}

#[test]
fn keyed_by_language_each_key_counts_only_its_own_posts() {
    let steps = [StepSpec::Extract { value: None, tag: Some(Field::Language) }, StepSpec::KeyBy { by: KeyBy::Tag }];
    let mut trends = Trends::new(&TrendsSpec { size_ms: 2_000, period_ms: 1_000, top_k: 5, allowed_lateness_ms: 0 });
    let mut out = Vec::new();
    for r in records(1_000, 2) {
        let mut keyed = Vec::new();
        chain::run(&steps, r, &mut keyed);
        assert!(trends.on_record(&keyed[0], 0, &mut out));
    }
    assert!(out.is_empty(), "nothing fires before the watermark");
    trends.on_watermark(END_OF_TIME_US, 0, &mut out);
    let panes = panes(&out);
    // 10 s of posts in 2 s windows sliding by 1 s: 11 windows per language.
    assert_eq!(panes.len(), 33);
    for p in panes {
        let mix = p.languages;
        let own = [mix.hi, mix.hinglish, mix.en][p.key as usize];
        assert_eq!((own, mix.mixed + mix.und), (p.posts, 0), "{p:?}");
        assert!(p.hashtags.windows(2).all(|w| w[0].count >= w[1].count) && p.hashtags.len() <= 5);
    }
}

#[test]
fn a_late_post_is_refused_and_results_have_stable_ids() {
    let mut trends = Trends::new(&TrendsSpec { size_ms: 2_000, period_ms: 1_000, top_k: 3, allowed_lateness_ms: 0 });
    let all = records(300, 3);
    let mut out = Vec::new();
    for r in &all {
        trends.on_record(r, 0, &mut out);
    }
    trends.on_watermark(2_500_000, 0, &mut out);
    let before = out.len();
    // A post at 0.5 s belongs to [-1 s, 1 s) and [0, 2 s), both past their end at 2.5 s.
    assert!(!trends.on_record(&StreamRecord { event_time_us: 500_000, ..all[50] }, 0, &mut out));
    // Replaying the same input into a copy made before gives the same ids (a restore).
    let mut again = Trends::new(&TrendsSpec { size_ms: 2_000, period_ms: 1_000, top_k: 3, allowed_lateness_ms: 0 });
    let mut out2 = Vec::new();
    for r in &all {
        again.on_record(r, 0, &mut out2);
    }
    again.on_watermark(2_500_000, 0, &mut out2);
    let ids = |o: &[Output]| o.iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(ids(&out[..before]), ids(&out2));
    assert_eq!(trend_score(9, 4), 2.0);
}

#[test]
fn the_hashtags_step_makes_one_record_per_hashtag_with_distinct_ids() {
    let mut out = Vec::new();
    let all = records(500, 4);
    for r in &all {
        chain::run(&[StepSpec::Hashtags], *r, &mut out);
    }
    let want: usize = all.iter().map(|r| hashtag_ids_of(&r.payload).count()).sum();
    assert_eq!(out.len(), want);
    let ids: std::collections::BTreeSet<u64> = out.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), out.len());
    assert!(out.iter().all(|r| r.value == 1 && hashtag_ids_of(&r.payload).any(|h| h == r.tag)));
    assert_eq!((query().group_name)(0), "#IndVsAus");
}

#[test]
fn the_view_shows_the_rate_the_burst_and_the_latest_pane_per_key() {
    let burst = Burst { label: "Diwali evening".into(), topic: Topic::Festival, start_ms: 5_000, duration_ms: 6_000, multiplier: 2.0, topic_percent: 60.0 };
    let mut analytics = Analytics::new(&SocialSpec { bursts: vec![burst], ..SocialSpec::default() });
    for r in records(1_000, 5) {
        // 100 posts/s of created time.
        analytics.on_created(r.id, SimTime::from_us(r.event_time_us as u64), &r.payload);
    }
    let mut trends = Trends::new(&TrendsSpec { size_ms: 2_000, period_ms: 1_000, top_k: 3, allowed_lateness_ms: 0 });
    let mut out = Vec::new();
    for r in records(1_000, 5) {
        trends.on_record(&r, 0, &mut out);
    }
    trends.on_watermark(END_OF_TIME_US, 0, &mut out);
    for o in out.iter().rev() {
        // Oldest last: an older window never replaces a newer one.
        analytics.on_output(o, SimTime::ZERO);
    }
    let view = analytics.view(SimTime::from_us(10_000_000));
    assert_eq!(view.burst.as_deref(), Some("Diwali evening"));
    assert!((view.posts_per_s - 100.0).abs() < 1.0, "{}", view.posts_per_s);
    assert_eq!(view.created, 1_000);
    assert_eq!(view.panes.len(), 1);
    assert_eq!(view.panes[0].window_end_ms, 11_000);
}
