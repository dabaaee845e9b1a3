//! The batch simulator: a population replayed through the engine for N days.
//!
//! Each day has four phases. The costly ones run in parallel and draw from
//! keyed streams; the cheap ones that touch the engine run in one fixed
//! order, so the outcome is the same whatever the thread count:
//! 1. **plan** (parallel over senders): who writes to whom, the text
//!    written and read by the analyzer;
//! 2. **send** (in sender order): every message through the engine, exactly
//!    as `replay` would apply it;
//! 3. **look** (parallel over recipients): recipients decide on the requests
//!    they look at (each counted here; those left alone go no further);
//! 4. **answer** (in recipient order): accepts, ignores, blocks and reports
//!    applied, while on the other threads their changes to pair records
//!    are applied in order and the replies to accepted requests are written
//!    (they are sent first thing the next day); bans take effect at the end
//!    of the day.
//!
//! Departure from DESIGN.md: the engine state is not split by owner for
//! parallel mutation. Decisions are applied sequentially instead, which keeps
//! the simulator's semantics identical to `replay` (same-day interactions
//! included) at the cost of a serial phase that is a small share of a day
//! (see BENCHMARKS.md).

pub mod events;
pub mod tally;

use crate::analyzer::Analyzer;
use crate::behavior::text::EventName;
use crate::behavior::{
    Answer, Awaiting, Intent, IntentKind, Look, Memory, Planned, RequestTag, Response, SampledText,
    Warm, World,
};
use crate::engine::{
    Decision, Engine, Outcome, PairRecords, PairUpdate, PendingRequest, Rule, WARM_AHEAD,
    WARM_TAB_AHEAD,
};
use crate::population::first_name;
use crate::population::{Persona, Population};
use crate::prefetch::prefetch;
use crate::scenario::Scenario;
use crate::tabs::Tabs;
use crate::violation::Violation;
pub use events::{Action, Event, Scripted};
use rayon::prelude::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};
pub use tally::{Counters, Metric, Rate};

/// Members per parallel work item.
const CHUNK: usize = 2048;

/// Member `m`'s chunk, and its index there.
fn in_chunk(m: u32) -> (usize, u32) {
    let m = m as usize;
    (m / CHUNK, (m % CHUNK) as u32)
}

/// Chunks the sending thread plans in a row when nothing is ready to send,
/// if it is the only thread: it plans many before sending them, so that
/// planning (texts, the analyzer's automaton, the recipients' tables) and
/// sending (the engine's tables) each find their data still in the caches.
/// Measured on one thread: whole runs 3% faster at 1M members and 5% at
/// 100k (where 64 chunks are a whole day) than alternating chunk by chunk.
/// With other threads planning meanwhile, the sending thread plans one
/// chunk and goes back to sending, which only it can do (planning 2, 4 or
/// 8 in a row there measured no faster). The plans waiting to be sent are
/// those of at most this many chunks' senders.
const PLANS_IN_A_ROW_ALONE: usize = 64;

/// Runs up to `n` tasks queued on this thread (planning chunks); whether
/// it ran any.
fn run_queued(n: usize) -> bool {
    let mut ran = 0;
    while ran < n && matches!(rayon::yield_local(), Some(rayon::Yield::Executed)) {
        ran += 1;
    }
    ran > 0
}

/// Replies written per task while the answers are applied.
const REPLY_BATCH: usize = 512;

/// Answers per batch of pair updates handed to another thread.
const PAIR_UPDATE_BATCH: usize = 1024;

/// How many looks ahead the look phase starts each step of
/// [`World::warm_look`].
const LOOK_AHEAD: [usize; 3] = [12, 6, 3];

/// The pair records while the answers are applied: batches of their
/// updates, applied in the order they were made, whatever order the tasks
/// carrying them run in.
struct InOrder {
    records: PairRecords,
    /// The index of the next batch to apply.
    next: usize,
    /// Batches that came before their turn.
    parked: std::collections::BTreeMap<usize, Vec<PairUpdate>>,
}

