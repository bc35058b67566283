//! The rules of the work around the main path (`crate::coordination`): intake, escalation,
//! handover, conferences, delegation, progress, closure duties. Part of `decide`: only
//! `decide_open` calls in here, after the role, consent and named-coordinator checks.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};

use crate::actor::{Context, Role};
use crate::coordination::{
    AdmissionDecision, ConferenceDecision, Delegation, NoticeRecipient, ProgressOn,
};
use crate::deadline::open_deadlines;
use crate::plan::Plan;

use super::command::CaseCommand;
use super::decide::wrong_phase;
use super::error::CaseError;
use super::event::CaseEvent;
use super::state::{ClosureReason, OpenCase, Phase, PhaseName};

const TEAM_PHASES: &[PhaseName] = &[
    PhaseName::TeamFormed,
    PhaseName::Assessed,
    PhaseName::Planned,
];

/// Decides one command of the work around the main path.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    let today = ctx.policy.local_date(at);
    let rules = &ctx.policy.process;
    let c = &case.coordination;
    let team = || {
        case.phase
            .team()
            .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))
    };
    let event = match cmd {
        C::RecordMandate { mandate } => CaseEvent::MandateRecorded {
            at,
            mandate: mandate.clone(),
        },
        C::DecideAdmission { decision } => {
            if !matches!(case.phase, Phase::Registered) {
                return Err(wrong_phase(cmd, &[PhaseName::Registered], case));
            }
            if c.admission.is_some() {
                return Err(CaseError::AdmissionAlreadyDecided);
            }
            let decided = CaseEvent::AdmissionDecided {
                at,
                decision: *decision,
            };
            if let AdmissionDecision::Declined { .. } = decision {
                let mut events = vec![
                    decided,
                    CaseEvent::CaseClosed {
                        at,
                        reason: ClosureReason::ReferralDeclined,
                    },
                ];
                if !rules.intake.keep_declined_personal_data {
                    events.push(CaseEvent::CaseErased { at });
                }
                return Ok(events);
            }
            decided
        }
        C::RecordEscalation { item, level } => {
            let deadline = open_deadlines(case, ctx.policy)
                .into_iter()
                .find(|d| &d.item == item && d.is_overdue(today))
                .ok_or_else(|| CaseError::NotOverdue { item: item.clone() })?;
            let days = deadline.days_overdue(today);
            let not_now = |why: String| CaseError::EscalationLevel { level: *level, why };
            let allowed = rules
                .escalation_level(days)
                .ok_or_else(|| not_now(format!("no level applies {days} day(s) overdue")))?;
            let target = rules
                .escalation
                .iter()
                .find(|l| l.level == *level)
                .ok_or_else(|| not_now("the policy has no such level".to_owned()))?;
            if *level > allowed.level {
                return Err(not_now(format!(
                    "{days} day(s) overdue allow up to level {}",
                    allowed.level
                )));
            }
            let recorded = c.escalation_level(item);
            if *level <= recorded {
                return Err(not_now(format!("level {recorded} is already recorded")));
            }
            CaseEvent::DeadlineEscalated {
                at,
                item: item.clone(),
                level: *level,
                party: deadline.responsible,
                to: target.to.clone(),
            }
        }
        C::HandOverCoordination {
            to,
            institution,
            reason,
        } => {
            let team = team()?;
            if &team.coordinator == to {
                return Err(CaseError::AlreadyCoordinator(to.clone()));
            }
            let team_institution = &team.coordinator_institution == institution
                || team.members.iter().any(|m| &m.institution == institution);
            if !team_institution {
                return Err(CaseError::NotTeamInstitution(institution.clone()));
            }
            CaseEvent::CoordinationHandedOver {
                at,
                from: team.coordinator.clone(),
                to: to.clone(),
                institution: institution.clone(),
                reason: *reason,
            }
        }
        C::ScheduleConference { on } => {
            team()?;
            if *on < today {
                return Err(CaseError::DayInPast(*on));
            }
            CaseEvent::ConferenceScheduled { at, on: *on }
        }
        C::HoldConference {
            kind,
            participants,
            minutes,
            decision,
        } => {
            let team = team()?;
            let distinct: BTreeSet<_> = participants.iter().collect();
            let min = rules.conference.min_participants;
            if distinct.len() < usize::from(min) || distinct.len() != participants.len() {
                return Err(CaseError::TooFewParticipants {
                    min,
                    got: distinct.len(),
                });
            }
            if let Some(outsider) = participants.iter().find(|u| !team.contains(u)) {
                return Err(CaseError::NotAParticipant(outsider.clone()));
            }
            if *decision == ConferenceDecision::RevisePlan && case.phase.planned().is_none() {
                return Err(wrong_phase(cmd, &[PhaseName::Planned], case));
            }
            CaseEvent::ConferenceHeld {
                at,
                kind: *kind,
                participants: participants.clone(),
                minutes: minutes.clone(),
                decision: *decision,
            }
        }
        C::DelegateCaseManagement {
            delegate,
            institution,
            measures,
            until,
        } => {
            let team = team()?;
            if let Some(running) = c.delegation_on(today, ctx.policy.time_zone) {
                return Err(CaseError::DelegationRunning(running.until));
            }
            if &team.coordinator == delegate {
                return Err(CaseError::AlreadyCoordinator(delegate.clone()));
            }
            if !measures.is_empty() {
                let planned = case
                    .phase
                    .planned()
                    .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
                if let Some(unknown) = measures.iter().find(|m| planned.plan.measure(m).is_none()) {
                    return Err(CaseError::UnknownMeasure(unknown.clone()));
                }
            }
            if *until < today {
                return Err(CaseError::DayInPast(*until));
            }
            let latest = today
                .checked_add_days(Days::new(u64::from(rules.delegation.max_days)))
                .unwrap_or(NaiveDate::MAX);
            if *until > latest {
                return Err(CaseError::DelegationTooLong {
                    until: *until,
                    latest,
                });
            }
            CaseEvent::CaseManagementDelegated {
                at,
                delegate: delegate.clone(),
                institution: institution.clone(),
                measures: measures.clone(),
                until: *until,
            }
        }
        C::EndDelegation => {
            c.delegation_on(today, ctx.policy.time_zone)
                .ok_or(CaseError::NoDelegation)?;
            CaseEvent::DelegationEnded { at }
        }
        C::RecordProgress { on, status, note } => {
            let planned = case
                .phase
                .planned()
                .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
            check_progress_author(case, &planned.plan, on, ctx)?;
            CaseEvent::ProgressRecorded {
                at,
                by: ctx.actor.user.clone(),
                on: on.clone(),
                status: *status,
                note: note.clone(),
            }
        }
        C::LinkVoucher { voucher, measure } => {
            let planned = case
                .phase
                .planned()
                .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
            if planned.plan.measure(measure).is_none() {
                return Err(CaseError::UnknownMeasure(measure.clone()));
            }
            let v = case
                .vouchers
                .get(voucher)
                .ok_or_else(|| CaseError::UnknownVoucher(voucher.clone()))?;
            if v.measure.as_ref() == Some(measure) {
                return Err(CaseError::AlreadyLinked(voucher.clone()));
            }
            CaseEvent::VoucherLinked {
                at,
                voucher: voucher.clone(),
                measure: measure.clone(),
            }
        }
        C::SendClosureNotice { to } => CaseEvent::ClosureNoticeSent { at, to: *to },
        C::EvaluateCase { attainment } => {
            let planned = case
                .phase
                .planned()
                .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
            let goals: BTreeSet<_> = planned.plan.goals.iter().map(|g| &g.id).collect();
            let named: Vec<_> = attainment.iter().map(|a| &a.goal).collect();
            let distinct: BTreeSet<_> = named.iter().copied().collect();
            if let Some(unknown) = named.iter().find(|g| !goals.contains(*g)) {
                return Err(CaseError::UnknownGoal((*unknown).clone()));
            }
            if distinct.len() != named.len() || distinct != goals {
                let missing: Vec<_> = goals
                    .difference(&distinct)
                    .map(ToString::to_string)
                    .collect();
                return Err(CaseError::EvaluationIncomplete(if missing.is_empty() {
                    "a goal is named twice".to_owned()
                } else {
                    format!("missing {}", missing.join(", "))
                }));
            }
            CaseEvent::CaseEvaluated {
                at,
                attainment: attainment.clone(),
            }
        }
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}

