//! Synthetic (or imported) member populations: people and business pages,
//! industries, personas, settings, a connection graph shaped like a
//! professional network, events where people met, and harassers' targets.
//!
//! Personas are labels for measuring the product: the behaviour of a persona
//! is what it writes and to whom; recipients and the analyzer never read them.

pub mod graph;
mod import;

pub use graph::{Alias, Csr};
pub use import::{import, sized_like_files};

use crate::prefetch::prefetch;
use crate::rng::{stream, Purpose};
use crate::scenario::{Personas, PopulationConfig};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

/// A member's sending persona.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Persona {
    Member = 0,
    IndustryPeer = 1,
    Recruiter = 2,
    ConferenceContact = 3,
    Spammer = 4,
    Harasser = 5,
}

impl Persona {
    pub const ALL: [Persona; 6] = [
        Persona::Member,
        Persona::IndustryPeer,
        Persona::Recruiter,
        Persona::ConferenceContact,
        Persona::Spammer,
        Persona::Harasser,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Persona::Member => "member",
            Persona::IndustryPeer => "industry_peer",
            Persona::Recruiter => "recruiter",
            Persona::ConferenceContact => "conference_contact",
            Persona::Spammer => "spammer",
            Persona::Harasser => "harasser",
        }
    }

    pub fn parse(s: &str) -> Option<Persona> {
        Persona::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Spammers and harassers: the senders a policy should stop.
    pub fn is_bad_actor(self) -> bool {
        matches!(self, Persona::Spammer | Persona::Harasser)
    }

    /// The persona of a person whose uniform draw in [0, 1) is `u`: the
    /// configured personas take consecutive slices of [0, 1) by share, in
    /// the contract's order, and `Member` the rest.
    pub fn draw(personas: &Personas, mut u: f64) -> Persona {
        for (i, (_, share)) in personas.shares().iter().enumerate() {
            if u < *share {
                return Persona::ALL[i + 1];
            }
            u -= share;
        }
        Persona::Member
    }

    /// Each persona's expected share of people, as [`Persona::draw`] deals
    /// them (index = `Persona as usize`).
    pub fn shares_of_people(personas: &Personas) -> [f64; 6] {
        let shares = personas.shares();
        let mut out = [0.0; 6];
        out[Persona::Member as usize] = 1.0 - shares.iter().map(|(_, share)| share).sum::<f64>();
        for (i, (_, share)) in shares.iter().enumerate() {
            out[i + 1] = *share;
        }
        out
    }
}

/// Industry names; industries beyond the list are numbered.
const INDUSTRY_NAMES: &[&str] = &[
    "software",
    "finance",
    "healthcare",
    "marketing",
    "education",
    "logistics",
    "energy",
    "retail",
    "manufacturing",
    "consulting",
    "media",
    "legal",
    "real estate",
    "biotech",
    "telecom",
    "automotive",
    "hospitality",
    "insurance",
    "design",
    "government",
    "aerospace",
    "agriculture",
    "gaming",
    "nonprofit",
];

const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Cho", "Dee", "Eli", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi", "Lena",
    "Mateo", "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Victor", "Wen",
    "Ximena", "Yusuf", "Zoe", "Aiko", "Bruno", "Carmen", "Dmitri", "Elif", "Felix", "Grace",
    "Hugo", "Ines", "Jonas", "Kira", "Luis", "Maya", "Noah",
];

/// The name of an industry index.
pub fn industry_name(i: u16) -> String {
    INDUSTRY_NAMES
        .get(i as usize)
        .map_or_else(|| format!("industry {i}"), |s| s.to_string())
}

/// A member's first name (derived from the id; only used in texts).
pub fn first_name(member: u32) -> &'static str {
    FIRST_NAMES[(crate::rng::mix(u64::from(member)) % FIRST_NAMES.len() as u64) as usize]
}

