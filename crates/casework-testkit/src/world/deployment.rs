//! A deployment in a store: cases written through the real command path (repository →
//! decide → append) into a `MemoryStore` whose clock records each command one minute after
//! it happened, and the six cases of 2026 the report tests read ([`six_cases`]).
//!
//! The deployment's staff work at the jobcenter ([`coordinator`], [`caseworker`]); its
//! providers are [`DEBT_PROVIDER`] and [`PROVIDER`] ([`provider`]).
//!
//! ```
//! use casework_testkit::world::{case, deployment::six_cases};
//! use casework_case::CaseStream;
//! use casework_store::{EventStore, StreamId};
//!
//! let d = six_cases();
//! assert!(d.store.stream_version(&StreamId::for_case(case(1))).unwrap().is_some());
//! ```

use std::sync::Arc;

use casework_case::Cases;
use casework_core::Personal;
use casework_process::*;
use casework_store::{ManualClock, MemoryStore};
use chrono::{Duration, TimeZone, Utc};

use super::{actor, case, date, day, feedback_attending, hours, issue, DEBT_PROVIDER, PROVIDER};

fn voucher(id: &str) -> VoucherId {
    VoucherId::new(id)
}

/// A store, the policy its cases are decided under, and the store's clock.
pub struct Deployment {
    /// The store.
    pub store: MemoryStore,
    /// The policy: [`Policy::default`].
    pub policy: Policy,
    /// The store's clock: each command is recorded one minute after it happened.
    pub clock: Arc<ManualClock>,
}

impl Default for Deployment {
    fn default() -> Self {
        Self::new()
    }
}

impl Deployment {
    /// An empty store whose clock stands at 1 January 2026.
    pub fn new() -> Self {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        ));
        Deployment {
            store: MemoryStore::with_clock(Box::new(clock.clone())),
            policy: Policy::default(),
            clock,
        }
    }

    /// Executes `cmd` of `actor` on [`day`]`(at)` in the stream of `case_id`, recorded a
    /// minute later; panics on a rejection.
    pub fn run(&self, case_id: CaseId, at: i64, actor: &Actor, cmd: CaseCommand) {
        self.clock.set(day(at) + Duration::minutes(1));
        Cases::new(&self.store, self.policy.clone())
            .execute(case_id, actor, day(at), &cmd)
            .unwrap_or_else(|e| panic!("{} at day {at}: {e}", cmd.name()));
    }

    /// The closure duties and the closure: notices to the referrer and the client, for a
    /// planned case every goal rated attained, then `CloseCase`.
    pub fn close(&self, id: CaseId, at: i64, reason: ClosureReason) {
        let state = Cases::new(&self.store, self.policy.clone())
            .load(id)
            .unwrap();
        let plan = state.phase().and_then(Phase::planned).map(|p| &p.plan);
        for cmd in closure_duties(plan, Attainment::Attained) {
            self.run(id, at, &coordinator(), cmd);
        }
        self.run(id, at, &coordinator(), CaseCommand::CloseCase { reason });
    }

    /// The registration of case `id` on day `at` by the sozialamt: a client of `age` and
    /// `gender` in `team`, with health and financial problems.
    pub fn open_case(&self, id: CaseId, at: i64, team: &str, age: u8, gender: Gender) {
        let referrer = actor(Role::Referrer, "s.keller", "sozialamt");
        self.run(
            id,
            at,
            &referrer,
            CaseCommand::RegisterCase {
                case_id: id,
                referrer: InstitutionId::new("sozialamt"),
                client: Personal::new(ClientDetails {
                    name: format!("Client {}", id.0),
                    contact: None,
                }),
                subject: SubjectId::new("client"),
                representative: None,
                profile: Profile::new(age, gender, team)
                    .problems([ProblemArea::Health, ProblemArea::Finances]),
            },
        );
    }

    /// The client's consent (the jobcenter; process facts, the situation report, health
    /// and debts) on day `at`, and a team of the [`coordinator`] alone on the next day.
    pub fn consent_and_team(&self, id: CaseId, at: i64) {
        self.run(
            id,
            at,
            &actor(Role::Client, "client", "client"),
            CaseCommand::SignConsent {
                signatory: Signatory::Client,
                scope: ConsentScope {
                    institutions: ["jobcenter", DEBT_PROVIDER, PROVIDER]
                        .into_iter()
                        .map(InstitutionId::new)
                        .collect(),
                    data: [
                        DataCategory::ProcessFacts,
                        DataCategory::SituationReport,
                        DataCategory::Health,
                        DataCategory::Debts,
                        DataCategory::Addiction,
                    ]
                    .into(),
                    ..ConsentScope::default()
                },
            },
        );
        self.run(
            id,
            at + 1,
            &coordinator(),
            CaseCommand::FormTeam {
                coordinator: UserId::new("k.meier"),
                coordinator_institution: InstitutionId::new("jobcenter"),
                members: vec![Member {
                    user: caseworker().user,
                    institution: InstitutionId::new("jobcenter"),
                    function: TeamFunction::Specialist,
                }],
            },
        );
    }
}

