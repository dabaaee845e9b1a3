//! The report folder's charts and its self-contained `report.html`.

use super::charts::{BarChart, LineChart, TradeOffChart};
use super::{measured_columns, swept_keys, Manifest, Table, Values};
use crate::engine::{Rule, SEND_PRECEDENCE};
use crate::report::stats::mean_ci95;
use crate::sim::{Metric, Rate};
use anyhow::{Context, Result};
use std::fmt::Write;
use std::path::Path;

/// Rows of `table` at `point`, grouped by the value of `by` (in first-seen order),
/// with the mean and 95% half-width of `metric` over replications.
fn grouped(table: &Table, point: i64, by: &str, metric: &str) -> Vec<(String, f64, f64)> {
    let (Some(points), Some(keys), Some(values)) =
        (table.get("point"), table.get(by), table.get(metric))
    else {
        return Vec::new();
    };
    let mut groups: Vec<(String, Vec<f64>)> = Vec::new();
    for i in 0..values.len() {
        if points.number(i) as i64 != point {
            continue;
        }
        let key = keys.text(i);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, xs)) => xs.push(values.number(i)),
            None => groups.push((key, vec![values.number(i)])),
        }
    }
    groups
        .into_iter()
        .map(|(k, xs)| {
            let (m, ci) = mean_ci95(&xs);
            (k, m, ci)
        })
        .collect()
}

/// One row per persona at `point`: members (mean) and, for every headline
/// metric, its mean and 95% half-width over replications.
fn persona_means(by_persona: &Table, point: i64) -> Table {
    let mut t = Table::default();
    let members = grouped(by_persona, point, "persona", "members");
    t.push(
        "persona",
        Values::Text(members.iter().map(|(p, _, _)| p.clone()).collect()),
    );
    t.push(
        "members",
        Values::Float(members.iter().map(|&(_, m, _)| m).collect()),
    );
    for metric in HEADLINE {
        let groups = grouped(by_persona, point, "persona", metric);
        if groups.is_empty() {
            continue; // not in the table: shown as missing
        }
        t.push(
            format!("{metric}_mean"),
            Values::Float(groups.iter().map(|&(_, m, _)| m).collect()),
        );
        t.push(
            format!("{metric}_ci95"),
            Values::Float(groups.iter().map(|&(_, _, ci)| ci).collect()),
        );
    }
    t
}

/// One row per send rule of CONTRACT 3.1 at `point` of the sweep table:
/// its precedence, name and doc, the sends it decided (mean and 95%
/// half-width over replications) and their share of all sends.
fn rule_counts(sweep: &Table, point: i64) -> Table {
    let row = sweep
        .get("point")
        .and_then(|p| (0..p.len()).find(|&i| p.number(i) as i64 == point));
    let value = |column: String| match (row, sweep.get(&column)) {
        (Some(i), Some(v)) => v.number(i),
        _ => f64::NAN,
    };
    let attempts = value("attempts_mean".into());
    // One row per column: the two rules named `after_ignore` (10, and 13
    // when a request opens after an ignore) share one; CONTRACT 3.1 numbers
    // both outcomes of opening a request 13.
    let mut rows: Vec<(Vec<String>, Vec<Rule>, Metric)> = Vec::new();
    for (k, &rule) in SEND_PRECEDENCE.iter().enumerate() {
        let Some(metric) = Metric::decided_by(rule) else {
            continue;
        };
        let number = if rule == Rule::NewRequest { k } else { k + 1 }.to_string();
        match rows.iter_mut().find(|(_, _, m)| *m == metric) {
            Some((numbers, rules, _)) => {
                numbers.push(number);
                rules.push(rule);
            }
            None => rows.push((vec![number], vec![rule], metric)),
        }
    }
    let mut t = Table::default();
    let text = |f: &dyn Fn(&[String], &[Rule]) -> String| {
        Values::Text(rows.iter().map(|(n, r, _)| f(n, r)).collect())
    };
    t.push("#", text(&|numbers, _| numbers.join(", ")));
    t.push("rule", text(&|_, rules| rules[0].name().to_string()));
    let docs = |_: &[String], rules: &[Rule]| {
        let docs: Vec<&str> = rules.iter().map(|r| r.doc()).collect();
        docs.join(" Or: ")
    };
    t.push("what it does", text(&docs));
    let sends = |part: &str| -> Vec<f64> {
        rows.iter()
            .map(|(_, _, m)| value(format!("{}_{part}", m.name())))
            .collect()
    };
    let means = sends("mean");
    t.push(
        "share_mean",
        Values::Float(means.iter().map(|m| m / attempts).collect()),
    );
    t.push("sends_mean", Values::Float(means));
    t.push("sends_ci95", Values::Float(sends("ci95")));
    t
}

