//! Measuring the analyzer on labelled messages: the confusion counts at a
//! threshold and what follows from them (precision, recall, F1, false-positive
//! rate, SpamAssassin's total cost ratio), ROC AUC with ties, the threshold
//! table, and the per-rule hit frequencies (SpamAssassin's `hit-frequencies`).
//! Pure arithmetic on (score, label) pairs and rule sets, never on texts.

use super::rules::{RuleId, RuleSet, RULES};
use super::weights::{sigmoid, Weights};

/// SpamAssassin's cost of a false positive relative to a false negative in
/// the total cost ratio ("lambda = 9": a lost legitimate message is as bad
/// as nine spams let through).
pub const TCR_LAMBDA: f64 = 9.0;

/// Confusion counts at one threshold; "positive" is spam.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Confusion {
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    pub fn_: u64,
}

/// `num / den`, 0 when there is nothing to divide (no predicted spam, no ham, ...).
fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Confusion {
    /// The counts of `scored` (score, is_spam) with verdict spam at `score >= threshold`.
    pub fn at(scored: &[(f64, bool)], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for &(score, spam) in scored {
            c.add(score >= threshold, spam);
        }
        c
    }

    pub fn add(&mut self, predicted_spam: bool, spam: bool) {
        match (predicted_spam, spam) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }

    /// Spams / (lambda * false positives + false negatives): how much better
    /// than no filter at all; infinite when there is no error.
    pub fn total_cost_ratio(&self, lambda: f64) -> f64 {
        let cost = lambda * self.fp as f64 + self.fn_ as f64;
        (self.tp + self.fn_) as f64 / cost
    }
}

/// ROC AUC: the chance that a random spam scores above a random ham, ties
/// counting one half (Mann-Whitney U with average ranks). NaN without both
/// classes.
pub fn roc_auc(scored: &[(f64, bool)]) -> f64 {
    let mut sorted: Vec<(f64, bool)> = scored.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let positives = sorted.iter().filter(|s| s.1).count() as f64;
    let negatives = sorted.len() as f64 - positives;
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0 == sorted[i].0 {
            j += 1;
        }
        // Ranks i+1 ..= j share their average.
        let average_rank = (i + 1 + j) as f64 / 2.0;
        let tied_positives = sorted[i..j].iter().filter(|s| s.1).count() as f64;
        rank_sum += average_rank * tied_positives;
        i = j;
    }
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// The headline figures at one threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub threshold: f64,
    pub confusion: Confusion,
    pub auc: f64,
}

impl Metrics {
    pub fn of(scored: &[(f64, bool)], threshold: f64) -> Metrics {
        Metrics {
            threshold,
            confusion: Confusion::at(scored, threshold),
            auc: roc_auc(scored),
        }
    }

    /// One line: `precision=… recall=… f1=… fpr=… auc=… (n=…, spam=…, threshold=…)`.
    pub fn summary(&self) -> String {
        let c = &self.confusion;
        format!(
            "precision={:.4} recall={:.4} f1={:.4} fpr={:.4} auc={:.4} (n={}, spam={}, ham={}, threshold={})",
            c.precision(),
            c.recall(),
            c.f1(),
            c.false_positive_rate(),
            self.auc,
            c.tp + c.fp + c.tn + c.fn_,
            c.tp + c.fn_,
            c.fp + c.tn,
            self.threshold
        )
    }
}

/// The thresholds of the `--eval` table: 0.05 to 0.95 in steps of 0.05.
pub fn table_thresholds() -> impl Iterator<Item = f64> {
    (1..20).map(|i| f64::from(i) / 20.0)
}

/// Header of the threshold table.
pub const TABLE_HEADER: [&str; 10] = [
    "threshold",
    "tp",
    "fp",
    "tn",
    "fn",
    "recall",
    "precision",
    "fpr",
    "f1",
    "tcr_lambda9",
];

/// One row of the threshold table.
pub fn table_row(threshold: f64, c: &Confusion) -> [String; 10] {
    [
        format!("{threshold:.2}"),
        c.tp.to_string(),
        c.fp.to_string(),
        c.tn.to_string(),
        c.fn_.to_string(),
        format!("{:.4}", c.recall()),
        format!("{:.4}", c.precision()),
        format!("{:.4}", c.false_positive_rate()),
        format!("{:.4}", c.f1()),
        format!("{:.3}", c.total_cost_ratio(TCR_LAMBDA)),
    ]
}

/// Per-rule tallies over labelled messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleTally {
    pub spam_hits: u64,
    pub ham_hits: u64,
    /// Verdicts this rule decided and got right (without it they would be wrong).
    pub flipped_right: u64,
    /// Verdicts this rule decided and got wrong.
    pub flipped_wrong: u64,
}

/// The rules report: how often each rule fires among spam and ham, and how
/// many verdicts it turned (the verdict with the rule differs from the one
/// without its spam weight).
#[derive(Clone, Debug)]
pub struct RulesReport {
    threshold_logit: f64,
    pub spam: u64,
    pub ham: u64,
    pub rules: Vec<RuleTally>,
}

impl RulesReport {
    pub fn new(threshold: f64) -> Self {
        // Compare log-odds: sigmoid(x) >= t  <=>  x >= logit(t).
        let t = threshold.clamp(0.0, 1.0);
        RulesReport {
            threshold_logit: (t / (1.0 - t)).ln(),
            spam: 0,
            ham: 0,
            rules: vec![RuleTally::default(); RULES.len()],
        }
    }

