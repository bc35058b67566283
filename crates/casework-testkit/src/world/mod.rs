//! The test world: one fixed set of institutions, people, a policy, a calendar and
//! command builders to write case tests with, so that every test suite tells its cases in
//! the same terms.
//!
//! - The calendar: [`day`]`(n)` is `n` days after Monday 5 January 2026, 09:00 UTC;
//!   [`date`]`(n)` its date.
//! - The people of one case ([`World`]): the referrer `s.keller` (sozialamt), the client,
//!   the coordinator `k.meier` (iiz), the specialist `r.huber` (rav), the caseworker
//!   `j.schmidt` (jobcenter), the providers `p.wolf` ([`PROVIDER`]) and `d.berg`
//!   ([`DEBT_PROVIDER`]), the manager `m.lang` and the auditor `a.roth`, under the default
//!   policy. `World` runs commands through `decide`/`evolve` (no store) and builds the
//!   histories of every phase ([`World::planned`], [`World::voucher_redeemed`], …).
//! - The commands of that case: [`register`] (case [`case_id`], a client with health and
//!   debt problems), [`sign_consent`] ([`scope`]), [`form_team`], [`assess`], [`agree_plan`]
//!   ([`plan()`], [`smart_plan`]), [`issue`], [`redeem`], [`feedback`], [`hours`].
//! - A deployment in a store ([`deployment`]): cases [`case`]`(n)` written through the
//!   repository into a `MemoryStore` with a manual clock, and the six cases of 2026 the
//!   report tests read ([`deployment::six_cases`]).
//!
//! This is test code: a rejected command panics with its reason.
//!
//! ```
//! use casework_process::PhaseName;
//! use casework_testkit::world::{World, day};
//!
//! let world = World::default();
//! let events = world.planned();
//! let state = casework_core::fold::<casework_process::CaseProcess, _>(&events);
//! assert_eq!(state.phase_name(), PhaseName::Planned);
//! assert_eq!(day(0).to_rfc3339(), "2026-01-05T09:00:00+00:00");
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod deployment;

use casework_core::*;
use casework_process::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

/// The provider of the world's addiction counselling (a Hamm provider).
pub const PROVIDER: &str = "caritas-hamm";
/// The provider of the world's debt counselling (an Aachen provider).
pub const DEBT_PROVIDER: &str = "sb-aachen";

/// The people of one case and the policy they work under.
#[derive(Debug, Clone)]
pub struct World {
    /// The policy: [`Policy::default`].
    pub policy: Policy,
    /// `s.keller`, referrer at the sozialamt.
    pub referrer: Actor,
    /// The client.
    pub client: Actor,
    /// `k.meier`, coordinator at the iiz (the coordinator [`form_team`] names).
    pub coordinator: Actor,
    /// `r.huber`, specialist at the rav (the member [`form_team`] names).
    pub specialist: Actor,
    /// `j.schmidt`, caseworker at the jobcenter.
    pub caseworker: Actor,
    /// `b.kurz`, a caseworker of the referring sozialamt: the intake before the consent.
    pub intake: Actor,
    /// `p.wolf`, at [`PROVIDER`].
    pub provider: Actor,
    /// `d.berg`, at [`DEBT_PROVIDER`].
    pub debt_provider: Actor,
    /// `m.lang`, manager at the jobcenter.
    pub manager: Actor,
    /// `a.roth`, auditor at the revision.
    pub auditor: Actor,
}

impl Default for World {
    fn default() -> Self {
        World {
            policy: Policy::default(),
            referrer: Actor::new("s.keller", Role::Referrer, "sozialamt"),
            client: Actor::new("client", Role::Client, "client"),
            coordinator: Actor::new("k.meier", Role::Coordinator, "iiz"),
            specialist: Actor::new("r.huber", Role::Specialist, "rav"),
            caseworker: Actor::new("j.schmidt", Role::Caseworker, "jobcenter"),
            intake: Actor::new("b.kurz", Role::Caseworker, "sozialamt"),
            provider: Actor::new("p.wolf", Role::Provider, PROVIDER),
            debt_provider: Actor::new("d.berg", Role::Provider, DEBT_PROVIDER),
            manager: Actor::new("m.lang", Role::Manager, "jobcenter"),
            auditor: Actor::new("a.roth", Role::Auditor, "revision"),
        }
    }
}

/// The instant of day `n` of the world's calendar: day 0 is Monday 2026-01-05, 09:00 UTC.
pub fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(n)
}

/// The date (in UTC) of [`day`]`(n)`.
pub fn date(n: i64) -> NaiveDate {
    day(n).date_naive()
}

