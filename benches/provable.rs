//! Benchmarks of provable history (ADR 0007):
//!
//! - `provable/append_10`: an append of 10 events (~300-byte payloads) to sled without a
//!   flush, which now keeps the running log digest, beside the digest's own cost for the
//!   same 10 events; the ratio "with the digest ÷ without" is `1 − digest / append`.
//! - `provable/verify_checkpoint_1m`: `verify_against` over 1,000,000 events (every stream
//!   hash recomputed from the payload, the digest, positions and versions), from memory and
//!   from sled.
//! - `provable/backup_100k`: a full export of a 100,000-event sled store with 5,000 data
//!   keys (synced to disk, as `casework export` does), and an incremental backup after
//!   1 % new events (which syncs each file it writes).
//!
//! Run: `cargo bench --bench provable`.

use std::time::{Duration, Instant};

use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::backup::{backup, BackupOptions};
use casework::store::checkpoint::{checkpoint, verify_against, LogHead, SigningKey};
use casework::store::{
    export_jsonl, DataKey, EventStore, ExpectedVersion, KeyArea, MemoryStore, NewEvent, StoreAdmin,
    StreamId,
};
use casework_testkit::conformance::sample_event;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn fail(e: impl std::fmt::Display) -> ! {
    panic!("{e}")
}

fn ten_events(stream: &str, from: u64) -> Vec<NewEvent> {
    (from..from + 10).map(|n| sample_event(stream, n)).collect()
}

fn sled(dir: &std::path::Path) -> SledStore {
    SledStore::open_with(
        dir,
        SledOptions {
            durability: Durability::None,
            ..SledOptions::default()
        },
    )
    .unwrap_or_else(|e| fail(e))
}

/// Fills `store` with `events` events in appends of 10 over `streams` streams.
fn fill<S: EventStore>(store: &S, events: u64, streams: u64) {
    for n in 0..events / 10 {
        let name = format!("case-{}", n % streams);
        let stream = StreamId::new(name.clone()).unwrap_or_else(|e| fail(e));
        store
            .append(&stream, ExpectedVersion::Any, ten_events(&name, n * 10))
            .unwrap_or_else(|e| fail(e));
    }
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("provable/append_10");
    group.throughput(Throughput::Elements(10));
    group.sample_size(100);
    group.measurement_time(Duration::from_secs(8));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let store = sled(dir.path());
    let mut n = 0u64;
    group.bench_function("sled_no_flush_with_digest", |b| {
        b.iter_batched(
            || {
                n += 1;
                let name = format!("case-{}", n % 1000);
                (
                    StreamId::new(name.clone()).unwrap_or_else(|e| fail(e)),
                    ten_events(&name, n * 10),
                )
            },
            |(stream, events)| {
                store
                    .append(&stream, ExpectedVersion::Any, events)
                    .unwrap_or_else(|e| fail(e))
            },
            BatchSize::SmallInput,
        )
    });
    // the digest alone, over ten recorded events like the ones appended above
    let recorded = store.read_all(1, 10).unwrap_or_else(|e| fail(e));
    group.bench_function("digest_of_10_events", |b| {
        b.iter(|| {
            let mut head = LogHead::EMPTY;
            for e in &recorded {
                head.advance(e);
            }
            head
        })
    });
    group.finish();
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("provable/verify_checkpoint_1m");
    group.throughput(Throughput::Elements(1_000_000));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    let memory = MemoryStore::new();
    fill(&memory, 1_000_000, 10_000);
    let key = SigningKey::generate();
    let cp = checkpoint(&memory, &key).unwrap_or_else(|e| fail(e));
    let public = key.public_key();
    group.bench_function("memory", |b| {
        b.iter(|| {
            let verified = verify_against(&memory, &cp, &public).unwrap_or_else(|e| fail(e));
            assert!(verified.is_ok());
        })
    });
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let store = sled(dir.path());
    let mut from = 1;
    loop {
        let page = memory.read_all(from, 10_000).unwrap_or_else(|e| fail(e));
        let Some(last) = page.last() else { break };
        from = last.position + 1;
        store.restore(page).unwrap_or_else(|e| fail(e));
    }
    store.flush().unwrap_or_else(|e| fail(e));
    drop(memory);
    group.bench_function("sled", |b| {
        b.iter(|| {
            let verified = verify_against(&store, &cp, &public).unwrap_or_else(|e| fail(e));
            assert!(verified.is_ok());
        })
    });
    group.finish();
}

fn backups(c: &mut Criterion) {
    let mut group = c.benchmark_group("provable/backup_100k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let store = sled(&dir.path().join("store"));
    fill(&store, 100_000, 5_000);
    for s in store.list_streams().unwrap_or_else(|e| fail(e)) {
        store
            .create_data_key(&s, DataKey::generate(1))
            .unwrap_or_else(|e| fail(e));
    }
    store.flush().unwrap_or_else(|e| fail(e));
    let key = SigningKey::generate();
    let mut file = 0;
    group.bench_function("full_export", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                file += 1;
                let path = dir.path().join(format!("export-{file}.jsonl"));
                let start = Instant::now();
                let mut out = std::io::BufWriter::new(
                    std::fs::File::create(&path).unwrap_or_else(|e| fail(e)),
                );
                export_jsonl(&store, &mut out, &mut |_| {}).unwrap_or_else(|e| fail(e));
                // as `casework export` does: the file is synced before it is complete
                let file = out.into_inner().unwrap_or_else(|e| fail(e.error()));
                file.sync_all().unwrap_or_else(|e| fail(e));
                spent += start.elapsed();
                std::fs::remove_file(&path).unwrap_or_else(|e| fail(e));
            }
            spent
        })
    });
    let backups = dir.path().join("backups");
    backup(&store, &backups, &key, BackupOptions::default()).unwrap_or_else(|e| fail(e));
    let mut n = 1_000_000u64;
    group.bench_function("incremental_after_1_percent_new", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                // 1,000 new events (1 %), not timed
                for _ in 0..100 {
                    n += 1;
                    let name = format!("case-{}", n % 5_000);
                    let stream = StreamId::new(name.clone()).unwrap_or_else(|e| fail(e));
                    store
                        .append(&stream, ExpectedVersion::Any, ten_events(&name, n * 10))
                        .unwrap_or_else(|e| fail(e));
                }
                let start = Instant::now();
                backup(&store, &backups, &key, BackupOptions::default())
                    .unwrap_or_else(|e| fail(e));
                spent += start.elapsed();
            }
            spent
        })
    });
    group.finish();
}

criterion_group!(benches, append, verify, backups);
criterion_main!(benches);
