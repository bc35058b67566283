//! `RedbStore`: the `EventStore` on one redb file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use casework_store::internals::import_marker::ImportMarker;
use casework_store::internals::published::Published;
use casework_store::internals::vault::{KeyIndex, Vault};
use casework_store::{
    hash::seal_all, internals::check_restore, internals::record, meta, AppendOutcome, Clock,
    DataKey, EventStore, ExpectedVersion, GlobalPosition, Hash, KeyArea, KeyState, Limits, LogHead,
    NewEvent, RecordedEvent, StoreAdmin, StoreError, StreamId, StreamTip, SystemClock, Version,
};
use chrono::{DateTime, Utc};
use redb::{
    Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle, WriteTransaction,
};

/// The store format written into every redb store; opening another is a typed error.
pub const STORE_FORMAT: &[u8] = b"casework-redb/1";

/// The database file in the store directory (beside the key slot file).
pub const DB_FILE: &str = "casework.redb";
/// Where a new database is made before it is renamed to [`DB_FILE`]: a crash while a
/// store is being created leaves no half-made database under the store's name.
const NEW_FILE: &str = "casework.redb.new";

/// First position of a chunk → the chunk of event records.
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
/// Stream ‖ 0 ‖ first version of a chunk (BE) → the chunk's first position.
const INDEX: TableDefinition<&[u8], u64> = TableDefinition::new("streams");
/// Stream → its last version and hash (40 bytes).
const HEADS: TableDefinition<&str, &[u8]> = TableDefinition::new("heads");
/// `format`, `head` (the log head, 40 bytes) and `x/NAME` for [`StoreAdmin::meta`].
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// The key area's index (stream → slot or tombstone); the key bytes are in the slot file.
const KEYS: TableDefinition<&str, &[u8]> = TableDefinition::new("keys");

/// When an append is durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every append is one redb write transaction committed with `Durability::Immediate`
    /// (fsync) before `append` returns (the default). Survives a crash and power loss on
    /// disks that honour fsync.
    #[default]
    Immediate,
    /// Concurrent appenders share one durable commit: the first takes every append queued
    /// meanwhile into one write transaction; `append` returns when that commit is durable.
    GroupCommit,
    /// Commits without fsync (redb's `Durability::None`): visible at once, durable with
    /// the next durable commit or [`EventStore::flush`]. For tests and bulk imports; a
    /// crash loses what was not flushed.
    None,
}

/// Options for opening a store.
pub struct RedbOptions {
    /// When appends are durable.
    pub durability: Durability,
    /// Size limits.
    pub limits: Limits,
    /// The clock for recorded-at.
    pub clock: Box<dyn Clock>,
    /// redb's page cache in bytes (default 256 MiB).
    pub cache_bytes: usize,
    /// Make a new store where there is none: a missing or empty directory (default). With
    /// `false`, that is [`StoreError::Missing`] and nothing is created. A directory of
    /// other files is [`StoreError::UnsupportedFormat`] either way.
    pub create: bool,
}

impl Default for RedbOptions {
    fn default() -> Self {
        RedbOptions {
            durability: Durability::default(),
            limits: Limits::default(),
            clock: Box::new(SystemClock),
            cache_bytes: 256 << 20,
            create: true,
        }
    }
}

struct Writer {
    /// The last position committed and the log digest at it.
    log: LogHead,
    /// Recently written stream tips, so appends rarely read the head table.
    tips: HashMap<StreamId, StreamTip>,
}

/// An append waiting for a group commit, and where its outcome goes.
struct Request {
    stream: StreamId,
    expected: ExpectedVersion,
    events: Vec<NewEvent>,
    done: Arc<Done>,
}

#[derive(Default)]
struct Done {
    outcome: Mutex<Option<Result<AppendOutcome, StoreError>>>,
}

impl Done {
    fn set(&self, outcome: Result<AppendOutcome, StoreError>) {
        if let Ok(mut slot) = self.outcome.lock() {
            *slot = Some(outcome);
        }
    }

    fn take(&self) -> Option<Result<AppendOutcome, StoreError>> {
        self.outcome.lock().ok().and_then(|mut o| o.take())
    }
}

/// The database, closed inside a panic guard: redb writes its allocator state when a
/// database is dropped and panics there on some damaged files.
struct Db {
    inner: Option<Database>,
}