/// A short label for a sweep point: its swept values, in key order (the
/// axis names the keys), with `*` after the baseline point's.
fn point_label(sweep: &Table, keys: &[String], row: usize, baseline: i64) -> String {
    let values: Vec<String> = keys
        .iter()
        .filter_map(|k| sweep.get(k).map(|v| v.text(row)))
        .collect();
    let label = if values.is_empty() {
        format!("point {row}")
    } else {
        values.join(" / ")
    };
    let is_baseline = sweep
        .get("point")
        .is_some_and(|p| p.number(row) == baseline as f64);
    if is_baseline {
        label + "*"
    } else {
        label
    }
}

/// Draws the charts; returns (file stem, title) of each.
pub fn charts(
    dir: &Path,
    summary: &Table,
    by_persona: &Table,
    daily: &Table,
    sweep: &Table,
    baseline: i64,
) -> Result<Vec<(String, String)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut made = Vec::new();
    let daily_lines = |metrics: &[&str]| -> Vec<(String, Vec<(f64, f64)>)> {
        metrics
            .iter()
            .map(|m| {
                let points = grouped(daily, baseline, "day", m)
                    .into_iter()
                    .map(|(d, v, _)| (d.parse().unwrap_or(0.0), v))
                    .collect();
                (m.to_string(), points)
            })
            .collect()
    };
    let charts_to_draw = [
        (
            "daily_outcomes",
            "Messages per day by outcome (baseline point, mean of replications)",
            &["inbox", "requests", "filtered", "suppressed", "rejected"][..],
        ),
        (
            "daily_harm",
            "Spam and abuse reaching inboxes, legitimate requests filtered, per day",
            &["spam_in_inbox", "abuse_in_inbox", "legit_filtered"][..],
        ),
        (
            "daily_answers",
            "Requests opened and answered per day",
            &["opened", "accepted", "ignored", "blocked"][..],
        ),
    ];
    for (name, title, metrics) in charts_to_draw {
        LineChart {
            title,
            x_label: "day",
            y_label: "messages per day",
            series: daily_lines(metrics),
        }
        .write(dir, name)?;
        made.push((name.to_string(), title.to_string()));
    }
    let bars = grouped(by_persona, baseline, "persona", "acceptance_rate");
    let title = "Acceptance rate by sender persona (95% interval over replications)";
    BarChart {
        title,
        x_label: "sender persona",
        y_label: "accepted / opened",
        bars,
    }
    .write(dir, "acceptance_by_persona")?;
    made.push(("acceptance_by_persona".into(), title.into()));

    if sweep.rows() > 1 {
        let keys = swept_keys(summary);
        let axis = keys.join(" / ");
        for &metric in TRADE_OFFS {
            let (Some(means), Some(cis)) = (
                sweep.get(&format!("{metric}_mean")),
                sweep.get(&format!("{metric}_ci95")),
            ) else {
                continue;
            };
            let bars = (0..sweep.rows())
                .map(|i| {
                    let label = point_label(sweep, &keys, i, baseline);
                    (label, means.number(i), cis.number(i))
                })
                .collect();
            let title = format!("{metric} by sweep point (mean, 95% interval; * baseline)");
            let name = format!("sweep_{metric}");
            BarChart {
                title: &title,
                x_label: &axis,
                y_label: metric,
                bars,
            }
            .write(dir, &name)?;
            made.push((name, title));
        }
        // The two trade-offs a policy is tuned along: the spam filter
        // (spam let through against legitimate requests filtered) and the
        // ban rule (abuse let through against people banned wrongly).
        for (name, title, (x, x_label), (y, y_label)) in [
            (
                "tradeoff_spam",
                "Spam let through vs legitimate requests filtered",
                ("legit_filtered", "legitimate requests filtered"),
                ("spam_in_inbox", "spam messages reaching inboxes"),
            ),
            (
                "tradeoff_abuse",
                "Abuse let through vs wrongful bans",
                ("wrongful_bans", "wrongful bans"),
                ("abuse_in_inbox", "abusive messages reaching inboxes"),
            ),
        ] {
            let column = |metric: &str, part: &str| sweep.get(&format!("{metric}_{part}"));
            let (Some(xm), Some(xc), Some(ym), Some(yc)) = (
                column(x, "mean"),
                column(x, "ci95"),
                column(y, "mean"),
                column(y, "ci95"),
            ) else {
                continue;
            };
            let points = (0..sweep.rows())
                .map(|i| {
                    let label = point_label(sweep, &keys, i, baseline);
                    (
                        label,
                        xm.number(i),
                        xc.number(i),
                        ym.number(i),
                        yc.number(i),
                    )
                })
                .collect();
            TradeOffChart {
                title,
                x_label,
                y_label,
                points,
            }
            .write(dir, name)?;
            let caption = format!(
                "{title}: one point per sweep point, labelled {axis}, the baseline marked * (mean, 95% intervals over replications)"
            );
            made.push((name.to_string(), caption));
        }
    }
    Ok(made)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table cell: whole numbers as they are, large ones to one decimal,
