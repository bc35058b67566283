//! # casework-redb
//!
//! An embedded store of casework on [redb](https://docs.rs/redb) 4: one directory holding
//! the database file `casework.redb` and the key slot file, no server.
//!
//! ```
//! use casework_redb::RedbStore;
//! use casework_store::{EventStore, ExpectedVersion, NewEvent, StreamId};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = RedbStore::open(dir.path()).unwrap();
//! let s = StreamId::new("case-1").unwrap();
//! let e = NewEvent::new("Noted", 1, chrono::Utc::now(), b"{}".to_vec());
//! store.append(&s, ExpectedVersion::NoStream, vec![e]).unwrap();
//! drop(store);
//! let store = RedbStore::open(dir.path()).unwrap(); // durable: committed before append returned
//! assert_eq!(store.stream_version(&s).unwrap(), Some(1));
//! ```
//!
//! ## Layout
//!
//! | table | key | value |
//! | --- | --- | --- |
//! | `events` | first position of a chunk (u64) | up to 64 consecutive events of one stream, each a [`casework_store::internals::record`] with its CRC-32 |
//! | `streams` | stream ‖ `0x00` ‖ first version of a chunk (BE) | the chunk's first position |
//! | `heads` | stream | its last version and hash |
//! | `meta` | `format`, `head`, `x/NAME` | the store format (`casework-redb/1`), the log head (position and digest), [`StoreAdmin::meta`](casework_store::StoreAdmin::meta) values |
//! | `keys` | stream | the data key's slot or tombstone ([`casework_store::internals::vault`]) |
//!
//! The key bytes live in `casework-keys.slots`, overwritten with zeros when a key is
//! destroyed: redb copies pages on write and leaves a freed page's bytes in the file until
//! it reuses the page, so a key kept in a table could be read back after an erasure.
//!
//! Every append is one redb write transaction that writes the chunks, the index entries,
//! the stream heads and the log head together; readers see a commit whole or not at all.
//! Opening checks the format record (another format is
//! [`StoreError::UnsupportedFormat`](casework_store::StoreError::UnsupportedFormat)) and
//! that the log head equals the last event of the log.
//!
//! ## What is durable when
//!
//! | [`Durability`] | `append` returns after | survives kill -9 | survives power loss |
//! | --- | --- | --- | --- |
//! | `Immediate` (default) | a commit with fsync | yes (tested: `tests/crash.rs`) | yes, on disks that honour fsync |
//! | `GroupCommit` | a commit with fsync shared by the appends queued meanwhile | yes | as `Immediate` |
//! | `None` | a commit without fsync | no: what was not flushed can be lost | no |
//!
//! ## Damage
//!
//! redb does not check the bytes of stored values: a flipped byte inside an event reaches
//! casework's record CRC, which names the stream and version, and every other event stays
//! readable. Damage to redb's own pages is a `Corruption` error that says to restore from a
//! backup; a panic inside redb on a damaged file is caught at this crate's boundary and
//! reported the same way, so it never aborts the embedding application.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod store;

pub use store::{Durability, RedbOptions, RedbStore, DB_FILE, STORE_FORMAT};
