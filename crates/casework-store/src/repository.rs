//! Glue between a [`Process`] and an [`EventStore`]: load (read + fold), decide, append
//! with the loaded version; on a conflict reload and decide again, a bounded number of
//! times. Reads *as of* a global position, an effective time or a recorded time.

use casework_core::{Context, Process};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::codec::{Codec, StoredEvent};
use crate::crypto::{has_sealed_fields, KeyState};
use crate::error::{check_effective_time, AuditError, StoreError};
use crate::store::EventStore;
use crate::types::{
    AppendOutcome, ExpectedVersion, GlobalPosition, Metadata, RecordedEvent, StreamId, Version,
};

/// Why executing a command failed.
#[derive(Debug, thiserror::Error)]
pub enum RepoError<E: std::error::Error> {
    /// The process rejected the command; nothing was written.
    #[error("rejected: {0}")]
    Rejected(E),
    /// The store failed; nothing was written unless the error says otherwise.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Other writers won every attempt; nothing was written.
    #[error("stream {stream} stayed contended after {attempts} attempts")]
    Contended {
        /// The stream.
        stream: StreamId,
        /// Attempts made.
        attempts: u32,
    },
}

/// A stream folded into its state.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<S> {
    /// The state.
    pub state: S,
    /// The last version folded (`None`: no events).
    pub version: Option<Version>,
    /// The effective time of the stream's first event (`None`: no events).
    pub began: Option<DateTime<Utc>>,
}

/// The result of an accepted command.
#[derive(Debug, Clone, PartialEq)]
pub struct Executed<S, E> {
    /// The state after the new events.
    pub state: S,
    /// The events recorded.
    pub events: Vec<E>,
    /// Where they were written (`None` if the decision produced no event).
    pub outcome: Option<AppendOutcome>,
    /// How many decisions it took (1 without conflicts).
    pub attempts: u32,
}

/// What [`Repository::execute`] returns for process `P`.
pub type ExecuteResult<P> = Result<
    Executed<<P as Process>::State, <P as Process>::Event>,
    RepoError<<P as Process>::Error>,
>;

/// A point in the past to replay to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// Events at or before this global position.
    Position(GlobalPosition),
    /// Events that happened (effective time) at or before this instant.
    Effective(DateTime<Utc>),
    /// Events the store had recorded at or before this instant: what was known then.
    Recorded(DateTime<Utc>),
}

impl AsOf {
    /// Whether `e` belongs to the log as of this point: by position, the prefix; by
    /// effective or recorded time, every event that happened (was recorded) by then.
    pub fn includes(&self, e: &RecordedEvent) -> bool {
        match *self {
            AsOf::Position(p) => e.position <= p,
            AsOf::Effective(t) => e.effective_at <= t,
            AsOf::Recorded(t) => e.recorded_at <= t,
        }
    }
}

/// Reads a whole stream and, if any of its events holds sealed personal data, the
/// stream's entry in the key area that opens it.
pub(crate) fn read_with_key<S: EventStore + ?Sized>(
    store: &S,
    stream: &StreamId,
) -> Result<(Vec<RecordedEvent>, Option<KeyState>), StoreError> {
    let events = store.read_stream_all(stream)?;
    let key = if events.iter().any(|e| has_sealed_fields(&e.payload)) {
        store.data_key(stream)?
    } else {
        None
    };
    Ok((events, key))
}

/// Loads and changes streams of process `P` in a store.
pub struct Repository<'s, P: Process, S: EventStore + ?Sized> {
    store: &'s S,
    codec: Codec<P::Event>,
    max_attempts: u32,
}

