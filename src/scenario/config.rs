//! The typed scenario: every key, its default and its range.

use crate::engine::Policy;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A whole scenario. An empty file gives `Scenario::default()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Names the default report folder; `[A-Za-z0-9_-]+`.
    pub name: String,
    /// Root of every random stream.
    pub seed: u64,
    /// Simulated days.
    pub days: u32,
    /// Independent runs per sweep point.
    pub replications: u32,
    pub population: PopulationConfig,
    pub policy: Policy,
    pub behavior: BehaviorConfig,
    pub analyzer: AnalyzerConfig,
    /// Dotted key -> values; every combination is one sweep point.
    pub sweep: BTreeMap<String, Vec<toml::Value>>,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "baseline".into(),
            seed: 42,
            days: 30,
            replications: 3,
            population: PopulationConfig::default(),
            policy: Policy::default(),
            behavior: BehaviorConfig::default(),
            analyzer: AnalyzerConfig::default(),
            sweep: BTreeMap::new(),
        }
    }
}

/// `[population]`: the synthetic network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PopulationConfig {
    /// Total accounts, people and pages together.
    pub members: u32,
    /// Share of accounts that are business pages.
    pub page_share: f64,
    /// Share of people who turned message requests off.
    pub requests_off_share: f64,
    /// Number of industries.
    pub industries: u32,
    /// Mean number of connections per person.
    pub mean_connections: f64,
    /// Share of people who are looking for a job (visible "open to work").
    pub job_seeking_share: f64,
    /// Share of a person's connections inside their own industry.
    pub in_industry_share: f64,
    /// Spammers' connection weight relative to a person's (new, throwaway
    /// accounts have few connections).
    pub spammer_connection_scale: f64,
    /// Tail index of the Pareto degree weights (> 1; smaller = heavier tail).
    pub degree_shape: f64,
    /// Share of people who attended at least one event.
    pub event_share: f64,
    /// Share of an event's attendees drawn from the event's own industry.
    pub event_home_share: f64,
    /// Mean attendees per event.
    pub event_size: u32,
    /// Mean events per attendee.
    pub events_per_attendee: f64,
    /// People each harasser picks as targets.
    pub harasser_victims: u32,
    /// Import members from this CSV (`id,kind,industry[,persona]`) instead of generating them.
    pub members_file: String,
    /// Import connections from this CSV (`a,b` edge list); needs `members_file`.
    pub connections_file: String,
    /// Share of people sending with each persona; the rest are `member`.
    pub personas: Personas,
}

impl Default for PopulationConfig {
    fn default() -> Self {
        PopulationConfig {
            members: 100_000,
            page_share: 0.02,
            requests_off_share: 0.05,
            industries: 20,
            mean_connections: 40.0,
            job_seeking_share: 0.12,
            in_industry_share: 0.75,
            spammer_connection_scale: 0.2,
            degree_shape: 2.2,
            event_share: 0.30,
            event_home_share: 0.7,
            event_size: 60,
            events_per_attendee: 1.5,
            harasser_victims: 3,
            members_file: String::new(),
            connections_file: String::new(),
            personas: Personas::default(),
        }
    }
}

/// `[population.personas]`: shares of people by sending persona.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Personas {
    pub industry_peer: f64,
    pub recruiter: f64,
    pub conference_contact: f64,
    pub spammer: f64,
    pub harasser: f64,
}

impl Default for Personas {
    fn default() -> Self {
        Personas {
            industry_peer: 0.10,
            recruiter: 0.03,
            conference_contact: 0.05,
            spammer: 0.01,
            harasser: 0.002,
        }
    }
}

impl Personas {
    /// (name, share) in the contract's order.
    pub fn shares(&self) -> [(&'static str, f64); 5] {
        [
            ("industry_peer", self.industry_peer),
            ("recruiter", self.recruiter),
            ("conference_contact", self.conference_contact),
            ("spammer", self.spammer),
            ("harasser", self.harasser),
        ]
    }
}

/// `[analyzer]`: where the rule weights come from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalyzerConfig {
    /// A weights file (TOML or CSV, as written by `score --dump-weights`);
    /// empty = the built-in defaults.
    pub weights_file: String,
}

fn share(key: &'static str, v: f64) -> Result<(), (String, String)> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err((
            key.to_string(),
            format!("{v} is outside [0, 1], expected a share"),
        ))
    }
}

/// Range checks beyond the types; the error names the dotted key.
pub fn check(s: &Scenario) -> Result<(), (String, String)> {
    if s.name.is_empty()
        || !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err((
            "name".into(),
            format!("{:?} is not a valid name, expected [A-Za-z0-9_-]+", s.name),
        ));
    }
    if s.days == 0 {
        return Err(("days".into(), "0 days, expected at least 1".into()));
    }
    if s.replications == 0 {
        return Err(("replications".into(), "0, expected at least 1".into()));
    }
    let p = &s.population;
    if p.members == 0 {
        return Err(("population.members".into(), "0, expected at least 1".into()));
    }
    share("population.page_share", p.page_share)?;
    share("population.requests_off_share", p.requests_off_share)?;
    share("population.job_seeking_share", p.job_seeking_share)?;
    share("population.in_industry_share", p.in_industry_share)?;
    share("population.event_share", p.event_share)?;
    share("population.event_home_share", p.event_home_share)?;
    if !(p.spammer_connection_scale >= 0.0 && p.spammer_connection_scale.is_finite()) {
        return Err((
            "population.spammer_connection_scale".into(),
            format!("{}, expected a number >= 0", p.spammer_connection_scale),
        ));
    }
    if !(p.degree_shape > 1.0 && p.degree_shape.is_finite()) {
        return Err((
            "population.degree_shape".into(),
            format!("{}, expected a number > 1", p.degree_shape),
        ));
    }
    if p.event_size < 2 {
        return Err((
            "population.event_size".into(),
            format!("{}, expected at least 2", p.event_size),
        ));
    }
    if !(p.events_per_attendee >= 1.0 && p.events_per_attendee.is_finite()) {
        return Err((
            "population.events_per_attendee".into(),
            format!("{}, expected a number >= 1", p.events_per_attendee),
        ));
    }
    if !p.connections_file.is_empty() && p.members_file.is_empty() {
        return Err((
            "population.connections_file".into(),
            "set without population.members_file, expected both or neither".into(),
        ));
    }
    if p.industries == 0 {
        return Err((
            "population.industries".into(),
            "0, expected at least 1".into(),
        ));
    }
    if !(p.mean_connections >= 0.0 && p.mean_connections.is_finite()) {
        return Err((
            "population.mean_connections".into(),
            format!("{}, expected a number >= 0", p.mean_connections),
        ));
    }
    let mut total = 0.0;
    for (name, v) in p.personas.shares() {
        if !(0.0..=1.0).contains(&v) {
            return Err((
                format!("population.personas.{name}"),
                format!("{v} is outside [0, 1], expected a share"),
            ));
        }
        total += v;
    }
    if total > 1.0 + 1e-9 {
        return Err((
            "population.personas".into(),
            format!("persona shares add up to {total}, expected at most 1"),
        ));
    }
    s.behavior.check()?;
    s.policy
        .check()
        .map_err(|(k, m)| (format!("policy.{k}"), m))?;
    Ok(())
}

/// A persona's table as given, over that persona's own defaults: a
/// scenario may set just one key of one persona (`[behavior.recruiter]
/// per_day = 5`); unknown keys are still refused.
mod styles {
    use super::SenderStyle;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    fn over<'de, D: Deserializer<'de>>(
        default: SenderStyle,
        d: D,
    ) -> Result<SenderStyle, D::Error> {
        let given = toml::Table::deserialize(d)?;
        let mut merged = match toml::Value::try_from(default) {
            Ok(toml::Value::Table(table)) => table,
            _ => return Err(D::Error::custom("a persona's defaults are not a table")),
        };
        merged.extend(given);
        merged
            .try_into()
            .map_err(|e: toml::de::Error| D::Error::custom(e.message().trim()))
    }

