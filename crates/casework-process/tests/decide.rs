//! For every command: one accepting test and one test per rejection rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casework_core::scenario::given;
use casework_core::*;
use casework_process::*;
use common::*;

fn vid(s: &str) -> VoucherId {
    VoucherId::new(s)
}

// ---- RegisterCase ----------------------------------------------------------------------

#[test]
fn register_routes_by_the_policy_table() {
    let w = World::default();
    given::<CaseProcess>([])
        .when(&register(), &w.ctx(&w.referrer, 0))
        .then([CaseEvent::CaseRegistered {
            at: t(0),
            case_id: case_id(),
            referrer: InstitutionId::new("sozialamt"),
            client: client(),
            subject: Some(SubjectId::new("client")),
            representative: None,
            profile: profile(),
            route: "placement officer".into(),
        }]);
}

#[test]
fn register_refuses_a_pseudonym_that_is_no_identity() {
    let w = World::default();
    for bad in ["", " p-1", "p\n1", "p/1", "p@x", &"p".repeat(101)] {
        let mut cmd = register();
        if let CaseCommand::RegisterCase { subject, .. } = &mut cmd {
            *subject = SubjectId::new(bad);
        }
        let err = given::<CaseProcess>([])
            .when(&cmd, &w.ctx(&w.referrer, 0))
            .rejected();
        assert!(
            matches!(err, CaseError::Intake(IntakeError::InvalidSubject(_))),
            "{bad:?}: {err}"
        );
    }
    let mut cmd = register();
    if let CaseCommand::RegisterCase { representative, .. } = &mut cmd {
        *representative = Some(SubjectId::new("client"));
    }
    given::<CaseProcess>([])
        .when(&cmd, &w.ctx(&w.referrer, 0))
        .then_err(CaseError::Intake(IntakeError::RepresentativeIsSubject));
    let mut cmd = register();
    if let CaseCommand::RegisterCase { representative, .. } = &mut cmd {
        *representative = Some(SubjectId::new("p-guardian"));
    }
    let events = given::<CaseProcess>([])
        .when(&cmd, &w.ctx(&w.referrer, 0))
        .accepted();
    let state = fold::<CaseProcess, _>(&events);
    let reg = state.registration().unwrap();
    assert_eq!(reg.subject, Some(SubjectId::new("client")));
    assert_eq!(reg.representative, Some(SubjectId::new("p-guardian")));
}

#[test]
fn register_under_25_goes_to_the_youth_caseworker_first() {
    let w = World::default();
    let mut p = profile();
    p.age = 22;
    p.single_parent = true;
    let cmd = CaseCommand::RegisterCase {
        case_id: case_id(),
        referrer: InstitutionId::new("sozialamt"),
        client: client(),
        subject: SubjectId::new("client"),
        representative: None,
        profile: p,
    };
    let events = given::<CaseProcess>([])
        .when(&cmd, &w.ctx(&w.referrer, 0))
        .outcome()
        .unwrap();
    let state = fold::<CaseProcess, _>(&events);
    assert_eq!(state.registration().unwrap().route, "youth caseworker");
}

#[test]
fn register_twice_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&register(), &w.ctx(&w.referrer, 1))
        .then_err(CaseError::AlreadyRegistered(case_id()));
}

#[test]
fn register_without_multi_problem_situation_or_motivation_is_denied() {
    let w = World::default();
    let mut p = profile();
    p.problem_areas = [ProblemArea::Health].into();
    p.motivated = false;
    let cmd = CaseCommand::RegisterCase {
        case_id: case_id(),
        referrer: InstitutionId::new("sozialamt"),
        client: client(),
        subject: SubjectId::new("client"),
        representative: None,
        profile: p,
    };
    given::<CaseProcess>([])
        .when(&cmd, &w.ctx(&w.referrer, 0))
        .then_err(CaseError::Intake(IntakeError::AdmissionDenied {
            gaps: vec![
                policy::triage::AdmissionGap::NotMultiProblem {
                    areas: 1,
                    required: 2,
                },
                policy::triage::AdmissionGap::NotMotivated,
            ],
        }));
}

#[test]
fn register_by_an_auditor_is_not_permitted() {
    let w = World::default();
    given::<CaseProcess>([])
        .when(&register(), &w.ctx(&w.auditor, 0))
        .then_err(CaseError::NotPermitted {
            role: Role::Auditor,
            command: "RegisterCase",
        });
}

#[test]
fn any_command_before_registration_is_rejected() {
    let w = World::default();
    given::<CaseProcess>([])
        .when(&sign_consent(), &w.ctx(&w.client, 0))
        .then_err(CaseError::NotRegistered);
}

