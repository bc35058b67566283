//! The database schema, created and migrated by the crate itself.

use casework_store::StoreError;
use postgres::Client;

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i32 = 3;

/// Why `name` cannot be a schema name, if it cannot: it must be a plain lowercase
/// identifier (it is spliced into SQL) of at most 63 bytes (PostgreSQL's limit).
pub fn schema_name_problem(name: &str) -> Option<String> {
    if name.len() > 63 {
        return Some(format!(
            "schema name {name:?} is {} characters long; PostgreSQL allows 63",
            name.len()
        ));
    }
    (!valid_schema_name(name)).then(|| {
        format!(
            "schema name {name:?}: use lowercase letters, digits and _, not starting with a digit"
        )
    })
}

/// Checks that `name` is a plain lowercase identifier (it is spliced into SQL).
pub fn valid_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 63
}

fn migration(schema: &str, to: i32) -> Option<String> {
    match to {
        1 => Some(format!(
            r#"
            CREATE TABLE {schema}.log_head (
                id int PRIMARY KEY CHECK (id = 1),
                position bigint NOT NULL CHECK (position >= 0)
            );
            INSERT INTO {schema}.log_head VALUES (1, 0);
            CREATE TABLE {schema}.streams (
                stream_id text PRIMARY KEY,
                version bigint NOT NULL CHECK (version > 0),
                hash bytea NOT NULL
            );
            CREATE TABLE {schema}.events (
                position bigint PRIMARY KEY CHECK (position > 0),
                stream_id text NOT NULL,
                version bigint NOT NULL CHECK (version > 0),
                event_id uuid NOT NULL,
                event_type text NOT NULL,
                schema_version smallint NOT NULL,
                recorded_at timestamptz NOT NULL,
                effective_at timestamptz NOT NULL,
                actor text,
                correlation_id uuid,
                causation_id uuid,
                payload bytea NOT NULL,
                hash bytea NOT NULL,
                tx_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
                UNIQUE (stream_id, version)
            );
            "#
        )),
        // the key area for crypto-shredding: one row per stream, apart from the events
        2 => Some(format!(
            r#"
            CREATE TABLE {schema}.data_keys (
                stream_id text PRIMARY KEY,
                state bytea NOT NULL
            );
            "#
        )),
        // the running log digest beside the head (computed for existing logs when the
        // store opens), and the store's own values: its id, the newest checkpoint, the
        // import marker
        3 => Some(format!(
            r#"
            ALTER TABLE {schema}.log_head ADD COLUMN digest bytea;
            UPDATE {schema}.log_head SET digest = decode(repeat('00', 32), 'hex') WHERE position = 0;
            CREATE TABLE {schema}.meta (
                name text PRIMARY KEY,
                value bytea NOT NULL
            );
            INSERT INTO {schema}.meta VALUES ('store-id', uuid_send(gen_random_uuid()));
            "#
        )),
        _ => None,
    }
}

/// The error with the server's own reason: `postgres::Error` displays only "db error"
/// for what the server said (a wrong user, a missing database), so its source is added.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({}: {})", e, db.code().code(), db.message()),
        None => match std::error::Error::source(e) {
            Some(source) => format!("{e}: {source}"),
            None => e.to_string(),
        },
    }
}

fn io(e: postgres::Error) -> StoreError {
    StoreError::Io(describe(&e))
}

/// Creates the schema or migrates it to [`SCHEMA_VERSION`]. Idempotent and safe to run
/// from several processes at once (an advisory lock serialises migrations). A database
/// whose schema is newer than this code is refused with `UnsupportedFormat`.
pub fn migrate(client: &mut Client, schema: &str) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(io)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        &[&format!("casework:{schema}")],
    )
    .map_err(io)?;
    tx.batch_execute(&format!(
        "CREATE SCHEMA IF NOT EXISTS {schema};
         CREATE TABLE IF NOT EXISTS {schema}.casework_schema (
             id int PRIMARY KEY CHECK (id = 1),
             version int NOT NULL
         );"
    ))
    .map_err(io)?;
    let current: i32 = tx
        .query_opt(
            &format!("SELECT version FROM {schema}.casework_schema WHERE id = 1"),
            &[],
        )
        .map_err(io)?
        .map_or(0, |row| row.get(0));
    if current > SCHEMA_VERSION {
        return Err(StoreError::UnsupportedFormat(format!(
            "schema {schema} is at version {current}, this code knows up to {SCHEMA_VERSION}"
        )));
    }
    for to in current + 1..=SCHEMA_VERSION {
        let sql = migration(schema, to).ok_or_else(|| {
            StoreError::UnsupportedFormat(format!("no migration to version {to}"))
        })?;
        tx.batch_execute(&sql).map_err(io)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO {schema}.casework_schema VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version"
        ),
        &[&SCHEMA_VERSION],
    )
    .map_err(io)?;
    tx.commit().map_err(io)
}
