//! Report 4: outcomes — integration rate per service type and period, and closure reasons.

use std::collections::{BTreeMap, BTreeSet};

use casework_core::{ClosureReason, ServiceId, Voucher, VoucherId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::pct::{opt, Pct};
use crate::render::{Report, Table};

/// The integration rate of one service (or of all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeRow {
    /// The service, or `all services`.
    pub service: String,
    /// Participants: cases closed in the period that used the service.
    pub participants: u64,
    /// Of those, in work afterwards (closed with reason employment).
    pub integrated: u64,
    /// The integration rate.
    pub rate: Option<Pct>,
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
    let row = |service: String, participants: u64, integrated: u64| OutcomeRow {
        service,
        participants,
        integrated,
        rate: Pct::of(integrated as i64, participants as i64),
    };
    let mut services: Vec<OutcomeRow> = sum
        .services
        .into_iter()
        .map(|(s, (cases, i))| row(s.to_string(), cases, i))
        .collect();
    services.push(row("all services".into(), sum.participants, sum.integrated));
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
            "Integration rate by service",
            &["service", "participants", "in work", "rate"],
        );
        for r in &self.services {
            rates.row(vec![
                r.service.clone(),
                r.participants.to_string(),
                r.integrated.to_string(),
                opt(r.rate),
            ]);
        }
        let mut reasons = Table::new("Closure reasons", &["reason", "cases"]);
        for (reason, n) in &self.reasons {
            reasons.row(vec![reason.to_string(), n.to_string()]);
        }
        vec![rates, reasons]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "participants: cases closed in the period with a redeemed voucher of the service (a case counts once per service and once in all services)".into(),
            "in work: the case closed with reason employment".into(),
            "rate = in work ÷ participants, one decimal, rounded half away from zero".into(),
        ]
    }
}
