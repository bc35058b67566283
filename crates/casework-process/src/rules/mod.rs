//! `decide`: the rules of the case process, one file per command family.
//!
//! Every command passes the same gates, in this order, here:
//!
//! 1. its **role table** ([`permitted_roles`]): who may issue it at all;
//! 2. the **state** of the case: nothing but registration before it, nothing but erasure
//!    after closure ([`closure`]);
//! 3. the client's **consent**: whether the command needs an active consent;
//! 4. the **party**: what the actor is to this case ([`crate::party`](mod@crate::party)) — its client, its
//!    named coordinator, a team member, a delegate, a provider of its vouchers, its
//!    referrer, intake staff before the team; a role alone is never enough;
//! 5. what the command **shares** stays inside the consent's institutions and data
//!    categories;
//! 6. the family's **decision**: its phase checks and its own rules.
//!
//! What differs per command — the roles, whether consent is needed, what it shares, its
//! phase and its decision — is written in the file of its family, in one place:
//!
//! | family | file | commands |
//! | --- | --- | --- |
//! | intake | [`intake`] | `RegisterCase`, `RecordMandate`, `DecideAdmission` |
//! | consent | [`consent`] | `SignConsent`, `RevokeConsent` |
//! | team | [`team`] | `FormTeam`, `AddMember`, `RemoveMember` |
//! | assessment and plan | [`plan`] | `AssessSituation`, `AgreePlan`, `RevisePlan`, `HoldReview`, `RecordProgress` |
//! | vouchers and services | [`vouchers`] | `IssueVoucher`, `RedeemVoucher`, `ReturnVoucher`, `StartServiceStage`, `ClassifyNeedGroup`, `RecordFeedback`, `RecordServiceHours`, `LinkVoucher` |
//! | coordination | [`coordination`] | `RecordEscalation`, `HandOverCoordination`, `ScheduleConference`, `HoldConference`, `DelegateCaseManagement`, `EndDelegation` |
//! | closure and erasure | [`closure`] | `CloseCase`, `SendClosureNotice`, `EvaluateCase`, `EraseCase` |

use crate::actor::{Context, Role};
use crate::model::{CaseCommand, CaseEvent, CaseState, OpenCase};
use crate::party::party;

pub mod closure;
pub mod consent;
pub mod coordination;
pub(crate) mod error;
mod gates;
pub mod intake;
pub mod plan;
pub mod team;
pub mod vouchers;

use error::CaseError;
pub use gates::CommandRule;
use gates::Scope;

/// The command families of the case process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Intake,
    Consent,
    Team,
    Plan,
    Vouchers,
    Coordination,
    Closure,
}

/// The family a command belongs to: the one place that routes commands to the files of
/// their rules.
fn family(cmd: &CaseCommand) -> Family {
    use CaseCommand as C;
    match cmd {
        C::RegisterCase { .. } | C::RecordMandate { .. } | C::DecideAdmission { .. } => {
            Family::Intake
        }
        C::SignConsent { .. } | C::RevokeConsent => Family::Consent,
        C::FormTeam { .. } | C::AddMember { .. } | C::RemoveMember { .. } => Family::Team,
        C::AssessSituation { .. }
        | C::AgreePlan { .. }
        | C::RevisePlan { .. }
        | C::HoldReview { .. }
        | C::RecordProgress { .. } => Family::Plan,
        C::IssueVoucher { .. }
        | C::RedeemVoucher { .. }
        | C::ReturnVoucher { .. }
        | C::StartServiceStage { .. }
        | C::ClassifyNeedGroup { .. }
        | C::RecordFeedback { .. }
        | C::RecordServiceHours { .. }
        | C::LinkVoucher { .. } => Family::Vouchers,
        C::RecordEscalation { .. }
        | C::HandOverCoordination { .. }
        | C::ScheduleConference { .. }
        | C::HoldConference { .. }
        | C::DelegateCaseManagement { .. }
        | C::EndDelegation => Family::Coordination,
        C::CloseCase { .. }
        | C::SendClosureNotice { .. }
        | C::EvaluateCase { .. }
        | C::EraseCase => Family::Closure,
    }
}

/// Who may issue `cmd` and whether it needs active consent, as its family declares.
pub fn command_rule(cmd: &CaseCommand) -> CommandRule {
    match family(cmd) {
        Family::Intake => intake::rule(cmd),
        Family::Consent => consent::rule(cmd),
        Family::Team => team::rule(cmd),
        Family::Plan => plan::rule(cmd),
        Family::Vouchers => vouchers::rule(cmd),
        Family::Coordination => coordination::rule(cmd),
        Family::Closure => closure::rule(cmd),
    }
}

/// Which roles may issue a command. Managers and auditors read; they never change a case
/// (a manager escalates and hands over coordination).
pub fn permitted_roles(cmd: &CaseCommand) -> &'static [Role] {
    command_rule(cmd).roles
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
        CaseState::Unregistered => intake::register(cmd, ctx),
        CaseState::Open(case) => decide_open(state, case, cmd, ctx),
        CaseState::Closed(case) => {
            party_gate(state, cmd, ctx)?;
            closure::decide_closed(case, cmd, ctx)
        }
    }
}

/// The party gate: what the actor is to this case ([`crate::party`](mod@crate::party)). A registration
/// names no party yet (it is refused as a registration of a registered case).
fn party_gate(state: &CaseState, cmd: &CaseCommand, ctx: &Context<'_>) -> Result<(), CaseError> {
    if matches!(cmd, CaseCommand::RegisterCase { .. }) {
        return Ok(());
    }
    let today = ctx.policy.local_date(ctx.now);
    party(state, ctx.actor, today, ctx.policy)?;
    Ok(())
}

fn decide_open(
    state: &CaseState,
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    let family = family(cmd);
    let consent = case
        .phase
        .consent()
        .filter(|_| case.consent_revoked_at.is_none());
    if command_rule(cmd).needs_consent && consent.is_none() {
        return Err(CaseError::ConsentRequired {
            command: cmd.name(),
        });
    }
    party_gate(state, cmd, ctx)?;
    if let Some(consent) = consent {
        let scope = Scope {
            consent: &consent.scope,
            case,
            command: cmd.name(),
            policy: ctx.policy,
        };
        match family {
            Family::Team => team::check_scope(cmd, &scope)?,
            Family::Plan => plan::check_scope(cmd, &scope)?,
            Family::Vouchers => vouchers::check_scope(cmd, &scope)?,
            Family::Coordination => coordination::check_scope(case, cmd, &scope)?,
            // intake, consent and closure share nothing beyond what the consent names
            Family::Intake | Family::Consent | Family::Closure => {}
        }
    }
    match family {
        Family::Intake => intake::decide(case, cmd, ctx),
        Family::Consent => consent::decide(case, cmd, ctx),
        Family::Team => team::decide(case, cmd, ctx),
        Family::Plan => plan::decide(case, cmd, ctx),
        Family::Vouchers => vouchers::decide(case, cmd, ctx),
        Family::Coordination => coordination::decide(case, cmd, ctx),
        Family::Closure => closure::decide(case, cmd, ctx),
    }
}
