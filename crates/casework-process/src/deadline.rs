//! Deadlines are derived, not stored: from the policy and a case's state, compute what is
//! due when, and which items are overdue at a given day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{AssessmentOutcome, CaseState, ClosedCase, ClosureReason, OpenCase, Phase};
pub use crate::model::{DeadlineItem, Responsible};
use crate::policy::{local_date, Due, Policy, Tz};
use crate::record::{ConferenceDecision, ProgressOn};
use crate::voucher::{Voucher, VoucherStatus};

/// One pending deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// What is due.
    pub item: DeadlineItem,
    /// The last day it is on time.
    pub due: NaiveDate,
    /// Who must act.
    pub responsible: Responsible,
}

impl Deadline {
    /// Whether the deadline has passed on day `on` (due today is not overdue).
    pub fn is_overdue(&self, on: NaiveDate) -> bool {
        on > self.due
    }

    /// Days past due on day `on` (negative: days left).
    pub fn days_overdue(&self, on: NaiveDate) -> i64 {
        (on - self.due).num_days()
    }
}

/// The day `due` days after the local day of `from` (in the deployment's time zone).
fn add_days(zone: Tz, from: DateTime<Utc>, due: Due) -> Option<NaiveDate> {
    local_date(zone, from).checked_add_days(Days::new(u64::from(due.days()?)))
}

/// Every pending deadline of a case, earliest first: the phase's next step, vouchers,
/// measures and their sector follow-ups, reviews, conferences and their decisions, the
/// delegate's reports; for a closed case not yet erased, its erasure.
pub fn deadlines(state: &CaseState, policy: &Policy) -> Vec<Deadline> {
    let mut out = match state {
        CaseState::Unregistered => Vec::new(),
        CaseState::Closed(case) => closed_deadlines(case, policy),
        CaseState::Open(case) => open_deadlines(case, policy),
    };
    out.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    out
}

pub(crate) fn open_deadlines(case: &OpenCase, policy: &Policy) -> Vec<Deadline> {
    let zone = policy.time_zone;
    let mut out: Vec<Deadline> = case
        .vouchers
        .values()
        .flat_map(|v| voucher_deadlines(v, policy))
        .collect();
    let rules = &policy.process;
    let phases = rules.phase_deadlines;
    let referrer = || Responsible::Institution(case.registration.referrer.clone());
    let coordinator = case
        .phase
        .team()
        .map(|t| Responsible::Coordinator(t.coordinator.clone()));
    match &case.phase {
        Phase::Registered => out.extend(after(
            zone,
            DeadlineItem::Consent,
            case.registration.at,
            phases.consent_days,
            referrer(),
        )),
        Phase::Consented(p) => out.extend(after(
            zone,
            DeadlineItem::TeamFormation,
            p.consent.signed_at,
            phases.team_days,
            referrer(),
        )),
        Phase::TeamFormed(p) => out.extend(after(
            zone,
            DeadlineItem::Assessment,
            p.formed_at,
            phases.assessment_days,
            Responsible::Coordinator(p.team.coordinator.clone()),
        )),
        Phase::Assessed(p) => {
            let (item, days) = match p.assessment.outcome {
                AssessmentOutcome::RoundTable => (DeadlineItem::Plan, phases.plan_days),
                AssessmentOutcome::RecommendAndClose => {
                    (DeadlineItem::Closure, rules.conference.decision_days)
                }
            };
            out.extend(after(
                zone,
                item,
                p.assessment.at,
                days,
                Responsible::Coordinator(p.team.coordinator.clone()),
            ));
        }
        Phase::Planned(p) => {
            let who = || Responsible::Coordinator(p.team.coordinator.clone());
            for m in &p.plan.measures {
                if p.completed_measures.contains(&m.id) {
                    continue;
                }
                out.push(Deadline {
                    item: DeadlineItem::Measure {
                        measure: m.id.clone(),
                    },
                    due: m.deadline,
                    responsible: Responsible::Institution(m.responsible.clone()),
                });
                let follow_up = m
                    .sector
                    .as_deref()
                    .and_then(|id| rules.sector(id))
                    .and_then(|s| s.follow_up_days);
                if let Some(days) = follow_up {
                    let on = ProgressOn::Measure(m.id.clone());
                    let last = case
                        .coordination
                        .progress
                        .get(&on)
                        .map_or(p.agreed_at, |(_, at)| *at);
                    out.extend(after(
                        zone,
                        DeadlineItem::MeasureFollowUp {
                            measure: m.id.clone(),
                        },
                        last,
                        days,
                        Responsible::Institution(m.responsible.clone()),
                    ));
                }
            }
            let last = p.reviews.last().map_or(p.agreed_at, |r| r.at);
            let every = p
                .plan
                .review_every_days
                .unwrap_or(policy.thresholds.review_interval_days);
            out.extend(after(zone, DeadlineItem::Review, last, every, who()));
        }
    }
    let c = &case.coordination;
    if let (Some(on), Some(who)) = (c.conference_scheduled, coordinator.clone()) {
        out.push(Deadline {
            item: DeadlineItem::Conference,
            due: on,
            responsible: who,
        });
    }
    if let (Some((decision, at)), Some(who)) = (c.pending_decision, coordinator) {
        let item = match decision {
            ConferenceDecision::RevisePlan => Some(DeadlineItem::PlanRevision),
            ConferenceDecision::Close => Some(DeadlineItem::Closure),
            ConferenceDecision::Continue => None,
        };
        if let Some(item) = item {
            out.extend(after(zone, item, at, rules.conference.decision_days, who));
        }
    }
    out.extend(flows_outside_consent(case, policy));
    if let Some(d) = c
        .delegation
        .as_ref()
        .filter(|d| local_date(zone, d.last_report_at) < d.until)
    {
        let due = add_days(
            zone,
            d.last_report_at,
            Due::Days(rules.delegation.report_every_days),
        )
        .map(|due| due.min(d.until));
        if let Some(due) = due {
            out.push(Deadline {
                item: DeadlineItem::DelegationReport,
                due,
                responsible: Responsible::Delegate(d.delegate.clone()),
            });
        }
    }
    out
}

