//! Consent: the client's signed release, amended or revoked.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `SignConsent` | the client or its legal representative (as the signatory it names), or staff recording a signed form: intake before the team, then the named coordinator only; a representative's form only where the case records one | not needed (it gives it) | nothing |
//! | `RevokeConsent` | the client or its legal representative, coordinator, caseworker | an active one | nothing; the case is aborted |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use crate::actor::{Context, Role};
use crate::consent::Signatory;
use crate::model::{CaseCommand, CaseEvent, ClosureReason, OpenCase};
use crate::record::AdmissionDecision;

use super::error::{CaseError, ConsentError};
use super::gates::{wrong_phase, CommandRule};

/// Who may sign or revoke the consent, and whether an active consent is needed.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    use Role::{Caseworker, Client, Coordinator};
    match cmd {
        C::SignConsent { .. } => CommandRule::without_consent(&[Client, Coordinator, Caseworker]),
        C::RevokeConsent => CommandRule::with_consent(&[Client, Coordinator, Caseworker]),
        _ => CommandRule::NOBODY,
    }
}

/// Decides a consent command on an open case.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    let at = ctx.now;
    match cmd {
        CaseCommand::SignConsent { signatory, scope } => {
            let admitted = matches!(
                case.coordination.admission,
                Some(AdmissionDecision::Admitted)
            );
            if ctx.policy.process.intake.admission_required && !admitted {
                return Err(ConsentError::AdmissionRequired.into());
            }
            // a client-role actor signs as who they are (the party gate checked that they
            // are the subject or the representative)
            let as_representative = *signatory == Signatory::LegalRepresentative;
            if ctx.actor.role == Role::Client {
                let representative =
                    case.registration.client_as(ctx.actor.user.as_str()) == Some(true);
                if representative != as_representative {
                    return Err(ConsentError::WrongSignatory {
                        signatory: *signatory,
                    }
                    .into());
                }
            } else {
                // staff record a form the client signed: a representative's only where the
                // case records one, and once a team works the case only its coordinator
                // records forms (a member cannot widen the consent for its own flows)
                if as_representative && case.registration.representative.is_none() {
                    return Err(ConsentError::NoRepresentative.into());
                }
                if ctx.actor.role != Role::Coordinator && case.phase.team().is_some() {
                    return Err(ConsentError::FormsByTheCoordinator.into());
                }
            }
            Ok(vec![CaseEvent::ConsentSigned {
                at,
                signatory: *signatory,
                scope: scope.clone(),
            }])
        }
        CaseCommand::RevokeConsent => Ok(vec![
            CaseEvent::ConsentRevoked { at },
            CaseEvent::CaseClosed {
                at,
                reason: ClosureReason::ConsentRevoked,
            },
        ]),
        _ => Err(wrong_phase(cmd, &[], case)),
    }
}
