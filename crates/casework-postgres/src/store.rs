//! `PgStore`: the `EventStore` on PostgreSQL.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use casework_store::{
    hash, hash::seal_all, internals::check_restore, meta, AppendOutcome, Clock, DataKey,
    EventStore, ExpectedVersion, GlobalPosition, Hash, KeyArea, KeyState, Limits, LogHead,
    Metadata, NewEvent, RecordedEvent, StoreAdmin, StoreError, StreamId, StreamTip, SystemClock,
    Version,
};
use chrono::{DateTime, Utc};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{GenericClient, Row, Transaction};
use uuid::Uuid;

use casework_store::internals::import_marker::ImportMarker;

use crate::pool::Pool;
use crate::schema::{migrate, valid_schema_name};

/// Options for opening a store.
pub struct PgOptions {
    /// The schema (PostgreSQL namespace) holding the store's tables; default `casework`.
    pub schema: String,
    /// Most connections the store opens (the size of its r2d2 pool). Connections are
    /// opened when needed; an idle one is closed after 10 minutes or once it is 30
    /// minutes old.
    pub max_connections: usize,
    /// How long to wait for a free connection before [`StoreError::Unavailable`]. A
    /// connection that cannot be opened is [`StoreError::Io`] as soon as that fails.
    pub connection_wait: Duration,
    /// Size limits.
    pub limits: Limits,
    /// The clock for recorded-at.
    pub clock: Box<dyn Clock>,
    /// Create the schema and its tables where there are none (default). With `false`, a
    /// schema without a casework store is [`StoreError::Missing`] and nothing is created
    /// (commands that only read); an existing store is still migrated.
    pub create: bool,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            schema: "casework".to_owned(),
            max_connections: 8,
            connection_wait: Duration::from_secs(30),
            limits: Limits::default(),
            clock: Box::new(SystemClock),
            create: true,
        }
    }
}

/// The event store on PostgreSQL.
pub struct PgStore {
    pool: Pool,
    schema: String,
    channel: String,
    limits: Limits,
    clock: Box<dyn Clock>,
    /// Mirrors the [`meta::IMPORTING`] row as this process last saw it: appends are
    /// refused while it is set.
    import: ImportMarker,
    /// The stream heads this process last saw (appended or read to the end): the head an
    /// append seals against. Only a guess: the server checks it and returns the real head
    /// when it moved.
    tips: std::sync::Mutex<HashMap<StreamId, StreamTip>>,
}

fn io(e: postgres::Error) -> StoreError {
    StoreError::Io(crate::schema::describe(&e))
}

fn parse_key(stream: &StreamId, bytes: &[u8]) -> Result<KeyState, StoreError> {
    KeyState::from_bytes(bytes).ok_or_else(|| {
        StoreError::corruption(stream.clone(), 0, "the key area entry is not a data key")
    })
}

const COLUMNS: &str = "position, stream_id, version, event_id, event_type, schema_version, \
    recorded_at, effective_at, actor, correlation_id, causation_id, payload, hash";

/// Column arrays for one `INSERT … SELECT * FROM unnest(…)`.
#[derive(Default)]
struct Columns {
    position: Vec<i64>,
    stream: Vec<String>,
    version: Vec<i64>,
    event_id: Vec<Uuid>,
    event_type: Vec<String>,
    schema_version: Vec<i16>,
    recorded_at: Vec<DateTime<Utc>>,
    effective_at: Vec<DateTime<Utc>>,
    actor: Vec<Option<String>>,
    correlation: Vec<Option<Uuid>>,
    causation: Vec<Option<Uuid>>,
    payload: Vec<Vec<u8>>,
    hash: Vec<Vec<u8>>,
}

/// The log head row (position, digest), locked until the transaction ends: no append
/// commits meanwhile.
fn locked_head(tx: &mut Transaction<'_>, schema: &str) -> Result<Row, StoreError> {
    tx.query_one(
        &format!("SELECT position, digest FROM {schema}.log_head WHERE id = 1 FOR UPDATE"),
        &[],
    )
    .map_err(io)
}