impl World {
    /// The context of `actor` acting on [`day`]`(day)` under the world's policy.
    pub fn ctx<'a>(&'a self, actor: &'a Actor, day: i64) -> Context<'a> {
        Context::new(self::day(day), actor, &self.policy)
    }

    /// Runs commands through decide/evolve, panicking on a rejection.
    pub fn run(&self, steps: &[(&Actor, i64, CaseCommand)]) -> Vec<CaseEvent> {
        let mut state = CaseState::default();
        let mut events = Vec::new();
        for (actor, day, cmd) in steps {
            let new = execute::<CaseProcess>(&mut state, cmd, &self.ctx(actor, *day))
                .unwrap_or_else(|e| panic!("{} rejected: {e}", cmd.name()));
            events.extend(new);
        }
        events
    }

    /// The history of a registered case ([`register`] on day 0).
    pub fn registered(&self) -> Vec<CaseEvent> {
        self.run(&[(&self.referrer, 0, register())])
    }

    /// ... and the client's consent ([`sign_consent`]) on day 1.
    pub fn consented(&self) -> Vec<CaseEvent> {
        self.run(&[
            (&self.referrer, 0, register()),
            (&self.client, 1, sign_consent()),
        ])
    }

    /// ... and the team ([`form_team`]) on day 3.
    pub fn team_formed(&self) -> Vec<CaseEvent> {
        let mut e = self.consented();
        e.extend(self.continue_from(&e, &[(&self.coordinator, 3, form_team())]));
        e
    }

    /// ... and the assessment ([`assess`]) on day 10.
    pub fn assessed(&self, outcome: AssessmentOutcome) -> Vec<CaseEvent> {
        let mut e = self.team_formed();
        e.extend(self.continue_from(&e, &[(&self.coordinator, 10, assess(outcome))]));
        e
    }

    /// ... assessed for a round table, and the plan ([`agree_plan`]) on day 20.
    pub fn planned(&self) -> Vec<CaseEvent> {
        let mut e = self.assessed(AssessmentOutcome::RoundTable);
        e.extend(self.continue_from(&e, &[(&self.coordinator, 20, agree_plan(date(20)))]));
        e
    }

    /// Consented case with an addiction-counselling voucher `V1` at PROVIDER, issued day 2.
    pub fn voucher_issued(&self) -> Vec<CaseEvent> {
        let mut e = self.consented();
        e.extend(self.continue_from(
            &e,
            &[(
                &self.caseworker,
                2,
                issue("V1", ADDICTION_COUNSELLING, PROVIDER),
            )],
        ));
        e
    }

    /// ... and redeemed on day 9.
    pub fn voucher_redeemed(&self) -> Vec<CaseEvent> {
        let mut e = self.voucher_issued();
        e.extend(self.continue_from(&e, &[(&self.provider, 9, redeem("V1"))]));
        e
    }

    /// A consented case closed on day 30 without further need.
    pub fn closed(&self) -> Vec<CaseEvent> {
        let mut e = self.consented();
        e.extend(self.close(&e, 30, ClosureReason::NoFurtherNeed));
        e
    }

    /// The closure duties and the closure on `day`: notices to the referrer and the
    /// client, for a planned case every goal rated attained, then `CloseCase`.
    pub fn close(&self, history: &[CaseEvent], day: i64, reason: ClosureReason) -> Vec<CaseEvent> {
        let state = fold::<CaseProcess, _>(history);
        let plan = state.phase().and_then(Phase::planned).map(|p| &p.plan);
        let mut steps: Vec<_> = closure_duties(plan, Attainment::Attained)
            .into_iter()
            .map(|cmd| (&self.coordinator, day, cmd))
            .collect();
        steps.push((&self.coordinator, day, CaseCommand::CloseCase { reason }));
        self.continue_from(history, &steps)
    }

    /// `history` (a planned case) followed by the evaluation: every goal attained.
    pub fn with_evaluation(&self, history: &[CaseEvent], day: i64) -> Vec<CaseEvent> {
        let mut e = history.to_vec();
        e.extend(self.continue_from(
            history,
            &[(
                &self.coordinator,
                day,
                CaseCommand::EvaluateCase {
                    attainment: vec![GoalAttainment {
                        goal: GoalId::new("G1"),
                        attainment: Attainment::Attained,
                    }],
                },
            )],
        ));
        e
    }

