//! The work around the main path, rule by rule (issue 18): each "why" of the issue is a
//! test here — deadlines before the plan and escalation, measurable signed plans, handover,
//! conferences, delegation, closure duties and evaluation, intake decisions, sectors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casework_core::scenario::given;
use casework_core::*;
use casework_process::*;
use common::*;

fn items(
    state: &CaseState,
    policy: &Policy,
) -> Vec<(DeadlineItem, chrono::NaiveDate, Responsible)> {
    deadlines(state, policy)
        .into_iter()
        .map(|d| (d.item, d.due, d.responsible))
        .collect()
}

fn state_of(history: &[CaseEvent]) -> CaseState {
    fold::<CaseProcess, _>(history)
}

fn coordinator(w: &World) -> Responsible {
    Responsible::Coordinator(w.coordinator.user.clone())
}

fn escalate(item: DeadlineItem, level: u8) -> CaseCommand {
    CaseCommand::RecordEscalation { item, level }
}

// ---- 1. deadlines in every phase, reminders and escalation -------------------------------

#[test]
fn every_phase_before_the_plan_has_a_deadline() {
    let w = World::default();
    let referrer = Responsible::Institution(InstitutionId::new("sozialamt"));
    assert_eq!(
        items(&state_of(&w.registered()), &w.policy),
        vec![(DeadlineItem::Consent, date(14), referrer.clone())]
    );
    assert_eq!(
        items(&state_of(&w.consented()), &w.policy),
        vec![(DeadlineItem::TeamFormation, date(15), referrer)]
    );
    assert_eq!(
        items(&state_of(&w.team_formed()), &w.policy),
        vec![(DeadlineItem::Assessment, date(33), coordinator(&w))]
    );
    assert_eq!(
        items(
            &state_of(&w.assessed(AssessmentOutcome::RoundTable)),
            &w.policy
        ),
        vec![(DeadlineItem::Plan, date(40), coordinator(&w))]
    );
    assert_eq!(
        items(
            &state_of(&w.assessed(AssessmentOutcome::RecommendAndClose)),
            &w.policy
        ),
        vec![(DeadlineItem::Closure, date(24), coordinator(&w))]
    );
}

#[test]
fn a_deadline_that_is_not_overdue_cannot_be_escalated() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&escalate(DeadlineItem::Consent, 1), &w.ctx(&w.intake, 14))
        .then_err(CaseError::Coordination(CoordinationError::NotOverdue {
            item: DeadlineItem::Consent,
        }));
    given::<CaseProcess>(w.registered())
        .when(&escalate(DeadlineItem::Review, 1), &w.ctx(&w.intake, 40))
        .then_err(CaseError::Coordination(CoordinationError::NotOverdue {
            item: DeadlineItem::Review,
        }));
}

#[test]
fn the_level_follows_the_days_overdue_and_names_who_acts() {
    let w = World::default();
    // consent due day 14: one day late a reminder, from 14 days the team lead
    given::<CaseProcess>(w.registered())
        .when(&escalate(DeadlineItem::Consent, 1), &w.ctx(&w.intake, 15))
        .then([CaseEvent::DeadlineEscalated {
            at: t(15),
            item: DeadlineItem::Consent,
            level: 1,
            party: Responsible::Institution(InstitutionId::new("sozialamt")),
            to: EscalationTarget::Coordinator,
        }]);
    let err = given::<CaseProcess>(w.registered())
        .when(&escalate(DeadlineItem::Consent, 2), &w.ctx(&w.intake, 20))
        .rejected();
    assert!(
        err.to_string()
            .contains("6 day(s) overdue allow up to level 1"),
        "{err}"
    );
    given::<CaseProcess>(w.registered())
        .when(
            &escalate(DeadlineItem::Consent, 2),
            &w.ctx(&Actor::new("m.lang", Role::Manager, "sozialamt"), 28),
        )
        .then([CaseEvent::DeadlineEscalated {
            at: t(28),
            item: DeadlineItem::Consent,
            level: 2,
            party: Responsible::Institution(InstitutionId::new("sozialamt")),
            to: EscalationTarget::Body {
                name: "team lead".into(),
            },
        }]);
}

