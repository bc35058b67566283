//! Entry plans as planners keep them: read with the `csv` crate in two forms.
//!
//! - **Wide** (the seed's spreadsheet): a header row with a first cell naming the teams'
//!   column (anything, e.g. `Bedarf` or `Team`), then one column per month — named
//!   (`Januar`, `Feb`, `March`, `Mrz`), numbered (`1`, `01`) or dated (`2015-01`) — and
//!   optionally a sum column (`Summe`, `Sum`, `Total`, `Gesamt`); then one row per team,
//!   and optionally a sum row. Sums are checked, not trusted. Lines before the header
//!   (a spreadsheet's title, a line holding only the year) are skipped; a lone year there
//!   is the plan's year.
//! - **Narrow**: the header `team,month,planned`, then one line per team and month
//!   (`Aachen,2015-01,35`).
//!
//! Cells are separated by `,`, `;` or a tab (whichever the first lines use most), may be
//! quoted (`"Nordkreis 1"`, `"Team ""Nord"""`), and an empty number cell is 0.

use std::collections::{BTreeMap, BTreeSet};

use casework_process::TeamId;

use crate::entry_planning::{EntryPlan, PlanFileError};

/// A sum column's or row's names.
const SUMS: [&str; 6] = ["summe", "sum", "total", "gesamt", "insgesamt", "totals"];

/// Month names and abbreviations, German and English, lower case, by month.
const MONTHS: [&[&str]; 12] = [
    &["januar", "jan", "january", "jän", "jänner"],
    &["februar", "feb", "february", "febr"],
    &["märz", "maerz", "mrz", "mär", "mar", "march"],
    &["april", "apr"],
    &["mai", "may"],
    &["juni", "jun", "june"],
    &["juli", "jul", "july"],
    &["august", "aug"],
    &["september", "sep", "sept"],
    &["oktober", "okt", "oct", "october"],
    &["november", "nov"],
    &["dezember", "dez", "dec", "december"],
];

/// What a header cell of the wide form says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// Month 1–12, with the year where the cell names one (`2015-01`).
    Month(u32, Option<i32>),
    /// A sum of the months.
    Sum,
}

fn column(cell: &str) -> Option<Column> {
    let c = cell.trim().trim_end_matches('.').to_lowercase();
    if SUMS.contains(&c.as_str()) {
        return Some(Column::Sum);
    }
    if let Some(m) = MONTHS.iter().position(|names| names.contains(&c.as_str())) {
        return Some(Column::Month(m as u32 + 1, None));
    }
    if let Ok(m) = c.parse::<u32>() {
        return (1..=12).contains(&m).then_some(Column::Month(m, None));
    }
    let (y, m) = c.split_once('-')?;
    let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
    ((1900..=2200).contains(&y) && (1..=12).contains(&m)).then_some(Column::Month(m, Some(y)))
}

fn is_sum(cell: &str) -> bool {
    SUMS.contains(&cell.trim().to_lowercase().as_str())
}

/// The separator the first lines use most: `;`, a tab, or `,` (also on a tie).
fn delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(8).collect::<Vec<_>>().join("\n");
    let count = |c: char| head.matches(c).count();
    let (semi, tab, comma) = (count(';'), count('\t'), count(','));
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

/// Reads the rows of `text` with their line numbers.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, PlanFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| PlanFileError {
            line: e.position().map_or(0, |p| p.line() as usize),
            detail: format!("not readable as CSV: {e}"),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            out.push((line, cells));
        }
    }
    Ok(out)
}

/// The plan's totals — a team's year, a month over all teams, the whole year — are counted
/// in `u64` and must fit the `u32` the reports count entries in: a cell of 4294967295 is
/// not a plan that wraps round to a small number.
fn check_totals(teams: &BTreeMap<TeamId, [u32; 12]>, line: usize) -> Result<(), PlanFileError> {
    let year: u64 = teams
        .values()
        .flat_map(|months| months.iter())
        .map(|&x| u64::from(x))
        .sum();
    if year > u64::from(u32::MAX) {
        return Err(PlanFileError {
            line,
            detail: format!(
                "the plan adds up to {year} entries in the year; at most {} can be counted",
                u32::MAX
            ),
        });
    }
    Ok(())
}

fn number(cell: &str, line: usize, what: &str) -> Result<u32, PlanFileError> {
    if cell.is_empty() {
        return Ok(0);
    }
    cell.parse().map_err(|_| PlanFileError {
        line,
        detail: format!("{what}: {cell:?} is not a whole number of entries"),
    })
}

