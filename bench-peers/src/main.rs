//! The peer comparison of issue 10: the same workload on casework (memory, sled,
//! PostgreSQL) and on cqrs-es (its in-memory store) and postgres-es (the same local
//! PostgreSQL server).
//!
//! Workload: `CASES` aggregates, each receiving commands that each produce 10 events
//! (~120-byte payloads), until it holds `EVENTS` events. Every command loads the
//! aggregate's whole history (no snapshots on either side), decides, and appends with an
//! optimistic concurrency check. One writer; wall time over all commands.
//!
//! Run (PostgreSQL from `CASEWORK_PG_URL`, default the local test database):
//!
//! ```sh
//! cargo run --release --manifest-path bench-peers/Cargo.toml -- [CASES=1000] [EVENTS=100]
//! ```

use std::collections::HashMap;
use std::time::{Duration, Instant};

use casework_core::Process;
use casework_process::{Actor, Context, Policy, Role};
use casework_postgres::{PgOptions, PgStore};
use casework_sled::SledStore;
use casework_store::{Codec, KeyArea, MemoryStore, Metadata, Repository, StoredEvent, StreamId};
use chrono::{DateTime, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::mem_store::MemStore;
use cqrs_es::{Aggregate, CqrsFramework, DomainEvent};
use serde::{Deserialize, Serialize};

const PER_COMMAND: u32 = 10;

/// The one event type of both implementations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    n: u32,
    amount: i64,
    note: String,
}

#[derive(Debug, Clone)]
struct Record {
    amount: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("the ledger is full")]
struct Full;

// ---- casework -----------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq)]
struct Ledger {
    entries: u32,
    balance: i64,
}

struct LedgerProcess;

fn entries(first: u32, amount: i64) -> Vec<Entry> {
    (first..first + PER_COMMAND)
        .map(|n| Entry {
            n,
            amount,
            note: format!("entry {n}: booked against the plan, voucher GS-2026-{n:05}, module 2"),
        })
        .collect()
}

impl Process for LedgerProcess {
    type State = Ledger;
    type Command = Record;
    type Event = Entry;
    type Error = Full;
    type Context<'c> = Context<'c>;

    fn decide(state: &Ledger, cmd: &Record, _: &Context<'_>) -> Result<Vec<Entry>, Full> {
        if state.entries > 1_000_000 {
            return Err(Full);
        }
        Ok(entries(state.entries + 1, cmd.amount))
    }

    fn evolve(mut state: Ledger, event: &Entry) -> Ledger {
        state.entries = event.n;
        state.balance += event.amount;
        state
    }
}

impl StoredEvent for Entry {
    fn event_type(&self) -> &'static str {
        "EntryRecorded"
    }
    fn current_schema_version(event_type: &str) -> Option<u16> {
        (event_type == "EntryRecorded").then_some(1)
    }
    fn effective_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
    }
}

fn run_casework<S: KeyArea>(store: &S, cases: u32, events: u32) -> Duration {
    let repo = Repository::<LedgerProcess, S>::new(store, Codec::new());
    let policy = Policy::default();
    let actor = Actor::new("bench", Role::Coordinator, "bench");
    let ctx = Context::new(Utc::now(), &actor, &policy);
    let start = Instant::now();
    for round in 0..events / PER_COMMAND {
        for case in 0..cases {
            let stream = StreamId::new(format!("ledger-{case}")).unwrap_or_else(|e| panic!("{e}"));
            let done = repo
                .execute(
                    &stream,
                    &Record {
                        amount: i64::from(round),
                    },
                    &ctx,
                    Metadata::default(),
                )
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(done.state.entries, (round + 1) * PER_COMMAND);
        }
    }
    start.elapsed()
}

// ---- cqrs-es ------------------------------------------------------------------------

#[derive(Debug, Default, Serialize, Deserialize)]
struct EsLedger {
    entries: u32,
    balance: i64,
}

impl DomainEvent for Entry {
    fn event_type(&self) -> String {
        "EntryRecorded".into()
    }
    fn event_version(&self) -> String {
        "1".into()
    }
}

impl Aggregate for EsLedger {
    const TYPE: &'static str = "ledger";
    type Command = Record;
    type Event = Entry;
    type Error = Full;
    type Services = ();

