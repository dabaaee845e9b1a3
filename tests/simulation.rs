//! The simulator's promises: the seed's scenario table as measured
//! acceptance, its causal claims as comparisons on one seed, conservation of
//! counts, and common random numbers across policy variants.

use msgpolicy::analyzer::Analyzer;
use msgpolicy::population::{self, Persona};
use msgpolicy::scenario::{self, Scenario};
use msgpolicy::sim::{self, Counters, Metric, Rate, RunOutput};

/// A small network, long enough for requests to be answered.
fn small(sets: &[&str]) -> Scenario {
    let mut all = vec![
        "population.members=12000".to_string(),
        "days=20".to_string(),
    ];
    all.extend(sets.iter().map(|s| s.to_string()));
    scenario::parse("test.toml", "", &all).unwrap().scenario
}

fn simulate(s: &Scenario) -> RunOutput {
    let pop = population::generate(&s.population, 11, 0);
    sim::run(
        &pop,
        s,
        &Analyzer::default(),
        11,
        sim::Keep::default(),
        &|_| {},
    )
}

fn rate(c: &Counters, r: Rate) -> f64 {
    r.of(c, 12_000, 20)
}

fn persona(out: &RunOutput, p: Persona) -> &Counters {
    &out.by_persona[p as usize]
}

#[test]
fn the_seed_scenario_table_holds_as_measured_acceptance() {
    let out = simulate(&small(&[]));
    let acc = |p| rate(persona(&out, p), Rate::AcceptanceRate);
    // A personalised same-industry request: mostly accepted.
    assert!(
        acc(Persona::IndustryPeer) > 0.5,
        "industry_peer {}",
        acc(Persona::IndustryPeer)
    );
    // A generic recruiter: sometimes.
    let recruiter = acc(Persona::Recruiter);
    assert!(recruiter > 0.1 && recruiter < 0.6, "recruiter {recruiter}");
    // Links and strange content: ignored.
    assert!(
        acc(Persona::Spammer) < 0.1,
        "spammer {}",
        acc(Persona::Spammer)
    );
    // A friendly follow-up from a conference: mostly accepted.
    assert!(
        acc(Persona::ConferenceContact) > 0.6,
        "conference {}",
        acc(Persona::ConferenceContact)
    );
    // A past harasser: ignored and blocked.
    let h = persona(&out, Persona::Harasser);
    assert!(
        acc(Persona::Harasser) < 0.05,
        "harasser {}",
        acc(Persona::Harasser)
    );
    assert!(
        h.get(Metric::Blocked) * 3 > h.get(Metric::Opened),
        "harassers are blocked: {h:?}"
    );
    // Cold outreach overall stays plausible.
    let overall = rate(&out.total(), Rate::AcceptanceRate);
    assert!(overall > 0.15 && overall < 0.5, "overall {overall}");
}

#[test]
fn counts_are_conserved() {
    let out = simulate(&small(&[
        "policy.spam_filter_threshold=0.6",
        "policy.after_ignore=suppress",
        "policy.daily_request_limit=5",
    ]));
    let check = |c: &Counters, what: &str| {
        let outcomes = [
            Metric::Inbox,
            Metric::Requests,
            Metric::Filtered,
            Metric::Suppressed,
            Metric::Rejected,
        ];
        assert_eq!(
            c.get(Metric::Attempts),
            outcomes.iter().map(|m| c.get(*m)).sum::<u64>(),
            "{what}"
        );
        assert!(
            c.get(Metric::SpamInInbox)
                <= c.get(Metric::SpamAttempts) + c.get(Metric::Accepted) * 100,
            "{what}"
        );
        assert!(c.get(Metric::WrongfulBans) <= c.get(Metric::Bans), "{what}");
        // A request is answered (accepted or ignored) only when looked at.
        assert!(
            c.get(Metric::Accepted) + c.get(Metric::Ignored) <= c.get(Metric::RequestsViewed),
            "{what}"
        );
        assert!(
            c.get(Metric::AcceptedPersonalised) <= c.get(Metric::OpenedPersonalised),
            "{what}"
        );
    };
    for (i, c) in out.by_persona.iter().enumerate() {
        check(c, &format!("persona {i}"));
        let ended = c.get(Metric::Accepted)
            + c.get(Metric::Ignored)
            + c.get(Metric::Blocked)
            + c.get(Metric::PendingEnd);
        assert_eq!(
            c.get(Metric::Opened),
            ended,
            "persona {i}: opened requests end accepted, ignored, blocked or pending"
        );
    }
    for (d, c) in out.daily.iter().enumerate() {
        check(c, &format!("day {d}"));
    }
    let total = out.total();
    // The engine's running count of pending requests agrees with the tabs.
    assert_eq!(
        out.daily.last().unwrap().get(Metric::PendingEnd),
        total.get(Metric::PendingEnd)
    );
    for m in [Metric::Attempts, Metric::RequestsViewed] {
        let daily: u64 = out.daily.iter().map(|c| c.get(m)).sum();
        assert_eq!(total.get(m), daily, "{}", m.name());
    }
    // Most requests looked at are left for another day: more views than answers.
    assert!(
        total.get(Metric::RequestsViewed)
            > total.get(Metric::Accepted) + total.get(Metric::Ignored)
    );
    for m in [Metric::Filtered, Metric::Suppressed, Metric::Rejected] {
        assert!(
            total.get(m) > 0,
            "{} never happened: the test would not see it",
            m.name()
        );
    }
}

