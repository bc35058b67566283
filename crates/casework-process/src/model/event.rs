//! The events of the case process: past tense, serde-tagged by `type`, versioned per type.
//! The JSON of every event is the stored format; `insta` snapshots guard it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::deadline_item::{DeadlineItem, Responsible};
use crate::consent::{ConsentScope, Signatory};
use crate::ids::{
    CaseId, InstitutionId, MeasureId, ProviderId, ServiceId, SubjectId, UserId, VoucherId,
};
use crate::plan::Plan;
use crate::policy::triage::Profile;
use crate::policy::EscalationTarget;
use crate::record::{
    AdmissionDecision, ConferenceDecision, ConferenceKind, GoalAttainment, HandoverReason, Mandate,
    NoticeRecipient, ProgressOn, ProgressStatus,
};
use crate::team::Member;
use crate::voucher::{FeedbackFacts, FeedbackKind, ReturnReason};
use casework_core::Personal;

use super::state::{AssessmentOutcome, ClientDetails, ClosureReason, SituationReport};

/// Something that happened in a case. Every event carries `at`, its effective time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
        /// The client's pseudonymous subject id: the user id under which the client acts
        /// (v2; `None` in cases registered before subjects were recorded: such a case takes
        /// no command of the client role and shows that role nothing, see
        /// [`crate::party`](mod@crate::party)).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<SubjectId>,
        /// The client's legal representative, if one acts for the client (v2).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        representative: Option<SubjectId>,
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
            // v1 had no subject: the client was no party of the case.
            "CaseRegistered" => 2,
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
            for field in super::personal_fields::PERSONAL_FIELDS {
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

impl CaseEvent {
    /// Reads the JSON `payload` of a stored event whose envelope names `event_type`, in one
    /// pass (no buffering, whatever the order of its keys — a sealed event's JSON is
    /// written from a tree with sorted keys). The payload's own `"type"` must be there
    /// and agree with the envelope.
    pub fn from_stored_json(event_type: &str, payload: &[u8]) -> serde_json::Result<Self> {
        tag_first::of_type(event_type, payload)
    }
}

/// Reads a `CaseEvent` from its internally tagged JSON without buffering: serde's derive
/// for `#[serde(tag = "type")]` collects every event into a `Content` tree before it
/// looks at the tag (a fifth of the demo's command path, issue 23). JSON that serde
/// writes for an event starts with `"type"`, so the tag is read first and the rest of
/// the object goes straight into the variant's fields. An object whose tag comes later
/// (a sealed event, written from a tree with sorted keys; a tree an upcaster rebuilt; a
/// hand-written payload) is collected first, as before — the store's codec avoids that by
/// reading with the envelope's type ([`CaseEvent::from_stored_json`]).
impl<'de> Deserialize<'de> for CaseEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(tag_first::EventVisitor)
    }
}

