//! Store-crate tests beyond the conformance suite: old-format fixtures, checkpoints across
//! restarts, handler failures, the case codec over every event type.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::CaseStream;
use std::convert::Infallible;

use casework_case::*;
use casework_process::{CaseEvent, ProviderId};
use casework_store::*;
use casework_testkit::conformance;
use chrono::{TimeZone, Utc};

fn stored(event_type: &str, schema_version: u16, payload: &[u8]) -> RecordedEvent {
    let store = MemoryStore::new();
    let s = StreamId::new("fixture").unwrap();
    let e = NewEvent::new(
        event_type,
        schema_version,
        Utc.with_ymd_and_hms(2019, 3, 4, 8, 0, 0).unwrap(),
        payload.to_vec(),
    );
    store.append(&s, ExpectedVersion::Any, vec![e]).unwrap();
    store.read_stream_all(&s).unwrap().remove(0)
}

/// Fixtures of payloads written by schema version 1 stay readable forever.
#[test]
fn voucher_issued_v1_fixtures_are_upcast() {
    let codec = case_codec();
    let with_name = stored(
        "VoucherIssued",
        1,
        include_bytes!("fixtures/voucher_issued_v1.json"),
    );
    let without = stored(
        "VoucherIssued",
        1,
        include_bytes!("fixtures/voucher_issued_v1_no_provider.json"),
    );
    let provider = |e: CaseEvent| match e {
        CaseEvent::VoucherIssued { provider, .. } => provider,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        provider(codec.decode(&with_name).unwrap()),
        ProviderId::new("schuldnerberatung-caritas-aachen-e-v")
    );
    assert_eq!(
        provider(codec.decode(&without).unwrap()),
        ProviderId::new("unassigned")
    );
    // without the upcaster, the old version is a typed error
    let bare = Codec::<CaseEvent>::new();
    assert!(matches!(
        bare.decode(&with_name),
        Err(StoreError::UnsupportedSchemaVersion {
            from: 1,
            current: 2,
            ..
        })
    ));
}

/// A `CaseRegistered` written before subjects were recorded (the golden JSON of v1, as
/// stores hold it) reads with no subject and no representative; everything else as it
/// was. Without the upcaster, v1 is a typed error.
#[test]
fn case_registered_v1_fixtures_are_upcast() {
    let codec = case_codec();
    let v1 = stored(
        "CaseRegistered",
        1,
        include_bytes!("fixtures/case_registered_v1.json"),
    );
    match codec.decode(&v1).unwrap() {
        CaseEvent::CaseRegistered {
            subject,
            representative,
            referrer,
            route,
            profile,
            ..
        } => {
            assert_eq!((subject, representative), (None, None));
            assert_eq!(referrer.as_str(), "sozialamt");
            assert_eq!(route, "placement officer");
            assert_eq!(profile.age, 34);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Codec::<CaseEvent>::new().decode(&v1),
        Err(StoreError::UnsupportedSchemaVersion {
            from: 1,
            current: 2,
            ..
        })
    ));
}

#[test]
fn a_non_object_v1_payload_fails_to_upcast_with_a_typed_error() {
    let r = stored("VoucherIssued", 1, b"[1,2]");
    assert!(
        matches!(case_codec().decode(&r), Err(StoreError::Serialization(m)) if m.contains("not a JSON object"))
    );
}

#[test]
fn file_checkpoints_survive_a_restart_and_resume_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let s = StreamId::new("s").unwrap();
    for n in 1..=10 {
        store
            .append(
                &s,
                ExpectedVersion::Any,
                vec![conformance::sample_event("s", n)],
            )
            .unwrap();
    }
    let mut seen = Vec::new();
    {
        let checkpoints = FileCheckpoints::open(dir.path()).unwrap();
        let mut sub =
            CatchUp::new(&store, checkpoints.load("reports").unwrap().unwrap_or(0)).with_batch(4);
        let batch = sub.poll().unwrap();
        seen.extend(batch.iter().map(|e| e.position));
        checkpoints.save("reports", sub.checkpoint()).unwrap();
    }
    // "restart": a new subscription from the saved checkpoint
    let checkpoints = FileCheckpoints::open(dir.path()).unwrap();
    assert_eq!(checkpoints.load("reports").unwrap(), Some(4));
    let mut sub = CatchUp::new(&store, checkpoints.load("reports").unwrap().unwrap_or(0));
    sub.run_until_caught_up(|e| {
        seen.push(e.position);
        Ok::<_, Infallible>(())
    })
    .unwrap();
    assert_eq!(seen, (1..=10).collect::<Vec<_>>());
    assert_eq!(checkpoints.load("unknown").unwrap(), None);
    assert!(checkpoints.save("../escape", 1).is_err());
    std::fs::write(dir.path().join("torn.checkpoint"), "12x").unwrap();
    assert!(matches!(
        checkpoints.load("torn"),
        Err(StoreError::Corruption { .. })
    ));
}

#[derive(Debug, thiserror::Error)]
#[error("projection refused event {0}")]
struct Refused(u64);

