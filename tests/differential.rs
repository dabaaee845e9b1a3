//! Differential test: the engine (through `Replayer`) against a naive
//! reference model of CONTRACT section 3 (`tests/common/reference.rs`) on
//! thousands of seeded random action sequences under varied policies.
//! A disagreement is shrunk to a minimal sequence before it is reported.

mod common;

use common::gen::{Knobs, SplitMix64, Step, MEMBERS};
use common::reference::{Reference, Row};
use msgpolicy::engine::Decision;
use msgpolicy::replay::{Action, Replayer};
use std::collections::BTreeSet;

const SEED: u64 = 0x6d73_6770_6f6c_6963;
const SEQUENCES: usize = 5000;

fn engine_row(d: &Decision) -> Row {
    Row {
        outcome: d.outcome.name(),
        rule: d.rule.name(),
        notify: d.notify.name(),
        violations: d.violations.to_names(),
    }
}

/// Both sides' rows for every step, up to and including the first disagreement.
fn run_both(knobs: &Knobs, steps: &[Step]) -> (Vec<Row>, Option<(usize, Row, Row)>) {
    run_both_seeing(knobs, steps, |_| {})
}

/// [`run_both`], calling `conditions` with the reference's 3.1 conditions of every send.
fn run_both_seeing(
    knobs: &Knobs,
    steps: &[Step],
    mut conditions: impl FnMut(u16),
) -> (Vec<Row>, Option<(usize, Row, Row)>) {
    let mut engine = Replayer::new(knobs.policy(), common::analyzer());
    let mut reference = Reference::new(*knobs);
    let mut rows = Vec::with_capacity(steps.len());
    for (i, s) in steps.iter().enumerate() {
        let got = engine_row(&engine.apply(&s.actor, s.action, &s.target, &s.text));
        let want = reference.apply(&s.actor, s.action.name(), &s.target, &s.text);
        if s.action == Action::Send {
            conditions(reference.last_conditions);
        }
        if got != want {
            return (rows, Some((i, got, want)));
        }
        rows.push(got);
    }
    (rows, None)
}

/// Drops steps one by one while a disagreement remains (and cuts the tail
/// after it): a 1-minimal failing sequence.
fn shrink(knobs: &Knobs, steps: &[Step]) -> Vec<Step> {
    let mut steps = steps.to_vec();
    loop {
        if let (_, Some((i, ..))) = run_both(knobs, &steps) {
            steps.truncate(i + 1);
        }
        let mut changed = false;
        for i in (0..steps.len()).rev() {
            let mut candidate = steps.clone();
            candidate.remove(i);
            if run_both(knobs, &candidate).1.is_some() {
                steps = candidate;
                changed = true;
            }
        }
        if !changed {
            return steps;
        }
    }
}

fn describe(knobs: &Knobs, steps: &[Step]) -> String {
    let (_, found) = run_both(knobs, steps);
    let (i, got, want) = found.expect("a shrunk sequence still disagrees");
    let mut out = format!("policy {knobs:?}\nactor,action,target,text\n");
    for s in steps {
        out += &format!(
            "{},{},{},{:?}\n",
            s.actor,
            s.action.name(),
            s.target,
            s.text
        );
    }
    out += &format!(
        "row {}: engine {got:?}\n        reference {want:?}\n",
        i + 1
    );
    out
}

