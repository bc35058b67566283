//! `casework demo --cases 10000` end to end, as the CLI runs it: a simulated deployment of
//! 10,000 cases over two years through the real command path (load, decide, append) into
//! a fresh sled store in bulk mode (no flush per append, one flush at the end).
//!
//! Run: `cargo bench --bench demo`

use std::time::Duration;

use casework::sim::{simulate, SimConfig};
use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::EventStore;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn demo(c: &mut Criterion) {
    let config = SimConfig {
        cases: 10_000,
        ..SimConfig::default()
    };
    // the number of events is fixed by the seed: measure it once for the throughput
    let probe = casework::store::MemoryStore::with_clock(config.store_clock());
    let events = simulate(&probe, &config, &mut |_| {})
        .map(|s| s.events)
        .unwrap_or(0);
    drop(probe);
    let mut group = c.benchmark_group("demo_10000_cases");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(120));
    group.bench_function("sled", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            |dir| {
                let store = SledStore::open_with(
                    dir.path(),
                    SledOptions {
                        durability: Durability::None,
                        clock: config.store_clock(),
                        ..SledOptions::default()
                    },
                )
                .unwrap_or_else(|e| panic!("{e}"));
                let summary =
                    simulate(&store, &config, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
                store.flush().unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(store.head_position().unwrap_or(0), summary.events);
                dir
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, demo);
criterion_main!(benches);
