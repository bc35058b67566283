//! Invariants 1–7 of `docs/architecture.md` hold after every step of arbitrary command
//! sequences; each invariant is its own property with at least 256 cases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use casework_core::*;
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

const ROLES: [Role; 8] = [
    Role::Referrer,
    Role::Coordinator,
    Role::Specialist,
    Role::Caseworker,
    Role::Provider,
    Role::Manager,
    Role::Auditor,
    Role::Client,
];
const SERVICES: [&str; 6] = [
    CHILDCARE,
    DEBT_COUNSELLING,
    PSYCHOSOCIAL_CARE,
    ADDICTION_COUNSELLING,
    CARE_OF_RELATIVES,
    "unknown-service",
];
const PROVIDERS: [&str; 2] = ["prov-a", "prov-b"];
const USERS: [&str; 3] = ["k.meier", "r.huber", "u.iv"];

/// One step: a command, who issues it, and how many days pass before it.
#[derive(Debug, Clone)]
struct Step {
    cmd: CaseCommand,
    role_pick: u8,
    institution_pick: u8,
    days: i64,
}

fn voucher() -> impl Strategy<Value = VoucherId> {
    (1..=3u8).prop_map(|n| VoucherId::new(format!("V{n}")))
}

fn user() -> impl Strategy<Value = UserId> {
    prop::sample::select(USERS.to_vec()).prop_map(UserId::new)
}

fn member() -> impl Strategy<Value = Member> {
    user().prop_map(|user| Member {
        user,
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    })
}

fn plan() -> impl Strategy<Value = Plan> {
    // mostly valid plans (so that the process gets past the round table), sometimes broken
    let measure = (
        0..2u8,
        prop_oneof![1 => -5i64..0, 9 => 0i64..200],
        prop::bool::weighted(0.9),
    );
    (
        prop_oneof![1 => Just(0usize), 8 => 1..3usize],
        prop::collection::vec(measure, 0..4),
        prop::option::of(0..60u32),
    )
        .prop_map(|(goals, measures, review)| Plan {
            goals: (0..goals)
                .map(|g| Goal {
                    id: GoalId::new(format!("G{g}")),
                    text: Personal::new("goal".into()),
                })
                .collect(),
            measures: measures
                .into_iter()
                .enumerate()
                .map(|(i, (g, offset, responsible))| Measure {
                    id: MeasureId::new(format!("M{i}")),
                    goal: GoalId::new(format!("G{g}")),
                    text: Personal::new("measure".into()),
                    responsible: InstitutionId::new(if responsible { "rav" } else { "" }),
                    // relative to 2026-01-01; the command's day decides whether it is past
                    deadline: Utc
                        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                        .unwrap()
                        .date_naive()
                        + Duration::days(offset * 10),
                })
                .collect(),
            review_every_days: review,
            signed_by_client: true,
        })
}

fn profile() -> impl Strategy<Value = Profile> {
    (
        prop::collection::btree_set(0..5u8, 0..4),
        any::<bool>(),
        16..70u8,
    )
        .prop_map(|(areas, motivated, age)| Profile {
            age,
            gender: Gender::Female,
            team: TeamId::new("t1"),
            problem_areas: areas
                .into_iter()
                .map(|a| {
                    [
                        ProblemArea::Health,
                        ProblemArea::Finances,
                        ProblemArea::Social,
                        ProblemArea::SocioStructural,
                        ProblemArea::LabourMarket,
                    ][a as usize]
                })
                .collect(),
            market: MarketProximity::Near,
            employment_months: 0,
            single_parent: false,
            self_employed: false,
            graduate: false,
            motivated: motivated || age % 3 != 0,
            integration_realistic: true,
        })
}

