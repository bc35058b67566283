//! `SledStore`: the `EventStore` on one sled tree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use casework_store::internals::import_marker::ImportMarker;
use casework_store::internals::published::Published;
use casework_store::{
    checkpoint::compute_log_head, hash::seal_all, internals::check_restore, meta, AppendOutcome,
    Clock, DataKey, EventStore, ExpectedVersion, GlobalPosition, Hash, KeyArea, KeyState, Limits,
    LogHead, NewEvent, RecordedEvent, StoreAdmin, StoreError, StreamId, StreamTip, SystemClock,
    Version,
};
use chrono::{DateTime, Utc};

use casework_store::internals::record;
use casework_store::internals::vault::Vault;

use crate::keys::SledKeys;

/// The store format written into every sled store; opening another is a typed error.
/// Version 2 derives the heads (see the crate docs); a version-1 store is upgraded when
/// it is opened.
pub const STORE_FORMAT: &[u8] = b"casework-sled/2";
/// The first format: a stream-head and a global-head record written with every append.
const STORE_FORMAT_1: &[u8] = b"casework-sled/1";

const TREE: &str = "casework-events";
/// The key area's index, apart from the events: stream id → key slot or tombstone.
const KEYS_TREE: &str = "casework-keys";
const EVENT: u8 = b'e';
const STREAM: u8 = b's';
const META: u8 = b'm';

/// When an append is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// `append` returns after sled's `flush` of this append (the default). Survives a
    /// crash of the process; see the crate docs for power loss.
    #[default]
    FlushEveryAppend,
    /// Like `FlushEveryAppend`, then `fdatasync` of sled's data file, because sled 0.34
    /// flushes with `sync_file_range`, which does not reach the disk's write cache.
    /// Survives power loss on disks that honour `fdatasync`.
    FlushAndSync,
    /// Concurrent appenders share one flush: an appender writes its batch, then waits
    /// until a flush that started after its write has finished. `append` returns only when
    /// durable, but many appends pay for one flush.
    GroupCommit,
    /// No flush by the store (sled flushes in the background every 500 ms): for tests and
    /// bulk imports. An acknowledged append can be lost by a crash.
    None,
}

/// Options for opening a store.
pub struct SledOptions {
    /// When appends are durable.
    pub durability: Durability,
    /// Size limits.
    pub limits: Limits,
    /// The clock for recorded-at.
    pub clock: Box<dyn Clock>,
    /// sled's page cache in bytes (default 1 GiB, as sled's own default).
    pub cache_bytes: u64,
    /// Make a new store where there is none: a missing or empty directory (default). With
    /// `false`, that is [`StoreError::Missing`] and nothing is created (commands that only
    /// read). A directory of other files is [`StoreError::UnsupportedFormat`] either way.
    pub create: bool,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            durability: Durability::default(),
            limits: Limits::default(),
            clock: Box::new(SystemClock),
            cache_bytes: 1 << 30,
            create: true,
        }
    }
}

struct Writer {
    /// The last position written to the tree and the log digest at it.
    log: LogHead,
    /// Recently written stream tips, so appends rarely read the head key.
    tips: HashMap<StreamId, StreamTip>,
}

struct Group {
    flushed: GlobalPosition,
    flushing: bool,
}

/// The embedded event store on sled.
pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    tree: sled::Tree,
    /// The key area (`vault.rs`).
    vault: Vault<SledKeys>,
    /// The global head as the `head` record holds it (written at a clean close).
    recorded_head: Mutex<LogHead>,
    data_file: Option<std::fs::File>,
    writer: Mutex<Writer>,
    /// Written to the tree (≥ the published head).
    applied: AtomicU64,
    /// What readers of the global log may see, and who waits for it.
    published: Published,
    group: (Mutex<Group>, Condvar),
    /// Mirrors the [`meta::IMPORTING`] record: appends are refused while it is set.
    import: ImportMarker,
    durability: Durability,
    limits: Limits,
    clock: Box<dyn Clock>,
}