#[test]
fn an_escalation_is_recorded_once_per_level_and_only_upwards() {
    let w = World::default();
    let mut h = w.registered();
    h.extend(w.continue_from(&h, &[(&w.intake, 15, escalate(DeadlineItem::Consent, 1))]));
    let err = given::<CaseProcess>(h.clone())
        .when(&escalate(DeadlineItem::Consent, 1), &w.ctx(&w.intake, 16))
        .rejected();
    assert!(
        err.to_string().contains("level 1 is already recorded"),
        "{err}"
    );
    let state = state_of(&h);
    let CaseState::Open(case) = &state else {
        panic!("open")
    };
    assert_eq!(
        case.coordination.escalation_level(&DeadlineItem::Consent),
        1
    );
}

// ---- 2. measurable, signed plans; progress; vouchers serve measures ----------------------

#[test]
fn a_plan_takes_effect_only_signed_by_client_and_coordinator() {
    let w = World::default();
    let mut unsigned = plan(date(20));
    unsigned.signed_by_client = false;
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::AgreePlan { plan: unsigned },
            &w.ctx(&w.coordinator, 20),
        )
        .then_err(CaseError::Planning(PlanningError::PlanNotSigned("client")));
    let mut unsigned = plan(date(20));
    unsigned.signed_by_coordinator = false;
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::AgreePlan {
                plan: unsigned.clone(),
            },
            &w.ctx(&w.coordinator, 20),
        )
        .then_err(CaseError::Planning(PlanningError::PlanNotSigned(
            "coordinator",
        )));
    // a deployment whose policy asks for the client's signature only
    let mut w2 = World::default();
    w2.policy.process.plan_signatures.coordinator = false;
    let events = given::<CaseProcess>(w2.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::AgreePlan { plan: unsigned },
            &w2.ctx(&w2.coordinator, 20),
        )
        .accepted();
    assert_eq!(events.len(), 1);
}

#[test]
fn sub_goals_hang_under_a_top_level_goal_and_sectors_come_from_the_policy() {
    let w = World::default();
    let mut p = smart_plan(date(20));
    p.goals[1].parent = Some(GoalId::new("G1a"));
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::AgreePlan { plan: p },
            &w.ctx(&w.coordinator, 20),
        )
        .then_err(CaseError::Planning(PlanningError::InvalidPlan(
            PlanError::BadParent {
                goal: GoalId::new("G1a"),
                parent: GoalId::new("G1a"),
            },
        )));
    let mut p = smart_plan(date(20));
    p.measures[1].sector = Some("maritime".into());
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::AgreePlan { plan: p },
            &w.ctx(&w.coordinator, 20),
        )
        .then_err(CaseError::Planning(PlanningError::UnknownSector(
            "maritime".into(),
        )));
}

fn smart_planned(w: &World) -> Vec<CaseEvent> {
    let mut h = w.assessed(AssessmentOutcome::RoundTable);
    h.extend(w.continue_from(
        &h,
        &[(
            &w.coordinator,
            20,
            CaseCommand::AgreePlan {
                plan: smart_plan(date(20)),
            },
        )],
    ));
    h
}

fn progress(on: ProgressOn, status: ProgressStatus) -> CaseCommand {
    CaseCommand::RecordProgress {
        on,
        status,
        note: Personal::new(String::new()),
    }
}

fn m(id: &str) -> ProgressOn {
    ProgressOn::Measure(MeasureId::new(id))
}

#[test]
fn a_sector_brings_its_follow_up_duty() {
    let w = World::default();
    let state = state_of(&smart_planned(&w));
    let follow_ups: Vec<_> = items(&state, &w.policy)
        .into_iter()
        .filter(|(i, ..)| matches!(i, DeadlineItem::MeasureFollowUp { .. }))
        .collect();
    // M2 employment (90 days), M3 social (180 days); M1 has no sector
    assert_eq!(
        follow_ups,
        vec![
            (
                DeadlineItem::MeasureFollowUp {
                    measure: MeasureId::new("M2")
                },
                date(110),
                Responsible::Institution(InstitutionId::new("rav"))
            ),
            (
                DeadlineItem::MeasureFollowUp {
                    measure: MeasureId::new("M3")
                },
                date(200),
                Responsible::Institution(InstitutionId::new("client"))
            ),
        ]
    );
}

