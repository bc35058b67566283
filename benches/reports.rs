//! Rebuilding all six reports over simulated deployments of about 100,000 and 1,000,000
//! events: the time per event must stay flat (linear scaling), and the projection's
//! memory is bounded by the open cases, not the events.
//!
//! Three deployments: 8,000 cases in 2 years (about 100 k events); the same office over
//! 20 years (80,000 cases, about 1 M events: the history grows, the open cases do not);
//! and 80,000 cases in the same 2 years (ten times the open cases). The bench measures
//! the peak resident memory of a rebuild and prints it.
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

/// A field of `/proc/self/status` in bytes (Linux).
fn proc_status(field: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Peak resident memory while `f` ran, above the resident memory before it, and what
/// stayed resident after (Linux: resets the high-water mark through
/// `/proc/self/clear_refs`; `None` elsewhere).
fn memory_of<T>(f: impl FnOnce() -> T) -> (T, Option<(usize, usize)>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = proc_status("VmRSS:");
    let out = f();
    let measured = match (reset, before, proc_status("VmHWM:"), proc_status("VmRSS:")) {
        (true, Some(b), Some(peak), Some(after)) => {
            Some((peak.saturating_sub(b), after.saturating_sub(b)))
        }
        _ => None,
    };
    (out, measured)
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
    .len();
    n += render(&entry_planning(book, &plan, 12), Format::Json).len();
    n += render(
        &half_year(book, policy, &ProviderId::new("sb-aachen"), 2026, 1),
        Format::Json,
    )
    .len();
    n += render(&outcomes(book, from, day), Format::Json).len();
    n += render(&deadline_worklist(book, policy, day, 14), Format::Json).len();
    if let Some(id) = book.cases.keys().min() {
        let file = CaseFile::load(store, *id, None)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("case {id} has no registration"));
        n += case_report(*id, &file, policy, day).map_or(0, |r| render(&r, Format::Json).len());
    }
    n
}

fn rebuild(c: &mut Criterion) {
    let policy = Policy::default();
    let mut group = c.benchmark_group("rebuild_six_reports");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    for (cases, years) in [(8_000u32, 2u32), (80_000, 20), (80_000, 2)] {
        let store = MemoryStore::new();
        let summary = simulate(
            &store,
            &SimConfig {
                cases,
                years,
                seed: 1,
                ..SimConfig::default()
            },
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let events = store.head_position().unwrap_or(0);
        let (book, memory) = memory_of(|| {
            Projector::<CaseBook>::rebuild(&store)
                .unwrap_or_else(|e| panic!("{e}"))
                .projection
        });
        let open = book.cases.values().filter(|e| e.closed().is_none()).count();
        let memory = memory.map_or("not measured (needs Linux)".to_owned(), |(peak, kept)| {
            format!(
                "rebuild peak {:.1} MB above the store, book {:.1} MB resident",
                peak as f64 / 1e6,
                kept as f64 / 1e6
            )
        });
        eprintln!(
            "{cases} cases in {years} years: {events} events ({} rejected), {open} open at the end; {memory}",
            summary.rejected,
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
