//! Projections: folds over the global log with a checkpoint. A projection can start from
//! zero, resume from its checkpoint (also after a restart, from a saved snapshot), be
//! rebuilt deterministically, and be computed *as of* a global position, an effective
//! time or a recorded time. Projections never read the clock.
//!
//! A projection folds the events of one type ([`Projection::Event`], any
//! [`StoredEvent`]): it says which events of the shared log are its own
//! ([`Projection::accepts`], e.g. by the stream's name), how they are read
//! ([`Projection::codec`], with the upcasters of their history) and how each is folded
//! ([`Projection::apply`]). The [`CaseBook`](crate::CaseBook) is the case process's.

use std::path::Path;

use casework_core::StoredEvent;
use casework_store::{AsOf, Codec, EventStore, GlobalPosition, RecordedEvent, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A fold over the events of one type in the global log.
///
/// ```
/// use casework_reports::{Projection, Projector};
/// use casework_store::{Codec, EventStore, ExpectedVersion, MemoryStore, Metadata, RecordedEvent, StreamId};
/// use chrono::{DateTime, Utc};
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Ticked { at: DateTime<Utc> }
///
/// impl casework_core::StoredEvent for Ticked {
///     fn event_type(&self) -> &'static str { "Ticked" }
///     fn current_schema_version(t: &str) -> Option<u16> { (t == "Ticked").then_some(1) }
///     fn effective_at(&self) -> DateTime<Utc> { self.at }
/// }
///
/// /// How many ticks the `clock-…` streams hold.
/// #[derive(Default, serde::Serialize, serde::Deserialize)]
/// struct Ticks(u64);
///
/// impl Projection for Ticks {
///     type Event = Ticked;
///     fn accepts(recorded: &RecordedEvent) -> bool {
///         recorded.stream.as_str().starts_with("clock-")
///     }
///     fn apply(&mut self, _: &RecordedEvent, _: &Ticked) {
///         self.0 += 1;
///     }
/// }
///
/// let store = MemoryStore::new();
/// let tick = Codec::<Ticked>::new().encode(&Ticked { at: DateTime::UNIX_EPOCH }, Metadata::default()).unwrap();
/// store.append(&StreamId::new("clock-1").unwrap(), ExpectedVersion::Any, vec![tick]).unwrap();
/// assert_eq!(Projector::<Ticks>::rebuild(&store).unwrap().projection.0, 1);
/// ```
pub trait Projection: Default + Serialize + DeserializeOwned {
    /// The event type folded.
    type Event: StoredEvent;

    /// Whether `recorded` is one of this projection's events, judged by its envelope
    /// alone (other processes may share the store). Events it does not accept are passed
    /// over without being decoded; the checkpoint still moves past them.
    fn accepts(recorded: &RecordedEvent) -> bool;

    /// The codec that reads the accepted events, with the upcasters of their history. By
    /// default one without upcasters.
    fn codec() -> Codec<Self::Event> {
        Codec::new()
    }

    /// Folds one event. Never fails: events are facts.
    fn apply(&mut self, recorded: &RecordedEvent, event: &Self::Event);
}

/// A projection and the position of the last event it folded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projector<P> {
    /// The projection's state.
    pub projection: P,
    /// The last position folded (0: nothing yet).
    pub checkpoint: GlobalPosition,
}

/// Why a projection could not be built or saved.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    /// The store failed or an event could not be decoded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A snapshot could not be read or written.
    #[error("projection snapshot {path}: {detail}")]
    Snapshot {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
}

impl<P: Projection> Default for Projector<P> {
    fn default() -> Self {
        Projector {
            projection: P::default(),
            checkpoint: 0,
        }
    }
}

impl<P: Projection> Projector<P> {
    /// Folds every event after the checkpoint up to the head; returns how many were
    /// folded.
    pub fn catch_up(&mut self, store: &(impl EventStore + ?Sized)) -> Result<u64, ProjectionError> {
        self.catch_up_to(store, GlobalPosition::MAX)
    }

    /// Folds the events after the checkpoint up to position `until` (inclusive).
    pub fn catch_up_to(
        &mut self,
        store: &(impl EventStore + ?Sized),
        until: GlobalPosition,
    ) -> Result<u64, ProjectionError> {
        let started = std::time::Instant::now();
        let from = self.checkpoint;
        let codec = P::codec();
        let mut folded = 0;
        for e in casework_store::log_events(store, self.checkpoint + 1) {
            let e = e?;
            if e.position > until {
                break;
            }
            self.fold_one(&codec, &e)?;
            folded += 1;
        }
        tracing::debug!(
            projection = std::any::type_name::<P>(),
            from,
            to = self.checkpoint,
            events = folded,
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "projection caught up"
        );
        Ok(folded)
    }

    fn fold_one(
        &mut self,
        codec: &Codec<P::Event>,
        e: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        if P::accepts(e) {
            let event = codec.decode(e)?;
            self.projection.apply(e, &event);
        }
        self.checkpoint = e.position;
        Ok(())
    }

    /// Builds the projection from zero.
    pub fn rebuild(store: &(impl EventStore + ?Sized)) -> Result<Self, ProjectionError> {
        Self::rebuild_from(store, P::default())
    }

    /// Builds the projection from the empty projection `empty` (one that carries settings,
    /// such as a [`CaseBook`](crate::CaseBook) in the policy's time zone).
    pub fn rebuild_from(
        store: &(impl EventStore + ?Sized),
        empty: P,
    ) -> Result<Self, ProjectionError> {
        let mut p = Projector {
            projection: empty,
            checkpoint: 0,
        };
        p.catch_up(store)?;
        Ok(p)
    }

    /// The projection as it was at `as_of`: by position, the prefix of the log; by
    /// effective or recorded time, every event that happened (was recorded) by then.
    pub fn as_of(store: &(impl EventStore + ?Sized), as_of: AsOf) -> Result<P, ProjectionError> {
        Self::as_of_from(store, as_of, P::default())
    }

    /// [`Projector::as_of`] starting from the empty projection `empty`.
    pub fn as_of_from(
        store: &(impl EventStore + ?Sized),
        as_of: AsOf,
        empty: P,
    ) -> Result<P, ProjectionError> {
        if let AsOf::Position(p) = as_of {
            let mut projector = Projector {
                projection: empty,
                checkpoint: 0,
            };
            projector.catch_up_to(store, p)?;
            return Ok(projector.projection);
        }
        let codec = P::codec();
        let mut projection = empty;
        for e in casework_store::log_events(store, 1) {
            let e = e?;
            if P::accepts(&e) && as_of.includes(&e) {
                projection.apply(&e, &codec.decode(&e)?);
            }
        }
        Ok(projection)
    }

    /// Saves the projection and its checkpoint atomically (temp file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), ProjectionError> {
        let err = |detail: String| ProjectionError::Snapshot {
            path: path.display().to_string(),
            detail,
        };
        let bytes = serde_json::to_vec(self).map_err(|e| err(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes).map_err(|e| err(e.to_string()))?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    /// Loads a saved projection; `None` if there is no snapshot yet.
    pub fn load(path: &Path) -> Result<Option<Self>, ProjectionError> {
        match std::fs::read(path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| ProjectionError::Snapshot {
                        path: path.display().to_string(),
                        detail: format!("damaged snapshot ({e}); delete it to rebuild from zero"),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ProjectionError::Snapshot {
                path: path.display().to_string(),
                detail: e.to_string(),
            }),
        }
    }
}