impl Db {
    fn get(&self) -> Result<&Database, StoreError> {
        self.inner
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("the redb store is closed".into()))
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(db) = self.inner.take() {
            // a damaged file can make redb panic while closing: never out of here
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(db)));
        }
    }
}

/// The embedded event store on redb.
pub struct RedbStore {
    path: PathBuf,
    db: Arc<Db>,
    vault: Vault<RedbKeys>,
    writer: Mutex<Writer>,
    queue: Mutex<Vec<Request>>,
    /// Woken when a group commit ends: its appends have their outcomes, and the writer is
    /// free for the next leader.
    turn: (Mutex<()>, Condvar),
    /// What readers of the global log may see, and who waits for it.
    published: Published,
    /// Mirrors the [`meta::IMPORTING`] record: appends are refused while it is set.
    import: ImportMarker,
    durability: Durability,
    limits: Limits,
    clock: Box<dyn Clock>,
}

/// An error of redb as the store's: damage says what to do about it.
fn db_err(e: impl Into<redb::Error>) -> StoreError {
    match e.into() {
        redb::Error::Corrupted(what) => damaged(&what),
        redb::Error::DatabaseAlreadyOpen => {
            StoreError::Locked("the redb file is open in another process".into())
        }
        other => StoreError::Io(format!("redb: {other}")),
    }
}

fn damaged(what: &str) -> StoreError {
    StoreError::corruption(
        StreamId::all(),
        0,
        format!(
            "redb reports its file damaged ({what}): the store cannot be read in place; \
             restore it from a backup (`casework restore`) or an export"
        ),
    )
}

/// Runs `f`, turning a panic inside redb (on a damaged file) into a typed error, so that
/// a damaged store never aborts the embedding application.
fn guarded<T>(f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_owned());
        Err(damaged(&format!("redb panicked: {what}")))
    })
}

