//! Properties of the policy engine over random action sequences (small
//! member pools, random policies), checked through `Replayer`.

mod common;

use common::gen::{arb_knobs, arb_steps, Knobs, Step};
use msgpolicy::engine::{Decision, Engine, Message, Score};
use msgpolicy::replay::{Action, Replayer};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};

/// What the properties need to know besides the engine's answers, kept from
/// the actions alone: who is a page, banned, blocked or connected.
#[derive(Default)]
struct Facts {
    pages: HashSet<String>,
    reporters: HashMap<String, HashSet<String>>,
    blocked: HashSet<(String, String)>,
    connected: HashSet<(String, String)>,
}

fn pair(a: &str, b: &str) -> (String, String) {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    (x.to_string(), y.to_string())
}

impl Facts {
    fn banned(&self, knobs: &Knobs, m: &str) -> bool {
        knobs.ban_after_reports > 0
            && self.reporters.get(m).map_or(0, HashSet::len) >= knobs.ban_after_reports as usize
    }

    /// Records what a step did (only when the engine said `ok`).
    fn record(&mut self, s: &Step, d: &Decision) {
        if d.outcome.name() != "ok" {
            return;
        }
        match s.action {
            Action::Page => {
                self.pages.insert(s.actor.clone());
            }
            Action::Report => {
                self.reporters
                    .entry(s.target.clone())
                    .or_default()
                    .insert(s.actor.clone());
            }
            Action::Block => {
                self.blocked.insert(pair(&s.actor, &s.target));
                self.connected.remove(&pair(&s.actor, &s.target));
            }
            Action::Connect => {
                self.connected.insert(pair(&s.actor, &s.target));
            }
            _ => {}
        }
    }
}

/// Replays `steps`, calling `check(facts before the step, step, decision, replayer)`.
fn replay_checking(
    knobs: &Knobs,
    steps: &[Step],
    mut check: impl FnMut(&Facts, &Step, &Decision, &mut Replayer) -> Result<(), TestCaseError>,
) -> Result<Vec<Decision>, TestCaseError> {
    let mut r = Replayer::new(knobs.policy(), common::analyzer());
    let mut facts = Facts::default();
    let mut out = Vec::with_capacity(steps.len());
    for s in steps {
        let d = r.apply(&s.actor, s.action, &s.target, &s.text);
        check(&facts, s, &d, &mut r)?;
        facts.record(s, &d);
        out.push(d);
    }
    Ok(out)
}

