//! The store's connection pool: [`r2d2`] with the connections of [`r2d2_postgres`], each
//! with the statements prepared on it. At most `max` connections, opened when needed,
//! idle ones reused (and closed after 10 minutes idle or once 30 minutes old), broken
//! ones discarded; a connection that cannot be opened is reported at once, not after the
//! whole wait.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use casework_store::StoreError;
use postgres::{Client, Config, NoTls, Statement};
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;

/// A connection and the statements prepared on it.
pub struct Pooled {
    client: Client,
    statements: HashMap<String, Statement>,
    /// A statement failed in a way that ends the connection ([`Conn::checked`]).
    broken: bool,
}

/// Opens connections (through `r2d2_postgres`) and tells r2d2 which ones to discard.
#[derive(Debug)]
struct Manager {
    inner: PostgresConnectionManager<NoTls>,
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Pooled, postgres::Error> {
        Ok(Pooled {
            client: self.inner.connect()?,
            statements: HashMap::new(),
            broken: false,
        })
    }

    /// Not run when a connection is borrowed (that would cost a round trip per append):
    /// a connection that fails is discarded on its return instead.
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), postgres::Error> {
        self.inner.is_valid(&mut conn.client)
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.broken || self.inner.has_broken(&mut conn.client)
    }
}

/// The connections that could not be opened: how many so far and why the last one failed.
#[derive(Debug, Default)]
struct Failures {
    count: AtomicU64,
    last: Mutex<Option<String>>,
}

/// r2d2 reports a connection it could not open here (from its own threads): counted for
/// [`Pool::get`] and told to the operator.
#[derive(Debug)]
struct Report(Arc<Failures>);

impl r2d2::HandleError<postgres::Error> for Report {
    fn handle_error(&self, error: postgres::Error) {
        let detail = crate::schema::describe(&error);
        tracing::warn!(error = %detail, "connecting to PostgreSQL failed");
        if let Ok(mut last) = self.0.last.lock() {
            *last = Some(detail);
        }
        self.0.count.fetch_add(1, Ordering::SeqCst);
    }
}

/// How soon a waiting [`Pool::get`] first looks whether a connection could not be
/// opened; it looks again after twice as long each time, up to [`LAST_LOOK`]. (Each look
/// lets r2d2 start one more connection while fewer than `max` are open or opening: the
/// doubling keeps a slow server from being sent many at once.)
const FIRST_LOOK: Duration = Duration::from_millis(25);
/// The longest time between two looks.
const LAST_LOOK: Duration = Duration::from_millis(400);

/// The pool.
pub struct Pool {
    pool: r2d2::Pool<Manager>,
    failures: Arc<Failures>,
    max: u32,
    wait: Duration,
}

/// A connection borrowed from the pool; returned when dropped (or discarded if broken).
pub struct Conn {
    inner: r2d2::PooledConnection<Manager>,
}

impl Conn {
    /// Whether a statement on this connection failed in a way that ends the connection.
    pub fn is_broken(&self) -> bool {
        self.inner.broken
    }

    /// Checks the outcome of a statement: after an error that is not an SQL error of the
    /// statement (the connection was reset; the server ended the session with a `FATAL`,
    /// as `pg_terminate_backend` does) the connection may still look open, so it is not
    /// put back into the pool.
    pub fn checked<T>(&mut self, r: Result<T, postgres::Error>) -> Result<T, postgres::Error> {
        if let Err(e) = &r {
            let fatal = e
                .as_db_error()
                .is_none_or(|db| matches!(db.severity(), "FATAL" | "PANIC"));
            if fatal && !self.inner.broken {
                tracing::info!(
                    error = %crate::schema::describe(e),
                    "PostgreSQL connection broken: it is discarded"
                );
                self.inner.broken = true;
            }
        }
        r
    }

    /// The statement for `sql`, prepared once per connection and reused (saves the
    /// server's parse and plan on every read).
    pub fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        let pooled = &mut *self.inner;
        if let Some(statement) = pooled.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = pooled.client.prepare(sql)?;
        pooled.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl std::ops::Deref for Conn {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.inner.client
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.inner.client
    }
}

impl Pool {
    /// A pool of at most `max` connections to `config` (at least one); `get` waits up to
    /// `wait` for one. No connection is opened before the first `get`.
    pub fn new(config: Config, max: usize, wait: Duration) -> Self {
        let max = u32::try_from(max.max(1)).unwrap_or(u32::MAX);
        // r2d2 refuses a zero wait
        let wait = wait.max(Duration::from_millis(1));
        let failures = Arc::new(Failures::default());
        let pool = r2d2::Pool::builder()
            .max_size(max)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .idle_timeout(Some(Duration::from_secs(10 * 60)))
            .max_lifetime(Some(Duration::from_secs(30 * 60)))
            .connection_timeout(wait)
            .error_handler(Box::new(Report(Arc::clone(&failures))))
            .build_unchecked(Manager {
                inner: PostgresConnectionManager::new(config, NoTls),
            });
        Pool {
            pool,
            failures,
            max,
            wait,
        }
    }

    /// Borrows a connection, opening one if fewer than `max` are open. A connection that
    /// cannot be opened is [`StoreError::Io`] as soon as the attempt fails; no free
    /// connection within the wait is [`StoreError::Unavailable`].
    pub fn get(&self) -> Result<Conn, StoreError> {
        let deadline = Instant::now() + self.wait;
        let failed_before = self.failures.count.load(Ordering::SeqCst);
        let mut look = FIRST_LOOK;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Ok(inner) = self.pool.get_timeout(left.min(look)) {
                return Ok(Conn { inner });
            }
            look = (look * 2).min(LAST_LOOK);
            if self.failures.count.load(Ordering::SeqCst) != failed_before {
                let why = self
                    .failures
                    .last
                    .lock()
                    .ok()
                    .and_then(|last| last.clone())
                    .unwrap_or_default();
                return Err(StoreError::Io(format!("connecting to PostgreSQL: {why}")));
            }
            if Instant::now() >= deadline {
                tracing::warn!(
                    max = self.max,
                    wait_ms = u64::try_from(self.wait.as_millis()).unwrap_or(u64::MAX),
                    "no PostgreSQL connection came free"
                );
                return Err(StoreError::Unavailable(format!(
                    "all {} connections busy for {:?}",
                    self.max, self.wait
                )));
            }
        }
    }
}
