//! The key area of the embedded stores: key bytes in a slot file that is overwritten in
//! place on destruction, an index in the engine ([`KeyIndex`]: a sled tree, a redb table).
//!
//! Neither engine overwrites in place: sled is log-structured (measured: a destroyed key
//! kept in a tree was still in the store's files after 2,000 further writes and a flush),
//! and redb copies a B-tree page on write and frees the old page for later reuse without
//! clearing it. A key kept in either could be read back after an erasure, which defeats
//! crypto-shredding. So the key bytes never enter the engine: each lives in a 64-byte slot
//! of `casework-keys.slots` in the store directory, and destroying it overwrites the slot
//! with zeros and syncs the file. The index maps a stream to its slot (`S` ‖ slot) or to a
//! tombstone (`D` ‖ destruction time ‖ slot).
//!
//! Crash safety: a new key's slot is written and synced before its index entry is
//! inserted (an entry never points at a missing key; a crash in between leaves an orphan
//! slot). A destruction makes the tombstone durable first, then zeroes the slot. Opening
//! the store zeroes every slot that no live index entry points at (orphans and slots of
//! tombstones whose zeroing a crash interrupted).
//!
//! A slot: `CWK1` ‖ key version (u32 BE) ‖ 32 key bytes ‖ CRC-32 of the 40 bytes before ‖
//! 20 zero bytes. A zeroed slot is free.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::{DataKey, KeyState, StoreError, StreamId};

/// Where a store engine keeps the key area's index: stream name → entry bytes, durable
/// when `insert` returns (or when the store's next flush does, for `durable: false`).
pub trait KeyIndex: Send + Sync {
    /// The entry of `stream`.
    fn get(&self, stream: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets the entry of `stream`.
    fn insert(&self, stream: &str, entry: Vec<u8>) -> Result<(), StoreError>;
    /// Every entry, in stream order.
    fn entries(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
}

/// The slot file's name in the store directory.
pub const SLOT_FILE: &str = "casework-keys.slots";
const SLOT: u64 = 64;
const MAGIC: &[u8; 4] = b"CWK1";
const NO_SLOT: u64 = u64::MAX;

fn file_err(e: std::io::Error) -> StoreError {
    StoreError::Io(format!("key slot file: {e}"))
}

fn damaged(stream: &StreamId, detail: impl Into<String>) -> StoreError {
    StoreError::Corruption {
        stream: stream.clone(),
        version: 0,
        detail: detail.into(),
    }
}

/// What the index says of a stream.
enum Entry {
    Live(u64),
    Destroyed(DateTime<Utc>),
}

fn parse_entry(stream: &StreamId, bytes: &[u8]) -> Result<(Entry, u64), StoreError> {
    let be = |b: &[u8]| b.try_into().ok().map(u64::from_be_bytes);
    match bytes.split_first() {
        Some((b'S', rest)) if rest.len() == 8 => {
            let slot = be(rest).ok_or_else(|| damaged(stream, "key index entry"))?;
            Ok((Entry::Live(slot), slot))
        }
        Some((b'D', rest)) if rest.len() == 16 => {
            let micros = be(&rest[..8]).ok_or_else(|| damaged(stream, "key tombstone"))?;
            let slot = be(&rest[8..]).ok_or_else(|| damaged(stream, "key tombstone"))?;
            let at = DateTime::from_timestamp_micros(micros as i64)
                .ok_or_else(|| damaged(stream, "key tombstone time"))?;
            Ok((Entry::Destroyed(at), slot))
        }
        _ => Err(damaged(
            stream,
            "the key index entry is not a slot or tombstone",
        )),
    }
}

fn encode_slot(key: &DataKey) -> [u8; SLOT as usize] {
    let mut slot = [0u8; SLOT as usize];
    slot[..4].copy_from_slice(MAGIC);
    slot[4..8].copy_from_slice(&key.version().to_be_bytes());
    slot[8..40].copy_from_slice(key.bytes());
    let crc = crc32fast::hash(&slot[..40]);
    slot[40..44].copy_from_slice(&crc.to_be_bytes());
    slot
}

fn decode_slot(stream: &StreamId, slot: &[u8; SLOT as usize]) -> Result<DataKey, StoreError> {
    if &slot[..4] != MAGIC {
        return Err(damaged(
            stream,
            "the data key's slot is empty or overwritten",
        ));
    }
    let crc = u32::from_be_bytes([slot[40], slot[41], slot[42], slot[43]]);
    if crc32fast::hash(&slot[..40]) != crc {
        return Err(damaged(stream, "the data key's slot fails its checksum"));
    }
    let version = u32::from_be_bytes([slot[4], slot[5], slot[6], slot[7]]);
    let mut key = [0u8; 32];
    key.copy_from_slice(&slot[8..40]);
    Ok(DataKey::from_parts(version, key))
}

/// The key area: the index and the slot file, behind one lock.
pub struct Vault<I: KeyIndex> {
    index: I,
    slots: Mutex<File>,
    /// Sync the slot file on every change (all durability policies but `None`).
    sync: bool,
}

impl<I: KeyIndex> Vault<I> {
    /// Opens (or creates) the slot file in the store directory `dir` and zeroes every slot
    /// no live index entry points at; `sync`: sync the slot file on every change.
    pub fn open(dir: &Path, index: I, sync: bool) -> Result<Self, StoreError> {
        let file = super::private::private_file()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(SLOT_FILE))
            .map_err(file_err)?;
        // a slot file an older version made for everyone to read becomes its owner's alone
        if let Err(error) = super::private::restrict(&file) {
            tracing::warn!(%error, dir = %dir.display(), "the key slot file could not be made private");
        }
        let vault = Vault {
            index,
            slots: Mutex::new(file),
            sync,
        };
        vault.scrub()?;
        Ok(vault)
    }

    fn lock(&self) -> Result<MutexGuard<'_, File>, StoreError> {
        self.slots
            .lock()
            .map_err(|_| StoreError::Unavailable("a key-area writer panicked".into()))
    }

