//! The generic decide/evolve contract that every process implements.

use chrono::{DateTime, Utc};

/// A process: a typed state machine over events.
///
/// `decide` holds every rule: it looks at the current state and a command and either returns
/// the events that record what happened, or a typed error naming the broken rule (and then
/// nothing is recorded). `evolve` only records facts: it folds one event into the state and
/// never fails. Replaying the same events always yields the same state.
///
/// The case process (`casework_process::CaseProcess`) is one implementation; the trait is
/// generic so that other workflows can run on the same engine and stores.
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
    /// who acts, the deployment's rules. The case process uses its `Context`; another
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

/// Who acts, as the store records it: user, role and institution as text, for any
/// process (the case process's `Actor` is one; another workflow names its own roles).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Identity {
    /// The user's id.
    pub user: String,
    /// The role, as the process names it.
    pub role: String,
    /// The institution.
    pub institution: String,
}

impl Identity {
    /// The longest user, role or institution name, in characters.
    pub const MAX_PART: usize = 100;

    /// Checks that the identity can be recorded: every part is non-empty, at most
    /// [`Identity::MAX_PART`] characters, without control characters, without white space at
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
            } else if value.chars().count() > Identity::MAX_PART {
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
