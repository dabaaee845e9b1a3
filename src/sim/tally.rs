//! Integer counters of a run, by sender persona and by day. Counters are
//! merged by addition, so the totals do not depend on thread scheduling.

use crate::engine::Rule;

macro_rules! metrics {
    ($( $variant:ident => $name:literal, $doc:literal; )*) => {
        /// A counted metric. `name()` is its column name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(usize)]
        pub enum Metric { $($variant,)* }

        impl Metric {
            pub const ALL: &'static [Metric] = &[$(Metric::$variant,)*];
            pub const fn name(self) -> &'static str { match self { $(Metric::$variant => $name,)* } }
            /// What the metric counts.
            pub const fn doc(self) -> &'static str { match self { $(Metric::$variant => $doc,)* } }
        }
    };
}

metrics! {
    Attempts => "attempts", "messages sent (every outcome)";
    Inbox => "inbox", "sends delivered to the inbox";
    Requests => "requests", "sends that opened or joined a visible request";
    Filtered => "filtered", "sends put in the hidden filtered folder";
    Suppressed => "suppressed", "sends silently dropped (after_ignore = suppress)";
    Rejected => "rejected", "sends refused (ban, block, page, must accept first, daily limit)";
    Opened => "opened", "requests opened (new ones, filtered included; follow-ups do not open one)";
    Accepted => "accepted", "opened requests accepted";
    Ignored => "ignored", "opened requests ignored (or deleted by a page)";
    Blocked => "blocked", "opened requests removed by a block";
    Reported => "reported", "reports filed against senders of this group";
    SpamAttempts => "spam_attempts", "messages sent by spammers";
    SpamInInbox => "spam_in_inbox", "spammer messages that reached an inbox (delivered, or in an accepted request)";
    AbuseInInbox => "abuse_in_inbox", "harasser messages that reached an inbox (delivered, or in an accepted request)";
    LegitFiltered => "legit_filtered", "requests opened by senders neither spammer nor harasser that went to the filtered folder";
    Bans => "bans", "senders banned";
    WrongfulBans => "wrongful_bans", "banned senders that are neither spammer nor harasser";
    Violations => "violations", "etiquette violations flagged on sends (one send may carry several)";
    ExcessFollowUp => "excess_follow_up", "sends flagged excess_follow_up";
    MessageAfterIgnore => "message_after_ignore", "sends flagged message_after_ignore";
    Promotional => "promotional", "sends flagged promotional";
    Abusive => "abusive", "sends flagged abusive";
    Bulk => "bulk", "sends flagged bulk";
    UnsolicitedInbox => "unsolicited_inbox", "messages from non-connections put straight in an inbox (requests off or disabled)";
    FollowUps => "follow_ups", "follow-up messages sent to unanswered requests";
    Replies => "replies", "replies sent after accepting a request";
    RequestsViewed => "requests_viewed", "requests looked at by recipients (their vetting effort)";
    DaysToAnswer => "days_to_answer", "days from opening to answer, summed over answered requests";
    OpenedPersonalised => "opened_personalised", "requests opened with a text written for the recipient (name, industry or shared event)";
    AcceptedPersonalised => "accepted_personalised", "of those, accepted";
    PendingEnd => "pending_end", "opened requests still pending at the end (of the run, or of the day in daily.csv)";
    BySenderBanned => "rule_sender_banned", "sends decided by rule 1, sender_banned (rejected)";
    ByBlocked => "rule_blocked", "sends decided by rule 2, blocked (rejected)";
    ByPageCannotInitiate => "rule_page_cannot_initiate", "sends decided by rule 3, page_cannot_initiate (rejected)";
    ByConnected => "rule_connected", "sends decided by rule 4, connected (inbox)";
    ByOpenThread => "rule_open_thread", "sends decided by rule 5, open_thread (inbox)";
    ByMustAcceptFirst => "rule_must_accept_first", "sends decided by rule 6, must_accept_first (rejected)";
    ByRequestsDisabled => "rule_requests_disabled", "sends decided by rule 7, requests_disabled (inbox)";
    ByRequestsOff => "rule_requests_off", "sends decided by rule 8, requests_off (inbox)";
    ByFollowUp => "rule_follow_up", "sends decided by rule 9, follow_up (joined a pending request)";
    ByAfterIgnore => "rule_after_ignore", "sends decided by rule 10 or 13, after_ignore (suppressed, or a new request after an ignore)";
    ByDailyLimit => "rule_daily_limit", "sends decided by rule 11, daily_limit (rejected)";
    BySpamFilter => "rule_spam_filter", "sends decided by rule 12, spam_filter (filtered folder)";
    ByNewRequest => "rule_new_request", "sends decided by rule 13, new_request (a new request)";
}