/// Reads the log head row's position and digest.
fn head_row(row: &Row) -> Result<LogHead, StoreError> {
    let position: i64 = row.get(0);
    let digest: Option<Vec<u8>> = row.get(1);
    let digest: [u8; 32] = digest.and_then(|d| d.try_into().ok()).ok_or_else(|| {
        StoreError::corruption(
            StreamId::all(),
            position.max(0) as u64,
            "the log digest is missing or damaged",
        )
    })?;
    Ok(LogHead {
        position: position.max(0) as u64,
        digest: Hash(digest),
    })
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::LimitExceeded {
        what: "position or version",
        max: i64::MAX as u64,
        actual: n,
    })
}

impl Columns {
    fn push(&mut self, e: &RecordedEvent) -> Result<(), StoreError> {
        self.position.push(to_i64(e.position)?);
        self.stream.push(e.stream.as_str().to_owned());
        self.version.push(to_i64(e.version)?);
        self.event_id.push(e.event_id);
        self.event_type.push(e.event_type.clone());
        self.schema_version.push(e.schema_version as i16);
        self.recorded_at.push(e.recorded_at);
        self.effective_at.push(e.effective_at);
        self.actor.push(e.metadata.actor.clone());
        self.correlation.push(e.metadata.correlation_id);
        self.causation.push(e.metadata.causation_id);
        self.payload.push(e.payload.to_vec());
        self.hash.push(e.hash.0.to_vec());
        Ok(())
    }
}

/// Runs the `append_events` statement with its parameters (on a pooled connection, or in
/// the caller's transaction) and returns its one row.
type AppendCall<'c> =
    dyn FnMut(&[&(dyn postgres::types::ToSql + Sync)]) -> Result<Row, postgres::Error> + 'c;

/// Column arrays of the events of one append for `append_events` (the function sets
/// stream, versions, positions and recorded-at itself).
struct AppendColumns<'e> {
    event_id: Vec<Uuid>,
    event_type: Vec<&'e str>,
    schema_version: Vec<i16>,
    effective_at: Vec<DateTime<Utc>>,
    actor: Vec<Option<&'e str>>,
    correlation: Vec<Option<Uuid>>,
    causation: Vec<Option<Uuid>>,
    payload: Vec<&'e [u8]>,
    hash: Vec<&'e [u8]>,
}

impl<'e> AppendColumns<'e> {
    fn of(events: &'e [RecordedEvent]) -> Self {
        AppendColumns {
            event_id: events.iter().map(|e| e.event_id).collect(),
            event_type: events.iter().map(|e| e.event_type.as_str()).collect(),
            schema_version: events.iter().map(|e| e.schema_version as i16).collect(),
            effective_at: events.iter().map(|e| e.effective_at).collect(),
            actor: events.iter().map(|e| e.metadata.actor.as_deref()).collect(),
            correlation: events.iter().map(|e| e.metadata.correlation_id).collect(),
            causation: events.iter().map(|e| e.metadata.causation_id).collect(),
            payload: events.iter().map(|e| &e.payload[..]).collect(),
            hash: events.iter().map(|e| e.hash.0.as_slice()).collect(),
        }
    }
}

/// A sealed event back to the new event it was made from (to seal it again).
fn unsealed(e: RecordedEvent) -> NewEvent {
    NewEvent {
        event_id: e.event_id,
        event_type: e.event_type,
        schema_version: e.schema_version,
        effective_at: e.effective_at,
        metadata: e.metadata,
        payload: Vec::from(e.payload),
    }
}

