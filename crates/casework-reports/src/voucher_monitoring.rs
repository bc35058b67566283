//! Report 1: provider voucher monitoring (Aachen), per provider and service for a year.

use casework_process::{policy::local_date, Tz};
use std::collections::BTreeMap;

use casework_process::{
    CaseState, Policy, ProviderId, Registration, ServiceId, Voucher, VoucherStatus,
};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::pct::{Pct, Tenths};
use crate::render::{cell, Cell, Chart, ChartKind, Mark, Report, Series, Table};

/// One provider and service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonitoringRow {
    /// The provider.
    pub provider: ProviderId,
    /// The service.
    pub service: ServiceId,
    /// Vouchers issued in the year.
    pub issued: u64,
    /// Of those: redeemed (new cases).
    pub redeemed: u64,
    /// Of those: not yet started.
    pub not_started: u64,
    /// Of those: returned unused (invalid).
    pub returned: u64,
    /// Running cases at the report date, including vouchers of earlier years.
    pub running: u64,
    /// Running cases whose voucher is older than the threshold.
    pub open_beyond_threshold: u64,
    /// Share of vouchers issued in the year whose client was under 25 at registration.
    pub under_25: Option<Pct>,
    /// Average days from redemption to final feedback, for services completed in the year.
    pub avg_counselling_days: Option<Tenths>,
}

/// Running cases per service stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageRow {
    /// The provider.
    pub provider: ProviderId,
    /// The service.
    pub service: ServiceId,
    /// The stage (Leistungsabschnitt).
    pub stage: u8,
    /// Running cases in this stage.
    pub open: u64,
    /// Of those, open longer than the stage threshold.
    pub over_threshold: u64,
    /// Their share.
    pub share: Option<Pct>,
}

/// The voucher monitoring report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoucherMonitoring {
    /// The year of issue reported on.
    pub year: i32,
    /// The report date.
    pub as_of: NaiveDate,
    /// Days after which a running voucher counts as long-open.
    pub voucher_open_days: u32,
    /// Days after which a stage counts as long-open.
    pub stage_open_days: u32,
    /// Per provider and service.
    pub rows: Vec<MonitoringRow>,
    /// Per provider, service and stage.
    pub stages: Vec<StageRow>,
    /// The rows' counts added up.
    pub total: MonitoringTotal,
}

/// The counts of every provider and service together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MonitoringTotal {
    /// Vouchers issued in the year.
    pub issued: u64,
    /// Of those: redeemed.
    pub redeemed: u64,
    /// Of those: not yet started.
    pub not_started: u64,
    /// Of those: returned.
    pub returned: u64,
    /// Running cases at the report date.
    pub running: u64,
    /// Running cases whose voucher is older than the threshold.
    pub open_beyond_threshold: u64,
}

/// What the vouchers of one provider and service add up to, by year.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VoucherTotals {
    /// By the year the voucher was issued.
    pub issued: BTreeMap<i32, IssuedCounts>,
    /// By the year the service was completed.
    pub completed: BTreeMap<i32, CompletedCounts>,
}

/// Vouchers issued in one year, by their status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssuedCounts {
    /// Issued.
    pub issued: u64,
    /// Of those, for clients under 25.
    pub under_25: u64,
    /// Of those, never redeemed.
    pub not_started: u64,
    /// Of those, redeemed (running or completed).
    pub redeemed: u64,
    /// Of those, returned invalid.
    pub returned: u64,
}

/// Services completed in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompletedCounts {
    /// Completed.
    pub completed: u64,
    /// Sum of their lengths in days (redemption to completion).
    pub days: i64,
}

/// Whether the client was under 25 at registration (the report's age split).
pub(crate) fn is_young(r: Option<&Registration>) -> bool {
    r.is_some_and(|r| r.profile.age < 25)
}

/// Counts one voucher of a client who is `young` (under 25).
pub(crate) fn count_voucher(t: &mut VoucherTotals, v: &Voucher, young: bool, zone: Tz) {
    let issued = t
        .issued
        .entry(local_date(zone, v.issued_at).year())
        .or_default();
    issued.issued += 1;
    issued.under_25 += u64::from(young);
    match v.status {
        VoucherStatus::Issued => issued.not_started += 1,
        VoucherStatus::Redeemed { .. } | VoucherStatus::Completed { .. } => issued.redeemed += 1,
        VoucherStatus::Returned { .. } => issued.returned += 1,
    }
    if let VoucherStatus::Completed {
        redeemed_at, at, ..
    } = v.status
    {
        let c = t.completed.entry(local_date(zone, at).year()).or_default();
        c.completed += 1;
        c.days += (at - redeemed_at).num_days();
    }
}

