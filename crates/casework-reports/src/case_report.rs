//! Report 5: the case report for one client (interim or final, after the Hamm form):
//! period, initial situation, goals and modules, result, further measures, cooperation.
//! Process facts, ids and pseudonymous labels only: no names, no free text.

use casework_process::{
    deadlines, AssessmentOutcome, CaseId, CaseState, ClosureReason, Deadline, GoalId,
    InstitutionId, MarketProximity, MeasureId, PhaseName, Policy, ProblemArea, ProviderId,
    ServiceId, VoucherId, VoucherStatus,
};
use chrono::NaiveDate;
use serde::Serialize;

use crate::book::{Attendance, CaseFile};
use crate::pct::Tenths;
use crate::render::{cell, Report, Table};

/// Interim (case open) or final (case closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseReportKind {
    /// The case is open.
    Interim,
    /// The case is closed.
    Final,
}

/// A plan measure as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeasureLine {
    /// The measure id.
    pub measure: MeasureId,
    /// The goal it serves.
    pub goal: GoalId,
    /// Who is responsible.
    pub responsible: InstitutionId,
    /// Its deadline.
    pub deadline: NaiveDate,
    /// Found completed at a review.
    pub completed: bool,
}

/// A service as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceLine {
    /// The voucher.
    pub voucher: VoucherId,
    /// The service.
    pub service: ServiceId,
    /// The provider.
    pub provider: ProviderId,
    /// Status on the report date.
    pub status: String,
    /// Need group, if classified.
    pub need_group: Option<u8>,
    /// Individual hours per module.
    pub modules: Vec<(u8, Tenths)>,
}

/// The case report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseReport {
    /// The case (pseudonymous id).
    pub case: CaseId,
    /// Interim or final.
    pub kind: CaseReportKind,
    /// Registration day.
    pub from: NaiveDate,
    /// Closure day, or the report date.
    pub to: NaiveDate,
    /// Phase on the report date.
    pub phase: PhaseName,
    /// Initial situation: problem areas at registration.
    pub problem_areas: Vec<ProblemArea>,
    /// Initial situation: distance to the labour market.
    pub market: MarketProximity,
    /// Where triage routed the client.
    pub route: String,
    /// What the team decided after the situation analysis.
    pub assessment: Option<AssessmentOutcome>,
    /// Plan measures.
    pub measures: Vec<MeasureLine>,
    /// Services engaged by voucher.
    pub services: Vec<ServiceLine>,
    /// Result: the closure reason of a final report.
    pub result: Option<ClosureReason>,
    /// Further measures: deadlines still pending.
    pub further: Vec<Deadline>,
    /// Reviews held.
    pub reviews: usize,
    /// Cooperation: attendance reported by providers.
    pub attendance: Attendance,
}

/// The report for one case on day `on`, from the case in full ([`CaseFile::load`]);
/// `None` for an unregistered case.
pub fn case_report(
    id: CaseId,
    entry: &CaseFile,
    policy: &Policy,
    on: NaiveDate,
) -> Option<CaseReport> {
    let state = &entry.state;
    let reg = state.registration()?;
    let phase = state.phase()?;
    let (kind, to, result) = match state {
        CaseState::Closed(c) => (
            CaseReportKind::Final,
            policy.local_date(c.closed_at),
            Some(c.reason),
        ),
        _ => (CaseReportKind::Interim, on, None),
    };
    let planned = phase.planned();
    let measures = planned.map_or_else(Vec::new, |p| {
        p.plan
            .measures
            .iter()
            .map(|m| MeasureLine {
                measure: m.id.clone(),
                goal: m.goal.clone(),
                responsible: m.responsible.clone(),
                deadline: m.deadline,
                completed: p.completed_measures.contains(&m.id),
            })
            .collect()
    });
    let services = state
        .vouchers()
        .into_iter()
        .flat_map(|m| m.values())
        .map(|v| ServiceLine {
            voucher: v.id.clone(),
            service: v.service.clone(),
            provider: v.provider.clone(),
            status: match v.status {
                VoucherStatus::Completed { outcome, .. } => {
                    format!("completed ({outcome:?})").to_lowercase()
                }
                other => other.name().to_owned(),
            },
            need_group: v.need_group,
            modules: v
                .effort
                .iter()
                .map(|(m, e)| {
                    (
                        *m,
                        Tenths::ratio(i64::from(e.individual_minutes), 60).unwrap_or(Tenths(0)),
                    )
                })
                .collect(),
        })
        .collect();
    Some(CaseReport {
        case: id,
        kind,
        from: policy.local_date(reg.at),
        to,
        phase: state.phase_name(),
        problem_areas: reg.profile.problem_areas.iter().copied().collect(),
        market: reg.profile.market,
        route: reg.route.clone(),
        assessment: phase.assessment().map(|a| a.outcome),
        measures,
        services,
        result,
        further: deadlines(state, policy),
        reviews: planned.map_or(0, |p| p.reviews.len()),
        attendance: entry.attendance,
    })
}

