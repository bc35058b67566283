//! A small bounded connection pool: at most `max` connections, idle ones reused, broken
//! ones dropped.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use casework_store::StoreError;
use std::collections::HashMap;

use postgres::{Client, Config, NoTls, Statement};

/// A connection and the statements prepared on it.
struct Pooled {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct State {
    idle: Vec<Pooled>,
    open: usize,
}

/// The pool.
pub struct Pool {
    config: Config,
    max: usize,
    wait: Duration,
    state: Mutex<State>,
    freed: Condvar,
}

/// A connection borrowed from the pool; returned when dropped (or discarded if broken).
pub struct Conn<'p> {
    client: Option<Pooled>,
    pool: &'p Pool,
    broken: bool,
}

impl Conn<'_> {
    /// Whether a statement on this connection failed in a way that ends the connection.
    pub fn is_broken(&self) -> bool {
        self.broken
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
            if fatal {
                self.broken = true;
            }
        }
        r
    }

    /// The statement for `sql`, prepared once per connection and reused (saves the
    /// server's parse and plan on every read).
    pub fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        let pooled = self.client.as_mut().unwrap_or_else(|| unreachable_client());
        if let Some(statement) = pooled.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = pooled.client.prepare(sql)?;
        pooled.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl std::ops::Deref for Conn<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        // the option is only empty inside Drop
        &self
            .client
            .as_ref()
            .unwrap_or_else(|| unreachable_client())
            .client
    }
}

impl std::ops::DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self
            .client
            .as_mut()
            .unwrap_or_else(|| unreachable_client())
            .client
    }
}

#[allow(clippy::panic)]
fn unreachable_client() -> ! {
    panic!("a pooled connection is used after it was returned")
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            self.pool.put_back(client, self.broken);
        }
    }
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Unavailable("connection pool lock poisoned".into())
}

impl Pool {
    /// A pool of at most `max` connections to `config`; `get` waits up to `wait` for one.
    pub fn new(config: Config, max: usize, wait: Duration) -> Self {
        Pool {
            config,
            max: max.max(1),
            wait,
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    /// Borrows a connection, opening one if fewer than `max` are open.
    pub fn get(&self) -> Result<Conn<'_>, StoreError> {
        let deadline = Instant::now() + self.wait;
        let mut state = self.state.lock().map_err(poisoned)?;
        loop {
            while let Some(client) = state.idle.pop() {
                if client.client.is_closed() {
                    state.open -= 1;
                } else {
                    return Ok(Conn {
                        client: Some(client),
                        pool: self,
                        broken: false,
                    });
                }
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.config.connect(NoTls) {
                    Ok(client) => Ok(Conn {
                        client: Some(Pooled {
                            client,
                            statements: HashMap::new(),
                        }),
                        pool: self,
                        broken: false,
                    }),
                    Err(e) => {
                        let mut state = self.state.lock().map_err(poisoned)?;
                        state.open -= 1;
                        self.freed.notify_one();
                        Err(StoreError::Io(format!(
                            "connecting to PostgreSQL: {}",
                            crate::schema::describe(&e)
                        )))
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Unavailable(format!(
                    "all {} connections busy for {:?}",
                    self.max, self.wait
                )));
            }
            state = self
                .freed
                .wait_timeout(state, deadline - now)
                .map_err(poisoned)?
                .0;
        }
    }

    fn put_back(&self, client: Pooled, broken: bool) {
        if let Ok(mut state) = self.state.lock() {
            if broken || client.client.is_closed() {
                state.open -= 1;
            } else {
                state.idle.push(client);
            }
            self.freed.notify_one();
        }
    }
}
