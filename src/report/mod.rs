//! Reports: the run's counters as tables (CSV and Parquet through polars),
//! sweep statistics, charts and the HTML page an analyst opens.

pub mod events;
mod glance;
pub mod stats;
pub mod table;

pub use glance::glance;

use crate::population::Persona;
use crate::scenario::Point;
use crate::sim::{Counters, Metric, Rate, RunOutput};
use anyhow::Result;
use std::path::Path;
pub use table::{Table, Values};

/// One finished run.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
    pub members: u64,
    pub days: u64,
    pub output: RunOutput,
    /// The population's ids when it was imported (see [`crate::population::Population::ids`]).
    pub member_ids: std::sync::Arc<[String]>,
}

/// Every metric column, counts then rates.
pub fn metric_names() -> Vec<&'static str> {
    Metric::ALL
        .iter()
        .map(|m| m.name())
        .chain(Rate::ALL.iter().map(|r| r.name()))
        .collect()
}

/// Columns that identify a row rather than measure something.
const ID_COLUMNS: &[&str] = &["point", "replication", "seed", "day", "persona", "members"];

/// The swept keys of a summary table: the columns between `seed` and `members`.
pub fn swept_keys(summary: &Table) -> Vec<String> {
    let names: Vec<&str> = summary.names().collect();
    let start = names.iter().position(|n| *n == "seed").map_or(0, |i| i + 1);
    let end = names.iter().position(|n| *n == "members").unwrap_or(start);
    names[start..end.max(start)]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The measured columns of a table.
pub fn measured_columns(table: &Table, keys: &[String]) -> Vec<String> {
    table
        .names()
        .filter(|n| !ID_COLUMNS.contains(n) && !keys.iter().any(|k| k == n))
        .map(str::to_string)
        .collect()
}

/// Builds rows: identification columns, swept keys, then metrics.
struct Rows<'a> {
    points: &'a [Point],
    point: Vec<i64>,
    replication: Vec<i64>,
    seed: Vec<i64>,
    members: Vec<i64>,
    extra: Vec<(String, Values)>,
    counts: Vec<Vec<i64>>,
    rates: Vec<Vec<f64>>,
}

impl<'a> Rows<'a> {
    fn new(points: &'a [Point]) -> Self {
        Rows {
            points,
            point: Vec::new(),
            replication: Vec::new(),
            seed: Vec::new(),
            members: Vec::new(),
            extra: Vec::new(),
            counts: vec![Vec::new(); Metric::ALL.len()],
            rates: vec![Vec::new(); Rate::ALL.len()],
        }
    }

    fn add(&mut self, r: &RunRecord, members: u64, days: u64, c: &Counters) {
        self.point.push(r.point as i64);
        self.replication.push(i64::from(r.replication));
        // Seeds are u64; Parquet and CSV readers expect i64, so the bits are kept.
        self.seed.push(r.seed as i64);
        self.members.push(members as i64);
        for (i, m) in Metric::ALL.iter().enumerate() {
            self.counts[i].push(c.get(*m) as i64);
        }
        for (i, rate) in Rate::ALL.iter().enumerate() {
            self.rates[i].push(rate.of(c, r.members, days));
        }
    }

    fn finish(self) -> Table {
        let mut t = Table::default();
        t.push("point", Values::Int(self.point.clone()));
        t.push("replication", Values::Int(self.replication));
        t.push("seed", Values::Int(self.seed));
        for (key, values) in swept_columns(self.points, &self.point) {
            t.push(key, values);
        }
        for (name, values) in self.extra {
            t.push(name, values);
        }
        t.push("members", Values::Int(self.members));
        for (m, v) in Metric::ALL.iter().zip(self.counts) {
            t.push(m.name(), Values::Int(v));
        }
        for (r, v) in Rate::ALL.iter().zip(self.rates) {
            t.push(r.name(), Values::Float(v));
        }
        t
    }
}