/// Computes the report for the vouchers of `provider` (all providers if `None`) from a
/// book built as of `as_of`.
pub fn voucher_monitoring(
    book: &CaseBook,
    policy: &Policy,
    provider: Option<&ProviderId>,
    year: i32,
    as_of: NaiveDate,
) -> VoucherMonitoring {
    let t = policy.thresholds;
    let wanted = |p: &ProviderId| provider.is_none_or(|want| want == p);
    // closed cases were counted when they closed; the open ones are counted now
    let mut totals: BTreeMap<(ProviderId, ServiceId), (VoucherTotals, u64, u64)> = book
        .closed
        .vouchers
        .iter()
        .filter(|((p, _), _)| wanted(p))
        .map(|(key, totals)| (key.clone(), (totals.clone(), 0, 0)))
        .collect();
    let mut stages: BTreeMap<(ProviderId, ServiceId, u8), (u64, u64)> = BTreeMap::new();
    for state in book.cases.values().map(|e| &*e.state) {
        let young = is_young(state.registration());
        for v in state.vouchers().into_iter().flat_map(|m| m.values()) {
            if !wanted(&v.provider) {
                continue;
            }
            let key = (v.provider.clone(), v.service.clone());
            let (totals, running, open_long) = totals.entry(key.clone()).or_default();
            count_voucher(totals, v, young, book.zone);
            // running: redeemed in a case that is still open
            if matches!(v.status, VoucherStatus::Redeemed { .. })
                && matches!(state, CaseState::Open(_))
            {
                *running += 1;
                if (as_of - local_date(book.zone, v.issued_at)).num_days()
                    > i64::from(t.voucher_open_days)
                {
                    *open_long += 1;
                }
                let (stage, since) = v.stage.unwrap_or((1, v.issued_at));
                let s = stages.entry((key.0, key.1, stage)).or_default();
                s.0 += 1;
                if (as_of - local_date(book.zone, since)).num_days() > i64::from(t.stage_open_days)
                {
                    s.1 += 1;
                }
            }
        }
    }
    let rows: Vec<MonitoringRow> = totals
        .into_iter()
        .map(|((provider, service), (totals, running, open_long))| {
            let issued = totals.issued.get(&year).copied().unwrap_or_default();
            let completed = totals.completed.get(&year).copied().unwrap_or_default();
            MonitoringRow {
                provider,
                service,
                issued: issued.issued,
                redeemed: issued.redeemed,
                not_started: issued.not_started,
                returned: issued.returned,
                running,
                open_beyond_threshold: open_long,
                under_25: Pct::of(issued.under_25 as i64, issued.issued as i64),
                avg_counselling_days: Tenths::ratio(completed.days, completed.completed as i64),
            }
        })
        .collect();
    let total = rows
        .iter()
        .fold(MonitoringTotal::default(), |t, r| MonitoringTotal {
            issued: t.issued + r.issued,
            redeemed: t.redeemed + r.redeemed,
            not_started: t.not_started + r.not_started,
            returned: t.returned + r.returned,
            running: t.running + r.running,
            open_beyond_threshold: t.open_beyond_threshold + r.open_beyond_threshold,
        });
    VoucherMonitoring {
        year,
        as_of,
        voucher_open_days: t.voucher_open_days,
        stage_open_days: t.stage_open_days,
        rows,
        total,
        stages: stages
            .into_iter()
            .map(|((provider, service, stage), (open, over))| StageRow {
                provider,
                service,
                stage,
                open,
                over_threshold: over,
                share: Pct::of(over as i64, open as i64),
            })
            .collect(),
    }
}

impl Report for VoucherMonitoring {
    fn title(&self) -> String {
        format!("Voucher monitoring {} (as of {})", self.year, self.as_of)
    }