/// The network the simulator runs on.
#[derive(Clone, Debug, Default)]
pub struct Population {
    pub is_page: Vec<bool>,
    pub persona: Vec<Persona>,
    /// Each member's industry; read it through [`Population::industry_of`].
    pub industry: Vec<u16>,
    /// Where each industry's block of ids starts, when members are numbered
    /// industry by industry (a generated network always is, see
    /// [`generate`]; an import whose rows come so is too): a member's
    /// industry is then found in this short list, not by a random read of
    /// `industry`, which on a large network misses the caches on every
    /// message written and every request looked at.
    pub(crate) industry_starts: Option<Vec<u32>>,
    pub requests_off: Vec<bool>,
    pub job_seeking: Vec<bool>,
    /// Connections (symmetric, people only).
    pub connections: Csr,
    /// Event -> attendees.
    pub events: Csr,
    /// Person -> events attended.
    pub attended: Csr,
    /// Bit m: person m attended at least one event.
    pub(crate) attendees: Vec<u64>,
    /// Harasser -> chosen targets (empty rows for everyone else).
    pub victims: Csr,
    /// People (not pages) of each industry: those open to work first, then
    /// the others (each part by id).
    pub people_by_industry: Vec<Vec<u32>>,
    /// How many of each industry's people are open to work (they lead its
    /// list in `people_by_industry`).
    pub seekers_by_industry: Vec<u32>,
    /// Every business page.
    pub pages: Vec<u32>,
    /// Names of the industries.
    pub industry_names: Vec<String>,
    /// An imported population's ids, by member number (the members file's
    /// rows in order); empty for a generated one, whose members are numbers.
    pub ids: std::sync::Arc<[String]>,
}

impl Population {
    pub fn len(&self) -> usize {
        self.is_page.len()
    }

    pub fn is_empty(&self) -> bool {
        self.is_page.is_empty()
    }

    /// Whether `a` and `b` attended an event together.
    pub fn met(&self, a: u32, b: u32) -> Option<u32> {
        // Most people attend none: a small bit set answers for them without
        // reading the (large) attendance table.
        if !self.attends_any(a) || !self.attends_any(b) {
            return None;
        }
        let (x, y) = (self.attended.row(a), self.attended.row(b));
        x.iter().find(|e| y.binary_search(e).is_ok()).copied()
    }

    /// Starts loading what [`Population::met`] reads of member `m` (the
    /// small attendance bit set is read now; it is near at hand).
    pub fn warm_met(&self, m: u32) {
        if self.attends_any(m) {
            self.attended.warm_bounds(m);
        }
    }

    /// The second step of [`Population::warm_met`], once the bounds are in:
    /// the events `m` attended.
    pub fn warm_met_row(&self, m: u32) {
        if self.attends_any(m) {
            self.attended.warm_row(m);
        }
    }

    fn attends_any(&self, m: u32) -> bool {
        self.attendees
            .get(m as usize / 64)
            .is_some_and(|w| w >> (m % 64) & 1 != 0)
    }

    /// Member count per persona.
    pub fn persona_counts(&self) -> [u64; 6] {
        let mut counts = [0u64; 6];
        for p in &self.persona {
            counts[*p as usize] += 1;
        }
        counts
    }

    /// Member `m`'s industry.
    pub fn industry_of(&self, m: u32) -> u16 {
        match &self.industry_starts {
            // The last block starting at or before `m` (an empty industry's
            // block starts where the next one does).
            Some(starts) => (starts.partition_point(|&start| start <= m) - 1) as u16,
            None => self.industry[m as usize],
        }
    }

    /// The name of member `m`'s industry.
    pub fn industry_name_of(&self, m: u32) -> &str {
        &self.industry_names[self.industry_of(m) as usize]
    }

