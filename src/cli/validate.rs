//! `msgpolicy validate SCENARIO`: parse, check, print the resolved scenario.

use crate::scenario;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML).
    scenario: String,
    /// Override one key, e.g. `--set policy.ban_after_reports=2`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let loaded = scenario::load(Some(&args.scenario), &args.sets)?;
    print!("{}", scenario::to_toml(&loaded.scenario));
    if loaded.points.len() > 1 {
        eprintln!(
            "{}: {} sweep points x {} replications",
            loaded.source,
            loaded.points.len(),
            loaded.scenario.replications
        );
    }
    Ok(())
}
