//! sled and redb side by side in one run, through casework and as raw engines.
//!
//! Run: `cargo bench --features redb --bench engines`. The stores of `LOAD_EVENTS` events
//! (default 1,000,000; set `CASEWORK_BENCH_EVENTS` to change) are built once into
//! `target/casework-bench/engines-{sled,redb}-N` and reused by later runs.
//!
//! - `append_10/{durable,no_sync}`: appends of 10 events (~300-byte payloads); durable is
//!   sled's flush per append against redb's fsync per commit.
//! - `group_commit`: 8 threads appending durably to distinct streams, against one thread,
//!   per engine (events per second; the ratio is in `docs/performance.md`).
//! - `load_case`: one case of 20 events read from a store of `LOAD_EVENTS` events.
//! - `read_log`: 10,000 events of the global log.
//! - `demo`: 200 simulated cases, end to end into a new store.
//! - `raw`: each engine writing 10 values of the same size in one batch/transaction.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casework::redb::{RedbOptions, RedbStore};
use casework::sim::{simulate, SimConfig};
use casework::sled::{SledOptions, SledStore};
use casework::store::{ExpectedVersion, NewEvent, Store, StreamId};
use casework_testkit::conformance::sample_event;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

/// How an engine is opened for a bench.
#[derive(Clone, Copy)]
enum Engine {
    Sled,
    Redb,
}

