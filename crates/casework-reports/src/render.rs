//! Every report is computed once into a typed result and rendered three ways: a terminal
//! table, CSV, and JSON (serde).

use serde::Serialize;

/// One table of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// The table's title.
    pub title: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells, already formatted.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with headers and no rows.
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Table {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
}

/// A computed report.
pub trait Report: Serialize {
    /// The report's title, with its parameters.
    fn title(&self) -> String;
    /// Its tables.
    fn tables(&self) -> Vec<Table>;
    /// Definitions a reader needs (conventions, thresholds, what counts).
    fn legend(&self) -> Vec<String>;
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for a terminal.
    Table,
    /// CSV (RFC 4180 quoting): each table as a block after a `# title` line, blocks
    /// separated by an empty line.
    Csv,
    /// Pretty JSON of the typed result.
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            other => Err(format!("unknown format {other:?}: use table, csv or json")),
        }
    }
}

/// Renders a report.
pub fn render(report: &impl Report, format: Format) -> String {
    match format {
        Format::Table => render_text(report),
        Format::Csv => render_csv(report),
        Format::Json => {
            serde_json::to_string_pretty(report)
                .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
                + "\n"
        }
    }
}

fn is_numeric(cell: &str) -> bool {
    let c = cell.trim_end_matches('%');
    !c.is_empty()
        && c != "–"
        && c.trim_start_matches(['-', '+'])
            .chars()
            .all(|ch| ch.is_ascii_digit() || ch == '.')
}

fn render_text(report: &impl Report) -> String {
    let mut out = format!("{}\n", report.title());
    for t in report.tables() {
        out.push('\n');
        out.push_str(&t.title);
        out.push('\n');
        let cols = t.headers.len();
        let mut width = vec![0usize; cols];
        for row in std::iter::once(&t.headers).chain(&t.rows) {
            for (i, cell) in row.iter().enumerate().take(cols) {
                width[i] = width[i].max(cell.chars().count());
            }
        }
        let line = |row: &Vec<String>| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .take(cols)
                .map(|(i, c)| {
                    let pad = width[i].saturating_sub(c.chars().count());
                    if i > 0 && is_numeric(c) {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_owned() + "\n"
        };
        out.push_str(&line(&t.headers));
        out.push_str(
            &(width
                .iter()
                .map(|w| "─".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
                + "\n"),
        );
        for row in &t.rows {
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

fn csv_cell(c: &str) -> String {
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_owned()
    }
}

fn render_csv(report: &impl Report) -> String {
    let mut blocks = Vec::new();
    for t in report.tables() {
        let mut b = format!("# {}\n", t.title);
        for row in std::iter::once(&t.headers).chain(&t.rows) {
            b.push_str(
                &row.iter()
                    .map(|c| csv_cell(c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            b.push('\n');
        }
        blocks.push(b);
    }
    blocks.join("\n")
}
