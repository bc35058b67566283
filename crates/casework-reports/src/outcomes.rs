//! Report 4: outcomes — integration rate per service type and period, and closure reasons.

use std::collections::{BTreeMap, BTreeSet};

use casework_core::{CaseId, ClosureReason, ServiceId};
use chrono::NaiveDate;
use serde::Serialize;

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

/// Computes outcomes for cases closed between `from` and `to` (inclusive).
pub fn outcomes(book: &CaseBook, from: NaiveDate, to: NaiveDate) -> Outcomes {
    let mut per_service: BTreeMap<ServiceId, (BTreeSet<CaseId>, u64)> = BTreeMap::new();
    let (mut all, mut all_integrated) = (BTreeSet::new(), 0u64);
    let mut reasons: BTreeMap<ClosureReason, u64> = BTreeMap::new();
    for (id, entry) in &book.cases {
        let Some(c) = entry.closed() else {
            continue;
        };
        let day = c.closed_at.date_naive();
        if day < from || day > to {
            continue;
        }
        *reasons.entry(c.reason).or_default() += 1;
        let integrated = c.reason.is_integration();
        let used: BTreeSet<&ServiceId> = c
            .vouchers
            .values()
            .filter(|v| v.status.redeemed_at().is_some())
            .map(|v| &v.service)
            .collect();
        for s in &used {
            let e = per_service.entry((*s).clone()).or_default();
            e.0.insert(*id);
            e.1 += u64::from(integrated);
        }
        if !used.is_empty() && all.insert(*id) {
            all_integrated += u64::from(integrated);
        }
    }
    let row = |service: String, participants: u64, integrated: u64| OutcomeRow {
        service,
        participants,
        integrated,
        rate: Pct::of(integrated as i64, participants as i64),
    };
    let mut services: Vec<OutcomeRow> = per_service
        .into_iter()
        .map(|(s, (cases, i))| row(s.to_string(), cases.len() as u64, i))
        .collect();
    services.push(row("all services".into(), all.len() as u64, all_integrated));
    Outcomes {
        from,
        to,
        services,
        reasons: reasons.into_iter().collect(),
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