fn decode_row(row: &Row) -> Result<RecordedEvent, StoreError> {
    let stream: String = row.get(1);
    let version: i64 = row.get(2);
    let position: i64 = row.get(0);
    let stream = StreamId::new(stream.clone()).map_err(|_| {
        StoreError::corruption(
            StreamId::all(),
            position as u64,
            format!("invalid stream id {stream:?}"),
        )
    })?;
    let bad = |detail: &str| StoreError::corruption(stream.clone(), version.max(0) as u64, detail);
    let hash: Vec<u8> = row.get(12);
    let hash: [u8; 32] = hash.try_into().map_err(|_| bad("hash is not 32 bytes"))?;
    let schema_version: i16 = row.get(5);
    if position < 1 || version < 1 || schema_version < 0 {
        return Err(bad("negative position, version or schema version"));
    }
    Ok(RecordedEvent {
        event_id: row.get(3),
        stream: stream.clone(),
        version: version as u64,
        position: position as u64,
        event_type: row.get(4),
        schema_version: schema_version as u16,
        recorded_at: row.get(6),
        effective_at: row.get(7),
        metadata: Metadata {
            actor: row.get(8),
            correlation_id: row.get(9),
            causation_id: row.get(10),
        },
        payload: row.get::<_, Vec<u8>>(11).into(),
        hash: Hash(hash),
    })
}