/// After the consent was narrowed: every running voucher and open plan measure it no longer
/// covers, due on the coordinator from the day of the amendment (no new data flows to them
/// meanwhile: the gates refuse it).
fn flows_outside_consent(case: &OpenCase, policy: &Policy) -> Vec<Deadline> {
    let (Some(consent), Some(team)) = (case.phase.consent(), case.phase.team()) else {
        return Vec::new();
    };
    if case.consent_revoked_at.is_some() {
        return Vec::new();
    }
    let scope = &consent.scope;
    let due = local_date(policy.time_zone, consent.signed_at);
    let who = || Responsible::Coordinator(team.coordinator.clone());
    let mut out: Vec<Deadline> = case
        .vouchers
        .values()
        .filter(|v| !v.status.is_finished())
        .filter(|v| {
            let shares = policy
                .service(&v.service)
                .map_or(&[][..], |s| &s.shares[..]);
            !scope.names(v.provider.as_str()) || scope.uncovered(shares).next().is_some()
        })
        .map(|v| Deadline {
            item: DeadlineItem::VoucherOutsideConsent {
                voucher: v.id.clone(),
            },
            due,
            responsible: who(),
        })
        .collect();
    if let Some(p) = case.phase.planned() {
        out.extend(
            p.plan
                .measures
                .iter()
                .filter(|m| !m.client_task && !p.completed_measures.contains(&m.id))
                .filter(|m| !scope.names(m.responsible.as_str()))
                .map(|m| Deadline {
                    item: DeadlineItem::MeasureOutsideConsent {
                        measure: m.id.clone(),
                    },
                    due,
                    responsible: who(),
                }),
        );
    }
    out
}

/// The deadline of `item`, `days` after `from`.
fn after(
    zone: Tz,
    item: DeadlineItem,
    from: DateTime<Utc>,
    days: u32,
    responsible: Responsible,
) -> Option<Deadline> {
    add_days(zone, from, Due::Days(days)).map(|due| Deadline {
        item,
        due,
        responsible,
    })
}