#[test]
fn managers_issue_no_case_commands() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::GoalReached,
            },
            &w.ctx(&w.manager, 40),
        )
        .then_err(CaseError::NotPermitted {
            role: Role::Manager,
            command: "CloseCase",
        });
}

// ---- consent -----------------------------------------------------------------------------

#[test]
fn sign_consent_moves_to_consented() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&sign_consent(), &w.ctx(&w.client, 1))
        .then([CaseEvent::ConsentSigned {
            at: t(1),
            signatory: Signatory::Client,
            scope: scope(),
        }]);
}

#[test]
fn sign_consent_again_amends_the_scope_and_keeps_the_phase() {
    let w = World::default();
    let history = w.team_formed();
    let mut wider = scope();
    wider.data.insert(DataCategory::Health);
    let events = given::<CaseProcess>(history.clone())
        .when(
            &CaseCommand::SignConsent {
                signatory: Signatory::Client,
                scope: wider.clone(),
            },
            &w.ctx(&w.client, 5),
        )
        .outcome()
        .unwrap();
    let state = fold::<CaseProcess, _>(history.iter().chain(&events));
    assert_eq!(state.phase_name(), PhaseName::TeamFormed);
    assert_eq!(state.phase().unwrap().consent().unwrap().scope, wider);
}

#[test]
fn sign_consent_by_a_provider_is_not_permitted() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&sign_consent(), &w.ctx(&w.provider, 1))
        .then_err(CaseError::NotPermitted {
            role: Role::Provider,
            command: "SignConsent",
        });
}

#[test]
fn revoke_consent_aborts_the_case_in_the_same_decision() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(&CaseCommand::RevokeConsent, &w.ctx(&w.client, 25))
        .then([
            CaseEvent::ConsentRevoked { at: t(25) },
            CaseEvent::CaseClosed {
                at: t(25),
                reason: ClosureReason::ConsentRevoked,
            },
        ]);
}

#[test]
fn revoke_without_consent_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&CaseCommand::RevokeConsent, &w.ctx(&w.client, 1))
        .then_err(CaseError::ConsentRequired {
            command: "RevokeConsent",
        });
}

#[test]
fn nothing_follows_revocation() {
    let w = World::default();
    let mut h = w.consented();
    h.extend(w.continue_from(&h, &[(&w.client, 2, CaseCommand::RevokeConsent)]));
    given::<CaseProcess>(h.clone())
        .when(&form_team(), &w.ctx(&w.coordinator, 3))
        .then_err(CaseError::CaseClosed {
            reason: ClosureReason::ConsentRevoked,
        });
    given::<CaseProcess>(h)
        .when(&sign_consent(), &w.ctx(&w.client, 3))
        .then_err(CaseError::CaseClosed {
            reason: ClosureReason::ConsentRevoked,
        });
}

// ---- team --------------------------------------------------------------------------------

#[test]
fn form_team_after_consent() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(&form_team(), &w.ctx(&w.coordinator, 3))
        .then([CaseEvent::TeamFormed {
            at: t(3),
            coordinator: UserId::new("k.meier"),
            coordinator_institution: InstitutionId::new("iiz"),
            members: vec![specialist_member(), caseworker_member()],
        }]);
}

#[test]
fn form_team_without_consent_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(&form_team(), &w.ctx(&w.coordinator, 3))
        .then_err(CaseError::ConsentRequired {
            command: "FormTeam",
        });
}

#[test]
fn form_team_twice_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(&form_team(), &w.ctx(&w.coordinator, 4))
        .then_err(CaseError::WrongPhase {
            command: "FormTeam",
            expected: &[PhaseName::Consented],
            actual: PhaseName::TeamFormed,
        });
}

#[test]
fn form_team_with_a_duplicate_member_is_rejected() {
    let w = World::default();
    let cmd = CaseCommand::FormTeam {
        coordinator: UserId::new("k.meier"),
        coordinator_institution: InstitutionId::new("iiz"),
        members: vec![specialist_member(), specialist_member()],
    };
    given::<CaseProcess>(w.consented())
        .when(&cmd, &w.ctx(&w.coordinator, 3))
        .then_err(CaseError::Team(TeamError::AlreadyMember(UserId::new(
            "r.huber",
        ))));
}

#[test]
fn form_team_by_a_specialist_is_not_permitted() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(&form_team(), &w.ctx(&w.specialist, 3))
        .then_err(CaseError::NotPermitted {
            role: Role::Specialist,
            command: "FormTeam",
        });
}

fn insurer() -> Member {
    Member {
        user: UserId::new("u.iv"),
        institution: InstitutionId::new("iv"),
        function: TeamFunction::Specialist,
    }
}

