use super::stopwords::{ENGLISH, HINDI, HINGLISH, HINGLISH_MARKERS};
use super::*;

fn texts(s: &str) -> Vec<String> {
    tokenize(s).map(|t| t.text.into_owned()).collect()
}

fn kinds(s: &str) -> Vec<Kind> {
    tokenize(s).map(|t| t.kind).collect()
}

fn clusters(s: &str) -> Vec<&str> {
    graphemes(s).map(|(_, g)| g).collect()
}

#[test]
fn hindi_sentence_with_hashtags_in_both_scripts() {
    let post = "भारत ने ऑस्ट्रेलिया को हराया! #IndVsAus #विश्वकप";
    assert_eq!(
        texts(post),
        [
            "भारत",
            "ने",
            "ऑस्ट्रेलिया",
            "को",
            "हराया",
            "#indvsaus",
            "#विश्वकप"
        ]
    );
    use Kind::*;
    assert_eq!(
        kinds(post),
        [Word, Word, Word, Word, Word, Hashtag, Hashtag]
    );
    let scripts: Vec<Script> = tokenize(post).map(|t| t.script).collect();
    assert_eq!(scripts[0], Script::Devanagari);
    assert_eq!(scripts[5], Script::Latin);
    assert_eq!(scripts[6], Script::Devanagari);
    assert_eq!(hashtags(post).collect::<Vec<_>>(), ["#indvsaus", "#विश्वकप"]);
    assert_eq!(language(post), Language::Hindi);
    assert_eq!(
        words(post).collect::<Vec<_>>(),
        ["भारत", "ऑस्ट्रेलिया", "हराया"]
    );
}

#[test]
fn hinglish_sentence_with_emoji() {
    let post = "Yaar ye match bahut accha tha 🔥 #CWC23";
    assert_eq!(
        texts(post),
        ["yaar", "ye", "match", "bahut", "accha", "tha", "🔥", "#cwc23"]
    );
    assert_eq!(language(post), Language::Hinglish);
    assert_eq!(language(post).code(), "hinglish");
    assert_eq!(words(post).collect::<Vec<_>>(), ["match", "accha"]);
    let a = analyse(post);
    assert_eq!(a.language, Language::Hinglish);
    assert_eq!(a.words, ["match", "accha"]);
    assert_eq!(a.hashtags, ["#cwc23"]);
    assert_eq!(a.emoji, ["🔥"]);
}

#[test]
fn english_and_mixed_posts() {
    let en = "What a final! Australia won the World Cup again, the main event of 2023.";
    assert_eq!(language(en), Language::English);
    // "main" is a Hinglish stop word (मैं) but survives in an English post.
    assert_eq!(
        words(en).collect::<Vec<_>>(),
        ["final", "australia", "won", "world", "cup", "main", "event"]
    );
    let mixed = "आज का match शानदार था, what a game";
    assert_eq!(language(mixed), Language::Mixed);
    assert_eq!(language(mixed).code(), "mixed");
    // One English word in a Hindi post does not make it mixed.
    assert_eq!(language("आज का मैच बहुत शानदार था OK"), Language::Hindi);
    assert_eq!(language("🔥🔥 #IndVsAus 2023"), Language::Unknown);
}

#[test]
fn conjuncts_stay_whole() {
    assert_eq!(texts("क्षत्रिय"), ["क्षत्रिय"]);
    assert_eq!(clusters("क्षत्रिय"), ["क्ष", "त्रि", "य"]);
    assert_eq!(texts("श्रृंगार"), ["श्रृंगार"]);
    assert_eq!(clusters("श्रृंगार"), ["श्रृं", "गा", "र"]);
    assert_eq!(clusters("स्त्री"), ["स्त्री"]);
    assert_eq!(clusters("ऑस्ट्रेलिया"), ["ऑ", "स्ट्रे", "लि", "या"]);
}

