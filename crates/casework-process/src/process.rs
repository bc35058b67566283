//! [`CaseProcess`]: the case process as an implementation of the engine's contract
//! (`casework_core::Process`), joining the model's `evolve` to the rules' `decide`.

use crate::actor::Context;
use crate::model::{CaseCommand, CaseEvent, CaseState};
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
        crate::model::evolve(&mut state, event);
        state
    }

    fn evolve_in_place(state: &mut CaseState, event: &CaseEvent) {
        crate::model::evolve(state, event);
    }
}