impl<'s, P, S> Repository<'s, P, S>
where
    P: Process,
    P::Event: StoredEvent,
    S: EventStore + ?Sized,
{
    /// A repository over `store` decoding with `codec`; 5 attempts on conflicts.
    pub fn new(store: &'s S, codec: Codec<P::Event>) -> Self {
        Repository {
            store,
            codec,
            max_attempts: 5,
        }
    }

    /// The same repository with another bound on attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The codec in use.
    pub fn codec(&self) -> &Codec<P::Event> {
        &self.codec
    }

    /// Reads and folds the whole stream.
    pub fn load(&self, stream: &StreamId) -> Result<Loaded<P::State>, StoreError> {
        self.load_filtered(stream, |_| true)
    }

    /// Reads and folds the stream as it was at `as_of`.
    pub fn load_as_of(
        &self,
        stream: &StreamId,
        as_of: AsOf,
    ) -> Result<Loaded<P::State>, StoreError> {
        self.load_filtered(stream, |e| as_of.includes(e))
    }

    fn load_filtered(
        &self,
        stream: &StreamId,
        keep: impl Fn(&RecordedEvent) -> bool,
    ) -> Result<Loaded<P::State>, StoreError> {
        let mut state = P::State::default();
        let mut version = None;
        let (events, key) = read_with_key(self.store, stream)?;
        let began = events.first().map(|e| e.effective_at);
        for recorded in events {
            if !keep(&recorded) {
                continue;
            }
            let event = self.codec.decode_opened(&recorded, key.as_ref())?;
            P::evolve_in_place(&mut state, &event);
            version = Some(recorded.version);
        }
        Ok(Loaded {
            state,
            version,
            began,
        })
    }

    /// Loads the stream, decides `cmd` and appends the events with the loaded version as
    /// expectation. On a conflict it reloads and decides again, up to the bound.
    ///
    /// Audit fields are checked before anything is decided ([`StoreError::Audit`], nothing
    /// written): the actor of `ctx` must be a valid identity ([`casework_core::Actor::check`])
    /// and is recorded as `user/role@institution` (`metadata` may name it, but no other);
    /// the effective time `ctx.now` may not precede the stream's first event nor lie after
    /// the store's clock by more than the policy's `clock_skew_minutes`. A correlation id
    /// is generated if none is given.
    ///
    /// An event that erases the stream's personal data
    /// ([`StoredEvent::erases_personal_data`]) is followed, before `execute` returns, by
    /// the durable destruction of the stream's data key: no path records an erasure and
    /// keeps the key. Should the destruction fail, the error is returned and running the
    /// erasure again ([`crate::erase_case`]) finishes it.
    pub fn execute(
        &self,
        stream: &StreamId,
        cmd: &P::Command,
        ctx: &Context<'_>,
        metadata: Metadata,
    ) -> ExecuteResult<P> {
        let audit = |e: AuditError| RepoError::Store(StoreError::Audit(e));
        ctx.actor.check().map_err(|e| audit(e.into()))?;
        let acting = ctx.actor.record();
        let mut metadata = metadata;
        match &metadata.actor {
            Some(given) if *given != acting => {
                return Err(audit(AuditError::ActorMismatch {
                    given: given.clone(),
                    acting,
                }))
            }
            _ => metadata.actor = Some(acting),
        }
        metadata.correlation_id.get_or_insert_with(Uuid::now_v7);
        for attempt in 1..=self.max_attempts {
            let Loaded {
                mut state,
                version,
                began,
            } = self.load(stream)?;
            check_effective_time(
                stream,
                ctx.now,
                began,
                self.store.now(),
                ctx.policy.thresholds.clock_skew_minutes,
            )
            .map_err(audit)?;
            let events = P::decide(&state, cmd, ctx).map_err(RepoError::Rejected)?;
            if events.is_empty() {
                return Ok(Executed {
                    state,
                    events,
                    outcome: None,
                    attempts: attempt,
                });
            }
            let new = self.encode(stream, version.unwrap_or(0), &events, &metadata)?;
            let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            match self.store.append(stream, expected, new) {
                Ok(outcome) => {
                    if events.iter().any(StoredEvent::erases_personal_data) {
                        self.store.destroy_data_key(stream, ctx.now)?;
                        // the state as a replay now sees it: the sealed fields are gone
                        state = self.load(stream)?.state;
                        return Ok(Executed {
                            state,
                            events,
                            outcome: Some(outcome),
                            attempts: attempt,
                        });
                    }
                    for event in &events {
                        P::evolve_in_place(&mut state, event);
                    }
                    return Ok(Executed {
                        state,
                        events,
                        outcome: Some(outcome),
                        attempts: attempt,
                    });
                }
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(RepoError::Contended {
            stream: stream.clone(),
            attempts: self.max_attempts,
        })
    }

    /// Encodes events that will follow version `after` of `stream`; personal fields are
    /// sealed with the stream's data key, which is made on the first event that needs it.
    fn encode(
        &self,
        stream: &StreamId,
        after: Version,
        events: &[P::Event],
        metadata: &Metadata,
    ) -> Result<Vec<crate::types::NewEvent>, StoreError> {
        let personal = events.iter().any(|e| {
            let event_type = e.event_type();
            let version = P::Event::current_schema_version(event_type).unwrap_or(1);
            !P::Event::personal_paths(event_type, version).is_empty()
        });
        let key = if personal {
            Some(self.store.data_key_for_writing(stream)?)
        } else {
            None
        };
        events
            .iter()
            .zip(after + 1..)
            .map(|(e, version)| match &key {
                Some(key) => self
                    .codec
                    .encode_sealed(e, metadata.clone(), stream, version, key),
                None => self.codec.encode(e, metadata.clone()),
            })
            .collect()
    }
}
