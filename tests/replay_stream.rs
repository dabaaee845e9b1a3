//! `replay` streams its input through two threads in batches of rows; these
//! tests hold it to the plain row-by-row replay (`Replayer::apply` on each
//! row, the row written back with the `csv` writer): the same bytes on files
//! many batches long, and a bad row in a later batch stops the replay at its
//! own line, after exactly the rows before it.

mod common;

use common::gen::SplitMix64;
use msgpolicy::engine::Policy;
use msgpolicy::replay::{replay, Action, Replayer};

/// Longer than several batches of the reading thread (2048 rows each).
const ROWS: usize = 7000;

/// Texts that need quoting every which way, and some that need none.
const TEXTS: [&str; 9] = [
    "Hi m3, I liked your post, let's talk.",
    "FREE MONEY!!! click http://x.co now, limited time offer",
    "She said \"hello\"\nand left",
    "line one\r\nline two",
    "\"",
    "plain",
    "",
    " spaced , out ",
    "é ü 日本 \"quoted\"",
];

/// Short names, names past 15 bytes and non-ASCII names.
fn name(rng: &mut SplitMix64) -> String {
    let i = rng.below(200);
    match rng.below(5) {
        0 => format!("a-member-with-a-long-name-{i}"),
        1 => format!("ü{i}"),
        _ => format!("m{i}"),
    }
}

/// A random actions file: `note,actor,action,target,text` (an extra column
/// first), every action, a `next_day` now and then.
fn rows(seed: u64, n: usize) -> Vec<[String; 5]> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|i| {
            let action = if rng.below(300) == 0 {
                Action::NextDay
            } else if rng.below(2) == 0 {
                Action::Send
            } else {
                Action::ALL[rng.below(Action::ALL.len() as u64) as usize]
            };
            let actor = if action == Action::NextDay {
                String::new()
            } else {
                name(&mut rng)
            };
            let target = if action.needs_target() {
                name(&mut rng)
            } else {
                String::new()
            };
            let text = if action == Action::Send {
                TEXTS[rng.below(TEXTS.len() as u64) as usize].to_string()
            } else {
                String::new()
            };
            [
                format!("n,{i}"),
                actor,
                action.name().to_string(),
                target,
                text,
            ]
        })
        .collect()
}

const HEADER: [&str; 5] = ["note", "actor", "action", "target", "text"];

fn to_csv(rows: &[[String; 5]], crlf: bool) -> Vec<u8> {
    let term = if crlf {
        csv::Terminator::CRLF
    } else {
        csv::Terminator::Any(b'\n')
    };
    let mut w = csv::WriterBuilder::new()
        .terminator(term)
        .from_writer(Vec::new());
    w.write_record(HEADER).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

/// The output of a row-by-row replay of `rows` on `replayer`.
fn row_by_row(rows: &[[String; 5]], replayer: &mut Replayer) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header = HEADER.to_vec();
    header.extend(["outcome", "rule", "notify", "violations"]);
    w.write_record(&header).unwrap();
    for r in rows {
        let action = Action::parse(&r[2]).unwrap();
        let d = replayer.apply(&r[1], action, &r[3], &r[4]);
        let mut out: Vec<String> = r.to_vec();
        out.extend([
            d.outcome.name().to_string(),
            d.rule.name().to_string(),
            d.notify.name().to_string(),
            d.violations.to_names(),
        ]);
        w.write_record(&out).unwrap();
    }
    w.into_inner().unwrap()
}

fn replayer() -> Replayer {
    let policy = Policy {
        daily_request_limit: 5,
        ..Policy::default()
    };
    Replayer::new(policy, common::analyzer())
}

