//! Means, 95% confidence intervals over replications, and paired
//! differences against the baseline point (common random numbers make the
//! pairing by replication meaningful).

/// Two-sided 95% Student t quantiles for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The t quantile for a 95% interval with `df` degrees of freedom.
pub fn t95(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T95[df - 1],
        31..=60 => 2.0,
        61..=120 => 1.98,
        _ => 1.96,
    }
}

/// Mean and 95% half-width of a sample (half-width NaN below two values).
pub fn mean_ci95(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, f64::NAN);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, t95(n - 1) * (var / n as f64).sqrt())
}

/// Mean paired difference `a - b` and its 95% half-width.
pub fn paired_diff_ci95(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    mean_ci95(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_matches_a_hand_computation() {
        // mean 2, sd 1, n 3: half-width = 4.303 * 1 / sqrt(3)
        let (m, h) = mean_ci95(&[1.0, 2.0, 3.0]);
        assert_eq!(m, 2.0);
        assert!((h - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert!(mean_ci95(&[5.0]).1.is_nan());
    }

    #[test]
    fn pairing_removes_the_shared_noise() {
        let base = [10.0, 20.0, 30.0];
        let variant = [11.0, 21.0, 31.0];
        let (d, h) = paired_diff_ci95(&variant, &base);
        assert_eq!(d, 1.0);
        assert_eq!(h, 0.0);
    }
}
