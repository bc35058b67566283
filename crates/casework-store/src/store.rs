//! The `EventStore` contract every backend implements.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::checkpoint::LogHead;
use crate::crypto::{DataKey, KeyState};
use crate::error::StoreError;
use crate::hash::{verify_chain, ChainBreak};
use crate::types::{
    AppendOutcome, ExpectedVersion, GlobalPosition, NewEvent, RecordedEvent, StreamId, Version,
};

/// An append-only store of event streams with a global log.
///
/// The contract (checked for every backend by the conformance suite):
///
/// - `append` is atomic: all events or none, contiguous versions, contiguous global
///   positions. A failed expectation is [`StoreError::Conflict`] and writes nothing.
/// - Versions of a stream are 1, 2, 3, …; positions of the global log are 1, 2, 3, …
///   without gaps and strictly increasing in the order readers see them. A reader that
///   remembers the last position it processed never misses or duplicates an event.
/// - Reads return at most `limit` events, in order.
/// - Every event carries the per-stream hash chain ([`crate::hash`]).
///
/// This is what every user of a store needs; the key area ([`KeyArea`]) and what restore,
/// import, backup and checkpoint tools need ([`StoreAdmin`]) are traits of their own, and
/// [`Store`] is all three. The traits are object safe, so `Box<dyn Store>` works for
/// choosing a backend at run time.
pub trait EventStore: Send + Sync {
    /// Appends `events` to `stream` if its current version satisfies `expected`.
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError>;

