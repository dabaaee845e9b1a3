//! Importing a real population: `population.members_file`
//! (`id,kind,industry[,persona][,requests_off][,job_seeking]`) and
//! `population.connections_file` (`a,b`). Events and harassers' targets are
//! still generated; missing personas and settings are drawn by the shares.

use super::graph::MAX_SYMMETRIC_PAIRS;
use super::{Csr, Persona, Population};
use crate::error::{csv_error, InputError};
use crate::rng::{stream, Purpose};
use crate::scenario::PopulationConfig;
use rand::RngExt;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

fn open(path: &str) -> Result<csv::Reader<std::fs::File>, InputError> {
    csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| InputError::new(path, format!("cannot read: {e}")))
}

fn column(path: &str, header: &csv::StringRecord, name: &str) -> Option<usize> {
    let _ = path;
    header.iter().position(|h| h == name)
}

fn flag(path: &str, line: u64, col: &str, v: &str) -> Result<bool, InputError> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" | "" => Ok(false),
        _ => Err(
            InputError::new(path, format!("`{col}` is {v:?}, expected true or false"))
                .at_line(line),
        ),
    }
}

/// An import's size in the generator's keys (`members`: the members file's
/// rows; `mean_connections`: two per row of the connections file, per
/// member), read by counting lines, so that the memory an import needs is
/// estimated before it is read.
pub fn sized_like_files(cfg: &PopulationConfig) -> Result<PopulationConfig, InputError> {
    let rows = |path: &str| -> Result<u64, InputError> {
        let mut file = std::fs::File::open(path)
            .map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
        let mut buf = vec![0u8; 1 << 16];
        let (mut lines, mut last) = (0u64, b'\n');
        loop {
            let n = std::io::Read::read(&mut file, &mut buf)
                .map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
            if n == 0 {
                break;
            }
            lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
            last = buf[n - 1];
        }
        // Less the header; a last line without its newline counts too.
        Ok((lines + u64::from(last != b'\n')).saturating_sub(1))
    };
    let members = rows(&cfg.members_file)?;
    let connections = if cfg.connections_file.is_empty() {
        0
    } else {
        rows(&cfg.connections_file)?
    };
    Ok(PopulationConfig {
        members: u32::try_from(members).unwrap_or(u32::MAX),
        mean_connections: 2.0 * connections as f64 / members.max(1) as f64,
        ..cfg.clone()
    })
}

/// Reads the members and connections files into a population.
pub fn import(
    cfg: &PopulationConfig,
    seed: u64,
    replication: u32,
) -> Result<Population, InputError> {
    let path = cfg.members_file.as_str();
    let mut reader = open(path)?;
    let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let need = |name: &str| {
        column(path, &header, name).ok_or_else(|| {
            InputError::new(
                path,
                format!("no `{name}` column, expected id,kind,industry[,persona]"),
            )
            .at_line(1)
        })
    };
    let (id_col, kind_col, industry_col) = (need("id")?, need("kind")?, need("industry")?);
    let persona_col = column(path, &header, "persona");
    let off_col = column(path, &header, "requests_off");
    let seeking_col = column(path, &header, "job_seeking");

    let mut ids: FxHashMap<String, u32> = FxHashMap::default();
    let mut id_of_member = Vec::new();
    let mut industries: BTreeMap<String, u16> = BTreeMap::new();
    let mut pop = Population::default();
    let mut industry_of_row = Vec::new();
    let rep = u64::from(replication);
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        let id = record[id_col].to_string();
        let m = pop.is_page.len() as u32;
        if ids.insert(id.clone(), m).is_some() {
            return Err(InputError::new(
                path,
                format!("member `{id}` appears twice, expected unique ids"),
            )
            .at_line(line));
        }
        id_of_member.push(id);
        let is_page = match &record[kind_col] {
            "person" => false,
            "page" => true,
            other => {
                return Err(InputError::new(
                    path,
                    format!("`kind` is {other:?}, expected person or page"),
                )
                .at_line(line))
            }
        };
        let next = industries.len() as u16;
        industry_of_row.push(
            *industries
                .entry(record[industry_col].to_string())
                .or_insert(next),
        );
        let mut rng = stream(seed, Purpose::Members, &[rep, u64::from(m)]);
        let persona = match persona_col.map(|c| &record[c]).filter(|p| !p.is_empty()) {
            Some(name) => Persona::parse(name).ok_or_else(|| {
                InputError::new(path, format!("unknown persona {name:?}, expected member, industry_peer, recruiter, conference_contact, spammer or harasser")).at_line(line)
            })?,
            None if is_page => Persona::Member,
            None => Persona::draw(&cfg.personas, rng.random()),
        };
        let requests_off = match off_col {
            Some(c) => flag(path, line, "requests_off", &record[c])?,
            None => !is_page && rng.random_bool(cfg.requests_off_share),
        };
        let job_seeking = match seeking_col {
            Some(c) => flag(path, line, "job_seeking", &record[c])?,
            None => !is_page && rng.random_bool(cfg.job_seeking_share),
        };
        pop.is_page.push(is_page);
        pop.persona.push(persona);
        pop.requests_off.push(requests_off && !is_page);
        pop.job_seeking.push(job_seeking);
    }
    // Industries are numbered in name order, so the numbering does not depend on row order.
    let rank: BTreeMap<u16, u16> = industries
        .values()
        .enumerate()
        .map(|(i, v)| (*v, i as u16))
        .collect();
    pop.industry = industry_of_row.iter().map(|i| rank[i]).collect();
    let names: Vec<String> = industries.keys().cloned().collect();
    let n = pop.is_page.len();
    if n == 0 {
        return Err(InputError::new(
            path,
            "no members, expected at least one row",
        ));
    }
    pop.index(names.len().max(1));
    pop.industry_names = names;
    pop.ids = id_of_member.into();

    pop.connections = if cfg.connections_file.is_empty() {
        Csr::empty(n)
    } else {
        read_connections(&cfg.connections_file, &ids, &pop)?
    };
    super::add_events(&mut pop, cfg, seed, rep);
    super::pick_victims(&mut pop, cfg, seed, rep);
    Ok(pop)
}

