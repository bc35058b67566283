//! Who acts on a case and what a decision may depend on: the [`Actor`] with its [`Role`],
//! and the [`Context`] of a decision (the time, the actor, the deployment's policy).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use casework_core::{ActorError, DecisionContext, Identity};

use crate::ids::{InstitutionId, UserId};
use crate::policy::Policy;

impl DecisionContext for Context<'_> {
    fn effective_at(&self) -> DateTime<Utc> {
        self.now
    }

    fn acting(&self) -> Identity {
        Identity::from(self.actor)
    }

    fn clock_skew_minutes(&self) -> u32 {
        self.policy.thresholds.clock_skew_minutes
    }
}

/// What a decision of the case process may depend on and must not fetch itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'p> {
    /// The effective time of the command: when it happened in the world.
    pub now: DateTime<Utc>,
    /// Who is acting, in which role, for which institution.
    pub actor: &'p Actor,
    /// The deployment's rules as data.
    pub policy: &'p Policy,
}

impl<'p> Context<'p> {
    /// A context for `actor` at time `now` under `policy`.
    pub fn new(now: DateTime<Utc>, actor: &'p Actor, policy: &'p Policy) -> Self {
        Context { now, actor, policy }
    }
}

/// The acting user.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Actor {
    /// The user's id in the deployment's directory.
    pub user: UserId,
    /// The role in which the user acts.
    pub role: Role,
    /// The institution the user acts for.
    pub institution: InstitutionId,
}

impl Actor {
    /// An actor with the given user id, role and institution. Stores check it
    /// ([`Actor::check`]) before they record it.
    pub fn new(user: impl Into<String>, role: Role, institution: impl Into<String>) -> Self {
        Actor {
            user: UserId::new(user),
            role,
            institution: InstitutionId::new(institution),
        }
    }

    /// A referrer (registers clients) of `institution`.
    pub fn referrer(user: impl Into<String>, institution: impl Into<String>) -> Self {
        Self::new(user, Role::Referrer, institution)
    }

    /// A coordinator (owns cases end to end) of `institution`.
    pub fn coordinator(user: impl Into<String>, institution: impl Into<String>) -> Self {
        Self::new(user, Role::Coordinator, institution)
    }

    /// A specialist of a partner institution in a case team.
    pub fn specialist(user: impl Into<String>, institution: impl Into<String>) -> Self {
        Self::new(user, Role::Specialist, institution)
    }

    /// A job-centre caseworker (issues vouchers).
    pub fn caseworker(user: impl Into<String>, institution: impl Into<String>) -> Self {
        Self::new(user, Role::Caseworker, institution)
    }

    /// A service provider (delivers services after a voucher, reports back).
    pub fn provider(user: impl Into<String>, institution: impl Into<String>) -> Self {
        Self::new(user, Role::Provider, institution)
    }

    /// The client (signs and revokes consent), recorded as user `user` of institution
    /// `client`.
    pub fn client(user: impl Into<String>) -> Self {
        Self::new(user, Role::Client, "client")
    }

    /// Longest user or institution id, in characters.
    pub const MAX_PART: usize = Identity::MAX_PART;

    /// Checks that the actor can be recorded as an audit identity ([`Identity::check`]).
    pub fn check(&self) -> Result<(), ActorError> {
        Identity::from(self).check()
    }

    /// The audit form recorded in every event's envelope: `user/role@institution`.
    pub fn record(&self) -> String {
        Identity::from(self).record()
    }
}

impl From<&Actor> for Identity {
    fn from(actor: &Actor) -> Self {
        Identity {
            user: actor.user.to_string(),
            role: actor.role.to_string(),
            institution: actor.institution.to_string(),
        }
    }
}

/// The roles of `domain.md` ("Who works a case").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Referring institution ("front people"): registers a client.
    Referrer,
    /// Coordinator / case manager: owns the case end to end.
    Coordinator,
    /// Specialist of a partner institution in the case team.
    Specialist,
    /// Job-centre caseworker (Integrationsfachkraft): issues vouchers.
    Caseworker,
    /// Service provider (Träger): delivers a service after a voucher and reports back.
    Provider,
    /// Manager: reads reports; issues no case commands.
    Manager,
    /// Auditor: replays and verifies; issues no case commands.
    Auditor,
    /// The client, who signs and may revoke consent.
    Client,
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Role::Referrer => "referrer",
            Role::Coordinator => "coordinator",
            Role::Specialist => "specialist",
            Role::Caseworker => "caseworker",
            Role::Provider => "provider",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
            Role::Client => "client",
        };
        f.write_str(name)
    }
}