/// Who must erase a closed case's personal data: its last coordinator, or the referring
/// institution where no team was formed.
pub fn erasure_responsible(case: &ClosedCase) -> Responsible {
    case.last_phase.team().map_or_else(
        || Responsible::Institution(case.registration.referrer.clone()),
        |t| Responsible::Coordinator(t.coordinator.clone()),
    )
}

/// The last day of the objection period of a referral declined (closed) at `closed_at`
/// that is kept through it (`IntakeRules::objection_period`); `None` for a case closed
/// for another `reason` (kept for the retention period) or under a policy that keeps or
/// erases declined referrals otherwise.
pub fn objection_period_end(
    closed_at: DateTime<Utc>,
    reason: ClosureReason,
    policy: &Policy,
) -> Option<NaiveDate> {
    let intake = &policy.process.intake;
    let kept_for_objection = reason == ClosureReason::ReferralDeclined
        && !intake.keep_declined_personal_data
        && !intake.objection_period.is_zero();
    kept_for_objection
        .then(|| {
            intake
                .objection_period
                .last_day(local_date(policy.time_zone, closed_at))
        })
        .flatten()
}

/// The day the erasure of a case closed at `closed_at` for `reason` is due: the day after
/// a declined referral's objection period, else the retention period after the closing
/// day. The one computation behind the case's deadlines and the worklist.
pub fn erasure_due(
    closed_at: DateTime<Utc>,
    reason: ClosureReason,
    policy: &Policy,
) -> Option<NaiveDate> {
    match objection_period_end(closed_at, reason, policy) {
        Some(last_day) => last_day.succ_opt(),
        None => add_days(
            policy.time_zone,
            closed_at,
            Due::Days(policy.thresholds.retention_days),
        ),
    }
}

fn closed_deadlines(case: &ClosedCase, policy: &Policy) -> Vec<Deadline> {
    if case.erased_at.is_some() {
        return Vec::new();
    }
    erasure_due(case.closed_at, case.reason, policy)
        .map(|due| Deadline {
            item: DeadlineItem::Erasure,
            due,
            responsible: erasure_responsible(case),
        })
        .into_iter()
        .collect()
}

/// The deadlines of a case that are overdue on day `on`, most overdue first.
pub fn overdue(state: &CaseState, policy: &Policy, on: NaiveDate) -> Vec<Deadline> {
    deadlines(state, policy)
        .into_iter()
        .filter(|d| d.is_overdue(on))
        .collect()
}

/// The pending deadlines of one voucher under the policy's rules for its service and
/// provider. Rules of `individual` or `after completion` derive no date.
pub fn voucher_deadlines(v: &Voucher, policy: &Policy) -> Vec<Deadline> {
    let zone = policy.time_zone;
    let Some(rules) = policy.deadlines(&v.service, &v.provider) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |item, due: Option<NaiveDate>| {
        if let Some(due) = due {
            out.push(Deadline {
                item,
                due,
                responsible: Responsible::Provider(v.provider.clone()),
            });
        }
    };
    let id = || v.id.clone();
    let redeemed_at = match v.status {
        VoucherStatus::Issued => None,
        VoucherStatus::Redeemed { at } => Some(at),
        VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. } => return out,
    };
    if redeemed_at.is_none() && v.first_appointment_on.is_none() {
        push(
            DeadlineItem::FirstAppointment { voucher: id() },
            add_days(zone, v.issued_at, rules.first_appointment),
        );
    }
    if v.first_feedback_at.is_none() {
        push(
            DeadlineItem::FirstFeedback { voucher: id() },
            add_days(zone, v.issued_at, rules.first_feedback),
        );
    }
    if let Some(start) = redeemed_at {
        if v.interim_feedback_at.is_empty() {
            push(
                DeadlineItem::InterimFeedback { voucher: id() },
                add_days(zone, start, rules.interim_feedback),
            );
        }
        push(
            DeadlineItem::ResultFeedback { voucher: id() },
            add_days(zone, start, rules.result_feedback),
        );
    }
    out
}
