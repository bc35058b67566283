//! One case of the Zürich IIZ process, from registration to closure and erasure, with a
//! debt-counselling voucher on the side: the mandate and the intake decision, a late
//! provider reminded, a case conference, coordination handed over during a leave, the
//! notices before closure and the evaluation of the goals. After each step it prints the
//! phase and the deadlines that are due, derived from the default policy.
//!
//! Run: `cargo run --example zurich_case`

use casework::core::*;
use casework::process::*;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

struct Office {
    policy: Policy,
    state: CaseState,
    history: Vec<CaseEvent>,
    start: DateTime<Utc>,
}

impl Office {
    fn day(&self, n: i64) -> DateTime<Utc> {
        self.start + Duration::days(n)
    }

    /// Decides one command; prints what was recorded (or why it was refused) and the
    /// deadlines due afterwards.
    fn step(&mut self, day: i64, actor: &Actor, cmd: CaseCommand) {
        let ctx = Context::new(self.day(day), actor, &self.policy);
        let when = self.day(day).date_naive();
        print!("{when}  {:<11} {:<21}", actor.role.to_string(), cmd.name());
        match execute::<CaseProcess>(&mut self.state, &cmd, &ctx) {
            Ok(events) => {
                let names: Vec<_> = events.iter().map(CaseEvent::event_type).collect();
                println!("→ {}", names.join(", "));
                self.history.extend(events);
            }
            Err(err) => println!("✗ refused: {err} (nothing recorded)"),
        }
        match &self.state {
            CaseState::Closed(c) => {
                let erased = if c.erased_at.is_some() {
                    ", personal data erased"
                } else {
                    ""
                };
                println!("            phase: closed ({}){erased}", c.reason);
            }
            other => println!("            phase: {}", other.phase_name()),
        }
        self.print_deadlines(when);
    }

    fn print_deadlines(&self, today: NaiveDate) {
        for d in deadlines(&self.state, &self.policy) {
            let what = d.item.to_string();
            let who = &d.responsible;
            let late = d.days_overdue(today);
            let status = if late > 0 {
                format!("OVERDUE {late} d")
            } else {
                format!("in {} d", -late)
            };
            println!(
                "            due {}  {:<40} {:<20} {status}",
                d.due, what, who
            );
        }
    }
}

