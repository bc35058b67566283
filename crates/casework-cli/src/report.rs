//! `casework report`: the seven reports.

use std::path::PathBuf;
use std::process::ExitCode;

use casework_process::{CaseId, Policy, ProviderId};
use casework_reports::*;
use casework_store::{AsOf, Store};
use chrono::{Datelike, NaiveDate};
use clap::{Args, ValueEnum};

use crate::backend::Backend;
use crate::failure::Failure;

/// The reports.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportName {
    /// Provider voucher monitoring per year.
    VoucherMonitoring,
    /// Entry planning: plan vs actual per team and month (needs --plan).
    EntryPlanning,
    /// Provider half-year report (needs --provider).
    HalfYear,
    /// Integration rate per service and closure reasons.
    Outcomes,
    /// Case evaluation: durations, goal attainment, escalations, delegation, handovers,
    /// declined referrals of the cases closed in a period.
    Evaluation,
    /// Interim or final report of one case (needs --case).
    Case,
    /// Due and overdue deadlines per coordinator and provider.
    Worklist,
}

/// Arguments of `casework report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Which report.
    pub name: ReportName,
    /// Output format: table, csv, json or html (one self-contained page with charts).
    #[arg(long, default_value = "table")]
    pub format: String,
    /// CSV: the table to write (each report names its tables; the only one by default).
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// CSV: write one file per table, NAME.csv, into this directory (created if missing;
    /// existing files are never overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Compute as of a date (YYYY-MM-DD, the end of that day in the policy's time zone) or a
    /// global position (a number).
    /// Default: everything, with the report date of the last event.
    #[arg(long, value_name = "DATE|POSITION")]
    pub as_of: Option<String>,
    /// The entry plan for entry-planning: CSV with one row per team and a column per month
    /// (`,`, `;` or tab; a sum column and row are checked), or lines team,month,planned.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// The provider (voucher-monitoring: one provider; half-year: required).
    #[arg(long)]
    pub provider: Option<String>,
    /// The year, 1900–2200 (default: the report date's year).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1900..=2200))]
    pub year: Option<i32>,
    /// The half-year, 1 or 2 (default: the half of the report date).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub half: Option<u8>,
    /// Outcomes and evaluation: first day of the period (default: 1 January of the year).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Outcomes and evaluation: last day (default: the report date).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// The case id for the case report.
    #[arg(long = "case", value_name = "ID")]
    pub case_id: Option<String>,
    /// Worklist: include items due within this many days (0–3650).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub horizon: u32,
    /// Entry planning: report January through this month, 1–12 (default: the report
    /// date's month).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=12))]
    pub through: Option<u32>,
}

/// A date written exactly as `YYYY-MM-DD` (`26-1-1` is not the year 26).
pub fn parse_date(s: &str) -> Result<NaiveDate, Failure> {
    Ok(casework_reports::calendar::parse_date(s)?)
}

/// Says on standard error what a report's input means for its result, without failing.
fn warn(text: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "warning: {text}");
}

/// The providers the book knows (of open cases' vouchers and the closed cases' totals):
/// what `--provider` may name.
fn providers(book: &CaseBook) -> std::collections::BTreeSet<String> {
    let open = book
        .cases
        .values()
        .filter_map(|c| c.state.vouchers())
        .flat_map(|v| v.values().map(|v| v.provider.to_string()));
    let closed = book.closed.vouchers.keys().map(|(p, _)| p.to_string());
    open.chain(closed).collect()
}

/// The teams the book knows (of open cases' registrations and the closed cases' entries):
/// what a plan's teams may name.
fn teams(book: &CaseBook) -> std::collections::BTreeSet<String> {
    let open = book
        .cases
        .values()
        .filter_map(|c| c.state.registration())
        .map(|r| r.profile.team.to_string());
    let closed = book
        .closed
        .entries
        .keys()
        .map(|(_, _, team)| team.to_string());
    open.chain(closed).collect()
}

/// Refuses a `name` the store does not know as a `what`, listing the ones it does.
fn known(
    what: &str,
    name: &str,
    names: &std::collections::BTreeSet<String>,
) -> Result<(), Failure> {
    if names.contains(name) {
        return Ok(());
    }
    let list = names.iter().cloned().collect::<Vec<_>>().join(", ");
    Err(Failure::input(
        format!("no {what} {name:?} in the store"),
        if list.is_empty() {
            format!("the store names no {what} yet")
        } else {
            format!("the store knows: {list}")
        },
    ))
}

/// The day of the last event's effective time in the deployment's time zone (the store's
/// "today"), or 1 January 2025 for an empty store.
pub fn last_day(store: &dyn Store, policy: &Policy) -> Result<NaiveDate, Failure> {
    Ok(ReportCalendar::of(policy).last_day(store)?)
}

