//! Turning a post into tokens: walk it one grapheme cluster at a time, so no token can begin
//! in the middle of an aksara, and group clusters into words, numbers, hashtags, mentions
//! and emoji. Each token keeps its original slice and a normalised form for counting.
//!
//! Rules, in the order they are tried at each cluster:
//! - Whitespace, punctuation (including the danda । and double danda ॥) and orphan marks
//!   (a matra or virama with no letter before it, e.g. after a space) separate tokens and
//!   are dropped.
//! - A word starting with `http://`, `https://` or `www.` (any case) is a URL; it is dropped
//!   up to the next whitespace.
//! - `#` or `@` not preceded by a letter, digit or `_` starts a hashtag or mention: letters
//!   of any script, digits and `_`. A hashtag needs a letter (`#2026` is not one, as on
//!   Twitter); a mention needs a letter or digit. Otherwise the sign is punctuation, so
//!   `rahul@okaxis` gives the words `rahul` and `okaxis`.
//! - A word is a run of letters and digits in one script (digits join either script, so
//!   `10वीं` and `CWC23` are single words); a change between Devanagari and Latin letters
//!   splits it. An apostrophe between Latin letters stays inside (`don't`), and `.` or `,`
//!   between digits stays inside a number (`1,00,000`, `3.5`). A run without letters is a
//!   number.
//! - Each emoji cluster (with its skin tone, ZWJ sequence, flag pair or keycap) is a token.

use std::borrow::Cow;

use super::chars::{
    graphemes, is_control, is_devanagari, is_devanagari_letter, is_digit, is_latin_letter, is_mark,
    is_pictographic, is_regional_indicator, NUKTA, ZWJ, ZWNJ,
};
use super::{Kind, Script, Token};

/// Splits `text` into tokens, lazily and without allocating except where a token's
/// normalised form differs from its slice.
pub fn tokenize(text: &str) -> Tokens<'_> {
    Tokens {
        text,
        pos: 0,
        after_word: false,
    }
}

/// The iterator [`tokenize`] returns.
pub struct Tokens<'a> {
    text: &'a str,
    pos: usize,
    /// Whether the cluster before `pos` was a letter, digit or `_`: then `#`/`@` is not a tag.
    after_word: bool,
}

/// What a grapheme cluster can do in a token, decided by its first character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Letter(Script),
    Digit,
    Emoji,
    Space,
    Hash,
    At,
    Apostrophe,
    Underscore,
    NumberSeparator,
    Punct,
}

impl Class {
    fn of(cluster: &str) -> Class {
        let first = cluster.chars().next().unwrap_or(' ');
        // Devanagari digits count too, so a word never turns into a keycap once normalised.
        let keycap =
            (is_digit(first) || matches!(first, '#' | '*')) && cluster.contains('\u{20E3}');
        if is_pictographic(first) || is_regional_indicator(first) || keycap {
            return Class::Emoji; // U+20E3 makes 1️⃣ and #️⃣ keycap emoji
        }
        if is_mark(first) || first == ZWJ || first == ZWNJ {
            return Class::Punct; // an orphan mark: only possible at the start or after a control
        }
        // A sign carrying a stray mark ("#ि") is not a tag sign or a connector any more.
        let bare = cluster.len() == first.len_utf8();
        match first {
            c if c.is_whitespace() || is_control(c) => Class::Space,
            c if is_digit(c) => Class::Digit,
            c if is_devanagari_letter(c) => Class::Letter(Script::Devanagari),
            c if is_latin_letter(c) => Class::Letter(Script::Latin),
            c if c.is_alphabetic() && !is_devanagari(c) => Class::Letter(Script::Other),
            '#' | '＃' if bare => Class::Hash,
            '@' | '＠' if bare => Class::At,
            '\'' | '\u{2019}' if bare => Class::Apostrophe,
            '_' if bare => Class::Underscore,
            '.' | ',' if bare => Class::NumberSeparator,
            _ => Class::Punct,
        }
    }

    fn is_word_part(self) -> bool {
        matches!(self, Class::Letter(_) | Class::Digit | Class::Underscore)
    }
}

impl<'a> Tokens<'a> {
    /// The cluster starting at `pos`: its end and its class.
    fn cluster(&self, pos: usize) -> Option<(usize, Class)> {
        let (_, c) = graphemes(&self.text[pos..]).next()?;
        Some((pos + c.len(), Class::of(c)))
    }

    fn class_at(&self, pos: usize) -> Option<Class> {
        self.cluster(pos).map(|(_, class)| class)
    }

