//! The running digest of the global log and signed checkpoints of it (ADR 0007).
//!
//! Stream hash chains ([`crate::hash`]) prove that each stream is intact *up to its last
//! event*; they cannot see a stream whose last events were removed while the later global
//! positions were renumbered. The **log digest** closes that hole: every backend keeps, at
//! append time and without re-reading history, a running digest over the global log in
//! position order,
//!
//! ```text
//! digest(0) = 0³²
//! digest(p) = SHA-256("casework/log/v1" ‖ digest(p-1) ‖ p ‖ len(stream) ‖ stream ‖ version ‖ hash)
//! ```
//!
//! where `hash` is the event's stream-chain hash (which covers its envelope and payload).
//! A **checkpoint** — store id, position, digest, the store's time — is signed with
//! Ed25519 ([`SigningKey`]) and handed to whoever must later prove the history:
//! [`verify_against`] re-reads the log up to the checkpoint's position, recomputes every
//! stream hash and the digest, and passes only if the store still holds exactly the
//! checkpointed prefix.
//!
//! ```
//! use casework_store::checkpoint::{checkpoint, verify_against, SigningKey};
//! use casework_store::{EventStore, ExpectedVersion, MemoryStore, NewEvent, StreamId};
//!
//! let store = MemoryStore::new();
//! let stream = StreamId::new("case-1").unwrap();
//! let e = NewEvent::new("Noted", 1, chrono::Utc::now(), b"{}".to_vec());
//! store.append(&stream, ExpectedVersion::NoStream, vec![e]).unwrap();
//!
//! let key = SigningKey::generate();
//! let cp = checkpoint(&store, &key).unwrap();
//! let verified = verify_against(&store, &cp, &key.public_key()).unwrap();
//! assert!(verified.is_ok());
//! ```

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::{chain_hash, hex, unhex_array, Hash};
use crate::store::Store;
use crate::types::{GlobalPosition, RecordedEvent, StreamId, Version};

const LOG_DOMAIN: &[u8] = b"casework/log/v1";
const CHECKPOINT_DOMAIN: &[u8] = b"casework/checkpoint/v1";
/// The format named in every checkpoint file.
pub const CHECKPOINT_FORMAT: &str = "casework-checkpoint/1";
const SECRET_FORMAT: &str = "casework-signing-key/1";
const PUBLIC_FORMAT: &str = "casework-public-key/1";

/// The digest of the global log at `prev`'s position followed by `e`.
pub fn log_digest(prev: &Hash, e: &RecordedEvent) -> Hash {
    let stream = e.stream.as_str().as_bytes();
    let mut h = Sha256::new();
    h.update(LOG_DOMAIN);
    h.update(prev.0);
    h.update(e.position.to_be_bytes());
    h.update((stream.len() as u32).to_be_bytes());
    h.update(stream);
    h.update(e.version.to_be_bytes());
    h.update(e.hash.0);
    Hash(h.finalize().into())
}

/// The head of the global log and the running digest at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    /// The last position (0: empty log).
    pub position: GlobalPosition,
    /// The digest of positions 1..=position ([`Hash::ZERO`] for the empty log).
    pub digest: Hash,
}

impl LogHead {
    /// The head of an empty log.
    pub const EMPTY: LogHead = LogHead {
        position: 0,
        digest: Hash::ZERO,
    };

    /// The head after `e`, which must be the next position (backends call this in the
    /// append that writes `e`).
    pub fn advance(&mut self, e: &RecordedEvent) {
        self.digest = log_digest(&self.digest, e);
        self.position = e.position;
    }

    /// 40 bytes: the position (u64 big endian), then the digest.
    pub fn to_bytes(&self) -> [u8; 40] {
        let mut out = [0u8; 40];
        out[..8].copy_from_slice(&self.position.to_be_bytes());
        out[8..].copy_from_slice(&self.digest.0);
        out
    }

    /// The inverse of [`LogHead::to_bytes`]; `None` for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<LogHead> {
        if bytes.len() != 40 {
            return None;
        }
        let position = u64::from_be_bytes(bytes[..8].try_into().ok()?);
        let digest = Hash(bytes[8..].try_into().ok()?);
        Some(LogHead { position, digest })
    }
}

/// Recomputes the log head by reading the whole log (backends use it once, to upgrade a
/// store written before the digest existed).
pub fn compute_log_head<S: Store + ?Sized>(store: &S) -> Result<LogHead, StoreError> {
    let mut head = LogHead::EMPTY;
    for e in crate::store::log_events(store, 1) {
        head.advance(&e?);
    }
    Ok(head)
}

