//! `decide`: every rule of the case process, in one place.

use chrono::Duration;

use crate::access::report_categories;
use crate::actor::{Context, Role};
use crate::consent::DataCategory;
use crate::ids::{InstitutionId, VoucherId};
use crate::voucher::{FeedbackKind, Voucher, VoucherStatus};

use super::command::CaseCommand;
use super::coordination;
use super::error::CaseError;
use super::event::CaseEvent;
use super::state::{
    AssessmentOutcome, CaseState, ClosedCase, ClosureReason, OpenCase, Phase, PhaseName,
};

const TEAM_PHASES: &[PhaseName] = &[
    PhaseName::TeamFormed,
    PhaseName::Assessed,
    PhaseName::Planned,
];

/// Which roles may issue a command. Managers and auditors read; they never change a case.
pub fn permitted_roles(cmd: &CaseCommand) -> &'static [Role] {
    use CaseCommand as C;
    use Role::{Caseworker, Client, Coordinator, Manager, Provider, Referrer, Specialist};
    match cmd {
        C::RegisterCase { .. } => &[Referrer, Coordinator, Caseworker],
        C::SignConsent { .. } | C::RevokeConsent => &[Client, Coordinator, Caseworker],
        C::FormTeam { .. }
        | C::AddMember { .. }
        | C::RemoveMember { .. }
        | C::AgreePlan { .. }
        | C::RevisePlan { .. }
        | C::CloseCase { .. }
        | C::EraseCase
        | C::ScheduleConference { .. }
        | C::HoldConference { .. }
        | C::DelegateCaseManagement { .. }
        | C::EndDelegation
        | C::SendClosureNotice { .. }
        | C::EvaluateCase { .. } => &[Coordinator],
        // the delegate of a whole-case delegation reviews too (checked in `decide_open`)
        C::HoldReview { .. } => &[Coordinator, Specialist, Provider],
        C::RecordMandate { .. } => &[Referrer, Coordinator, Caseworker],
        C::DecideAdmission { .. } | C::LinkVoucher { .. } => &[Coordinator, Caseworker],
        C::RecordEscalation { .. } => &[Coordinator, Caseworker, Manager],
        C::HandOverCoordination { .. } => &[Coordinator, Manager],
        C::RecordProgress { .. } => &[Coordinator, Specialist, Provider, Caseworker, Client],
        C::AssessSituation { .. } => &[Coordinator, Specialist],
        C::IssueVoucher { .. } => &[Coordinator, Caseworker],
        C::ReturnVoucher { .. }
        | C::RedeemVoucher { .. }
        | C::StartServiceStage { .. }
        | C::ClassifyNeedGroup { .. }
        | C::RecordFeedback { .. }
        | C::RecordServiceHours { .. } => &[Provider, Coordinator, Caseworker],
    }
}

/// Decides a case command. See [`crate::CaseProcess`].
pub(crate) fn decide(
    state: &CaseState,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    if !permitted_roles(cmd).contains(&ctx.actor.role) {
        return Err(CaseError::NotPermitted {
            role: ctx.actor.role,
            command: cmd.name(),
        });
    }
    match state {
        CaseState::Unregistered => register(cmd, ctx),
        CaseState::Open(case) => decide_open(case, cmd, ctx),
        CaseState::Closed(case) => decide_closed(case, cmd, ctx),
    }
}

fn register(cmd: &CaseCommand, ctx: &Context<'_>) -> Result<Vec<CaseEvent>, CaseError> {
    let CaseCommand::RegisterCase {
        case_id,
        referrer,
        client,
        profile,
    } = cmd
    else {
        return Err(CaseError::NotRegistered);
    };
    let triage = &ctx.policy.triage;
    let gaps = triage.admission_gaps(profile);
    if !gaps.is_empty() {
        return Err(CaseError::AdmissionDenied { gaps });
    }
    Ok(vec![CaseEvent::CaseRegistered {
        at: ctx.now,
        case_id: *case_id,
        referrer: referrer.clone(),
        client: client.clone(),
        profile: profile.clone(),
        route: triage.route(profile).to_owned(),
    }])
}

fn decide_closed(
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
                return Err(CaseError::AlreadyErased);
            }
            let until =
                case.closed_at + Duration::days(i64::from(ctx.policy.thresholds.retention_days));
            if ctx.now < until {
                return Err(CaseError::RetentionNotElapsed { until });
            }
            Ok(vec![CaseEvent::CaseErased { at: ctx.now }])
        }
        _ => Err(CaseError::CaseClosed {
            reason: case.reason,
        }),
    }
}

