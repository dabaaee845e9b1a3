//! Bad input on the command line (CONTRACT section 1): exit code 2 and
//! exactly one stderr line `error: ...` naming the file, the line and the
//! column or key where one applies; never a panic; no output file left.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Runs the binary and checks the bad-input shape; returns the stderr line.
fn bad_input(args: &[&str], needles: &[&str]) -> String {
    let out = common::msgpolicy(args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{args:?}: stderr {stderr:?}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert!(!stderr.contains("backtrace"), "{args:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: not one line: {stderr:?}");
    assert!(lines[0].starts_with("error:"), "{args:?}: {stderr:?}");
    for n in needles {
        assert!(
            lines[0].contains(n),
            "{args:?}: {:?} does not name {n:?}",
            lines[0]
        );
    }
    lines[0].to_string()
}

/// A temp folder with one file written into it.
fn file(dir: &TempDir, name: &str, content: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    fs::write(&p, content).unwrap();
    p
}

fn s(p: &Path) -> &str {
    common::path_str(p)
}

const HEADER: &str = "actor,action,target,text\n";

/// `FILE:LINE` (the file and its line, as the error starts).
fn at(p: &Path, line: u32) -> String {
    format!("{}:{line}", s(p))
}

#[test]
fn bad_replay_rows_name_the_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let unknown = file(
        &d,
        "unknown.csv",
        format!("{HEADER}a,send,b,hi\na,fly,b,\n").as_bytes(),
    );
    bad_input(
        &["replay", s(&unknown)],
        &[&at(&unknown, 3), "fly", "action"],
    );

    let fields = file(
        &d,
        "fields.csv",
        format!("{HEADER}a,send,b,hi\na,send,b,hi,extra\n").as_bytes(),
    );
    bad_input(&["replay", s(&fields)], &[&at(&fields, 3)]);

    let short = file(&d, "short.csv", format!("{HEADER}a,send,b\n").as_bytes());
    bad_input(&["replay", s(&short)], &[&at(&short, 2)]);

    let target = file(
        &d,
        "target.csv",
        format!("{HEADER}a,send,b,hi\na,send,,hi\n").as_bytes(),
    );
    bad_input(&["replay", s(&target)], &[&at(&target, 3), "target"]);

    let open_quote = file(
        &d,
        "quote.csv",
        format!("{HEADER}a,send,b,hi\na,send,b,\"never closed\n").as_bytes(),
    );
    bad_input(
        &["replay", s(&open_quote)],
        &[&at(&open_quote, 3), "quoted"],
    );

    let utf8 = file(
        &d,
        "utf8.csv",
        b"actor,action,target,text\na,send,b,\xff\xfe\n",
    );
    bad_input(&["replay", s(&utf8)], &[&at(&utf8, 2)]);
}

#[test]
fn missing_required_columns_are_named() {
    let d = tempfile::tempdir().unwrap();
    let actor = file(&d, "actor.csv", b"who,action,target,text\na,send,b,hi\n");
    bad_input(&["replay", s(&actor)], &[&at(&actor, 1), "actor"]);
    let action = file(&d, "action.csv", b"actor,verb,target,text\na,send,b,hi\n");
    bad_input(&["replay", s(&action)], &[&at(&action, 1), "action"]);
}

#[test]
fn unreadable_inputs_are_named() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("missing.csv");
    bad_input(&["replay", s(&missing)], &[s(&missing)]);
    bad_input(&["replay", s(d.path())], &[s(d.path())]);
    let actions = file(&d, "ok.csv", format!("{HEADER}a,send,b,hi\n").as_bytes());
    let scenario = d.path().join("missing.toml");
    bad_input(
        &["replay", s(&actions), "--scenario", s(&scenario)],
        &[s(&scenario)],
    );
    bad_input(&["validate", s(&scenario)], &[s(&scenario)]);
}

/// Each bad scenario fails the same way in `validate` and in `replay --scenario`.
fn bad_scenario(d: &TempDir, name: &str, text: &str, needles: &[&str]) {
    let p = file(d, name, text.as_bytes());
    let actions = file(
        d,
        "actions.csv",
        format!("{HEADER}a,send,b,hi\n").as_bytes(),
    );
    let mut all: Vec<&str> = vec![s(&p)];
    all.extend(needles);
    let a = bad_input(&["validate", s(&p)], &all);
    let b = bad_input(&["replay", s(&actions), "--scenario", s(&p)], &all);
    assert_eq!(a, b);
}

