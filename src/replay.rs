//! Scripted actions through the policy engine (CONTRACT section 3): the
//! library side of `msgpolicy replay`. Streams: one row in, one row out.

use crate::analyzer::{Analyzer, Hints, RuleSet, TextAnalysis};
use crate::engine::{Decision, Engine, MemberId, Message, Policy, WARM_AHEAD, WARM_TAB_AHEAD};
use crate::error::{csv_error, InputError};
use crate::message::text_hash;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::io::{Read, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

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
///
/// Short names (up to 15 bytes, like `m12345`) are kept inline as one
/// integer key (the bytes and the length), so a lookup is one hash of a
/// number with no string compare; longer names go to a map of strings.
#[derive(Default, Debug)]
pub struct Interner {
    short: FxHashMap<[u64; 2], MemberId>,
    long: FxHashMap<Box<[u8]>, MemberId>,
}

impl Interner {
    fn id(&mut self, name: &[u8], engine: &mut Engine) -> MemberId {
        let (id, new) = self.assign(name);
        if new {
            let added = engine.add_member();
            assert_eq!(added, id, "the interner names every member of the engine");
        }
        id
    }

    /// Names so far (and so the engine's members).
    fn len(&self) -> MemberId {
        (self.short.len() + self.long.len()) as MemberId
    }

    /// The id of `name`, and whether it is new. A new name gets the next id,
    /// which is the engine's next member: every member of the replay's
    /// engine comes from here, in order, so the caller adds it (see [`Interner::id`]).
    fn assign(&mut self, name: &[u8]) -> (MemberId, bool) {
        let next = self.len();
        if name.len() < 16 {
            let mut key = [0u8; 16];
            key[..name.len()].copy_from_slice(name);
            key[15] = name.len() as u8;
            let key = u128::from_le_bytes(key);
            let key = [key as u64, (key >> 64) as u64];
            match self.short.entry(key) {
                Entry::Occupied(e) => (*e.get(), false),
                Entry::Vacant(e) => (*e.insert(next), true),
            }
        } else {
            match self.long.get(name) {
                Some(id) => (*id, false),
                None => {
                    self.long.insert(name.into(), next);
                    (next, true)
                }
            }
        }
    }
}

/// The analyzer's reading of a message's text before the engine's context:
/// the text's hash and the text and hint rules that fired.
#[derive(Clone, Copy, Debug, Default)]
struct TextRead {
    hash: u64,
    read: TextAnalysis,
}

/// Reads the text of a `send` to `target`, remembering the text-only part
/// by text hash (`texts` starts afresh past [`TEXTS_KEPT`]).
fn read_text(
    analyzer: &Analyzer,
    texts: &mut FxHashMap<u64, RuleSet>,
    target: &str,
    text: &str,
) -> TextRead {
    let hash = text_hash(text);
    if texts.len() >= TEXTS_KEPT {
        texts.clear();
    }
    let content = *texts
        .entry(hash)
        .or_insert_with(|| analyzer.analyze_content(text));
    let hints = Hints {
        recipient_name: Some(target),
        ..Hints::default()
    };
    TextRead {
        hash,
        read: analyzer.with_hints(content, text, &hints),
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
        let read = if action == Action::Send {
            read_text(&self.analyzer, &mut self.texts, target, text)
        } else {
            TextRead::default()
        };
        let (a, t) = if action == Action::NextDay {
            (0, 0)
        } else {
            let a = self.names.id(actor.as_bytes(), &mut self.engine);
            let t = if action.needs_target() {
                self.names.id(target.as_bytes(), &mut self.engine)
            } else {
                a
            };
            (a, t)
        };
        apply_ids(&mut self.engine, &self.analyzer, a, action, t, &read)
    }
}

/// Applies one action of members `a` (actor) and `t` (target, or `a` for
/// actions without one) whose text (for a `send`) is already read.
fn apply_ids(
    e: &mut Engine,
    analyzer: &Analyzer,
    a: MemberId,
    action: Action,
    t: MemberId,
    text: &TextRead,
) -> Decision {
    match action {
        Action::Page => e.make_page(a),
        Action::Connect => e.connect(a, t),
        Action::RequestsOff => e.set_requests(a, false),
        Action::RequestsOn => e.set_requests(a, true),
        Action::Send => {
            let message = Message {
                sender: a,
                recipient: t,
                text_hash: text.hash,
                static_connection: false,
                tag: 0,
            };
            e.send(&message, |ctx| analyzer.finish(&text.read, ctx).score())
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
        Action::NextDay => e.next_day(),
    }
}

/// The two steps of [`warm`], taken [`WARM_AHEAD`] and [`WARM_TAB_AHEAD`]
/// rows ahead: on a large network each action waits on a few random memory
/// loads, and starting them early overlaps the waits (as the simulator does).
#[derive(Clone, Copy)]
enum Step {
    Pair,
    Tab,
}

/// Starts loading what applying `row` will read: the pair of its two
/// members and the request tab involved (the recipient's for a send, the
/// actor's for an answer). Rows naming members the engine does not have
/// yet (`members` so far; they are added when their row comes) are left.
fn warm(engine: &Engine, row: &Row, members: MemberId, step: Step) {
    let (a, t) = (row.actor, row.target);
    if a >= members || t >= members {
        return;
    }
    let (sender, recipient) = match row.action {
        Action::Send => (a, t),
        Action::Accept | Action::Ignore | Action::Delete | Action::Block => (t, a),
        _ => return,
    };
    match (step, row.action) {
        (Step::Pair, Action::Send) => engine.warm_message(&Message {
            sender,
            recipient,
            text_hash: row.text.hash,
            static_connection: false,
            tag: 0,
        }),
        (Step::Pair, _) => engine.warm(sender, recipient),
        (Step::Tab, _) => engine.warm_tab(recipient),
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

/// Appends `field` as the `csv` writer would write it (quote style
/// `Necessary`, `"` doubled inside quotes, `\n` terminator): quoted when it
/// holds a `,`, a `"`, a `\r` or a `\n`.
fn push_csv_field(out: &mut Vec<u8>, field: &[u8]) {
    let needs_quotes = field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'));
    if !needs_quotes {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for part in field.split_inclusive(|b| *b == b'"') {
        out.extend_from_slice(part);
        if part.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Rows per batch handed from the reading thread to the engine's.
const BATCH_ROWS: usize = 2048;
/// Batches in flight between the two threads.
const BATCHES_AHEAD: usize = 4;

/// One row, read and checked, waiting for the engine.
#[derive(Clone, Copy, Debug)]
struct Row {
    action: Action,
    /// End of the row's output before the appended columns, in `Batch::out`.
    out_end: usize,
    /// The members (`target` is `actor` for actions without one), and how
    /// many members the row adds to the engine first (their ids follow the
    /// engine's members in order).
    actor: MemberId,
    target: MemberId,
    new_members: u8,
    text: TextRead,
}

/// Rows read in input order, and how the input went on after them.
#[derive(Default)]
struct Batch {
    /// Output bytes: `head` bytes to write as they are (the header line),
    /// then each row's input fields as CSV, each ending with a `,`.
    out: Vec<u8>,
    head: usize,
    rows: Vec<Row>,
    /// `Some` on the last batch: the input's end, or the error that stops it
    /// (it comes after this batch's rows).
    end: Option<anyhow::Result<()>>,
}

impl Batch {
    fn clear(&mut self) {
        self.out.clear();
        self.head = 0;
        self.rows.clear();
        self.end = None;
    }
}

/// The reading side: parses and checks the rows, reads the texts, and sends
/// them on in batches; stops at the first bad row (sending the error) or
/// when the other side hangs up.
struct Reading<'a> {
    source: &'a str,
    analyzer: &'a Analyzer,
    texts: &'a mut FxHashMap<u64, RuleSet>,
    names: &'a mut Interner,
    full: SyncSender<Batch>,
    empty: Receiver<Batch>,
}

impl Reading<'_> {
    fn fresh(&self) -> Batch {
        match self.empty.try_recv() {
            Ok(mut batch) => {
                batch.clear();
                batch
            }
            Err(_) => Batch::default(),
        }
    }

    fn run<R: Read>(mut self, input: R) {
        let mut batch = self.fresh();
        let end = self.read(input, &mut batch);
        batch.end = Some(end);
        let _ = self.full.send(batch);
    }

    /// Reads everything, sending full batches; returns how the input ended
    /// (the rows before it are left in `batch`).
    fn read<R: Read>(&mut self, input: R, batch: &mut Batch) -> anyhow::Result<()> {
        let source = self.source;
        let (input, quotes) = crate::csvin::counting(input);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(input);
        let header = reader.headers().map_err(|e| csv_error(source, &e))?.clone();
        let cols = Columns::find(source, &header)?;
        for field in header.iter() {
            push_csv_field(&mut batch.out, field.as_bytes());
            batch.out.push(b',');
        }
        batch
            .out
            .extend_from_slice(b"outcome,rule,notify,violations\n");
        batch.head = batch.out.len();

        let mut record = csv::StringRecord::new();
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
            let text = if action == Action::Send {
                read_text(self.analyzer, self.texts, target, field(cols.text))
            } else {
                TextRead::default()
            };
            for f in record.iter() {
                push_csv_field(&mut batch.out, f.as_bytes());
                batch.out.push(b',');
            }
            let (mut actor_id, mut target_id, mut new_members) = (0, 0, 0);
            if action != Action::NextDay {
                let (a, new) = self.names.assign(actor.as_bytes());
                new_members += u8::from(new);
                (actor_id, target_id) = (a, a);
                if action.needs_target() {
                    let (t, new) = self.names.assign(target.as_bytes());
                    new_members += u8::from(new);
                    target_id = t;
                }
            }
            batch.rows.push(Row {
                action,
                out_end: batch.out.len(),
                actor: actor_id,
                target: target_id,
                new_members,
                text,
            });
            if batch.rows.len() == BATCH_ROWS {
                let next = self.fresh();
                if self.full.send(std::mem::replace(batch, next)).is_err() {
                    // The engine's side stopped (it reports why).
                    return Ok(());
                }
            }
        }
        quotes.balanced(source, last_line)?;
        Ok(())
    }
}

/// Streams a replay: reads action rows from `input`, writes each row with
/// `outcome,rule,notify,violations` appended to `output`.
///
/// The input is read, checked and its texts analyzed on a second thread,
/// a batch of rows ahead of the engine; rows reach the engine and the output
/// in input order, and a bad row stops the replay after the rows before it,
/// as if it were read row by row.
pub fn replay<R: Read + Send, W: Write>(
    source: &str,
    input: R,
    mut output: W,
    replayer: &mut Replayer,
) -> anyhow::Result<u64> {
    let Replayer {
        engine,
        analyzer,
        names,
        texts,
    } = replayer;
    let analyzer: &Analyzer = analyzer;
    // The engine's members so far (each one named in `names`).
    let mut members = names.len();
    let (full_tx, full_rx) = sync_channel::<Batch>(BATCHES_AHEAD);
    let (empty_tx, empty_rx) = channel::<Batch>();
    let result = std::thread::scope(|scope| {
        let reading = Reading {
            source,
            analyzer,
            texts,
            names: &mut *names,
            full: full_tx,
            empty: empty_rx,
        };
        scope.spawn(move || reading.run(input));

        // Owned here, so that returning early hangs up on the reading side.
        let full_rx = full_rx;
        let mut rows = 0u64;
        let mut buf = Vec::with_capacity(1 << 16);
        let mut violations = String::new();
        // Ends when the reading side has sent its last batch, or hung up
        // (it can only panic then, which the scope passes on).
        for batch in full_rx.iter() {
            buf.clear();
            buf.extend_from_slice(&batch.out[..batch.head]);
            let mut out_at = batch.head;
            for (i, row) in batch.rows.iter().enumerate() {
                if let Some(ahead) = batch.rows.get(i + WARM_AHEAD) {
                    warm(engine, ahead, members, Step::Pair);
                }
                if let Some(ahead) = batch.rows.get(i + WARM_TAB_AHEAD) {
                    warm(engine, ahead, members, Step::Tab);
                }
                for _ in 0..row.new_members {
                    let id = engine.add_member();
                    assert_eq!(id, members, "the interner names every member of the engine");
                    members += 1;
                }
                let decision = apply_ids(
                    engine, analyzer, row.actor, row.action, row.target, &row.text,
                );
                buf.extend_from_slice(&batch.out[out_at..row.out_end]);
                out_at = row.out_end;
                push_csv_field(&mut buf, decision.outcome.name().as_bytes());
                buf.push(b',');
                push_csv_field(&mut buf, decision.rule.name().as_bytes());
                buf.push(b',');
                push_csv_field(&mut buf, decision.notify.name().as_bytes());
                buf.push(b',');
                violations.clear();
                for v in decision.violations.iter() {
                    if !violations.is_empty() {
                        violations.push(';');
                    }
                    violations.push_str(v.name());
                }
                push_csv_field(&mut buf, violations.as_bytes());
                buf.push(b'\n');
            }
            rows += batch.rows.len() as u64;
            output.write_all(&buf)?;
            if let Some(end) = batch.end {
                end?;
                output.flush()?;
                return Ok(rows);
            }
            let _ = empty_tx.send(batch);
        }
        // The reading side stopped without a last batch: it panicked, and
        // the scope passes the panic on.
        Err(anyhow::anyhow!("{source}: the reading thread stopped"))
    });
    // A failed write leaves names read ahead of the engine: their members
    // are added, so that the replayer stays whole.
    while members < names.len() {
        members = engine.add_member() + 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the `csv` writer replay used to write with makes of `fields`.
    fn csv_writer(fields: &[Vec<u8>]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(fields).unwrap();
        w.into_inner().unwrap()
    }

    fn ours(fields: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_csv_field(&mut out, f);
        }
        out.push(b'\n');
        out
    }

    #[test]
    fn fields_are_quoted_as_the_csv_writer_quotes_them() {
        let fields: Vec<Vec<u8>> = [
            "",
            "a",
            "a,b",
            "\"",
            "\"\"",
            "say \"hi\"",
            "\r",
            "\n",
            "x\r\ny",
            " a ",
            "#",
            "'",
            "é,\"",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for f in &fields {
            let row = vec![f.clone(), b"x".to_vec()];
            assert_eq!(ours(&row), csv_writer(&row), "{f:?}");
        }
        assert_eq!(ours(&fields), csv_writer(&fields));
    }

    proptest! {
        #[test]
        fn random_fields_are_written_as_the_csv_writer_writes_them(
            fields in prop::collection::vec(
                prop::collection::vec(prop::sample::select(b"ab ,\"\r\n\t;#'".to_vec()), 0..12),
                2..6,
            )
        ) {
            prop_assert_eq!(ours(&fields), csv_writer(&fields));
        }
    }
}