#[test]
fn add_member_joins_the_team() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &CaseCommand::AddMember { member: insurer() },
            &w.ctx(&w.coordinator, 4),
        )
        .then([CaseEvent::MemberJoined {
            at: t(4),
            member: insurer(),
        }]);
}

#[test]
fn add_member_before_the_team_exists_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &CaseCommand::AddMember { member: insurer() },
            &w.ctx(&w.coordinator, 4),
        )
        .then_err(CaseError::WrongPhase {
            command: "AddMember",
            expected: &[
                PhaseName::TeamFormed,
                PhaseName::Assessed,
                PhaseName::Planned,
            ],
            actual: PhaseName::Consented,
        });
}

#[test]
fn add_an_existing_member_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &CaseCommand::AddMember {
                member: specialist_member(),
            },
            &w.ctx(&w.coordinator, 4),
        )
        .then_err(CaseError::Team(TeamError::AlreadyMember(UserId::new(
            "r.huber",
        ))));
}

#[test]
fn remove_member_leaves_the_team() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &CaseCommand::RemoveMember {
                user: UserId::new("r.huber"),
            },
            &w.ctx(&w.coordinator, 4),
        )
        .then([CaseEvent::MemberLeft {
            at: t(4),
            user: UserId::new("r.huber"),
        }]);
}

#[test]
fn the_coordinator_cannot_leave() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &CaseCommand::RemoveMember {
                user: UserId::new("k.meier"),
            },
            &w.ctx(&w.coordinator, 4),
        )
        .then_err(CaseError::Team(TeamError::CoordinatorCannotLeave));
}

#[test]
fn remove_a_non_member_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &CaseCommand::RemoveMember {
                user: UserId::new("nobody"),
            },
            &w.ctx(&w.coordinator, 4),
        )
        .then_err(CaseError::Team(TeamError::NotMember(UserId::new("nobody"))));
}

#[test]
fn remove_member_before_the_team_exists_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &CaseCommand::RemoveMember {
                user: UserId::new("r.huber"),
            },
            &w.ctx(&w.coordinator, 4),
        )
        .then_error_matches(|e| {
            matches!(
                e,
                CaseError::WrongPhase {
                    command: "RemoveMember",
                    ..
                }
            )
        });
}

// ---- assessment and plan -----------------------------------------------------------------

#[test]
fn assess_situation_by_a_specialist() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(
            &assess(AssessmentOutcome::RoundTable),
            &w.ctx(&w.specialist, 10),
        )
        .then([CaseEvent::SituationAssessed {
            at: t(10),
            report: report(),
            outcome: AssessmentOutcome::RoundTable,
        }]);
}

#[test]
fn reassessment_keeps_the_plan() {
    let w = World::default();
    let h = w.planned();
    let e = w.continue_from(
        &h,
        &[(&w.coordinator, 40, assess(AssessmentOutcome::RoundTable))],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e));
    assert_eq!(state.phase_name(), PhaseName::Planned);
    assert_eq!(state.phase().unwrap().assessment().unwrap().at, t(40));
}

#[test]
fn assess_before_the_team_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &assess(AssessmentOutcome::RoundTable),
            &w.ctx(&w.coordinator, 10),
        )
        .then_error_matches(|e| {
            matches!(
                e,
                CaseError::WrongPhase {
                    command: "AssessSituation",
                    actual: PhaseName::Consented,
                    ..
                }
            )
        });
}

#[test]
fn agree_plan_after_round_table() {
    let w = World::default();
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(&agree_plan(date(20)), &w.ctx(&w.coordinator, 20))
        .then([CaseEvent::PlanAgreed {
            at: t(20),
            plan: plan(date(20)),
        }]);
}

#[test]
fn agree_plan_after_a_recommendation_to_close_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RecommendAndClose))
        .when(&agree_plan(date(20)), &w.ctx(&w.coordinator, 20))
        .then_err(CaseError::Planning(PlanningError::NoRoundTable));
}

#[test]
fn agree_plan_before_assessment_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.team_formed())
        .when(&agree_plan(date(20)), &w.ctx(&w.coordinator, 20))
        .then_err(CaseError::WrongPhase {
            command: "AgreePlan",
            expected: &[PhaseName::Assessed],
            actual: PhaseName::TeamFormed,
        });
}

