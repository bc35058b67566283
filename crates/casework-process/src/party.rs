//! **What an actor is to a case**: the one relation that every command gate
//! ([`crate::rules`]) and every read ([`crate::access`]) starts from.
//!
//! A role says what a user may do in general; being a *party* of this case says whether
//! the user may do it here. Belonging to an institution the consent names is necessary for
//! most flows, never sufficient: a caseworker of the job centre who is not in the case team
//! is no party of the case, and reads or changes nothing of it.
//!
//! | role | is a party as | when |
//! | --- | --- | --- |
//! | client | [`Party::Client`] | the actor's user id is the case's subject, or its recorded legal representative |
//! | coordinator | [`Party::Coordinator`] | the named coordinator (user and institution) of the team (of the last team, once closed) |
//! | coordinator, caseworker | [`Party::Intake`] | before a team is formed: of the referring institution, or of an institution the consent names |
//! | specialist, caseworker, provider, coordinator | [`Party::Member`] | a member of the current team (user and institution) |
//! | any | [`Party::Delegate`] | the delegate (user and institution) of the delegation running on the day |
//! | provider | [`Party::Provider`] | its institution is the provider of a voucher of the case |
//! | referrer | [`Party::Referrer`] | of the referring institution |
//! | manager | [`Party::Manager`] | of the coordinating institution or of an institution in the team (the referring one before a team is formed) |
//! | auditor | [`Party::Auditor`] | of an audit body the policy names (`process.audit_bodies`, none by default); reads need the audit purpose and stay inside the consent ([`crate::access`]) |
//!
//! Everyone else gets a [`NotAParty`] that names the rule.

use chrono::NaiveDate;

use crate::actor::{Actor, Role};
use crate::ids::{InstitutionId, MeasureId, UserId, VoucherId};
use crate::model::{CaseState, Phase, Registration};
use crate::policy::{Policy, Tz};
use crate::record::Coordination;
use crate::team::Team;
use crate::voucher::Voucher;

/// What an actor is to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    /// The client (`representative: false`) or the client's legal representative.
    Client {
        /// Whether the actor is the legal representative rather than the client.
        representative: bool,
    },
    /// The case's named coordinator.
    Coordinator,
    /// A member of the case team.
    Member,
    /// The delegate of the delegation running on the day.
    Delegate {
        /// The measures delegated; empty: the whole case.
        measures: Vec<MeasureId>,
    },
    /// A provider of vouchers of the case.
    Provider {
        /// Its vouchers.
        vouchers: Vec<VoucherId>,
    },
    /// The referring institution.
    Referrer,
    /// Intake staff before a team is formed.
    Intake,
    /// A manager of the coordinating institution or of one in the team: escalates and
    /// hands over, reads no personal data.
    Manager,
    /// An auditor.
    Auditor,
}

/// Why an actor is no party of a case: the rule that refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotAParty {
    /// A client-role actor who is neither the case's subject nor its representative.
    #[error("{user} is not this case's client nor its legal representative")]
    NotTheClient {
        /// Who tried.
        user: UserId,
    },
    /// The case was registered before subjects were recorded: no actor is its client.
    #[error("the case records no client subject (registered before subjects were recorded): the client acts through the coordinator")]
    NoSubject,
    /// A coordinator who is not the case's named coordinator.
    #[error("only the case's coordinator {coordinator} may do this, not {user}")]
    NotCoordinator {
        /// Who tried.
        user: UserId,
        /// The named coordinator.
        coordinator: UserId,
    },
    /// A specialist, caseworker or provider outside the case team (and no delegate).
    #[error("{user} of {institution} is not in the case team")]
    NotInTeam {
        /// Who tried.
        user: UserId,
        /// Their institution.
        institution: InstitutionId,
    },
    /// A provider that holds no voucher of the case.
    #[error("{institution} holds no voucher of this case and is not in its team")]
    NoVoucher {
        /// The provider.
        institution: InstitutionId,
    },
    /// A referrer of another institution.
    #[error("{institution} did not refer this case")]
    NotReferrer {
        /// The referrer's institution.
        institution: InstitutionId,
    },
    /// Before a team is formed, a coordinator or caseworker of an institution that neither
    /// referred the case nor is named by the consent.
    #[error("before the team is formed, only the referring institution and institutions the consent names take the case in, not {institution}")]
    NotIntake {
        /// Their institution.
        institution: InstitutionId,
    },
    /// A manager of an institution that neither coordinates the case nor is in its team.
    #[error("a manager of {institution} does not manage this case (coordinated by {coordinating}, not in its team)")]
    NotManager {
        /// The manager's institution.
        institution: InstitutionId,
        /// The coordinating institution.
        coordinating: InstitutionId,
    },
    /// An auditor of an institution the policy does not name as an audit body.
    #[error(
        "{institution} is no audit body of this deployment (the policy's process.audit_bodies)"
    )]
    NotAnAuditBody {
        /// The auditor's institution.
        institution: InstitutionId,
    },
    /// The case is not registered.
    #[error("the case does not exist")]
    NoCase,
}

