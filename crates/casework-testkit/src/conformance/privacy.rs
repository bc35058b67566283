//! Conformance properties of the key area, crypto-shredding and the access log, and the
//! canary workload the backends' on-disk scans use.

use std::sync::{Arc, Barrier};

use casework_core::{Personal, Redaction};
use casework_process::access::Viewer;
use casework_process::{
    Actor, Attainment, CaseCommand, CaseId, CaseProcess, ClosureReason, ConsentScope, Context,
    DataCategory, FeedbackFacts, FeedbackKind, Goal, GoalAttainment, GoalId, InstitutionId,
    Measure, MeasureId, Member, NoticeRecipient, Plan, Policy, ProviderId, Purpose, Role,
    ServiceId, Signatory, SituationReport, TeamFunction, UserId, VoucherId, ADDICTION_COUNSELLING,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

use casework_case::privacy::{
    access_log, check_case_privacy, erase_case, read_case, ErasureStatus,
};
use casework_case::{case_codec, CaseStream};
use casework_store::Store;
use casework_store::StoreError;
use casework_store::{DataKey, KeyState};
use casework_store::{ExpectedVersion, Metadata, NewEvent, StreamId};
use casework_store::{RepoError, Repository};

use super::registration;
use crate::world::World;

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, 2, 9, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::days(d)
}

/// Every canary of [`canary_workload`] begins with this: a scan for it finds any canary.
pub const CANARY_PREFIX: &str = "KANARIE";

/// One case of the canary workload: its stream and the unique strings in its personal
/// fields.
#[derive(Debug, Clone)]
pub struct CanaryCase {
    /// The case stream.
    pub stream: StreamId,
    /// Strings that occur only in this case's personal data.
    pub canaries: Vec<String>,
}

/// The outcome of [`canary_workload`].
#[derive(Debug, Clone, Default)]
pub struct CanaryWorkload {
    /// Cases closed and kept.
    pub kept: Vec<CanaryCase>,
    /// Cases closed and erased.
    pub erased: Vec<CanaryCase>,
}

/// The consent of the workload: the coordinator (iiz), a team member (rav) and the
/// provider (caritas) for every category, for case management and service delivery.
pub fn workload_scope(medical: &str) -> ConsentScope {
    ConsentScope {
        institutions: ["iiz", "rav", "caritas"]
            .into_iter()
            .map(InstitutionId::new)
            .collect(),
        data: [
            DataCategory::ProcessFacts,
            DataCategory::SituationReport,
            DataCategory::Health,
            DataCategory::Debts,
            DataCategory::Addiction,
            DataCategory::FeedbackContent,
        ]
        .into(),
        medical_release: Personal::new(vec![medical.to_owned()]),
        purposes: [Purpose::CaseManagement, Purpose::ServiceDelivery].into(),
    }
}

