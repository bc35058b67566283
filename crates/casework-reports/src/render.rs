//! Every report is computed once into a typed result and rendered four ways: a terminal
//! table, CSV (one file per table, for spreadsheets and pandas), JSON (serde) and a
//! self-contained HTML page with inline SVG charts (see [`crate::html`]).
//!
//! Tables hold typed [`Cell`]s, so each format writes a value its own way (`7.1%` on a
//! page, `7.1` in CSV; `–` on a page, an empty cell in CSV), and each number may name the
//! place in the report's JSON it comes from (a JSON pointer), which the HTML page carries
//! and the browser test checks.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::pct::{Pct, Tenths};

/// One value of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text (names, ids, kinds).
    Text(String),
    /// A whole number.
    Count(i64),
    /// A whole number shown with its sign (`+5`, `-3`, `0`): a difference.
    Signed(i64),
    /// A percentage with one decimal.
    Pct(Pct),
    /// A number with one decimal (hours, days).
    Tenths(Tenths),
    /// A day.
    Date(NaiveDate),
    /// Not applicable (no plan, no cases): `–` on a page, an empty CSV cell.
    Missing,
}

impl Value {
    /// The value as a CSV cell: plain numbers with a dot decimal, no `%` or sign, and an
    /// empty cell where nothing applies.
    pub fn csv(&self) -> String {
        match self {
            Value::Text(s) => neutralised(s),
            Value::Count(n) | Value::Signed(n) => n.to_string(),
            Value::Pct(p) => Tenths(p.0).to_string(),
            Value::Tenths(t) => t.to_string(),
            Value::Date(d) => d.to_string(),
            Value::Missing => String::new(),
        }
    }

    /// Below zero (a negative deviation or difference).
    pub fn is_negative(&self) -> bool {
        match self {
            Value::Count(n) | Value::Signed(n) => *n < 0,
            Value::Pct(p) => p.0 < 0,
            Value::Tenths(t) => t.0 < 0,
            _ => false,
        }
    }

    /// Above zero.
    pub fn is_positive(&self) -> bool {
        match self {
            Value::Count(n) | Value::Signed(n) => *n > 0,
            Value::Pct(p) => p.0 > 0,
            Value::Tenths(t) => t.0 > 0,
            _ => false,
        }
    }

    /// A number (right-aligned in tables).
    pub fn is_number(&self) -> bool {
        !matches!(self, Value::Text(_) | Value::Date(_) | Value::Missing)
    }

    /// The value as a float, for charts (`None` for text, dates and missing values).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Count(n) | Value::Signed(n) => Some(*n as f64),
            Value::Pct(p) => Some(p.value()),
            Value::Tenths(t) => Some(t.value()),
            _ => None,
        }
    }
}

/// A text cell as a CSV file holds it: a cell a spreadsheet would run as a formula (it
/// begins with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`, as
/// OWASP's CSV-injection rule says, so that a team named `=HYPERLINK(…)` stays a name.
fn neutralised(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// As a page shows it; control characters of text appear as `\u{1b}`, never raw.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => {
                // a name from a plan file or a store never moves the terminal's cursor
                for c in s.chars() {
                    if c.is_control() {
                        write!(f, "\\u{{{:x}}}", u32::from(c))?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                Ok(())
            }
            Value::Count(n) => write!(f, "{n}"),
            Value::Signed(n) if *n > 0 => write!(f, "+{n}"),
            Value::Signed(n) => write!(f, "{n}"),
            Value::Pct(p) => write!(f, "{p}"),
            Value::Tenths(t) => write!(f, "{t}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Missing => f.write_str("–"),
        }
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Text(s.clone())
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Count(i64::from(n))
    }
}
impl From<u8> for Value {
    fn from(n: u8) -> Self {
        Value::Count(i64::from(n))
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Count(n)
    }
}
impl From<usize> for Value {
    fn from(n: usize) -> Self {
        Value::Count(i64::try_from(n).unwrap_or(i64::MAX))
    }
}
impl From<Pct> for Value {
    fn from(p: Pct) -> Self {
        Value::Pct(p)
    }
}
impl From<Tenths> for Value {
    fn from(t: Tenths) -> Self {
        Value::Tenths(t)
    }
}
impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Missing, Into::into)
    }
}