/// Who may record progress: the named coordinator on anything; on a measure, a member of
/// the responsible institution, the client on its own tasks, or the delegate of a running
/// delegation that covers it; on a goal, the delegate of a running whole-case delegation.
fn check_progress_author(
    case: &OpenCase,
    plan: &Plan,
    on: &ProgressOn,
    ctx: &Context<'_>,
) -> Result<(), CaseError> {
    let actor = ctx.actor;
    let today = ctx.policy.local_date(ctx.now);
    let refuse = |why| CaseError::NotResponsible {
        user: actor.user.clone(),
        on: on.clone(),
        why,
    };
    let delegation = case
        .coordination
        .delegation_on(today, ctx.policy.time_zone)
        .filter(|d| d.delegate == actor.user);
    if actor.role == Role::Coordinator {
        // the named-coordinator check has run
        return match on {
            ProgressOn::Goal(g) if !plan.goals.iter().any(|x| &x.id == g) => {
                Err(CaseError::UnknownGoal(g.clone()))
            }
            ProgressOn::Measure(m) if plan.measure(m).is_none() => {
                Err(CaseError::UnknownMeasure(m.clone()))
            }
            _ => Ok(()),
        };
    }
    match on {
        ProgressOn::Goal(g) => {
            if !plan.goals.iter().any(|x| &x.id == g) {
                return Err(CaseError::UnknownGoal(g.clone()));
            }
            match delegation {
                Some(d) if d.measures.is_empty() => Ok(()),
                _ => Err(refuse(
                    "goals are rated by the coordinator or a whole-case delegate",
                )),
            }
        }
        ProgressOn::Measure(m) => {
            let measure = plan
                .measure(m)
                .ok_or_else(|| CaseError::UnknownMeasure(m.clone()))?;
            let by_delegate = delegation.is_some_and(|d: &Delegation| d.covers(m));
            let ok = match actor.role {
                Role::Client => measure.client_task,
                _ => by_delegate || actor.institution == measure.responsible,
            };
            if ok {
                Ok(())
            } else if actor.role == Role::Client {
                Err(refuse("the client records progress on its own tasks only"))
            } else {
                Err(refuse(
                    "only the responsible institution or a delegate covering the measure",
                ))
            }
        }
    }
}

