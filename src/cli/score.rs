//! `msgpolicy score MESSAGES.csv`: the analyzer on given messages, one row in,
//! one row out (CONTRACT section 4), plus what an analyst needs around it:
//! metrics against labels, the threshold table (`--eval`), the per-rule hit
//! frequencies (`--rules-report`), fitting weights (`--fit`), and writing out
//! the weights (`--dump-weights`) or the rule list (`--list-rules`).

use crate::analyzer::eval::{self, Confusion, Metrics, RulesReport};
use crate::analyzer::fit::{fit, in_holdout, FitOptions};
use crate::analyzer::{weights_file, Analyzer, Hints, RuleSet, Weights, RULES};
use crate::error::{csv_error, InputError};
use crate::message::{text_hash, SendContext};
use crate::output::write_file_atomic;
use csv::{ByteRecord, StringRecord};
use rustc_hash::FxHashMap;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::Path;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The messages CSV: a `text` column; optional `id`, `label` (spam|ham),
    /// `recipient_name`, `recipient_industry`, `shared_event`; other columns are kept.
    messages: Option<String>,
    /// Write the scored rows (or, with --dump-weights, the weights) here instead of stdout.
    #[arg(long)]
    out: Option<String>,
    /// Verdict is spam when spam_score >= this.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Weights file (TOML, or CSV by extension) instead of the built-in defaults.
    #[arg(long)]
    weights: Option<String>,
    /// Write metrics and a threshold table here (needs a label column).
    #[arg(long, value_name = "FILE")]
    eval: Option<String>,
    /// Write per-rule hit frequencies among spam and ham here (needs labels).
    #[arg(long, value_name = "FILE")]
    rules_report: Option<String>,
    /// Learn the spam weights from the labelled messages (with --out-weights).
    #[arg(long, requires = "out_weights")]
    fit: bool,
    /// Where --fit writes the learned weights (TOML, or CSV by extension).
    #[arg(long, value_name = "FILE", requires = "fit")]
    out_weights: Option<String>,
    /// Seed of the train/holdout split of --fit.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of the rows --fit holds out to measure the fitted weights.
    #[arg(long, default_value_t = 0.3)]
    holdout: f64,
    /// Write the weights in force (defaults, or --weights) and exit.
    #[arg(long)]
    dump_weights: bool,
    /// List the rules (name, weights, description) as CSV and exit.
    #[arg(long)]
    list_rules: bool,
    /// The same text to more than this many rows of the file fires `bulk`.
    #[arg(long, default_value_t = 20)]
    bulk_threshold: u32,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.threshold) {
        return Err(flag_error("--threshold", args.threshold, "a number in [0, 1]").into());
    }
    if !(0.0..1.0).contains(&args.holdout) {
        return Err(flag_error("--holdout", args.holdout, "a share in [0, 1)").into());
    }
    let weights = match &args.weights {
        Some(path) => weights_file::load(path)?,
        None => Weights::default(),
    };
    if args.dump_weights {
        return emit(
            args.out.as_deref(),
            &weights_text(&weights, args.out.as_deref()),
        );
    }
    if args.list_rules {
        return emit(args.out.as_deref(), &rules_list(&weights));
    }
    let Some(path) = args.messages.as_deref() else {
        return Err(InputError::new(
            "score",
            "no MESSAGES.csv given, expected `msgpolicy score MESSAGES.csv` (or --dump-weights, --list-rules)",
        )
        .into());
    };
    let file = File::open(path)
        .map_err(|e| InputError::new(path, format!("cannot read the messages: {e}")))?;
    let (input, quotes) = crate::csvin::counting(BufReader::with_capacity(1 << 16, file));
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let columns = Columns::find(path, reader.headers().map_err(|e| csv_error(path, &e))?)?;
    let needs_labels = [
        (args.eval.is_some(), "--eval"),
        (args.rules_report.is_some(), "--rules-report"),
        (args.fit, "--fit"),
    ];
    if let Some((_, flag)) = needs_labels
        .iter()
        .find(|(on, _)| *on && columns.label.is_none())
    {
        return Err(InputError::new(
            path,
            format!("{flag} needs a `label` column (spam|ham), and the header has none"),
        )
        .at_line(1)
        .into());
    }
    let analyzer = Analyzer::new(weights);
    let mut scorer = Scorer {
        path,
        analyzer: &analyzer,
        columns,
        bulk_threshold: args.bulk_threshold,
        text_counts: FxHashMap::default(),
    };
    if args.fit {
        let out = args.out_weights.as_deref().unwrap_or_default();
        return run_fit(&mut scorer, reader, &quotes, &args, out);
    }
    let threshold = args.threshold;
    let labelled = scorer.columns.label.is_some();
    let tallies = match &args.out {
        Some(out) => write_file_atomic(Path::new(out), |w| {
            let tallies = scorer.score_rows(&mut reader, w, threshold)?;
            quotes.balanced(path, reader.position().line())?;
            Ok(tallies)
        })?,
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let tallies = scorer.score_rows(&mut reader, &mut w, threshold)?;
            w.flush()?;
            quotes.balanced(path, reader.position().line())?;
            tallies
        }
    };
    if labelled {
        eprintln!("{}", Metrics::of(&tallies.scored, threshold).summary());
    }
    if let Some(eval_path) = &args.eval {
        write_eval(eval_path, &tallies.scored, threshold)?;
    }
    if let Some(report_path) = &args.rules_report {
        let rows = tallies.report.rows(analyzer.weights());
        write_csv(report_path, &RulesReport::HEADER, rows)?;
    }
    Ok(())
}

