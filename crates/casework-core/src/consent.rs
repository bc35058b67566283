//! Consent (Vollmacht / Einverständniserklärung) and its scope.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::InstitutionId;
use crate::personal::Personal;

/// What the client agreed to: which institutions may exchange which data, and which
/// professionals are released from medical or professional confidentiality.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConsentScope {
    /// Institutions that may receive and exchange information.
    pub institutions: BTreeSet<InstitutionId>,
    /// Data categories that may be exchanged.
    pub data: BTreeSet<DataCategory>,
    /// Professionals released from confidentiality (doctors, therapists): their names are
    /// personal data, since they reveal health facts of the client.
    #[serde(default)]
    pub medical_release: Personal<Vec<String>>,
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
