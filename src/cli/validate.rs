//! `msgpolicy validate SCENARIO`: parse, check, print the resolved scenario.

use crate::scenario;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: String,
    /// Override one key, e.g. `--set policy.ban_after_reports=2`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Count the log of actions (`run --events`) in the memory estimate.
    #[arg(long)]
    events: bool,
}

/// Prints the resolved scenario on stdout and, on stderr, the size of the
/// runs it makes: runs, and the peak memory `msgpolicy run` would need with
/// this machine's threads (the figure it refuses a run by).
pub fn run(args: Args) -> anyhow::Result<()> {
    let loaded = scenario::load(Some(&args.scenario), &args.sets)?;
    print!("{}", scenario::to_toml(&loaded.scenario));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let points = loaded.points.len();
    // A sweep may vary the days: name their range, not the base scenario's.
    let days = loaded.points.iter().map(|p| p.scenario.days);
    let (fewest, most) = (days.clone().min().unwrap_or(0), days.max().unwrap_or(0));
    let days = if fewest == most {
        format!("{most}")
    } else {
        format!("{fewest} to {most}")
    };
    let peak = super::run::estimate_memory(&loaded, threads, args.events, None)?.bytes;
    let have = super::run::machine_memory();
    eprintln!(
        "{}: {points} sweep point(s) x {} replication(s) of {} days; estimated peak memory {:.2} GiB on {threads} threads (this machine has {:.1} GiB{})",
        loaded.source,
        loaded.scenario.replications,
        days,
        super::run::gib(peak),
        super::run::gib(have),
        if peak > have {
            "; `msgpolicy run` would refuse it here"
        } else {
            ""
        },
    );
    Ok(())
}
