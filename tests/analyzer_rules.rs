//! Every analyzer rule fires on a positive example and stays quiet on a
//! near miss; the scores stay in [0, 1] and never depend on who sent a text.

use msgpolicy::analyzer::{Analyzer, Hints, RuleId, RULES};
use msgpolicy::message::SendContext;
use proptest::prelude::*;

/// (rule, fires on, does not fire on), text rules without hints.
const CASES: &[(&str, &str, &str)] = &[
    (
        "link",
        "see https://example.com/x",
        "see the example in my notes",
    ),
    ("money", "only £5 a week", "only five a week"),
    ("prize", "You have WON a holiday", "the window is open"),
    ("free", "FREE entry this week", "the freight arrives Monday"),
    (
        "call_to_action",
        "Txt STOP to end it, click here",
        "I'll call you about the text",
    ),
    (
        "urgency",
        "URGENT: reply within 24 hours",
        "it is not pressing at all",
    ),
    (
        "promotional",
        "Special offer: 30% off all plans",
        "an offering to the team",
    ),
    (
        "adult",
        "Hot singles want explicit dating",
        "single-page application",
    ),
    (
        "fine_print",
        "Unsubscribe anytime. T&Cs apply",
        "subscriber growth was great",
    ),
    (
        "phone_number",
        "ring 09061701461",
        "see you at 10:30 in room 1204",
    ),
    (
        "shouting",
        "WHY ARE YOU NOT ANSWERING MY MESSAGES",
        "Why are you not answering?",
    ),
    (
        "generic_greeting",
        "Dear customer, your account",
        "Dear Ana, your account",
    ),
    (
        "reused_text",
        "Hi {first_name}, great profile",
        "Hi Ana, great profile",
    ),
    (
        "html_markup",
        "<html><font size=4>Deal</font>",
        "x < y and html is fun",
    ),
    (
        "conversation_reply",
        "On Monday Ana wrote: > the build",
        "Ana writes code",
    ),
    (
        "abusive",
        "you are a pathetic loser",
        "a path through the lost hills",
    ),
    (
        "threat",
        "you'll regret ignoring me",
        "you'll enjoy the regatta",
    ),
    (
        "greeting_without_name",
        "Hi, quick question",
        "Hi Ana, quick question",
    ),
    (
        "no_self_introduction",
        "quick question about pricing",
        "I'm a data engineer at Voltaic",
    ),
    (
        "no_reason_given",
        "Hello. Connect?",
        "I'd like to ask about your talk",
    ),
    (
        "mentions_industry",
        "I liked your article on grid storage",
        "I liked the article",
    ),
    (
        "shared_event",
        "Great meeting you at PyData!",
        "Great weather in Berlin",
    ),
];

fn fired(text: &str, hints: &Hints) -> Vec<&'static str> {
    let a = Analyzer::default();
    a.score(text, hints, &SendContext::default())
        .fired
        .iter()
        .map(RuleId::name)
        .collect()
}

#[test]
fn each_text_rule_fires_on_its_example_and_not_on_a_near_miss() {
    for (rule, positive, near_miss) in CASES {
        assert!(RuleId::from_name(rule).is_some(), "unknown rule {rule}");
        let hints = Hints::default();
        assert!(
            fired(positive, &hints).contains(rule),
            "{rule} should fire on {positive:?}: {:?}",
            fired(positive, &hints)
        );
        assert!(
            !fired(near_miss, &hints).contains(rule),
            "{rule} should not fire on {near_miss:?}"
        );
    }
}

#[test]
fn length_rules_follow_the_400_and_1200_character_marks() {
    let words = |n: usize| "word ".repeat(n / 5);
    assert!(fired(&words(300), &Hints::default()).contains(&"concise"));
    assert!(!fired(&words(600), &Hints::default()).contains(&"concise"));
    assert!(fired(&words(1500), &Hints::default()).contains(&"long"));
    assert!(!fired(&words(1000), &Hints::default()).contains(&"long"));
}