    /// Extends a word or number from its first cluster; returns its end and script.
    fn scan_word(&self, mut pos: usize, first: Class) -> (usize, Option<Script>) {
        let mut script = match first {
            Class::Letter(s) => Some(s),
            _ => None,
        };
        let mut last = first;
        while let Some((end, class)) = self.cluster(pos) {
            let joins = match class {
                Class::Letter(s) => script.is_none_or(|have| have == s),
                Class::Digit => true,
                Class::Apostrophe => {
                    last == Class::Letter(Script::Latin)
                        && self.class_at(end) == Some(Class::Letter(Script::Latin))
                }
                Class::NumberSeparator => {
                    last == Class::Digit && self.class_at(end) == Some(Class::Digit)
                }
                _ => false,
            };
            if !joins {
                break;
            }
            if let Class::Letter(s) = class {
                script = Some(s);
            }
            last = class;
            pos = end;
        }
        (pos, script)
    }

    /// The end of a hashtag or mention body starting at `pos`, and its script, if the body
    /// qualifies (see the module notes).
    fn scan_tag(&self, mut pos: usize, hashtag: bool) -> Option<(usize, Script)> {
        let mut script: Option<Script> = None;
        let mut has_digit = false;
        while let Some((end, class)) = self.cluster(pos) {
            match class {
                Class::Letter(s) => {
                    script = Some(match script {
                        Some(have) if have != s => Script::Mixed,
                        _ => s,
                    });
                }
                Class::Digit => has_digit = true,
                Class::Underscore => {}
                _ => break,
            }
            pos = end;
        }
        match script {
            Some(s) => Some((pos, s)),
            None if !hashtag && has_digit => Some((pos, Script::Digit)),
            None => None,
        }
    }

    fn token(&self, start: usize, end: usize, kind: Kind, script: Script) -> Token<'a> {
        let raw = &self.text[start..end];
        let text = match kind {
            Kind::Emoji => strip_presentation(raw),
            _ => normalise(raw),
        };
        Token {
            text,
            raw,
            start,
            kind,
            script,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let start = self.pos;
            let (end, class) = self.cluster(start)?;
            let after_word = std::mem::replace(&mut self.after_word, class.is_word_part());
            self.pos = end;
            match class {
                Class::Letter(_) | Class::Digit if is_url(&self.text[start..]) => {
                    self.pos = self.text[start..]
                        .find(|c: char| c.is_whitespace())
                        .map_or(self.text.len(), |i| start + i);
                    self.after_word = false;
                }
                Class::Letter(_) | Class::Digit => {
                    let (end, script) = self.scan_word(end, class);
                    self.pos = end;
                    let (kind, script) = match script {
                        Some(s) => (Kind::Word, s),
                        None => (Kind::Number, Script::Digit),
                    };
                    return Some(self.token(start, end, kind, script));
                }
                Class::Hash | Class::At if !after_word => {
                    let hashtag = class == Class::Hash;
                    if let Some((end, script)) = self.scan_tag(end, hashtag) {
                        self.pos = end;
                        self.after_word = true;
                        let kind = if hashtag {
                            Kind::Hashtag
                        } else {
                            Kind::Mention
                        };
                        return Some(self.token(start, end, kind, script));
                    }
                }
                Class::Emoji => return Some(self.token(start, end, Kind::Emoji, Script::Emoji)),
                _ => {}
            }
        }
    }
}

/// URLs carry no trend signal and their path fragments would pollute word counts.
fn is_url(s: &str) -> bool {
    ["http://", "https://", "www."].iter().any(|p| {
        s.get(..p.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(p))
    })
}

/// U+FE0F / U+FE0E only choose emoji or text presentation, so ❤️ and ❤ count as one.
fn strip_presentation(raw: &str) -> Cow<'_, str> {
    if raw.contains(['\u{FE0F}', '\u{FE0E}']) {
        Cow::Owned(
            raw.chars()
                .filter(|c| !matches!(c, '\u{FE0E}' | '\u{FE0F}'))
                .collect(),
        )
    } else {
        Cow::Borrowed(raw)
    }
}

/// The canonical combining class of the Devanagari marks that have one (nukta 7, virama 9,
/// stress signs 220/230). Zero for everything else, so only Devanagari marks get reordered.
fn ccc(c: char) -> u8 {
    match c {
        NUKTA => 7,
        '\u{094D}' => 9,
        '\u{0952}' => 220,
        '\u{0951}' | '\u{0953}' | '\u{0954}' | '\u{A8E0}'..='\u{A8F1}' => 230,
        _ => 0,
    }
}

/// The consonant a precomposed nukta letter (U+0958–U+095F) decomposes to.
fn nukta_base(c: char) -> Option<char> {
    const BASES: [char; 8] = ['क', 'ख', 'ग', 'ज', 'ड', 'ढ', 'फ', 'य'];
    let i = (c as u32).checked_sub(0x0958)? as usize;
    BASES.get(i).copied()
}

