//! Rule weights: the built-in defaults (from the registry), how they turn
//! rule hits into scores, and their two file formats, TOML and CSV, written
//! and read here from strings. Reading files from disk is in
//! [`super::weights_file`], the one place of the analyzer that does I/O.
//!
//! TOML:
//! ```toml
//! [spam]
//! bias = -3.0
//! link = 1.2
//! [quality]
//! bias = 0.5
//! link = -0.6
//! ```
//! CSV: header `rule,spam,quality` (more columns, such as `description`, are
//! ignored), one row per rule plus a `bias` row. In both, a rule left out
//! keeps its built-in weight and an unknown rule name is an error.

use super::rules::{RuleId, RuleSet, RULES};
use crate::error::{csv_error, InputError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use toml::Spanned;

/// The name of the bias entry in weights files.
pub const BIAS: &str = "bias";

/// Weights of every rule plus the two biases (log-odds).
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub spam_bias: f64,
    pub quality_bias: f64,
    /// Indexed by [`RuleId`].
    pub spam: Vec<f64>,
    /// Indexed by [`RuleId`].
    pub quality: Vec<f64>,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            spam_bias: -3.0,
            quality_bias: 0.5,
            spam: RULES.iter().map(|r| r.spam_weight).collect(),
            quality: RULES.iter().map(|r| r.quality_weight).collect(),
        }
    }
}

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Weights {
    /// The spam log-odds of a set of hits (before the sigmoid).
    pub fn spam_logit(&self, fired: RuleSet) -> f64 {
        self.spam_bias + fired.iter().map(|r| self.spam[r as usize]).sum::<f64>()
    }

    /// (spam_score, quality_score) of a set of hits, both in [0, 1].
    pub fn scores(&self, fired: RuleSet) -> (f64, f64) {
        let quality =
            self.quality_bias + fired.iter().map(|r| self.quality[r as usize]).sum::<f64>();
        (sigmoid(self.spam_logit(fired)), sigmoid(quality))
    }

    /// The weights as a commented TOML file.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# msgpolicy analyzer weights (log-odds added when a rule fires).\n\
             # spam_score = sigmoid(bias + the [spam] weights of the rules that fired);\n\
             # quality_score likewise with [quality]. A rule left out keeps its built-in\n\
             # weight. Rule descriptions: `msgpolicy score --list-rules`.\n",
        );
        for (section, bias, weights) in [
            ("spam", self.spam_bias, &self.spam),
            ("quality", self.quality_bias, &self.quality),
        ] {
            let _ = writeln!(out, "\n[{section}]\n{BIAS} = {bias:?}");
            for (r, w) in RULES.iter().zip(weights) {
                let _ = writeln!(out, "{} = {w:?}  # {}", r.name, r.doc);
            }
        }
        out
    }

    /// The weights as CSV: `rule,spam,quality,description`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let _ = w.write_record(["rule", "spam", "quality", "description"]);
        let _ = w.write_record([
            BIAS,
            &format!("{:?}", self.spam_bias),
            &format!("{:?}", self.quality_bias),
            "added to every message",
        ]);
        for (i, r) in RULES.iter().enumerate() {
            let _ = w.write_record([
                r.name,
                &format!("{:?}", self.spam[i]),
                &format!("{:?}", self.quality[i]),
                r.doc,
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Sets one named weight (`bias` or a rule) of one section.
    fn set(&mut self, spam: bool, name: &str, value: f64) -> Result<(), String> {
        if !value.is_finite() {
            return Err(format!(
                "the weight of `{name}` is {value}, expected a finite number"
            ));
        }
        let slot = match (name, spam) {
            (BIAS, true) => &mut self.spam_bias,
            (BIAS, false) => &mut self.quality_bias,
            _ => {
                let rule = RuleId::from_name(name).ok_or_else(|| {
                    format!("unknown rule `{name}`, expected `{BIAS}` or a rule name (see `msgpolicy score --list-rules`)")
                })?;
                let list = if spam {
                    &mut self.spam
                } else {
                    &mut self.quality
                };
                &mut list[rule as usize]
            }
        };
        *slot = value;
        Ok(())
    }

    /// Reads a TOML weights file's text; `source` names it in errors.
    pub fn from_toml(source: &str, text: &str) -> Result<Weights, InputError> {
        type Section = BTreeMap<Spanned<String>, Spanned<f64>>;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            spam: Section,
            #[serde(default)]
            quality: Section,
        }
        let file: File = toml::from_str(text).map_err(|e| {
            let mut err = InputError::new(source, e.message().trim().to_string());
            if let Some(span) = e.span() {
                err = err.at_line(line_of(text, span.start));
            }
            err
        })?;
        let mut weights = Weights::default();
        for (spam, section) in [(true, &file.spam), (false, &file.quality)] {
            for (name, value) in section {
                weights
                    .set(spam, name.get_ref(), *value.get_ref())
                    .map_err(|m| {
                        InputError::new(source, m).at_line(line_of(text, name.span().start))
                    })?;
            }
        }
        Ok(weights)
    }

    /// Reads a CSV weights file's text; `source` names it in errors.
    pub fn from_csv(source: &str, text: &str) -> Result<Weights, InputError> {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(source, &e))?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .ok_or_else(|| {
                    InputError::new(
                        source,
                        format!("no `{name}` column, expected the header `rule,spam,quality`"),
                    )
                    .at_line(1)
                })
        };
        let (rule, spam, quality) = (column("rule")?, column("spam")?, column("quality")?);
        let mut weights = Weights::default();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(source, &e))?;
            let line = record.position().map_or(0, |p| p.line());
            let at = |m: String| InputError::new(source, m).at_line(line);
            let name = record[rule].trim();
            for (is_spam, col) in [(true, spam), (false, quality)] {
                let raw = record[col].trim();
                let value: f64 = raw
                    .parse()
                    .map_err(|_| at(format!("`{raw}` is not a number, expected a weight")))?;
                weights.set(is_spam, name, value).map_err(at)?;
            }
        }
        Ok(weights)
    }
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_round_trip_the_defaults() {
        let w = Weights::default();
        assert_eq!(Weights::from_toml("w.toml", &w.to_toml()).unwrap(), w);
        assert_eq!(Weights::from_csv("w.csv", &w.to_csv()).unwrap(), w);
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let w = Weights::from_toml("w.toml", "[spam]\nlink = 4\n").unwrap();
        assert_eq!(w.spam[RuleId::Link as usize], 4.0);
        assert_eq!(w.spam_bias, Weights::default().spam_bias);
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = Weights::from_toml("w.toml", "[spam]\nbias = -3\nlinks = 1\n").unwrap_err();
        assert_eq!((e.source.as_str(), e.line), ("w.toml", Some(3)));
        assert!(e.message.contains("unknown rule `links`"), "{e}");
        let e = Weights::from_toml("w.toml", "[spam]\nbias = \"x\"\n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = Weights::from_toml("w.toml", "[spma]\n").unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        let e =
            Weights::from_csv("w.csv", "rule,spam,quality\nbias,-3,0\nlink,abc,0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "w.csv:3: `abc` is not a number, expected a weight"
        );
        let e = Weights::from_csv("w.csv", "name,spam\n").unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}
