//! `msgpolicy report DIR`: re-renders a report folder's tables, charts and
//! `report.html` from its CSV files, merging shard files when there are any
//! (their logs of actions too).

use crate::error::InputError;
use crate::output::write_dir_atomic;
use crate::report::{self, Manifest, Table};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The report folder.
    dir: PathBuf,
    /// Print nothing (the headline is printed on stdout otherwise).
    #[arg(long)]
    quiet: bool,
}

/// Shard parts `point=K/replication=R/`, in (point, replication) order.
fn shard_parts(dir: &Path) -> Result<Vec<PathBuf>> {
    let number = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    let mut parts = Vec::new();
    for point in std::fs::read_dir(dir)? {
        let point = point?.path();
        let Some(p) = point
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| number(n, "point="))
        else {
            continue;
        };
        for rep in std::fs::read_dir(&point)? {
            let rep = rep?.path();
            if let Some(r) = rep
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| number(n, "replication="))
            {
                if rep.join("summary.parquet").exists() {
                    parts.push(((p, r), rep));
                }
            }
        }
    }
    parts.sort();
    Ok(parts.into_iter().map(|(_, path)| path).collect())
}

fn merge(parts: &[PathBuf], name: &str) -> Result<Table> {
    let mut merged: Option<Table> = None;
    for part in parts {
        let t = Table::read_parquet(&part.join(format!("{name}.parquet")))?;
        match &mut merged {
            Some(m) => m
                .append(&t)
                .with_context(|| format!("{}: parts do not match", part.display()))?,
            None => merged = Some(t),
        }
    }
    merged.context("no parts")
}

pub fn run(args: Args) -> Result<()> {
    let dir = &args.dir;
    let shown = dir.display().to_string();
    if !dir.is_dir() {
        return Err(InputError::new(
            &shown,
            "not a folder, expected a report folder written by `msgpolicy run`",
        )
        .into());
    }
    let parts = shard_parts(dir)?;
    let (summary, by_persona, daily, manifest) = if parts.is_empty() {
        let read = |name: &str| {
            let path = dir.join(format!("{name}.csv"));
            if !path.exists() {
                return Err(anyhow::Error::from(InputError::new(
                    path.display().to_string(),
                    "missing, expected the CSV files of `msgpolicy run`",
                )));
            }
            Table::read_csv(&path)
        };
        (
            read("summary")?,
            read("by_persona")?,
            read("daily")?,
            report::read_manifest(dir),
        )
    } else {
        let manifest = report::read_manifest(&parts[0]);
        (
            merge(&parts, "summary")?,
            merge(&parts, "by_persona")?,
            merge(&parts, "daily")?,
            manifest,
        )
    };
    let manifest = manifest
        .map(|m| Manifest { shard: None, ..m })
        .unwrap_or_else(|| Manifest {
            program: "msgpolicy".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            scenario_source: shown.clone(),
            scenario_sha256: String::new(),
            scenario_text: String::new(),
            resolved_scenario: String::new(),
            seed: 0,
            threads: 0,
            start_time: String::new(),
            wall_seconds: 0.0,
            points: 0,
            replications: 0,
            baseline_point: 0,
            shard: None,
        });
    // Render beside, then move each output into place.
    let staging = dir.join(".render");
    let sweep = write_dir_atomic(&staging, |tmp| {
        let sweep = report::write_report(tmp, &summary, &by_persona, &daily, &manifest)?;
        // The parts' logs of actions (`run --events`), when they have them.
        report::events::merge_events(tmp, &parts)?;
        Ok(sweep)
    })?;
    for entry in std::fs::read_dir(&staging)? {
        let from = entry?.path();
        let to = dir.join(from.file_name().context("file name")?);
        if to.is_dir() {
            std::fs::remove_dir_all(&to)?;
        }
        std::fs::rename(&from, &to).with_context(|| format!("cannot move {}", to.display()))?;
    }
    std::fs::remove_dir_all(&staging)?;
    if !args.quiet {
        print!("{}", report::glance(&sweep, manifest.baseline_point as i64));
    }
    Ok(())
}
