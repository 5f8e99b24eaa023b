//! Random posts from a fixed-seed generator: whatever a user types, tokenizing must not
//! panic, must never start a token on a mark, and must keep the tokens in input order.

use super::chars::{is_mark, ZWJ, ZWNJ};
use super::*;
use crate::sim::rng::SplitMix;


/// Pieces a post is built from: letters and marks in any order (so marks land after spaces,
/// at the start, after other marks), joiners, digits, dandas, tag signs, Latin letters with
/// and without accents, emoji with modifiers, and punctuation.
const PIECES: &[&str] = &[
    "क",
    "ष",
    "त",
    "र",
    "ज",
    "न",
    "स",
    "अ",
    "ऑ",
    "ॐ",
    "\u{095B}",
    "\u{0929}",
    "्",
    "़",
    "ि",
    "ा",
    "ी",
    "ृ",
    "ं",
    "ँ",
    "ः",
    "॑",
    "\u{A8E0}",
    "\u{A8F2}",
    "\u{200D}",
    "\u{200C}",
    "०",
    "९",
    "।",
    "॥",
    "a",
    "Z",
    "É",
    "ß",
    "e\u{0301}",
    "\u{0301}",
    "0",
    "7",
    " ",
    " ",
    "\n",
    "#",
    "@",
    "_",
    "'",
    "’",
    ".",
    ",",
    "!",
    "🔥",
    "🏽",
    "🇮",
    "👨",
    "\u{FE0F}",
    "\u{20E3}",
    "-",
];

fn random_post(rng: &mut SplitMix) -> String {
    let len = rng.below(24);
    (0..len).map(|_| PIECES[rng.below(PIECES.len() as u64) as usize]).collect()
}

fn starts_badly(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| is_mark(c) || c == ZWJ || c == ZWNJ)
}

fn cluster_starts(s: &str) -> Vec<usize> {
    graphemes(s)
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()))
        .collect()
}

fn check_post(post: &str) {
    let starts = cluster_starts(post);
    let mut prev_end = 0;
    for t in tokenize(post) {
        assert!(post.is_char_boundary(t.start) && post.is_char_boundary(t.end()));
        assert_eq!(
            &post[t.start..t.end()],
            t.raw,
            "raw is the input slice in {post:?}"
        );
        assert!(
            t.start >= prev_end,
            "tokens in order, not overlapping, in {post:?}"
        );
        assert!(
            starts.contains(&t.start) && starts.contains(&t.end()),
            "cluster boundaries"
        );
        assert!(!t.raw.is_empty() && !t.text.is_empty());
        assert!(
            !starts_badly(t.raw) && !starts_badly(&t.text),
            "{:?} in {post:?}",
            t.raw
        );
        // Whatever was skipped between tokens holds no letter or digit that starts a cluster.
        for (_, g) in graphemes(&post[prev_end..t.start]) {
            let c = g.chars().next().unwrap_or(' ');
            assert!(
                !c.is_alphanumeric() || is_mark(c),
                "{g:?} dropped from {post:?}"
            );
        }
        prev_end = t.end();
        check_normal_form(&t);
    }
}

/// Normalising is idempotent, and a word's normal form tokenizes to itself. (Emoji are not
/// normalised, only stripped of presentation selectors.)
fn check_normal_form(t: &Token<'_>) {
    if t.kind == Kind::Emoji {
        return;
    }
    assert_eq!(normalise(&t.text), t.text, "idempotent for {:?}", t.raw);
    if t.kind == Kind::Word {
        let again: Vec<String> = tokenize(&t.text).map(|u| u.text.into_owned()).collect();
        assert_eq!(again, [t.text.as_ref()], "re-tokenizing {:?}", t.raw);
    }
}

#[test]
fn random_posts_tokenize_safely() {
    let mut rng = SplitMix(0x5EED_D4A2A);
    for _ in 0..20_000 {
        check_post(&random_post(&mut rng));
    }
}

#[test]
fn random_posts_keep_token_order() {
    // The raws, concatenated, are a subsequence of the post: joining the post with its
    // separators removed gives the same sequence of slices.
    let mut rng = SplitMix(7);
    for _ in 0..5_000 {
        let post = random_post(&mut rng);
        let mut rest = post.as_str();
        for t in tokenize(&post) {
            let at = rest
                .find(t.raw)
                .expect("token found after the previous one");
            rest = &rest[at + t.raw.len()..];
        }
        let all: Vec<Token> = tokenize(&post).collect();
        assert!(all.windows(2).all(|w| w[0].end() <= w[1].start));
    }
}

#[test]
fn generator_is_deterministic() {
    let a: Vec<String> = (0..3).map(|_| random_post(&mut SplitMix(42))).collect();
    assert_eq!(a[0], a[1]);
    let mut rng = SplitMix(42);
    let posts: Vec<String> = (0..50).map(|_| random_post(&mut rng)).collect();
    assert!(posts.iter().any(|p| p.contains('्')) && posts.iter().any(|p| p.contains('#')));
}
