//! The per-stream hash chain: `hash = SHA-256(prev_hash ‖ canonical envelope ‖ payload)`.
//!
//! The canonical envelope is a fixed binary layout, independent of serde and of the
//! backend: a domain tag, then each field length-prefixed (u32, big endian) in this order:
//! event id (16 bytes), stream id (UTF-8), version (u64 BE), event type (UTF-8), schema
//! version (u16 BE), recorded-at and effective-at (microseconds since the epoch, i64 BE),
//! actor (UTF-8, empty if none, with a presence byte), correlation and causation ids (16
//! bytes or empty, with a presence byte). The payload follows, length-prefixed.
//!
//! The global position is **not** hashed: it belongs to the global log, not to the stream,
//! and an import into another store may assign other positions while every stream's chain
//! still verifies. The first event of a stream chains to [`Hash::ZERO`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::types::{GlobalPosition, NewEvent, RecordedEvent, StreamId, Version};

/// A SHA-256 hash, shown and serialized as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hash the first event of a stream chains to.
    pub const ZERO: Hash = Hash([0; 32]);

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Hash> {
        unhex_array(s).map(Hash)
    }
}

/// Lowercase hex of `bytes`: the one hex encoder of the crate (hashes, keys in exports
/// and backups, checkpoints, signatures).
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The bytes of hex digits; `None` for an odd length or anything but hex digits.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Exactly `N` bytes from `2 N` hex digits.
pub(crate) fn unhex_array<const N: usize>(s: &str) -> Option<[u8; N]> {
    unhex(s)?.try_into().ok()
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({})", &self.to_hex()[..16])
    }
}

impl std::fmt::Display for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl TryFrom<String> for Hash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Hash::from_hex(&s).ok_or_else(|| format!("not a 64-digit hex hash: {s:?}"))
    }
}

impl From<Hash> for String {
    fn from(h: Hash) -> String {
        h.to_hex()
    }
}

const DOMAIN: &[u8] = b"casework/envelope/v1";

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

fn optional(h: &mut Sha256, bytes: Option<&[u8]>) {
    match bytes {
        Some(b) => {
            h.update([1]);
            field(h, b);
        }
        None => h.update([0]),
    }
}

/// Truncates a timestamp to microseconds, the precision every backend keeps.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// The hash of an event chained to `prev`.
pub fn chain_hash(prev: &Hash, e: &RecordedEvent) -> Hash {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev.0);
    field(&mut h, e.event_id.as_bytes());
    field(&mut h, e.stream.as_str().as_bytes());
    field(&mut h, &e.version.to_be_bytes());
    field(&mut h, e.event_type.as_bytes());
    field(&mut h, &e.schema_version.to_be_bytes());
    field(&mut h, &e.recorded_at.timestamp_micros().to_be_bytes());
    field(&mut h, &e.effective_at.timestamp_micros().to_be_bytes());
    optional(&mut h, e.metadata.actor.as_deref().map(str::as_bytes));
    optional(
        &mut h,
        e.metadata
            .correlation_id
            .as_ref()
            .map(|u| &u.as_bytes()[..]),
    );
    optional(
        &mut h,
        e.metadata.causation_id.as_ref().map(|u| &u.as_bytes()[..]),
    );
    field(&mut h, &e.payload);
    Hash(h.finalize().into())
}

/// Turns a new event into a recorded one: assigns stream, version, position and
/// recorded-at (both timestamps truncated to microseconds) and computes the chained hash.
/// Every backend seals through this one function.
pub fn seal(
    prev: &Hash,
    stream: &StreamId,
    version: Version,
    position: GlobalPosition,
    recorded_at: DateTime<Utc>,
    event: NewEvent,
) -> RecordedEvent {
    let mut e = RecordedEvent {
        event_id: event.event_id,
        stream: stream.clone(),
        version,
        position,
        event_type: event.event_type,
        schema_version: event.schema_version,
        recorded_at: to_micros(recorded_at),
        effective_at: to_micros(event.effective_at),
        metadata: event.metadata,
        payload: event.payload.into(),
        hash: Hash::ZERO,
    };
    e.hash = chain_hash(prev, &e);
    e
}

/// Seals the events of one append in order: versions from `first_version`, positions from
/// `first_position`, each hash chained to the one before, the first to `prev` (the
/// stream's last hash, or [`Hash::ZERO`] for a new stream).
pub fn seal_all(
    prev: Hash,
    stream: &StreamId,
    first_version: Version,
    first_position: GlobalPosition,
    recorded_at: DateTime<Utc>,
    events: Vec<NewEvent>,
) -> Vec<RecordedEvent> {
    let mut prev = prev;
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| {
            let e = seal(
                &prev,
                stream,
                first_version + i as u64,
                first_position + i as u64,
                recorded_at,
                event,
            );
            prev = e.hash;
            e
        })
        .collect()
}

/// The first broken link of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainBreak {
    /// The stream.
    pub stream: StreamId,
    /// The version at which the chain breaks.
    pub version: Version,
    /// What is wrong: a changed event, a gap, a reorder.
    pub detail: String,
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stream {} breaks at version {}: {}",
            self.stream, self.version, self.detail
        )
    }
}

/// Verifies the chain of one stream's events, given in stored order from version 1.
/// Reports the first broken link: a version out of sequence (deleted or reordered event),
/// another stream's event, or a hash that does not match (edited event).
pub fn verify_chain<'a>(
    stream: &StreamId,
    events: impl IntoIterator<Item = &'a RecordedEvent>,
) -> Result<Hash, ChainBreak> {
    let mut prev = Hash::ZERO;
    for (expected_version, e) in (1..).zip(events) {
        let brk = |detail: String| ChainBreak {
            stream: stream.clone(),
            version: expected_version,
            detail,
        };
        if &e.stream != stream {
            return Err(brk(format!("event of stream {} in this stream", e.stream)));
        }
        if e.version != expected_version {
            return Err(brk(format!(
                "found version {} where {expected_version} belongs (event deleted or reordered)",
                e.version
            )));
        }
        let actual = chain_hash(&prev, e);
        if actual != e.hash {
            return Err(brk(format!(
                "hash mismatch: stored {}, computed {} (event altered)",
                e.hash, actual
            )));
        }
        prev = e.hash;
    }
    Ok(prev)
}