#[test]
fn requests_off_for_everyone_lets_more_unsolicited_messages_and_spam_in() {
    let gated = simulate(&small(&[])).total();
    let open = simulate(&small(&["population.requests_off_share=1.0"])).total();
    assert!(open.get(Metric::UnsolicitedInbox) > 5 * gated.get(Metric::UnsolicitedInbox).max(1));
    assert!(
        open.get(Metric::SpamInInbox) > gated.get(Metric::SpamInInbox),
        "{} vs {}",
        open.get(Metric::SpamInInbox),
        gated.get(Metric::SpamInInbox)
    );
    let disabled = simulate(&small(&["policy.requests_enabled=false"])).total();
    assert!(disabled.get(Metric::SpamInInbox) > gated.get(Metric::SpamInInbox));
    assert_eq!(disabled.get(Metric::Opened), 0);
}

#[test]
fn personalised_requests_are_accepted_more_than_generic_ones() {
    let total = simulate(&small(&[])).total();
    let personalised = rate(&total, Rate::PersonalisedAcceptanceRate);
    let generic = rate(&total, Rate::GenericAcceptanceRate);
    assert!(personalised > generic + 0.1, "{personalised} vs {generic}");
}

#[test]
fn a_lower_ban_threshold_lets_less_abuse_through() {
    let strict = simulate(&small(&["policy.ban_after_reports=1"])).total();
    let lax = simulate(&small(&["policy.ban_after_reports=10"])).total();
    let harm = |c: &Counters| c.get(Metric::AbuseInInbox) + c.get(Metric::SpamInInbox);
    assert!(
        harm(&strict) < harm(&lax),
        "{} vs {}",
        harm(&strict),
        harm(&lax)
    );
    assert!(strict.get(Metric::Bans) > lax.get(Metric::Bans));
    let never = simulate(&small(&["policy.ban_after_reports=0"])).total();
    assert_eq!(never.get(Metric::Bans), 0);
}

#[test]
fn policy_variants_see_the_same_behaviour_until_the_policy_matters() {
    // Common random numbers: on day 0 nobody is banned yet and the ban
    // threshold changes nothing, so the first day is identical.
    let a = simulate(&small(&["policy.ban_after_reports=1"]));
    let b = simulate(&small(&["policy.ban_after_reports=10"]));
    assert_eq!(
        a.daily[0].get(Metric::Attempts),
        b.daily[0].get(Metric::Attempts)
    );
    assert_eq!(
        a.daily[0].get(Metric::Opened),
        b.daily[0].get(Metric::Opened)
    );
    assert_ne!(a.daily[19], b.daily[19]);
}

#[test]
fn recruiters_who_search_longer_for_job_seekers_are_accepted_more() {
    // Job seekers welcome job offers: drawing more candidates per search
    // (and writing to the first open to work) must show in acceptance.
    let acceptance = |candidates: &str| {
        let out = simulate(&small(&[&format!(
            "behavior.recruiter.seeker_candidates={candidates}"
        )]));
        rate(persona(&out, Persona::Recruiter), Rate::AcceptanceRate)
    };
    let (one, eight) = (acceptance("1"), acceptance("8"));
    assert!(eight > one + 0.03, "8 candidates {eight} vs 1 {one}");
}
