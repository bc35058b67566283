//! The in-memory reference store: thread-safe, simple, the model other backends are
//! compared against. Nothing is durable.

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::checkpoint::LogHead;
use crate::crypto::{DataKey, KeyState};
use crate::error::StoreError;
use crate::hash::{seal_all, Hash};
use crate::store::{Clock, EventStore, KeyArea, Limits, StoreAdmin, SystemClock};
use crate::types::{
    AppendOutcome, ExpectedVersion, GlobalPosition, NewEvent, RecordedEvent, StreamId, Version,
};

struct Inner {
    /// The global log; the event at index i has position i + 1.
    log: Vec<RecordedEvent>,
    /// Per stream, the log indices of its events in version order.
    streams: BTreeMap<StreamId, Vec<usize>>,
    /// The key area: per stream its data key or the tombstone of one.
    keys: BTreeMap<StreamId, KeyState>,
    /// The head of the log and its running digest.
    head: LogHead,
    /// The store's own values ([`StoreAdmin::meta`]).
    meta: BTreeMap<String, Vec<u8>>,
}

/// The in-memory store.
///
/// ```
/// use casework_store::{EventStore, ExpectedVersion, MemoryStore, NewEvent, StreamId};
/// let store = MemoryStore::new();
/// let stream = StreamId::new("case-1").unwrap();
/// let e = NewEvent::new("Noted", 1, chrono::Utc::now(), b"{}".to_vec());
/// let out = store.append(&stream, ExpectedVersion::NoStream, vec![e]).unwrap();
/// assert_eq!((out.last_version, out.last_position), (1, 1));
/// assert_eq!(store.verify_all().unwrap(), vec![]);
/// ```
pub struct MemoryStore {
    inner: Mutex<Inner>,
    changed: Condvar,
    clock: Box<dyn Clock>,
    limits: Limits,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store on the system clock with default limits.
    pub fn new() -> Self {
        Self::with_clock(Box::new(SystemClock))
    }

    /// An empty store on the given clock.
    pub fn with_clock(clock: Box<dyn Clock>) -> Self {
        let mut meta = BTreeMap::new();
        meta.insert(
            crate::store::meta::STORE_ID.to_owned(),
            uuid::Uuid::now_v7().as_bytes().to_vec(),
        );
        MemoryStore {
            inner: Mutex::new(Inner {
                log: Vec::new(),
                streams: BTreeMap::new(),
                keys: BTreeMap::new(),
                head: LogHead::EMPTY,
                meta,
            }),
            changed: Condvar::new(),
            clock,
            limits: Limits::default(),
        }
    }

    /// The same store with other limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| {
            StoreError::Unavailable("a writer panicked while holding the store".into())
        })
    }
}

impl MemoryStore {
    /// The body of [`EventStore::append`], which reports it ([`crate::internals::observe`]).
    fn append_untraced(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        self.limits.check(&events)?;
        let mut inner = self.lock()?;
        if let Some(what) = inner.meta.get(crate::store::meta::IMPORTING) {
            return Err(StoreError::ImportIncomplete(
                String::from_utf8_lossy(what).into_owned(),
            ));
        }
        let indices = inner.streams.get(stream);
        let actual = indices.map(|i| i.len() as Version);
        if !expected.admits(actual) {
            return Err(StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual,
            });
        }
        let prev = indices
            .and_then(|i| i.last())
            .and_then(|&i| inner.log.get(i))
            .map_or(Hash::ZERO, |e| e.hash);
        let first_version = actual.unwrap_or(0) + 1;
        let first_position = inner.log.len() as GlobalPosition + 1;
        let recorded_at = self.clock.now();
        let count = events.len() as u64;
        let mut new_indices = Vec::with_capacity(events.len());
        let sealed = seal_all(
            prev,
            stream,
            first_version,
            first_position,
            recorded_at,
            events,
        );
        for e in sealed {
            inner.head.advance(&e);
            new_indices.push(inner.log.len());
            inner.log.push(e);
        }
        inner
            .streams
            .entry(stream.clone())
            .or_default()
            .extend(new_indices);
        drop(inner);
        self.changed.notify_all();
        Ok(AppendOutcome {
            first_version,
            last_version: first_version + count - 1,
            first_position,
            last_position: first_position + count - 1,
        })
    }

    /// The body of [`EventStore::read_stream`], which reports it ([`crate::internals::observe`]).
    fn read_stream_untraced(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let inner = self.lock()?;
        let Some(indices) = inner.streams.get(stream) else {
            return Ok(Vec::new());
        };
        let skip = from.saturating_sub(1) as usize;
        let wanted = indices.get(skip..).unwrap_or_default();
        let wanted = &wanted[..wanted.len().min(limit)];
        // one allocation of the exact size; a clone shares the payload and stream name
        let mut out = Vec::with_capacity(wanted.len());
        out.extend(wanted.iter().filter_map(|&i| inner.log.get(i).cloned()));
        Ok(out)
    }

    /// The body of [`EventStore::read_all`], which reports it ([`crate::internals::observe`]).
    fn read_all_untraced(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let inner = self.lock()?;
        let skip = (from.saturating_sub(1) as usize).min(inner.log.len());
        let wanted = &inner.log[skip..];
        Ok(wanted[..wanted.len().min(limit)].to_vec())
    }
}