/// Parses `--as-of` into the projection's cut and the report date (a date is the end of
/// that day in the deployment's time zone).
pub fn as_of(
    store: &dyn Store,
    arg: Option<&str>,
    policy: &Policy,
) -> Result<(Option<AsOf>, NaiveDate), Failure> {
    let ReportCut { cut, day } = ReportCalendar::of(policy).as_of(store, arg)?;
    Ok((cut, day))
}

pub fn book(store: &dyn Store, cut: Option<AsOf>, policy: &Policy) -> Result<CaseBook, Failure> {
    let empty = CaseBook::in_zone(policy.time_zone);
    Ok(match cut {
        None => Projector::rebuild_from(store, empty)?.projection,
        Some(cut) => Projector::as_of_from(store, cut, empty)?,
    })
}

/// A case id as every command prints it: the UUID (`0194a1b2-…`), or its stream's name
/// (`case-0194a1b2-…`, as `verify` and `history` print it).
pub fn parse_case(id: &str) -> Result<CaseId, Failure> {
    casework_case::parse_case_id(id).ok_or_else(|| {
        Failure::input(
            format!("{id:?} is not a case id"),
            format!(
                "case ids are UUIDs like 0194a1b2-…, as `{} report worklist` prints them",
                crate::failure::me()
            ),
        )
    })
}

