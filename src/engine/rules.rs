//! The rules of the policy engine: one variant per rule, each with its stable
//! name (the `rule` column), its one-line doc and the policy keys it reads.
//!
//! How a send is decided is written down exactly once, in
//! [`SEND_PRECEDENCE`]: the first rule whose condition holds decides. The
//! conditions read only [`SendFacts`], a plain value the state gathers, so the
//! decision itself is a pure function (no state, no I/O, no randomness).

use super::policy::{AfterIgnore, Policy};

/// What happened to an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Delivered to the recipient's inbox.
    Inbox,
    /// Put in the recipient's message requests (new or joined).
    Request,
    /// Put in the hidden filtered folder (pending, invisible).
    Filtered,
    /// Silently dropped; the sender is not told.
    Suppressed,
    /// Refused.
    Rejected,
    /// A non-send action took effect.
    Ok,
    /// A non-send action was forbidden by a rule.
    Error,
    /// `view_profile` between connections.
    Full,
    /// `view_profile` between non-connections.
    Limited,
}

impl Outcome {
    pub const fn name(self) -> &'static str {
        match self {
            Outcome::Inbox => "inbox",
            Outcome::Request => "request",
            Outcome::Filtered => "filtered",
            Outcome::Suppressed => "suppressed",
            Outcome::Rejected => "rejected",
            Outcome::Ok => "ok",
            Outcome::Error => "error",
            Outcome::Full => "full",
            Outcome::Limited => "limited",
        }
    }
}

/// Who is told about an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Notify {
    Recipient,
    Sender,
    None,
}

impl Notify {
    pub const fn name(self) -> &'static str {
        match self {
            Notify::Recipient => "recipient",
            Notify::Sender => "sender",
            Notify::None => "none",
        }
    }
}

macro_rules! rules {
    ($( $(#[doc = $doc:literal])* $variant:ident => $name:literal, keys: [$($key:literal),*]; )*) => {
        /// Every rule of the engine. `name()` is the stable id written in the
        /// `rule` column; `doc()` is the rule's one-line description.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Rule { $( $(#[doc = $doc])* $variant, )* }

        impl Rule {
            /// Every rule, sends first in precedence order, then the other actions.
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            /// The stable snake_case name.
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$variant => $name,)* }
            }

            /// One line saying when the rule applies and what it does.
            pub fn doc(self) -> &'static str {
                match self { $(Rule::$variant => concat!($($doc),*).trim(),)* }
            }

            /// The `[policy]` keys the rule reads.
            pub const fn policy_keys(self) -> &'static [&'static str] {
                match self { $(Rule::$variant => &[$($key),*],)* }
            }
        }
    };
}