#[test]
fn nukta_forms_normalise_to_one_spelling() {
    let precomposed = "\u{095B}िंदगी"; // ज़ as one code point
    let decomposed = "\u{091C}\u{093C}िंदगी"; // ज + nukta
    assert_ne!(precomposed, decomposed);
    let a: Vec<Token> = tokenize(precomposed).collect();
    let b: Vec<Token> = tokenize(decomposed).collect();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].text, decomposed);
    assert_eq!(a[0].raw, precomposed);
    assert_eq!(b[0].text, decomposed);
    assert!(
        matches!(b[0].text, Cow::Borrowed(_)),
        "already normal: no allocation"
    );
    assert_eq!(clusters(decomposed)[0], "\u{091C}\u{093C}िं");
    // ऩ is composed by NFC, so न + nukta becomes U+0929.
    assert_eq!(normalise("\u{0928}\u{093C}"), "\u{0929}");
    // Nukta typed after the virama is put back in canonical order (ccc 7 before 9).
    assert_eq!(normalise("क\u{094D}\u{093C}"), "क\u{093C}\u{094D}");
    // A longer run is sorted stably by class: nukta 7, virama 9, then the 230s in order.
    assert_eq!(
        normalise("क\u{0951}\u{0953}\u{094D}\u{093C}"),
        "क\u{093C}\u{094D}\u{0951}\u{0953}"
    );
    assert_eq!(normalise("न\u{094D}\u{093C}"), "\u{0929}\u{094D}");
}

#[test]
fn joiners_inside_words() {
    let zwj = "क\u{094D}\u{200D}ष"; // half-form request
    let zwnj = "क\u{094D}\u{200C}ष"; // visible-virama request
    assert_eq!(
        clusters(zwj),
        [zwj],
        "C + virama + ZWJ + C is one aksara (GB9c)"
    );
    assert_eq!(clusters(zwnj), ["क\u{094D}\u{200C}", "ष"]);
    assert_eq!(texts(zwj), ["क्ष"]);
    assert_eq!(texts(zwnj), ["क्ष"]);
    assert_eq!(
        texts(&format!("{zwj} और {zwnj}त्रिय")),
        ["क्ष", "और", "क्षत्रिय"]
    );
    // Emoji keep their ZWJ: a family is not three people.
    let family = "👨\u{200D}👩\u{200D}👧";
    assert_eq!(texts(family), [family]);
}

#[test]
fn dandas_and_punctuation_separate() {
    let s = "मैं घर जा रहा हूँ। तुम कहाँ हो॥ (सच?) \"हाँ\"…";
    assert_eq!(
        texts(s),
        ["मैं", "घर", "जा", "रहा", "हूँ", "तुम", "कहाँ", "हो", "सच", "हाँ"]
    );
}

#[test]
fn devanagari_digits_and_indian_grouping() {
    let s = "२०२६ में 5 विकेट, १,००,००० लोग 3.5 ओवर में 10वीं बार";
    let tokens: Vec<Token> = tokenize(s).collect();
    let got: Vec<(&str, Kind)> = tokens.iter().map(|t| (t.text.as_ref(), t.kind)).collect();
    use Kind::*;
    assert_eq!(
        got,
        [
            ("2026", Number),
            ("में", Word),
            ("5", Number),
            ("विकेट", Word),
            ("1,00,000", Number),
            ("लोग", Word),
            ("3.5", Number),
            ("ओवर", Word),
            ("में", Word),
            ("10वीं", Word),
            ("बार", Word),
        ]
    );
    assert_eq!(tokens[0].raw, "२०२६");
    assert_eq!(tokens[0].script, Script::Digit);
    assert_eq!(tokens[9].script, Script::Devanagari);
}