pub fn run(backend: &Backend, args: &ReportArgs, policy: &Policy) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let format: Format = args
        .format
        .parse()
        .map_err(|e: String| Failure::input(e, "use --format table, csv, json or html"))?;
    if args.out.is_some() && format != Format::Csv {
        return Err(Failure::input(
            "--out writes one CSV file per table",
            "add --format csv, or write other formats to standard output",
        ));
    }
    if args.table.is_some() && format != Format::Csv {
        return Err(Failure::input(
            "--table picks one table for CSV",
            "add --format csv; the other formats show every table",
        ));
    }
    let (cut, day) = as_of(store, args.as_of.as_deref(), policy)?;
    match (ReportCalendar::of(policy).span(store)?, cut) {
        (None, _) => warn("the store holds no events: the report is empty"),
        (Some(StoreSpan { first, .. }), Some(AsOf::Effective(_))) if day < first => warn(&format!(
            "{day} is before the first event ({first}): the report is empty"
        )),
        (Some(StoreSpan { last, .. }), Some(AsOf::Effective(_))) if day > last => warn(&format!(
            "{day} is after the last event ({last}): the report shows the store as it is now"
        )),
        _ => {}
    }
    let book = match args.name {
        // the case report reads one case's stream, not the whole book
        ReportName::Case => CaseBook::in_zone(policy.time_zone),
        _ => book(store, cut, policy)?,
    };
    match (&args.provider, args.name) {
        (Some(_), ReportName::Case) => {
            return Err(Failure::input(
                "--provider does not apply to the case report",
                "give --case ID alone",
            ))
        }
        (Some(provider), _) => known("provider", provider, &providers(&book))?,
        (None, _) => {}
    }
    let year = args.year.unwrap_or(day.year());
    let text = match args.name {
        ReportName::VoucherMonitoring => {
            let provider = args.provider.as_deref().map(ProviderId::new);
            emit(
                args,
                &voucher_monitoring(&book, policy, provider.as_ref(), year, day),
                format,
            )
        }
        ReportName::EntryPlanning => {
            let path = args.plan.as_ref().ok_or_else(|| {
                Failure::input(
                    "entry-planning needs the plan",
                    "give --plan FILE: one row per team and a column per month (Bedarf;Januar;Februar;…), or lines team,month,planned",
                )
            })?;
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::input(
                    format!("cannot read {}: {e}", path.display()),
                    "check the path",
                )
            })?;
            let plan = match args.year {
                Some(year) => EntryPlan::from_csv_for(&text, Some(year)),
                None => EntryPlan::from_csv_or_year(&text, day.year()),
            }
            .map_err(|e| {
                Failure::input(
                    format!("{}: {e}", path.display()),
                    "a header row of months (Bedarf;Januar;…;Summe) with one row per team, \
                     or the header team,month,planned with months as YYYY-MM",
                )
            })?;
            let teams = teams(&book);
            for team in plan.teams.keys() {
                if !teams.contains(team.as_str()) {
                    warn(&format!(
                        "{}: the store has no registration of team {:?} (it knows: {})",
                        path.display(),
                        team.as_str(),
                        teams.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            let through = args.through.unwrap_or(if plan.year == day.year() {
                day.month()
            } else {
                12
            });
            emit(args, &entry_planning(&book, &plan, through), format)
        }
        ReportName::HalfYear => {
            let provider = args.provider.as_deref().ok_or_else(|| {
                Failure::usage(
                    "half-year needs a provider",
                    "give --provider ID (the voucher monitoring lists them)",
                )
            })?;
            let half = args.half.unwrap_or(if day.month() <= 6 { 1 } else { 2 });
            if !(1..=2).contains(&half) {
                return Err(Failure::input(
                    format!("half {half} does not exist"),
                    "use --half 1 (January–June) or 2 (July–December)",
                ));
            }
            emit(
                args,
                &half_year(&book, policy, &ProviderId::new(provider), year, half),
                format,
            )
        }
        ReportName::Outcomes => {
            let (from, to) = period(args, year, day)?;
            emit(args, &outcomes(&book, from, to), format)
        }
        ReportName::Evaluation => {
            let (from, to) = period(args, year, day)?;
            emit(args, &evaluation(&book, from, to), format)
        }
        ReportName::Case => case_text(store, args, cut, day, policy, format),
        ReportName::Worklist => emit(
            args,
            &deadline_worklist(&book, policy, day, args.horizon),
            format,
        ),
    }?;
    crate::output::text(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The report in `format`; CSV as one table (`--table NAME`, or the report's only one) or
/// as one file per table in `--out DIR` (what is written is then listed).
fn emit(args: &ReportArgs, report: &impl Report, format: Format) -> Result<String, Failure> {
    let several = |e: RenderError| match e {
        RenderError::SeveralTables { names } => Failure::input(
            format!("the report has {} tables: CSV holds one", names.len()),
            format!(
                "give --table NAME (one of: {}) or --out DIR for a file per table",
                names.join(", ")
            ),
        ),
        RenderError::NoSuchTable { name, names } => Failure::input(
            format!("the report has no table {name:?}"),
            format!("give one of: {}", names.join(", ")),
        ),
    };
    match (format, &args.table, &args.out) {
        (Format::Csv, table, Some(dir)) => {
            let tables = match table {
                Some(name) => vec![(name.clone(), render_table(report, name).map_err(several)?)],
                None => csv_tables(report),
            };
            write_tables(dir, &tables)
        }
        (Format::Csv, Some(name), None) => render_table(report, name).map_err(several),
        _ => render(report, format).map_err(several),
    }
}

/// Writes `NAME.csv` per table into `dir`, which is created if missing; nothing is
/// written if any of the files exists already.
fn write_tables(dir: &std::path::Path, tables: &[(String, String)]) -> Result<String, Failure> {
    let io = |what: String, e: std::io::Error| {
        Failure::input(
            format!("{what}: {e}"),
            "check the directory and its permissions",
        )
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Failure::input(
            format!("{} is a file, not a directory", dir.display()),
            "give --out a directory (new or empty) for the CSV files",
        ));
    }
    if !dir.is_dir() {
        std::fs::create_dir(dir).map_err(|e| io(format!("cannot create {}", dir.display()), e))?;
    }
    let paths: Vec<std::path::PathBuf> = tables
        .iter()
        .map(|(name, _)| dir.join(format!("{name}.csv")))
        .collect();
    if let Some(taken) = paths.iter().find(|p| p.exists()) {
        return Err(Failure::input(
            format!("{} exists: nothing was written", taken.display()),
            "give an empty or new directory (report files are never overwritten)",
        ));
    }
    let mut listing = String::new();
    for (path, (_, text)) in paths.iter().zip(tables) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| io(format!("cannot create {}", path.display()), e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io(format!("cannot write {}", path.display()), e))?;
        listing.push_str(&format!("{}\n", path.display()));
    }
    Ok(listing)
}

/// The period of `--from` and `--to`: by default 1 January of `year` to the report date.
fn period(args: &ReportArgs, year: i32, day: NaiveDate) -> Result<(NaiveDate, NaiveDate), Failure> {
    let from = args
        .from
        .as_deref()
        .map(parse_date)
        .transpose()?
        .unwrap_or(NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(day));
    let to = args
        .to
        .as_deref()
        .map(parse_date)
        .transpose()?
        .unwrap_or(day);
    if from > to {
        return Err(Failure::input(
            format!("--from {from} is after --to {to}"),
            "give a period whose first day comes before its last",
        ));
    }
    Ok((from, to))
}

/// The case report: folded from the case's own stream.
fn case_text(
    store: &dyn Store,
    args: &ReportArgs,
    cut: Option<AsOf>,
    day: NaiveDate,
    policy: &Policy,
    format: Format,
) -> Result<String, Failure> {
    let id = parse_case(
        args.case_id
            .as_deref()
            .ok_or_else(|| Failure::input("the case report needs a case", "give --case ID"))?,
    )?;
    let file = CaseFile::load(store, id, cut, policy.time_zone)?.ok_or_else(|| {
        Failure::input(
            format!("no case {id} in the store"),
            format!(
                "check the id; `{} report worklist --horizon 3650` lists open cases",
                crate::failure::me()
            ),
        )
    })?;
    let report = case_report(id, &file, policy, day)
        .ok_or_else(|| Failure::input(format!("case {id} is not registered"), "check the id"))?;
    emit(args, &report, format)
}
