//! Scenario files (CONTRACT section 2): typed, every key defaulted, ranges
//! checked, unknown keys refused with their line, `--set` overrides and the
//! `[sweep]` grid expanded into concrete points.

mod config;

pub use config::*;

use crate::error::InputError;
use std::collections::BTreeMap;

/// The built-in default scenario (`scenarios/baseline.toml`).
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");

/// The name under which the built-in scenario is reported in errors.
pub const BASELINE_SOURCE: &str = "scenarios/baseline.toml";

/// A loaded scenario: the resolved base, its sweep points and where it came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// Where the text came from (a path, or the built-in name).
    pub source: String,
    /// The file's text as given.
    pub text: String,
    /// The scenario with defaults and `--set` overrides applied.
    pub scenario: Scenario,
    /// One entry per sweep point (just the base when there is no sweep).
    pub points: Vec<Point>,
}

impl Loaded {
    /// The analyzer for this scenario: `[analyzer] weights_file` (a relative
    /// path is taken from the scenario file's folder), or the defaults.
    pub fn analyzer(&self) -> Result<crate::analyzer::Analyzer, InputError> {
        let file = &self.scenario.analyzer.weights_file;
        let path = if file.is_empty()
            || std::path::Path::new(file).is_absolute()
            || self.source == BASELINE_SOURCE
        {
            file.clone()
        } else {
            let dir = std::path::Path::new(&self.source)
                .parent()
                .unwrap_or(std::path::Path::new(""));
            dir.join(file).to_string_lossy().into_owned()
        };
        crate::analyzer::weights_file::load_or_default(&path).map(crate::analyzer::Analyzer::new)
    }
}

/// One point of the sweep grid: the swept keys' values and the scenario they give.
#[derive(Clone, Debug)]
pub struct Point {
    /// (dotted key, value as written) for every swept key, in key order.
    pub values: Vec<(String, toml::Value)>,
    pub scenario: Scenario,
}

/// Reads a scenario file (or the built-in one when `path` is `None`).
pub fn load(path: Option<&str>, sets: &[String]) -> Result<Loaded, InputError> {
    let (source, text) = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| InputError::new(p, format!("cannot read the scenario: {e}")))?;
            (p.to_string(), text)
        }
        None => (BASELINE_SOURCE.to_string(), BASELINE_TOML.to_string()),
    };
    parse(&source, &text, sets)
}

/// Parses scenario text; `source` names it in errors.
pub fn parse(source: &str, text: &str, sets: &[String]) -> Result<Loaded, InputError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| toml_error(source, text, &e))?;
    check_persona_keys(source, text, &table)?;
    // First pass straight from the text, so that errors carry the line.
    let from_file: Scenario = toml::from_str(text).map_err(|e| toml_error(source, text, &e))?;
    check(&from_file).map_err(|(key, msg)| key_error(source, text, &key, msg))?;

    // Each set applied to the table as set so far: a scenario that breaks
    // names the first set that broke it.
    let mut first_broken: Option<String> = None;
    for set in sets {
        let (key, value) = parse_set(set)?;
        if key.starts_with("sweep.") || key == "sweep" {
            return Err(InputError::new(
                "--set",
                format!("{set}: the sweep cannot be set here, expected a scenario key"),
            ));
        }
        set_dotted(&mut table, &key, value)
            .map_err(|msg| InputError::new("--set", format!("{set}: {msg}")))?;
        if first_broken.is_none() {
            first_broken = resolve(&table).err().map(|msg| format!("{set}: {msg}"));
        }
    }
    let scenario =
        resolve(&table).map_err(|msg| InputError::new("--set", first_broken.unwrap_or(msg)))?;
    let points = expand_sweep(source, text, &table, &scenario)?;
    Ok(Loaded {
        source: source.to_string(),
        text: text.to_string(),
        scenario,
        points,
    })
}

