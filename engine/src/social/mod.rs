//! Reading social-media posts the way a trends job needs to: which words, hashtags, mentions
//! and emoji a post contains, and whether it is Hindi, English or Hinglish (Hindi written in
//! Roman letters). Indian posts mix all three, often in one sentence, so every step here
//! knows about Devanagari as well as Latin.
//!
//! Pure and deterministic: no clocks, no I/O, no Unicode crates. `chars` holds the character
//! properties and grapheme clusters, `text` the tokenizer and normalisation, `stopwords` the
//! word lists; this file joins them into the calls a job makes.
//!
//! The workload built on them: `vocabulary` and `post` say what a simulated post is,
//! `spec` and `generator` produce them, `trends` is the job's sliding-window trends
//! operator and `analytics` what the page reads of its results.

mod analytics;
mod chars;
mod generator;
mod post;
mod spec;
pub mod stopwords;
mod text;
pub mod trends;
pub mod vocabulary;

use std::borrow::Cow;

pub use chars::{graphemes, Graphemes};
pub use stopwords::{is_hinglish_marker, is_stopword, is_stopword_in};
pub use text::{normalise, tokenize, Tokens};
pub use analytics::{Analytics, SocialView};
pub use generator::Generator;
pub use post::{field, hashtag_ids_of, query, Post, HASHTAGS_PER_POST_MAX};
pub use spec::{Burst, SocialSpec, REAL_RATE_PER_S};
pub use trends::{Trends, TrendsPane, TrendsSpec};
pub use vocabulary::{Lang, Topic};

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Word,
    /// `#` and its body, e.g. `#भारत`, `#IndVsAus`.
    Hashtag,
    /// `@` and its body.
    Mention,
    /// Digits only, in either script, with `.` or `,` between digits.
    Number,
    /// One emoji cluster: 🔥, 👍🏽, 🇮🇳, 👨‍👩‍👧.
    Emoji,
}

/// The script of a token's letters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    Devanagari,
    Latin,
    /// No letters: ASCII or Devanagari digits.
    Digit,
    /// Letters of more than one script; only hashtags and mentions can be mixed, because a
    /// script change splits a word.
    Mixed,
    Emoji,
    /// Letters of any other script (Bengali, Urdu, Tamil …), not analysed further.
    Other,
}

/// One token of a post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token<'a> {
    /// The normalised form (see [`normalise`]): borrowed when it equals `raw`.
    pub text: Cow<'a, str>,
    /// The exact slice of the input.
    pub raw: &'a str,
    /// Byte offset of `raw` in the input.
    pub start: usize,
    pub kind: Kind,
    pub script: Script,
}

impl Token<'_> {
    /// Byte offset one past the end of `raw` in the input.
    pub fn end(&self) -> usize {
        self.start + self.raw.len()
    }
}

/// A guess at a post's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// Hindi in Devanagari.
    Hindi,
    English,
    /// Hindi in Roman letters.
    Hinglish,
    /// Both scripts in earnest (the smaller at least a fifth of the words).
    Mixed,
    /// No Devanagari or Latin words at all (only emoji, numbers, tags, or other scripts).
    Unknown,
}

impl Language {
    /// The label the trends job reports: "hi", "en", "hinglish", "mixed" or "und" (the
    /// BCP 47 code for undetermined).
    pub fn code(self) -> &'static str {
        match self {
            Language::Hindi => "hi",
            Language::English => "en",
            Language::Hinglish => "hinglish",
            Language::Mixed => "mixed",
            Language::Unknown => "und",
        }
    }
}

/// Guesses a post's language from its words (hashtags and mentions are names, so they do
/// not vote). Roman words are Hinglish when at least a quarter of them are frequent Roman
/// Hindi words ([`is_hinglish_marker`]); a post is Mixed when the smaller script has at
/// least a fifth of the words, otherwise the larger script decides.
pub fn language_of<'t, 'a: 't>(tokens: impl IntoIterator<Item = &'t Token<'a>>) -> Language {
    let mut tally = Tally::default();
    tokens.into_iter().for_each(|t| tally.add(t));
    tally.language()
}

/// [`language_of`] the tokens of `text`, in one pass without collecting them.
pub fn language(text: &str) -> Language {
    let mut tally = Tally::default();
    tokenize(text).for_each(|t| tally.add(&t));
    tally.language()
}

/// The word counts [`language_of`] decides from.
#[derive(Default)]
struct Tally {
    devanagari: usize,
    latin: usize,
    markers: usize,
}

impl Tally {
    fn add(&mut self, t: &Token<'_>) {
        if t.kind != Kind::Word {
            return;
        }
        match t.script {
            Script::Devanagari => self.devanagari += 1,
            Script::Latin => {
                self.latin += 1;
                self.markers += usize::from(is_hinglish_marker(&t.text));
            }
            _ => {}
        }
    }

    fn language(&self) -> Language {
        let (deva, latin) = (self.devanagari, self.latin);
        let roman = if self.markers > 0 && self.markers * 4 >= latin {
            Language::Hinglish
        } else {
            Language::English
        };
        match (deva, latin) {
            (0, 0) => Language::Unknown,
            (_, 0) => Language::Hindi,
            (0, _) => roman,
            _ if deva.min(latin) * 5 >= deva + latin => Language::Mixed,
            _ if deva > latin => Language::Hindi,
            _ => roman,
        }
    }
}

/// The hashtags of `text`, normalised (Latin lowercased, `#` kept): `#indvsaus`, `#भारत`.
pub fn hashtags(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    tokenize(text)
        .filter(|t| t.kind == Kind::Hashtag)
        .map(|t| t.text)
}

/// The words of `text` worth counting: normalised, without stop words of the post's
/// language (see [`is_stopword_in`]), without numbers, tags and emoji.
pub fn words(text: &str) -> impl Iterator<Item = Cow<'_, str>> {
    let lang = language(text);
    tokenize(text)
        .filter(move |t| t.kind == Kind::Word && !is_stopword_in(&t.text, lang))
        .map(|t| t.text)
}

/// Everything a trends job wants from one post, from a single tokenizing pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Analysis<'a> {
    pub language: Language,
    /// As [`words`] returns them.
    pub words: Vec<Cow<'a, str>>,
    pub hashtags: Vec<Cow<'a, str>>,
    pub mentions: Vec<Cow<'a, str>>,
    pub emoji: Vec<Cow<'a, str>>,
}

/// Tokenizes `text` once and sorts the tokens into an [`Analysis`].
pub fn analyse(text: &str) -> Analysis<'_> {
    let tokens: Vec<Token<'_>> = tokenize(text).collect();
    let language = language_of(&tokens);
    let mut out = Analysis {
        language,
        words: Vec::new(),
        hashtags: Vec::new(),
        mentions: Vec::new(),
        emoji: Vec::new(),
    };
    for t in tokens {
        match t.kind {
            Kind::Word if !is_stopword_in(&t.text, language) => out.words.push(t.text),
            Kind::Hashtag => out.hashtags.push(t.text),
            Kind::Mention => out.mentions.push(t.text),
            Kind::Emoji => out.emoji.push(t.text),
            Kind::Word | Kind::Number => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod property_tests;

#[cfg(test)]
mod workload_tests;

#[cfg(test)]
mod trends_tests;
