//! The case process: one client's case from registration to closure.

mod command;
mod coordination;
mod decide;
mod display;
mod error;
mod event;
mod evolve;
mod state;

pub use command::CaseCommand;
pub use decide::permitted_roles;
pub use error::CaseError;
pub use event::CaseEvent;
pub use state::{
    Assessed, Assessment, AssessmentOutcome, CaseState, ClientDetails, ClosedCase, ClosureReason,
    Consented, OpenCase, Phase, PhaseName, Planned, Registration, Review, SituationReport,
    TeamFormed,
};

use crate::actor::Context;
use casework_core::Process;

/// The case process of `domain.md`: registration → consent → team → assessment → plan →
/// implementation with vouchers → closure (and erasure).
///
/// ```
/// use casework_core::*;
/// use casework_process::*;
/// use chrono::{TimeZone, Utc};
///
/// let policy = Policy::default();
/// let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz-zurich");
/// let ctx = Context::new(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(), &coordinator, &policy);
/// let state = CaseState::default();
/// let err = CaseProcess::decide(&state, &CaseCommand::RevokeConsent, &ctx).unwrap_err();
/// assert_eq!(err, CaseError::NotRegistered);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseProcess;

impl Process for CaseProcess {
    type State = CaseState;
    type Command = CaseCommand;
    type Event = CaseEvent;
    type Error = CaseError;
    type Context<'c> = Context<'c>;

    fn decide(
        state: &CaseState,
        cmd: &CaseCommand,
        ctx: &Context<'_>,
    ) -> Result<Vec<CaseEvent>, CaseError> {
        decide::decide(state, cmd, ctx)
    }

    fn evolve(mut state: CaseState, event: &CaseEvent) -> CaseState {
        evolve::evolve(&mut state, event);
        state
    }

    fn evolve_in_place(state: &mut CaseState, event: &CaseEvent) {
        evolve::evolve(state, event);
    }
}
