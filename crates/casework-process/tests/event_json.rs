//! The JSON of every event type is the stored format: a change must show up in review.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use casework_core::*;
use casework_process::*;
use common::*;

/// One example of every event type, built through the real decide path where possible.
fn one_of_each() -> Vec<CaseEvent> {
    let w = World::default();
    let huber = Actor::new("r.huber", Role::Coordinator, "rav");
    let mut h = w.planned();
    h.extend(w.continue_from(
        &h,
        &[
            (
                &w.coordinator,
                21,
                CaseCommand::AddMember {
                    member: Member {
                        user: UserId::new("u.iv"),
                        institution: InstitutionId::new("iv"),
                        function: TeamFunction::AdHoc,
                    },
                },
            ),
            (
                &w.coordinator,
                22,
                CaseCommand::RemoveMember {
                    user: UserId::new("u.iv"),
                },
            ),
            (
                &w.coordinator,
                23,
                CaseCommand::RevisePlan {
                    plan: smart_plan(date(23)),
                },
            ),
            (
                &w.coordinator,
                24,
                CaseCommand::HoldReview {
                    completed_measures: vec![MeasureId::new("M1")],
                    notes: Personal::new("debts regulated".into()),
                },
            ),
            (
                &w.caseworker,
                25,
                issue("D1", DEBT_COUNSELLING, DEBT_PROVIDER),
            ),
            (
                &w.caseworker,
                25,
                issue("A1", ADDICTION_COUNSELLING, PROVIDER),
            ),
            (
                &w.caseworker,
                60,
                CaseCommand::ReturnVoucher {
                    voucher: VoucherId::new("A1"),
                    reason: ReturnReason::NotStartedInTime,
                },
            ),
            (&w.debt_provider, 30, redeem("D1")),
            (
                &w.debt_provider,
                31,
                CaseCommand::RecordFeedback {
                    voucher: VoucherId::new("D1"),
                    kind: FeedbackKind::First,
                    facts: FeedbackFacts {
                        appointment_on: Some(date(30)),
                        attending: Some(true),
                        outcome: None,
                    },
                    content: Some(Personal::new("client brought all letters".into())),
                },
            ),
            (
                &w.debt_provider,
                32,
                CaseCommand::ClassifyNeedGroup {
                    voucher: VoucherId::new("D1"),
                    need_group: 2,
                },
            ),
            (
                &w.debt_provider,
                33,
                CaseCommand::RecordServiceHours {
                    voucher: VoucherId::new("D1"),
                    module: 1,
                    individual_minutes: 60,
                    group_sessions: 0,
                },
            ),
            (
                &w.debt_provider,
                90,
                CaseCommand::StartServiceStage {
                    voucher: VoucherId::new("D1"),
                    stage: 2,
                },
            ),
            (
                &w.debt_provider,
                200,
                feedback("D1", FeedbackKind::Final, Some(ServiceOutcome::Completed)),
            ),
            (
                &w.referrer,
                201,
                CaseCommand::RecordMandate {
                    mandate: Mandate {
                        goals: Personal::new("a stable income from work".into()),
                        documents: vec!["cv".into()],
                    },
                },
            ),
            (
                &w.coordinator,
                201,
                CaseCommand::ScheduleConference { on: date(205) },
            ),
            (
                &w.coordinator,
                202,
                CaseCommand::LinkVoucher {
                    voucher: VoucherId::new("D1"),
                    measure: MeasureId::new("M2"),
                },
            ),
            (
                &w.coordinator,
                202,
                CaseCommand::DelegateCaseManagement {
                    delegate: UserId::new("p.wolf"),
                    institution: InstitutionId::new(PROVIDER),
                    measures: vec![MeasureId::new("M2")],
                    until: date(260),
                },
            ),
            (
                &w.provider,
                203,
                CaseCommand::RecordProgress {
                    on: ProgressOn::Measure(MeasureId::new("M2")),
                    status: ProgressStatus::OnTrack,
                    note: Personal::new("two applications sent".into()),
                },
            ),
            (&w.coordinator, 204, CaseCommand::EndDelegation),
            (
                &w.coordinator,
                205,
                CaseCommand::HoldConference {
                    kind: ConferenceKind::Regular,
                    participants: vec![UserId::new("k.meier"), UserId::new("r.huber")],
                    minutes: Personal::new("agreed to continue".into()),
                    decision: ConferenceDecision::Continue,
                },
            ),
            (
                &w.coordinator,
                206,
                CaseCommand::RecordEscalation {
                    item: DeadlineItem::Review,
                    level: 1,
                },
            ),
            (
                &w.coordinator,
                207,
                CaseCommand::HandOverCoordination {
                    to: UserId::new("r.huber"),
                    institution: InstitutionId::new("rav"),
                    reason: HandoverReason::Workload,
                },
            ),
            (
                &huber,
                208,
                CaseCommand::SendClosureNotice {
                    to: NoticeRecipient::Referrer,
                },
            ),
            (
                &huber,
                208,
                CaseCommand::SendClosureNotice {
                    to: NoticeRecipient::Client,
                },
            ),
            (
                &huber,
                209,
                CaseCommand::EvaluateCase {
                    attainment: vec![
                        GoalAttainment {
                            goal: GoalId::new("G1"),
                            attainment: Attainment::Attained,
                        },
                        GoalAttainment {
                            goal: GoalId::new("G1a"),
                            attainment: Attainment::Partly,
                        },
                    ],
                },
            ),
            (
                &huber,
                210,
                CaseCommand::CloseCase {
                    reason: ClosureReason::Employment,
                },
            ),
            (&huber, 210, CaseCommand::EraseCase),
        ],
    ));
    // the admission decision comes from a second case
    let mut a = w.registered();
    a.extend(w.continue_from(
        &a,
        &[(
            &w.intake,
            1,
            CaseCommand::DecideAdmission {
                decision: AdmissionDecision::Admitted,
            },
        )],
    ));
    h.extend(
        a.into_iter()
            .filter(|e| matches!(e, CaseEvent::AdmissionDecided { .. })),
    );
    // the revocation pair comes from a second case
    let mut r = w.consented();
    r.extend(w.continue_from(&r, &[(&w.client, 5, CaseCommand::RevokeConsent)]));
    h.extend(
        r.into_iter()
            .filter(|e| matches!(e, CaseEvent::ConsentRevoked { .. })),
    );
    h
}

