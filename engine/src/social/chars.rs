//! What kind of character is this, and where does one user-perceived character end? A
//! Hindi "letter" on screen (क्ष, श्रृ, ज़ि) is several code points, so text must be cut at
//! grapheme-cluster boundaries, never between a consonant and its virama, nukta or matra.
//!
//! The engine may not use Unicode-table crates, so this file carries the few properties it
//! needs, written out by hand for the scripts Dhara's scenarios use:
//! - Devanagari (U+0900–U+097F) and Devanagari Extended (U+A8E0–U+A8FF): every mark exactly
//!   (General Category Mn/Mc; the table and the combining classes in `text` were checked
//!   against Python's unicodedata, UCD 14.0), plus the conjunct rule GB9c. The clusters
//!   were compared once, outside the repository, with the unicode-segmentation crate
//!   (1.13.3, Unicode 17) on 200 000 random Devanagari/Latin/emoji strings: no difference,
//!   except where a Bengali letter or spacing mark follows a Devanagari virama (there GB9c
//!   is Devanagari-only here).
//! - Latin: letters via `char::is_alphabetic` restricted to the Latin blocks, and the
//!   combining-diacritic blocks as marks.
//! - Emoji: Extended_Pictographic approximated by its blocks, regional-indicator pairs
//!   (flags), skin-tone modifiers, variation selectors and ZWJ sequences.
//! - The other Indic blocks (Bengali … Malayalam): their marks, so their words are not cut
//!   at a matra or virama; but GB9c is applied to Devanagari only, so there a conjunct is
//!   several clusters (the tokenizer still keeps the word whole). Their letters are
//!   `Script::Other`; their digits (০, ੧ …) are not recognised and are dropped like
//!   punctuation.
//!
//! Not covered: Hangul syllable rules (GB6–GB8), Prepend characters, and marks of scripts
//! other than the above (Arabic harakat, Thai vowels …), which become separate clusters.

/// Zero-width non-joiner: asks for the visible-virama or non-ligated form of a conjunct.
pub const ZWNJ: char = '\u{200C}';
/// Zero-width joiner: asks for a half form (क्‍ष) or glues an emoji sequence together.
pub const ZWJ: char = '\u{200D}';
/// The Devanagari virama (halant): kills the inherent vowel and joins a conjunct.
pub const VIRAMA: char = '\u{094D}';
/// The Devanagari nukta: the dot below that makes ज़, फ़, ड़ from ज, फ, ड.
pub const NUKTA: char = '\u{093C}';

/// True in the Devanagari block and Devanagari Extended.
pub fn is_devanagari(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}')
}

/// A Devanagari combining mark (Mn or Mc): candrabindu, anusvara, visarga, nukta, matras,
/// virama, stress signs and the Extended block's combining letters.
fn is_devanagari_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0900}'..='\u{0903}'
            | '\u{093A}'..='\u{093C}'
            | '\u{093E}'..='\u{094F}'
            | '\u{0951}'..='\u{0957}'
            | '\u{0962}'..='\u{0963}'
            | '\u{A8E0}'..='\u{A8F1}'
            | '\u{A8FF}'
    )
}

/// Bengali through Malayalam: their blocks copy Devanagari's layout, so the signs, matras,
/// nukta and virama sit at the same offsets; the listed exceptions make the set match the
/// UCD's Mn/Mc for U+0980–U+0D7F (checked against Unicode 14; unassigned offsets count too).
fn is_other_indic_mark(c: char) -> bool {
    if !matches!(c, '\u{0980}'..='\u{0D7F}') || c == '\u{0B83}' {
        return false; // Tamil visarga (aytham) is a letter: it can begin a word
    }
    let offset = (c as u32) & 0x7F;
    matches!(offset, 0x01..=0x03 | 0x3C | 0x3E..=0x4D | 0x57 | 0x62..=0x63)
        || matches!(
            c,
            '\u{09FE}'
                | '\u{0A51}'
                | '\u{0A70}'..='\u{0A71}'
                | '\u{0A75}'
                | '\u{0AFA}'..='\u{0AFF}'
                | '\u{0B55}'..='\u{0B56}'
                | '\u{0C00}'
                | '\u{0C04}'
                | '\u{0C55}'..='\u{0C56}'
                | '\u{0CD5}'..='\u{0CD6}'
                | '\u{0D00}'
                | '\u{0D3B}'
        )
}

