//! The vocabulary of the store: streams, versions, positions, the envelope.

pub use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::Hash;

/// The id of a stream, e.g. `case-<uuid>` ([`StreamId::prefixed`]).
///
/// Non-empty, at most [`StreamId::MAX_LEN`] bytes, no control characters; `$` at the start
/// is reserved for the store's own streams (e.g. `$all` in error messages).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(std::sync::Arc<str>);

impl StreamId {
    /// Longest stream id in bytes.
    pub const MAX_LEN: usize = 200;

    /// Validates and wraps a stream id.
    pub fn new(id: impl Into<String>) -> Result<Self, StoreError> {
        let id = id.into();
        if id.is_empty() || id.len() > Self::MAX_LEN || id.chars().any(char::is_control) {
            return Err(StoreError::InvalidStreamId(id));
        }
        Ok(StreamId(id.into()))
    }

    /// `<prefix><uuid>`: the stream of entity `id` in a category of streams (the case
    /// process writes `case-<uuid>`). The UUID is written hyphenated and in lower case.
    /// Cannot fail: control characters in `prefix` are dropped and a prefix too long for
    /// [`StreamId::MAX_LEN`] is cut.
    pub fn prefixed(prefix: &str, id: Uuid) -> Self {
        const UUID_LEN: usize = 36;
        let mut out = String::with_capacity(prefix.len() + UUID_LEN);
        for c in prefix.chars().filter(|c| !c.is_control()) {
            if out.len() + c.len_utf8() + UUID_LEN > Self::MAX_LEN {
                break;
            }
            out.push(c);
        }
        out.push_str(&id.hyphenated().to_string());
        StreamId(out.into())
    }

    /// The UUID after `prefix`, if this id is exactly what [`StreamId::prefixed`] writes
    /// for it; `None` for any other id, also for the UUID written another way (upper case,
    /// braces, no hyphens).
    pub fn uuid_after(&self, prefix: &str) -> Option<Uuid> {
        let uuid = self.0.strip_prefix(prefix)?;
        let canonical = uuid.len() == 36
            && uuid
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-'));
        canonical.then(|| Uuid::try_parse(uuid).ok()).flatten()
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pseudo-stream `$all` that names the global log in errors.
    pub fn all() -> Self {
        StreamId("$all".into())
    }
}

impl TryFrom<String> for StreamId {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, StoreError> {
        StreamId::new(s)
    }
}

impl From<StreamId> for String {
    fn from(s: StreamId) -> String {
        s.0.to_string()
    }
}

impl std::fmt::Display for StreamId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The version of an event within its stream: 1, 2, 3, … without gaps.
pub type Version = u64;

/// The position of an event in the global log: 1, 2, 3, … without gaps, strictly
/// increasing in commit order. Position 0 means "before the first event".
pub type GlobalPosition = u64;

/// What the writer expects the stream's current version to be (KurrentDB semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedVersion {
    /// No check.
    Any,
    /// The stream must not exist (`Exact(0)` means the same).
    NoStream,
    /// The stream must exist.
    StreamExists,
    /// The stream's last version must be exactly this.
    Exact(Version),
}

impl ExpectedVersion {
    /// Whether a stream whose last version is `actual` (`None`: no stream) satisfies this.
    pub fn admits(self, actual: Option<Version>) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => actual.is_none(),
            ExpectedVersion::StreamExists => actual.is_some(),
            ExpectedVersion::Exact(v) => actual == Some(v),
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::StreamExists => f.write_str("stream exists"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
        }
    }
}

/// Who did it and why: the audit metadata of an event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Metadata {
    /// The acting user (e.g. `k.meier@coordinator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Groups the events of one business transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<Uuid>,
    /// The event or command that caused this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub causation_id: Option<Uuid>,
}

/// An event to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The event's id (UUID v7 by default).
    pub event_id: Uuid,
    /// The event type, e.g. `VoucherIssued`.
    pub event_type: String,
    /// The schema version of the payload.
    pub schema_version: u16,
    /// When it happened in the world.
    pub effective_at: DateTime<Utc>,
    /// Who and why.
    pub metadata: Metadata,
    /// The payload (JSON for the built-in codec).
    pub payload: Vec<u8>,
}

impl NewEvent {
    /// A new event with a fresh UUID v7 id.
    pub fn new(
        event_type: impl Into<String>,
        schema_version: u16,
        effective_at: DateTime<Utc>,
        payload: Vec<u8>,
    ) -> Self {
        NewEvent {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            effective_at,
            metadata: Metadata::default(),
            payload,
        }
    }

    /// The same event with this metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }
}

/// A stored event: the envelope and the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// The event's id.
    pub event_id: Uuid,
    /// Its stream.
    pub stream: StreamId,
    /// Its version in the stream.
    pub version: Version,
    /// Its position in the global log.
    pub position: GlobalPosition,
    /// Its type.
    pub event_type: String,
    /// The schema version of the stored payload (before upcasting).
    pub schema_version: u16,
    /// When the store recorded it (the store's clock; microsecond precision).
    pub recorded_at: DateTime<Utc>,
    /// When it happened in the world (microsecond precision).
    pub effective_at: DateTime<Utc>,
    /// Who and why.
    pub metadata: Metadata,
    /// The payload bytes as stored, shared: cloning a recorded event (a store handing out
    /// what it holds) copies no payload.
    pub payload: Bytes,
    /// The hash chaining this event to the previous one of its stream.
    pub hash: Hash,
}

/// What an append wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendOutcome {
    /// Version of the first event written.
    pub first_version: Version,
    /// Version of the last event written: the stream's new version.
    pub last_version: Version,
    /// Global position of the first event written.
    pub first_position: GlobalPosition,
    /// Global position of the last event written.
    pub last_position: GlobalPosition,
}