#[test]
fn incomplete_plans_are_rejected_with_the_rule() {
    let w = World::default();
    let h = w.assessed(AssessmentOutcome::RoundTable);
    let check = |p: Plan, expected: PlanError| {
        given::<CaseProcess>(h.clone())
            .when(
                &CaseCommand::AgreePlan { plan: p },
                &w.ctx(&w.coordinator, 20),
            )
            .then_err(CaseError::Planning(PlanningError::InvalidPlan(expected)));
    };
    let base = plan(date(20));

    let mut p = base.clone();
    p.goals.clear();
    check(p, PlanError::NoGoals);

    let mut p = base.clone();
    p.measures.clear();
    check(p, PlanError::NoMeasures);

    let mut p = base.clone();
    p.measures[1].id = MeasureId::new("M1");
    check(p, PlanError::DuplicateId("M1".into()));

    let mut p = base.clone();
    p.measures[0].goal = GoalId::new("G9");
    check(
        p,
        PlanError::UnknownGoal {
            measure: MeasureId::new("M1"),
            goal: GoalId::new("G9"),
        },
    );

    let mut p = base.clone();
    p.measures[0].responsible = InstitutionId::new(" ");
    check(p, PlanError::NoResponsible(MeasureId::new("M1")));

    let mut p = base.clone();
    p.measures[0].deadline = date(19);
    check(
        p,
        PlanError::DeadlineInPast {
            measure: MeasureId::new("M1"),
            deadline: date(19),
            plan_date: date(20),
        },
    );

    let mut p = base;
    p.review_every_days = Some(0);
    check(p, PlanError::ZeroReviewInterval);
}

#[test]
fn revise_plan_replaces_the_plan() {
    let w = World::default();
    let h = w.planned();
    let mut p = plan(date(50));
    p.measures.pop();
    let events = given::<CaseProcess>(h.clone())
        .when(
            &CaseCommand::RevisePlan { plan: p.clone() },
            &w.ctx(&w.coordinator, 50),
        )
        .outcome()
        .unwrap();
    assert_eq!(
        events,
        vec![CaseEvent::PlanRevised {
            at: t(50),
            plan: p.clone()
        }]
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&events));
    let planned = state.phase().unwrap().planned().unwrap();
    assert_eq!((planned.plan.clone(), planned.revisions), (p, 1));
}

#[test]
fn revise_plan_before_a_plan_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.assessed(AssessmentOutcome::RoundTable))
        .when(
            &CaseCommand::RevisePlan {
                plan: plan(date(20)),
            },
            &w.ctx(&w.coordinator, 20),
        )
        .then_error_matches(|e| {
            matches!(
                e,
                CaseError::WrongPhase {
                    command: "RevisePlan",
                    ..
                }
            )
        });
}

#[test]
fn revise_plan_with_an_invalid_plan_is_rejected() {
    let w = World::default();
    let mut p = plan(date(50));
    p.goals.clear();
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::RevisePlan { plan: p },
            &w.ctx(&w.coordinator, 50),
        )
        .then_err(CaseError::Planning(PlanningError::InvalidPlan(
            PlanError::NoGoals,
        )));
}

#[test]
fn hold_review_marks_measures_completed() {
    let w = World::default();
    let cmd = CaseCommand::HoldReview {
        completed_measures: vec![MeasureId::new("M1")],
        notes: Personal::new("debts settled".into()),
    };
    given::<CaseProcess>(w.planned())
        .when(&cmd, &w.ctx(&w.coordinator, 45))
        .then([CaseEvent::ReviewHeld {
            at: t(45),
            completed_measures: vec![MeasureId::new("M1")],
            notes: Personal::new("debts settled".into()),
        }]);
}

#[test]
fn review_of_an_unknown_measure_is_rejected() {
    let w = World::default();
    let cmd = CaseCommand::HoldReview {
        completed_measures: vec![MeasureId::new("M7")],
        notes: Personal::new(String::new()),
    };
    given::<CaseProcess>(w.planned())
        .when(&cmd, &w.ctx(&w.coordinator, 45))
        .then_err(CaseError::Planning(PlanningError::UnknownMeasure(
            MeasureId::new("M7"),
        )));
}

#[test]
fn review_without_a_plan_is_the_wrong_phase() {
    let w = World::default();
    let cmd = CaseCommand::HoldReview {
        completed_measures: vec![],
        notes: Personal::new(String::new()),
    };
    given::<CaseProcess>(w.team_formed())
        .when(&cmd, &w.ctx(&w.coordinator, 45))
        .then_error_matches(|e| {
            matches!(
                e,
                CaseError::WrongPhase {
                    command: "HoldReview",
                    ..
                }
            )
        });
}

// ---- vouchers ----------------------------------------------------------------------------

#[test]
fn issue_voucher_under_consent() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &issue("V1", DEBT_COUNSELLING, DEBT_PROVIDER),
            &w.ctx(&w.caseworker, 2),
        )
        .then([CaseEvent::VoucherIssued {
            at: t(2),
            voucher: vid("V1"),
            service: ServiceId::new(DEBT_COUNSELLING),
            provider: ProviderId::new(DEBT_PROVIDER),
        }]);
}