/// A combining mark of any kind this module knows: it never starts a cluster or a token.
pub fn is_mark(c: char) -> bool {
    is_devanagari_mark(c)
        || is_other_indic_mark(c)
        || matches!(
            c,
            '\u{0300}'..='\u{036F}'
                | '\u{1AB0}'..='\u{1AFF}'
                | '\u{1DC0}'..='\u{1DFF}'
                | '\u{20D0}'..='\u{20FF}'
                | '\u{FE20}'..='\u{FE2F}'
        )
}

/// Characters that extend the cluster before them without being marks of a script:
/// variation selectors (text or emoji presentation), skin tones, tag characters, ZWNJ.
fn is_other_extend(c: char) -> bool {
    matches!(
        c,
        ZWNJ | '\u{FE00}'..='\u{FE0F}' | '\u{1F3FB}'..='\u{1F3FF}' | '\u{E0020}'..='\u{E007F}'
    )
}

/// A Devanagari digit ०–९ or an ASCII digit. Other scripts' digits are not recognised.
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '\u{0966}'..='\u{096F}')
}

/// A Devanagari letter: consonants, independent vowels, avagraha, OM and the Extended
/// block's spacing letters; not marks, digits or the dandas.
pub fn is_devanagari_letter(c: char) -> bool {
    is_devanagari(c)
        && !is_mark(c)
        && !is_digit(c)
        && !matches!(
            c,
            '\u{0964}' | '\u{0965}' | '\u{0970}' | '\u{A8F8}'..='\u{A8FA}' | '\u{A8FC}'
        )
}

/// A letter of the Latin script: Basic Latin, Latin-1, Extended-A/B, IPA, Extended
/// Additional, Extended-C/D/E and the fullwidth forms.
pub fn is_latin_letter(c: char) -> bool {
    c.is_alphabetic()
        && matches!(
            c,
            'A'..='Z'
                | 'a'..='z'
                | '\u{00AA}'
                | '\u{00BA}'
                | '\u{00C0}'..='\u{02AF}'
                | '\u{1E00}'..='\u{1EFF}'
                | '\u{2C60}'..='\u{2C7F}'
                | '\u{A720}'..='\u{A7FF}'
                | '\u{AB30}'..='\u{AB6F}'
                | '\u{FF21}'..='\u{FF3A}'
                | '\u{FF41}'..='\u{FF5A}'
        )
}

/// Extended_Pictographic, approximated by the blocks that hold it. Over-inclusive within
/// those blocks (a few non-emoji dingbats count), which is harmless for counting.
pub fn is_pictographic(c: char) -> bool {
    matches!(
        c,
        '\u{00A9}'
            | '\u{00AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{2194}'..='\u{21AA}'
            | '\u{231A}'..='\u{23FF}'
            | '\u{24C2}'
            | '\u{25AA}'..='\u{25FE}'
            | '\u{2600}'..='\u{27BF}'
            | '\u{2934}'..='\u{2935}'
            | '\u{2B05}'..='\u{2B55}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{3297}'
            | '\u{3299}'
            | '\u{1F000}'..='\u{1F1E5}'
            | '\u{1F200}'..='\u{1F3FA}'
            | '\u{1F400}'..='\u{1FAFF}'
            | '\u{1FC00}'..='\u{1FFFD}'
    )
}

/// The 26 regional-indicator letters; two of them make a flag (🇮🇳 is I + N).
pub fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1F1E6}'..='\u{1F1FF}')
}

/// Controls always stand alone (GB4, GB5): line breaks, C0/C1 controls, zero-width space,
/// the byte-order mark, direction marks and the line/paragraph separators.
pub(crate) fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
        )
}

/// Devanagari marks that take horizontal space (General Category Mc).
fn is_devanagari_spacing_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0903}'
            | '\u{093B}'
            | '\u{093E}'..='\u{0940}'
            | '\u{0949}'..='\u{094C}'
            | '\u{094E}'..='\u{094F}'
    )
}

/// Grapheme_Cluster_Break = Extend (not SpacingMark, not ZWJ): what GB9c and GB11 let
/// through between the characters they join.
fn is_nonspacing_extend(c: char) -> bool {
    (is_mark(c) && !is_devanagari_spacing_mark(c)) || is_other_extend(c)
}