impl EntryPlan {
    /// Reads a plan file in the wide or the narrow form (see the module docs); the year
    /// comes from the file (dated month columns, a year line before the header, or the
    /// narrow form's months).
    ///
    /// ```
    /// use casework_reports::EntryPlan;
    /// let wide = "Eintrittsplanung\n2015\nBedarf;Januar;Februar;März;Summe\n\"Nordkreis 1\";18;18;20;56\nEifel;1;;0;1\nSumme;19;18;20;57\n";
    /// let plan = EntryPlan::from_csv(wide).unwrap();
    /// assert_eq!(plan.year, 2015);
    /// assert_eq!(plan.teams[&"Nordkreis 1".into()][..3], [18, 18, 20]);
    ///
    /// let narrow = "team,month,planned\nAachen,2015-01,35\nAachen,2015-02,35\n";
    /// assert_eq!(EntryPlan::from_csv(narrow).unwrap().year, 2015);
    /// ```
    pub fn from_csv(text: &str) -> Result<EntryPlan, PlanFileError> {
        EntryPlan::from_csv_for(text, None)
    }

    /// [`EntryPlan::from_csv`] with the year given where the file names none (a wide file
    /// with month names only); a file that names another year is refused.
    pub fn from_csv_for(text: &str, year: Option<i32>) -> Result<EntryPlan, PlanFileError> {
        parse(text, Year::Given(year))
    }

    /// [`EntryPlan::from_csv`] with `year` for a file that names none (what a command
    /// line does when no year is asked for: the report date's year).
    pub fn from_csv_or_year(text: &str, year: i32) -> Result<EntryPlan, PlanFileError> {
        parse(text, Year::Default(year))
    }
}

/// What the caller says about the plan's year.
#[derive(Debug, Clone, Copy)]
enum Year {
    /// The year asked for, if any: a file naming another is refused.
    Given(Option<i32>),
    /// The year of a file that names none.
    Default(i32),
}

fn parse(text: &str, year: Year) -> Result<EntryPlan, PlanFileError> {
    let rows = records(text)?;
    let Some((first_line, first)) = rows.first() else {
        return Err(PlanFileError {
            line: 1,
            detail: "the plan file is empty".into(),
        });
    };
    let lower: Vec<String> = first.iter().map(|c| c.to_lowercase()).collect();
    if lower == ["team", "month", "planned"] {
        return narrow(&rows[1..], year);
    }
    // the header: the first row whose cells after the first are all columns
    let header = rows.iter().position(|(_, cells)| {
        cells.len() > 1
            && cells[1..]
                .iter()
                .filter(|c| !c.is_empty())
                .all(|c| column(c).is_some())
            && cells[1..]
                .iter()
                .any(|c| matches!(column(c), Some(Column::Month(..))))
    });
    let Some(header) = header else {
        return Err(PlanFileError {
            line: *first_line,
            detail: "no header row: expected team,month,planned or a row of months \
                         (Bedarf;Januar;Februar;…)"
                .into(),
        });
    };
    // a lone year before the header
    let preamble_year = rows[..header].iter().find_map(|(_, cells)| {
        let filled: Vec<&String> = cells.iter().filter(|c| !c.is_empty()).collect();
        match filled[..] {
            [cell] => cell
                .parse::<i32>()
                .ok()
                .filter(|y| (1900..=2200).contains(y)),
            _ => None,
        }
    });
    wide(&rows[header..], year, preamble_year)
}

/// Settles the plan's year from what the file and the caller say.
fn settle_year(line: usize, named: &[i32], year: Year) -> Result<i32, PlanFileError> {
    let err = |detail: String| PlanFileError { line, detail };
    let distinct: BTreeSet<i32> = named.iter().copied().collect();
    let given = match year {
        Year::Given(g) => g,
        Year::Default(y) if distinct.is_empty() => Some(y),
        Year::Default(_) => None,
    };
    match (distinct.len(), given) {
        (0, Some(y)) => Ok(y),
        (0, None) => Err(err(
            "the plan names no year: date its months (2015-01) or give the year".into(),
        )),
        (1, g) => {
            let y = *named.first().unwrap_or(&0);
            match g {
                Some(g) if g != y => Err(err(format!("the plan is for {y}, not {g}"))),
                _ => Ok(y),
            }
        }
        _ => Err(err(format!(
            "the plan spans the years {:?}: one plan is one year",
            distinct
        ))),
    }
}

