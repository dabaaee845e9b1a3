//! A deliberately naive model of CONTRACT section 3, written from the text
//! alone: plain sets of names, one straight `if`/`else` chain per send, no
//! precedence table and nothing shared with `src/engine`. Only the text
//! scoring (spam score, `promotional`, `abusive`) is borrowed from the
//! analyzer, which is not what is under test here.
//!
//! Where the contract is silent it follows the lead's interpretations: the
//! "R ignored S" memory ends when R answers S (accepts S's request or sends S
//! a message that is not rejected); `bulk` counts distinct recipients of the
//! same text by the same sender today, rejected attempts included; a
//! suppressed or filtered send counts as "not rejected".

use super::gen::Knobs;
use msgpolicy::analyzer::{Analyzer, Hints};
use msgpolicy::message::SendContext;
use msgpolicy::violation::Violation;
use std::collections::{HashMap, HashSet};

/// One output row's decision, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub outcome: &'static str,
    pub rule: &'static str,
    pub notify: &'static str,
    pub violations: String,
}

fn row(outcome: &'static str, rule: &'static str, notify: &'static str) -> Row {
    Row {
        outcome,
        rule,
        notify,
        violations: String::new(),
    }
}

fn ok(rule: &'static str) -> Row {
    row("ok", rule, "none")
}

fn error(rule: &'static str) -> Row {
    row("error", rule, "none")
}