    /// Fills the derived indexes (people by industry, open to work first;
    /// pages; the industries' blocks of ids, if members are numbered so).
    fn index(&mut self, industries: usize) {
        let this = &*self;
        let people = |seeking: bool| {
            (0..this.len() as u32).filter(move |&m| {
                !this.is_page[m as usize] && this.job_seeking[m as usize] == seeking
            })
        };
        let mut by_industry = vec![Vec::new(); industries];
        for m in people(true) {
            by_industry[this.industry[m as usize] as usize].push(m);
        }
        let seekers = by_industry.iter().map(|p| p.len() as u32).collect();
        for m in people(false) {
            by_industry[this.industry[m as usize] as usize].push(m);
        }
        let pages = (0..this.len() as u32)
            .filter(|&m| this.is_page[m as usize])
            .collect();
        self.people_by_industry = by_industry;
        self.seekers_by_industry = seekers;
        self.pages = pages;
        self.industry_starts = self.industry.is_sorted().then(|| {
            (0..industries as u16)
                .map(|i| self.industry.partition_point(|&j| j < i) as u32)
                .collect()
        });
        self.industry_names = (0..industries as u16).map(industry_name).collect();
    }
}

/// Bytes a generated population of this size needs, roughly (used to
/// refuse scenarios too large for the machine before allocating):
/// `(while it is built, once built)`.
pub fn estimated_bytes(cfg: &PopulationConfig) -> (u64, u64) {
    let n = u64::from(cfg.members);
    let edges = (n as f64 * cfg.mean_connections / 2.0) as u64;
    // While the CSR is built: the edge list (8 B/edge) dealt into buckets
    // in both directions (16 B/edge), then the buckets and the targets
    // (8 B/edge); and the per-member data. Built: both directions of every
    // edge (8 B/edge) and the per-member data.
    (n * 64 + edges * 24, n * 32 + edges * 8)
}

/// Generates a population for one replication.
pub fn generate(cfg: &PopulationConfig, seed: u64, replication: u32) -> Population {
    let n = cfg.members as usize;
    let industries = cfg.industries as usize;
    let rep = u64::from(replication);
    let mut pop = Population {
        is_page: vec![false; n],
        persona: vec![Persona::Member; n],
        industry: vec![0; n],
        requests_off: vec![false; n],
        job_seeking: vec![false; n],
        ..Population::default()
    };
    for m in 0..n {
        let mut rng = stream(seed, Purpose::Members, &[rep, m as u64]);
        // Industries take contiguous blocks of ids: ids are only labels, and
        // this way same-industry members (most links and messages) sit near
        // each other in every per-member table.
        pop.industry[m] = (m * industries / n) as u16;
        if rng.random_bool(cfg.page_share) {
            pop.is_page[m] = true;
            continue;
        }
        pop.persona[m] = Persona::draw(&cfg.personas, rng.random());
        pop.requests_off[m] = rng.random_bool(cfg.requests_off_share);
        pop.job_seeking[m] = rng.random_bool(cfg.job_seeking_share);
    }
    pop.index(industries);
    pop.connections = connect(&pop, cfg, seed, rep);
    add_events(&mut pop, cfg, seed, rep);
    pick_victims(&mut pop, cfg, seed, rep);
    pop
}