#[test]
fn issue_voucher_without_consent_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.registered())
        .when(
            &issue("V1", DEBT_COUNSELLING, DEBT_PROVIDER),
            &w.ctx(&w.caseworker, 2),
        )
        .then_err(CaseError::ConsentRequired {
            command: "IssueVoucher",
        });
}

#[test]
fn issue_voucher_for_an_unknown_service_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &issue("V1", "astrology", DEBT_PROVIDER),
            &w.ctx(&w.caseworker, 2),
        )
        .then_err(CaseError::Voucher(VoucherError::UnknownService(
            ServiceId::new("astrology"),
        )));
}

#[test]
fn issue_a_voucher_id_twice_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(
            &issue("V1", DEBT_COUNSELLING, DEBT_PROVIDER),
            &w.ctx(&w.caseworker, 3),
        )
        .then_err(CaseError::Voucher(VoucherError::VoucherExists(vid("V1"))));
}

#[test]
fn providers_do_not_issue_vouchers() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(
            &issue("V1", DEBT_COUNSELLING, DEBT_PROVIDER),
            &w.ctx(&w.provider, 2),
        )
        .then_err(CaseError::NotPermitted {
            role: Role::Provider,
            command: "IssueVoucher",
        });
}

#[test]
fn redeem_voucher_by_its_provider() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(&redeem("V1"), &w.ctx(&w.provider, 9))
        .then([CaseEvent::VoucherRedeemed {
            at: t(9),
            voucher: vid("V1"),
        }]);
}

#[test]
fn redeem_an_unknown_voucher_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(&redeem("V9"), &w.ctx(&w.provider, 9))
        .then_err(CaseError::Voucher(VoucherError::UnknownVoucher(vid("V9"))));
}

#[test]
fn another_provider_cannot_redeem() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(&redeem("V1"), &w.ctx(&w.debt_provider, 9))
        .then_err(CaseError::NotAParty(NotAParty::NoVoucher {
            institution: InstitutionId::new(DEBT_PROVIDER),
        }));
}

#[test]
fn redeem_twice_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(&redeem("V1"), &w.ctx(&w.provider, 10))
        .then_err(CaseError::Voucher(VoucherError::VoucherAlreadyRedeemed(
            vid("V1"),
        )));
}

fn returned() -> CaseCommand {
    CaseCommand::ReturnVoucher {
        voucher: vid("V1"),
        reason: ReturnReason::NotStartedInTime,
    }
}

#[test]
fn return_an_unstarted_voucher() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(&returned(), &w.ctx(&w.caseworker, 40))
        .then([CaseEvent::VoucherReturned {
            at: t(40),
            voucher: vid("V1"),
            reason: ReturnReason::NotStartedInTime,
        }]);
}

#[test]
fn return_a_redeemed_voucher_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(&returned(), &w.ctx(&w.caseworker, 40))
        .then_err(CaseError::Voucher(VoucherError::VoucherAlreadyRedeemed(
            vid("V1"),
        )));
}

#[test]
fn a_returned_voucher_is_finished() {
    let w = World::default();
    let mut h = w.voucher_issued();
    h.extend(w.continue_from(&h, &[(&w.caseworker, 40, returned())]));
    for cmd in [
        returned(),
        redeem("V1"),
        feedback("V1", FeedbackKind::First, None),
    ] {
        given::<CaseProcess>(h.clone())
            .when(&cmd, &w.ctx(&w.caseworker, 41))
            .then_err(CaseError::Voucher(VoucherError::VoucherFinished {
                voucher: vid("V1"),
                status: "returned",
            }));
    }
}

#[test]
fn return_an_unknown_voucher_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.consented())
        .when(&returned(), &w.ctx(&w.caseworker, 40))
        .then_err(CaseError::Voucher(VoucherError::UnknownVoucher(vid("V1"))));
}

fn debt_voucher_redeemed(w: &World) -> Vec<CaseEvent> {
    let mut h = w.consented();
    h.extend(w.continue_from(
        &h,
        &[
            (
                &w.caseworker,
                2,
                issue("D1", DEBT_COUNSELLING, DEBT_PROVIDER),
            ),
            (&w.debt_provider, 8, redeem("D1")),
        ],
    ));
    h
}

#[test]
fn start_the_next_service_stage() {
    let w = World::default();
    given::<CaseProcess>(debt_voucher_redeemed(&w))
        .when(
            &CaseCommand::StartServiceStage {
                voucher: vid("D1"),
                stage: 2,
            },
            &w.ctx(&w.debt_provider, 60),
        )
        .then([CaseEvent::ServiceStageStarted {
            at: t(60),
            voucher: vid("D1"),
            stage: 2,
        }]);
}

