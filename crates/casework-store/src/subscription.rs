//! Catch-up subscriptions over the global log, with persistent checkpoints.
//!
//! A subscription remembers the position of the last event it handled (its checkpoint).
//! It always reads from the log after the checkpoint, so it never misses or duplicates an
//! event, also across restarts when the checkpoint is saved after handling; the store's
//! wake-up (`wait_for_events`) only tells it when to read.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::StoreError;
use crate::store::EventStore;
use crate::types::{GlobalPosition, RecordedEvent, StreamId};

/// A catch-up subscription.
pub struct CatchUp<'s, S: EventStore + ?Sized> {
    store: &'s S,
    checkpoint: GlobalPosition,
    batch: usize,
}

/// Why a subscription stopped.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError<E: std::error::Error> {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The handler failed at this position; the checkpoint stays before it.
    #[error("handler failed at position {position}: {error}")]
    Handler {
        /// The position of the event that failed.
        position: GlobalPosition,
        /// The handler's error.
        error: E,
    },
}

impl<'s, S: EventStore + ?Sized> CatchUp<'s, S> {
    /// A subscription that delivers events after `checkpoint` (0: from the start).
    pub fn new(store: &'s S, checkpoint: GlobalPosition) -> Self {
        CatchUp {
            store,
            checkpoint,
            batch: 1024,
        }
    }

    /// The same subscription reading this many events per batch.
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The position of the last event delivered.
    pub fn checkpoint(&self) -> GlobalPosition {
        self.checkpoint
    }

    /// The next batch after the checkpoint (may be empty); advances the checkpoint past it.
    /// A gap in the log is reported as corruption, never skipped.
    pub fn poll(&mut self) -> Result<Vec<RecordedEvent>, StoreError> {
        let events = self.store.read_all(self.checkpoint + 1, self.batch)?;
        for e in &events {
            if e.position != self.checkpoint + 1 {
                return Err(StoreError::Corruption {
                    stream: StreamId::all(),
                    version: self.checkpoint + 1,
                    detail: format!(
                        "global log delivered position {} after {}",
                        e.position, self.checkpoint
                    ),
                });
            }
            self.checkpoint = e.position;
        }
        Ok(events)
    }

    /// Like [`CatchUp::poll`], but blocks up to `timeout` for new events when caught up.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<RecordedEvent>, StoreError> {
        let events = self.poll()?;
        if !events.is_empty() {
            return Ok(events);
        }
        self.store.wait_for_events(self.checkpoint, timeout)?;
        self.poll()
    }

    /// Handles every event up to the head of the log, one at a time; the checkpoint
    /// advances only past events the handler accepted. Returns how many were handled.
    pub fn run_until_caught_up<E: std::error::Error>(
        &mut self,
        mut handle: impl FnMut(&RecordedEvent) -> Result<(), E>,
    ) -> Result<u64, SubscriptionError<E>> {
        let mut handled = 0;
        let from = self.checkpoint;
        loop {
            let start = self.checkpoint;
            let events = self.poll()?;
            if events.is_empty() {
                tracing::debug!(
                    from,
                    to = self.checkpoint,
                    events = handled,
                    "subscription caught up"
                );
                return Ok(handled);
            }
            self.checkpoint = start;
            for e in &events {
                handle(e).map_err(|error| SubscriptionError::Handler {
                    position: e.position,
                    error,
                })?;
                self.checkpoint = e.position;
                handled += 1;
            }
        }
    }
}

/// Where subscriptions keep their checkpoints.
pub trait CheckpointStore: Send + Sync {
    /// The saved checkpoint of subscription `name`.
    fn load(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError>;
    /// Saves the checkpoint of subscription `name` durably.
    fn save(&self, name: &str, position: GlobalPosition) -> Result<(), StoreError>;
}

/// Checkpoints in memory (tests, one-shot runs).
#[derive(Debug, Default)]
pub struct MemoryCheckpoints(Mutex<BTreeMap<String, GlobalPosition>>);

impl CheckpointStore for MemoryCheckpoints {
    fn load(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        let map = self
            .0
            .lock()
            .map_err(|_| StoreError::Unavailable("checkpoint lock poisoned".into()))?;
        Ok(map.get(name).copied())
    }

    fn save(&self, name: &str, position: GlobalPosition) -> Result<(), StoreError> {
        self.0
            .lock()
            .map_err(|_| StoreError::Unavailable("checkpoint lock poisoned".into()))?
            .insert(name.to_owned(), position);
        Ok(())
    }
}

/// Checkpoints as small files in a directory, written atomically (temp file, fsync,
/// rename), so a crash leaves the old or the new checkpoint, never a torn one.
#[derive(Debug, Clone)]
pub struct FileCheckpoints {
    dir: PathBuf,
}

impl FileCheckpoints {
    /// Checkpoints in `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(io)?;
        Ok(FileCheckpoints { dir })
    }

    fn path(&self, name: &str) -> Result<PathBuf, StoreError> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(StoreError::Io(format!(
                "checkpoint name {name:?}: use letters, digits, - and _"
            )));
        }
        Ok(self.dir.join(format!("{name}.checkpoint")))
    }
}

fn io(e: std::io::Error) -> StoreError {
    StoreError::Io(e.to_string())
}

impl CheckpointStore for FileCheckpoints {
    fn load(&self, name: &str) -> Result<Option<GlobalPosition>, StoreError> {
        let path = self.path(name)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| StoreError::Corruption {
                    stream: StreamId::all(),
                    version: 0,
                    detail: format!("checkpoint file {} holds {text:?}", path.display()),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    fn save(&self, name: &str, position: GlobalPosition) -> Result<(), StoreError> {
        let path = self.path(name)?;
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(position.to_string().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }
}
