//! Rebuilding all six reports over simulated deployments of about 100,000 and 1,000,000
//! events: the time per event must stay flat (linear scaling), and the projection's
//! memory is bounded by the open cases, not the events.
//!
//! Three deployments: 8,000 cases in 2 years (about 100 k events); the same office over
//! 20 years (80,000 cases, about 1 M events: the history grows, the open cases do not);
//! and 80,000 cases in the same 2 years (ten times the open cases). The bench measures
//! the book's size as JSON (open cases, closed cases' totals) and prints it.
//!
//! Run: `cargo bench --bench reports`

use std::time::Duration;

use casework::process::{Policy, ProviderId};
use casework::reports::*;
use casework::sim::{simulate, SimConfig};
use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::{EventStore, MemoryStore, StoreAdmin};
use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// The book's size as JSON: the open cases (full state) and the closed cases' totals. A
/// proxy for its memory that does not depend on the allocator.
fn json_sizes(book: &CaseBook) -> (usize, usize) {
    let size = |v: &dyn erased::Json| v.json_len();
    let open: usize = book.cases.values().map(|e| size(e)).sum();
    (open, size(&book.closed))
}

mod erased {
    /// Serialized length, for any serializable value.
    pub trait Json {
        fn json_len(&self) -> usize;
    }
    impl<T: serde::Serialize> Json for T {
        fn json_len(&self) -> usize {
            serde_json::to_vec(self).map_or(0, |b| b.len())
        }
    }
}

/// Builds the book and computes all six reports.
fn all_reports(store: &dyn EventStore, policy: &Policy) -> usize {
    let book = Projector::<CaseBook>::rebuild(store)
        .unwrap_or_else(|e| panic!("{e}"))
        .projection;
    six_reports(store, &book, policy)
}

/// The six reports from a built book (the case report from the case's stream).
fn six_reports(store: &dyn EventStore, book: &CaseBook, policy: &Policy) -> usize {
    let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    let plan = EntryPlan::from_csv("team,month,planned\naachen,2026-01,35\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = render(
        &voucher_monitoring(book, policy, None, 2026, day),
        Format::Json,
    )
    .map_or(0, |s| s.len());
    n += render(&entry_planning(book, &plan, 12), Format::Json).map_or(0, |s| s.len());
    n += render(
        &half_year(book, policy, &ProviderId::new("sb-aachen"), 2026, 1),
        Format::Json,
    )
    .map_or(0, |s| s.len());
    n += render(&outcomes(book, from, day), Format::Json).map_or(0, |s| s.len());
    n += render(&deadline_worklist(book, policy, day, 14), Format::Json).map_or(0, |s| s.len());
    if let Some(id) = book.cases.keys().min() {
        let file = CaseFile::load(store, *id, None, casework::process::DEFAULT_TIME_ZONE)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("case {id} has no registration"));
        n += case_report(*id, &file, policy, day)
            .map_or(0, |r| render(&r, Format::Json).map_or(0, |s| s.len()));
    }
    n
}

fn rebuild(c: &mut Criterion) {
    let policy = Policy::default();
    let mut group = c.benchmark_group("rebuild_six_reports");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    for (cases, years) in [(8_000u32, 2u32), (80_000, 20), (80_000, 2)] {
        let config = SimConfig {
            cases,
            years,
            seed: 1,
            ..SimConfig::default()
        };
        let store = MemoryStore::with_clock(config.store_clock());
        let summary = simulate(&store, &config, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
        let events = store.head_position().unwrap_or(0);
        let book = Projector::<CaseBook>::rebuild(&store)
            .unwrap_or_else(|e| panic!("{e}"))
            .projection;
        let (open_bytes, closed_bytes) = json_sizes(&book);
        let open = book.cases.len();
        eprintln!(
            "{cases} cases in {years} years: {events} events ({} rejected); book as JSON: \
             {open} open cases x {} B = {:.2} MB, totals of {} closed cases {:.2} MB",
            summary.rejected,
            open_bytes / open.max(1),
            open_bytes as f64 / 1e6,
            book.closed.cases,
            closed_bytes as f64 / 1e6,
        );
        let label = format!("{events}_events_{cases}_cases_{years}y");
        group.throughput(Throughput::Elements(events));
        group.bench_function(label.clone(), |b| b.iter(|| all_reports(&store, &policy)));
        group.bench_function(format!("{label}/projection_only"), |b| {
            b.iter(|| {
                Projector::<CaseBook>::rebuild(&store)
                    .map(|p| p.checkpoint)
                    .unwrap_or(0)
            })
        });
        group.bench_function(format!("{label}/reports_only"), |b| {
            b.iter(|| six_reports(&store, &book, &policy))
        });
        // the same log in the default store, as a deployment reads it
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let sled = SledStore::open_with(
            dir.path(),
            SledOptions {
                durability: Durability::None,
                ..SledOptions::default()
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut from = 1;
        while from <= events {
            let page = store.read_all(from, 10_000).unwrap_or_default();
            from += page.len() as u64;
            sled.restore(page).unwrap_or_else(|e| panic!("{e}"));
        }
        sled.flush().unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(format!("{label}/from_sled"), |b| {
            b.iter(|| all_reports(&sled, &policy))
        });
    }
    group.finish();
}

criterion_group!(benches, rebuild);
criterion_main!(benches);
