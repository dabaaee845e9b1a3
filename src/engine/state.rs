//! The engine's memory and the effect of every action on it.
//!
//! Members are dense `u32` ids. Per-member flags and counters live in flat
//! vectors; what concerns a pair of members (connection made or severed,
//! thread, blocks, ignores, unanswered messages in each direction) lives in
//! one small [`Pair`] record keyed by the unordered pair, so a decision costs
//! one hash probe; pending requests are listed per recipient (a recipient's
//! request tab), because recipients walk them every day.
//!
//! Static connections (the simulator's graph) are passed in with each message
//! instead of being copied in here: the graph stays compact and read-only.

use super::policy::Policy;
use super::rules::{decide_send, Notify, Outcome, Pending, Rule, SendFacts, SendVerdict};
use super::table::{in_member_order, mix, Key, Order, Table};
use crate::message::{Score, SendContext};
use crate::prefetch::{prefetch, prefetch_write};
use crate::tabs::Tabs;
use crate::violation::{Violation, Violations};
use rustc_hash::{FxHashMap, FxHashSet};

/// A member's dense id.
pub type MemberId = u32;

const PAGE: u8 = 1;
const REQUESTS_OFF: u8 = 2;
const BANNED: u8 = 4;

/// Pair bits that do not depend on direction.
const CONNECTED: u16 = 1;
/// A static (graph) connection removed by a block.
const SEVERED: u16 = 2;
const THREAD: u16 = 4;
/// Directional bits, shifted left by the direction (0: low id -> high id,
/// 1: high id -> low id). `BLOCKS << d`: the sender side of d blocked the other.
const BLOCKS: u16 = 8;
/// `IGNORED << d`: the recipient side ignored/deleted a request of the sender
/// side and has not answered since.
const IGNORED: u16 = 32;
/// `PENDING << d`: a request in direction d is pending (mirrors the
/// recipient's request tab, so decisions need not search it).
const PENDING: u16 = 128;
/// `FILTERED << d`: that pending request sits in the filtered folder.
const FILTERED: u16 = 512;

/// What the engine remembers of one pair of members.
#[derive(Clone, Copy, Debug, Default)]
struct Pair {
    bits: u16,
    /// Messages in direction d not answered yet.
    unanswered: [u16; 2],
}

/// A pair of members, unordered: `low id << 32 | high id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct PairKey(u64);

impl PairKey {
    fn of(a: MemberId, b: MemberId) -> Self {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        PairKey((u64::from(lo) << 32) | u64::from(hi))
    }
}

impl Key for PairKey {
    /// A member's pair with itself at the largest id, which no network reaches
    /// (ids are dense and counted in `u32`).
    const VACANT: Self = PairKey(u64::MAX);

    /// By one of the two ids, which one decided by the pair's hash (see
    /// [`in_member_order`]): a send or an answer finds its record near
    /// those of the members before it half of the time, and every member's
    /// part holds about half of its pairs. (By the lower id alone, parts of
    /// low ids would hold more: the lower of two random ids is more often
    /// low, and those parts crowd.)
    fn place(self, order: Option<Order>) -> u64 {
        let mixed = mix(self.0);
        let Some(order) = order else {
            return mixed;
        };
        let (lo, hi) = ((self.0 >> 32) as u32, self.0 as u32);
        // A middle bit: the top ones choose the spot in the owner's part.
        let owner = if (mixed >> 32) & 1 == 0 { lo } else { hi };
        in_member_order(owner, mixed, order)
    }

    fn holds_for(self, _: Self) -> bool {
        self != Self::VACANT
    }
}

/// What an answer does to its pair's record: bits cleared, then bits set,
/// and the unanswered count of some directions reset. An answer's change
/// is a value so that it can be applied at once or queued
/// ([`Engine::queue_pair_updates`]): it never depends on the record.
#[derive(Clone, Copy, Debug)]
pub struct PairUpdate {
    key: PairKey,
    clear: u16,
    set: u16,
    /// Bit d: reset `unanswered[d]`.
    reset_unanswered: u8,
}

impl PairUpdate {
    /// Changes the pair's record (made if there is none).
    fn apply(&self, pairs: &mut Table<PairKey, Pair>) {
        let p = pairs.entry(self.key);
        p.bits = (p.bits & !self.clear) | self.set;
        for d in 0..2 {
            if self.reset_unanswered >> d & 1 != 0 {
                p.unanswered[d] = 0;
            }
        }
    }
}