/// small ones (rates, per-1,000 figures) to four significant digits without
/// trailing zeros, so that a column reads evenly (8.22, 50.98, 0.0189).
/// Charts label their axes the same way.
pub(super) fn fmt_number(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        let decimals = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
        let fixed = format!("{v:.decimals$}");
        fixed
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// Row `i`'s `{metric}{value}` as `value ± half-width` (the half-width
/// from `{metric}_ci95`; the value alone without one), and whether the
/// interval excludes zero. A column the table lacks reads as missing.
pub(super) fn interval(table: &Table, metric: &str, value: &str, i: usize) -> (String, bool) {
    let number = |column: String| table.get(&column).map_or(f64::NAN, |v| v.number(i));
    let (v, ci) = (
        number(format!("{metric}{value}")),
        number(format!("{metric}_ci95")),
    );
    if !ci.is_finite() {
        return (fmt_number(v), false);
    }
    (fmt_interval(v, ci), v.abs() > ci)
}

/// `value ± half-width`, both to the precision the half-width allows: to
/// the decimal place of its second significant digit, never finer than
/// the units' place allows (846904.3 ± 6057.6 reads `846904 ± 6058`,
/// 0.3258 ± 0.002655 reads `0.3258 ± 0.0027`, 10 ± 0.5 reads
/// `10.00 ± 0.50`). Digits beyond that are noise of the replications. A
/// zero width (or a value that is not a number) leaves both as
/// [`fmt_number`] shows them.
fn fmt_interval(v: f64, ci: f64) -> String {
    if ci > 0.0 && v.is_finite() {
        let decimals = (1 - ci.log10().floor() as i32).clamp(0, 12) as usize;
        format!("{v:.decimals$} ± {ci:.decimals$}")
    } else {
        format!("{} ± {}", fmt_number(v), fmt_number(ci))
    }
}

/// Row `i` of `column` as a table cell (empty if there is no such column).
fn cell(table: &Table, column: &str, i: usize) -> String {
    escape(&cell_text(table, column, i))
}

/// [`cell`] as plain text.
pub(super) fn cell_text(table: &Table, column: &str, i: usize) -> String {
    match table.get(column) {
        Some(Values::Text(v)) => v[i].clone(),
        Some(v) => fmt_number(v.number(i)),
        None => String::new(),
    }
}

/// An HTML table: a header row, then rows of cells (already HTML).
fn write_table<'h>(out: &mut String, header: impl Iterator<Item = &'h str>, rows: &[Vec<String>]) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// Some metrics of a table as `value ± half-width` (columns
/// `{metric}{value}` and `{metric}_ci95`), after some plain columns. With
/// `mark_nonzero` (differences), a cell whose interval excludes zero is
/// bold: the difference is significant at the 5% level.
fn html_interval_table(
    out: &mut String,
    table: &Table,
    plain: &[String],
    (metrics, value): (&[&str], &str),
    mark_nonzero: bool,
) {
    let interval = |m: &str, i: usize| match interval(table, m, value, i) {
        (text, true) if mark_nonzero => format!("<b>{text}</b>"),
        (text, _) => text,
    };
    let rows: Vec<Vec<String>> = (0..table.rows())
        .map(|i| {
            plain
                .iter()
                .map(|c| cell(table, c, i))
                .chain(metrics.iter().map(|m| interval(m, i)))
                .collect()
        })
        .collect();
    let header = plain
        .iter()
        .map(String::as_str)
        .chain(metrics.iter().copied());
    write_table(out, header, &rows);
}

