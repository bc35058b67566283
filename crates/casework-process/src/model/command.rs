//! The commands of the case process: what users ask for. Ids are chosen by the caller.

use serde::{Deserialize, Serialize};

use chrono::NaiveDate;

use super::deadline_item::DeadlineItem;
use crate::consent::{ConsentScope, Signatory};
use crate::ids::{
    CaseId, InstitutionId, MeasureId, ProviderId, ServiceId, SubjectId, UserId, VoucherId,
};
use crate::plan::Plan;
use crate::policy::triage::Profile;
use crate::record::{
    AdmissionDecision, ConferenceDecision, ConferenceKind, GoalAttainment, HandoverReason, Mandate,
    NoticeRecipient, ProgressOn, ProgressStatus,
};
use crate::team::Member;
use crate::voucher::{FeedbackFacts, FeedbackKind, ReturnReason};
use casework_core::Personal;

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
        /// The client as a party: the pseudonym under which the client acts and reads
        /// (role client, user id = subject).
        subject: SubjectId,
        /// A legal representative who acts for the client, if there is one.
        #[serde(default)]
        representative: Option<SubjectId>,
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
    /// Record the referral's mandate: the goals of the cooperation and the documents
    /// requested (seed 001).
    RecordMandate {
        /// The mandate.
        mandate: Mandate,
    },
    /// Take the intake decision: admit, or decline with a reason (the case then closes;
    /// its personal data is erased at once unless the policy keeps it).
    DecideAdmission {
        /// The decision.
        decision: AdmissionDecision,
    },
    /// Record a reminder (level 1) or an escalation of an overdue deadline, at a level
    /// the policy allows for the days it is overdue.
    RecordEscalation {
        /// The overdue item, as [`crate::deadline::deadlines`] names it.
        item: DeadlineItem,
        /// The level.
        level: u8,
    },
    /// Hand coordination to a named person of a team institution.
    HandOverCoordination {
        /// The new coordinator.
        to: UserId,
        /// The new coordinator's institution (inside the consent).
        institution: InstitutionId,
        /// Why.
        reason: HandoverReason,
    },
    /// Schedule a case conference.
    ScheduleConference {
        /// The day.
        on: NaiveDate,
    },
    /// Record a held case conference: participants (team members), minutes and the
    /// decision.
    HoldConference {
        /// Its kind.
        kind: ConferenceKind,
        /// Who took part, the coordinator included.
        participants: Vec<UserId>,
        /// The minutes (personal data).
        minutes: Personal<String>,
        /// What it decided.
        decision: ConferenceDecision,
    },
    /// Delegate the steering of the case, or of some measures, to a third party for a
    /// period (seed 002); the coordinator keeps overall responsibility.
    DelegateCaseManagement {
        /// The delegate.
        delegate: UserId,
        /// The delegate's institution (inside the consent).
        institution: InstitutionId,
        /// The measures delegated; empty: the whole case.
        measures: Vec<MeasureId>,
        /// The last day of the delegation.
        until: NaiveDate,
    },
    /// End the running delegation.
    EndDelegation,
    /// Record progress on a goal or measure.
    RecordProgress {
        /// What it is about.
        on: ProgressOn,
        /// The status now.
        status: ProgressStatus,
        /// A note (personal data).
        note: Personal<String>,
    },
    /// Link a voucher to the plan measure it serves.
    LinkVoucher {
        /// The voucher.
        voucher: VoucherId,
        /// The measure.
        measure: MeasureId,
    },
    /// Record that the client or the referrer was told of the coming closure.
    SendClosureNotice {
        /// Who.
        to: NoticeRecipient,
    },
    /// Record how far each goal of the plan was attained (before closure).
    EvaluateCase {
        /// Per goal; every goal of the plan once.
        attainment: Vec<GoalAttainment>,
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
            CaseCommand::RecordMandate { .. } => "RecordMandate",
            CaseCommand::DecideAdmission { .. } => "DecideAdmission",
            CaseCommand::RecordEscalation { .. } => "RecordEscalation",
            CaseCommand::HandOverCoordination { .. } => "HandOverCoordination",
            CaseCommand::ScheduleConference { .. } => "ScheduleConference",
            CaseCommand::HoldConference { .. } => "HoldConference",
            CaseCommand::DelegateCaseManagement { .. } => "DelegateCaseManagement",
            CaseCommand::EndDelegation => "EndDelegation",
            CaseCommand::RecordProgress { .. } => "RecordProgress",
            CaseCommand::LinkVoucher { .. } => "LinkVoucher",
            CaseCommand::SendClosureNotice { .. } => "SendClosureNotice",
            CaseCommand::EvaluateCase { .. } => "EvaluateCase",
            CaseCommand::CloseCase { .. } => "CloseCase",
            CaseCommand::EraseCase => "EraseCase",
        }
    }
}
