//! Stop words are the words every post uses (the, है, hai): counting them would put them on
//! top of every trend list, so the trends job leaves them out. Each list is a sorted static
//! slice searched by binary search: no allocation, no hashing, the same answer everywhere.
//!
//! The lists are written in the normalised form tokens are compared in (lowercase Latin,
//! nukta decomposed, no joiners); a test checks that, and that each list is sorted by bytes.
//! Spelling variants common online are listed separately (नहीं and नही, यहाँ and यहां,
//! nahi / nahin / nhi), because no rule maps one to the other.

use super::Language;

/// Frequent English function words (articles, pronouns, auxiliaries, prepositions).
pub const ENGLISH: &[&str] = &[
    "a", "about", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at",
    "be", "been", "before", "being", "but", "by", "can", "could", "did", "do", "does", "doing",
    "don't", "for", "from", "get", "got", "had", "has", "have", "he", "her", "here", "him", "his",
    "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "just", "me", "more", "most",
    "my", "no", "not", "now", "of", "off", "on", "only", "or", "other", "our", "out", "over",
    "really", "she", "so", "some", "such", "than", "that", "the", "their", "them", "then", "there",
    "these", "they", "this", "those", "to", "too", "up", "very", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
];

/// Frequent Hindi function words in Devanagari: postpositions, pronouns, auxiliaries,
/// conjunctions, particles.
pub const HINDI: &[&str] = &[
    "अपना",
    "अपनी",
    "अपने",
    "अब",
    "आप",
    "इन",
    "इस",
    "इसके",
    "इसे",
    "उन",
    "उनके",
    "उन्हें",
    "उस",
    "उसके",
    "उसे",
    "एक",
    "और",
    "कर",
    "करके",
    "करना",
    "करने",
    "का",
    "कि",
    "किया",
    "किसी",
    "की",
    "कुछ",
    "के",
    "को",
    "कोई",
    "कौन",
    "क्या",
    "क्यों",
    "गई",
    "गए",
    "गया",
    "जब",
    "जा",
    "जो",
    "तक",
    "तब",
    "तो",
    "था",
    "थी",
    "थे",
    "दिया",
    "न",
    "नही",
    "नहीं",
    "ना",
    "ने",
    "पर",
    "पे",
    "फिर",
    "बहुत",
    "भी",
    "मुझे",
    "में",
    "मैं",
    "यह",
    "यहाँ",
    "यहां",
    "या",
    "ये",
    "रहा",
    "रही",
    "रहे",
    "लिए",
    "लेकिन",
    "वह",
    "वहाँ",
    "वहां",
    "वाला",
    "वाली",
    "वाले",
    "वो",
    "सकता",
    "सकते",
    "सब",
    "साथ",
    "से",
    "हम",
    "ही",
    "हुआ",
    "हुई",
    "हुए",
    "है",
    "हैं",
    "हो",
    "होगा",
    "होता",
    "होती",
    "होते",
];

/// Frequent Roman-script Hindi function words, with the spellings people actually type.
/// Includes words that are also English (to, me, main): they are stop words only when the
/// post is not English (see [`is_stopword_in`]).
pub const HINGLISH: &[&str] = &[
    "aap", "ab", "abhi", "apna", "apne", "apni", "aur", "bahot", "bahut", "bhi", "bht", "bohot",
    "ek", "gaya", "gayi", "hai", "hain", "ham", "hi", "ho", "hoga", "hoon", "hota", "hu", "hum",
    "is", "jo", "ka", "kar", "karna", "ke", "ki", "kisi", "ko", "koi", "kuch", "kya", "kyu",
    "kyun", "lekin", "liye", "main", "me", "mein", "mera", "mere", "meri", "mujhe", "na", "nahi",
    "nahin", "ne", "nhi", "par", "pe", "phir", "raha", "rahe", "rahi", "sab", "se", "tha", "the",
    "thi", "to", "toh", "tum", "us", "vo", "wala", "wale", "wali", "wo", "woh", "yaar", "yar",
    "ye", "yeh",
];

/// Roman-script words that mark a post as Hinglish: frequent in Roman Hindi and not English
/// words, so one English sentence does not trip the guess. Ambiguous spellings (to, me,
/// main, is, us, the, par, hum, ham, hi, ho, na, do) are deliberately absent.
pub const HINGLISH_MARKERS: &[&str] = &[
    "aaj", "aap", "abhi", "accha", "acha", "achha", "apna", "apni", "aur", "bahot", "bahut",
    "bhai", "bhi", "bht", "bilkul", "bohot", "dekho", "gaya", "gayi", "hai", "hain", "hoga",
    "hoon", "jeet", "ka", "kaise", "kar", "karo", "kaun", "ke", "ki", "kiya", "ko", "kuch", "kya",
    "kyu", "kyun", "lekin", "liye", "mast", "matlab", "mein", "mera", "meri", "mujhe", "nahi",
    "nahin", "nhi", "phir", "raha", "rahe", "rahi", "sahi", "se", "tha", "thi", "toh", "tum",
    "wala", "wale", "wali", "yaar", "yeh", "zyada",
];

fn contains(list: &[&str], word: &str) -> bool {
    list.binary_search(&word).is_ok()
}

/// Whether the normalised `token` is a stop word in any list that fits its script:
/// Devanagari tokens against Hindi, others against English and Hinglish.
pub fn is_stopword(token: &str) -> bool {
    if starts_devanagari(token) {
        contains(HINDI, token)
    } else {
        contains(ENGLISH, token) || contains(HINGLISH, token)
    }
}

/// Whether the normalised `token` is a stop word in a post of language `lang`. Devanagari
/// tokens are checked against Hindi; Roman ones against English always and against
/// Hinglish unless the post is English, so "main" survives in "the main event".
pub fn is_stopword_in(token: &str, lang: Language) -> bool {
    if starts_devanagari(token) {
        contains(HINDI, token)
    } else {
        contains(ENGLISH, token) || (lang != Language::English && contains(HINGLISH, token))
    }
}

/// Whether the normalised Roman `word` is one of [`HINGLISH_MARKERS`].
pub fn is_hinglish_marker(word: &str) -> bool {
    contains(HINGLISH_MARKERS, word)
}

fn starts_devanagari(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(super::chars::is_devanagari)
}