/// The engine's pair records, taken out while answers queue their updates
/// (see [`Engine::queue_pair_updates`]).
#[derive(Debug)]
pub struct PairRecords(Table<PairKey, Pair>);

impl PairRecords {
    /// Applies updates in order, each record loaded [`WARM_AHEAD`] updates
    /// ahead.
    pub fn apply(&mut self, updates: &[PairUpdate]) {
        for (i, u) in updates.iter().enumerate() {
            if let Some(next) = updates.get(i + WARM_AHEAD) {
                prefetch_write(self.0.home(next.key));
            }
            u.apply(&mut self.0);
        }
    }
}

/// One sender's text on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TextKey {
    text_hash: u64,
    sender: MemberId,
    day: u32,
}

impl Key for TextKey {
    const VACANT: Self = TextKey {
        text_hash: 0,
        sender: 0,
        day: u32::MAX,
    };

    /// By the sender (see [`in_member_order`]): a day's sends, sender by
    /// sender, sweep the table once for the replies and once for the new
    /// messages.
    fn place(self, order: Option<Order>) -> u64 {
        let mixed = mix(self.text_hash ^ u64::from(self.sender).rotate_left(29));
        order.map_or(mixed, |order| in_member_order(self.sender, mixed, order))
    }

    /// Records of earlier days leave their slots free.
    fn holds_for(self, probe: Self) -> bool {
        self.day == probe.day
    }
}

/// Today's use of one text by one sender: how many distinct recipients.
#[derive(Clone, Copy, Debug, Default)]
struct TextUse {
    count: u32,
    first: MemberId,
    /// 1 + index in [`TodayTexts::later`] of the recipients after the first
    /// (0: none yet).
    later: u32,
}

/// Today's (sender, text) -> distinct recipients, for `bulk`. Recipients are
/// remembered only while the count could still cross the bulk threshold;
/// past it every further send of the text is bulk anyway.
#[derive(Clone, Debug)]
struct TodayTexts {
    uses: Table<TextKey, TextUse>,
    later: Vec<Vec<MemberId>>,
    threshold: u32,
}

impl TodayTexts {
    fn new(threshold: u32, members: usize) -> Self {
        TodayTexts {
            uses: Table::ordered(members as u64),
            later: Vec::new(),
            threshold,
        }
    }

    fn counted(&self, u: &TextUse, r: MemberId) -> bool {
        u.count > self.threshold
            || (u.count > 0 && u.first == r)
            || (u.later > 0 && self.later[u.later as usize - 1].contains(&r))
    }

    /// The distinct-recipient count if the text also went to `r`.
    fn with(&self, key: TextKey, r: MemberId) -> u32 {
        self.count_with(self.uses.get(key), r)
    }

    /// The distinct-recipient count of a text with this record if it also
    /// went to `r`.
    fn count_with(&self, used: Option<&TextUse>, r: MemberId) -> u32 {
        used.map_or(1, |u| u.count + u32::from(!self.counted(u, r)))
    }

    /// Counts `r` as a recipient of the text whose record is (or goes) at
    /// `slot` of the table (see [`Table::slot`]).
    fn add_at(&mut self, slot: usize, key: TextKey, r: MemberId) {
        let u = self.uses.at(slot, key).copied().unwrap_or_default();
        if self.counted(&u, r) {
            return;
        }
        let mut u = TextUse {
            count: u.count + 1,
            ..u
        };
        if u.count == 1 {
            u.first = r;
        } else if u.count <= self.threshold {
            if u.later == 0 {
                self.later.push(Vec::new());
                u.later = self.later.len() as u32;
            }
            self.later[u.later as usize - 1].push(r);
        }
        self.uses.set(slot, key, u);
    }

    fn next_day(&mut self) {
        self.uses.retire_all();
        self.later.clear();
    }
}

/// One request in a recipient's request tab (visible or filtered).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PendingRequest {
    pub sender: MemberId,
    /// Day the request was opened.
    pub opened_day: u32,
    /// Messages in it (the opening one and follow-ups).
    pub messages: u32,
    /// In the hidden filtered folder.
    pub filtered: bool,
    /// The analyzer's scores of the opening message (spam: of its text alone,
    /// as a reader judges it without knowing who else got it).
    pub spam_score: f32,
    pub quality_score: f32,
    /// Content violations over all its messages.
    pub content: Violations,
    /// The caller's label for the opening text (the simulator's visible topic).
    pub tag: u32,
}

