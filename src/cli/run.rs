//! `msgpolicy run [SCENARIO]`: every sweep point x replication through the
//! simulator, then the report folder.

use crate::analyzer::Analyzer;
use crate::error::InputError;
use crate::output::write_dir_atomic;
use crate::population::{self, Population};
use crate::report::{self, RunRecord};
use crate::rng::derive;
use crate::scenario::{self, Loaded, PopulationConfig, Scenario};
use crate::sim;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML); the built-in baseline when left out.
    scenario: Option<String>,
    /// The report folder (default `reports/<scenario name>/`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Override one key, e.g. `--set policy.ban_after_reports=2`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Run only the I-th of N slices of the (point, replication) runs.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
    /// Also write `messages_sample.csv`: N generated messages of the first
    /// run with their labels (spam = spammer or harasser), for evaluating the
    /// analyzer with `msgpolicy score`.
    #[arg(long, value_name = "N", default_value_t = 0)]
    messages_sample: usize,
    /// Also write `events.parquet`: every action of every run (each message
    /// attempt, answer, report and ban) with the rule that decided it.
    #[arg(long)]
    events: bool,
    /// Print on stderr where the time went: building populations, each
    /// phase of the simulated days, writing the report.
    #[arg(long)]
    timings: bool,
}

/// `I/N` with 1 <= I <= N.
fn parse_shard(s: &str) -> Result<(usize, usize), InputError> {
    let bad = || {
        InputError::new(
            "--shard",
            format!("{s:?}, expected I/N with 1 <= I <= N, e.g. 2/8"),
        )
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// What a scenario's runs need at their peak, roughly, and what the
/// population is, in the words of an error or a `validate` summary.
pub(super) struct MemoryEstimate {
    pub bytes: u64,
    pub population: String,
    /// Days of the point that needs the most.
    pub days: u32,
}

/// Estimates the peak memory of a scenario's runs (the largest over its
/// sweep points) before anything is allocated. Up to `threads` runs are
/// under way at once (see [`simulate`]): one population per replication in
/// flight, one engine state per run. The peak is while the populations are
/// built or while the runs are under way, whichever is more. An import is
/// estimated as the generated population of its size, its files counted
/// once however many points share them. With `events`, the log of actions
/// of every run (of the `shard`, if one) is held until the report is
/// written: they add up.
pub(super) fn estimate_memory(
    loaded: &Loaded,
    threads: usize,
    events: bool,
    shard: Option<(usize, usize)>,
) -> Result<MemoryEstimate, InputError> {
    // The program itself: code, the analyzer's automaton, thread stacks,
    // allocator arenas, the report being built (measured: a 100k-member
    // run peaks about 20 MiB above its population and state).
    const PROGRAM: u64 = 20 << 20;
    let points = loaded.points.len();
    let mut imports: Vec<(&str, &str, PopulationConfig)> = Vec::new();
    let mut peak = MemoryEstimate {
        bytes: 0,
        population: String::new(),
        days: 0,
    };
    let mut log_per_run = Vec::with_capacity(points);
    for point in &loaded.points {
        let s = &point.scenario;
        let cfg = &s.population;
        let imported = !cfg.members_file.is_empty();
        let sized = if imported {
            let files = (cfg.members_file.as_str(), cfg.connections_file.as_str());
            match imports.iter().find(|(m, c, _)| (*m, *c) == files) {
                Some((_, _, sized)) => sized.clone(),
                None => {
                    let sized = population::sized_like_files(cfg)?;
                    imports.push((files.0, files.1, sized.clone()));
                    sized
                }
            }
        } else {
            cfg.clone()
        };
        let s = Scenario {
            population: sized,
            ..s.clone()
        };
        log_per_run.push(if events {
            sim::estimated_event_bytes(&s)
        } else {
            0
        });
        let runs = points * s.replications as usize;
        let populations = (s.replications as usize).min(threads) as u64;
        let states = runs.min(threads) as u64;
        let (building, built) = population::estimated_bytes(&s.population);
        let bytes = PROGRAM
            + (populations * building)
                .max(populations * built + states * sim::estimated_state_bytes(&s));
        if bytes > peak.bytes {
            peak = MemoryEstimate {
                bytes,
                population: if imported {
                    format!(
                        "population.members_file ({} members, {:.0} connections each)",
                        s.population.members, s.population.mean_connections
                    )
                } else {
                    format!("population.members = {}", s.population.members)
                },
                days: s.days,
            };
        }
    }
    peak.bytes += runs_of(loaded, shard)
        .iter()
        .map(|(p, _)| log_per_run[*p])
        .sum::<u64>();
    Ok(peak)
}

/// Refuses a scenario whose runs would not fit in this machine's memory.
fn check_memory(
    loaded: &Loaded,
    threads: usize,
    events: bool,
    shard: Option<(usize, usize)>,
) -> Result<(), InputError> {
    let need = estimate_memory(loaded, threads, events, shard)?;
    let have = machine_memory();
    if need.bytes > have {
        return Err(InputError::new(
            &loaded.source,
            format!(
                "{} over {} days needs about {:.1} GiB of memory{}, this machine has {:.1} GiB; expected a smaller population or fewer days{}",
                need.population,
                need.days,
                gib(need.bytes),
                if events {
                    " (with every run's log of actions, `--events`)"
                } else {
                    ""
                },
                gib(have),
                if events { ", or no --events" } else { "" }
            ),
        ));
    }
    Ok(())
}

pub(super) fn gib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}

pub(super) fn machine_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(u64::MAX, |kb| kb * 1024)
}