/// `k.meier`, the deployment's coordinator, at the jobcenter.
pub fn coordinator() -> Actor {
    actor(Role::Coordinator, "k.meier", "jobcenter")
}

/// `j.schmidt`, the deployment's caseworker, at the jobcenter.
pub fn caseworker() -> Actor {
    actor(Role::Caseworker, "j.schmidt", "jobcenter")
}

/// The staff of provider `p`.
pub fn provider(p: &str) -> Actor {
    actor(Role::Provider, "staff", p)
}

/// Six cases in 2026 across two providers, covering every report:
///
/// 1. debt counselling at [`DEBT_PROVIDER`], redeemed, need group 2, stage 2, still running;
/// 2. addiction counselling at [`PROVIDER`] completed, closed with employment on day 110;
/// 3. a debt voucher returned unused;
/// 4. a debt voucher issued on day 155, never started (its feedback overdue);
/// 5. consent revoked on day 40;
/// 6. under 25, addiction counselling, not attending, closed without further need on day 90.
pub fn six_cases() -> Deployment {
    let d = Deployment::new();
    let (sb, ca) = (DEBT_PROVIDER, PROVIDER);

    // 1: debt counselling, redeemed, need group 2, stage 2, still running
    let c1 = case(1);
    d.open_case(c1, 0, "aachen", 41, Gender::Female);
    d.consent_and_team(c1, 1);
    d.run(c1, 5, &caseworker(), issue("D-1", DEBT_COUNSELLING, sb));
    d.run(
        c1,
        12,
        &provider(sb),
        CaseCommand::RedeemVoucher {
            voucher: voucher("D-1"),
        },
    );
    d.run(
        c1,
        13,
        &provider(sb),
        feedback_attending("D-1", FeedbackKind::First, Some(true), None),
    );
    d.run(
        c1,
        14,
        &provider(sb),
        CaseCommand::ClassifyNeedGroup {
            voucher: voucher("D-1"),
            need_group: 2,
        },
    );
    d.run(c1, 20, &provider(sb), hours("D-1", 1, 90, 0));
    d.run(c1, 40, &provider(sb), hours("D-1", 3, 120, 0));
    d.run(
        c1,
        60,
        &provider(sb),
        feedback_attending("D-1", FeedbackKind::Interim, Some(true), None),
    );
    d.run(
        c1,
        112,
        &provider(sb),
        CaseCommand::StartServiceStage {
            voucher: voucher("D-1"),
            stage: 2,
        },
    );
    d.run(c1, 200, &provider(sb), hours("D-1", 5, 60, 0));

    // 2: addiction counselling completed, closed with employment
    let c2 = case(2);
    d.open_case(c2, 3, "stolberg", 35, Gender::Male);
    d.consent_and_team(c2, 4);
    d.run(
        c2,
        6,
        &coordinator(),
        CaseCommand::AssessSituation {
            report: Personal::new(SituationReport {
                summary: "s".into(),
                resources: vec![],
                obstacles: vec![],
                client_view: String::new(),
            }),
            outcome: AssessmentOutcome::RoundTable,
        },
    );
    d.run(
        c2,
        8,
        &coordinator(),
        CaseCommand::AgreePlan {
            plan: Plan {
                signed_by_coordinator: true,
                goals: vec![Goal {
                    parent: None,
                    target: None,
                    target_date: None,
                    id: GoalId::new("G1"),
                    text: Personal::new("CANARY-GOAL".into()),
                }],
                measures: vec![Measure {
                    client_task: false,
                    sector: None,
                    legal_basis: None,
                    id: MeasureId::new("M1"),
                    goal: GoalId::new("G1"),
                    text: Personal::new("CANARY-MEASURE".into()),
                    responsible: InstitutionId::new(ca),
                    deadline: date(100),
                }],
                review_every_days: Some(60),
                signed_by_client: true,
            },
        },
    );
    d.run(
        c2,
        9,
        &caseworker(),
        issue("A-2", ADDICTION_COUNSELLING, ca),
    );
    d.run(
        c2,
        15,
        &provider(ca),
        CaseCommand::RedeemVoucher {
            voucher: voucher("A-2"),
        },
    );
    d.run(
        c2,
        16,
        &provider(ca),
        CaseCommand::ClassifyNeedGroup {
            voucher: voucher("A-2"),
            need_group: 3,
        },
    );
    d.run(c2, 30, &provider(ca), hours("A-2", 1, 420, 0));
    d.run(c2, 60, &provider(ca), hours("A-2", 4, 600, 0));
    d.run(
        c2,
        70,
        &coordinator(),
        CaseCommand::HoldReview {
            completed_measures: vec![MeasureId::new("M1")],
            notes: Personal::new(String::new()),
        },
    );
    d.run(
        c2,
        95,
        &provider(ca),
        feedback_attending(
            "A-2",
            FeedbackKind::Final,
            Some(true),
            Some(ServiceOutcome::Completed),
        ),
    );
    d.close(c2, 110, ClosureReason::Employment);

    // 3: debt voucher returned unused
    let c3 = case(3);
    d.open_case(c3, 10, "aachen", 29, Gender::Female);
    d.consent_and_team(c3, 11);
    d.run(c3, 12, &caseworker(), issue("D-3", DEBT_COUNSELLING, sb));
    d.run(
        c3,
        50,
        &caseworker(),
        CaseCommand::ReturnVoucher {
            voucher: voucher("D-3"),
            reason: ReturnReason::NotStartedInTime,
        },
    );

    // 4: debt voucher issued, never started (feedback overdue)
    let c4 = case(4);
    d.open_case(c4, 150, "eschweiler", 52, Gender::Male);
    d.consent_and_team(c4, 151);
    d.run(c4, 155, &caseworker(), issue("D-4", DEBT_COUNSELLING, sb));

    // 5: consent revoked
    let c5 = case(5);
    d.open_case(c5, 20, "aachen", 44, Gender::Female);
    d.consent_and_team(c5, 21);
    d.run(
        c5,
        40,
        &actor(Role::Client, "client", "client"),
        CaseCommand::RevokeConsent,
    );

    // 6: under 25, addiction counselling, not attending, closed without further need
    let c6 = case(6);
    d.open_case(c6, 30, "stolberg", 22, Gender::Female);
    d.consent_and_team(c6, 31);
    d.run(
        c6,
        32,
        &caseworker(),
        issue("A-6", ADDICTION_COUNSELLING, ca),
    );
    d.run(
        c6,
        40,
        &provider(ca),
        CaseCommand::RedeemVoucher {
            voucher: voucher("A-6"),
        },
    );
    d.run(c6, 41, &provider(ca), hours("A-6", 1, 60, 0));
    d.run(
        c6,
        70,
        &provider(ca),
        feedback_attending("A-6", FeedbackKind::Interim, Some(false), None),
    );
    d.close(c6, 90, ClosureReason::NoFurtherNeed);
    d
}
