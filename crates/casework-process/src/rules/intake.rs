//! Intake: registration, the mandate, the admission decision.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `RegisterCase` | referrer, coordinator, caseworker | not needed | the referral (client, triage facts) with the referring institution |
//! | `RecordMandate` | referrer, coordinator, caseworker | needed where the policy asks for consent first (the default, seed 001) | the mandate, inside the case |
//! | `DecideAdmission` | coordinator, caseworker | not needed | nothing beyond the case |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use crate::actor::{Actor, Context, Role};
use crate::model::{CaseCommand, CaseEvent, ClosureReason, OpenCase, Phase, PhaseName};
use crate::record::AdmissionDecision;

use super::error::{CaseError, IntakeError};
use super::gates::{wrong_phase, CommandRule};

/// Who may issue an intake command, and whether it needs consent (intake comes before it).
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    use Role::{Caseworker, Coordinator, Referrer};
    match cmd {
        C::RegisterCase { .. } | C::RecordMandate { .. } => {
            CommandRule::without_consent(&[Referrer, Coordinator, Caseworker])
        }
        C::DecideAdmission { .. } => CommandRule::without_consent(&[Coordinator, Caseworker]),
        _ => CommandRule::NOBODY,
    }
}

/// Registers a case: the only command an unregistered case takes. Triage runs here.
pub(super) fn register(cmd: &CaseCommand, ctx: &Context<'_>) -> Result<Vec<CaseEvent>, CaseError> {
    let CaseCommand::RegisterCase {
        case_id,
        referrer,
        client,
        subject,
        representative,
        profile,
    } = cmd
    else {
        return Err(CaseError::NotRegistered);
    };
    // the pseudonyms are audit identities of the client role: checked as every actor is
    for party in std::iter::once(subject).chain(representative) {
        Actor::client(party.as_str())
            .check()
            .map_err(IntakeError::InvalidSubject)?;
    }
    if representative.as_ref() == Some(subject) {
        return Err(IntakeError::RepresentativeIsSubject.into());
    }
    let triage = &ctx.policy.triage;
    let gaps = triage.admission_gaps(profile);
    if !gaps.is_empty() {
        return Err(IntakeError::AdmissionDenied { gaps }.into());
    }
    Ok(vec![CaseEvent::CaseRegistered {
        at: ctx.now,
        case_id: *case_id,
        referrer: referrer.clone(),
        client: client.clone(),
        subject: Some(subject.clone()),
        representative: representative.clone(),
        profile: profile.clone(),
        route: triage.route(profile).to_owned(),
    }])
}

/// Decides an intake command on a registered, open case.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    match cmd {
        C::RegisterCase { .. } => Err(CaseError::AlreadyRegistered(case.registration.case_id)),
        C::RecordMandate { .. }
            if ctx.policy.process.intake.consent_first
                && (case.phase.consent().is_none() || case.consent_revoked_at.is_some()) =>
        {
            Err(IntakeError::ConsentFirst(cmd.name()).into())
        }
        C::RecordMandate { mandate } => Ok(vec![CaseEvent::MandateRecorded {
            at,
            mandate: mandate.clone(),
        }]),
        C::DecideAdmission { decision } => {
            if !matches!(case.phase, Phase::Registered) {
                return Err(wrong_phase(cmd, &[PhaseName::Registered], case));
            }
            if case.coordination.admission.is_some() {
                return Err(IntakeError::AdmissionAlreadyDecided.into());
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
                // kept through the objection period (or the retention period) and erased
                // after it; an empty objection period erases at once
                let intake = &ctx.policy.process.intake;
                if !intake.keep_declined_personal_data && intake.objection_period.is_zero() {
                    events.push(CaseEvent::CaseErased { at });
                }
                return Ok(events);
            }
            Ok(vec![decided])
        }
        _ => Err(wrong_phase(cmd, &[], case)),
    }
}