/// This process's peak resident memory (VmHWM), in MiB.
fn peak_memory_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024)
}

/// Wall time by stage, summed over the runs (which run side by side when
/// there are several, so the sum may exceed the run's wall time).
#[derive(Default)]
struct Timings {
    population: Duration,
    days: sim::DayTimes,
    report: Duration,
}

impl Timings {
    fn line(&self, runs: usize) -> String {
        let s = |d: Duration| d.as_secs_f64();
        let d = &self.days;
        format!(
            "msgpolicy: timings, wall s summed over {runs} runs: population {:.3}, plan and send {:.3}, look {:.3}, answer {:.3}, end of day {:.3}, report {:.3}",
            s(self.population), s(d.plan_and_send), s(d.look), s(d.answer), s(d.end_of_day), s(self.report)
        )
    }
}

fn population_for(s: &Scenario, seed: u64, replication: u32) -> Result<Population, InputError> {
    if s.population.members_file.is_empty() {
        Ok(population::generate(&s.population, seed, replication))
    } else {
        population::import(&s.population, seed, replication)
    }
}

pub fn run(args: Args) -> Result<()> {
    let mut loaded = scenario::load(args.scenario.as_deref(), &args.sets)?;
    if let Some(seed) = args.seed {
        loaded.scenario.seed = seed;
        for p in &mut loaded.points {
            p.scenario.seed = seed;
        }
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let threads = args.threads.unwrap_or(0);
    let concurrency = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    check_memory(&loaded, concurrency, args.events, shard)?;
    let analyzer = loaded.analyzer()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the worker threads")?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| Path::new("reports").join(&loaded.scenario.name));
    let started = std::time::SystemTime::now();
    let clock = Instant::now();
    let keep = sim::Keep {
        sample: args.messages_sample,
        events: args.events,
    };
    let (runs, mut timings) =
        pool.install(|| simulate(&loaded, &analyzer, shard, keep, args.quiet))?;
    let manifest = report::Manifest {
        program: "msgpolicy".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_source: loaded.source.clone(),
        scenario_sha256: report::sha256_hex(loaded.text.as_bytes()),
        scenario_text: loaded.text.clone(),
        resolved_scenario: scenario::to_toml(&loaded.scenario),
        seed: loaded.scenario.seed,
        threads: pool.current_num_threads(),
        start_time: report::rfc3339(started),
        wall_seconds: clock.elapsed().as_secs_f64(),
        points: loaded.points.len(),
        replications: loaded.scenario.replications,
        baseline_point: baseline_point(&loaded),
        shard: args.shard.clone(),
    };
    let writing = Instant::now();
    // The headline of a whole run (a shard's part means little alone).
    let glance = match shard {
        None => {
            let sweep = write_dir_atomic(&out, |dir| {
                let (summary, by_persona, daily) = report::run_tables(&loaded.points, &runs);
                let sweep = report::write_report(dir, &summary, &by_persona, &daily, &manifest)?;
                if args.events {
                    report::events::write_events(dir, &runs)?;
                }
                if let Some(first) = runs.first().filter(|_| args.messages_sample > 0) {
                    report::write_sample(dir, first)?;
                }
                Ok(sweep)
            })?;
            Some(report::glance(&sweep, manifest.baseline_point as i64))
        }
        Some(_) => {
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            for r in &runs {
                let part = out
                    .join(format!("point={}", r.point))
                    .join(format!("replication={}", r.replication));
                write_dir_atomic(&part, |dir| {
                    let (summary, by_persona, daily) =
                        report::run_tables(&loaded.points, std::slice::from_ref(r));
                    summary.write_parquet(&dir.join("summary.parquet"))?;
                    by_persona.write_parquet(&dir.join("by_persona.parquet"))?;
                    daily.write_parquet(&dir.join("daily.parquet"))?;
                    if args.events {
                        report::events::write_events(dir, std::slice::from_ref(r))?;
                    }
                    report::write_manifest(dir, &manifest)
                })?;
            }
            None
        }
    };
    timings.report = writing.elapsed();
    if args.timings {
        eprintln!("{}", timings.line(runs.len()));
    }
    if !args.quiet {
        let attempts: u64 = runs
            .iter()
            .map(|r| r.output.total().get(crate::sim::Metric::Attempts))
            .sum();
        let secs = clock.elapsed().as_secs_f64();
        eprintln!(
            "msgpolicy: {} runs, {attempts} message attempts in {secs:.2} s ({:.0} attempts/s), peak memory {} MiB -> {}",
            runs.len(),
            attempts as f64 / secs,
            peak_memory_mib().map_or_else(|| "?".to_string(), |m| m.to_string()),
            out.display()
        );
        if let Some(glance) = glance {
            print!("{glance}");
        }
    }
    Ok(())
}

/// The point whose swept values are the base scenario's own (else point 0):
/// the reference of `compare.csv`.
fn baseline_point(loaded: &Loaded) -> usize {
    let base = toml::Table::try_from(&loaded.scenario).unwrap_or_default();
    let lookup = |key: &str| {
        let mut v: Option<&toml::Value> = None;
        let mut table = Some(&base);
        for part in key.split('.') {
            v = table.and_then(|t| t.get(part));
            table = v.and_then(|x| x.as_table());
        }
        v.cloned()
    };
    let same = |a: &toml::Value, b: &toml::Value| match (
        a.as_float().or(a.as_integer().map(|i| i as f64)),
        b.as_float().or(b.as_integer().map(|i| i as f64)),
    ) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    };
    loaded
        .points
        .iter()
        .position(|p| {
            p.values
                .iter()
                .all(|(k, v)| lookup(k).is_some_and(|b| same(&b, v)))
        })
        .unwrap_or(0)
}