fn stream_key(stream: &StreamId, version: Version) -> Vec<u8> {
    let s = stream.as_str().as_bytes();
    let mut k = Vec::with_capacity(s.len() + 9);
    k.extend_from_slice(s);
    k.push(0);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn be_u64(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

fn user_meta_key(name: &str) -> String {
    format!("x/{name}")
}

fn parse_tip(stream: &StreamId, v: &[u8]) -> Result<StreamTip, StoreError> {
    if v.len() != 40 {
        return Err(StoreError::corruption(
            stream.clone(),
            0,
            "stream head record damaged",
        ));
    }
    let mut h = [0u8; 32];
    h.copy_from_slice(&v[8..]);
    Ok((be_u64(&v[..8]).unwrap_or(0), Hash(h)))
}

/// Writes `events` (sealed, consecutive positions) as chunks with their index entries and
/// returns the new tips of the streams written.
fn write_events(
    txn: &WriteTransaction,
    events: &[RecordedEvent],
    tips: &mut HashMap<StreamId, StreamTip>,
) -> Result<(), StoreError> {
    let mut chunks = txn.open_table(EVENTS).map_err(db_err)?;
    let mut index = txn.open_table(INDEX).map_err(db_err)?;
    for chunk in record::chunks(events) {
        let (Some(first), Some(last)) = (chunk.first(), chunk.last()) else {
            continue;
        };
        let bytes = record::encode_chunk(chunk);
        chunks
            .insert(first.position, bytes.as_slice())
            .map_err(db_err)?;
        index
            .insert(
                stream_key(&first.stream, first.version).as_slice(),
                first.position,
            )
            .map_err(db_err)?;
        tips.insert(last.stream.clone(), (last.version, last.hash));
    }
    Ok(())
}

/// Writes the heads of `tips` and the log head.
fn write_heads(
    txn: &WriteTransaction,
    tips: &HashMap<StreamId, StreamTip>,
    log: &LogHead,
) -> Result<(), StoreError> {
    let mut heads = txn.open_table(HEADS).map_err(db_err)?;
    for (stream, (version, hash)) in tips {
        let mut v = Vec::with_capacity(40);
        v.extend_from_slice(&version.to_be_bytes());
        v.extend_from_slice(&hash.0);
        heads
            .insert(stream.as_str(), v.as_slice())
            .map_err(db_err)?;
    }
    let mut m = txn.open_table(META).map_err(db_err)?;
    m.insert("head", &log.to_bytes()[..]).map_err(db_err)?;
    Ok(())
}

impl RedbStore {
    /// Opens (or creates) a store in directory `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(path, RedbOptions::default())
    }

    /// Opens (or creates) a store with options.
    ///
    /// Errors: [`StoreError::Locked`] when another process has it open,
    /// [`StoreError::UnsupportedFormat`] for a directory or file that is not a casework
    /// redb store, [`StoreError::Corruption`] when redb finds its file damaged (it says to
    /// restore) or the global head and the log disagree.
    pub fn open_with(path: impl AsRef<Path>, options: RedbOptions) -> Result<Self, StoreError> {
        let started = Instant::now();
        let path = path.as_ref().to_path_buf();
        match Self::check_exists(&path) {
            Err(StoreError::Missing(_)) if options.create => {
                casework_store::internals::private::create_store_dir(&path)?;
            }
            other => other?,
        }
        let file = path.join(DB_FILE);
        if !file.is_file() {
            // an empty directory, or one where the creation of a store was cut short
            if !options.create {
                return Err(StoreError::Missing(format!(
                    "{} (its creation did not finish)",
                    path.display()
                )));
            }
            Self::create_file(&path, &file)?;
        }
        // another process that holds the store may be about to finish (a short command):
        // wait up to a second for it before reporting the store as locked
        let deadline = Instant::now() + Duration::from_secs(1);
        let db = loop {
            match Self::open_file(&path, &file, options.cache_bytes) {
                Err(StoreError::Locked(_)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => break other?,
            }
        };
        let db = Arc::new(Db { inner: Some(db) });
        let (head, importing) = guarded(|| Self::init(db.get()?, &path))?;
        let import = ImportMarker::new(importing, path.display().to_string());
        let vault = Vault::open(
            &path,
            RedbKeys {
                db: Arc::clone(&db),
                durable: options.durability != Durability::None,
            },
            options.durability != Durability::None,
        )?;
        tracing::info!(
            path = %path.display(),
            position = head.position,
            importing,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "redb store opened"
        );
        Ok(RedbStore {
            path,
            db,
            vault,
            writer: Mutex::new(Writer {
                log: head,
                tips: HashMap::new(),
            }),
            queue: Mutex::new(Vec::new()),
            turn: (Mutex::new(()), Condvar::new()),
            published: Published::new(head.position),
            import,
            durability: options.durability,
            limits: options.limits,
            clock: options.clock,
        })
    }

    /// Makes a new database with its tables and records under [`NEW_FILE`], then renames
    /// it to `file` and syncs the directory: the store appears whole or not at all.
    fn create_file(path: &Path, file: &Path) -> Result<(), StoreError> {
        let fresh = path.join(NEW_FILE);
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", fresh.display()));
        // a leftover of an earlier creation that was cut short holds nothing
        match std::fs::remove_file(&fresh) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
            Err(_) => {}
            Ok(()) => tracing::info!(
                file = %fresh.display(),
                "removed the leftover of a store creation that was cut short"
            ),
        }
        guarded(|| {
            let db = Database::builder().create(&fresh).map_err(db_err)?;
            Self::create(&db).map(drop)
        })?;
        // the database holds every client's sealed data: its owner's alone
        std::fs::File::open(&fresh)
            .and_then(|f| casework_store::internals::private::restrict(&f))
            .map_err(io)?;
        std::fs::rename(&fresh, file).map_err(io)?;
        std::fs::File::open(path)
            .and_then(|dir| dir.sync_all())
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        tracing::info!(path = %path.display(), "redb store created");
        Ok(())
    }

    /// Opens (or creates) the database file, turning redb's errors into the store's.
    fn open_file(path: &Path, file: &Path, cache_bytes: usize) -> Result<Database, StoreError> {
        guarded(|| {
            let mut builder = Database::builder();
            builder.set_cache_size(cache_bytes);
            // redb repairs its file when it was not closed cleanly (a crash): say so
            let shown = file.display().to_string();
            let told = std::sync::atomic::AtomicBool::new(false);
            builder.set_repair_callback(move |session| {
                if !told.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        file = shown.as_str(),
                        "redb is repairing the store file: it was not closed cleanly"
                    );
                }
                tracing::debug!(
                    file = shown.as_str(),
                    progress = session.progress(),
                    "redb repair"
                );
            });
            let existed = file.is_file();
            builder.create(file).map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => {
                    StoreError::Locked(path.display().to_string())
                }
                // the store's own file that redb cannot read as a database is damaged
                // (a flipped byte in its header reads as "not a redb database")
                redb::DatabaseError::Storage(redb::StorageError::Io(io))
                    if existed && io.kind() == std::io::ErrorKind::InvalidData =>
                {
                    damaged(&format!("{}: {io}", file.display()))
                }
                other => db_err(other),
            })
        })
    }

    /// Checks the format record and the log head of an existing store (in a read
    /// transaction: opening never writes to a store that exists), or creates the tables
    /// and records of a new one; returns the log head and whether an import is pending.
    fn init(db: &Database, path: &Path) -> Result<(LogHead, bool), StoreError> {
        let txn = db.begin_read().map_err(db_err)?;
        let tables: Vec<String> = txn
            .list_tables()
            .map_err(db_err)?
            .map(|t| t.name().to_owned())
            .collect();
        if tables.is_empty() {
            drop(txn);
            return Self::create(db).map(|head| (head, false));
        }
        let foreign = || {
            StoreError::UnsupportedFormat(format!(
                "{} is a redb database but not a casework store (it has the tables {})",
                path.display(),
                tables.join(", ")
            ))
        };
        if !tables.iter().any(|t| t == META.name()) {
            return Err(foreign());
        }
        let m = txn.open_table(META).map_err(db_err)?;
        let format = m
            .get("format")
            .map_err(db_err)?
            .map(|v| v.value().to_vec())
            .ok_or_else(foreign)?;
        if format != STORE_FORMAT {
            return Err(StoreError::UnsupportedFormat(format!(
                "{} has format {:?}, this code reads {:?}",
                path.display(),
                String::from_utf8_lossy(&format),
                String::from_utf8_lossy(STORE_FORMAT)
            )));
        }
        let head = m
            .get("head")
            .map_err(db_err)?
            .and_then(|v| LogHead::from_bytes(v.value()))
            .ok_or_else(|| {
                StoreError::corruption(StreamId::all(), 0, "global head record missing or damaged")
            })?;
        let importing = m
            .get(user_meta_key(meta::IMPORTING).as_str())
            .map_err(db_err)?
            .is_some();
        let events = txn.open_table(EVENTS).map_err(db_err)?;
        // a damaged chunk frame is left for reads and verify to report, so that such a
        // store can still be opened and exported
        let last = events.last().map_err(db_err)?.map_or(0, |(k, v)| {
            record::chunk_ranges(v.value())
                .map_or(head.position, |r| k.value() + (r.len() as u64).max(1) - 1)
        });
        if last != head.position {
            return Err(StoreError::corruption(
                StreamId::all(),
                head.position,
                format!("global head says {}, the log ends at {last}", head.position),
            ));
        }
        Ok((head, importing))
    }

    /// Creates every table (so that readers can open them) and the format, head and
    /// store-id records of a new store, in one transaction.
    fn create(db: &Database) -> Result<LogHead, StoreError> {
        let txn = db.begin_write().map_err(db_err)?;
        {
            let mut m = txn.open_table(META).map_err(db_err)?;
            m.insert("format", STORE_FORMAT).map_err(db_err)?;
            m.insert("head", &LogHead::EMPTY.to_bytes()[..])
                .map_err(db_err)?;
            m.insert(
                user_meta_key(meta::STORE_ID).as_str(),
                &uuid::Uuid::now_v7().as_bytes()[..],
            )
            .map_err(db_err)?;
        }
        txn.open_table(EVENTS).map_err(db_err)?;
        txn.open_table(INDEX).map_err(db_err)?;
        txn.open_table(HEADS).map_err(db_err)?;
        txn.open_table(KEYS).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        Ok(LogHead::EMPTY)
    }

    /// Refuses a path that holds no casework redb store, before redb would create one.
    fn check_exists(path: &Path) -> Result<(), StoreError> {
        casework_store::internals::check_store_dir(
            path,
            |path| path.join(DB_FILE).is_file() || path.join(NEW_FILE).is_file(),
            "a casework redb store",
        )
    }

    /// The directory of the store.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes the store takes on disk (the database and the key slot file).
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        let size = |name: &str| std::fs::metadata(self.path.join(name)).map_or(0, |m| m.len());
        Ok(size(DB_FILE) + size(casework_store::internals::vault::SLOT_FILE))
    }

    /// Makes every commit so far durable (a durable empty commit after non-durable ones).
    pub fn flush(&self) -> Result<(), StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_write().map_err(db_err)?;
            txn.commit().map_err(db_err)
        })
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>, StoreError> {
        self.writer
            .lock()
            .map_err(|_| StoreError::Unavailable("a writer panicked".into()))
    }

    fn begin(&self) -> Result<WriteTransaction, StoreError> {
        let mut txn = self.db.get()?.begin_write().map_err(db_err)?;
        if self.durability == Durability::None {
            txn.set_durability(redb::Durability::None).map_err(db_err)?;
        }
        Ok(txn)
    }

    fn tip(
        writer: &Writer,
        fresh: &HashMap<StreamId, StreamTip>,
        txn: &WriteTransaction,
        stream: &StreamId,
    ) -> Result<StreamTip, StoreError> {
        if let Some(tip) = fresh.get(stream).or_else(|| writer.tips.get(stream)) {
            return Ok(*tip);
        }
        let heads = txn.open_table(HEADS).map_err(db_err)?;
        let tip = heads
            .get(stream.as_str())
            .map_err(db_err)?
            .map(|v| parse_tip(stream, v.value()))
            .transpose()?;
        Ok(tip.unwrap_or((0, Hash::ZERO)))
    }

    /// Decides, seals and writes the appends of `batch` in one write transaction and
    /// commits it once; each request gets its outcome (a conflict fails only its own).
    fn commit_batch(&self, writer: &mut Writer, mut batch: Vec<Request>) {
        let mut outcomes: Vec<Result<AppendOutcome, StoreError>> = Vec::new();
        let result = guarded(|| {
            let txn = self.begin()?;
            let mut log = writer.log;
            let mut fresh: HashMap<StreamId, StreamTip> = HashMap::new();
            let recorded_at = self.clock.now();
            for req in &mut batch {
                let (version, prev) = Self::tip(writer, &fresh, &txn, &req.stream)?;
                let actual = (version > 0).then_some(version);
                if !req.expected.admits(actual) {
                    outcomes.push(Err(StoreError::Conflict {
                        stream: req.stream.clone(),
                        expected: req.expected,
                        actual,
                    }));
                    continue;
                }
                let first_version = version + 1;
                let first_position = log.position + 1;
                let sealed = seal_all(
                    prev,
                    &req.stream,
                    first_version,
                    first_position,
                    recorded_at,
                    std::mem::take(&mut req.events),
                );
                write_events(&txn, &sealed, &mut fresh)?;
                for e in &sealed {
                    log.advance(e);
                }
                let n = sealed.len() as u64;
                outcomes.push(Ok(AppendOutcome {
                    first_version,
                    last_version: first_version + n - 1,
                    first_position,
                    last_position: first_position + n - 1,
                }));
            }
            write_heads(&txn, &fresh, &log)?;
            txn.commit().map_err(db_err)?;
            Ok((log, fresh))
        });
        match result {
            Ok((log, fresh)) => {
                writer.log = log;
                if writer.tips.len() > 100_000 {
                    writer.tips.clear();
                }
                writer.tips.extend(fresh);
                self.published.publish(log.position);
                for (req, outcome) in batch.iter().zip(outcomes) {
                    req.done.set(outcome);
                }
            }
            Err(e) => {
                for req in &batch {
                    req.done.set(Err(e.clone()));
                }
            }
        }
    }

    /// Group commit: queue the append, then either lead (take the queue into one commit,
    /// again until it is empty) or wait for a leader to commit it.
    fn append_grouped(&self, request: Request) -> Result<AppendOutcome, StoreError> {
        let done = Arc::clone(&request.done);
        fn poisoned<T>(_: T) -> StoreError {
            StoreError::Unavailable("a group commit lock is poisoned".into())
        }
        self.queue.lock().map_err(poisoned)?.push(request);
        let (lock, cv) = &self.turn;
        loop {
            if let Some(outcome) = done.take() {
                return outcome;
            }
            if let Ok(mut writer) = self.writer.try_lock() {
                loop {
                    let batch = std::mem::take(&mut *self.queue.lock().map_err(poisoned)?);
                    if batch.is_empty() {
                        break;
                    }
                    self.commit_batch(&mut writer, batch);
                    drop(lock.lock());
                    cv.notify_all();
                }
                drop(writer);
                // an append queued after the last look waits for the next turn: wake it
                drop(lock.lock());
                cv.notify_all();
                continue;
            }
            let guard = lock.lock().map_err(poisoned)?;
            if done.outcome.lock().map_err(poisoned)?.is_none() {
                // the timeout only bounds a wake-up lost between the look and the wait
                let _ = cv.wait_timeout(guard, Duration::from_millis(1));
            }
        }
    }
}

