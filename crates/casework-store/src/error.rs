//! The store's typed errors. Each variant tells the caller what to do.

use chrono::{DateTime, Utc};

use crate::types::{ExpectedVersion, StreamId, Version};

/// Why an audit field was refused ([`StoreError::Audit`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// The acting user, role and institution do not form a valid identity.
    #[error(transparent)]
    Actor(#[from] casework_core::ActorError),
    /// An event's actor text is empty, longer than 512 bytes or holds control characters.
    #[error("the actor {0:?} is empty, too long or holds control characters")]
    InvalidActorText(String),
    /// The caller named an actor in the metadata other than the one acting.
    #[error("the metadata names actor {given:?}, but {acting:?} is acting")]
    ActorMismatch {
        /// The actor in the metadata.
        given: String,
        /// The actor of the context.
        acting: String,
    },
    /// The effective time lies before the stream's first event.
    #[error("effective time {effective} lies before stream {stream} began ({began})")]
    BeforeBeginning {
        /// The stream.
        stream: StreamId,
        /// The refused effective time.
        effective: DateTime<Utc>,
        /// The effective time of the stream's first event.
        began: DateTime<Utc>,
    },
    /// The effective time lies after the store's clock by more than the policy allows.
    #[error("effective time {effective} lies after the store's time {now} by more than the allowed {tolerance_minutes} minute(s)")]
    InFuture {
        /// The refused effective time.
        effective: DateTime<Utc>,
        /// The store's clock.
        now: DateTime<Utc>,
        /// The policy's tolerance.
        tolerance_minutes: u32,
    },
}

/// Checks an effective time against the stream's beginning (`began`, if the stream
/// exists) and the store's clock plus the tolerance.
pub fn check_effective_time(
    stream: &StreamId,
    effective: DateTime<Utc>,
    began: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tolerance_minutes: u32,
) -> Result<(), AuditError> {
    if let Some(began) = began.filter(|&b| effective < b) {
        return Err(AuditError::BeforeBeginning {
            stream: stream.clone(),
            effective,
            began,
        });
    }
    if effective > now + chrono::Duration::minutes(i64::from(tolerance_minutes)) {
        return Err(AuditError::InFuture {
            effective,
            now,
            tolerance_minutes,
        });
    }
    Ok(())
}

/// Why a store operation failed. A failed append has written nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The stream's version is not what the writer expected: reload, decide again, retry.
    #[error("conflict on stream {stream}: expected {expected}, actual {}", actual.map_or("no stream".to_owned(), |v| format!("version {v}")))]
    Conflict {
        /// The stream.
        stream: StreamId,
        /// What the writer expected.
        expected: ExpectedVersion,
        /// The stream's actual last version (`None`: no stream).
        actual: Option<Version>,
    },
    /// The stream does not exist.
    #[error("stream {0} not found")]
    NotFound(StreamId),
    /// Stored bytes are damaged or were altered. `stream` is `$all` and `version` the
    /// global position where the damage is in the global log itself.
    #[error("corrupt event in stream {stream} at version {version}: {detail}")]
    Corruption {
        /// The stream.
        stream: StreamId,
        /// The version (or global position for `$all`).
        version: Version,
        /// What is wrong.
        detail: String,
    },
    /// The underlying storage failed (disk, network, server). The operation may be retried;
    /// an append that failed this way either happened completely or not at all.
    #[error("storage failure: {0}")]
    Io(String),
    /// A limit of the store was exceeded; nothing was written.
    #[error("limit exceeded: {what} is {actual}, at most {max}")]
    LimitExceeded {
        /// Which limit.
        what: &'static str,
        /// The limit.
        max: u64,
        /// The offending size.
        actual: u64,
    },
    /// An event could not be encoded or decoded to or from its domain type.
    #[error("serialization: {0}")]
    Serialization(String),
    /// The stored event type is not known to the codec.
    #[error("unknown event type `{event_type}` (stream {stream}, version {version})")]
    UnknownEventType {
        /// The type name as stored.
        event_type: String,
        /// The stream.
        stream: StreamId,
        /// The version.
        version: Version,
    },
    /// A stored schema version has no upcaster to the current version, or is newer than the
    /// code knows: upgrade the software or register an upcaster.
    #[error("no upcaster for `{event_type}` from schema version {from} (current {current})")]
    UnsupportedSchemaVersion {
        /// The type.
        event_type: String,
        /// The stored version.
        from: u16,
        /// The version the code expects.
        current: u16,
    },
    /// An append with no events.
    #[error("an append needs at least one event")]
    EmptyAppend,
    /// A stream id that is empty, too long or contains control characters.
    #[error("invalid stream id {0:?}")]
    InvalidStreamId(String),
    /// There is no store where one was to be opened (and the caller asked not to create
    /// one): a mistyped path or schema.
    #[error("no casework store at {0}")]
    Missing(String),
    /// The store's on-disk or schema format is unknown or newer than this code.
    #[error("unsupported store format: {0}")]
    UnsupportedFormat(String),
    /// Another process holds the store open (embedded stores allow one process at a time).
    #[error("the store at {0} is locked by another process")]
    Locked(String),
    /// A sealed personal-data field does not open with the stream's data key: the
    /// ciphertext was altered, moved to another event or stream, or the key is missing.
    #[error("personal data in stream {stream} at version {version}, field {field}, does not decrypt: {detail}")]
    Undecryptable {
        /// The stream.
        stream: StreamId,
        /// The event's version.
        version: Version,
        /// The field's path in the payload.
        field: String,
        /// Why.
        detail: String,
    },
    /// The stream's data key was destroyed (the case is erased): no personal data can be
    /// written to it any more.
    #[error("the data key of stream {0} is destroyed: the case is erased")]
    KeyDestroyed(StreamId),
    /// An import or restore into this store began and did not finish: the store holds only
    /// part of its source and refuses appends. Delete it and import again.
    #[error("the store is incomplete: {0}")]
    ImportIncomplete(String),
    /// An idempotency key that is empty, longer than 200 bytes or holds control characters.
    #[error("invalid idempotency key {0:?}: use 1 to 200 bytes without control characters")]
    InvalidIdempotencyKey(String),
    /// An audit field was refused: an actor that is not a valid identity, or an effective
    /// time outside what the history allows. Nothing was written.
    #[error("audit: {0}")]
    Audit(AuditError),
    /// The reader is no party of the stream's case (not its client, not in its team, …):
    /// the read is refused as a whole and nothing is read or logged. `reason` names the
    /// rule.
    #[error("access to {stream} refused: {reason}")]
    Denied {
        /// The stream.
        stream: StreamId,
        /// The rule that refuses.
        reason: String,
    },
    /// The store is closed or its background machinery stopped.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// [`StoreError::Corruption`] of event `version` of `stream` (`StreamId::all()` and a
    /// position for the global log), saying what is wrong.
    pub fn corruption(stream: StreamId, version: Version, detail: impl Into<String>) -> Self {
        StoreError::Corruption {
            stream,
            version,
            detail: detail.into(),
        }
    }

    /// Whether retrying the same operation may succeed (conflicts after a reload, IO).
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Conflict { .. } | StoreError::Io(_))
    }
}