/// Writes `cases` whole cases (registration to closure, with a situation report, a plan,
/// a voucher and feedback content) whose every personal field holds a unique canary
/// string, then erases every second case. Panics if any step is rejected.
pub fn canary_workload<S: Store + ?Sized>(store: &S, cases: u32) -> CanaryWorkload {
    let policy = Policy::default();
    let repo = Repository::<CaseProcess, S>::new(store, case_codec());
    let referrer = World::default().referrer;
    let client = World::default().client;
    let coordinator = World::default().coordinator;
    let provider = Actor::new("p.wolf", Role::Provider, "caritas");
    let mut out = CanaryWorkload::default();
    for i in 0..cases {
        let case = CaseId(Uuid::from_u128(0xCA5E_0000_0000 + u128::from(i)));
        let stream = StreamId::for_case(case);
        // unique per case and field, and unlikely to occur by chance in any file
        let canary = |field: &str| {
            format!(
                "KANARIE{i:05}x{field}x{:08x}",
                (u64::from(i) + 7).wrapping_mul(2_654_435_761) % 0xffff_ffff
            )
        };
        let canaries: Vec<String> = ["name", "medical", "report", "goal", "measure", "feedback"]
            .iter()
            .map(|f| canary(f))
            .collect();
        let voucher = VoucherId::new(format!("V-{i}"));
        let steps: Vec<(&Actor, i64, CaseCommand)> = vec![
            (&referrer, 0, registration(case, &canaries[0])),
            (
                &client,
                1,
                CaseCommand::SignConsent {
                    signatory: Signatory::Client,
                    scope: workload_scope(&canaries[1]),
                },
            ),
            (
                &coordinator,
                2,
                CaseCommand::FormTeam {
                    coordinator: UserId::new("k.meier"),
                    coordinator_institution: InstitutionId::new("iiz"),
                    members: vec![Member {
                        user: UserId::new("r.huber"),
                        institution: InstitutionId::new("rav"),
                        function: TeamFunction::Specialist,
                    }],
                },
            ),
            (
                &coordinator,
                3,
                CaseCommand::AssessSituation {
                    report: Personal::new(SituationReport {
                        summary: canaries[2].clone(),
                        resources: vec![],
                        obstacles: vec![],
                        client_view: String::new(),
                    }),
                    outcome: casework_process::AssessmentOutcome::RoundTable,
                },
            ),
            (
                &coordinator,
                4,
                CaseCommand::AgreePlan {
                    plan: Plan {
                        signed_by_coordinator: true,
                        goals: vec![Goal {
                            parent: None,
                            target: None,
                            target_date: None,
                            id: GoalId::new("G1"),
                            text: Personal::new(canaries[3].clone()),
                        }],
                        measures: vec![Measure {
                            client_task: false,
                            sector: None,
                            legal_basis: None,
                            id: MeasureId::new("M1"),
                            goal: GoalId::new("G1"),
                            text: Personal::new(canaries[4].clone()),
                            responsible: InstitutionId::new("rav"),
                            deadline: day(90).date_naive(),
                        }],
                        review_every_days: None,
                        signed_by_client: true,
                    },
                },
            ),
            (
                &coordinator,
                5,
                CaseCommand::IssueVoucher {
                    voucher: voucher.clone(),
                    service: ServiceId::new(ADDICTION_COUNSELLING),
                    provider: ProviderId::new("caritas"),
                },
            ),
            (
                &provider,
                6,
                CaseCommand::RedeemVoucher {
                    voucher: voucher.clone(),
                },
            ),
            (
                &provider,
                7,
                CaseCommand::RecordFeedback {
                    voucher,
                    kind: FeedbackKind::First,
                    facts: FeedbackFacts::default(),
                    content: Some(Personal::new(canaries[5].clone())),
                },
            ),
            (
                &coordinator,
                29,
                CaseCommand::SendClosureNotice {
                    to: NoticeRecipient::Referrer,
                },
            ),
            (
                &coordinator,
                29,
                CaseCommand::SendClosureNotice {
                    to: NoticeRecipient::Client,
                },
            ),
            (
                &coordinator,
                29,
                CaseCommand::EvaluateCase {
                    attainment: vec![GoalAttainment {
                        goal: GoalId::new("G1"),
                        attainment: Attainment::Attained,
                    }],
                },
            ),
            (
                &coordinator,
                30,
                CaseCommand::CloseCase {
                    reason: ClosureReason::Employment,
                },
            ),
        ];
        for (actor, d, cmd) in steps {
            let ctx = Context::new(day(d), actor, &policy);
            if let Err(e) = repo.execute(&stream, &cmd, &ctx, Metadata::default()) {
                panic!("case {i}: {} rejected: {e}", cmd.name());
            }
        }
        let entry = CanaryCase { stream, canaries };
        if i % 2 == 0 {
            let ctx = Context::new(day(31), &coordinator, &policy);
            erase_case(store, &entry.stream, &ctx, Metadata::default())
                .unwrap_or_else(|e| panic!("erasing case {i}: {e}"));
            out.erased.push(entry);
        } else {
            out.kept.push(entry);
        }
    }
    out
}

