//! `msgpolicy score` end to end, on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn msgpolicy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msgpolicy"))
        .args(args)
        .output()
        .expect("msgpolicy runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The hand-templated sample of requests.
fn sample() -> String {
    data("requests_sample.csv")
}

/// Both shipped samples: the templated one and the simulator's own
/// (`msgpolicy run --messages-sample 3000 --set replications=1`).
fn samples() -> [String; 2] {
    [sample(), data("messages_sample.csv")]
}

const MESSAGES: &str = "\
id,text,label,persona,extra
1,\"FREE entry! WIN a £1000 prize, txt WIN to 87121 now\",spam,spammer,a
2,\"Hi Ana, I'm Tom from Voltaic. I'd like to ask about your talk on grid storage.\",ham,industry_peer,b
3,\"Congratulations, you have been selected! Claim your cash at http://x.example\",spam,spammer,c
4,ok see you at 7,ham,member,d
5,\"A message
over two lines, quoted\",ham,member,e
";

/// The score columns of a scored CSV (everything after the input columns).
fn scores(csv_text: &str, input_columns: usize) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records()
        .map(|rec| {
            rec.unwrap()
                .iter()
                .skip(input_columns)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn scores_rows_keeping_every_input_column_and_reports_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "m.csv", MESSAGES);
    let out = msgpolicy(&["score", &input]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,text,label,persona,extra,spam_score,quality_score,verdict,rules"
    );
    let rows = scores(&stdout, 5);
    assert_eq!(rows.len(), 5);
    let verdicts: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(verdicts, ["spam", "ham", "spam", "ham", "ham"]);
    for r in &rows {
        let s: f64 = r[0].parse().unwrap();
        let q: f64 = r[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&s) && (0.0..=1.0).contains(&q));
    }
    assert!(rows[0][3].contains("prize") && rows[0][3].contains("phone_number"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for metric in ["precision=", "recall=", "f1=", "fpr=", "auc="] {
        assert!(stderr.contains(metric), "{stderr}");
    }
}

#[test]
fn the_threshold_flag_moves_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "m.csv", MESSAGES);
    let out = msgpolicy(&["score", &input, "--threshold", "1"]);
    let rows = scores(&String::from_utf8(out.stdout).unwrap(), 5);
    assert!(rows.iter().all(|r| r[2] == "ham"));
    let out = msgpolicy(&["score", &input, "--threshold", "0"]);
    let rows = scores(&String::from_utf8(out.stdout).unwrap(), 5);
    assert!(rows.iter().all(|r| r[2] == "spam"));
}

#[test]
fn scores_do_not_depend_on_the_persona_or_label_columns() {
    let dir = tempfile::tempdir().unwrap();
    let with = write(dir.path(), "with.csv", MESSAGES);
    let swapped = MESSAGES
        .replace(",spammer,", ",industry_peer,")
        .replace(",member,", ",spammer,")
        .replace(",spam,", ",ham,");
    let swapped = write(dir.path(), "swapped.csv", &swapped);
    let a = scores(
        &String::from_utf8(msgpolicy(&["score", &with]).stdout).unwrap(),
        5,
    );
    let b = scores(
        &String::from_utf8(msgpolicy(&["score", &swapped]).stdout).unwrap(),
        5,
    );
    assert_eq!(a, b);
    // Without the label and persona columns at all.
    let bare: String = MESSAGES
        .replace(",spam,spammer,", ",")
        .replace(",ham,industry_peer,", ",")
        .replace(",ham,member,", ",")
        .replace("id,text,label,persona,extra", "id,text,extra");
    let bare = write(dir.path(), "bare.csv", &bare);
    let out = msgpolicy(&["score", &bare]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "no labels, no metrics");
    let c = scores(&String::from_utf8(out.stdout).unwrap(), 3);
    assert_eq!(a, c);
}

#[test]
fn bad_input_is_one_error_line_with_file_and_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("no_text.csv", "id,body\n1,hello\n", ":1: no `text` column"),
        (
            "bad_label.csv",
            "text,label\nhi,spam\nyo,maybe\n",
            ":3: label `maybe` is not spam or ham",
        ),
        (
            "short_row.csv",
            "id,text,label\n1,hi,ham\n2,yo\n",
            ":3: row has 2 fields, expected 3",
        ),
    ];
    for (name, text, expected) in cases {
        let path = write(dir.path(), name, text);
        let out = msgpolicy(&[
            "score",
            &path,
            "--out",
            &dir.path().join("o.csv").to_string_lossy(),
        ]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with(&format!("error: {path}")), "{stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!dir.path().join("o.csv").exists(), "no half-written output");
    }
    let out = msgpolicy(&[
        "score",
        &write(dir.path(), "u.csv", "text\nhi\n"),
        "--eval",
        "e.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--eval needs a `label` column"));
}

