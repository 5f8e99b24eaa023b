//! What the simulated posts can say. Real Indian timelines mix Devanagari Hindi, Hindi in
//! Roman letters (Hinglish) and English, and each topic has its own words and hashtags, in
//! both scripts. A post is built from these tables: a sentence template of its topic and
//! language with two slots for topic words, then hashtags, a mention and an emoji.
//!
//! Every word placed in a slot is a content word (never a stop word of its language), and
//! every Hinglish template carries enough common Roman-Hindi words that `social::language`
//! recognises it, so a post's text is read back as the language it was written in.

use serde::Serialize;

/// What a post is about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Cricket,
    Festival,
    /// Politics and breaking news.
    News,
    Bollywood,
    #[default]
    Daily,
}

impl Topic {
    pub const ALL: [Topic; 5] = [Topic::Cricket, Topic::Festival, Topic::News, Topic::Bollywood, Topic::Daily];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        ["cricket", "festival", "news", "bollywood", "daily"][self.index()]
    }
}

/// The language a post is written in (what the generator chose; `social::language` guesses
/// it back from the text).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Hindi in Devanagari.
    #[default]
    Hindi,
    /// Hindi in Roman letters.
    Hinglish,
    English,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Hindi, Lang::Hinglish, Lang::English];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The same code `social::Language::code` reports.
    pub fn code(self) -> &'static str {
        ["hi", "hinglish", "en"][self.index()]
    }
}

/// Sentence templates and slot words of one topic in one language. `{0}` and `{1}` are the
/// slots; the two words placed in them differ.
pub struct Phrasebook {
    pub templates: &'static [&'static str],
    pub words: &'static [&'static str],
}

