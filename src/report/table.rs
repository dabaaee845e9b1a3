//! A small typed table: what the simulator's results are before they become
//! polars DataFrames (for CSV and Parquet) and what `report DIR` reads back.

use anyhow::{Context, Result};
use polars::prelude::{
    Column, CsvReadOptions, CsvWriter, DataFrame, DataType, ParquetReader, ParquetWriter,
    SerReader, SerWriter,
};
use std::path::Path;

/// A column's values.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    Int(Vec<i64>),
    Float(Vec<f64>),
    Text(Vec<String>),
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at row `i` as a number (text: NaN).
    pub fn number(&self, i: usize) -> f64 {
        match self {
            Values::Int(v) => v[i] as f64,
            Values::Float(v) => v[i],
            Values::Text(_) => f64::NAN,
        }
    }

    /// The value at row `i` as text.
    pub fn text(&self, i: usize) -> String {
        match self {
            Values::Int(v) => v[i].to_string(),
            Values::Float(v) => v[i].to_string(),
            Values::Text(v) => v[i].clone(),
        }
    }

    fn push_from(&mut self, other: &Values, i: usize) {
        match (self, other) {
            (Values::Int(a), Values::Int(b)) => a.push(b[i]),
            (Values::Float(a), b) => a.push(b.number(i)),
            (Values::Text(a), b) => a.push(b.text(i)),
            (a @ Values::Int(_), b) => {
                let mut floats: Vec<f64> = (0..a.len()).map(|j| a.number(j)).collect();
                floats.push(b.number(i));
                *a = Values::Float(floats);
            }
        }
    }

    fn empty_like(&self) -> Values {
        match self {
            Values::Int(_) => Values::Int(Vec::new()),
            Values::Float(_) => Values::Float(Vec::new()),
            Values::Text(_) => Values::Text(Vec::new()),
        }
    }

    /// The values at the given rows, in that order.
    pub fn select(&self, rows: &[usize]) -> Values {
        let mut out = self.empty_like();
        for &i in rows {
            out.push_from(self, i);
        }
        out
    }
}

/// Named columns of equal length.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<(String, Values)>,
}

impl Table {
    pub fn push(&mut self, name: impl Into<String>, values: Values) {
        self.columns.push((name.into(), values));
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    pub fn get(&self, name: &str) -> Option<&Values> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|(n, _)| n.as_str())
    }

    /// Appends another table's rows (columns matched by name).
    pub fn append(&mut self, other: &Table) -> Result<()> {
        for (name, values) in &mut self.columns {
            let theirs = other
                .get(name)
                .with_context(|| format!("column `{name}` is missing in one part"))?;
            for i in 0..theirs.len() {
                values.push_from(theirs, i);
            }
        }
        Ok(())
    }

    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let columns: Vec<Column> = self
            .columns
            .iter()
            .map(|(name, v)| match v {
                Values::Int(v) => Column::new(name.as_str().into(), v),
                Values::Float(v) => Column::new(name.as_str().into(), v),
                Values::Text(v) => Column::new(name.as_str().into(), v),
            })
            .collect();
        Ok(DataFrame::new_infer_height(columns)?)
    }

    pub fn from_dataframe(df: &DataFrame) -> Result<Table> {
        let mut table = Table::default();
        for col in df.columns() {
            let name = col.name().to_string();
            let values = match col.dtype() {
                DataType::Float32 | DataType::Float64 => Values::Float(
                    col.cast(&DataType::Float64)?
                        .f64()?
                        .iter()
                        .map(|v| v.unwrap_or(f64::NAN))
                        .collect(),
                ),
                dt if dt.is_integer() || *dt == DataType::Boolean => Values::Int(
                    col.cast(&DataType::Int64)?
                        .i64()?
                        .iter()
                        .map(|v| v.unwrap_or(0))
                        .collect(),
                ),
                _ => Values::Text(
                    col.cast(&DataType::String)?
                        .str()?
                        .iter()
                        .map(|v| v.unwrap_or("").to_string())
                        .collect(),
                ),
            };
            table.push(name, values);
        }
        Ok(table)
    }

    /// Writes `NAME.csv` and `NAME.parquet` into `dir`.
    pub fn write(&self, dir: &Path, name: &str) -> Result<()> {
        let mut df = self.to_dataframe()?;
        let csv = dir.join(format!("{name}.csv"));
        let mut file = std::fs::File::create(&csv)
            .with_context(|| format!("cannot create {}", csv.display()))?;
        CsvWriter::new(&mut file)
            .include_header(true)
            .finish(&mut df)
            .with_context(|| format!("cannot write {}", csv.display()))?;
        self.write_parquet(&dir.join(format!("{name}.parquet")))
    }

    pub fn write_parquet(&self, path: &Path) -> Result<()> {
        write_parquet(path, &mut self.to_dataframe()?)
    }

    pub fn read_csv(path: &Path) -> Result<Table> {
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))?
            .finish()
            .with_context(|| format!("cannot read {}", path.display()))?;
        Table::from_dataframe(&df)
    }

    pub fn read_parquet(path: &Path) -> Result<Table> {
        Table::from_dataframe(&read_parquet(path)?)
    }
}

/// Writes a frame as a Parquet file.
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let mut file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    ParquetWriter::new(&mut file)
        .finish(df)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Reads a Parquet file as a frame.
pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))
}
