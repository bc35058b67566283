//! Assessment and plan: the situation report, the integration plan and its revisions,
//! reviews, and progress on goals and measures.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `AssessSituation` | coordinator, specialist | needed | the situation report: the categories of the client's problems |
//! | `AgreePlan`, `RevisePlan` | coordinator | needed | the plan with the team, and each measure with its responsible institution (named by the consent) |
//! | `HoldReview` | coordinator, specialist, provider (held by the coordinator or a whole-case delegate) | needed | review notes: the categories of the client's problems |
//! | `RecordProgress` | coordinator, specialist, provider, caseworker, client (each on what it is responsible for) | needed | a progress note: the categories of the client's problems |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use std::collections::BTreeSet;

use crate::actor::{Context, Role};
use crate::ids::{GoalId, MeasureId};
use crate::model::{AssessmentOutcome, CaseCommand, CaseEvent, OpenCase, Phase, PhaseName};
use crate::plan::{Plan, PlanError};
use crate::record::{Delegation, ProgressOn};

use super::error::{CaseError, PlanningError};
use super::gates::{wrong_phase, CommandRule, Scope, TEAM_PHASES};

/// Who may assess, plan, review and record progress; all need active consent.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    use Role::{Caseworker, Client, Coordinator, Provider, Specialist};
    match cmd {
        C::AssessSituation { .. } => CommandRule::with_consent(&[Coordinator, Specialist]),
        C::AgreePlan { .. } | C::RevisePlan { .. } => CommandRule::with_consent(&[Coordinator]),
        // the delegate of a whole-case delegation reviews too (checked in `check_reviewer`)
        C::HoldReview { .. } => CommandRule::with_consent(&[Coordinator, Specialist, Provider]),
        C::RecordProgress { .. } => {
            CommandRule::with_consent(&[Coordinator, Specialist, Provider, Caseworker, Client])
        }
        _ => CommandRule::NOBODY,
    }
}

/// What these commands share: a situation report, review notes or a progress note say as
/// much as the client's problems, so the consent must cover their categories; a plan
/// engages each measure's responsible institution, which the consent must name.
pub(super) fn check_scope(cmd: &CaseCommand, scope: &Scope<'_>) -> Result<(), CaseError> {
    use CaseCommand as C;
    match cmd {
        C::AssessSituation { .. } => scope.report(),
        C::AgreePlan { plan } | C::RevisePlan { plan } => plan
            .measures
            .iter()
            // the client's own task goes to nobody else; a blank institution is refused by
            // the plan's validation, which names the measure
            .filter(|m| !m.client_task && !m.responsible.as_str().trim().is_empty())
            .try_for_each(|m| scope.institution(&m.responsible)),
        C::HoldReview { notes, .. } if notes.expose().is_some_and(|n| !n.is_empty()) => {
            scope.report()
        }
        C::RecordProgress { note, .. } if note.expose().is_some_and(|n| !n.is_empty()) => {
            scope.report()
        }
        _ => Ok(()),
    }
}

/// Decides a command of assessment and planning on an open case.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    let planned = || {
        case.phase
            .planned()
            .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))
    };
    let event = match cmd {
        C::AssessSituation { report, outcome } => {
            if case.phase.team().is_none() {
                return Err(wrong_phase(cmd, TEAM_PHASES, case));
            }
            CaseEvent::SituationAssessed {
                at,
                report: report.clone(),
                outcome: *outcome,
            }
        }
        C::AgreePlan { plan } => {
            let Phase::Assessed(assessed) = &case.phase else {
                return Err(wrong_phase(cmd, &[PhaseName::Assessed], case));
            };
            if assessed.assessment.outcome != AssessmentOutcome::RoundTable {
                return Err(PlanningError::NoRoundTable.into());
            }
            check_plan(plan, ctx)?;
            CaseEvent::PlanAgreed {
                at,
                plan: plan.clone(),
            }
        }
        C::RevisePlan { plan } => {
            planned()?;
            check_plan(plan, ctx)?;
            CaseEvent::PlanRevised {
                at,
                plan: plan.clone(),
            }
        }
        C::HoldReview {
            completed_measures,
            notes,
        } => {
            let planned = planned()?;
            check_reviewer(case, ctx)?;
            if let Some(unknown) = completed_measures
                .iter()
                .find(|m| planned.plan.measure(m).is_none())
            {
                return Err(PlanningError::UnknownMeasure(unknown.clone()).into());
            }
            CaseEvent::ReviewHeld {
                at,
                completed_measures: completed_measures.clone(),
                notes: notes.clone(),
            }
        }
        C::RecordProgress { on, status, note } => {
            let planned = planned()?;
            check_progress_author(case, &planned.plan, on, ctx)?;
            CaseEvent::ProgressRecorded {
                at,
                by: ctx.actor.user.clone(),
                on: on.clone(),
                status: *status,
                note: note.clone(),
            }
        }
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}

