//! Engine and replay throughput (issue 2): `cargo bench --bench engine`.
//!
//! 1. Engine decisions per second, one thread, on 1 million members with
//!    realistic state: a heavy-tailed connection graph (mean 40), pending
//!    requests, threads, ignores and blocks left by earlier days. The text's
//!    score is computed beforehand (scoring text is the analyzer's benchmark).
//! 2. `replay` rows per second on a 1-million-row actions file.

use msgpolicy::analyzer::Analyzer;
use msgpolicy::engine::{Engine, Message, Policy, Score, WARM_AHEAD, WARM_TAB_AHEAD};
use msgpolicy::population;
use msgpolicy::replay::{replay, Replayer};
use msgpolicy::rng::{stream, Purpose};
use msgpolicy::scenario::PopulationConfig;
use msgpolicy::violation::Violations;
use rand::RngExt;
use std::io::Write;
use std::time::Instant;

const MEMBERS: u32 = 1_000_000;
const PER_DAY: usize = 1_000_000;

fn messages(pop: &population::Population, count: usize, key: u64) -> Vec<(Message, Score)> {
    let mut rng = stream(7, Purpose::Plan, &[key]);
    (0..count)
        .map(|_| {
            let s = rng.random_range(0..MEMBERS);
            let friends = pop.connections.row(s);
            // A third to connections, the rest to strangers (some repeatedly).
            let r = if !friends.is_empty() && rng.random_bool(0.33) {
                friends[rng.random_range(0..friends.len())]
            } else {
                rng.random_range(0..MEMBERS)
            };
            let message = Message {
                sender: s,
                recipient: r,
                text_hash: rng.random_range(0..5_000u64),
                static_connection: pop.connections.contains(s, r),
                tag: 0,
            };
            let spam = rng.random::<f64>();
            (
                message,
                Score {
                    spam_score: spam,
                    text_spam_score: spam,
                    quality_score: 1.0 - spam,
                    content: Violations::NONE,
                },
            )
        })
        .collect()
}

fn engine_bench() -> f64 {
    let cfg = PopulationConfig {
        members: MEMBERS,
        ..PopulationConfig::default()
    };
    let pop = population::generate(&cfg, 1, 0);
    let policy = Policy {
        spam_filter_threshold: 0.9,
        daily_request_limit: 50,
        ..Policy::default()
    };
    let mut engine = Engine::new(policy, MEMBERS as usize);
    engine.reserve_pairs(16 * PER_DAY);
    engine.reserve_texts(PER_DAY);
    for &p in &pop.pages {
        engine.make_page(p);
    }
    // Earlier days: requests opened, some answered, some blocked.
    let mut rng = stream(7, Purpose::Answer, &[0]);
    for day in 0..3 {
        for (m, score) in messages(&pop, PER_DAY, 100 + day) {
            let (d, _) = engine.send(&m, |_| score);
            if d.rule.name() == "new_request" {
                match rng.random_range(0..10) {
                    0..=2 => drop(engine.accept(m.recipient, m.sender)),
                    3..=5 => drop(engine.dismiss(m.recipient, m.sender, false)),
                    6 => drop(engine.block(m.recipient, m.sender)),
                    _ => {}
                }
            }
        }
        engine.next_day();
    }
    let days: Vec<Vec<(Message, Score)>> = (0..10).map(|d| messages(&pop, PER_DAY, d)).collect();
    // Dry runs: the rules on the state, nothing recorded.
    let start = Instant::now();
    let mut requests = 0u64;
    for day in &days {
        for (i, (m, score)) in day.iter().enumerate() {
            if let Some((next, _)) = day.get(i + WARM_AHEAD) {
                engine.warm_message(next);
            }
            requests += u64::from(engine.decide(m, |_| *score).outcome.name() == "request");
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let total = (days.len() * PER_DAY) as f64;
    eprintln!("engine dry run: {total} decisions in {secs:.3} s ({requests} requests)");
    println!("engine_dry_run_decisions_per_s\t{:.0}", total / secs);
    let start = Instant::now();
    let mut inbox = 0u64;
    for day in &days {
        for (i, (m, score)) in day.iter().enumerate() {
            if let Some((next, _)) = day.get(i + WARM_AHEAD) {
                engine.warm_message(next);
            }
            if let Some((next, _)) = day.get(i + WARM_TAB_AHEAD) {
                engine.warm_tab(next.recipient);
            }
            let (d, _) = engine.send(m, |_| *score);
            inbox += u64::from(d.outcome.name() == "inbox");
        }
        engine.next_day();
    }
    let secs = start.elapsed().as_secs_f64();
    let total = (days.len() * PER_DAY) as f64;
    eprintln!("engine: {total} decisions in {secs:.3} s ({inbox} to inboxes)");
    total / secs
}

fn replay_bench() -> f64 {
    const ROWS: usize = 1_000_000;
    let texts = [
        "Hi Ben, I'm Cho, a product designer at Lumen. I liked your post on onboarding flows.",
        "FREE MONEY!!! click http://x.co now, limited time offer",
        "Thanks, see you Thursday.",
        "Hello, we have exciting opportunities that match your profile. Are you open to new opportunities?",
        "It was great meeting you at the Lisbon Summit. Would you be open to a short call next week?",
    ];
    let mut rng = stream(9, Purpose::Plan, &[1]);
    let dir = std::env::temp_dir().join(format!("msgpolicy-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("actions.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        writeln!(w, "actor,action,target,text").unwrap();
        for i in 0..ROWS {
            if i % 100_000 == 99_999 {
                writeln!(w, ",next_day,,").unwrap();
                continue;
            }
            let a = rng.random_range(0..100_000u32);
            let t = (a + rng.random_range(1..100_000u32)) % 100_000;
            match rng.random_range(0..20) {
                0..=12 => writeln!(
                    w,
                    "m{a},send,m{t},\"{}\"",
                    texts[rng.random_range(0..texts.len())]
                )
                .unwrap(),
                13..=15 => writeln!(w, "m{a},accept,m{t},").unwrap(),
                16 => writeln!(w, "m{a},ignore,m{t},").unwrap(),
                17 => writeln!(w, "m{a},connect,m{t},").unwrap(),
                18 => writeln!(w, "m{a},report,m{t},").unwrap(),
                _ => writeln!(w, "m{a},view_profile,m{t},").unwrap(),
            }
        }
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let start = Instant::now();
    let input = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path).unwrap());
    let out = std::io::BufWriter::with_capacity(
        1 << 16,
        std::fs::File::create(dir.join("out.csv")).unwrap(),
    );
    let mut replayer = Replayer::new(Policy::default(), Analyzer::default());
    let rows = replay("actions.csv", input, out, &mut replayer).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "replay: {rows} rows ({:.1} MB) in {secs:.3} s",
        bytes as f64 / 1e6
    );
    rows as f64 / secs
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter may follow.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if "engine_decisions".contains(&filter) {
        println!("engine_decisions_per_s\t{:.0}", engine_bench());
    }
    if "replay_rows".contains(&filter) {
        println!("replay_rows_per_s\t{:.0}", replay_bench());
    }
}
