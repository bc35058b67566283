//! Report 2: entry planning, plan vs actual (Eintrittsplanung Soll/Ist), per team and
//! month. The plan is an input (CSV); actual entries are registrations.

use casework_process::{policy::local_date, Tz};
use std::collections::BTreeMap;

use casework_process::{Gender, Registration, TeamId};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::pct::Pct;
use crate::render::{cell, cells_at, signed, Chart, ChartKind, Mark, Report, Series, Table};

/// Planned entries per team and month of one year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct EntryPlan {
    /// The year planned.
    pub year: i32,
    /// Planned entries per team and month (index 0 = January).
    pub teams: BTreeMap<TeamId, [u32; 12]>,
}

/// Why a plan file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plan file line {line}: {detail}")]
pub struct PlanFileError {
    /// The line (1-based).
    pub line: usize,
    /// What is wrong.
    pub detail: String,
}

/// One team's (or the total's) row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryRow {
    /// The team; `None` for the total row.
    pub team: Option<TeamId>,
    /// Planned per month.
    pub planned: Vec<u32>,
    /// Actual per month.
    pub actual: Vec<u32>,
    /// Planned, January to the month, per month.
    pub planned_cumulated: Vec<u64>,
    /// Actual, January to the month, per month.
    pub actual_cumulated: Vec<u64>,
    /// Planned over the months reported.
    pub planned_sum: u64,
    /// Actual over the months reported.
    pub actual_sum: u64,
    /// Deviation per month.
    pub deviation: Vec<Pct>,
    /// Deviation of the cumulated actual from the cumulated plan.
    pub cumulated: Pct,
    /// Cumulated actual minus cumulated plan.
    pub absolute: i64,
}

impl EntryRow {
    /// The team's name, or `total`.
    pub fn label(&self) -> &str {
        self.team.as_ref().map_or("total", TeamId::as_str)
    }
}

/// The plan-vs-actual report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryPlanning {
    /// The year.
    pub year: i32,
    /// Months reported (1 = January … `through`).
    pub through: u32,
    /// Per team, then the total row.
    pub rows: Vec<EntryRow>,
    /// Share of women among the entries per month, and over all reported months.
    pub women: Vec<Option<Pct>>,
    /// Share of women over all reported months.
    pub women_total: Option<Pct>,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Entries (registrations) of one team in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EntryCount {
    /// Cases registered.
    pub cases: u64,
    /// Of those, women.
    pub women: u64,
}

/// Counts one registration by (year, month 1–12, team).
pub(crate) fn count_entry(
    entries: &mut BTreeMap<(i32, u32, TeamId), EntryCount>,
    r: &Registration,
    zone: Tz,
) {
    let day = local_date(zone, r.at);
    let c = entries
        .entry((day.year(), day.month(), r.profile.team.clone()))
        .or_default();
    c.cases += 1;
    c.women += u64::from(r.profile.gender == Gender::Female);
}

/// Computes plan vs actual for January through month `through` of the plan's year. Teams
/// with entries but no plan appear with a plan of 0.
pub fn entry_planning(book: &CaseBook, plan: &EntryPlan, through: u32) -> EntryPlanning {
    let n = through.clamp(1, 12) as usize;
    // closed cases were counted when they closed; the open ones are counted now
    let mut entries = book.closed.entries.clone();
    for r in book.cases.values().filter_map(|e| e.state.registration()) {
        count_entry(&mut entries, r, book.zone);
    }
    let mut actual: BTreeMap<TeamId, [u32; 12]> = BTreeMap::new();
    let (mut women, mut all) = ([0i64; 12], [0i64; 12]);
    for ((year, month, team), count) in entries {
        if year != plan.year {
            continue;
        }
        let Some(m) = (month as usize).checked_sub(1).filter(|m| *m < 12) else {
            continue;
        };
        actual.entry(team).or_insert([0; 12])[m] += u32::try_from(count.cases).unwrap_or(u32::MAX);
        all[m] += count.cases as i64;
        women[m] += count.women as i64;
    }
    let mut teams: Vec<TeamId> = plan.teams.keys().cloned().collect();
    teams.extend(
        actual
            .keys()
            .filter(|t| !plan.teams.contains_key(*t))
            .cloned(),
    );
    let running = |v: &[u32]| {
        v.iter()
            .scan(0u64, |sum, &x| {
                *sum += u64::from(x);
                Some(*sum)
            })
            .collect::<Vec<u64>>()
    };
    let row = |team: Option<TeamId>, p: [u32; 12], a: [u32; 12]| {
        let (p, a) = (&p[..n], &a[..n]);
        let (sp, sa): (i64, i64) = (
            p.iter().map(|&x| i64::from(x)).sum(),
            a.iter().map(|&x| i64::from(x)).sum(),
        );
        EntryRow {
            team,
            planned: p.to_vec(),
            actual: a.to_vec(),
            planned_cumulated: running(p),
            actual_cumulated: running(a),
            planned_sum: sp.unsigned_abs(),
            actual_sum: sa.unsigned_abs(),
            deviation: p
                .iter()
                .zip(a)
                .map(|(&p, &a)| Pct::deviation(i64::from(a), i64::from(p)))
                .collect(),
            cumulated: Pct::deviation(sa, sp),
            absolute: sa - sp,
        }
    };
    let mut rows = Vec::new();
    let (mut tp, mut ta) = ([0u32; 12], [0u32; 12]);
    for team in teams {
        let p = plan.teams.get(&team).copied().unwrap_or([0; 12]);
        let a = actual.get(&team).copied().unwrap_or([0; 12]);
        for i in 0..12 {
            tp[i] = tp[i].saturating_add(p[i]);
            ta[i] = ta[i].saturating_add(a[i]);
        }
        rows.push(row(Some(team), p, a));
    }
    rows.push(row(None, tp, ta));
    EntryPlanning {
        year: plan.year,
        through: n as u32,
        rows,
        women: (0..n).map(|m| Pct::of(women[m], all[m])).collect(),
        women_total: Pct::of(women[..n].iter().sum(), all[..n].iter().sum()),
    }
}

