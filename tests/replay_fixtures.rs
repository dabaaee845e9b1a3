//! Runs every fixture of `tests/fixtures/replay/` through the real binary and
//! compares the appended `outcome,rule,notify,violations` with the fixture's
//! expectations (see the README there: empty = unchecked, `-` = empty).

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const EXPECTED: [&str; 4] = ["outcome", "rule", "notify", "violations"];

fn fixtures() -> Vec<PathBuf> {
    let dir = common::manifest_dir().join("tests/fixtures/replay");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("the fixtures folder exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    files.sort();
    files
}

/// The output must use LF line endings only and end with one.
fn check_lf(name: &str, bytes: &[u8]) -> Result<(), String> {
    if bytes.contains(&b'\r') {
        return Err(format!("{name}: the output has a CR"));
    }
    if !bytes.ends_with(b"\n") {
        return Err(format!("{name}: the output does not end with LF"));
    }
    Ok(())
}

/// Runs one fixture; returns its mismatches (file:line: ...) and the
/// (action outcome rule) triples it checks.
fn run_fixture(path: &Path, tmp: &Path, covered: &mut BTreeSet<String>) -> Vec<String> {
    let name = path.file_name().unwrap().to_string_lossy().to_string();
    let mut reader = csv::Reader::from_path(path).expect("the fixture is readable CSV");
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let inputs: Vec<usize> = (0..header.len())
        .filter(|i| !EXPECTED.contains(&header[*i].as_str()))
        .collect();
    let expect_at: Vec<Option<usize>> = EXPECTED
        .iter()
        .map(|e| header.iter().position(|h| h == e))
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.expect("the fixture rows are valid CSV");
        let line = record.position().unwrap().line();
        rows.push((line, record));
    }

    let input_path = tmp.join(&name);
    let input_header: Vec<&str> = inputs.iter().map(|i| header[*i].as_str()).collect();
    common::write_csv(
        &input_path,
        &input_header,
        rows.iter()
            .map(|(_, r)| inputs.iter().map(|i| &r[*i]).collect::<Vec<_>>()),
    );
    let mut args = vec![
        "replay".to_string(),
        common::path_str(&input_path).to_string(),
    ];
    let scenario = path.with_extension("toml");
    if scenario.exists() {
        args.push("--scenario".into());
        args.push(common::path_str(&scenario).to_string());
    }
    let out = common::msgpolicy(&args);
    if !out.status.success() {
        return vec![format!(
            "{name}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )];
    }
    let mut problems = Vec::new();
    if let Err(e) = check_lf(&name, &out.stdout) {
        problems.push(e);
    }
    let output = common::parse_csv(&out.stdout);
    let mut want_header: Vec<&str> = input_header.clone();
    want_header.extend(EXPECTED);
    if output
        .first()
        .map(|h| h.iter().map(String::as_str).collect::<Vec<_>>())
        != Some(want_header)
    {
        problems.push(format!("{name}: output header {:?}", output.first()));
    }
    if output.len() != rows.len() + 1 {
        problems.push(format!(
            "{name}: {} output rows for {} input rows",
            output.len().saturating_sub(1),
            rows.len()
        ));
    }
    let mut checked = 0;
    for ((line, record), got) in rows.iter().zip(output.iter().skip(1)) {
        let n = inputs.len();
        for (k, i) in inputs.iter().enumerate() {
            if got.get(k).map(String::as_str) != Some(&record[*i]) {
                problems.push(format!(
                    "{name}:{line}: input column `{}` echoed as {:?}",
                    header[*i],
                    got.get(k)
                ));
            }
        }
        for (k, at) in expect_at.iter().enumerate() {
            let Some(want) = at.map(|i| &record[i]).filter(|w| !w.is_empty()) else {
                continue;
            };
            let want = if want == "-" { "" } else { want };
            checked += 1;
            let got_value = got.get(n + k).map(String::as_str).unwrap_or("<missing>");
            if got_value != want {
                problems.push(format!(
                    "{name}:{line}: `{}` expected {want:?}, got {got_value:?} (row: {})",
                    EXPECTED[k],
                    record.iter().collect::<Vec<_>>().join(",")
                ));
            }
        }
        if let (Some(o), Some(r)) = (expect_at[0], expect_at[1]) {
            let action = record[header.iter().position(|h| h == "action").unwrap()].to_string();
            covered.insert(format!("{action} {} {}", &record[o], &record[r]));
        }
    }
    if checked == 0 {
        problems.push(format!("{name}: checks nothing"));
    }
    problems
}

#[test]
fn every_replay_fixture_gives_the_expected_outcomes() {
    let tmp = tempfile::tempdir().unwrap();
    let files = fixtures();
    assert!(files.len() >= 90, "only {} fixtures", files.len());
    let mut covered = BTreeSet::new();
    let problems: Vec<String> = files
        .iter()
        .flat_map(|f| run_fixture(f, tmp.path(), &mut covered))
        .collect();
    assert!(
        problems.is_empty(),
        "{} mismatch(es):\n{}",
        problems.len(),
        problems.join("\n")
    );

    // Every rule of 3.1 and 3.2 is the expected answer somewhere.
    let rules: Vec<&str> = common::EVERY_RULE
        .iter()
        .chain(
            [
                "ignore error no_pending_request",
                "delete error no_pending_request",
            ]
            .iter(),
        )
        .copied()
        .collect();
    let missing: Vec<_> = rules.iter().filter(|r| !covered.contains(**r)).collect();
    assert!(missing.is_empty(), "no fixture expects {missing:?}");
}

/// Precedence fixtures `pII_JJ_*` name the winner first, and no two cover
/// the same pair.
#[test]
fn precedence_pairs_are_covered_once() {
    let mut pairs = BTreeSet::new();
    for f in fixtures() {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        if let Some(rest) = name.strip_prefix('p') {
            let (i, j) = (&rest[0..2], &rest[3..5]);
            assert!(i < j, "{name}: the winner must come first");
            assert!(
                pairs.insert((i.to_string(), j.to_string())),
                "{name}: twice"
            );
        }
    }
    // Every pair whose conditions can both hold (see the fixtures' README).
    assert_eq!(pairs.len(), 67, "{pairs:?}");
}

/// The `text` column may be left out, other columns are kept in their order,
/// CRLF input still gives LF output, and `--out` writes what stdout shows.
#[test]
fn other_columns_are_kept_and_output_is_lf() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.csv");
    fs::write(
        &input,
        "note,actor,action,target\r\n\"a, b\",ana,connect,ben\r\n,ana,view_profile,ben\r\n",
    )
    .unwrap();
    let out = common::msgpolicy(["replay", common::path_str(&input)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    check_lf("stdout", &out.stdout).unwrap();
    assert_eq!(
        String::from_utf8(out.stdout.clone()).unwrap(),
        "note,actor,action,target,outcome,rule,notify,violations\n\
         \"a, b\",ana,connect,ben,ok,connect,none,\n\
         ,ana,view_profile,ben,full,connected,none,\n"
    );
    let file = tmp.path().join("out.csv");
    let again = common::msgpolicy([
        "replay",
        common::path_str(&input),
        "--out",
        common::path_str(&file),
    ]);
    assert!(again.status.success());
    assert!(again.stdout.is_empty());
    assert_eq!(fs::read(&file).unwrap(), out.stdout);
}
