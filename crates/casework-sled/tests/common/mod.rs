//! A realistic case script for store tests: the commands of one case, run through the
//! repository (decide → append), as the child of the crash test and the benches do.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use casework_case::case_codec;
use casework_case::CaseStream;
use casework_core::*;
use casework_store::{EventStore, KeyArea, Metadata, Repository, StreamId};
use chrono::{Duration, TimeZone, Utc};
use uuid::Uuid;

pub struct Script {
    pub policy: Policy,
    pub actors: Vec<Actor>,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            policy: Policy::default(),
            actors: vec![
                Actor::new("s.keller", Role::Referrer, "sozialamt"),
                Actor::new("client", Role::Client, "client"),
                Actor::new("k.meier", Role::Coordinator, "iiz"),
                Actor::new("j.schmidt", Role::Caseworker, "jobcenter"),
                Actor::new("p.wolf", Role::Provider, "caritas"),
            ],
        }
    }
}

/// The commands of case `n`: (actor index, day, command).
pub fn case_commands(case: CaseId) -> Vec<(usize, i64, CaseCommand)> {
    let voucher = VoucherId::new("V1");
    vec![
        (
            0,
            0,
            casework_testkit::conformance::registration(
                case,
                &format!("Client {}", case.0.as_u128()),
            ),
        ),
        (
            1,
            1,
            CaseCommand::SignConsent {
                signatory: Signatory::Client,
                scope: ConsentScope {
                    institutions: [InstitutionId::new("iiz")].into(),
                    ..ConsentScope::default()
                },
            },
        ),
        (
            2,
            3,
            CaseCommand::FormTeam {
                coordinator: UserId::new("k.meier"),
                coordinator_institution: InstitutionId::new("iiz"),
                members: vec![],
            },
        ),
        (
            3,
            4,
            CaseCommand::IssueVoucher {
                voucher: voucher.clone(),
                service: ServiceId::new(ADDICTION_COUNSELLING),
                provider: ProviderId::new("caritas"),
            },
        ),
        (
            4,
            8,
            CaseCommand::RedeemVoucher {
                voucher: voucher.clone(),
            },
        ),
        (
            4,
            9,
            CaseCommand::RecordFeedback {
                voucher: voucher.clone(),
                kind: FeedbackKind::First,
                facts: FeedbackFacts::default(),
                content: None,
            },
        ),
        (
            4,
            60,
            CaseCommand::RecordFeedback {
                voucher,
                kind: FeedbackKind::Final,
                facts: FeedbackFacts {
                    outcome: Some(ServiceOutcome::Completed),
                    ..FeedbackFacts::default()
                },
                content: None,
            },
        ),
        (
            2,
            69,
            CaseCommand::SendClosureNotice {
                to: NoticeRecipient::Referrer,
            },
        ),
        (
            2,
            69,
            CaseCommand::SendClosureNotice {
                to: NoticeRecipient::Client,
            },
        ),
        (
            2,
            70,
            CaseCommand::CloseCase {
                reason: ClosureReason::Employment,
            },
        ),
    ]
}

pub fn case_id(seed: u128) -> CaseId {
    CaseId(Uuid::from_u128(seed))
}

impl Script {
    /// Runs one command of a case; returns (stream, new version).
    pub fn step<S: KeyArea + ?Sized>(
        &self,
        store: &S,
        case: CaseId,
        step: usize,
    ) -> (StreamId, u64) {
        let repo = Repository::<CaseProcess, S>::new(store, case_codec());
        let (actor, day, cmd) = &case_commands(case)[step];
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(*day);
        let ctx = Context::new(now, &self.actors[*actor], &self.policy);
        let stream = StreamId::for_case(case);
        let done = repo
            .execute(&stream, cmd, &ctx, Metadata::default())
            .unwrap_or_else(|e| panic!("{e}"));
        (stream, done.outcome.map(|o| o.last_version).unwrap_or(0))
    }
}

/// Decodes every case stream and returns the invariant violations found.
pub fn invariant_violations<S: EventStore + ?Sized>(store: &S) -> Vec<(StreamId, Violation)> {
    let codec = case_codec();
    let mut out = Vec::new();
    for stream in store.list_streams().unwrap() {
        let events: Vec<CaseEvent> = store
            .read_stream_all(&stream)
            .unwrap()
            .iter()
            .map(|r| codec.decode(r).unwrap())
            .collect();
        out.extend(
            invariants::check(&events)
                .into_iter()
                .map(|v| (stream.clone(), v)),
        );
    }
    out
}
