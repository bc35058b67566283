//! Rebuilding all six reports over simulated deployments of about 100,000 and 1,000,000
//! events: the time per event must stay flat (linear scaling), and the projection's size
//! grows with cases, not events.
//!
//! Run: `cargo bench --bench reports`

use std::time::Duration;

use casework::core::{Policy, ProviderId};
use casework::reports::*;
use casework::sim::{simulate, SimConfig};
use casework::sled::{Durability, SledOptions, SledStore};
use casework::store::{EventStore, MemoryStore};
use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// Builds the book and computes all six reports.
fn all_reports(store: &dyn EventStore, policy: &Policy) -> usize {
    let book = Projector::<CaseBook>::rebuild(store)
        .unwrap_or_else(|e| panic!("{e}"))
        .projection;
    six_reports(&book, policy)
}

/// The six reports from a built book.
fn six_reports(book: &CaseBook, policy: &Policy) -> usize {
    let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap_or_default();
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    let plan = EntryPlan::from_csv("team,month,planned\naachen,2026-01,35\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut n = render(
        &voucher_monitoring(book, policy, None, 2026, day),
        Format::Json,
    )
    .len();
    n += render(&entry_planning(book, &plan, 12), Format::Json).len();
    n += render(
        &half_year(book, policy, &ProviderId::new("sb-aachen"), 2026, 1),
        Format::Json,
    )
    .len();
    n += render(&outcomes(book, from, day), Format::Json).len();
    n += render(&deadline_worklist(book, policy, day, 14), Format::Json).len();
    if let Some((id, entry)) = book.cases.iter().min_by_key(|(id, _)| **id) {
        n += case_report(*id, entry, policy, day).map_or(0, |r| render(&r, Format::Json).len());
    }
    n
}

fn rebuild(c: &mut Criterion) {
    let policy = Policy::default();
    let mut group = c.benchmark_group("rebuild_six_reports");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    for cases in [8_000u32, 80_000] {
        let store = MemoryStore::new();
        let summary = simulate(
            &store,
            &SimConfig {
                cases,
                years: 2,
                seed: 1,
                ..SimConfig::default()
            },
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let events = store.head_position().unwrap_or(0);
        let book = Projector::<CaseBook>::rebuild(&store)
            .unwrap_or_else(|e| panic!("{e}"))
            .projection;
        let bytes = serde_json::to_vec(&book).map(|b| b.len()).unwrap_or(0);
        eprintln!(
            "{cases} cases: {events} events ({} rejected); projection {} bytes as JSON = {} bytes per case, {} per event",
            summary.rejected,
            bytes,
            bytes / cases as usize,
            bytes / events.max(1) as usize
        );
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("{events}_events"), |b| {
            b.iter(|| all_reports(&store, &policy))
        });
        group.bench_function(format!("{events}_events/projection_only"), |b| {
            b.iter(|| {
                Projector::<CaseBook>::rebuild(&store)
                    .map(|p| p.checkpoint)
                    .unwrap_or(0)
            })
        });
        group.bench_function(format!("{events}_events/reports_only"), |b| {
            b.iter(|| six_reports(&book, &policy))
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
        group.bench_function(format!("{events}_events/from_sled"), |b| {
            b.iter(|| all_reports(&sled, &policy))
        });
    }
    group.finish();
}

criterion_group!(benches, rebuild);
criterion_main!(benches);
