//! What a store must know about an event type to persist it: its type name and schema
//! version, when it happened, which of its fields hold personal data and whether it erases
//! them. Declared here, beside the processes, so that a process crate can describe its own
//! events without depending on a store; `casework-store` persists any [`StoredEvent`].

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A domain event type the store can persist.
pub trait StoredEvent: Serialize + DeserializeOwned {
    /// The type name written into the envelope.
    fn event_type(&self) -> &'static str;
    /// The current schema version of a type; `None` for a type this code does not know.
    fn current_schema_version(event_type: &str) -> Option<u16>;
    /// When the event happened in the world.
    fn effective_at(&self) -> DateTime<Utc>;
    /// The paths of the personal-data fields in the JSON of `event_type` at
    /// `schema_version` (`*` for every array index); the store seals exactly these
    /// (casework-store's `crypto` module). None by default.
    fn personal_paths(event_type: &str, schema_version: u16) -> &'static [&'static str] {
        let _ = (event_type, schema_version);
        &[]
    }
    /// Whether recording this event erases the stream's personal data: the repository then
    /// destroys the stream's data key durably before it returns. False by default.
    fn erases_personal_data(&self) -> bool {
        false
    }

    /// Reads a stored JSON payload at the current schema version whose envelope names
    /// `event_type`. The default is `serde_json::from_slice`; a type that knows how to read
    /// faster when its variant is known beforehand overrides it (the case process does, to
    /// skip serde's buffering of internally tagged enums).
    fn from_json(event_type: &str, payload: &[u8]) -> serde_json::Result<Self> {
        let _ = event_type;
        serde_json::from_slice(payload)
    }
}
