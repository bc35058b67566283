//! The simulation is consistent (no command rejected, invariants hold), deterministic for
//! a seed, and calibrated (voucher fates near the Aachen figures).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::case_codec;
use casework_process::{invariants, CaseEvent, VoucherStatus};
use casework_sim::{simulate, SimConfig};
use casework_store::{EventStore, KeyArea, MemoryStore};

#[test]
fn a_simulation_is_consistent_deterministic_and_calibrated() {
    let config = SimConfig {
        cases: 400,
        years: 2,
        seed: 7,
        ..SimConfig::default()
    };
    let store = MemoryStore::with_clock(config.store_clock());
    let summary = simulate(&store, &config, &mut |_| {}).unwrap();
    assert_eq!(summary.commands, casework_sim::planned_commands(&config));
    assert_eq!(summary.rejected, 0, "every simulated command is valid");
    assert_eq!(summary.events, store.head_position().unwrap());
    assert!(summary.events > 400 * 10, "{} events", summary.events);

    let codec = case_codec();
    let policy = casework_process::Policy::default();
    let (mut issued, mut redeemed, mut returned) = (0, 0, 0);
    // flows of personal data outside the consent (issue 31: there were 1,813 vouchers
    // and 542 measures outside it), and the client's own part
    let (mut outside, mut client_tasks, mut kick_offs, mut client_reports) = (0, 0, 0, 0);
    for stream in store.list_streams().unwrap() {
        let events: Vec<CaseEvent> = store
            .read_stream_all(&stream)
            .unwrap()
            .iter()
            .map(|r| codec.decode(r).unwrap())
            .collect();
        assert_eq!(
            invariants::check_under(&events, &casework_process::Policy::default()),
            vec![],
            "{stream}"
        );
        let mut at = casework_process::CaseState::default();
        for e in &events {
            let scope = at
                .phase()
                .and_then(|p| p.consent())
                .map(|c| c.scope.clone());
            let named = |i: &str| {
                scope
                    .as_ref()
                    .is_some_and(|s| s.institutions.iter().any(|n| n.as_str() == i))
            };
            match e {
                CaseEvent::VoucherIssued {
                    provider, service, ..
                } => {
                    let shares = &policy.service(service).unwrap().shares;
                    let covered = scope
                        .as_ref()
                        .is_some_and(|s| shares.iter().all(|c| s.data.contains(c)));
                    outside += usize::from(!named(provider.as_str()) || !covered);
                }
                CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } => {
                    for m in &plan.measures {
                        if m.client_task {
                            client_tasks += 1;
                        } else if !named(m.responsible.as_str()) {
                            outside += 1;
                        }
                    }
                }
                CaseEvent::ConferenceHeld {
                    kind: casework_process::ConferenceKind::KickOff,
                    participants,
                    ..
                } => {
                    let subject = at.registration().and_then(|r| r.subject.clone()).unwrap();
                    kick_offs +=
                        usize::from(participants.iter().any(|p| p.as_str() == subject.as_str()));
                }
                CaseEvent::ProgressRecorded { by, .. } => {
                    let subject = at.registration().and_then(|r| r.subject.clone()).unwrap();
                    client_reports += usize::from(by.as_str() == subject.as_str());
                }
                _ => {}
            }
            <casework_process::CaseProcess as casework_core::Process>::evolve_in_place(&mut at, e);
        }
        let state = at;
        for v in state.vouchers().unwrap().values() {
            issued += 1;
            match v.status {
                VoucherStatus::Redeemed { .. } | VoucherStatus::Completed { .. } => redeemed += 1,
                VoucherStatus::Returned { .. } => returned += 1,
                VoucherStatus::Issued => {}
            }
        }
    }
    assert_eq!(outside, 0, "vouchers and measures outside the consent");
    assert!(client_tasks > 100, "{client_tasks} client tasks");
    assert!(kick_offs > 100, "{kick_offs} kick-offs with the client");
    assert!(
        client_reports > 50,
        "{client_reports} progress reports by clients"
    );
    // Aachen 2019: 551 of 802 redeemed (69 %), 163 returned (20 %)
    let share = |n: u32| n * 100 / issued;
    assert!(
        (60..=78).contains(&share(redeemed)),
        "redeemed {}% of {issued}",
        share(redeemed)
    );
    assert!(
        (13..=27).contains(&share(returned)),
        "returned {}% of {issued}",
        share(returned)
    );

    // same seed, same log (ids, times, events with their personal data opened; the
    // ciphertext differs by design: every seal draws a fresh nonce; recorded-at is the
    // store's clock)
    let again = MemoryStore::with_clock(config.store_clock());
    simulate(&again, &config, &mut |_| {}).unwrap();
    let strip = |s: &MemoryStore| -> Vec<(String, u64, CaseEvent)> {
        s.read_all(1, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|e| {
                let key = s.data_key(&e.stream).unwrap();
                let event = case_codec().decode_opened(&e, key.as_ref()).unwrap();
                (e.stream.to_string(), e.version, event)
            })
            .collect()
    };
    assert_eq!(strip(&store), strip(&again));
}