rules! {
    /// The sender is banned: the message is rejected.
    SenderBanned => "sender_banned", keys: ["ban_after_reports"];
    /// One of the two blocked the other: the message is rejected.
    Blocked => "blocked", keys: [];
    /// A page may only write into a thread a member opened with it.
    PageCannotInitiate => "page_cannot_initiate", keys: [];
    /// Connections write straight to the inbox.
    Connected => "connected", keys: [];
    /// An open thread (an accepted request, requests off) goes to the inbox.
    OpenThread => "open_thread", keys: [];
    /// The recipient has a visible request pending to the sender: the sender must accept it before replying.
    MustAcceptFirst => "must_accept_first", keys: [];
    /// The request gate is off for everyone: the message opens a thread in the inbox.
    RequestsDisabled => "requests_disabled", keys: ["requests_enabled"];
    /// The recipient turned message requests off ("open to anyone"): the message opens a thread in the inbox.
    RequestsOff => "requests_off", keys: [];
    /// The sender already has a request pending with the recipient: the message joins it.
    FollowUp => "follow_up", keys: ["follow_up_limit"];
    /// The recipient ignored or deleted an earlier request of the sender and the policy suppresses later messages.
    AfterIgnore => "after_ignore", keys: ["after_ignore"];
    /// The sender has opened `daily_request_limit` requests today already: rejected.
    DailyLimit => "daily_limit", keys: ["daily_request_limit"];
    /// The analyzer's spam score reaches `spam_filter_threshold`: the request opens in the hidden filtered folder.
    SpamFilter => "spam_filter", keys: ["spam_filter_threshold"];
    /// A new request is opened after the recipient ignored or deleted an earlier one of the sender.
    RequestAfterIgnore => "after_ignore", keys: ["after_ignore"];
    /// The default: a new request is opened and the recipient is notified.
    NewRequest => "new_request", keys: [];
    /// `accept`: the recipient accepts a pending request; a thread opens (not a connection).
    Accept => "accept", keys: [];
    /// `ignore`: the request is deleted and remembered as ignored; nobody is told.
    Ignore => "ignore", keys: [];
    /// `delete`: like ignore, and allowed for pages.
    Delete => "delete", keys: [];
    /// `block`: removes requests, thread and connection in both directions; later sends are rejected.
    Block => "block", keys: [];
    /// `report`: counts a distinct reporter; enough of them ban the sender.
    Report => "report", keys: ["ban_after_reports"];
    /// `connect`: the two become connections.
    Connect => "connect", keys: [];
    /// `page`: the member is a business page.
    Page => "page", keys: [];
    /// `requests_off`: the person turns message requests off.
    RequestsOffSetting => "requests_off", keys: [];
    /// `requests_on`: the member turns message requests back on.
    RequestsOnSetting => "requests_on", keys: [];
    /// `next_day`: the clock moves on; daily counters start again.
    NextDay => "next_day", keys: [];
    /// `view_profile` between connections: the full profile.
    ViewConnected => "connected", keys: [];
    /// `view_profile` between non-connections (an accepted request included): a limited profile.
    ViewNotConnected => "not_connected", keys: [];
    /// An accept, ignore or delete with no request pending from that member.
    NoPendingRequest => "no_pending_request", keys: [];
    /// Pages cannot ignore requests (they accept or delete them).
    PageCannotIgnore => "page_cannot_ignore", keys: [];
    /// Pages cannot block.
    PageCannotBlock => "page_cannot_block", keys: [];
    /// Pages have no connections.
    PageCannotConnect => "page_cannot_connect", keys: [];
    /// Pages always take message requests.
    PageRequestsAlwaysOn => "page_requests_always_on", keys: [];
}

/// The order in which the send rules are tried (CONTRACT section 3.1).
/// `RequestAfterIgnore` and `NewRequest` are the two faces of the default.
pub const SEND_PRECEDENCE: [Rule; 14] = [
    Rule::SenderBanned,
    Rule::Blocked,
    Rule::PageCannotInitiate,
    Rule::Connected,
    Rule::OpenThread,
    Rule::MustAcceptFirst,
    Rule::RequestsDisabled,
    Rule::RequestsOff,
    Rule::FollowUp,
    Rule::AfterIgnore,
    Rule::DailyLimit,
    Rule::SpamFilter,
    Rule::RequestAfterIgnore,
    Rule::NewRequest,
];

/// Whether a pending request is visible or sits in the filtered folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    Visible,
    Filtered,
}

/// Everything the send rules may look at, gathered by the state for one
/// message from sender S to recipient R.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SendFacts {
    pub sender_banned: bool,
    /// S blocked R or R blocked S.
    pub blocked: bool,
    pub sender_is_page: bool,
    pub connected: bool,
    pub open_thread: bool,
    /// R has a visible (not filtered) request pending with S.
    pub recipient_request_visible: bool,
    /// R is a person who turned message requests off.
    pub recipient_requests_off: bool,
    /// S's request pending with R, if any.
    pub pending: Option<Pending>,
    /// R ignored or deleted a request of S and has not answered S since.
    pub ignored_by_recipient: bool,
    /// Requests S opened today (filtered ones included).
    pub opened_today: u32,
    /// The analyzer's spam score of this message in its context.
    pub spam_score: f64,
}

/// A send rule's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendVerdict {
    pub outcome: Outcome,
    pub rule: Rule,
    pub notify: Notify,
}

