//! `casework demo`: a realistic deployment through the real command path.

use casework_case::CaseStream;
use std::process::ExitCode;
use std::time::Instant;

use casework_process::{CaseState, ClosureReason, Policy};
use casework_reports::{
    deadline_worklist, outcomes, voucher_monitoring, CaseBook, CaseFile, Projector,
};
use casework_sim::{simulate, SimConfig};
use casework_store::StreamId;
use chrono::{Datelike, NaiveDate};

use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::say;
use crate::report::last_day;

/// The simulation the demo runs.
pub fn config(cases: u32, years: u32, seed: u64) -> SimConfig {
    SimConfig {
        cases,
        years,
        seed,
        ..SimConfig::default()
    }
}

pub fn run(backend: &Backend, config: &SimConfig, policy: &Policy) -> Result<ExitCode, Failure> {
    let (cases, years, seed) = (config.cases, config.years, config.seed);
    let store = backend.store();
    let head = store.head_position()?;
    if head > 0 {
        return Err(Failure::input(
            format!("the store already holds {head} events"),
            "demo writes into an empty store: use another --store directory, or delete this one",
        ));
    }
    say!(
        "Simulating {cases} cases over {years} year(s) from {} (seed {seed}) into the {}…",
        config.start,
        backend.describe()
    );
    let bar = crate::output::bar(
        casework_sim::planned_commands(config),
        "commands decided and appended",
    );
    let started = Instant::now();
    let summary = simulate(store, config, &mut |n| bar.set_position(n))?;
    backend.flush()?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    say!();
    say!("cases      {}", summary.cases);
    say!(
        "commands   {} ({} rejected)",
        summary.commands,
        summary.rejected
    );
    say!(
        "events     {} ({:.0} events/s, {:.1} s)",
        summary.events,
        summary.events as f64 / secs,
        secs
    );
    if let Some(size) = backend.size() {
        say!("store size {:.1} MiB", size as f64 / (1024.0 * 1024.0));
    }

    let book = Projector::rebuild_from(store, CaseBook::in_zone(policy.time_zone))?.projection;
    let day = last_day(store, policy)?;
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or(day);
    let (mut issued, mut redeemed, mut returned, mut pending) = (0, 0, 0, 0);
    for year in config.start.year()..=day.year() {
        for row in voucher_monitoring(&book, policy, None, year, day).rows {
            issued += row.issued;
            redeemed += row.redeemed;
            returned += row.returned;
            pending += row.not_started;
        }
    }
    let out = outcomes(&book, from, day);
    let revoked = out
        .reasons
        .iter()
        .find(|(r, _)| *r == ClosureReason::ConsentRevoked)
        .map_or(0, |(_, n)| *n);
    let overdue = deadline_worklist(&book, policy, day, 0)
        .items
        .iter()
        .filter(|i| i.days_overdue > 0)
        .count();
    say!();
    say!("Headline numbers on {day}:");
    say!("  vouchers issued {issued}: {redeemed} redeemed, {returned} returned unused, {pending} not yet started");
    if let Some(all) = out.services.last() {
        say!(
            "  integration rate (all services): {} of {} participants in work ({})",
            all.integrated,
            all.participants,
            casework_reports::pct::opt(all.rate)
        );
    }
    say!("  consent revoked in {revoked} cases; {overdue} deadlines overdue");
    let me = crate::failure::me();
    say!();
    say!("Try next:");
    say!("  {me} report voucher-monitoring");
    say!("  {me} report worklist");
    say!("  {me} report outcomes --format csv --table rates");
    say!("  {me} report voucher-monitoring --format html > voucher-monitoring.html");
    say!("  {me} stats");
    say!("  {me} verify");
    if let Some(id) = book.cases.keys().min() {
        say!("  {me} case show {id}");
        say!("  {me} history {id}");
    }
    // a read only a party of the case may make: its named coordinator's
    let mut ids: Vec<_> = book.cases.keys().copied().collect();
    ids.sort();
    let read = ids
        .iter()
        .find_map(|id| coordinator(store, *id, policy).map(|c| (id, c)));
    if let Some((id, (user, institution))) = read {
        say!("  {me} case read {id} --user {user} --institution {institution} --role coordinator");
        say!("  {me} access-log");
    }
    // a closed case not yet erased: the book keeps no closed cases, so look at a few streams
    // whose erasure is due before today (the day `erase` acts on by default), so that the
    // line runs as printed
    let today = policy.local_date(chrono::Utc::now());
    let closed = store
        .list_streams()?
        .iter()
        .filter_map(StreamId::case_id)
        .take(200)
        .find(|id| {
            CaseFile::load(store, *id, None, policy.time_zone).is_ok_and(|f| {
                f.is_some_and(|f| match &f.state {
                    CaseState::Closed(c) => {
                        c.erased_at.is_none()
                            && casework_process::erasure_due(c.closed_at, c.reason, policy)
                                .is_some_and(|due| due < today)
                    }
                    _ => false,
                })
            })
        });
    if let Some(id) = closed {
        // its last coordinator erases it (a case closed before its team: the intake's)
        let (user, institution) = coordinator(store, id, policy)
            .unwrap_or_else(|| ("k.meier".to_owned(), "jobcenter".to_owned()));
        say!("  {me} erase {id} --by {user}@{institution}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The named coordinator of case `id` (of its last team, once closed) as (user,
/// institution): who the demo's suggestions act and read as, a party of the case.
fn coordinator<S: casework_store::Store + ?Sized>(
    store: &S,
    id: casework_process::CaseId,
    policy: &Policy,
) -> Option<(String, String)> {
    let file = CaseFile::load(store, id, None, policy.time_zone).ok()??;
    let team = file.state.phase()?.team()?;
    Some((
        team.coordinator.to_string(),
        team.coordinator_institution.to_string(),
    ))
}
