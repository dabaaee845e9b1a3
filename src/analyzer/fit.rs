//! Learning the spam weights from labelled messages: L2-regularised logistic
//! regression on the rule hits, solved by Newton's method, with a seeded,
//! deterministic train/holdout split. The penalty pulls each weight toward
//! its starting (default) value rather than toward zero, so a rule that never
//! fires in the training data keeps its reasoned default instead of dropping
//! out. Quality weights are not learned (labels say spam or ham, not quality).

use super::rules::{RuleSet, RULES};
use super::weights::{sigmoid, Weights};
use std::collections::BTreeMap;

/// How to fit.
#[derive(Clone, Copy, Debug)]
pub struct FitOptions {
    /// Strength of the pull toward the starting weights (per weight).
    pub l2: f64,
    /// Newton steps at most.
    pub max_iterations: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            l2: 1.0,
            max_iterations: 50,
        }
    }
}

/// Whether row `index` belongs to the holdout part: a hash of (seed, index)
/// against the share, so the split is the same on every run and machine and
/// needs no shuffling of the rows.
pub fn in_holdout(seed: u64, index: u64, share: f64) -> bool {
    // splitmix64 finaliser: a well-mixed 64-bit value per (seed, index).
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 / (1u64 << 53) as f64) < share
}

/// Fits the spam bias and weights to `rows` (rule hits, is_spam), starting
/// from and regularised toward `start`.
pub fn fit(start: &Weights, rows: &[(RuleSet, bool)], options: FitOptions) -> Weights {
    // Identical rule sets share one term: few distinct sets however many rows.
    let mut groups: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for (fired, spam) in rows {
        let g = groups.entry(fired.0).or_default();
        if *spam {
            g.0 += 1.0;
        } else {
            g.1 += 1.0;
        }
    }
    // Parameter 0 is the bias, 1 + i the weight of rule i.
    let n = RULES.len() + 1;
    let prior: Vec<f64> = std::iter::once(start.spam_bias)
        .chain(start.spam.iter().copied())
        .collect();
    let mut theta = prior.clone();
    let features =
        |bits: u64| std::iter::once(0).chain(RuleSet(bits).iter().map(|r| r as usize + 1));
    for _ in 0..options.max_iterations {
        // Gradient and Hessian of the penalised negative log-likelihood.
        let mut gradient: Vec<f64> = (0..n).map(|j| options.l2 * (theta[j] - prior[j])).collect();
        let mut hessian = vec![vec![0.0; n]; n];
        for (j, row) in hessian.iter_mut().enumerate() {
            row[j] = options.l2;
        }
        for (&bits, &(spams, hams)) in &groups {
            let p = sigmoid(features(bits).map(|j| theta[j]).sum());
            let residual = p * (spams + hams) - spams;
            let curvature = p * (1.0 - p) * (spams + hams);
            for j in features(bits) {
                gradient[j] += residual;
                for k in features(bits) {
                    hessian[j][k] += curvature;
                }
            }
        }
        let step = solve(hessian, gradient);
        let mut largest = 0.0f64;
        for (t, s) in theta.iter_mut().zip(&step) {
            *t -= s;
            largest = largest.max(s.abs());
        }
        if largest < 1e-9 {
            break;
        }
    }
    // Four decimals: readable files, and far below what the data can tell.
    let round = |x: f64| (x * 1e4).round() / 1e4;
    Weights {
        spam_bias: round(theta[0]),
        spam: theta[1..].iter().map(|&x| round(x)).collect(),
        ..start.clone()
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting. `a` is
/// positive definite here (the penalty adds `l2` to its diagonal).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row][col] / a[col][col];
            if factor != 0.0 {
                let (above, below) = a.split_at_mut(row);
                for (x, p) in below[0][col..].iter_mut().zip(&above[col][col..]) {
                    *x -= factor * p;
                }
                b[row] -= factor * b[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::RuleId;

    #[test]
    fn the_split_is_deterministic_and_near_the_share() {
        let held: Vec<bool> = (0..10_000).map(|i| in_holdout(7, i, 0.3)).collect();
        let again: Vec<bool> = (0..10_000).map(|i| in_holdout(7, i, 0.3)).collect();
        assert_eq!(held, again);
        let share = held.iter().filter(|h| **h).count() as f64 / 10_000.0;
        assert!((share - 0.3).abs() < 0.02, "{share}");
        let other: Vec<bool> = (0..10_000).map(|i| in_holdout(8, i, 0.3)).collect();
        assert_ne!(held, other);
    }

    #[test]
    fn fitting_learns_that_a_rule_marks_ham() {
        // `link` fires on ham only here: its fitted weight must drop.
        let mut link = RuleSet::default();
        link.insert(RuleId::Link);
        let mut prize = RuleSet::default();
        prize.insert(RuleId::Prize);
        let rows: Vec<(RuleSet, bool)> = (0..200)
            .map(|i| {
                if i % 2 == 0 {
                    (link, false)
                } else {
                    (prize, true)
                }
            })
            .collect();
        let start = Weights::default();
        let fitted = fit(&start, &rows, FitOptions::default());
        assert!(fitted.spam[RuleId::Link as usize] < start.spam[RuleId::Link as usize]);
        assert!(fitted.spam[RuleId::Prize as usize] > start.spam[RuleId::Prize as usize]);
        // Unseen rules keep their defaults; quality weights are untouched.
        assert_eq!(
            fitted.spam[RuleId::Adult as usize],
            start.spam[RuleId::Adult as usize]
        );
        assert_eq!(fitted.quality, start.quality);
    }
}