/// The variants of [`CaseEvent`] once more, for serde's externally tagged derive
/// (`remote`: it builds `CaseEvent` values; a field that differs does not compile). Keep
/// it equal to `CaseEvent` — `tests/event_json.rs` reads every event type back.
#[derive(Deserialize)]
#[serde(remote = "CaseEvent")]
#[allow(dead_code)] // only its generated `deserialize` is used
enum TagFirst {
    CaseRegistered {
        at: DateTime<Utc>,
        case_id: CaseId,
        referrer: InstitutionId,
        client: Personal<ClientDetails>,
        #[serde(default)]
        subject: Option<SubjectId>,
        #[serde(default)]
        representative: Option<SubjectId>,
        profile: Profile,
        route: String,
    },
    ConsentSigned {
        at: DateTime<Utc>,
        signatory: Signatory,
        scope: ConsentScope,
    },
    ConsentRevoked {
        at: DateTime<Utc>,
    },
    TeamFormed {
        at: DateTime<Utc>,
        coordinator: UserId,
        coordinator_institution: InstitutionId,
        members: Vec<Member>,
    },
    MemberJoined {
        at: DateTime<Utc>,
        member: Member,
    },
    MemberLeft {
        at: DateTime<Utc>,
        user: UserId,
    },
    SituationAssessed {
        at: DateTime<Utc>,
        report: Personal<SituationReport>,
        outcome: AssessmentOutcome,
    },
    PlanAgreed {
        at: DateTime<Utc>,
        plan: Plan,
    },
    PlanRevised {
        at: DateTime<Utc>,
        plan: Plan,
    },
    ReviewHeld {
        at: DateTime<Utc>,
        completed_measures: Vec<MeasureId>,
        notes: Personal<String>,
    },
    NeedGroupClassified {
        at: DateTime<Utc>,
        voucher: VoucherId,
        need_group: u8,
    },
    VoucherIssued {
        at: DateTime<Utc>,
        voucher: VoucherId,
        service: ServiceId,
        provider: ProviderId,
    },
    VoucherRedeemed {
        at: DateTime<Utc>,
        voucher: VoucherId,
    },
    VoucherReturned {
        at: DateTime<Utc>,
        voucher: VoucherId,
        reason: ReturnReason,
    },
    ServiceStageStarted {
        at: DateTime<Utc>,
        voucher: VoucherId,
        stage: u8,
    },
    FeedbackReceived {
        at: DateTime<Utc>,
        voucher: VoucherId,
        kind: FeedbackKind,
        facts: FeedbackFacts,
        #[serde(default)]
        content: Option<Personal<String>>,
    },
    ServiceHoursRecorded {
        at: DateTime<Utc>,
        voucher: VoucherId,
        module: u8,
        individual_minutes: u32,
        group_sessions: u32,
    },
    MandateRecorded {
        at: DateTime<Utc>,
        mandate: Mandate,
    },
    AdmissionDecided {
        at: DateTime<Utc>,
        decision: AdmissionDecision,
    },
    DeadlineEscalated {
        at: DateTime<Utc>,
        item: DeadlineItem,
        level: u8,
        party: Responsible,
        to: EscalationTarget,
    },
    CoordinationHandedOver {
        at: DateTime<Utc>,
        from: UserId,
        to: UserId,
        institution: InstitutionId,
        reason: HandoverReason,
    },
    ConferenceScheduled {
        at: DateTime<Utc>,
        on: NaiveDate,
    },
    ConferenceHeld {
        at: DateTime<Utc>,
        kind: ConferenceKind,
        participants: Vec<UserId>,
        minutes: Personal<String>,
        decision: ConferenceDecision,
    },
    CaseManagementDelegated {
        at: DateTime<Utc>,
        delegate: UserId,
        institution: InstitutionId,
        measures: Vec<MeasureId>,
        until: NaiveDate,
    },
    DelegationEnded {
        at: DateTime<Utc>,
    },
    ProgressRecorded {
        at: DateTime<Utc>,
        by: UserId,
        on: ProgressOn,
        status: ProgressStatus,
        note: Personal<String>,
    },
    VoucherLinked {
        at: DateTime<Utc>,
        voucher: VoucherId,
        measure: MeasureId,
    },
    ClosureNoticeSent {
        at: DateTime<Utc>,
        to: NoticeRecipient,
    },
    CaseEvaluated {
        at: DateTime<Utc>,
        attainment: Vec<GoalAttainment>,
    },
    CaseClosed {
        at: DateTime<Utc>,
        reason: ClosureReason,
    },
    CaseErased {
        at: DateTime<Utc>,
    },
}

mod tag_first {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

    use super::{CaseEvent, TagFirst};

    pub(super) struct EventVisitor;

