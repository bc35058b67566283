//! The events of the case process: past tense, serde-tagged by `type`, versioned per type.
//! The JSON of every event is the stored format; `insta` snapshots guard it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::consent::{ConsentScope, Signatory};
use crate::coordination::{
    AdmissionDecision, ConferenceDecision, ConferenceKind, EscalationTarget, GoalAttainment,
    HandoverReason, Mandate, NoticeRecipient, ProgressOn, ProgressStatus,
};
use crate::deadline::{DeadlineItem, Responsible};
use crate::ids::{CaseId, InstitutionId, MeasureId, ProviderId, ServiceId, UserId, VoucherId};
use crate::personal::Personal;
use crate::plan::Plan;
use crate::team::Member;
use crate::triage::Profile;
use crate::voucher::{FeedbackFacts, FeedbackKind, ReturnReason};

use super::state::{AssessmentOutcome, ClientDetails, ClosureReason, SituationReport};

/// Something that happened in a case. Every event carries `at`, its effective time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum CaseEvent {
    /// A person was registered for the process.
    CaseRegistered {
        /// Effective time.
        at: DateTime<Utc>,
        /// The case (and stream) id.
        case_id: CaseId,
        /// The registering institution.
        referrer: InstitutionId,
        /// Who the client is (personal data).
        client: Personal<ClientDetails>,
        /// Triage facts.
        profile: Profile,
        /// Where the routing rules sent the client.
        route: String,
    },
    /// The client (or a representative) signed consent, or amended its scope.
    ConsentSigned {
        /// Effective time.
        at: DateTime<Utc>,
        /// Who signed.
        signatory: Signatory,
        /// What the consent covers.
        scope: ConsentScope,
    },
    /// The consent was revoked; a `CaseClosed { reason: ConsentRevoked }` follows in the same
    /// append.
    ConsentRevoked {
        /// Effective time.
        at: DateTime<Utc>,
    },
    /// The case team was formed.
    TeamFormed {
        /// Effective time.
        at: DateTime<Utc>,
        /// The coordinator.
        coordinator: UserId,
        /// The coordinator's institution.
        coordinator_institution: InstitutionId,
        /// The first members.
        members: Vec<Member>,
    },
    /// A member joined the team.
    MemberJoined {
        /// Effective time.
        at: DateTime<Utc>,
        /// The new member.
        member: Member,
    },
    /// A member left the team.
    MemberLeft {
        /// Effective time.
        at: DateTime<Utc>,
        /// Who left.
        user: UserId,
    },
    /// The situation analysis was completed (or updated).
    SituationAssessed {
        /// Effective time.
        at: DateTime<Utc>,
        /// The situation report (personal data).
        report: Personal<SituationReport>,
        /// What the team decided.
        outcome: AssessmentOutcome,
    },
    /// The integration plan was agreed at the round table.
    PlanAgreed {
        /// Effective time.
        at: DateTime<Utc>,
        /// The plan.
        plan: Plan,
    },
    /// The plan was revised; the new plan replaces the old one.
    PlanRevised {
        /// Effective time.
        at: DateTime<Utc>,
        /// The revised plan.
        plan: Plan,
    },
    /// A review (Standortbestimmung) was held.
    ReviewHeld {
        /// Effective time.
        at: DateTime<Utc>,
        /// Measures found completed.
        completed_measures: Vec<MeasureId>,
        /// Minutes (personal data).
        notes: Personal<String>,
    },
    /// A provider classified the client into a need group for a voucher's service.
    NeedGroupClassified {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// The need group number.
        need_group: u8,
    },
    /// A voucher was issued.
    VoucherIssued {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher id.
        voucher: VoucherId,
        /// The service.
        service: ServiceId,
        /// The provider.
        provider: ProviderId,
    },
    /// The client showed up and the provider started the case; stage 1 starts.
    VoucherRedeemed {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
    },
    /// The voucher was returned unused.
    VoucherReturned {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// Why.
        reason: ReturnReason,
    },
    /// The service moved on to a further stage (Leistungsabschnitt).
    ServiceStageStarted {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// The stage number (2 or higher; stage 1 starts at redemption).
        stage: u8,
    },
    /// A provider's feedback arrived.
    FeedbackReceived {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// First, interim or final.
        kind: FeedbackKind,
        /// Process facts.
        facts: FeedbackFacts,
        /// Counselling content, only where the client agreed (personal data).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<Personal<String>>,
    },
    /// A provider recorded delivered effort in a module.
    ServiceHoursRecorded {
        /// Effective time.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// The module number.
        module: u8,
        /// Individual contact in minutes.
        individual_minutes: u32,
        /// Group sessions.
        group_sessions: u32,
    },
    /// The referral's mandate was recorded.
    MandateRecorded {
        /// When.
        at: DateTime<Utc>,
        /// The mandate.
        mandate: Mandate,
    },
    /// The intake decision was taken.
    AdmissionDecided {
        /// When.
        at: DateTime<Utc>,
        /// The decision.
        decision: AdmissionDecision,
    },
    /// An overdue deadline was reminded (level 1) or escalated.
    DeadlineEscalated {
        /// When.
        at: DateTime<Utc>,
        /// The overdue item.
        item: DeadlineItem,
        /// The level.
        level: u8,
        /// Who is late: the party responsible for the item.
        party: Responsible,
        /// Who was asked to act.
        to: EscalationTarget,
    },
    /// Coordination passed to another person.
    CoordinationHandedOver {
        /// When.
        at: DateTime<Utc>,
        /// The coordinator until now.
        from: UserId,
        /// The new coordinator.
        to: UserId,
        /// The new coordinator's institution.
        institution: InstitutionId,
        /// Why.
        reason: HandoverReason,
    },
    /// A case conference was scheduled.
    ConferenceScheduled {
        /// When it was scheduled.
        at: DateTime<Utc>,
        /// The day it is to be held.
        on: NaiveDate,
    },
    /// A case conference was held.
    ConferenceHeld {
        /// When.
        at: DateTime<Utc>,
        /// Its kind.
        kind: ConferenceKind,
        /// Who took part.
        participants: Vec<UserId>,
        /// The minutes (personal data).
        minutes: Personal<String>,
        /// What it decided.
        decision: ConferenceDecision,
    },
    /// Case management was delegated to a third party for a period.
    CaseManagementDelegated {
        /// When.
        at: DateTime<Utc>,
        /// The delegate.
        delegate: UserId,
        /// The delegate's institution.
        institution: InstitutionId,
        /// The measures delegated; empty: the whole case.
        measures: Vec<MeasureId>,
        /// The last day of the delegation.
        until: NaiveDate,
    },
    /// The delegation was ended before its period ran out.
    DelegationEnded {
        /// When.
        at: DateTime<Utc>,
    },
    /// Progress on a goal or measure was recorded.
    ProgressRecorded {
        /// When.
        at: DateTime<Utc>,
        /// Who recorded it (the delegate's records count as reports).
        by: UserId,
        /// What it is about.
        on: ProgressOn,
        /// The status now.
        status: ProgressStatus,
        /// A note (personal data).
        note: Personal<String>,
    },
    /// A voucher was linked to the plan measure it serves.
    VoucherLinked {
        /// When.
        at: DateTime<Utc>,
        /// The voucher.
        voucher: VoucherId,
        /// The measure.
        measure: MeasureId,
    },
    /// Someone was told of the coming closure.
    ClosureNoticeSent {
        /// When.
        at: DateTime<Utc>,
        /// Who.
        to: NoticeRecipient,
    },
    /// The attainment of the plan's goals was evaluated before closure.
    CaseEvaluated {
        /// When.
        at: DateTime<Utc>,
        /// Per goal.
        attainment: Vec<GoalAttainment>,
    },
    /// The case was closed.
    CaseClosed {
        /// Effective time.
        at: DateTime<Utc>,
        /// Why.
        reason: ClosureReason,
    },
    /// The personal data of the closed case was erased from the network.
    CaseErased {
        /// Effective time.
        at: DateTime<Utc>,
    },
}

