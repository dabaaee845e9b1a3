//! Random action sequences and policies over small pools, so that members
//! meet again and again and the rules interact. The same picking functions
//! serve proptest strategies and a plain seeded generator.

use msgpolicy::engine::{AfterIgnore, Policy};
use msgpolicy::replay::Action;
use proptest::prelude::*;

/// A small member pool: interactions repeat.
pub const MEMBERS: [&str; 5] = ["ana", "ben", "cho", "dee", "eli"];

/// Polite, spammy, promotional and abusive texts (some greet by name, one is empty).
pub const TEXTS: [&str; 8] = [
    "Hello",
    "Hi Ben, I'm Ana from the Lisbon meetup; I'd like to ask about your talk.",
    "Quick question about your post on onboarding",
    "FREE MONEY!!! click http://x.co now, limited time offer, buy now",
    "Buy now with a discount, click here",
    "you are a pathetic loser",
    "Shut up, you idiot. You'll regret this!!!",
    "",
];

/// Actions with their weights: sends most often, state-wiping ones rarely.
const ACTIONS: [(Action, u32); 12] = [
    (Action::Send, 30),
    (Action::Accept, 6),
    (Action::Ignore, 6),
    (Action::Delete, 4),
    (Action::Block, 2),
    (Action::Report, 4),
    (Action::ViewProfile, 3),
    (Action::Connect, 2),
    (Action::Page, 1),
    (Action::RequestsOff, 2),
    (Action::RequestsOn, 2),
    (Action::NextDay, 2),
];

/// Sum of the action weights.
pub const ACTION_WEIGHT: u32 = {
    let mut sum = 0;
    let mut i = 0;
    while i < ACTIONS.len() {
        sum += ACTIONS[i].1;
        i += 1;
    }
    sum
};

/// One scripted action, as it appears in a replay file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub actor: String,
    pub action: Action,
    pub target: String,
    pub text: String,
}

impl Step {
    /// The step for raw choices: `actor` and `offset` index the pool (the
    /// target is never the actor), `weight` < [`ACTION_WEIGHT`] picks the action.
    pub fn pick(actor: usize, weight: u32, offset: usize, text: usize) -> Step {
        Step::pick_among(MEMBERS.len(), actor, weight, offset, text)
    }

    /// [`Step::pick`] among the first `n` (2..=5) members only.
    pub fn pick_among(n: usize, actor: usize, weight: u32, offset: usize, text: usize) -> Step {
        let mut w = weight % ACTION_WEIGHT;
        let mut action = Action::Send;
        for (a, aw) in ACTIONS {
            if w < aw {
                action = a;
                break;
            }
            w -= aw;
        }
        let a = actor % n;
        let t = (a + 1 + offset % (n - 1)) % n;
        let (actor, target) = match action {
            Action::NextDay => (String::new(), String::new()),
            Action::Page | Action::RequestsOff | Action::RequestsOn => {
                (MEMBERS[a].to_string(), String::new())
            }
            _ => (MEMBERS[a].to_string(), MEMBERS[t].to_string()),
        };
        let text = if action == Action::Send {
            TEXTS[text % TEXTS.len()].to_string()
        } else {
            String::new()
        };
        Step {
            actor,
            action,
            target,
            text,
        }
    }
}

/// The policy knobs the tests vary, in plain values (the reference model
/// reads these, the engine gets [`Knobs::policy`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Knobs {
    pub suppress_after_ignore: bool,
    pub ban_after_reports: u32,
    pub daily_request_limit: u32,
    pub follow_up_limit: u32,
    pub spam_filter_threshold: f64,
    /// The filter reads the score in context rather than the text's own.
    pub spam_filter_context: bool,
    pub requests_enabled: bool,
    pub bulk_threshold: u32,
}

impl Knobs {
    /// Knobs from raw choices (each taken modulo its number of values).
    pub fn pick(c: [u32; 7]) -> Knobs {
        Knobs {
            suppress_after_ignore: c[0] % 2 == 1,
            ban_after_reports: c[1] % 3,
            daily_request_limit: c[2] % 3,
            follow_up_limit: c[3] % 2,
            spam_filter_threshold: if c[4].is_multiple_of(2) { 1.0 } else { 0.5 },
            spam_filter_context: c[4] % 4 == 3,
            // The gate is off in one policy of eight: it short-cuts most rules.
            requests_enabled: !c[5].is_multiple_of(8),
            bulk_threshold: 1 + c[6] % 2,
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            requests_enabled: self.requests_enabled,
            follow_up_limit: self.follow_up_limit,
            after_ignore: if self.suppress_after_ignore {
                AfterIgnore::Suppress
            } else {
                AfterIgnore::NewRequest
            },
            ban_after_reports: self.ban_after_reports,
            spam_filter_threshold: self.spam_filter_threshold,
            spam_filter_context: self.spam_filter_context,
            daily_request_limit: self.daily_request_limit,
            bulk_threshold: self.bulk_threshold,
        }
    }
}

/// SplitMix64: a tiny seeded generator, stable across platforms and versions.
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn knobs(&mut self) -> Knobs {
        Knobs::pick(std::array::from_fn(|_| self.next_u64() as u32))
    }

    /// A step among the first `n` members.
    pub fn step(&mut self, n: usize) -> Step {
        Step::pick_among(
            n,
            self.below(n as u64) as usize,
            self.below(u64::from(ACTION_WEIGHT)) as u32,
            self.below(n as u64 - 1) as usize,
            self.below(TEXTS.len() as u64) as usize,
        )
    }

    /// `min..=max` steps among the first `n` members.
    pub fn steps(&mut self, n: usize, min: usize, max: usize) -> Vec<Step> {
        let len = min + self.below((max - min + 1) as u64) as usize;
        (0..len).map(|_| self.step(n)).collect()
    }
}

pub fn arb_knobs() -> impl Strategy<Value = Knobs> {
    prop::array::uniform7(any::<u32>()).prop_map(Knobs::pick)
}

pub fn arb_step() -> BoxedStrategy<Step> {
    (
        0..MEMBERS.len(),
        0..ACTION_WEIGHT,
        0..MEMBERS.len() - 1,
        0..TEXTS.len(),
    )
        .prop_map(|(a, w, o, t)| Step::pick(a, w, o, t))
        .boxed()
}

pub fn arb_steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(arb_step(), 1..max)
}

impl Knobs {
    /// The same policy as `--set` arguments for the binary.
    pub fn set_args(&self) -> Vec<String> {
        let p = self.policy();
        let after_ignore = if self.suppress_after_ignore {
            "suppress"
        } else {
            "new_request"
        };
        [
            format!("policy.requests_enabled={}", p.requests_enabled),
            format!("policy.follow_up_limit={}", p.follow_up_limit),
            format!("policy.after_ignore={after_ignore}"),
            format!("policy.ban_after_reports={}", p.ban_after_reports),
            format!("policy.spam_filter_threshold={:?}", p.spam_filter_threshold),
            format!("policy.daily_request_limit={}", p.daily_request_limit),
            format!("policy.bulk_threshold={}", p.bulk_threshold),
        ]
        .into_iter()
        .flat_map(|kv| ["--set".to_string(), kv])
        .collect()
    }
}
