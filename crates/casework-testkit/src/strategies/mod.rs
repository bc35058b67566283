//! proptest strategies for the case process: single values (commands, profiles, plans,
//! policies), single steps, and whole case histories that reach every phase.
//!
//! The histories come from a [`Generator`]: a configuration (depth, how often cases close
//! or are revoked, the time between steps, the policy, the case id) whose strategies draw
//! a few random numbers per step and turn them into the next command *for the state the
//! case is in* — so that generated cases get as far as a real one does (plans, redeemed
//! vouchers, overdue feedback, revocations, closure and erasure), while a share of steps
//! stays arbitrary so that every rule is also tried the wrong way round. Shrinking removes
//! steps and simplifies the rest; the shrunk history is printed as a story, one line per
//! step ([`Run`], [`Steps`], [`History`]).
//!
//! ```
//! use casework_testkit::strategies::Generator;
//! use casework_core::*;
//! use casework_process::*;
//! use proptest::prelude::*;
//! use proptest::test_runner::TestRunner;
//!
//! let mut policy = Policy::default();
//! policy.thresholds.retention_days = 0;
//! let cases = Generator::default().with_policy(policy).closing(0.8);
//! TestRunner::deterministic().run(&cases.run(), |run| {
//!     // every accepted step recorded events, every rejected one an error
//!     prop_assert!(run.played.iter().all(|p| p.outcome.as_ref().map_or(true, |e| !e.is_empty())));
//!     prop_assert!(invariants::check(&run.events).is_empty(), "{run}");
//!     Ok(())
//! }).unwrap();
//! ```

mod bits;
mod guided;
mod story;

pub use guided::{Generator, CASE_ID};
pub use story::{History, Played, Run, Step, Steps};

use bits::Bits;
use casework_core::*;
use casework_process::*;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

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
/// Users (the first is the coordinator generated teams name).
pub const USERS: [&str; 3] = ["k.meier", "r.huber", "u.iv"];
/// The institutions of generated teams and vouchers.
pub const INSTITUTIONS: [&str; 4] = ["iiz", "rav", "prov-a", "prov-b"];

/// A voucher id out of three.
pub fn voucher() -> impl Strategy<Value = VoucherId> {
    (1..=3u8).prop_map(|n| VoucherId::new(format!("V{n}")))
}

/// A user out of three (the first is the coordinator).
pub fn user() -> impl Strategy<Value = UserId> {
    prop::sample::select(USERS.to_vec()).prop_map(UserId::new)
}

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
    any::<u64>().prop_map(|b| scope_from(&mut Bits::new(b), 750))
}

/// A team member.
pub fn member() -> impl Strategy<Value = Member> {
    user().prop_map(|user| Member {
        user,
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    })
}

/// Plans, mostly valid, sometimes broken (no goal, unknown goal, no responsible, past
/// deadline), with deadlines relative to [`start`].
pub fn plan() -> impl Strategy<Value = Plan> {
    any::<u64>().prop_map(|b| plan_from(&mut Bits::new(b), start().date_naive(), true))
}

/// Registration profiles, some of which fail the admission criteria.
pub fn profile() -> impl Strategy<Value = Profile> {
    any::<u64>().prop_map(|b| profile_from(&mut Bits::new(b)))
}

/// Any case command, with values chosen so that many are accepted and every rule is
/// tried. Cheap to draw (two numbers, whatever the command), so that long sequences
/// generate fast; shrinking moves towards the first commands of the process.
pub fn command() -> impl Strategy<Value = CaseCommand> {
    any::<u64>().prop_map(|b| arbitrary_command(&mut Bits::new(b), start().date_naive()))
}

/// Any single step: an arbitrary command (see [`command`]), mostly by a role that may
/// issue it and sometimes by any role, 0 to 19 days after the step before. The steps of a
/// [`Generator`] are chosen for the state the case is in; this one knows no state.
pub fn step() -> impl Strategy<Value = Step> {
    (any::<u64>(), any::<u64>(), 0..20i64).prop_map(|(a, b, days)| {
        let cmd = arbitrary_command(&mut Bits::new(b), start().date_naive());
        let actor = arbitrary_actor(&mut Bits::new(a), &cmd);
        Step { cmd, actor, days }
    })
}

/// Whole runs of the default [`Generator`], decided under `policy` instead of the
/// default one; the same as `Generator::default().with_policy(policy.clone()).run()`.
///
/// ```
/// use casework_process::Policy;
/// use casework_testkit::strategies;
/// use proptest::prelude::*;
///
/// let mut policy = Policy::default();
/// policy.thresholds.stage_open_days = 30;
/// proptest!(ProptestConfig::with_cases(8), |(run in strategies::run_with(&policy))| {
///     prop_assert_eq!(run.played.len(), run.accepted().len());
/// });
/// ```
pub fn run_with(policy: &Policy) -> impl Strategy<Value = Run> {
    Generator::default().with_policy(policy.clone()).run()
}