impl CaseEvent {
    /// The event's type name as stored in the envelope.
    pub fn event_type(&self) -> &'static str {
        match self {
            CaseEvent::CaseRegistered { .. } => "CaseRegistered",
            CaseEvent::ConsentSigned { .. } => "ConsentSigned",
            CaseEvent::ConsentRevoked { .. } => "ConsentRevoked",
            CaseEvent::TeamFormed { .. } => "TeamFormed",
            CaseEvent::MemberJoined { .. } => "MemberJoined",
            CaseEvent::MemberLeft { .. } => "MemberLeft",
            CaseEvent::SituationAssessed { .. } => "SituationAssessed",
            CaseEvent::PlanAgreed { .. } => "PlanAgreed",
            CaseEvent::PlanRevised { .. } => "PlanRevised",
            CaseEvent::ReviewHeld { .. } => "ReviewHeld",
            CaseEvent::NeedGroupClassified { .. } => "NeedGroupClassified",
            CaseEvent::VoucherIssued { .. } => "VoucherIssued",
            CaseEvent::VoucherRedeemed { .. } => "VoucherRedeemed",
            CaseEvent::VoucherReturned { .. } => "VoucherReturned",
            CaseEvent::ServiceStageStarted { .. } => "ServiceStageStarted",
            CaseEvent::FeedbackReceived { .. } => "FeedbackReceived",
            CaseEvent::ServiceHoursRecorded { .. } => "ServiceHoursRecorded",
            CaseEvent::MandateRecorded { .. } => "MandateRecorded",
            CaseEvent::AdmissionDecided { .. } => "AdmissionDecided",
            CaseEvent::DeadlineEscalated { .. } => "DeadlineEscalated",
            CaseEvent::CoordinationHandedOver { .. } => "CoordinationHandedOver",
            CaseEvent::ConferenceScheduled { .. } => "ConferenceScheduled",
            CaseEvent::ConferenceHeld { .. } => "ConferenceHeld",
            CaseEvent::CaseManagementDelegated { .. } => "CaseManagementDelegated",
            CaseEvent::DelegationEnded { .. } => "DelegationEnded",
            CaseEvent::ProgressRecorded { .. } => "ProgressRecorded",
            CaseEvent::VoucherLinked { .. } => "VoucherLinked",
            CaseEvent::ClosureNoticeSent { .. } => "ClosureNoticeSent",
            CaseEvent::CaseEvaluated { .. } => "CaseEvaluated",
            CaseEvent::CaseClosed { .. } => "CaseClosed",
            CaseEvent::CaseErased { .. } => "CaseErased",
        }
    }

    /// The schema version of this event type's payload. Bumped when the shape changes;
    /// stores keep upcasters from every older version.
    pub fn schema_version(&self) -> u16 {
        Self::current_schema_version(self.event_type())
    }

    /// The current schema version of an event type (1 for types that never changed).
    pub fn current_schema_version(event_type: &str) -> u16 {
        match event_type {
            // v1 had no provider: the provider was written on paper only.
            "VoucherIssued" => 2,
            _ => 1,
        }
    }

    /// The paths of the personal-data fields ([`Personal`]) in the JSON of an event type at
    /// a schema version; `*` stands for every index of an array. Stores encrypt exactly
    /// these fields with the case's data key (and shred them with it).
    pub fn personal_paths(event_type: &str, schema_version: u16) -> &'static [&'static str] {
        let _ = schema_version; // no personal field has moved in any schema version yet
        static PATHS: std::sync::OnceLock<
            std::collections::BTreeMap<&'static str, Vec<&'static str>>,
        > = std::sync::OnceLock::new();
        let paths = PATHS.get_or_init(|| {
            let mut by_type: std::collections::BTreeMap<_, Vec<_>> = Default::default();
            for field in crate::access::PERSONAL_FIELDS {
                by_type
                    .entry(field.event_type)
                    .or_default()
                    .push(field.path);
            }
            by_type
        });
        paths.get(event_type).map_or(&[], Vec::as_slice)
    }

    /// Every event type name, for registries and docs.
    pub const TYPES: [&'static str; 31] = [
        "CaseRegistered",
        "ConsentSigned",
        "ConsentRevoked",
        "TeamFormed",
        "MemberJoined",
        "MemberLeft",
        "SituationAssessed",
        "PlanAgreed",
        "PlanRevised",
        "ReviewHeld",
        "NeedGroupClassified",
        "VoucherIssued",
        "VoucherRedeemed",
        "VoucherReturned",
        "ServiceStageStarted",
        "FeedbackReceived",
        "ServiceHoursRecorded",
        "MandateRecorded",
        "AdmissionDecided",
        "DeadlineEscalated",
        "CoordinationHandedOver",
        "ConferenceScheduled",
        "ConferenceHeld",
        "CaseManagementDelegated",
        "DelegationEnded",
        "ProgressRecorded",
        "VoucherLinked",
        "ClosureNoticeSent",
        "CaseEvaluated",
        "CaseClosed",
        "CaseErased",
    ];

    /// The effective time of the event.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            CaseEvent::CaseRegistered { at, .. }
            | CaseEvent::ConsentSigned { at, .. }
            | CaseEvent::ConsentRevoked { at }
            | CaseEvent::TeamFormed { at, .. }
            | CaseEvent::MemberJoined { at, .. }
            | CaseEvent::MemberLeft { at, .. }
            | CaseEvent::SituationAssessed { at, .. }
            | CaseEvent::PlanAgreed { at, .. }
            | CaseEvent::PlanRevised { at, .. }
            | CaseEvent::ReviewHeld { at, .. }
            | CaseEvent::NeedGroupClassified { at, .. }
            | CaseEvent::VoucherIssued { at, .. }
            | CaseEvent::VoucherRedeemed { at, .. }
            | CaseEvent::VoucherReturned { at, .. }
            | CaseEvent::ServiceStageStarted { at, .. }
            | CaseEvent::FeedbackReceived { at, .. }
            | CaseEvent::ServiceHoursRecorded { at, .. }
            | CaseEvent::MandateRecorded { at, .. }
            | CaseEvent::AdmissionDecided { at, .. }
            | CaseEvent::DeadlineEscalated { at, .. }
            | CaseEvent::CoordinationHandedOver { at, .. }
            | CaseEvent::ConferenceScheduled { at, .. }
            | CaseEvent::ConferenceHeld { at, .. }
            | CaseEvent::CaseManagementDelegated { at, .. }
            | CaseEvent::DelegationEnded { at, .. }
            | CaseEvent::ProgressRecorded { at, .. }
            | CaseEvent::VoucherLinked { at, .. }
            | CaseEvent::ClosureNoticeSent { at, .. }
            | CaseEvent::CaseEvaluated { at, .. }
            | CaseEvent::CaseClosed { at, .. }
            | CaseEvent::CaseErased { at } => *at,
        }
    }

    /// Whether the event may only be recorded while a consent is active (invariant 3):
    /// everything that forms the team, shares information or works the plan. Registration,
    /// the consent itself, the intake decision and mandate, reminders and escalations,
    /// closure notices, closure and erasure are recorded without one.
    pub fn needs_consent(&self) -> bool {
        match self {
            CaseEvent::TeamFormed { .. }
            | CaseEvent::MemberJoined { .. }
            | CaseEvent::MemberLeft { .. }
            | CaseEvent::SituationAssessed { .. }
            | CaseEvent::PlanAgreed { .. }
            | CaseEvent::PlanRevised { .. }
            | CaseEvent::ReviewHeld { .. }
            | CaseEvent::NeedGroupClassified { .. }
            | CaseEvent::VoucherIssued { .. }
            | CaseEvent::VoucherRedeemed { .. }
            | CaseEvent::VoucherReturned { .. }
            | CaseEvent::ServiceStageStarted { .. }
            | CaseEvent::FeedbackReceived { .. }
            | CaseEvent::ServiceHoursRecorded { .. }
            | CaseEvent::CoordinationHandedOver { .. }
            | CaseEvent::ConferenceScheduled { .. }
            | CaseEvent::ConferenceHeld { .. }
            | CaseEvent::CaseManagementDelegated { .. }
            | CaseEvent::DelegationEnded { .. }
            | CaseEvent::ProgressRecorded { .. }
            | CaseEvent::VoucherLinked { .. }
            | CaseEvent::CaseEvaluated { .. } => true,
            CaseEvent::CaseRegistered { .. }
            | CaseEvent::ConsentSigned { .. }
            | CaseEvent::ConsentRevoked { .. }
            | CaseEvent::MandateRecorded { .. }
            | CaseEvent::AdmissionDecided { .. }
            | CaseEvent::DeadlineEscalated { .. }
            | CaseEvent::ClosureNoticeSent { .. }
            | CaseEvent::CaseClosed { .. }
            | CaseEvent::CaseErased { .. } => false,
        }
    }

    /// The voucher the event is about, if any.
    pub fn voucher(&self) -> Option<&VoucherId> {
        match self {
            CaseEvent::NeedGroupClassified { voucher, .. }
            | CaseEvent::VoucherIssued { voucher, .. }
            | CaseEvent::VoucherRedeemed { voucher, .. }
            | CaseEvent::VoucherReturned { voucher, .. }
            | CaseEvent::ServiceStageStarted { voucher, .. }
            | CaseEvent::FeedbackReceived { voucher, .. }
            | CaseEvent::ServiceHoursRecorded { voucher, .. }
            | CaseEvent::VoucherLinked { voucher, .. } => Some(voucher),
            _ => None,
        }
    }
}