impl EventStore for MemoryStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let traced =
            crate::internals::observe::AppendTrace::start("memory", expected, events.len());
        traced.finish(stream, self.append_untraced(stream, expected, events))
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = crate::internals::observe::ReadTrace::start("memory");
        traced.stream(stream, from, self.read_stream_untraced(stream, from, limit))
    }

    /// Lends the stored events under the lock: nothing is copied.
    fn visit_stream(
        &self,
        stream: &StreamId,
        f: &mut dyn FnMut(&RecordedEvent) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let inner = self.lock()?;
        for &i in inner.streams.get(stream).into_iter().flatten() {
            if let Some(e) = inner.log.get(i) {
                f(e)?;
            }
        }
        Ok(())
    }

    /// One read under the lock, without the default's pages.
    fn read_stream_all(&self, stream: &StreamId) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_stream(stream, 1, usize::MAX)
    }

    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = crate::internals::observe::ReadTrace::start("memory");
        traced.log(from, self.read_all_untraced(from, limit))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError> {
        Ok(self.lock()?.streams.get(stream).map(|i| i.len() as Version))
    }

    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        Ok(self.lock()?.streams.keys().cloned().collect())
    }

    fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        Ok(self.lock()?.log.len() as GlobalPosition)
    }

    fn wait_for_events(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError> {
        let deadline = Instant::now() + timeout;
        let mut inner = self.lock()?;
        loop {
            let head = inner.log.len() as GlobalPosition;
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            inner = self
                .changed
                .wait_timeout(inner, deadline - now)
                .map_err(|_| StoreError::Unavailable("a writer panicked".into()))?
                .0;
        }
    }
}

impl KeyArea for MemoryStore {
    fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        Ok(self.lock()?.keys.get(stream).cloned())
    }
    fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        Ok(self
            .lock()?
            .keys
            .iter()
            .map(|(s, k)| (s.clone(), k.clone()))
            .collect())
    }
    fn create_data_key(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError> {
        Ok(self
            .lock()?
            .keys
            .entry(stream.clone())
            .or_insert(KeyState::Active(key))
            .clone())
    }
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.lock()?
            .keys
            .insert(stream.clone(), KeyState::Destroyed { at });
        Ok(())
    }
}

impl StoreAdmin for MemoryStore {
    fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        let mut head = inner.log.len() as GlobalPosition;
        let mut seen = std::collections::HashMap::new();
        let state = &*inner;
        crate::store::check_restore(
            &mut head,
            &mut |s| {
                Ok(state
                    .streams
                    .get(s)
                    .and_then(|i| i.last())
                    .and_then(|&i| state.log.get(i))
                    .map_or((0, Hash::ZERO), |e| (e.version, e.hash)))
            },
            &mut seen,
            &events,
        )?;
        for e in events {
            inner.head.advance(&e);
            let index = inner.log.len();
            inner
                .streams
                .entry(e.stream.clone())
                .or_default()
                .push(index);
            inner.log.push(e);
        }
        drop(inner);
        self.changed.notify_all();
        Ok(())
    }
    fn log_head(&self) -> Result<LogHead, StoreError> {
        Ok(self.lock()?.head)
    }
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock()?.meta.get(name).cloned())
    }
    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        match value {
            Some(v) => inner.meta.insert(name.to_owned(), v.to_vec()),
            None => inner.meta.remove(name),
        };
        Ok(())
    }
}