impl RedbStore {
    /// The body of [`EventStore::append`], which reports it ([`casework_store::internals::observe`]).
    fn append_untraced(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        self.limits.check(&events)?;
        self.import.check_append()?;
        let request = Request {
            stream: stream.clone(),
            expected,
            events,
            done: Arc::new(Done::default()),
        };
        if self.durability == Durability::GroupCommit {
            return self.append_grouped(request);
        }
        let done = Arc::clone(&request.done);
        let mut writer = self.lock_writer()?;
        self.commit_batch(&mut writer, vec![request]);
        drop(writer);
        let outcome = done
            .outcome
            .lock()
            .map_err(|_| StoreError::Unavailable("append outcome poisoned".into()))?
            .take();
        outcome.unwrap_or_else(|| Err(StoreError::Unavailable("append lost its outcome".into())))
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
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let index = txn.open_table(INDEX).map_err(db_err)?;
            let chunks = txn.open_table(EVENTS).map_err(db_err)?;
            let (lo, at) = (stream_key(stream, 1), stream_key(stream, from));
            // the chunk holding `from` starts at the last index entry at or before it (a
            // stream's first chunk starts at version 1: a whole-stream read needs no seek)
            let start = if from == 1 {
                at
            } else {
                index
                    .range(lo.as_slice()..=at.as_slice())
                    .map_err(db_err)?
                    .next_back()
                    .transpose()
                    .map_err(db_err)?
                    .map_or(at.clone(), |(k, _)| k.value().to_vec())
            };
            let end = stream_key(stream, u64::MAX);
            for item in index
                .range(start.as_slice()..=end.as_slice())
                .map_err(db_err)?
            {
                let (k, v) = item.map_err(db_err)?;
                let key = k.value();
                let version = be_u64(&key[key.len() - 8..]).unwrap_or(0);
                let position = v.value();
                let bytes = chunks.get(position).map_err(db_err)?.ok_or_else(|| {
                    StoreError::corruption(
                        stream.clone(),
                        version,
                        format!("indexed chunk at position {position} is missing"),
                    )
                })?;
                let skip = from.saturating_sub(version);
                let take = (limit - out.len()) as u64;
                let start = position.saturating_add(skip);
                let wanted = start..=start.saturating_add(take - 1);
                record::chunk_events(
                    position,
                    bytes.value(),
                    wanted,
                    Some((stream, version)),
                    &mut out,
                )?;
                if out.len() >= limit {
                    break;
                }
            }
            Ok(())
        })?;
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
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let chunks = txn.open_table(EVENTS).map_err(db_err)?;
            let start = chunks
                .range(1..=from)
                .map_err(db_err)?
                .next_back()
                .transpose()
                .map_err(db_err)?
                .map_or(from, |(k, _)| k.value());
            let mut expected = start;
            for item in chunks.range(start..=to).map_err(db_err)? {
                let (k, v) = item.map_err(db_err)?;
                let position = k.value();
                if position != expected {
                    return Err(StoreError::corruption(
                        StreamId::all(),
                        expected,
                        format!("global log has position {position} where {expected} belongs"),
                    ));
                }
                expected = position
                    + record::chunk_events(position, v.value(), from..=to, None, &mut out)?;
            }
            if expected <= to {
                return Err(StoreError::corruption(
                    StreamId::all(),
                    expected,
                    "global log ends early",
                ));
            }
            Ok(())
        })?;
        Ok(out)
    }
}