fn command() -> impl Strategy<Value = CaseCommand> {
    use CaseCommand as C;
    let reason = prop::sample::select(vec![
        ClosureReason::GoalReached,
        ClosureReason::Employment,
        ClosureReason::Training,
        ClosureReason::ServicesDelivered,
        ClosureReason::NoFurtherNeed,
        ClosureReason::ConsentRevoked,
        ClosureReason::Other,
    ]);
    let kind = prop::sample::select(vec![
        FeedbackKind::First,
        FeedbackKind::Interim,
        FeedbackKind::Final,
    ]);
    let outcome = prop::option::of(prop::sample::select(vec![
        ServiceOutcome::Completed,
        ServiceOutcome::Discontinued,
    ]));
    prop_oneof![
        3 => profile().prop_map(|profile| C::RegisterCase {
            case_id: CaseId(Uuid::from_u128(7)),
            referrer: InstitutionId::new("sozialamt"),
            client: Personal::new(ClientDetails { name: "X".into(), contact: None }),
            profile,
        }),
        3 => Just(C::SignConsent { signatory: Signatory::Client, scope: ConsentScope::default() }),
        1 => Just(C::RevokeConsent),
        3 => prop::collection::vec(member(), 0..3).prop_map(|members| C::FormTeam {
            coordinator: UserId::new("k.meier"),
            coordinator_institution: InstitutionId::new("iiz"),
            members,
        }),
        1 => member().prop_map(|member| C::AddMember { member }),
        1 => user().prop_map(|user| C::RemoveMember { user }),
        3 => prop::sample::select(vec![AssessmentOutcome::RoundTable, AssessmentOutcome::RoundTable, AssessmentOutcome::RecommendAndClose])
            .prop_map(|outcome| C::AssessSituation {
                report: Personal::new(SituationReport { summary: "s".into(), resources: vec![], obstacles: vec![], client_view: String::new() }),
                outcome,
            }),
        3 => plan().prop_map(|plan| C::AgreePlan { plan }),
        1 => plan().prop_map(|plan| C::RevisePlan { plan }),
        1 => prop::collection::vec((0..4u8).prop_map(|i| MeasureId::new(format!("M{i}"))), 0..3)
            .prop_map(|completed_measures| C::HoldReview { completed_measures, notes: Personal::new(String::new()) }),
        4 => (voucher(), prop::sample::select(SERVICES.to_vec()), prop::sample::select(PROVIDERS.to_vec())).prop_map(|(voucher, s, p)| {
            C::IssueVoucher { voucher, service: ServiceId::new(s), provider: ProviderId::new(p) }
        }),
        4 => voucher().prop_map(|voucher| C::RedeemVoucher { voucher }),
        2 => voucher().prop_map(|voucher| C::ReturnVoucher { voucher, reason: ReturnReason::NotStartedInTime }),
        1 => (voucher(), 1..6u8).prop_map(|(voucher, stage)| C::StartServiceStage { voucher, stage }),
        1 => (voucher(), 0..7u8).prop_map(|(voucher, need_group)| C::ClassifyNeedGroup { voucher, need_group }),
        5 => (voucher(), kind, outcome).prop_map(|(voucher, kind, outcome)| C::RecordFeedback {
            voucher,
            kind,
            facts: FeedbackFacts { appointment_on: None, attending: Some(true), outcome },
            content: None,
        }),
        2 => (voucher(), 0..14u8, 0..120u32, 0..2u32).prop_map(|(voucher, module, individual_minutes, group_sessions)| {
            C::RecordServiceHours { voucher, module, individual_minutes, group_sessions }
        }),
        2 => reason.prop_map(|reason| C::CloseCase { reason }),
        1 => Just(C::EraseCase),
    ]
}

fn step(cmd: CaseCommand) -> Step {
    Step {
        cmd,
        role_pick: 0,
        institution_pick: 0,
        days: 1,
    }
}

