//! # casework-postgres
//!
//! The PostgreSQL store of casework for deployments that outgrow one machine: several
//! application servers share one database; the embedded sled store allows one process.
//!
//! ```no_run
//! use casework_postgres::{PgOptions, PgStore};
//! use casework_store::EventStore;
//! let store = PgStore::open("postgres://postgres@127.0.0.1:5432/test", PgOptions::default()).unwrap();
//! println!("{} events", store.head_position().unwrap());
//! ```
//!
//! ## Schema
//!
//! Created and migrated by [`PgStore::open`] in its own PostgreSQL schema (default
//! `casework`), with a version table (`casework_schema`); migrations are idempotent and
//! serialised by an advisory lock, and a schema newer than the code is refused
//! (`UnsupportedFormat`). Tables: `events` (one row per event, `UNIQUE(stream_id, version)`,
//! the id of the writing transaction in `tx_id`), `streams` (last version and hash per
//! stream), `log_head` (one row: the global head).
//!
//! ## How the global log stays gapless and is never skipped
//!
//! The contract requires positions 1, 2, 3, … without gaps, and catch-up readers that never
//! skip an event. A sequence cannot give that: a rolled-back append (a conflict, a killed
//! connection) burns sequence values, and a transaction holding a lower value can commit
//! after one holding a higher value, so a reader would have to track transaction
//! visibility (`pg_snapshot_xmin`) and would still see holes. This store takes the
//! position from the **`log_head` counter row, updated inside the append transaction**:
//!
//! - the row lock is held until commit, so a second appender waits until the first commits
//!   and then continues from its head: commit order equals position order, and a reader at
//!   any moment sees a gapless prefix of the log;
//! - a rollback rolls the counter back: no gap.
//!
//! Appends to the same stream additionally lock the stream's row (`SELECT … FOR UPDATE`);
//! two writers creating a new stream at once collide on the unique key (SQLSTATE 23505),
//! which becomes [`StoreError::Conflict`](casework_store::StoreError::Conflict). Every append
//! runs in one transaction: all events or none.
//!
//! **One round trip per append** (schema version 4): the append is one call of the
//! server-side function `append_events`, prepared once per connection and run as its own
//! transaction (or inside the caller's, [`PgStore::append_in`]). The function checks the
//! expected version, advances the counter row, inserts the events, extends the log digest
//! (SHA-256 in SQL, the same bytes as `casework_store::checkpoint::log_digest`) and sets
//! the stream head. The event hashes are computed here, in Rust, against the stream head
//! this process last saw (appended, or read to the end of the stream); the function
//! compares that head with the stored one and, if another process moved it, returns the
//! real head and the events are sealed again (a second round trip, only then). `LISTEN`/`NOTIFY` (channel
//! `casework_<schema>`) only wakes waiting subscribers; they always read from the table.
//!
//! ## What scales, and how
//!
//! - **Streams are independent**: reads of cases scale with read replicas and connection
//!   count; nothing in a case read touches the global head.
//! - **The global log is the bottleneck**: appends are serialised on `log_head` for the
//!   duration of their transaction (one commit at a time). On the local server this is
//!   measured in `docs/performance.md`. Keep append transactions short
//!   ([`PgStore::append_in`] holds the lock until the caller commits).
//! - Beyond that, partition the deployment (one schema or database per region or
//!   institution group, each with its own log) and merge reports.
//!
//! ## Managed PostgreSQL and compatible engines
//!
//! Any PostgreSQL ≥ 13 works (`pg_current_xact_id` is used for the `tx_id` column). The
//! store needs `CREATE` on its schema for the first open (or run it once as the owner),
//! then `SELECT, INSERT, UPDATE` on its tables. Connections use no TLS (`NoTls`): on a
//! managed service, connect through a TLS-terminating proxy (e.g. the provider's proxy or
//! pgbouncer) until a TLS feature is added. Distributed PostgreSQL-compatible engines
//! (CockroachDB, YugabyteDB) run the same SQL but order the counter row through their own
//! serialisation: expect the single-row counter to be a hot spot there too, and measure.
//!
//! ## Moving from sled
//!
//! `casework_store::export_jsonl` on the sled store, then `casework_store::import_jsonl`
//! into an empty `PgStore`: every stream, version, position, timestamp and hash is kept
//! (tested).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod pool;
mod schema;
mod store;

pub use schema::{schema_name_problem, SCHEMA_VERSION};
pub use store::{clear_staging_schema, drop_schema, promote_schema, PgOptions, PgStore};