impl EventStore for RedbStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let traced =
            casework_store::internals::observe::AppendTrace::start("redb", expected, events.len());
        traced.finish(stream, self.append_untraced(stream, expected, events))
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn flush(&self) -> Result<(), StoreError> {
        RedbStore::flush(self)
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("redb");
        traced.stream(stream, from, self.read_stream_untraced(stream, from, limit))
    }

    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("redb");
        traced.log(from, self.read_all_untraced(from, limit))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError> {
        let writer = self.lock_writer()?;
        if let Some((v, _)) = writer.tips.get(stream) {
            return Ok((*v > 0).then_some(*v));
        }
        drop(writer);
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let heads = txn.open_table(HEADS).map_err(db_err)?;
            let tip = heads
                .get(stream.as_str())
                .map_err(db_err)?
                .map(|v| parse_tip(stream, v.value()))
                .transpose()?;
            Ok(tip.map(|(v, _)| v).filter(|v| *v > 0))
        })
    }

    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let heads = txn.open_table(HEADS).map_err(db_err)?;
            heads
                .iter()
                .map_err(db_err)?
                .map(|item| {
                    let (k, _) = item.map_err(db_err)?;
                    StreamId::new(k.value())
                })
                .collect()
        })
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

/// The key area's index in the redb table `keys`.
struct RedbKeys {
    db: Arc<Db>,
    durable: bool,
}