#[test]
fn stages_cannot_be_skipped_or_exceed_the_policy() {
    let w = World::default();
    given::<CaseProcess>(debt_voucher_redeemed(&w))
        .when(
            &CaseCommand::StartServiceStage {
                voucher: vid("D1"),
                stage: 3,
            },
            &w.ctx(&w.debt_provider, 60),
        )
        .then_err(CaseError::Voucher(VoucherError::InvalidStage {
            voucher: vid("D1"),
            stage: 3,
            why: "the current stage is 1".into(),
        }));
    given::<CaseProcess>(w.voucher_redeemed())
        .when(
            &CaseCommand::StartServiceStage {
                voucher: vid("V1"),
                stage: 2,
            },
            &w.ctx(&w.provider, 60),
        )
        .then_err(CaseError::Voucher(VoucherError::InvalidStage {
            voucher: vid("V1"),
            stage: 2,
            why: "the service has 1 stage(s)".into(),
        }));
}

#[test]
fn a_stage_needs_a_redeemed_voucher() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(
            &CaseCommand::StartServiceStage {
                voucher: vid("V1"),
                stage: 2,
            },
            &w.ctx(&w.provider, 60),
        )
        .then_err(CaseError::Voucher(VoucherError::VoucherNotRedeemed(vid(
            "V1",
        ))));
}

#[test]
fn classify_need_group_from_the_catalog() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(
            &CaseCommand::ClassifyNeedGroup {
                voucher: vid("V1"),
                need_group: 3,
            },
            &w.ctx(&w.provider, 12),
        )
        .then([CaseEvent::NeedGroupClassified {
            at: t(12),
            voucher: vid("V1"),
            need_group: 3,
        }]);
}

#[test]
fn classify_into_an_unknown_need_group_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(
            &CaseCommand::ClassifyNeedGroup {
                voucher: vid("V1"),
                need_group: 6,
            },
            &w.ctx(&w.provider, 12),
        )
        .then_err(CaseError::Voucher(VoucherError::UnknownNeedGroup {
            service: ServiceId::new(ADDICTION_COUNSELLING),
            need_group: 6,
        }));
}

#[test]
fn classify_for_a_service_without_catalog_is_rejected() {
    let w = World::default();
    let mut h = w.consented();
    h.extend(w.continue_from(
        &h,
        &[
            (&w.caseworker, 2, issue("C1", CHILDCARE, "kita")),
            (&w.caseworker, 5, redeem("C1")),
        ],
    ));
    given::<CaseProcess>(h)
        .when(
            &CaseCommand::ClassifyNeedGroup {
                voucher: vid("C1"),
                need_group: 1,
            },
            &w.ctx(&w.caseworker, 12),
        )
        .then_err(CaseError::Voucher(VoucherError::NoCatalog(ServiceId::new(
            CHILDCARE,
        ))));
}

#[test]
fn classify_before_redemption_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(
            &CaseCommand::ClassifyNeedGroup {
                voucher: vid("V1"),
                need_group: 1,
            },
            &w.ctx(&w.provider, 12),
        )
        .then_err(CaseError::Voucher(VoucherError::VoucherNotRedeemed(vid(
            "V1",
        ))));
}

// ---- feedback ----------------------------------------------------------------------------

#[test]
fn first_feedback_may_come_before_redemption() {
    let w = World::default();
    let cmd = CaseCommand::RecordFeedback {
        voucher: vid("V1"),
        kind: FeedbackKind::First,
        facts: FeedbackFacts {
            appointment_on: Some(date(9)),
            attending: None,
            outcome: None,
        },
        content: None,
    };
    given::<CaseProcess>(w.voucher_issued())
        .when(&cmd, &w.ctx(&w.provider, 6))
        .then([CaseEvent::FeedbackReceived {
            at: t(6),
            voucher: vid("V1"),
            kind: FeedbackKind::First,
            facts: FeedbackFacts {
                appointment_on: Some(date(9)),
                attending: None,
                outcome: None,
            },
            content: None,
        }]);
}

#[test]
fn a_second_first_feedback_is_rejected() {
    let w = World::default();
    let mut h = w.voucher_issued();
    h.extend(w.continue_from(
        &h,
        &[(&w.provider, 6, feedback("V1", FeedbackKind::First, None))],
    ));
    given::<CaseProcess>(h)
        .when(
            &feedback("V1", FeedbackKind::First, None),
            &w.ctx(&w.provider, 7),
        )
        .then_err(CaseError::Voucher(VoucherError::FeedbackOutOfOrder {
            voucher: vid("V1"),
            kind: FeedbackKind::First,
            why: "the first feedback was already received",
        }));
}

