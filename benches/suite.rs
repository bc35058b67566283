//! The performance suite of issue 10, each headline a ratio measured side by side in one
//! run (see `docs/performance.md`; `scripts/bench-report` runs it and writes the table):
//!
//! - `fold`: `evolve` over already-decoded events of simulated cases;
//! - `replay`: decode (upcast, open sealed fields with the case key) and evolve; decode
//!   and evolve leaving sealed fields sealed (what projections do); both against raw
//!   `serde_json::from_slice` of the same payloads into the same type;
//! - `round_trip`: load a case (6 to 16 events), decide, append, on sled without flush;
//! - `durable_append`: flush per append with one writer against group commit with 1, 2, 4
//!   and 8 writers;
//! - `load_case`: `Repository::load` of one 20-event case from sled stores of 10 k, 100 k
//!   and 1 M events.
//!
//! Run: `cargo bench --bench suite` (`CASEWORK_BENCH_QUICK=1` for short measurements).
//! Projection rebuild is `cargo bench --bench reports`.

use casework_case::CaseStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use casework::case::case_codec;
use casework::core::*;
use casework::process::*;
use casework::sim::{simulate, SimConfig};
use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::{
    EventStore, ExpectedVersion, KeyArea, MemoryStore, Metadata, RecordedEvent, Repository,
    StreamId,
};
use casework_testkit::conformance::{registration, sample_event, workload_scope};
use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

fn quick() -> bool {
    std::env::var_os("CASEWORK_BENCH_QUICK").is_some()
}

fn timing(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    if quick() {
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(500));
        group.measurement_time(Duration::from_secs(2));
    } else {
        group.sample_size(30);
        group.measurement_time(Duration::from_secs(8));
    }
}

fn fail<E: std::fmt::Display>(e: E) -> ! {
    panic!("{e}")
}

/// The recorded events of a simulated deployment, per case stream.
fn simulated(cases: u32) -> (MemoryStore, Vec<Vec<RecordedEvent>>) {
    let config = SimConfig {
        cases,
        ..SimConfig::default()
    };
    let store = MemoryStore::with_clock(config.store_clock());
    simulate(&store, &config, &mut |_| {}).unwrap_or_else(|e| fail(e));
    let streams = store
        .list_streams()
        .unwrap_or_else(|e| fail(e))
        .into_iter()
        .map(|s| store.read_stream_all(&s).unwrap_or_else(|e| fail(e)))
        .collect();
    (store, streams)
}