#[test]
fn hashtags_and_mentions() {
    let s = "#भारत #IndVsAus #दिवाली2026 #2026 #भारतWins @imVkohli @रोहित_शर्मा #T20_WC.";
    let tokens: Vec<Token> = tokenize(s).collect();
    let got: Vec<(&str, Kind, Script)> = tokens
        .iter()
        .map(|t| (t.text.as_ref(), t.kind, t.script))
        .collect();
    use Kind::*;
    use Script::*;
    assert_eq!(
        got,
        [
            ("#भारत", Hashtag, Devanagari),
            ("#indvsaus", Hashtag, Latin),
            ("#दिवाली2026", Hashtag, Devanagari),
            ("2026", Number, Digit),
            ("#भारतwins", Hashtag, Mixed),
            ("@imvkohli", Mention, Latin),
            ("@रोहित_शर्मा", Mention, Devanagari),
            ("#t20_wc", Hashtag, Latin),
        ]
    );
    // A sign after a word is punctuation: UPI addresses are not mentions.
    assert_eq!(
        texts("pay rahul@okaxis now"),
        ["pay", "rahul", "okaxis", "now"]
    );
    assert_eq!(texts("a#b"), ["a", "b"]);
    assert_eq!(
        texts("#िभारत ＃Diwali"),
        ["भारत", "#diwali"],
        "a marked # is no tag sign"
    );
    // A hashtag is the same trend whichever case it was typed in.
    assert_eq!(
        hashtags("#INDvsAUS #IndVsAus").collect::<Vec<_>>(),
        ["#indvsaus", "#indvsaus"]
    );
}

#[test]
fn urls_are_dropped() {
    let s = "dekho https://t.co/AbC123 yaar WWW.Example.com/x ok http://a.b";
    assert_eq!(texts(s), ["dekho", "yaar", "ok"]);
}

#[test]
fn emoji_are_tokens() {
    let s = "🔥🔥 👍🏽 🇮🇳🇦🇺 ❤️ 1️⃣";
    assert_eq!(texts(s), ["🔥", "🔥", "👍🏽", "🇮🇳", "🇦🇺", "❤", "1⃣"]);
    assert!(tokenize(s).all(|t| t.kind == Kind::Emoji && t.script == Script::Emoji));
}

#[test]
fn latin_case_folding_leaves_devanagari_alone() {
    assert_eq!(
        texts("ÉCOLE Straße ÀÖÇ MATCH"),
        ["école", "straße", "àöç", "match"]
    );
    assert_eq!(normalise("İ"), "i\u{0307}");
    for s in ["भारत", "क्षत्रिय", "श्रृंगार", "ज़िंदगी", "ॐ", "ऽ"]
    {
        assert!(
            matches!(normalise(s), Cow::Borrowed(_)),
            "{s} must not change"
        );
    }
    assert_eq!(texts("India’s"), ["india's"]);
    assert_eq!(texts("don't 'quote'"), ["don't", "quote"]);
}

#[test]
fn scripts_split_words_and_orphan_marks_are_dropped() {
    assert_eq!(texts("भारतvsAus"), ["भारत", "vsaus"]);
    assert_eq!(texts("ि क"), ["क"], "a matra at the start has no base");
    assert_eq!(
        texts("x ्क"),
        ["x", "क"],
        "a virama after a space joins the space"
    );
    assert_eq!(clusters(" ि"), [" ि"]);
}

#[test]
fn stopword_lists_are_sorted_unique_and_normalised() {
    for list in [ENGLISH, HINDI, HINGLISH, HINGLISH_MARKERS] {
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "sorted by bytes, no duplicates"
        );
        for w in list {
            assert_eq!(normalise(w), *w);
            assert_eq!(texts(w), [*w], "{w} is one token");
        }
    }
}