impl PgStore {
    /// Connects to `url` (e.g. `postgres://postgres@127.0.0.1:5432/test`), creates or
    /// migrates the schema, and returns the store.
    pub fn open(url: &str, options: PgOptions) -> Result<Self, StoreError> {
        if let Some(problem) = crate::schema::schema_name_problem(&options.schema) {
            return Err(StoreError::Io(problem));
        }
        let config: postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Io(format!("invalid PostgreSQL URL: {e}")))?;
        let pool = Pool::new(config, options.max_connections, options.connection_wait);
        let mut conn = pool.get()?;
        if !options.create {
            let exists: bool = conn
                .query_one(
                    "SELECT to_regclass($1) IS NOT NULL",
                    &[&format!("{}.casework_schema", options.schema)],
                )
                .map_err(io)?
                .get(0);
            if !exists {
                return Err(StoreError::Missing(format!(
                    "schema {} of the PostgreSQL database",
                    options.schema
                )));
            }
        }
        migrate(&mut conn, &options.schema)?;
        drop(conn);
        let import = ImportMarker::new(false, format!("schema {}", options.schema));
        let store = PgStore {
            pool,
            channel: format!("casework_{}", options.schema),
            schema: options.schema,
            limits: options.limits,
            clock: options.clock,
            import,
            tips: Default::default(),
        };
        store.upgrade_digest()?;
        let importing = store.meta(meta::IMPORTING)?.is_some();
        store.import.set_pending(importing);
        tracing::info!(
            schema = store.schema.as_str(),
            importing,
            "PostgreSQL store opened"
        );
        Ok(store)
    }

    /// Computes the log digest of a log written before it existed (schema version 2), once,
    /// under the log's lock.
    fn upgrade_digest(&self) -> Result<(), StoreError> {
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().map_err(io)?;
        let row = locked_head(&mut tx, s)?;
        let digest: Option<Vec<u8>> = row.get(1);
        if digest.is_some() {
            return Ok(());
        }
        let mut log = LogHead::EMPTY;
        loop {
            let rows = tx
                .query(
                    &format!("SELECT {COLUMNS} FROM {s}.events WHERE position > $1 ORDER BY position LIMIT 4096"),
                    &[&to_i64(log.position)?],
                )
                .map_err(io)?;
            for row in &rows {
                log.advance(&decode_row(row)?);
            }
            if rows.len() < 4096 {
                break;
            }
        }
        tx.execute(
            &format!("UPDATE {s}.log_head SET digest = $1 WHERE id = 1"),
            &[&log.digest.0.to_vec()],
        )
        .map_err(io)?;
        tx.commit().map_err(io)?;
        tracing::info!(
            schema = s.as_str(),
            position = log.position,
            "log digest computed for a store written before it existed"
        );
        Ok(())
    }

    /// Runs a read with a statement prepared once per pooled connection. A pooled
    /// connection the server ended while it was idle (a restart, `pg_terminate_backend`)
    /// fails on its first use; a read is safe to repeat, so it is run once more on a new
    /// connection. (An append is not repeated: its outcome is unknown to the caller.)
    fn read(
        &self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let mut again = true;
        loop {
            let mut conn = self.pool.get()?;
            let rows = match conn.prepared(sql) {
                Ok(statement) => conn.query(&statement, params),
                Err(e) => Err(e),
            };
            match conn.checked(rows) {
                Err(_) if again && conn.is_broken() => {
                    tracing::info!("read repeated on a new connection");
                    again = false;
                }
                other => return other.map_err(io),
            }
        }
    }

    /// The schema the store lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Appends as part of the caller's transaction (e.g. together with the caller's own
    /// tables: an outbox). The events become visible when the caller commits; until then
    /// the transaction holds the global log's lock, so keep it short. Same rules as
    /// [`EventStore::append`].
    pub fn append_in(
        &self,
        tx: &mut Transaction<'_>,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let sql = self.append_sql();
        let traced = casework_store::internals::observe::AppendTrace::start(
            "postgres",
            expected,
            events.len(),
        );
        let result = self.append_with(stream, expected, events, &mut |params| {
            tx.query_one(sql.as_str(), params)
        });
        traced.finish(stream, result)
    }

    /// The one statement of an append: `append_events` (schema version 4).
    fn append_sql(&self) -> String {
        format!(
            "SELECT r_outcome, r_version, r_hash, r_first FROM {}.append_events($1, $2, $3, $4, \
             $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            self.schema
        )
    }

    /// An append as one call of `append_events` through `call` (one round trip): seals
    /// the events against the stream head last seen here, and seals again against the
    /// head the server returns if it moved meanwhile (another process wrote the stream).
    fn append_with(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
        call: &mut AppendCall<'_>,
    ) -> Result<AppendOutcome, StoreError> {
        self.limits.check(&events)?;
        self.import.check_append()?;
        let (kind, exact) = match expected {
            ExpectedVersion::Any => (0, 0),
            ExpectedVersion::NoStream | ExpectedVersion::Exact(0) => (1, 0),
            ExpectedVersion::StreamExists => (2, 0),
            ExpectedVersion::Exact(v) => (3, to_i64(v)?),
        };
        let mut tip = self.seen_tip(stream);
        let recorded_at = self.clock.now();
        let mut events = events;
        for _ in 0..16 {
            let (version, prev) = tip;
            let n = events.len() as u64;
            let sealed = seal_all(prev, stream, version + 1, 1, recorded_at, events);
            let c = AppendColumns::of(&sealed);
            let row = call(&[
                &stream.as_str(),
                &kind,
                &exact,
                &to_i64(version)?,
                &prev.0.as_slice(),
                &c.event_id,
                &c.event_type,
                &c.schema_version,
                &hash::to_micros(recorded_at),
                &c.effective_at,
                &c.actor,
                &c.correlation,
                &c.causation,
                &c.payload,
                &c.hash,
                &self.channel,
            ]);
            let row = match row {
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    // a writer that created the stream concurrently won
                    return Err(StoreError::Conflict {
                        stream: stream.clone(),
                        expected,
                        actual: None,
                    });
                }
                other => other.map_err(io)?,
            };
            let outcome: i32 = row.get(0);
            let head = (
                row.get::<_, Option<i64>>(1).map_or(0, |v| v.max(0) as u64),
                match row.get::<_, Option<Vec<u8>>>(2) {
                    None => Hash::ZERO,
                    Some(h) => Hash(h.try_into().map_err(|_| {
                        StoreError::corruption(
                            stream.clone(),
                            version,
                            "stream head hash is not 32 bytes",
                        )
                    })?),
                },
            );
            self.saw_tip(stream, head);
            match outcome {
                0 => {
                    let first_position: i64 = row.get(3);
                    let first_position = first_position.max(1) as u64;
                    return Ok(AppendOutcome {
                        first_version: version + 1,
                        last_version: version + n,
                        first_position,
                        last_position: first_position + n - 1,
                    });
                }
                1 => {
                    return Err(StoreError::Conflict {
                        stream: stream.clone(),
                        expected,
                        actual: (head.0 > 0).then_some(head.0),
                    })
                }
                _ => {
                    // sealed against a head that moved: seal the same events again
                    tracing::debug!(
                        stream = stream.as_str(),
                        sealed_at = version,
                        head = head.0,
                        "append sealed again: another process moved the stream head"
                    );
                    tip = head;
                    events = sealed.into_iter().map(unsealed).collect();
                }
            }
        }
        Err(StoreError::Conflict {
            stream: stream.clone(),
            expected,
            actual: (tip.0 > 0).then_some(tip.0),
        })
    }

    /// The head an append seals against: the one last seen, else the empty stream (right
    /// for a new stream; the server returns the real head otherwise).
    fn seen_tip(&self, stream: &StreamId) -> StreamTip {
        self.tips
            .lock()
            .ok()
            .and_then(|t| t.get(stream).copied())
            .unwrap_or((0, Hash::ZERO))
    }

    /// Remembers a stream head the server reported or a read reached.
    fn saw_tip(&self, stream: &StreamId, tip: StreamTip) {
        if let Ok(mut tips) = self.tips.lock() {
            if tips.len() >= 100_000 {
                tips.clear();
            }
            tips.insert(stream.clone(), tip);
        }
    }

    fn tip(
        &self,
        tx: &mut impl GenericClient,
        stream: &StreamId,
        lock: bool,
    ) -> Result<StreamTip, StoreError> {
        let s = &self.schema;
        let lock = if lock { " FOR UPDATE" } else { "" };
        let row = tx
            .query_opt(
                &format!("SELECT version, hash FROM {s}.streams WHERE stream_id = $1{lock}"),
                &[&stream.as_str()],
            )
            .map_err(io)?;
        match row {
            None => Ok((0, Hash::ZERO)),
            Some(row) => {
                let version: i64 = row.get(0);
                let hash: Vec<u8> = row.get(1);
                let hash: [u8; 32] = hash.try_into().map_err(|_| {
                    StoreError::corruption(
                        stream.clone(),
                        version.max(0) as u64,
                        "stream head hash is not 32 bytes",
                    )
                })?;
                Ok((version.max(0) as u64, Hash(hash)))
            }
        }
    }

    fn insert(
        &self,
        tx: &mut Transaction<'_>,
        events: &[RecordedEvent],
    ) -> Result<u64, postgres::Error> {
        let mut c = Columns::default();
        for e in events {
            // positions and versions come from the database as i64 and fit back
            if c.push(e).is_err() {
                return Ok(0);
            }
        }
        let s = &self.schema;
        tx.execute(
            &format!(
                "INSERT INTO {s}.events ({COLUMNS})
                 SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[],
                     $6::smallint[], $7::timestamptz[], $8::timestamptz[], $9::text[], $10::uuid[],
                     $11::uuid[], $12::bytea[], $13::bytea[])"
            ),
            &[
                &c.position,
                &c.stream,
                &c.version,
                &c.event_id,
                &c.event_type,
                &c.schema_version,
                &c.recorded_at,
                &c.effective_at,
                &c.actor,
                &c.correlation,
                &c.causation,
                &c.payload,
                &c.hash,
            ],
        )
    }

    fn set_tips(
        &self,
        tx: &mut Transaction<'_>,
        events: &[RecordedEvent],
    ) -> Result<(), StoreError> {
        let mut tips: HashMap<&StreamId, (i64, Vec<u8>)> = HashMap::new();
        for e in events {
            tips.insert(&e.stream, (to_i64(e.version)?, e.hash.0.to_vec()));
        }
        let s = &self.schema;
        for (stream, (version, hash)) in tips {
            tx.execute(
                &format!(
                    "INSERT INTO {s}.streams VALUES ($1, $2, $3)
                     ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version, hash = EXCLUDED.hash"
                ),
                &[&stream.as_str(), &version, &hash],
            )
            .map_err(io)?;
        }
        Ok(())
    }
}

