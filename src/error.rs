//! Bad input: one typed error that renders as the contract's single line
//! `FILE:LINE: what was wrong, what was expected` and maps to exit code 2.

use std::fmt;

/// A problem with something the user gave us (a file, a flag, a row).
/// Everything else is an internal failure (exit code 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file, or the flag (`--set`, `--shard`) that carried the bad value.
    pub source: String,
    /// 1-based line, when one applies.
    pub line: Option<u64>,
    /// 1-based column, when one applies.
    pub column: Option<u64>,
    /// What was wrong and what was expected.
    pub message: String,
}

impl InputError {
    pub fn new(source: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            source: source.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }

    pub fn at_column(mut self, column: u64) -> Self {
        self.column = Some(column);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// Turns a `csv` crate error into an [`InputError`] naming the file and line.
pub fn csv_error(file: &str, err: &csv::Error) -> InputError {
    let line = err.position().map(|p| p.line());
    let message = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("row has {len} fields, expected {expected_len} (as many as the header)"),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8, expected UTF-8 text".to_string(),
        _ => format!("unreadable CSV: {err}"),
    };
    let mut e = InputError::new(file, message);
    if let Some(line) = line {
        e = e.at_line(line);
    }
    e
}