    /// Reads events of `stream` with version ≥ `from`, at most `limit`. A stream that does
    /// not exist reads as empty.
    fn read_stream(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads the global log from position `from` (inclusive), at most `limit` events.
    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The stream's last version, `None` if it does not exist.
    fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError>;

    /// All stream ids, sorted.
    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError>;

    /// The position of the last event readers can see (0: empty store).
    fn head_position(&self) -> Result<GlobalPosition, StoreError>;

    /// Blocks until an event past `after` is visible or `timeout` passes; returns the head
    /// position then. Subscriptions use it to wake up; they always read from the log.
    fn wait_for_events(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError>;

    /// The store's clock: what it records as recorded-at. Audit checks compare effective
    /// times with it.
    fn now(&self) -> DateTime<Utc>;

    /// Makes everything written so far durable (after bulk writes under a policy that does
    /// not flush every append). Stores that are durable at every append do nothing.
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Visits every event of a stream in version order, stopping at the first error `f`
    /// returns. The default reads the stream ([`EventStore::read_stream_all`]); a store
    /// that holds its events in memory lends them without a copy (`MemoryStore` calls `f`
    /// under its lock, so `f` must not call the store). The repository loads cases this
    /// way.
    fn visit_stream(
        &self,
        stream: &StreamId,
        f: &mut dyn FnMut(&RecordedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        for e in &self.read_stream_all(stream)? {
            f(e)?;
        }
        Ok(())
    }

    /// Reads a whole stream (in pages).
    fn read_stream_all(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        let mut out = Vec::new();
        loop {
            let from = out.len() as u64 + 1;
            let page = self.read_stream(stream, from, 4096)?;
            let done = page.len() < 4096;
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }

    /// Recomputes the hash chain of one stream; `Ok(Err(..))` names the first broken link.
    /// Every break found is also reported as a WARN event `verification finding`.
    fn verify_stream(&self, stream: &StreamId) -> Result<Result<(), ChainBreak>, StoreError> {
        let events = match self.read_stream_all(stream) {
            Ok(events) => events,
            Err(StoreError::Corruption {
                stream,
                version,
                detail,
            }) => {
                return Ok(Err(reported(ChainBreak {
                    stream,
                    version,
                    detail,
                })))
            }
            Err(e) => return Err(e),
        };
        Ok(verify_chain(stream, &events).map(|_| ()).map_err(reported))
    }

    /// Verifies every stream's chain and that the global log is gapless and in order.
    /// Returns the broken links found (empty: all verified); each is also reported as a
    /// WARN event `verification finding`, and the whole as an INFO event `verified`.
    fn verify_all(&self) -> Result<Vec<ChainBreak>, StoreError> {
        let started = std::time::Instant::now();
        let mut breaks = Vec::new();
        let streams = self.list_streams()?;
        for stream in &streams {
            if let Err(b) = self.verify_stream(stream)? {
                breaks.push(b);
            }
        }
        verify_log(self, &mut breaks)?;
        tracing::info!(
            streams = streams.len(),
            findings = breaks.len(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "verified"
        );
        Ok(breaks)
    }
}

/// The global log's part of [`EventStore::verify_all`]: gapless and in order; adds
/// what it finds to `breaks`.
fn verify_log<S: EventStore + ?Sized>(
    store: &S,
    breaks: &mut Vec<ChainBreak>,
) -> Result<(), StoreError> {
    for (expected, e) in (1..).zip(log_events(store, 1)) {
        let e = match e {
            Ok(e) => e,
            Err(StoreError::Corruption {
                stream,
                version,
                detail,
            }) => {
                breaks.push(reported(ChainBreak {
                    stream,
                    version,
                    detail,
                }));
                break;
            }
            Err(e) => return Err(e),
        };
        if e.position != expected {
            breaks.push(reported(ChainBreak {
                stream: StreamId::all(),
                version: expected,
                detail: format!(
                    "global log has position {} where {expected} belongs",
                    e.position
                ),
            }));
            return Ok(());
        }
    }
    Ok(())
}

/// Reports a finding of a verification (WARN) and returns it.
fn reported(b: ChainBreak) -> ChainBreak {
    tracing::warn!(
        stream = b.stream.as_str(),
        version = b.version,
        detail = b.detail.as_str(),
        "verification finding"
    );
    b
}

/// The key area of a store: one data key per stream that holds sealed personal data, and
/// the tombstones of destroyed ones (crypto-shredding, ADR 0005). Separate from
/// [`EventStore`], which is what every user of a store needs.
pub trait KeyArea: EventStore {
    /// The stream's entry in the key area ([`crate::crypto`]): its data key, the tombstone
    /// of a destroyed key, or `None`.
    fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError>;

    /// Stores `key` as the stream's data key unless the stream has an entry already, and
    /// returns the entry that holds afterwards (the existing one wins, so concurrent
    /// writers agree on one key; a destroyed key is never replaced). Durable no later than
    /// the first append that uses it.
    fn create_data_key(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError>;

    /// Destroys the stream's data key, leaving a tombstone with the time, and makes that
    /// durable before returning: the stream's sealed personal data can never be read again.
    /// Destroying a missing or destroyed key records the tombstone all the same.
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Every entry of the key area, sorted by stream (exports and backups). The default
    /// asks [`KeyArea::data_key`] for every stream; backends read it in one pass.
    fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        let mut out = Vec::new();
        for stream in self.list_streams()? {
            if let Some(state) = self.data_key(&stream)? {
                out.push((stream, state));
            }
        }
        Ok(out)
    }

    /// The stream's active data key, made if it has none ([`KeyArea::create_data_key`]);
    /// [`StoreError::KeyDestroyed`] once it was destroyed.
    fn data_key_for_writing(&self, stream: &StreamId) -> Result<DataKey, StoreError> {
        let state = match self.data_key(stream)? {
            Some(state) => state,
            None => self.create_data_key(stream, DataKey::generate(1))?,
        };
        state.active(stream).cloned()
    }
}

/// What restore, import, backup and checkpoint tools need of a store beyond
/// [`EventStore`]: the log digest, the store's own values, and writing events that were
/// sealed elsewhere.
pub trait StoreAdmin: EventStore {
    /// The head of the global log that readers see and the running log digest at it
    /// ([`crate::checkpoint`]), maintained at append time. Durable: a checkpoint of it
    /// never covers an event a crash can lose.
    fn log_head(&self) -> Result<LogHead, StoreError>;

    /// A small value the store keeps about itself under `name` ([`meta`] lists the names
    /// casework uses): its id, the newest checkpoint, the import marker.
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Sets (`Some`) or removes (`None`) a value of [`StoreAdmin::meta`], durably before
    /// it returns. Setting [`meta::IMPORTING`] makes `append` refuse with
    /// [`StoreError::ImportIncomplete`] until it is removed.
    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError>;

    /// Appends events that were sealed elsewhere (an import), keeping their positions,
    /// versions, timestamps and hashes. Atomic: all or none. Each event must continue the
    /// global log (`position == head + 1`) and its stream (`version == last + 1`), and its
    /// hash must chain to the stream's last hash; otherwise nothing is written and the
    /// error names the offending event (`Corruption`).
    fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError>;

    /// The store's id, made when the store was created.
    fn store_id(&self) -> Result<uuid::Uuid, StoreError> {
        let bytes = self
            .meta(meta::STORE_ID)?
            .ok_or_else(|| StoreError::Corruption {
                stream: StreamId::all(),
                version: 0,
                detail: "the store has no id".into(),
            })?;
        uuid::Uuid::from_slice(&bytes).map_err(|_| StoreError::Corruption {
            stream: StreamId::all(),
            version: 0,
            detail: "the store id is damaged".into(),
        })
    }

    /// Whether an import into this store began and did not finish: such a store refuses
    /// appends, and `verify` reports it as incomplete.
    fn import_pending(&self) -> Result<bool, StoreError> {
        Ok(self.meta(meta::IMPORTING)?.is_some())
    }
}

/// A whole store: the events ([`EventStore`]), the key area ([`KeyArea`]) and what tools
/// need ([`StoreAdmin`]). Every backend is one; code that seals personal data, imports,
/// backs up or checkpoints asks for it. Object safe: `&dyn Store` works.
pub trait Store: KeyArea + StoreAdmin {}

impl<T: KeyArea + StoreAdmin + ?Sized> Store for T {}

/// The events of the global log from position `from` to the head, read in pages of
/// [`LogEvents::PAGE`] as it goes: the one way to walk the log (replays, exports,
/// statistics, verification). A read error is yielded once, then the iteration ends.
///
/// ```
/// use casework_store::{log_events, EventStore, ExpectedVersion, MemoryStore, NewEvent, StreamId};
/// let store = MemoryStore::new();
/// let s = StreamId::new("s").unwrap();
/// for n in 0..3 {
///     let event = NewEvent::new("Counted", 1, chrono::DateTime::UNIX_EPOCH, format!("{n}").into_bytes());
///     store.append(&s, ExpectedVersion::Any, vec![event]).unwrap();
/// }
/// let positions: Vec<u64> = log_events(&store, 2).map(|e| e.unwrap().position).collect();
/// assert_eq!(positions, vec![2, 3]);
/// ```
pub fn log_events<S: EventStore + ?Sized>(store: &S, from: GlobalPosition) -> LogEvents<'_, S> {
    LogEvents {
        store,
        next: from.max(1),
        page: Vec::new().into_iter(),
        done: false,
    }
}

/// The iterator of [`log_events`].
pub struct LogEvents<'s, S: ?Sized> {
    store: &'s S,
    next: GlobalPosition,
    page: std::vec::IntoIter<RecordedEvent>,
    done: bool,
}

impl<S: ?Sized> LogEvents<'_, S> {
    /// Events read per page.
    pub const PAGE: usize = 4096;
}

impl<S: EventStore + ?Sized> Iterator for LogEvents<'_, S> {
    type Item = Result<RecordedEvent, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.page.next() {
            return Some(Ok(e));
        }
        if self.done {
            return None;
        }
        match self.store.read_all(self.next, Self::PAGE) {
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
            Ok(page) => {
                self.done = page.len() < Self::PAGE;
                self.next = page.last().map_or(self.next, |e| e.position + 1);
                self.page = page.into_iter();
                self.page.next().map(Ok)
            }
        }
    }
}