/// The precomposed letter NFC makes of consonant + nukta: only ऩ, ऱ, ऴ (the other eight
/// are composition exclusions, which NFC keeps decomposed).
fn nukta_compose(base: char) -> Option<char> {
    match base {
        'न' => Some('ऩ'),
        'र' => Some('ऱ'),
        'ळ' => Some('ऴ'),
        _ => None,
    }
}

fn folds(c: char) -> bool {
    if !is_latin_letter(c) {
        return false;
    }
    let mut lower = c.to_lowercase();
    lower.next() != Some(c) || lower.next().is_some()
}

/// Whether [`normalise`] would change anything; keeps the common case allocation-free.
fn needs_change(s: &str) -> bool {
    let mut prev: Option<char> = None;
    for c in s.chars() {
        let joiner_after_script =
            (c == ZWJ || c == ZWNJ) && prev.is_some_and(|p| is_devanagari(p) || is_latin_letter(p));
        let misordered = ccc(c) != 0 && prev.is_some_and(|p| ccc(p) > ccc(c));
        if matches!(c, '\u{0966}'..='\u{096F}' | '\u{0958}'..='\u{095F}' | '\u{2019}' | '＃' | '＠')
            || (c == NUKTA && prev.and_then(nukta_compose).is_some())
            || joiner_after_script
            || misordered
            || folds(c)
        {
            return true;
        }
        if c != ZWJ && c != ZWNJ {
            prev = Some(c); // a run of joiners belongs to the letter before it
        }
    }
    false
}

/// The form tokens are counted in. Unicode NFC needs tables the engine does not carry, so
/// this does the part of NFC that Devanagari needs, plus case folding, exactly:
/// - nukta letters in NFC form: U+0958–U+095F become consonant + nukta (NFC itself
///   decomposes them: they are composition exclusions), and न/र/ळ + nukta become ऩ/ऱ/ऴ
///   (which NFC composes); so ज़ typed either way is one word;
/// - Devanagari marks in canonical order (nukta before virama, as ccc 7 < 9);
/// - ZWJ and ZWNJ removed after a Devanagari or Latin character: in Hindi they only choose
///   a rendering (half form क्‍ष vs ligature क्ष; the spelling is the same letters), and in
///   Latin they do nothing. Emoji keep them (a ZWJ sequence is a different emoji) and other
///   scripts keep them (in Persian a ZWNJ separates morphemes);
/// - Devanagari digits ०–९ become ASCII digits, so २०२६ and 2026 count together;
/// - Latin letters lowercased (`char::to_lowercase`, full mapping, so İ becomes i̇);
///   Devanagari has no case and nothing else is touched; ’ becomes ', and the fullwidth
///   ＃ and ＠ become # and @ (one trend however the keyboard typed the sign).
///
/// On Devanagari without joiners or digits the result is exactly NFC: compared once, outside
/// the repository, with Python's `unicodedata.normalize("NFC")` on 100 000 random strings of
/// consonants, nukta letters, nukta, virama, matras and stress signs.
///
/// Not done: composing Latin base + combining accent (é typed as e + U+0301 stays so), and
/// Unicode's "do not use" Devanagari sequences (अ + ा for आ), which are not canonical.
pub fn normalise(s: &str) -> Cow<'_, str> {
    if !needs_change(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut prev: Option<char> = None;
    for c in s.chars() {
        match c {
            ZWJ | ZWNJ if prev.is_some_and(|p| is_devanagari(p) || is_latin_letter(p)) => {}
            '\u{0966}'..='\u{096F}' => out.push(char::from(b'0' + (c as u32 - 0x0966) as u8)),
            '\u{2019}' => out.push('\''),
            '＃' => out.push('#'),
            '＠' => out.push('@'),
            c if nukta_base(c).is_some() => {
                push_ordered(&mut out, nukta_base(c).unwrap_or(c));
                push_ordered(&mut out, NUKTA);
            }
            c if folds(c) => out.extend(c.to_lowercase()),
            c => push_ordered(&mut out, c),
        }
        if c != ZWJ && c != ZWNJ {
            prev = Some(c);
        }
    }
    Cow::Owned(out)
}

/// Appends `c`, moving it before any immediately preceding marks of a higher combining
/// class (canonical ordering), and composing ऩ/ऱ/ऴ when a nukta lands after न/र/ळ.
fn push_ordered(out: &mut String, c: char) {
    let class = ccc(c);
    let mut at = out.len();
    if class != 0 {
        for (i, last) in out.char_indices().rev() {
            if ccc(last) <= class {
                break;
            }
            at = i;
        }
    }
    if c == NUKTA {
        if let Some((i, base)) = out[..at].char_indices().next_back() {
            if let Some(composed) = nukta_compose(base) {
                out.replace_range(i..i + base.len_utf8(), composed.encode_utf8(&mut [0; 4]));
                return;
            }
        }
    }
    out.insert(at, c);
}