/// Why a key, a checkpoint or its signature cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// A key or checkpoint file is not in the expected format.
    #[error("{what}: {detail}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The checkpoint was signed by another key than the one given.
    #[error("the checkpoint was signed by key {signed_by}, not by the given key {given}")]
    WrongKey {
        /// The key id named in the checkpoint.
        signed_by: String,
        /// The id of the key given to check it.
        given: String,
    },
    /// The signature does not match the checkpoint's contents: it was forged or altered.
    #[error("the checkpoint's signature does not verify: the checkpoint was altered or forged")]
    BadSignature,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn malformed(what: &'static str, detail: impl Into<String>) -> CheckpointError {
    CheckpointError::Malformed {
        what,
        detail: detail.into(),
    }
}

/// Reads `FORMAT HEX` (one line, surrounding white space ignored).
fn parse_text<const N: usize>(
    text: &str,
    format: &str,
    what: &'static str,
) -> Result<[u8; N], CheckpointError> {
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(f), Some(h), None) if f == format => unhex_array::<N>(h)
            .ok_or_else(|| malformed(what, format!("expected {} hex digits", 2 * N))),
        (Some(f), _, _) if f != format => Err(malformed(
            what,
            format!("expected a line starting with {format:?}, found {f:?}"),
        )),
        _ => Err(malformed(what, format!("expected \"{format} <hex>\""))),
    }
}

/// An Ed25519 signing key for checkpoints. Keep it secret: whoever holds it can sign a
/// checkpoint of a rewritten history. Its file form ([`SigningKey::to_text`]) is written
/// with mode 0600 by the CLI.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.public_key().key_id())
    }
}

impl SigningKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        use chacha20poly1305::aead::rand_core::RngCore;
        let mut seed = [0u8; 32];
        chacha20poly1305::aead::OsRng.fill_bytes(&mut seed);
        SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The key as one line of text: `casework-signing-key/1 <64 hex digits>`.
    pub fn to_text(&self) -> String {
        format!("{SECRET_FORMAT} {}\n", hex(&self.0.to_bytes()))
    }

    /// Reads [`SigningKey::to_text`].
    pub fn from_text(text: &str) -> Result<Self, CheckpointError> {
        let seed = parse_text::<32>(text, SECRET_FORMAT, "signing key")?;
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(&seed)))
    }

    /// The public key that verifies this key's signatures.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

/// The public half of a [`SigningKey`]: what an auditor keeps to check checkpoints.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({})", self.key_id())
    }
}

impl PublicKey {
    /// The key as one line of text: `casework-public-key/1 <64 hex digits>`.
    pub fn to_text(&self) -> String {
        format!("{PUBLIC_FORMAT} {}\n", hex(self.0.as_bytes()))
    }

    /// Reads [`PublicKey::to_text`]; refuses bytes that are not a valid Ed25519 point.
    pub fn from_text(text: &str) -> Result<Self, CheckpointError> {
        let bytes = parse_text::<32>(text, PUBLIC_FORMAT, "public key")?;
        ed25519_dalek::VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|_| malformed("public key", "not a valid Ed25519 public key"))
    }

    /// A short name of the key: the first 16 hex digits of SHA-256 over it.
    pub fn key_id(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes())[..8])
    }
}

/// A signed statement that store `store_id` held, at `recorded_at`, a global log whose
/// first `position` events have digest `digest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Always [`CHECKPOINT_FORMAT`].
    pub format: String,
    /// The store it was taken of (an import or restore keeps the log, not the id).
    pub store_id: Uuid,
    /// The last position it covers.
    pub position: GlobalPosition,
    /// The log digest at `position`.
    pub digest: Hash,
    /// The store's clock when it was taken.
    pub recorded_at: DateTime<Utc>,
    /// [`PublicKey::key_id`] of the signer.
    pub key_id: String,
    /// The Ed25519 signature (128 hex digits) over the fields above.
    pub signature: String,
}

impl Checkpoint {
    /// Signs a checkpoint of `head` of store `store_id` at `recorded_at`.
    pub fn sign(
        store_id: Uuid,
        head: LogHead,
        recorded_at: DateTime<Utc>,
        key: &SigningKey,
    ) -> Self {
        let mut cp = Checkpoint {
            format: CHECKPOINT_FORMAT.to_owned(),
            store_id,
            position: head.position,
            digest: head.digest,
            recorded_at: crate::hash::to_micros(recorded_at),
            key_id: key.public_key().key_id(),
            signature: String::new(),
        };
        cp.signature = hex(&key.0.sign(&cp.signed_bytes()).to_bytes());
        cp
    }

