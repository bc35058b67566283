//! Report 3: provider half-year report (Hamm contract), as of 30 June / 31 December, due by
//! the last working day of the following month.

use casework_process::{policy::local_date, Tz};
use std::collections::{BTreeMap, BTreeSet};

use casework_process::{Policy, ProviderId, ServiceId, Voucher, VoucherStatus};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::book::{CaseBook, EffortBucket};
use crate::pct::Tenths;
use crate::render::{cell, Cell, Chart, ChartKind, Mark, Report, Series, Table};

/// Cases and effort of one need group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedGroupRow {
    /// The need group (`None`: not classified yet).
    pub need_group: Option<u8>,
    /// Cases worked in the period.
    pub cases: u64,
    /// Individual hours delivered in the period.
    pub hours: Tenths,
    /// Hours per case.
    pub avg_hours: Option<Tenths>,
    /// The individual hours the catalog contracts for these cases (cases × the need
    /// group's standard hours, from the catalog of the provider's service); `None` where
    /// no catalog fixes them.
    pub contracted_hours: Option<Tenths>,
}

/// Effort of one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleRow {
    /// The module number.
    pub module: u8,
    /// Its name in the catalog, where the service has one.
    pub name: String,
    /// Individual hours.
    pub hours: Tenths,
    /// Group sessions.
    pub group_sessions: u64,
}

/// The half-year report of one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HalfYearReport {
    /// The provider.
    pub provider: ProviderId,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day (30 June or 31 December).
    pub to: NaiveDate,
    /// Due by (last working day of the following month).
    pub due_by: NaiveDate,
    /// Cases worked in the period.
    pub cases_worked: u64,
    /// Cases closed in the period (final feedback).
    pub cases_closed: u64,
    /// Individual hours delivered in the period.
    pub hours: Tenths,
    /// Hours per case worked.
    pub avg_hours_per_case: Option<Tenths>,
    /// By need group.
    pub need_groups: Vec<NeedGroupRow>,
    /// By module.
    pub modules: Vec<ModuleRow>,
}

/// The last working day (Monday to Friday) of the month after `date`'s month.
pub fn last_working_day_of_next_month(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let mut d = NaiveDate::from_ymd_opt(ny, nm, 1).unwrap_or(date) - Duration::days(1);
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d -= Duration::days(1);
    }
    d
}

/// What one provider's vouchers add up to in one half-year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HalfYearTotals {
    /// Vouchers worked in the half-year.
    pub worked: u64,
    /// Of those, completed by its end.
    pub closed: u64,
    /// Individual minutes delivered in the half-year.
    pub minutes: i64,
    /// By need group: (vouchers, minutes).
    #[serde(with = "crate::closed::pairs")]
    pub need_groups: BTreeMap<Option<u8>, (u64, i64)>,
    /// By module and service: (individual minutes, group sessions).
    #[serde(with = "crate::closed::pairs")]
    pub modules: BTreeMap<(u8, ServiceId), (i64, u64)>,
}

/// First and last day of half `half` of `year`.
fn bounds(year: i32, half: u8) -> (NaiveDate, NaiveDate) {
    let (from, to) = if half == 1 {
        (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 6, 30),
        )
    } else {
        (
            NaiveDate::from_ymd_opt(year, 7, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        )
    };
    (from.unwrap_or_default(), to.unwrap_or_default())
}

/// The half-year of a day.
fn half_of(day: NaiveDate) -> (i32, u8) {
    (day.year(), if day.month() <= 6 { 1 } else { 2 })
}

/// Whether voucher `v` was worked between `from` and `to`: started by `to` and not ended
/// before `from`. A redeemed voucher ends with its case (`closed_on`, if closed).
fn worked_in(
    v: &Voucher,
    closed_on: Option<NaiveDate>,
    (from, to): (NaiveDate, NaiveDate),
    zone: Tz,
) -> bool {
    let started = v
        .status
        .redeemed_at()
        .is_some_and(|r| local_date(zone, r) <= to);
    let ended_before = match v.status {
        VoucherStatus::Completed { at, .. } => local_date(zone, at) < from,
        VoucherStatus::Returned { .. } | VoucherStatus::Issued => true,
        VoucherStatus::Redeemed { .. } => closed_on.is_some_and(|c| c < from),
    };
    started && !ended_before
}