#[test]
fn interim_feedback_needs_redemption() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(
            &feedback("V1", FeedbackKind::Interim, None),
            &w.ctx(&w.provider, 7),
        )
        .then_err(CaseError::Voucher(VoucherError::VoucherNotRedeemed(vid(
            "V1",
        ))));
}

#[test]
fn interim_feedback_on_a_running_voucher() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(
            &feedback("V1", FeedbackKind::Interim, None),
            &w.ctx(&w.provider, 60),
        )
        .then([CaseEvent::FeedbackReceived {
            at: t(60),
            voucher: vid("V1"),
            kind: FeedbackKind::Interim,
            facts: FeedbackFacts {
                appointment_on: None,
                attending: Some(true),
                outcome: None,
            },
            content: None,
        }]);
}

#[test]
fn final_feedback_completes_the_voucher() {
    let w = World::default();
    let h = w.voucher_redeemed();
    let e = w.continue_from(
        &h,
        &[(
            &w.provider,
            90,
            feedback("V1", FeedbackKind::Final, Some(ServiceOutcome::Completed)),
        )],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e));
    assert_eq!(
        state.vouchers().unwrap()[&vid("V1")].status,
        VoucherStatus::Completed {
            redeemed_at: t(9),
            at: t(90),
            outcome: ServiceOutcome::Completed
        }
    );
    // at most one final feedback
    given::<CaseProcess>(h.into_iter().chain(e))
        .when(
            &feedback("V1", FeedbackKind::Final, Some(ServiceOutcome::Completed)),
            &w.ctx(&w.provider, 91),
        )
        .then_err(CaseError::Voucher(VoucherError::VoucherFinished {
            voucher: vid("V1"),
            status: "completed",
        }));
}

#[test]
fn final_feedback_without_outcome_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(
            &feedback("V1", FeedbackKind::Final, None),
            &w.ctx(&w.provider, 90),
        )
        .then_err(CaseError::Voucher(VoucherError::OutcomeRequired(vid("V1"))));
}

#[test]
fn feedback_from_another_provider_is_rejected() {
    let w = World::default();
    // the debt provider is a party through a voucher of its own, but not V1's provider
    let mut h = w.voucher_redeemed();
    h.extend(w.continue_from(
        &h,
        &[(
            &w.caseworker,
            10,
            issue("D1", DEBT_COUNSELLING, DEBT_PROVIDER),
        )],
    ));
    given::<CaseProcess>(h)
        .when(
            &feedback("V1", FeedbackKind::Interim, None),
            &w.ctx(&w.debt_provider, 60),
        )
        .then_err(CaseError::Voucher(VoucherError::NotVoucherProvider {
            voucher: vid("V1"),
            provider: ProviderId::new(PROVIDER),
        }));
}

fn hours(module: u8, minutes: u32, sessions: u32) -> CaseCommand {
    CaseCommand::RecordServiceHours {
        voucher: vid("V1"),
        module,
        individual_minutes: minutes,
        group_sessions: sessions,
    }
}

#[test]
fn record_service_hours_per_module() {
    let w = World::default();
    let h = w.voucher_redeemed();
    let e = w.continue_from(
        &h,
        &[
            (&w.provider, 15, hours(1, 90, 0)),
            (&w.provider, 22, hours(1, 60, 1)),
        ],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e));
    assert_eq!(
        state.vouchers().unwrap()[&vid("V1")].effort[&1],
        DeliveredEffort {
            individual_minutes: 150,
            group_sessions: 1
        }
    );
}

#[test]
fn service_hours_of_nothing_are_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(&hours(1, 0, 0), &w.ctx(&w.provider, 15))
        .then_err(CaseError::Voucher(VoucherError::NoEffort));
}

#[test]
fn service_hours_in_an_unknown_module_are_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_redeemed())
        .when(&hours(13, 60, 0), &w.ctx(&w.provider, 15))
        .then_err(CaseError::Voucher(VoucherError::UnknownModule {
            service: ServiceId::new(ADDICTION_COUNSELLING),
            module: 13,
        }));
}

#[test]
fn service_hours_before_redemption_are_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.voucher_issued())
        .when(&hours(1, 60, 0), &w.ctx(&w.provider, 15))
        .then_err(CaseError::Voucher(VoucherError::VoucherNotRedeemed(vid(
            "V1",
        ))));
}

// ---- closure and erasure -----------------------------------------------------------------

#[test]
fn close_case_with_a_reason() {
    let w = World::default();
    given::<CaseProcess>(w.with_evaluation(&w.with_notices(&w.planned(), 200), 200))
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::Employment,
            },
            &w.ctx(&w.coordinator, 200),
        )
        .then([CaseEvent::CaseClosed {
            at: t(200),
            reason: ClosureReason::Employment,
        }]);
}

