//! PostgreSQL and sled side by side in one run: append throughput (10 events per append,
//! each store with its default durability), the latency of reading one case of 50
//! events from a store of 100,000 events, and PostgreSQL with 1, 2, 4 and 8 concurrent
//! writers on distinct cases (throughput counts every writer's events).
//!
//! Run: `CASEWORK_PG_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --features postgres --bench pg_vs_sled`

use std::time::Duration;

use casework::postgres::{PgOptions, PgStore};
use casework::sled::SledStore;
use casework::store::{EventStore, ExpectedVersion, NewEvent, StreamId};
use casework_testkit::conformance::sample_event;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn ten(stream: &str, from: u64) -> Vec<NewEvent> {
    (from..from + 10).map(|n| sample_event(stream, n)).collect()
}

fn sid(s: String) -> StreamId {
    StreamId::new(s).unwrap_or_else(|e| panic!("{e}"))
}

const CASES: u64 = 2_000;

/// 2,000 cases × 50 events, 10 per append, interleaved.
fn fill(store: &dyn EventStore) {
    for round in 0..5 {
        for case in 0..CASES {
            let name = format!("case-{case:05}");
            store
                .append(
                    &sid(name.clone()),
                    ExpectedVersion::Any,
                    ten(&name, round * 10 + 1),
                )
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

fn side_by_side(c: &mut Criterion) {
    let Ok(url) = std::env::var("CASEWORK_PG_URL") else {
        eprintln!("CASEWORK_PG_URL is not set: skipping the PostgreSQL benchmarks");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sled = SledStore::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let schema = format!("cw_bench_{}", std::process::id());
    let pg = PgStore::open(
        &url,
        PgOptions {
            schema: schema.clone(),
            ..PgOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let stores: [(&str, &dyn EventStore); 2] = [("sled", &sled), ("postgres", &pg)];

    let mut group = c.benchmark_group("append_10_durable");
    group.throughput(Throughput::Elements(10));
    group.sample_size(30);
    group.measurement_time(Duration::from_secs(10));
    for (name, store) in stores {
        let mut n = 0u64;
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    n += 1;
                    (sid(format!("w-{}", n % 500)), ten("w", n * 10))
                },
                |(s, events)| {
                    store
                        .append(&s, ExpectedVersion::Any, events)
                        .unwrap_or_else(|e| panic!("{e}"))
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    let mut group = c.benchmark_group("read_case_50_of_100k");
    group.throughput(Throughput::Elements(50));
    for (name, store) in stores {
        fill(store);
        let mut case = 0u64;
        group.bench_function(name, |b| {
            b.iter_batched(
                || {
                    case = (case + 7) % CASES;
                    sid(format!("case-{case:05}"))
                },
                |s| {
                    let events = store
                        .read_stream(&s, 1, 100)
                        .unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(events.len(), 50);
                    events
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    // concurrent writers on distinct cases (issue 23): every append waits for the counter
    // row, so this shows what one round trip per append buys when commits queue
    let mut group = c.benchmark_group("postgres_writers_append_10");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for writers in [1u64, 2, 4, 8] {
        group.throughput(Throughput::Elements(10 * writers));
        let round = std::sync::atomic::AtomicU64::new(0);
        group.bench_function(format!("{writers}_writers"), |b| {
            b.iter_custom(|iters| {
                let r = round.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let start = std::time::Instant::now();
                std::thread::scope(|scope| {
                    for w in 0..writers {
                        let pg = &pg;
                        scope.spawn(move || {
                            // each writer its own cases; every iteration one append each
                            for i in 0..iters {
                                let s = sid(format!("p{writers}-r{r}-w{w}-{}", i % 50));
                                pg.append(&s, ExpectedVersion::Any, ten("p", i * 10))
                                    .unwrap_or_else(|e| panic!("{e}"));
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    group.finish();

    if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }
}

criterion_group!(benches, side_by_side);
criterion_main!(benches);