/// One message handed to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub sender: MemberId,
    pub recipient: MemberId,
    /// Identifies the text, for counting today's recipients of the same text (`bulk`).
    pub text_hash: u64,
    /// The two are connected in a graph the caller owns (the simulator's).
    pub static_connection: bool,
    /// Kept with the request it opens (see [`PendingRequest::tag`]).
    pub tag: u32,
}

/// The engine's answer to one action: what happened, which rule decided it,
/// who is told, and which etiquette violations it carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decision {
    pub outcome: Outcome,
    pub rule: Rule,
    pub notify: Notify,
    pub violations: Violations,
}

impl Decision {
    fn of(outcome: Outcome, rule: Rule, notify: Notify) -> Self {
        Decision {
            outcome,
            rule,
            notify,
            violations: Violations::NONE,
        }
    }

    /// Done, as `rule` says, nobody told.
    pub fn ok(rule: Rule) -> Self {
        Decision::of(Outcome::Ok, rule, Notify::None)
    }

    fn error(rule: Rule) -> Self {
        Decision::of(Outcome::Error, rule, Notify::None)
    }
}

/// The state of a messaging network under one policy.
#[derive(Clone, Debug)]
pub struct Engine {
    policy: Policy,
    day: u32,
    flags: Vec<u8>,
    opened_today: Vec<u32>,
    pairs: Table<PairKey, Pair>,
    /// While answers' pair updates are queued instead of applied (the
    /// records are out, in a [`PairRecords`]): the queue.
    queued: Option<Vec<PairUpdate>>,
    requests: Tabs<PendingRequest>,
    /// Requests pending over all tabs (kept as they open and close).
    pending: u64,
    reporters: FxHashMap<MemberId, FxHashSet<MemberId>>,
    texts: TodayTexts,
}

/// How many actions ahead a caller walking a batch calls [`Engine::warm`]
/// (or [`Engine::warm_message`]): far enough for the loads to arrive, near
/// enough for them to stay in cache (measured on a million members).
pub const WARM_AHEAD: usize = 16;

/// How many actions ahead it calls [`Engine::warm_tab`], which reads the
/// tab slot the earlier step loaded.
pub const WARM_TAB_AHEAD: usize = 6;

/// The pair bits a request in direction `d` leaves when it is taken out of
/// its tab.
fn taken(d: usize) -> u16 {
    (PENDING | FILTERED) << d
}

/// Direction index of a message from `from` to `to`.
fn dir(from: MemberId, to: MemberId) -> usize {
    usize::from(from > to)
}

impl Engine {
    /// An engine with `members` people (ids `0..members`), nothing between them.
    pub fn new(policy: Policy, members: usize) -> Self {
        Engine {
            day: 0,
            flags: vec![0; members],
            opened_today: vec![0; members],
            pairs: Table::ordered(members as u64),
            queued: None,
            requests: Tabs::new(members),
            pending: 0,
            reporters: FxHashMap::default(),
            texts: TodayTexts::new(policy.bulk_threshold, members),
            policy,
        }
    }

    /// Makes room for `pairs` member pairs up front (a large run then never
    /// pauses to rehash its pair table).
    pub fn reserve_pairs(&mut self, pairs: usize) {
        self.pairs.reserve(pairs);
    }