fn read_connections(
    path: &str,
    ids: &FxHashMap<String, u32>,
    pop: &Population,
) -> Result<Csr, InputError> {
    read_connections_up_to(path, ids, pop, MAX_SYMMETRIC_PAIRS)
}

/// [`read_connections`] with the most rows a graph can take as a parameter,
/// so that a test can reach the limit with a small file.
fn read_connections_up_to(
    path: &str,
    ids: &FxHashMap<String, u32>,
    pop: &Population,
    most: usize,
) -> Result<Csr, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .has_headers(true)
        .from_path(path)
        .map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    let mut pairs = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() < 2 {
            return Err(
                InputError::new(path, "expected two member ids per row (a,b)").at_line(line),
            );
        }
        let id = |i: usize| {
            ids.get(&record[i]).copied().ok_or_else(|| {
                InputError::new(
                    path,
                    format!(
                        "unknown member {:?}, expected an id of the members file",
                        &record[i]
                    ),
                )
                .at_line(line)
            })
        };
        let (a, b) = (id(0)?, id(1)?);
        if pop.is_page[a as usize] || pop.is_page[b as usize] {
            return Err(InputError::new(
                path,
                "a page in a connection, expected people only (pages have no connections)",
            )
            .at_line(line));
        }
        if pairs.len() == most {
            return Err(InputError::new(
                path,
                format!("more than {most} connections, expected at most that many"),
            )
            .at_line(line));
        }
        pairs.push((a, b));
    }
    Ok(Csr::from_pairs(pop.len(), pairs, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edge list beyond what a graph can hold is an input error at the
    /// first row too many (the real limit, 2^31 rows, is too large for a test).
    #[test]
    fn too_many_connections_is_an_input_error_at_that_row() {
        let dir = tempfile::tempdir().unwrap();
        let edges = dir.path().join("e.csv");
        std::fs::write(&edges, "a,b\n0,1\n1,2\n0,2\n").unwrap();
        let path = edges.to_str().unwrap();
        let ids: FxHashMap<String, u32> = (0..3).map(|i| (i.to_string(), i)).collect();
        let pop = Population {
            is_page: vec![false; 3],
            ..Population::default()
        };
        let csr = read_connections_up_to(path, &ids, &pop, 3).unwrap();
        assert_eq!(csr.len(), 6);
        let err = read_connections_up_to(path, &ids, &pop, 2)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("e.csv:4:") && err.contains("more than 2 connections"),
            "{err}"
        );
    }

    #[test]
    fn an_import_is_sized_by_its_rows_with_or_without_a_last_newline() {
        let dir = tempfile::tempdir().unwrap();
        let members = dir.path().join("m.csv");
        let edges = dir.path().join("e.csv");
        std::fs::write(
            &members,
            "id,kind,industry\na,person,x\nb,person,x\nc,page,y",
        )
        .unwrap();
        std::fs::write(&edges, "a,b\na,b\n").unwrap();
        let cfg = PopulationConfig {
            members_file: members.to_string_lossy().into_owned(),
            connections_file: edges.to_string_lossy().into_owned(),
            ..PopulationConfig::default()
        };
        let sized = sized_like_files(&cfg).unwrap();
        assert_eq!(sized.members, 3);
        assert!((sized.mean_connections - 2.0 / 3.0).abs() < 1e-9);
        let missing = PopulationConfig {
            members_file: dir.path().join("none.csv").to_string_lossy().into_owned(),
            ..cfg
        };
        let err = sized_like_files(&missing).unwrap_err().to_string();
        assert!(
            err.contains("none.csv") && err.contains("cannot read"),
            "{err}"
        );
    }
}