impl PgStore {
    /// The body of [`EventStore::append`], which reports it ([`casework_store::internals::observe`]).
    fn append_untraced(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let mut conn = self.pool.get()?;
        let statement = conn.prepared(&self.append_sql());
        let statement = conn.checked(statement).map_err(io)?;
        // one statement in its own transaction: one round trip, commit included
        let result = self.append_with(stream, expected, events, &mut |params| {
            let row = conn.query_one(&statement, params);
            conn.checked(row)
        });
        drop(conn);
        match result {
            Err(StoreError::Conflict {
                stream,
                expected,
                actual: None,
            }) => {
                // after a lost race to create the stream: read the winner's version
                let actual = self.stream_version(&stream)?;
                Err(StoreError::Conflict {
                    stream,
                    expected,
                    actual,
                })
            }
            other => other,
        }
    }

    /// The body of [`EventStore::read_stream`], which reports it ([`casework_store::internals::observe`]).
    fn read_stream_untraced(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if from > i64::MAX as u64 {
            return Ok(Vec::new()); // no stream reaches that far
        }
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT {COLUMNS} FROM {s}.events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3"),
            &[&stream.as_str(), &to_i64(from)?, &(limit.min(i64::MAX as usize) as i64)],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let e = decode_row(row)?;
            let want = from.max(1) + i as u64;
            if e.version != want {
                return Err(StoreError::corruption(
                    stream.clone(),
                    want,
                    format!("version {} where {want} belongs", e.version),
                ));
            }
            out.push(e);
        }
        if out.len() < limit {
            // read to the end: the stream's head as of this read, for the next append
            if let Some(last) = out.last() {
                self.saw_tip(stream, (last.version, last.hash));
            }
        }
        Ok(out)
    }

    /// The body of [`EventStore::read_all`], which reports it ([`casework_store::internals::observe`]).
    fn read_all_untraced(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if from > i64::MAX as u64 {
            return Ok(Vec::new()); // no log reaches that far
        }
        let s = &self.schema;
        let rows = self.read(
            &format!(
                "SELECT {COLUMNS} FROM {s}.events WHERE position >= $1 ORDER BY position LIMIT $2"
            ),
            &[&to_i64(from)?, &(limit.min(i64::MAX as usize) as i64)],
        )?;
        rows.iter().map(decode_row).collect()
    }
}