    /// Counts one labelled message.
    pub fn add(&mut self, fired: RuleSet, spam: bool, weights: &Weights) {
        if spam {
            self.spam += 1;
        } else {
            self.ham += 1;
        }
        let logit = weights.spam_logit(fired);
        let verdict = logit >= self.threshold_logit;
        for r in fired.iter() {
            let tally = &mut self.rules[r as usize];
            if spam {
                tally.spam_hits += 1;
            } else {
                tally.ham_hits += 1;
            }
            let without = logit - weights.spam[r as usize] >= self.threshold_logit;
            if without != verdict {
                if verdict == spam {
                    tally.flipped_right += 1;
                } else {
                    tally.flipped_wrong += 1;
                }
            }
        }
    }

    /// Header of the report.
    pub const HEADER: [&'static str; 11] = [
        "rule",
        "spam_weight",
        "spam_pct",
        "ham_pct",
        "so_ratio",
        "rank",
        "spam_hits",
        "ham_hits",
        "flipped",
        "flipped_right",
        "flipped_wrong",
    ];

    /// The report's rows, best rule first. `spam_pct`/`ham_pct` are the
    /// shares of spam and of ham the rule fires on; `so_ratio` =
    /// spam_pct / (spam_pct + ham_pct) as in SpamAssassin (1 = fires on spam
    /// only); `rank` orders the rules by |spam_pct - ham_pct|, how much of
    /// the corpus the rule tells apart.
    pub fn rows(&self, weights: &Weights) -> Vec<[String; 11]> {
        let pct = |hits: u64, total: u64| 100.0 * ratio(hits, total);
        let mut order: Vec<(RuleId, f64)> = RuleId::ALL
            .iter()
            .map(|&r| {
                let t = &self.rules[r as usize];
                let separation = pct(t.spam_hits, self.spam) - pct(t.ham_hits, self.ham);
                (r, separation.abs())
            })
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        order
            .iter()
            .enumerate()
            .map(|(rank, &(r, _))| {
                let t = &self.rules[r as usize];
                let (s, h) = (pct(t.spam_hits, self.spam), pct(t.ham_hits, self.ham));
                let so = if s + h > 0.0 {
                    format!("{:.3}", s / (s + h))
                } else {
                    String::new()
                };
                [
                    r.name().to_string(),
                    format!("{:?}", weights.spam[r as usize]),
                    format!("{s:.2}"),
                    format!("{h:.2}"),
                    so,
                    (rank + 1).to_string(),
                    t.spam_hits.to_string(),
                    t.ham_hits.to_string(),
                    (t.flipped_right + t.flipped_wrong).to_string(),
                    t.flipped_right.to_string(),
                    t.flipped_wrong.to_string(),
                ]
            })
            .collect()
    }
}

/// The spam score of a set of hits (for callers holding only rule sets).
pub fn spam_score(weights: &Weights, fired: RuleSet) -> f64 {
    sigmoid(weights.spam_logit(fired))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worked example, counted by hand.
    /// scores: 0.9 S, 0.8 H, 0.7 S, 0.6 S, 0.5 H, 0.5 S, 0.2 H, 0.1 H
    /// at 0.5: predicted spam = first six: tp 4 (S S S S), fp 2 (H H), tn 2, fn 0.
    /// precision 4/6, recall 1, F1 = 8/10, FPR = 2/4.
    /// AUC: pairs (spam over ham) out of 4*4 = 16: 0.9 beats 4 hams (4); 0.7 beats
    /// 0.5,0.2,0.1 (3); 0.6 the same (3); 0.5S beats 0.2,0.1 and ties 0.5H (2.5)
    /// -> 12.5 / 16 = 0.78125.
    #[test]
    fn metrics_agree_with_a_hand_computed_example() {
        let scored = [
            (0.9, true),
            (0.8, false),
            (0.7, true),
            (0.6, true),
            (0.5, false),
            (0.5, true),
            (0.2, false),
            (0.1, false),
        ];
        let m = Metrics::of(&scored, 0.5);
        let c = m.confusion;
        assert_eq!((c.tp, c.fp, c.tn, c.fn_), (4, 2, 2, 0));
        assert!((c.precision() - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(c.recall(), 1.0);
        assert!((c.f1() - 0.8).abs() < 1e-12);
        assert_eq!(c.false_positive_rate(), 0.5);
        assert!((m.auc - 0.78125).abs() < 1e-12);
        // TCR: 4 spams / (9 * 2 + 0).
        assert!((c.total_cost_ratio(9.0) - 4.0 / 18.0).abs() < 1e-12);
    }

    #[test]
    fn auc_of_all_ties_is_one_half_and_perfect_ranking_is_one() {
        assert_eq!(roc_auc(&[(0.5, true), (0.5, false), (0.5, true)]), 0.5);
        assert_eq!(roc_auc(&[(0.9, true), (0.1, false)]), 1.0);
        assert!(roc_auc(&[(0.9, true)]).is_nan());
    }

    #[test]
    fn the_rules_report_counts_hits_and_flipped_verdicts() {
        let w = Weights::default();
        let mut report = RulesReport::new(0.5);
        let mut both = RuleSet::default();
        both.insert(RuleId::Prize);
        both.insert(RuleId::PhoneNumber);
        both.insert(RuleId::Free);
        // bias -3 + 1.6 + 1.4 + 1.0 = 1.0 >= 0: spam; without any one of them below 0.
        report.add(both, true, &w);
        report.add(both, false, &w);
        let prize = report.rules[RuleId::Prize as usize];
        assert_eq!((prize.spam_hits, prize.ham_hits), (1, 1));
        assert_eq!((prize.flipped_right, prize.flipped_wrong), (1, 1));
        let rows = report.rows(&w);
        assert_eq!(rows.len(), RULES.len());
        let prize_row = rows.iter().find(|r| r[0] == "prize").unwrap();
        assert_eq!(prize_row[4], "0.500");
    }
}