#[test]
fn specialists_report_on_their_measures_and_the_client_on_its_own_tasks() {
    let w = World::default();
    let h = smart_planned(&w);
    // r.huber (rav) is responsible for M2, not for M1 (sozialamt)
    given::<CaseProcess>(h.clone())
        .when(
            &progress(m("M2"), ProgressStatus::OnTrack),
            &w.ctx(&w.specialist, 30),
        )
        .then([CaseEvent::ProgressRecorded {
            at: t(30),
            by: UserId::new("r.huber"),
            on: m("M2"),
            status: ProgressStatus::OnTrack,
            note: Personal::new(String::new()),
        }]);
    let err = given::<CaseProcess>(h.clone())
        .when(
            &progress(m("M1"), ProgressStatus::Done),
            &w.ctx(&w.specialist, 30),
        )
        .rejected();
    assert!(
        matches!(
            err,
            CaseError::Planning(PlanningError::NotResponsible { .. })
        ),
        "{err}"
    );
    given::<CaseProcess>(h.clone())
        .when(
            &progress(m("M3"), ProgressStatus::Done),
            &w.ctx(&w.client, 30),
        )
        .accepted();
    let err = given::<CaseProcess>(h.clone())
        .when(
            &progress(m("M2"), ProgressStatus::Done),
            &w.ctx(&w.client, 30),
        )
        .rejected();
    assert!(err.to_string().contains("own tasks"), "{err}");
    // a measure reported done counts as completed
    let mut done = h.clone();
    done.extend(w.continue_from(
        &h,
        &[(&w.specialist, 30, progress(m("M2"), ProgressStatus::Done))],
    ));
    let state = state_of(&done);
    assert!(state
        .phase()
        .and_then(Phase::planned)
        .unwrap()
        .completed_measures
        .contains(&MeasureId::new("M2")));
}

#[test]
fn a_voucher_serves_a_measure_of_the_plan() {
    let w = World::default();
    let mut h = smart_planned(&w);
    h.extend(w.continue_from(
        &h,
        &[(
            &w.caseworker,
            21,
            issue("D1", DEBT_COUNSELLING, DEBT_PROVIDER),
        )],
    ));
    let link = |measure: &str| CaseCommand::LinkVoucher {
        voucher: VoucherId::new("D1"),
        measure: MeasureId::new(measure),
    };
    given::<CaseProcess>(h.clone())
        .when(&link("M9"), &w.ctx(&w.caseworker, 22))
        .then_err(CaseError::Planning(PlanningError::UnknownMeasure(
            MeasureId::new("M9"),
        )));
    let mut linked = h.clone();
    linked.extend(w.continue_from(&h, &[(&w.caseworker, 22, link("M1"))]));
    let state = state_of(&linked);
    assert_eq!(
        state.vouchers().unwrap()[&VoucherId::new("D1")].measure,
        Some(MeasureId::new("M1"))
    );
}

// ---- 3. coordinator handover; the named coordinator's rights ------------------------------

#[test]
fn coordinator_only_commands_check_the_named_person() {
    let w = World::default();
    let other = Actor::new("x.other", Role::Coordinator, "iiz");
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::HoldReview {
                completed_measures: vec![],
                notes: Personal::new(String::new()),
            },
            &w.ctx(&other, 30),
        )
        .then_err(CaseError::NotAParty(NotAParty::NotCoordinator {
            user: UserId::new("x.other"),
            coordinator: UserId::new("k.meier"),
        }));
}

fn hand_over_to_huber() -> CaseCommand {
    CaseCommand::HandOverCoordination {
        to: UserId::new("r.huber"),
        institution: InstitutionId::new("rav"),
        reason: HandoverReason::Absence,
    }
}