/// A plan takes effect only valid, signed as the policy requires, and with sectors the
/// policy knows.
fn check_plan(plan: &Plan, ctx: &Context<'_>) -> Result<(), CaseError> {
    plan.validate(ctx.policy.local_date(ctx.now))
        .map_err(|e: PlanError| PlanningError::InvalidPlan(e))?;
    let rules = &ctx.policy.process;
    if rules.plan_signatures.client && !plan.signed_by_client {
        return Err(PlanningError::PlanNotSigned("client").into());
    }
    if rules.plan_signatures.coordinator && !plan.signed_by_coordinator {
        return Err(PlanningError::PlanNotSigned("coordinator").into());
    }
    if !rules.sectors.is_empty() {
        let unknown = plan
            .measures
            .iter()
            .filter_map(|m| m.sector.as_deref())
            .find(|s| rules.sector(s).is_none());
        if let Some(sector) = unknown {
            return Err(PlanningError::UnknownSector(sector.to_owned()).into());
        }
    }
    Ok(())
}

/// A review is held by the named coordinator or by the delegate of a running whole-case
/// delegation.
fn check_reviewer(case: &OpenCase, ctx: &Context<'_>) -> Result<(), CaseError> {
    if ctx.actor.role == Role::Coordinator {
        return Ok(());
    }
    let delegate = case
        .coordination
        .delegation_on(ctx.policy.local_date(ctx.now), ctx.policy.time_zone)
        .is_some_and(|d| {
            d.held_by(&ctx.actor.user, &ctx.actor.institution) && d.measures.is_empty()
        });
    if delegate {
        Ok(())
    } else {
        Err(CaseError::NotPermitted {
            role: ctx.actor.role,
            command: "HoldReview",
        })
    }
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
    let refuse = |why| -> CaseError {
        PlanningError::NotResponsible {
            user: actor.user.clone(),
            on: on.clone(),
            why,
        }
        .into()
    };
    let unknown_goal = |g: &GoalId| -> CaseError { PlanningError::UnknownGoal(g.clone()).into() };
    let unknown_measure =
        |m: &MeasureId| -> CaseError { PlanningError::UnknownMeasure(m.clone()).into() };
    let delegation = case
        .coordination
        .delegation_on(today, ctx.policy.time_zone)
        .filter(|d| d.held_by(&actor.user, &actor.institution));
    if actor.role == Role::Coordinator {
        // the named-coordinator check has run
        return match on {
            ProgressOn::Goal(g) if !plan.goals.iter().any(|x| &x.id == g) => Err(unknown_goal(g)),
            ProgressOn::Measure(m) if plan.measure(m).is_none() => Err(unknown_measure(m)),
            _ => Ok(()),
        };
    }
    match on {
        ProgressOn::Goal(g) => {
            if !plan.goals.iter().any(|x| &x.id == g) {
                return Err(unknown_goal(g));
            }
            match delegation {
                Some(d) if d.measures.is_empty() => Ok(()),
                _ => Err(refuse(
                    "goals are rated by the coordinator or a whole-case delegate",
                )),
            }
        }
        ProgressOn::Measure(m) => {
            let measure = plan.measure(m).ok_or_else(|| unknown_measure(m))?;
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

/// The goals of a plan, for the evaluation at closure.
pub(super) fn goal_ids(plan: &Plan) -> BTreeSet<&GoalId> {
    plan.goals.iter().map(|g| &g.id).collect()
}