fn main() {
    let start = Utc
        .with_ymd_and_hms(2026, 2, 2, 9, 0, 0)
        .single()
        .unwrap_or_default();
    let mut office = Office {
        policy: Policy::default(),
        state: CaseState::default(),
        history: Vec::new(),
        start,
    };

    let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt-zuerich");
    let client = Actor::new("client", Role::Client, "client");
    let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz-zuerich");
    let specialist = Actor::new("r.huber", Role::Specialist, "rav-zuerich");
    let caseworker = Actor::new("j.schmidt", Role::Caseworker, "sozialamt-zuerich");
    let provider = Actor::new("b.vogt", Role::Provider, "schuldenberatung-zh");
    let member = |user: &str, institution: &str, function| Member {
        user: UserId::new(user),
        institution: InstitutionId::new(institution),
        function,
    };
    let voucher = VoucherId::new("GS-2026-0042");
    let on = |day: i64| office_day(start, day);

    println!("casework — one case of the Zürich IIZ process\n");
    office.step(
        0,
        &referrer,
        CaseCommand::RegisterCase {
            case_id: CaseId(Uuid::from_u128(0x0194_1c2e_5a00_7000_8000_0000_0000_0042)),
            referrer: InstitutionId::new("sozialamt-zuerich"),
            client: Personal::new(ClientDetails {
                name: "Anna Muster".into(),
                contact: Some("8004 Zürich".into()),
            }),
            subject: SubjectId::new("client"),
            representative: None,
            profile: Profile::new(41, Gender::Female, "zuerich-west").problems([
                ProblemArea::Health,
                ProblemArea::Finances,
                ProblemArea::LabourMarket,
            ]),
        },
    );
    office.step(
        0,
        &referrer,
        CaseCommand::RecordMandate {
            mandate: Mandate {
                goals: Personal::new("Regain work capacity and a regular income".into()),
                documents: vec!["medical-report".into(), "debt-overview".into()],
            },
        },
    );
    office.step(
        1,
        &caseworker,
        CaseCommand::DecideAdmission {
            decision: AdmissionDecision::Admitted,
        },
    );
    // A team before consent is refused: nothing is shared without it.
    office.step(
        1,
        &coordinator,
        CaseCommand::FormTeam {
            coordinator: UserId::new("k.meier"),
            coordinator_institution: InstitutionId::new("iiz-zuerich"),
            members: vec![],
        },
    );
    office.step(
        2,
        &client,
        CaseCommand::SignConsent {
            signatory: Signatory::Client,
            scope: ConsentScope {
                institutions: [
                    "iiz-zuerich",
                    "rav-zuerich",
                    "iv-zuerich",
                    "sozialamt-zuerich",
                    "schuldenberatung-zh",
                ]
                .into_iter()
                .map(InstitutionId::new)
                .collect(),
                data: [
                    DataCategory::ProcessFacts,
                    DataCategory::SituationReport,
                    DataCategory::Debts,
                    DataCategory::Health,
                ]
                .into(),
                medical_release: Personal::new(vec!["Dr. med. B. Frei, Hausärztin".into()]),
                purposes: [Purpose::CaseManagement, Purpose::ServiceDelivery].into(),
            },
        },
    );
    office.step(
        7,
        &coordinator,
        CaseCommand::FormTeam {
            coordinator: UserId::new("k.meier"),
            coordinator_institution: InstitutionId::new("iiz-zuerich"),
            members: vec![
                member("r.huber", "rav-zuerich", TeamFunction::Specialist),
                member("m.iten", "iv-zuerich", TeamFunction::Specialist),
                member(
                    "j.schmidt",
                    "sozialamt-zuerich",
                    TeamFunction::SocialWelfareCaseManager,
                ),
            ],
        },
    );
    office.step(21, &specialist, CaseCommand::AssessSituation {
        report: Personal::new(SituationReport {
            summary: "On social welfare since 2023; debts of about CHF 18,000; back pain limits heavy work".into(),
            resources: vec!["commercial apprenticeship".into(), "good German".into()],
            obstacles: vec!["debts".into(), "health".into(), "three years without work".into()],
            client_view: "wants part-time office work".into(),
        }),
        outcome: AssessmentOutcome::RoundTable,
    });
    office.step(
        35,
        &coordinator,
        CaseCommand::AgreePlan {
            plan: Plan {
                signed_by_coordinator: true,
                goals: vec![Goal {
                    parent: None,
                    target: None,
                    target_date: None,
                    id: GoalId::new("G1"),
                    text: Personal::new("Part-time office job (50 %) by autumn".into()),
                }],
                measures: vec![
                    Measure {
                        client_task: false,
                        sector: None,
                        legal_basis: None,
                        id: MeasureId::new("M1"),
                        goal: GoalId::new("G1"),
                        text: Personal::new(
                            "Debt counselling: overview of creditors, budget".into(),
                        ),
                        responsible: InstitutionId::new("sozialamt-zuerich"),
                        deadline: on(95),
                    },
                    Measure {
                        client_task: false,
                        sector: None,
                        legal_basis: None,
                        id: MeasureId::new("M2"),
                        goal: GoalId::new("G1"),
                        text: Personal::new("Medical assessment of work capacity".into()),
                        responsible: InstitutionId::new("iv-zuerich"),
                        deadline: on(80),
                    },
                    Measure {
                        client_task: false,
                        sector: None,
                        legal_basis: None,
                        id: MeasureId::new("M3"),
                        goal: GoalId::new("G1"),
                        text: Personal::new("Job coaching and applications".into()),
                        responsible: InstitutionId::new("rav-zuerich"),
                        deadline: on(180),
                    },
                ],
                review_every_days: Some(45),
                signed_by_client: true,
            },
        },
    );
    office.step(
        36,
        &caseworker,
        CaseCommand::IssueVoucher {
            voucher: voucher.clone(),
            service: ServiceId::new(DEBT_COUNSELLING),
            provider: ProviderId::new("schuldenberatung-zh"),
        },
    );
    office.step(
        44,
        &provider,
        CaseCommand::RecordFeedback {
            voucher: voucher.clone(),
            kind: FeedbackKind::First,
            facts: FeedbackFacts {
                appointment_on: Some(on(47)),
                attending: None,
                outcome: None,
            },
            content: None,
        },
    );
    office.step(
        47,
        &provider,
        CaseCommand::RedeemVoucher {
            voucher: voucher.clone(),
        },
    );
    office.step(
        50,
        &provider,
        CaseCommand::ClassifyNeedGroup {
            voucher: voucher.clone(),
            need_group: 2,
        },
    );
    office.step(
        50,
        &provider,
        CaseCommand::RecordServiceHours {
            voucher: voucher.clone(),
            module: 1,
            individual_minutes: 60,
            group_sessions: 0,
        },
    );
    office.step(
        82,
        &coordinator,
        CaseCommand::HoldReview {
            completed_measures: vec![MeasureId::new("M2")],
            notes: Personal::new("Work capacity 50 % confirmed; applications start".into()),
        },
    );
    // The provider's interim feedback was due 42 days after the start: one day late the
    // job centre reminds the provider (escalation level 1); a level 2 escalation is not
    // possible yet.
    let interim = DeadlineItem::InterimFeedback {
        voucher: voucher.clone(),
    };
    office.step(
        90,
        &caseworker,
        CaseCommand::RecordEscalation {
            item: interim.clone(),
            level: 2,
        },
    );
    office.step(
        90,
        &caseworker,
        CaseCommand::RecordEscalation {
            item: interim,
            level: 1,
        },
    );
    office.step(
        95,
        &provider,
        CaseCommand::RecordFeedback {
            voucher: voucher.clone(),
            kind: FeedbackKind::Interim,
            facts: FeedbackFacts {
                appointment_on: None,
                attending: Some(true),
                outcome: None,
            },
            content: None,
        },
    );
    office.step(
        100,
        &coordinator,
        CaseCommand::ScheduleConference { on: on(110) },
    );
    office.step(
        110,
        &coordinator,
        CaseCommand::HoldConference {
            kind: ConferenceKind::Regular,
            participants: vec![
                UserId::new("k.meier"),
                UserId::new("r.huber"),
                UserId::new("j.schmidt"),
            ],
            minutes: Personal::new("Debt plan on track; job search starts in June".into()),
            decision: ConferenceDecision::Continue,
        },
    );
    office.step(
        120,
        &provider,
        CaseCommand::StartServiceStage {
            voucher: voucher.clone(),
            stage: 2,
        },
    );
    office.step(
        127,
        &coordinator,
        CaseCommand::HoldReview {
            completed_measures: vec![MeasureId::new("M1")],
            notes: Personal::new("Payment plan agreed with creditors".into()),
        },
    );
    // The coordinator goes on leave: the team lead hands coordination to the RAV
    // specialist, and from now on the deadlines and the coordinator's rights are his.
    let team_lead = Actor::new("t.lead", Role::Manager, "iiz-zuerich");
    office.step(
        140,
        &team_lead,
        CaseCommand::HandOverCoordination {
            to: UserId::new("r.huber"),
            institution: InstitutionId::new("rav-zuerich"),
            reason: HandoverReason::Absence,
        },
    );
    let coordinator = Actor::new("r.huber", Role::Coordinator, "rav-zuerich");
    office.step(
        170,
        &coordinator,
        CaseCommand::HoldReview {
            completed_measures: vec![MeasureId::new("M3")],
            notes: Personal::new("Contract signed: 50 % back office from 1 August".into()),
        },
    );
    office.step(
        229,
        &provider,
        CaseCommand::RecordFeedback {
            voucher: voucher.clone(),
            kind: FeedbackKind::Final,
            facts: FeedbackFacts {
                appointment_on: None,
                attending: Some(true),
                outcome: Some(ServiceOutcome::Completed),
            },
            content: None,
        },
    );
    // Closing too early: the referrer and the client must be told first.
    office.step(
        232,
        &coordinator,
        CaseCommand::CloseCase {
            reason: ClosureReason::Employment,
        },
    );
    for to in [NoticeRecipient::Referrer, NoticeRecipient::Client] {
        office.step(232, &coordinator, CaseCommand::SendClosureNotice { to });
    }
    office.step(
        234,
        &coordinator,
        CaseCommand::EvaluateCase {
            attainment: vec![GoalAttainment {
                goal: GoalId::new("G1"),
                attainment: Attainment::Attained,
            }],
        },
    );
    office.step(
        235,
        &coordinator,
        CaseCommand::CloseCase {
            reason: ClosureReason::Employment,
        },
    );
    // Closed: nothing but erasure follows.
    office.step(
        236,
        &caseworker,
        CaseCommand::IssueVoucher {
            voucher: VoucherId::new("GS-2026-0099"),
            service: ServiceId::new(CHILDCARE),
            provider: ProviderId::new("kita-zh"),
        },
    );
    office.step(236, &coordinator, CaseCommand::EraseCase);

    let violations = invariants::check_under(&office.history, &office.policy);
    println!(
        "\n{} events recorded; invariant violations: {}",
        office.history.len(),
        violations.len()
    );
    let replayed = fold::<CaseProcess, _>(&office.history);
    println!("replay equals live state: {}", replayed == office.state);
}

fn office_day(start: DateTime<Utc>, day: i64) -> NaiveDate {
    (start + Duration::days(day)).date_naive()
}