#[test]
fn after_a_handover_deadlines_and_rights_follow_the_new_coordinator() {
    let w = World::default();
    let h = w.planned();
    // the team lead hands over while the coordinator is absent
    let mut e = h.clone();
    e.extend(w.continue_from(&h, &[(&w.manager, 25, hand_over_to_huber())]));
    let state = state_of(&e);
    let review = deadlines(&state, &w.policy)
        .into_iter()
        .find(|d| d.item == DeadlineItem::Review)
        .unwrap();
    assert_eq!(
        review.responsible,
        Responsible::Coordinator(UserId::new("r.huber"))
    );
    let team = state.phase().and_then(Phase::team).unwrap();
    assert_eq!(team.coordinator_institution, InstitutionId::new("rav"));
    assert!(!team
        .members
        .iter()
        .any(|m| m.user == UserId::new("r.huber")));
    let review_cmd = CaseCommand::HoldReview {
        completed_measures: vec![],
        notes: Personal::new(String::new()),
    };
    given::<CaseProcess>(e.clone())
        .when(&review_cmd, &w.ctx(&w.coordinator, 30))
        .then_err(CaseError::NotAParty(NotAParty::NotCoordinator {
            user: UserId::new("k.meier"),
            coordinator: UserId::new("r.huber"),
        }));
    let huber = Actor::new("r.huber", Role::Coordinator, "rav");
    assert_eq!(
        given::<CaseProcess>(e)
            .when(&review_cmd, &w.ctx(&huber, 30))
            .accepted()
            .len(),
        1
    );
}

#[test]
fn coordination_passes_only_to_a_team_institution_inside_the_consent() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::HandOverCoordination {
                to: UserId::new("z.zeller"),
                institution: InstitutionId::new("iv"),
                reason: HandoverReason::BetterPlacedInstitution,
            },
            &w.ctx(&w.coordinator, 25),
        )
        .then_err(CaseError::Coordination(
            CoordinationError::NotTeamInstitution(InstitutionId::new("iv")),
        ));
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::HandOverCoordination {
                to: UserId::new("k.meier"),
                institution: InstitutionId::new("iiz"),
                reason: HandoverReason::Workload,
            },
            &w.ctx(&w.coordinator, 25),
        )
        .then_err(CaseError::Coordination(
            CoordinationError::AlreadyCoordinator(UserId::new("k.meier")),
        ));
}

// ---- 4. case conferences -----------------------------------------------------------------

fn conference(participants: &[&str], decision: ConferenceDecision) -> CaseCommand {
    CaseCommand::HoldConference {
        kind: ConferenceKind::Regular,
        participants: participants.iter().map(|u| UserId::new(*u)).collect(),
        minutes: Personal::new("discussed the debts".into()),
        decision,
    }
}

#[test]
fn a_conference_has_team_members_as_participants() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(
            &conference(&["k.meier"], ConferenceDecision::Continue),
            &w.ctx(&w.coordinator, 30),
        )
        .then_err(CaseError::Coordination(
            CoordinationError::TooFewParticipants { min: 2, got: 1 },
        ));
    given::<CaseProcess>(w.planned())
        .when(
            &conference(&["k.meier", "n.nobody"], ConferenceDecision::Continue),
            &w.ctx(&w.coordinator, 30),
        )
        .then_err(CaseError::Coordination(CoordinationError::NotAParticipant(
            UserId::new("n.nobody"),
        )));
}

#[test]
fn a_conference_decision_stands_as_a_deadline_until_it_takes_effect() {
    let w = World::default();
    let h = w.planned();
    let mut e = h.clone();
    e.extend(w.continue_from(
        &h,
        &[(
            &w.coordinator,
            28,
            CaseCommand::ScheduleConference { on: date(30) },
        )],
    ));
    assert!(items(&state_of(&e), &w.policy).contains(&(
        DeadlineItem::Conference,
        date(30),
        coordinator(&w)
    )));
    e.extend(w.continue_from(
        &e,
        &[(
            &w.coordinator,
            30,
            conference(&["k.meier", "r.huber"], ConferenceDecision::RevisePlan),
        )],
    ));
    let after = items(&state_of(&e), &w.policy);
    assert!(!after.iter().any(|(i, ..)| *i == DeadlineItem::Conference));
    assert!(after.contains(&(DeadlineItem::PlanRevision, date(44), coordinator(&w))));
    e.extend(w.continue_from(
        &e,
        &[(
            &w.coordinator,
            35,
            CaseCommand::RevisePlan {
                plan: plan(date(35)),
            },
        )],
    ));
    assert!(!items(&state_of(&e), &w.policy)
        .iter()
        .any(|(i, ..)| *i == DeadlineItem::PlanRevision));
}

// ---- 5. delegated case management --------------------------------------------------------

fn delegate_m2(until: i64) -> CaseCommand {
    CaseCommand::DelegateCaseManagement {
        delegate: UserId::new("p.wolf"),
        institution: InstitutionId::new(PROVIDER),
        measures: vec![MeasureId::new("M2")],
        until: date(until),
    }
}

