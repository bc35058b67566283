//! proptest strategies for the case process: commands, profiles, plans, policies and
//! command sequences that reach every phase.

use casework_core::*;
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

/// Every role.
pub const ROLES: [Role; 8] = [
    Role::Referrer,
    Role::Coordinator,
    Role::Specialist,
    Role::Caseworker,
    Role::Provider,
    Role::Manager,
    Role::Auditor,
    Role::Client,
];
/// Services of the default policy and one unknown.
pub const SERVICES: [&str; 6] = [
    CHILDCARE,
    DEBT_COUNSELLING,
    PSYCHOSOCIAL_CARE,
    ADDICTION_COUNSELLING,
    CARE_OF_RELATIVES,
    "unknown-service",
];
/// Provider institutions.
pub const PROVIDERS: [&str; 2] = ["prov-a", "prov-b"];
/// Users.
pub const USERS: [&str; 3] = ["k.meier", "r.huber", "u.iv"];

/// One step: a command, who issues it, and how many days pass before it.
#[derive(Debug, Clone)]
pub struct Step {
    /// The command.
    pub cmd: CaseCommand,
    /// Picks the role: below 220 a role permitted to issue the command, else any role.
    pub role_pick: u8,
    /// Picks the actor's institution among the providers.
    pub institution_pick: u8,
    /// Days that pass before the command.
    pub days: i64,
}

impl Step {
    /// The actor of this step: mostly one whose role may issue the command, sometimes any.
    pub fn actor(&self) -> Actor {
        let allowed = permitted_roles(&self.cmd);
        let role = if self.role_pick < 220 {
            allowed[self.role_pick as usize % allowed.len()]
        } else {
            ROLES[self.role_pick as usize % ROLES.len()]
        };
        if role == Role::Coordinator {
            // the coordinator the generated teams name: coordinator-only commands check
            // the named person
            return Actor::new(USERS[0], role, "iiz");
        }
        Actor::new("u", role, PROVIDERS[self.institution_pick as usize % 2])
    }
}

/// A voucher id out of three.
pub fn voucher() -> impl Strategy<Value = VoucherId> {
    (1..=3u8).prop_map(|n| VoucherId::new(format!("V{n}")))
}

/// A user out of three (the first is the coordinator).
pub fn user() -> impl Strategy<Value = UserId> {
    prop::sample::select(USERS.to_vec()).prop_map(UserId::new)
}

/// The institutions of generated teams and vouchers.
pub const INSTITUTIONS: [&str; 4] = ["iiz", "rav", "prov-a", "prov-b"];

/// A consent that covers every generated institution, every data category and every
/// purpose: what the happy path signs.
pub fn full_scope() -> ConsentScope {
    ConsentScope {
        institutions: INSTITUTIONS.into_iter().map(InstitutionId::new).collect(),
        data: [
            DataCategory::ProcessFacts,
            DataCategory::SituationReport,
            DataCategory::Health,
            DataCategory::Debts,
            DataCategory::Addiction,
            DataCategory::FeedbackContent,
        ]
        .into(),
        medical_release: Personal::new(vec!["Dr. X".into()]),
        purposes: [
            Purpose::CaseManagement,
            Purpose::ServiceDelivery,
            Purpose::BenefitDecision,
            Purpose::Audit,
        ]
        .into(),
    }
}

/// Consent scopes: three times in four the full one, otherwise any subset of institutions,
/// categories and purposes (so that scope rules are exercised, both ways).
pub fn consent_scope() -> impl Strategy<Value = ConsentScope> {
    let full = full_scope();
    let institutions = prop::sample::subsequence(INSTITUTIONS.to_vec(), 0..=INSTITUTIONS.len());
    let data = prop::sample::subsequence(full.data.iter().copied().collect::<Vec<_>>(), 0..=6);
    let purposes =
        prop::sample::subsequence(full.purposes.iter().copied().collect::<Vec<_>>(), 0..=4);
    prop_oneof![
        3 => Just(full),
        1 => (institutions, data, purposes).prop_map(|(institutions, data, purposes)| {
            ConsentScope {
                institutions: institutions.into_iter().map(InstitutionId::new).collect(),
                data: data.into_iter().collect(),
                medical_release: Personal::new(vec!["Dr. X".into()]),
                purposes: purposes.into_iter().collect(),
            }
        }),
    ]
}

/// A team member.
pub fn member() -> impl Strategy<Value = Member> {
    user().prop_map(|user| Member {
        user,
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    })
}

