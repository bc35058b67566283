//! Coordination: escalation of overdue deadlines, handover of the coordination, case
//! conferences, and delegation of case management.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `RecordEscalation` | coordinator, caseworker, manager | not needed | nothing beyond the case's deadlines |
//! | `HandOverCoordination` | coordinator, manager | needed | the case with the new coordinator's institution (named by the consent, and in the team) |
//! | `ScheduleConference` | coordinator | needed | nothing |
//! | `HoldConference` | coordinator | needed | the case with each participant's institution (named by the consent); participants are team members and the client (or its legal representative); minutes: the categories of the client's problems |
//! | `DelegateCaseManagement` | coordinator | needed | the case (or the delegated measures) with the delegate's institution (named by the consent), until the delegation's end, at most the policy's days |
//! | `EndDelegation` | coordinator | needed | nothing |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};

use crate::actor::{Context, Role};
use crate::deadline::open_deadlines;
use crate::ids::{InstitutionId, MeasureId, UserId};
use crate::model::DeadlineItem;
use crate::model::{CaseCommand, CaseEvent, OpenCase, PhaseName};
use crate::record::{ConferenceDecision, ConferenceKind, HandoverReason};
use casework_core::Personal;

use super::error::{CaseError, CoordinationError, PlanningError};
use super::gates::{wrong_phase, CommandRule, Scope, TEAM_PHASES};

/// Who may escalate, hand over, hold conferences and delegate, and under which consent.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    use Role::{Caseworker, Coordinator, Manager};
    match cmd {
        C::RecordEscalation { .. } => {
            CommandRule::without_consent(&[Coordinator, Caseworker, Manager])
        }
        C::HandOverCoordination { .. } => CommandRule::with_consent(&[Coordinator, Manager]),
        C::ScheduleConference { .. }
        | C::HoldConference { .. }
        | C::DelegateCaseManagement { .. }
        | C::EndDelegation => CommandRule::with_consent(&[Coordinator]),
        _ => CommandRule::NOBODY,
    }
}

/// What these commands share: the case with the institution that takes over or is
/// delegated to, with the conference's participants, and the minutes' contents.
pub(super) fn check_scope(
    case: &OpenCase,
    cmd: &CaseCommand,
    scope: &Scope<'_>,
) -> Result<(), CaseError> {
    match cmd {
        CaseCommand::HandOverCoordination { institution, .. }
        | CaseCommand::DelegateCaseManagement { institution, .. } => scope.institution(institution),
        CaseCommand::HoldConference {
            participants,
            minutes,
            ..
        } => {
            if let Some(team) = case.phase.team() {
                for user in participants {
                    if let Some(m) = team.members.iter().find(|m| &m.user == user) {
                        scope.institution(&m.institution)?;
                    }
                }
            }
            if minutes.expose().is_some_and(|n| !n.is_empty()) {
                scope.report()?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Decides a coordination command on an open case: each command's rule is the function
/// named in its arm.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let event = match cmd {
        C::RecordEscalation { item, level } => escalate(case, ctx, item, level)?,
        C::HandOverCoordination {
            to,
            institution,
            reason,
        } => hand_over(case, cmd, ctx, to, institution, reason)?,
        C::ScheduleConference { on } => schedule_conference(case, cmd, ctx, on)?,
        C::HoldConference {
            kind,
            participants,
            minutes,
            decision,
        } => hold_conference(case, cmd, ctx, kind, participants, minutes, decision)?,
        C::DelegateCaseManagement {
            delegate,
            institution,
            measures,
            until,
        } => delegate_case_management(case, cmd, ctx, delegate, institution, measures, until)?,
        C::EndDelegation => end_delegation(case, ctx)?,
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}

/// An overdue deadline is escalated to a level the days overdue allow, above the one
/// recorded; it records the late party and who acts.
fn escalate(
    case: &OpenCase,
    ctx: &Context<'_>,
    item: &DeadlineItem,
    level: &u8,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let today = ctx.policy.local_date(ctx.now);
    let rules = &ctx.policy.process;
    let c = &case.coordination;
    let deadline = open_deadlines(case, ctx.policy)
        .into_iter()
        .find(|d| &d.item == item && d.is_overdue(today))
        .ok_or_else(|| CoordinationError::NotOverdue { item: item.clone() })?;
    let days = deadline.days_overdue(today);
    let not_now = |why: String| -> CaseError {
        CoordinationError::EscalationLevel { level: *level, why }.into()
    };
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
    Ok(CaseEvent::DeadlineEscalated {
        at,
        item: item.clone(),
        level: *level,
        party: deadline.responsible,
        to: target.to.clone(),
    })
}

/// Coordination goes to someone else of an institution of the team.
fn hand_over(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
    to: &UserId,
    institution: &InstitutionId,
    reason: &HandoverReason,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let team = || {
        case.phase
            .team()
            .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))
    };
    let team = team()?;
    if &team.coordinator == to {
        return Err(CoordinationError::AlreadyCoordinator(to.clone()).into());
    }
    let team_institution = &team.coordinator_institution == institution
        || team.members.iter().any(|m| &m.institution == institution);
    if !team_institution {
        return Err(CoordinationError::NotTeamInstitution(institution.clone()).into());
    }
    Ok(CaseEvent::CoordinationHandedOver {
        at,
        from: team.coordinator.clone(),
        to: to.clone(),
        institution: institution.clone(),
        reason: *reason,
    })
}

/// A case conference is scheduled for today or later, once the team is formed.
fn schedule_conference(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
    on: &NaiveDate,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let today = ctx.policy.local_date(ctx.now);
    let team = || {
        case.phase
            .team()
            .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))
    };
    team()?;
    if *on < today {
        return Err(CoordinationError::DayInPast(*on).into());
    }
    Ok(CaseEvent::ConferenceScheduled { at, on: *on })
}