/// A Chung-Lu graph: each person gets a Pareto weight with the configured
/// mean and starts a Poisson number of links, half its weight on average;
/// a link's other end is drawn by weight inside the same industry (with
/// `in_industry_share`) or anywhere. A person's expected degree is then its
/// weight (the links it starts and those others start to it), heavy-tailed
/// with the configured mean (less the few duplicates dropped).
///
/// This is the classic form of drawing every edge's two ends by weight: the
/// number of edges starting at each person is the same Poisson count either
/// way. Walking the people in order instead of drawing first ends at random
/// keeps the first ends' reads in order and the second ends' table mostly
/// the one industry's, small enough for a core's cache.
fn connect(pop: &Population, cfg: &PopulationConfig, seed: u64, rep: u64) -> Csr {
    let n = pop.len();
    let alpha = cfg.degree_shape;
    let x_min = cfg.mean_connections * (alpha - 1.0) / alpha;
    let cap = (n as f64 / 4.0).max(1.0);
    let weight: Vec<f64> = (0..n)
        .map(|m| {
            if pop.is_page[m] {
                return 0.0;
            }
            let u: f64 = stream(seed, Purpose::Graph, &[rep, m as u64]).random();
            let w = x_min / (1.0 - u).powf(1.0 / alpha);
            // New, throwaway accounts: spammers have few connections.
            let scale = if pop.persona[m] == Persona::Spammer {
                cfg.spammer_connection_scale
            } else {
                1.0
            };
            (w * scale).min(cap)
        })
        .collect();
    let everyone = Alias::new(&weight);
    if everyone.is_empty() {
        return Csr::empty(n);
    }
    let by_industry: Vec<Alias> = pop
        .people_by_industry
        .iter()
        .map(|members| {
            let weights: Vec<f64> = members.iter().map(|m| weight[*m as usize]).collect();
            Alias::of(&weights, members)
        })
        .collect();
    let parts: Vec<Vec<(u32, u32)>> = weight
        .par_chunks(LINK_CHUNK)
        .enumerate()
        .map(|(c, part)| {
            // Room for the part's Poisson total, so that it is not copied
            // as it grows, nor left with twice the room it needs.
            let expected = part.iter().sum::<f64>() / 2.0;
            let mut out = Vec::with_capacity((expected + 4.0 * expected.sqrt()) as usize + 16);
            let mut block = EdgeBlock::new(&everyone);
            for (m, w) in (c * LINK_CHUNK..).zip(part) {
                let Ok(links) = Poisson::new(w / 2.0) else {
                    continue; // no weight (a page), no links of its own
                };
                // Where the in-industry links' other ends come from.
                let own = &by_industry[pop.industry[m] as usize];
                let own = if own.is_empty() { &everyone } else { own };
                let mut rng = stream(seed, Purpose::Graph, &[rep, m as u64, LINKS]);
                for _ in 0..links.sample(&mut rng) as u64 {
                    let second = rng.next_u64();
                    let table = if rng.random_bool(cfg.in_industry_share) {
                        own
                    } else {
                        &everyone
                    };
                    if block.add(m as u32, second, table) {
                        block.resolve(&mut out);
                    }
                }
            }
            block.resolve(&mut out);
            out
        })
        .collect();
    Csr::from_parts(n, parts, true)
}

/// People per part of [`connect`]'s links (parts are drawn in parallel;
/// each person's links come from its own stream, so the parts' size changes
/// nothing drawn).
const LINK_CHUNK: usize = 1 << 12;

/// Key of a person's links' stream (its weight's is the person's id alone).
const LINKS: u64 = 1;

/// Links drawn together: their second ends' table slots are all started
/// loading before any is read (the table of everyone lives far from the
/// CPU on a million members).
const EDGE_BLOCK: usize = 32;

struct EdgeBlock<'a> {
    /// Links drawn and not yet resolved.
    len: usize,
    /// Their first ends (the person starting each).
    first: [u32; EDGE_BLOCK],
    /// The raw draw for each second end, and the table it is drawn from.
    second: [u64; EDGE_BLOCK],
    table: [&'a Alias; EDGE_BLOCK],
}

impl<'a> EdgeBlock<'a> {
    /// An empty block (`any` fills the unused places).
    fn new(any: &'a Alias) -> Self {
        EdgeBlock {
            len: 0,
            first: [0; EDGE_BLOCK],
            second: [0; EDGE_BLOCK],
            table: [any; EDGE_BLOCK],
        }
    }

