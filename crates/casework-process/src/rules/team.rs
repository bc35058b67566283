//! The case team: formed once consent is signed, members join and leave.
//!
//! | command | who | consent | shares |
//! | --- | --- | --- | --- |
//! | `FormTeam` | coordinator | needed | the case with the coordinator's and every member's institution (each must be named by the consent) |
//! | `AddMember` | coordinator | needed | the case with the member's institution (named by the consent) |
//! | `RemoveMember` | coordinator | needed | nothing |
//!
//! Every command here first passes the gates of [`crate::rules`], the same for all: its
//! role, an active consent where the table says "needed" (signed, not revoked), what it
//! shares inside the consent's institutions and categories, and — for a coordinator — being
//! the case's named coordinator.

use std::collections::BTreeSet;

use crate::actor::{Context, Role};
use crate::ids::UserId;
use crate::model::{CaseCommand, CaseEvent, OpenCase, Phase, PhaseName};

use super::error::{CaseError, TeamError};
use super::gates::{wrong_phase, CommandRule, Scope, TEAM_PHASES};

/// Who may change the team: the coordinator, with active consent.
pub(super) fn rule(cmd: &CaseCommand) -> CommandRule {
    use CaseCommand as C;
    match cmd {
        C::FormTeam { .. } | C::AddMember { .. } | C::RemoveMember { .. } => {
            CommandRule::with_consent(&[Role::Coordinator])
        }
        _ => CommandRule::NOBODY,
    }
}

/// What a team command shares: the case, with the institutions of the team.
pub(super) fn check_scope(cmd: &CaseCommand, scope: &Scope<'_>) -> Result<(), CaseError> {
    match cmd {
        CaseCommand::FormTeam {
            coordinator_institution,
            members,
            ..
        } => {
            scope.institution(coordinator_institution)?;
            members
                .iter()
                .try_for_each(|m| scope.institution(&m.institution))
        }
        CaseCommand::AddMember { member } => scope.institution(&member.institution),
        _ => Ok(()),
    }
}

/// Decides a team command on an open case.
pub(super) fn decide(
    case: &OpenCase,
    cmd: &CaseCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CaseEvent>, CaseError> {
    use CaseCommand as C;
    let at = ctx.now;
    let event = match cmd {
        C::FormTeam {
            coordinator,
            coordinator_institution,
            members,
        } => {
            if !matches!(case.phase, Phase::Consented(_)) {
                return Err(wrong_phase(cmd, &[PhaseName::Consented], case));
            }
            let mut seen = BTreeSet::<&UserId>::from([coordinator]);
            if let Some(dup) = members.iter().find(|m| !seen.insert(&m.user)) {
                return Err(TeamError::AlreadyMember(dup.user.clone()).into());
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
                return Err(TeamError::AlreadyMember(member.user.clone()).into());
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
                return Err(TeamError::CoordinatorCannotLeave.into());
            }
            if !team.contains(user) {
                return Err(TeamError::NotMember(user.clone()).into());
            }
            CaseEvent::MemberLeft {
                at,
                user: user.clone(),
            }
        }
        _ => return Err(wrong_phase(cmd, &[], case)),
    };
    Ok(vec![event])
}