    /// One reader per persona, each over that persona's defaults (serde
    /// names a field's reader by path, so each is a function of its own).
    macro_rules! over_defaults_of {
        ($($persona:ident),*) => {$(
            pub fn $persona<'de, D: Deserializer<'de>>(d: D) -> Result<SenderStyle, D::Error> {
                over(SenderStyle::$persona(), d)
            }
        )*};
    }

    over_defaults_of!(
        member,
        industry_peer,
        recruiter,
        conference_contact,
        spammer,
        harasser
    );
}

/// `[behavior]`: how each persona writes and how recipients answer. Every
/// behavioural constant of the simulator is here, with its default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BehaviorConfig {
    #[serde(default = "SenderStyle::member", deserialize_with = "styles::member")]
    pub member: SenderStyle,
    #[serde(
        default = "SenderStyle::industry_peer",
        deserialize_with = "styles::industry_peer"
    )]
    pub industry_peer: SenderStyle,
    #[serde(
        default = "SenderStyle::recruiter",
        deserialize_with = "styles::recruiter"
    )]
    pub recruiter: SenderStyle,
    #[serde(
        default = "SenderStyle::conference_contact",
        deserialize_with = "styles::conference_contact"
    )]
    pub conference_contact: SenderStyle,
    #[serde(default = "SenderStyle::spammer", deserialize_with = "styles::spammer")]
    pub spammer: SenderStyle,
    #[serde(
        default = "SenderStyle::harasser",
        deserialize_with = "styles::harasser"
    )]
    pub harasser: SenderStyle,
    pub recipients: RecipientModel,
}