    /// Adds a link of `first`'s whose other end is `table`'s draw `second`,
    /// and starts loading the slot it reads. Whether the block is full.
    fn add(&mut self, first: u32, second: u64, table: &'a Alias) -> bool {
        let e = self.len;
        (self.first[e], self.second[e], self.table[e]) = (first, second, table);
        prefetch(table.slot(second));
        self.len += 1;
        self.len == EDGE_BLOCK
    }

    /// The links added, emptying the block.
    fn resolve(&mut self, out: &mut Vec<(u32, u32)>) {
        for e in 0..self.len {
            out.push((self.first[e], self.table[e].resolve(self.second[e])));
        }
        self.len = 0;
    }
}

/// Events: each gathers people mostly from one industry.
fn add_events(pop: &mut Population, cfg: &PopulationConfig, seed: u64, rep: u64) {
    let people = pop.len() - pop.pages.len();
    let seats = people as f64 * cfg.event_share * cfg.events_per_attendee;
    let count = (seats / f64::from(cfg.event_size)).round() as usize;
    let mut rows: Vec<(u32, u32)> = Vec::new();
    for e in 0..count {
        let mut rng = stream(seed, Purpose::Events, &[rep, e as u64]);
        let industry = rng.random_range(0..pop.people_by_industry.len());
        let size = rng.random_range(cfg.event_size / 2..=cfg.event_size * 3 / 2);
        for _ in 0..size {
            let pool = if rng.random_bool(cfg.event_home_share)
                && !pop.people_by_industry[industry].is_empty()
            {
                &pop.people_by_industry[industry]
            } else {
                &pop.people_by_industry[rng.random_range(0..pop.people_by_industry.len())]
            };
            if !pool.is_empty() {
                rows.push((e as u32, pool[rng.random_range(0..pool.len())]));
            }
        }
    }
    pop.events = Csr::from_pairs(count, rows, false);
    pop.attended = pop.events.transpose(pop.len());
    pop.attendees = vec![0; pop.len().div_ceil(64)];
    for m in 0..pop.len() {
        if !pop.attended.row(m as u32).is_empty() {
            pop.attendees[m / 64] |= 1 << (m % 64);
        }
    }
}