impl InOrder {
    fn take(&mut self, index: usize, updates: Vec<PairUpdate>) {
        self.parked.insert(index, updates);
        while let Some(updates) = self.parked.remove(&self.next) {
            self.records.apply(&updates);
            self.next += 1;
        }
    }
}

/// What one run (one sweep point, one replication) measured.
#[derive(Clone, Debug, PartialEq)]
pub struct RunOutput {
    /// Totals by sender persona (index = `Persona as usize`).
    pub by_persona: [Counters; 6],
    /// Totals by day, all personas.
    pub daily: Vec<Counters>,
    /// Members per persona in the population.
    pub members_by_persona: [u64; 6],
    /// The labelled sample of generated messages (when asked for).
    pub sample: Vec<SampleRow>,
    /// Every action in the engine's order (when asked for).
    pub events: Vec<Event>,
}

/// What a run keeps besides its counts.
#[derive(Clone, Copy, Debug, Default)]
pub struct Keep {
    /// Generated messages to keep for the labelled sample (0: none).
    pub sample: usize,
    /// The log of every action ([`Event`]).
    pub events: bool,
}

/// One generated message with its ground truth, for evaluating the analyzer.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleRow {
    pub day: u32,
    pub text: String,
    /// `spam` for spammers' and harassers' messages (unwanted), else `ham`.
    pub label: &'static str,
    pub persona: Persona,
    pub recipient_name: &'static str,
    pub recipient_industry: String,
    pub shared_event: String,
    pub outcome: &'static str,
    pub rule: &'static str,
    key: u64,
}

impl RunOutput {
    pub fn total(&self) -> Counters {
        let mut t = Counters::default();
        for c in &self.by_persona {
            t.merge(c);
        }
        t
    }
}

/// The mutable state of one run besides the engine.
struct Run<'a> {
    world: World<'a>,
    engine: Engine,
    /// Senders' memories of the requests they await, one pool per chunk of
    /// senders (planning works on a chunk at a time, in parallel).
    awaiting: Vec<Tabs<Awaiting>>,
    memory: Memory,
    /// Accepted requests to reply to (recipient, sender), as they come.
    to_reply: Vec<(u32, u32)>,
    /// Replies written today, to send tomorrow.
    replies: Vec<Intent>,
    out: RunOutput,
    /// Requests opened today, for their senders' memory after the sends.
    opened_today: Vec<(u32, Awaiting)>,
    /// Whether every action goes to `out.events`.
    log_events: bool,
}

/// Wall time of one simulated day's phases (see the module doc).
#[derive(Clone, Copy, Debug, Default)]
pub struct DayTimes {
    /// Phases 1 and 2 (pipelined), after yesterday's replies are sent.
    pub plan_and_send: Duration,
    pub look: Duration,
    pub answer: Duration,
    /// Bans, the daily pending count, the clock moved on.
    pub end_of_day: Duration,
}

impl DayTimes {
    /// Adds another day's (or run's) times.
    pub fn add(&mut self, other: &DayTimes) {
        self.plan_and_send += other.plan_and_send;
        self.look += other.look;
        self.answer += other.answer;
        self.end_of_day += other.end_of_day;
    }
}

