//! The rule registry: every analyzer rule in one place, each a small unit of
//! stable name, description, default weights and how it is detected (like
//! the rules of ruff or SpamAssassin). The matcher in [`super::text`] and the
//! context rules below read this table; nothing else lists rules.
//!
//! Weights are log-odds: `spam_score = sigmoid(spam bias + sum of the spam
//! weights of the rules that fired)`, the same for quality. The defaults are
//! set by reasoning, not fitted: a single weak spam signal (one "free", one
//! "call", a phone number) stays well under 0.5, two or three independent
//! signals cross it. Rules about what a polite request *contains* (a name, a
//! self-introduction, a reason) carry quality weight and little or no spam
//! weight, because casual legitimate messages lack them too.

use crate::message::SendContext;
use crate::violation::{Violation, Violations};

/// How a rule is detected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detect {
    /// Any of these phrases, matched ASCII-case-insensitively in one
    /// multi-pattern pass. A phrase that starts (ends) with a letter or digit
    /// must start (end) at a word boundary; a trailing `*` makes it a prefix
    /// (`unsubscrib*` matches "unsubscribe" and "unsubscribing").
    Phrases(&'static [&'static str]),
    /// Found by the one-pass byte scan or from the [`super::Hints`] (the rule's
    /// doc says how).
    Scan,
    /// Fires when none of these phrases occurs (a missing ingredient).
    Absent(&'static [&'static str]),
    /// Read from the [`SendContext`], not the text.
    Context,
}

/// One analyzer rule.
#[derive(Debug)]
pub struct RuleDef {
    /// Stable snake_case name (the `rules` column, weights files).
    pub name: &'static str,
    /// What the rule looks for, one line.
    pub doc: &'static str,
    /// Default contribution to the spam log-odds.
    pub spam_weight: f64,
    /// Default contribution to the quality log-odds.
    pub quality_weight: f64,
    /// How it is found.
    pub detect: Detect,
}

macro_rules! registry {
    ($( $variant:ident => $name:literal, spam: $spam:expr, quality: $quality:expr, $detect:expr, $doc:literal; )*) => {
        /// A rule's index in [`RULES`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum RuleId { $($variant,)* }

        /// The registry: every analyzer rule, in a fixed order.
        pub const RULES: &[RuleDef] = &[$(RuleDef {
            name: $name, doc: $doc, spam_weight: $spam, quality_weight: $quality, detect: $detect,
        },)*];

        impl RuleId {
            /// Every rule, in registry order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];
        }
    };
}

use Detect::{Absent, Context, Phrases, Scan};

