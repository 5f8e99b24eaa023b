//! The generator's posts: deterministic per seed, read back by the tokenizer as exactly what
//! was chosen, and in the proportions the spec asks for.

use super::spec::{Burst, SocialSpec};
use super::vocabulary::{hashtags_of, Lang, Topic, HASHTAGS, MENTIONS, PHRASES};
use super::*;
use crate::kafka::keys::KeySpace;
use crate::sim::SimTime;
use crate::workload::Payload;

fn posts(spec: &SocialSpec, seed: u64, n: usize) -> Vec<(SimTime, u32, Post)> {
    let keys = KeySpace::new(1_000, 1.0, 6);
    let mut generator = Generator::new(spec, seed, &keys);
    let mut now = SimTime::ZERO;
    (0..n)
        .map(|_| {
            let a = generator.next(now, 200, &keys);
            now = a.at;
            let Payload::Post(post) = a.payload else { panic!("a post") };
            assert_eq!(a.value_bytes as usize, post.text().len() + 250);
            (a.at, a.key_id, post)
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_posts_and_another_seed_others() {
    let spec = SocialSpec::default();
    assert_eq!(posts(&spec, 7, 500), posts(&spec, 7, 500));
    assert_ne!(posts(&spec, 7, 500), posts(&spec, 8, 500));
}

#[test]
fn the_tokenizer_reads_back_what_the_generator_chose() {
    for (_, _, post) in posts(&SocialSpec::default(), 3, 3_000) {
        let text = post.text();
        let analysis = analyse(&text);
        let want = match post.language {
            Lang::Hindi => Language::Hindi,
            Lang::Hinglish => Language::Hinglish,
            Lang::English => Language::English,
        };
        assert_eq!(analysis.language, want, "{text}");
        let mut chosen: Vec<String> = post.hashtag_ids().map(|id| normalise(vocabulary::hashtag(id).unwrap()).to_lowercase()).collect();
        let mut read: Vec<String> = analysis.hashtags.iter().map(|h| h.to_string()).collect();
        chosen.sort();
        read.sort();
        assert_eq!(read, chosen, "{text}");
        for word in post.slot_words() {
            let word = normalise(word).to_lowercase();
            assert!(analysis.words.iter().any(|w| *w == word), "{word} in {text}: {:?}", analysis.words);
        }
        let mention = MENTIONS.get(usize::from(post.mention)).map(|m| normalise(m).to_lowercase());
        assert_eq!(analysis.mentions.first().map(|m| m.to_lowercase()), mention, "{text}");
        assert_eq!(analysis.emoji.len(), usize::from(post.emoji != post::NONE_U8), "{text}");
    }
}

#[test]
fn the_vocabulary_is_well_formed() {
    let mut normalised: Vec<String> = HASHTAGS.iter().map(|(h, _)| hashtags(h).next().expect("one hashtag").into_owned()).collect();
    assert!(HASHTAGS.iter().zip(&normalised).all(|((h, _), n)| hashtags(h).count() == 1 && n.chars().count() == h.chars().count()), "each tag is one whole token");
    normalised.sort();
    normalised.dedup();
    assert_eq!(normalised.len(), HASHTAGS.len(), "no two hashtags fold to the same text");
    for topic in Topic::ALL {
        assert!(hashtags_of(topic, false).count() >= 2 && hashtags_of(topic, true).count() >= 2, "{topic:?}");
        for lang in Lang::ALL {
            let book = &PHRASES[topic.index()][lang.index()];
            assert!(book.templates.iter().all(|t| t.contains("{0}") && t.contains("{1}")), "{topic:?} {lang:?}");
            assert!(book.words.len() >= 2);
            let language = if lang == Lang::English { Language::English } else { Language::Hinglish };
            for w in book.words {
                assert!(!is_stopword_in(&normalise(w).to_lowercase(), language) && tokenize(w).count() == 1, "{w}");
            }
        }
    }
}

fn share(posts: &[(SimTime, u32, Post)], keep: impl Fn(&Post) -> bool) -> f64 {
    posts.iter().filter(|(_, _, p)| keep(p)).count() as f64 / posts.len() as f64
}

#[test]
fn languages_hashtags_and_mentions_come_in_the_configured_shares() {
    let spec = SocialSpec::default();
    let all = posts(&spec, 11, 20_000);
    // 20,000 draws: a share's standard deviation is at most 0.35 percentage points, so
    // 1.5 points is over four of them.
    for (lang, want) in [(Lang::Hindi, 0.35), (Lang::Hinglish, 0.40), (Lang::English, 0.25)] {
        let got = share(&all, |p| p.language == lang);
        assert!((got - want).abs() < 0.015, "{lang:?}: {got}");
    }
    let tagged = share(&all, |p| p.hashtag_ids().next().is_some());
    assert!((tagged - 0.70).abs() < 0.015, "{tagged}");
    let mentions = share(&all, |p| p.mention != post::NONE_U8);
    assert!((mentions - 0.20).abs() < 0.015, "{mentions}");
    // Hindi posts lean to Devanagari tags, English posts to Latin ones.
    let deva = |lang: Lang| {
        let ids: Vec<u32> = all.iter().filter(|(_, _, p)| p.language == lang).flat_map(|(_, _, p)| p.hashtag_ids().collect::<Vec<_>>()).collect();
        ids.iter().filter(|&&id| !vocabulary::hashtag(id).unwrap().is_ascii()).count() as f64 / ids.len() as f64
    };
    assert!(deva(Lang::Hindi) > 0.6 && deva(Lang::English) < 0.2, "{} {}", deva(Lang::Hindi), deva(Lang::English));
    // A few influencers: the busiest 1% of 1,000 authors write over a fifth of the posts.
    let top: usize = all.iter().filter(|(_, k, _)| *k < 10).count();
    assert!(top * 5 > all.len(), "{top}");
}

#[test]
fn a_burst_lifts_the_rate_and_pulls_the_topic_mix_toward_its_topic() {
    let burst = Burst { label: "final".into(), topic: Topic::Cricket, start_ms: 30_000, duration_ms: 30_000, multiplier: 3.0, topic_percent: 60.0 };
    let spec = SocialSpec { bursts: vec![burst], ..SocialSpec::default() };
    let all: Vec<_> = posts(&spec, 5, 40_000).into_iter().filter(|(at, _, _)| at.as_us() < 60_000_000).collect();
    let (before, during): (Vec<_>, Vec<_>) = all.into_iter().partition(|(at, _, _)| at.as_us() < 30_000_000);
    // 200/s for 30 s, then 600/s for 30 s.
    let ratio = during.len() as f64 / before.len() as f64;
    assert!((2.8..3.2).contains(&ratio), "{} then {}", before.len(), during.len());
    let cricket_before = share(&before, |p| p.topic == Topic::Cricket);
    let cricket_during = share(&during, |p| p.topic == Topic::Cricket);
    // Outside: the weight 25 of 100. During: 60% burst + 40% × 25% = 70%.
    assert!((cricket_before - 0.25).abs() < 0.03, "{cricket_before}");
    assert!((cricket_during - 0.70).abs() < 0.03, "{cricket_during}");
}