impl EventStore for PgStore {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        let traced = casework_store::internals::observe::AppendTrace::start(
            "postgres",
            expected,
            events.len(),
        );
        traced.finish(stream, self.append_untraced(stream, expected, events))
    }

    fn read_stream(
        &self,
        stream: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("postgres");
        traced.stream(stream, from, self.read_stream_untraced(stream, from, limit))
    }

    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let traced = casework_store::internals::observe::ReadTrace::start("postgres");
        traced.log(from, self.read_all_untraced(from, limit))
    }

    fn stream_version(&self, stream: &StreamId) -> Result<Option<Version>, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT version FROM {s}.streams WHERE stream_id = $1"),
            &[&stream.as_str()],
        )?;
        Ok(rows
            .first()
            .map(|r| r.get::<_, i64>(0).max(0) as u64)
            .filter(|&v| v > 0))
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!(r#"SELECT stream_id FROM {s}.streams ORDER BY stream_id COLLATE "C""#),
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let id: String = r.get(0);
                StreamId::new(id.clone()).map_err(|_| {
                    StoreError::corruption(StreamId::all(), 0, format!("invalid stream id {id:?}"))
                })
            })
            .collect()
    }

    fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT position FROM {s}.log_head WHERE id = 1"),
            &[],
        )?;
        let head: i64 = rows.first().map(|r| r.get(0)).ok_or_else(|| {
            StoreError::corruption(StreamId::all(), 0, "the log head row is missing")
        })?;
        Ok(head.max(0) as u64)
    }

    /// LISTEN/NOTIFY only wakes the waiter; the head is always read from the table.
    fn wait_for_events(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError> {
        let deadline = Instant::now() + timeout;
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        conn.batch_execute(&format!("LISTEN {}", self.channel))
            .map_err(io)?;
        let head_sql = format!("SELECT position FROM {s}.log_head WHERE id = 1");
        let result = (|| loop {
            let head: i64 = conn.query_one(&head_sql, &[]).map_err(io)?.get(0);
            let head = head.max(0) as u64;
            let now = Instant::now();
            if head > after || now >= deadline {
                return Ok(head);
            }
            let mut notifications = conn.notifications();
            let mut waiting = notifications.timeout_iter(deadline - now);
            // one notification (or the timeout) is enough: re-read the head
            let _ = waiting.next().map_err(io)?;
        })();
        conn.batch_execute(&format!("UNLISTEN {}", self.channel))
            .map_err(io)?;
        result
    }
}

