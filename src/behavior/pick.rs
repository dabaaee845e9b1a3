//! Whom senders write to, chosen for a batch of senders at once.
//!
//! Choosing a recipient may take a chain of reads of large tables, each
//! needing the one before: a friend's connection list's bounds, then one
//! entry of it. On a network of a million members each read waits on
//! memory, and one message at a time the waits add up (they were a sixth of
//! planning at a million members).
//! Here every message of a batch advances one [`Step`] per pass, and each
//! step starts loading what the next one reads, so the batch's waits
//! overlap.
//!
//! Each sender draws from its own stream keyed by (seed, day, sender), in a
//! fixed order (the day's count, every message's first step, then every
//! message's second step, ...), so the choice does not depend on the batch.

use super::{poisson, World};
use crate::engine::MemberId;
use crate::population::{Persona, Population};
use crate::prefetch::prefetch;
use crate::rng::{stream, Purpose};
use crate::scenario::SenderStyle;
use rand::RngExt;
use rand_pcg::Pcg64Mcg;

/// Where the choice of one recipient stands.
#[derive(Clone, Copy, Debug)]
enum Step<'a> {
    Chosen(MemberId),
    /// Nobody to write to (an empty list to pick from).
    NoOne,
    /// A member drawn from a list, loading.
    Drawn(&'a u32),
    /// A connection of the sender drawn, loading: one of theirs next.
    Friend(&'a u32),
    /// An event the sender attended: one of its attendees next.
    EventOf(u32),
    /// The attendee drawn, loading.
    Attendee(&'a u32),
    /// A connection of the sender, the bounds of their connections loading:
    /// one of theirs next.
    FriendOf(MemberId),
    /// The friend's connection drawn, loading.
    FriendsConnection(&'a u32),
    /// A friend of a friend: chosen if in the sender's industry (a step of
    /// its own though nothing is left to load: a sender's draws keep their
    /// order, pass by pass).
    FriendOfFriend(MemberId),
}

impl Step<'_> {
    fn settled(&self) -> bool {
        matches!(self, Step::Chosen(_) | Step::NoOne)
    }
}

/// The day's recipients of a batch of senders, in the batch's order.
#[derive(Debug, Default)]
pub struct Recipients {
    chosen: Vec<MemberId>,
    /// Where each sender's recipients end in `chosen`.
    ends: Vec<usize>,
}

impl Recipients {
    /// The recipients of the `k`th sender of the batch.
    pub fn of(&self, k: usize) -> &[MemberId] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.chosen[start..self.ends[k]]
    }
}

fn pick<'a>(rng: &mut Pcg64Mcg, list: &'a [u32]) -> Option<&'a u32> {
    (!list.is_empty()).then(|| &list[rng.random_range(0..list.len())])
}

/// A step to the member at `entry`, or to nobody.
fn chosen(entry: Option<&u32>) -> Step<'static> {
    entry.map_or(Step::NoOne, |m| Step::Chosen(*m))
}

/// A step to the member at `entry` once loaded (a large table's), or to nobody.
fn drawn(entry: Option<&u32>) -> Step<'_> {
    entry.map_or(Step::NoOne, |m| {
        prefetch(m);
        Step::Drawn(m)
    })
}