/// `PHRASES[topic][language]`.
pub const PHRASES: [[Phrasebook; 3]; 5] = [
    // Cricket.
    [
        Phrasebook {
            templates: &["क्या शानदार {0} था, पूरा {1} झूम उठा", "{0} और {1} देखकर दिल खुश हो गया", "आखिरी ओवर में {0} चाहिए, {1} पर सबकी नज़र", "भारत की {0} पक्की, {1} ज़िंदाबाद"],
            words: &["छक्का", "चौका", "विकेट", "कप्तान", "गेंदबाज़", "बल्लेबाज़", "स्टेडियम", "फाइनल", "शतक", "जीत"],
        },
        Phrasebook {
            templates: &["kya {0} tha yaar, {1} dekh ke maza aa gaya", "aaj {0} aur {1} dono mast the bhai", "bhai last over mein {0} chahiye, {1} pe sabki nazar hai", "India ki {0} pakki hai, {1} zindabad"],
            words: &["chhakka", "chauka", "wicket", "captain", "bowling", "batting", "stadium", "final", "century", "yorker"],
        },
        Phrasebook {
            templates: &["What a {0}! The whole {1} is on its feet", "That {0} and that {1} will be remembered for years", "Last over drama: {0} needed, all eyes on the {1}", "India seal the {0}, what a {1} from the team"],
            words: &["sixer", "boundary", "wicket", "captain", "bowler", "batter", "stadium", "final", "century", "yorker"],
        },
    ],
    // Festival.
    [
        Phrasebook {
            templates: &["घर में {0} और {1} की रौनक है", "सबको {0} की ढेर सारी शुभकामनाएँ, {1} के साथ मनाइए", "इस बार {0} कम, {1} ज़्यादा", "माँ के हाथ की {0} और {1}, यही असली त्योहार"],
            words: &["दीये", "रंगोली", "मिठाई", "पटाखे", "रोशनी", "पूजा", "लड्डू", "परिवार", "उत्सव", "खुशियाँ"],
        },
        Phrasebook {
            templates: &["ghar pe {0} aur {1} ki ronak hai", "sabko {0} ki shubhkamnayein, {1} ke saath manao", "is baar {0} kam, {1} zyada yaar", "mummy ke haath ki {0} aur {1}, yahi asli tyohaar hai"],
            words: &["diye", "rangoli", "mithai", "patakhe", "roshni", "pooja", "ladoo", "family", "shopping", "sweets"],
        },
        Phrasebook {
            templates: &["Home is full of {0} and {1} tonight", "Wishing everyone joy, {0} and {1} this festival", "Fewer {0}, more {1} this year please", "Nothing beats homemade {0} and evening {1}"],
            words: &["diyas", "rangoli", "sweets", "crackers", "lights", "prayers", "laddoos", "family", "shopping", "celebrations"],
        },
    ],
    // News.
    [
        Phrasebook {
            templates: &["ताज़ा ख़बर: {0} पर {1} का बड़ा बयान", "{0} को लेकर {1} में हंगामा", "सुबह से {0} और {1} की चर्चा", "देखिए {0} के {1} पर पूरी रिपोर्ट"],
            words: &["चुनाव", "संसद", "बजट", "सरकार", "विपक्ष", "महंगाई", "रैली", "नतीजे", "मंत्री", "घोषणा"],
        },
        Phrasebook {
            templates: &["breaking: {0} pe {1} ka bada bayan, dekho kya hoga", "{0} ko lekar {1} mein hungama ho gaya", "subah se {0} aur {1} ki charcha hai", "{0} ke {1} par poori report dekho"],
            words: &["election", "sansad", "budget", "sarkar", "vipaksh", "mehengai", "rally", "results", "mantri", "ghoshna"],
        },
        Phrasebook {
            templates: &["Breaking: big statement on {0} by the {1}", "Uproar in the {1} over {0}", "Everyone is talking about {0} and {1} since morning", "Full report on {0} and the {1}, watch now"],
            words: &["election", "parliament", "budget", "government", "opposition", "inflation", "rally", "results", "minister", "announcement"],
        },
    ],
    // Bollywood.
    [
        Phrasebook {
            templates: &["नई {0} का {1} धमाकेदार है", "{0} सुनकर रोंगटे खड़े हो गए, {1} भी ज़बरदस्त", "पहले दिन {0} देखा, {1} कमाल", "{0} और {1} दोनों सुपरहिट"],
            words: &["फ़िल्म", "ट्रेलर", "गाना", "हीरो", "डायलॉग", "बॉक्सऑफिस", "अभिनय", "कहानी", "सीक्वल", "संगीत"],
        },
        Phrasebook {
            templates: &["nayi {0} ka {1} ekdum dhamakedar hai", "{0} sun ke goosebumps aa gaye, {1} bhi zabardast yaar", "pehle din {0} dekha, {1} kya mast tha", "{0} aur {1} dono superhit hain bhai"],
            words: &["film", "trailer", "gaana", "hero", "dialogue", "boxoffice", "acting", "kahani", "sequel", "music"],
        },
        Phrasebook {
            templates: &["The new {0} has a killer {1}", "Goosebumps from the {0}, and the {1} is brilliant", "Watched the {0} first day, the {1} is amazing", "Both the {0} and the {1} are superhits"],
            words: &["film", "trailer", "song", "hero", "dialogue", "collections", "acting", "story", "sequel", "music"],
        },
    ],
    // Daily life.
    [
        Phrasebook {
            templates: &["सुबह की {0} और {1}, यही ज़िंदगी है", "आज फिर {0} में फँसे, {1} का इंतज़ार", "{0} के बिना {1} अधूरा", "इतनी {0} में {1} कौन करे"],
            words: &["चाय", "बारिश", "ट्रैफिक", "दफ़्तर", "नाश्ता", "मेट्रो", "सोमवार", "गर्मी", "छुट्टी", "खाना"],
        },
        Phrasebook {
            templates: &["subah ki {0} aur {1}, yahi life hai", "aaj phir {0} mein phas gaye, {1} ka intezaar", "{0} ke bina {1} adhoora hai yaar", "itni {0} mein {1} kaun kare"],
            words: &["chai", "baarish", "traffic", "office", "nashta", "metro", "monday", "garmi", "chhutti", "khana"],
        },
        Phrasebook {
            templates: &["Morning {0} and {1}, that is life", "Stuck in {0} again, waiting for the {1}", "No {1} without {0}", "Too much {0} for any {1} today"],
            words: &["tea", "rain", "traffic", "office", "breakfast", "metro", "monday", "heat", "holiday", "lunch"],
        },
    ],
];

