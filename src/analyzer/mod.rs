//! The spam and request-quality analyzer: named, weighted rules over a
//! message's text and its context, in the manner of SpamAssassin and Rspamd.
//!
//! Scoring is two steps so that a text is read once however many times it is
//! sent: [`Analyzer::analyze`] runs the text rules (one multi-pattern pass and
//! one byte scan, no allocation), [`Analyzer::finish`] adds the context rules
//! (bulk, follow-ups, after an ignore) and turns rule hits into `spam_score`
//! and `quality_score` in [0, 1]. The analyzer never sees who the sender is:
//! only the text, what the sender could know of the recipient ([`Hints`]) and
//! the [`SendContext`].
//!
//! - [`rules`]: the registry (names, docs, default weights, detection).
//! - [`text`]: the matcher for the text rules.
//! - [`weights`]: weights, scores and the weights file formats.
//! - [`weights_file`]: reading a weights file (the only I/O here).
//! - [`eval`]: precision, recall, F1, FPR, ROC AUC, threshold table, rules report.
//! - [`fit`]: learning the spam weights from labelled messages.

pub mod eval;
pub mod fit;
pub mod rules;
pub mod text;
pub mod weights;
pub mod weights_file;

use crate::message::SendContext;
use crate::violation::Violations;
pub use rules::{RuleId, RuleSet, RULES};
pub use weights::Weights;

/// What the sender could know about the recipient (all optional).
#[derive(Clone, Copy, Debug, Default)]
pub struct Hints<'a> {
    pub recipient_name: Option<&'a str>,
    pub recipient_industry: Option<&'a str>,
    pub shared_event: Option<&'a str>,
}

/// The text rules' hits on one text.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TextAnalysis {
    pub fired: RuleSet,
}

/// The full verdict on one message.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Analysis {
    /// Probability-like spamminess in [0, 1], text and context rules.
    pub spam_score: f64,
    /// The same from the text rules alone: what `msgpolicy score` reports
    /// for the text, and what the spam filter reads (CONTRACT 3.1 #12 speaks
    /// of "the text's spam score").
    pub text_spam_score: f64,
    /// How good a request it is (personal, clear, polite) in [0, 1].
    pub quality_score: f64,
    /// Every rule that fired, text and context.
    pub fired: RuleSet,
    /// Content violations (`promotional`, `abusive`).
    pub content: Violations,
}

impl Analysis {
    /// What the engine needs of the analysis.
    pub fn score(&self) -> crate::message::Score {
        crate::message::Score {
            spam_score: self.spam_score,
            text_spam_score: self.text_spam_score,
            quality_score: self.quality_score,
            content: self.content,
        }
    }
}

/// The rule set with its weights, ready to score.
#[derive(Clone, Debug)]
pub struct Analyzer {
    matcher: text::Matcher,
    weights: Weights,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Weights::default())
    }
}

impl Analyzer {
    pub fn new(weights: Weights) -> Self {
        Analyzer {
            matcher: text::Matcher::new(),
            weights,
        }
    }

    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// Runs the text rules.
    pub fn analyze(&self, text: &str, hints: &Hints) -> TextAnalysis {
        TextAnalysis {
            fired: self.matcher.text_rules(text, hints),
        }
    }

    /// The text rules that read the text alone; with [`Analyzer::with_hints`]
    /// the same as [`Analyzer::analyze`], for callers that see one text many
    /// times (bulk outreach, scripted replays) and keep this part by text.
    pub fn analyze_content(&self, text: &str) -> RuleSet {
        self.matcher.content_rules(text)
    }

    /// Completes [`Analyzer::analyze_content`] with the rules that read the hints.
    pub fn with_hints(&self, content: RuleSet, text: &str, hints: &Hints) -> TextAnalysis {
        TextAnalysis {
            fired: content.union(text::hint_rules(text.as_bytes(), hints)),
        }
    }

    /// Adds the context rules and computes the scores.
    pub fn finish(&self, text: &TextAnalysis, ctx: &SendContext) -> Analysis {
        let fired = text.fired.union(rules::context_rules(ctx));
        let (spam_score, quality_score) = self.weights.scores(fired);
        let text_spam_score = weights::sigmoid(self.weights.spam_logit(text.fired));
        Analysis {
            spam_score,
            text_spam_score,
            quality_score,
            fired,
            content: rules::content_violations(fired),
        }
    }

    /// Both steps at once.
    pub fn score(&self, text: &str, hints: &Hints, ctx: &SendContext) -> Analysis {
        self.finish(&self.analyze(text, hints), ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blatant_spam_is_spam_and_a_personal_introduction_is_not() {
        let a = Analyzer::default();
        let ctx = SendContext::default();
        let spam = a.score(
            "FREE MONEY!!! click http://win.example.com now",
            &Hints::default(),
            &ctx,
        );
        assert!(spam.spam_score >= 0.5, "{spam:?}");
        let hints = Hints {
            recipient_name: Some("Maria"),
            recipient_industry: Some("logistics"),
            shared_event: Some("FreightTech Summit"),
        };
        let intro = a.score(
            "Hi Maria, I'm Tom, a supply-chain analyst at Nordfracht. We met at the FreightTech Summit \
             and I'd like to hear how your team handles logistics forecasting. Would you be open to a short call?",
            &hints,
            &ctx,
        );
        assert!(intro.spam_score < 0.5, "{intro:?}");
        assert!(intro.quality_score > spam.quality_score);
    }
}