/// The facts of a case the relation is read from, open or closed.
struct Facts<'a> {
    registration: &'a Registration,
    phase: &'a Phase,
    vouchers: &'a std::collections::BTreeMap<VoucherId, Voucher>,
    coordination: &'a Coordination,
    open: bool,
}

impl<'a> Facts<'a> {
    fn of(state: &'a CaseState) -> Option<Self> {
        match state {
            CaseState::Unregistered => None,
            CaseState::Open(c) => Some(Facts {
                registration: &c.registration,
                phase: &c.phase,
                vouchers: &c.vouchers,
                coordination: &c.coordination,
                open: true,
            }),
            CaseState::Closed(c) => Some(Facts {
                registration: &c.registration,
                phase: &c.last_phase,
                vouchers: &c.vouchers,
                coordination: &c.coordination,
                open: false,
            }),
        }
    }

    fn team(&self) -> Option<&'a Team> {
        self.phase.team()
    }

    fn member(&self, actor: &Actor) -> bool {
        self.team().is_some_and(|t| {
            t.members
                .iter()
                .any(|m| m.user == actor.user && m.institution == actor.institution)
        })
    }

    fn delegate(&self, actor: &Actor, on: NaiveDate, zone: Tz) -> Option<Party> {
        if !self.open {
            return None;
        }
        self.coordination
            .delegation_on(on, zone)
            .filter(|d| d.held_by(&actor.user, &actor.institution))
            .map(|d| Party::Delegate {
                measures: d.measures.clone(),
            })
    }

    fn named_by_consent(&self, institution: &InstitutionId) -> bool {
        self.phase
            .consent()
            .is_some_and(|c| c.scope.names(institution.as_str()))
    }
}

/// What `actor` is to the case in `state` on day `on` (a delegation runs by local days of
/// the policy's time zone; auditors are those of the policy's audit bodies); `Err` names
/// the rule that makes the actor no party.
pub fn party(
    state: &CaseState,
    actor: &Actor,
    on: NaiveDate,
    policy: &Policy,
) -> Result<Party, NotAParty> {
    let zone = policy.time_zone;
    let facts = Facts::of(state).ok_or(NotAParty::NoCase)?;
    let reg = facts.registration;
    let not_in_team = || NotAParty::NotInTeam {
        user: actor.user.clone(),
        institution: actor.institution.clone(),
    };
    // a member or delegate acts in their role; the checks below only add ways in
    let in_team = || {
        if facts.member(actor) {
            Some(Party::Member)
        } else {
            facts.delegate(actor, on, zone)
        }
    };
    let intake = || {
        (facts.team().is_none()
            && (actor.institution == reg.referrer || facts.named_by_consent(&actor.institution)))
        .then_some(Party::Intake)
    };
    match actor.role {
        Role::Client => client(reg, &actor.user),
        Role::Coordinator => match facts.team() {
            Some(team)
                if team.coordinator == actor.user
                    && team.coordinator_institution == actor.institution =>
            {
                Ok(Party::Coordinator)
            }
            // a member or delegate acts in its own role, never as the coordinator
            Some(team) => Err(NotAParty::NotCoordinator {
                user: actor.user.clone(),
                coordinator: team.coordinator.clone(),
            }),
            None => intake().ok_or_else(|| NotAParty::NotIntake {
                institution: actor.institution.clone(),
            }),
        },
        Role::Specialist => in_team().ok_or_else(not_in_team),
        Role::Caseworker => in_team().or_else(intake).ok_or_else(not_in_team),
        Role::Provider => {
            let vouchers: Vec<VoucherId> = facts
                .vouchers
                .values()
                .filter(|v| v.provider.as_str() == actor.institution.as_str())
                .map(|v| v.id.clone())
                .collect();
            if !vouchers.is_empty() {
                Ok(Party::Provider { vouchers })
            } else {
                in_team().ok_or_else(|| NotAParty::NoVoucher {
                    institution: actor.institution.clone(),
                })
            }
        }
        Role::Referrer => {
            if actor.institution == reg.referrer {
                Ok(Party::Referrer)
            } else {
                Err(NotAParty::NotReferrer {
                    institution: actor.institution.clone(),
                })
            }
        }
        Role::Manager => {
            let coordinating = facts
                .team()
                .map_or(&reg.referrer, |t| &t.coordinator_institution);
            let in_team = facts
                .team()
                .is_some_and(|t| t.members.iter().any(|m| m.institution == actor.institution));
            if &actor.institution == coordinating || in_team {
                Ok(Party::Manager)
            } else {
                Err(NotAParty::NotManager {
                    institution: actor.institution.clone(),
                    coordinating: coordinating.clone(),
                })
            }
        }
        Role::Auditor => {
            if policy.process.audit_bodies.contains(&actor.institution) {
                Ok(Party::Auditor)
            } else {
                Err(NotAParty::NotAnAuditBody {
                    institution: actor.institution.clone(),
                })
            }
        }
    }
}

fn client(reg: &Registration, user: &UserId) -> Result<Party, NotAParty> {
    match reg.client_as(user.as_str()) {
        Some(representative) => Ok(Party::Client { representative }),
        None if reg.subject.is_none() => Err(NotAParty::NoSubject),
        None => Err(NotAParty::NotTheClient { user: user.clone() }),
    }
}