impl Metric {
    /// The count of sends decided by `rule` (`None` for the rules of the
    /// other actions). Every send is decided by exactly one of them, so
    /// these columns sum to `attempts`.
    pub const fn decided_by(rule: Rule) -> Option<Metric> {
        Some(match rule {
            Rule::SenderBanned => Metric::BySenderBanned,
            Rule::Blocked => Metric::ByBlocked,
            Rule::PageCannotInitiate => Metric::ByPageCannotInitiate,
            Rule::Connected => Metric::ByConnected,
            Rule::OpenThread => Metric::ByOpenThread,
            Rule::MustAcceptFirst => Metric::ByMustAcceptFirst,
            Rule::RequestsDisabled => Metric::ByRequestsDisabled,
            Rule::RequestsOff => Metric::ByRequestsOff,
            Rule::FollowUp => Metric::ByFollowUp,
            Rule::AfterIgnore | Rule::RequestAfterIgnore => Metric::ByAfterIgnore,
            Rule::DailyLimit => Metric::ByDailyLimit,
            Rule::SpamFilter => Metric::BySpamFilter,
            Rule::NewRequest => Metric::ByNewRequest,
            _ => return None,
        })
    }
}

/// One set of counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counters(pub [u64; Metric::ALL.len()]);

impl Default for Counters {
    fn default() -> Self {
        Counters([0; Metric::ALL.len()])
    }
}

impl Counters {
    pub fn add(&mut self, m: Metric, n: u64) {
        self.0[m as usize] += n;
    }

    pub fn get(&self, m: Metric) -> u64 {
        self.0[m as usize]
    }

    pub fn merge(&mut self, other: &Counters) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }
}

/// A rate derived from counters (the `f64` columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    AcceptanceRate,
    AnsweredShare,
    MeanDaysToAnswer,
    UnsolicitedInboxPer1k,
    VettingPer1kPerDay,
    PersonalisedAcceptanceRate,
    GenericAcceptanceRate,
}

impl Rate {
    pub const ALL: [Rate; 7] = [
        Rate::AcceptanceRate,
        Rate::AnsweredShare,
        Rate::MeanDaysToAnswer,
        Rate::UnsolicitedInboxPer1k,
        Rate::VettingPer1kPerDay,
        Rate::PersonalisedAcceptanceRate,
        Rate::GenericAcceptanceRate,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Rate::AcceptanceRate => "acceptance_rate",
            Rate::AnsweredShare => "answered_share",
            Rate::MeanDaysToAnswer => "mean_days_to_answer",
            Rate::UnsolicitedInboxPer1k => "unsolicited_inbox_per_1k",
            Rate::VettingPer1kPerDay => "vetting_per_1k_per_day",
            Rate::PersonalisedAcceptanceRate => "personalised_acceptance_rate",
            Rate::GenericAcceptanceRate => "generic_acceptance_rate",
        }
    }

    pub const fn doc(self) -> &'static str {
        match self {
            Rate::AcceptanceRate => "accepted / opened",
            Rate::AnsweredShare => "(accepted + ignored + blocked) / opened",
            Rate::MeanDaysToAnswer => "days_to_answer / (accepted + ignored + blocked)",
            Rate::UnsolicitedInboxPer1k => "unsolicited_inbox per 1,000 members",
            Rate::VettingPer1kPerDay => "requests_viewed per 1,000 members per day",
            Rate::PersonalisedAcceptanceRate => "accepted_personalised / opened_personalised",
            Rate::GenericAcceptanceRate => {
                "(accepted - accepted_personalised) / (opened - opened_personalised)"
            }
        }
    }

    /// The rate's value; 0 when its denominator is 0.
    pub fn of(self, c: &Counters, members: u64, days: u64) -> f64 {
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let answered = c.get(Metric::Accepted) + c.get(Metric::Ignored) + c.get(Metric::Blocked);
        match self {
            Rate::AcceptanceRate => ratio(c.get(Metric::Accepted), c.get(Metric::Opened)),
            Rate::AnsweredShare => ratio(answered, c.get(Metric::Opened)),
            Rate::MeanDaysToAnswer => ratio(c.get(Metric::DaysToAnswer), answered),
            Rate::UnsolicitedInboxPer1k => 1000.0 * ratio(c.get(Metric::UnsolicitedInbox), members),
            Rate::VettingPer1kPerDay => {
                1000.0 * ratio(c.get(Metric::RequestsViewed), members * days.max(1))
            }
            Rate::PersonalisedAcceptanceRate => ratio(
                c.get(Metric::AcceptedPersonalised),
                c.get(Metric::OpenedPersonalised),
            ),
            Rate::GenericAcceptanceRate => ratio(
                c.get(Metric::Accepted) - c.get(Metric::AcceptedPersonalised),
                c.get(Metric::Opened) - c.get(Metric::OpenedPersonalised),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SEND_PRECEDENCE;

    /// Each send rule has its column, named after the rule (the two rules
    /// named `after_ignore` share one); the other actions' rules have none.
    #[test]
    fn every_send_rule_has_a_column_named_after_it() {
        for rule in SEND_PRECEDENCE {
            let metric = Metric::decided_by(rule).expect("a send rule");
            assert_eq!(metric.name(), format!("rule_{}", rule.name()));
        }
        let columns: std::collections::BTreeSet<&str> = SEND_PRECEDENCE
            .iter()
            .filter_map(|&r| Metric::decided_by(r))
            .map(Metric::name)
            .collect();
        assert_eq!(columns.len(), SEND_PRECEDENCE.len() - 1);
        for rule in Rule::ALL.iter().filter(|r| !SEND_PRECEDENCE.contains(r)) {
            assert_eq!(Metric::decided_by(*rule), None, "{rule:?}");
        }
    }
}