/// A conference is held with enough distinct team members; a plan revision needs a plan.
fn hold_conference(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
    kind: &ConferenceKind,
    participants: &[UserId],
    minutes: &Personal<String>,
    decision: &ConferenceDecision,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let rules = &ctx.policy.process;
    let team = || {
        case.phase
            .team()
            .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))
    };
    let team = team()?;
    let distinct: BTreeSet<&UserId> = participants.iter().collect();
    let min = rules.conference.min_participants;
    if distinct.len() < usize::from(min) || distinct.len() != participants.len() {
        return Err(CoordinationError::TooFewParticipants {
            min,
            got: distinct.len(),
        }
        .into());
    }
    // the team, and the client (or the legal representative) at their own round table
    let client = |u: &UserId| case.registration.client_as(u.as_str()).is_some();
    if let Some(outsider) = participants
        .iter()
        .find(|u| !team.contains(u) && !client(u))
    {
        return Err(CoordinationError::NotAParticipant(outsider.clone()).into());
    }
    if *decision == ConferenceDecision::RevisePlan && case.phase.planned().is_none() {
        return Err(wrong_phase(cmd, &[PhaseName::Planned], case));
    }
    Ok(CaseEvent::ConferenceHeld {
        at,
        kind: *kind,
        participants: participants.to_vec(),
        minutes: minutes.clone(),
        decision: *decision,
    })
}

/// Case management is delegated — the whole case or measures of the plan — to someone other
/// than the coordinator, one delegation at a time, from today for at most the policy's
/// days.
fn delegate_case_management(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
    delegate: &UserId,
    institution: &InstitutionId,
    measures: &[MeasureId],
    until: &NaiveDate,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let today = ctx.policy.local_date(ctx.now);
    let rules = &ctx.policy.process;
    let c = &case.coordination;
    let team = || {
        case.phase
            .team()
            .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))
    };
    let team = team()?;
    if let Some(running) = c.delegation_on(today, ctx.policy.time_zone) {
        return Err(CoordinationError::DelegationRunning(running.until).into());
    }
    if &team.coordinator == delegate {
        return Err(CoordinationError::AlreadyCoordinator(delegate.clone()).into());
    }
    if !measures.is_empty() {
        let planned = case
            .phase
            .planned()
            .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
        if let Some(unknown) = measures.iter().find(|m| planned.plan.measure(m).is_none()) {
            return Err(PlanningError::UnknownMeasure(unknown.clone()).into());
        }
    }
    if *until < today {
        return Err(CoordinationError::DayInPast(*until).into());
    }
    let latest = today
        .checked_add_days(Days::new(u64::from(rules.delegation.max_days)))
        .unwrap_or(NaiveDate::MAX);
    if *until > latest {
        return Err(CoordinationError::DelegationTooLong {
            until: *until,
            latest,
        }
        .into());
    }
    Ok(CaseEvent::CaseManagementDelegated {
        at,
        delegate: delegate.clone(),
        institution: institution.clone(),
        measures: measures.to_vec(),
        until: *until,
    })
}

/// The running delegation ends.
fn end_delegation(case: &OpenCase, ctx: &Context<'_>) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let today = ctx.policy.local_date(ctx.now);
    let c = &case.coordination;
    c.delegation_on(today, ctx.policy.time_zone)
        .ok_or(CoordinationError::NoDelegation)?;
    Ok(CaseEvent::DelegationEnded { at })
}
