//! Why a case command was rejected: [`CaseError`] gathers the rules every command passes
//! (role, phase, consent, the named coordinator) and one error enum per command family,
//! each declared in its family's file under `rules/`.

use crate::actor::Role;
use crate::ids::{CaseId, UserId};
use crate::model::{ClosureReason, PhaseName};

pub use super::closure::ClosureError;
pub use super::consent::ConsentError;
pub use super::coordination::CoordinationError;
pub use super::intake::IntakeError;
pub use super::plan::PlanningError;
pub use super::team::TeamError;
pub use super::vouchers::VoucherError;

/// A rejected case command. A rejected command produces no event.
///
/// The variants of its own are the rules every command passes; a family's rules are in
/// the family's enum ([`IntakeError`], [`ConsentError`], [`TeamError`], [`PlanningError`],
/// [`VoucherError`], [`CoordinationError`], [`ClosureError`]), shown with the same text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The case has no events yet: register it first.
    #[error("the case is not registered")]
    NotRegistered,
    /// `RegisterCase` on a registered case.
    #[error("case {0} is already registered")]
    AlreadyRegistered(CaseId),
    /// The case is closed; nothing but erasure follows.
    #[error("the case is closed ({reason})")]
    CaseClosed {
        /// Why it was closed.
        reason: ClosureReason,
    },
    /// The command does not fit the phase.
    #[error("{command} needs phase {}, but the case is {actual}", join(expected))]
    WrongPhase {
        /// The command.
        command: &'static str,
        /// The phases in which it is allowed.
        expected: &'static [PhaseName],
        /// The phase the case is in.
        actual: PhaseName,
    },
    /// No consent is active: nothing may be shared or planned.
    #[error("{command} needs active consent of the client")]
    ConsentRequired {
        /// The command.
        command: &'static str,
    },
    /// The command would share data of a category the active consent does not cover.
    #[error("{command} would share {category}, which the client's consent does not cover")]
    OutsideConsent {
        /// The command.
        command: &'static str,
        /// The category not covered.
        category: crate::DataCategory,
    },
    /// The command would share the case with an institution the consent does not name.
    #[error("{command} would share the case with {institution}, which the client's consent does not name")]
    InstitutionOutsideConsent {
        /// The command.
        command: &'static str,
        /// The institution not named.
        institution: crate::InstitutionId,
    },
    /// The actor's role may not issue this command.
    #[error("a {role} may not {command}")]
    NotPermitted {
        /// The actor's role.
        role: Role,
        /// The command.
        command: &'static str,
    },
    /// Only the case's named coordinator may do this.
    #[error("only the case's coordinator {coordinator} may do this, not {user}")]
    NotCoordinator {
        /// Who tried.
        user: UserId,
        /// The named coordinator.
        coordinator: UserId,
    },
    /// A rule of intake: registration, mandate, admission.
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// A rule of the consent family.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// A rule of the case team.
    #[error(transparent)]
    Team(#[from] TeamError),
    /// A rule of assessment, plan, reviews and progress.
    #[error(transparent)]
    Planning(#[from] PlanningError),
    /// A rule of vouchers and services.
    #[error(transparent)]
    Voucher(#[from] VoucherError),
    /// A rule of escalation, handover, conferences and delegation.
    #[error(transparent)]
    Coordination(#[from] CoordinationError),
    /// A rule of closure and erasure.
    #[error(transparent)]
    Closure(#[from] ClosureError),
}

impl From<crate::plan::PlanError> for CaseError {
    fn from(e: crate::plan::PlanError) -> Self {
        CaseError::Planning(PlanningError::InvalidPlan(e))
    }
}

fn join(phases: &[PhaseName]) -> String {
    phases
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}
