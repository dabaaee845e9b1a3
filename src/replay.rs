//! Scripted actions through the policy engine (CONTRACT section 3): the
//! library side of `msgpolicy replay`. Streams: one row in, one row out.

use crate::analyzer::{Analyzer, Hints, RuleSet};
use crate::engine::{Decision, Engine, MemberId, Message, Policy};
use crate::error::{csv_error, InputError};
use crate::message::text_hash;
use rustc_hash::FxHashMap;
use std::io::{Read, Write};

macro_rules! actions {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// One scripted action.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action { $($variant,)* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];
            pub const fn name(self) -> &'static str { match self { $(Action::$variant => $name,)* } }
            pub fn parse(s: &str) -> Option<Action> { match s { $($name => Some(Action::$variant),)* _ => None } }
        }
    };
}

actions! {
    Page => "page",
    Connect => "connect",
    RequestsOff => "requests_off",
    RequestsOn => "requests_on",
    Send => "send",
    Accept => "accept",
    Ignore => "ignore",
    Delete => "delete",
    Block => "block",
    Report => "report",
    ViewProfile => "view_profile",
    NextDay => "next_day",
}

impl Action {
    /// Actions that act on another member.
    pub fn needs_target(self) -> bool {
        !matches!(
            self,
            Action::Page | Action::RequestsOff | Action::RequestsOn | Action::NextDay
        )
    }

    fn expected_list() -> String {
        Action::ALL
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Member names to dense ids; a member exists from its first mention.
#[derive(Default, Debug)]
pub struct Interner {
    ids: FxHashMap<Box<str>, MemberId>,
}

impl Interner {
    fn id(&mut self, name: &str, engine: &mut Engine) -> MemberId {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = engine.add_member();
        self.ids.insert(name.into(), id);
        id
    }
}

/// The engine plus what replay needs around it: names, the analyzer, and
/// the analyzer's reading of recent texts (scripts repeat their texts).
pub struct Replayer {
    engine: Engine,
    analyzer: Analyzer,
    names: Interner,
    texts: FxHashMap<u64, RuleSet>,
}

/// Texts remembered at most; the memory starts afresh past it.
const TEXTS_KEPT: usize = 1 << 16;

impl Replayer {
    pub fn new(policy: Policy, analyzer: Analyzer) -> Self {
        Replayer {
            engine: Engine::new(policy, 0),
            analyzer,
            names: Interner::default(),
            texts: FxHashMap::default(),
        }
    }

    /// Applies one action. `target` is ignored by actions without one.
    pub fn apply(&mut self, actor: &str, action: Action, target: &str, text: &str) -> Decision {
        if action == Action::NextDay {
            return self.engine.next_day();
        }
        let a = self.names.id(actor, &mut self.engine);
        let t = if action.needs_target() {
            self.names.id(target, &mut self.engine)
        } else {
            a
        };
        let e = &mut self.engine;
        match action {
            Action::Page => e.make_page(a),
            Action::Connect => e.connect(a, t),
            Action::RequestsOff => e.set_requests(a, false),
            Action::RequestsOn => e.set_requests(a, true),
            Action::Send => {
                let hash = text_hash(text);
                if self.texts.len() >= TEXTS_KEPT {
                    self.texts.clear();
                }
                let analyzer = &self.analyzer;
                let content = *self
                    .texts
                    .entry(hash)
                    .or_insert_with(|| analyzer.analyze_content(text));
                let hints = Hints {
                    recipient_name: Some(target),
                    ..Hints::default()
                };
                let read = analyzer.with_hints(content, text, &hints);
                let message = Message {
                    sender: a,
                    recipient: t,
                    text_hash: hash,
                    static_connection: false,
                    tag: 0,
                };
                e.send(&message, |ctx| analyzer.finish(&read, ctx).score())
                    .0
            }
            Action::Accept => e.accept(a, t).0,
            Action::Ignore => e.dismiss(a, t, false).0,
            Action::Delete => e.dismiss(a, t, true).0,
            Action::Block => e.block(a, t).0,
            Action::Report => {
                let (decision, ban_due) = e.report(a, t);
                if ban_due {
                    e.ban(t);
                }
                decision
            }
            Action::ViewProfile => e.view_profile(a, t, false),
            Action::NextDay => unreachable!("handled above"),
        }
    }
}

/// Column positions of the replay input.
struct Columns {
    actor: usize,
    action: usize,
    target: Option<usize>,
    text: Option<usize>,
}

impl Columns {
    fn find(source: &str, header: &csv::StringRecord) -> Result<Self, InputError> {
        let pos = |name: &str| header.iter().position(|h| h.trim() == name);
        let required = |name: &str| {
            pos(name).ok_or_else(|| {
                InputError::new(
                    source,
                    format!("the header has no `{name}` column, expected actor,action,target,text"),
                )
                .at_line(1)
            })
        };
        Ok(Columns {
            actor: required("actor")?,
            action: required("action")?,
            target: pos("target"),
            text: pos("text"),
        })
    }
}

/// Streams a replay: reads action rows from `input`, writes each row with
/// `outcome,rule,notify,violations` appended to `output`.
pub fn replay<R: Read, W: Write>(
    source: &str,
    input: R,
    output: W,
    replayer: &mut Replayer,
) -> anyhow::Result<u64> {
    let (input, quotes) = crate::csvin::counting(input);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(output);
    let header = reader.headers().map_err(|e| csv_error(source, &e))?.clone();
    let cols = Columns::find(source, &header)?;
    let mut out_header = header.clone();
    for extra in ["outcome", "rule", "notify", "violations"] {
        out_header.push_field(extra);
    }
    writer.write_record(&out_header)?;

    let mut record = csv::StringRecord::new();
    let mut out = csv::StringRecord::new();
    let mut rows = 0u64;
    let mut last_line = 1;
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(source, &e))?
    {
        let line = record.position().map_or(0, |p| p.line());
        last_line = line;
        let field = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("");
        let actor = field(Some(cols.actor));
        let action_name = field(Some(cols.action));
        let target = field(cols.target);
        let Some(action) = Action::parse(action_name.trim()) else {
            return Err(InputError::new(
                source,
                format!(
                    "unknown action `{action_name}` in column `action`, expected one of {}",
                    Action::expected_list()
                ),
            )
            .at_line(line)
            .into());
        };
        if action != Action::NextDay && actor.is_empty() {
            return Err(InputError::new(
                source,
                format!("`{action_name}` has an empty `actor`, expected a member id"),
            )
            .at_line(line)
            .into());
        }
        if action.needs_target() && target.is_empty() {
            return Err(InputError::new(
                source,
                format!("`{action_name}` has an empty `target`, expected a member id"),
            )
            .at_line(line)
            .into());
        }
        let decision = replayer.apply(actor, action, target, field(cols.text));
        out.clone_from(&record);
        out.push_field(decision.outcome.name());
        out.push_field(decision.rule.name());
        out.push_field(decision.notify.name());
        out.push_field(&decision.violations.to_names());
        writer.write_record(&out)?;
        rows += 1;
    }
    quotes.balanced(source, last_line)?;
    writer.flush()?;
    Ok(rows)
}
