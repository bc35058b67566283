//! # casework-store
//!
//! The event-store contract of casework and what every backend shares:
//!
//! - [`EventStore`]: append with an [`ExpectedVersion`], read a stream, read the global
//!   log, wait for new events; verify hash chains.
//! - The envelope ([`RecordedEvent`]): event id (UUID v7), stream, version, global position,
//!   type, schema version, recorded-at (store clock, injectable: [`Clock`]), effective time,
//!   actor, correlation and causation ids, payload, and the per-stream hash chain
//!   ([`hash`]: SHA-256 over the previous hash, a canonical envelope and the payload).
//! - Schema evolution ([`Codec`]): upcasters per (type, version) turn old payloads into the
//!   current shape on read.
//! - [`Repository`]: load (read + fold), decide, append with the loaded version, retry on
//!   conflict; reads *as of* a position or time.
//! - [`CatchUp`] subscriptions with [`CheckpointStore`]s.
//! - Provable history: the log digest and Ed25519 [`checkpoint`]s, incremental
//!   [`backup`]s with a verified restore, export/import with integrity checks.
//! - [`MemoryStore`], the reference implementation. The conformance suite every backend
//!   runs is in `casework-testkit` (`casework_testkit::conformance_tests!`).
//!
//! ## Guarantees
//!
//! | what | guarantee |
//! | --- | --- |
//! | one append | atomic: all its events or none; contiguous versions and positions; one recorded-at |
//! | a failed append (conflict, limit, empty, IO) | writes nothing |
//! | versions of a stream | 1, 2, 3, … without gaps |
//! | the global log | positions 1, 2, 3, … without gaps, in the order readers see them; a reader at position p never later sees an event below p |
//! | concurrent appends at one expected version | exactly one wins, the others get `Conflict` |
//! | a catch-up subscription | delivers every event after its checkpoint exactly once, in position order |
//! | hash chain | any edit of an event's envelope or payload, a reorder, a deletion is found by `verify_stream` at the first broken version |
//! | log digest and checkpoints | every backend keeps a running digest of the global log at append time; [`checkpoint::verify_against`] proves that a store holds exactly the prefix a signed checkpoint covers (ADR 0007) |
//! | audit fields | the repository records the checked acting identity and refuses effective times before the stream began or after the store's clock plus the policy's tolerance; nothing is written |
//! | idempotent commands | [`Repository::execute_idempotent`] appends once per key and stream, also across retries, threads and restarts |
//! | import | reads its input once; a store whose import did not finish refuses appends ([`StoreError::ImportIncomplete`]) |
//! | durability | `MemoryStore`: none (process memory). Disk backends state theirs (sled: flushed before `append` returns, by default) |
//! | decoding | bad bytes give typed errors (`Corruption`, `UnknownEventType`, `UnsupportedSchemaVersion`, `Serialization`), never a panic |
//!
//! ```
//! use casework_store::{EventStore, ExpectedVersion, MemoryStore, NewEvent, StreamId};
//!
//! let store = MemoryStore::new();
//! let stream = StreamId::new("order-1").unwrap();
//! let at = chrono::DateTime::UNIX_EPOCH;
//! let placed = NewEvent::new("OrderPlaced", 1, at, br#"{"items":3}"#.to_vec());
//! store.append(&stream, ExpectedVersion::NoStream, vec![placed.clone()]).unwrap();
//! // a second writer that also expected no stream gets a conflict and writes nothing
//! assert!(store.append(&stream, ExpectedVersion::NoStream, vec![placed]).is_err());
//! assert_eq!(store.head_position().unwrap(), 1);
//! ```
//!
//! The case process on top of this store ([`Codec`] of its events, consent-scoped reads,
//! erasure, the `Cases` service, the store checker) lives in `casework-case`.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod backup;
pub mod checkpoint;
mod codec;
pub mod crypto;
mod error;
pub mod hash;
pub mod internals;
mod memory;
mod repository;
mod store;
mod subscription;
mod transfer;
mod types;

pub use checkpoint::{Checkpoint, LogHead};
pub use codec::{Codec, StoredEvent, Upcast};
pub use crypto::{DataKey, KeyState};
pub use error::{check_effective_time, AuditError, StoreError};
pub use hash::{verify_chain, ChainBreak, Hash};
pub use memory::MemoryStore;
pub use repository::{AsOf, ExecuteResult, Executed, Loaded, RepoError, Repository};
pub use store::{
    log_events, meta, Clock, EventStore, KeyArea, Limits, LogEvents, ManualClock, SteppingClock,
    Store, StoreAdmin, StreamTip, SystemClock,
};
pub use subscription::{
    CatchUp, CheckpointStore, FileCheckpoints, MemoryCheckpoints, SubscriptionError,
};
pub use transfer::{
    export_jsonl, import_jsonl, ImportError, ImportOptions, Imported, EXPORT_FORMAT,
};
pub use types::{
    AppendOutcome, Bytes, ExpectedVersion, GlobalPosition, Metadata, NewEvent, RecordedEvent,
    StreamId, Version,
};