impl KeyArea for PgStore {
    fn data_key(&self, stream: &StreamId) -> Result<Option<KeyState>, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT state FROM {s}.data_keys WHERE stream_id = $1"),
            &[&stream.as_str()],
        )?;
        rows.first()
            .map(|row| parse_key(stream, row.get(0)))
            .transpose()
    }
    fn key_area(&self) -> Result<Vec<(StreamId, KeyState)>, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!(
                r#"SELECT stream_id, state FROM {s}.data_keys ORDER BY stream_id COLLATE "C""#
            ),
            &[],
        )?;
        rows.iter()
            .map(|row| {
                let id: String = row.get(0);
                let stream = StreamId::new(id.clone()).map_err(|_| {
                    StoreError::corruption(
                        StreamId::all(),
                        0,
                        format!("invalid stream id {id:?} in the key area"),
                    )
                })?;
                let state = parse_key(&stream, row.get(1))?;
                Ok((stream, state))
            })
            .collect()
    }
    fn create_data_key(&self, stream: &StreamId, key: DataKey) -> Result<KeyState, StoreError> {
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        conn.execute(
            &format!(
                "INSERT INTO {s}.data_keys (stream_id, state) VALUES ($1, $2)
                 ON CONFLICT (stream_id) DO NOTHING"
            ),
            &[&stream.as_str(), &KeyState::Active(key).to_bytes()],
        )
        .map_err(io)?;
        drop(conn);
        // committed: whichever key won is there for every connection to read
        self.data_key(stream)?.ok_or_else(|| {
            StoreError::corruption(stream.clone(), 0, "the data key vanished after its insert")
        })
    }
    /// Commits the tombstone, then vacuums the key table so that the old row version
    /// (holding the key) leaves the table's pages as soon as no older snapshot needs it.
    /// The write-ahead log and base backups keep it until they are recycled: see ADR 0005.
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        conn.execute(
            &format!(
                "INSERT INTO {s}.data_keys (stream_id, state) VALUES ($1, $2)
                 ON CONFLICT (stream_id) DO UPDATE SET state = EXCLUDED.state"
            ),
            &[&stream.as_str(), &KeyState::Destroyed { at }.to_bytes()],
        )
        .map_err(io)?;
        conn.batch_execute(&format!("VACUUM {s}.data_keys"))
            .map_err(io)
    }
}

impl StoreAdmin for PgStore {
    fn restore(&self, events: Vec<RecordedEvent>) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction().map_err(io)?;
        let mut log = head_row(&locked_head(&mut tx, s)?)?;
        let mut head = log.position;
        let mut seen = HashMap::new();
        {
            let mut last = |stream: &StreamId| self.tip(&mut tx, stream, true);
            check_restore(&mut head, &mut last, &mut seen, &events)?;
        }
        self.insert(&mut tx, &events).map_err(io)?;
        self.set_tips(&mut tx, &events)?;
        for e in &events {
            log.advance(e);
        }
        tx.execute(
            &format!("UPDATE {s}.log_head SET position = $1, digest = $2 WHERE id = 1"),
            &[&to_i64(head)?, &log.digest.0.to_vec()],
        )
        .map_err(io)?;
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&self.channel, &head.to_string()],
        )
        .map_err(io)?;
        tx.commit().map_err(io)
    }
    fn log_head(&self) -> Result<LogHead, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT position, digest FROM {s}.log_head WHERE id = 1"),
            &[],
        )?;
        let row = rows.first().ok_or_else(|| {
            StoreError::corruption(StreamId::all(), 0, "the log head row is missing")
        })?;
        head_row(row)
    }
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let s = &self.schema;
        let rows = self.read(
            &format!("SELECT value FROM {s}.meta WHERE name = $1"),
            &[&name],
        )?;
        Ok(rows.first().map(|row| row.get(0)))
    }
    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        let s = &self.schema;
        let mut conn = self.pool.get()?;
        match value {
            Some(v) => conn.execute(
                &format!(
                    "INSERT INTO {s}.meta VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value"
                ),
                &[&name, &v],
            ),
            None => conn.execute(&format!("DELETE FROM {s}.meta WHERE name = $1"), &[&name]),
        }
        .map_err(io)?;
        self.import.note_set(name, value);
        Ok(())
    }
}