    /// The bytes the signature covers: a domain tag, then store id, position, digest and
    /// time (microseconds) in fixed binary form.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CHECKPOINT_DOMAIN.len() + 64);
        out.extend_from_slice(CHECKPOINT_DOMAIN);
        out.extend_from_slice(self.store_id.as_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
        out.extend_from_slice(&self.digest.0);
        out.extend_from_slice(&self.recorded_at.timestamp_micros().to_be_bytes());
        out
    }

    /// Checks the format, that `key` is the signer and that the signature covers exactly
    /// these contents.
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), CheckpointError> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(malformed(
                "checkpoint",
                format!("unknown format {:?}", self.format),
            ));
        }
        if self.key_id != key.key_id() {
            return Err(CheckpointError::WrongKey {
                signed_by: self.key_id.clone(),
                given: key.key_id(),
            });
        }
        let bytes = unhex_array::<64>(&self.signature).ok_or(CheckpointError::BadSignature)?;
        let signature = ed25519_dalek::Signature::from_bytes(&bytes);
        key.0
            .verify(&self.signed_bytes(), &signature)
            .map_err(|_| CheckpointError::BadSignature)
    }

    /// The checkpoint as one line of JSON.
    pub fn to_json(&self) -> String {
        // a struct of strings and numbers always serializes
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads [`Checkpoint::to_json`] (surrounding white space ignored).
    pub fn from_json(text: &str) -> Result<Self, CheckpointError> {
        serde_json::from_str(text.trim()).map_err(|e| malformed("checkpoint", e.to_string()))
    }
}

/// Takes a signed checkpoint of the store's current head, records it in the store as the
/// newest one it knows of (exports carry it) and returns it.
pub fn checkpoint<S: Store + ?Sized>(
    store: &S,
    key: &SigningKey,
) -> Result<Checkpoint, StoreError> {
    let head = store.log_head()?;
    let cp = Checkpoint::sign(store.store_id()?, head, store.now(), key);
    store.set_meta(
        crate::store::meta::CHECKPOINT,
        Some(cp.to_json().as_bytes()),
    )?;
    Ok(cp)
}

/// The newest checkpoint recorded in the store ([`checkpoint`], an import or a restore).
pub fn latest_checkpoint<S: Store + ?Sized>(store: &S) -> Result<Option<Checkpoint>, StoreError> {
    let Some(bytes) = store.meta(crate::store::meta::CHECKPOINT)? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    Checkpoint::from_json(&text)
        .map(Some)
        .map_err(|e| StoreError::Corruption {
            stream: StreamId::all(),
            version: 0,
            detail: format!("the recorded checkpoint is damaged: {e}"),
        })
}

/// Where the store stops matching a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Divergence {
    /// The first position found to differ; where every event was rewritten consistently
    /// (hashes and digest recomputed), the checkpoint's position: the change lies at or
    /// before it.
    pub position: GlobalPosition,
    /// The stream of the event the store holds there, if any.
    pub stream: Option<StreamId>,
    /// Its version.
    pub version: Option<Version>,
    /// Whether `position` is the exact first difference (`false`: at or before it).
    pub exact: bool,
    /// What differs.
    pub detail: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.exact { "at" } else { "at or before" };
        write!(
            f,
            "the store differs from the checkpoint {at} position {}",
            self.position
        )?;
        if let (Some(s), Some(v)) = (&self.stream, self.version) {
            write!(f, " (stream {s}, version {v})")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// What a successful [`verify_against`] checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Events read and checked (the checkpoint's position).
    pub events: u64,
    /// The store's head now (events after the checkpoint rest on stream chains alone).
    pub head: GlobalPosition,
    /// Whether the checkpoint was taken of this very store (`false` after an import or
    /// restore, which keep the log but not the store id).
    pub same_store: bool,
}

/// Checks a log event by event as it is read from position 1: gapless positions, stream
/// versions without gaps, hash chains recomputed from each event, and the running digest.
/// Shared by [`verify_against`], imports and restores.
pub(crate) struct LogCheck {
    /// The position checked last and the digest at it.
    pub(crate) head: LogHead,
    tips: HashMap<StreamId, (Version, Hash)>,
}

impl LogCheck {
    /// A check of a log from its first position.
    pub(crate) fn new() -> Self {
        LogCheck {
            head: LogHead::EMPTY,
            tips: HashMap::new(),
        }
    }

    /// Checks that `e` continues the log and advances the digest; the error says what is
    /// wrong with it.
    pub(crate) fn push(&mut self, e: &RecordedEvent) -> Result<(), String> {
        let next = self.head.position + 1;
        if e.position != next {
            return Err(format!("position {} where {next} belongs", e.position));
        }
        let (version, prev) = self.tips.get(&e.stream).copied().unwrap_or((0, Hash::ZERO));
        if e.version != version + 1 {
            return Err(format!(
                "stream {} version {} where {} belongs (an event of the stream was removed or inserted)",
                e.stream,
                e.version,
                version + 1
            ));
        }
        if chain_hash(&prev, e) != e.hash {
            return Err(format!(
                "hash chain broken in stream {} at version {} (the event was altered)",
                e.stream, e.version
            ));
        }
        self.tips.insert(e.stream.clone(), (e.version, e.hash));
        self.head.advance(e);
        Ok(())
    }
}