/// Plans, mostly valid, sometimes broken (no goal, unknown goal, no responsible, past deadline).
pub fn plan() -> impl Strategy<Value = Plan> {
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
            signed_by_coordinator: true,
            goals: (0..goals)
                .map(|g| Goal {
                    // G1 is a sub-goal of G0 with a measurable target
                    parent: (g == 1).then(|| GoalId::new("G0")),
                    target: (g == 1).then(|| {
                        Personal::new(GoalTarget {
                            indicator: "hours per week".into(),
                            value: "20".into(),
                        })
                    }),
                    target_date: None,
                    id: GoalId::new(format!("G{g}")),
                    text: Personal::new("goal".into()),
                })
                .collect(),
            measures: measures
                .into_iter()
                .enumerate()
                .map(|(i, (g, offset, responsible))| Measure {
                    client_task: i == 2,
                    sector: Some(["employment", "social", "health"][i % 3].into()),
                    legal_basis: (i % 2 == 0).then(|| "SGB II §16a".into()),
                    id: MeasureId::new(format!("M{i}")),
                    goal: GoalId::new(format!("G{g}")),
                    text: Personal::new("measure".into()),
                    responsible: InstitutionId::new(if responsible { "rav" } else { "" }),
                    // relative to 2026-01-01; the command's day decides whether it is past
                    deadline: start().date_naive() + Duration::days(offset * 10),
                })
                .collect(),
            review_every_days: review,
            signed_by_client: true,
        })
}

/// Registration profiles, some of which fail the admission criteria.
pub fn profile() -> impl Strategy<Value = Profile> {
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

/// Any case command, with values chosen so that many are accepted and every rule is tried.
pub fn command() -> impl Strategy<Value = CaseCommand> {
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
        3 => consent_scope().prop_map(|scope| C::SignConsent { signatory: Signatory::Client, scope }),
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
        2 => (voucher(), 1..6u8).prop_map(|(voucher, stage)| C::StartServiceStage { voucher, stage }),
        2 => (voucher(), 0..7u8).prop_map(|(voucher, need_group)| C::ClassifyNeedGroup { voucher, need_group }),
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
        1 => Just(C::RecordMandate {
            mandate: Mandate { goals: Personal::new("mandate".into()), documents: vec!["cv".into()] },
        }),
        1 => prop_oneof![
            3 => Just(AdmissionDecision::Admitted),
            1 => Just(AdmissionDecision::Declined { reason: DeclineReason::NoCapacity }),
        ].prop_map(|decision| C::DecideAdmission { decision }),
        2 => (deadline_item(), 1..=3u8).prop_map(|(item, level)| C::RecordEscalation { item, level }),
        1 => user().prop_map(|to| C::HandOverCoordination {
            to,
            institution: InstitutionId::new("rav"),
            reason: HandoverReason::Absence,
        }),
        1 => Just(C::ScheduleConference { on: far_day() }),
        1 => (prop::sample::subsequence(USERS.to_vec(), 1..=3), conference_decision())
            .prop_map(|(users, decision)| C::HoldConference {
                kind: ConferenceKind::Regular,
                participants: users.into_iter().map(UserId::new).collect(),
                minutes: Personal::new("minutes".into()),
                decision,
            }),
        1 => (prop::bool::ANY, 0..3usize).prop_map(|(whole, i)| C::DelegateCaseManagement {
            delegate: UserId::new("u"),
            institution: InstitutionId::new(PROVIDERS[i % 2]),
            measures: if whole { vec![] } else { vec![MeasureId::new("M0")] },
            until: [start().date_naive() + Duration::days(60), start().date_naive() + Duration::days(300), far_day()][i],
        }),
        1 => Just(C::EndDelegation),
        2 => (prop::bool::ANY, 0..3u8, progress_status()).prop_map(|(goal, i, status)| C::RecordProgress {
            on: if goal { ProgressOn::Goal(GoalId::new(format!("G{}", i % 2))) } else { ProgressOn::Measure(MeasureId::new(format!("M{i}"))) },
            status,
            note: Personal::new("progress".into()),
        }),
        1 => (voucher(), 0..3u8).prop_map(|(voucher, i)| C::LinkVoucher { voucher, measure: MeasureId::new(format!("M{i}")) }),
        3 => prop::sample::select(vec![NoticeRecipient::Client, NoticeRecipient::Referrer])
            .prop_map(|to| C::SendClosureNotice { to }),
        2 => (1..=2usize, prop::sample::select(vec![Attainment::Attained, Attainment::Partly, Attainment::NotAttained]))
            .prop_map(|(goals, attainment)| C::EvaluateCase {
                attainment: (0..goals).map(|g| GoalAttainment { goal: GoalId::new(format!("G{g}")), attainment }).collect(),
            }),
    ]
}