/// The (point, replication) runs of a scenario, or of one shard of them
/// (`--shard K/N`: runs K, K+N, ... counting replication by replication).
fn runs_of(loaded: &Loaded, shard: Option<(usize, usize)>) -> Vec<(usize, u32)> {
    let points = loaded.points.len();
    (0..loaded.scenario.replications)
        .flat_map(|r| (0..points).map(move |p| (p, r)))
        .enumerate()
        .filter(|(i, _)| shard.is_none_or(|(k, n)| i % n == k - 1))
        .map(|(_, run)| run)
        .collect()
}

/// Runs every (point, replication) of the scenario (or of one shard).
fn simulate(
    loaded: &Loaded,
    analyzer: &Analyzer,
    shard: Option<(usize, usize)>,
    keep: sim::Keep,
    quiet: bool,
) -> Result<(Vec<RunRecord>, Timings)> {
    let selected = runs_of(loaded, shard);
    let total_days: u64 = selected
        .iter()
        .map(|(p, _)| u64::from(loaded.points[*p].scenario.days))
        .sum();
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total_days)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} simulating [{bar:30}] {pos}/{len} run-days, {elapsed} (eta {eta})",
        )
        .expect("valid progress template")
        .progress_chars("=> "),
    );
    // The population changes between points only if a population key is swept.
    let per_point_population = loaded
        .points
        .iter()
        .any(|p| p.values.iter().any(|(k, _)| k.starts_with("population.")));
    let timings = Mutex::new(Timings::default());
    let on_day = |times: &sim::DayTimes| {
        bar.inc(1);
        lock(&timings).days.add(times);
    };
    let timed_population = |s: &Scenario, seed: u64, rep: u32| {
        let clock = Instant::now();
        let pop = population_for(s, seed, rep);
        lock(&timings).population += clock.elapsed();
        pop
    };
    // 63 bits, so the seed column stays a positive 64-bit integer everywhere.
    let seed_of = |rep: u32| derive(loaded.scenario.seed, &[u64::from(rep)]) >> 1;
    // Runs go in batches of one per thread, replication by replication: at
    // most that many runs and populations exist at once, as the memory
    // check before the run assumed. (Without batches, a thread waiting inside
    // one run's parallel phase may start another run: work stealing.)
    let threads = rayon::current_num_threads().max(1);
    let mut shared: BTreeMap<u32, Population> = BTreeMap::new();
    let mut runs: Vec<RunRecord> = Vec::with_capacity(selected.len());
    for (b, batch) in selected.chunks(threads).enumerate() {
        if !per_point_population {
            let mut missing: Vec<u32> = batch.iter().map(|&(_, rep)| rep).collect();
            missing.dedup();
            missing.retain(|rep| !shared.contains_key(rep));
            let built = missing
                .into_par_iter()
                .map(|rep| {
                    let pop = timed_population(&loaded.points[0].scenario, seed_of(rep), rep)?;
                    Ok((rep, pop))
                })
                .collect::<Result<Vec<_>, InputError>>()?;
            shared.extend(built);
        }
        let done = batch
            .par_iter()
            .map(|&(p, rep)| -> Result<RunRecord> {
                let s = &loaded.points[p].scenario;
                let seed = seed_of(rep);
                let own;
                let pop = match shared.get(&rep) {
                    Some(pop) => pop,
                    None => {
                        own = timed_population(s, seed, rep)?;
                        &own
                    }
                };
                // The sample comes from the first run only.
                let keep = sim::Keep {
                    sample: if (p, rep) == selected[0] {
                        keep.sample
                    } else {
                        0
                    },
                    ..keep
                };
                let output = sim::run(pop, s, analyzer, seed, keep, &on_day);
                Ok(RunRecord {
                    point: p,
                    replication: rep,
                    seed,
                    members: pop.len() as u64,
                    days: u64::from(s.days),
                    output,
                    member_ids: pop.ids.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        runs.extend(done);
        // A replication's population goes after its last run.
        match selected.get((b + 1) * threads) {
            Some(&(_, next)) => shared.retain(|rep, _| *rep >= next),
            None => shared.clear(),
        }
    }
    bar.finish_and_clear();
    runs.sort_by_key(|r| (r.point, r.replication));
    let timings = timings.into_inner().expect("a run panicked");
    Ok((runs, timings))
}

fn lock(timings: &Mutex<Timings>) -> std::sync::MutexGuard<'_, Timings> {
    timings.lock().expect("a run panicked")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shard_counts_only_its_own_runs_logs() {
        let sets = ["population.members=200000", "replications=10"].map(String::from);
        let loaded = scenario::load(None, &sets).unwrap();
        let bytes = |events, shard| estimate_memory(&loaded, 2, events, shard).unwrap().bytes;
        let one_log = sim::estimated_event_bytes(&loaded.points[0].scenario);
        assert!(one_log > 0);
        assert_eq!(bytes(true, None), bytes(false, None) + 10 * one_log);
        // Runs 2, 5 and 8 of 0 to 9.
        assert_eq!(bytes(true, Some((3, 3))), bytes(false, None) + 3 * one_log);
        assert_eq!(bytes(false, Some((3, 3))), bytes(false, None));
    }
}
