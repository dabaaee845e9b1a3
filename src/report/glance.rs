//! What `msgpolicy run` prints when it is done: the headline metrics of
//! each sweep point as mean ± 95% half-width over its replications, so the
//! result is in front of the analyst before the report is opened.

use super::page::{cell_text, interval, HEADLINE, TRADE_OFFS};
use super::table::Table;

/// Sweep points listed at most; every point is in `sweep.csv` and the report.
const MAX_POINTS: usize = 20;

/// The summary of a sweep table (see [`super::sweep_table`]): one point's
/// headline metrics one per line; several points as a table with the
/// swept keys and the trade-offs (all of the headline would not fit a
/// terminal), the baseline point marked `*`.
pub fn glance(sweep: &Table, baseline: i64) -> String {
    let names: Vec<&str> = sweep.names().collect();
    // The swept keys: the columns between `point` and `replications`.
    let keys = match names.iter().position(|n| *n == "replications") {
        Some(end) if end > 1 => &names[1..end],
        _ => &[][..],
    };
    let replications = sweep.get("replications").map_or(0.0, |r| {
        (0..r.len()).map(|i| r.number(i)).fold(0.0, f64::max)
    });
    let mut text = format!(
        "{} point(s), mean ± 95% half-width over {replications} replication(s):\n",
        sweep.rows()
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    if sweep.rows() == 1 {
        for m in HEADLINE {
            rows.push(vec![m.to_string(), interval(sweep, m, "_mean", 0).0]);
        }
        text.push_str(&aligned(&rows, 1));
        return text;
    }
    let header = ["point"].iter().chain(keys).chain(TRADE_OFFS);
    rows.push(header.map(|h| h.to_string()).collect());
    for i in 0..sweep.rows().min(MAX_POINTS) {
        let mut point = cell_text(sweep, "point", i);
        if sweep
            .get("point")
            .is_some_and(|p| p.number(i) as i64 == baseline)
        {
            point.push('*');
        }
        let row = std::iter::once(point)
            .chain(keys.iter().map(|k| cell_text(sweep, k, i)))
            .chain(TRADE_OFFS.iter().map(|m| interval(sweep, m, "_mean", i).0));
        rows.push(row.collect());
    }
    text.push_str(&aligned(&rows, 0));
    if sweep.rows() > MAX_POINTS {
        text.push_str(&format!(
            "  ... and {} more points (sweep.csv)\n",
            sweep.rows() - MAX_POINTS
        ));
    }
    text.push_str("  * the baseline point, which compare.csv differences are from\n");
    text
}

/// Rows as text columns: the first `left` columns aligned left, the rest
/// right; two spaces between columns and before each row.
fn aligned(rows: &[Vec<String>], left: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let mut out = String::new();
    for row in rows {
        for (c, text) in row.iter().enumerate() {
            let pad = " ".repeat(widths[c] - text.chars().count());
            let cell = if c < left {
                format!("{text}{pad}")
            } else {
                format!("{pad}{text}")
            };
            out.push_str("  ");
            out.push_str(&cell);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::Values;

    /// A sweep table of `points` points, swept over one key.
    fn sweep(points: usize) -> Table {
        let mut t = Table::default();
        t.push("point", Values::Int((0..points as i64).collect()));
        t.push(
            "policy.ban_after_reports",
            Values::Int((1..=points as i64).collect()),
        );
        t.push("replications", Values::Int(vec![3; points]));
        for m in HEADLINE {
            let means = (0..points).map(|p| 10.0 + p as f64).collect();
            t.push(format!("{m}_mean"), Values::Float(means));
            t.push(format!("{m}_ci95"), Values::Float(vec![0.5; points]));
        }
        t
    }

    #[test]
    fn one_point_lists_every_headline_metric_with_its_interval() {
        let text = glance(&sweep(1), 0);
        assert_eq!(
            text.lines().next(),
            Some("1 point(s), mean ± 95% half-width over 3 replication(s):")
        );
        assert_eq!(text.lines().count(), 1 + HEADLINE.len());
        for (line, m) in text.lines().skip(1).zip(HEADLINE) {
            assert!(line.trim_start().starts_with(m), "{line}");
            assert!(line.ends_with("10.00 ± 0.50"), "{line}");
        }
    }

    #[test]
    fn a_sweep_is_a_table_with_its_keys_and_the_baseline_marked() {
        let text = glance(&sweep(3), 1);
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert!(
            lines[0].contains("policy.ban_after_reports") && lines[0].contains("spam_in_inbox")
        );
        assert!(lines[2].trim_start().starts_with("1*"), "{}", lines[2]);
        assert!(lines[3].contains("12.00 ± 0.50"), "{}", lines[3]);
        let widths: Vec<usize> = lines[..4].iter().map(|l| l.chars().count()).collect();
        assert!(
            widths.iter().all(|w| *w == widths[0]),
            "aligned: {widths:?}"
        );
    }

    #[test]
    fn a_long_sweep_is_cut_with_a_pointer_to_the_rest() {
        let text = glance(&sweep(MAX_POINTS + 5), 0);
        assert_eq!(text.lines().count(), 1 + 1 + MAX_POINTS + 2);
        assert!(text.contains("and 5 more points"));
    }
}