fn fold_and_replay(c: &mut Criterion) {
    let (store, streams) = simulated(1_000);
    let codec = case_codec();
    let keys: Vec<_> = streams
        .iter()
        .map(|s| store.data_key(&s[0].stream).unwrap_or_else(|e| fail(e)))
        .collect();
    let decoded: Vec<Vec<CaseEvent>> = streams
        .iter()
        .zip(&keys)
        .map(|(s, key)| {
            s.iter()
                .map(|r| {
                    codec
                        .decode_opened(r, key.as_ref())
                        .unwrap_or_else(|e| fail(e))
                })
                .collect()
        })
        .collect();
    let events: u64 = decoded.iter().map(|d| d.len() as u64).sum();

    let mut group = c.benchmark_group("fold");
    timing(&mut group);
    group.throughput(Throughput::Elements(events));
    group.bench_function("evolve_decoded", |b| {
        b.iter(|| {
            decoded
                .iter()
                .map(|case| fold::<CaseProcess, _>(case).phase_name())
                .filter(|p| *p == PhaseName::Closed)
                .count()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("replay");
    timing(&mut group);
    group.throughput(Throughput::Elements(events));
    group.bench_function("casework_decode_open_evolve", |b| {
        b.iter(|| {
            replay(&streams, |i, r| {
                codec
                    .decode_opened(r, keys[i].as_ref())
                    .unwrap_or_else(|e| fail(e))
            })
        })
    });
    group.bench_function("casework_decode_evolve_sealed", |b| {
        b.iter(|| replay(&streams, |_, r| codec.decode(r).unwrap_or_else(|e| fail(e))))
    });
    group.bench_function("raw_serde_from_slice", |b| {
        b.iter(|| {
            let mut n = 0;
            for case in &streams {
                for r in case {
                    let e: CaseEvent =
                        serde_json::from_slice(&r.payload).unwrap_or_else(|e| fail(e));
                    n += usize::from(matches!(e, CaseEvent::CaseClosed { .. }));
                }
            }
            n
        })
    });
    group.finish();
}

/// Decodes (with `decode`, given the case's index) and folds every case; counts the closed
/// ones so the work cannot be optimized away.
fn replay(
    streams: &[Vec<RecordedEvent>],
    decode: impl Fn(usize, &RecordedEvent) -> CaseEvent,
) -> usize {
    let mut closed = 0;
    for (i, case) in streams.iter().enumerate() {
        let mut state = CaseState::default();
        for r in case {
            CaseProcess::evolve_in_place(&mut state, &decode(i, r));
        }
        closed += usize::from(state.phase_name() == PhaseName::Closed);
    }
    closed
}

/// Cases `first..first + n` with a running voucher (6 events each), ready for commands
/// that append without end.
fn running_cases<S: KeyArea>(store: &S, first: u32, n: u32) -> Vec<StreamId> {
    let repo = Repository::<CaseProcess, S>::new(store, case_codec());
    let policy = Policy::default();
    let client = Actor::new("client", Role::Client, "client");
    let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz");
    let now = Utc
        .with_ymd_and_hms(2026, 2, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let ctx = |a| Context::new(now, a, &policy);
    (first..first + n)
        .map(|i| {
            let case = CaseId(uuid::Uuid::from_u128(0xBE4C_0000 + u128::from(i)));
            let stream = StreamId::for_case(case);
            let voucher = VoucherId::new("V1");
            let steps: [(&Actor, CaseCommand); 5] = [
                (&coordinator, registration(case, "Bench Client")),
                (
                    &client,
                    CaseCommand::SignConsent {
                        signatory: Signatory::Client,
                        scope: workload_scope("Dr. B"),
                    },
                ),
                (
                    &coordinator,
                    CaseCommand::FormTeam {
                        coordinator: UserId::new("k.meier"),
                        coordinator_institution: InstitutionId::new("iiz"),
                        members: vec![],
                    },
                ),
                (
                    &coordinator,
                    CaseCommand::IssueVoucher {
                        voucher: voucher.clone(),
                        service: ServiceId::new(DEBT_COUNSELLING),
                        provider: ProviderId::new("caritas"),
                    },
                ),
                (&coordinator, CaseCommand::RedeemVoucher { voucher }),
            ];
            for (actor, cmd) in steps {
                repo.execute(&stream, &cmd, &ctx(actor), Metadata::default())
                    .unwrap_or_else(|e| fail(e));
            }
            stream
        })
        .collect()
}

fn sled(dir: &std::path::Path, durability: Durability) -> SledStore {
    SledStore::open_with(
        dir,
        SledOptions {
            durability,
            ..SledOptions::default()
        },
    )
    .unwrap_or_else(|e| fail(e))
}

/// When the measured commands happen.
fn march() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
}

/// A command that a case with a running voucher accepts again and again.
fn hours() -> CaseCommand {
    CaseCommand::RecordServiceHours {
        voucher: VoucherId::new("V1"),
        module: 1,
        individual_minutes: 45,
        group_sessions: 0,
    }
}

fn round_trip(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
    let store = sled(dir.path(), Durability::None);
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let policy = Policy::default();
    let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz");
    let ctx = Context::new(march(), &coordinator, &policy);
    let hours = hours();
    let mut group = c.benchmark_group("round_trip");
    timing(&mut group);
    group.throughput(Throughput::Elements(1));
    // fresh cases for every measurement, each taking at most 10 of the measured commands,
    // so the loaded histories stay 6 to 16 events long however long criterion measures
    let mut first = 0u32;
    group.bench_function("sled_no_flush_load_decide_append", |b| {
        b.iter_custom(|iters| {
            let n = u32::try_from(iters.div_ceil(10)).unwrap_or(u32::MAX);
            let cases = running_cases(&store, first, n);
            first += n;
            let start = Instant::now();
            for i in 0..iters {
                let case = &cases[(i % u64::from(n)) as usize];
                repo.execute(case, &hours, &ctx, Metadata::default())
                    .unwrap_or_else(|e| fail(e));
            }
            start.elapsed()
        })
    });
    // a registration: a new stream, a new data key, a sealed personal field
    let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt");
    let rctx = Context::new(march(), &referrer, &policy);
    let fresh = AtomicU64::new(0);
    group.bench_function("sled_no_flush_register_sealed", |b| {
        b.iter(|| {
            let n = fresh.fetch_add(1, Ordering::Relaxed);
            let case = CaseId(uuid::Uuid::from_u128(0xF0_0000_0000 + u128::from(n)));
            repo.execute(
                &StreamId::for_case(case),
                &registration(case, "Bench Client"),
                &rctx,
                Metadata::default(),
            )
            .unwrap_or_else(|e| fail(e))
        })
    });
    group.finish();
}

/// `writers` threads, each appending `per_writer` times 10 events to its own streams.
fn concurrent_appends(
    store: &Arc<SledStore>,
    writers: usize,
    per_writer: u64,
    round: u64,
) -> Duration {
    let barrier = Arc::new(Barrier::new(writers + 1));
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let store = Arc::clone(store);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                for k in 0..per_writer {
                    let name = format!("w{w}-r{round}-{k}");
                    let stream = StreamId::new(name.clone()).unwrap_or_else(|e| fail(e));
                    let events = (0..10).map(|n| sample_event(&name, n)).collect();
                    store
                        .append(&stream, ExpectedVersion::NoStream, events)
                        .unwrap_or_else(|e| fail(e));
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap_or_else(|_| fail("writer panicked"));
    }
    start.elapsed()
}

fn durable_append(c: &mut Criterion) {
    let mut group = c.benchmark_group("durable_append");
    timing(&mut group);
    let per_writer = 20u64;
    let configs: [(&str, Durability, usize); 5] = [
        ("flush_every_append/1", Durability::FlushEveryAppend, 1),
        ("group_commit/1", Durability::GroupCommit, 1),
        ("group_commit/2", Durability::GroupCommit, 2),
        ("group_commit/4", Durability::GroupCommit, 4),
        ("group_commit/8", Durability::GroupCommit, 8),
    ];
    for (label, durability, writers) in configs {
        let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
        let store = Arc::new(sled(dir.path(), durability));
        group.throughput(Throughput::Elements(writers as u64 * per_writer * 10));
        let mut round = 0;
        group.bench_function(label, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        round += 1;
                        concurrent_appends(&store, writers, per_writer, round)
                    })
                    .sum()
            })
        });
    }
    group.finish();
}