/// Adds voucher `v` (of a case closed on `closed_on`, if closed) to the totals of
/// half-year (`year`, `half`), if it was worked then.
fn add_voucher(
    totals: &mut BTreeMap<(ProviderId, i32, u8), HalfYearTotals>,
    v: &Voucher,
    closed_on: Option<NaiveDate>,
    effort: &[EffortBucket],
    (year, half): (i32, u8),
    zone: Tz,
) {
    let (from, to) = bounds(year, half);
    if !worked_in(v, closed_on, (from, to), zone) {
        return;
    }
    let t = totals.entry((v.provider.clone(), year, half)).or_default();
    t.worked += 1;
    if matches!(v.status, VoucherStatus::Completed { at, .. } if local_date(zone, at) <= to) {
        t.closed += 1;
    }
    let mut minutes = 0i64;
    for b in effort
        .iter()
        .filter(|b| b.voucher == v.id && b.year == year && b.half == half)
    {
        minutes += i64::from(b.effort.individual_minutes);
        let m = t.modules.entry((b.module, v.service.clone())).or_default();
        m.0 += i64::from(b.effort.individual_minutes);
        m.1 += u64::from(b.effort.group_sessions);
    }
    t.minutes += minutes;
    let g = t.need_groups.entry(v.need_group).or_default();
    g.0 += 1;
    g.1 += minutes;
}

/// Adds voucher `v` of a case closed on `closed_on` to every half-year it was worked in:
/// from its redemption to its completion, or to the case's closing for a voucher still
/// running then. Nothing for a voucher of an open case (`closed_on` `None`) that is still
/// running: its last half-year is not known yet.
pub(crate) fn count_half_years(
    totals: &mut BTreeMap<(ProviderId, i32, u8), HalfYearTotals>,
    v: &Voucher,
    closed_on: Option<NaiveDate>,
    effort: &[EffortBucket],
    zone: Tz,
) {
    let Some(start) = v.status.redeemed_at() else {
        return;
    };
    let end = match (v.status, closed_on) {
        (VoucherStatus::Completed { at, .. }, _) => local_date(zone, at),
        (VoucherStatus::Redeemed { .. }, Some(closed)) => closed,
        _ => return,
    };
    let (mut half, last) = (half_of(local_date(zone, start)), half_of(end));
    while half <= last {
        add_voucher(totals, v, closed_on, effort, half, zone);
        half = if half.1 == 1 {
            (half.0, 2)
        } else {
            (half.0 + 1, 1)
        };
    }
}

/// The report for `provider`, half `half` (1: January–June, 2: July–December) of `year`.
pub fn half_year(
    book: &CaseBook,
    policy: &Policy,
    provider: &ProviderId,
    year: i32,
    half: u8,
) -> HalfYearReport {
    let half = half.clamp(1, 2);
    let (from, to) = bounds(year, half);
    // closed cases were counted when they closed; the open ones are counted now
    let key = (provider.clone(), year, half);
    let mut totals: BTreeMap<(ProviderId, i32, u8), HalfYearTotals> = BTreeMap::new();
    if let Some(closed) = book.closed.half_years.get(&key) {
        totals.insert(key.clone(), closed.clone());
    }
    for entry in book.cases.values() {
        for v in entry
            .state
            .vouchers()
            .into_iter()
            .flat_map(|m| m.values())
            .filter(|v| &v.provider == provider)
        {
            add_voucher(&mut totals, v, None, &entry.effort, (year, half), book.zone);
        }
    }
    let t = totals.remove(&key).unwrap_or_default();
    // a module's name from the first service (in id order) whose catalog names it
    let mut modules: BTreeMap<u8, (String, i64, u64)> = BTreeMap::new();
    for ((module, service), (minutes, sessions)) in &t.modules {
        let m = modules.entry(*module).or_default();
        if m.0.is_empty() {
            m.0 = policy
                .service(service)
                .and_then(|s| s.catalog.as_ref())
                .and_then(|c| c.module(*module))
                .map_or_else(String::new, |m| m.name.clone());
        }
        m.1 += minutes;
        m.2 += sessions;
    }
    // the need groups' standard hours, from the first catalog (of the services the provider
    // delivered, in id order) that fixes them
    let services: BTreeSet<&ServiceId> = t.modules.keys().map(|(_, s)| s).collect();
    let standard_hours = |group: Option<u8>| {
        let group = group?;
        services.iter().find_map(|s| {
            let catalog = policy.service(s)?.catalog.as_ref()?;
            catalog.standard_effort(group).map(|e| e.individual_hours)
        })
    };
    let (worked, closed, minutes_total, groups) = (t.worked, t.closed, t.minutes, t.need_groups);
    let hours = |minutes: i64| Tenths::ratio(minutes, 60).unwrap_or(Tenths(0));
    HalfYearReport {
        provider: provider.clone(),
        from,
        to,
        due_by: last_working_day_of_next_month(to),
        cases_worked: worked,
        cases_closed: closed,
        hours: hours(minutes_total),
        avg_hours_per_case: Tenths::ratio(minutes_total, 60 * worked as i64),
        need_groups: groups
            .into_iter()
            .map(|(need_group, (cases, minutes))| NeedGroupRow {
                need_group,
                cases,
                hours: hours(minutes),
                avg_hours: Tenths::ratio(minutes, 60 * cases as i64),
                contracted_hours: standard_hours(need_group)
                    .map(|h| Tenths(i64::from(h) * 10 * cases as i64)),
            })
            .collect(),
        modules: modules
            .into_iter()
            .map(|(module, (name, minutes, group_sessions))| ModuleRow {
                module,
                name,
                hours: hours(minutes),
                group_sessions,
            })
            .collect(),
    }
}