    /// `history` followed by the notices before a closure on `day`.
    pub fn with_notices(&self, history: &[CaseEvent], day: i64) -> Vec<CaseEvent> {
        let steps: Vec<_> = closure_duties(None, Attainment::Attained)
            .into_iter()
            .map(|cmd| (&self.coordinator, day, cmd))
            .collect();
        let mut e = history.to_vec();
        e.extend(self.continue_from(history, &steps));
        e
    }

    /// The events of `steps` run after `history`, panicking on a rejection.
    pub fn continue_from(
        &self,
        history: &[CaseEvent],
        steps: &[(&Actor, i64, CaseCommand)],
    ) -> Vec<CaseEvent> {
        let mut state = fold::<CaseProcess, _>(history);
        let mut events = Vec::new();
        for (actor, day, cmd) in steps {
            let new = execute::<CaseProcess>(&mut state, cmd, &self.ctx(actor, *day))
                .unwrap_or_else(|e| panic!("{} rejected: {e}", cmd.name()));
            events.extend(new);
        }
        events
    }
}

/// The case of the world's histories.
pub fn case_id() -> CaseId {
    CaseId(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001))
}

/// The client's profile: 34, female, team `zurich-west`, health and financial problems.
pub fn profile() -> Profile {
    Profile::new(34, Gender::Female, "zurich-west")
        .problems([ProblemArea::Health, ProblemArea::Finances])
}

/// The client's name and contact.
pub fn client() -> Personal<ClientDetails> {
    Personal::new(ClientDetails {
        name: "Anna Muster".into(),
        contact: Some("Langstrasse 1, 8004 Zürich".into()),
    })
}

/// The registration of [`case_id`] by the sozialamt.
pub fn register() -> CaseCommand {
    CaseCommand::RegisterCase {
        case_id: case_id(),
        referrer: InstitutionId::new("sozialamt"),
        client: client(),
        subject: SubjectId::new("client"),
        representative: None,
        profile: profile(),
    }
}

/// The consent's scope: the iiz, rav, iv, jobcenter, sozialamt, [`PROVIDER`],
/// [`DEBT_PROVIDER`], diakonie and kita; process facts, the situation report, health, debts, addiction and
/// feedback content; one released doctor; case management.
pub fn scope() -> ConsentScope {
    ConsentScope {
        institutions: [
            "iiz",
            "rav",
            "iv",
            "jobcenter",
            "sozialamt",
            PROVIDER,
            DEBT_PROVIDER,
            "diakonie",
            "kita",
        ]
        .into_iter()
        .map(InstitutionId::new)
        .collect(),
        // the client has health and financial problems: the report is health and debt data
        data: [
            DataCategory::ProcessFacts,
            DataCategory::SituationReport,
            DataCategory::Health,
            DataCategory::Debts,
            DataCategory::Addiction,
            DataCategory::FeedbackContent,
        ]
        .into(),
        medical_release: Personal::new(vec!["Dr. med. B. Frei".into()]),
        purposes: [Purpose::CaseManagement].into(),
    }
}

/// The client signs [`scope`].
pub fn sign_consent() -> CaseCommand {
    CaseCommand::SignConsent {
        signatory: Signatory::Client,
        scope: scope(),
    }
}

/// `r.huber` of the rav as the team's specialist.
pub fn specialist_member() -> Member {
    Member {
        user: UserId::new("r.huber"),
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    }
}

/// `j.schmidt` of the jobcenter, the caseworker who issues the vouchers, in the team.
pub fn caseworker_member() -> Member {
    Member {
        user: UserId::new("j.schmidt"),
        institution: InstitutionId::new("jobcenter"),
        function: TeamFunction::Specialist,
    }
}

/// The team: coordinator `k.meier` (iiz), [`specialist_member`] and [`caseworker_member`].
pub fn form_team() -> CaseCommand {
    CaseCommand::FormTeam {
        coordinator: UserId::new("k.meier"),
        coordinator_institution: InstitutionId::new("iiz"),
        members: vec![specialist_member(), caseworker_member()],
    }
}

/// The situation report (health and debt data).
pub fn report() -> Personal<SituationReport> {
    Personal::new(SituationReport {
        summary: "On welfare since 2023; debts; back pain".into(),
        resources: vec!["commercial apprenticeship".into()],
        obstacles: vec!["debts".into(), "health".into()],
        client_view: "wants part-time work in an office".into(),
    })
}

/// The assessment with [`report`].
pub fn assess(outcome: AssessmentOutcome) -> CaseCommand {
    CaseCommand::AssessSituation {
        report: report(),
        outcome,
    }
}