fn io(e: sled::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

fn stream_key(stream: &StreamId, version: Version) -> Vec<u8> {
    let s = stream.as_str().as_bytes();
    let mut k = Vec::with_capacity(s.len() + 10);
    k.push(STREAM);
    k.extend_from_slice(s);
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

/// A stream-index entry: the chunk's first position and the log digest after its last
/// event (format 1 wrote the position alone).
fn index_value(position: GlobalPosition, digest: &Hash) -> [u8; 40] {
    let mut v = [0u8; 40];
    v[..8].copy_from_slice(&position.to_be_bytes());
    v[8..].copy_from_slice(&digest.0);
    v
}

/// The position in a stream-index entry of either format.
fn index_position(v: &[u8]) -> Option<GlobalPosition> {
    match v.len() {
        8 | 40 => be_u64(&v[..8]),
        _ => None,
    }
}

/// The log digest in a stream-index entry (`None`: a format-1 entry has none).
fn index_digest(v: &[u8]) -> Option<Hash> {
    let digest: [u8; 32] = v.get(8..40)?.try_into().ok()?;
    Some(Hash(digest))
}

fn event_key(position: GlobalPosition) -> [u8; 9] {
    let mut k = [EVENT; 9];
    k[1..].copy_from_slice(&position.to_be_bytes());
    k
}

fn meta_key(name: &str) -> Vec<u8> {
    let mut k = vec![META];
    k.extend_from_slice(name.as_bytes());
    k
}

/// The key of a value of [`StoreAdmin::meta`], apart from the store's own records.
fn user_meta_key(name: &str) -> Vec<u8> {
    meta_key(&format!("x/{name}"))
}

/// The error for a store sled cannot open because its files are damaged: names the files
/// and the offset sled reports, and says the way back.
fn damaged(path: &Path, detail: impl std::fmt::Display) -> StoreError {
    StoreError::corruption(
        StreamId::all(),
        0,
        format!(
            "sled cannot open the store: its files in {} are damaged ({detail}); sled keeps its \
             log in {} and snapshots in snap.* beside it. The store cannot be read in place: \
             restore it from a backup (`casework restore`) or an export",
            path.display(),
            path.join("db").display()
        ),
    )
}

/// The file of sled's own that fails its checksum, if one does: `conf` (its bytes, then a
/// CRC-32 of them) or the newest `snap.*` (its bytes, their length, then a CRC-32 of them),
/// both checked the way sled 0.34.7 checks them when it opens a store.
fn checksum_failure(path: &Path) -> Option<PathBuf> {
    let crc_fails = |bytes: &[u8], body_end: usize| {
        let crc = bytes.get(bytes.len().checked_sub(4)?..)?;
        let expected = u32::from_le_bytes(crc.try_into().ok()?);
        Some(crc32fast::hash(bytes.get(..body_end)?) != expected)
    };
    let conf = path.join("conf");
    if let Ok(bytes) = std::fs::read(&conf) {
        if crc_fails(&bytes, bytes.len().saturating_sub(4)) != Some(false) {
            return Some(conf);
        }
    }
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("snap."))
        })
        .collect();
    snaps.sort();
    let snap = snaps.pop()?;
    let bytes = std::fs::read(&snap).ok()?;
    (crc_fails(&bytes, bytes.len().saturating_sub(12)) != Some(false)).then_some(snap)
}

fn sled_corruption_detail(path: &Path, e: &sled::Error) -> String {
    match e {
        sled::Error::Corruption { at: Some(ptr), .. } => format!(
            "sled reports corrupted data in {} at offset {}",
            match ptr {
                sled::DiskPtr::Inline(_) => "the log file db",
                sled::DiskPtr::Blob(..) => "a blob file",
            },
            ptr.lid()
        ),
        sled::Error::Corruption { at: None, .. } => match checksum_failure(path) {
            Some(file) => format!(
                "{} fails its checksum; sled reports no offset",
                file.display()
            ),
            None => "sled reports corrupted data and no offset".to_owned(),
        },
        other => other.to_string(),
    }
}