#[test]
fn close_with_consent_revoked_must_use_revoke() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::ConsentRevoked,
            },
            &w.ctx(&w.coordinator, 200),
        )
        .then_err(CaseError::Closure(ClosureError::UseRevokeConsent));
}

#[test]
fn close_twice_is_rejected() {
    let w = World::default();
    given::<CaseProcess>(w.closed())
        .when(
            &CaseCommand::CloseCase {
                reason: ClosureReason::Other,
            },
            &w.ctx(&w.coordinator, 31),
        )
        .then_err(CaseError::CaseClosed {
            reason: ClosureReason::NoFurtherNeed,
        });
}

#[test]
fn nothing_but_erasure_after_closure() {
    let w = World::default();
    given::<CaseProcess>(w.closed())
        .when(&issue("V2", CHILDCARE, "kita"), &w.ctx(&w.caseworker, 31))
        .then_err(CaseError::CaseClosed {
            reason: ClosureReason::NoFurtherNeed,
        });
}

#[test]
fn erase_a_closed_case() {
    let w = World::default();
    given::<CaseProcess>(w.closed())
        .when(&CaseCommand::EraseCase, &w.ctx(&w.coordinator, 30))
        .then([CaseEvent::CaseErased { at: t(30) }]);
}

#[test]
fn erase_an_open_case_is_the_wrong_phase() {
    let w = World::default();
    given::<CaseProcess>(w.planned())
        .when(&CaseCommand::EraseCase, &w.ctx(&w.coordinator, 30))
        .then_err(CaseError::WrongPhase {
            command: "EraseCase",
            expected: &[PhaseName::Closed],
            actual: PhaseName::Planned,
        });
}

#[test]
fn erase_waits_for_the_retention_period() {
    let mut w = World::default();
    w.policy.thresholds.retention_days = 30;
    given::<CaseProcess>(w.closed())
        .when(&CaseCommand::EraseCase, &w.ctx(&w.coordinator, 59))
        .then_err(CaseError::Closure(ClosureError::RetentionNotElapsed {
            until: t(60),
        }));
}

#[test]
fn erase_twice_is_rejected() {
    let w = World::default();
    let mut h = w.closed();
    h.extend(w.continue_from(&h, &[(&w.coordinator, 30, CaseCommand::EraseCase)]));
    given::<CaseProcess>(h)
        .when(&CaseCommand::EraseCase, &w.ctx(&w.coordinator, 31))
        .then_err(CaseError::Closure(ClosureError::AlreadyErased));
}

#[test]
fn error_messages_name_the_rule() {
    let e = CaseError::WrongPhase {
        command: "AddMember",
        expected: &[PhaseName::TeamFormed, PhaseName::Assessed],
        actual: PhaseName::Consented,
    };
    assert_eq!(
        e.to_string(),
        "AddMember needs phase team formed or assessed, but the case is consented"
    );
    let e = CaseError::Intake(IntakeError::AdmissionDenied {
        gaps: vec![policy::triage::AdmissionGap::NotMotivated],
    });
    assert_eq!(
        e.to_string(),
        "admission criteria not met: client not motivated"
    );
}

/// Staff record consent forms the client signed, but cannot widen the consent for their own
/// flows: a representative's form only where the case records one, and once a team works
/// the case only its coordinator records forms; a member claiming the coordinator role is
/// no coordinator.
#[test]
fn staff_record_consent_forms_only_as_the_rules_say() {
    let w = World::default();
    let as_representative = CaseCommand::SignConsent {
        signatory: Signatory::LegalRepresentative,
        scope: scope(),
    };
    given::<CaseProcess>(w.registered())
        .when(&as_representative, &w.ctx(&w.intake, 1))
        .then_err(CaseError::Consent(ConsentError::NoRepresentative));
    given::<CaseProcess>(w.registered())
        .when(&sign_consent(), &w.ctx(&w.intake, 1))
        .accepted();
    let team = w.team_formed();
    given::<CaseProcess>(team.clone())
        .when(&sign_consent(), &w.ctx(&w.caseworker, 5))
        .then_err(CaseError::Consent(ConsentError::FormsByTheCoordinator));
    given::<CaseProcess>(team.clone())
        .when(&sign_consent(), &w.ctx(&w.coordinator, 5))
        .accepted();
    let member_as_coordinator = Actor::new("r.huber", Role::Coordinator, "rav");
    let err = given::<CaseProcess>(team)
        .when(&sign_consent(), &w.ctx(&member_as_coordinator, 5))
        .rejected();
    assert!(
        matches!(err, CaseError::NotAParty(NotAParty::NotCoordinator { .. })),
        "{err}"
    );
}