#[test]
fn a_long_replay_writes_what_a_row_by_row_replay_writes() {
    for (seed, crlf) in [(1, false), (2, true), (3, false)] {
        let rows = rows(seed, ROWS);
        let want = row_by_row(&rows, &mut replayer());
        let mut got = Vec::new();
        let n = replay("a.csv", &to_csv(&rows, crlf)[..], &mut got, &mut replayer()).unwrap();
        assert_eq!(n, ROWS as u64);
        assert!(got.windows(2).any(|w| w == b"\"\""), "doubled quotes seen");
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap(),
            "seed {seed}"
        );
    }
}

/// Members met through `apply` before a streamed replay keep their ids, and
/// the replayer goes on after it as if every row had been applied one by one.
#[test]
fn a_replay_between_single_actions_keeps_the_members() {
    let all = rows(4, ROWS);
    let (before, rest) = all.split_at(500);
    let (streamed, after) = rest.split_at(5000);
    let want = row_by_row(&all, &mut replayer());

    let mut mixed = replayer();
    let mut got = row_by_row(before, &mut mixed);
    let mut middle = Vec::new();
    replay(
        "a.csv",
        &to_csv(streamed, false)[..],
        &mut middle,
        &mut mixed,
    )
    .unwrap();
    let header_end = middle.iter().position(|b| *b == b'\n').unwrap() + 1;
    got.extend_from_slice(&middle[header_end..]);
    let tail = row_by_row(after, &mut mixed);
    let header_end = tail.iter().position(|b| *b == b'\n').unwrap() + 1;
    got.extend_from_slice(&tail[header_end..]);
    assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(want).unwrap()
    );
}

/// Makes a good row bad.
type Break = fn(&mut [String; 5]);

/// The input's line where the row at `index` (0-based) starts.
fn line_of(bytes: &[u8], index: usize) -> usize {
    let mut reader = csv::Reader::from_reader(bytes);
    let record = reader.records().nth(index).unwrap().unwrap();
    record.position().unwrap().line() as usize
}

#[test]
fn a_bad_row_in_a_later_batch_stops_the_replay_at_its_line() {
    let rows = rows(5, ROWS);
    // Rows 2047 and 2048 end the first batch and start the second.
    for bad in [0, 2047, 2048, 4500, ROWS - 1] {
        let breaks: [(&str, Break); 3] = [
            ("unknown action `fly`", |r| r[2] = "fly".into()),
            ("has an empty `target`", |r| {
                r[1] = "m1".into();
                r[2] = "send".into();
                r[3] = String::new();
            }),
            ("has an empty `actor`", |r| {
                r[2] = "accept".into();
                r[1] = String::new();
            }),
        ];
        for (what, fix) in breaks {
            let mut input = rows.clone();
            fix(&mut input[bad]);
            let bytes = to_csv(&input, false);
            let line = line_of(&bytes, bad);
            let mut got = Vec::new();
            let err = replay("a.csv", &bytes[..], &mut got, &mut replayer()).unwrap_err();
            let err = err.to_string();
            assert!(
                err.starts_with(&format!("a.csv:{line}: ")) && err.contains(what),
                "row {bad}: {err}"
            );
            // Exactly the rows before the bad one were written.
            let want = row_by_row(&rows[..bad], &mut replayer());
            assert!(got == want, "row {bad}: {what}: the output differs");
        }
    }
}

/// The `csv` reader takes a quoted field left open at the end of the input
/// to run to the end: that last row is replayed, then the replay fails.
#[test]
fn a_quote_left_open_after_many_batches_names_the_last_row() {
    let mut rows = rows(6, ROWS);
    let mut bytes = to_csv(&rows, false);
    bytes.extend_from_slice(b"x,m1,send,m2,\"never closed\n");
    let line = bytes.iter().filter(|b| **b == b'\n').count(); // the last line
    rows.push(["x", "m1", "send", "m2", "never closed\n"].map(String::from));
    let mut got = Vec::new();
    let err = replay("a.csv", &bytes[..], &mut got, &mut replayer()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("a.csv:{line}: a quoted field is never closed, expected a closing `\"`")
    );
    let want = row_by_row(&rows, &mut replayer());
    assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(want).unwrap()
    );
}
