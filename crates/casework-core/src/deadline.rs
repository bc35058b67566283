//! Deadlines are derived, not stored: from the policy and a case's state, compute what is
//! due when, and which items are overdue at a given day.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{CaseState, Phase};
use crate::ids::{InstitutionId, MeasureId, ProviderId, UserId, VoucherId};
use crate::policy::{Due, Policy};
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

/// What a deadline is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DeadlineItem {
    /// The client's first appointment with the provider (from the day of issue).
    FirstAppointment {
        /// The voucher.
        voucher: VoucherId,
    },
    /// The provider's first feedback (from the day of issue).
    FirstFeedback {
        /// The voucher.
        voucher: VoucherId,
    },
    /// The interim feedback (from the day of redemption).
    InterimFeedback {
        /// The voucher.
        voucher: VoucherId,
    },
    /// The result feedback (from the day of redemption).
    ResultFeedback {
        /// The voucher.
        voucher: VoucherId,
    },
    /// A plan measure.
    Measure {
        /// The measure.
        measure: MeasureId,
    },
    /// The next plan review.
    Review,
}

/// Who must act on a deadline.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Responsible {
    /// A provider (feedback, appointments).
    Provider(ProviderId),
    /// An institution responsible for a measure.
    Institution(InstitutionId),
    /// The coordinator (reviews).
    Coordinator(UserId),
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

fn add_days(from: DateTime<Utc>, due: Due) -> Option<NaiveDate> {
    from.date_naive()
        .checked_add_days(Days::new(u64::from(due.days()?)))
}

/// Every pending deadline of a case, earliest first. Closed cases have none.
pub fn deadlines(state: &CaseState, policy: &Policy) -> Vec<Deadline> {
    let CaseState::Open(case) = state else {
        return Vec::new();
    };
    let mut out: Vec<Deadline> = case
        .vouchers
        .values()
        .flat_map(|v| voucher_deadlines(v, policy))
        .collect();
    if let Phase::Planned(p) = &case.phase {
        for m in &p.plan.measures {
            if !p.completed_measures.contains(&m.id) {
                out.push(Deadline {
                    item: DeadlineItem::Measure {
                        measure: m.id.clone(),
                    },
                    due: m.deadline,
                    responsible: Responsible::Institution(m.responsible.clone()),
                });
            }
        }
        let last = p.reviews.last().map_or(p.agreed_at, |r| r.at);
        let every = p
            .plan
            .review_every_days
            .unwrap_or(policy.thresholds.review_interval_days);
        if let Some(due) = add_days(last, Due::Days(every)) {
            out.push(Deadline {
                item: DeadlineItem::Review,
                due,
                responsible: Responsible::Coordinator(p.team.coordinator.clone()),
            });
        }
    }
    out.sort_by(|a, b| (a.due, &a.item).cmp(&(b.due, &b.item)));
    out
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
            add_days(v.issued_at, rules.first_appointment),
        );
    }
    if v.first_feedback_at.is_none() {
        push(
            DeadlineItem::FirstFeedback { voucher: id() },
            add_days(v.issued_at, rules.first_feedback),
        );
    }
    if let Some(start) = redeemed_at {
        if v.interim_feedback_at.is_empty() {
            push(
                DeadlineItem::InterimFeedback { voucher: id() },
                add_days(start, rules.interim_feedback),
            );
        }
        push(
            DeadlineItem::ResultFeedback { voucher: id() },
            add_days(start, rules.result_feedback),
        );
    }
    out
}