/// A day after every generated timeline (steps add at most 20 days each).
fn far_day() -> chrono::NaiveDate {
    start().date_naive() + Duration::days(1100)
}

/// Items that can fall due in a generated case.
fn deadline_item() -> impl Strategy<Value = DeadlineItem> {
    prop_oneof![
        Just(DeadlineItem::Consent),
        Just(DeadlineItem::TeamFormation),
        Just(DeadlineItem::Assessment),
        Just(DeadlineItem::Plan),
        Just(DeadlineItem::Review),
        voucher().prop_map(|voucher| DeadlineItem::FirstFeedback { voucher }),
    ]
}

fn conference_decision() -> impl Strategy<Value = ConferenceDecision> {
    prop::sample::select(vec![
        ConferenceDecision::Continue,
        ConferenceDecision::RevisePlan,
        ConferenceDecision::Close,
    ])
}

fn progress_status() -> impl Strategy<Value = ProgressStatus> {
    prop::sample::select(vec![
        ProgressStatus::OnTrack,
        ProgressStatus::AtRisk,
        ProgressStatus::Done,
    ])
}

fn step(cmd: CaseCommand) -> Step {
    Step {
        cmd,
        role_pick: 0,
        institution_pick: 0,
        days: 1,
    }
}

/// The happy path's first four commands: register, consent, team, round table.
pub fn happy_path() -> [CaseCommand; 4] {
    let profile = Profile::new(30, Gender::Male, "t1")
        .problems([ProblemArea::Health, ProblemArea::Finances])
        .market(MarketProximity::Far);
    [
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
            scope: full_scope(),
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
    ]
}

/// Command sequences: a partial happy path (0 to 4 steps: register, consent, team, round table), then
/// arbitrary commands, so that sequences reach every phase and still try everything.
pub fn steps() -> impl Strategy<Value = Vec<Step>> {
    let arbitrary = (command(), any::<u8>(), any::<u8>(), 0..20i64).prop_map(
        |(cmd, role_pick, institution_pick, days)| Step {
            cmd,
            role_pick,
            institution_pick,
            days,
        },
    );
    (0..=4usize, prop::collection::vec(arbitrary, 1..50)).prop_map(|(prefix, rest)| {
        let happy = happy_path();
        happy
            .into_iter()
            .take(prefix)
            .map(step)
            .chain(rest)
            .collect()
    })
}

/// Policies: the default with varied deadlines, stage thresholds and retention.
pub fn policy() -> impl Strategy<Value = Policy> {
    (1..60u32, 1..60u32, 30..200u32, 0..30u32).prop_map(|(first, interim, stage, retention)| {
        let mut p = Policy::default();
        for s in &mut p.services {
            if s.deadlines.first_feedback.days().is_some() {
                s.deadlines.first_feedback = Due::Days(first);
            }
            if s.deadlines.interim_feedback.days().is_some() {
                s.deadlines.interim_feedback = Due::Days(interim);
            }
        }
        p.thresholds.stage_open_days = stage;
        p.thresholds.retention_days = retention;
        p
    })
}

/// Whole plausible case histories: the events of a generated command sequence, decided
/// through `CaseProcess` from a start on 1 January 2026.
pub fn history() -> impl Strategy<Value = Vec<CaseEvent>> {
    steps().prop_map(|steps| run::<CaseProcess>(&steps).events)
}

/// The outcome of running steps through a process without a store.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Every event recorded.
    pub events: Vec<CaseEvent>,
    /// Per step: was it accepted.
    pub accepted: Vec<bool>,
}

/// Runs steps through process `P` (decide, evolve) from an empty case.
pub fn run<P>(steps: &[Step]) -> Run
where
    P: for<'c> Process<
        State = CaseState,
        Command = CaseCommand,
        Event = CaseEvent,
        Context<'c> = Context<'c>,
    >,
{
    let policy = Policy::default();
    let mut state = CaseState::default();
    let mut out = Run::default();
    let mut now = start();
    for step in steps {
        now += Duration::days(step.days);
        let actor = step.actor();
        let ctx = Context::new(now, &actor, &policy);
        match execute::<P>(&mut state, &step.cmd, &ctx) {
            Ok(events) => {
                out.events.extend(events);
                out.accepted.push(true);
            }
            Err(_) => out.accepted.push(false),
        }
    }
    out
}

/// The start of generated timelines: 1 January 2026, 08:00 UTC.
pub fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
}
