//! The analyzer's rules: one registry entry per rule (stable name, what it
//! looks for, default weights), the multi-pattern matcher that finds the text
//! rules in one pass, and the weights that turn hits into scores.

use super::Hints;
use crate::message::SendContext;
use crate::violation::{Violation, Violations};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// One analyzer rule.
pub struct RuleDef {
    /// Stable snake_case name (the `rules` column).
    pub name: &'static str,
    /// What the rule looks for.
    pub doc: &'static str,
    /// Default contribution to the spam log-odds.
    pub spam_weight: f64,
    /// Default contribution to the quality log-odds.
    pub quality_weight: f64,
}

macro_rules! registry {
    ($( $variant:ident => $name:literal, spam: $spam:expr, quality: $quality:expr, $doc:literal; )*) => {
        /// A rule's index in [`RULES`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum RuleId { $($variant,)* }

        /// The registry: every analyzer rule, in a fixed order.
        pub const RULES: &[RuleDef] = &[$(RuleDef { name: $name, doc: $doc, spam_weight: $spam, quality_weight: $quality },)*];

        impl RuleId {
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];
            pub fn def(self) -> &'static RuleDef { &RULES[self as usize] }
            pub fn name(self) -> &'static str { self.def().name }
        }
    };
}

registry! {
    Link => "link", spam: 1.6, quality: -0.6, "a web link (http://, https://, www.)";
    Money => "money", spam: 1.4, quality: -0.6, "money or prices ($, earn, cash, income)";
    Urgency => "urgency", spam: 1.1, quality: -0.5, "pressure to act now (urgent, limited time, act now)";
    Promotional => "promotional", spam: 1.5, quality: -1.0, "promotional phrases (buy now, discount, free offer, click here)";
    Shouting => "shouting", spam: 1.2, quality: -0.8, "mostly capital letters, or runs of !!! / ???";
    Abusive => "abusive", spam: 2.5, quality: -3.0, "abusive or harassing language";
    GreetsByName => "greets_by_name", spam: -0.8, quality: 0.9, "greets the recipient by name";
    SelfIntroduction => "self_introduction", spam: -0.7, quality: 0.8, "says who the sender is (I'm, my name is)";
    GivesReason => "gives_reason", spam: -0.5, quality: 0.7, "says why they write (because, I'd like to, reaching out)";
    MentionsIndustry => "mentions_industry", spam: -0.6, quality: 0.8, "refers to the recipient's industry";
    SharedEvent => "shared_event", spam: -0.8, quality: 1.0, "refers to an event both attended";
    Concise => "concise", spam: 0.0, quality: 0.3, "shorter than 400 characters";
    Long => "long", spam: 0.4, quality: -0.6, "longer than 1,200 characters";
    Bulk => "bulk", spam: 2.0, quality: -1.5, "the same text went to more than bulk_threshold recipients today";
    FollowUp => "follow_up", spam: 0.3, quality: -0.3, "the sender wrote before and was not answered";
    AfterIgnore => "after_ignore", spam: 1.0, quality: -1.0, "the recipient ignored an earlier request of the sender";
}

/// A set of rule hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleSet(pub u64);

impl RuleSet {
    pub fn insert(&mut self, r: RuleId) {
        self.0 |= 1 << r as u8;
    }
    pub fn contains(self, r: RuleId) -> bool {
        self.0 & (1 << r as u8) != 0
    }
    pub fn union(self, other: RuleSet) -> RuleSet {
        RuleSet(self.0 | other.0)
    }
    pub fn iter(self) -> impl Iterator<Item = RuleId> {
        RuleId::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }
    /// `;`-separated rule names in registry order.
    pub fn to_names(self) -> String {
        self.iter().map(RuleId::name).collect::<Vec<_>>().join(";")
    }
}

/// Weights of every rule plus the two biases.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub spam_bias: f64,
    pub quality_bias: f64,
    pub spam: Vec<f64>,
    pub quality: Vec<f64>,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            spam_bias: -3.0,
            quality_bias: -0.5,
            spam: RULES.iter().map(|r| r.spam_weight).collect(),
            quality: RULES.iter().map(|r| r.quality_weight).collect(),
        }
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Weights {
    /// (spam_score, quality_score) of a set of hits.
    pub fn scores(&self, fired: RuleSet) -> (f64, f64) {
        let (mut s, mut q) = (self.spam_bias, self.quality_bias);
        for r in fired.iter() {
            s += self.spam[r as usize];
            q += self.quality[r as usize];
        }
        (sigmoid(s), sigmoid(q))
    }
}