/// Commands that need no active consent: registration, consent itself, closing, erasing.
fn needs_consent(cmd: &CaseCommand) -> bool {
    !matches!(
        cmd,
        CaseCommand::RegisterCase { .. }
            | CaseCommand::SignConsent { .. }
            | CaseCommand::CloseCase { .. }
            | CaseCommand::EraseCase
            | CaseCommand::RecordMandate { .. }
            | CaseCommand::DecideAdmission { .. }
            | CaseCommand::RecordEscalation { .. }
            | CaseCommand::SendClosureNotice { .. }
    )
}

/// Commands that share personal data with the team or with other institutions must stay
/// inside the active consent's scope: the institutions it names and the data categories it
/// covers (a situation report about health problems is health data, see
/// [`crate::access::report_categories`]).
fn check_scope(case: &OpenCase, cmd: &CaseCommand) -> Result<(), CaseError> {
    use CaseCommand as C;
    let Some(consent) = case.phase.consent() else {
        return Ok(());
    };
    let scope = &consent.scope;
    let institution = |institution: &InstitutionId| {
        if scope.institutions.contains(institution) {
            Ok(())
        } else {
            Err(CaseError::InstitutionOutsideConsent {
                command: cmd.name(),
                institution: institution.clone(),
            })
        }
    };
    let categories =
        |categories: &[DataCategory]| match categories.iter().find(|c| !scope.data.contains(c)) {
            Some(category) => Err(CaseError::OutsideConsent {
                command: cmd.name(),
                category: *category,
            }),
            None => Ok(()),
        };
    let report = report_categories(&case.registration.profile);
    match cmd {
        C::FormTeam {
            coordinator_institution,
            members,
            ..
        } => {
            institution(coordinator_institution)?;
            members.iter().try_for_each(|m| institution(&m.institution))
        }
        C::AddMember { member } => institution(&member.institution),
        C::AssessSituation { .. } => categories(&report),
        C::HoldReview { notes, .. } if notes.expose().is_some_and(|n| !n.is_empty()) => {
            categories(&report)
        }
        C::RecordFeedback {
            content: Some(_), ..
        } => categories(&[DataCategory::FeedbackContent]),
        C::HandOverCoordination { institution: i, .. }
        | C::DelegateCaseManagement { institution: i, .. } => institution(i),
        C::HoldConference {
            participants,
            minutes,
            ..
        } => {
            if let Some(team) = case.phase.team() {
                for user in participants {
                    if let Some(m) = team.members.iter().find(|m| &m.user == user) {
                        institution(&m.institution)?;
                    }
                }
            }
            if minutes.expose().is_some_and(|n| !n.is_empty()) {
                categories(&report)?;
            }
            Ok(())
        }
        C::RecordProgress { note, .. } if note.expose().is_some_and(|n| !n.is_empty()) => {
            categories(&report)
        }
        _ => Ok(()),
    }
}

pub(super) fn wrong_phase(
    cmd: &CaseCommand,
    expected: &'static [PhaseName],
    case: &OpenCase,
) -> CaseError {
    CaseError::WrongPhase {
        command: cmd.name(),
        expected,
        actual: case.phase.name(),
    }
}