/// The global head derived from the last chunk: its last position, and the log digest
/// its stream-index entry holds. `recorded` is the `head` record (and whether it holds a
/// digest); it must not lie beyond the derived head (a log cut short behind a clean
/// close), and it stands in for a last chunk too damaged to read, so that such a store
/// still opens and reads and `verify` report the damage. Returns the head and whether its
/// digest is known (a format-1 store from before the log digest has none).
fn derive_head(
    tree: &sled::Tree,
    (recorded, recorded_known): (LogHead, bool),
) -> Result<(LogHead, bool), StoreError> {
    let ends_early = |last: GlobalPosition| {
        StoreError::corruption(
            StreamId::all(),
            recorded.position,
            format!(
                "global head says {}, the log ends at {last}",
                recorded.position
            ),
        )
    };
    let Some((k, v)) = tree
        .range(event_key(0)..=event_key(u64::MAX))
        .next_back()
        .transpose()
        .map_err(io)?
    else {
        if recorded.position > 0 {
            return Err(ends_early(0));
        }
        return Ok((LogHead::EMPTY, true));
    };
    let first = be_u64(&k[1..]).unwrap_or(0);
    let readable = record::chunk_ranges(&v).ok().and_then(|ranges| {
        let e = record::decode(&v[ranges.first()?.clone()]).ok()?;
        Some((first + ranges.len() as u64 - 1, e.stream, e.version))
    });
    let Some((last, stream, version)) = readable else {
        if recorded.position >= first {
            tracing::warn!(
                chunk = first,
                head = recorded.position,
                "the last chunk of the log is damaged: the head record stands in for it (verify reports the damage)"
            );
            return Ok((recorded, recorded_known));
        }
        return Err(StoreError::corruption(
            StreamId::all(),
            first,
            format!("the last chunk (position {first}) is damaged and no head record reaches it"),
        ));
    };
    let entry = tree
        .get(stream_key(&stream, version))
        .map_err(io)?
        .filter(|e| index_position(e) == Some(first))
        .ok_or_else(|| {
            StoreError::corruption(
                stream.clone(),
                version,
                format!("the chunk at position {first} has no stream-index entry"),
            )
        })?;
    if recorded.position > last {
        return Err(ends_early(last));
    }
    let (head, known) = match index_digest(&entry) {
        Some(digest) => (
            LogHead {
                position: last,
                digest,
            },
            true,
        ),
        // format 1 wrote the head record with every append
        None if recorded.position == last => (recorded, recorded_known),
        None => return Err(ends_early(last)),
    };
    if known && recorded_known && recorded.position == last && recorded.digest != head.digest {
        return Err(StoreError::corruption(
            StreamId::all(),
            last,
            "the log digest at the head differs from the head record",
        ));
    }
    Ok((head, known))
}

fn be_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