#[test]
fn eval_and_rules_report_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "m.csv", MESSAGES);
    let eval = dir.path().join("eval.csv");
    let report = dir.path().join("rules.csv");
    let out_file = dir.path().join("scored.csv");
    let out = msgpolicy(&[
        "score",
        &input,
        "--out",
        &out_file.to_string_lossy(),
        "--eval",
        &eval.to_string_lossy(),
        "--rules-report",
        &report.to_string_lossy(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert_eq!(
        scores(&std::fs::read_to_string(&out_file).unwrap(), 5).len(),
        5
    );
    let eval = std::fs::read_to_string(eval).unwrap();
    assert!(eval.starts_with("threshold,tp,fp,tn,fn,recall,precision,fpr,f1,tcr_lambda9,auc\n"));
    assert!(eval.lines().count() >= 20);
    assert!(eval.contains("\n0.50,"));
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.starts_with("rule,spam_weight,spam_pct,ham_pct,so_ratio,rank,"));
    assert!(report.lines().any(|l| l.starts_with("prize,")));
}

#[test]
fn dumped_weights_in_either_format_reproduce_the_default_scores() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "m.csv", MESSAGES);
    let default = msgpolicy(&["score", &input]).stdout;
    let stdout_dump = msgpolicy(&["score", "--dump-weights"]);
    assert!(String::from_utf8_lossy(&stdout_dump.stdout).contains("[spam]"));
    for name in ["w.toml", "w.csv"] {
        let path = dir.path().join(name).to_string_lossy().into_owned();
        assert!(msgpolicy(&["score", "--dump-weights", "--out", &path])
            .status
            .success());
        let again = msgpolicy(&["score", &input, "--weights", &path]).stdout;
        assert_eq!(again, default, "{name}");
    }
    let bad = write(
        dir.path(),
        "bad.toml",
        "[spam]\nbias = -3\nnot_a_rule = 1\n",
    );
    let out = msgpolicy(&["score", &input, "--weights", &bad]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with(&format!("error: {bad}:3: unknown rule"))
    );
}

/// Reads `f1=` from the `holdout before:`/`holdout after:` lines.
fn holdout_f1(stderr: &str, which: &str) -> f64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&format!("holdout {which}:")))
        .unwrap_or_else(|| panic!("no holdout {which} line in {stderr}"));
    let value = line.split("f1=").nth(1).unwrap().split(' ').next().unwrap();
    value.parse().unwrap()
}

#[test]
fn fitting_on_the_sample_improves_held_out_f1_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for (i, sample) in samples().iter().enumerate() {
        let fitted = |name: &str| {
            let path = dir.path().join(name).to_string_lossy().into_owned();
            let out = msgpolicy(&[
                "score",
                sample,
                "--fit",
                "--out-weights",
                &path,
                "--seed",
                "7",
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (
                std::fs::read_to_string(&path).unwrap(),
                String::from_utf8(out.stderr).unwrap(),
            )
        };
        let (weights, stderr) = fitted(&format!("a{i}.toml"));
        assert!(
            holdout_f1(&stderr, "after") > holdout_f1(&stderr, "before"),
            "{sample}: {stderr}"
        );
        assert_eq!(
            fitted(&format!("b{i}.toml")).0,
            weights,
            "same seed, same weights"
        );
        // The fitted file is a valid weights file.
        let path = dir
            .path()
            .join(format!("a{i}.toml"))
            .to_string_lossy()
            .into_owned();
        assert!(msgpolicy(&["score", sample, "--weights", &path])
            .status
            .success());
    }
}

#[test]
fn a_very_long_message_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let long = "all work and no play ".repeat(100_000);
    let input = write(dir.path(), "long.csv", &format!("text\n\"{long}\"\n"));
    let out = msgpolicy(&["score", &input]);
    assert!(out.status.success());
    let rows = scores(&String::from_utf8(out.stdout).unwrap(), 1);
    assert!(rows[0][3].contains("long"));
}