/// A review is held by the named coordinator or by the delegate of a running whole-case
/// delegation.
pub(super) fn check_reviewer(case: &OpenCase, ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.actor.role == Role::Coordinator {
        return Ok(());
    }
    let delegate = case
        .coordination
        .delegation_on(ctx.policy.local_date(ctx.now), ctx.policy.time_zone)
        .is_some_and(|d| d.delegate == ctx.actor.user && d.measures.is_empty());
    if delegate {
        Ok(())
    } else {
        Err(CaseError::NotPermitted {
            role: ctx.actor.role,
            command: "HoldReview",
        })
    }
}

/// A plan takes effect only valid, signed as the policy requires, and with sectors the
/// policy knows.
pub(super) fn check_plan(plan: &Plan, ctx: &Context<'_>) -> Result<(), CaseError> {
    plan.validate(ctx.policy.local_date(ctx.now))?;
    let rules = &ctx.policy.process;
    if rules.plan_signatures.client && !plan.signed_by_client {
        return Err(CaseError::PlanNotSigned("client"));
    }
    if rules.plan_signatures.coordinator && !plan.signed_by_coordinator {
        return Err(CaseError::PlanNotSigned("coordinator"));
    }
    if !rules.sectors.is_empty() {
        let unknown = plan
            .measures
            .iter()
            .filter_map(|m| m.sector.as_deref())
            .find(|s| rules.sector(s).is_none());
        if let Some(sector) = unknown {
            return Err(CaseError::UnknownSector(sector.to_owned()));
        }
    }
    Ok(())
}

/// Before a case closes: the notices the policy requires, and for a planned case the
/// evaluation of its goals.
pub(super) fn check_closure_duties(case: &OpenCase, ctx: &Context<'_>) -> Result<(), CaseError> {
    let rules = &ctx.policy.process.closure;
    if rules.notices_required {
        for to in [NoticeRecipient::Referrer, NoticeRecipient::Client] {
            if !case.coordination.notices.contains(&to) {
                return Err(CaseError::NoticeMissing(to));
            }
        }
    }
    if rules.evaluation_required
        && case.phase.planned().is_some()
        && case.coordination.attainment.is_empty()
    {
        return Err(CaseError::EvaluationRequired);
    }
    Ok(())
}