fn area(a: ProblemArea) -> &'static str {
    match a {
        ProblemArea::Health => "health",
        ProblemArea::Finances => "finances",
        ProblemArea::Social => "social",
        ProblemArea::SocioStructural => "socio-structural",
        ProblemArea::LabourMarket => "labour market",
    }
}

impl Report for CaseReport {
    fn title(&self) -> String {
        let kind = match self.kind {
            CaseReportKind::Interim => "Interim",
            CaseReportKind::Final => "Final",
        };
        format!(
            "{kind} case report, case {} ({} – {})",
            self.case, self.from, self.to
        )
    }

    fn tables(&self) -> Vec<Table> {
        let mut situation = Table::new(
            "situation",
            "Initial situation",
            &[
                "phase",
                "problem areas",
                "labour market",
                "route",
                "assessment",
            ],
        );
        situation.row(vec![
            cell(self.phase.to_string()),
            cell(
                self.problem_areas
                    .iter()
                    .map(|a| area(*a))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            cell(match self.market {
                MarketProximity::Near => "near",
                MarketProximity::Far => "far",
            }),
            cell(&self.route),
            cell(self.assessment.map(|a| match a {
                AssessmentOutcome::RoundTable => "round table",
                AssessmentOutcome::RecommendAndClose => "recommend and close",
            })),
        ]);
        let mut measures = Table::new(
            "measures",
            "Goals and measures",
            &["measure", "goal", "responsible", "deadline", "completed"],
        );
        for (i, m) in self.measures.iter().enumerate() {
            measures.row(vec![
                cell(m.measure.as_str()),
                cell(m.goal.as_str()),
                cell(m.responsible.as_str()),
                cell(m.deadline).at(format!("/measures/{i}/deadline")),
                cell(if m.completed { "yes" } else { "no" }),
            ]);
        }
        let mut services = Table::new(
            "services",
            "Services and modules",
            &[
                "voucher",
                "service",
                "provider",
                "status",
                "need group",
                "hours by module",
            ],
        );
        for (i, s) in self.services.iter().enumerate() {
            services.row(vec![
                cell(s.voucher.as_str()),
                cell(s.service.as_str()),
                cell(s.provider.as_str()),
                cell(&s.status),
                cell(s.need_group).at(format!("/services/{i}/need_group")),
                cell(
                    s.modules
                        .iter()
                        .map(|(m, h)| format!("{m}: {h}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            ]);
        }
        let mut result = Table::new(
            "result",
            "Result and cooperation",
            &["result", "reviews held", "attending", "not attending"],
        );
        result.row(vec![
            cell(self.result.map(|r| r.to_string())),
            cell(self.reviews).at("/reviews"),
            cell(self.attendance.attending).at("/attendance/attending"),
            cell(self.attendance.not_attending).at("/attendance/not_attending"),
        ]);
        let mut further = Table::new(
            "further",
            "Further measures (pending deadlines)",
            &["due", "item", "responsible"],
        );
        for (i, d) in self.further.iter().enumerate() {
            further.row(vec![
                cell(d.due).at(format!("/further/{i}/due")),
                cell(d.item.to_string()),
                cell(d.responsible.to_string()),
            ]);
        }
        vec![situation, measures, services, result, further]
    }

    fn legend(&self) -> Vec<String> {
        vec!["process facts only: names, goals in words, minutes and counselling content are personal data and not shown".into()]
    }
}