    fn tables(&self) -> Vec<Table> {
        let mut t = Table::new(
            "providers",
            "Vouchers by provider and service",
            &[
                "provider",
                "service",
                "issued",
                "redeemed",
                "not started",
                "returned",
                "running",
                "open > threshold",
                "under 25",
                "avg days",
            ],
        );
        for (i, r) in self.rows.iter().enumerate() {
            let at = |field: &str| format!("/rows/{i}/{field}");
            t.row(vec![
                cell(r.provider.as_str()),
                cell(r.service.as_str()),
                cell(r.issued).at(at("issued")),
                cell(r.redeemed).at(at("redeemed")),
                cell(r.not_started).at(at("not_started")),
                cell(r.returned).at(at("returned")),
                cell(r.running).at(at("running")),
                cell(r.open_beyond_threshold).at(at("open_beyond_threshold")),
                cell(r.under_25).at(at("under_25")),
                cell(r.avg_counselling_days).at(at("avg_counselling_days")),
            ]);
        }
        let total = &self.total;
        t.row(vec![
            cell("total"),
            cell(""),
            cell(total.issued).at("/total/issued"),
            cell(total.redeemed).at("/total/redeemed"),
            cell(total.not_started).at("/total/not_started"),
            cell(total.returned).at("/total/returned"),
            cell(total.running).at("/total/running"),
            cell(total.open_beyond_threshold).at("/total/open_beyond_threshold"),
            cell(""),
            cell(""),
        ]);
        let mut s = Table::new(
            "stages",
            "Running cases per stage",
            &[
                "provider",
                "service",
                "stage",
                "open",
                "over threshold",
                "share",
            ],
        );
        for (i, r) in self.stages.iter().enumerate() {
            let at = |field: &str| format!("/stages/{i}/{field}");
            let over = cell(r.over_threshold).at(at("over_threshold"));
            let cells = vec![
                cell(r.provider.as_str()),
                cell(r.service.as_str()),
                cell(r.stage).at(at("stage")),
                cell(r.open).at(at("open")),
                over,
                cell(r.share).at(at("share")),
            ];
            if r.over_threshold > 0 {
                s.marked_row(cells);
            } else {
                s.row(cells);
            }
        }
        vec![t, s]
    }

    fn charts(&self) -> Vec<Chart> {
        let mut charts = Vec::new();
        if !self.rows.is_empty() {
            let series = |name: &str, field: &str, pick: fn(&MonitoringRow) -> u64| Series {
                name: name.into(),
                values: self
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| cell(pick(r)).at(format!("/rows/{i}/{field}")))
                    .collect(),
                mark: Mark::Bar,
            };
            charts.push(Chart {
                title: format!("Vouchers issued in {} by provider and service", self.year),
                description: format!(
                    "Bars per provider and service: of {} vouchers issued, {} redeemed, {} not \
                     started, {} returned.",
                    self.total.issued,
                    self.total.redeemed,
                    self.total.not_started,
                    self.total.returned
                ),
                kind: ChartKind::Bars,
                categories: self
                    .rows
                    .iter()
                    .map(|r| format!("{}\n{}", r.provider, r.service))
                    .collect(),
                series: vec![
                    series("issued", "issued", |r| r.issued),
                    series("redeemed", "redeemed", |r| r.redeemed),
                    series("not started", "not_started", |r| r.not_started),
                    series("returned", "returned", |r| r.returned),
                ],
                reference: None,
                unit: "vouchers".into(),
            });
        }
        if !self.stages.is_empty() {
            let over: u64 = self.stages.iter().map(|s| s.over_threshold).sum();
            let open: u64 = self.stages.iter().map(|s| s.open).sum();
            let each = |field: &str, pick: &dyn Fn(&StageRow) -> Cell| -> Vec<Cell> {
                self.stages
                    .iter()
                    .enumerate()
                    .map(|(i, s)| pick(s).at(format!("/stages/{i}/{field}")))
                    .collect()
            };
            charts.push(Chart {
                title: "Running cases per service stage".into(),
                description: format!(
                    "Bars of the running cases per provider, service and stage, with those open \
                     longer than {} days in red: {over} of {open}.",
                    self.stage_open_days
                ),
                kind: ChartKind::Bars,
                categories: self
                    .stages
                    .iter()
                    .map(|s| format!("{}\n{} · stage {}", s.provider, s.service, s.stage))
                    .collect(),
                series: vec![
                    Series {
                        name: "running".into(),
                        values: each("open", &|s| cell(s.open)),
                        mark: Mark::Bar,
                    },
                    Series {
                        name: format!("over {} days", self.stage_open_days),
                        values: each("over_threshold", &|s| cell(s.over_threshold)),
                        mark: Mark::Alert,
                    },
                    Series {
                        name: "over".into(),
                        values: each("share", &|s| cell(s.share)),
                        mark: Mark::Note,
                    },
                ],
                reference: None,
                unit: "cases".into(),
            });
        }
        charts
    }

    fn legend(&self) -> Vec<String> {
        vec![
            format!("issued, redeemed, not started, returned: vouchers issued in {} and their status on {}", self.year, self.as_of),
            "running: redeemed, no final feedback, case open (vouchers of earlier years included)".into(),
            format!("open > threshold: running vouchers issued more than {} days before the report date", self.voucher_open_days),
            format!("over threshold: the current stage started more than {} days before the report date", self.stage_open_days),
            "under 25: age at registration; avg days: redemption to final feedback, services completed in the year".into(),
            "percentages to one decimal, rounded half away from zero; – where there is nothing to divide by".into(),
        ]
    }
}