/// The keys of `[behavior.<persona>]` tables, checked on the raw table: a
/// persona's table is read over that persona's defaults, where an unknown
/// key could only be reported at the table's header.
fn check_persona_keys(source: &str, text: &str, table: &toml::Table) -> Result<(), InputError> {
    let Some(toml::Value::Table(behavior)) = table.get("behavior") else {
        return Ok(());
    };
    let known = match toml::Value::try_from(SenderStyle::member()) {
        Ok(toml::Value::Table(keys)) => keys,
        _ => return Ok(()),
    };
    for (persona, style) in behavior {
        let toml::Value::Table(style) = style else {
            continue;
        };
        if persona == "recipients" {
            continue;
        }
        if let Some(key) = style.keys().find(|k| !known.contains_key(*k)) {
            let expected: Vec<&str> = known.keys().map(String::as_str).collect();
            return Err(key_error(
                source,
                text,
                &format!("behavior.{persona}.{key}"),
                format!("unknown key, expected one of {}", expected.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Deserializes and range-checks a table; errors are plain messages.
fn resolve(table: &toml::Table) -> Result<Scenario, String> {
    let scenario: Scenario = table
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| e.message().trim().to_string())?;
    check(&scenario).map_err(|(key, msg)| format!("{key}: {msg}"))?;
    Ok(scenario)
}

/// `KEY=VALUE` with VALUE read as a TOML value (a bare word is a string).
fn parse_set(set: &str) -> Result<(String, toml::Value), InputError> {
    let Some((key, raw)) = set.split_once('=') else {
        return Err(InputError::new(
            "--set",
            format!("{set}: expected KEY=VALUE, e.g. policy.ban_after_reports=2"),
        ));
    };
    let key = key.trim().to_string();
    if key.is_empty() {
        return Err(InputError::new("--set", format!("{set}: the key is empty")));
    }
    Ok((key, toml_value(raw.trim())))
}

/// A value as TOML reads it, or a string when it is not valid TOML.
fn toml_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()))
}

/// Sets `a.b.c = value` in a table, creating the tables on the way.
fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let mut parts = key.split('.').peekable();
    let mut current = table;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            current.insert(part.to_string(), value);
            return Ok(());
        }
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{part}` is a value, not a table"))?;
    }
    Ok(())
}

/// Expands `[sweep]` into the cartesian product of its values (keys in
/// sorted order, the last key varying fastest).
fn expand_sweep(
    source: &str,
    text: &str,
    table: &toml::Table,
    base: &Scenario,
) -> Result<Vec<Point>, InputError> {
    let sweep: &BTreeMap<String, Vec<toml::Value>> = &base.sweep;
    let mut points = vec![Vec::<(String, toml::Value)>::new()];
    for (key, values) in sweep {
        let at = |msg: String| key_error(source, text, &format!("sweep.\"{key}\""), msg);
        if values.is_empty() {
            return Err(at(format!(
                "sweep key `{key}` has no values, expected a non-empty list"
            )));
        }
        if key == "seed" || key == "name" || key == "replications" || key.starts_with("sweep") {
            return Err(at(format!(
                "`{key}` cannot be swept, expected a key under [population], [policy], [behavior] or [analyzer], or `days`"
            )));
        }
        let mut next = Vec::with_capacity(points.len() * values.len());
        for p in &points {
            for v in values {
                let mut q = p.clone();
                q.push((key.clone(), v.clone()));
                next.push(q);
            }
        }
        points = next;
    }
    points
        .into_iter()
        .map(|values| {
            let mut t = table.clone();
            t.remove("sweep");
            for (k, v) in &values {
                set_dotted(&mut t, k, v.clone())
                    .and_then(|()| resolve(&t).map(|_| ()))
                    .map_err(|msg| {
                        key_error(
                            source,
                            text,
                            &format!("sweep.\"{k}\""),
                            format!("sweep key `{k}` = {v}: {msg}"),
                        )
                    })?;
            }
            let mut scenario = resolve(&t).map_err(|msg| InputError::new(source, msg))?;
            scenario.sweep = base.sweep.clone();
            Ok(Point { values, scenario })
        })
        .collect()
}

/// A toml error as one line with the file, line and column.
fn toml_error(source: &str, text: &str, e: &toml::de::Error) -> InputError {
    let message = e.message().trim().replace('\n', " ");
    let mut err = InputError::new(source, message);
    if let Some(span) = e.span() {
        let (line, col) = line_col(text, span.start);
        let section = section_at(text, line);
        if !section.is_empty() && err.message.starts_with("unknown field") {
            err.message = format!("{} (in [{section}])", err.message);
        } else if let Some(key) = key_on_line(text, line) {
            let dotted = if section.is_empty() {
                key
            } else {
                format!("{section}.{key}")
            };
            err.message = format!("`{dotted}`: {}", err.message);
        }
        err = err.at_line(line).at_column(col);
    }
    err
}

fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, col)
}

/// The key written on a 1-based line (`key = value`), if any.
fn key_on_line(text: &str, line: u64) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    let (key, _) = l.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// The `[table]` header in force at a 1-based line.
fn section_at(text: &str, line: u64) -> String {
    text.lines()
        .take(line as usize)
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with('[') && !l.starts_with("[[")).then(|| {
                l.trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string()
            })
        })
        .last()
        .unwrap_or_default()
}

/// An error about a dotted key, located at the key's line in the text when found.
fn key_error(source: &str, text: &str, key: &str, message: String) -> InputError {
    let err = InputError::new(source, format!("`{key}`: {message}"));
    match find_key_line(text, key) {
        Some(line) => err.at_line(line),
        None => err,
    }
}

/// The line where a dotted key is written (`a.b.c` as `c = ` under `[a.b]`,
/// or `"a.b" = ` under `[sweep]`).
fn find_key_line(text: &str, dotted: &str) -> Option<u64> {
    let (table, leaf) = match dotted.strip_prefix("sweep.") {
        Some(rest) => ("sweep".to_string(), rest.to_string()),
        None => match dotted.rsplit_once('.') {
            Some((t, k)) => (t.to_string(), k.to_string()),
            None => (String::new(), dotted.to_string()),
        },
    };
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('[') {
            section = l
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            // A key that is a table is found at its header.
            if section == dotted {
                return Some(i as u64 + 1);
            }
            continue;
        }
        if section == table {
            if let Some((k, _)) = l.split_once('=') {
                if k.trim() == leaf || k.trim().trim_matches('"') == leaf.trim_matches('"') {
                    return Some(i as u64 + 1);
                }
            }
        }
    }
    None
}

/// The fully resolved scenario as TOML (what `validate` prints).
pub fn to_toml(scenario: &Scenario) -> String {
    toml::to_string(scenario).expect("a scenario always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_default_scenario() {
        let loaded = parse("empty.toml", "", &[]).unwrap();
        assert_eq!(loaded.scenario, Scenario::default());
        assert_eq!(loaded.points.len(), 1);
    }

    #[test]
    fn a_persona_table_may_set_one_key_over_that_personas_defaults() {
        let text = "[behavior.recruiter]\nper_day = 5\n";
        let behavior = parse("one.toml", text, &[]).unwrap().scenario.behavior;
        let expected = SenderStyle {
            per_day: 5.0,
            ..SenderStyle::recruiter()
        };
        assert_eq!(behavior.recruiter, expected);
        assert_eq!(behavior.member, SenderStyle::member());
        let set = ["behavior.spammer.bulk=0.1".to_string()];
        let spammer = parse("empty.toml", "", &set)
            .unwrap()
            .scenario
            .behavior
            .spammer;
        assert_eq!(spammer.bulk, 0.1);
        assert_eq!(spammer.per_day, SenderStyle::spammer().per_day);
    }

    #[test]
    fn the_baseline_parses_and_lists_every_key() {
        let loaded = parse(BASELINE_SOURCE, BASELINE_TOML, &[]).unwrap();
        assert_eq!(loaded.scenario.name, "baseline");
        // Every key of the resolved scenario is written out in the baseline file.
        let resolved: toml::Table = toml::from_str(&to_toml(&loaded.scenario)).unwrap();
        let written: toml::Table = toml::from_str(BASELINE_TOML).unwrap();
        fn keys(t: &toml::Table, prefix: &str, out: &mut Vec<String>) {
            for (k, v) in t {
                let path = format!("{prefix}{k}");
                match v {
                    toml::Value::Table(sub) if k != "sweep" => keys(sub, &format!("{path}."), out),
                    _ => out.push(path),
                }
            }
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        keys(&resolved, "", &mut a);
        keys(&written, "", &mut b);
        a.retain(|k| k != "sweep");
        b.retain(|k| k != "sweep");
        assert_eq!(a, b);
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = parse("s.toml", "seed = 1\n[policy]\nban_after = 2\n", &[]).unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("ban_after"), "{err}");
        assert!(err.message.contains("policy"), "{err}");
    }

    #[test]
    fn out_of_range_values_name_the_key_and_line() {
        let err = parse("s.toml", "[population]\n\npage_share = 1.5\n", &[]).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert!(err.message.contains("population.page_share"), "{err}");
    }

    #[test]
    fn persona_shares_over_one_are_refused() {
        let err = parse(
            "s.toml",
            "[population.personas]\nspammer = 0.6\nrecruiter = 0.6\n",
            &[],
        )
        .unwrap_err();
        assert!(err.message.contains("personas"), "{err}");
        let err = parse("s.toml", "[population.personas]\nwizard = 0.1\n", &[]).unwrap_err();
        assert!(err.message.contains("wizard"), "{err}");
    }

    #[test]
    fn set_overrides_a_dotted_key() {
        let loaded = parse("s.toml", "", &["policy.ban_after_reports=2".into()]).unwrap();
        assert_eq!(loaded.scenario.policy.ban_after_reports, 2);
        let loaded = parse("s.toml", "", &["policy.after_ignore=suppress".into()]).unwrap();
        assert_eq!(
            loaded.scenario.policy.after_ignore,
            crate::engine::AfterIgnore::Suppress
        );
        let err = parse("s.toml", "", &["policy.nope=2".into()]).unwrap_err();
        assert_eq!(err.source, "--set");
        assert!(err.message.contains("nope"));
    }

    #[test]
    fn the_sweep_is_a_cartesian_grid() {
        let text = "[sweep]\n\"policy.ban_after_reports\" = [1, 3]\n\"policy.spam_filter_threshold\" = [0.6, 0.8, 1.0]\n";
        let loaded = parse("s.toml", text, &[]).unwrap();
        assert_eq!(loaded.points.len(), 6);
        assert_eq!(loaded.points[1].scenario.policy.ban_after_reports, 1);
        assert_eq!(loaded.points[1].scenario.policy.spam_filter_threshold, 0.8);
        assert_eq!(loaded.points[5].scenario.policy.ban_after_reports, 3);
        let err = parse("s.toml", "[sweep]\n\"policy.nope\" = [1]\n", &[]).unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        let err = parse(
            "s.toml",
            "[sweep]\n\"policy.spam_filter_threshold\" = [2.0]\n",
            &[],
        )
        .unwrap_err();
        assert!(err.message.contains("spam_filter_threshold"), "{err}");
    }

    #[test]
    fn names_are_restricted() {
        let err = parse("s.toml", "name = \"a b\"\n", &[]).unwrap_err();
        assert_eq!(err.line, Some(1));
    }
}