impl SledStore {
    /// Opens (or creates) a store in directory `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, SledOptions::default())
    }

    /// Opens (or creates) a store with options.
    ///
    /// Errors: [`StoreError::Locked`] when another process has it open,
    /// [`StoreError::UnsupportedFormat`] for a sled database that is not a casework store
    /// or of a newer format, [`StoreError::Corruption`] when the global head and the log
    /// disagree.
    pub fn open_with(path: impl AsRef<Path>, options: SledOptions) -> Result<Self, StoreError> {
        let started = Instant::now();
        let path = path.as_ref().to_path_buf();
        // a directory of other files is never taken over, not even to create a store
        match Self::check_exists(&path) {
            Err(StoreError::Missing(_)) if options.create => {
                if !path.exists() {
                    casework_store::internals::private::create_store_dir(&path)?;
                }
            }
            other => other?,
        }
        let config = sled::Config::new()
            .path(&path)
            .cache_capacity(options.cache_bytes);
        // sled 0.34 releases its file lock from a background thread shortly after the
        // last handle is dropped (spacejam/sled#1289): a store closed and reopened at once
        // in one process can find its own lock still held. Wait up to a second for it;
        // another process that holds the store is still reported as `Locked`.
        let deadline = Instant::now() + Duration::from_secs(1);
        let db = loop {
            // sled 0.34 can panic on damaged files instead of returning an error
            let opened = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| config.open()))
                .map_err(|panic| {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".to_owned());
                damaged(&path, format!("sled panicked while reading them: {what}"))
            })?;
            match opened {
                Err(sled::Error::Io(ref e)) if e.to_string().contains("could not acquire lock") => {
                    if Instant::now() >= deadline {
                        return Err(StoreError::Locked(path.display().to_string()));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e @ sled::Error::Corruption { .. }) => {
                    return Err(damaged(&path, sled_corruption_detail(&path, &e)))
                }
                Err(other) => return Err(StoreError::Io(format!("{}: {other}", path.display()))),
                Ok(db) => break db,
            }
        };
        let foreign: Vec<_> = db
            .tree_names()
            .into_iter()
            .filter(|n| {
                &n[..] != b"__sled__default"
                    && &n[..] != TREE.as_bytes()
                    && &n[..] != KEYS_TREE.as_bytes()
            })
            .collect();
        let fresh = !db.tree_names().iter().any(|n| &n[..] == TREE.as_bytes());
        if fresh && (!foreign.is_empty() || !db.is_empty()) {
            return Err(StoreError::UnsupportedFormat(format!(
                "{} is a sled database but not a casework store",
                path.display()
            )));
        }
        let tree = db.open_tree(TREE).map_err(io)?;
        // the `head` record holds the position and, since the log digest, the digest at it
        // (40 bytes; an older store's 8-byte record is upgraded below). Format 2 writes it
        // at a clean close only: the heads are derived from the last chunk at open
        let mut upgrade_digest = false;
        let (head, recorded_head) = match tree.get(meta_key("format")).map_err(io)? {
            None if tree.is_empty() => {
                let mut batch = sled::Batch::default();
                batch.insert(meta_key("format"), STORE_FORMAT);
                batch.insert(meta_key("head"), &LogHead::EMPTY.to_bytes()[..]);
                tree.apply_batch(batch).map_err(io)?;
                db.flush().map_err(io)?;
                tracing::info!(path = %path.display(), "sled store created");
                (LogHead::EMPTY, LogHead::EMPTY)
            }
            None => {
                return Err(StoreError::UnsupportedFormat(format!(
                    "{} has events but no format record",
                    path.display()
                )))
            }
            Some(f) if &f[..] != STORE_FORMAT && &f[..] != STORE_FORMAT_1 => {
                return Err(StoreError::UnsupportedFormat(format!(
                    "{} has format {:?}, this code reads {:?}",
                    path.display(),
                    String::from_utf8_lossy(&f),
                    String::from_utf8_lossy(STORE_FORMAT)
                )))
            }
            Some(f) => {
                let record = tree.get(meta_key("head")).map_err(io)?;
                let recorded = match record.as_deref().map(|v| (v.len(), v)) {
                    Some((40, v)) => LogHead::from_bytes(v).map(|h| (h, true)),
                    Some((8, v)) => be_u64(v).map(|position| {
                        let head = LogHead {
                            position,
                            digest: Hash::ZERO,
                        };
                        (head, false)
                    }),
                    _ => None,
                }
                .ok_or_else(|| {
                    StoreError::corruption(
                        StreamId::all(),
                        0,
                        "global head record missing or damaged",
                    )
                })?;
                let (head, known) = derive_head(&tree, recorded)?;
                upgrade_digest = !known;
                if &f[..] == STORE_FORMAT_1 {
                    // from now on the heads are derived; format-1 code must not open it
                    tree.insert(meta_key("format"), STORE_FORMAT).map_err(io)?;
                    db.flush().map_err(io)?;
                    tracing::info!(
                        path = %path.display(),
                        from = "casework-sled/1",
                        to = "casework-sled/2",
                        "sled store format upgraded"
                    );
                } else if recorded.0.position < head.position {
                    // format 2 writes the head record at a clean close only
                    tracing::info!(
                        path = %path.display(),
                        recorded = recorded.0.position,
                        head = head.position,
                        "sled store was not closed cleanly: its head was derived from the log"
                    );
                }
                (head, recorded.0)
            }
        };
        // a new store gets its id here, and so does one written before ids existed
        if tree
            .get(user_meta_key(meta::STORE_ID))
            .map_err(io)?
            .is_none()
        {
            tree.insert(
                user_meta_key(meta::STORE_ID),
                uuid::Uuid::now_v7().as_bytes(),
            )
            .map_err(io)?;
            db.flush().map_err(io)?;
            if head.position > 0 {
                tracing::info!(path = %path.display(), "store id given to a store written before ids existed");
            }
        }
        let vault = Vault::open(
            &path,
            SledKeys(db.open_tree(KEYS_TREE).map_err(io)?),
            options.durability != Durability::None,
        )?;
        let data_file = match options.durability {
            Durability::FlushAndSync => Some(
                std::fs::OpenOptions::new()
                    .read(true)
                    .open(path.join("db"))
                    .map_err(|e| StoreError::Io(e.to_string()))?,
            ),
            _ => None,
        };
        let importing = tree
            .get(user_meta_key(meta::IMPORTING))
            .map_err(io)?
            .is_some();
        let position = head.position;
        let import = ImportMarker::new(importing, path.display().to_string());
        let store = SledStore {
            path,
            db,
            tree,
            vault,
            recorded_head: Mutex::new(recorded_head),
            data_file,
            writer: Mutex::new(Writer {
                log: head,
                tips: HashMap::new(),
            }),
            applied: AtomicU64::new(position),
            published: Published::new(position),
            group: (
                Mutex::new(Group {
                    flushed: position,
                    flushing: false,
                }),
                Condvar::new(),
            ),
            import,
            durability: options.durability,
            limits: options.limits,
            clock: options.clock,
        };
        if upgrade_digest {
            // a store written before the log digest: compute it once from the log
            let log = compute_log_head(&store)?;
            store
                .tree
                .insert(meta_key("head"), &log.to_bytes()[..])
                .map_err(io)?;
            store.flush_to_disk()?;
            store.lock_writer()?.log = log;
            if let Ok(mut recorded) = store.recorded_head.lock() {
                *recorded = log;
            }
            tracing::info!(
                path = %store.path.display(),
                position = log.position,
                "log digest computed for a store written before it existed"
            );
        }
        tracing::info!(
            path = %store.path.display(),
            position,
            importing,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "sled store opened"
        );
        Ok(store)
    }

    /// Refuses a path that holds no sled store, before sled would create one there.
    fn check_exists(path: &Path) -> Result<(), StoreError> {
        casework_store::internals::check_store_dir(
            path,
            |path| path.join("conf").is_file() && path.join("db").is_file(),
            "a casework store",
        )
    }

    /// The directory of the store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the store takes on disk.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        self.db.size_on_disk().map_err(io)
    }

    /// Flushes everything written so far to disk (also [`EventStore::flush`]).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.flush_to_disk()?;
        self.published.publish(self.applied.load(Ordering::SeqCst));
        Ok(())
    }

    fn flush_to_disk(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(io)?;
        if let Some(f) = &self.data_file {
            f.sync_data().map_err(|e| StoreError::Io(e.to_string()))?;
        }
        Ok(())
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>, StoreError> {
        self.writer
            .lock()
            .map_err(|_| StoreError::Unavailable("a writer panicked".into()))
    }

    /// The stream's last version and hash: from the writers' cache, else from the last
    /// event of the chunk its last index entry points to.
    fn tip(&self, writer: &mut Writer, stream: &StreamId) -> Result<StreamTip, StoreError> {
        if let Some(tip) = writer.tips.get(stream) {
            return Ok(*tip);
        }
        let Some((k, v)) = self
            .tree
            .range(stream_key(stream, 1)..=stream_key(stream, u64::MAX))
            .next_back()
            .transpose()
            .map_err(io)?
        else {
            return Ok((0, Hash::ZERO));
        };
        let version = be_u64(&k[k.len() - 8..]).unwrap_or(0);
        let damaged = |detail: String| StoreError::corruption(stream.clone(), version, detail);
        let position =
            index_position(&v).ok_or_else(|| damaged("stream index entry damaged".into()))?;
        let chunk = self
            .tree
            .get(event_key(position))
            .map_err(io)?
            .ok_or_else(|| damaged(format!("indexed chunk at position {position} is missing")))?;
        let count = record::chunk_ranges(&chunk)
            .map_err(|e| damaged(format!("chunk at position {position}: {e}")))?
            .len() as u64;
        let last = position + count.max(1) - 1;
        let mut out = Vec::with_capacity(1);
        record::chunk_events(
            position,
            &chunk,
            last..=last,
            Some((stream, version)),
            &mut out,
        )?;
        let tip = out
            .pop()
            .map(|e| (e.version, e.hash))
            .ok_or_else(|| damaged(format!("chunk at position {position} is empty")))?;
        writer.tips.insert(stream.clone(), tip);
        Ok(tip)
    }

    /// Writes sealed events in one atomic batch; the writer lock is held. Consecutive
    /// events of one stream go into chunks of at most `CHUNK_MAX` events, each under the
    /// key of its first position, with one stream-index entry per chunk that also holds
    /// the log digest after it. No head record is written: the heads are derived.
    fn write_batch(&self, writer: &mut Writer, events: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        let mut tips: HashMap<&StreamId, StreamTip> = HashMap::new();
        let mut log = writer.log;
        for chunk in record::chunks(events) {
            let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
                continue;
            };
            for e in chunk {
                log.advance(e);
            }
            batch.insert(&event_key(first.position), record::encode_chunk(chunk));
            batch.insert(
                stream_key(&first.stream, first.version),
                &index_value(first.position, &log.digest)[..],
            );
            tips.insert(&last.stream, (last.version, last.hash));
        }
        self.tree.apply_batch(batch).map_err(io)?;
        let last = log.position;
        writer.log = log;
        if writer.tips.len() > 100_000 {
            writer.tips.clear();
        }
        for (stream, tip) in tips {
            writer.tips.insert(stream.clone(), tip);
        }
        self.applied.store(last, Ordering::SeqCst);
        Ok(())
    }

    /// Makes the writes up to `last` durable under the policy, then visible.
    /// Called with the writer lock held (`writer`), which group commit releases first.
    fn commit(
        &self,
        writer: MutexGuard<'_, Writer>,
        last: GlobalPosition,
    ) -> Result<(), StoreError> {
        match self.durability {
            Durability::None => {
                drop(writer);
                self.published.publish(last);
                Ok(())
            }
            Durability::FlushEveryAppend | Durability::FlushAndSync => {
                let flushed = self.flush_to_disk();
                drop(writer);
                flushed?;
                self.published.publish(last);
                Ok(())
            }
            Durability::GroupCommit => {
                drop(writer);
                self.group_flush(last)
            }
        }
    }

    fn group_flush(&self, target: GlobalPosition) -> Result<(), StoreError> {
        let (lock, cv) = &self.group;
        let poisoned = |_| StoreError::Unavailable("group commit lock poisoned".into());
        let mut g = lock.lock().map_err(poisoned)?;
        loop {
            if g.flushed >= target {
                return Ok(());
            }
            if g.flushing {
                g = cv.wait(g).map_err(poisoned)?;
                continue;
            }
            g.flushing = true;
            let upto = self.applied.load(Ordering::SeqCst);
            drop(g);
            let result = self.flush_to_disk();
            g = lock.lock().map_err(poisoned)?;
            g.flushing = false;
            if result.is_ok() {
                g.flushed = g.flushed.max(upto);
                self.published.publish(upto);
            }
            cv.notify_all();
            result?;
        }
    }
}