    async fn handle(
        &mut self,
        command: Record,
        _: &(),
        sink: &EventSink<Self>,
    ) -> Result<(), Full> {
        if self.entries > 1_000_000 {
            return Err(Full);
        }
        for e in entries(self.entries + 1, command.amount) {
            sink.write(e, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Entry) {
        self.entries = event.n;
        self.balance += event.amount;
    }
}

async fn run_cqrs<ES: cqrs_es::EventStore<EsLedger>>(
    cqrs: &CqrsFramework<EsLedger, ES>,
    cases: u32,
    events: u32,
) -> Duration {
    let start = Instant::now();
    for round in 0..events / PER_COMMAND {
        for case in 0..cases {
            cqrs.execute(
                &format!("ledger-{case}"),
                Record {
                    amount: i64::from(round),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    start.elapsed()
}

// ---- the run ------------------------------------------------------------------------

fn pg_url() -> String {
    std::env::var("CASEWORK_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

fn fresh_schema(url: &str, schema: &str) {
    let mut client =
        postgres::Client::connect(url, postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
}

fn main() {
    // cqrs-es and postgres-es are async; casework and the setup are not, and the sync
    // PostgreSQL client must not run inside a runtime: the runtime only drives the peers
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    // `--only memory` (or `sled`, `postgres`): one pair, e.g. to count its instructions
    let only = std::env::args()
        .skip_while(|a| a != "--only")
        .nth(1)
        .unwrap_or_default();
    let runs = |pair: &str| only.is_empty() || only == pair;
    let cases = args.first().copied().unwrap_or(1000);
    let events = args.get(1).copied().unwrap_or(100);
    let commands = f64::from(cases * (events / PER_COMMAND));
    let total = f64::from(cases * events);
    let url = pg_url();
    let mut results: Vec<(&str, Duration)> = Vec::new();

    // in memory
    if runs("memory") || only == "casework-memory" {
        let memory = MemoryStore::new();
        results.push(("casework MemoryStore", run_casework(&memory, cases, events)));
    }
    if runs("memory") || only == "cqrs-memory" {
        let mem = CqrsFramework::new(MemStore::<EsLedger>::default(), vec![], ());
        results.push((
            "cqrs-es MemStore",
            rt.block_on(run_cqrs(&mem, cases, events)),
        ));
    }

    if runs("sled") {
        // sled, flushed before every append returns (the default)
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sled = SledStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        results.push((
            "casework SledStore (flush per append)",
            run_casework(&sled, cases, events),
        ));
    }

    if runs("postgres") {
        // PostgreSQL: casework's own schema, and postgres-es's tables in another schema
        fresh_schema(&url, "peer_bench_cw");
        let pg = PgStore::open(
            &url,
            PgOptions {
                schema: "peer_bench_cw".into(),
                ..PgOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        results.push(("casework PgStore", run_casework(&pg, cases, events)));

        fresh_schema(&url, "peer_bench_es");
        let mut client =
            postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("{e}"));
        client
            .batch_execute(
                "CREATE TABLE peer_bench_es.events (
                    aggregate_type text NOT NULL,
                    aggregate_id text NOT NULL,
                    sequence bigint CHECK (sequence >= 0) NOT NULL,
                    event_type text NOT NULL,
                    event_version text NOT NULL,
                    payload json NOT NULL,
                    metadata json NOT NULL,
                    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
                );",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let options: sqlx::postgres::PgConnectOptions = url
            .parse::<sqlx::postgres::PgConnectOptions>()
            .unwrap_or_else(|e| panic!("{e}"))
            .options([("search_path", "peer_bench_es")]);
        let pool = rt
            .block_on(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(10)
                    .connect_with(options),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let es = postgres_es::postgres_cqrs::<EsLedger>(pool, vec![], ());
        results.push(("postgres-es", rt.block_on(run_cqrs(&es, cases, events))));
    }

    let by_name: HashMap<&str, Duration> = results.iter().copied().collect();
    println!(
        "workload: {cases} aggregates x {events} events, {PER_COMMAND} events per command ({commands} commands), one writer"
    );
    println!("| implementation | time | commands/s | events/s |");
    println!("| --- | --- | --- | --- |");
    for (name, t) in &results {
        let s = t.as_secs_f64();
        println!(
            "| {name} | {:.3} s | {:.0} | {:.0} |",
            s,
            commands / s,
            total / s
        );
    }
    let ratio = |ours: &str, peer: &str| {
        Some(by_name.get(peer)?.as_secs_f64() / by_name.get(ours)?.as_secs_f64())
    };
    for (what, ours, peer) in [
        ("in memory", "casework MemoryStore", "cqrs-es MemStore"),
        ("PostgreSQL", "casework PgStore", "postgres-es"),
        (
            "sled (durable, embedded) vs postgres-es",
            "casework SledStore (flush per append)",
            "postgres-es",
        ),
    ] {
        if let Some(r) = ratio(ours, peer) {
            println!("{what}: casework / peer speed = {r:.2}");
        }
    }
}
