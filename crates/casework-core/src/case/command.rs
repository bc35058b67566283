//! The commands of the case process: what users ask for. Ids are chosen by the caller.

use serde::{Deserialize, Serialize};

use crate::consent::{ConsentScope, Signatory};
use crate::ids::{CaseId, InstitutionId, MeasureId, ProviderId, ServiceId, UserId, VoucherId};
use crate::personal::Personal;
use crate::plan::Plan;
use crate::team::Member;
use crate::triage::Profile;
use crate::voucher::{FeedbackFacts, FeedbackKind, ReturnReason};

use super::state::{AssessmentOutcome, ClientDetails, ClosureReason, SituationReport};

/// A request to change a case. The effective time and the actor come from the
/// [`Context`](crate::Context).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command")]
pub enum CaseCommand {
    /// Register a person for the process (triage runs here).
    RegisterCase {
        /// The new case's id.
        case_id: CaseId,
        /// The registering institution.
        referrer: InstitutionId,
        /// Who the client is.
        client: Personal<ClientDetails>,
        /// Triage facts.
        profile: Profile,
    },
    /// Record the client's signed consent, or an amended scope.
    SignConsent {
        /// Who signed.
        signatory: Signatory,
        /// What it covers.
        scope: ConsentScope,
    },
    /// Record the revocation of consent: the case is aborted.
    RevokeConsent,
    /// Form the case team.
    FormTeam {
        /// The coordinator.
        coordinator: UserId,
        /// The coordinator's institution.
        coordinator_institution: InstitutionId,
        /// The first members.
        members: Vec<Member>,
    },
    /// Add a member to the team.
    AddMember {
        /// The member.
        member: Member,
    },
    /// Remove a member from the team.
    RemoveMember {
        /// Who leaves.
        user: UserId,
    },
    /// Record the situation analysis.
    AssessSituation {
        /// The situation report.
        report: Personal<SituationReport>,
        /// What the team decided.
        outcome: AssessmentOutcome,
    },
    /// Agree the integration plan.
    AgreePlan {
        /// The plan.
        plan: Plan,
    },
    /// Revise the plan.
    RevisePlan {
        /// The revised plan.
        plan: Plan,
    },
    /// Hold a review.
    HoldReview {
        /// Measures found completed.
        completed_measures: Vec<MeasureId>,
        /// Minutes.
        notes: Personal<String>,
    },
    /// Issue a voucher.
    IssueVoucher {
        /// The voucher's id.
        voucher: VoucherId,
        /// The service.
        service: ServiceId,
        /// The provider.
        provider: ProviderId,
    },
    /// Record that the client redeemed the voucher.
    RedeemVoucher {
        /// The voucher.
        voucher: VoucherId,
    },
    /// Return a voucher unused.
    ReturnVoucher {
        /// The voucher.
        voucher: VoucherId,
        /// Why.
        reason: ReturnReason,
    },
    /// Start a further service stage.
    StartServiceStage {
        /// The voucher.
        voucher: VoucherId,
        /// The stage number.
        stage: u8,
    },
    /// Classify the client into a need group.
    ClassifyNeedGroup {
        /// The voucher.
        voucher: VoucherId,
        /// The need group number.
        need_group: u8,
    },
    /// Record a provider's feedback.
    RecordFeedback {
        /// The voucher.
        voucher: VoucherId,
        /// First, interim or final.
        kind: FeedbackKind,
        /// Process facts.
        facts: FeedbackFacts,
        /// Content, where the client agreed.
        content: Option<Personal<String>>,
    },
    /// Record delivered effort in a module.
    RecordServiceHours {
        /// The voucher.
        voucher: VoucherId,
        /// The module number.
        module: u8,
        /// Individual contact in minutes.
        individual_minutes: u32,
        /// Group sessions.
        group_sessions: u32,
    },
    /// Close the case.
    CloseCase {
        /// Why.
        reason: ClosureReason,
    },
    /// Erase the personal data of a closed case.
    EraseCase,
}

impl CaseCommand {
    /// The command's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            CaseCommand::RegisterCase { .. } => "RegisterCase",
            CaseCommand::SignConsent { .. } => "SignConsent",
            CaseCommand::RevokeConsent => "RevokeConsent",
            CaseCommand::FormTeam { .. } => "FormTeam",
            CaseCommand::AddMember { .. } => "AddMember",
            CaseCommand::RemoveMember { .. } => "RemoveMember",
            CaseCommand::AssessSituation { .. } => "AssessSituation",
            CaseCommand::AgreePlan { .. } => "AgreePlan",
            CaseCommand::RevisePlan { .. } => "RevisePlan",
            CaseCommand::HoldReview { .. } => "HoldReview",
            CaseCommand::IssueVoucher { .. } => "IssueVoucher",
            CaseCommand::RedeemVoucher { .. } => "RedeemVoucher",
            CaseCommand::ReturnVoucher { .. } => "ReturnVoucher",
            CaseCommand::StartServiceStage { .. } => "StartServiceStage",
            CaseCommand::ClassifyNeedGroup { .. } => "ClassifyNeedGroup",
            CaseCommand::RecordFeedback { .. } => "RecordFeedback",
            CaseCommand::RecordServiceHours { .. } => "RecordServiceHours",
            CaseCommand::CloseCase { .. } => "CloseCase",
            CaseCommand::EraseCase => "EraseCase",
        }
    }
}