impl Drop for SledStore {
    /// Records the global head at a clean close, so that the next open finds a log cut
    /// short behind it. Best effort: a store that is not closed cleanly (a crash) derives
    /// its head from the last chunk all the same.
    fn drop(&mut self) {
        let (Ok(writer), Ok(recorded)) = (self.writer.lock(), self.recorded_head.lock()) else {
            return;
        };
        if writer.log != *recorded
            && self
                .tree
                .insert(meta_key("head"), &writer.log.to_bytes()[..])
                .is_ok()
        {
            let _ = self.db.flush();
        }
    }
}

impl SledStore {
    /// The body of [`EventStore::append`], which reports it ([`casework_store::internals::observe`]).
    fn append_untraced(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        self.limits.check(&events)?;
        self.import.check_append()?;
        let mut writer = self.lock_writer()?;
        let (version, prev) = self.tip(&mut writer, stream)?;
        let actual = (version > 0).then_some(version);
        if !expected.admits(actual) {
            return Err(StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual,
            });
        }
        let first_version = version + 1;
        let first_position = writer.log.position + 1;
        let recorded_at = self.clock.now();
        let sealed = seal_all(
            prev,
            stream,
            first_version,
            first_position,
            recorded_at,
            events,
        );
        let n = sealed.len() as u64;
        self.write_batch(&mut writer, &sealed)?;
        let last = first_position + n - 1;
        self.commit(writer, last)?;
        Ok(AppendOutcome {
            first_version,
            last_version: first_version + n - 1,
            first_position,
            last_position: last,
        })
    }

    /// The body of [`EventStore::read_stream`], which reports it ([`casework_store::internals::observe`]).
    fn read_stream_untraced(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from = from.max(1);
        let mut out = Vec::with_capacity(limit.min(1024));
        if limit == 0 {
            return Ok(out);
        }
        // the chunk holding `from` starts at the last index entry at or before it (a
        // stream's first chunk starts at version 1: a whole-stream read needs no seek)
        let start = if from == 1 {
            stream_key(stream, 1)
        } else {
            self.tree
                .range(stream_key(stream, 1)..=stream_key(stream, from))
                .next_back()
                .transpose()
                .map_err(io)?
                .map_or_else(|| stream_key(stream, from), |(k, _)| k.to_vec())
        };
        for item in self.tree.range(start..=stream_key(stream, u64::MAX)) {
            let (k, v) = item.map_err(io)?;
            let version = be_u64(&k[k.len() - 8..]).unwrap_or(0);
            let position = index_position(&v).ok_or_else(|| {
                StoreError::corruption(stream.clone(), version, "stream index entry damaged")
            })?;
            let bytes = self
                .tree
                .get(event_key(position))
                .map_err(io)?
                .ok_or_else(|| {
                    StoreError::corruption(
                        stream.clone(),
                        version,
                        format!("indexed chunk at position {position} is missing"),
                    )
                })?;
            // positions of the wanted versions in this chunk
            // saturating: `from` may be any u64 (a chunk never reaches u64::MAX)
            let skip = from.saturating_sub(version);
            let take = (limit - out.len()) as u64;
            let start = position.saturating_add(skip);
            let wanted = start..=start.saturating_add(take - 1);
            record::chunk_events(position, &bytes, wanted, Some((stream, version)), &mut out)?;
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// The body of [`EventStore::read_all`], which reports it ([`casework_store::internals::observe`]).
    fn read_all_untraced(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let visible = self.published.head();
        let from = from.max(1);
        if from > visible || limit == 0 {
            return Ok(Vec::new());
        }
        let to = visible.min(from.saturating_add(limit as u64 - 1));
        let mut out = Vec::with_capacity((to - from + 1) as usize);
        // the chunk holding `from` starts at the last event key at or before it
        let start = self
            .tree
            .range(event_key(1)..=event_key(from))
            .next_back()
            .transpose()
            .map_err(io)?
            .map_or(from, |(k, _)| be_u64(&k[1..]).unwrap_or(from));
        let mut expected = start;
        for item in self.tree.range(event_key(start)..=event_key(to)) {
            let (k, v) = item.map_err(io)?;
            let position = be_u64(&k[1..]).unwrap_or(0);
            if position != expected {
                return Err(StoreError::corruption(
                    StreamId::all(),
                    expected,
                    format!("global log has position {position} where {expected} belongs"),
                ));
            }
            expected = position + record::chunk_events(position, &v, from..=to, None, &mut out)?;
        }
        if expected <= to {
            return Err(StoreError::corruption(
                StreamId::all(),
                expected,
                "global log ends early",
            ));
        }
        Ok(out)
    }
}

impl EventStore for SledStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let traced =
            casework_store::internals::observe::AppendTrace::start("sled", expected, events.len());
        traced.finish(stream, self.append_untraced(stream, expected, events))
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn flush(&self) -> Result<(), StoreError> {
        SledStore::flush(self)
    }

    /// Stream reads see every applied event, also one whose flush is still running (group
    /// commit): a decision taken on it is appended after it in sled's sequential log, so a
    /// crash cannot keep the decision and lose its basis. The global log stays capped at
    /// durable positions.
    fn read_stream(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("sled");
        traced.stream(stream, from, self.read_stream_untraced(stream, from, limit))
    }

    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("sled");
        traced.log(from, self.read_all_untraced(from, limit))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError> {
        let mut writer = self.lock_writer()?;
        let (v, _) = self.tip(&mut writer, stream)?;
        Ok((v > 0).then_some(v))
    }

    /// One step per stream through the stream index: from a stream's first entry to the
    /// key after its last.
    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        let mut out = Vec::new();
        let mut from = vec![STREAM];
        while let Some((k, _)) = self.tree.range(from..).next().transpose().map_err(io)? {
            if k.first() != Some(&STREAM) || k.len() < 10 {
                break;
            }
            let name = String::from_utf8(k[1..k.len() - 9].to_vec()).map_err(|_| {
                StoreError::corruption(StreamId::all(), 0, "stream name is not UTF-8")
            })?;
            let stream = StreamId::new(name)?;
            from = stream_key(&stream, u64::MAX);
            from.push(0);
            out.push(stream);
        }
        Ok(out)
    }

    fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        Ok(self.published.head())
    }

    fn wait_for_events(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError> {
        self.published.wait(after, timeout)
    }
}