/// An unordered pair of names.
fn both(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// An ordered pair of names.
fn from_to(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

pub struct Reference {
    knobs: Knobs,
    analyzer: Analyzer,
    pages: HashSet<String>,
    requests_off: HashSet<String>,
    banned: HashSet<String>,
    /// reported member -> who reported them
    reporters: HashMap<String, HashSet<String>>,
    /// unordered pairs
    connected: HashSet<(String, String)>,
    /// unordered pairs
    threads: HashSet<(String, String)>,
    /// (blocker, blocked)
    blocks: HashSet<(String, String)>,
    /// (sender, recipient) -> the request sits in the filtered folder
    pending: HashMap<(String, String), bool>,
    /// (who ignored or deleted, whose request it was)
    ignored: HashSet<(String, String)>,
    /// (sender, recipient) -> messages not rejected and not answered since
    unanswered: HashMap<(String, String), u32>,
    /// sender -> requests opened today
    opened_today: HashMap<String, u32>,
    /// (sender, text) -> today's recipients, rejected attempts included
    text_recipients: HashMap<(String, String), HashSet<String>>,
    /// Which conditions of 3.1 held for the last send: bit `n` for rule `n`
    /// (13 = the `after_ignore` face of the default: R ignored S, no suppress).
    pub last_conditions: u16,
}

impl Reference {
    pub fn new(knobs: Knobs) -> Self {
        Reference {
            knobs,
            analyzer: super::analyzer(),
            pages: HashSet::new(),
            requests_off: HashSet::new(),
            banned: HashSet::new(),
            reporters: HashMap::new(),
            connected: HashSet::new(),
            threads: HashSet::new(),
            blocks: HashSet::new(),
            pending: HashMap::new(),
            ignored: HashSet::new(),
            unanswered: HashMap::new(),
            opened_today: HashMap::new(),
            text_recipients: HashMap::new(),
            last_conditions: 0,
        }
    }

    /// Applies one action given by its name.
    pub fn apply(&mut self, actor: &str, action: &str, target: &str, text: &str) -> Row {
        let (a, t) = (actor, target);
        match action {
            "page" => {
                self.pages.insert(a.to_string());
                ok("page")
            }
            "connect" => {
                if self.pages.contains(a) || self.pages.contains(t) {
                    error("page_cannot_connect")
                } else {
                    self.connected.insert(both(a, t));
                    ok("connect")
                }
            }
            "requests_off" => {
                if self.pages.contains(a) {
                    error("page_requests_always_on")
                } else {
                    self.requests_off.insert(a.to_string());
                    ok("requests_off")
                }
            }
            "requests_on" => {
                self.requests_off.remove(a);
                ok("requests_on")
            }
            "send" => self.send(a, t, text),
            // The actor acts on the target's request.
            "accept" => {
                if self.pending.remove(&from_to(t, a)).is_none() {
                    return error("no_pending_request");
                }
                self.threads.insert(both(a, t));
                self.ignored.remove(&from_to(a, t));
                self.unanswered.insert(from_to(t, a), 0);
                row("ok", "accept", "sender")
            }
            "ignore" => {
                if self.pages.contains(a) {
                    return error("page_cannot_ignore");
                }
                self.dismiss(a, t, "ignore")
            }
            "delete" => self.dismiss(a, t, "delete"),
            "block" => {
                if self.pages.contains(a) {
                    return error("page_cannot_block");
                }
                self.pending.remove(&from_to(a, t));
                self.pending.remove(&from_to(t, a));
                self.threads.remove(&both(a, t));
                self.connected.remove(&both(a, t));
                self.blocks.insert(from_to(a, t));
                ok("block")
            }
            "report" => {
                let set = self.reporters.entry(t.to_string()).or_default();
                set.insert(a.to_string());
                let limit = self.knobs.ban_after_reports as usize;
                if limit > 0 && set.len() >= limit {
                    self.banned.insert(t.to_string());
                }
                ok("report")
            }
            "view_profile" => {
                if self.connected.contains(&both(a, t)) {
                    row("full", "connected", "none")
                } else {
                    row("limited", "not_connected", "none")
                }
            }
            "next_day" => {
                self.opened_today.clear();
                self.text_recipients.clear();
                ok("next_day")
            }
            other => panic!("the generator made an unknown action {other}"),
        }
    }

    fn dismiss(&mut self, r: &str, s: &str, rule: &'static str) -> Row {
        if self.pending.remove(&from_to(s, r)).is_none() {
            return error("no_pending_request");
        }
        self.ignored.insert(from_to(r, s));
        ok(rule)
    }

    /// `s` sends `text` to `r` (section 3.1, first rule that applies wins).
    fn send(&mut self, s: &str, r: &str, text: &str) -> Row {
        let recipients = self.text_recipients.entry(from_to(s, text)).or_default();
        recipients.insert(r.to_string());
        let same_text_recipients = recipients.len() as u32;

        let pair = both(s, r);
        let connected = self.connected.contains(&pair);
        let thread = self.threads.contains(&pair);
        let blocked = self.blocks.contains(&from_to(s, r)) || self.blocks.contains(&from_to(r, s));
        let r_ignored_s = self.ignored.contains(&from_to(r, s));
        let unanswered = self.unanswered.get(&from_to(s, r)).copied().unwrap_or(0);
        let opened = self.opened_today.get(s).copied().unwrap_or(0);
        let analysis = self.analyzer.score(
            text,
            &Hints {
                recipient_name: Some(r),
                ..Hints::default()
            },
            &SendContext {
                same_text_recipients,
                bulk_threshold: self.knobs.bulk_threshold,
                unanswered,
                after_ignore: r_ignored_s,
            },
        );
        let k = self.knobs;
        let filter_score = if k.spam_filter_context {
            analysis.spam_score
        } else {
            analysis.text_spam_score
        };
        let holds = [
            self.banned.contains(s),
            blocked,
            self.pages.contains(s) && !thread,
            connected,
            thread,
            self.pending.get(&from_to(r, s)) == Some(&false),
            !k.requests_enabled,
            !self.pages.contains(r) && self.requests_off.contains(r),
            self.pending.contains_key(&from_to(s, r)),
            r_ignored_s && k.suppress_after_ignore,
            k.daily_request_limit > 0 && opened >= k.daily_request_limit,
            k.spam_filter_threshold < 1.0 && filter_score >= k.spam_filter_threshold,
            r_ignored_s && !k.suppress_after_ignore,
        ];
        self.last_conditions = (0..13).filter(|i| holds[*i]).map(|i| 1 << (i + 1)).sum();

        let mut opens_thread = false;
        // Some(filtered) when a new request is opened.
        let mut opens_request = None;
        let decided = if self.banned.contains(s) {
            row("rejected", "sender_banned", "none")
        } else if blocked {
            row("rejected", "blocked", "none")
        } else if self.pages.contains(s) && !thread {
            row("rejected", "page_cannot_initiate", "none")
        } else if connected {
            row("inbox", "connected", "recipient")
        } else if thread {
            row("inbox", "open_thread", "recipient")
        } else if self.pending.get(&from_to(r, s)) == Some(&false) {
            row("rejected", "must_accept_first", "none")
        } else if !k.requests_enabled {
            opens_thread = true;
            row("inbox", "requests_disabled", "recipient")
        } else if !self.pages.contains(r) && self.requests_off.contains(r) {
            opens_thread = true;
            row("inbox", "requests_off", "recipient")
        } else if let Some(&filtered) = self.pending.get(&from_to(s, r)) {
            if filtered {
                row("filtered", "follow_up", "none")
            } else {
                row("request", "follow_up", "recipient")
            }
        } else if r_ignored_s && k.suppress_after_ignore {
            row("suppressed", "after_ignore", "none")
        } else if k.daily_request_limit > 0 && opened >= k.daily_request_limit {
            row("rejected", "daily_limit", "none")
        } else if k.spam_filter_threshold < 1.0 && filter_score >= k.spam_filter_threshold {
            opens_request = Some(true);
            row("filtered", "spam_filter", "none")
        } else if r_ignored_s {
            opens_request = Some(false);
            row("request", "after_ignore", "recipient")
        } else {
            opens_request = Some(false);
            row("request", "new_request", "recipient")
        };
        if decided.outcome == "rejected" {
            return decided;
        }

        let mut violations = Vec::new();
        if !connected && unanswered > k.follow_up_limit {
            violations.push("excess_follow_up");
        }
        if !connected && r_ignored_s {
            violations.push("message_after_ignore");
        }
        if analysis.content.contains(Violation::Promotional) {
            violations.push("promotional");
        }
        if analysis.content.contains(Violation::Abusive) {
            violations.push("abusive");
        }
        if same_text_recipients > k.bulk_threshold {
            violations.push("bulk");
        }

        *self.unanswered.entry(from_to(s, r)).or_default() += 1;
        // S writing to R answers R.
        self.unanswered.insert(from_to(r, s), 0);
        self.ignored.remove(&from_to(s, r));
        if opens_thread {
            self.threads.insert(pair);
        }
        if let Some(filtered) = opens_request {
            self.pending.insert(from_to(s, r), filtered);
            *self.opened_today.entry(s.to_string()).or_default() += 1;
        }
        Row {
            violations: violations.join(";"),
            ..decided
        }
    }
}