/// Every personal string a client viewer sees in a case.
pub fn visible_personal_data<S: Store + ?Sized>(store: &S, stream: &StreamId) -> String {
    let client = Viewer::new("client", "client", Role::Client, Purpose::CaseManagement);
    let view = read_case(store, stream, &client, day(400), &Policy::default()).unwrap();
    view.events
        .iter()
        .map(|e| serde_json::to_string(&e.event).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// After the canary workload: kept cases read their canaries in clear, erased cases read
/// every personal field as erased (and keep their process facts), every chain verifies
/// and the erasure status of every case is what was done to it.
pub fn crypto_shredding<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let work = canary_workload(&store, 6);
    assert_eq!(
        store.verify_all().unwrap(),
        vec![],
        "chains verify after erasure"
    );
    let codec = case_codec();
    for case in &work.kept {
        let seen = visible_personal_data(&store, &case.stream);
        for canary in &case.canaries {
            assert!(seen.contains(canary), "kept case lost {canary}");
        }
        assert_eq!(
            check_case_privacy(&store, &case.stream, &codec).unwrap(),
            ErasureStatus::Live
        );
    }
    for case in &work.erased {
        let seen = visible_personal_data(&store, &case.stream);
        for canary in &case.canaries {
            assert!(!seen.contains(canary), "erased case shows {canary}");
        }
        assert_eq!(seen.matches(r#""$personal":"erased""#).count(), 6, "{seen}");
        assert_eq!(
            check_case_privacy(&store, &case.stream, &codec).unwrap(),
            ErasureStatus::Erased
        );
        // process facts survive: the state folds to a closed, erased case with its voucher
        let loaded = Repository::<CaseProcess, S>::new(&store, case_codec())
            .load_opened(&case.stream)
            .unwrap();
        let casework_process::CaseState::Closed(closed) = loaded.state else {
            panic!("an erased case folds to a closed case")
        };
        assert!(closed.erased_at.is_some());
        assert_eq!(closed.vouchers.len(), 1);
        assert_eq!(
            closed.registration.client.redaction(),
            Some(&Redaction::Erased)
        );
        // nothing new can be written with personal data
        assert!(matches!(
            store.data_key_for_writing(&case.stream),
            Err(StoreError::KeyDestroyed(_))
        ));
        // erasing again is refused: it is done
        let coordinator = World::default().coordinator;
        let policy = Policy::default();
        let ctx = Context::new(day(40), &coordinator, &policy);
        assert!(matches!(
            erase_case(&store, &case.stream, &ctx, Metadata::default()),
            Err(RepoError::Rejected(casework_process::CaseError::Closure(
                casework_process::ClosureError::AlreadyErased
            )))
        ));
    }
}

/// The key area: the first key made for a stream wins (also under concurrent creation),
/// destruction leaves a tombstone that is never replaced, and a destroyed key cannot be
/// written with.
pub fn key_area<S: Store + 'static>(new_store: impl Fn() -> S) {
    let store = Arc::new(new_store());
    let s = StreamId::new("case-keys").unwrap();
    assert_eq!(store.data_key(&s).unwrap(), None);
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            let s = s.clone();
            std::thread::spawn(move || {
                barrier.wait();
                store.create_data_key(&s, DataKey::generate(1)).unwrap()
            })
        })
        .collect();
    let keys: Vec<KeyState> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        keys.iter().all(|k| k == &keys[0]),
        "writers agree on one key"
    );
    assert_eq!(store.data_key(&s).unwrap().as_ref(), Some(&keys[0]));
    assert_eq!(
        store.data_key_for_writing(&s).unwrap(),
        keys[0].active(&s).unwrap().clone()
    );
    let at = day(9);
    store.destroy_data_key(&s, at).unwrap();
    let tombstone = KeyState::Destroyed { at };
    assert_eq!(store.data_key(&s).unwrap(), Some(tombstone.clone()));
    assert_eq!(
        store.create_data_key(&s, DataKey::generate(1)).unwrap(),
        tombstone
    );
    assert!(matches!(
        store.data_key_for_writing(&s),
        Err(StoreError::KeyDestroyed(_))
    ));
    // another stream is untouched
    let other = StreamId::new("case-other").unwrap();
    assert!(matches!(
        store.data_key_for_writing(&other),
        Ok(k) if k.version() == 1
    ));
}