impl KeyArea for SledStore {
    fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        self.vault.get(stream)
    }
    fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        self.vault.all()
    }
    /// The key's slot is written (and synced, except under `Durability::None`) and its
    /// index entry inserted before the append that uses it is written; every durability
    /// policy flushes the whole database before it acknowledges that append, so an
    /// acknowledged event never lacks its key.
    fn create_data_key(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError> {
        self.vault.create(stream, key)
    }
    /// The tombstone is flushed (and synced under `FlushAndSync`) whatever the policy, then
    /// the key's slot is overwritten with zeros and synced, all before it returns.
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.vault.destroy(stream, at, || self.flush_to_disk())
    }
}

impl StoreAdmin for SledStore {
    fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut writer = self.lock_writer()?;
        let mut head = writer.log.position;
        let mut seen = HashMap::new();
        {
            let w = &mut *writer;
            let mut last = |s: &StreamId| self.tip(w, s);
            check_restore(&mut head, &mut last, &mut seen, &events)?;
        }
        self.write_batch(&mut writer, &events)?;
        self.commit(writer, head)
    }
    fn log_head(&self) -> Result<LogHead, StoreError> {
        let log = self.lock_writer()?.log;
        if log.position > self.published.head() {
            // written but not yet durable (group commit, no flush): make it so first
            self.flush()?;
        }
        Ok(log)
    }
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .tree
            .get(user_meta_key(name))
            .map_err(io)?
            .map(|v| v.to_vec()))
    }
    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let key = user_meta_key(name);
        match value {
            Some(v) => self.tree.insert(key, v).map(|_| ()),
            None => self.tree.remove(key).map(|_| ()),
        }
        .map_err(io)?;
        self.flush_to_disk()?;
        self.import.note_set(name, value);
        Ok(())
    }
}
