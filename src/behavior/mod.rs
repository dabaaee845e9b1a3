//! Behaviour models: what senders of each persona write and to whom, and how
//! recipients answer their requests.
//!
//! Senders act from their persona's [`SenderStyle`]. Recipients decide from
//! what a person can see: the text (through the analyzer's scores and its
//! visible topic), whether the sender works in their industry, shared
//! connections, whether they met, their own job search, and their memory of
//! past harassment. A recipient never reads the sender's persona.

mod pick;
pub mod text;

use crate::analyzer::{Analyzer, Hints, RuleSet, TextAnalysis};
use crate::engine::{MemberId, Message, PendingRequest};
use crate::message::text_hash;
use crate::population::{first_name, Persona, Population};
use crate::prefetch::prefetch;
use crate::rng::{stream, Purpose};
use crate::scenario::{BehaviorConfig, RecipientModel, SenderStyle};
use crate::violation::Violation;
pub use pick::Recipients;
use rand::{Rng, RngExt};
use rustc_hash::FxHashSet;
pub use text::Topic;
use text::{compose, compose_follow_up, compose_reply, Ingredients, Slots};

/// What the simulator keeps with a request (the engine's `tag`): the text's
/// visible topic and whether the two met at an event (worked out once, when
/// the message is written); and whether the text was personalised, a
/// measurement label recipients never read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTag(pub u32);

impl RequestTag {
    const TOPIC: u32 = 0xff;
    const PERSONALISED: u32 = 1 << 8;
    const MET: u32 = 1 << 9;

    pub fn new(topic: Topic, personalised: bool, met: bool) -> Self {
        RequestTag(
            topic as u32
                | if personalised { Self::PERSONALISED } else { 0 }
                | if met { Self::MET } else { 0 },
        )
    }

    pub fn topic(self) -> Topic {
        Topic::from_tag((self.0 & Self::TOPIC) as u16)
    }

    pub fn personalised(self) -> bool {
        self.0 & Self::PERSONALISED != 0
    }

    pub fn met(self) -> bool {
        self.0 & Self::MET != 0
    }
}

/// Why a message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntentKind {
    New,
    FollowUp,
    Reply,
}

impl IntentKind {
    pub const fn name(self) -> &'static str {
        match self {
            IntentKind::New => "new",
            IntentKind::FollowUp => "follow_up",
            IntentKind::Reply => "reply",
        }
    }
}

/// A message a sender means to send today, already written and read.
#[derive(Clone, Copy, Debug)]
pub struct Intent {
    pub sender: MemberId,
    pub recipient: MemberId,
    pub kind: IntentKind,
    /// Topic, personalisation and what the recipient can see of the pair.
    pub tag: RequestTag,
    pub text_hash: u64,
    pub text: TextAnalysis,
    pub static_connection: bool,
}

impl Intent {
    /// What the engine is handed.
    pub fn message(&self) -> Message {
        Message {
            sender: self.sender,
            recipient: self.recipient,
            text_hash: self.text_hash,
            static_connection: self.static_connection,
            tag: self.tag.0,
        }
    }
}

/// A text kept for the labelled sample of messages (`run --messages-sample`).
#[derive(Clone, Debug)]
pub struct SampledText {
    /// Position of the intent in the planner's output.
    pub index: usize,
    /// Sampling key: the sample keeps the smallest keys.
    pub key: u64,
    pub text: String,
}

/// What planning produced: the messages, and the texts kept for the sample.
#[derive(Debug, Default)]
pub struct Planned {
    pub intents: Vec<Intent>,
    pub samples: Vec<SampledText>,
}

/// A text and what does not change with its recipient: its hash and the
/// analyzer's content rules (bulk texts are read once for all recipients).
struct Written<'b> {
    body: &'b str,
    content: RuleSet,
    hash: u64,
}

/// Who writes to whom, and the event where they met (looked up once).
#[derive(Clone, Copy, Debug)]
struct Pair {
    sender: MemberId,
    recipient: MemberId,
    event: Option<u32>,
    /// Connected in the population's network.
    connected: bool,
}

