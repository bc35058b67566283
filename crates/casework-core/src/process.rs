//! The generic decide/evolve contract that every process implements.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{InstitutionId, UserId};
use crate::policy::Policy;

/// A process: a typed state machine over events.
///
/// `decide` holds every rule: it looks at the current state and a command and either returns
/// the events that record what happened, or a typed error naming the broken rule (and then
/// nothing is recorded). `evolve` only records facts: it folds one event into the state and
/// never fails. Replaying the same events always yields the same state.
///
/// The case process ([`crate::CaseProcess`]) is one implementation; the trait is generic so
/// that other workflows can run on the same engine and stores.
pub trait Process {
    /// The state folded from the events; `Default` is the state before the first event.
    type State: Default;
    /// What a user asks for.
    type Command;
    /// What happened; the only thing that is stored.
    type Event;
    /// Why a command was rejected.
    type Error: std::error::Error;
    /// What a decision may depend on besides the state and the command: when it happens,
    /// who acts, the deployment's rules. The case process uses [`Context`]; another
    /// workflow brings its own type (its own roles, its own rules) and says through
    /// [`DecisionContext`] what the store records of it.
    type Context<'c>: DecisionContext;

    /// Decides a command against the current state. Pure: no IO, no clock, no randomness;
    /// everything a decision depends on comes in through `state`, `cmd` and `ctx`.
    fn decide(
        state: &Self::State,
        cmd: &Self::Command,
        ctx: &Self::Context<'_>,
    ) -> Result<Vec<Self::Event>, Self::Error>;

    /// Folds one event into the state. Total: it never fails and never panics, also for
    /// events that `decide` would not have produced (they are recorded facts).
    fn evolve(state: Self::State, event: &Self::Event) -> Self::State;

    /// Folds one event into the state in place; the same result as [`Process::evolve`].
    ///
    /// Folds ([`fold`], [`execute`], the repository, projections) call this one. The
    /// default moves the state through `evolve`; a process whose state is large should
    /// override it and change only what the event changes.
    fn evolve_in_place(state: &mut Self::State, event: &Self::Event) {
        *state = Self::evolve(std::mem::take(state), event);
    }
}

/// Folds a sequence of events into the state of process `P`, starting from `P::State::default()`.
pub fn fold<'a, P, I>(events: I) -> P::State
where
    P: Process,
    P::Event: 'a,
    I: IntoIterator<Item = &'a P::Event>,
{
    let mut state = P::State::default();
    for event in events {
        P::evolve_in_place(&mut state, event);
    }
    state
}

/// Decides `cmd` and, when it is accepted, folds the resulting events into `state`.
///
/// A rejected command leaves `state` as it was and returns the error.
pub fn execute<P: Process>(
    state: &mut P::State,
    cmd: &P::Command,
    ctx: &P::Context<'_>,
) -> Result<Vec<P::Event>, P::Error> {
    let events = P::decide(state, cmd, ctx)?;
    for event in &events {
        P::evolve_in_place(state, event);
    }
    Ok(events)
}

/// What the store needs to know of a decision's context to record it: the effective time,
/// the acting identity, and how far the time may lie ahead of the store's clock.
pub trait DecisionContext {
    /// When the command happens in the world (the events' effective time).
    fn effective_at(&self) -> DateTime<Utc>;
    /// Who acts: checked ([`Identity::check`]) and recorded as `user/role@institution`.
    fn acting(&self) -> Identity;
    /// How many minutes the effective time may lie after the store's clock (default 5).
    fn clock_skew_minutes(&self) -> u32 {
        5
    }
}

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
    pub const MAX_PART: usize = 100;

    /// Checks that the actor can be recorded as an audit identity ([`Identity::check`]).
    pub fn check(&self) -> Result<(), ActorError> {
        Identity::from(self).check()
    }

    /// The audit form recorded in every event's envelope: `user/role@institution`.
    pub fn record(&self) -> String {
        Identity::from(self).record()
    }
}

/// Who acts, as the store records it: user, role and institution as text, for any
/// process (the case process's [`Actor`] is one; another workflow names its own roles).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The user's id.
    pub user: String,
    /// The role, as the process names it.
    pub role: String,
    /// The institution.
    pub institution: String,
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

impl Identity {
    /// Checks that the identity can be recorded: every part is non-empty, at most
    /// [`Actor::MAX_PART`] characters, without control characters, without white space at
    /// either end, and without `/` or `@` (which separate the parts of
    /// [`Identity::record`]).
    pub fn check(&self) -> Result<(), ActorError> {
        for (part, value) in [
            ("user", self.user.as_str()),
            ("role", self.role.as_str()),
            ("institution", self.institution.as_str()),
        ] {
            let reason = if value.is_empty() {
                Some("is empty")
            } else if value.chars().count() > Actor::MAX_PART {
                Some("is longer than 100 characters")
            } else if value.chars().any(char::is_control) {
                Some("contains a control character")
            } else if value.trim() != value {
                Some("begins or ends with white space")
            } else if value.contains(['/', '@']) {
                Some("contains '/' or '@'")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(ActorError {
                    part,
                    value: value.to_owned(),
                    reason,
                });
            }
        }
        Ok(())
    }

    /// The audit form recorded in every event's envelope: `user/role@institution`.
    pub fn record(&self) -> String {
        format!("{}/{}@{}", self.user, self.role, self.institution)
    }
}

/// Why an actor cannot be recorded ([`Identity::check`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the actor's {part} {value:?} {reason}")]
pub struct ActorError {
    /// `user`, `role` or `institution`.
    pub part: &'static str,
    /// The offending value.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
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
