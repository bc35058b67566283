//! Vouchers and services: a service engaged by voucher, redeemed by its provider, run in
//! stages and modules, and reported back by feedback.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `IssueVoucher` | coordinator, caseworker | needed | the case with its provider (named by the consent) and the categories its service shares (`ServicePolicy::shares`, covered by the consent) |
//! | `RedeemVoucher`, `StartServiceStage`, `ClassifyNeedGroup`, `RecordServiceHours` | provider (its own vouchers), coordinator, caseworker | needed | the service goes on: the consent must still name the provider and cover what its service shares |
//! | `ReturnVoucher` | provider (its own vouchers), coordinator, caseworker | needed | nothing beyond the voucher (it ends the flow) |
//! | `RecordFeedback` | provider (its own vouchers), coordinator, caseworker | needed | feedback content: the category `FeedbackContent` |
//! | `LinkVoucher` | coordinator, caseworker | needed | nothing |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use crate::actor::{Context, Role};
use crate::consent::DataCategory;
use crate::ids::{MeasureId, ProviderId, ServiceId, VoucherId};
use crate::model::{CaseCommand, CaseEvent, OpenCase, PhaseName};
use crate::voucher::{FeedbackFacts, FeedbackKind, ReturnReason, Voucher, VoucherStatus};
use casework_core::Personal;

use super::error::{CaseError, PlanningError, VoucherError};
use super::gates::{wrong_phase, CommandRule, Scope};

/// Who may issue and work vouchers; all need active consent.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    use Role::{Caseworker, Coordinator, Provider};
    match cmd {
        C::IssueVoucher { .. } | C::LinkVoucher { .. } => {
            CommandRule::with_consent(&[Coordinator, Caseworker])
        }
        C::ReturnVoucher { .. }
        | C::RedeemVoucher { .. }
        | C::StartServiceStage { .. }
        | C::ClassifyNeedGroup { .. }
        | C::RecordFeedback { .. }
        | C::RecordServiceHours { .. } => {
            CommandRule::with_consent(&[Provider, Coordinator, Caseworker])
        }
        _ => CommandRule::NOBODY,
    }
}