/// A request a sender is waiting on (the sender's own memory).
#[derive(Clone, Copy, Debug, Default)]
pub struct Awaiting {
    pub recipient: MemberId,
    pub last_day: u32,
    pub follow_ups: u32,
}

/// What a recipient does with one request they looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    /// Looked at it and left it pending.
    Leave,
    Accept,
    Ignore,
    /// Pages delete instead of ignoring.
    Delete,
    Block,
}

/// A recipient looking at their requests today, with the stream their
/// answers draw from.
#[derive(Clone, Debug)]
pub struct Look {
    pub recipient: MemberId,
    see_filtered: bool,
    rng: rand_pcg::Pcg64Mcg,
}

/// The steps of [`World::warm_look`], farthest ahead first.
#[derive(Clone, Copy, Debug)]
pub enum Warm {
    Far,
    Mid,
    Near,
}

/// A recipient's answer to one request.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    pub recipient: MemberId,
    pub sender: MemberId,
    pub response: Response,
    pub report: bool,
    pub reply: bool,
    /// The request was abusive: the recipient will remember the sender.
    pub saw_abuse: bool,
}

impl Answer {
    /// Whether applying the answer changes any state: a request left alone
    /// (and not remembered as abuse) only counts as looked at.
    pub fn changes_anything(&self) -> bool {
        self.response != Response::Leave || self.report || self.saw_abuse
    }
}

/// Everything behaviour reads, shared by all threads.
#[derive(Clone)]
pub struct World<'a> {
    pub pop: &'a Population,
    pub cfg: &'a BehaviorConfig,
    pub analyzer: &'a Analyzer,
    /// The replication's seed.
    pub seed: u64,
    /// Share of new messages whose text is kept for the sample (0: none).
    pub sample_rate: f64,
    /// P(no new message today) by persona: exp(-per_day).
    idle: [f64; 6],
}

/// A Poisson draw (Knuth below 30, a rounded normal above) whose first
/// uniform is given: a caller that already drew it (to skip idle days
/// cheaply) keeps the distribution exact.
fn poisson<R: Rng>(first: f64, rng: &mut R, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0u32, first);
        while p > limit {
            k += 1;
            p *= rng.random::<f64>();
        }
        return k;
    }
    // Box-Muller.
    let (u1, u2): (f64, f64) = (first.max(1e-300), rng.random());
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    (mean + mean.sqrt() * z).round().max(0.0) as u32
}

fn draw_ingredients<R: Rng>(rng: &mut R, s: &SenderStyle) -> Ingredients {
    Ingredients {
        greet_by_name: rng.random_bool(s.greet_by_name),
        introduce: rng.random_bool(s.introduce),
        give_reason: rng.random_bool(s.give_reason),
        mention_industry: rng.random_bool(s.mention_industry),
        mention_event: rng.random_bool(s.mention_event),
        job_offer: rng.random_bool(s.job_offer),
        link: rng.random_bool(s.link),
        promo: rng.random_bool(s.promo),
        money: rng.random_bool(s.money),
        urgency: rng.random_bool(s.urgency),
        shouting: rng.random_bool(s.shouting),
        abusive: rng.random_bool(s.abusive),
        variant: rng.random(),
    }
}

impl<'a> World<'a> {
    pub fn new(
        pop: &'a Population,
        cfg: &'a BehaviorConfig,
        analyzer: &'a Analyzer,
        seed: u64,
        sample_rate: f64,
    ) -> Self {
        let idle = std::array::from_fn(|p| (-cfg.styles()[p].1.per_day).exp());
        World {
            pop,
            cfg,
            analyzer,
            seed,
            sample_rate,
            idle,
        }
    }

    pub fn style(&self, p: Persona) -> &SenderStyle {
        self.cfg.styles()[p as usize].1
    }