#[test]
fn a_failing_handler_keeps_the_checkpoint_before_the_failed_event() {
    let store = MemoryStore::new();
    let s = StreamId::new("s").unwrap();
    store
        .append(
            &s,
            ExpectedVersion::Any,
            (1..=6).map(|n| conformance::sample_event("s", n)).collect(),
        )
        .unwrap();
    let mut sub = CatchUp::new(&store, 0).with_batch(4);
    let err = sub
        .run_until_caught_up(|e| {
            if e.position == 5 {
                Err(Refused(5))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
    assert!(matches!(
        err,
        SubscriptionError::Handler { position: 5, .. }
    ));
    assert_eq!(sub.checkpoint(), 4);
    let mut rest = Vec::new();
    sub.run_until_caught_up(|e| {
        rest.push(e.position);
        Ok::<_, Infallible>(())
    })
    .unwrap();
    assert_eq!(rest, vec![5, 6]);
}

#[test]
fn the_stepping_clock_makes_recorded_at_deterministic() {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let store = MemoryStore::with_clock(Box::new(SteppingClock::new(start)));
    let s = StreamId::new("s").unwrap();
    store
        .append(
            &s,
            ExpectedVersion::Any,
            vec![conformance::sample_event("s", 1)],
        )
        .unwrap();
    store
        .append(
            &s,
            ExpectedVersion::Any,
            vec![conformance::sample_event("s", 2)],
        )
        .unwrap();
    let r = store.read_stream_all(&s).unwrap();
    assert_eq!(r[0].recorded_at, start);
    assert_eq!(r[1].recorded_at, start + chrono::Duration::milliseconds(1));
}

#[test]
fn hashes_are_stable_across_runs() {
    // The canonical envelope is a stored format: this hash must never change.
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let store = MemoryStore::with_clock(Box::new(SteppingClock::new(start)));
    let s = StreamId::new("case-golden").unwrap();
    let mut e = NewEvent::new(
        "CaseErased",
        1,
        start,
        br#"{"type":"CaseErased","at":"2026-01-01T00:00:00Z"}"#.to_vec(),
    );
    e.event_id = uuid::Uuid::from_u128(1);
    store
        .append(&s, ExpectedVersion::NoStream, vec![e])
        .unwrap();
    let r = store.read_stream_all(&s).unwrap();
    insta::assert_snapshot!(r[0].hash.to_hex());
    assert_eq!(Hash::from_hex(&r[0].hash.to_hex()), Some(r[0].hash));
    assert_eq!(Hash::from_hex("zz"), None);
}

#[test]
fn every_case_event_survives_the_store() {
    use casework_process::{Actor, Context, Policy, Role};
    // one case through the repository; decoded history equals what was decided
    let store = MemoryStore::new();
    let repo = Repository::<casework_process::CaseProcess, _>::new(&store, case_codec());
    let policy = Policy::default();
    let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt");
    let case = casework_process::CaseId(uuid::Uuid::from_u128(9));
    let stream = StreamId::for_case(case);
    assert_eq!(stream.as_str(), "case-00000000-0000-0000-0000-000000000009");
    let ctx = Context::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        &referrer,
        &policy,
    );
    let cmd = casework_process::CaseCommand::RegisterCase {
        case_id: case,
        referrer: casework_process::InstitutionId::new("sozialamt"),
        client: casework_core::Personal::new(casework_process::ClientDetails {
            name: "N".into(),
            contact: None,
        }),
        subject: casework_process::SubjectId::new("client"),
        representative: None,
        profile: casework_process::Profile::new(30, casework_process::Gender::Male, "t")
            .problems([
                casework_process::ProblemArea::Health,
                casework_process::ProblemArea::Social,
            ])
            .market(casework_process::MarketProximity::Far),
    };
    let done = repo
        .execute(&stream, &cmd, &ctx, Metadata::default())
        .unwrap();
    let stored = store.read_stream_all(&stream).unwrap();
    let key = store.data_key(&stream).unwrap();
    assert!(matches!(key, Some(casework_store::KeyState::Active(_))));
    let opened: Vec<CaseEvent> = stored
        .iter()
        .map(|r| case_codec().decode_opened(r, key.as_ref()).unwrap())
        .collect();
    assert_eq!(opened, done.events);
    assert_eq!(repo.load(&stream).unwrap().state, done.state);
    // without the key (what projections read) the personal field is sealed, not lost
    let CaseEvent::CaseRegistered { client, .. } = case_codec().decode(&stored[0]).unwrap() else {
        panic!("not a registration")
    };
    assert_eq!(client.redaction(), Some(&casework_core::Redaction::Sealed));
    assert!(!String::from_utf8_lossy(&stored[0].payload).contains("\"N\""));
}

#[test]
fn a_case_stream_names_its_case_only_as_for_case_writes_it() {
    let id = casework_process::CaseId(uuid::Uuid::from_u128(
        0x0194_0000_0000_7000_8000_0000_0000_00ab,
    ));
    assert_eq!(StreamId::for_case(id).case_id(), Some(id));
    let other = |s: &str| StreamId::new(s).unwrap().case_id();
    let upper = format!("case-{}", id.0.to_string().to_uppercase());
    let simple = format!("case-{}", id.0.simple());
    for name in ["case-1", "ledger-7", "access-x", &upper, &simple] {
        assert_eq!(other(name), None, "{name}");
    }
}