impl<'a> World<'a> {
    /// Chooses the day's recipients of a batch of senders, each given with
    /// the day's first draw from [`World::wakes`]: how many new messages
    /// (Poisson, the persona's `per_day`), and to whom. A sender never
    /// writes to itself; a message without a recipient is not written.
    pub fn choose_recipients(
        &self,
        day: u32,
        senders: impl Iterator<Item = (MemberId, f64)>,
    ) -> Recipients {
        let pop = self.pop;
        let mut batch: Vec<(MemberId, Pcg64Mcg)> = Vec::new();
        let mut steps: Vec<Step<'a>> = Vec::new();
        let mut ends = Vec::new();
        for (s, first) in senders {
            let style = self.style(pop.persona[s as usize]);
            let mut rng = stream(
                self.seed,
                Purpose::Recipients,
                &[u64::from(day), u64::from(s)],
            );
            let count = poisson(first, &mut rng, style.per_day);
            steps.extend((0..count).map(|_| self.first_step(&mut rng, s, style)));
            ends.push(steps.len());
            batch.push((s, rng));
        }
        let mut unsettled = true;
        while unsettled {
            unsettled = false;
            let mut start = 0;
            for ((s, rng), &end) in batch.iter_mut().zip(&ends) {
                for step in steps[start..end].iter_mut().filter(|q| !q.settled()) {
                    *step = self.next_step(*step, rng, *s);
                    unsettled |= !step.settled();
                }
                start = end;
            }
        }
        let mut chosen = Vec::with_capacity(steps.len());
        let mut kept_ends = Vec::with_capacity(ends.len());
        let mut start = 0;
        for ((s, _), &end) in batch.iter().zip(&ends) {
            for step in &steps[start..end] {
                if let Step::Chosen(r) = *step {
                    if r != *s {
                        // What writing to them will read.
                        pop.warm_met(r);
                        chosen.push(r);
                    }
                }
            }
            kept_ends.push(chosen.len());
            start = end;
        }
        // The second step of `warm_met`, the bounds having had a pass to load.
        for &r in &chosen {
            pop.warm_met_row(r);
        }
        Recipients {
            chosen,
            ends: kept_ends,
        }
    }