/// Command sequences of the default [`Generator`].
pub fn steps() -> impl Strategy<Value = Steps> {
    Generator::default().steps()
}

/// Whole plausible case histories of the default [`Generator`]: the events of a
/// generated command sequence, decided through `CaseProcess` from a start on 1 January
/// 2026 under the default policy.
pub fn history() -> impl Strategy<Value = History> {
    Generator::default().history()
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

/// The happy path's first four commands: register, consent, team, round table.
pub fn happy_path() -> [CaseCommand; 4] {
    let profile = Profile::new(30, Gender::Male, "t1")
        .problems([ProblemArea::Health, ProblemArea::Finances])
        .market(MarketProximity::Far);
    [
        register(CASE_ID, profile),
        CaseCommand::SignConsent {
            signatory: Signatory::Client,
            scope: full_scope(),
        },
        form_team(vec![]),
        assess(AssessmentOutcome::RoundTable),
    ]
}

/// A process with the case process's state, commands, events, errors and context:
/// [`CaseProcess`] itself or a variant of it (such as
/// [`model::Variant`](crate::model::Variant)), which generated steps can be run through.
pub trait CaseLike:
    for<'c> Process<
    State = CaseState,
    Command = CaseCommand,
    Event = CaseEvent,
    Error = CaseError,
    Context<'c> = Context<'c>,
>
{
}

impl<P> CaseLike for P where
    P: for<'c> Process<
        State = CaseState,
        Command = CaseCommand,
        Event = CaseEvent,
        Error = CaseError,
        Context<'c> = Context<'c>,
    >
{
}

/// Runs steps through process `P` (decide, evolve) from an empty case, under the default
/// policy; [`Generator::replay`] runs them under a generator's policy.
pub fn run<P>(steps: &[Step]) -> Run
where
    P: CaseLike,
{
    Generator::default().replay::<P>(steps)
}

/// The start of generated timelines: 1 January 2026, 08:00 UTC.
pub fn start() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

// ---- values from drawn numbers, shared by the single-value strategies and the generator

fn register(case_id: CaseId, profile: Profile) -> CaseCommand {
    CaseCommand::RegisterCase {
        case_id,
        referrer: InstitutionId::new("sozialamt"),
        client: Personal::new(ClientDetails {
            name: "X".into(),
            contact: None,
        }),
        subject: SubjectId::new("client"),
        representative: None,
        profile,
    }
}

fn form_team(members: Vec<Member>) -> CaseCommand {
    CaseCommand::FormTeam {
        coordinator: UserId::new(USERS[0]),
        coordinator_institution: InstitutionId::new("iiz"),
        members,
    }
}

fn assess(outcome: AssessmentOutcome) -> CaseCommand {
    CaseCommand::AssessSituation {
        report: Personal::new(SituationReport {
            summary: "s".into(),
            resources: vec![],
            obstacles: vec![],
            client_view: String::new(),
        }),
        outcome,
    }
}

const AREAS: [ProblemArea; 5] = [
    ProblemArea::Health,
    ProblemArea::Finances,
    ProblemArea::Social,
    ProblemArea::SocioStructural,
    ProblemArea::LabourMarket,
];

/// A profile: 0 to 3 problem areas, an age of 16 to 69; unmotivated when the age is a
/// multiple of 3 and a coin says so (such profiles fail the admission criteria).
fn profile_from(b: &mut Bits) -> Profile {
    let age = 16 + b.below(54) as u8;
    let areas = b.below(4);
    let motivated = b.chance(500) || !age.is_multiple_of(3);
    let mut profile = Profile::new(age, Gender::Female, "t1")
        .problems((0..areas).map(|_| AREAS[b.below(AREAS.len())]));
    profile.motivated = motivated;
    profile
}

/// A consent scope: the full one with `full_per_mille`, otherwise subsets.
fn scope_from(b: &mut Bits, full_per_mille: u32) -> ConsentScope {
    let full = full_scope();
    if b.chance(full_per_mille) {
        return full;
    }
    ConsentScope {
        institutions: full
            .institutions
            .into_iter()
            .filter(|_| b.chance(500))
            .collect(),
        data: full.data.into_iter().filter(|_| b.chance(500)).collect(),
        medical_release: full.medical_release,
        purposes: full
            .purposes
            .into_iter()
            .filter(|_| b.chance(500))
            .collect(),
    }
}

/// A plan with one or two goals (G1 a measurable sub-goal of G0) and up to three measures
/// (M0..M2) due 0 to 200 days after `from`. With `broken`, sometimes no goal, an unknown
/// goal, a measure without responsible or one due before `from`.
fn plan_from(b: &mut Bits, from: NaiveDate, broken: bool) -> Plan {
    let may_break = |b: &mut Bits| broken && b.chance(100);
    let goals = if may_break(b) { 0 } else { 1 + b.below(2) };
    let measures = if broken { b.below(4) } else { 1 + b.below(3) };
    Plan {
        goals: (0..goals)
            .map(|g| Goal {
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
        measures: (0..measures)
            .map(|i| {
                let goal = if may_break(b) {
                    1 + goals
                } else {
                    b.below(goals.max(1))
                };
                let offset = if may_break(b) {
                    -50
                } else {
                    10 * b.below(21) as i64
                };
                Measure {
                    client_task: i == 2,
                    sector: Some(["employment", "social", "health"][i % 3].into()),
                    legal_basis: (i % 2 == 0).then(|| "SGB II §16a".into()),
                    id: MeasureId::new(format!("M{i}")),
                    goal: GoalId::new(format!("G{goal}")),
                    text: Personal::new("measure".into()),
                    responsible: InstitutionId::new(if may_break(b) { "" } else { "rav" }),
                    deadline: from + Duration::days(offset),
                }
            })
            .collect(),
        review_every_days: b.chance(800).then(|| 30 + b.below(60) as u32),
        signed_by_client: true,
        signed_by_coordinator: true,
    }
}

fn voucher_from(b: &mut Bits) -> VoucherId {
    VoucherId::new(format!("V{}", 1 + b.below(3)))
}

fn user_from(b: &mut Bits) -> UserId {
    UserId::new(USERS[b.below(USERS.len())])
}

fn member_from(b: &mut Bits) -> Member {
    Member {
        user: user_from(b),
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    }
}

fn measure_from(b: &mut Bits) -> MeasureId {
    MeasureId::new(format!("M{}", b.below(3)))
}

fn escalation_item(b: &mut Bits) -> DeadlineItem {
    match b.below(6) {
        0 => DeadlineItem::Consent,
        1 => DeadlineItem::TeamFormation,
        2 => DeadlineItem::Assessment,
        3 => DeadlineItem::Plan,
        4 => DeadlineItem::Review,
        _ => DeadlineItem::FirstFeedback {
            voucher: voucher_from(b),
        },
    }
}

const REASONS: [ClosureReason; 7] = [
    ClosureReason::GoalReached,
    ClosureReason::Employment,
    ClosureReason::Training,
    ClosureReason::ServicesDelivered,
    ClosureReason::NoFurtherNeed,
    ClosureReason::ConsentRevoked,
    ClosureReason::Other,
];

/// The weights of [`arbitrary_command`]'s 31 kinds, in the order of its `match`.
const WEIGHTS: [u32; 31] = [
    3, 3, 1, 3, 1, 1, 3, 3, 1, 1, 4, 4, 2, 2, 2, 5, 2, 2, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 3, 2, 1,
];

/// Any command, its values drawn from `b`; plan deadlines relative to `day`.
fn arbitrary_command(b: &mut Bits, day: NaiveDate) -> CaseCommand {
    use CaseCommand as C;
    match b.weighted(&WEIGHTS) {
        0 => register(CASE_ID, profile_from(b)),
        1 => C::SignConsent {
            signatory: Signatory::Client,
            scope: scope_from(b, 750),
        },
        2 => C::RevokeConsent,
        3 => form_team((0..b.below(3)).map(|_| member_from(b)).collect()),
        4 => C::AddMember {
            member: member_from(b),
        },
        5 => C::RemoveMember { user: user_from(b) },
        6 => assess(if b.chance(333) {
            AssessmentOutcome::RecommendAndClose
        } else {
            AssessmentOutcome::RoundTable
        }),
        7 => C::AgreePlan {
            plan: plan_from(b, day, true),
        },
        8 => C::RevisePlan {
            plan: plan_from(b, day, true),
        },
        9 => C::HoldReview {
            completed_measures: (0..b.below(3)).map(|_| measure_from(b)).collect(),
            notes: Personal::new(String::new()),
        },
        10 => C::IssueVoucher {
            voucher: voucher_from(b),
            service: ServiceId::new(SERVICES[b.below(SERVICES.len())]),
            provider: ProviderId::new(PROVIDERS[b.below(2)]),
        },
        11 => C::RedeemVoucher {
            voucher: voucher_from(b),
        },
        12 => C::ReturnVoucher {
            voucher: voucher_from(b),
            reason: ReturnReason::NotStartedInTime,
        },
        13 => C::StartServiceStage {
            voucher: voucher_from(b),
            stage: 1 + b.below(5) as u8,
        },
        14 => C::ClassifyNeedGroup {
            voucher: voucher_from(b),
            need_group: b.below(7) as u8,
        },
        15 => C::RecordFeedback {
            voucher: voucher_from(b),
            kind: [
                FeedbackKind::First,
                FeedbackKind::Interim,
                FeedbackKind::Final,
            ][b.below(3)],
            facts: FeedbackFacts {
                appointment_on: None,
                attending: Some(true),
                outcome: [
                    None,
                    Some(ServiceOutcome::Completed),
                    Some(ServiceOutcome::Discontinued),
                ][b.below(3)],
            },
            content: None,
        },
        16 => C::RecordServiceHours {
            voucher: voucher_from(b),
            module: b.below(14) as u8,
            individual_minutes: b.below(120) as u32,
            group_sessions: b.below(2) as u32,
        },
        17 => C::CloseCase {
            reason: REASONS[b.below(REASONS.len())],
        },
        18 => C::EraseCase,
        19 => C::RecordMandate {
            mandate: Mandate {
                goals: Personal::new("mandate".into()),
                documents: vec!["cv".into()],
            },
        },
        20 => C::DecideAdmission {
            decision: if b.chance(750) {
                AdmissionDecision::Admitted
            } else {
                AdmissionDecision::Declined {
                    reason: DeclineReason::NoCapacity,
                }
            },
        },
        21 => C::RecordEscalation {
            item: escalation_item(b),
            level: 1 + b.below(3) as u8,
        },
        22 => C::HandOverCoordination {
            to: user_from(b),
            institution: InstitutionId::new("rav"),
            reason: HandoverReason::Absence,
        },
        23 => C::ScheduleConference {
            on: day + Duration::days(1100),
        },
        24 => C::HoldConference {
            kind: ConferenceKind::Regular,
            participants: USERS[..1 + b.below(3)]
                .iter()
                .map(|u| UserId::new(*u))
                .collect(),
            minutes: Personal::new("minutes".into()),
            decision: CONFERENCE_DECISIONS[b.below(3)],
        },
        25 => C::DelegateCaseManagement {
            delegate: UserId::new("u"),
            institution: InstitutionId::new(PROVIDERS[b.below(2)]),
            measures: if b.chance(500) {
                vec![]
            } else {
                vec![MeasureId::new("M0")]
            },
            until: day + Duration::days([60, 300, 1100][b.below(3)]),
        },
        26 => C::EndDelegation,
        27 => C::RecordProgress {
            on: if b.chance(500) {
                ProgressOn::Goal(GoalId::new(format!("G{}", b.below(2))))
            } else {
                ProgressOn::Measure(measure_from(b))
            },
            status: PROGRESS[b.below(PROGRESS.len())],
            note: Personal::new("progress".into()),
        },
        28 => C::LinkVoucher {
            voucher: voucher_from(b),
            measure: measure_from(b),
        },
        29 => C::SendClosureNotice {
            to: [NoticeRecipient::Client, NoticeRecipient::Referrer][b.below(2)],
        },
        _ => C::EvaluateCase {
            attainment: (0..1 + b.below(2))
                .map(|g| GoalAttainment {
                    goal: GoalId::new(format!("G{g}")),
                    attainment: ATTAINMENT[b.below(3)],
                })
                .collect(),
        },
    }
}

const CONFERENCE_DECISIONS: [ConferenceDecision; 3] = [
    ConferenceDecision::Continue,
    ConferenceDecision::RevisePlan,
    ConferenceDecision::Close,
];
const PROGRESS: [ProgressStatus; 3] = [
    ProgressStatus::OnTrack,
    ProgressStatus::AtRisk,
    ProgressStatus::Done,
];
const ATTAINMENT: [Attainment; 3] = [
    Attainment::Attained,
    Attainment::Partly,
    Attainment::NotAttained,
];

/// Mostly (seven times in eight) a role that may issue `cmd`, otherwise any role; a
/// coordinator is the one generated teams name.
fn arbitrary_actor(b: &mut Bits, cmd: &CaseCommand) -> Actor {
    let allowed = permitted_roles(cmd);
    let role = if b.chance(875) {
        allowed[b.below(allowed.len())]
    } else {
        ROLES[b.below(ROLES.len())]
    };
    actor_as(role, PROVIDERS[b.below(2)])
}

/// The generated actor of `role`: the named coordinator `k.meier@iiz`, the client, the
/// referrer of `sozialamt`, or user `u` of `institution`.
fn actor_as(role: Role, institution: &str) -> Actor {
    match role {
        Role::Coordinator => Actor::new(USERS[0], role, "iiz"),
        Role::Client => Actor::client("client"),
        Role::Referrer => Actor::new("s.berger", role, "sozialamt"),
        _ => Actor::new("u", role, institution),
    }
}