#[test]
fn the_engine_agrees_with_the_reference_model() {
    let mut rng = SplitMix64::new(SEED);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut failures = Vec::new();
    let mut kinds = BTreeSet::new();
    let mut sends = 0usize;
    let mut pairs = std::collections::BTreeMap::new();
    for n in 0..SEQUENCES {
        let knobs = rng.knobs();
        // Pools of 3, 4 and 5 members: the smaller, the more the rules interact.
        let steps = rng.steps(3 + n % 3, 5, 60);
        let (rows, found) = run_both_seeing(&knobs, &steps, |c| {
            // The first condition that holds wins over every later one that holds too.
            if c != 0 {
                let winner = c.trailing_zeros();
                for j in winner + 1..=13 {
                    if c & (1 << j) != 0 {
                        *pairs.entry((winner, j)).or_insert(0usize) += 1;
                    }
                }
            }
        });
        for (s, r) in steps.iter().zip(&rows) {
            seen.insert(format!("{} {} {}", s.action.name(), r.outcome, r.rule));
            for v in r.violations.split(';').filter(|v| !v.is_empty()) {
                seen.insert(format!("violation {v}"));
            }
            sends += usize::from(s.action == Action::Send);
        }
        if let Some((_, got, want)) = found {
            // One report per kind of disagreement (at most eight).
            let kind = format!("{got:?} {want:?}");
            let kind = if got.violations != want.violations && got.rule == want.rule {
                format!("violations {} / {}", got.violations, want.violations)
            } else {
                kind
            };
            if failures.len() < 8 && kinds.insert(kind) {
                failures.push(describe(&knobs, &shrink(&knobs, &steps)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} kind(s) of disagreement between the engine and the reference:\n\n{}",
        failures.len(),
        failures.join("\n")
    );

    // The generator must reach every rule and violation, or the test proves little.
    let violations = [
        "violation excess_follow_up",
        "violation message_after_ignore",
        "violation promotional",
        "violation abusive",
        "violation bulk",
    ];
    let must: Vec<&str> = common::EVERY_RULE
        .iter()
        .chain(violations.iter())
        .copied()
        .collect();
    let missing: Vec<_> = must.iter().filter(|m| !seen.contains(**m)).collect();
    assert!(missing.is_empty(), "never exercised: {missing:?}");
    assert!(sends > 50_000, "only {sends} sends");

    // Every precedence pair with a fixture (`pII_JJ_*`) was met by chance too,
    // and no pair was met that the fixtures deem impossible.
    let mut with_fixture = BTreeSet::new();
    let dir = common::manifest_dir().join("tests/fixtures/replay");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if let (Some(rest), true) = (name.strip_prefix('p'), name.ends_with(".csv")) {
            with_fixture.insert((
                rest[0..2].parse::<u32>().unwrap(),
                rest[3..5].parse::<u32>().unwrap(),
            ));
        }
    }
    let unmet: Vec<_> = with_fixture
        .iter()
        .filter(|p| pairs.get(p).is_none_or(|n| *n < 2))
        .collect();
    let unexpected: Vec<_> = pairs.keys().filter(|p| !with_fixture.contains(p)).collect();
    assert!(
        unmet.is_empty(),
        "precedence pairs met fewer than twice: {unmet:?}"
    );
    assert!(
        unexpected.is_empty(),
        "pairs met without a fixture: {unexpected:?}"
    );
}

/// The binary, given the same policy with `--set`, writes what the library decides.
#[test]
fn the_binary_replays_like_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SplitMix64::new(SEED ^ 1);
    for n in 0..12 {
        let knobs = rng.knobs();
        let steps = rng.steps(MEMBERS.len(), 20, 80);
        let input = dir.path().join(format!("actions{n}.csv"));
        common::write_steps(&input, &steps);
        let mut args = vec!["replay".to_string(), common::path_str(&input).to_string()];
        args.extend(knobs.set_args());
        let out = common::msgpolicy(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows = common::parse_csv(&out.stdout);
        assert_eq!(rows.len(), steps.len() + 1);
        let mut replayer = Replayer::new(knobs.policy(), common::analyzer());
        for (i, (s, got)) in steps.iter().zip(&rows[1..]).enumerate() {
            let d = engine_row(&replayer.apply(&s.actor, s.action, &s.target, &s.text));
            let want = [
                s.actor.as_str(),
                s.action.name(),
                &s.target,
                &s.text,
                d.outcome,
                d.rule,
                d.notify,
                &d.violations,
            ];
            assert_eq!(got, &want, "sequence {n} ({knobs:?}), row {}", i + 2);
        }
    }
}