impl KeyIndex for RedbKeys {
    fn get(&self, stream: &str) -> Result<Option<Vec<u8>>, StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let keys = txn.open_table(KEYS).map_err(db_err)?;
            Ok(keys
                .get(stream)
                .map_err(db_err)?
                .map(|v| v.value().to_vec()))
        })
    }

    fn insert(&self, stream: &str, entry: Vec<u8>) -> Result<(), StoreError> {
        guarded(|| {
            let mut txn = self.db.get()?.begin_write().map_err(db_err)?;
            if !self.durable {
                txn.set_durability(redb::Durability::None).map_err(db_err)?;
            }
            {
                let mut keys = txn.open_table(KEYS).map_err(db_err)?;
                keys.insert(stream, entry.as_slice()).map_err(db_err)?;
            }
            txn.commit().map_err(db_err)
        })
    }

    fn entries(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let keys = txn.open_table(KEYS).map_err(db_err)?;
            keys.iter()
                .map_err(db_err)?
                .map(|item| {
                    let (k, v) = item.map_err(db_err)?;
                    Ok((k.value().to_owned(), v.value().to_vec()))
                })
                .collect()
        })
    }
}

impl KeyArea for RedbStore {
    fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        self.vault.get(stream)
    }
    fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        self.vault.all()
    }
    /// The key's slot is written and synced, then its index entry committed, before the
    /// append that uses it.
    fn create_data_key(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError> {
        self.vault.create(stream, key)
    }
    /// The tombstone is committed durably whatever the policy, then the key's slot is
    /// overwritten with zeros and synced, all before it returns.
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.vault.destroy(stream, at, || self.flush())
    }
}

