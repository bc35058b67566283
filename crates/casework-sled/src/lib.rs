//! # casework-sled
//!
//! An embedded store of casework (the default until ADR 0013 chose redb for new stores): an [`EventStore`](casework_store::EventStore)
//! on [sled](https://docs.rs/sled/0.34.7) 0.34.7 (pinned exactly), in one directory, no
//! server.
//!
//! ```
//! use casework_sled::SledStore;
//! use casework_store::{EventStore, ExpectedVersion, NewEvent, StreamId};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SledStore::open(dir.path()).unwrap();
//! let s = StreamId::new("case-1").unwrap();
//! let e = NewEvent::new("Noted", 1, chrono::Utc::now(), b"{}".to_vec());
//! store.append(&s, ExpectedVersion::NoStream, vec![e]).unwrap();
//! drop(store);
//! let store = SledStore::open(dir.path()).unwrap(); // durable: flushed before append returned
//! assert_eq!(store.stream_version(&s).unwrap(), Some(1));
//! ```
//!
//! ## Layout
//!
//! One sled tree, `casework-events`, with three key spaces (format `casework-sled/2`):
//!
//! | key | value |
//! | --- | --- |
//! | `e` + position (u64 BE) | a chunk of event records ([`record`](casework_store::internals::record), shared with the redb store: binary envelope + payload + CRC-32) |
//! | `s` + stream id + `0x00` + version (u64 BE) | the chunk's first position and the log digest after the chunk (40 bytes) |
//! | `m` + `format` / `head` | the store format and the global head at the last clean close |
//!
//! The heads are **derived, not written per append** (issue 23): a stream's last version
//! and hash are the last event of the chunk its last index entry points to (kept in memory
//! once read or written); the global head is the last chunk's last position with the
//! digest its index entry holds, found once at open. An append writes two keys, the chunk
//! and its index entry. The `head` record is written when the store is dropped and checked
//! at the next open, so a log cut short behind a clean close is found there; after a crash
//! it is older than the log, which is expected. Format 1 (`casework-sled/1`, a stream-head
//! record `h` + stream and the global head written with every append, 8-byte index
//! entries) is read and upgraded to format 2 when opened.
//!
//! The key area for crypto-shredding ([`casework_store::crypto`]) is apart from the
//! events: a tree `casework-keys` indexes a slot file `casework-keys.slots` in the store
//! directory that holds the key bytes and is overwritten with zeros when a key is
//! destroyed, because sled's log would keep a destroyed value on disk (ADR 0005).
//!
//! The global position is the store's own gapless counter (not sled's `generate_id`).
//! Every append is **one atomic `sled::Batch`** on that tree that writes the chunk and its
//! index entry together, under one writer lock (one writer path at a time), so the derived
//! heads are always those of a whole append. Opening checks the format record (an unknown
//! or newer format is
//! [`StoreError::UnsupportedFormat`](casework_store::StoreError::UnsupportedFormat)), that
//! the last chunk has its index entry, and that the recorded head does not lie beyond the
//! log.
//!
//! ## What is durable when
//!
//! | [`Durability`] | `append` returns after | survives a process crash (kill -9) | survives power loss |
//! | --- | --- | --- | --- |
//! | `FlushEveryAppend` (default) | `sled::Db::flush` of the append | yes (tested: `tests/crash.rs`) | not guaranteed, see below |
//! | `FlushAndSync` | flush + `fdatasync` of sled's data file | yes | yes, on disks that honour `fdatasync` |
//! | `GroupCommit` | a flush that started after the append's batch (shared by concurrent appenders) | yes | as `FlushEveryAppend` |
//! | `None` | the batch is in sled's memory | no: the last ~500 ms can be lost | no |
//!
//! Readers of the global log (`read_all`, `head_position`, subscriptions) see only events
//! that are durable under the chosen policy: the store publishes a position after its
//! flush (under `None`, at once). So a subscriber never processes an event that a crash
//! then takes back and hands out again under the same position. Stream reads
//! (`read_stream`, `stream_version`), which load a case for a decision, also see an event
//! whose flush is still running; anything decided on it is appended after it in sled's
//! sequential log, so a crash cannot keep the decision and lose its basis.
//!
//! ## Known limits of sled 0.34 and what this crate does about them
//!
//! - **Writes are not durable until `flush`** (sled#654); sled's background flusher was
//!   found to stop early in 0.34.x when a `Db` is dropped (sled#1160). This crate never
//!   relies on the background flusher except under `Durability::None`: it flushes
//!   explicitly before acknowledging an append.
//! - **`flush` uses `sync_file_range`**, which does not flush the disk's write cache or
//!   file metadata (sled#1452), so a power loss can lose acknowledged writes. Deployments
//!   that need power-loss durability use `Durability::FlushAndSync`, which adds an
//!   `fdatasync` of the data file.
//! - **Crash-consistency testing of sled itself is incomplete** (ALICE results, sled#1077;
//!   sled#1229). This crate does not trust recovery blindly: every record carries a CRC-32
//!   (a torn or flipped record reads as `Corruption`, never as data), opening cross-checks
//!   the global head against the log, and `verify_all` recomputes every hash chain. The
//!   crash test kills a writer with SIGKILL in a loop and checks that every acknowledged
//!   append survived and every chain verifies.
//! - **sled 0.34 is beta and its on-disk format may change** in later versions: the
//!   version is pinned exactly, and [`casework_store::export_jsonl`] /
//!   [`casework_store::import_jsonl`] move a store to another sled version or to
//!   PostgreSQL.
//! - **One process at a time**: sled locks its directory; a second process gets
//!   [`StoreError::Locked`](casework_store::StoreError::Locked).
//! - **One damaged byte in sled's own files can make the whole store unopenable**
//!   (sled checks its `conf` and snapshot files with a CRC and then refuses to start, and it
//!   can panic on other damage). Opening such a store is a
//!   [`StoreError::Corruption`](casework_store::StoreError::Corruption) that names the file
//!   failing its checksum (sled itself reports no offset for these) and says to restore; a
//!   panic inside sled's open is caught and reported the same way. The way back is
//!   [`casework_store::backup`]: incremental backup sets with a signed checkpoint each, and
//!   a restore that verifies every event. What was appended after the newest backup set is
//!   lost with the store.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod keys;
mod store;

pub use store::{Durability, SledOptions, SledStore, STORE_FORMAT};