/// A value and, for numbers taken from the report, where in the report's JSON it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The value.
    pub value: Value,
    /// A JSON pointer into the report's JSON (`/rows/0/issued`), where the value is one of
    /// the report's fields.
    pub source: Option<String>,
}

impl Cell {
    /// The same cell, taken from the report's JSON at `pointer`.
    pub fn at(mut self, pointer: impl Into<String>) -> Cell {
        self.source = Some(pointer.into());
        self
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

/// A cell of value `v`.
pub fn cell(v: impl Into<Value>) -> Cell {
    Cell {
        value: v.into(),
        source: None,
    }
}

/// Cells of `values`, each taken from the JSON array at `base` (`/rows/0/planned` gives
/// `/rows/0/planned/0`, `/rows/0/planned/1`, …).
pub(crate) fn cells_at<T: Copy + Into<Value>>(values: &[T], base: &str) -> Vec<Cell> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| cell(*v).at(format!("{base}/{i}")))
        .collect()
}

/// A difference, shown with its sign.
pub(crate) fn signed(n: i64) -> Cell {
    cell(Value::Signed(n))
}

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// A short name for `--table NAME` and the CSV file's name (`providers`, `stages`).
    pub name: String,
    /// The table's title.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
    /// Rows to draw the eye to (an overdue item), by index.
    pub marked: BTreeSet<usize>,
    /// Colour numbers by their sign (deviations: below plan, above plan).
    pub toned: bool,
}

impl Table {
    /// A table with headers and no rows.
    pub fn new(name: &str, title: impl Into<String>, headers: &[&str]) -> Self {
        Table {
            name: name.to_owned(),
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            marked: BTreeSet::new(),
            toned: false,
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Adds a row to draw the eye to.
    pub fn marked_row(&mut self, cells: Vec<Cell>) {
        self.marked.insert(self.rows.len());
        self.rows.push(cells);
    }
}

/// How a chart draws its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// Horizontal bars, one group per category (long names read well).
    Bars,
    /// Vertical columns per category (months), with line series drawn over them.
    Columns,
}

/// How one series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Bars or columns, in the series' colour.
    Bar,
    /// Bars coloured by sign: below zero, above zero.
    ToneBar,
    /// A line over the columns.
    Line,
    /// Bars in the alert colour (over a threshold, overdue).
    Alert,
    /// Not drawn as a bar: the value written at the end of the category's group (a share
    /// beside its counts).
    Note,
}

/// One series of a chart: a value per category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// The values, one per category; labels show those with a source.
    pub values: Vec<Cell>,
    /// How it is drawn.
    pub mark: Mark,
}

/// A chart of a report, drawn as inline SVG beside a table of its numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    /// Its caption.
    pub title: String,
    /// A text alternative: what the chart shows, in a sentence.
    pub description: String,
    /// How it is drawn.
    pub kind: ChartKind,
    /// The categories (providers, months, services).
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// A reference value per category drawn as a tick (contracted hours), if any.
    pub reference: Option<Series>,
    /// The unit of the values axis (`vouchers`, `%`, `hours`).
    pub unit: String,
}

/// A computed report.
pub trait Report: Serialize {
    /// The report's title, with its parameters.
    fn title(&self) -> String;
    /// Its tables.
    fn tables(&self) -> Vec<Table>;
    /// Definitions a reader needs (conventions, thresholds, what counts).
    fn legend(&self) -> Vec<String>;
    /// Its charts (none unless the report draws some).
    fn charts(&self) -> Vec<Chart> {
        Vec::new()
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// CSV (RFC 4180) of one table: a header row, then plain values.
    Csv,
    /// Pretty JSON of the typed result.
    Json,
    /// A self-contained HTML page with inline SVG charts and a print stylesheet.
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "html" => Ok(Format::Html),
            other => Err(format!(
                "unknown format {other:?}: use table, csv, json or html"
            )),
        }
    }
}