impl StoreAdmin for RedbStore {
    fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut writer = self.lock_writer()?;
        let w = &mut *writer;
        let (log, fresh) = guarded(|| {
            let txn = self.begin()?;
            let mut head = w.log.position;
            let mut seen = HashMap::new();
            {
                let none = HashMap::new();
                let mut last = |s: &StreamId| Self::tip(w, &none, &txn, s);
                check_restore(&mut head, &mut last, &mut seen, &events)?;
            }
            let mut fresh = HashMap::new();
            write_events(&txn, &events, &mut fresh)?;
            let mut log = w.log;
            for e in &events {
                log.advance(e);
            }
            write_heads(&txn, &fresh, &log)?;
            txn.commit().map_err(db_err)?;
            Ok((log, fresh))
        })?;
        w.log = log;
        w.tips.extend(fresh);
        self.published.publish(log.position);
        Ok(())
    }

    fn log_head(&self) -> Result<LogHead, StoreError> {
        Ok(self.lock_writer()?.log)
    }

    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_read().map_err(db_err)?;
            let m = txn.open_table(META).map_err(db_err)?;
            Ok(m.get(user_meta_key(name).as_str())
                .map_err(db_err)?
                .map(|v| v.value().to_vec()))
        })
    }

    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        guarded(|| {
            let txn = self.db.get()?.begin_write().map_err(db_err)?;
            {
                let mut m = txn.open_table(META).map_err(db_err)?;
                let key = user_meta_key(name);
                match value {
                    Some(v) => m.insert(key.as_str(), v).map(|_| ()),
                    None => m.remove(key.as_str()).map(|_| ()),
                }
                .map_err(db_err)?;
            }
            txn.commit().map_err(db_err)
        })?;
        self.import.note_set(name, value);
        Ok(())
    }
}
