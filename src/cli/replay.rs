//! `msgpolicy replay ACTIONS.csv`: scripted actions through the engine.

use crate::error::InputError;
use crate::output::write_file_atomic;
use crate::replay::{replay, Replayer};
use crate::scenario;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The actions CSV (`actor,action,target,text`).
    actions: String,
    /// Take `[policy]` (and the analyzer weights) from this scenario.
    #[arg(long)]
    scenario: Option<String>,
    /// Write the outcomes here instead of stdout (atomically).
    #[arg(long)]
    out: Option<String>,
    /// Override one scenario key, e.g. `--set policy.after_ignore=suppress`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let loaded = match &args.scenario {
        Some(path) => scenario::load(Some(path), &args.sets)?,
        None => scenario::parse("--set", "", &args.sets)?,
    };
    let analyzer = loaded.analyzer()?;
    let file = File::open(&args.actions)
        .map_err(|e| InputError::new(&args.actions, format!("cannot read the actions: {e}")))?;
    let input = BufReader::with_capacity(1 << 16, file);
    let mut replayer = Replayer::new(loaded.scenario.policy, analyzer);
    match &args.out {
        Some(out) => {
            write_file_atomic(Path::new(out), |w| {
                replay(&args.actions, input, w, &mut replayer)
            })?;
        }
        None => {
            let stdout = std::io::stdout();
            let w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            replay(&args.actions, input, w, &mut replayer)?;
        }
    }
    Ok(())
}