registry! {
    // --- spam signals in the text -------------------------------------------------
    Link => "link", spam: 1.2, quality: -0.6,
        Phrases(&["://", "www.", "bit.ly", "tinyurl", "goo.gl", ".com/", ".co.uk", ".net/", ".org/", "wap."]),
        "a web link or address (http://, www., bit.ly, .com/)";
    Money => "money", spam: 1.2, quality: -0.6,
        Phrases(&["£", "€", "$", "cash", "pounds", "dollars", "earn", "earnings", "income", "profit*",
                  "loan", "loans", "credit", "investment", "invest", "bitcoin", "crypto", "per min",
                  "/min", "per msg", "p/msg", "/msg", "per week", "/week", "per month", "/month",
                  "150p", "ppm", "gbp", "usd", "price", "prices", "pricing", "money"]),
        "money and prices (£, $, cash, earn, income, loan, per min, per month)";
    Prize => "prize", spam: 1.6, quality: -0.8,
        Phrases(&["win", "wins", "won", "winner", "winners", "winning", "prize*", "award", "awarded",
                  "claim", "claims", "congrat*", "selected", "lucky", "bonus", "reward*", "jackpot",
                  "lottery", "draw", "voucher*", "gift card", "giveaway", "guaranteed", "entitled"]),
        "winning and claiming (win, won, prize, award, claim, congratulations, selected, bonus)";
    Free => "free", spam: 1.0, quality: -0.3,
        Phrases(&["free*"]),
        "the word free (free, freemsg, freephone)";
    CallToAction => "call_to_action", spam: 1.0, quality: -0.4,
        Phrases(&["call now", "call free", "call us", "call today", "call from", "calls from",
                  "txt", "txting", "text to", "send to", "reply yes", "reply no", "reply stop",
                  "reply with", "reply now", "respond now", "click here", "click below", "click the link",
                  "click on", "apply now", "sign up", "register now", "visit our", "visit www",
                  "log on", "log onto", "dial", "to claim", "to receive", "to redeem", "to collect",
                  "now!", "contact us", "get it now", "order today", "subscribe"]),
        "pressure to do something (call now, txt WORD to, click here, reply yes, sign up)";
    Urgency => "urgency", spam: 1.0, quality: -0.5,
        Phrases(&["urgent", "immediately", "act now", "limited time", "limited offer", "today only",
                  "hurry", "expires", "expiring", "expiry", "don't miss", "dont miss", "last chance",
                  "final notice", "final attempt", "final try", "final contact", "valid 12hrs",
                  "valid 12 hours", "valid for", "valid until", "within 24 hours", "too late",
                  "only today", "while stocks last", "while supplies last", "deadline", "attempt to contact",
                  "trying to contact"]),
        "pressure to act now (urgent, limited time, expires, last chance)";
    Promotional => "promotional", spam: 1.3, quality: -1.0,
        Phrases(&["buy now", "discount*", "special offer", "free offer", "% off", "free trial",
                  "order now", "best price", "lowest price", "cheap", "cheapest", "sale", "deal", "deals",
                  "offer", "offers", "promo*", "coupon*", "ringtone*", "subscription",
                  "membership", "risk free", "risk-free", "no obligation", "money back", "100%",
                  "double your", "boost your", "grow your", "followers", "seo", "our services",
                  "our product", "our products", "business opportunity", "work from home",
                  "make money", "extra income", "shopping", "catalog*"]),
        "unsolicited promotion (offer, discount, % off, buy now, ringtone, our services)";
    Adult => "adult", spam: 1.4, quality: -1.5,
        Phrases(&["sex", "sexy", "horny", "explicit", "erotic", "dating", "singles", "naked",
                  "porn*", "xxx", "hot girls", "babes", "fantasies", "hardcore", "live chat"]),
        "adult and dating content (sex, dating, singles, explicit)";
    FinePrint => "fine_print", spam: 1.2, quality: -0.6,
        Phrases(&["unsubscrib*", "opt out", "opt-out", "optout", "t&c", "t&cs", "t&c's", "t's&c's",
                  "ts&cs", "tscs", "terms and conditions", "terms apply", "18+", "16+", "stop to end",
                  "to stop", "send stop", "text stop", "txt stop", "no longer wish", "remove you",
                  "removed from", "pobox", "po box", "p.o. box", "customer care", "custcare",
                  "cust care", "customer service", "std rate*", "standard rate*", "network operator",
                  "this email", "this e-mail", "mailing list", "no longer receive"]),
        "the small print of mass mailings (unsubscribe, opt out, T&C, 18+, PO box, customer care)";
    PhoneNumber => "phone_number", spam: 1.4, quality: -0.3, Scan,
        "a phone number or SMS short code: a run of 5+ digits, or 10+ digits in groups";
    Shouting => "shouting", spam: 0.8, quality: -0.8, Scan,
        "mostly capital letters (over 60% of 12+ letters), or a run of 3+ ! or ?";
    GenericGreeting => "generic_greeting", spam: 1.0, quality: -0.8,
        Phrases(&["dear friend", "dear sir", "dear madam", "dear sir/madam", "dear customer",
                  "valued customer", "dear member", "dear user", "dear winner", "dear account holder",
                  "dear beneficiary", "dear voucher holder", "to whom it may concern", "hello dear",
                  "dear valued", "dear professional", "dear candidate", "greetings of the day",
                  "hi there", "hello there", "hey there"]),
        "an impersonal salutation (Dear customer, Dear friend, Hi there)";
    ReusedText => "reused_text", spam: 1.0, quality: -1.0,
        Phrases(&["{first", "{name", "{{", "[name]", "[first name]", "[firstname]", "%name%", "%first",
                  "<name>", "dear [", "hi [", "hi {", "you are receiving this", "you received this",
                  "this message was sent", "this is an automated", "forward this", "to all my connections",
                  "mass message", "one of the lucky"]),
        "written for many recipients: mail-merge placeholders ({first_name}, [Name]), 'you are receiving this'";
    HtmlMarkup => "html_markup", spam: 1.0, quality: -0.5,
        Phrases(&["<html", "<body", "<font", "<table", "<td", "&nbsp;", "<br>", "<a href", "<img",
                  "<center>", "<div"]),
        "HTML markup, typical of mass mailings (<html>, <font>, <table>, &nbsp;)";
    ConversationReply => "conversation_reply", spam: -1.0, quality: 0.0,
        Phrases(&["wrote:", "original message", "re:", "in reply to", "you wrote", "you said",
                  "your reply", "your message"]),
        "answers an earlier message (wrote:, Re:, Original Message, you said): part of a conversation";
    // --- abuse --------------------------------------------------------------------
    Abusive => "abusive", spam: 1.8, quality: -3.0,
        Phrases(&["idiot", "idiots", "stupid", "loser", "moron", "dumb", "shut up", "worthless",
                  "pathetic", "hate you", "ugly", "bitch", "bastard", "creep", "incompetent",
                  "useless", "disgusting", "fuck*", "asshole", "cunt", "retard*", "go to hell",
                  "nobody likes you", "no one likes you", "scum", "piece of trash", "clown", "freak"]),
        "insults and abusive language (idiot, loser, pathetic, worthless)";
    Threat => "threat", spam: 3.2, quality: -3.0,
        Phrases(&["you'll regret", "you will regret", "watch your back", "i know where you live",
                  "kill you", "hurt you", "ruin you", "destroy you", "you'll pay", "you will pay for",
                  "i will find you", "i'll find you", "make you suffer", "you better answer",
                  "answer me", "stop ignoring", "ignoring me", "you can't ignore", "you cannot ignore"]),
        "threats and demands to be answered (you'll regret, answer me, stop ignoring me)";
    // --- request quality ----------------------------------------------------------
    GreetsByName => "greets_by_name", spam: -0.3, quality: 0.9, Scan,
        "uses the recipient's name (needs the recipient_name hint)";
    GreetingWithoutName => "greeting_without_name", spam: 0.0, quality: -0.4, Scan,
        "opens with a bare greeting (Hi, / Hello! / Dear,) or, when the recipient's name is known, greets without it";
    NoSelfIntroduction => "no_self_introduction", spam: 0.0, quality: -0.7,
        Absent(&["my name is", "my name's", "i'm a", "i am a", "i'm an", "i am an", "i'm the", "i am the",
                 "i work", "i'm with", "i am with", "i lead", "i run", "i manage", "i recruit",
                 "here from", "i'm from", "i am from", "i'm based", "i am based", "i'm part of",
                 "we met", "this is"]),
        "does not say who the sender is (my name is, I'm a ..., I work at, we met)";
    NoReasonGiven => "no_reason_given", spam: 0.0, quality: -0.7,
        Absent(&["because", "i'd like to", "i would like", "reaching out", "i'd love to", "i would love",
                 "wanted to", "want to", "would value", "would you be open", "would you be interested",
                 "i noticed", "i saw your", "i read your", "interested in", "looking to", "hoping to",
                 "i'm writing", "i am writing", "the reason", "following up", "follow up", "so that",
                 "your advice", "your thoughts", "your input", "could we", "can we", "could you",
                 "can you", "would love", "let's", "happy to"]),
        "does not say why the sender writes (because, I'd like to, reaching out, would you be open)";
    MentionsIndustry => "mentions_industry", spam: -0.5, quality: 0.9,
        Phrases(&["your work", "your post", "your article", "your paper", "your research", "your talk",
                  "your project", "your team's", "your field", "your industry", "your experience in",
                  "your background in", "your book", "your podcast"]),
        "refers to the recipient's work, field or industry (also the recipient_industry hint)";
    SharedEvent => "shared_event", spam: -0.8, quality: 1.0,
        Phrases(&["we met", "met you at", "meeting you at", "great meeting you", "nice meeting you",
                  "good meeting you", "great to meet you", "nice to meet you", "good to meet you",
                  "at the conference", "at the summit", "at the meetup", "after the panel",
                  "your talk at", "your session at", "we spoke at", "we chatted at", "talking at"]),
        "refers to an event both attended (we met at, great meeting you at; also the shared_event hint)";
    Concise => "concise", spam: 0.0, quality: 0.3, Scan,
        "shorter than 400 characters (short requests are accepted about 22% more often)";
    Long => "long", spam: 0.0, quality: -0.6, Scan,
        "longer than 1,200 characters";
    // --- context ------------------------------------------------------------------
    Bulk => "bulk", spam: 2.0, quality: -1.5, Context,
        "the same text went to more than bulk_threshold recipients today";
    FollowUp => "follow_up", spam: 0.3, quality: -0.3, Context,
        "the sender wrote before and was not answered";
    RepeatedFollowUp => "repeated_follow_up", spam: 0.7, quality: -0.8, Context,
        "the sender wrote two or more times before without an answer";
    AfterIgnore => "after_ignore", spam: 1.0, quality: -1.0, Context,
        "the recipient ignored an earlier request of the sender";
}

