//! The log of one run's actions (`run --events`): every message attempt,
//! every answer applied, every report and every ban, in the order the engine
//! saw them, each with the rule that decided it, in the vocabulary of
//! `replay`'s output. Every count of the report can be traced to its rows.

use crate::behavior::IntentKind;
use crate::engine::{Decision, MemberId, Rule, Score};
use crate::population::Persona;
pub use crate::replay::Action as Scripted;

/// What was done: an action of `replay`'s vocabulary (send, accept,
/// ignore, delete, block, report), or a ban taking effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Scripted(Scripted),
    /// A sender reported by `ban_after_reports` members is banned at the end
    /// of the day (no target).
    Ban,
}

impl Action {
    pub const fn name(self) -> &'static str {
        match self {
            Action::Scripted(action) => action.name(),
            Action::Ban => "ban",
        }
    }
}

/// One row of the log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub day: u32,
    pub action: Action,
    pub actor: MemberId,
    /// The actor's persona (a measurement label, as in `by_persona.csv`).
    pub actor_persona: Persona,
    pub target: Option<MemberId>,
    /// Of a send: why it was written.
    pub kind: Option<IntentKind>,
    pub decision: Decision,
    /// Of a send: the analyzer's spam and quality scores.
    pub scores: Option<(f32, f32)>,
}

impl Event {
    /// A message attempt by `actor` to `target`, with the analyzer's scores.
    pub fn send(
        day: u32,
        (actor, actor_persona): (MemberId, Persona),
        target: MemberId,
        kind: IntentKind,
        decision: Decision,
        score: &Score,
    ) -> Self {
        Event {
            day,
            action: Action::Scripted(Scripted::Send),
            actor,
            actor_persona,
            target: Some(target),
            kind: Some(kind),
            decision,
            scores: Some((score.spam_score as f32, score.quality_score as f32)),
        }
    }

    /// A ban taking effect (it follows from the report rule's threshold).
    pub fn ban(day: u32, member: MemberId, persona: Persona) -> Self {
        Event {
            day,
            action: Action::Ban,
            actor: member,
            actor_persona: persona,
            target: None,
            kind: None,
            decision: Decision::ok(Rule::Report),
            scores: None,
        }
    }

    /// An answer or a report by `actor` on `target`'s request.
    pub fn answer(
        day: u32,
        action: Scripted,
        (actor, actor_persona): (MemberId, Persona),
        target: MemberId,
        decision: Decision,
    ) -> Self {
        Event {
            day,
            action: Action::Scripted(action),
            actor,
            actor_persona,
            target: Some(target),
            kind: None,
            decision,
            scores: None,
        }
    }
}

/// Bytes one event takes while a run holds its log, and while the log is
/// written out as a table (for the memory estimate; measured on the
/// baseline at 100,000 members: 1.36 million events, 309 MiB more at peak).
pub const BYTES_PER_EVENT: u64 = (std::mem::size_of::<Event>() as u64) + 200;
