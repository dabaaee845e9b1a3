//! The policy keys (`[policy]` in a scenario): every setting the rules read.

use serde::{Deserialize, Serialize};

/// What happens when a sender writes again to someone who ignored or deleted
/// their request. The seed asks both "follow up no more than once" and "do
/// not message people who have ignored your requests"; this key picks one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterIgnore {
    /// The message opens a new request (rule `after_ignore`, outcome `request`).
    NewRequest,
    /// The message is silently dropped (rule `after_ignore`, outcome `suppressed`).
    Suppress,
}

/// The messaging policy under test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// `false`: no request gate at all, every message goes to the inbox.
    pub requests_enabled: bool,
    /// Unanswered follow-ups allowed per sender->recipient before it is a violation.
    pub follow_up_limit: u32,
    /// See [`AfterIgnore`].
    pub after_ignore: AfterIgnore,
    /// Distinct members reporting a sender before the sender is banned; 0 = never.
    pub ban_after_reports: u32,
    /// Requests whose spam score >= this go to the hidden filtered folder; 1.0 = off.
    pub spam_filter_threshold: f64,
    /// `true`: the spam filter reads the score in context (bulk, follow-ups,
    /// after an ignore); `false`: the text's own score, as `score` reports it.
    pub spam_filter_context: bool,
    /// New requests a sender may open per day; 0 = unlimited.
    pub daily_request_limit: u32,
    /// The same text to more than this many recipients in a day counts as bulk.
    pub bulk_threshold: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            requests_enabled: true,
            follow_up_limit: 1,
            after_ignore: AfterIgnore::NewRequest,
            ban_after_reports: 3,
            spam_filter_threshold: 1.0,
            spam_filter_context: false,
            daily_request_limit: 0,
            bulk_threshold: 20,
        }
    }
}

impl Policy {
    /// The spam filter is on only below 1.0 (a score is never above 1).
    pub fn spam_filter_on(&self) -> bool {
        self.spam_filter_threshold < 1.0
    }

    /// Range checks; returns the offending key and what was expected.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        if !(0.0..=1.0).contains(&self.spam_filter_threshold) {
            return Err((
                "spam_filter_threshold",
                format!("{} is outside [0, 1]", self.spam_filter_threshold),
            ));
        }
        if self.follow_up_limit > u16::MAX as u32 / 2 {
            return Err((
                "follow_up_limit",
                format!(
                    "{} is too large, expected at most 30000",
                    self.follow_up_limit
                ),
            ));
        }
        Ok(())
    }
}