#[test]
fn a_delegate_acts_only_inside_its_delegation_and_period() {
    let w = World::default();
    let h = w.planned();
    let mut d = h.clone();
    d.extend(w.continue_from(&h, &[(&w.coordinator, 25, delegate_m2(100))]));
    // inside: M2 within the period
    given::<CaseProcess>(d.clone())
        .when(
            &progress(m("M2"), ProgressStatus::OnTrack),
            &w.ctx(&w.provider, 40),
        )
        .accepted();
    // outside the measures
    let err = given::<CaseProcess>(d.clone())
        .when(
            &progress(m("M1"), ProgressStatus::OnTrack),
            &w.ctx(&w.provider, 40),
        )
        .rejected();
    assert!(
        matches!(
            err,
            CaseError::Planning(PlanningError::NotResponsible { .. })
        ),
        "{err}"
    );
    // after the period the delegate is no party of the case any more
    let err = given::<CaseProcess>(d.clone())
        .when(
            &progress(m("M2"), ProgressStatus::OnTrack),
            &w.ctx(&w.provider, 101),
        )
        .rejected();
    assert!(
        matches!(err, CaseError::NotAParty(NotAParty::NoVoucher { .. })),
        "{err}"
    );
    // a measure delegate holds no reviews: that needs the whole case
    given::<CaseProcess>(d.clone())
        .when(
            &CaseCommand::HoldReview {
                completed_measures: vec![],
                notes: Personal::new(String::new()),
            },
            &w.ctx(&w.provider, 40),
        )
        .then_err(CaseError::NotPermitted {
            role: Role::Provider,
            command: "HoldReview",
        });
    // a second delegation waits for the first
    given::<CaseProcess>(d.clone())
        .when(&delegate_m2(90), &w.ctx(&w.coordinator, 30))
        .then_err(CaseError::Coordination(
            CoordinationError::DelegationRunning(date(100)),
        ));
}

#[test]
fn the_delegate_reports_at_policy_intervals_and_the_delegation_ends() {
    let w = World::default();
    let h = w.planned();
    let mut d = h.clone();
    d.extend(w.continue_from(&h, &[(&w.coordinator, 25, delegate_m2(200))]));
    let report = |e: &[CaseEvent]| {
        deadlines(&state_of(e), &w.policy)
            .into_iter()
            .find(|x| x.item == DeadlineItem::DelegationReport)
    };
    let first = report(&d).unwrap();
    assert_eq!(first.due, date(55));
    assert_eq!(
        first.responsible,
        Responsible::Delegate(UserId::new("p.wolf"))
    );
    d.extend(w.continue_from(
        &d,
        &[(&w.provider, 50, progress(m("M2"), ProgressStatus::AtRisk))],
    ));
    assert_eq!(report(&d).unwrap().due, date(80));
    d.extend(w.continue_from(&d, &[(&w.coordinator, 60, CaseCommand::EndDelegation)]));
    assert!(report(&d).is_none());
    given::<CaseProcess>(d)
        .when(&CaseCommand::EndDelegation, &w.ctx(&w.coordinator, 61))
        .then_err(CaseError::Coordination(CoordinationError::NoDelegation));
}

#[test]
fn a_whole_case_delegate_reviews_and_rates_goals_and_a_period_has_a_limit() {
    let w = World::default();
    let h = w.planned();
    let mut d = h.clone();
    d.extend(w.continue_from(
        &h,
        &[(
            &w.coordinator,
            25,
            CaseCommand::DelegateCaseManagement {
                delegate: UserId::new("p.wolf"),
                institution: InstitutionId::new(PROVIDER),
                measures: vec![],
                until: date(100),
            },
        )],
    ));
    given::<CaseProcess>(d.clone())
        .when(
            &CaseCommand::HoldReview {
                completed_measures: vec![MeasureId::new("M1")],
                notes: Personal::new(String::new()),
            },
            &w.ctx(&w.provider, 40),
        )
        .accepted();
    given::<CaseProcess>(d)
        .when(
            &progress(ProgressOn::Goal(GoalId::new("G1")), ProgressStatus::OnTrack),
            &w.ctx(&w.provider, 40),
        )
        .accepted();
    given::<CaseProcess>(h)
        .when(&delegate_m2(25 + 400), &w.ctx(&w.coordinator, 25))
        .then_err(CaseError::Coordination(
            CoordinationError::DelegationTooLong {
                until: date(425),
                latest: date(390),
            },
        ));
}