impl Rule {
    /// The verdict of a send rule when its condition holds, else `None`.
    /// Only meaningful for the rules in [`SEND_PRECEDENCE`].
    fn send_verdict(self, policy: &Policy, f: &SendFacts) -> Option<(Outcome, Notify)> {
        use Notify as N;
        use Outcome as O;
        let holds = |c: bool, o: O, n: N| c.then_some((o, n));
        match self {
            Rule::SenderBanned => holds(f.sender_banned, O::Rejected, N::None),
            Rule::Blocked => holds(f.blocked, O::Rejected, N::None),
            Rule::PageCannotInitiate => {
                holds(f.sender_is_page && !f.open_thread, O::Rejected, N::None)
            }
            Rule::Connected => holds(f.connected, O::Inbox, N::Recipient),
            Rule::OpenThread => holds(f.open_thread, O::Inbox, N::Recipient),
            Rule::MustAcceptFirst => holds(f.recipient_request_visible, O::Rejected, N::None),
            Rule::RequestsDisabled => holds(!policy.requests_enabled, O::Inbox, N::Recipient),
            Rule::RequestsOff => holds(f.recipient_requests_off, O::Inbox, N::Recipient),
            Rule::FollowUp => match f.pending {
                Some(Pending::Visible) => Some((O::Request, N::Recipient)),
                Some(Pending::Filtered) => Some((O::Filtered, N::None)),
                None => None,
            },
            Rule::AfterIgnore => holds(
                f.ignored_by_recipient && policy.after_ignore == AfterIgnore::Suppress,
                O::Suppressed,
                N::None,
            ),
            Rule::DailyLimit => holds(
                policy.daily_request_limit > 0 && f.opened_today >= policy.daily_request_limit,
                O::Rejected,
                N::None,
            ),
            Rule::SpamFilter => holds(
                policy.spam_filter_on() && f.spam_score >= policy.spam_filter_threshold,
                O::Filtered,
                N::None,
            ),
            Rule::RequestAfterIgnore => holds(f.ignored_by_recipient, O::Request, N::Recipient),
            Rule::NewRequest => Some((O::Request, N::Recipient)),
            _ => None,
        }
    }
}

/// Decides a send: the first rule of [`SEND_PRECEDENCE`] that holds.
pub fn decide_send(policy: &Policy, facts: &SendFacts) -> SendVerdict {
    for rule in SEND_PRECEDENCE {
        if let Some((outcome, notify)) = rule.send_verdict(policy, facts) {
            return SendVerdict {
                outcome,
                rule,
                notify,
            };
        }
    }
    unreachable!("new_request always applies")
}

/// What a send does to the state, derived from its verdict.
impl SendVerdict {
    /// The send opens a new request (visible or filtered).
    pub fn opens_request(&self) -> bool {
        matches!(
            self.rule,
            Rule::SpamFilter | Rule::RequestAfterIgnore | Rule::NewRequest
        )
    }

    /// The send opens a thread in the recipient's inbox.
    pub fn opens_thread(&self) -> bool {
        matches!(self.rule, Rule::RequestsDisabled | Rule::RequestsOff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_lists_every_send_rule_once_and_ends_with_the_default() {
        let mut names: Vec<_> = SEND_PRECEDENCE.to_vec();
        names.dedup();
        assert_eq!(names.len(), SEND_PRECEDENCE.len());
        assert_eq!(SEND_PRECEDENCE.last(), Some(&Rule::NewRequest));
    }

    #[test]
    fn every_rule_has_a_doc_and_a_snake_case_name() {
        for rule in Rule::ALL {
            assert!(!rule.doc().is_empty(), "{rule:?}");
            assert!(rule
                .name()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn default_facts_open_a_new_request() {
        let v = decide_send(&Policy::default(), &SendFacts::default());
        assert_eq!(v.rule, Rule::NewRequest);
        assert_eq!(v.outcome, Outcome::Request);
        assert!(v.opens_request());
    }

    #[test]
    fn ban_beats_everything() {
        let facts = SendFacts {
            sender_banned: true,
            blocked: true,
            connected: true,
            ..SendFacts::default()
        };
        assert_eq!(
            decide_send(&Policy::default(), &facts).rule,
            Rule::SenderBanned
        );
    }

    #[test]
    fn the_spam_filter_is_off_at_one() {
        let facts = SendFacts {
            spam_score: 1.0,
            ..SendFacts::default()
        };
        assert_eq!(
            decide_send(&Policy::default(), &facts).rule,
            Rule::NewRequest
        );
        let strict = Policy {
            spam_filter_threshold: 0.5,
            ..Policy::default()
        };
        assert_eq!(decide_send(&strict, &facts).outcome, Outcome::Filtered);
    }
}
