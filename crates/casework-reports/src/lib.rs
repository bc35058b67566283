//! # casework-reports
//!
//! The reports managers and auditors use, as projections over the global log:
//!
//! 1. [`voucher_monitoring`] — per provider and year (Aachen);
//! 2. [`entry_planning`] — plan vs actual entries per team and month (Aachen Soll/Ist);
//! 3. [`half_year`] — the provider half-year report (Hamm);
//! 4. [`outcomes`] — integration rate per service and closure reasons (Düsseldorf);
//! 5. [`case_report`] — interim or final report of one case (Hamm form);
//! 6. [`deadline_worklist`] — due and overdue items per coordinator and provider.
//!
//! Every report but the case report reads the [`CaseBook`] projection (the case report
//! reads one case's stream, [`CaseFile`]), is computed once into a typed result
//! and rendered as a terminal table, CSV or JSON ([`render`]). The [`Projector`] folds the
//! log from a checkpoint, resumes from a saved snapshot, rebuilds from zero and computes
//! *as of* a position or a time; projections never read the clock — the report date is an
//! input. Reports show process facts, ids and pseudonymous labels only. What "as of a
//! date", the report date and the days a store spans mean in the deployment's time zone is
//! the [`calendar`]'s ([`ReportCalendar`]).
//!
//! ```
//! use casework_reports::{render, voucher_monitoring, CaseBook, Format, Projector};
//! use casework_store::MemoryStore;
//! let store = MemoryStore::new();
//! let book = Projector::<CaseBook>::rebuild(&store).unwrap().projection;
//! let policy = casework_process::Policy::default();
//! let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
//! let report = voucher_monitoring(&book, &policy, None, 2026, day);
//! assert!(render(&report, Format::Table).unwrap().starts_with("Voucher monitoring 2026"));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod book;
pub mod calendar;
mod case_report;
mod closed;
mod entry_planning;
mod evaluation;
mod half_year;
mod html;
mod outcomes;
pub mod pct;
mod plan_file;
mod projection;
mod render;
mod voucher_monitoring;
mod worklist;

pub use book::{Attendance, CaseBook, CaseEntry, CaseFile, EffortBucket};
pub use calendar::{CalendarError, ReportCalendar, ReportCut, StoreSpan};
pub use case_report::{case_report, CaseReport, CaseReportKind, MeasureLine, ServiceLine};
pub use closed::ClosedTotals;
pub use entry_planning::{
    entry_planning, EntryCount, EntryPlan, EntryPlanning, EntryRow, PlanFileError,
};
pub use evaluation::{evaluation, DurationRow, Durations, Evaluation, EvaluationTotals};
pub use half_year::{
    half_year, last_working_day_of_next_month, HalfYearReport, HalfYearTotals, ModuleRow,
    NeedGroupRow,
};
pub use outcomes::{outcomes, ClosureTotals, OutcomeRow, Outcomes};
pub use projection::{Projection, ProjectionError, Projector};
pub use render::{
    cell, csv_of, csv_tables, render, render_table, Cell, Chart, ChartKind, Format, Mark,
    RenderError, Report, Series, Table, Value,
};
pub use voucher_monitoring::{
    voucher_monitoring, CompletedCounts, IssuedCounts, MonitoringRow, MonitoringTotal, StageRow,
    VoucherMonitoring, VoucherTotals,
};
pub use worklist::{deadline_worklist, EscalationDue, PartyLoad, WorkItem, Worklist};