/// Runs one (point, replication) on a population. `seed` is the
/// replication's seed; `on_day` is called after every simulated day with
/// the time its phases took (for progress and `run --timings`; the
/// outputs never depend on time).
pub fn run(
    pop: &Population,
    scenario: &Scenario,
    analyzer: &Analyzer,
    seed: u64,
    keep: Keep,
    on_day: &(dyn Fn(&DayTimes) + Sync),
) -> RunOutput {
    let sample = keep.sample;
    let n = pop.len();
    let mut run = Run {
        world: World::new(
            pop,
            &scenario.behavior,
            analyzer,
            seed,
            sample_rate(pop, scenario, sample),
        ),
        engine: Engine::new(scenario.policy.clone(), n),
        awaiting: (0..n.div_ceil(CHUNK))
            .map(|c| Tabs::new(CHUNK.min(n - c * CHUNK)))
            .collect(),
        memory: Memory::default(),
        to_reply: Vec::new(),
        replies: Vec::new(),
        out: RunOutput {
            by_persona: [Counters::default(); 6],
            daily: vec![Counters::default(); scenario.days as usize],
            members_by_persona: pop.persona_counts(),
            sample: Vec::new(),
            events: Vec::new(),
        },
        opened_today: Vec::new(),
        log_events: keep.events,
    };
    // Every new message may start a pair's record, and every message of a
    // day a text record (a day's new messages, follow-ups and replies: half
    // as many again as the new ones is ample): room for them all up front,
    // so the serial send phase never stops to rehash a large table and both
    // stay placed in member order (see `Engine::reserve_texts`).
    let new_messages = expected_new_messages(pop, scenario);
    run.engine.reserve_pairs(new_messages as usize);
    run.engine
        .reserve_texts((1.5 * new_messages / f64::from(scenario.days.max(1))) as usize);
    for m in 0..n {
        if pop.is_page[m] {
            run.engine.make_page(m as u32);
        } else if pop.requests_off[m] {
            run.engine.set_requests(m as u32, false);
        }
    }
    for day in 0..scenario.days {
        let mut clock = Instant::now();
        let mut lap = || std::mem::replace(&mut clock, Instant::now()).elapsed();
        run.plan_and_send(day);
        let plan_and_send = lap();
        let answers = run.look(day);
        let look = lap();
        let bans = run.answer_all(day, &answers);
        let answer = lap();
        run.end_day(day, &bans);
        on_day(&DayTimes {
            plan_and_send,
            look,
            answer,
            end_of_day: lap(),
        });
    }
    for r in 0..n as u32 {
        for q in run.engine.requests_of(r) {
            let persona = pop.persona[q.sender as usize] as usize;
            run.out.by_persona[persona].add(Metric::PendingEnd, 1);
        }
    }
    // The sample keeps the smallest keys: uniform over the run, whatever the threads.
    run.out.sample.sort_by_key(|r| r.key);
    run.out.sample.truncate(sample);
    run.out.sample.sort_by_key(|r| (r.day, r.key));
    run.out
}

/// The share of new messages to keep so that about `3 * wanted` are kept
/// (the smallest-key `wanted` of them make the sample).
fn sample_rate(pop: &Population, scenario: &Scenario, wanted: usize) -> f64 {
    if wanted == 0 {
        return 0.0;
    }
    (3.0 * wanted as f64 / expected_new_messages(pop, scenario).max(1.0)).min(1.0)
}

/// New messages the senders are expected to write over the run (their
/// personas' daily means), before follow-ups and replies.
fn expected_new_messages(pop: &Population, scenario: &Scenario) -> f64 {
    new_messages(pop.persona_counts().map(|c| c as f64), scenario)
}

/// New messages over the run from these numbers of members by persona.
fn new_messages(members_by_persona: [f64; 6], scenario: &Scenario) -> f64 {
    let styles = scenario.behavior.styles();
    let per_day: f64 = Persona::ALL
        .iter()
        .map(|p| members_by_persona[*p as usize] * styles[*p as usize].1.per_day)
        .sum();
    per_day * f64::from(scenario.days)
}

/// Bytes one run needs besides its population, roughly, before the
/// population exists (to refuse a run too large for the machine): per
/// member (engine flags and counters, request tabs, senders' memories, the
/// day's buffers) and per new message expected from the personas' shares
/// (its pair record, reserved up front, and what it leaves in request tabs
/// and memories). Calibrated on the baseline at 1 million members: 662 MiB
/// peak over 30 days, 911 MiB over 60 (the estimate, with the population
/// and the program's own 20 MiB: 0.68 and 0.93 GiB).
pub fn estimated_state_bytes(scenario: &Scenario) -> u64 {
    const PER_MEMBER: f64 = 250.0;
    const PER_NEW_MESSAGE: f64 = 26.0;
    let members = f64::from(scenario.population.members);
    (members * PER_MEMBER + planned_new_messages(scenario) * PER_NEW_MESSAGE) as u64
}