fn narrow(rows: &[(usize, Vec<String>)], given: Year) -> Result<EntryPlan, PlanFileError> {
    let mut teams: BTreeMap<TeamId, [u32; 12]> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut years = Vec::new();
    for (line, cells) in rows {
        let line = *line;
        let err = |detail: String| PlanFileError { line, detail };
        let [team, month, planned] = &cells[..] else {
            return Err(err(format!("expected 3 cells, found {}", cells.len())));
        };
        if team.is_empty() {
            return Err(err("empty team".into()));
        }
        let Some(Column::Month(m, Some(y))) = column(month) else {
            return Err(err(format!("month {month:?} is not YYYY-MM")));
        };
        if years.first().is_some_and(|first| *first != y) {
            return Err(err(format!(
                "month {month} is not in the plan's year {}",
                years[0]
            )));
        }
        years.push(y);
        let planned = number(planned, line, "planned")?;
        if !seen.insert((team.clone(), m)) {
            return Err(err(format!("{team} {month} appears twice")));
        }
        teams.entry(TeamId::new(team)).or_insert([0; 12])[(m - 1) as usize] = planned;
    }
    let last = rows.last().map_or(1, |(l, _)| *l);
    if teams.is_empty() {
        return Err(PlanFileError {
            line: last,
            detail: "the plan has no rows".into(),
        });
    }
    check_totals(&teams, last)?;
    Ok(EntryPlan {
        year: settle_year(last, &years, given)?,
        teams,
    })
}

fn wide(
    rows: &[(usize, Vec<String>)],
    given: Year,
    preamble_year: Option<i32>,
) -> Result<EntryPlan, PlanFileError> {
    let (header_line, header) = &rows[0];
    let columns: Vec<Option<Column>> = header[1..].iter().map(|c| column(c)).collect();
    let mut months = BTreeSet::new();
    let mut years: Vec<i32> = preamble_year.into_iter().collect();
    for c in columns.iter().flatten() {
        if let Column::Month(m, y) = c {
            if !months.insert(*m) {
                return Err(PlanFileError {
                    line: *header_line,
                    detail: format!("month {m} has two columns"),
                });
            }
            years.extend(y);
        }
    }
    let year = settle_year(*header_line, &years, given)?;
    let mut teams: BTreeMap<TeamId, [u32; 12]> = BTreeMap::new();
    let mut sum_row: Option<(usize, [u32; 12], Option<u32>)> = None;
    for (line, cells) in &rows[1..] {
        let line = *line;
        let err = |detail: String| PlanFileError { line, detail };
        let name = cells.first().map_or("", String::as_str);
        if name.is_empty() {
            return Err(err("a row without a team".into()));
        }
        if cells.len() > header.len() {
            return Err(err(format!(
                "{} cells, the header has {}",
                cells.len(),
                header.len()
            )));
        }
        let mut planned = [0u32; 12];
        let mut stated_sum = None;
        for (i, cell) in cells.iter().enumerate().skip(1) {
            let what = format!("{name}, {}", header[i]);
            match columns[i - 1] {
                Some(Column::Month(m, _)) => planned[(m - 1) as usize] = number(cell, line, &what)?,
                Some(Column::Sum) if !cell.is_empty() => {
                    stated_sum = Some(number(cell, line, &what)?)
                }
                _ => {}
            }
        }
        let total: u64 = planned.iter().map(|&x| u64::from(x)).sum();
        if let Some(s) = stated_sum.filter(|s| u64::from(*s) != total) {
            return Err(err(format!(
                "{name}: the sum column says {s}, the months add up to {total}"
            )));
        }
        if is_sum(name) {
            sum_row = Some((line, planned, stated_sum));
            continue;
        }
        if teams.insert(TeamId::new(name), planned).is_some() {
            return Err(err(format!("team {name} appears twice")));
        }
    }
    if let Some((line, sums, _)) = sum_row {
        for m in 0..12 {
            let total: u64 = teams.values().map(|p| u64::from(p[m])).sum();
            if u64::from(sums[m]) != total {
                return Err(PlanFileError {
                    line,
                    detail: format!(
                        "the sum row says {} for month {}, the teams add up to {total}",
                        sums[m],
                        m + 1
                    ),
                });
            }
        }
    }
    if teams.is_empty() {
        return Err(PlanFileError {
            line: *header_line,
            detail: "the plan has no teams".into(),
        });
    }
    check_totals(&teams, *header_line)?;
    Ok(EntryPlan { year, teams })
}
