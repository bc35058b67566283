//! The database schema, created and migrated by the crate itself.

use casework_store::StoreError;
use postgres::Client;

/// The schema version this code writes and reads.
pub const SCHEMA_VERSION: i32 = 4;

/// Why `name` cannot be a schema name, if it cannot: it must be a plain lowercase
/// identifier (it is spliced into SQL) of at most 63 bytes (PostgreSQL's limit), and not
/// one of PostgreSQL's own schemas (`information_schema`, `pg_*`).
pub fn schema_name_problem(name: &str) -> Option<String> {
    if name.len() > 63 {
        return Some(format!(
            "schema name {name:?} is {} characters long; PostgreSQL allows 63",
            name.len()
        ));
    }
    if name == "information_schema" || name.starts_with("pg_") {
        return Some(format!(
            "schema {name:?} belongs to PostgreSQL itself (information_schema, pg_*): a store is never made there"
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
        // one statement per append (issue 23): the expected-version check, the counter
        // row, the events, the log digest and the stream head in one server-side function
        // that runs in the caller's transaction (or the statement's own). The client seals
        // the events against the stream head it last saw; a head that moved meanwhile is
        // returned for resealing (outcome 2), a failed expectation as outcome 1.
        4 => Some(format!(
            r#"
            CREATE OR REPLACE FUNCTION {schema}.append_events(
                p_stream text, p_expect_kind int, p_expect bigint,
                p_prev_version bigint, p_prev_hash bytea,
                p_event_id uuid[], p_event_type text[], p_schema_version smallint[],
                p_recorded_at timestamptz, p_effective_at timestamptz[], p_actor text[],
                p_correlation uuid[], p_causation uuid[], p_payload bytea[], p_hash bytea[],
                p_channel text)
            RETURNS TABLE (r_outcome int, r_version bigint, r_hash bytea, r_first bigint)
            LANGUAGE plpgsql AS $fn$
            DECLARE
                cur_version bigint;
                cur_hash bytea;
                n int := cardinality(p_hash);
                head bigint;
                dig bytea;
            BEGIN
                SELECT s.version, s.hash INTO cur_version, cur_hash
                    FROM {schema}.streams s WHERE s.stream_id = p_stream FOR UPDATE;
                IF (p_expect_kind = 1 AND cur_version IS NOT NULL)
                    OR (p_expect_kind = 2 AND cur_version IS NULL)
                    OR (p_expect_kind = 3 AND cur_version IS DISTINCT FROM p_expect) THEN
                    RETURN QUERY SELECT 1, cur_version, cur_hash, NULL::bigint;
                    RETURN;
                END IF;
                IF coalesce(cur_version, 0) <> p_prev_version
                    OR coalesce(cur_hash, decode(repeat('00', 32), 'hex')) <> p_prev_hash THEN
                    RETURN QUERY SELECT 2, cur_version, cur_hash, NULL::bigint;
                    RETURN;
                END IF;
                -- the global log's counter row: its lock orders commits by position
                UPDATE {schema}.log_head h SET position = h.position + n WHERE h.id = 1
                    RETURNING h.position, h.digest INTO head, dig;
                INSERT INTO {schema}.events (position, stream_id, version, event_id, event_type,
                        schema_version, recorded_at, effective_at, actor, correlation_id,
                        causation_id, payload, hash)
                    SELECT head - n + t.i, p_stream, p_prev_version + t.i, t.event_id,
                        t.event_type, t.schema_version, p_recorded_at, t.effective_at, t.actor,
                        t.correlation, t.causation, t.payload, t.hash
                    FROM unnest(p_event_id, p_event_type, p_schema_version, p_effective_at,
                        p_actor, p_correlation, p_causation, p_payload, p_hash)
                        WITH ORDINALITY AS t(event_id, event_type, schema_version, effective_at,
                            actor, correlation, causation, payload, hash, i);
                -- the running log digest (casework_store::checkpoint::log_digest)
                FOR i IN 1..n LOOP
                    dig := sha256(convert_to('casework/log/v1', 'UTF8') || dig
                        || int8send(head - n + i)
                        || int4send(octet_length(convert_to(p_stream, 'UTF8')))
                        || convert_to(p_stream, 'UTF8')
                        || int8send(p_prev_version + i) || p_hash[i]);
                END LOOP;
                UPDATE {schema}.log_head h SET digest = dig WHERE h.id = 1;
                INSERT INTO {schema}.streams AS s VALUES (p_stream, p_prev_version + n, p_hash[n])
                    ON CONFLICT (stream_id)
                    DO UPDATE SET version = EXCLUDED.version, hash = EXCLUDED.hash;
                PERFORM pg_notify(p_channel, head::text);
                RETURN QUERY SELECT 0, p_prev_version + n, p_hash[n], head - n + 1;
            END
            $fn$;
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
    tx.commit().map_err(io)?;
    if current < SCHEMA_VERSION {
        tracing::info!(
            schema,
            from = current,
            to = SCHEMA_VERSION,
            "PostgreSQL store schema created or migrated"
        );
    }
    Ok(())
}