fn flag_error(flag: &str, value: f64, expected: &str) -> InputError {
    InputError::new(
        flag,
        format!("{value} is out of range, expected {expected}"),
    )
}

/// Where the interesting columns are.
struct Columns {
    text: usize,
    label: Option<usize>,
    recipient_name: Option<usize>,
    recipient_industry: Option<usize>,
    shared_event: Option<usize>,
}

impl Columns {
    fn find(path: &str, headers: &StringRecord) -> Result<Columns, InputError> {
        let find = |name: &str| headers.iter().position(|h| h.trim() == name);
        let text = find("text").ok_or_else(|| {
            InputError::new(path, "no `text` column in the header, expected one").at_line(1)
        })?;
        Ok(Columns {
            text,
            label: find("label"),
            recipient_name: find("recipient_name"),
            recipient_industry: find("recipient_industry"),
            shared_event: find("shared_event"),
        })
    }
}

/// What the labelled rows leave behind: (score, is_spam) pairs and rule tallies.
struct Tallies {
    scored: Vec<(f64, bool)>,
    report: RulesReport,
}

/// Reads rows and scores them; one instance per command.
struct Scorer<'a> {
    path: &'a str,
    analyzer: &'a Analyzer,
    columns: Columns,
    bulk_threshold: u32,
    /// How many rows so far had each text (by hash), for `bulk`.
    text_counts: FxHashMap<u64, u32>,
}

/// One scored row.
struct Scored {
    spam_score: f64,
    quality_score: f64,
    fired: RuleSet,
    label: Option<bool>,
}

impl Scorer<'_> {
    /// Scores one record: text rules, the hint columns, and `bulk` from how
    /// often the same text appeared in the file so far.
    fn score(&mut self, record: &StringRecord) -> Result<Scored, InputError> {
        let line = record.position().map_or(0, |p| p.line());
        let c = &self.columns;
        let hint = |col: Option<usize>| col.map(|i| record[i].trim()).filter(|v| !v.is_empty());
        let hints = Hints {
            recipient_name: hint(c.recipient_name),
            recipient_industry: hint(c.recipient_industry),
            shared_event: hint(c.shared_event),
        };
        let label = match c.label.map(|i| record[i].trim()) {
            None => None,
            Some(v) if v.eq_ignore_ascii_case("spam") => Some(true),
            Some(v) if v.eq_ignore_ascii_case("ham") => Some(false),
            Some(v) => {
                return Err(
                    InputError::new(self.path, format!("label `{v}` is not spam or ham"))
                        .at_line(line),
                )
            }
        };
        let text = &record[c.text];
        let seen = self.text_counts.entry(text_hash(text)).or_default();
        *seen += 1;
        let ctx = SendContext {
            same_text_recipients: *seen,
            bulk_threshold: self.bulk_threshold,
            ..SendContext::default()
        };
        let analysis = self.analyzer.score(text, &hints, &ctx);
        Ok(Scored {
            spam_score: analysis.spam_score,
            quality_score: analysis.quality_score,
            fired: analysis.fired,
            label,
        })
    }

    /// Streams every row to `w` with the four score columns added.
    fn score_rows<R: std::io::Read>(
        &mut self,
        reader: &mut csv::Reader<R>,
        w: impl Write,
        threshold: f64,
    ) -> anyhow::Result<Tallies> {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        let mut header: ByteRecord = reader
            .byte_headers()
            .map_err(|e| csv_error(self.path, &e))?
            .clone();
        for name in ["spam_score", "quality_score", "verdict", "rules"] {
            header.push_field(name.as_bytes());
        }
        out.write_byte_record(&header)?;
        let mut tallies = Tallies {
            scored: Vec::new(),
            report: RulesReport::new(threshold),
        };
        let mut record = StringRecord::new();
        let mut field = String::new();
        while reader
            .read_record(&mut record)
            .map_err(|e| csv_error(self.path, &e))?
        {
            let s = self.score(&record)?;
            for f in record.iter() {
                out.write_field(f)?;
            }
            for value in [s.spam_score, s.quality_score] {
                field.clear();
                write!(field, "{value:.4}")?;
                out.write_field(&field)?;
            }
            out.write_field(if s.spam_score >= threshold {
                "spam"
            } else {
                "ham"
            })?;
            field.clear();
            s.fired.write_names(&mut field);
            out.write_field(&field)?;
            out.write_record(None::<&[u8]>)?;
            if let Some(spam) = s.label {
                tallies.scored.push((s.spam_score, spam));
                tallies.report.add(s.fired, spam, self.analyzer.weights());
            }
        }
        out.flush()?;
        Ok(tallies)
    }
}