impl Default for BehaviorConfig {
    fn default() -> Self {
        BehaviorConfig {
            member: SenderStyle::member(),
            industry_peer: SenderStyle::industry_peer(),
            recruiter: SenderStyle::recruiter(),
            conference_contact: SenderStyle::conference_contact(),
            spammer: SenderStyle::spammer(),
            harasser: SenderStyle::harasser(),
            recipients: RecipientModel::default(),
        }
    }
}

/// How one persona writes: volume, targets, and the probability of each
/// ingredient of a message. What the message *is* (and so how it is scored
/// and answered) emerges from these ingredients.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SenderStyle {
    /// Mean new messages a day (Poisson).
    pub per_day: f64,
    /// Share of messages to the sender's own connections.
    pub to_connections: f64,
    /// Share of the other messages (to strangers) that go to a business page.
    pub to_pages: f64,
    /// Strangers a search draws per message, the first visibly open to
    /// work chosen (else the first drawn); 1 = no preference. Recruiters'
    /// searches use it.
    pub seeker_candidates: u32,
    /// Greets the recipient by name.
    pub greet_by_name: f64,
    /// Says who the sender is.
    pub introduce: f64,
    /// Says why they write.
    pub give_reason: f64,
    /// Refers to the recipient's industry.
    pub mention_industry: f64,
    /// Refers to an event both attended (when there is one).
    pub mention_event: f64,
    /// Offers a job.
    pub job_offer: f64,
    /// Adds a link.
    pub link: f64,
    /// Adds a promotion.
    pub promo: f64,
    /// Talks money.
    pub money: f64,
    /// Pushes to act now.
    pub urgency: f64,
    /// Writes in capitals / with !!!.
    pub shouting: f64,
    /// Insults or threatens.
    pub abusive: f64,
    /// Probability that a day's messages reuse one text (bulk outreach).
    pub bulk: f64,
    /// Days without an answer before following up.
    pub follow_up_after_days: u32,
    /// Follow-ups sent at most per unanswered request.
    pub max_follow_ups: u32,
}

impl SenderStyle {
    fn base() -> Self {
        SenderStyle {
            per_day: 0.05,
            to_connections: 0.0,
            to_pages: 0.0,
            seeker_candidates: 1,
            greet_by_name: 0.7,
            introduce: 0.5,
            give_reason: 0.6,
            mention_industry: 0.2,
            mention_event: 0.0,
            job_offer: 0.0,
            link: 0.02,
            promo: 0.0,
            money: 0.0,
            urgency: 0.0,
            shouting: 0.0,
            abusive: 0.0,
            bulk: 0.0,
            follow_up_after_days: 4,
            max_follow_ups: 1,
        }
    }