/// Each harasser picks a few people as targets.
fn pick_victims(pop: &mut Population, cfg: &PopulationConfig, seed: u64, rep: u64) {
    let mut rows = Vec::new();
    let people: Vec<u32> = pop.people_by_industry.iter().flatten().copied().collect();
    for m in 0..pop.len() as u32 {
        if pop.persona[m as usize] != Persona::Harasser || people.len() < 2 {
            continue;
        }
        let mut rng = stream(seed, Purpose::Victims, &[rep, u64::from(m)]);
        for _ in 0..cfg.harasser_victims {
            let v = people[rng.random_range(0..people.len())];
            if v != m {
                rows.push((m, v));
            }
        }
    }
    pop.victims = Csr::from_pairs(pop.len(), rows, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PopulationConfig {
        PopulationConfig {
            members: 5_000,
            ..PopulationConfig::default()
        }
    }

    /// The shares the memory estimate assumes are the shares drawn.
    #[test]
    fn persona_draws_follow_the_shares_of_people() {
        let personas = Personas {
            spammer: 0.25,
            harasser: 0.05,
            ..Personas::default()
        };
        let expected = Persona::shares_of_people(&personas);
        let steps = 100_000;
        let mut drawn = [0u32; 6];
        for i in 0..steps {
            drawn[Persona::draw(&personas, (f64::from(i) + 0.5) / f64::from(steps)) as usize] += 1;
        }
        for p in Persona::ALL {
            let share = f64::from(drawn[p as usize]) / f64::from(steps);
            assert!(
                (share - expected[p as usize]).abs() < 1e-4,
                "{p:?}: {share}"
            );
        }
        assert!(expected[Persona::Member as usize] > 0.5);
    }

    #[test]
    fn shares_and_degrees_match_the_configuration() {
        let cfg = small();
        let pop = generate(&cfg, 7, 0);
        assert_eq!(pop.len(), 5_000);
        let pages = pop.pages.len() as f64 / 5_000.0;
        assert!((pages - 0.02).abs() < 0.01, "{pages}");
        let people = 5_000 - pop.pages.len();
        let mean = pop.connections.len() as f64 / people as f64;
        assert!(mean > 30.0 && mean < 45.0, "mean degree {mean}");
        let max = (0..5_000).map(|m| pop.connections.degree(m)).max().unwrap();
        assert!(
            max as f64 > 4.0 * mean,
            "heavy tail: max {max} vs mean {mean}"
        );
        let same: usize = (0..5_000u32)
            .map(|m| {
                pop.connections
                    .row(m)
                    .iter()
                    .filter(|o| pop.industry[**o as usize] == pop.industry[m as usize])
                    .count()
            })
            .sum();
        let inside = same as f64 / pop.connections.len() as f64;
        assert!(inside > 0.6, "in-industry share {inside}");
        for &p in &pop.pages {
            assert_eq!(pop.connections.degree(p), 0);
        }
    }

    #[test]
    fn generation_is_deterministic_and_keyed_by_replication() {
        let cfg = small();
        let a = generate(&cfg, 7, 0);
        let b = generate(&cfg, 7, 0);
        let c = generate(&cfg, 7, 1);
        assert_eq!(a.connections, b.connections);
        assert_eq!(a.persona, b.persona);
        assert_ne!(a.connections, c.connections);
    }

    #[test]
    fn harassers_have_targets_and_events_have_attendees() {
        let pop = generate(&small(), 3, 0);
        for m in 0..pop.len() as u32 {
            let is_harasser = pop.persona[m as usize] == Persona::Harasser;
            assert_eq!(pop.victims.degree(m) > 0, is_harasser);
        }
        assert!(pop.events.rows() > 0);
        assert!(pop.attended.len() == pop.events.len());
    }

    #[test]
    fn a_members_industry_is_found_from_the_blocks_as_from_the_list() {
        let pop = generate(&small(), 3, 0);
        assert!(pop.industry_starts.is_some(), "generated: in blocks");
        for m in 0..pop.len() as u32 {
            assert_eq!(pop.industry_of(m), pop.industry[m as usize], "member {m}");
        }
        // Blocks with an industry nobody is in, and members out of order.
        let mut pop = Population {
            is_page: vec![false; 5],
            job_seeking: vec![false; 5],
            industry: vec![0, 0, 2, 2, 3],
            ..Population::default()
        };
        pop.index(4);
        assert_eq!(pop.industry_starts.as_deref(), Some(&[0, 2, 2, 4][..]));
        let found: Vec<u16> = (0..5).map(|m| pop.industry_of(m)).collect();
        assert_eq!(found, pop.industry);
        pop.industry = vec![1, 0, 1, 0, 0];
        pop.index(2);
        assert!(
            pop.industry_starts.is_none(),
            "not in blocks: the list is read"
        );
        assert_eq!(pop.industry_of(2), 1);
    }

    #[test]
    fn each_industry_lists_every_person_once_open_to_work_first() {
        let pop = generate(&small(), 3, 0);
        let mut listed = vec![0u32; pop.len()];
        for (industry, people) in pop.people_by_industry.iter().enumerate() {
            let seekers = pop.seekers_by_industry[industry] as usize;
            for (i, &m) in people.iter().enumerate() {
                listed[m as usize] += 1;
                assert_eq!(pop.industry[m as usize] as usize, industry);
                assert_eq!(pop.job_seeking[m as usize], i < seekers, "member {m}");
            }
            assert!(people[..seekers].is_sorted() && people[seekers..].is_sorted());
        }
        for (m, (&times, &page)) in listed.iter().zip(&pop.is_page).enumerate() {
            assert_eq!(times, u32::from(!page), "member {m}");
        }
    }
}