#[test]
fn stopword_removal_per_language() {
    for w in [
        "है",
        "का",
        "की",
        "के",
        "को",
        "में",
        "से",
        "और",
        "पर",
        "यह",
        "भी",
        "नहीं",
    ] {
        assert!(is_stopword(w), "{w}");
    }
    for w in ["hai", "ka", "ki", "ko", "nahi", "bhi", "yaar", "the", "and"] {
        assert!(is_stopword(w), "{w}");
    }
    assert!(!is_stopword("भारत") && !is_stopword("cricket"));
    assert!(!is_stopword("Hai"), "lists hold normalised forms");
    assert!(!is_stopword_in("main", Language::English));
    assert!(is_stopword_in("main", Language::Hinglish));
    assert!(!is_stopword_in("hai", Language::English) && is_stopword_in("hai", Language::Mixed));
    let hi = "यह मैच भी बहुत अच्छा है";
    assert_eq!(words(hi).collect::<Vec<_>>(), ["मैच", "अच्छा"]);
    let en = "This is the best match of the year";
    assert_eq!(words(en).collect::<Vec<_>>(), ["best", "match", "year"]);
}

#[test]
fn graphemes_cover_the_text() {
    let s = "नमस्ते 🙏🏽 क्\u{200D}ष\r\nÉ\u{0301}";
    assert_eq!(clusters(s).concat(), s);
    assert!(clusters(s).contains(&"\r\n"));
    assert!(clusters(s).contains(&"É\u{0301}"));
    assert!(clusters(s).contains(&"स्ते"));
    // GB9c only joins across virama + non-spacing marks: a spacing matra before the virama
    // (a typo) ends the conjunct, and so does a ZWNJ.
    assert_eq!(clusters("कि्ष"), ["कि्", "ष"]);
    assert_eq!(clusters("क्\u{200C}ष"), ["क्\u{200C}", "ष"]);
    // GB11 joins pictographs across ZWJ; GB12/13 pair regional indicators from the left.
    assert_eq!(
        clusters("👩\u{200D}❤\u{FE0F}\u{200D}👨"),
        ["👩\u{200D}❤\u{FE0F}\u{200D}👨"]
    );
    assert_eq!(clusters("🇮🇳🇦"), ["🇮🇳", "🇦"]);
}

#[test]
fn real_sentences_cut_only_at_cluster_boundaries() {
    let posts = [
        "भारत ने ऑस्ट्रेलिया को हराया! #IndVsAus #विश्वकप",
        "दिवाली की हार्दिक शुभकामनाएँ 🪔✨ #दिवाली2026 @PMOIndia",
        "क्‍षमा करें, ट्रेन २ घंटे लेट है। #IRCTC",
        "Aaj ka match dekha? Kohli ne kamaal kar diya 😍🇮🇳",
        "श्रृंगार और ज़िंदगी — दोनों ख़ूबसूरत॥",
    ];
    for post in posts {
        let starts: Vec<usize> = graphemes(post)
            .map(|(i, _)| i)
            .chain(std::iter::once(post.len()))
            .collect();
        for t in tokenize(post) {
            assert_eq!(&post[t.start..t.end()], t.raw);
            assert!(
                starts.contains(&t.start) && starts.contains(&t.end()),
                "{:?}",
                t.raw
            );
            let first = t.raw.chars().next().unwrap_or(' ');
            assert!(!super::chars::is_mark(first) && first != '\u{200D}' && first != '\u{200C}');
        }
    }
    assert_eq!(
        texts(posts[2]),
        ["क्षमा", "करें", "ट्रेन", "2", "घंटे", "लेट", "है", "#irctc"]
    );
    assert_eq!(analyse(posts[1]).mentions, ["@pmoindia"]);
    assert_eq!(analyse(posts[3]).language, Language::Hinglish);
}

#[test]
fn other_indic_words_are_not_cut_at_their_marks() {
    // Bengali, Gurmukhi and Tamil: matras, virama, tippi and the Tamil aytham stay inside.
    let got: Vec<(String, Script)> = tokenize("বাংলা ভাষা ਪੰਜਾਬੀ ஃபேன் தமிழ்")
        .map(|t| (t.text.into_owned(), t.script))
        .collect();
    let words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(words, ["বাংলা", "ভাষা", "ਪੰਜਾਬੀ", "ஃபேன்", "தமிழ்"]);
    assert!(got.iter().all(|(_, s)| *s == Script::Other));
    assert_eq!(language("বাংলা ভাষা"), Language::Unknown);
}