/// A signed plan of one goal `G1` and two measures (`M1` debt counselling by the
/// sozialamt, due 60 days after `deadline`; `M2` job coaching by the rav, due after 90),
/// reviewed every 30 days.
pub fn plan(deadline: NaiveDate) -> Plan {
    Plan {
        signed_by_coordinator: true,
        goals: vec![Goal {
            parent: None,
            target: None,
            target_date: None,
            id: GoalId::new("G1"),
            text: Personal::new("Part-time office job by autumn".into()),
        }],
        measures: vec![
            Measure {
                client_task: false,
                sector: None,
                legal_basis: None,
                id: MeasureId::new("M1"),
                goal: GoalId::new("G1"),
                text: Personal::new("Debt counselling".into()),
                responsible: InstitutionId::new("sozialamt"),
                deadline: deadline + Duration::days(60),
            },
            Measure {
                client_task: false,
                sector: None,
                legal_basis: None,
                id: MeasureId::new("M2"),
                goal: GoalId::new("G1"),
                text: Personal::new("Job coaching".into()),
                responsible: InstitutionId::new("rav"),
                deadline: deadline + Duration::days(90),
            },
        ],
        review_every_days: Some(30),
        signed_by_client: true,
    }
}

/// Agreeing [`plan()`]`(on)`.
pub fn agree_plan(on: NaiveDate) -> CaseCommand {
    CaseCommand::AgreePlan { plan: plan(on) }
}

/// Issuing voucher `id` for `service` at `provider`.
pub fn issue(id: &str, service: &str, provider: &str) -> CaseCommand {
    CaseCommand::IssueVoucher {
        voucher: VoucherId::new(id),
        service: ServiceId::new(service),
        provider: ProviderId::new(provider),
    }
}

/// Redeeming voucher `id`.
pub fn redeem(id: &str) -> CaseCommand {
    CaseCommand::RedeemVoucher {
        voucher: VoucherId::new(id),
    }
}

/// Feedback of `kind` on voucher `id`: the client attends.
pub fn feedback(id: &str, kind: FeedbackKind, outcome: Option<ServiceOutcome>) -> CaseCommand {
    feedback_attending(id, kind, Some(true), outcome)
}

/// Feedback of `kind` on voucher `id` that says whether the client attends.
pub fn feedback_attending(
    id: &str,
    kind: FeedbackKind,
    attending: Option<bool>,
    outcome: Option<ServiceOutcome>,
) -> CaseCommand {
    CaseCommand::RecordFeedback {
        voucher: VoucherId::new(id),
        kind,
        facts: FeedbackFacts {
            appointment_on: None,
            attending,
            outcome,
        },
        content: None,
    }
}

/// Service hours on voucher `id`: `minutes` of individual work and `sessions` group
/// sessions in `module`.
pub fn hours(id: &str, module: u8, minutes: u32, sessions: u32) -> CaseCommand {
    CaseCommand::RecordServiceHours {
        voucher: VoucherId::new(id),
        module,
        individual_minutes: minutes,
        group_sessions: sessions,
    }
}

/// The `n`-th case of a [`deployment`] (its UUID ends in `n`).
pub fn case(n: u128) -> CaseId {
    CaseId(Uuid::from_u128(
        0x0194_0000_0000_7000_8000_0000_0000_0000 + n,
    ))
}

/// `who` in `role` at `institution`.
pub fn actor(role: Role, who: &str, institution: &str) -> Actor {
    Actor::new(who, role, institution)
}

/// A plan with what seeds 001 and 003 ask of one: a sub-goal with a measurable target and
/// a target date, the client's own task, sectors and legal bases, both signatures.
pub fn smart_plan(deadline: NaiveDate) -> Plan {
    let mut p = plan(deadline);
    p.goals.push(Goal {
        id: GoalId::new("G1a"),
        text: Personal::new("Regular working hours".into()),
        parent: Some(GoalId::new("G1")),
        target: Some(Personal::new(GoalTarget {
            indicator: "hours worked per week".into(),
            value: "20".into(),
        })),
        target_date: Some(deadline + Duration::days(120)),
    });
    p.measures[1].sector = Some("employment".into());
    p.measures[1].legal_basis = Some("SGB III §45".into());
    p.measures.push(Measure {
        id: MeasureId::new("M3"),
        goal: GoalId::new("G1a"),
        text: Personal::new("Keep a weekly diary of working hours".into()),
        responsible: InstitutionId::new("client"),
        deadline: deadline + Duration::days(90),
        client_task: true,
        sector: Some("social".into()),
        legal_basis: None,
    });
    p
}