/// The names of the values a store keeps about itself ([`StoreAdmin::meta`]).
pub mod meta {
    /// The store's id: 16 bytes of a UUID, made when the store is created.
    pub const STORE_ID: &str = "store-id";
    /// The newest checkpoint taken of or imported into the store (JSON).
    pub const CHECKPOINT: &str = "checkpoint";
    /// Present while an import or restore into the store has not finished (its text says
    /// which).
    pub const IMPORTING: &str = "importing";
}

/// Forwards every method of the three store traits, the defaulted ones included (so that a
/// backend's own `visit_stream`, `verify_all` or `key_area` is kept), from a wrapper to the
/// store it holds.
macro_rules! forward_store {
    ($($wrapper:ty),*) => {$(
        impl<S: EventStore + ?Sized> EventStore for $wrapper {
            fn append(
                &self,
                stream: &StreamId,
                expected: ExpectedVersion,
                events: Vec<NewEvent>,
            ) -> Result<AppendOutcome, StoreError> {
                (**self).append(stream, expected, events)
            }
            fn read_stream(
                &self,
                stream: &StreamId,
                from: Version,
                limit: usize,
            ) -> Result<Vec<RecordedEvent>, StoreError> {
                (**self).read_stream(stream, from, limit)
            }
            fn read_all(
                &self,
                from: GlobalPosition,
                limit: usize,
            ) -> Result<Vec<RecordedEvent>, StoreError> {
                (**self).read_all(from, limit)
            }
            fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError> {
                (**self).stream_version(stream)
            }
            fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
                (**self).list_streams()
            }
            fn head_position(&self) -> Result<GlobalPosition, StoreError> {
                (**self).head_position()
            }
            fn wait_for_events(
                &self,
                after: GlobalPosition,
                timeout: Duration,
            ) -> Result<GlobalPosition, StoreError> {
                (**self).wait_for_events(after, timeout)
            }
            fn now(&self) -> DateTime<Utc> {
                (**self).now()
            }
            fn flush(&self) -> Result<(), StoreError> {
                (**self).flush()
            }
            fn visit_stream(
                &self,
                stream: &StreamId,
                f: &mut dyn FnMut(&RecordedEvent) -> Result<(), StoreError>,
            ) -> Result<(), StoreError> {
                (**self).visit_stream(stream, f)
            }
            fn read_stream_all(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
                (**self).read_stream_all(stream)
            }
            fn verify_stream(
                &self,
                stream: &StreamId,
            ) -> Result<Result<(), ChainBreak>, StoreError> {
                (**self).verify_stream(stream)
            }
            fn verify_all(&self) -> Result<Vec<ChainBreak>, StoreError> {
                (**self).verify_all()
            }
        }

        impl<S: KeyArea + ?Sized> KeyArea for $wrapper {
            fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
                (**self).data_key(stream)
            }
            fn create_data_key(
                &self,
                stream: &StreamId,
                key: DataKey,
            ) -> Result<KeyState, StoreError> {
                (**self).create_data_key(stream, key)
            }
            fn destroy_data_key(
                &self,
                stream: &StreamId,
                at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                (**self).destroy_data_key(stream, at)
            }
            fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
                (**self).key_area()
            }
            fn data_key_for_writing(&self, stream: &StreamId) -> Result<DataKey, StoreError> {
                (**self).data_key_for_writing(stream)
            }
        }

        impl<S: StoreAdmin + ?Sized> StoreAdmin for $wrapper {
            fn log_head(&self) -> Result<LogHead, StoreError> {
                (**self).log_head()
            }
            fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
                (**self).meta(name)
            }
            fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
                (**self).set_meta(name, value)
            }
            fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
                (**self).restore(events)
            }
            fn store_id(&self) -> Result<uuid::Uuid, StoreError> {
                (**self).store_id()
            }
            fn import_pending(&self) -> Result<bool, StoreError> {
                (**self).import_pending()
            }
        }
    )*};
}