/// The trade-offs a policy is tuned on: charted by sweep point, and the
/// columns of the terminal's sweep table.
pub(super) const TRADE_OFFS: &[&str] = &[
    "acceptance_rate",
    "spam_in_inbox",
    "abuse_in_inbox",
    "legit_filtered",
    "wrongful_bans",
    "unsolicited_inbox_per_1k",
];

/// The metrics every summary shows first.
pub(super) const HEADLINE: &[&str] = &[
    "attempts",
    "opened",
    "accepted",
    "acceptance_rate",
    "spam_in_inbox",
    "abuse_in_inbox",
    "legit_filtered",
    "bans",
    "wrongful_bans",
    "violations",
    "unsolicited_inbox_per_1k",
    "vetting_per_1k_per_day",
];

/// Writes `report.html`: headline tables, charts (inline SVG), metric
/// definitions and the scenario.
pub fn html(
    dir: &Path,
    summary: &Table,
    by_persona: &Table,
    sweep: &Table,
    compare: Option<&Table>,
    manifest: &Manifest,
    charts: &[(String, String)],
) -> Result<()> {
    let (path, chart_dir) = (dir.join("report.html"), dir.join("charts"));
    let mut o = String::new();
    let keys = swept_keys(summary);
    o.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>msgpolicy report</title><style>");
    o.push_str("body{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px;color:#222}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}.scroll{overflow-x:auto;margin-bottom:1rem}pre{background:#f7f7f7;padding:1rem;overflow-x:auto}figure{margin:1rem 0}dt{font-weight:bold}");
    o.push_str("</style></head><body>");
    let _ = write!(
        o,
        "<h1>msgpolicy report: {}</h1>",
        escape(&manifest.scenario_source)
    );
    let _ = write!(
        o,
        "<p>msgpolicy {} · seed {} · {} sweep point(s) × {} replication(s) · {} threads · started {} · {:.1} s wall · scenario sha256 <code>{}</code></p>",
        escape(&manifest.version), manifest.seed, manifest.points, manifest.replications, manifest.threads, escape(&manifest.start_time), manifest.wall_seconds, escape(&manifest.scenario_sha256)
    );
    o.push_str("<h2>Sweep points (mean over replications ± 95% half-width)</h2>");
    let point_and_keys: Vec<String> = std::iter::once("point".to_string())
        .chain(keys.iter().cloned())
        .collect();
    let with_replications = [&point_and_keys[..], &["replications".to_string()]].concat();
    html_interval_table(
        &mut o,
        sweep,
        &with_replications,
        (HEADLINE, "_mean"),
        false,
    );
    if let Some(compare) = compare {
        let _ = write!(
            o,
            "<h2>Differences from the baseline point {} (paired by replication, ± 95% half-width)</h2><p>In bold: differences whose interval excludes zero.</p>",
            manifest.baseline_point
        );
        html_interval_table(&mut o, compare, &point_and_keys, (HEADLINE, "_diff"), true);
    }
    o.push_str("<h2>Sends by the rule that decided them (baseline point, mean over replications ± 95% half-width)</h2>");
    let rules = rule_counts(sweep, manifest.baseline_point as i64);
    let plain = ["#", "rule", "what it does"].map(String::from);
    html_interval_table(
        &mut o,
        &rules,
        &plain,
        (&["sends", "share"], "_mean"),
        false,
    );
    o.push_str(
        "<h2>By sender persona (baseline point, mean over replications ± 95% half-width)</h2>",
    );
    let personas = persona_means(by_persona, manifest.baseline_point as i64);
    let plain = ["persona".to_string(), "members".to_string()];
    html_interval_table(&mut o, &personas, &plain, (HEADLINE, "_mean"), false);
    o.push_str("<h2>Charts</h2>");
    for (name, title) in charts {
        let svg = std::fs::read_to_string(chart_dir.join(format!("{name}.svg")))
            .with_context(|| format!("cannot read chart {name}"))?;
        let _ = write!(
            o,
            "<figure>{svg}<figcaption>{} (<code>charts/{name}.png</code>)</figcaption></figure>",
            escape(title)
        );
    }
    o.push_str("<h2>What the columns mean</h2><dl>");
    for m in Metric::ALL {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", m.name(), escape(m.doc()));
    }
    for r in Rate::ALL {
        let _ = write!(o, "<dt>{}</dt><dd>{}</dd>", r.name(), escape(r.doc()));
    }
    o.push_str("</dl><p>Every count is traced to the engine's named rules: outcomes by the rule that decided each send (CONTRACT section 3.1), violations by name; <code>msgpolicy run --events</code> also writes <code>events.parquet</code>, every send, answer, report and ban of every run with the rule that decided it, from which each count can be recomputed. Measured columns in the CSV files: ");
    o.push_str(&escape(&measured_columns(summary, &keys).join(", ")));
    o.push_str(".</p><h2>Scenario (as given)</h2><pre>");
    o.push_str(&escape(&manifest.scenario_text));
    o.push_str("</pre><h2>Scenario (fully resolved)</h2><pre>");
    o.push_str(&escape(&manifest.resolved_scenario));
    o.push_str("</pre></body></html>\n");
    std::fs::write(&path, o).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Differences of two points from a baseline: one clearly away from
    /// zero, one whose interval covers zero.
    #[test]
    fn differences_whose_interval_excludes_zero_are_bold() {
        let mut t = Table::default();
        t.push("point", Values::Int(vec![1, 2]));
        t.push("acceptance_rate_diff", Values::Float(vec![-0.05, 0.001]));
        t.push("acceptance_rate_ci95", Values::Float(vec![0.01, 0.004]));
        let render = |mark_nonzero: bool| {
            let mut html = String::new();
            let plain = ["point".to_string()];
            html_interval_table(&mut html, &t, &plain, (HEADLINE, "_diff"), mark_nonzero);
            html
        };
        let html = render(true);
        assert!(html.contains("<td><b>-0.050 ± 0.010</b></td>"), "{html}");
        assert!(html.contains("<td>0.0010 ± 0.0040</td>"), "{html}");
        // A metric the table lacks shows as missing, not as zero.
        assert!(html.contains("<td>–</td>"), "{html}");
        assert!(!render(false).contains("<b>"));
    }

    /// Two replications of two personas at the baseline point, and a row
    /// of another point that must not count.
    #[test]
    fn persona_rows_are_means_over_replications_of_one_point() {
        let mut t = Table::default();
        t.push("point", Values::Int(vec![0, 0, 0, 0, 1]));
        t.push("replication", Values::Int(vec![0, 0, 1, 1, 0]));
        let personas = ["member", "spammer", "member", "spammer", "member"];
        t.push(
            "persona",
            Values::Text(personas.iter().map(|p| p.to_string()).collect()),
        );
        t.push("members", Values::Int(vec![90, 10, 92, 8, 1000]));
        t.push("accepted", Values::Int(vec![40, 1, 44, 3, 1000]));
        let means = persona_means(&t, 0);
        assert_eq!(means.get("persona").unwrap().text(1), "spammer");
        assert_eq!(means.get("members").unwrap().number(0), 91.0);
        assert_eq!(means.get("accepted_mean").unwrap().number(0), 42.0);
        assert_eq!(means.get("accepted_mean").unwrap().number(1), 2.0);
        // Two values 4 apart: half-width t(1) * sd / sqrt(2) = 12.706 * 2.
        let ci = means.get("accepted_ci95").unwrap().number(0);
        assert!((ci - 12.706 * 2.0).abs() < 1e-9, "{ci}");
        // A headline metric the table lacks is missing, not zero.
        assert!(means.get("bans_mean").is_none());
        let mut html = String::new();
        let plain = ["persona".to_string()];
        html_interval_table(&mut html, &means, &plain, (HEADLINE, "_mean"), false);
        assert!(html.contains("<td>42 ± 25</td>"), "{html}");
        assert!(html.contains("<td>–</td>"), "{html}");
    }

    /// The baseline point's sends by rule, numbered as in CONTRACT 3.1.
    #[test]
    fn sends_by_rule_are_the_baseline_points_with_their_share() {
        let mut t = Table::default();
        t.push("point", Values::Int(vec![0, 1]));
        t.push("attempts_mean", Values::Float(vec![100.0, 1000.0]));
        t.push("rule_new_request_mean", Values::Float(vec![40.0, 1.0]));
        t.push("rule_new_request_ci95", Values::Float(vec![2.0, 1.0]));
        t.push("rule_after_ignore_mean", Values::Float(vec![5.0, 1.0]));
        let rules = rule_counts(&t, 0);
        assert_eq!(rules.rows(), 13, "one row per column, after_ignore once");
        let row = |name: &str| {
            let names = rules.get("rule").unwrap();
            (0..rules.rows()).find(|&i| names.text(i) == name).unwrap()
        };
        let (new, after) = (row("new_request"), row("after_ignore"));
        assert_eq!(rules.get("#").unwrap().text(new), "13");
        assert_eq!(rules.get("#").unwrap().text(after), "10, 13");
        assert_eq!(rules.get("#").unwrap().text(row("sender_banned")), "1");
        assert_eq!(rules.get("sends_mean").unwrap().number(new), 40.0);
        assert_eq!(rules.get("share_mean").unwrap().number(new), 0.4);
        assert_eq!(rules.get("share_mean").unwrap().number(after), 0.05);
        assert!(rules
            .get("sends_mean")
            .unwrap()
            .number(row("blocked"))
            .is_nan());
    }

    #[test]
    fn a_point_is_labelled_by_its_swept_values_and_the_baseline_marked() {
        let mut t = Table::default();
        t.push("point", Values::Int(vec![0, 1]));
        t.push("policy.ban_after_reports", Values::Int(vec![1, 3]));
        t.push(
            "policy.spam_filter_threshold",
            Values::Float(vec![0.6, 1.0]),
        );
        let keys = ["policy.ban_after_reports", "policy.spam_filter_threshold"].map(String::from);
        assert_eq!(point_label(&t, &keys, 0, 1), "1 / 0.6");
        assert_eq!(point_label(&t, &keys, 1, 1), "3 / 1*");
        assert_eq!(point_label(&t, &[], 0, 1), "point 0");
    }

    #[test]
    fn numbers_read_evenly() {
        let cases = [
            (0.0, "0"),
            (790.0, "790"),
            (846_904.33, "846904.3"),
            (123.84, "123.8"),
            (8.22, "8.22"),
            (50.98, "50.98"),
            (46.064, "46.06"),
            (0.435_12, "0.4351"),
            (0.018_9, "0.0189"),
            (0.275, "0.275"),
            (-0.5, "-0.5"),
            (f64::NAN, "–"),
        ];
        for (v, want) in cases {
            assert_eq!(fmt_number(v), want, "{v}");
        }
    }

    #[test]
    fn an_interval_shows_the_digits_its_width_allows() {
        let cases = [
            ((846_904.33, 6_057.6), "846904 ± 6058"),
            ((0.325_8, 0.002_655), "0.3258 ± 0.0027"),
            ((2_280.7, 141.3), "2281 ± 141"),
            ((207.0, 9.537), "207.0 ± 9.5"),
            ((10.0, 0.5), "10.00 ± 0.50"),
            ((-12.25, 30.0), "-12 ± 30"),
            ((0.0, 0.0), "0 ± 0"),
            ((1.5, 0.0), "1.5 ± 0"),
            ((f64::NAN, 0.1), "– ± 0.1"),
        ];
        for ((v, ci), want) in cases {
            assert_eq!(fmt_interval(v, ci), want, "{v} ± {ci}");
        }
    }
}