fn decide_open(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    let consent_active = case.phase.consent().is_some() && case.consent_revoked_at.is_none();
    if needs_consent(cmd) && !consent_active {
        return Err(CaseError::ConsentRequired {
            command: cmd.name(),
        });
    }
    if consent_active {
        check_scope(case, cmd)?;
    }
    // the named coordinator's rights (erasure is refused below on an open case anyway)
    if let Some(team) = case.phase.team().filter(|_| *cmd != CaseCommand::EraseCase) {
        if ctx.actor.role == Role::Coordinator && ctx.actor.user != team.coordinator {
            return Err(CaseError::NotCoordinator {
                user: ctx.actor.user.clone(),
                coordinator: team.coordinator.clone(),
            });
        }
    }
    let event = match cmd {
        C::RegisterCase { .. } => {
            return Err(CaseError::AlreadyRegistered(case.registration.case_id))
        }
        C::SignConsent { signatory, scope } => {
            let admitted = matches!(
                case.coordination.admission,
                Some(crate::coordination::AdmissionDecision::Admitted)
            );
            if ctx.policy.process.intake.admission_required && !admitted {
                return Err(CaseError::AdmissionRequired);
            }
            CaseEvent::ConsentSigned {
                at,
                signatory: *signatory,
                scope: scope.clone(),
            }
        }
        C::RevokeConsent => {
            return Ok(vec![
                CaseEvent::ConsentRevoked { at },
                CaseEvent::CaseClosed {
                    at,
                    reason: ClosureReason::ConsentRevoked,
                },
            ])
        }
        C::FormTeam {
            coordinator,
            coordinator_institution,
            members,
        } => {
            if !matches!(case.phase, Phase::Consented(_)) {
                return Err(wrong_phase(cmd, &[PhaseName::Consented], case));
            }
            let mut seen = std::collections::BTreeSet::from([coordinator]);
            if let Some(dup) = members.iter().find(|m| !seen.insert(&m.user)) {
                return Err(CaseError::AlreadyMember(dup.user.clone()));
            }
            CaseEvent::TeamFormed {
                at,
                coordinator: coordinator.clone(),
                coordinator_institution: coordinator_institution.clone(),
                members: members.clone(),
            }
        }
        C::AddMember { member } => {
            let team = case
                .phase
                .team()
                .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))?;
            if team.contains(&member.user) {
                return Err(CaseError::AlreadyMember(member.user.clone()));
            }
            CaseEvent::MemberJoined {
                at,
                member: member.clone(),
            }
        }
        C::RemoveMember { user } => {
            let team = case
                .phase
                .team()
                .ok_or_else(|| wrong_phase(cmd, TEAM_PHASES, case))?;
            if &team.coordinator == user {
                return Err(CaseError::CoordinatorCannotLeave);
            }
            if !team.contains(user) {
                return Err(CaseError::NotMember(user.clone()));
            }
            CaseEvent::MemberLeft {
                at,
                user: user.clone(),
            }
        }
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
                return Err(CaseError::NoRoundTable);
            }
            coordination::check_plan(plan, ctx)?;
            CaseEvent::PlanAgreed {
                at,
                plan: plan.clone(),
            }
        }
        C::RevisePlan { plan } => {
            if case.phase.planned().is_none() {
                return Err(wrong_phase(cmd, &[PhaseName::Planned], case));
            }
            coordination::check_plan(plan, ctx)?;
            CaseEvent::PlanRevised {
                at,
                plan: plan.clone(),
            }
        }
        C::HoldReview {
            completed_measures,
            notes,
        } => {
            let planned = case
                .phase
                .planned()
                .ok_or_else(|| wrong_phase(cmd, &[PhaseName::Planned], case))?;
            coordination::check_reviewer(case, ctx)?;
            if let Some(unknown) = completed_measures
                .iter()
                .find(|m| planned.plan.measure(m).is_none())
            {
                return Err(CaseError::UnknownMeasure(unknown.clone()));
            }
            CaseEvent::ReviewHeld {
                at,
                completed_measures: completed_measures.clone(),
                notes: notes.clone(),
            }
        }
        C::IssueVoucher {
            voucher,
            service,
            provider,
        } => {
            if ctx.policy.service(service).is_none() {
                return Err(CaseError::UnknownService(service.clone()));
            }
            if case.vouchers.contains_key(voucher) {
                return Err(CaseError::VoucherExists(voucher.clone()));
            }
            CaseEvent::VoucherIssued {
                at,
                voucher: voucher.clone(),
                service: service.clone(),
                provider: provider.clone(),
            }
        }
        C::RedeemVoucher { voucher } => {
            let v = voucher_for(case, voucher, ctx)?;
            match v.status {
                VoucherStatus::Issued => CaseEvent::VoucherRedeemed {
                    at,
                    voucher: voucher.clone(),
                },
                VoucherStatus::Redeemed { .. } => {
                    return Err(CaseError::VoucherAlreadyRedeemed(voucher.clone()))
                }
                VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => {
                    return Err(finished(v))
                }
            }
        }
        C::ReturnVoucher { voucher, reason } => {
            let v = voucher_for(case, voucher, ctx)?;
            match v.status {
                VoucherStatus::Issued => CaseEvent::VoucherReturned {
                    at,
                    voucher: voucher.clone(),
                    reason: *reason,
                },
                VoucherStatus::Redeemed { .. } => {
                    return Err(CaseError::VoucherAlreadyRedeemed(voucher.clone()))
                }
                VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => {
                    return Err(finished(v))
                }
            }
        }
        C::StartServiceStage { voucher, stage } => {
            let v = running_voucher(case, voucher, ctx)?;
            let stages = ctx.policy.service(&v.service).map_or(1, |s| s.stages);
            let current = v.stage.map_or(1, |(n, _)| n);
            let invalid = |why: String| CaseError::InvalidStage {
                voucher: voucher.clone(),
                stage: *stage,
                why,
            };
            if *stage != current.saturating_add(1) {
                return Err(invalid(format!("the current stage is {current}")));
            }
            if *stage > stages {
                return Err(invalid(format!("the service has {stages} stage(s)")));
            }
            CaseEvent::ServiceStageStarted {
                at,
                voucher: voucher.clone(),
                stage: *stage,
            }
        }
        C::ClassifyNeedGroup {
            voucher,
            need_group,
        } => {
            let v = running_voucher(case, voucher, ctx)?;
            let catalog = ctx
                .policy
                .service(&v.service)
                .and_then(|s| s.catalog.as_ref())
                .ok_or_else(|| CaseError::NoCatalog(v.service.clone()))?;
            if catalog.need_group(*need_group).is_none() {
                return Err(CaseError::UnknownNeedGroup {
                    service: v.service.clone(),
                    need_group: *need_group,
                });
            }
            CaseEvent::NeedGroupClassified {
                at,
                voucher: voucher.clone(),
                need_group: *need_group,
            }
        }
        C::RecordFeedback {
            voucher,
            kind,
            facts,
            content,
        } => {
            let v = voucher_for(case, voucher, ctx)?;
            if v.status.is_finished() {
                return Err(finished(v));
            }
            let out_of_order = |why| CaseError::FeedbackOutOfOrder {
                voucher: voucher.clone(),
                kind: *kind,
                why,
            };
            match kind {
                FeedbackKind::First if v.first_feedback_at.is_some() => {
                    return Err(out_of_order("the first feedback was already received"))
                }
                FeedbackKind::Interim | FeedbackKind::Final
                    if v.status == VoucherStatus::Issued =>
                {
                    return Err(CaseError::VoucherNotRedeemed(voucher.clone()))
                }
                FeedbackKind::Final if facts.outcome.is_none() => {
                    return Err(CaseError::OutcomeRequired(voucher.clone()))
                }
                _ => {}
            }
            CaseEvent::FeedbackReceived {
                at,
                voucher: voucher.clone(),
                kind: *kind,
                facts: facts.clone(),
                content: content.clone(),
            }
        }
        C::RecordServiceHours {
            voucher,
            module,
            individual_minutes,
            group_sessions,
        } => {
            let v = running_voucher(case, voucher, ctx)?;
            if *individual_minutes == 0 && *group_sessions == 0 {
                return Err(CaseError::NoEffort);
            }
            let catalog = ctx
                .policy
                .service(&v.service)
                .and_then(|s| s.catalog.as_ref());
            if let Some(catalog) = catalog {
                if catalog.module(*module).is_none() {
                    return Err(CaseError::UnknownModule {
                        service: v.service.clone(),
                        module: *module,
                    });
                }
            }
            CaseEvent::ServiceHoursRecorded {
                at,
                voucher: voucher.clone(),
                module: *module,
                individual_minutes: *individual_minutes,
                group_sessions: *group_sessions,
            }
        }
        C::CloseCase { reason } => {
            if *reason == ClosureReason::ConsentRevoked {
                return Err(CaseError::UseRevokeConsent);
            }
            if *reason == ClosureReason::ReferralDeclined {
                return Err(CaseError::UseDecideAdmission);
            }
            coordination::check_closure_duties(case, ctx)?;
            CaseEvent::CaseClosed {
                at,
                reason: *reason,
            }
        }
        C::EraseCase => return Err(wrong_phase(cmd, &[PhaseName::Closed], case)),
        C::RecordMandate { .. }
        | C::DecideAdmission { .. }
        | C::RecordEscalation { .. }
        | C::HandOverCoordination { .. }
        | C::ScheduleConference { .. }
        | C::HoldConference { .. }
        | C::DelegateCaseManagement { .. }
        | C::EndDelegation
        | C::RecordProgress { .. }
        | C::LinkVoucher { .. }
        | C::SendClosureNotice { .. }
        | C::EvaluateCase { .. } => return coordination::decide(case, cmd, ctx),
    };
    Ok(vec![event])
}

fn finished(v: &Voucher) -> CaseError {
    CaseError::VoucherFinished {
        voucher: v.id.clone(),
        status: v.status.name(),
    }
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
        .ok_or_else(|| CaseError::UnknownVoucher(id.clone()))?;
    if ctx.actor.role == Role::Provider && ctx.actor.institution.as_str() != v.provider.as_str() {
        return Err(CaseError::NotVoucherProvider {
            voucher: id.clone(),
            provider: v.provider.clone(),
        });
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
        VoucherStatus::Issued => Err(CaseError::VoucherNotRedeemed(id.clone())),
        VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => Err(finished(v)),
    }
}