/// A sealed field copied into another event (same stream, next version) or another
/// stream does not open: a typed error naming the event and field, never a panic and
/// never the wrong data.
pub fn sealed_fields_are_bound_to_their_event<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let work = canary_workload(&store, 2);
    let source = &work.kept[0].stream;
    let recorded = store.read_stream_all(source).unwrap();
    let assessed = recorded
        .iter()
        .find(|e| e.event_type == "SituationAssessed")
        .unwrap();
    let payload: serde_json::Value = serde_json::from_slice(&assessed.payload).unwrap();
    let forged = serde_json::json!({
        "type": "ReviewHeld",
        "at": "2026-03-01T09:00:00Z",
        "completed_measures": [],
        "notes": payload["report"],
    });
    let forged = serde_json::to_vec(&forged).unwrap();
    // same stream, a later event: the closed case accepts a raw append (stores do not
    // interpret payloads), but the ciphertext does not open there
    let new = NewEvent::new("ReviewHeld", 1, day(50), forged.clone());
    let out = store
        .append(source, ExpectedVersion::Any, vec![new])
        .unwrap();
    let repo = Repository::<CaseProcess, S>::new(&store, case_codec());
    match repo.load_opened(source) {
        Err(StoreError::Undecryptable { version, field, .. }) => {
            assert_eq!((version, field.as_str()), (out.last_version, "notes"))
        }
        other => panic!("expected Undecryptable, got {other:?}"),
    }
    // another stream with a key of its own
    let other = StreamId::new("case-forged").unwrap();
    store.create_data_key(&other, DataKey::generate(1)).unwrap();
    let mut events = vec![NewEvent::new("CaseRegistered", 1, day(0), {
        let first = &store.read_stream_all(source).unwrap()[0];
        first.payload.to_vec()
    })];
    events.push(NewEvent::new("ReviewHeld", 1, day(1), forged));
    store
        .append(&other, ExpectedVersion::NoStream, events)
        .unwrap();
    assert!(matches!(
        repo.load_opened(&other),
        Err(StoreError::Undecryptable { version: 1, .. })
    ));
    // the verifier names it too, and the chain itself is intact
    assert!(matches!(
        check_case_privacy(&store, &other, &case_codec()),
        Err(StoreError::Undecryptable { .. })
    ));
    assert_eq!(store.verify_all().unwrap(), vec![]);
}

/// Every read that shows special-category data, and every read of a closed case by
/// anyone but the client, is in the access log exactly once, with who, what, when and
/// why; other reads leave no entry; reads outside the consent are withheld with a reason.
/// The workload's cases are closed, so their consent has lapsed: only the client and audit
/// reads see personal data.
pub fn access_log_records_every_special_read_once<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let work = canary_workload(&store, 4);
    let viewers = [
        Viewer::new("client", "client", Role::Client, Purpose::CaseManagement),
        Viewer::new("k.meier", "iiz", Role::Coordinator, Purpose::CaseManagement),
        Viewer::new("r.huber", "rav", Role::Specialist, Purpose::CaseManagement),
        Viewer::new(
            "p.wolf",
            "caritas",
            Role::Provider,
            Purpose::ServiceDelivery,
        ),
        // no party of the cases: refused as a whole
        Viewer::new(
            "reader",
            "jobcenter",
            Role::Caseworker,
            Purpose::CaseManagement,
        ),
        Viewer::new(
            "k.meier",
            "iiz",
            Role::Coordinator,
            Purpose::BenefitDecision,
        ),
        Viewer::new(
            "s.keller",
            "sozialamt",
            Role::Referrer,
            Purpose::CaseManagement,
        ),
        Viewer::new("k.meier", "iiz", Role::Coordinator, Purpose::Audit),
    ];
    let mut expected = Vec::new();
    let cases: Vec<&StreamId> = work
        .kept
        .iter()
        .chain(&work.erased)
        .map(|c| &c.stream)
        .collect();
    for (round, viewer) in viewers.iter().cycle().take(viewers.len() * 2).enumerate() {
        for stream in &cases {
            let at = day(100 + round as i64);
            let read = read_case(&store, stream, viewer, at, &Policy::default());
            if viewer.institution.as_str() == "jobcenter" {
                assert!(
                    matches!(read, Err(StoreError::Denied { .. })),
                    "{viewer} is no party of the case: {read:?}"
                );
                continue;
            }
            let view = read.unwrap();
            // every case of the workload is closed
            let special: Vec<_> = view
                .disclosed
                .iter()
                .filter(|d| d.is_special() || viewer.role != Role::Client)
                .cloned()
                .collect();
            assert_eq!(view.logged.is_some(), !special.is_empty());
            if !special.is_empty() {
                expected.push((at, (*stream).clone(), viewer.clone(), special));
            }
            let outsider = viewer.purpose == Purpose::BenefitDecision
                || (viewer.role != Role::Client && viewer.purpose != Purpose::Audit);
            if outsider {
                assert!(
                    view.disclosed.is_empty(),
                    "{viewer} saw {:?}",
                    view.disclosed
                );
                let erased = work.erased.iter().any(|c| &&c.stream == stream);
                assert!(
                    erased || view.withheld > 0,
                    "{viewer}: nothing was withheld"
                );
            }
        }
    }
    assert!(!expected.is_empty(), "the workload shows special data");
    let logged: Vec<_> = access_log(&store, None)
        .unwrap()
        .into_iter()
        .map(|r| (r.at, r.case_stream, r.viewer, r.disclosed))
        .collect();
    assert_eq!(logged, expected);
    let one = cases[1];
    let per_case = access_log(&store, Some(one)).unwrap();
    assert_eq!(
        per_case.len(),
        expected.iter().filter(|e| &e.1 == one).count()
    );
    // the log is hash-chained like every stream
    assert_eq!(store.verify_all().unwrap(), vec![]);
    // the client's reads of health data are logged as well (GDPR art. 15 reads count)
    assert!(logged.iter().any(|(_, _, v, _)| v.role == Role::Client));
    // the consent lapsed with the closure: a read for service delivery is withheld with
    // that reason, while an audit read by the provider named in the consent sees its
    // feedback content and the client's details, not the report (and is logged)
    let provider = &viewers[3];
    let view = read_case(&store, cases[0], provider, day(300), &Policy::default()).unwrap();
    assert!(view.disclosed.is_empty());
    assert!(format!("{:?}", view.events).contains("consent lapsed with the closure"));
    let auditing = Viewer::new("p.wolf", "caritas", Role::Provider, Purpose::Audit);
    let view = read_case(&store, cases[0], &auditing, day(301), &Policy::default()).unwrap();
    let shown: Vec<&str> = view.disclosed.iter().map(|d| d.field.as_str()).collect();
    // need to know: the provider sees its own feedback and whom it is about, never the
    // situation report
    assert!(
        shown.contains(&"content") && shown.contains(&"client") && !shown.contains(&"report"),
        "{shown:?}"
    );
    assert!(view.logged.is_some());
}