    fn scrub(&self) -> Result<(), StoreError> {
        let mut live = HashSet::new();
        for (k, v) in self.index.entries()? {
            let stream = StreamId::new(k)?;
            if let (Entry::Live(slot), _) = parse_entry(&stream, &v)? {
                live.insert(slot);
            }
        }
        let mut file = self.lock()?;
        let mut all = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(file_err)?;
        file.read_to_end(&mut all).map_err(file_err)?;
        let mut zeroed = 0u64;
        for (slot, bytes) in (0u64..).zip(all.chunks(SLOT as usize)) {
            if live.contains(&slot) || bytes.iter().all(|&b| b == 0) {
                continue;
            }
            file.seek(SeekFrom::Start(slot * SLOT)).map_err(file_err)?;
            file.write_all(&vec![0u8; bytes.len()]).map_err(file_err)?;
            zeroed += 1;
        }
        if zeroed > 0 {
            file.sync_data().map_err(file_err)?;
            // a key written or destroyed when the process stopped: no index entry holds it
            tracing::info!(
                slots = zeroed,
                "zeroed key slots that no key-area entry points at"
            );
        }
        Ok(())
    }

    fn read_slot(file: &mut File, stream: &StreamId, slot: u64) -> Result<DataKey, StoreError> {
        let mut buf = [0u8; SLOT as usize];
        file.seek(SeekFrom::Start(slot * SLOT)).map_err(file_err)?;
        file.read_exact(&mut buf)
            .map_err(|_| damaged(stream, "the data key's slot is missing"))?;
        decode_slot(stream, &buf)
    }

    fn state(&self, file: &mut File, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        let Some(bytes) = self.index.get(stream.as_str())? else {
            return Ok(None);
        };
        Ok(Some(match parse_entry(stream, &bytes)?.0 {
            Entry::Live(slot) => KeyState::Active(Self::read_slot(file, stream, slot)?),
            Entry::Destroyed(at) => KeyState::Destroyed { at },
        }))
    }

    /// Every entry of the key area, in stream order: one scan of the index and one read
    /// of the slot file.
    pub fn all(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        let mut file = self.lock()?;
        let mut slots = Vec::new();
        file.seek(SeekFrom::Start(0)).map_err(file_err)?;
        file.read_to_end(&mut slots).map_err(file_err)?;
        let mut out = Vec::new();
        for (k, v) in self.index.entries()? {
            let stream = StreamId::new(k)?;
            let state = match parse_entry(&stream, &v)?.0 {
                Entry::Live(slot) => {
                    let at = usize::try_from(slot.saturating_mul(SLOT)).unwrap_or(usize::MAX);
                    let bytes: &[u8; SLOT as usize] = slots
                        .get(at..at.saturating_add(SLOT as usize))
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| damaged(&stream, "the data key's slot is missing"))?;
                    KeyState::Active(decode_slot(&stream, bytes)?)
                }
                Entry::Destroyed(at) => KeyState::Destroyed { at },
            };
            out.push((stream, state));
        }
        Ok(out)
    }

    /// The key state of `stream`.
    pub fn get(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        let mut file = self.lock()?;
        self.state(&mut file, stream)
    }

    /// Stores `key` for `stream` unless it has one (then returns that): the slot is written
    /// (and synced) before the index entry.
    pub fn create(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError> {
        let mut file = self.lock()?;
        if let Some(state) = self.state(&mut file, stream)? {
            return Ok(state);
        }
        let end = file.seek(SeekFrom::End(0)).map_err(file_err)?;
        let slot = end.div_ceil(SLOT);
        file.seek(SeekFrom::Start(slot * SLOT)).map_err(file_err)?;
        file.write_all(&encode_slot(&key)).map_err(file_err)?;
        if self.sync {
            file.sync_data().map_err(file_err)?;
        }
        let mut entry = vec![b'S'];
        entry.extend_from_slice(&slot.to_be_bytes());
        self.index.insert(stream.as_str(), entry)?;
        Ok(KeyState::Active(key))
    }

    /// Records the tombstone, makes it durable with `flush`, then zeroes the slot.
    pub fn destroy(
        &self,
        stream: &StreamId,
        at: DateTime<Utc>,
        flush: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut file = self.lock()?;
        let slot = match self.index.get(stream.as_str())? {
            Some(bytes) => parse_entry(stream, &bytes)?.1,
            None => NO_SLOT,
        };
        let mut tombstone = vec![b'D'];
        tombstone.extend_from_slice(&(at.timestamp_micros() as u64).to_be_bytes());
        tombstone.extend_from_slice(&slot.to_be_bytes());
        self.index.insert(stream.as_str(), tombstone)?;
        flush()?;
        if slot != NO_SLOT {
            file.seek(SeekFrom::Start(slot * SLOT)).map_err(file_err)?;
            file.write_all(&[0u8; SLOT as usize]).map_err(file_err)?;
            file.sync_data().map_err(file_err)?;
        }
        Ok(())
    }
}
