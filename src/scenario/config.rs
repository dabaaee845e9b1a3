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
    s.policy
        .check()
        .map_err(|(k, m)| (format!("policy.{k}"), m))?;
    Ok(())
}
