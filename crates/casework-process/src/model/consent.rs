//! Consent (Vollmacht / Einverständniserklärung) and its scope.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::InstitutionId;
use casework_core::Personal;

/// What the client agreed to: which institutions may exchange which data, and which
/// professionals are released from medical or professional confidentiality.
///
/// A scope that names no purpose (events written before purposes were recorded) reads as
/// consent for [`Purpose::CaseManagement`], the purpose the form was signed for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentScope {
    /// Institutions that may receive and exchange information.
    pub institutions: BTreeSet<InstitutionId>,
    /// Data categories that may be exchanged.
    pub data: BTreeSet<DataCategory>,
    /// Professionals released from confidentiality (doctors, therapists): their names are
    /// personal data, since they reveal health facts of the client.
    #[serde(default)]
    pub medical_release: Personal<Vec<String>>,
    /// What the data may be used for (§78 SGB X: only for the purpose it was shared for).
    #[serde(default = "default_purposes")]
    pub purposes: BTreeSet<Purpose>,
}

fn default_purposes() -> BTreeSet<Purpose> {
    [Purpose::CaseManagement].into()
}

impl Default for ConsentScope {
    /// Nothing shared with anyone, for case management.
    fn default() -> Self {
        ConsentScope {
            institutions: BTreeSet::new(),
            data: BTreeSet::new(),
            medical_release: Personal::new(Vec::new()),
            purposes: default_purposes(),
        }
    }
}

impl ConsentScope {
    /// Whether `institution` may receive data of `category` for `purpose` under this scope.
    pub fn covers(
        &self,
        institution: &InstitutionId,
        category: DataCategory,
        purpose: Purpose,
    ) -> bool {
        self.institutions.contains(institution)
            && self.data.contains(&category)
            && self.purposes.contains(&purpose)
    }

    /// Whether the scope names `id` — an institution, or a provider by its id: the one
    /// test of "named by the consent" for every flow (gates, deadlines, invariants).
    pub fn names(&self, id: &str) -> bool {
        self.institutions.iter().any(|i| i.as_str() == id)
    }

    /// The categories of `categories` the scope does not cover, in order.
    pub fn uncovered<'c>(
        &'c self,
        categories: &'c [DataCategory],
    ) -> impl Iterator<Item = DataCategory> + 'c {
        categories
            .iter()
            .copied()
            .filter(|c| !self.data.contains(c))
    }
}

/// What shared data is used for. Data shared for one purpose may not be read for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Interinstitutional case management: coordinating the plan and its services.
    CaseManagement,
    /// Delivering a service (counselling, training) under a voucher.
    ServiceDelivery,
    /// Deciding on benefits (a different purpose: needs its own consent).
    BenefitDecision,
    /// Audit and supervision of the process.
    Audit,
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Purpose::CaseManagement => "case management",
            Purpose::ServiceDelivery => "service delivery",
            Purpose::BenefitDecision => "benefit decision",
            Purpose::Audit => "audit",
        })
    }
}

/// Categories of data a consent can cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataCategory {
    /// Dates, service types, status: what the process itself needs.
    ProcessFacts,
    /// The situation report of the assessment.
    SituationReport,
    /// Health data (special category, GDPR art. 9).
    Health,
    /// Debts and finances.
    Debts,
    /// Addiction (special category).
    Addiction,
    /// The content of a provider's feedback (counselling content).
    FeedbackContent,
}

impl DataCategory {
    /// Special categories of personal data (GDPR art. 9): every read of them is logged.
    pub fn is_special(self) -> bool {
        matches!(self, DataCategory::Health | DataCategory::Addiction)
    }
}

impl std::fmt::Display for DataCategory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DataCategory::ProcessFacts => "process facts",
            DataCategory::SituationReport => "situation report",
            DataCategory::Health => "health",
            DataCategory::Debts => "debts",
            DataCategory::Addiction => "addiction",
            DataCategory::FeedbackContent => "feedback content",
        })
    }
}

/// Who signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signatory {
    /// The client.
    Client,
    /// A legal representative of the client.
    LegalRepresentative,
}

/// An active consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// When it was signed (or last amended).
    pub signed_at: DateTime<Utc>,
    /// Who signed.
    pub signatory: Signatory,
    /// What it covers.
    pub scope: ConsentScope,
}