/// Checks pages of the log, as read from position 1 on, against the chains and computes
/// the digest up to the checkpoint's position; the divergence found first, if any.
#[allow(clippy::type_complexity)]
fn check_pages(
    pages: std::sync::mpsc::Receiver<(GlobalPosition, Result<Vec<RecordedEvent>, StoreError>)>,
    cp: &Checkpoint,
) -> Result<Result<Hash, Divergence>, CheckpointError> {
    let mut check = LogCheck::new();
    while check.head.position < cp.position {
        let next = check.head.position + 1;
        let page = match pages.recv() {
            Ok((_, Ok(page))) => page,
            Ok((
                from,
                Err(StoreError::Corruption {
                    stream,
                    version,
                    detail,
                }),
            )) => {
                return Ok(Err(Divergence {
                    position: from,
                    stream: Some(stream),
                    version: Some(version),
                    exact: false,
                    detail: format!("the store cannot read its log here: {detail}"),
                }))
            }
            Ok((_, Err(e))) => return Err(e.into()),
            Err(_) => Vec::new(),
        };
        if page.is_empty() {
            return Ok(Err(Divergence {
                position: next,
                stream: None,
                version: None,
                exact: true,
                detail: format!(
                    "the store's log ends at position {}, the checkpoint covers {}: events were removed",
                    next - 1,
                    cp.position
                ),
            }));
        }
        for e in &page {
            if let Err(detail) = check.push(e) {
                return Ok(Err(Divergence {
                    position: check.head.position + 1,
                    stream: Some(e.stream.clone()),
                    version: Some(e.version),
                    exact: true,
                    detail,
                }));
            }
        }
    }
    Ok(Ok(check.head.digest))
}

/// Reports a store that no longer holds what a checkpoint covers (WARN) and returns it.
fn reported(d: Divergence) -> Divergence {
    tracing::warn!(
        position = d.position,
        stream = d.stream.as_ref().map(StreamId::as_str),
        version = d.version,
        exact = d.exact,
        detail = d.detail.as_str(),
        "verification finding: the store diverges from the checkpoint"
    );
    d
}

/// Checks that the store still holds exactly the prefix a checkpoint covers: the signature
/// (by `key`), then every event up to the checkpoint's position — gapless positions,
/// stream versions and hash chains recomputed from the payload — and the running digest.
///
/// `Ok(Ok(_))`: the prefix is intact. `Ok(Err(divergence))`: it is not, and where (also
/// reported as a WARN event `verification finding`, [`crate::internals::observe`]).
/// `Err(_)`: the checkpoint itself cannot be trusted (wrong key, forged, malformed) or the
/// store failed.
pub fn verify_against<S: Store + ?Sized>(
    store: &S,
    cp: &Checkpoint,
    key: &PublicKey,
) -> Result<Result<Verified, Divergence>, CheckpointError> {
    cp.verify_signature(key)?;
    let head = store.head_position()?;
    // one thread reads pages of the log while this one hashes them (2 cores: reading
    // and hashing cost about the same)
    let (pages, received) = std::sync::mpsc::sync_channel(2);
    let checked = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut next = 1;
            while next <= cp.position {
                let want = (cp.position - next + 1).min(4096) as usize;
                let page = store.read_all(next, want);
                let read = page.as_ref().map_or(0, |p| p.len() as u64);
                // a closed channel: the checker stopped at a divergence
                if pages.send((next, page)).is_err() || read == 0 {
                    return;
                }
                next += read;
            }
        });
        check_pages(received, cp)
    })?;
    let digest = match checked {
        Ok(digest) => digest,
        Err(divergence) => return Ok(Err(reported(divergence))),
    };
    if digest != cp.digest {
        let last = if cp.position == 0 {
            None
        } else {
            store.read_all(cp.position, 1)?.into_iter().next()
        };
        return Ok(Err(reported(Divergence {
            position: cp.position,
            stream: last.as_ref().map(|e| e.stream.clone()),
            version: last.as_ref().map(|e| e.version),
            exact: false,
            detail: "the log digest differs: events were removed, inserted, reordered or \
                     rewritten with their hashes recomputed"
                .into(),
        })));
    }
    Ok(Ok(Verified {
        events: cp.position,
        head,
        same_store: store.store_id()? == cp.store_id,
    }))
}
