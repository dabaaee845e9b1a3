//! Analyzer throughput, timed with `std::time::Instant` (no harness):
//! `cg bench --bench analyzer`. Two workloads: many short request-sized
//! messages (200 characters) and e-mail-sized texts (8 KB), each scored end
//! to end (`Analyzer::score`: text rules, context rules, both scores) on one
//! core.

use msgpolicy::analyzer::{Analyzer, Hints};
use msgpolicy::message::SendContext;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Short texts of exactly `len` bytes built from varied sentences (ham-like
/// and spam-like), so the matcher sees realistic hit rates.
fn corpus(count: usize, len: usize) -> Vec<String> {
    const PARTS: &[&str] = &[
        "Hi Maria, I'm Tom, a data engineer at Voltaic. ",
        "I read your post about grid storage and would like to compare notes. ",
        "WINNER!! You have been selected to receive a prize, call 09061701461 now. ",
        "Would you be open to a short call next week? ",
        "Great meeting you at PyData London! ",
        "Special offer: 50% off our SEO services, click here http://bit.ly/x ",
        "ok see you at 7, are you free for lunch tomorrow? ",
        "Earn $5,000 per week from home, limited time only! ",
    ];
    (0..count)
        .map(|i| {
            let mut t = String::with_capacity(len + 80);
            let mut k = i;
            while t.len() < len {
                t.push_str(PARTS[k % PARTS.len()]);
                k = k.wrapping_mul(31).wrapping_add(7);
            }
            t.truncate(len);
            t
        })
        .collect()
}

/// Scores the corpus repeatedly for at least `min_time`; returns (messages/s, MB/s).
fn measure(analyzer: &Analyzer, texts: &[String], min_time: Duration) -> (f64, f64) {
    let hints = Hints::default();
    let ctx = SendContext::default();
    let bytes: usize = texts.iter().map(String::len).sum();
    let start = Instant::now();
    let mut rounds = 0u64;
    let mut checksum = 0.0;
    while start.elapsed() < min_time {
        for t in texts {
            checksum += analyzer.score(black_box(t), &hints, &ctx).spam_score;
        }
        rounds += 1;
    }
    black_box(checksum);
    let secs = start.elapsed().as_secs_f64();
    let messages = rounds as f64 * texts.len() as f64 / secs;
    let mb = rounds as f64 * bytes as f64 / secs / 1e6;
    (messages, mb)
}

fn main() {
    let analyzer = Analyzer::default();
    let min_time = Duration::from_secs(3);
    let short = corpus(10_000, 200);
    let (per_sec, mb) = measure(&analyzer, &short, min_time);
    println!("analyzer/short_200_chars: {per_sec:>12.0} messages/s  {mb:>8.1} MB/s  (one core)");
    let email = corpus(500, 8_000);
    let (per_sec, mb) = measure(&analyzer, &email, min_time);
    println!("analyzer/email_8kb:       {per_sec:>12.0} messages/s  {mb:>8.1} MB/s  (one core)");
}