/// A partial happy path (0 to 4 steps: register, consent, team, round table), then
/// arbitrary commands, so that sequences reach every phase and still try everything.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    let arbitrary = (command(), any::<u8>(), any::<u8>(), 0..20i64).prop_map(
        |(cmd, role_pick, institution_pick, days)| Step {
            cmd,
            role_pick,
            institution_pick,
            days,
        },
    );
    (0..=4usize, prop::collection::vec(arbitrary, 1..50)).prop_map(|(prefix, rest)| {
        let profile = Profile {
            age: 30,
            gender: Gender::Male,
            team: TeamId::new("t1"),
            problem_areas: [ProblemArea::Health, ProblemArea::Finances].into(),
            market: MarketProximity::Far,
            employment_months: 0,
            single_parent: false,
            self_employed: false,
            graduate: false,
            motivated: true,
            integration_realistic: true,
        };
        let happy = [
            CaseCommand::RegisterCase {
                case_id: CaseId(Uuid::from_u128(7)),
                referrer: InstitutionId::new("sozialamt"),
                client: Personal::new(ClientDetails {
                    name: "X".into(),
                    contact: None,
                }),
                profile,
            },
            CaseCommand::SignConsent {
                signatory: Signatory::Client,
                scope: ConsentScope::default(),
            },
            CaseCommand::FormTeam {
                coordinator: UserId::new("k.meier"),
                coordinator_institution: InstitutionId::new("iiz"),
                members: vec![],
            },
            CaseCommand::AssessSituation {
                report: Personal::new(SituationReport {
                    summary: "s".into(),
                    resources: vec![],
                    obstacles: vec![],
                    client_view: String::new(),
                }),
                outcome: AssessmentOutcome::RoundTable,
            },
        ];
        happy
            .into_iter()
            .take(prefix)
            .map(step)
            .chain(rest)
            .collect()
    })
}

/// The result of running a sequence: every step's before/after state and events.
struct Run {
    events: Vec<CaseEvent>,
    /// (state before, command accepted?, state after, events before) per step
    trace: Vec<(CaseState, Option<Vec<CaseEvent>>, CaseState, usize)>,
}

