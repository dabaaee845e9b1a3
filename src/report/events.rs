//! `events.parquet` (`run --events`): every run's log of actions, one row
//! per action, with the run's keys, in the vocabulary of `replay`'s output.

use super::table::{read_parquet, write_parquet};
use super::RunRecord;
use crate::error::InputError;
use anyhow::{Context, Result};
use polars::prelude::{Column, DataFrame};
use std::path::Path;

/// The logs of `runs` as one table, run after run, each in the engine's
/// order. An imported population's runs add `actor_id` and `target_id`, the
/// members file's ids (a generated member's id is its number).
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
    // The members file's ids, when some run's population was imported.
    let with_ids = runs.iter().any(|r| !r.member_ids.is_empty());
    let ids_capacity = if with_ids { rows } else { 0 };
    let (mut actor_id, mut target_id) = (
        Vec::with_capacity(ids_capacity),
        Vec::with_capacity(ids_capacity),
    );
    for run in runs {
        let id = |m: u32| {
            run.member_ids
                .get(m as usize)
                .cloned()
                .unwrap_or_else(|| m.to_string())
        };
        for e in &run.output.events {
            if with_ids {
                actor_id.push(id(e.actor));
                target_id.push(e.target.map(id));
            }
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
    let mut columns = vec![
        Column::new("point".into(), point),
        Column::new("replication".into(), replication),
        Column::new("seed".into(), seed),
        Column::new("day".into(), day),
        Column::new("action".into(), action),
        Column::new("actor".into(), actor),
        Column::new("actor_persona".into(), persona),
        Column::new("target".into(), target),
        Column::new("kind".into(), kind),
        Column::new("outcome".into(), outcome),
        Column::new("rule".into(), rule),
        Column::new("notify".into(), notify),
        Column::new("violations".into(), violations),
        Column::new("spam_score".into(), spam),
        Column::new("quality_score".into(), quality),
    ];
    if with_ids {
        columns.push(Column::new("actor_id".into(), actor_id));
        columns.push(Column::new("target_id".into(), target_id));
    }
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Writes `events.parquet` of `runs` into `dir`.
pub fn write_events(dir: &Path, runs: &[RunRecord]) -> Result<()> {
    write_parquet(&dir.join(FILE), &mut events_frame(runs)?)
}

/// Writes one `events.parquet` into `dir` from the shard parts' logs, in
/// the parts' order (that of `parts`); nothing when the parts have none.
/// Parts of which only some have a log are an error.
pub fn merge_events(dir: &Path, parts: &[std::path::PathBuf]) -> Result<()> {
    let logged: Vec<bool> = parts.iter().map(|p| p.join(FILE).exists()).collect();
    if !logged.contains(&true) {
        return Ok(());
    }
    if let Some(at) = logged.iter().position(|l| !l) {
        return Err(InputError::new(
            parts[at].display().to_string(),
            "no events.parquet while other parts have one, expected every part run with --events or none",
        )
        .into());
    }
    // Every part has a log, and there is at least one part.
    let mut merged = read_parquet(&parts[0].join(FILE))?;
    for part in &parts[1..] {
        let path = part.join(FILE);
        merged
            .vstack_mut(&read_parquet(&path)?)
            .with_context(|| format!("{}: parts do not match", path.display()))?;
    }
    write_parquet(&dir.join(FILE), &mut merged)
}

const FILE: &str = "events.parquet";