/// A connection for schema administration, after checking the names it will splice into
/// SQL.
fn admin_client(url: &str, schemas: &[&str]) -> Result<postgres::Client, StoreError> {
    for name in schemas {
        if !valid_schema_name(name) {
            return Err(StoreError::Io(format!("invalid schema name {name:?}")));
        }
    }
    let config: postgres::Config = url
        .parse()
        .map_err(|e| StoreError::Io(format!("invalid PostgreSQL URL: {e}")))?;
    config.connect(postgres::NoTls).map_err(io)
}

/// Moves a store that was filled in schema `staging` (an import or restore) into place as
/// `target`, in one transaction: readers see either no `target` (or its empty store) or
/// the whole staged store. A `target` that already holds events is refused
/// (`UnsupportedFormat` names it) and nothing changes.
pub fn promote_schema(url: &str, staging: &str, target: &str) -> Result<(), StoreError> {
    let mut client = admin_client(url, &[staging, target])?;
    let mut tx = client.transaction().map_err(io)?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&target])
        .map_err(io)?
        .is_some();
    if exists {
        let events = tx
            .query_opt(
                &format!("SELECT position FROM {target}.log_head WHERE id = 1 FOR UPDATE"),
                &[],
            )
            .map_err(io)?
            .map_or(0, |row| row.get::<_, i64>(0));
        if events > 0 {
            return Err(StoreError::UnsupportedFormat(format!(
                "schema {target} already holds {events} events"
            )));
        }
        tx.batch_execute(&format!("DROP SCHEMA {target} CASCADE"))
            .map_err(io)?;
    }
    tx.batch_execute(&format!("ALTER SCHEMA {staging} RENAME TO {target}"))
        .map_err(io)?;
    tx.commit().map_err(io)
}

/// Makes way for a staging schema `name` before an import or restore: a missing schema is
/// fine; a schema of that name is dropped only when it is what an earlier import or restore
/// left there — a casework store that still carries the import marker, or one that holds
/// no event. Anything else under that name (a user's own tables, a complete casework store)
/// is left untouched and refused with [`StoreError::UnsupportedFormat`] naming it.
pub fn clear_staging_schema(url: &str, name: &str) -> Result<(), StoreError> {
    let mut client = admin_client(url, &[name])?;
    let mut tx = client.transaction().map_err(io)?;
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&name])
        .map_err(io)?
        .is_some();
    if !exists {
        return Ok(());
    }
    let table = |t: &str| format!("{name}.{t}");
    let casework = tx
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL",
            &[&table("meta"), &table("log_head")],
        )
        .map_err(io)?
        .get::<_, bool>(0);
    let leftover = casework && {
        let marked = tx
            .query_opt(
                &format!("SELECT 1 FROM {name}.meta WHERE name = $1"),
                &[&casework_store::meta::IMPORTING],
            )
            .map_err(io)?
            .is_some();
        let events = tx
            .query_opt(
                &format!("SELECT position FROM {name}.log_head WHERE id = 1"),
                &[],
            )
            .map_err(io)?
            .map_or(0, |row| row.get::<_, i64>(0));
        marked || events == 0
    };
    if !leftover {
        return Err(StoreError::UnsupportedFormat(format!(
            "schema {name} exists and is not what an unfinished import left there; it was not touched"
        )));
    }
    tx.batch_execute(&format!("DROP SCHEMA {name} CASCADE"))
        .map_err(io)?;
    tx.commit().map_err(io)
}

/// Drops schema `name` and everything in it (a failed import's staging schema, made by the
/// same run).
pub fn drop_schema(url: &str, name: &str) -> Result<(), StoreError> {
    admin_client(url, &[name])?
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
        .map_err(io)
}
