//! Helpers shared by the integration tests: running the real binary, writing
//! CSV inputs, random action sequences and the naive reference model.
//! Every test crate uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod gen;
pub mod reference;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The crate's root folder.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the real `msgpolicy` binary with `args`.
pub fn msgpolicy<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_msgpolicy"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the msgpolicy binary runs")
}

/// Writes a CSV file (header + rows) with proper quoting and LF line ends.
pub fn write_csv<R, F>(path: &Path, header: &[&str], rows: R)
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(path)
        .expect("create the CSV file");
    w.write_record(header).expect("write the header");
    for row in rows {
        w.write_record(row).expect("write a row");
    }
    w.flush().expect("flush the CSV file");
}

/// Writes an actions file `actor,action,target,text` for `steps`.
pub fn write_steps(path: &Path, steps: &[gen::Step]) {
    write_csv(
        path,
        &["actor", "action", "target", "text"],
        steps.iter().map(|s| {
            vec![
                s.actor.as_str(),
                s.action.name(),
                s.target.as_str(),
                s.text.as_str(),
            ]
        }),
    );
}

/// Parses CSV output (header included) into rows of strings.
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|r| {
            r.expect("the output is valid CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// A path as the `&str` the binary is given (and names in its errors).
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Every rule of CONTRACT 3.1 and 3.2 as `"action outcome rule"`: what a
/// test suite must reach to prove anything about the engine.
pub const EVERY_RULE: &[&str] = &[
    "send rejected sender_banned",
    "send rejected blocked",
    "send rejected page_cannot_initiate",
    "send inbox connected",
    "send inbox open_thread",
    "send rejected must_accept_first",
    "send inbox requests_disabled",
    "send inbox requests_off",
    "send request follow_up",
    "send filtered follow_up",
    "send suppressed after_ignore",
    "send rejected daily_limit",
    "send filtered spam_filter",
    "send request after_ignore",
    "send request new_request",
    "accept ok accept",
    "accept error no_pending_request",
    "ignore ok ignore",
    "ignore error page_cannot_ignore",
    "delete ok delete",
    "block ok block",
    "block error page_cannot_block",
    "report ok report",
    "view_profile full connected",
    "view_profile limited not_connected",
    "connect ok connect",
    "connect error page_cannot_connect",
    "requests_off ok requests_off",
    "requests_off error page_requests_always_on",
    "requests_on ok requests_on",
    "page ok page",
    "next_day ok next_day",
];

/// One analyzer for every test (building its automaton is the costly part;
/// clones share it).
pub fn analyzer() -> msgpolicy::analyzer::Analyzer {
    static SHARED: std::sync::OnceLock<msgpolicy::analyzer::Analyzer> = std::sync::OnceLock::new();
    SHARED
        .get_or_init(msgpolicy::analyzer::Analyzer::default)
        .clone()
}