/// The swept keys as columns, typed from their values.
fn swept_columns(points: &[Point], point_of_row: &[i64]) -> Vec<(String, Values)> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    first
        .values
        .iter()
        .enumerate()
        .map(|(k, (key, _))| {
            let values: Vec<&toml::Value> = point_of_row
                .iter()
                .map(|p| &points[*p as usize].values[k].1)
                .collect();
            let column = if values.iter().all(|v| v.is_integer()) {
                Values::Int(values.iter().map(|v| v.as_integer().unwrap_or(0)).collect())
            } else if values.iter().all(|v| v.is_integer() || v.is_float()) {
                Values::Float(
                    values
                        .iter()
                        .map(|v| {
                            v.as_float()
                                .or(v.as_integer().map(|i| i as f64))
                                .unwrap_or(f64::NAN)
                        })
                        .collect(),
                )
            } else {
                Values::Text(
                    values
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect(),
                )
            };
            (key.clone(), column)
        })
        .collect()
}

/// `summary`, `by_persona` and `daily` tables of a set of runs.
pub fn run_tables(points: &[Point], runs: &[RunRecord]) -> (Table, Table, Table) {
    let mut summary = Rows::new(points);
    let mut by_persona = Rows::new(points);
    let mut daily = Rows::new(points);
    let (mut persona_names, mut days) = (Vec::new(), Vec::new());
    for r in runs {
        summary.add(r, r.members, r.days, &r.output.total());
        for p in Persona::ALL {
            by_persona.add(
                r,
                r.output.members_by_persona[p as usize],
                r.days,
                &r.output.by_persona[p as usize],
            );
            persona_names.push(p.name().to_string());
        }
        for (d, c) in r.output.daily.iter().enumerate() {
            daily.add(r, r.members, 1, c);
            days.push(d as i64);
        }
    }
    by_persona
        .extra
        .push(("persona".into(), Values::Text(persona_names)));
    daily.extra.push(("day".into(), Values::Int(days)));
    (summary.finish(), by_persona.finish(), daily.finish())
}

/// Distinct values of an integer column, in order of first appearance.
fn distinct(values: &Values) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    for i in 0..values.len() {
        let v = values.number(i) as i64;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// What the statistics tables start from: the swept keys, the measured
/// columns and the `point` column of a summary table.
fn statistics_inputs(summary: &Table) -> (Vec<String>, Vec<String>, Values) {
    let keys = swept_keys(summary);
    let metrics = measured_columns(summary, &keys);
    let points = summary
        .get("point")
        .cloned()
        .unwrap_or(Values::Int(Vec::new()));
    (keys, metrics, points)
}

/// One row per point: swept keys, then `<metric>_mean` and `<metric>_ci95`.
pub fn sweep_table(summary: &Table) -> Table {
    let (keys, metrics, point_col) = statistics_inputs(summary);
    let points = distinct(&point_col);
    let mut t = Table::default();
    t.push("point", Values::Int(points.clone()));
    let first_rows: Vec<usize> = points
        .iter()
        .map(|p| {
            (0..point_col.len())
                .find(|i| point_col.number(*i) as i64 == *p)
                .unwrap_or(0)
        })
        .collect();
    for key in &keys {
        if let Some(v) = summary.get(key) {
            t.push(key.clone(), v.select(&first_rows));
        }
    }
    let runs: Vec<i64> = points
        .iter()
        .map(|p| {
            (0..point_col.len())
                .filter(|i| point_col.number(*i) as i64 == *p)
                .count() as i64
        })
        .collect();
    t.push("replications", Values::Int(runs));
    for m in &metrics {
        let col = summary.get(m).expect("metric column exists");
        let (mut means, mut cis) = (Vec::new(), Vec::new());
        for p in &points {
            let xs: Vec<f64> = (0..col.len())
                .filter(|i| point_col.number(*i) as i64 == *p)
                .map(|i| col.number(i))
                .collect();
            let (mean, ci) = stats::mean_ci95(&xs);
            means.push(mean);
            cis.push(ci);
        }
        t.push(format!("{m}_mean"), Values::Float(means));
        t.push(format!("{m}_ci95"), Values::Float(cis));
    }
    t
}

/// One row per non-baseline point: its difference from the baseline point
/// per metric, paired by replication, with a 95% half-width.
pub fn compare_table(summary: &Table, baseline: i64) -> Table {
    let (keys, metrics, point_col) = statistics_inputs(summary);
    let rep_col = summary
        .get("replication")
        .cloned()
        .unwrap_or(Values::Int(Vec::new()));
    let points: Vec<i64> = distinct(&point_col)
        .into_iter()
        .filter(|p| *p != baseline)
        .collect();
    let row_of = |p: i64, rep: i64| {
        (0..point_col.len())
            .find(|i| point_col.number(*i) as i64 == p && rep_col.number(*i) as i64 == rep)
    };
    let reps = distinct(&rep_col);
    let mut t = Table::default();
    t.push("point", Values::Int(points.clone()));
    t.push("baseline_point", Values::Int(vec![baseline; points.len()]));
    let first_rows: Vec<usize> = points
        .iter()
        .filter_map(|p| reps.first().and_then(|r| row_of(*p, *r)))
        .collect();
    for key in &keys {
        if let Some(v) = summary.get(key) {
            t.push(key.clone(), v.select(&first_rows));
        }
    }
    for m in &metrics {
        let col = summary.get(m).expect("metric column exists");
        let (mut diffs, mut cis) = (Vec::new(), Vec::new());
        for p in &points {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for r in &reps {
                if let (Some(i), Some(j)) = (row_of(*p, *r), row_of(baseline, *r)) {
                    a.push(col.number(i));
                    b.push(col.number(j));
                }
            }
            let (d, ci) = stats::paired_diff_ci95(&a, &b);
            diffs.push(d);
            cis.push(ci);
        }
        t.push(format!("{m}_diff"), Values::Float(diffs));
        t.push(format!("{m}_ci95"), Values::Float(cis));
    }
    t
}

pub mod charts;
pub mod page;

/// `manifest.json`: what produced the report.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct Manifest {
    pub program: String,
    pub version: String,
    pub scenario_source: String,
    pub scenario_sha256: String,
    pub scenario_text: String,
    pub resolved_scenario: String,
    pub seed: u64,
    pub threads: usize,
    pub start_time: String,
    pub wall_seconds: f64,
    pub points: usize,
    pub replications: u32,
    pub baseline_point: usize,
    pub shard: Option<String>,
}

pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let json = serde_json::to_string_pretty(manifest)?;
    std::fs::write(dir.join("manifest.json"), json + "\n")?;
    Ok(())
}

pub fn read_manifest(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Everything in a report folder: tables, manifest, charts, `report.html`.
/// Returns the sweep table (means and intervals by point), for a summary
/// on the terminal ([`glance`]).
pub fn write_report(
    dir: &Path,
    summary: &Table,
    by_persona: &Table,
    daily: &Table,
    manifest: &Manifest,
) -> Result<Table> {
    let baseline = manifest.baseline_point as i64;
    let sweep = sweep_table(summary);
    // A comparison needs more than one point.
    let compare = (sweep.rows() > 1).then(|| compare_table(summary, baseline));
    summary.write(dir, "summary")?;
    by_persona.write(dir, "by_persona")?;
    daily.write(dir, "daily")?;
    sweep.write(dir, "sweep")?;
    if let Some(compare) = &compare {
        compare.write(dir, "compare")?;
    }
    write_manifest(dir, manifest)?;
    let chart_dir = dir.join("charts");
    let charts = page::charts(&chart_dir, summary, by_persona, daily, &sweep, baseline)?;
    page::html(
        dir,
        summary,
        by_persona,
        &sweep,
        compare.as_ref(),
        manifest,
        &charts,
    )?;
    Ok(sweep)
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A UTC timestamp as RFC 3339 (second precision).
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `messages_sample.csv`: the labelled sample of generated messages of a run.
pub fn write_sample(dir: &Path, run: &RunRecord) -> Result<()> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(dir.join("messages_sample.csv"))?;
    w.write_record([
        "id",
        "point",
        "replication",
        "day",
        "text",
        "label",
        "persona",
        "recipient_name",
        "recipient_industry",
        "shared_event",
        "outcome",
        "rule",
    ])?;
    for (i, s) in run.output.sample.iter().enumerate() {
        w.write_record([
            &format!("m{i}"),
            &run.point.to_string(),
            &run.replication.to_string(),
            &s.day.to_string(),
            &s.text,
            s.label,
            s.persona.name(),
            s.recipient_name,
            &s.recipient_industry,
            &s.shared_event,
            s.outcome,
            s.rule,
        ])?;
    }
    w.flush()?;
    Ok(())
}