    pub fn member() -> Self {
        SenderStyle {
            per_day: 0.05,
            to_connections: 0.85,
            to_pages: 0.1,
            ..Self::base()
        }
    }

    pub fn industry_peer() -> Self {
        SenderStyle {
            per_day: 0.4,
            to_connections: 0.1,
            greet_by_name: 0.9,
            introduce: 0.85,
            give_reason: 0.9,
            mention_industry: 0.7,
            ..Self::base()
        }
    }

    pub fn recruiter() -> Self {
        SenderStyle {
            per_day: 3.0,
            to_connections: 0.05,
            seeker_candidates: 4,
            greet_by_name: 0.5,
            introduce: 0.6,
            give_reason: 0.5,
            mention_industry: 0.3,
            job_offer: 1.0,
            link: 0.15,
            money: 0.1,
            urgency: 0.1,
            bulk: 0.5,
            follow_up_after_days: 5,
            ..Self::base()
        }
    }

    pub fn conference_contact() -> Self {
        SenderStyle {
            per_day: 0.5,
            to_connections: 0.0,
            greet_by_name: 0.9,
            introduce: 0.6,
            give_reason: 0.8,
            mention_event: 0.9,
            ..Self::base()
        }
    }

    pub fn spammer() -> Self {
        SenderStyle {
            per_day: 15.0,
            greet_by_name: 0.1,
            introduce: 0.2,
            give_reason: 0.1,
            mention_industry: 0.1,
            link: 0.8,
            promo: 0.7,
            money: 0.5,
            urgency: 0.5,
            shouting: 0.3,
            bulk: 0.9,
            follow_up_after_days: 2,
            max_follow_ups: 3,
            ..Self::base()
        }
    }

    pub fn harasser() -> Self {
        SenderStyle {
            per_day: 1.5,
            greet_by_name: 0.6,
            introduce: 0.0,
            give_reason: 0.0,
            mention_industry: 0.0,
            link: 0.0,
            shouting: 0.4,
            abusive: 0.8,
            follow_up_after_days: 1,
            max_follow_ups: 10,
            ..Self::base()
        }
    }

    /// (key, value) of every probability, for range checks.
    pub fn probabilities(&self) -> [(&'static str, f64); 15] {
        [
            ("to_connections", self.to_connections),
            ("to_pages", self.to_pages),
            ("greet_by_name", self.greet_by_name),
            ("introduce", self.introduce),
            ("give_reason", self.give_reason),
            ("mention_industry", self.mention_industry),
            ("mention_event", self.mention_event),
            ("job_offer", self.job_offer),
            ("link", self.link),
            ("promo", self.promo),
            ("money", self.money),
            ("urgency", self.urgency),
            ("shouting", self.shouting),
            ("abusive", self.abusive),
            ("bulk", self.bulk),
        ]
    }
}

/// The most strangers a search may draw per message
/// ([`SenderStyle::seeker_candidates`]).
pub const MAX_SEEKER_CANDIDATES: u32 = 8;

/// `[behavior.recipients]`: how a person looks at and answers requests.
/// P(accept) is a logistic function of what the person can see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecipientModel {
    /// Daily probability that a person opens their requests tab.
    pub check_probability: f64,
    /// Daily probability that a page's admin opens the page's requests.
    pub page_check_probability: f64,
    /// Daily probability that a person also looks into the filtered folder.
    pub filtered_check_probability: f64,
    /// Log-odds of accepting an average, unrelated request.
    pub accept_bias: f64,
    /// Log-odds per unit of quality score above 0.5.
    pub quality_weight: f64,
    /// Log-odds lost per unit of spam score.
    pub spam_weight: f64,
    /// Log-odds gained when the sender works in the recipient's industry.
    pub same_industry_bonus: f64,
    /// Log-odds per doubling of shared connections (ln(1 + shared) / ln 2).
    pub shared_connections_weight: f64,
    /// Log-odds gained when the two met at an event.
    pub met_bonus: f64,
    /// Log-odds a job offer gains with a job-seeking recipient.
    pub job_offer_seeking_bonus: f64,
    /// Log-odds a job offer gains (or loses) with anyone else.
    pub job_offer_other_bonus: f64,
    /// Log-odds of a page admin accepting an average request.
    pub page_accept_bias: f64,
    /// When not accepting: probability of ignoring (else it stays pending).
    pub ignore_probability: f64,
    /// Spam score above which a person may report the sender.
    pub report_spam_threshold: f64,
    /// Probability of reporting a request above that threshold.
    pub report_spam_probability: f64,
    /// Probability of blocking an abusive sender.
    pub block_abusive_probability: f64,
    /// Probability of reporting an abusive sender.
    pub report_abusive_probability: f64,
    /// Probability of replying (the next day) after accepting.
    pub reply_probability: f64,
}