#[test]
fn hint_rules_need_the_hint_to_appear() {
    let hints = Hints {
        recipient_name: Some("Maria"),
        recipient_industry: Some("logistics"),
        shared_event: Some("FreightTech Summit"),
    };
    let good = fired(
        "Hi Maria, we talked logistics at the FreightTech Summit.",
        &hints,
    );
    for rule in ["greets_by_name", "mentions_industry", "shared_event"] {
        assert!(good.contains(&rule), "{rule}: {good:?}");
    }
    let generic = fired("Hi Marco, we talked shop at a summit.", &hints);
    for rule in ["greets_by_name", "mentions_industry", "shared_event"] {
        assert!(!generic.contains(&rule), "{rule}: {generic:?}");
    }
    assert!(generic.contains(&"greeting_without_name"));
}

#[test]
fn context_rules_come_from_the_send_context() {
    let a = Analyzer::default();
    let text = a.analyze("Hello again, any news?", &Hints::default());
    let quiet = a.finish(&text, &SendContext::default());
    let loud = a.finish(
        &text,
        &SendContext {
            same_text_recipients: 50,
            bulk_threshold: 20,
            unanswered: 3,
            after_ignore: true,
        },
    );
    for rule in [
        RuleId::Bulk,
        RuleId::FollowUp,
        RuleId::RepeatedFollowUp,
        RuleId::AfterIgnore,
    ] {
        assert!(!quiet.fired.contains(rule) && loud.fired.contains(rule));
    }
    assert!(loud.spam_score > quiet.spam_score);
    assert!(loud.quality_score < quiet.quality_score);
}

#[test]
fn every_rule_is_covered_by_a_test_here() {
    let covered: Vec<&str> = CASES
        .iter()
        .map(|c| c.0)
        .chain([
            "concise",
            "long",
            "greets_by_name",
            "bulk",
            "follow_up",
            "repeated_follow_up",
            "after_ignore",
        ])
        .collect();
    for r in RULES {
        assert!(covered.contains(&r.name), "no test for {}", r.name);
    }
}

#[test]
fn casual_messages_without_introduction_are_not_spam() {
    let a = Analyzer::default();
    for text in [
        "ok see you at 7",
        "are you free tonight? call me",
        "Sorry, I'll call later",
        "lol that was hilarious",
        "Can you send me the report when you get a chance",
    ] {
        let s = a.score(text, &Hints::default(), &SendContext::default());
        assert!(s.spam_score < 0.2, "{text}: {s:?}");
    }
}

#[test]
fn obvious_spam_and_abuse_cross_the_default_threshold() {
    let a = Analyzer::default();
    for text in [
        "FREE MONEY!!! click http://win.example.com",
        "WINNER!! You have been selected to receive a £900 prize. To claim call 09061701461. Valid 12 hours only.",
        "Congratulations! Claim your free gift card now at www.gifts.example",
        "you'll regret ignoring me, answer me",
    ] {
        let s = a.score(text, &Hints::default(), &SendContext::default());
        assert!(s.spam_score >= 0.5, "{text}: {s:?}");
    }
}

proptest! {
    #[test]
    fn scores_stay_in_the_unit_interval_for_any_text(text in any::<String>(), unanswered in 0u32..5, bulk in 0u32..50) {
        let a = Analyzer::default();
        let ctx = SendContext { same_text_recipients: bulk, bulk_threshold: 20, unanswered, after_ignore: unanswered % 2 == 1 };
        let s = a.score(&text, &Hints { recipient_name: Some(&text), ..Hints::default() }, &ctx);
        prop_assert!((0.0..=1.0).contains(&s.spam_score));
        prop_assert!((0.0..=1.0).contains(&s.quality_score));
    }

    #[test]
    fn ascii_case_does_not_change_the_rules(text in "[ -~]{0,120}") {
        let a = Analyzer::default();
        let upper = a.analyze(&text.to_ascii_uppercase(), &Hints::default()).fired;
        let lower = a.analyze(&text.to_ascii_lowercase(), &Hints::default()).fired;
        // Only the shouting rule looks at case.
        let mask = !(1u64 << RuleId::Shouting as u8);
        prop_assert_eq!(upper.0 & mask, lower.0 & mask);
    }
}