/// Durable, durable with group commit, or without sync.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Durable,
    Group,
    NoSync,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Sled => "sled",
            Engine::Redb => "redb",
        }
    }

    fn open(self, dir: &Path, mode: Mode) -> Arc<dyn Store> {
        match self {
            Engine::Sled => Arc::new(
                SledStore::open_with(
                    dir,
                    SledOptions {
                        durability: match mode {
                            Mode::Durable => casework::sled::Durability::FlushEveryAppend,
                            Mode::Group => casework::sled::Durability::GroupCommit,
                            Mode::NoSync => casework::sled::Durability::None,
                        },
                        ..SledOptions::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{e}")),
            ),
            Engine::Redb => Arc::new(
                RedbStore::open_with(
                    dir,
                    RedbOptions {
                        durability: match mode {
                            Mode::Durable => casework::redb::Durability::Immediate,
                            Mode::Group => casework::redb::Durability::GroupCommit,
                            Mode::NoSync => casework::redb::Durability::None,
                        },
                        ..RedbOptions::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{e}")),
            ),
        }
    }
}

const ENGINES: [Engine; 2] = [Engine::Sled, Engine::Redb];

fn ten_events(stream: &str, from: u64) -> Vec<NewEvent> {
    (from..from + 10).map(|n| sample_event(stream, n)).collect()
}

fn stream(n: u64) -> StreamId {
    StreamId::new(format!("case-{n}")).unwrap_or_else(|e| panic!("{e}"))
}

fn append(c: &mut Criterion) {
    for (label, mode) in [("durable", Mode::Durable), ("no_sync", Mode::NoSync)] {
        let mut group = c.benchmark_group(format!("append_10/{label}"));
        group.throughput(Throughput::Elements(10));
        group.sample_size(if mode == Mode::Durable { 30 } else { 100 });
        group.measurement_time(Duration::from_secs(8));
        let mut stores: Vec<(String, tempfile::TempDir, Arc<dyn Store>)> = Vec::new();
        for engine in ENGINES {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let store = engine.open(dir.path(), mode);
            stores.push((engine.name().to_owned(), dir, store));
        }
        if mode == Mode::Durable {
            // sled's flush is `sync_file_range`, which does not reach the disk's cache:
            // sled with an fdatasync per append is the like-for-like of redb's fsync
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let store: Arc<dyn Store> = Arc::new(
                SledStore::open_with(
                    dir.path(),
                    SledOptions {
                        durability: casework::sled::Durability::FlushAndSync,
                        ..SledOptions::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{e}")),
            );
            stores.push(("sled_fdatasync".to_owned(), dir, store));
        }
        for (name, _dir, store) in &stores {
            let mut n = 0u64;
            group.bench_function(name.as_str(), |b| {
                b.iter_batched(
                    || {
                        n += 1;
                        (stream(n % 1000), ten_events("case", n * 10))
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
    }
}

/// Events per second of `threads` writers appending durably, `per_thread` appends each.
fn writers(store: &Arc<dyn Store>, threads: u64, per_thread: u64, round: u64) -> f64 {
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(store);
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let s = stream(round * 1_000_000 + t * 10_000 + i % 50);
                    store
                        .append(&s, ExpectedVersion::Any, ten_events("case", i * 10))
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap_or_else(|_| panic!("a writer panicked"));
    }
    (threads * per_thread * 10) as f64 / started.elapsed().as_secs_f64()
}

fn group_commit(c: &mut Criterion) {
    let mut group = c.benchmark_group("group_commit");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for engine in ENGINES {
        for threads in [1u64, 8] {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let mode = if threads == 1 {
                Mode::Durable
            } else {
                Mode::Group
            };
            let store = engine.open(dir.path(), mode);
            group.throughput(Throughput::Elements(threads * 20 * 10));
            let mut round = 0;
            group.bench_function(format!("{}/{threads}_writers", engine.name()), |b| {
                b.iter(|| {
                    round += 1;
                    writers(&store, threads, 20, round)
                })
            });
        }
    }
    group.finish();
}

fn load_events() -> u64 {
    std::env::var("CASEWORK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// A store of `events` events (10 per append, 20 per stream), built once.
fn big_store(engine: Engine, events: u64) -> Arc<dyn Store> {
    let dir: PathBuf = [
        "target",
        "casework-bench",
        &format!("engines-{}-{events}", engine.name()),
    ]
    .iter()
    .collect();
    let complete = dir.join("complete");
    if !complete.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let store = engine.open(&dir, Mode::NoSync);
        for i in 0..events / 10 {
            store
                .append(
                    &stream(i / 2),
                    ExpectedVersion::Any,
                    ten_events("case", i * 10),
                )
                .unwrap_or_else(|e| panic!("{e}"));
        }
        store.flush().unwrap_or_else(|e| panic!("{e}"));
        drop(store);
        std::fs::write(&complete, b"").unwrap_or_else(|e| panic!("{e}"));
    }
    engine.open(&dir, Mode::Durable)
}

fn reads(c: &mut Criterion) {
    let events = load_events();
    let mut group = c.benchmark_group(format!("read/{events}_events"));
    group.sample_size(50);
    for engine in ENGINES {
        let store = big_store(engine, events);
        let cases = events / 20;
        let mut n = 0u64;
        group.throughput(Throughput::Elements(20));
        group.bench_function(format!("load_case/{}", engine.name()), |b| {
            b.iter(|| {
                n = (n + 7919) % cases;
                store
                    .read_stream_all(&stream(n))
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
        group.throughput(Throughput::Elements(10_000));
        let mut at = 0u64;
        group.bench_function(format!("read_log_10k/{}", engine.name()), |b| {
            b.iter(|| {
                at = (at + 104_729) % events.saturating_sub(10_000).max(1);
                store
                    .read_all(at + 1, 10_000)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
        });
    }
    group.finish();
}

fn demo(c: &mut Criterion) {
    let mut group = c.benchmark_group("demo_200_cases");
    group.sample_size(10);
    for engine in ENGINES {
        group.bench_function(engine.name(), |b| {
            b.iter_batched(
                || tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
                |dir| {
                    let config = SimConfig {
                        cases: 200,
                        ..SimConfig::default()
                    };
                    let store: Arc<dyn Store> = match engine {
                        Engine::Sled => Arc::new(
                            SledStore::open_with(
                                dir.path(),
                                SledOptions {
                                    durability: casework::sled::Durability::None,
                                    clock: config.store_clock(),
                                    ..SledOptions::default()
                                },
                            )
                            .unwrap_or_else(|e| panic!("{e}")),
                        ),
                        Engine::Redb => Arc::new(
                            RedbStore::open_with(
                                dir.path(),
                                RedbOptions {
                                    durability: casework::redb::Durability::None,
                                    clock: config.store_clock(),
                                    ..RedbOptions::default()
                                },
                            )
                            .unwrap_or_else(|e| panic!("{e}")),
                        ),
                    };
                    let summary =
                        simulate(&*store, &config, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
                    store.flush().unwrap_or_else(|e| panic!("{e}"));
                    (summary.events, dir)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// The engines alone: 10 values of an encoded event's size in one batch / transaction.
fn raw(c: &mut Criterion) {
    let value = vec![7u8; 420];
    for (label, durable) in [("durable", true), ("no_sync", false)] {
        let mut group = c.benchmark_group(format!("raw_10/{label}"));
        group.throughput(Throughput::Elements(10));
        group.sample_size(30);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = sled::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let tree = db.open_tree("t").unwrap_or_else(|e| panic!("{e}"));
        let mut n = 0u64;
        group.bench_function("sled", |b| {
            b.iter(|| {
                let mut batch = sled::Batch::default();
                for _ in 0..10 {
                    n += 1;
                    batch.insert(&n.to_be_bytes(), value.as_slice());
                }
                tree.apply_batch(batch).unwrap_or_else(|e| panic!("{e}"));
                if durable {
                    db.flush().unwrap_or_else(|e| panic!("{e}"));
                }
            })
        });
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db =
            redb::Database::create(dir.path().join("raw.redb")).unwrap_or_else(|e| panic!("{e}"));
        let table: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("t");
        let mut m = 0u64;
        group.bench_function("redb", |b| {
            b.iter(|| {
                let mut txn = db.begin_write().unwrap_or_else(|e| panic!("{e}"));
                if !durable {
                    txn.set_durability(redb::Durability::None)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                {
                    let mut t = txn.open_table(table).unwrap_or_else(|e| panic!("{e}"));
                    for _ in 0..10 {
                        m += 1;
                        t.insert(m, value.as_slice())
                            .unwrap_or_else(|e| panic!("{e}"));
                    }
                }
                txn.commit().unwrap_or_else(|e| panic!("{e}"));
            })
        });
        group.finish();
    }
}

criterion_group!(benches, append, group_commit, reads, demo, raw);
criterion_main!(benches);
