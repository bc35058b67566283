//! Report 2: entry planning, plan vs actual (Eintrittsplanung Soll/Ist), per team and
//! month. The plan is an input (CSV); actual entries are registrations.

use casework_core::{policy::local_date, Tz};
use std::collections::BTreeMap;

use casework_core::{Gender, Registration, TeamId};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::pct::{opt, Pct};
use crate::render::{Report, Table};

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
    /// The team, or `total`.
    pub team: String,
    /// Planned per month.
    pub planned: Vec<u32>,
    /// Actual per month.
    pub actual: Vec<u32>,
    /// Deviation per month.
    pub deviation: Vec<Pct>,
    /// Deviation of the cumulated actual from the cumulated plan.
    pub cumulated: Pct,
    /// Cumulated actual minus cumulated plan.
    pub absolute: i64,
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
    let row = |team: String, p: [u32; 12], a: [u32; 12]| {
        let (p, a) = (&p[..n], &a[..n]);
        let (sp, sa): (i64, i64) = (
            p.iter().map(|&x| i64::from(x)).sum(),
            a.iter().map(|&x| i64::from(x)).sum(),
        );
        EntryRow {
            team,
            planned: p.to_vec(),
            actual: a.to_vec(),
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
            tp[i] += p[i];
            ta[i] += a[i];
        }
        rows.push(row(team.to_string(), p, a));
    }
    rows.push(row("total".into(), tp, ta));
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
        let headers = |last: &[&str]| -> Vec<String> {
            std::iter::once("team")
                .chain(months.iter().copied())
                .chain(last.iter().copied())
                .map(str::to_owned)
                .collect()
        };
        let table = |title: &str, last: &[&str]| Table {
            title: title.into(),
            headers: headers(last),
            rows: Vec::new(),
        };
        let (mut plan, mut actual, mut dev) = (
            table("Plan (Soll)", &["sum"]),
            table("Actual (Ist)", &["sum", "plan"]),
            table("Deviation", &["cumulated", "absolute"]),
        );
        for r in &self.rows {
            let sum = |v: &[u32]| v.iter().map(|&x| u64::from(x)).sum::<u64>().to_string();
            let cells = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>();
            plan.row(
                [
                    vec![r.team.clone()],
                    cells(&r.planned),
                    vec![sum(&r.planned)],
                ]
                .concat(),
            );
            actual.row(
                [
                    vec![r.team.clone()],
                    cells(&r.actual),
                    vec![sum(&r.actual), sum(&r.planned)],
                ]
                .concat(),
            );
            let devs: Vec<String> = r.deviation.iter().map(Pct::to_string).collect();
            let abs = if r.absolute > 0 {
                format!("+{}", r.absolute)
            } else {
                r.absolute.to_string()
            };
            dev.row(
                [
                    vec![r.team.clone()],
                    devs,
                    vec![r.cumulated.to_string(), abs],
                ]
                .concat(),
            );
        }
        let mut women = table("Share of women among entries", &["all months"]);
        women.row(
            [
                vec!["women".to_owned()],
                self.women.iter().map(|w| opt(*w)).collect(),
                vec![opt(self.women_total)],
            ]
            .concat(),
        );
        vec![plan, actual, dev, women]
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