    /// Makes room for `texts` (sender, text) records a day up front. Both
    /// tables are placed in member order, which needs them reserved: a
    /// table that fills up part by part (growing only when it is full as a
    /// whole) crowds its first parts and falls back to hashing.
    pub fn reserve_texts(&mut self, texts: usize) {
        self.texts.uses.reserve(texts);
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Adds a person and returns its id.
    pub fn add_member(&mut self) -> MemberId {
        let id = self.flags.len() as MemberId;
        self.flags.push(0);
        self.opened_today.push(0);
        self.requests.add();
        id
    }

    pub fn is_page(&self, m: MemberId) -> bool {
        self.flags[m as usize] & PAGE != 0
    }

    pub fn is_banned(&self, m: MemberId) -> bool {
        self.flags[m as usize] & BANNED != 0
    }

    pub fn requests_off(&self, m: MemberId) -> bool {
        self.flags[m as usize] & REQUESTS_OFF != 0
    }

    /// Requests pending in all request tabs together.
    pub fn pending_total(&self) -> u64 {
        self.pending
    }

    /// The recipient's request tab: visible and filtered pending requests.
    pub fn requests_of(&self, recipient: MemberId) -> &[PendingRequest] {
        self.requests.get(recipient)
    }

    fn pair(&self, a: MemberId, b: MemberId) -> Pair {
        assert!(self.queued.is_none(), "pair records read while out");
        self.pairs
            .get(PairKey::of(a, b))
            .copied()
            .unwrap_or_default()
    }

    fn pair_mut(&mut self, a: MemberId, b: MemberId) -> &mut Pair {
        assert!(self.queued.is_none(), "pair records written while out");
        self.pairs.entry(PairKey::of(a, b))
    }

    /// Applies an answer's change to its pair, or queues it.
    fn update_pair(&mut self, update: PairUpdate) {
        match &mut self.queued {
            Some(queue) => queue.push(update),
            None => update.apply(&mut self.pairs),
        }
    }

    /// From now on, answers (`accept`, `ignore`, `delete`, `block`) queue
    /// their changes to pair records instead of applying them, and the
    /// records are handed out: the simulator applies the queue on another
    /// thread, in order, while its answers go on (they read no pair record:
    /// whether a request is pending is in the recipient's tab). Nothing else
    /// may touch the engine's pairs until [`Engine::restore_pair_records`].
    pub fn queue_pair_updates(&mut self) -> PairRecords {
        self.queued = Some(Vec::new());
        PairRecords(std::mem::replace(&mut self.pairs, Table::new()))
    }

    /// The pair updates queued since the last call, in order.
    pub fn queued_pair_updates(&mut self) -> Vec<PairUpdate> {
        self.queued.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Takes the records back once every queued update has been applied to
    /// them; answers apply their changes at once again.
    pub fn restore_pair_records(&mut self, records: PairRecords) {
        let queued = self.queued.take();
        assert!(
            queued.is_none_or(|q| q.is_empty()),
            "pair updates queued but not applied"
        );
        self.pairs = records.0;
    }

    /// Connected now: by a `connect`, or statically and not severed by a block.
    pub fn connected(&self, a: MemberId, b: MemberId, static_connection: bool) -> bool {
        let p = self.pair(a, b);
        p.bits & CONNECTED != 0 || (static_connection && p.bits & SEVERED == 0)
    }

    fn pending_index(&self, recipient: MemberId, sender: MemberId) -> Option<usize> {
        self.requests
            .get(recipient)
            .iter()
            .position(|r| r.sender == sender)
    }

    /// The context of a message from `sender` to `recipient` with this text,
    /// as the analyzer's context rules see it (read-only).
    pub fn send_context(
        &self,
        sender: MemberId,
        recipient: MemberId,
        text_hash: u64,
    ) -> SendContext {
        self.text_context(sender, recipient, &self.pair(sender, recipient), text_hash)
    }

    /// [`Engine::context`] with today's recipients of the text counted as if
    /// it also went to `recipient` (nothing recorded).
    fn text_context(
        &self,
        sender: MemberId,
        recipient: MemberId,
        p: &Pair,
        text_hash: u64,
    ) -> SendContext {
        let same_text = self.texts.with(self.text_key(sender, text_hash), recipient);
        self.context(sender, recipient, p, same_text)
    }

    fn context(
        &self,
        sender: MemberId,
        recipient: MemberId,
        p: &Pair,
        same_text_recipients: u32,
    ) -> SendContext {
        let d = dir(sender, recipient);
        SendContext {
            same_text_recipients,
            bulk_threshold: self.policy.bulk_threshold,
            unanswered: u32::from(p.unanswered[d]),
            after_ignore: p.bits & (IGNORED << d) != 0,
        }
    }

    fn text_key(&self, sender: MemberId, text_hash: u64) -> TextKey {
        TextKey {
            text_hash,
            sender,
            day: self.day,
        }
    }

    fn facts(&self, m: &Message, p: &Pair, spam_score: f64) -> SendFacts {
        let (s, r) = (m.sender, m.recipient);
        let d = dir(s, r);
        let back = 1 - d;
        SendFacts {
            sender_banned: self.is_banned(s),
            blocked: p.bits & (BLOCKS | BLOCKS << 1) != 0,
            sender_is_page: self.is_page(s),
            connected: p.bits & CONNECTED != 0 || (m.static_connection && p.bits & SEVERED == 0),
            open_thread: p.bits & THREAD != 0,
            recipient_request_visible: p.bits & (PENDING << back) != 0
                && p.bits & (FILTERED << back) == 0,
            recipient_requests_off: !self.is_page(r) && self.requests_off(r),
            pending: (p.bits & (PENDING << d) != 0).then(|| {
                if p.bits & (FILTERED << d) != 0 {
                    Pending::Filtered
                } else {
                    Pending::Visible
                }
            }),
            ignored_by_recipient: p.bits & (IGNORED << d) != 0,
            opened_today: self.opened_today[s as usize],
            spam_score,
        }
    }

    /// The score the spam filter reads, by the policy.
    fn filter_score(&self, scored: &Score) -> f64 {
        if self.policy.spam_filter_context {
            scored.spam_score
        } else {
            scored.text_spam_score
        }
    }

    /// Starts loading what an answer between `sender` and `recipient` (or a
    /// send, see [`Engine::warm_message`]) will touch, so that a caller
    /// walking a batch of them can overlap the memory waits of later ones
    /// with the current one (the waits are what a decision costs on a large
    /// network): their pair's record and the recipient's tab slot (its one
    /// request, or where its longer tab is). Call
    /// it [`WARM_AHEAD`] actions ahead, and [`Engine::warm_tab`]
    /// [`WARM_TAB_AHEAD`] ahead.
    pub fn warm(&self, sender: MemberId, recipient: MemberId) {
        prefetch_write(self.pairs.home(PairKey::of(sender, recipient)));
        self.warm_slot(recipient);
    }

    /// [`Engine::warm`] without the pair record: for answers while their
    /// pair updates are queued ([`Engine::queue_pair_updates`]).
    pub fn warm_slot(&self, recipient: MemberId) {
        self.requests.warm_slot(recipient);
    }

    /// The second step of [`Engine::warm`], a few messages later: starts
    /// loading the recipient's request tab itself, when it is longer than its
    /// slot holds (its address is known once the warmed slot has arrived).
    pub fn warm_tab(&self, recipient: MemberId) {
        self.requests.warm(recipient);
        prefetch(&self.flags[recipient as usize]);
    }

    /// [`Engine::warm`] for a message, with the sender's count of requests
    /// opened today and today's record of its text.
    pub fn warm_message(&self, m: &Message) {
        self.warm(m.sender, m.recipient);
        prefetch(&self.opened_today[m.sender as usize]);
        prefetch_write(self.texts.uses.home(self.text_key(m.sender, m.text_hash)));
    }

    /// What sending this message would do, without doing it (a dry run):
    /// the same rules on the same facts, nothing recorded.
    pub fn decide(&self, m: &Message, score: impl FnOnce(&SendContext) -> Score) -> Decision {
        let (s, r) = (m.sender, m.recipient);
        let p = self.pair(s, r);
        let ctx = self.text_context(s, r, &p, m.text_hash);
        let scored = score(&ctx);
        let facts = self.facts(m, &p, self.filter_score(&scored));
        let verdict = decide_send(&self.policy, &facts);
        let violations = if verdict.outcome == Outcome::Rejected {
            Violations::NONE
        } else {
            self.etiquette(&facts, &ctx).union(scored.content)
        };
        Decision {
            outcome: verdict.outcome,
            rule: verdict.rule,
            notify: verdict.notify,
            violations,
        }
    }

    /// Sends one message: gathers its context, asks `score` for the
    /// analyzer's verdict in that context, decides by the rules and applies
    /// the effects. Returns the decision and the score.
    pub fn send(
        &mut self,
        m: &Message,
        score: impl FnOnce(&SendContext) -> Score,
    ) -> (Decision, Score) {
        let (s, r) = (m.sender, m.recipient);
        let p = self.pair(s, r);
        // Today's recipients of this text (for `bulk`): one probe of the
        // table, read now and written once this recipient is counted.
        let text = self.text_key(s, m.text_hash);
        let text_slot = self.texts.uses.slot(text);
        let same_text = self
            .texts
            .count_with(self.texts.uses.at(text_slot, text), r);
        let ctx = self.context(s, r, &p, same_text);
        let scored = score(&ctx);
        self.texts.add_at(text_slot, text, r);
        let facts = self.facts(m, &p, self.filter_score(&scored));
        let verdict = decide_send(&self.policy, &facts);
        let mut violations = Violations::NONE;
        if verdict.outcome != Outcome::Rejected {
            violations = self.etiquette(&facts, &ctx).union(scored.content);
            self.apply_send(m, &scored, &verdict);
        }
        let decision = Decision {
            outcome: verdict.outcome,
            rule: verdict.rule,
            notify: verdict.notify,
            violations,
        };
        (decision, scored)
    }

    /// The etiquette violations of a send that was not rejected.
    fn etiquette(&self, facts: &SendFacts, ctx: &SendContext) -> Violations {
        let mut v = Violations::NONE;
        if !facts.connected {
            if ctx.unanswered > self.policy.follow_up_limit {
                v.insert(Violation::ExcessFollowUp);
            }
            if ctx.after_ignore {
                v.insert(Violation::MessageAfterIgnore);
            }
        }
        if ctx.is_bulk() {
            v.insert(Violation::Bulk);
        }
        v
    }

    fn apply_send(&mut self, m: &Message, scored: &Score, verdict: &SendVerdict) {
        let (s, r) = (m.sender, m.recipient);
        let d = dir(s, r);
        let day = self.day;
        let opens = verdict.opens_request();
        let filtered = verdict.outcome == Outcome::Filtered;
        {
            let p = self.pair_mut(s, r);
            p.unanswered[d] = p.unanswered[d].saturating_add(1);
            // S writing to R answers R: R's earlier messages and any ignore of R's requests.
            p.unanswered[1 - d] = 0;
            p.bits &= !(IGNORED << (1 - d));
            if verdict.opens_thread() {
                p.bits |= THREAD;
            }
            if opens {
                p.bits |= PENDING << d;
                if filtered {
                    p.bits |= FILTERED << d;
                }
            }
        }
        if verdict.rule == Rule::FollowUp {
            if let Some(i) = self.pending_index(r, s) {
                let q = &mut self.requests.get_mut(r)[i];
                q.messages += 1;
                q.content = q.content.union(scored.content);
            }
        } else if opens {
            self.opened_today[s as usize] += 1;
            self.pending += 1;
            self.requests.push(
                r,
                PendingRequest {
                    sender: s,
                    opened_day: day,
                    messages: 1,
                    filtered,
                    spam_score: scored.text_spam_score as f32,
                    quality_score: scored.quality_score as f32,
                    content: scored.content,
                    tag: m.tag,
                },
            );
        }
    }

    /// Removes `sender`'s pending request from `recipient`'s tab; the
    /// caller clears the pair's pending bits ([`taken`]).
    fn take_request(&mut self, recipient: MemberId, sender: MemberId) -> Option<PendingRequest> {
        let i = self.pending_index(recipient, sender)?;
        self.pending -= 1;
        Some(self.requests.remove(recipient, i))
    }

    /// `recipient` accepts `sender`'s pending request: a thread opens.
    pub fn accept(
        &mut self,
        recipient: MemberId,
        sender: MemberId,
    ) -> (Decision, Option<PendingRequest>) {
        let Some(request) = self.take_request(recipient, sender) else {
            return (Decision::error(Rule::NoPendingRequest), None);
        };
        let d = dir(sender, recipient);
        self.update_pair(PairUpdate {
            key: PairKey::of(sender, recipient),
            clear: taken(d) | IGNORED << d,
            set: THREAD,
            reset_unanswered: 1 << d,
        });
        (
            Decision::of(Outcome::Ok, Rule::Accept, Notify::Sender),
            Some(request),
        )
    }

    /// `recipient` ignores (`delete = false`) or deletes `sender`'s request.
    /// Pages may delete but not ignore. Nobody is told.
    pub fn dismiss(
        &mut self,
        recipient: MemberId,
        sender: MemberId,
        delete: bool,
    ) -> (Decision, Option<PendingRequest>) {
        if !delete && self.is_page(recipient) {
            return (Decision::error(Rule::PageCannotIgnore), None);
        }
        let Some(request) = self.take_request(recipient, sender) else {
            return (Decision::error(Rule::NoPendingRequest), None);
        };
        let d = dir(sender, recipient);
        self.update_pair(PairUpdate {
            key: PairKey::of(sender, recipient),
            clear: taken(d),
            set: IGNORED << d,
            reset_unanswered: 0,
        });
        let rule = if delete { Rule::Delete } else { Rule::Ignore };
        (Decision::ok(rule), Some(request))
    }

    /// `blocker` blocks `other`: requests, thread and connection between them
    /// go, in both directions. Returns the requests removed: `other`'s to
    /// `blocker`, then `blocker`'s to `other`.
    pub fn block(
        &mut self,
        blocker: MemberId,
        other: MemberId,
    ) -> (Decision, [Option<PendingRequest>; 2]) {
        if self.is_page(blocker) {
            return (Decision::error(Rule::PageCannotBlock), [None, None]);
        }
        let removed = [
            self.take_request(blocker, other),
            self.take_request(other, blocker),
        ];
        let d = dir(blocker, other);
        self.update_pair(PairUpdate {
            key: PairKey::of(blocker, other),
            // Pending bits of a direction with no request are clear already.
            clear: taken(0) | taken(1) | THREAD | CONNECTED,
            set: SEVERED | BLOCKS << d,
            reset_unanswered: 0,
        });
        (Decision::ok(Rule::Block), removed)
    }

    /// `reporter` reports `reported` for abuse. Returns whether the report
    /// brought `reported` to the ban threshold; the caller applies the ban
    /// with [`Engine::ban`] at once (replay) or at the end of the day (simulator).
    pub fn report(&mut self, reporter: MemberId, reported: MemberId) -> (Decision, bool) {
        let set = self.reporters.entry(reported).or_default();
        let new = set.insert(reporter);
        let threshold = self.policy.ban_after_reports as usize;
        let due = new && threshold > 0 && set.len() == threshold;
        (Decision::ok(Rule::Report), due)
    }

    /// Bans a member from sending; returns false if it was banned already.
    pub fn ban(&mut self, m: MemberId) -> bool {
        let was = self.is_banned(m);
        self.flags[m as usize] |= BANNED;
        !was
    }

    /// `view_profile`: full between connections, limited otherwise.
    pub fn view_profile(
        &self,
        viewer: MemberId,
        other: MemberId,
        static_connection: bool,
    ) -> Decision {
        if self.connected(viewer, other, static_connection) {
            Decision::of(Outcome::Full, Rule::ViewConnected, Notify::None)
        } else {
            Decision::of(Outcome::Limited, Rule::ViewNotConnected, Notify::None)
        }
    }

    /// `connect`: pages have no connections.
    pub fn connect(&mut self, a: MemberId, b: MemberId) -> Decision {
        if self.is_page(a) || self.is_page(b) {
            return Decision::error(Rule::PageCannotConnect);
        }
        let p = self.pair_mut(a, b);
        p.bits |= CONNECTED;
        p.bits &= !SEVERED;
        Decision::ok(Rule::Connect)
    }

    /// Marks a member as a business page. Pages take requests always.
    pub fn make_page(&mut self, m: MemberId) -> Decision {
        self.flags[m as usize] |= PAGE;
        self.flags[m as usize] &= !REQUESTS_OFF;
        Decision::ok(Rule::Page)
    }

    /// The "receive message requests" setting of a member.
    pub fn set_requests(&mut self, m: MemberId, on: bool) -> Decision {
        if on {
            self.flags[m as usize] &= !REQUESTS_OFF;
            return Decision::ok(Rule::RequestsOnSetting);
        }
        if self.is_page(m) {
            return Decision::error(Rule::PageRequestsAlwaysOn);
        }
        self.flags[m as usize] |= REQUESTS_OFF;
        Decision::ok(Rule::RequestsOffSetting)
    }

    /// Moves the clock one day on: daily counters start again.
    pub fn next_day(&mut self) -> Decision {
        self.day += 1;
        self.opened_today.fill(0);
        self.texts.next_day();
        Decision::ok(Rule::NextDay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pairs of random members fill an ordered pair table reserved for
    /// them without crowding any part (placed by the lower id, the parts of
    /// low ids would hold twice their share and crowd).
    #[test]
    fn random_pairs_do_not_crowd_an_ordered_pair_table() {
        let members = 64 * 4096u32;
        let mut table: Table<PairKey, Pair> = Table::ordered(members.into());
        table.reserve(400_000);
        let mut x = 1u64;
        for _ in 0..400_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let (a, b) = ((x >> 40) as u32 % members, (x >> 8) as u32 % members);
            table.entry(PairKey::of(a, b)).bits |= CONNECTED;
        }
        assert!(table.is_ordered());
    }
}