/// Bytes of one run's log of actions (`run --events`), held until the
/// report is written and then turned into a table: about 1.5 actions per
/// new message planned (measured on the baseline at 1 million members:
/// 13.7 million sends, answers, reports and bans for 10.3 million new
/// messages planned).
pub fn estimated_event_bytes(scenario: &Scenario) -> u64 {
    const EVENTS_PER_NEW_MESSAGE: f64 = 1.5;
    (planned_new_messages(scenario) * EVENTS_PER_NEW_MESSAGE * events::BYTES_PER_EVENT as f64)
        as u64
}

/// New messages a scenario's personas are expected to write over a run,
/// from its population's configuration alone (before it exists).
fn planned_new_messages(scenario: &Scenario) -> f64 {
    let cfg = &scenario.population;
    let people = f64::from(cfg.members) * (1.0 - cfg.page_share);
    let by_persona = Persona::shares_of_people(&cfg.personas).map(|share| people * share);
    new_messages(by_persona, scenario)
}

impl Run<'_> {
    /// Adds a sampled message with its ground truth and what the engine did.
    fn keep_sample(&mut self, day: u32, i: &Intent, kept: SampledText, d: Decision) {
        let pop = self.world.pop;
        let persona = pop.persona[i.sender as usize];
        self.out.sample.push(SampleRow {
            day,
            text: kept.text,
            label: if persona.is_bad_actor() {
                "spam"
            } else {
                "ham"
            },
            persona,
            recipient_name: first_name(i.recipient),
            recipient_industry: pop.industry_name_of(i.recipient).to_string(),
            shared_event: pop
                .met(i.sender, i.recipient)
                .map(|e| EventName(e).to_string())
                .unwrap_or_default(),
            outcome: d.outcome.name(),
            rule: d.rule.name(),
            key: kept.key,
        });
    }

    fn persona(&self, m: u32) -> Persona {
        self.world.pop.persona[m as usize]
    }

    /// Counts `n` on `day` under a persona (the one of the member the
    /// count is about: a send's or a request's sender, a banned member),
    /// looked up once by the caller.
    fn count(&mut self, day: u32, persona: Persona, metric: Metric, n: u64) {
        self.out.by_persona[persona as usize].add(metric, n);
        self.out.daily[day as usize].add(metric, n);
    }

    /// Yesterday's replies go out first. Then phases 1 and 2, pipelined:
    /// senders' plans are made in parallel, chunk
    /// by chunk, while the messages of chunks already planned go through the
    /// engine in chunk order. The thread that sends helps plan whenever the
    /// next chunk is not ready, so a single thread does plan, then send.
    /// Planning reads nothing the sends change: bans are snapshot at the
    /// start of the day, and requests opened today are remembered by their
    /// senders only after the day's sends.
    fn plan_and_send(&mut self, day: u32) {
        let world = self.world.clone();
        let replies = std::mem::take(&mut self.replies);
        self.send_all(day, &replies, &mut Vec::new().into_iter().peekable());

        let banned: Vec<bool> = (0..world.pop.len() as u32)
            .map(|m| self.engine.is_banned(m))
            .collect();
        let mut awaiting = std::mem::take(&mut self.awaiting);
        let chunks = awaiting.len();
        let (tx, rx) = std::sync::mpsc::channel::<(usize, Planned)>();
        let plans_per_turn = if rayon::current_num_threads() == 1 {
            PLANS_IN_A_ROW_ALONE
        } else {
            1
        };
        let (world, banned, this, chunked) = (&world, &banned, &mut *self, &mut awaiting);
        // `move`: the receiver goes into the scope (it may not be shared).
        rayon::scope_fifo(move |scope| {
            for (c, chunk) in chunked.iter_mut().enumerate() {
                let tx = tx.clone();
                scope.spawn_fifo(move |_| {
                    let (mut planned, mut buf) = (Planned::default(), String::new());
                    // Who writes today (a keyed draw each), to whom (all
                    // chosen together: see `behavior::pick`), then their
                    // plans, with what the writers a few ahead read loading
                    // meanwhile.
                    let first = c * CHUNK;
                    let writers: Vec<(usize, f64)> = (0..chunk.members())
                        .filter_map(|i| {
                            let s = first + i;
                            world
                                .wakes(s as u32, day, banned[s], chunk.get(i as u32))
                                .map(|draw| (i, draw))
                        })
                        .collect();
                    let recipients = world.choose_recipients(
                        day,
                        writers.iter().map(|&(i, draw)| ((first + i) as u32, draw)),
                    );
                    for (k, &(i, _)) in writers.iter().enumerate() {
                        if let Some(&(j, _)) = writers.get(k + WARM_AHEAD) {
                            world.warm_sender((first + j) as u32, chunk.get(j as u32));
                        }
                        let (s, to, i) = ((first + i) as u32, recipients.of(k), i as u32);
                        world.plan(s, day, to, chunk.get_mut(i), &mut buf, &mut planned);
                        chunk.retain(i, world.still_awaits(s, day));
                    }
                    // The receiver outlives every task of the scope.
                    let _ = tx.send((c, planned));
                });
            }
            drop(tx);
            let mut ready: Vec<Option<Planned>> = (0..chunks).map(|_| None).collect();
            let mut next = 0;
            while next < chunks {
                while let Ok((c, planned)) = rx.try_recv() {
                    ready[c] = Some(planned);
                }
                if let Some(Planned {
                    intents, samples, ..
                }) = ready[next].take()
                {
                    this.send_all(day, &intents, &mut samples.into_iter().peekable());
                    next += 1;
                } else if !run_queued(plans_per_turn) {
                    // Nothing of ours left to run here: wait for another thread's chunk.
                    if let Ok((c, planned)) = rx.recv() {
                        ready[c] = Some(planned);
                    }
                }
            }
        });
        for (s, a) in self.opened_today.drain(..) {
            let (c, i) = in_chunk(s);
            awaiting[c].push(i, a);
        }
        self.awaiting = awaiting;
    }

    /// Sends a batch of messages in order, keeping the sampled ones.
    fn send_all(
        &mut self,
        day: u32,
        intents: &[Intent],
        sampled: &mut std::iter::Peekable<std::vec::IntoIter<SampledText>>,
    ) {
        for (i, intent) in intents.iter().enumerate() {
            if let Some(next) = intents.get(i + WARM_AHEAD) {
                self.engine.warm_message(&next.message());
            }
            if let Some(next) = intents.get(i + WARM_TAB_AHEAD) {
                self.engine.warm_tab(next.recipient);
            }
            let decision = self.send(day, intent);
            if let Some(kept) = sampled.next_if(|k| k.index == i) {
                self.keep_sample(day, intent, kept, decision);
            }
        }
    }

    /// Phase 2: one message through the engine, and its tallies.
    fn send(&mut self, day: u32, i: &Intent) -> Decision {
        let message = i.message();
        let analyzer = self.world.analyzer;
        let (d, score) = self
            .engine
            .send(&message, |ctx| analyzer.finish(&i.text, ctx).score());
        let s = i.sender;
        let persona = self.persona(s);
        self.log(|_| Event::send(day, (s, persona), i.recipient, i.kind, d, &score));
        self.count(day, persona, Metric::Attempts, 1);
        let outcome_metric = match d.outcome {
            Outcome::Inbox => Metric::Inbox,
            Outcome::Request => Metric::Requests,
            Outcome::Filtered => Metric::Filtered,
            Outcome::Suppressed => Metric::Suppressed,
            _ => Metric::Rejected,
        };
        self.count(day, persona, outcome_metric, 1);
        if let Some(by_rule) = Metric::decided_by(d.rule) {
            self.count(day, persona, by_rule, 1);
        }
        match i.kind {
            IntentKind::FollowUp => self.count(day, persona, Metric::FollowUps, 1),
            IntentKind::Reply => self.count(day, persona, Metric::Replies, 1),
            IntentKind::New => {}
        }
        if persona == Persona::Spammer {
            self.count(day, persona, Metric::SpamAttempts, 1);
        }
        if d.outcome == Outcome::Inbox {
            self.count_reaching_inbox(day, persona, 1);
            if matches!(d.rule, Rule::RequestsOff | Rule::RequestsDisabled) {
                self.count(day, persona, Metric::UnsolicitedInbox, 1);
            }
        }
        let opened = matches!(
            d.rule,
            Rule::NewRequest | Rule::RequestAfterIgnore | Rule::SpamFilter
        );
        if opened {
            self.count(day, persona, Metric::Opened, 1);
            if i.tag.personalised() {
                self.count(day, persona, Metric::OpenedPersonalised, 1);
            }
            if d.outcome == Outcome::Filtered && !persona.is_bad_actor() {
                self.count(day, persona, Metric::LegitFiltered, 1);
            }
            if i.kind == IntentKind::New {
                self.opened_today.push((
                    s,
                    Awaiting {
                        recipient: i.recipient,
                        last_day: day,
                        follow_ups: 0,
                    },
                ));
            }
        }
        self.count(
            day,
            persona,
            Metric::Violations,
            u64::from(d.violations.len()),
        );
        for v in d.violations.iter() {
            let metric = match v {
                Violation::ExcessFollowUp => Metric::ExcessFollowUp,
                Violation::MessageAfterIgnore => Metric::MessageAfterIgnore,
                Violation::Promotional => Metric::Promotional,
                Violation::Abusive => Metric::Abusive,
                Violation::Bulk => Metric::Bulk,
            };
            self.count(day, persona, metric, 1);
        }
        d
    }

    /// Spam and abuse that got through, by the persona of who sent it.
    fn count_reaching_inbox(&mut self, day: u32, persona: Persona, messages: u64) {
        match persona {
            Persona::Spammer => self.count(day, persona, Metric::SpamInInbox, messages),
            Persona::Harasser => self.count(day, persona, Metric::AbuseInInbox, messages),
            _ => {}
        }
    }

    /// Phase 3: recipients look at their requests, in parallel. Every
    /// request looked at is counted here (by its sender's persona); only the
    /// answers that change something go on to the serial phase 4 (most
    /// requests looked at are left for another day).
    fn look(&mut self, day: u32) -> Vec<Answer> {
        let world = &self.world;
        let engine = &self.engine;
        let memory = &self.memory;
        let n = world.pop.len();
        let chunks: Vec<(Vec<Answer>, [u64; 6])> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let looks: Vec<Look> = (c * CHUNK..((c + 1) * CHUNK).min(n))
                    .map(|r| r as u32)
                    .filter(|&r| !engine.requests_of(r).is_empty())
                    .filter_map(|r| world.looks(r, day))
                    .collect();
                let warm = |i: usize, step: Warm| {
                    if let Some(l) = looks.get(i) {
                        world.warm_look(step, l.recipient, engine.requests_of(l.recipient));
                    }
                };
                let mut out = Vec::new();
                for (i, look) in looks.iter().enumerate() {
                    warm(i + LOOK_AHEAD[0], Warm::Far);
                    warm(i + LOOK_AHEAD[1], Warm::Mid);
                    warm(i + LOOK_AHEAD[2], Warm::Near);
                    let r = look.recipient;
                    let requests = engine.requests_of(r);
                    world.answer_look(look.clone(), requests, |s| memory.harassed(r, s), &mut out);
                }
                let mut viewed = [0u64; 6];
                for a in &out {
                    viewed[world.pop.persona[a.sender as usize] as usize] += 1;
                }
                out.retain(Answer::changes_anything);
                (out, viewed)
            })
            .collect();
        let mut answers = Vec::with_capacity(chunks.iter().map(|(a, _)| a.len()).sum());
        for (chunk, viewed) in chunks {
            answers.extend(chunk);
            for (persona, n) in viewed.into_iter().enumerate() {
                self.out.by_persona[persona].add(Metric::RequestsViewed, n);
                self.out.daily[day as usize].add(Metric::RequestsViewed, n);
            }
        }
        answers
    }

    /// Phase 4: the answers applied in recipient order; returns who is due
    /// a ban. Two kinds of work go to the other threads meanwhile, in
    /// batches, so that this serial phase leaves no core idle: the
    /// answers' changes to pair records (random reads of a large table;
    /// the answers themselves read no pair record), applied in order; and
    /// the replies to accepted requests (they go out tomorrow), whose
    /// batches keep their order. On the last day there is no tomorrow:
    /// nothing is written.
    fn answer_all(&mut self, day: u32, answers: &[Answer]) -> Vec<u32> {
        let world = self.world.clone();
        let written: Mutex<Vec<(usize, Vec<Intent>)>> = Mutex::new(Vec::new());
        let pairs = Mutex::new(InOrder {
            records: self.engine.queue_pair_updates(),
            next: 0,
            parked: Default::default(),
        });
        let mut bans = Vec::new();
        rayon::scope(|scope| {
            let mut update_batches = 0;
            let mut apply = |updates: Vec<PairUpdate>| {
                if updates.is_empty() {
                    return;
                }
                let (pairs, index) = (&pairs, update_batches);
                update_batches += 1;
                scope.spawn(move |_| {
                    let mut pairs = pairs.lock().expect("a pair update panicked");
                    pairs.take(index, updates);
                });
            };
            let mut batches = 0;
            let mut write = |batch: Vec<(u32, u32)>| {
                if batch.is_empty() {
                    return;
                }
                let (world, written, index) = (&world, &written, batches);
                batches += 1;
                scope.spawn(move |_| {
                    let mut buf = String::new();
                    // What the replies read of their writers and readers,
                    // loading for the whole batch before any is written.
                    for &(from, to) in &batch {
                        world.warm_reply(from, to);
                    }
                    for &(from, to) in &batch {
                        world.warm_reply_near(from, to);
                    }
                    let intents = batch
                        .iter()
                        .map(|&(from, to)| world.reply(from, to, day + 1, &mut buf))
                        .collect();
                    written
                        .lock()
                        .expect("a reply writer panicked")
                        .push((index, intents));
                });
            };
            for (i, a) in answers.iter().enumerate() {
                if let Some(next) = answers.get(i + WARM_AHEAD) {
                    self.warm_answer(next);
                }
                if let Some(next) = answers.get(i + WARM_TAB_AHEAD) {
                    self.warm_answer_near(next);
                }
                self.answer(day, a, &mut bans);
                if self.to_reply.len() == REPLY_BATCH {
                    write(std::mem::take(&mut self.to_reply));
                }
                if (i + 1) % PAIR_UPDATE_BATCH == 0 {
                    apply(self.engine.queued_pair_updates());
                }
            }
            write(std::mem::take(&mut self.to_reply));
            apply(self.engine.queued_pair_updates());
        });
        let pairs = pairs.into_inner().expect("a pair update panicked");
        assert!(
            pairs.parked.is_empty(),
            "every batch of pair updates applied"
        );
        self.engine.restore_pair_records(pairs.records);
        let mut written = written.into_inner().expect("a reply writer panicked");
        written.sort_by_key(|(index, _)| *index);
        self.replies = written.into_iter().flat_map(|(_, v)| v).collect();
        bans
    }

    /// Starts the loads an answer will wait for: the recipient's request
    /// tab slot, the slot of the sender's memory of what it awaits.
    fn warm_answer(&self, a: &Answer) {
        self.engine.warm_slot(a.recipient);
        let (c, i) = in_chunk(a.sender);
        self.awaiting[c].warm_slot(i);
        prefetch(&self.world.pop.persona[a.sender as usize]);
    }

    /// The second step of [`Run::warm_answer`], a few answers later: the
    /// recipient's request tab and the sender's awaited requests themselves.
    fn warm_answer_near(&self, a: &Answer) {
        self.engine.warm_tab(a.recipient);
        let (c, i) = in_chunk(a.sender);
        if let Some(first) = self.awaiting[c].get(i).first() {
            prefetch(first);
        }
    }

    /// Phase 4: one answer applied to the engine, and its tallies.
    fn answer(&mut self, day: u32, a: &Answer, bans: &mut Vec<u32>) {
        let (r, s) = (a.recipient, a.sender);
        // The sender's persona, which its counts go under (looked up once).
        let persona = self.persona(s);
        if a.saw_abuse {
            self.memory.remember_abuse(r, s);
        }
        match a.response {
            Response::Leave => {}
            Response::Accept => {
                let (d, q) = self.engine.accept(r, s);
                self.log_answer(day, Scripted::Accept, (r, s), d);
                if let Some(q) = q {
                    self.count(day, persona, Metric::Accepted, 1);
                    if RequestTag(q.tag).personalised() {
                        self.count(day, persona, Metric::AcceptedPersonalised, 1);
                    }
                    self.count_answered(day, persona, &q);
                    self.count_reaching_inbox(day, persona, u64::from(q.messages));
                    // The sender is notified, and stops waiting.
                    let (c, i) = in_chunk(s);
                    self.awaiting[c].retain(i, |w| w.recipient != r);
                    // Replies are sent the next day: none after the last.
                    if a.reply && (day as usize + 1) < self.out.daily.len() {
                        self.to_reply.push((r, s));
                    }
                }
            }
            Response::Ignore | Response::Delete => {
                let delete = a.response == Response::Delete;
                let (d, q) = self.engine.dismiss(r, s, delete);
                let action = if delete {
                    Scripted::Delete
                } else {
                    Scripted::Ignore
                };
                self.log_answer(day, action, (r, s), d);
                if let Some(q) = q {
                    self.count(day, persona, Metric::Ignored, 1);
                    self.count_answered(day, persona, &q);
                }
            }
            Response::Block => {
                let (d, removed) = self.engine.block(r, s);
                self.log_answer(day, Scripted::Block, (r, s), d);
                // Either side's request may go: each counts under its sender.
                for q in removed.into_iter().flatten() {
                    let sender = self.persona(q.sender);
                    self.count(day, sender, Metric::Blocked, 1);
                    self.count_answered(day, sender, &q);
                }
            }
        }
        if a.report {
            let (d, due) = self.engine.report(r, s);
            self.log_answer(day, Scripted::Report, (r, s), d);
            self.count(day, persona, Metric::Reported, 1);
            if due {
                bans.push(s);
            }
        }
    }

    /// Adds an action to the log, when the run keeps one (the event is
    /// only made then).
    fn log(&mut self, event: impl FnOnce(&Self) -> Event) {
        if self.log_events {
            let event = event(self);
            self.out.events.push(event);
        }
    }

    /// Logs recipient `r`'s answer (or report) on sender `s`'s request.
    fn log_answer(&mut self, day: u32, action: Scripted, (r, s): (u32, u32), d: Decision) {
        self.log(|run| Event::answer(day, action, (r, run.persona(r)), s, d));
    }

    /// The days request `q` waited, under its sender's persona.
    fn count_answered(&mut self, day: u32, sender: Persona, q: &PendingRequest) {
        let waited = u64::from(day - q.opened_day);
        self.count(day, sender, Metric::DaysToAnswer, waited);
    }

    /// Bans take effect; the daily pending count; the clock moves on.
    fn end_day(&mut self, day: u32, bans: &[u32]) {
        for &s in bans {
            if self.engine.ban(s) {
                let persona = self.persona(s);
                self.log(|_| Event::ban(day, s, persona));
                self.count(day, persona, Metric::Bans, 1);
                if !persona.is_bad_actor() {
                    self.count(day, persona, Metric::WrongfulBans, 1);
                }
            }
        }
        let pending = self.engine.pending_total();
        self.out.daily[day as usize].add(Metric::PendingEnd, pending);
        self.engine.next_day();
    }
}
