//! What a deadline is for and who must act on it: the values that commands and events
//! name (an escalation names its overdue item). The deadlines themselves are derived in
//! [`crate::deadline`].

use serde::{Deserialize, Serialize};

use crate::ids::{InstitutionId, MeasureId, ProviderId, UserId, VoucherId};

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
    /// The consent (and the intake decision where the policy requires it), from
    /// registration.
    Consent,
    /// Forming the team, from the consent.
    TeamFormation,
    /// The situation report, from the team.
    Assessment,
    /// The agreed plan, from a round-table assessment.
    Plan,
    /// A scheduled case conference.
    Conference,
    /// Revising the plan, as a conference decided.
    PlanRevision,
    /// Closing the case, as a conference or the assessment decided.
    Closure,
    /// The delegate's next report to the coordinator.
    DelegationReport,
    /// The follow-up of a measure that its sector's law asks for.
    MeasureFollowUp {
        /// The measure.
        measure: MeasureId,
    },
    /// Erasing the personal data of a closed case, once the retention period has passed.
    Erasure,
    /// Ending a running voucher that the consent no longer covers (its provider is not
    /// named, or its service shares a category not covered): return it, or have the
    /// client widen the consent again. Due from the day the consent was narrowed.
    VoucherOutsideConsent {
        /// The voucher.
        voucher: VoucherId,
    },
    /// Ending or reassigning an open plan measure whose institution the consent no longer
    /// names: revise the plan, or have the client widen the consent again.
    MeasureOutsideConsent {
        /// The measure.
        measure: MeasureId,
    },
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
    /// The delegate of a delegated case management.
    Delegate(UserId),
}

impl std::fmt::Display for DeadlineItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeadlineItem::FirstAppointment { voucher } => {
                write!(f, "first appointment, voucher {voucher}")
            }
            DeadlineItem::FirstFeedback { voucher } => {
                write!(f, "first feedback, voucher {voucher}")
            }
            DeadlineItem::InterimFeedback { voucher } => {
                write!(f, "interim feedback, voucher {voucher}")
            }
            DeadlineItem::ResultFeedback { voucher } => {
                write!(f, "result feedback, voucher {voucher}")
            }
            DeadlineItem::Measure { measure } => write!(f, "plan measure {measure}"),
            DeadlineItem::Review => f.write_str("next review"),
            DeadlineItem::Consent => f.write_str("consent"),
            DeadlineItem::TeamFormation => f.write_str("team formation"),
            DeadlineItem::Assessment => f.write_str("situation report"),
            DeadlineItem::Plan => f.write_str("integration plan"),
            DeadlineItem::Conference => f.write_str("case conference"),
            DeadlineItem::PlanRevision => f.write_str("plan revision (conference decision)"),
            DeadlineItem::Closure => f.write_str("closure"),
            DeadlineItem::DelegationReport => f.write_str("delegate's report"),
            DeadlineItem::MeasureFollowUp { measure } => {
                write!(f, "follow-up of plan measure {measure}")
            }
            DeadlineItem::Erasure => f.write_str("erasure of personal data"),
            DeadlineItem::VoucherOutsideConsent { voucher } => {
                write!(f, "end voucher {voucher}: outside the consent")
            }
            DeadlineItem::MeasureOutsideConsent { measure } => {
                write!(f, "end or reassign measure {measure}: outside the consent")
            }
        }
    }
}

impl std::fmt::Display for Responsible {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Responsible::Provider(p) => write!(f, "provider {p}"),
            Responsible::Institution(i) => write!(f, "institution {i}"),
            Responsible::Coordinator(u) => write!(f, "coordinator {u}"),
            Responsible::Delegate(u) => write!(f, "delegate {u}"),
        }
    }
}