    /// The first step of choosing a recipient: a connection, a page, or a
    /// stranger the persona looks for.
    fn first_step(&self, rng: &mut Pcg64Mcg, s: MemberId, style: &SenderStyle) -> Step<'a> {
        let pop: &'a Population = self.pop;
        let own = pop.connections.row(s);
        if rng.random_bool(style.to_connections) && !own.is_empty() {
            return drawn(pick(rng, own));
        }
        if style.to_pages > 0.0 && rng.random_bool(style.to_pages) {
            return chosen(pick(rng, &pop.pages));
        }
        match pop.persona[s as usize] {
            Persona::Harasser => chosen(pick(rng, pop.victims.row(s))),
            Persona::Spammer => Step::Chosen(rng.random_range(0..pop.len() as u32)),
            Persona::ConferenceContact => match pick(rng, pop.attended.row(s)) {
                Some(&event) => {
                    pop.events.warm_bounds(event);
                    Step::EventOf(event)
                }
                None => Step::NoOne,
            },
            Persona::Recruiter => {
                let i = rng.random_range(0..pop.people_by_industry.len());
                let (pool, seekers) = (&pop.people_by_industry[i], pop.seekers_by_industry[i]);
                if pool.is_empty() {
                    return Step::NoOne;
                }
                // Recruiters look for people visibly open to work first,
                // among `seeker_candidates` strangers of an industry (the
                // first if none is): drawn directly, the chance that one of
                // them is open to work, then whom (open to work or not, each
                // as likely as the others).
                let others = 1.0 - f64::from(seekers) / pool.len() as f64;
                let none_open = others.powi(style.seeker_candidates as i32);
                let (open, rest) = pool.split_at(seekers as usize);
                let list = if rng.random::<f64>() < none_open {
                    rest
                } else {
                    open
                };
                drawn(pick(rng, list))
            }
            Persona::IndustryPeer => match pick(rng, own) {
                // A friend of a friend in the same industry, else anyone in it.
                Some(friend) => {
                    prefetch(friend);
                    Step::Friend(friend)
                }
                None => self.anyone_in(rng, s),
            },
            Persona::Member => self.anyone_in(rng, s),
        }
    }

    /// Anyone of the people of sender `s`'s industry (the fallback of the
    /// choices that look for someone of that industry).
    fn anyone_in(&self, rng: &mut Pcg64Mcg, s: MemberId) -> Step<'a> {
        let pop: &'a Population = self.pop;
        chosen(pick(
            rng,
            &pop.people_by_industry[pop.industry_of(s) as usize],
        ))
    }

    /// The next step of a choice whose previous step started loading what
    /// this one reads.
    fn next_step(&self, step: Step<'a>, rng: &mut Pcg64Mcg, s: MemberId) -> Step<'a> {
        let pop: &'a Population = self.pop;
        match step {
            Step::Drawn(m) => Step::Chosen(*m),
            Step::Friend(&friend) => {
                pop.connections.warm_bounds(friend);
                Step::FriendOf(friend)
            }
            Step::EventOf(event) => match pick(rng, pop.events.row(event)) {
                Some(attendee) => {
                    prefetch(attendee);
                    Step::Attendee(attendee)
                }
                None => Step::NoOne,
            },
            Step::Attendee(attendee) => Step::Chosen(*attendee),
            Step::FriendOf(friend) => match pick(rng, pop.connections.row(friend)) {
                Some(theirs) => {
                    prefetch(theirs);
                    Step::FriendsConnection(theirs)
                }
                None => self.anyone_in(rng, s),
            },
            Step::FriendsConnection(theirs) => Step::FriendOfFriend(*theirs),
            Step::FriendOfFriend(m) if pop.industry_of(m) == pop.industry_of(s) => Step::Chosen(m),
            Step::FriendOfFriend(_) => self.anyone_in(rng, s),
            Step::Chosen(_) | Step::NoOne => step,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::Analyzer;
    use crate::population::generate;
    use crate::scenario::{BehaviorConfig, PopulationConfig};

    /// A small generated network and the default behaviour.
    struct Fixture {
        pop: Population,
        cfg: BehaviorConfig,
        analyzer: Analyzer,
    }

    impl Fixture {
        fn new() -> Self {
            let cfg = PopulationConfig {
                members: 6_000,
                ..PopulationConfig::default()
            };
            Fixture {
                pop: generate(&cfg, 7, 0),
                cfg: BehaviorConfig::default(),
                analyzer: Analyzer::default(),
            }
        }

        fn world(&self) -> World<'_> {
            World::new(&self.pop, &self.cfg, &self.analyzer, 11, 0.0)
        }
    }

    /// Every member as a sender with the same first draw: each writes at
    /// least once on most days (the draw is the Poisson's first uniform).
    fn everyone(pop: &Population) -> Vec<(MemberId, f64)> {
        (0..pop.len() as u32)
            .filter(|&m| !pop.is_page[m as usize])
            .map(|m| (m, 0.999))
            .collect()
    }

    #[test]
    fn a_senders_recipients_do_not_depend_on_the_batch() {
        let fixture = Fixture::new();
        let (pop, world) = (&fixture.pop, fixture.world());
        let senders = everyone(pop);
        let together = world.choose_recipients(3, senders.iter().copied());
        for (k, &sender) in senders.iter().enumerate().step_by(7) {
            let alone = world.choose_recipients(3, std::iter::once(sender));
            assert_eq!(together.of(k), alone.of(0), "sender {}", sender.0);
        }
        let other_day = world.choose_recipients(4, senders.iter().copied());
        assert_ne!(together.chosen, other_day.chosen);
    }

    #[test]
    fn recipients_follow_each_personas_rules() {
        let fixture = Fixture::new();
        let (pop, world) = (&fixture.pop, fixture.world());
        let senders = everyone(pop);
        let mut recruited = (0usize, 0usize);
        for day in 0..5 {
            let chosen = world.choose_recipients(day, senders.iter().copied());
            for (k, &(s, _)) in senders.iter().enumerate() {
                let connected = |r: MemberId| pop.connections.contains(s, r);
                for &r in chosen.of(k) {
                    assert_ne!(r, s, "nobody writes to themselves");
                    let same_industry = pop.industry_of(r) == pop.industry_of(s);
                    match pop.persona[s as usize] {
                        Persona::Harasser => {
                            assert!(connected(r) || pop.victims.row(s).contains(&r))
                        }
                        Persona::IndustryPeer | Persona::Member => {
                            assert!(connected(r) || same_industry || pop.is_page[r as usize])
                        }
                        Persona::ConferenceContact => {
                            assert!(connected(r) || pop.met(s, r).is_some())
                        }
                        Persona::Recruiter if !connected(r) => {
                            recruited.0 += 1;
                            recruited.1 += usize::from(pop.job_seeking[r as usize]);
                        }
                        _ => {}
                    }
                }
            }
        }
        // Four candidates, the first open to work chosen: 1 - 0.88^4 = 40%
        // of strangers written to are open to work, against 12% of people.
        let open_to_work = recruited.1 as f64 / recruited.0 as f64;
        assert!(recruited.0 > 1_000, "{recruited:?}");
        assert!((0.33..0.47).contains(&open_to_work), "{open_to_work}");
    }
}