    /// A written message, read by the analyzer. `personalised` says whether
    /// it was written for this recipient (name, industry or shared event).
    fn intent(
        &self,
        pair: Pair,
        kind: IntentKind,
        topic: Topic,
        personalised: bool,
        written: &Written,
    ) -> Intent {
        let pop = self.pop;
        let Pair {
            sender,
            recipient,
            event,
            connected,
        } = pair;
        let event_name = event.map(|e| text::EventName(e).to_string());
        let hints = Hints {
            recipient_name: Some(first_name(recipient)),
            recipient_industry: Some(pop.industry_name_of(recipient)),
            shared_event: event_name.as_deref(),
        };
        Intent {
            sender,
            recipient,
            kind,
            tag: RequestTag::new(topic, personalised, event.is_some()),
            text_hash: written.hash,
            text: self
                .analyzer
                .with_hints(written.content, written.body, &hints),
            static_connection: connected,
        }
    }

    /// A sender and a recipient, and the event where they met, if any.
    fn pair(&self, sender: MemberId, recipient: MemberId) -> Pair {
        Pair {
            sender,
            recipient,
            event: self.pop.met(sender, recipient),
            connected: self.pop.connections.contains(sender, recipient),
        }
    }

    /// A text as written, read once by the analyzer's content rules.
    fn read<'b>(&self, body: &'b str) -> Written<'b> {
        Written {
            body,
            content: self.analyzer.analyze_content(body),
            hash: text_hash(body),
        }
    }

    /// Whether sender `s` may write today, with the day's first draw (which
    /// [`World::plan`] goes on from). Most members write nothing on most
    /// days: one keyed draw tells, before a stream is set up.
    pub fn wakes(&self, s: MemberId, day: u32, banned: bool, awaiting: &[Awaiting]) -> Option<f64> {
        let pop = self.pop;
        if pop.is_page[s as usize] || banned {
            return None;
        }
        let persona = pop.persona[s as usize];
        let first = crate::rng::unit(self.seed, Purpose::Plan, &[u64::from(day), u64::from(s)]);
        (!awaiting.is_empty() || first > self.idle[persona as usize]).then_some(first)
    }

    /// Starts loading what planning sender `s` reads first: its memory of
    /// awaited requests and its connections.
    pub fn warm_sender(&self, s: MemberId, awaiting: &[Awaiting]) {
        if let Some(first) = awaiting.first() {
            prefetch(first);
        }
        self.pop.connections.warm_row(s);
    }

    /// A sender's messages for the day: follow-ups due, then new messages
    /// to `recipients` (from [`World::choose_recipients`]). `awaiting` is
    /// the sender's memory of unanswered requests.
    pub fn plan(
        &self,
        s: MemberId,
        day: u32,
        recipients: &[MemberId],
        awaiting: &mut [Awaiting],
        buf: &mut String,
        planned: &mut Planned,
    ) {
        let Planned {
            intents: out,
            samples,
        } = planned;
        let pop = self.pop;
        let persona = pop.persona[s as usize];
        let style = self.style(persona);
        let mut rng = stream(self.seed, Purpose::Plan, &[u64::from(day), u64::from(s)]);
        for a in awaiting.iter_mut() {
            if day >= a.last_day + style.follow_up_after_days && a.follow_ups < style.max_follow_ups
            {
                a.follow_ups += 1;
                a.last_day = day;
                let name = rng
                    .random_bool(style.greet_by_name)
                    .then(|| first_name(a.recipient));
                compose_follow_up(buf, name, rng.random());
                let written = self.read(buf);
                out.push(self.intent(
                    self.pair(s, a.recipient),
                    IntentKind::FollowUp,
                    Topic::FollowUp,
                    name.is_some(),
                    &written,
                ));
            }
        }

        if recipients.is_empty() {
            return;
        }
        // Bulk outreach: one text, written and read once, for every recipient today.
        let industry = pop.industry_name_of(s);
        let bulk = rng.random_bool(style.bulk).then(|| {
            let ingredients = draw_ingredients(&mut rng, style);
            let slots = Slots {
                sender_name: first_name(s),
                recipient_name: None,
                sender_industry: industry,
                recipient_industry: industry,
                event: None,
                topic_seed: ingredients.variant ^ s,
            };
            compose(buf, &ingredients, &slots);
            (ingredients, buf.clone())
        });
        let bulk_text = bulk.as_ref().map(|(_, body)| self.read(body));
        for &r in recipients {
            let pair = self.pair(s, r);
            let (ingredients, personalised, own);
            let written = match (&bulk, &bulk_text) {
                (Some((i, _)), Some(text)) => {
                    (ingredients, personalised) = (*i, false);
                    text
                }
                _ => {
                    ingredients = draw_ingredients(&mut rng, style);
                    let event = pair.event;
                    let slots = Slots {
                        sender_name: first_name(s),
                        recipient_name: Some(first_name(r)),
                        sender_industry: industry,
                        recipient_industry: pop.industry_name_of(r),
                        event,
                        topic_seed: ingredients.variant ^ s,
                    };
                    compose(buf, &ingredients, &slots);
                    personalised = ingredients.greet_by_name
                        || ingredients.mention_industry
                        || (event.is_some() && ingredients.mention_event);
                    own = self.read(buf);
                    &own
                }
            };
            out.push(self.intent(
                pair,
                IntentKind::New,
                ingredients.topic(pair.connected),
                personalised,
                written,
            ));
            if self.sample_rate > 0.0 {
                let key = crate::rng::derive(
                    self.seed ^ Purpose::Sample as u64,
                    &[u64::from(day), u64::from(s), out.len() as u64],
                );
                if (key >> 11) as f64 / (1u64 << 53) as f64 <= self.sample_rate {
                    samples.push(SampledText {
                        index: out.len() - 1,
                        key,
                        text: written.body.to_string(),
                    });
                }
            }
        }
    }

    /// Whether sender `s` still awaits an answer to a request after
    /// planning `day`: until its last follow-up has had as long as the
    /// others.
    pub fn still_awaits(&self, s: MemberId, day: u32) -> impl Fn(&Awaiting) -> bool + use<'_> {
        let style = self.style(self.pop.persona[s as usize]);
        let horizon = style.follow_up_after_days * (style.max_follow_ups + 1);
        move |a| a.follow_ups < style.max_follow_ups || day < a.last_day + horizon
    }

    /// Starts loading what [`World::reply`] reads of two members: where
    /// their event lists and the writer's connection list are. Then, once
    /// that has loaded, [`World::warm_reply_near`].
    pub fn warm_reply(&self, from: MemberId, to: MemberId) {
        let pop = self.pop;
        pop.warm_met(from);
        pop.warm_met(to);
        pop.connections.warm_bounds(from);
    }

    /// The second step of [`World::warm_reply`]: the lists themselves
    /// (whether they met, whether they are connected).
    pub fn warm_reply_near(&self, from: MemberId, to: MemberId) {
        let pop = self.pop;
        pop.warm_met_row(from);
        pop.warm_met_row(to);
        pop.connections.warm_row(from);
    }

    /// A reply from `from` to `to` after accepting `to`'s request.
    pub fn reply(&self, from: MemberId, to: MemberId, day: u32, buf: &mut String) -> Intent {
        let v =
            crate::rng::derive(self.seed, &[u64::from(day), u64::from(from), u64::from(to)]) as u32;
        compose_reply(buf, first_name(to), v);
        let written = self.read(buf);
        self.intent(
            self.pair(from, to),
            IntentKind::Reply,
            Topic::Reply,
            true,
            &written,
        )
    }

    /// Whether recipient `r` looks at their requests today: the first draws
    /// of their answering stream, which the answers go on drawing from.
    pub fn looks(&self, r: MemberId, day: u32) -> Option<Look> {
        let model = &self.cfg.recipients;
        let mut rng = stream(self.seed, Purpose::Answer, &[u64::from(day), u64::from(r)]);
        let look = if self.pop.is_page[r as usize] {
            model.page_check_probability
        } else {
            model.check_probability
        };
        if !rng.random_bool(look) {
            return None;
        }
        let see_filtered = rng.random_bool(model.filtered_check_probability);
        Some(Look {
            recipient: r,
            see_filtered,
            rng,
        })
    }

    /// Starts loading what [`World::answer_look`] will read of a look's
    /// requests, in three steps a few looks apart (each step reads what the
    /// one before it loaded): `Far`, the connection-list bounds of the
    /// recipient; `Mid`, of every sender and the recipient's list; `Near`,
    /// every sender's list.
    pub fn warm_look(&self, step: Warm, r: MemberId, requests: &[PendingRequest]) {
        let pop = self.pop;
        match step {
            Warm::Far => {
                pop.connections.warm_bounds(r);
                if let Some(first) = requests.first() {
                    prefetch(first);
                }
            }
            Warm::Mid => {
                pop.connections.warm_row(r);
                for q in requests {
                    pop.connections.warm_bounds(q.sender);
                    prefetch(&pop.persona[q.sender as usize]);
                }
            }
            Warm::Near => {
                for q in requests {
                    pop.connections.warm_row(q.sender);
                }
            }
        }
    }

    /// The answers of a recipient who looks today. `harassed_by` says
    /// whether this recipient remembers abuse from a sender.
    pub fn answer_look(
        &self,
        look: Look,
        requests: &[PendingRequest],
        harassed_by: impl Fn(MemberId) -> bool,
        out: &mut Vec<Answer>,
    ) {
        let Look {
            recipient: r,
            see_filtered,
            mut rng,
        } = look;
        let model = &self.cfg.recipients;
        let is_page = self.pop.is_page[r as usize];
        for q in requests.iter().filter(|q| !q.filtered || see_filtered) {
            let answer = if is_page {
                self.page_response(&mut rng, r, q)
            } else {
                self.person_response(&mut rng, r, q, harassed_by(q.sender), model)
            };
            out.push(answer);
        }
    }

    fn page_response<R: Rng>(&self, rng: &mut R, r: MemberId, q: &PendingRequest) -> Answer {
        let model = &self.cfg.recipients;
        let logit = model.page_accept_bias
            + model.quality_weight * (f64::from(q.quality_score) - 0.5)
            - model.spam_weight * f64::from(q.spam_score);
        let response = if rng.random::<f64>() < sigmoid(logit) {
            Response::Accept
        } else if rng.random_bool(model.ignore_probability) {
            Response::Delete
        } else {
            Response::Leave
        };
        Answer {
            recipient: r,
            sender: q.sender,
            response,
            report: false,
            reply: false,
            saw_abuse: false,
        }
    }

    /// The person's decision on one request. Reads only what a person sees.
    fn person_response<R: Rng>(
        &self,
        rng: &mut R,
        r: MemberId,
        q: &PendingRequest,
        harassed_before: bool,
        m: &RecipientModel,
    ) -> Answer {
        let pop = self.pop;
        let s = q.sender;
        let abusive = q.content.contains(Violation::Abusive);
        let mut answer = Answer {
            recipient: r,
            sender: s,
            response: Response::Leave,
            report: false,
            reply: false,
            saw_abuse: abusive,
        };
        if abusive || harassed_before {
            answer.response = if rng.random_bool(m.block_abusive_probability) {
                Response::Block
            } else {
                Response::Ignore
            };
            answer.report = abusive && rng.random_bool(m.report_abusive_probability);
            return answer;
        }
        let tag = RequestTag(q.tag);
        let shared = pop.connections.common(r, s);
        let mut logit = m.accept_bias + m.quality_weight * (f64::from(q.quality_score) - 0.5)
            - m.spam_weight * f64::from(q.spam_score)
            + m.shared_connections_weight * f64::from(shared).ln_1p() / std::f64::consts::LN_2;
        if pop.industry_of(r) == pop.industry_of(s) {
            logit += m.same_industry_bonus;
        }
        if tag.met() {
            logit += m.met_bonus;
        }
        if tag.topic() == Topic::Job {
            logit += if pop.job_seeking[r as usize] {
                m.job_offer_seeking_bonus
            } else {
                m.job_offer_other_bonus
            };
        }
        if rng.random::<f64>() < sigmoid(logit) {
            answer.response = Response::Accept;
            answer.reply = rng.random_bool(m.reply_probability);
        } else if f64::from(q.spam_score) >= m.report_spam_threshold
            && rng.random_bool(m.report_spam_probability)
        {
            answer.response = Response::Ignore;
            answer.report = true;
        } else if rng.random_bool(m.ignore_probability) {
            answer.response = Response::Ignore;
        }
        answer
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Recipients' memory of who harassed them (pairs recipient, sender).
#[derive(Default, Debug, Clone)]
pub struct Memory {
    harassed: FxHashSet<(MemberId, MemberId)>,
}

impl Memory {
    pub fn remember_abuse(&mut self, recipient: MemberId, sender: MemberId) {
        self.harassed.insert((recipient, sender));
    }

    pub fn harassed(&self, recipient: MemberId, sender: MemberId) -> bool {
        self.harassed.contains(&(recipient, sender))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;
    use crate::violation::Violations;

    /// Two people in one industry, one looking for a job, and a stranger
    /// who writes to them; nobody connected.
    fn three_people() -> Population {
        Population {
            is_page: vec![false; 3],
            persona: vec![Persona::Member; 3],
            industry: vec![0; 3],
            requests_off: vec![false; 3],
            job_seeking: vec![true, false, false],
            connections: crate::population::Csr::empty(3),
            victims: crate::population::Csr::empty(3),
            people_by_industry: vec![vec![0, 1, 2]],
            industry_names: vec!["software".into()],
            ..Population::default()
        }
    }

    fn request(topic: Topic, spam: f32, quality: f32, content: Violations) -> PendingRequest {
        PendingRequest {
            sender: 2,
            opened_day: 0,
            messages: 1,
            filtered: false,
            spam_score: spam,
            quality_score: quality,
            content,
            tag: RequestTag::new(topic, false, false).0,
        }
    }

    /// How recipient `r` answers the same request over many days.
    fn answers(r: MemberId, q: PendingRequest, harassed: bool) -> Vec<Response> {
        let pop = three_people();
        let cfg = BehaviorConfig::default();
        let analyzer = Analyzer::default();
        let world = World::new(&pop, &cfg, &analyzer, 5, 0.0);
        let mut out = Vec::new();
        for day in 0..6_000 {
            if let Some(look) = world.looks(r, day) {
                world.answer_look(look, &[q], |_| harassed, &mut out);
            }
        }
        out.into_iter().map(|a| a.response).collect()
    }

    fn share(responses: &[Response], which: Response) -> f64 {
        responses.iter().filter(|r| **r == which).count() as f64 / responses.len() as f64
    }

    #[test]
    fn job_seekers_accept_a_generic_job_offer_more_often() {
        let offer = request(Topic::Job, 0.2, 0.4, Violations::NONE);
        let seeker = share(&answers(0, offer, false), Response::Accept);
        let other = share(&answers(1, offer, false), Response::Accept);
        assert!(seeker > other + 0.1, "seeker {seeker}, other {other}");
        assert!(
            other > 0.02,
            "a generic offer is sometimes accepted: {other}"
        );
    }

    #[test]
    fn spam_is_almost_never_accepted() {
        let spam = request(
            Topic::Pitch,
            0.95,
            0.1,
            Violations::NONE.with(Violation::Promotional),
        );
        let responses = answers(1, spam, false);
        assert!(share(&responses, Response::Accept) < 0.05);
    }

    #[test]
    fn a_past_harasser_is_blocked_or_ignored_never_accepted() {
        let polite = request(Topic::Outreach, 0.05, 0.9, Violations::NONE);
        let responses = answers(1, polite, true);
        assert_eq!(share(&responses, Response::Accept), 0.0);
        assert!(share(&responses, Response::Block) > 0.5);
        let abusive = request(
            Topic::Abuse,
            0.6,
            0.0,
            Violations::NONE.with(Violation::Abusive),
        );
        assert_eq!(share(&answers(1, abusive, false), Response::Accept), 0.0);
    }

    #[test]
    fn poisson_has_the_right_mean() {
        for mean in [0.3, 3.0, 50.0] {
            let mut rng = stream(1, Purpose::Plan, &[mean as u64]);
            let total: u64 = (0..20_000)
                .map(|_| {
                    let first = rng.random::<f64>();
                    u64::from(poisson(first, &mut rng, mean))
                })
                .sum();
            let got = total as f64 / 20_000.0;
            assert!((got - mean).abs() < 0.05 * mean + 0.02, "{mean}: {got}");
        }
    }
}
