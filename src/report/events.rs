//! `events.parquet` (`run --events`): every run's log of actions, one row
//! per action, with the run's keys, in the vocabulary of `replay`'s output.

use super::RunRecord;
use anyhow::{Context, Result};
use polars::prelude::{Column, DataFrame, ParquetReader, ParquetWriter, SerReader};
use std::path::Path;

/// The columns of `events.parquet`, in order; an imported population's
/// runs add [`ID_COLUMNS`].
pub const COLUMNS: [&str; 15] = [
    "point",
    "replication",
    "seed",
    "day",
    "action",
    "actor",
    "actor_persona",
    "target",
    "kind",
    "outcome",
    "rule",
    "notify",
    "violations",
    "spam_score",
    "quality_score",
];

/// The members' ids from an imported population's members file, for
/// `actor` and `target` (a generated member's id is its number).
pub const ID_COLUMNS: [&str; 2] = ["actor_id", "target_id"];

/// The logs of `runs` as one table, run after run, each in the engine's order.
pub fn events_frame(runs: &[RunRecord]) -> Result<DataFrame> {
    let rows: usize = runs.iter().map(|r| r.output.events.len()).sum();
    let mut point = Vec::with_capacity(rows);
    let mut replication = Vec::with_capacity(rows);
    let mut seed = Vec::with_capacity(rows);
    let mut day = Vec::with_capacity(rows);
    let mut action = Vec::with_capacity(rows);
    let mut actor = Vec::with_capacity(rows);
    let mut persona = Vec::with_capacity(rows);
    let mut target = Vec::with_capacity(rows);
    let mut kind = Vec::with_capacity(rows);
    let mut outcome = Vec::with_capacity(rows);
    let mut rule = Vec::with_capacity(rows);
    let mut notify = Vec::with_capacity(rows);
    let mut violations = Vec::with_capacity(rows);
    let mut spam = Vec::with_capacity(rows);
    let mut quality = Vec::with_capacity(rows);
    for run in runs {
        for e in &run.output.events {
            point.push(run.point as u32);
            replication.push(run.replication);
            seed.push(run.seed);
            day.push(e.day);
            action.push(e.action.name());
            actor.push(e.actor);
            persona.push(e.actor_persona.name());
            target.push(e.target);
            kind.push(e.kind.map(|k| k.name()));
            outcome.push(e.decision.outcome.name());
            rule.push(e.decision.rule.name());
            notify.push(e.decision.notify.name());
            violations.push(e.decision.violations.to_names());
            spam.push(e.scores.map(|(s, _)| s));
            quality.push(e.scores.map(|(_, q)| q));
        }
    }
    let [c_point, c_rep, c_seed, c_day, c_action, c_actor, c_persona, c_target, c_kind, c_outcome, c_rule, c_notify, c_violations, c_spam, c_quality] =
        COLUMNS.map(|name| name.into());
    let mut columns = vec![
        Column::new(c_point, point),
        Column::new(c_rep, replication),
        Column::new(c_seed, seed),
        Column::new(c_day, day),
        Column::new(c_action, action),
        Column::new(c_actor, actor),
        Column::new(c_persona, persona),
        Column::new(c_target, target),
        Column::new(c_kind, kind),
        Column::new(c_outcome, outcome),
        Column::new(c_rule, rule),
        Column::new(c_notify, notify),
        Column::new(c_violations, violations),
        Column::new(c_spam, spam),
        Column::new(c_quality, quality),
    ];
    if runs.iter().any(|r| !r.member_ids.is_empty()) {
        let id = |run: &RunRecord, m: u32| {
            run.member_ids
                .get(m as usize)
                .cloned()
                .unwrap_or_else(|| m.to_string())
        };
        let (mut actor_id, mut target_id) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        for run in runs {
            for e in &run.output.events {
                actor_id.push(id(run, e.actor));
                target_id.push(e.target.map(|t| id(run, t)));
            }
        }
        let [actor_name, target_name] = ID_COLUMNS.map(|name| name.into());
        columns.push(Column::new(actor_name, actor_id));
        columns.push(Column::new(target_name, target_id));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes `events.parquet` of `runs` into `dir`.
pub fn write_events(dir: &Path, runs: &[RunRecord]) -> Result<()> {
    write_frame(dir, &mut events_frame(runs)?)
}

/// Writes one `events.parquet` into `dir` from the shard parts' logs, in
/// the parts' order (that of `parts`); false (and nothing written) when the
/// parts have none.
pub fn merge_events(dir: &Path, parts: &[std::path::PathBuf]) -> Result<bool> {
    let mut merged: Option<DataFrame> = None;
    for part in parts {
        let path = part.join(FILE);
        if !path.exists() {
            return Ok(false);
        }
        let file = std::fs::File::open(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let df = ParquetReader::new(file)
            .finish()
            .with_context(|| format!("cannot read {}", path.display()))?;
        match &mut merged {
            Some(m) => {
                m.vstack_mut(&df)
                    .with_context(|| format!("{}: parts do not match", path.display()))?;
            }
            None => merged = Some(df),
        }
    }
    match merged {
        Some(mut df) => write_frame(dir, &mut df).map(|()| true),
        None => Ok(false),
    }
}

const FILE: &str = "events.parquet";

fn write_frame(dir: &Path, df: &mut DataFrame) -> Result<()> {
    let path = dir.join(FILE);
    let mut file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(&mut file)
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
