//! Report 4: outcomes — integration rate per service type and period, and closure reasons.

use std::collections::{BTreeMap, BTreeSet};

use casework_process::{ClosureReason, ServiceId, Voucher, VoucherId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::pct::Pct;
use crate::render::{cell, Chart, ChartKind, Mark, Report, Series, Table};

/// The integration rate of one service (or of all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeRow {
    /// The service; `None` for all services together.
    pub service: Option<ServiceId>,
    /// Participants: cases closed in the period that used the service.
    pub participants: u64,
    /// Of those, in work afterwards (closed with reason employment).
    pub integrated: u64,
    /// The integration rate.
    pub rate: Option<Pct>,
}

impl OutcomeRow {
    /// The service's id, or `all services`.
    pub fn label(&self) -> &str {
        self.service
            .as_ref()
            .map_or("all services", ServiceId::as_str)
    }
}

/// The outcomes report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcomes {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Per service, then all services.
    pub services: Vec<OutcomeRow>,
    /// Cases closed in the period by reason.
    pub reasons: Vec<(ClosureReason, u64)>,
}

/// What the cases closed on one day add up to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClosureTotals {
    /// Cases by closing reason.
    pub reasons: BTreeMap<ClosureReason, u64>,
    /// By service: (cases that used it, of those integrated).
    pub services: BTreeMap<ServiceId, (u64, u64)>,
    /// Cases that used any service.
    pub participants: u64,
    /// Of those, integrated.
    pub integrated: u64,
    /// What the evaluation report counts of these cases.
    #[serde(default)]
    pub evaluation: crate::evaluation::EvaluationTotals,
}

/// Counts one case closed for `reason` with `vouchers`: a case counts once per service
/// it used (a redeemed voucher), and once among all participants if it used any.
pub(crate) fn count_closure(
    t: &mut ClosureTotals,
    reason: ClosureReason,
    vouchers: &BTreeMap<VoucherId, Voucher>,
) {
    *t.reasons.entry(reason).or_default() += 1;
    let integrated = u64::from(reason.is_integration());
    let used: BTreeSet<&ServiceId> = vouchers
        .values()
        .filter(|v| v.status.redeemed_at().is_some())
        .map(|v| &v.service)
        .collect();
    for s in &used {
        let e = t.services.entry((*s).clone()).or_default();
        e.0 += 1;
        e.1 += integrated;
    }
    if !used.is_empty() {
        t.participants += 1;
        t.integrated += integrated;
    }
}

/// Computes outcomes for cases closed between `from` and `to` (inclusive).
pub fn outcomes(book: &CaseBook, from: NaiveDate, to: NaiveDate) -> Outcomes {
    let mut sum = ClosureTotals::default();
    if from <= to {
        for day in book.closed.closures.range(from..=to).map(|(_, t)| t) {
            for (reason, n) in &day.reasons {
                *sum.reasons.entry(*reason).or_default() += n;
            }
            for (service, (cases, integrated)) in &day.services {
                let e = sum.services.entry(service.clone()).or_default();
                e.0 += cases;
                e.1 += integrated;
            }
            sum.participants += day.participants;
            sum.integrated += day.integrated;
        }
    }
    let row = |service: Option<ServiceId>, participants: u64, integrated: u64| OutcomeRow {
        service,
        participants,
        integrated,
        rate: Pct::of(integrated as i64, participants as i64),
    };
    let mut services: Vec<OutcomeRow> = sum
        .services
        .into_iter()
        .map(|(s, (cases, i))| row(Some(s), cases, i))
        .collect();
    services.push(row(None, sum.participants, sum.integrated));
    Outcomes {
        from,
        to,
        services,
        reasons: sum.reasons.into_iter().collect(),
    }
}

impl Report for Outcomes {
    fn title(&self) -> String {
        format!("Outcomes {} – {}", self.from, self.to)
    }

    fn tables(&self) -> Vec<Table> {
        let mut rates = Table::new(
            "rates",
            "Integration rate by service",
            &["service", "participants", "in work", "rate"],
        );
        for (i, r) in self.services.iter().enumerate() {
            let at = |field: &str| format!("/services/{i}/{field}");
            rates.row(vec![
                cell(r.label()),
                cell(r.participants).at(at("participants")),
                cell(r.integrated).at(at("integrated")),
                cell(r.rate).at(at("rate")),
            ]);
        }
        let mut reasons = Table::new("reasons", "Closure reasons", &["reason", "cases"]);
        for (i, (reason, n)) in self.reasons.iter().enumerate() {
            reasons.row(vec![
                cell(reason.to_string()),
                cell(*n).at(format!("/reasons/{i}/1")),
            ]);
        }
        vec![rates, reasons]
    }

    fn charts(&self) -> Vec<Chart> {
        if self.services.is_empty() {
            return Vec::new();
        }
        let all = self.services.last();
        vec![Chart {
            title: format!("Integration rate by service, {} – {}", self.from, self.to),
            description: format!(
                "Bars of the share of participants in work after the case closed, per service; \
                 all services together: {} of {}.",
                all.map_or(0, |r| r.integrated),
                all.map_or(0, |r| r.participants)
            ),
            kind: ChartKind::Bars,
            categories: self.services.iter().map(|r| r.label().to_owned()).collect(),
            series: vec![
                Series {
                    name: "integration rate".into(),
                    values: self
                        .services
                        .iter()
                        .enumerate()
                        .map(|(i, r)| cell(r.rate).at(format!("/services/{i}/rate")))
                        .collect(),
                    mark: Mark::Bar,
                },
                Series {
                    name: "participants".into(),
                    values: self
                        .services
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            cell(r.participants).at(format!("/services/{i}/participants"))
                        })
                        .collect(),
                    mark: Mark::Note,
                },
            ],
            reference: None,
            unit: "%".into(),
        }]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "participants: cases closed in the period with a redeemed voucher of the service (a case counts once per service and once in all services)".into(),
            "in work: the case closed with reason employment".into(),
            "rate = in work ÷ participants, one decimal, rounded half away from zero".into(),
        ]
    }
}