fn load_case(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_case");
    timing(&mut group);
    group.throughput(Throughput::Elements(1));
    let sizes: &[u64] = if quick() {
        &[10_000, 100_000]
    } else {
        &[10_000, 100_000, 1_000_000]
    };
    for &total in sizes {
        let dir = tempfile::tempdir().unwrap_or_else(|e| fail(e));
        let store = sled(dir.path(), Durability::None);
        // 200 real cases (6 events each, with sealed personal data) spread through filler
        // streams of 100 events each, so the tree is as deep as a store of `total` events
        let cases = running_cases(&store, 0, 200);
        let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
        let policy = Policy::default();
        let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz");
        let ctx = Context::new(march(), &coordinator, &policy);
        let hours = hours();
        // 14 rounds of one event per case spread over the filler: 20 events per case
        let every = (total / 100 / 15).max(1);
        let mut filler = 0u64;
        while store.head_position().unwrap_or_else(|e| fail(e)) < total {
            let name = format!("filler-{filler}");
            let stream = StreamId::new(name.clone()).unwrap_or_else(|e| fail(e));
            let events = (0..100).map(|n| sample_event(&name, n)).collect();
            store
                .append(&stream, ExpectedVersion::Any, events)
                .unwrap_or_else(|e| fail(e));
            filler += 1;
            if filler.is_multiple_of(every) {
                // the real cases keep growing among the filler: 20 events each at the end
                for case in &cases {
                    if store.stream_version(case).unwrap_or_else(|e| fail(e)) < Some(20) {
                        repo.execute(case, &hours, &ctx, Metadata::default())
                            .unwrap_or_else(|e| fail(e));
                    }
                }
            }
        }
        store.flush().unwrap_or_else(|e| fail(e));
        let mut next = 0usize;
        group.bench_function(format!("sled_{total}_events"), |b| {
            b.iter_batched(
                || {
                    next = (next + 1) % cases.len();
                    &cases[next]
                },
                |case| repo.load(case).unwrap_or_else(|e| fail(e)),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    fold_and_replay,
    round_trip,
    durable_append,
    load_case
);
criterion_main!(benches);