/// The Indic_Conjunct_Break value of a character, as Unicode 17 derives it, for the
/// Devanagari consonants and linker and the extenders this module knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum InCb {
    Consonant,
    Linker,
    Extend,
    None,
}

fn incb(c: char) -> InCb {
    match c {
        '\u{0915}'..='\u{0939}' | '\u{0958}'..='\u{095F}' | '\u{0978}'..='\u{097F}' => {
            InCb::Consonant
        }
        VIRAMA => InCb::Linker,
        // ZWJ (the half-form request) continues a conjunct; ZWNJ (the explicit-virama
        // request) ends it, so क्‌ष is two clusters.
        ZWJ => InCb::Extend,
        ZWNJ => InCb::None,
        // Non-spacing extenders: nukta, anusvara, candrabindu, stress signs, accents,
        // variation selectors. Spacing matras (ि, ः) end the pattern.
        c if is_nonspacing_extend(c) => InCb::Extend,
        _ => InCb::None,
    }
}

/// Splits text into extended grapheme clusters (UAX #29) within the scope above. Yields
/// `(byte offset, cluster)`; the clusters concatenate back to the input exactly.
pub fn graphemes(text: &str) -> Graphemes<'_> {
    Graphemes { text, pos: 0 }
}

/// The iterator [`graphemes`] returns. Allocation-free.
pub struct Graphemes<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Graphemes<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let rest = &self.text[start..];
        let len = cluster_len(rest)?;
        self.pos += len;
        Some((start, &rest[..len]))
    }
}

/// The byte length of the cluster that starts `s`, or None for an empty string.
fn cluster_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    let mut prev = first;
    // GB9c: the cluster so far ends in consonant (extend|linker)* linker (extend|linker)*.
    let mut conjunct = State::from_consonant(first);
    // GB11: the cluster so far is pictographic extend* (then optionally a ZWJ).
    let mut emoji = if is_pictographic(first) {
        Emoji::Pict
    } else {
        Emoji::None
    };
    let mut regional = usize::from(is_regional_indicator(first));
    for (i, c) in chars {
        if !continues(prev, c, conjunct, emoji, regional) {
            return Some(i);
        }
        conjunct = conjunct.after(c);
        emoji = emoji.after(c);
        regional = if is_regional_indicator(c) {
            regional + 1
        } else {
            0
        };
        prev = c;
    }
    Some(s.len())
}

/// Whether `c` joins the cluster whose last character is `prev` (no break between them).
fn continues(prev: char, c: char, conjunct: State, emoji: Emoji, regional: usize) -> bool {
    if prev == '\r' && c == '\n' {
        return true; // GB3
    }
    if is_control(prev) || is_control(c) {
        return false; // GB4, GB5
    }
    if is_mark(c) || is_other_extend(c) || c == ZWJ {
        return true; // GB9, GB9a
    }
    if conjunct == State::Linked && incb(c) == InCb::Consonant {
        return true; // GB9c: क + ् + ष stays one aksara
    }
    if emoji == Emoji::PictZwj && is_pictographic(c) {
        return true; // GB11: 👨‍👩‍👧 is one emoji
    }
    // GB12, GB13: regional indicators pair up from the start of the run.
    is_regional_indicator(prev) && is_regional_indicator(c) && regional % 2 == 1
}

/// Progress through GB9c's pattern.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    None,
    Consonant,
    Linked,
}

impl State {
    fn from_consonant(c: char) -> State {
        if incb(c) == InCb::Consonant {
            State::Consonant
        } else {
            State::None
        }
    }

    fn after(self, c: char) -> State {
        match (self, incb(c)) {
            (_, InCb::Consonant) => State::Consonant,
            (State::Consonant | State::Linked, InCb::Linker) => State::Linked,
            (s, InCb::Extend) => s,
            _ => State::None,
        }
    }
}

/// Progress through GB11's pattern.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Emoji {
    None,
    Pict,
    PictZwj,
}

impl Emoji {
    fn after(self, c: char) -> Emoji {
        if is_pictographic(c) {
            Emoji::Pict
        } else if self == Emoji::Pict && c == ZWJ {
            Emoji::PictZwj
        } else if self == Emoji::Pict && is_nonspacing_extend(c) {
            Emoji::Pict
        } else {
            Emoji::None
        }
    }
}