// ---- 6. closure duties, evaluation, erasure on the worklist --------------------------------

#[test]
fn a_case_closes_only_after_the_notices_and_the_evaluation() {
    let w = World::default();
    let close = CaseCommand::CloseCase {
        reason: ClosureReason::GoalReached,
    };
    given::<CaseProcess>(w.planned())
        .when(&close, &w.ctx(&w.coordinator, 60))
        .then_err(CaseError::Closure(ClosureError::NoticeMissing(
            NoticeRecipient::Referrer,
        )));
    let noticed = w.with_notices(&w.planned(), 60);
    given::<CaseProcess>(noticed.clone())
        .when(&close, &w.ctx(&w.coordinator, 60))
        .then_err(CaseError::Closure(ClosureError::EvaluationRequired));
    let err = given::<CaseProcess>(noticed.clone())
        .when(
            &CaseCommand::EvaluateCase { attainment: vec![] },
            &w.ctx(&w.coordinator, 60),
        )
        .rejected();
    assert_eq!(
        err,
        CaseError::Closure(ClosureError::EvaluationIncomplete("missing G1".into()))
    );
    let evaluated = w.with_evaluation(&noticed, 60);
    given::<CaseProcess>(evaluated.clone())
        .when(&close, &w.ctx(&w.coordinator, 61))
        .then([CaseEvent::CaseClosed {
            at: t(61),
            reason: ClosureReason::GoalReached,
        }]);
    let mut closed = evaluated.clone();
    closed.extend(w.continue_from(&evaluated, &[(&w.coordinator, 61, close)]));
    let CaseState::Closed(c) = state_of(&closed) else {
        panic!("closed")
    };
    assert_eq!(
        c.coordination.attainment,
        vec![GoalAttainment {
            goal: GoalId::new("G1"),
            attainment: Attainment::Attained
        }]
    );
}

#[test]
fn a_policy_without_closure_duties_closes_at_once() {
    let mut w = World::default();
    w.policy.process.closure.notices_required = false;
    w.policy.process.closure.evaluation_required = false;
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::Other,
            },
            &w.ctx(&w.coordinator, 60),
        )
        .accepted();
}

// ---- 7. intake: mandate and admission ------------------------------------------------------

#[test]
fn a_declined_referral_is_kept_through_the_objection_period_then_erased() {
    let w = World::default();
    let decline = CaseCommand::DecideAdmission {
        decision: AdmissionDecision::Declined {
            reason: DeclineReason::OtherServiceBetterPlaced,
        },
    };
    let mut h = w.registered();
    let declined = given::<CaseProcess>(h.clone())
        .when(&decline, &w.ctx(&w.intake, 2))
        .accepted();
    assert_eq!(
        declined,
        vec![
            CaseEvent::AdmissionDecided {
                at: t(2),
                decision: AdmissionDecision::Declined {
                    reason: DeclineReason::OtherServiceBetterPlaced,
                },
            },
            CaseEvent::CaseClosed {
                at: t(2),
                reason: ClosureReason::ReferralDeclined,
            },
        ]
    );
    h.extend(declined);
    // seed 004: one month and three days from the decision (7 January): until 10 February
    let state = state_of(&h);
    assert_eq!(
        deadlines(&state, &w.policy)
            .into_iter()
            .map(|d| (d.item, d.due))
            .collect::<Vec<_>>(),
        vec![(DeadlineItem::Erasure, date(37))]
    );
    let intake_lead = Actor::new("t.lead", Role::Coordinator, "sozialamt");
    given::<CaseProcess>(h.clone())
        .when(&CaseCommand::EraseCase, &w.ctx(&intake_lead, 36))
        .then_err(CaseError::Closure(ClosureError::ObjectionPeriodRunning {
            last_day: date(36),
        }));
    given::<CaseProcess>(h.clone())
        .when(&CaseCommand::EraseCase, &w.ctx(&intake_lead, 37))
        .then([CaseEvent::CaseErased { at: t(37) }]);
    // someone who is no party of the case erases nothing
    let err = given::<CaseProcess>(h)
        .when(&CaseCommand::EraseCase, &w.ctx(&w.coordinator, 37))
        .rejected();
    assert!(matches!(err, CaseError::NotAParty(_)), "{err}");
    // an empty objection period erases in the same step
    let mut at_once = World::default();
    at_once.policy.process.intake.objection_period = ObjectionPeriod { months: 0, days: 0 };
    let events = given::<CaseProcess>(at_once.registered())
        .when(&decline, &at_once.ctx(&at_once.intake, 2))
        .accepted();
    assert_eq!(events.last(), Some(&CaseEvent::CaseErased { at: t(2) }));
    // a policy may keep it for the retention period
    let mut keep = World::default();
    keep.policy.process.intake.keep_declined_personal_data = true;
    let events = given::<CaseProcess>(keep.registered())
        .when(&decline, &keep.ctx(&keep.intake, 2))
        .accepted();
    assert_eq!(events.len(), 2);
}

