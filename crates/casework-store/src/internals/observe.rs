//! What the stores tell an operator, through the [`tracing`] crate: one event per append
//! (its outcome, the versions, the time it took), per read of a stream or of the global
//! log, per finding of a verification. Every backend of this workspace reports through
//! these functions, so the events have the same names, fields and levels whatever the
//! backend; the `backend` field says which one. A backend of another crate can call them
//! too.
//!
//! Nothing is printed or collected unless the application installs a `tracing`
//! subscriber: without one every call here is a check of a global level and returns. The
//! events carry numbers and names as fields and never a payload.
//!
//! | message | level | fields |
//! | --- | --- | --- |
//! | `append` | DEBUG | `backend`, `stream`, `expected`, `events`, `first_version`, `version` (the stream's new version), `position` (of the last event), `outcome = "ok"`, `elapsed_us` |
//! | `append conflict` | WARN | `backend`, `stream`, `expected`, `actual` (absent: no stream), `events`, `outcome = "conflict"`, `elapsed_us` |
//! | `append failed` | WARN | `backend`, `stream`, `expected`, `events`, `outcome = "error"`, `error`, `elapsed_us` |
//! | `read stream` | TRACE | `backend`, `stream`, `from`, `events`, `elapsed_us` |
//! | `read log` | TRACE | `backend`, `from`, `events`, `elapsed_us` |
//! | `read failed` | WARN | `backend`, `stream` (`$all` for the global log), `from`, `error`, `elapsed_us` |
//!
//! The target of these events is `casework_store::internals::observe` (a filter such as
//! `casework_store=debug` selects them).

use std::time::Instant;

use crate::error::StoreError;
use crate::types::{AppendOutcome, ExpectedVersion, RecordedEvent, StreamId, Version};

/// An append being timed: made before the append, finished with its result.
///
/// ```
/// use casework_store::internals::observe::AppendTrace;
/// use casework_store::{AppendOutcome, ExpectedVersion, StoreError, StreamId};
/// let stream = StreamId::new("case-1").unwrap();
/// let traced = AppendTrace::start("mine", ExpectedVersion::NoStream, 1);
/// let result: Result<AppendOutcome, StoreError> = Err(StoreError::EmptyAppend);
/// assert!(traced.finish(&stream, result).is_err());
/// ```
#[derive(Debug)]
#[must_use = "finish the trace with the append's result"]
pub struct AppendTrace {
    backend: &'static str,
    expected: ExpectedVersion,
    events: usize,
    started: Instant,
}

fn micros(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)
}

impl AppendTrace {
    /// Starts timing an append of `events` events to a stream expected at `expected`, on
    /// `backend` (a short name: `"sled"`, `"redb"`, `"postgres"`, `"memory"`).
    pub fn start(backend: &'static str, expected: ExpectedVersion, events: usize) -> Self {
        AppendTrace {
            backend,
            expected,
            events,
            started: Instant::now(),
        }
    }

    /// Reports the append's outcome (see the [module](self) for the events) and returns
    /// it unchanged.
    pub fn finish(
        self,
        stream: &StreamId,
        result: Result<AppendOutcome, StoreError>,
    ) -> Result<AppendOutcome, StoreError> {
        let AppendTrace {
            backend,
            expected,
            events,
            started,
        } = self;
        match &result {
            Ok(outcome) => tracing::debug!(
                backend,
                stream = stream.as_str(),
                expected = %expected,
                events,
                first_version = outcome.first_version,
                version = outcome.last_version,
                position = outcome.last_position,
                outcome = "ok",
                elapsed_us = micros(started),
                "append"
            ),
            Err(StoreError::Conflict { actual, .. }) => tracing::warn!(
                backend,
                stream = stream.as_str(),
                expected = %expected,
                actual = *actual,
                events,
                outcome = "conflict",
                elapsed_us = micros(started),
                "append conflict"
            ),
            Err(error) => tracing::warn!(
                backend,
                stream = stream.as_str(),
                expected = %expected,
                events,
                outcome = "error",
                error = %error,
                elapsed_us = micros(started),
                "append failed"
            ),
        }
        result
    }
}

/// A read being timed; only while TRACE events of this module are wanted (otherwise the
/// clock is not even read).
#[derive(Debug)]
#[must_use = "finish the trace with the read's result"]
pub struct ReadTrace {
    backend: &'static str,
    started: Option<Instant>,
}

impl ReadTrace {
    /// Starts timing a read on `backend`.
    pub fn start(backend: &'static str) -> Self {
        let wanted =
            tracing::enabled!(tracing::Level::TRACE) || tracing::enabled!(tracing::Level::WARN);
        ReadTrace {
            backend,
            started: wanted.then(Instant::now),
        }
    }

    /// Reports a read of `stream` from version `from` and returns its result unchanged.
    pub fn stream(
        self,
        stream: &StreamId,
        from: Version,
        result: Result<Vec<RecordedEvent>, StoreError>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let Some(started) = self.started else {
            return result;
        };
        let backend = self.backend;
        match &result {
            Ok(events) => tracing::trace!(
                backend,
                stream = stream.as_str(),
                from,
                events = events.len(),
                elapsed_us = micros(started),
                "read stream"
            ),
            Err(error) => tracing::warn!(
                backend,
                stream = stream.as_str(),
                from,
                error = %error,
                elapsed_us = micros(started),
                "read failed"
            ),
        }
        result
    }

    /// Reports a read of the global log from position `from` and returns its result
    /// unchanged.
    pub fn log(
        self,
        from: u64,
        result: Result<Vec<RecordedEvent>, StoreError>,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let Some(started) = self.started else {
            return result;
        };
        let backend = self.backend;
        match &result {
            Ok(events) => tracing::trace!(
                backend,
                from,
                events = events.len(),
                elapsed_us = micros(started),
                "read log"
            ),
            Err(error) => tracing::warn!(
                backend,
                stream = "$all",
                from,
                error = %error,
                elapsed_us = micros(started),
                "read failed"
            ),
        }
        result
    }
}