// A boxed store is a store: `Box<dyn Store>` chooses the backend at run time and still
// fits everything generic over `S: Store` (e.g. `casework_case::Cases`). So is a borrowed
// one: `Cases::new(&store, policy)` works on a store the caller keeps.
forward_store!(Box<S>, &S);

/// The last version of a stream and its hash (`(0, Hash::ZERO)` for no stream).
pub type StreamTip = (Version, crate::hash::Hash);

/// Checks that `events` continue a store whose global head is `head` and whose streams'
/// last (version, hash) are given by `last`; updates both as it goes. Shared by every
/// backend's `restore`.
pub fn check_restore<'e>(
    head: &mut GlobalPosition,
    last: &mut dyn FnMut(&StreamId) -> Result<StreamTip, StoreError>,
    seen: &mut std::collections::HashMap<StreamId, StreamTip>,
    events: impl IntoIterator<Item = &'e RecordedEvent>,
) -> Result<(), StoreError> {
    for e in events {
        let corrupt = |detail: String| StoreError::Corruption {
            stream: e.stream.clone(),
            version: e.version,
            detail,
        };
        if e.position != *head + 1 {
            return Err(corrupt(format!(
                "position {} does not follow the head {}",
                e.position, head
            )));
        }
        let (version, hash) = match seen.get(&e.stream) {
            Some(v) => *v,
            None => last(&e.stream)?,
        };
        if e.version != version + 1 {
            return Err(corrupt(format!(
                "version {} does not follow {version}",
                e.version
            )));
        }
        if crate::hash::chain_hash(&hash, e) != e.hash {
            return Err(corrupt("hash does not chain to the previous event".into()));
        }
        seen.insert(e.stream.clone(), (e.version, e.hash));
        *head = e.position;
    }
    Ok(())
}