#[test]
fn where_the_policy_requires_it_consent_waits_for_admission() {
    let mut w = World::default();
    w.policy.process.intake.admission_required = true;
    // a deployment that takes the mandate with the referral, before the consent
    w.policy.process.intake.consent_first = false;
    given::<CaseProcess>(w.registered())
        .when(&sign_consent(), &w.ctx(&w.client, 1))
        .then_err(CaseError::Consent(ConsentError::AdmissionRequired));
    let mut h = w.registered();
    h.extend(w.continue_from(
        &h,
        &[
            (
                &w.referrer,
                0,
                CaseCommand::RecordMandate {
                    mandate: Mandate {
                        goals: Personal::new("regain a daily structure".into()),
                        documents: vec!["medical-report".into()],
                    },
                },
            ),
            (
                &w.intake,
                1,
                CaseCommand::DecideAdmission {
                    decision: AdmissionDecision::Admitted,
                },
            ),
        ],
    ));
    given::<CaseProcess>(h.clone())
        .when(&sign_consent(), &w.ctx(&w.client, 1))
        .accepted();
    given::<CaseProcess>(h)
        .when(
            &CaseCommand::DecideAdmission {
                decision: AdmissionDecision::Admitted,
            },
            &w.ctx(&w.intake, 1),
        )
        .then_err(CaseError::Intake(IntakeError::AdmissionAlreadyDecided));
    // closing a referral as declined goes through the intake decision
    given::<CaseProcess>(w.registered())
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::ReferralDeclined,
            },
            &w.ctx(&Actor::new("t.lead", Role::Coordinator, "sozialamt"), 1),
        )
        .then_err(CaseError::Closure(ClosureError::UseDecideAdmission));
}

// ---- invariants 9–11 over stored histories -------------------------------------------------

fn violations_of(events: &[CaseEvent]) -> Vec<Invariant> {
    invariants::check_under(events, &Policy::default())
        .into_iter()
        .map(|v| v.invariant)
        .collect()
}

#[test]
fn decided_histories_keep_the_new_invariants() {
    let w = World::default();
    let mut h = smart_planned(&w);
    h.extend(w.continue_from(
        &h,
        &[
            (&w.coordinator, 25, delegate_m2(100)),
            (&w.provider, 40, progress(m("M2"), ProgressStatus::OnTrack)),
            (
                &w.coordinator,
                45,
                conference(&["k.meier", "r.huber"], ConferenceDecision::Continue),
            ),
        ],
    ));
    assert_eq!(violations_of(&h), vec![]);
}

#[test]
fn a_delegate_outside_its_delegation_is_a_violation() {
    let w = World::default();
    let mut h = smart_planned(&w);
    h.extend(w.continue_from(&h, &[(&w.coordinator, 25, delegate_m2(100))]));
    let forged = |day: i64, measure: &str| CaseEvent::ProgressRecorded {
        at: t(day),
        by: UserId::new("p.wolf"),
        on: m(measure),
        status: ProgressStatus::Done,
        note: Personal::new(String::new()),
    };
    let mut outside_scope = h.clone();
    outside_scope.push(forged(40, "M1"));
    assert_eq!(
        violations_of(&outside_scope),
        vec![Invariant::DelegateWithinDelegation]
    );
    let mut outside_period = h.clone();
    outside_period.push(forged(120, "M2"));
    assert_eq!(
        violations_of(&outside_period),
        vec![Invariant::DelegateWithinDelegation]
    );
}

