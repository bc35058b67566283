//! The model of the case process: its commands, events and state, the values they carry,
//! and [`CaseProcess`], which joins them to the rules (`crate::rules`).

mod command;
pub mod consent;
mod display;
mod event;
mod evolve;
pub mod plan;
pub mod record;
mod state;
mod stored;
pub mod team;
pub mod voucher;

pub use command::CaseCommand;
pub use event::CaseEvent;
pub use state::{
    Assessed, Assessment, AssessmentOutcome, CaseState, ClientDetails, ClosedCase, ClosureReason,
    Consented, OpenCase, Phase, PhaseName, Planned, Registration, Review, SituationReport,
    TeamFormed,
};

use crate::actor::Context;
use crate::rules::error::CaseError;
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
        crate::rules::decide(state, cmd, ctx)
    }

    fn evolve(mut state: CaseState, event: &CaseEvent) -> CaseState {
        evolve::evolve(&mut state, event);
        state
    }

    fn evolve_in_place(state: &mut CaseState, event: &CaseEvent) {
        evolve::evolve(state, event);
    }
}