    /// Reads the JSON object `payload` as the variant `event_type` (the type its envelope
    /// names), in one pass whatever the order of its keys; its own `"type"` is checked
    /// against the envelope's by the caller.
    pub(super) fn of_type(event_type: &str, payload: &[u8]) -> serde_json::Result<CaseEvent> {
        struct Known<'n>(&'n str);
        impl<'de> Visitor<'de> for Known<'_> {
            type Value = CaseEvent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a {} event: a JSON object", self.0)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CaseEvent, A::Error> {
                let mut checked = Checked {
                    map,
                    expected: self.0,
                    seen: false,
                };
                let event = TagFirst::deserialize(Variant {
                    name: self.0,
                    fields: &mut checked,
                })?;
                if !checked.seen {
                    return Err(de::Error::missing_field("type"));
                }
                Ok(event)
            }
        }
        let mut de = serde_json::Deserializer::from_slice(payload);
        let event = de::Deserializer::deserialize_map(&mut de, Known(event_type))?;
        de.end()?;
        Ok(event)
    }

    impl<'de> Visitor<'de> for EventVisitor {
        type Value = CaseEvent;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a case event: a JSON object with its \"type\"")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CaseEvent, A::Error> {
            let Some(Text(first)) = map.next_key::<Text<'de>>()? else {
                return Err(de::Error::missing_field("type"));
            };
            if first == "type" {
                let Text(variant) = map.next_value::<Text<'de>>()?;
                return TagFirst::deserialize(Variant {
                    name: &variant,
                    fields: map,
                });
            }
            // the tag comes later: collect the object, then read it the same way
            let mut object = serde_json::Map::new();
            object.insert(first.into_owned(), map.next_value()?);
            while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                object.insert(k, v);
            }
            let variant = match object.remove("type") {
                Some(serde_json::Value::String(name)) => name,
                Some(_) => return Err(de::Error::custom("the event's \"type\" is not a string")),
                None => return Err(de::Error::missing_field("type")),
            };
            let fields = de::value::MapDeserializer::new(object.into_iter());
            TagFirst::deserialize(Variant {
                name: &variant,
                fields,
            })
            .map_err(|e: serde_json::Error| de::Error::custom(e))
        }
    }

    /// The entries of an event object, minus its `"type"`, which must be `expected`.
    struct Checked<'n, M> {
        map: M,
        expected: &'n str,
        seen: bool,
    }

    impl<'de, M: MapAccess<'de>> MapAccess<'de> for &mut Checked<'_, M> {
        type Error = M::Error;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, M::Error> {
            loop {
                let Some(Text(key)) = self.map.next_key::<Text<'de>>()? else {
                    return Ok(None);
                };
                if key != "type" {
                    let key: de::value::CowStrDeserializer<'de, M::Error> = key.into_deserializer();
                    return seed.deserialize(key).map(Some);
                }
                let Text(found) = self.map.next_value::<Text<'de>>()?;
                if found != self.expected {
                    return Err(de::Error::custom(format!(
                        "the payload is a {found}, its envelope says {}",
                        self.expected
                    )));
                }
                self.seen = true;
            }
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, M::Error> {
            self.map.next_value_seed(seed)
        }
    }

    /// A string borrowed from the input where it can be (serde's `Cow` always copies).
    struct Text<'de>(Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Text<'de> {
        fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct TextVisitor;
            impl<'de> Visitor<'de> for TextVisitor {
                type Value = Text<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                    Ok(Text(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                    Ok(Text(Cow::Owned(v.to_owned())))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                    Ok(Text(Cow::Owned(v)))
                }
            }
            deserializer.deserialize_str(TextVisitor)
        }
    }

    /// The rest of an event object, shown to the externally tagged derive as the enum
    /// variant `name` whose struct fields are the remaining entries.
    struct Variant<'n, M> {
        name: &'n str,
        fields: M,
    }

    impl<'de, M: MapAccess<'de>> de::Deserializer<'de> for Variant<'_, M> {
        type Error = M::Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, M::Error> {
            visitor.visit_enum(self)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            struct enum identifier ignored_any
        }
    }

    impl<'de, M: MapAccess<'de>> de::EnumAccess<'de> for Variant<'_, M> {
        type Error = M::Error;
        type Variant = Fields<M>;

        fn variant_seed<S: DeserializeSeed<'de>>(
            self,
            seed: S,
        ) -> Result<(S::Value, Fields<M>), M::Error> {
            let name: de::value::StrDeserializer<'_, M::Error> = self.name.into_deserializer();
            Ok((seed.deserialize(name)?, Fields(self.fields)))
        }
    }

    pub(super) struct Fields<M>(M);

    impl<'de, M: MapAccess<'de>> de::VariantAccess<'de> for Fields<M> {
        type Error = M::Error;

        fn unit_variant(self) -> Result<(), M::Error> {
            Err(de::Error::custom("case events have fields"))
        }

        fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, M::Error> {
            Err(de::Error::custom("case events have named fields"))
        }

        fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, M::Error> {
            Err(de::Error::custom("case events have named fields"))
        }

        fn struct_variant<V: Visitor<'de>>(
            self,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> Result<V::Value, M::Error> {
            visitor.visit_map(self.0)
        }
    }
}
