//! The head of the global log that readers may see, and the subscribers waiting for it to
//! move: what an embedded store publishes after its commit is durable.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::{GlobalPosition, StoreError};

/// The published head of a store's global log.
#[derive(Debug, Default)]
pub struct Published {
    visible: AtomicU64,
    waiters: (Mutex<()>, Condvar),
}

impl Published {
    /// A head at `position`.
    pub fn new(position: GlobalPosition) -> Self {
        Published {
            visible: AtomicU64::new(position),
            waiters: (Mutex::new(()), Condvar::new()),
        }
    }

    /// The last position readers may see.
    pub fn head(&self) -> GlobalPosition {
        self.visible.load(Ordering::SeqCst)
    }

    /// Makes positions up to `upto` visible and wakes the waiting subscribers.
    pub fn publish(&self, upto: GlobalPosition) {
        self.visible.fetch_max(upto, Ordering::SeqCst);
        let (lock, cv) = &self.waiters;
        drop(lock.lock());
        cv.notify_all();
    }

    /// Waits until the head is past `after` or `timeout` has passed; returns the head
    /// (what [`EventStore::wait_for_events`](crate::EventStore::wait_for_events) returns).
    pub fn wait(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError> {
        let deadline = Instant::now() + timeout;
        let (lock, cv) = &self.waiters;
        fn poisoned<T>(_: T) -> StoreError {
            StoreError::Unavailable("waiters lock poisoned".into())
        }
        let mut guard = lock.lock().map_err(poisoned)?;
        loop {
            let head = self.head();
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            guard = cv.wait_timeout(guard, deadline - now).map_err(poisoned)?.0;
        }
    }
}
