//! Coordination: escalation of overdue deadlines, handover of the coordination, case
//! conferences, and delegation of case management.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `RecordEscalation` | coordinator, caseworker, manager | not needed | nothing beyond the case's deadlines |
//! | `HandOverCoordination` | coordinator, manager | needed | the case with the new coordinator's institution (named by the consent, and in the team) |
//! | `ScheduleConference` | coordinator | needed | nothing |
//! | `HoldConference` | coordinator | needed | the case with each participant's institution (named by the consent); minutes: the categories of the client's problems |
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
use crate::ids::UserId;
use crate::model::{CaseCommand, CaseEvent, OpenCase, PhaseName};
use crate::record::ConferenceDecision;

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

/// Decides a coordination command on an open case.
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
        C::RecordEscalation { item, level } => {
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
                return Err(CoordinationError::AlreadyCoordinator(to.clone()).into());
            }
            let team_institution = &team.coordinator_institution == institution
                || team.members.iter().any(|m| &m.institution == institution);
            if !team_institution {
                return Err(CoordinationError::NotTeamInstitution(institution.clone()).into());
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
                return Err(CoordinationError::DayInPast(*on).into());
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
            let distinct: BTreeSet<&UserId> = participants.iter().collect();
            let min = rules.conference.min_participants;
            if distinct.len() < usize::from(min) || distinct.len() != participants.len() {
                return Err(CoordinationError::TooFewParticipants {
                    min,
                    got: distinct.len(),
                }
                .into());
            }
            if let Some(outsider) = participants.iter().find(|u| !team.contains(u)) {
                return Err(CoordinationError::NotAParticipant(outsider.clone()).into());
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
                .ok_or(CoordinationError::NoDelegation)?;
            CaseEvent::DelegationEnded { at }
        }
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}
