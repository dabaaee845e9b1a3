//! The command line: raw arguments are parsed by clap, then each subcommand
//! (one file each) validates them into typed settings and calls the library.

mod replay;
mod report;
mod run;
mod score;
mod validate;

use crate::error::InputError;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "msgpolicy",
    version,
    about = "Policy simulator and spam analyzer for message requests"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario (every sweep point x replication) and write a report folder.
    Run(run::Args),
    /// Parse and check a scenario; print it fully resolved as TOML.
    Validate(validate::Args),
    /// Apply scripted actions to the policy engine, one outcome row per action.
    Replay(replay::Args),
    /// Re-render a report folder's charts and report.html (merging shard files).
    Report(report::Args),
    /// Score messages for spam and request quality (metrics, rules report, weight fitting).
    Score(score::Args),
}

/// Runs the program; returns the exit code (0 ok, 2 bad input, 1 failure).
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    2
                } else {
                    0
                };
            }
            // One line, as for every other bad input.
            let rendered = e.render().to_string();
            let first = rendered
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("bad usage")
                .trim_start_matches("error: ");
            eprintln!("error: usage: {first} (see `msgpolicy --help`)");
            return 2;
        }
    };
    let result = match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Replay(args) => replay::run(args),
        Command::Run(args) => run::run(args),
        Command::Report(args) => report::run(args),
        Command::Score(args) => score::run(args),
    };
    match result {
        Ok(()) => 0,
        Err(e) => report_error(&e),
    }
}

/// Prints an error as one line; bad input is exit code 2, anything else 1.
fn report_error(e: &anyhow::Error) -> i32 {
    if let Some(input) = e.downcast_ref::<InputError>() {
        eprintln!("error: {input}");
        return 2;
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return 0;
        }
    }
    eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
    1
}