fn run(steps: &[Step]) -> Run {
    let policy = Policy::default();
    let mut state = CaseState::default();
    let mut events = Vec::new();
    let mut trace = Vec::new();
    let mut now = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    for step in steps {
        now += Duration::days(step.days);
        // mostly a role that may issue the command, sometimes any role
        let allowed = permitted_roles(&step.cmd);
        let role = if step.role_pick < 220 {
            allowed[step.role_pick as usize % allowed.len()]
        } else {
            ROLES[step.role_pick as usize % ROLES.len()]
        };
        let institution = PROVIDERS[step.institution_pick as usize % 2];
        let actor = Actor::new("u", role, institution);
        let ctx = Context::new(now, &actor, &policy);
        let before = state.clone();
        let before_len = events.len();
        let outcome = execute::<CaseProcess>(&mut state, &step.cmd, &ctx);
        let accepted = outcome.ok();
        if let Some(new) = &accepted {
            events.extend(new.iter().cloned());
        }
        trace.push((before, accepted, state.clone(), before_len));
    }
    Run { events, trace }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// 1. A stream begins with CaseRegistered; the versions 1, 2, 3, … have no gaps and
    /// no second registration.
    #[test]
    fn inv1_stream_begins_with_registration(steps in steps()) {
        let r = run(&steps);
        for (i, e) in r.events.iter().enumerate() {
            prop_assert_eq!(i == 0, matches!(e, CaseEvent::CaseRegistered { .. }), "event {} is {}", i + 1, e.event_type());
        }
        for (_, accepted, _, before_len) in &r.trace {
            if let Some(new) = accepted {
                prop_assert!(!new.is_empty(), "an accepted command records at least one event");
                prop_assert!(*before_len + new.len() <= r.events.len());
            }
        }
    }

    /// 2. Nothing but erasure follows CaseClosed.
    #[test]
    fn inv2_nothing_but_erasure_after_closure(steps in steps()) {
        let r = run(&steps);
        if let Some(closed) = r.events.iter().position(|e| matches!(e, CaseEvent::CaseClosed { .. })) {
            let after = &r.events[closed + 1..];
            prop_assert!(after.len() <= 1, "after closure: {:?}", after.iter().map(CaseEvent::event_type).collect::<Vec<_>>());
            let only_erasure = after.iter().all(|e| matches!(e, CaseEvent::CaseErased { .. }));
            prop_assert!(only_erasure, "only erasure may follow closure");
        }
    }

    /// 3. No team, plan, voucher or information exchange without consent active at that
    /// moment; revocation closes the case in the same append.
    #[test]
    fn inv3_consent_gates_everything(steps in steps()) {
        let r = run(&steps);
        let mut signed = false;
        let mut revoked = false;
        for (i, e) in r.events.iter().enumerate() {
            match e {
                CaseEvent::ConsentSigned { .. } => signed = true,
                CaseEvent::ConsentRevoked { .. } => {
                    revoked = true;
                    let next_closes = matches!(r.events.get(i + 1), Some(CaseEvent::CaseClosed { reason: ClosureReason::ConsentRevoked, .. }));
                    prop_assert!(next_closes, "revocation not followed by closure");
                }
                CaseEvent::CaseRegistered { .. } | CaseEvent::CaseClosed { .. } | CaseEvent::CaseErased { .. } => {}
                other => prop_assert!(signed && !revoked, "{} without active consent", other.event_type()),
            }
        }
        // the revocation pair is recorded by one decision
        for (_, accepted, _, _) in &r.trace {
            if let Some(new) = accepted {
                if new.iter().any(|e| matches!(e, CaseEvent::ConsentRevoked { .. })) {
                    prop_assert_eq!(new.len(), 2);
                }
            }
        }
    }

    /// 4. Feedback only for a voucher that was issued and not returned; at most one final.
    #[test]
    fn inv4_feedback_only_for_live_vouchers(steps in steps()) {
        let r = run(&steps);
        let mut issued = BTreeSet::new();
        let mut returned = BTreeSet::new();
        let mut finals = BTreeSet::new();
        for e in &r.events {
            match e {
                CaseEvent::VoucherIssued { voucher, .. } => { issued.insert(voucher.clone()); }
                CaseEvent::VoucherReturned { voucher, .. } => { returned.insert(voucher.clone()); }
                CaseEvent::FeedbackReceived { voucher, kind, .. } => {
                    prop_assert!(issued.contains(voucher) && !returned.contains(voucher), "feedback for {}", voucher);
                    if *kind == FeedbackKind::Final {
                        prop_assert!(finals.insert(voucher.clone()), "second final feedback for {}", voucher);
                    }
                }
                _ => {}
            }
        }
    }

    /// 5. Every plan measure has a deadline (by type) and a responsible party.
    #[test]
    fn inv5_measures_have_deadline_and_responsible(steps in steps()) {
        let r = run(&steps);
        for e in &r.events {
            if let CaseEvent::PlanAgreed { plan, at } | CaseEvent::PlanRevised { plan, at } = e {
                for m in &plan.measures {
                    prop_assert!(!m.responsible.as_str().trim().is_empty(), "measure {} without responsible", m.id);
                    prop_assert!(m.deadline >= at.date_naive(), "measure {} due before the plan", m.id);
                }
            }
        }
        prop_assert_eq!(invariants::check(&r.events), vec![]);
    }

    /// 6. fold(events) equals the state reached live, after every step.
    #[test]
    fn inv6_replay_equals_live(steps in steps()) {
        let r = run(&steps);
        let mut len = 0;
        for (_, accepted, after, _) in &r.trace {
            len += accepted.as_ref().map_or(0, Vec::len);
            prop_assert_eq!(&fold::<CaseProcess, _>(&r.events[..len]), after);
        }
    }

    /// 7. A rejected command appends nothing and leaves the state unchanged.
    #[test]
    fn inv7_rejection_changes_nothing(steps in steps()) {
        let r = run(&steps);
        for (before, accepted, after, _) in &r.trace {
            if accepted.is_none() {
                prop_assert_eq!(before, after);
            }
        }
    }
}

/// The generators reach deep into the process: otherwise the properties prove little.
#[test]
fn generated_sequences_reach_every_phase_and_event_type() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut types = BTreeSet::new();
    for _ in 0..2000 {
        let steps = steps().new_tree(&mut runner).unwrap().current();
        for e in run(&steps).events {
            types.insert(e.event_type());
        }
    }
    let missing: Vec<_> = CaseEvent::TYPES
        .iter()
        .filter(|t| !types.contains(*t))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
