//! Glue between a [`Process`] and an [`EventStore`]: load (read + fold), decide, append
//! with the loaded version; on a conflict reload and decide again, a bounded number of
//! times. Reads *as of* a global position, an effective time or a recorded time.

use casework_core::{DecisionContext, Process};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::codec::{Codec, StoredEvent};
use crate::crypto::{has_sealed_fields, DataKey, KeyState};
use crate::error::{check_effective_time, AuditError, StoreError};
use crate::store::KeyArea;
use crate::types::{
    AppendOutcome, ExpectedVersion, GlobalPosition, Metadata, NewEvent, RecordedEvent, StreamId,
    Version,
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
    /// How many decisions it took (1 without conflicts; 0 for the retry of an idempotent
    /// command, which returns the first outcome without deciding).
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

/// The id of event `index` of the append made for `idempotency_key` on `stream`: a UUID
/// (version 8) from SHA-256 over a domain tag, the stream, the key and the index.
pub fn idempotent_event_id(stream: &StreamId, idempotency_key: &str, index: u32) -> Uuid {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"casework/idempotency/v1");
    h.update((stream.as_str().len() as u32).to_be_bytes());
    h.update(stream.as_str().as_bytes());
    h.update((idempotency_key.len() as u32).to_be_bytes());
    h.update(idempotency_key.as_bytes());
    h.update(index.to_be_bytes());
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Reads a whole stream and, if any of its events holds sealed personal data, the
/// stream's entry in the key area that opens it.
pub fn read_with_key<S: KeyArea + ?Sized>(
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
pub struct Repository<'s, P: Process, S: KeyArea + ?Sized> {
    store: &'s S,
    codec: Codec<P::Event>,
    max_attempts: u32,
}

impl<'s, P, S> Repository<'s, P, S>
where
    P: Process,
    P::Event: StoredEvent,
    S: KeyArea + ?Sized,
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

    /// Reads and folds the whole stream **sealed**: personal fields stay as the store
    /// holds them ([`casework_core::Redaction::Sealed`]), no data key is read and nothing
    /// is decrypted. This is the state commands are decided on and the state
    /// [`Executed::state`] is (invariant 6: it equals this replay). Readers that show
    /// personal data use [`Repository::load_opened`].
    pub fn load(&self, stream: &StreamId) -> Result<Loaded<P::State>, StoreError> {
        self.fold_stream(stream, None, |_| true).map(|f| f.loaded)
    }

    /// Reads and folds the stream as it was at `as_of`, sealed like [`Repository::load`].
    pub fn load_as_of(
        &self,
        stream: &StreamId,
        as_of: AsOf,
    ) -> Result<Loaded<P::State>, StoreError> {
        self.fold_stream(stream, None, |e| as_of.includes(e))
            .map(|f| f.loaded)
    }

    /// Reads and folds the whole stream with its personal fields **opened** with the
    /// stream's data key (erased ones read as [`casework_core::Redaction::Erased`]): the
    /// explicit step for readers that show personal data. Differs from
    /// [`Repository::load`] only in the personal fields.
    pub fn load_opened(&self, stream: &StreamId) -> Result<Loaded<P::State>, StoreError> {
        self.load_opened_filtered(stream, |_| true)
    }

    /// Reads and folds the stream as it was at `as_of`, opened like
    /// [`Repository::load_opened`].
    pub fn load_opened_as_of(
        &self,
        stream: &StreamId,
        as_of: AsOf,
    ) -> Result<Loaded<P::State>, StoreError> {
        self.load_opened_filtered(stream, |e| as_of.includes(e))
    }

    fn load_opened_filtered(
        &self,
        stream: &StreamId,
        keep: impl Fn(&RecordedEvent) -> bool,
    ) -> Result<Loaded<P::State>, StoreError> {
        let (events, key) = read_with_key(self.store, stream)?;
        let mut state = P::State::default();
        let mut version = None;
        for r in events.iter().filter(|e| keep(e)) {
            P::evolve_in_place(&mut state, &self.codec.decode_opened(r, key.as_ref())?);
            version = Some(r.version);
        }
        Ok(Loaded { state, version })
    }

    /// Folds the stream's events that `keep` admits into the state, personal fields left
    /// sealed, as the store lends them ([`EventStore::visit_stream`]: no copy of the
    /// events where the store holds them in memory); notes whether an event has the id
    /// `find`.
    fn fold_stream(
        &self,
        stream: &StreamId,
        find: Option<Uuid>,
        keep: impl Fn(&RecordedEvent) -> bool,
    ) -> Result<Folded<P::State>, StoreError> {
        let started = std::time::Instant::now();
        let mut state = P::State::default();
        let (mut version, mut first_at, mut found) = (None, None, false);
        let mut events = 0u64;
        self.store.visit_stream(stream, &mut |e| {
            if !keep(e) {
                return Ok(());
            }
            first_at.get_or_insert(e.effective_at);
            found |= find == Some(e.event_id);
            P::evolve_in_place(&mut state, &self.codec.decode(e)?);
            version = Some(e.version);
            events += 1;
            Ok(())
        })?;
        tracing::debug!(
            stream = stream.as_str(),
            version,
            events,
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "stream loaded"
        );
        Ok(Folded {
            loaded: Loaded { state, version },
            first_at,
            found,
        })
    }

    /// Folds stored events into the state, personal fields left sealed.
    fn fold_sealed(&self, recorded: &[RecordedEvent]) -> Result<Loaded<P::State>, StoreError> {
        let mut state = P::State::default();
        for r in recorded {
            P::evolve_in_place(&mut state, &self.codec.decode(r)?);
        }
        Ok(Loaded {
            state,
            version: recorded.last().map(|e| e.version),
        })
    }

    /// Loads the stream, decides `cmd` and appends the events with the loaded version as
    /// expectation. On a conflict it reloads and decides again, up to the bound.
    ///
    /// Audit fields are checked before anything is decided ([`StoreError::Audit`], nothing
    /// written): the actor of `ctx` must be a valid identity ([`casework_core::Identity::check`])
    /// and is recorded as `user/role@institution` (`metadata` may name it, but no other);
    /// the effective time `ctx.now` may not precede the stream's first event nor lie after
    /// the store's clock by more than the policy's `clock_skew_minutes`. A correlation id
    /// is generated if none is given.
    ///
    /// An event that erases the stream's personal data
    /// ([`StoredEvent::erases_personal_data`]) is followed, before `execute` returns, by
    /// the durable destruction of the stream's data key: no path records an erasure and
    /// keeps the key. Should the destruction fail, the error is returned and running the
    /// erasure again (`casework_case::erase_case` for cases) finishes it.
    pub fn execute(
        &self,
        stream: &StreamId,
        cmd: &P::Command,
        ctx: &P::Context<'_>,
        metadata: Metadata,
    ) -> ExecuteResult<P> {
        self.run(stream, cmd, ctx, metadata, None, None)
    }

    /// Like [`Repository::execute`], but only if the stream is exactly at `expected`
    /// (`None`: it does not exist yet) — optimistic concurrency for a client that decided
    /// on a version it read (an HTTP `If-Match`). No retry: a stream at another version is
    /// [`StoreError::Conflict`], and nothing is written.
    pub fn execute_expecting(
        &self,
        stream: &StreamId,
        expected: Option<Version>,
        cmd: &P::Command,
        ctx: &P::Context<'_>,
        metadata: Metadata,
    ) -> ExecuteResult<P> {
        self.run(stream, cmd, ctx, metadata, None, Some(expected))
    }

    /// Like [`Repository::execute`], but at most once per `idempotency_key` and stream:
    /// the events it appends get ids derived from the stream, the key and their index
    /// (KurrentDB's event-id idempotence). A retry with the same key — after a timeout,
    /// from another thread, after a restart — finds those ids in the stream and returns
    /// the first outcome (its events, positions, and the state right after them) without
    /// deciding or appending anything. Two concurrent first tries append once: the loser
    /// of the version race reloads and finds the winner's events.
    ///
    /// The key names the *request*, not its contents: a different command sent with a used
    /// key returns the first command's outcome. A command that appended nothing (rejected,
    /// or no events) leaves nothing to find, so its retry is decided again. Keys are 1 to
    /// 200 bytes without control characters ([`StoreError::InvalidIdempotencyKey`]).
    pub fn execute_idempotent(
        &self,
        stream: &StreamId,
        idempotency_key: &str,
        cmd: &P::Command,
        ctx: &P::Context<'_>,
        metadata: Metadata,
    ) -> ExecuteResult<P> {
        if idempotency_key.is_empty()
            || idempotency_key.len() > 200
            || idempotency_key.chars().any(char::is_control)
        {
            return Err(StoreError::InvalidIdempotencyKey(idempotency_key.to_owned()).into());
        }
        self.run(stream, cmd, ctx, metadata, Some(idempotency_key), None)
    }

    fn run(
        &self,
        stream: &StreamId,
        cmd: &P::Command,
        ctx: &P::Context<'_>,
        metadata: Metadata,
        idempotency_key: Option<&str>,
        expect: Option<Option<Version>>,
    ) -> ExecuteResult<P> {
        let audit = |e: AuditError| RepoError::Store(StoreError::Audit(e));
        let identity = ctx.acting();
        identity.check().map_err(|e| audit(e.into()))?;
        let acting = identity.record();
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
        let first_id = idempotency_key.map(|k| idempotent_event_id(stream, k, 0));
        for attempt in 1..=self.max_attempts {
            // decisions read no personal field of the state: the case is loaded sealed,
            // without its data key and without decrypting anything
            let Folded {
                loaded: Loaded { mut state, version },
                first_at,
                found,
            } = self.fold_stream(stream, first_id, |_| true)?;
            if let Some(first_id) = first_id.filter(|_| found) {
                // a retry of an idempotent command: its first outcome, read again
                let recorded = self.store.read_stream_all(stream)?;
                if let Some(at) = recorded.iter().position(|e| e.event_id == first_id) {
                    return self.first_outcome(stream, &recorded, at, idempotency_key);
                }
            }
            let expectation = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            if let Some(expected) = expect.filter(|&e| e != version) {
                return Err(StoreError::Conflict {
                    stream: stream.clone(),
                    expected: expected.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact),
                    actual: version,
                }
                .into());
            }
            check_effective_time(
                stream,
                ctx.effective_at(),
                first_at,
                self.store.now(),
                ctx.clock_skew_minutes(),
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
            let mut new = self.encode(stream, version.unwrap_or(0), &events, &metadata)?;
            if let Some(k) = idempotency_key {
                for (i, e) in new.iter_mut().enumerate() {
                    e.event_id = idempotent_event_id(stream, k, i as u32);
                }
            }
            // the state a replay will see: events with sealed fields as they read back
            let as_stored = sealed_forms::<P::Event>(&new)?;
            match self.store.append(stream, expectation, new) {
                Ok(outcome) => {
                    for (event, stored) in events.iter().zip(&as_stored) {
                        P::evolve_in_place(&mut state, stored.as_ref().unwrap_or(event));
                    }
                    if events.iter().any(StoredEvent::erases_personal_data) {
                        self.store.destroy_data_key(stream, ctx.effective_at())?;
                    }
                    return Ok(Executed {
                        state,
                        events,
                        outcome: Some(outcome),
                        attempts: attempt,
                    });
                }
                Err(StoreError::Conflict { .. }) if expect.is_none() => {
                    tracing::debug!(
                        stream = stream.as_str(),
                        attempt,
                        "conflict: the stream is loaded and the command decided again"
                    );
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        tracing::warn!(
            stream = stream.as_str(),
            attempts = self.max_attempts,
            "the stream stayed contended: the command was given up"
        );
        Err(RepoError::Contended {
            stream: stream.clone(),
            attempts: self.max_attempts,
        })
    }

    /// The outcome of an idempotent command whose first event is `recorded[at]`: its
    /// events (ids derived from the key, in order, personal fields opened as the first
    /// try returned them), where they stand, and the state right after them (sealed, as
    /// [`Repository::load`] folds it).
    fn first_outcome(
        &self,
        stream: &StreamId,
        recorded: &[RecordedEvent],
        at: usize,
        idempotency_key: Option<&str>,
    ) -> ExecuteResult<P> {
        let k = idempotency_key.unwrap_or_default();
        let count = recorded[at..]
            .iter()
            .zip(0u32..)
            .take_while(|(e, i)| e.event_id == idempotent_event_id(stream, k, *i))
            .count();
        let mine = &recorded[at..at + count];
        let key = if mine.iter().any(|e| has_sealed_fields(&e.payload)) {
            self.store.data_key(stream)?
        } else {
            None
        };
        let events = mine
            .iter()
            .map(|r| self.codec.decode_opened(r, key.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let state = self.fold_sealed(&recorded[..at + count])?.state;
        let (first, last) = (&recorded[at], &recorded[at + count - 1]);
        Ok(Executed {
            state,
            events,
            outcome: Some(AppendOutcome {
                first_version: first.version,
                last_version: last.version,
                first_position: first.position,
                last_position: last.position,
            }),
            attempts: 0,
        })
    }

    /// Encodes events that will follow version `after` of `stream`; personal fields are
    /// sealed with the stream's data key, which is read (or made, on the first event that
    /// needs it) only when an event holds a personal value.
    fn encode(
        &self,
        stream: &StreamId,
        after: Version,
        events: &[P::Event],
        metadata: &Metadata,
    ) -> Result<Vec<NewEvent>, StoreError> {
        let mut key: Option<DataKey> = None;
        let mut key_for_writing = || match &key {
            Some(k) => Ok(k.clone()),
            None => Ok(key.insert(self.store.data_key_for_writing(stream)?).clone()),
        };
        events
            .iter()
            .zip(after + 1..)
            .map(|(e, version)| {
                self.codec.encode_sealed_with(
                    e,
                    metadata.clone(),
                    stream,
                    version,
                    &mut key_for_writing,
                )
            })
            .collect()
    }
}

/// For each new event whose payload holds sealed fields, the event as a sealed replay
/// decodes it (personal fields [`casework_core::Redaction::Sealed`]); `None` for events
/// stored as decided. The payloads were just encoded at the current schema version, so no
/// upcasting applies.
fn sealed_forms<E: StoredEvent>(new: &[NewEvent]) -> Result<Vec<Option<E>>, StoreError> {
    new.iter()
        .map(|e| {
            let personal = !E::personal_paths(&e.event_type, e.schema_version).is_empty();
            if !personal || !has_sealed_fields(&e.payload) {
                return Ok(None);
            }
            serde_json::from_slice(&e.payload)
                .map(Some)
                .map_err(|err| StoreError::Serialization(format!("{}: {err}", e.event_type)))
        })
        .collect()
}

/// A stream folded for a command: the state and version, the first event's effective
/// time (the audit check's lower bound) and whether the event sought is there.
struct Folded<S> {
    loaded: Loaded<S>,
    first_at: Option<DateTime<Utc>>,
    found: bool,
}
