//! Shared fixtures for the case-process tests: a world of actors, a policy, and histories
//! built through the real decide path.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use casework_core::*;
use casework_process::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

pub const PROVIDER: &str = "caritas-hamm";
pub const DEBT_PROVIDER: &str = "sb-aachen";

pub struct World {
    pub policy: Policy,
    pub referrer: Actor,
    pub client: Actor,
    pub coordinator: Actor,
    pub specialist: Actor,
    pub caseworker: Actor,
    pub provider: Actor,
    pub debt_provider: Actor,
    pub manager: Actor,
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
            provider: Actor::new("p.wolf", Role::Provider, PROVIDER),
            debt_provider: Actor::new("d.berg", Role::Provider, DEBT_PROVIDER),
            manager: Actor::new("m.lang", Role::Manager, "jobcenter"),
            auditor: Actor::new("a.roth", Role::Auditor, "revision"),
        }
    }
}

/// Day 0 is Monday 2026-01-05, 09:00 UTC.
pub fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + Duration::days(day)
}

pub fn date(day: i64) -> NaiveDate {
    t(day).date_naive()
}

impl World {
    pub fn ctx<'a>(&'a self, actor: &'a Actor, day: i64) -> Context<'a> {
        Context::new(t(day), actor, &self.policy)
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

    pub fn registered(&self) -> Vec<CaseEvent> {
        self.run(&[(&self.referrer, 0, register())])
    }

    pub fn consented(&self) -> Vec<CaseEvent> {
        self.run(&[
            (&self.referrer, 0, register()),
            (&self.client, 1, sign_consent()),
        ])
    }

    pub fn team_formed(&self) -> Vec<CaseEvent> {
        let mut e = self.consented();
        e.extend(self.continue_from(&e, &[(&self.coordinator, 3, form_team())]));
        e
    }

    pub fn assessed(&self, outcome: AssessmentOutcome) -> Vec<CaseEvent> {
        let mut e = self.team_formed();
        e.extend(self.continue_from(&e, &[(&self.coordinator, 10, assess(outcome))]));
        e
    }

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

pub fn case_id() -> CaseId {
    CaseId(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001))
}

pub fn profile() -> Profile {
    Profile::new(34, Gender::Female, "zurich-west")
        .problems([ProblemArea::Health, ProblemArea::Finances])
}

pub fn client() -> Personal<ClientDetails> {
    Personal::new(ClientDetails {
        name: "Anna Muster".into(),
        contact: Some("Langstrasse 1, 8004 Zürich".into()),
    })
}

pub fn register() -> CaseCommand {
    CaseCommand::RegisterCase {
        case_id: case_id(),
        referrer: InstitutionId::new("sozialamt"),
        client: client(),
        profile: profile(),
    }
}

pub fn scope() -> ConsentScope {
    ConsentScope {
        institutions: ["iiz", "rav", "iv", "jobcenter", PROVIDER]
            .into_iter()
            .map(InstitutionId::new)
            .collect(),
        // the client has health and financial problems: the report is health and debt data
        data: [
            DataCategory::ProcessFacts,
            DataCategory::SituationReport,
            DataCategory::Health,
            DataCategory::Debts,
            DataCategory::FeedbackContent,
        ]
        .into(),
        medical_release: Personal::new(vec!["Dr. med. B. Frei".into()]),
        purposes: [Purpose::CaseManagement].into(),
    }
}

pub fn sign_consent() -> CaseCommand {
    CaseCommand::SignConsent {
        signatory: Signatory::Client,
        scope: scope(),
    }
}

pub fn specialist_member() -> Member {
    Member {
        user: UserId::new("r.huber"),
        institution: InstitutionId::new("rav"),
        function: TeamFunction::Specialist,
    }
}

pub fn form_team() -> CaseCommand {
    CaseCommand::FormTeam {
        coordinator: UserId::new("k.meier"),
        coordinator_institution: InstitutionId::new("iiz"),
        members: vec![specialist_member()],
    }
}

pub fn report() -> Personal<SituationReport> {
    Personal::new(SituationReport {
        summary: "On welfare since 2023; debts; back pain".into(),
        resources: vec!["commercial apprenticeship".into()],
        obstacles: vec!["debts".into(), "health".into()],
        client_view: "wants part-time work in an office".into(),
    })
}

pub fn assess(outcome: AssessmentOutcome) -> CaseCommand {
    CaseCommand::AssessSituation {
        report: report(),
        outcome,
    }
}

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

pub fn agree_plan(on: NaiveDate) -> CaseCommand {
    CaseCommand::AgreePlan { plan: plan(on) }
}

pub fn issue(id: &str, service: &str, provider: &str) -> CaseCommand {
    CaseCommand::IssueVoucher {
        voucher: VoucherId::new(id),
        service: ServiceId::new(service),
        provider: ProviderId::new(provider),
    }
}

pub fn redeem(id: &str) -> CaseCommand {
    CaseCommand::RedeemVoucher {
        voucher: VoucherId::new(id),
    }
}

pub fn feedback(id: &str, kind: FeedbackKind, outcome: Option<ServiceOutcome>) -> CaseCommand {
    CaseCommand::RecordFeedback {
        voucher: VoucherId::new(id),
        kind,
        facts: FeedbackFacts {
            appointment_on: None,
            attending: Some(true),
            outcome,
        },
        content: None,
    }
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
