//! Benchmarks of the sled store against raw sled writing the same bytes.
//!
//! Run: `cargo bench --bench sled_store`. The 1,000,000-event store is built once into
//! `target/casework-bench/sled-1m` and reused by later runs.

use std::path::PathBuf;
use std::time::Duration;

use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::{EventStore, ExpectedVersion, NewEvent, StreamId};
use casework_testkit::conformance::sample_event;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn ten_events(stream: &str, from: u64) -> Vec<NewEvent> {
    (from..from + 10).map(|n| sample_event(stream, n)).collect()
}

fn open(dir: &std::path::Path, durability: Durability) -> SledStore {
    SledStore::open_with(
        dir,
        SledOptions {
            durability,
            ..SledOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Appends of 10 events (~300-byte payloads) per call: casework-sled vs raw sled inserting
/// the same encoded bytes in one batch, with and without a flush per call.
fn append(c: &mut Criterion) {
    for (label, durability, flush) in [
        ("flush", Durability::FlushEveryAppend, true),
        ("no_flush", Durability::None, false),
    ] {
        let mut group = c.benchmark_group(format!("append_10/{label}"));
        group.throughput(Throughput::Elements(10));
        group.sample_size(if flush { 30 } else { 100 });
        group.measurement_time(Duration::from_secs(if flush { 10 } else { 5 }));

        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = open(dir.path(), durability);
        let mut n = 0u64;
        group.bench_function("casework_sled", |b| {
            b.iter_batched(
                || {
                    n += 1;
                    let stream = format!("case-{}", n % 1000);
                    (
                        StreamId::new(stream.clone()).unwrap_or_else(|e| panic!("{e}")),
                        ten_events(&stream, n * 10),
                    )
                },
                |(stream, events)| {
                    store
                        .append(&stream, ExpectedVersion::Any, events)
                        .unwrap_or_else(|e| panic!("{e}"))
                },
                BatchSize::SmallInput,
            )
        });

        // raw sled: the same record bytes under position keys, one batch, same flush policy
        let raw_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = sled::Config::new()
            .path(raw_dir.path())
            .cache_capacity(256 << 20)
            .open()
            .unwrap_or_else(|e| panic!("{e}"));
        let tree = db.open_tree("raw").unwrap_or_else(|e| panic!("{e}"));
        let template: Vec<Vec<u8>> = {
            let mem = casework::store::MemoryStore::new();
            let s = StreamId::new("case-0").unwrap_or_else(|e| panic!("{e}"));
            mem.append(&s, ExpectedVersion::Any, ten_events("case-0", 0))
                .unwrap_or_else(|e| panic!("{e}"));
            mem.read_all(1, 10)
                .unwrap_or_else(|e| panic!("{e}"))
                .iter()
                .map(casework::store::internals::record::encode)
                .collect()
        };
        let mut pos = 0u64;
        group.bench_function("raw_sled", |b| {
            b.iter(|| {
                let mut batch = sled::Batch::default();
                for bytes in &template {
                    pos += 1;
                    batch.insert(&pos.to_be_bytes(), bytes.as_slice());
                }
                tree.apply_batch(batch).unwrap_or_else(|e| panic!("{e}"));
                if flush {
                    db.flush().unwrap_or_else(|e| panic!("{e}"));
                }
            })
        });
        group.finish();
    }
}

const BIG: u64 = 1_000_000;

/// A store of 1,000,000 events: 20,000 cases of 50 events, written 10 per append,
/// interleaved over cases as a real deployment would.
fn big_store() -> SledStore {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/casework-bench/sled-1m");
    if let Ok(store) = SledStore::open(&dir) {
        if store.head_position().unwrap_or(0) == BIG {
            return store;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let store = open(&dir, Durability::None);
    let cases = BIG / 50;
    for round in 0..5u64 {
        for case in 0..cases {
            let name = format!("case-{case:06}");
            let s = StreamId::new(name.clone()).unwrap_or_else(|e| panic!("{e}"));
            store
                .append(&s, ExpectedVersion::Any, ten_events(&name, round * 10 + 1))
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    store.flush().unwrap_or_else(|e| panic!("{e}"));
    store
}

fn reads(c: &mut Criterion) {
    let store = big_store();
    let mut group = c.benchmark_group("read_1m");
    group.throughput(Throughput::Elements(50));
    let mut case = 0u64;
    group.bench_function("read_case_of_50", |b| {
        b.iter_batched(
            || {
                case = (case + 7919) % (BIG / 50);
                StreamId::new(format!("case-{case:06}")).unwrap_or_else(|e| panic!("{e}"))
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
    group.finish();

    let mut group = c.benchmark_group("read_all_1m");
    group.throughput(Throughput::Elements(BIG));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("decoded_envelopes", |b| {
        b.iter(|| {
            let mut from = 1;
            let mut n = 0u64;
            loop {
                let page = store
                    .read_all(from, 10_000)
                    .unwrap_or_else(|e| panic!("{e}"));
                if page.is_empty() {
                    break;
                }
                n += page.len() as u64;
                from += page.len() as u64;
            }
            assert_eq!(n, BIG);
        })
    });
    group.finish();
}

criterion_group!(benches, append, reads);
criterion_main!(benches);
