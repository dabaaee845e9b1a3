//! `msgpolicy run` end to end: the report folder, determinism across thread
//! counts, shards merged by `msgpolicy report`, refusals.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msgpolicy"))
}

const SWEEP: &str = r#"
name = "tiny"
days = 6
replications = 2
[population]
members = 3000
[sweep]
"policy.ban_after_reports" = [1, 3]
"#;

/// A temporary folder holding the small sweep scenario, and its path.
fn tiny_sweep() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("tiny.toml");
    std::fs::write(&scenario, SWEEP).unwrap();
    (tmp, scenario)
}

/// The CSV tables of a report folder with a sweep.
const TABLES: [&str; 5] = [
    "summary.csv",
    "by_persona.csv",
    "daily.csv",
    "sweep.csv",
    "compare.csv",
];

/// Runs `msgpolicy run SCENARIO --out DIR EXTRA...`, which must succeed.
fn run_output(dir: &Path, scenario: &Path, extra: &[&str]) -> std::process::Output {
    let out = bin()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn run_into(dir: &Path, scenario: &Path, extra: &[&str]) {
    run_output(dir, scenario, &[&["--quiet"], extra].concat());
}

/// Runs `msgpolicy run` expecting bad input: exit 2 and one `error:` line.
fn refused_run(args: &[&std::ffi::OsStr]) -> String {
    let out = bin().arg("run").arg("--quiet").args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: "), "{err}");
    err
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn outputs_are_byte_identical_for_any_thread_count() {
    let (tmp, scenario) = tiny_sweep();
    let dirs: Vec<_> = [1, 2, 4]
        .iter()
        .map(|t| tmp.path().join(format!("t{t}")))
        .collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        run_into(dir, &scenario, &["--threads", threads]);
    }
    for file in TABLES {
        let first = read(&dirs[0], file);
        assert!(!first.is_empty());
        for dir in &dirs[1..] {
            assert!(
                first == read(dir, file),
                "{file} differs between thread counts"
            );
        }
    }
    // A different seed gives different numbers.
    let other = tmp.path().join("seed");
    run_into(&other, &scenario, &["--seed", "7"]);
    assert_ne!(read(&dirs[0], "summary.csv"), read(&other, "summary.csv"));
}

#[test]
fn the_report_folder_has_every_contract_file_and_column() {
    let (tmp, scenario) = tiny_sweep();
    let dir = tmp.path().join("report");
    run_into(
        &dir,
        &scenario,
        &["--set", "policy.spam_filter_threshold=0.7"],
    );
    for file in [
        "summary.csv",
        "by_persona.csv",
        "daily.csv",
        "sweep.csv",
        "compare.csv",
        "summary.parquet",
        "by_persona.parquet",
        "daily.parquet",
        "sweep.parquet",
        "compare.parquet",
        "report.html",
        "manifest.json",
        "charts/daily_outcomes.png",
        "charts/daily_outcomes.svg",
        "charts/acceptance_by_persona.png",
        "charts/sweep_spam_in_inbox.png",
        "charts/tradeoff_spam.png",
        "charts/tradeoff_abuse.svg",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    let summary = String::from_utf8(read(&dir, "summary.csv")).unwrap();
    let header: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    for col in [
        "point",
        "replication",
        "seed",
        "policy.ban_after_reports",
        "attempts",
        "inbox",
        "requests",
        "filtered",
        "suppressed",
        "rejected",
        "opened",
        "accepted",
        "ignored",
        "blocked",
        "reported",
        "acceptance_rate",
        "spam_attempts",
        "spam_in_inbox",
        "abuse_in_inbox",
        "legit_filtered",
        "bans",
        "wrongful_bans",
        "violations",
    ] {
        assert!(header.contains(&col), "summary.csv lacks {col}");
    }
    assert_eq!(
        summary.lines().count(),
        1 + 2 * 2,
        "one row per (point, replication)"
    );
    let idx = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in summary.lines().skip(1) {
        let v: Vec<f64> = line
            .split(',')
            .map(|x| x.parse().unwrap_or(f64::NAN))
            .collect();
        let sum: f64 = ["inbox", "requests", "filtered", "suppressed", "rejected"]
            .iter()
            .map(|c| v[idx(c)])
            .sum();
        assert_eq!(v[idx("attempts")], sum);
        // Every send is decided by exactly one rule of CONTRACT 3.1.
        let by_rule: f64 = header
            .iter()
            .enumerate()
            .filter(|(_, h)| h.starts_with("rule_"))
            .map(|(i, _)| v[i])
            .sum();
        assert_eq!(v[idx("attempts")], by_rule);
    }
    assert!(header.contains(&"rule_new_request") && header.contains(&"rule_spam_filter"));
    let by_persona = String::from_utf8(read(&dir, "by_persona.csv")).unwrap();
    for p in [
        "member",
        "industry_peer",
        "recruiter",
        "conference_contact",
        "spammer",
        "harasser",
    ] {
        assert!(
            by_persona.contains(&format!(",{p},")),
            "by_persona lacks {p}"
        );
    }
    let sweep = String::from_utf8(read(&dir, "sweep.csv")).unwrap();
    assert!(sweep
        .lines()
        .next()
        .unwrap()
        .contains("acceptance_rate_mean,acceptance_rate_ci95"));
    let html = String::from_utf8(read(&dir, "report.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("ban_after_reports"));
    // The trade-off chart places each sweep point, labelled by its values,
    // the baseline (the base value 3) marked.
    let tradeoff = String::from_utf8(read(&dir, "charts/tradeoff_abuse.svg")).unwrap();
    let labels: Vec<&str> = tradeoff
        .split("<circle")
        .skip(1)
        .filter_map(|after| after.split("</text>").next()?.rsplit('>').next())
        .map(str::trim)
        .collect();
    assert_eq!(labels, ["1", "3*"], "one labelled point per sweep point");
    let manifest: serde_json::Value = serde_json::from_slice(&read(&dir, "manifest.json")).unwrap();
    assert_eq!(manifest["scenario_sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        manifest["baseline_point"], 1,
        "ban_after_reports = 3 is the base value"
    );
    // Re-rendering from the CSV files keeps the tables.
    let st = bin().arg("report").arg(&dir).status().unwrap();
    assert!(st.success());
    assert_eq!(read(&dir, "summary.csv"), summary.as_bytes());
}

/// A `value ± half-width` cell of the terminal summary: the value, and
/// half a unit of its last digit shown (how far it may be from the
/// unrounded value).
fn summary_value(cell: &str) -> (f64, f64) {
    let shown = cell.split(" ± ").next().unwrap();
    let decimals = shown.split_once('.').map_or(0, |(_, d)| d.len());
    (shown.parse().unwrap(), 0.5 * 10f64.powi(-(decimals as i32)))
}

#[test]
fn the_run_prints_its_headline_and_with_timings_where_the_time_went() {
    let (tmp, scenario) = tiny_sweep();
    let dir = tmp.path().join("out");
    let out = run_output(&dir, &scenario, &[]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "2 point(s), mean ± 95% half-width over 2 replication(s):"
    );
    // Columns are two or more spaces apart; cells hold single spaces.
    let cells = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    let header = cells(lines[1]);
    assert_eq!(header[..2], ["point", "policy.ban_after_reports"]);
    let column = header.iter().position(|h| h == "acceptance_rate").unwrap();
    let sweep = msgpolicy::report::table::Table::read_csv(&dir.join("sweep.csv")).unwrap();
    let means = sweep.get("acceptance_rate_mean").unwrap();
    for point in 0..2 {
        let row = cells(lines[2 + point]);
        let marked = if point == 1 { "1*" } else { "0" };
        assert_eq!(row[0], marked, "point 1 (the base value 3) is the baseline");
        let (shown, rounding) = summary_value(&row[column]);
        let mean = means.number(point);
        assert!(
            (shown - mean).abs() <= rounding * (1.0 + 1e-9),
            "{shown} vs {mean}"
        );
    }
    // Quiet, with the time of each stage: nothing on stdout, one line on
    // stderr, and the same tables.
    let quiet = tmp.path().join("quiet");
    let out = run_output(&quiet, &scenario, &["--quiet", "--timings"]);
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    for stage in [
        "population",
        "plan and send",
        "look",
        "answer",
        "end of day",
        "report",
    ] {
        let seconds = err
            .split(&format!(" {stage} "))
            .nth(1)
            .and_then(|rest| rest.split([',', '\n']).next())
            .unwrap_or_else(|| panic!("no {stage} in {err}"));
        assert!(seconds.parse::<f64>().is_ok_and(|s| s >= 0.0), "{err}");
    }
    for file in TABLES {
        assert_eq!(read(&dir, file), read(&quiet, file), "{file}");
    }
}

#[test]
fn shards_merge_into_the_same_tables() {
    let (tmp, scenario) = tiny_sweep();
    let whole = tmp.path().join("whole");
    run_into(&whole, &scenario, &["--events"]);
    let sharded = tmp.path().join("sharded");
    for shard in ["1/3", "2/3", "3/3"] {
        run_into(&sharded, &scenario, &["--shard", shard, "--events"]);
    }
    assert!(sharded
        .join("point=1/replication=0/summary.parquet")
        .exists());
    let merged = bin().arg("report").arg(&sharded).output().unwrap();
    assert!(merged.status.success());
    for file in TABLES {
        assert!(
            read(&whole, file) == read(&sharded, file),
            "{file} differs after merging shards"
        );
    }
    // `report` prints the merged folder's headline, as it would the whole run's.
    let rendered = bin().arg("report").arg(&whole).output().unwrap();
    assert!(!merged.stdout.is_empty());
    assert_eq!(merged.stdout, rendered.stdout);
    let quiet = bin()
        .args(["report", "--quiet"])
        .arg(&whole)
        .output()
        .unwrap();
    assert!(quiet.status.success() && quiet.stdout.is_empty());
    // The logs of actions merge into the whole run's, row for row.
    let log = |dir: &Path| {
        msgpolicy::report::table::Table::read_parquet(&dir.join("events.parquet")).unwrap()
    };
    let (one, merged) = (log(&whole), log(&sharded));
    assert!(one.rows() > 0);
    assert_eq!(one.rows(), merged.rows());
    assert!(one.names().eq(merged.names()));
    for name in one.names() {
        let (a, b) = (one.get(name).unwrap(), merged.get(name).unwrap());
        // As text: a missing score reads as NaN, which equals nothing.
        assert!(
            (0..one.rows()).all(|i| a.text(i) == b.text(i)),
            "events.parquet column {name} differs after merging shards"
        );
    }
    // A part run without the log among parts with one is refused.
    std::fs::remove_file(sharded.join("point=1/replication=0/events.parquet")).unwrap();
    let out = bin().arg("report").arg(&sharded).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("replication=0") && err.contains("every part run with --events or none"),
        "{err}"
    );
}

#[test]
fn runs_too_large_for_the_machine_are_refused_before_running() {
    for (sets, flags, needle) in [
        (
            &["population.members=4000000000"][..],
            &[][..],
            "population.members = 4000000000",
        ),
        // A small network, but its pair records and requests grow with every
        // day's messages: 10 million days of them are terabytes.
        (
            &["population.members=10000", "days=10000000"][..],
            &[],
            "population.members = 10000 over 10000000 days",
        ),
        // Every run's log of actions is held until the report is written:
        // 100 runs of 2 million members are hundreds of GiB of them.
        (
            &["population.members=2000000", "replications=100"][..],
            &["--events"],
            "(with every run's log of actions, `--events`)",
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("x");
        let mut args: Vec<&OsStr> = flags.iter().map(OsStr::new).collect();
        for set in sets {
            args.extend([OsStr::new("--set"), OsStr::new(set)]);
        }
        args.extend([OsStr::new("--out"), out.as_os_str()]);
        let err = refused_run(&args);
        assert!(err.contains(needle), "{err}");
        assert!(!out.exists());
    }
}

#[test]
fn validate_tells_the_size_of_the_runs_and_whether_run_would_refuse_them() {
    let validate_file = |file: &str, sets: &[&str]| {
        let mut args = vec!["validate", file];
        for set in sets {
            args.extend(["--set", set]);
        }
        let out = bin().args(&args).output().unwrap();
        assert!(out.status.success());
        let toml = String::from_utf8(out.stdout).unwrap();
        assert!(toml.contains("[population]"), "{toml}");
        String::from_utf8(out.stderr).unwrap()
    };
    let validate = |sets: &[&str]| validate_file("scenarios/baseline.toml", sets);
    let small = validate(&["population.members=1000"]);
    assert!(
        small.contains("1 sweep point(s) x 3 replication(s) of 30 days; estimated peak memory"),
        "{small}"
    );
    assert!(!small.contains("refuse"), "{small}");
    let long = validate(&["population.members=10000", "days=10000000"]);
    assert!(
        long.contains("`msgpolicy run` would refuse it here"),
        "{long}"
    );
    // The log of actions of 100 runs of 2 million members does not fit;
    // the runs alone do.
    let many = ["population.members=2000000", "replications=100"];
    assert!(!validate(&many).contains("refuse"));
    let with_log = bin()
        .args(["validate", "scenarios/baseline.toml", "--events"])
        .args(many.iter().flat_map(|set| ["--set", set]))
        .output()
        .unwrap();
    let with_log = String::from_utf8(with_log.stderr).unwrap();
    assert!(
        with_log.contains("`msgpolicy run` would refuse it here"),
        "{with_log}"
    );
    // Swept days are told as their range, not the base scenario's days.
    let tmp = tempfile::tempdir().unwrap();
    let swept = tmp.path().join("days.toml");
    std::fs::write(&swept, "days = 6\n[sweep]\ndays = [10, 60]\n").unwrap();
    let swept = validate_file(swept.to_str().unwrap(), &[]);
    assert!(
        swept.contains("2 sweep point(s) x 3 replication(s) of 10 to 60 days;"),
        "{swept}"
    );
}

#[test]
fn a_failed_run_leaves_no_report_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    let out = bin()
        .args([
            "run",
            "--quiet",
            "--set",
            "population.members_file=missing.csv",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.exists());
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn an_imported_population_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let members = tmp.path().join("members.csv");
    let mut text = String::from("id,kind,industry,persona\n");
    for i in 0..300 {
        let kind = if i % 50 == 0 { "page" } else { "person" };
        let persona = match i % 30 {
            1 => "spammer",
            2 => "recruiter",
            3 => "industry_peer",
            _ => "",
        };
        text.push_str(&format!(
            "m{i},{kind},{},{persona}\n",
            ["software", "finance", "retail"][i % 3]
        ));
    }
    std::fs::write(&members, text).unwrap();
    let edges = tmp.path().join("edges.csv");
    let mut text = String::from("a,b\n");
    for i in 1..299 {
        if i % 50 != 0 && (i + 1) % 50 != 0 {
            text.push_str(&format!("m{i},m{}\n", i + 1));
        }
    }
    std::fs::write(&edges, text).unwrap();
    let scenario = tmp.path().join("import.toml");
    std::fs::write(
        &scenario,
        format!("name = \"imported\"\ndays = 5\nreplications = 1\n[population]\nmembers_file = {:?}\nconnections_file = {:?}\n", members, edges),
    )
    .unwrap();
    let dir = tmp.path().join("out");
    run_into(&dir, &scenario, &["--events"]);
    let summary = String::from_utf8(read(&dir, "summary.csv")).unwrap();
    assert!(
        summary.lines().nth(1).unwrap().contains(",300,"),
        "{summary}"
    );
    // The log names members by the file's ids too (row i is `m{i}`).
    let events =
        msgpolicy::report::table::Table::read_parquet(&dir.join("events.parquet")).unwrap();
    let (actor, actor_id) = (
        events.get("actor").unwrap(),
        events.get("actor_id").unwrap(),
    );
    let (target, target_id) = (
        events.get("target").unwrap(),
        events.get("target_id").unwrap(),
    );
    assert!(events.rows() > 0);
    for i in 0..events.rows() {
        assert_eq!(actor_id.text(i), format!("m{}", actor.text(i)));
        if events.get("action").unwrap().text(i) != "ban" {
            assert_eq!(target_id.text(i), format!("m{}", target.text(i)));
        }
    }
    // Its memory is estimated from its files' rows before they are read.
    let err = refused_run(&[
        scenario.as_os_str(),
        "--set".as_ref(),
        "days=4000000000".as_ref(),
        "--out".as_ref(),
        tmp.path().join("o1").as_os_str(),
    ]);
    assert!(
        err.contains(
            "population.members_file (300 members, 2 connections each) over 4000000000 days"
        ),
        "{err}"
    );
    // A bad edge names its file and line.
    std::fs::write(&edges, "a,b\nm1,nobody\n").unwrap();
    let out = tmp.path().join("o2");
    let err = refused_run(&[scenario.as_os_str(), "--out".as_ref(), out.as_os_str()]);
    assert!(
        err.contains("edges.csv:2:") && err.contains("nobody"),
        "{err}"
    );
}

#[test]
fn the_messages_sample_is_labelled_and_deterministic() {
    let (tmp, scenario) = tiny_sweep();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run_into(
        &a,
        &scenario,
        &["--messages-sample", "200", "--threads", "1"],
    );
    run_into(
        &b,
        &scenario,
        &["--messages-sample", "200", "--threads", "2"],
    );
    let sample = read(&a, "messages_sample.csv");
    assert_eq!(sample, read(&b, "messages_sample.csv"));
    let text = String::from_utf8(sample).unwrap();
    assert_eq!(text.lines().count(), 201, "header and 200 messages");
    assert!(text
        .lines()
        .next()
        .unwrap()
        .starts_with("id,point,replication,day,text,label,persona"));
    assert!(text.contains(",spam,spammer,") && text.contains(",ham,"));
    // The analyzer scores it (labels present: metrics on stderr).
    let out = bin()
        .arg("score")
        .arg(a.join("messages_sample.csv"))
        .arg("--out")
        .arg(a.join("scored.csv"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("auc="));
}

/// `--events`: the log is the same for any thread count, leaves every other
/// output as it was, and its rows add up to the report's counts, run by run.
#[test]
fn the_event_log_adds_up_to_the_report_and_changes_nothing_else() {
    use msgpolicy::report::table::Table;
    let (tmp, scenario) = tiny_sweep();
    let plain = tmp.path().join("plain");
    run_into(&plain, &scenario, &[]);
    let logs: Vec<_> = ["1", "2"]
        .iter()
        .map(|t| {
            let dir = tmp.path().join(format!("events{t}"));
            run_into(&dir, &scenario, &["--events", "--threads", t]);
            dir
        })
        .collect();
    assert!(
        read(&logs[0], "events.parquet") == read(&logs[1], "events.parquet"),
        "events.parquet differs between thread counts"
    );
    for file in TABLES {
        assert!(read(&plain, file) == read(&logs[0], file), "{file} changed");
    }
    assert!(!plain.join("events.parquet").exists());

    let events = Table::read_parquet(&logs[0].join("events.parquet")).unwrap();
    let names: Vec<&str> = events.names().collect();
    assert_eq!(
        names,
        [
            "point",
            "replication",
            "seed",
            "day",
            "action",
            "actor",
            "actor_persona",
            "target",
            "kind",
            "outcome",
            "rule",
            "notify",
            "violations",
            "spam_score",
            "quality_score",
        ]
    );
    let summary = Table::read_csv(&logs[0].join("summary.csv")).unwrap();
    let column = |t: &Table, name: &str| t.get(name).unwrap().clone();
    let (point, rep) = (column(&events, "point"), column(&events, "replication"));
    let (action, outcome) = (column(&events, "action"), column(&events, "outcome"));
    let rule = column(&events, "rule");
    assert_eq!(summary.rows(), 4);
    for row in 0..summary.rows() {
        let key = |name: &str| summary.get(name).unwrap().number(row);
        let of_run =
            |i: usize| point.number(i) == key("point") && rep.number(i) == key("replication");
        let count = |keep: &dyn Fn(usize) -> bool| {
            (0..events.rows()).filter(|&i| of_run(i) && keep(i)).count() as f64
        };
        let is = |i: usize, a: &str, o: &str| action.text(i) == a && outcome.text(i) == o;
        assert_eq!(count(&|i| action.text(i) == "send"), key("attempts"));
        for (o, metric) in [
            ("inbox", "inbox"),
            ("request", "requests"),
            ("filtered", "filtered"),
            ("suppressed", "suppressed"),
            ("rejected", "rejected"),
        ] {
            assert_eq!(count(&|i| is(i, "send", o)), key(metric), "{o}");
        }
        assert_eq!(count(&|i| is(i, "accept", "ok")), key("accepted"));
        assert_eq!(count(&|i| action.text(i) == "report"), key("reported"));
        assert_eq!(count(&|i| action.text(i) == "ban"), key("bans"));
        assert!(count(&|i| rule.text(i) == "new_request") > 0.0);
    }
}