/// What voucher commands share: a voucher shares the case with its provider and the
/// categories its service tells the provider (the consent must name the one and cover the
/// others); the content of a feedback is data of its own category.
pub(super) fn check_scope(cmd: &CaseCommand, scope: &Scope<'_>) -> Result<(), CaseError> {
    match cmd {
        CaseCommand::RecordFeedback {
            content: Some(_), ..
        } => scope.categories(&[DataCategory::FeedbackContent]),
        CaseCommand::IssueVoucher {
            provider, service, ..
        } => scope.service(provider, service),
        // the service goes on only while the consent still covers it (after a narrowing
        // the voucher is returned or ends with its feedback)
        CaseCommand::RedeemVoucher { voucher }
        | CaseCommand::StartServiceStage { voucher, .. }
        | CaseCommand::ClassifyNeedGroup { voucher, .. }
        | CaseCommand::RecordServiceHours { voucher, .. } => match scope.case.vouchers.get(voucher)
        {
            Some(v) => scope.service(&v.provider, &v.service),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Decides a voucher command on an open case: each command's rule is the function named
/// in its arm.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let event = match cmd {
        C::IssueVoucher {
            voucher,
            service,
            provider,
        } => issue(case, ctx, voucher, service, provider)?,
        C::RedeemVoucher { voucher } => redeem(case, ctx, voucher)?,
        C::ReturnVoucher { voucher, reason } => give_back(case, ctx, voucher, reason)?,
        C::StartServiceStage { voucher, stage } => start_stage(case, ctx, voucher, stage)?,
        C::ClassifyNeedGroup {
            voucher,
            need_group,
        } => classify_need_group(case, ctx, voucher, need_group)?,
        C::RecordFeedback {
            voucher,
            kind,
            facts,
            content,
        } => record_feedback(case, ctx, voucher, kind, facts, content)?,
        C::RecordServiceHours {
            voucher,
            module,
            individual_minutes,
            group_sessions,
        } => record_hours(
            case,
            ctx,
            voucher,
            module,
            individual_minutes,
            group_sessions,
        )?,
        C::LinkVoucher { voucher, measure } => link(case, cmd, ctx, voucher, measure)?,
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}

/// A voucher is issued for a service the policy knows, under a new id.
fn issue(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    service: &ServiceId,
    provider: &ProviderId,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    if ctx.policy.service(service).is_none() {
        return Err(VoucherError::UnknownService(service.clone()).into());
    }
    if case.vouchers.contains_key(voucher) {
        return Err(VoucherError::VoucherExists(voucher.clone()).into());
    }
    Ok(CaseEvent::VoucherIssued {
        at,
        voucher: voucher.clone(),
        service: service.clone(),
        provider: provider.clone(),
    })
}

/// The provider redeems an issued voucher (a provider only its own).
fn redeem(case: &OpenCase, ctx: &Context<'_>, voucher: &VoucherId) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = voucher_for(case, voucher, ctx)?;
    Ok(match v.status {
        VoucherStatus::Issued => CaseEvent::VoucherRedeemed {
            at,
            voucher: voucher.clone(),
        },
        VoucherStatus::Redeemed { .. } => {
            return Err(VoucherError::VoucherAlreadyRedeemed(voucher.clone()).into())
        }
        VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => {
            return Err(finished(v))
        }
    })
}

/// The provider returns an issued voucher it cannot serve (a provider only its own).
fn give_back(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    reason: &ReturnReason,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = voucher_for(case, voucher, ctx)?;
    Ok(match v.status {
        VoucherStatus::Issued => CaseEvent::VoucherReturned {
            at,
            voucher: voucher.clone(),
            reason: *reason,
        },
        VoucherStatus::Redeemed { .. } => {
            return Err(VoucherError::VoucherAlreadyRedeemed(voucher.clone()).into())
        }
        VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => {
            return Err(finished(v))
        }
    })
}

/// A redeemed voucher moves to its next stage, up to the service's number of stages.
fn start_stage(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    stage: &u8,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = running_voucher(case, voucher, ctx)?;
    let stages = ctx.policy.service(&v.service).map_or(1, |s| s.stages);
    let current = v.stage.map_or(1, |(n, _)| n);
    let invalid = |why: String| -> CaseError {
        VoucherError::InvalidStage {
            voucher: voucher.clone(),
            stage: *stage,
            why,
        }
        .into()
    };
    if *stage != current.saturating_add(1) {
        return Err(invalid(format!("the current stage is {current}")));
    }
    if *stage > stages {
        return Err(invalid(format!("the service has {stages} stage(s)")));
    }
    Ok(CaseEvent::ServiceStageStarted {
        at,
        voucher: voucher.clone(),
        stage: *stage,
    })
}

/// A redeemed voucher is classified into a need group of its service's catalog.
fn classify_need_group(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    need_group: &u8,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = running_voucher(case, voucher, ctx)?;
    let catalog = ctx
        .policy
        .service(&v.service)
        .and_then(|s| s.catalog.as_ref())
        .ok_or_else(|| VoucherError::NoCatalog(v.service.clone()))?;
    if catalog.need_group(*need_group).is_none() {
        return Err(VoucherError::UnknownNeedGroup {
            service: v.service.clone(),
            need_group: *need_group,
        }
        .into());
    }
    Ok(CaseEvent::NeedGroupClassified {
        at,
        voucher: voucher.clone(),
        need_group: *need_group,
    })
}

/// Feedback comes in order: the first once; interim and final only after redemption; the final with its outcome.
fn record_feedback(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    kind: &FeedbackKind,
    facts: &FeedbackFacts,
    content: &Option<Personal<String>>,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = voucher_for(case, voucher, ctx)?;
    if v.status.is_finished() {
        return Err(finished(v));
    }
    let out_of_order = |why| -> CaseError {
        VoucherError::FeedbackOutOfOrder {
            voucher: voucher.clone(),
            kind: *kind,
            why,
        }
        .into()
    };
    match kind {
        FeedbackKind::First if v.first_feedback_at.is_some() => {
            return Err(out_of_order("the first feedback was already received"))
        }
        FeedbackKind::Interim | FeedbackKind::Final if v.status == VoucherStatus::Issued => {
            return Err(VoucherError::VoucherNotRedeemed(voucher.clone()).into())
        }
        FeedbackKind::Final if facts.outcome.is_none() => {
            return Err(VoucherError::OutcomeRequired(voucher.clone()).into())
        }
        _ => {}
    }
    Ok(CaseEvent::FeedbackReceived {
        at,
        voucher: voucher.clone(),
        kind: *kind,
        facts: facts.clone(),
        content: content.clone(),
    })
}

/// Hours of a redeemed voucher are more than zero, in a module of the service's catalog (where it has one).
fn record_hours(
    case: &OpenCase,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    module: &u8,
    individual_minutes: &u32,
    group_sessions: &u32,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let v = running_voucher(case, voucher, ctx)?;
    if *individual_minutes == 0 && *group_sessions == 0 {
        return Err(VoucherError::NoEffort.into());
    }
    let catalog = ctx
        .policy
        .service(&v.service)
        .and_then(|s| s.catalog.as_ref());
    if let Some(catalog) = catalog {
        if catalog.module(*module).is_none() {
            return Err(VoucherError::UnknownModule {
                service: v.service.clone(),
                module: *module,
            }
            .into());
        }
    }
    Ok(CaseEvent::ServiceHoursRecorded {
        at,
        voucher: voucher.clone(),
        module: *module,
        individual_minutes: *individual_minutes,
        group_sessions: *group_sessions,
    })
}

/// A voucher serves a measure of the agreed plan.
fn link(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
    voucher: &VoucherId,
    measure: &MeasureId,
) -> Result<CaseEvent, CaseError> {
    let at = ctx.now;
    let planned = case
        .phase
        .planned()
        .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
    if planned.plan.measure(measure).is_none() {
        return Err(PlanningError::UnknownMeasure(measure.clone()).into());
    }
    let v = case
        .vouchers
        .get(voucher)
        .ok_or_else(|| VoucherError::UnknownVoucher(voucher.clone()))?;
    if v.measure.as_ref() == Some(measure) {
        return Err(VoucherError::AlreadyLinked(voucher.clone()).into());
    }
    Ok(CaseEvent::VoucherLinked {
        at,
        voucher: voucher.clone(),
        measure: measure.clone(),
    })
}

fn finished(v: &Voucher) -> CaseError {
    VoucherError::VoucherFinished {
        voucher: v.id.clone(),
        status: v.status.name(),
    }
    .into()
}

/// The voucher, checked to exist and, for a provider, to be the provider's own.
fn voucher_for<'c>(
    case: &'c OpenCase,
    id: &VoucherId,
    ctx: &Context<'_>,
) -> Result<&'c Voucher, CaseError> {
    let v = case
        .vouchers
        .get(id)
        .ok_or_else(|| VoucherError::UnknownVoucher(id.clone()))?;
    if ctx.actor.role == Role::Provider && ctx.actor.institution.as_str() != v.provider.as_str() {
        return Err(VoucherError::NotVoucherProvider {
            voucher: id.clone(),
            provider: v.provider.clone(),
        }
        .into());
    }
    Ok(v)
}

/// The voucher, checked to be redeemed and not finished.
fn running_voucher<'c>(
    case: &'c OpenCase,
    id: &VoucherId,
    ctx: &Context<'_>,
) -> Result<&'c Voucher, CaseError> {
    let v = voucher_for(case, id, ctx)?;
    match v.status {
        VoucherStatus::Redeemed { .. } => Ok(v),
        VoucherStatus::Issued => Err(VoucherError::VoucherNotRedeemed(id.clone()).into()),
        VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => Err(finished(v)),
    }
}