#[test]
fn a_conference_with_an_outsider_is_a_violation() {
    let w = World::default();
    let mut h = w.planned();
    h.push(CaseEvent::ConferenceHeld {
        at: t(30),
        kind: ConferenceKind::Regular,
        participants: vec![UserId::new("k.meier"), UserId::new("n.nobody")],
        minutes: Personal::new(String::new()),
        decision: ConferenceDecision::Continue,
    });
    assert_eq!(violations_of(&h), vec![Invariant::ConferenceWithinTeam]);
}

#[test]
fn an_unsigned_plan_is_a_violation_where_the_policy_requires_signatures() {
    let w = World::default();
    let mut h = w.assessed(AssessmentOutcome::RoundTable);
    let mut unsigned = plan(date(20));
    unsigned.signed_by_coordinator = false;
    h.push(CaseEvent::PlanAgreed {
        at: t(20),
        plan: unsigned,
    });
    assert_eq!(violations_of(&h), vec![Invariant::PlanSigned]);
    assert_eq!(
        invariants::check(&h),
        vec![],
        "the policy-free check does not know the rule"
    );
    let mut lenient = Policy::default();
    lenient.process.plan_signatures.coordinator = false;
    assert_eq!(invariants::check_under(&h, &lenient), vec![]);
}

/// Narrowing the consent ends the flows it no longer covers: a running voucher of a
/// provider it no longer names and an open measure of an institution it no longer names
/// become deadlines on the coordinator from the day of the amendment, the service stops
/// (no redemption), and returning the voucher or revising the plan ends them.
#[test]
fn narrowing_the_consent_ends_the_flows_it_no_longer_covers() {
    let w = World::default();
    let mut h = w.planned();
    h.extend(w.continue_from(
        &h,
        &[(
            &w.caseworker,
            21,
            issue("V1", ADDICTION_COUNSELLING, PROVIDER),
        )],
    ));
    let mut narrowed = scope();
    narrowed.institutions.remove(&InstitutionId::new(PROVIDER));
    narrowed.institutions.remove(&InstitutionId::new("rav"));
    // the specialist of the rav leaves the team with it
    h.extend(w.continue_from(
        &h,
        &[
            (
                &w.coordinator,
                22,
                CaseCommand::RemoveMember {
                    user: UserId::new("r.huber"),
                },
            ),
            (
                &w.client,
                23,
                CaseCommand::SignConsent {
                    signatory: Signatory::Client,
                    scope: narrowed,
                },
            ),
        ],
    ));
    let outside: Vec<_> = items(&state_of(&h), &w.policy)
        .into_iter()
        .filter(|(item, ..)| {
            matches!(
                item,
                DeadlineItem::VoucherOutsideConsent { .. }
                    | DeadlineItem::MeasureOutsideConsent { .. }
            )
        })
        .collect();
    assert_eq!(
        outside,
        vec![
            (
                DeadlineItem::VoucherOutsideConsent {
                    voucher: VoucherId::new("V1")
                },
                date(23),
                coordinator(&w)
            ),
            (
                DeadlineItem::MeasureOutsideConsent {
                    measure: MeasureId::new("M2")
                },
                date(23),
                coordinator(&w)
            ),
        ]
    );
    // no new data flows to the provider: its service does not go on
    given::<CaseProcess>(h.clone())
        .when(&redeem("V1"), &w.ctx(&w.provider, 24))
        .then_err(CaseError::InstitutionOutsideConsent {
            command: "RedeemVoucher",
            institution: InstitutionId::new(PROVIDER),
        });
    // returning the voucher and moving the measure to the iiz end both flows
    let mut moved = plan(date(20));
    moved.measures[1].responsible = InstitutionId::new("iiz");
    h.extend(w.continue_from(
        &h,
        &[
            (
                &w.caseworker,
                24,
                CaseCommand::ReturnVoucher {
                    voucher: VoucherId::new("V1"),
                    reason: ReturnReason::NotStartedInTime,
                },
            ),
            (&w.coordinator, 24, CaseCommand::RevisePlan { plan: moved }),
        ],
    ));
    assert!(items(&state_of(&h), &w.policy)
        .iter()
        .all(|(item, ..)| !matches!(
            item,
            DeadlineItem::VoucherOutsideConsent { .. } | DeadlineItem::MeasureOutsideConsent { .. }
        )));
}
