//! Closure and erasure: the closure duties (notices, the evaluation of the goals), closing
//! the case, and erasing its personal data after the retention period.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `SendClosureNotice` | coordinator | not needed | the closure, with the referrer or the client |
//! | `EvaluateCase` | coordinator | needed | nothing beyond the plan's goals |
//! | `CloseCase` | coordinator | not needed | nothing |
//! | `EraseCase` | coordinator | not needed (after closure) | nothing; the personal data is erased |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use std::collections::BTreeSet;

use chrono::Duration;

use crate::actor::{Context, Role};
use crate::model::{CaseCommand, CaseEvent, ClosedCase, ClosureReason, OpenCase, PhaseName};
use crate::plan::Plan;
use crate::record::{Attainment, GoalAttainment, NoticeRecipient};

use super::error::{CaseError, ClosureError, PlanningError};
use super::gates::{wrong_phase, CommandRule};
use super::plan::goal_ids;
use crate::deadline::objection_period_end;

/// Who may close, evaluate and erase: the coordinator.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    match cmd {
        C::CloseCase { .. } | C::EraseCase | C::SendClosureNotice { .. } => {
            CommandRule::without_consent(&[Role::Coordinator])
        }
        C::EvaluateCase { .. } => CommandRule::with_consent(&[Role::Coordinator]),
        _ => CommandRule::NOBODY,
    }
}

/// Decides a command on a closed case: erasure once the retention period has passed,
/// nothing else.
pub(super) fn decide_closed(
    case: &ClosedCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    match cmd {
        CaseCommand::RegisterCase { .. } => {
            Err(CaseError::AlreadyRegistered(case.registration.case_id))
        }
        CaseCommand::EraseCase => {
            if case.erased_at.is_some() {
                return Err(ClosureError::AlreadyErased.into());
            }
            if let Some(last_day) = objection_period_end(case.closed_at, case.reason, ctx.policy) {
                if ctx.policy.local_date(ctx.now) <= last_day {
                    return Err(ClosureError::ObjectionPeriodRunning { last_day }.into());
                }
                return Ok(vec![CaseEvent::CaseErased { at: ctx.now }]);
            }
            let until =
                case.closed_at + Duration::days(i64::from(ctx.policy.thresholds.retention_days));
            if ctx.now < until {
                return Err(ClosureError::RetentionNotElapsed { until }.into());
            }
            Ok(vec![CaseEvent::CaseErased { at: ctx.now }])
        }
        _ => Err(CaseError::CaseClosed {
            reason: case.reason,
        }),
    }
}

/// Decides a closure command on an open case.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    let event = match cmd {
        C::SendClosureNotice { to } => CaseEvent::ClosureNoticeSent { at, to: *to },
        C::EvaluateCase { attainment } => {
            let planned = case
                .phase
                .planned()
                .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
            let goals = goal_ids(&planned.plan);
            let named: Vec<_> = attainment.iter().map(|a| &a.goal).collect();
            let distinct: BTreeSet<_> = named.iter().copied().collect();
            if let Some(unknown) = named.iter().find(|g| !goals.contains(*g)) {
                return Err(PlanningError::UnknownGoal((*unknown).clone()).into());
            }
            if distinct.len() != named.len() || distinct != goals {
                let missing: Vec<_> = goals
                    .difference(&distinct)
                    .map(ToString::to_string)
                    .collect();
                return Err(ClosureError::EvaluationIncomplete(if missing.is_empty() {
                    "a goal is named twice".to_owned()
                } else {
                    format!("missing {}", missing.join(", "))
                })
                .into());
            }
            CaseEvent::CaseEvaluated {
                at,
                attainment: attainment.clone(),
            }
        }
        C::CloseCase { reason } => {
            if *reason == ClosureReason::ConsentRevoked {
                return Err(ClosureError::UseRevokeConsent.into());
            }
            if *reason == ClosureReason::ReferralDeclined {
                return Err(ClosureError::UseDecideAdmission.into());
            }
            check_closure_duties(case, ctx)?;
            CaseEvent::CaseClosed {
                at,
                reason: *reason,
            }
        }
        C::EraseCase => return Err(wrong_phase(cmd, &[PhaseName::Closed], case)),
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}

/// Before a case closes: the notices the policy requires, and for a planned case the
/// evaluation of its goals.
fn check_closure_duties(case: &OpenCase, ctx: &Context<'_>) -> Result<(), CaseError> {
    let rules = &ctx.policy.process.closure;
    if rules.notices_required {
        for to in [NoticeRecipient::Referrer, NoticeRecipient::Client] {
            if !case.coordination.notices.contains(&to) {
                return Err(ClosureError::NoticeMissing(to).into());
            }
        }
    }
    if rules.evaluation_required
        && case.phase.planned().is_some()
        && case.coordination.attainment.is_empty()
    {
        return Err(ClosureError::EvaluationRequired.into());
    }
    Ok(())
}

/// The commands that fulfil the closure duties of the default policy before `CloseCase`:
/// a notice to the referrer and one to the client, and for a case with a plan, every goal
/// of it rated `attainment` (a caller that rates goals one by one builds its own
/// `EvaluateCase`).
pub fn closure_duties(plan: Option<&Plan>, attainment: Attainment) -> Vec<CaseCommand> {
    let mut out: Vec<CaseCommand> = [NoticeRecipient::Referrer, NoticeRecipient::Client]
        .into_iter()
        .map(|to| CaseCommand::SendClosureNotice { to })
        .collect();
    if let Some(plan) = plan {
        out.push(CaseCommand::EvaluateCase {
            attainment: plan
                .goals
                .iter()
                .map(|g| GoalAttainment {
                    goal: g.id.clone(),
                    attainment,
                })
                .collect(),
        });
    }
    out
}
