//! Vouchers (Gutscheine): a lifecycle inside the case, keyed by voucher id.
//! issued → redeemed → first / interim / final feedback; or issued → returned.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{ProviderId, ServiceId, VoucherId};

/// One voucher of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voucher {
    /// The voucher's id.
    pub id: VoucherId,
    /// The service it engages.
    pub service: ServiceId,
    /// The provider that delivers it.
    pub provider: ProviderId,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Where it is in its lifecycle.
    pub status: VoucherStatus,
    /// When the first feedback arrived.
    pub first_feedback_at: Option<DateTime<Utc>>,
    /// When interim feedbacks arrived.
    pub interim_feedback_at: Vec<DateTime<Utc>>,
    /// The first appointment the provider reported.
    pub first_appointment_on: Option<NaiveDate>,
    /// The need group the provider classified the client into.
    pub need_group: Option<u8>,
    /// The current service stage (Leistungsabschnitt) and when it started.
    pub stage: Option<(u8, DateTime<Utc>)>,
    /// Delivered effort per module number.
    pub effort: BTreeMap<u8, DeliveredEffort>,
    /// The plan measure the voucher serves, once linked.
    #[serde(default)]
    pub measure: Option<crate::ids::MeasureId>,
}

/// Effort delivered in one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeliveredEffort {
    /// Individual contact, in minutes.
    pub individual_minutes: u32,
    /// Group sessions attended.
    pub group_sessions: u32,
}

/// The lifecycle of a voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum VoucherStatus {
    /// Issued, the client has not started yet.
    Issued,
    /// Redeemed: the client showed up and the provider started the case.
    Redeemed {
        /// When.
        at: DateTime<Utc>,
    },
    /// Returned unused.
    Returned {
        /// When.
        at: DateTime<Utc>,
        /// Why.
        reason: ReturnReason,
    },
    /// The final feedback arrived.
    Completed {
        /// When it was redeemed.
        redeemed_at: DateTime<Utc>,
        /// When the final feedback arrived.
        at: DateTime<Utc>,
        /// The outcome the provider reported.
        outcome: ServiceOutcome,
    },
}

impl VoucherStatus {
    /// The status's name, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            VoucherStatus::Issued => "issued",
            VoucherStatus::Redeemed { .. } => "redeemed",
            VoucherStatus::Returned { .. } => "returned",
            VoucherStatus::Completed { .. } => "completed",
        }
    }

    /// When the service started, if it did.
    pub fn redeemed_at(&self) -> Option<DateTime<Utc>> {
        match *self {
            VoucherStatus::Redeemed { at } => Some(at),
            VoucherStatus::Completed { redeemed_at, .. } => Some(redeemed_at),
            VoucherStatus::Issued | VoucherStatus::Returned { .. } => None,
        }
    }

    /// Whether the voucher is finished (returned or completed): nothing more happens to it.
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            VoucherStatus::Returned { .. } | VoucherStatus::Completed { .. }
        )
    }
}

/// Why a voucher was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Not started in time: the voucher became invalid.
    NotStartedInTime,
    /// The client declined the service.
    DeclinedByClient,
    /// The provider cannot take the client.
    ProviderUnavailable,
    /// Another reason.
    Other,
}

/// Kinds of provider feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    /// First feedback: appointment taken?
    First,
    /// Interim feedback.
    Interim,
    /// Result (final) feedback with the outcome.
    Final,
}

/// The process facts of a feedback: what a provider reports without revealing counselling
/// content (intake, start, attendance, outcome).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FeedbackFacts {
    /// The first appointment, where one was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment_on: Option<NaiveDate>,
    /// Whether the client attends as agreed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attending: Option<bool>,
    /// The outcome: required on the final feedback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ServiceOutcome>,
}

/// The outcome of a service as the provider reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceOutcome {
    /// The service was completed as planned.
    Completed,
    /// The client broke off.
    Discontinued,
    /// The client was referred to another service (e.g. rehabilitation).
    ReferredOn,
}