/// Phrase lists, matched case-insensitively in one Aho-Corasick pass.
const PHRASES: &[(RuleId, &[&str])] = &[
    (RuleId::Link, &["http://", "https://", "www.", "bit.ly"]),
    (
        RuleId::Money,
        &[
            "$",
            "€",
            "£",
            "earn ",
            "cash",
            "income",
            "money",
            "price",
            "per month",
            "profit",
        ],
    ),
    (
        RuleId::Urgency,
        &[
            "urgent",
            "act now",
            "limited time",
            "today only",
            "hurry",
            "expires",
            "don't miss",
            "last chance",
        ],
    ),
    (
        RuleId::Promotional,
        &[
            "buy now",
            "discount",
            "free offer",
            "click here",
            "special offer",
            "% off",
            "free trial",
            "sign up",
            "subscribe",
            "order now",
            "free",
        ],
    ),
    (
        RuleId::Abusive,
        &[
            "idiot",
            "stupid",
            "loser",
            "shut up",
            "worthless",
            "hate you",
            "pathetic",
            "you'll regret",
            "ugly",
        ],
    ),
    (
        RuleId::SelfIntroduction,
        &[
            "i'm ",
            "i am ",
            "my name is",
            "this is ",
            "i work ",
            "here from",
        ],
    ),
    (
        RuleId::GivesReason,
        &[
            "because",
            "i'd like to",
            "i would like",
            "reaching out",
            "i'd love to",
            "wanted to",
            "would value",
            "would you be open",
        ],
    ),
];

/// The compiled text rules.
#[derive(Clone, Debug)]
pub struct Matcher {
    phrases: AhoCorasick,
    rule_of: Vec<RuleId>,
}

impl Matcher {
    pub fn new() -> Self {
        let mut patterns = Vec::new();
        let mut rule_of = Vec::new();
        for (rule, list) in PHRASES {
            for p in *list {
                patterns.push(*p);
                rule_of.push(*rule);
            }
        }
        let phrases = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("phrase patterns compile");
        Matcher { phrases, rule_of }
    }

    /// The text rules that fire on `text`.
    pub fn text_rules(&self, text: &str, hints: &Hints) -> RuleSet {
        let mut fired = RuleSet::default();
        for m in self.phrases.find_overlapping_iter(text) {
            fired.insert(self.rule_of[m.pattern().as_usize()]);
        }
        if is_shouting(text) {
            fired.insert(RuleId::Shouting);
        }
        let lower_contains = |needle: &str| {
            !needle.is_empty()
                && text
                    .to_ascii_lowercase()
                    .contains(&needle.to_ascii_lowercase())
        };
        if hints.recipient_name.is_some_and(lower_contains) {
            fired.insert(RuleId::GreetsByName);
        }
        if hints.recipient_industry.is_some_and(lower_contains) {
            fired.insert(RuleId::MentionsIndustry);
        }
        if hints.shared_event.is_some_and(lower_contains) {
            fired.insert(RuleId::SharedEvent);
        }
        let chars = text.chars().count();
        if chars < 400 {
            fired.insert(RuleId::Concise);
        } else if chars > 1200 {
            fired.insert(RuleId::Long);
        }
        fired
    }
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher::new()
    }
}

/// Mostly capitals (over 60% of at least 8 letters) or a run of 3+ `!`/`?`.
fn is_shouting(text: &str) -> bool {
    let (mut letters, mut upper, mut run) = (0u32, 0u32, 0u32);
    for b in text.bytes() {
        if b == b'!' || b == b'?' {
            run += 1;
            if run >= 3 {
                return true;
            }
            continue;
        }
        run = 0;
        if b.is_ascii_alphabetic() {
            letters += 1;
            upper += u32::from(b.is_ascii_uppercase());
        }
    }
    letters >= 8 && upper * 10 > letters * 6
}

/// The context rules that fire for a send.
pub fn context_rules(ctx: &SendContext) -> RuleSet {
    let mut fired = RuleSet::default();
    if ctx.is_bulk() {
        fired.insert(RuleId::Bulk);
    }
    if ctx.unanswered > 0 {
        fired.insert(RuleId::FollowUp);
    }
    if ctx.after_ignore {
        fired.insert(RuleId::AfterIgnore);
    }
    fired
}

/// The content violations implied by rule hits.
pub fn content_violations(fired: RuleSet) -> Violations {
    let mut v = Violations::NONE;
    if fired.contains(RuleId::Promotional) {
        v.insert(Violation::Promotional);
    }
    if fired.contains(RuleId::Abusive) {
        v.insert(Violation::Abusive);
    }
    v
}