/// Limits every backend enforces before writing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload of one event, in bytes.
    pub max_event_bytes: usize,
    /// Most events in one append.
    pub max_events_per_append: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: 1 << 20,
            max_events_per_append: 1000,
        }
    }
}

impl Limits {
    /// Checks an append against the limits, the empty-append rule and the actor's text
    /// (non-empty, at most 512 bytes, no control characters).
    pub fn check(&self, events: &[NewEvent]) -> Result<(), StoreError> {
        if events.is_empty() {
            return Err(StoreError::EmptyAppend);
        }
        if events.len() > self.max_events_per_append {
            return Err(StoreError::LimitExceeded {
                what: "events in one append",
                max: self.max_events_per_append as u64,
                actual: events.len() as u64,
            });
        }
        // the actor goes into audit tables line by line: no control characters, no empty
        // or endless names (the repository records a checked `user/role@institution`)
        if let Some(actor) = events
            .iter()
            .filter_map(|e| e.metadata.actor.as_deref())
            .find(|a| a.is_empty() || a.len() > 512 || a.chars().any(char::is_control))
        {
            return Err(StoreError::Audit(
                crate::error::AuditError::InvalidActorText(actor.to_owned()),
            ));
        }
        if let Some(big) = events
            .iter()
            .find(|e| e.payload.len() > self.max_event_bytes)
        {
            return Err(StoreError::LimitExceeded {
                what: "event payload bytes",
                max: self.max_event_bytes as u64,
                actual: big.payload.len() as u64,
            });
        }
        Ok(())
    }
}

/// The store's clock for recorded-at. Injectable so tests are deterministic.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that reads what it was last set to: the store's clock in a simulation, where
/// the simulated deployment's time, not the machine's, is when events are recorded.
/// Share it with `Arc` (the store holds one handle, the simulation the other).
#[derive(Debug)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    /// A clock that reads `start` until it is set.
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock {
            micros: AtomicI64::new(start.timestamp_micros()),
        }
    }

    /// Sets the time it reads from now on.
    pub fn set(&self, now: DateTime<Utc>) {
        self.micros.store(now.timestamp_micros(), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.micros.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// A test clock that starts at a given time and advances one millisecond per reading.
#[derive(Debug)]
pub struct SteppingClock {
    next_micros: AtomicI64,
}

impl SteppingClock {
    /// A clock whose first reading is `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        SteppingClock {
            next_micros: AtomicI64::new(start.timestamp_micros()),
        }
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> DateTime<Utc> {
        let micros = self.next_micros.fetch_add(1000, Ordering::Relaxed);
        DateTime::from_timestamp_micros(micros).unwrap_or_default()
    }
}

/// Refuses a directory that holds no embedded store of the kind `holds_store` recognises
/// by its files, before an engine would create one there: a missing directory or an empty
/// one is [`StoreError::Missing`] (the caller may create the store), a file or a directory
/// of other files is [`StoreError::UnsupportedFormat`] (`what` names the store kind).
pub fn check_store_dir(
    path: &std::path::Path,
    holds_store: impl Fn(&std::path::Path) -> bool,
    what: &str,
) -> Result<(), StoreError> {
    let shown = path.display().to_string();
    let mut entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(StoreError::Missing(shown))
        }
        Err(_) if path.is_file() => {
            return Err(StoreError::UnsupportedFormat(format!(
                "{shown} is a file, not a store directory"
            )))
        }
        Err(e) => return Err(StoreError::Io(format!("{shown}: {e}"))),
    };
    if entries.next().is_none() {
        return Err(StoreError::Missing(format!("{shown} (an empty directory)")));
    }
    if !holds_store(path) {
        return Err(StoreError::UnsupportedFormat(format!(
            "{shown} holds other files, not {what}"
        )));
    }
    Ok(())
}
