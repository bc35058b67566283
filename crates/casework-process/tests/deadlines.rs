//! Deadlines are derived from the policy and the events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casework_core::*;
use casework_process::*;
use common::*;

fn vid(s: &str) -> VoucherId {
    VoucherId::new(s)
}

fn provider() -> Responsible {
    Responsible::Provider(ProviderId::new(PROVIDER))
}

/// The voucher deadlines among a case's deadlines (the phase's own deadline is tested
/// below).
fn of_vouchers(all: Vec<Deadline>) -> Vec<Deadline> {
    all.into_iter()
        .filter(|d| {
            matches!(
                d.item,
                DeadlineItem::FirstAppointment { .. }
                    | DeadlineItem::FirstFeedback { .. }
                    | DeadlineItem::InterimFeedback { .. }
                    | DeadlineItem::ResultFeedback { .. }
            )
        })
        .collect()
}

#[test]
fn an_issued_voucher_owes_first_appointment_and_first_feedback_within_14_days() {
    let w = World::default();
    let state = fold::<CaseProcess, _>(&w.voucher_issued());
    assert_eq!(
        of_vouchers(deadlines(&state, &w.policy)),
        vec![
            Deadline {
                item: DeadlineItem::FirstAppointment { voucher: vid("V1") },
                due: date(16),
                responsible: provider()
            },
            Deadline {
                item: DeadlineItem::FirstFeedback { voucher: vid("V1") },
                due: date(16),
                responsible: provider()
            },
        ]
    );
}

#[test]
fn a_redeemed_voucher_owes_interim_and_result_from_the_start() {
    let w = World::default();
    let state = fold::<CaseProcess, _>(&w.voucher_redeemed());
    // addiction counselling: interim and result after 12 weeks from day 9
    let items: Vec<_> = of_vouchers(deadlines(&state, &w.policy))
        .into_iter()
        .map(|d| (d.item, d.due))
        .collect();
    assert_eq!(
        items,
        vec![
            (DeadlineItem::FirstFeedback { voucher: vid("V1") }, date(16)),
            (
                DeadlineItem::InterimFeedback { voucher: vid("V1") },
                date(93)
            ),
            (
                DeadlineItem::ResultFeedback { voucher: vid("V1") },
                date(93)
            ),
        ]
    );
}

#[test]
fn received_feedback_clears_its_deadline_and_final_clears_all() {
    let w = World::default();
    let h = w.voucher_redeemed();
    let e = w.continue_from(
        &h,
        &[
            (&w.provider, 10, feedback("V1", FeedbackKind::First, None)),
            (&w.provider, 50, feedback("V1", FeedbackKind::Interim, None)),
        ],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e));
    let items: Vec<_> = of_vouchers(deadlines(&state, &w.policy))
        .into_iter()
        .map(|d| d.item)
        .collect();
    assert_eq!(
        items,
        vec![DeadlineItem::ResultFeedback { voucher: vid("V1") }]
    );

    let f = w.continue_from(
        &h.iter().chain(&e).cloned().collect::<Vec<_>>(),
        &[(
            &w.provider,
            80,
            feedback("V1", FeedbackKind::Final, Some(ServiceOutcome::Completed)),
        )],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e).chain(&f));
    assert!(of_vouchers(deadlines(&state, &w.policy)).is_empty());
}

#[test]
fn individual_and_after_completion_rules_derive_no_date() {
    let w = World::default();
    let mut h = w.consented();
    h.extend(w.continue_from(
        &h,
        &[
            (&w.caseworker, 2, issue("P1", PSYCHOSOCIAL_CARE, "diakonie")),
            (&w.caseworker, 2, issue("R1", CARE_OF_RELATIVES, "kita")),
            (&w.caseworker, 5, redeem("P1")),
        ],
    ));
    let state = fold::<CaseProcess, _>(&h);
    let items: Vec<_> = of_vouchers(deadlines(&state, &w.policy))
        .into_iter()
        .map(|d| (d.item, d.due))
        .collect();
    assert_eq!(
        items,
        vec![
            (DeadlineItem::FirstFeedback { voucher: vid("P1") }, date(16)),
            (
                DeadlineItem::InterimFeedback { voucher: vid("P1") },
                date(33)
            ),
        ]
    );
}

#[test]
fn plan_measures_and_the_next_review_are_due() {
    let w = World::default();
    let h = w.planned();
    let state = fold::<CaseProcess, _>(&h);
    let ds = deadlines(&state, &w.policy);
    assert_eq!(
        ds,
        vec![
            Deadline {
                item: DeadlineItem::Review,
                due: date(50),
                responsible: Responsible::Coordinator(UserId::new("k.meier"))
            },
            Deadline {
                item: DeadlineItem::Measure {
                    measure: MeasureId::new("M1")
                },
                due: date(80),
                responsible: Responsible::Institution(InstitutionId::new("sozialamt")),
            },
            Deadline {
                item: DeadlineItem::Measure {
                    measure: MeasureId::new("M2")
                },
                due: date(110),
                responsible: Responsible::Institution(InstitutionId::new("rav")),
            },
        ]
    );
    // a review completes M1 and moves the next review 30 days on
    let e = w.continue_from(
        &h,
        &[(
            &w.coordinator,
            48,
            CaseCommand::HoldReview {
                completed_measures: vec![MeasureId::new("M1")],
                notes: Personal::new(String::new()),
            },
        )],
    );
    let state = fold::<CaseProcess, _>(h.iter().chain(&e));
    let items: Vec<_> = deadlines(&state, &w.policy)
        .into_iter()
        .map(|d| (d.item, d.due))
        .collect();
    assert_eq!(
        items,
        vec![
            (DeadlineItem::Review, date(78)),
            (
                DeadlineItem::Measure {
                    measure: MeasureId::new("M2")
                },
                date(110)
            )
        ]
    );
}

#[test]
fn overdue_lists_only_what_is_past_due_most_overdue_first() {
    let w = World::default();
    let state = fold::<CaseProcess, _>(&w.voucher_redeemed());
    assert!(
        of_vouchers(overdue(&state, &w.policy, date(16))).is_empty(),
        "due today is not overdue"
    );
    let late = of_vouchers(overdue(&state, &w.policy, date(100)));
    assert_eq!(late.len(), 3);
    assert_eq!(
        late[0].item,
        DeadlineItem::FirstFeedback { voucher: vid("V1") }
    );
    assert_eq!(late[0].days_overdue(date(100)), 84);
}

#[test]
fn closed_cases_owe_only_their_erasure_after_the_retention_period() {
    let mut w = World::default();
    w.policy.thresholds.retention_days = 365;
    let h = w.voucher_issued();
    let mut closed = h.clone();
    closed.extend(w.close(&h, 20, ClosureReason::Other));
    let state = fold::<CaseProcess, _>(&closed);
    assert_eq!(
        deadlines(&state, &w.policy),
        vec![Deadline {
            item: DeadlineItem::Erasure,
            due: date(385),
            responsible: Responsible::Institution(InstitutionId::new("sozialamt")),
        }]
    );
    let mut erased = closed.clone();
    erased.extend(w.continue_from(&closed, &[(&w.coordinator, 400, CaseCommand::EraseCase)]));
    assert!(deadlines(&fold::<CaseProcess, _>(&erased), &w.policy).is_empty());
}
