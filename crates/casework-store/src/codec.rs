//! Domain events to and from stored payloads, with schema evolution by upcasting on read.
//!
//! Every event type has a schema version. When a payload's shape changes, its version goes
//! up and an upcaster is registered for (type, old version) that turns the old JSON into
//! the next version's JSON. On read, stored payloads are upcast step by step to the
//! current version; the stored bytes (and so the hash chain) never change.

use std::collections::BTreeMap;
use std::marker::PhantomData;

pub use casework_core::StoredEvent;
use serde_json::Value;

use crate::crypto::{
    has_personal_values, has_sealed_fields, open_fields, seal_fields, DataKey, KeyState,
};
use crate::error::StoreError;
use crate::types::{Metadata, NewEvent, RecordedEvent, StreamId, Version};

/// Turns the JSON of one schema version into the JSON of the next.
pub type Upcast = fn(Value) -> Result<Value, String>;

/// Encodes domain events into [`NewEvent`]s and decodes [`RecordedEvent`]s, upcasting old
/// schema versions.
pub struct Codec<E> {
    upcasters: BTreeMap<(String, u16), Upcast>,
    _event: PhantomData<fn() -> E>,
}

impl<E> Default for Codec<E> {
    fn default() -> Self {
        Codec {
            upcasters: BTreeMap::new(),
            _event: PhantomData,
        }
    }
}

impl<E: StoredEvent> Codec<E> {
    /// A codec with no upcasters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the upcaster from `from_version` to `from_version + 1` of `event_type`.
    pub fn with_upcaster(mut self, event_type: &str, from_version: u16, upcast: Upcast) -> Self {
        self.upcasters
            .insert((event_type.to_owned(), from_version), upcast);
        self
    }

    /// Encodes an event at its current schema version, personal fields **in clear**: for
    /// events without personal data, or where a caller seals them itself. The
    /// [`crate::Repository`] uses [`Codec::encode_sealed`] for events with personal fields.
    pub fn encode(&self, event: &E, metadata: Metadata) -> Result<NewEvent, StoreError> {
        let event_type = event.event_type();
        let version = E::current_schema_version(event_type).unwrap_or(1);
        let payload =
            serde_json::to_vec(event).map_err(|e| StoreError::Serialization(e.to_string()))?;
        Ok(
            NewEvent::new(event_type, version, event.effective_at(), payload)
                .with_metadata(metadata),
        )
    }

    /// Encodes an event that will be `version` of `stream`, sealing its personal fields
    /// with `key` ([`crate::crypto`]).
    pub fn encode_sealed(
        &self,
        event: &E,
        metadata: Metadata,
        stream: &StreamId,
        version: Version,
        key: &DataKey,
    ) -> Result<NewEvent, StoreError> {
        self.encode_sealed_with(event, metadata, stream, version, &mut || Ok(key.clone()))
    }

    /// Like [`Codec::encode_sealed`], asking `key` for the data key only when the event
    /// holds a personal value to seal (a personal field left empty needs no key).
    pub fn encode_sealed_with(
        &self,
        event: &E,
        metadata: Metadata,
        stream: &StreamId,
        version: Version,
        key: &mut dyn FnMut() -> Result<DataKey, StoreError>,
    ) -> Result<NewEvent, StoreError> {
        let event_type = event.event_type();
        let schema_version = E::current_schema_version(event_type).unwrap_or(1);
        let paths = E::personal_paths(event_type, schema_version);
        if paths.is_empty() {
            return self.encode(event, metadata);
        }
        // one JSON tree, sealed in place and written once
        let ser = |e: serde_json::Error| StoreError::Serialization(e.to_string());
        let mut tree = serde_json::to_value(event).map_err(ser)?;
        if !has_personal_values(&mut tree, paths) {
            return self.encode(event, metadata);
        }
        if !seal_fields(&mut tree, paths, stream, version, &key()?)? {
            // nothing personal in it after all: the plain encoding, byte for byte
            return self.encode(event, metadata);
        }
        let payload = serde_json::to_vec(&tree).map_err(ser)?;
        Ok(
            NewEvent::new(event_type, schema_version, event.effective_at(), payload)
                .with_metadata(metadata),
        )
    }

    /// Decodes a stored event whose personal fields may be sealed: with an active key they
    /// are opened, with a destroyed key they read as erased. `key` is the stream's entry
    /// in the store's key area (`None`: it has none).
    pub fn decode_opened(
        &self,
        recorded: &RecordedEvent,
        key: Option<&KeyState>,
    ) -> Result<E, StoreError> {
        if !has_sealed_fields(&recorded.payload) {
            return self.decode(recorded);
        }
        let paths = E::personal_paths(&recorded.event_type, recorded.schema_version);
        let value = open_fields(
            &recorded.payload,
            paths,
            &recorded.stream,
            recorded.version,
            key,
        )?;
        self.decode_value(recorded, value)
    }

    /// Decodes a stored event, upcasting it to the current schema version. Sealed
    /// personal fields are left sealed ([`casework_core::Redaction::Sealed`]): what
    /// projections and reports read.
    pub fn decode(&self, recorded: &RecordedEvent) -> Result<E, StoreError> {
        if recorded.schema_version == current_version::<E>(recorded)? {
            // the common path: straight from bytes, no intermediate tree
            return E::from_json(&recorded.event_type, &recorded.payload).map_err(|e| {
                if e.is_syntax() || e.is_eof() {
                    corrupt(recorded, format!("payload is not JSON: {e}"))
                } else {
                    not_matching(recorded, e)
                }
            });
        }
        let value: Value = serde_json::from_slice(&recorded.payload)
            .map_err(|e| corrupt(recorded, format!("payload is not JSON: {e}")))?;
        self.decode_value(recorded, value)
    }

    /// Upcasts and decodes a payload already parsed (and perhaps opened).
    fn decode_value(&self, recorded: &RecordedEvent, mut value: Value) -> Result<E, StoreError> {
        let current = current_version::<E>(recorded)?;
        let unsupported = || StoreError::UnsupportedSchemaVersion {
            event_type: recorded.event_type.clone(),
            from: recorded.schema_version,
            current,
        };
        if recorded.schema_version > current {
            return Err(unsupported());
        }
        for from in recorded.schema_version..current {
            let upcast = self
                .upcasters
                .get(&(recorded.event_type.clone(), from))
                .ok_or_else(unsupported)?;
            value = upcast(value).map_err(|e| {
                StoreError::Serialization(format!(
                    "upcasting {} from v{from}: {e}",
                    recorded.event_type
                ))
            })?;
        }
        serde_json::from_value(value).map_err(|e| not_matching(recorded, e))
    }
}

fn current_version<E: StoredEvent>(recorded: &RecordedEvent) -> Result<u16, StoreError> {
    E::current_schema_version(&recorded.event_type).ok_or_else(|| StoreError::UnknownEventType {
        event_type: recorded.event_type.clone(),
        stream: recorded.stream.clone(),
        version: recorded.version,
    })
}

fn not_matching(recorded: &RecordedEvent, e: serde_json::Error) -> StoreError {
    StoreError::Serialization(format!(
        "{} v{} in stream {} at version {}: {e}",
        recorded.event_type, recorded.schema_version, recorded.stream, recorded.version
    ))
}

fn corrupt(recorded: &RecordedEvent, detail: String) -> StoreError {
    StoreError::Corruption {
        stream: recorded.stream.clone(),
        version: recorded.version,
        detail,
    }
}