#[test]
fn bad_scenarios_name_the_key_and_line() {
    let d = tempfile::tempdir().unwrap();
    // (file, text, the key it must name, whether it must name line 2)
    let cases = [
        (
            "unknown.toml",
            "[policy]\nban_after = 2\n",
            "ban_after",
            true,
        ),
        (
            "range.toml",
            "[policy]\nspam_filter_threshold = 1.5\n",
            "spam_filter_threshold",
            true,
        ),
        (
            "share.toml",
            "[population]\npage_share = -0.1\n",
            "page_share",
            true,
        ),
        (
            "persona.toml",
            "[population.personas]\nwizard = 0.1\n",
            "wizard",
            true,
        ),
        (
            "personas.toml",
            "[population.personas]\nspammer = 0.6\nrecruiter = 0.6\n",
            "personas",
            false,
        ),
        (
            "style.toml",
            "[behavior.recruiter]\nper_dya = 3\n",
            "behavior.recruiter.per_dya",
            true,
        ),
        (
            "candidates.toml",
            "[behavior.recruiter]\nseeker_candidates = 0\n",
            "seeker_candidates",
            true,
        ),
        (
            "sweep.toml",
            "[sweep]\n\"policy.nope\" = [1]\n",
            "policy.nope",
            true,
        ),
        (
            "sweepval.toml",
            "[sweep]\n\"policy.ban_after_reports\" = [1, -2]\n",
            "ban_after_reports",
            true,
        ),
    ];
    for (name, text, key, on_line_2) in cases {
        let line = format!("{}:2", s(&d.path().join(name)));
        let mut needles = vec![key];
        if on_line_2 {
            needles.push(&line);
        }
        bad_scenario(&d, name, text, &needles);
    }
}

/// The contract asks every bad scenario to name its key and line; these two
/// do not yet (the negative count gives only a line and column, the persona
/// total only the key).
#[test]
fn scenario_errors_always_name_key_and_line() {
    let d = tempfile::tempdir().unwrap();
    bad_scenario(
        &d,
        "negative.toml",
        "[policy]\nban_after_reports = -1\n",
        &[
            &format!("{}:2", s(&d.path().join("negative.toml"))),
            "ban_after_reports",
        ],
    );
    let line = bad_input(
        &[
            "validate",
            s(&file(
                &d,
                "p.toml",
                b"[population.personas]\nspammer = 0.6\nrecruiter = 0.6\n",
            )),
        ],
        &["personas"],
    );
    let after_file = line.split(".toml").nth(1).unwrap_or("");
    assert!(
        after_file.starts_with(':') && after_file[1..].starts_with(|c: char| c.is_ascii_digit()),
        "no line: {line}"
    );
}

#[test]
fn bad_set_values_name_the_flag_and_key() {
    let d = tempfile::tempdir().unwrap();
    let actions = file(
        &d,
        "actions.csv",
        format!("{HEADER}a,send,b,hi\n").as_bytes(),
    );
    for (set, key) in [
        ("policy.nope=2", "nope"),
        ("noequals", "noequals"),
        ("policy.spam_filter_threshold=2", "spam_filter_threshold"),
        ("policy.ban_after_reports=-1", "ban_after_reports"),
        ("policy.after_ignore=sometimes", "after_ignore"),
    ] {
        bad_input(&["replay", s(&actions), "--set", set], &["--set", key]);
    }
    bad_input(&["replay", s(&actions), "--bogus"], &["--bogus"]);
    // Among several sets, the one that broke the scenario is named alone.
    let line = bad_input(
        &[
            "run",
            "--set",
            "days=2",
            "--set",
            "behavior.spammer.bogus=1",
            "--set",
            "population.members=1000",
        ],
        &["--set: behavior.spammer.bogus=1: unknown field `bogus`"],
    );
    assert!(!line.contains("days=2"), "{line}");
}

#[test]
fn a_bad_input_leaves_no_output_file() {
    let d = tempfile::tempdir().unwrap();
    let out_dir = d.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    let out = out_dir.join("outcomes.csv");
    let late = file(
        &d,
        "late.csv",
        format!("{HEADER}a,send,b,hi\nb,accept,a,\na,dance,b,\n").as_bytes(),
    );
    bad_input(&["replay", s(&late), "--out", s(&out)], &[&at(&late, 4)]);
    let good = file(&d, "good.csv", format!("{HEADER}a,send,b,hi\n").as_bytes());
    let scenario = file(&d, "bad.toml", b"[policy]\nnope = 1\n");
    bad_input(
        &[
            "replay",
            s(&good),
            "--scenario",
            s(&scenario),
            "--out",
            s(&out),
        ],
        &[s(&scenario)],
    );
    bad_input(
        &[
            "replay",
            s(&good),
            "--set",
            "policy.nope=1",
            "--out",
            s(&out),
        ],
        &["--set"],
    );
    let left: Vec<_> = fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // The same command with good input does write the file.
    let ok = common::msgpolicy(["replay", s(&good), "--out", s(&out)]);
    assert!(ok.status.success());
    assert!(out.exists());
}