/// Export and import carry the key area: the imported store reads the kept cases'
/// personal data and not the erased cases'; the export holds no personal data in clear;
/// a file missing a key entry is refused; a version 1 file (no key area) still imports.
pub fn export_import_carries_the_key_area<S: Store>(new_store: impl Fn() -> S) {
    let source = new_store();
    let work = canary_workload(&source, 4);
    let mut file = Vec::new();
    casework_store::export_jsonl(&source, &mut file, &mut |_| {}).unwrap();
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(
        !text.contains(CANARY_PREFIX),
        "personal data in clear in the export"
    );

    let target = new_store();
    casework_store::import_jsonl(
        &target,
        &mut file.as_slice(),
        &casework_store::ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    for stream in source.list_streams().unwrap() {
        assert_eq!(
            target.data_key(&stream).unwrap(),
            source.data_key(&stream).unwrap()
        );
    }
    for case in &work.kept {
        let seen = visible_personal_data(&target, &case.stream);
        assert!(case.canaries.iter().all(|c| seen.contains(c)));
    }
    for case in &work.erased {
        let seen = visible_personal_data(&target, &case.stream);
        assert!(case.canaries.iter().all(|c| !seen.contains(c)));
    }

    // a missing key entry, or a changed one: refused with the line, the store unusable
    let lines: Vec<&str> = text.lines().collect();
    let key_line = lines
        .iter()
        .position(|l| l.starts_with(r#"{"data_key_of""#))
        .unwrap();
    let mut missing = lines.clone();
    missing.remove(key_line);
    let mut changed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let state_at = changed[key_line].find(r#""state":""#).unwrap() + 12;
    let flipped = if &changed[key_line][state_at..state_at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    changed[key_line].replace_range(state_at..state_at + 1, flipped);
    for (body, line) in [
        (missing.join("\n") + "\n", None),
        (changed.join("\n") + "\n", Some(key_line as u64 + 1)),
    ] {
        let refused = new_store();
        let result = casework_store::import_jsonl(
            &refused,
            &mut body.as_bytes(),
            &casework_store::ImportOptions::default(),
            &mut |_| {},
        );
        match result {
            Err(casework_store::ImportError::Line { line: at, .. }) => {
                if let Some(line) = line {
                    assert_eq!(at, line, "the changed key line is named");
                }
            }
            other => panic!("expected a refused line, got {other:?}"),
        }
        crate::conformance::assert_unusable_after_failed_import(&refused);
    }

    // a version 1 file: events only
    let events = source.head_position().unwrap() as usize;
    let v1: String = std::iter::once(format!(
        "{{\"format\":\"casework-export/1\",\"events\":{events}}}"
    ))
    .chain(text.lines().skip(1).take(events).map(str::to_owned))
    .collect::<Vec<_>>()
    .join("\n")
        + "\n";
    let old = new_store();
    casework_store::import_jsonl(
        &old,
        &mut v1.as_bytes(),
        &casework_store::ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(old.head_position().unwrap(), events as u64);
    assert!(old.verify_all().unwrap().is_empty());
}
