//! An auditor's session: open a store, replay one case as of a past date, print its audit
//! trail (who did what when, effective and recorded time), verify every chain and the
//! case invariants.
//!
//! Run: `cargo run --example auditor_replay`

use casework::case::case_codec;
use casework::process::*;
use casework::sim::{simulate, SimConfig};
use casework::sled::{SledOptions, SledStore};
use casework::store::{AsOf, EventStore, Repository};
use chrono::{TimeZone, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // a store to audit: a small simulated deployment
    let dir = tempfile::tempdir()?;
    let config = SimConfig {
        cases: 150,
        ..SimConfig::default()
    };
    // the store records at the simulated deployment's time
    let store = SledStore::open_with(
        dir.path(),
        SledOptions {
            clock: config.store_clock(),
            ..SledOptions::default()
        },
    )?;
    simulate(&store, &config, &mut |_| {})?;

    // pick the first case that had a voucher returned unused
    let codec = case_codec();
    let repo = Repository::<CaseProcess, _>::new(&store, codec);
    let stream = store
        .list_streams()?
        .into_iter()
        .find(|s| {
            repo.load(s)
                .ok()
                .and_then(|l| {
                    l.state.vouchers().map(|v| {
                        v.values()
                            .any(|v| matches!(v.status, VoucherStatus::Returned { .. }))
                    })
                })
                .unwrap_or(false)
        })
        .ok_or("no case with a returned voucher")?;
    println!("auditing {stream}\n");

    // the audit trail
    let codec = case_codec();
    for r in store.read_stream_all(&stream)? {
        let event = codec.decode(&r)?;
        println!(
            "v{:<3} pos {:<6} effective {}  recorded {}  {:<34} {}",
            r.version,
            r.position,
            r.effective_at.format("%Y-%m-%d %H:%M"),
            r.recorded_at.format("%Y-%m-%d %H:%M:%S"),
            r.metadata.actor.as_deref().unwrap_or("-"),
            event.event_type(),
        );
    }

    // the case as it was on 30 June 2025 and as it is now
    let then = Utc
        .with_ymd_and_hms(2025, 6, 30, 23, 59, 59)
        .single()
        .ok_or("time")?;
    let past = repo.load_as_of(&stream, AsOf::Effective(then))?;
    let now = repo.load(&stream)?;
    println!(
        "\non 2025-06-30: {} (version {:?})",
        past.state.phase_name(),
        past.version
    );
    println!(
        "now:           {} (version {:?})",
        now.state.phase_name(),
        now.version
    );

    // verification: chains, global log, decoding, invariants
    let checked = casework_testkit::check_store(&store)?;
    println!(
        "\nverified {} streams, {} case events: {}",
        checked.streams,
        checked.case_events,
        if checked.findings.is_empty() {
            "no finding".to_owned()
        } else {
            format!("{} finding(s)", checked.findings.len())
        }
    );
    for f in checked.findings {
        println!("  {f}");
    }
    Ok(())
}