impl Report for HalfYearReport {
    fn title(&self) -> String {
        format!(
            "Half-year report of {} for {} – {} (due by {})",
            self.provider, self.from, self.to, self.due_by
        )
    }

    fn tables(&self) -> Vec<Table> {
        let mut summary = Table::new(
            "summary",
            "Summary",
            &[
                "cases worked",
                "cases closed",
                "individual hours",
                "hours per case",
            ],
        );
        summary.row(vec![
            cell(self.cases_worked).at("/cases_worked"),
            cell(self.cases_closed).at("/cases_closed"),
            cell(self.hours).at("/hours"),
            cell(self.avg_hours_per_case).at("/avg_hours_per_case"),
        ]);
        let mut groups = Table::new(
            "need_groups",
            "By need group",
            &[
                "need group",
                "cases",
                "hours",
                "hours per case",
                "contracted hours",
            ],
        );
        for (i, g) in self.need_groups.iter().enumerate() {
            let at = |field: &str| format!("/need_groups/{i}/{field}");
            groups.row(vec![
                match g.need_group {
                    Some(n) => cell(n).at(at("need_group")),
                    None => cell("not classified"),
                },
                cell(g.cases).at(at("cases")),
                cell(g.hours).at(at("hours")),
                cell(g.avg_hours).at(at("avg_hours")),
                cell(g.contracted_hours).at(at("contracted_hours")),
            ]);
        }
        let mut modules = Table::new(
            "modules",
            "By module",
            &["module", "name", "individual hours", "group sessions"],
        );
        for (i, m) in self.modules.iter().enumerate() {
            let at = |field: &str| format!("/modules/{i}/{field}");
            modules.row(vec![
                cell(m.module).at(at("module")),
                cell(&m.name),
                cell(m.hours).at(at("hours")),
                cell(m.group_sessions).at(at("group_sessions")),
            ]);
        }
        vec![summary, groups, modules]
    }

    fn charts(&self) -> Vec<Chart> {
        if self.need_groups.is_empty() {
            return Vec::new();
        }
        let values = |field: &str, pick: &dyn Fn(&NeedGroupRow) -> Option<Tenths>| -> Vec<Cell> {
            self.need_groups
                .iter()
                .enumerate()
                .map(|(i, g)| cell(pick(g)).at(format!("/need_groups/{i}/{field}")))
                .collect()
        };
        vec![Chart {
            title: format!("Hours per need group, {} – {}", self.from, self.to),
            description: format!(
                "Bars of the individual hours delivered per need group ({} in all, {} cases), \
                 with a tick at the hours the catalog contracts for those cases.",
                self.hours, self.cases_worked
            ),
            kind: ChartKind::Bars,
            categories: self
                .need_groups
                .iter()
                .map(|g| group_name(g.need_group))
                .collect(),
            series: vec![Series {
                name: "hours delivered".into(),
                values: values("hours", &|g| Some(g.hours)),
                mark: Mark::Bar,
            }],
            reference: Some(Series {
                name: "contracted hours".into(),
                values: values("contracted_hours", &|g| g.contracted_hours),
                mark: Mark::Bar,
            }),
            unit: "hours".into(),
        }]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "contracted hours: cases × the need group's standard individual hours in the catalog of the provider's service".into(),
            "cases worked: vouchers of the provider redeemed by the end of the period and not finished before it".into(),
            "cases closed: final feedback within the period".into(),
            "hours: individual contact recorded within the period (minutes ÷ 60, one decimal)".into(),
        ]
    }
}

/// A need group's name in tables and charts.
fn group_name(group: Option<u8>) -> String {
    group.map_or_else(
        || "not classified".to_owned(),
        |n| format!("need group {n}"),
    )
}