/// `--fit`: learn on the training rows, report before/after on the holdout.
fn run_fit<R: std::io::Read>(
    scorer: &mut Scorer,
    mut reader: csv::Reader<R>,
    quotes: &crate::csvin::Quotes,
    args: &Args,
    out: &str,
) -> anyhow::Result<()> {
    let (mut train, mut holdout) = (Vec::new(), Vec::new());
    let mut record = StringRecord::new();
    let mut index = 0u64;
    while reader
        .read_record(&mut record)
        .map_err(|e| csv_error(scorer.path, &e))?
    {
        let s = scorer.score(&record)?;
        let row = (s.fired, s.label.unwrap_or_default());
        if in_holdout(args.seed, index, args.holdout) {
            holdout.push(row);
        } else {
            train.push(row);
        }
        index += 1;
    }
    quotes.balanced(scorer.path, reader.position().line())?;
    let start = scorer.analyzer.weights();
    let fitted = fit(start, &train, FitOptions::default());
    let scored_with = |w: &Weights| -> Vec<(f64, bool)> {
        holdout
            .iter()
            .map(|&(fired, spam)| (eval::spam_score(w, fired), spam))
            .collect()
    };
    eprintln!(
        "fit: {} training rows, {} held out (seed {}, holdout {})",
        train.len(),
        holdout.len(),
        args.seed,
        args.holdout
    );
    for (name, w) in [("before", start), ("after", &fitted)] {
        let m = Metrics::of(&scored_with(w), args.threshold);
        eprintln!("holdout {name}: {}", m.summary());
    }
    let text = weights_text(&fitted, Some(out));
    write_file_atomic(Path::new(out), |w| Ok(w.write_all(text.as_bytes())?))
}

/// The weights as TOML, or CSV when the destination ends in `.csv`.
fn weights_text(weights: &Weights, dest: Option<&str>) -> String {
    if dest.is_some_and(|d| d.to_ascii_lowercase().ends_with(".csv")) {
        weights.to_csv()
    } else {
        weights.to_toml()
    }
}

/// The registry as CSV.
fn rules_list(weights: &Weights) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let _ = w.write_record(["rule", "spam_weight", "quality_weight", "description"]);
    for (i, r) in RULES.iter().enumerate() {
        let _ = w.write_record([
            r.name,
            &format!("{:?}", weights.spam[i]),
            &format!("{:?}", weights.quality[i]),
            r.doc,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Writes text to a file atomically, or to stdout.
fn emit(dest: Option<&str>, text: &str) -> anyhow::Result<()> {
    match dest {
        Some(path) => write_file_atomic(Path::new(path), |w| Ok(w.write_all(text.as_bytes())?)),
        None => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

/// `--eval`: the threshold table, one row per threshold (the table's grid
/// plus the chosen threshold), with the threshold-free ROC AUC on every row.
fn write_eval(path: &str, scored: &[(f64, bool)], threshold: f64) -> anyhow::Result<()> {
    let mut thresholds: Vec<f64> = eval::table_thresholds().collect();
    if !thresholds.iter().any(|t| (t - threshold).abs() < 1e-9) {
        thresholds.push(threshold);
        thresholds.sort_by(f64::total_cmp);
    }
    let auc = format!("{:.4}", eval::roc_auc(scored));
    let rows = thresholds.into_iter().map(|t| {
        let mut row = eval::table_row(t, &Confusion::at(scored, t)).to_vec();
        row.push(auc.clone());
        row
    });
    let mut header = eval::TABLE_HEADER.to_vec();
    header.push("auc");
    write_csv(path, &header, rows)
}

fn write_csv<Row: AsRef<[String]>>(
    path: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Row>,
) -> anyhow::Result<()> {
    write_file_atomic(Path::new(path), |w| {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(w);
        out.write_record(header)?;
        for row in rows {
            out.write_record(row.as_ref())?;
        }
        out.flush()?;
        Ok(())
    })
}