impl RuleId {
    pub fn def(self) -> &'static RuleDef {
        &RULES[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.def().name
    }

    /// The rule with this stable name.
    pub fn from_name(name: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.name() == name)
    }
}

/// A set of rule hits (one bit per rule, so an analysis stays `Copy`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RuleSet(pub u64);

const _: () = assert!(RULES.len() <= 64, "RuleSet holds at most 64 rules");

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
    pub fn len(self) -> u32 {
        self.0.count_ones()
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The rules in registry order (walks the set bits only).
    pub fn iter(self) -> impl Iterator<Item = RuleId> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                RuleId::ALL[i]
            })
        })
    }
    /// `;`-separated rule names in registry order.
    pub fn to_names(self) -> String {
        let mut out = String::new();
        self.write_names(&mut out);
        out
    }
    /// Appends the `;`-separated names to `out` (no allocation of its own).
    pub fn write_names(self, out: &mut String) {
        for (i, r) in self.iter().enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(r.name());
        }
    }
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
    if ctx.unanswered > 1 {
        fired.insert(RuleId::RepeatedFollowUp);
    }
    if ctx.after_ignore {
        fired.insert(RuleId::AfterIgnore);
    }
    fired
}

/// The content violations implied by rule hits. `bulk` is left to the
/// engine, which flags it from the same context.
pub fn content_violations(fired: RuleSet) -> Violations {
    let mut v = Violations::NONE;
    if fired.contains(RuleId::Promotional) {
        v.insert(Violation::Promotional);
    }
    if fired.contains(RuleId::Abusive) || fired.contains(RuleId::Threat) {
        v.insert(Violation::Abusive);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.name), "duplicate rule name {}", r.name);
            assert!(
                r.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{} is not snake_case",
                r.name
            );
            assert!(!r.doc.is_empty(), "{} has no doc", r.name);
        }
        assert_eq!(RuleId::from_name("link"), Some(RuleId::Link));
        assert_eq!(RuleId::from_name("nope"), None);
    }

    #[test]
    fn phrases_are_lowercase_so_case_insensitive_matching_finds_them() {
        for r in RULES {
            if let Phrases(list) | Absent(list) = r.detect {
                for p in list {
                    assert_eq!(*p, p.to_lowercase(), "{}: {p}", r.name);
                }
            }
        }
    }

    #[test]
    fn context_rules_follow_the_send_context() {
        let ctx = SendContext {
            same_text_recipients: 30,
            bulk_threshold: 20,
            unanswered: 2,
            after_ignore: true,
        };
        let fired = context_rules(&ctx);
        for r in [
            RuleId::Bulk,
            RuleId::FollowUp,
            RuleId::RepeatedFollowUp,
            RuleId::AfterIgnore,
        ] {
            assert!(fired.contains(r), "{}", r.name());
        }
        let quiet = context_rules(&SendContext {
            same_text_recipients: 20,
            bulk_threshold: 20,
            unanswered: 0,
            after_ignore: false,
        });
        assert_eq!(quiet, RuleSet::default());
    }
}