impl Default for RecipientModel {
    fn default() -> Self {
        RecipientModel {
            check_probability: 0.45,
            page_check_probability: 0.3,
            filtered_check_probability: 0.03,
            accept_bias: -1.6,
            quality_weight: 3.0,
            spam_weight: 4.0,
            same_industry_bonus: 0.5,
            shared_connections_weight: 0.45,
            met_bonus: 2.2,
            job_offer_seeking_bonus: 1.6,
            job_offer_other_bonus: -0.4,
            page_accept_bias: 0.0,
            ignore_probability: 0.6,
            report_spam_threshold: 0.6,
            report_spam_probability: 0.35,
            block_abusive_probability: 0.8,
            report_abusive_probability: 0.7,
            reply_probability: 0.6,
        }
    }
}

impl RecipientModel {
    pub fn probabilities(&self) -> [(&'static str, f64); 9] {
        [
            ("check_probability", self.check_probability),
            ("page_check_probability", self.page_check_probability),
            (
                "filtered_check_probability",
                self.filtered_check_probability,
            ),
            ("ignore_probability", self.ignore_probability),
            ("report_spam_threshold", self.report_spam_threshold),
            ("report_spam_probability", self.report_spam_probability),
            ("block_abusive_probability", self.block_abusive_probability),
            (
                "report_abusive_probability",
                self.report_abusive_probability,
            ),
            ("reply_probability", self.reply_probability),
        ]
    }
}

impl BehaviorConfig {
    /// The sender style of each persona, by persona index.
    pub fn styles(&self) -> [(&'static str, &SenderStyle); 6] {
        [
            ("member", &self.member),
            ("industry_peer", &self.industry_peer),
            ("recruiter", &self.recruiter),
            ("conference_contact", &self.conference_contact),
            ("spammer", &self.spammer),
            ("harasser", &self.harasser),
        ]
    }

    pub fn check(&self) -> Result<(), (String, String)> {
        for (persona, style) in self.styles() {
            if !(style.per_day >= 0.0 && style.per_day <= 1000.0) {
                return Err((
                    format!("behavior.{persona}.per_day"),
                    format!("{}, expected a rate in [0, 1000]", style.per_day),
                ));
            }
            if !(1..=MAX_SEEKER_CANDIDATES).contains(&style.seeker_candidates) {
                return Err((
                    format!("behavior.{persona}.seeker_candidates"),
                    format!(
                        "{}, expected 1 to {MAX_SEEKER_CANDIDATES}",
                        style.seeker_candidates
                    ),
                ));
            }
            for (key, v) in style.probabilities() {
                if !(0.0..=1.0).contains(&v) {
                    return Err((
                        format!("behavior.{persona}.{key}"),
                        format!("{v} is outside [0, 1], expected a probability"),
                    ));
                }
            }
        }
        for (key, v) in self.recipients.probabilities() {
            if !(0.0..=1.0).contains(&v) {
                return Err((
                    format!("behavior.recipients.{key}"),
                    format!("{v} is outside [0, 1], expected a probability"),
                ));
            }
        }
        let r = &self.recipients;
        for (key, v) in [
            ("quality_weight", r.quality_weight),
            ("spam_weight", r.spam_weight),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err((
                    format!("behavior.recipients.{key}"),
                    format!("{v}, expected a weight >= 0"),
                ));
            }
        }
        Ok(())
    }
}
