//! One post, as it travels through Kafka and the job. A record must stay small and `Copy`,
//! so a post is not its text but the choices that render it: language, topic, template,
//! the two slot words, up to three hashtags, a mention and an emoji, each an index into the
//! vocabulary. Anyone holding the post renders the same text with [`Post::text`], the way
//! every consumer of a real topic decodes the same bytes.

use super::vocabulary::{hashtag, Lang, Topic, EMOJI, HASHTAGS, MENTIONS, PHRASES};
use crate::workload::{Field, Payload, Query};
use serde::Serialize;

/// Hashtags a post carries at most.
pub const HASHTAGS_PER_POST_MAX: usize = 3;
/// "No hashtag / mention / emoji here" in the index slots.
pub const NONE_U16: u16 = u16::MAX;
pub const NONE_U8: u8 = u8::MAX;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Post {
    pub language: Lang,
    pub topic: Topic,
    /// Index into the topic's and language's templates.
    pub template: u8,
    /// Indices into the phrasebook's words for the slots `{0}` and `{1}` (distinct).
    pub words: [u8; 2],
    /// Ids into `HASHTAGS`, distinct, the used ones first, `NONE_U16` after.
    pub hashtags: [u16; HASHTAGS_PER_POST_MAX],
    /// Index into `MENTIONS` or `NONE_U8`.
    pub mention: u8,
    /// Index into `EMOJI` or `NONE_U8`.
    pub emoji: u8,
}

impl Post {
    /// The hashtag ids the post carries.
    pub fn hashtag_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.hashtags.iter().take_while(|&&h| h != NONE_U16).map(|&h| u32::from(h))
    }

    /// The two slot words, as written.
    pub fn slot_words(&self) -> [&'static str; 2] {
        let book = &PHRASES[self.topic.index()][self.language.index()];
        self.words.map(|w| book.words[usize::from(w) % book.words.len()])
    }

    /// The post's text: an optional mention, the sentence, an optional emoji, the hashtags.
    pub fn text(&self) -> String {
        let book = &PHRASES[self.topic.index()][self.language.index()];
        let template = book.templates[usize::from(self.template) % book.templates.len()];
        let [a, b] = self.slot_words();
        let mut out = String::with_capacity(160);
        if let Some(m) = MENTIONS.get(usize::from(self.mention)) {
            out.push_str(m);
            out.push(' ');
        }
        out.push_str(&template.replace("{0}", a).replace("{1}", b));
        if let Some(e) = EMOJI.get(usize::from(self.emoji)) {
            out.push(' ');
            out.push_str(e);
        }
        for id in self.hashtag_ids() {
            out.push(' ');
            out.push_str(hashtag(id).unwrap_or(""));
        }
        out
    }
}

/// A post's field for an `extract` step: its language (0 hi, 1 hinglish, 2 en) or its topic
/// (0 cricket, 1 festival, 2 news, 3 bollywood, 4 daily).
pub fn field(post: &Post, field: Field) -> Option<i64> {
    match field {
        Field::Language => Some(post.language.index() as i64),
        Field::Topic => Some(post.topic.index() as i64),
        _ => None,
    }
}

/// The hashtag ids of a payload: a post's, none for anything else.
pub fn hashtag_ids_of(payload: &Payload) -> impl Iterator<Item = u32> + '_ {
    let post = match payload {
        Payload::Post(post) => Some(post),
        _ => None,
    };
    post.into_iter().flat_map(Post::hashtag_ids)
}

/// The workload's question for the architectures: posts per hashtag per hour. A post with
/// three hashtags counts once in each of the three groups; a group is a hashtag's id, named
/// by the hashtag.
pub fn query() -> Query {
    Query {
        title: "posts per hashtag per hour",
        window_ms: 3_600_000,
        rows: |payload, out| out.extend(hashtag_ids_of(payload).map(|id| (id, 1))),
        group_name: |id| hashtag(id).map_or_else(|| format!("#{id}"), str::to_string),
    }
}

/// Hashtag ids fit the post's `u16` slots.
const _: () = assert!(HASHTAGS.len() < NONE_U16 as usize && MENTIONS.len() < NONE_U8 as usize && EMOJI.len() < NONE_U8 as usize);