impl Report for EntryPlanning {
    fn title(&self) -> String {
        format!(
            "Entry planning {}: plan vs actual, January–{}",
            self.year,
            MONTHS[self.through as usize - 1]
        )
    }

    fn tables(&self) -> Vec<Table> {
        let months = &MONTHS[..self.through as usize];
        fn headers<'a>(months: &[&'a str], last: &[&'a str]) -> Vec<&'a str> {
            std::iter::once("team")
                .chain(months.iter().copied())
                .chain(last.iter().copied())
                .collect()
        }
        let (mut plan, mut actual, mut dev) = (
            Table::new("plan", "Plan (Soll)", &headers(months, &["sum"])),
            Table::new("actual", "Actual (Ist)", &headers(months, &["sum", "plan"])),
            Table::new(
                "deviation",
                "Deviation",
                &headers(months, &["cumulated", "absolute"]),
            ),
        );
        dev.toned = true;
        for (i, r) in self.rows.iter().enumerate() {
            let at = |field: &str| format!("/rows/{i}/{field}");
            let each = |v: &[u32], field: &str| cells_at(v, &at(field));
            let team = cell(r.label());
            plan.row(
                [
                    vec![team.clone()],
                    each(&r.planned, "planned"),
                    vec![cell(r.planned_sum).at(at("planned_sum"))],
                ]
                .concat(),
            );
            actual.row(
                [
                    vec![team.clone()],
                    each(&r.actual, "actual"),
                    vec![
                        cell(r.actual_sum).at(at("actual_sum")),
                        cell(r.planned_sum).at(at("planned_sum")),
                    ],
                ]
                .concat(),
            );
            dev.row(
                [
                    vec![team],
                    cells_at(&r.deviation, &at("deviation")),
                    vec![
                        cell(r.cumulated).at(at("cumulated")),
                        signed(r.absolute).at(at("absolute")),
                    ],
                ]
                .concat(),
            );
        }
        let mut women = Table::new(
            "women",
            "Share of women among entries",
            &headers(months, &["all months"]),
        );
        women.row(
            [
                vec![cell("women")],
                cells_at(&self.women, "/women"),
                vec![cell(self.women_total).at("/women_total")],
            ]
            .concat(),
        );
        vec![plan, actual, dev, women]
    }

    fn charts(&self) -> Vec<Chart> {
        let months: Vec<String> = MONTHS[..self.through as usize]
            .iter()
            .map(|m| (*m).to_owned())
            .collect();
        let last = self.rows.len().saturating_sub(1);
        let Some(total) = self.rows.last() else {
            return Vec::new();
        };
        let at = |field: &str| format!("/rows/{last}/{field}");
        let teams: Vec<(usize, &EntryRow)> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.team.is_some())
            .collect();
        vec![
            Chart {
                title: format!(
                    "Entries per month {}, all teams: plan and actual",
                    self.year
                ),
                description: format!(
                    "Columns per month: {} planned and {} actual entries over the months shown.",
                    total.planned_sum, total.actual_sum
                ),
                kind: ChartKind::Columns,
                categories: months.clone(),
                series: vec![
                    Series {
                        name: "plan".into(),
                        values: cells_at(&total.planned, &at("planned")),
                        mark: Mark::Bar,
                    },
                    Series {
                        name: "actual".into(),
                        values: cells_at(&total.actual, &at("actual")),
                        mark: Mark::Bar,
                    },
                ],
                reference: None,
                unit: "entries".into(),
            },
            Chart {
                title: "Cumulated entries: plan and actual".into(),
                description: format!(
                    "Lines from January: the plan reaches {}, the actual {} ({}).",
                    total.planned_sum, total.actual_sum, total.cumulated
                ),
                kind: ChartKind::Columns,
                categories: months,
                series: vec![
                    Series {
                        name: "plan, cumulated".into(),
                        values: cells_at(&total.planned_cumulated, &at("planned_cumulated")),
                        mark: Mark::Line,
                    },
                    Series {
                        name: "actual, cumulated".into(),
                        values: cells_at(&total.actual_cumulated, &at("actual_cumulated")),
                        mark: Mark::Line,
                    },
                ],
                reference: None,
                unit: "entries".into(),
            },
            Chart {
                title: "Cumulated deviation from plan per team".into(),
                description: format!(
                    "Bars per team, red below plan and green above; all teams together {}.",
                    total.cumulated
                ),
                kind: ChartKind::Bars,
                categories: teams.iter().map(|(_, r)| r.label().to_owned()).collect(),
                series: vec![Series {
                    name: "cumulated deviation".into(),
                    values: teams
                        .iter()
                        .map(|(i, r)| cell(r.cumulated).at(format!("/rows/{i}/cumulated")))
                        .collect(),
                    mark: Mark::ToneBar,
                }],
                reference: None,
                unit: "%".into(),
            },
        ]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "actual: cases registered in the month, by the team in the client's profile".into(),
            "deviation = (actual − plan) ÷ plan; plan 0 and actual > 0 is +100.0 %, plan 0 and actual 0 is 0.0 %, actual 0 and plan > 0 is −100.0 %".into(),
            "cumulated: the same rule on the sums January to the last month shown; absolute: sum of actual − sum of plan".into(),
            "percentages to one decimal, rounded half away from zero".into(),
        ]
    }
}