/// Why a report could not be rendered as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// CSV holds one table; the report has several.
    #[error("the report has {} tables ({}): CSV holds one, so name it", names.len(), names.join(", "))]
    SeveralTables {
        /// The tables' names.
        names: Vec<String>,
    },
    /// No table of that name.
    #[error("the report has no table {name:?} (it has: {})", names.join(", "))]
    NoSuchTable {
        /// The name asked for.
        name: String,
        /// The tables' names.
        names: Vec<String>,
    },
}

/// Renders a report; CSV only where the report has one table (else [`render_table`]).
pub fn render(report: &impl Report, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Table => Ok(render_text(report)),
        Format::Csv => {
            let tables = report.tables();
            match &tables[..] {
                [one] => Ok(csv_of(one)),
                _ => Err(RenderError::SeveralTables {
                    names: tables.into_iter().map(|t| t.name).collect(),
                }),
            }
        }
        Format::Json => Ok(serde_json::to_string_pretty(report)
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            + "\n"),
        Format::Html => Ok(crate::html::page(report)),
    }
}

/// One table of a report as CSV, by name.
pub fn render_table(report: &impl Report, name: &str) -> Result<String, RenderError> {
    let tables = report.tables();
    let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    tables
        .into_iter()
        .find(|t| t.name == name)
        .map(|t| csv_of(&t))
        .ok_or_else(|| RenderError::NoSuchTable {
            name: name.to_owned(),
            names,
        })
}

/// Every table of a report as CSV, with its name (`--out DIR` writes `NAME.csv` each).
pub fn csv_tables(report: &impl Report) -> Vec<(String, String)> {
    report
        .tables()
        .into_iter()
        .map(|t| (t.name.clone(), csv_of(&t)))
        .collect()
}

/// A table as CSV: the header row, then a row per row; quoted by the `csv` crate where
/// a cell needs it.
pub fn csv_of(table: &Table) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // writing to memory cannot fail; a failed record would leave its row out, which
    // the CSV test (every row read back equals the JSON) would show
    let _ = w.write_record(&table.headers);
    for row in &table.rows {
        let _ = w.write_record(row.iter().map(|c| c.value.csv()));
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn render_text(report: &impl Report) -> String {
    let mut out = format!("{}\n", report.title());
    for t in report.tables() {
        out.push('\n');
        out.push_str(&t.title);
        out.push('\n');
        let cols = t.headers.len();
        let shown: Vec<Vec<(String, bool)>> = t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| (c.to_string(), c.value.is_number()))
                    .collect()
            })
            .collect();
        let header: Vec<(String, bool)> = t.headers.iter().map(|h| (h.clone(), false)).collect();
        let mut width = vec![0usize; cols];
        for row in std::iter::once(&header).chain(&shown) {
            for (i, (cell, _)) in row.iter().enumerate().take(cols) {
                width[i] = width[i].max(cell.chars().count());
            }
        }
        let line = |row: &Vec<(String, bool)>| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .take(cols)
                .map(|(i, (c, number))| {
                    let pad = width[i].saturating_sub(c.chars().count());
                    if i > 0 && *number {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned() + "\n"
        };
        out.push_str(&line(&header));
        out.push_str(
            &(width
                .iter()
                .map(|w| "─".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
                + "\n"),
        );
        for row in &shown {
            out.push_str(&line(row));
        }
    }
    let legend = report.legend();
    if !legend.is_empty() {
        out.push('\n');
        for l in legend {
            out.push_str(&format!("· {l}\n"));
        }
    }
    out
}