#[test]
fn every_event_type_has_a_golden_json() {
    let events = one_of_each();
    let mut seen = BTreeSet::new();
    for e in &events {
        if seen.insert(e.event_type()) {
            insta::assert_json_snapshot!(e.event_type(), e);
        }
    }
    let all: BTreeSet<_> = CaseEvent::TYPES.into_iter().collect();
    assert_eq!(seen, all, "every event type is covered");
}

#[test]
fn every_event_round_trips_and_tags_its_type() {
    for e in one_of_each() {
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["type"], e.event_type());
        let back: CaseEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, e);
    }
}

/// Events are read tag first from the stored bytes (`"type"` leads) and, when the tag
/// comes later (a JSON tree with sorted keys, as an upcaster leaves it; a reordered
/// object), by collecting the object first: both give the event that was written.
#[test]
fn every_event_reads_back_with_its_tag_first_or_anywhere() {
    for e in one_of_each() {
        let bytes = serde_json::to_vec(&e).unwrap();
        assert!(
            bytes.starts_with(br#"{"type":"#),
            "the stored form leads with the tag"
        );
        assert_eq!(serde_json::from_slice::<CaseEvent>(&bytes).unwrap(), e);
        // the tag last, through a reader that cannot borrow
        let tree = serde_json::to_value(&e).unwrap();
        let mut fields: Vec<(String, serde_json::Value)> = tree
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        fields.sort_by_key(|(k, _)| k == "type");
        let text = format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                .collect::<Vec<_>>()
                .join(",")
        );
        assert!(
            !text.starts_with(r#"{"type""#) || fields.len() == 1,
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<CaseEvent>(&text).unwrap(),
            e,
            "{text}"
        );
        assert_eq!(
            serde_json::from_reader::<_, CaseEvent>(text.as_bytes()).unwrap(),
            e
        );
    }
    // a tag that is not a string, or none at all, is an error
    assert!(
        serde_json::from_str::<CaseEvent>(r#"{"at":"2026-01-01T00:00:00Z","type":7}"#).is_err()
    );
    assert!(serde_json::from_str::<CaseEvent>(r#"{"at":"2026-01-01T00:00:00Z"}"#).is_err());
    assert!(serde_json::from_str::<CaseEvent>(r#"{}"#).is_err());
    assert!(serde_json::from_str::<CaseEvent>(r#""CaseClosed""#).is_err());
}

/// A stored payload is read as the type its envelope names, whatever its key order (a
/// sealed event's JSON has sorted keys); its own `"type"` must be there and agree.
#[test]
fn stored_payloads_are_read_as_their_envelope_says() {
    for e in one_of_each() {
        let sorted = serde_json::to_vec(&serde_json::to_value(&e).unwrap()).unwrap();
        assert_eq!(
            CaseEvent::from_stored_json(e.event_type(), &sorted).unwrap(),
            e
        );
    }
    let closed = br#"{"type":"CaseClosed","at":"2026-01-01T00:00:00Z","reason":"other"}"#;
    assert!(CaseEvent::from_stored_json("CaseClosed", closed).is_ok());
    let err = CaseEvent::from_stored_json("ConsentRevoked", closed).unwrap_err();
    assert!(
        err.to_string().contains("its envelope says ConsentRevoked"),
        "{err}"
    );
    let untyped = br#"{"at":"2026-01-01T00:00:00Z","reason":"other"}"#;
    assert!(CaseEvent::from_stored_json("CaseClosed", untyped).is_err());
    assert!(CaseEvent::from_stored_json("CaseTeleported", closed).is_err());
    assert!(CaseEvent::from_stored_json("CaseClosed", b"[1,2]").is_err());
    assert!(CaseEvent::from_stored_json("CaseClosed", &closed[..20]).is_err());
    let trailing = [&closed[..], b" x"].concat();
    assert!(CaseEvent::from_stored_json("CaseClosed", &trailing).is_err());
}

#[test]
fn unknown_types_and_malformed_payloads_are_errors_not_panics() {
    assert!(serde_json::from_str::<CaseEvent>(
        r#"{"type":"CaseTeleported","at":"2026-01-01T00:00:00Z"}"#
    )
    .is_err());
    assert!(serde_json::from_str::<CaseEvent>(
        r#"{"type":"CaseClosed","at":"yesterday","reason":"other"}"#
    )
    .is_err());
    assert!(serde_json::from_str::<CaseEvent>(r#"{"type":"CaseClosed""#).is_err());
}

#[test]
fn schema_versions_are_declared_per_type() {
    assert_eq!(CaseEvent::current_schema_version("VoucherIssued"), 2);
    assert_eq!(CaseEvent::current_schema_version("CaseRegistered"), 2);
    assert!(CaseEvent::TYPES
        .iter()
        .filter(|t| !["VoucherIssued", "CaseRegistered"].contains(*t))
        .all(|t| CaseEvent::current_schema_version(t) == 1));
}