const SEND_OUTCOMES: [&str; 5] = ["inbox", "request", "filtered", "suppressed", "rejected"];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn banned_or_blocked_senders_never_reach_an_inbox(knobs in arb_knobs(), steps in arb_steps(60)) {
        replay_checking(&knobs, &steps, |f, s, d, _| {
            if s.action == Action::Send {
                let banned = f.banned(&knobs, &s.actor);
                let blocked = f.blocked.contains(&pair(&s.actor, &s.target));
                if banned || blocked {
                    prop_assert_eq!(d.outcome.name(), "rejected", "{:?} banned={} blocked={}", s, banned, blocked);
                    prop_assert_eq!(d.rule.name(), if banned { "sender_banned" } else { "blocked" });
                    prop_assert!(d.violations.is_empty());
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn pages_never_ignore_or_block(knobs in arb_knobs(), steps in arb_steps(60)) {
        replay_checking(&knobs, &steps, |f, s, d, _| {
            if f.pages.contains(&s.actor) {
                let forbidden = match s.action {
                    Action::Ignore => Some("page_cannot_ignore"),
                    Action::Block => Some("page_cannot_block"),
                    Action::Connect => Some("page_cannot_connect"),
                    Action::RequestsOff => Some("page_requests_always_on"),
                    _ => None,
                };
                if let Some(rule) = forbidden {
                    prop_assert_eq!(d.outcome.name(), "error", "{:?}", s);
                    prop_assert_eq!(d.rule.name(), rule);
                }
            }
            Ok(())
        })?;
    }

    /// Ignoring (and deleting, blocking, reporting) tells nobody; only a
    /// delivered message or request tells the recipient, only an accept the sender.
    #[test]
    fn an_ignore_never_notifies_anyone(knobs in arb_knobs(), steps in arb_steps(60)) {
        replay_checking(&knobs, &steps, |_, s, d, _| {
            let expected = match (s.action, d.outcome.name()) {
                (Action::Send, "inbox" | "request") => "recipient",
                (Action::Accept, "ok") => "sender",
                _ => "none",
            };
            prop_assert_eq!(d.notify.name(), expected, "{:?} -> {:?}", s, d);
            Ok(())
        })?;
    }

    /// Only `connect` makes a connection: after any accept, both sides still
    /// see a limited profile, and a full one exactly between connections.
    #[test]
    fn accepting_never_makes_a_connection_or_a_full_profile(knobs in arb_knobs(), steps in arb_steps(60)) {
        replay_checking(&knobs, &steps, |f, s, d, r| {
            let connected_after = |a: &str, b: &str| {
                let p = pair(a, b);
                let cut = s.action == Action::Block && d.outcome.name() == "ok" && p == pair(&s.actor, &s.target);
                let made = s.action == Action::Connect && d.outcome.name() == "ok" && p == pair(&s.actor, &s.target);
                made || (f.connected.contains(&p) && !cut)
            };
            if s.action == Action::ViewProfile {
                let full = connected_after(&s.actor, &s.target);
                prop_assert_eq!(d.outcome.name(), if full { "full" } else { "limited" });
            }
            if s.action == Action::Accept && d.outcome.name() == "ok" {
                for (a, b) in [(&s.actor, &s.target), (&s.target, &s.actor)] {
                    let view = r.apply(a, Action::ViewProfile, b, "");
                    let full = connected_after(a, b);
                    prop_assert_eq!(view.outcome.name(), if full { "full" } else { "limited" }, "after {:?}", s);
                    prop_assert_eq!(view.rule.name(), if full { "connected" } else { "not_connected" });
                }
            }
            Ok(())
        })?;
    }

    #[test]
    fn every_action_gets_one_outcome_of_its_kind(knobs in arb_knobs(), steps in arb_steps(60)) {
        let mut opened: HashMap<String, u32> = HashMap::new();
        replay_checking(&knobs, &steps, |_, s, d, _| {
            let outcome = d.outcome.name();
            match s.action {
                Action::Send => {
                    prop_assert!(SEND_OUTCOMES.contains(&outcome), "{:?} -> {}", s, outcome);
                    if outcome == "rejected" {
                        prop_assert!(d.violations.is_empty(), "a rejected send has violations: {:?}", d);
                    }
                    if outcome == "suppressed" {
                        prop_assert!(knobs.suppress_after_ignore);
                    }
                    // The daily limit holds: new requests (filtered ones included) per sender per day.
                    if matches!(d.rule.name(), "new_request" | "after_ignore" | "spam_filter") && outcome != "suppressed" {
                        let n = opened.entry(s.actor.clone()).or_default();
                        *n += 1;
                        if knobs.daily_request_limit > 0 {
                            prop_assert!(*n <= knobs.daily_request_limit, "{} opened {} requests today", s.actor, n);
                        }
                    }
                }
                Action::ViewProfile => prop_assert!(["full", "limited"].contains(&outcome)),
                _ => {
                    prop_assert!(["ok", "error"].contains(&outcome), "{:?} -> {}", s, outcome);
                    prop_assert!(d.violations.is_empty());
                    if outcome == "ok" {
                        prop_assert_eq!(d.rule.name(), s.action.name());
                    }
                }
            }
            if s.action == Action::NextDay {
                opened.clear();
            }
            Ok(())
        })?;
    }

    #[test]
    fn the_same_actions_give_the_same_decisions(knobs in arb_knobs(), steps in arb_steps(80)) {
        let first = replay_checking(&knobs, &steps, |_, _, _, _| Ok(()))?;
        let second = replay_checking(&knobs, &steps, |_, _, _, _| Ok(()))?;
        prop_assert_eq!(first, second);
    }
}

/// Members of the queued-updates property (the last one a page).
const QUEUED_MEMBERS: u32 = 10;

fn message(sender: u32, recipient: u32, static_connection: bool) -> Message {
    Message {
        sender,
        recipient,
        text_hash: u64::from(sender),
        static_connection,
        tag: 0,
    }
}

proptest! {
    /// Answers that queue their changes to pair records, applied later in
    /// batches, leave the engine as answers applied at once do: the same
    /// decisions on the way, then the same decision and context for every
    /// possible send, the same request tabs (what the simulator relies on
    /// when another thread applies the updates).
    #[test]
    fn queued_pair_updates_end_where_immediate_ones_do(
        knobs in arb_knobs(),
        sends in prop::collection::vec((0..QUEUED_MEMBERS, 0..QUEUED_MEMBERS, any::<bool>()), 0..80),
        answers in prop::collection::vec((0..QUEUED_MEMBERS, 0..QUEUED_MEMBERS, 0u8..5), 0..60),
        batch in 1usize..8,
    ) {
        let mut now = Engine::new(knobs.policy(), QUEUED_MEMBERS as usize);
        now.make_page(QUEUED_MEMBERS - 1);
        for &(s, r, connected) in sends.iter().filter(|(s, r, _)| s != r) {
            now.send(&message(s, r, connected), |_| Score::default());
        }
        now.next_day();
        let mut queued = now.clone();
        let mut records = queued.queue_pair_updates();
        for (i, &(r, s, kind)) in answers.iter().enumerate().filter(|(_, (r, s, _))| r != s) {
            let both = |e: &mut Engine| match kind {
                0 => e.accept(r, s).0,
                1 => e.dismiss(r, s, false).0,
                2 => e.dismiss(r, s, true).0,
                3 => e.block(r, s).0,
                _ => e.report(r, s).0,
            };
            prop_assert_eq!(both(&mut now), both(&mut queued));
            if (i + 1) % batch == 0 {
                records.apply(&queued.queued_pair_updates());
            }
        }
        records.apply(&queued.queued_pair_updates());
        queued.restore_pair_records(records);
        for s in 0..QUEUED_MEMBERS {
            prop_assert_eq!(now.requests_of(s), queued.requests_of(s));
            for r in (0..QUEUED_MEMBERS).filter(|&r| r != s) {
                for connected in [false, true] {
                    let m = message(s, r, connected);
                    prop_assert_eq!(
                        now.decide(&m, |_| Score::default()),
                        queued.decide(&m, |_| Score::default())
                    );
                }
                prop_assert_eq!(now.send_context(s, r, 0), queued.send_context(s, r, 0));
            }
        }
        prop_assert_eq!(now.pending_total(), queued.pending_total());
    }
}