/// Every hashtag a post can carry, with its topic; a hashtag's id is its index here. Within
/// a topic and script the first are the most used. No two normalise to the same text, so an
/// id and a case-folded hashtag name each other one to one.
pub const HASHTAGS: &[(&str, Topic)] = &[
    ("#IndVsAus", Topic::Cricket),
    ("#WorldCupFinal", Topic::Cricket),
    ("#TeamIndia", Topic::Cricket),
    ("#CWC", Topic::Cricket),
    ("#Cricket", Topic::Cricket),
    ("#क्रिकेट", Topic::Cricket),
    ("#टीमइंडिया", Topic::Cricket),
    ("#विश्वकप", Topic::Cricket),
    ("#Diwali", Topic::Festival),
    ("#HappyDiwali", Topic::Festival),
    ("#Holi", Topic::Festival),
    ("#FestiveVibes", Topic::Festival),
    ("#दिवाली", Topic::Festival),
    ("#दीपावली", Topic::Festival),
    ("#होली", Topic::Festival),
    ("#शुभदीपावली", Topic::Festival),
    ("#BreakingNews", Topic::News),
    ("#Budget2025", Topic::News),
    ("#Elections", Topic::News),
    ("#Parliament", Topic::News),
    ("#चुनाव", Topic::News),
    ("#बजट", Topic::News),
    ("#ताज़ाख़बर", Topic::News),
    ("#संसद", Topic::News),
    ("#Bollywood", Topic::Bollywood),
    ("#BoxOffice", Topic::Bollywood),
    ("#NewTrailer", Topic::Bollywood),
    ("#FilmReview", Topic::Bollywood),
    ("#बॉलीवुड", Topic::Bollywood),
    ("#फ़िल्म", Topic::Bollywood),
    ("#नयागाना", Topic::Bollywood),
    ("#MondayMotivation", Topic::Daily),
    ("#ChaiTime", Topic::Daily),
    ("#MumbaiRains", Topic::Daily),
    ("#TrafficJam", Topic::Daily),
    ("#Foodie", Topic::Daily),
    ("#चाय", Topic::Daily),
    ("#बारिश", Topic::Daily),
    ("#सोमवार", Topic::Daily),
];

/// Accounts posts mention (public organisations, not people).
pub const MENTIONS: &[&str] = &["@BCCI", "@ICC", "@aajtak", "@ndtv", "@PIB_India", "@IRCTC", "@zomato", "@MumbaiPolice"];

/// Emoji, one cluster each (a flag, a skin tone, a heart with its variation selector).
pub const EMOJI: &[&str] = &["🔥", "🏏", "🪔", "🎆", "😂", "🙏", "❤️", "🇮🇳", "😍", "👏🏽"];

/// The ids of `topic`'s hashtags in one script (Devanagari when `devanagari`), most used first.
pub fn hashtags_of(topic: Topic, devanagari: bool) -> impl Iterator<Item = u16> {
    HASHTAGS
        .iter()
        .enumerate()
        .filter(move |(_, (tag, t))| *t == topic && tag.chars().nth(1).is_some_and(|c| ('\u{0900}'..='\u{097F}').contains(&c)) == devanagari)
        .map(|(i, _)| i as u16)
}

/// The hashtag named by `id`, as the generator writes it.
pub fn hashtag(id: u32) -> Option<&'static str> {
    HASHTAGS.get(id as usize).map(|(tag, _)| *tag)
}
