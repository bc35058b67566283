//! The state of a case: an enum of phases, each holding only the data valid in it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::consent::Consent;
use crate::ids::{CaseId, InstitutionId, MeasureId, SubjectId, VoucherId};
use crate::plan::Plan;
use crate::policy::triage::Profile;
use crate::record::Coordination;
use crate::team::Team;
use crate::voucher::Voucher;
use casework_core::Personal;

/// The state of one case, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CaseState {
    /// No event yet.
    #[default]
    Unregistered,
    /// Registered and not closed.
    Open(OpenCase),
    /// Closed (and perhaps erased).
    Closed(ClosedCase),
}

/// What every registered case has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// The case id.
    pub case_id: CaseId,
    /// When the case was registered.
    pub at: DateTime<Utc>,
    /// The registering institution.
    pub referrer: InstitutionId,
    /// Who the client is (personal data).
    pub client: Personal<ClientDetails>,
    /// The client's pseudonymous subject id (`None`: registered before subjects were
    /// recorded).
    #[serde(default)]
    pub subject: Option<SubjectId>,
    /// The client's legal representative, if any.
    #[serde(default)]
    pub representative: Option<SubjectId>,
    /// Triage facts.
    pub profile: Profile,
    /// Where the routing rules sent the client.
    pub route: String,
}

impl Registration {
    /// Whether `user` acts as the client of this case: `Some(false)` as the client (its
    /// subject), `Some(true)` as its legal representative, `None` neither (also for a case
    /// registered before subjects were recorded).
    pub fn client_as(&self, user: &str) -> Option<bool> {
        let is = |s: &Option<SubjectId>| s.as_ref().is_some_and(|s| s.as_str() == user);
        if is(&self.subject) {
            Some(false)
        } else if is(&self.representative) {
            Some(true)
        } else {
            None
        }
    }
}

/// The personal details of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDetails {
    /// Full name.
    pub name: String,
    /// Contact (address, phone), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

impl ClientDetails {
    /// The client's details with a name and no contact.
    pub fn named(name: impl Into<String>) -> Self {
        ClientDetails {
            name: name.into(),
            contact: None,
        }
    }
}

/// An open case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCase {
    /// Registration facts.
    pub registration: Registration,
    /// The current phase and its data.
    pub phase: Phase,
    /// Vouchers by id (only ever issued under active consent).
    pub vouchers: BTreeMap<VoucherId, Voucher>,
    /// Set by `ConsentRevoked` until the `CaseClosed` of the same append is folded.
    pub consent_revoked_at: Option<DateTime<Utc>>,
    /// Effective time of the latest event.
    pub last_event_at: DateTime<Utc>,
    /// The work around the main path: intake, escalations, handovers, conferences,
    /// delegation, progress, closure notices, evaluation.
    #[serde(default)]
    pub coordination: Coordination,
}

/// The phases of an open case. `Registered → Consented → TeamFormed → Assessed → Planned`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Registered, no consent yet.
    Registered,
    /// Consent signed, no team yet.
    Consented(Consented),
    /// Team formed, situation not yet assessed.
    TeamFormed(TeamFormed),
    /// Situation assessed, no plan yet.
    Assessed(Assessed),
    /// Plan agreed; implementation and monitoring.
    Planned(Planned),
}

/// Data of the `Consented` phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consented {
    /// The active consent.
    pub consent: Consent,
}

/// Data of the `TeamFormed` phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFormed {
    /// The active consent.
    pub consent: Consent,
    /// The case team.
    pub team: Team,
    /// When the team was formed (the assessment is due from then).
    #[serde(default)]
    pub formed_at: DateTime<Utc>,
}

/// Data of the `Assessed` phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessed {
    /// The active consent.
    pub consent: Consent,
    /// The case team.
    pub team: Team,
    /// The situation analysis.
    pub assessment: Assessment,
}

/// Data of the `Planned` phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The active consent.
    pub consent: Consent,
    /// The case team.
    pub team: Team,
    /// The situation analysis.
    pub assessment: Assessment,
    /// The current plan.
    pub plan: Plan,
    /// When the first plan was agreed.
    pub agreed_at: DateTime<Utc>,
    /// Number of revisions since.
    pub revisions: u32,
    /// Reviews held, oldest first.
    pub reviews: Vec<Review>,
    /// Measures found completed at reviews.
    pub completed_measures: BTreeSet<MeasureId>,
}

/// The situation analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The situation report.
    pub report: Personal<SituationReport>,
    /// What the team decided.
    pub outcome: AssessmentOutcome,
}

/// The structured situation report (Situationsbeschrieb), visible to all members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SituationReport {
    /// Summary of what the institutions know.
    pub summary: String,
    /// Resources of the client.
    #[serde(default)]
    pub resources: Vec<String>,
    /// Obstacles to integration.
    #[serde(default)]
    pub obstacles: Vec<String>,
    /// The client's own view.
    #[serde(default)]
    pub client_view: String,
}

/// What the team decided after the situation analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentOutcome {
    /// Meet at a round table and agree a plan.
    RoundTable,
    /// Give a recommendation and close.
    RecommendAndClose,
}

/// A review (Standortbestimmung).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// When it was held.
    pub at: DateTime<Utc>,
    /// Measures found completed.
    pub completed_measures: Vec<MeasureId>,
    /// Minutes.
    pub notes: Personal<String>,
}

/// A closed case. Keeps what it had when it closed, for reports and audits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedCase {
    /// Registration facts.
    pub registration: Registration,
    /// Why it closed.
    pub reason: ClosureReason,
    /// When it closed.
    pub closed_at: DateTime<Utc>,
    /// The phase it closed in.
    pub last_phase: Phase,
    /// Its vouchers.
    pub vouchers: BTreeMap<VoucherId, Voucher>,
    /// When its personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
    /// The coordination record as it was at closure (evaluation, escalations,
    /// delegations, handovers), for reports.
    #[serde(default)]
    pub coordination: Coordination,
}

/// Why a case closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureReason {
    /// The goals of the plan were reached.
    GoalReached,
    /// The client took up employment.
    Employment,
    /// The client started training or education.
    Training,
    /// The services were delivered.
    ServicesDelivered,
    /// No further need for coordination (e.g. after a recommendation).
    NoFurtherNeed,
    /// The client revoked consent: the process was aborted.
    ConsentRevoked,
    /// Another reason.
    Other,
    /// The referral was declined at intake.
    ReferralDeclined,
}

impl ClosureReason {
    /// Whether the reason counts as integration into work (for the integration rate).
    pub fn is_integration(self) -> bool {
        matches!(self, ClosureReason::Employment)
    }
}

impl std::fmt::Display for ClosureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            ClosureReason::GoalReached => "goal reached",
            ClosureReason::Employment => "employment",
            ClosureReason::Training => "training",
            ClosureReason::ServicesDelivered => "services delivered",
            ClosureReason::NoFurtherNeed => "no further need",
            ClosureReason::ConsentRevoked => "consent revoked",
            ClosureReason::Other => "other",
            ClosureReason::ReferralDeclined => "referral declined",
        };
        f.write_str(s)
    }
}

/// The name of a phase, for errors, reports and display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    /// No events yet.
    Unregistered,
    /// Registered.
    Registered,
    /// Consented.
    Consented,
    /// Team formed.
    TeamFormed,
    /// Assessed.
    Assessed,
    /// Planned.
    Planned,
    /// Closed.
    Closed,
}

impl std::fmt::Display for PhaseName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            PhaseName::Unregistered => "unregistered",
            PhaseName::Registered => "registered",
            PhaseName::Consented => "consented",
            PhaseName::TeamFormed => "team formed",
            PhaseName::Assessed => "assessed",
            PhaseName::Planned => "planned",
            PhaseName::Closed => "closed",
        };
        f.write_str(s)
    }
}

impl Phase {
    /// The phase's name.
    pub fn name(&self) -> PhaseName {
        match self {
            Phase::Registered => PhaseName::Registered,
            Phase::Consented(_) => PhaseName::Consented,
            Phase::TeamFormed(_) => PhaseName::TeamFormed,
            Phase::Assessed(_) => PhaseName::Assessed,
            Phase::Planned(_) => PhaseName::Planned,
        }
    }

    /// The consent, in every phase from `Consented` on.
    pub fn consent(&self) -> Option<&Consent> {
        match self {
            Phase::Registered => None,
            Phase::Consented(p) => Some(&p.consent),
            Phase::TeamFormed(p) => Some(&p.consent),
            Phase::Assessed(p) => Some(&p.consent),
            Phase::Planned(p) => Some(&p.consent),
        }
    }

    /// The team, in every phase from `TeamFormed` on.
    pub fn team(&self) -> Option<&Team> {
        match self {
            Phase::Registered | Phase::Consented(_) => None,
            Phase::TeamFormed(p) => Some(&p.team),
            Phase::Assessed(p) => Some(&p.team),
            Phase::Planned(p) => Some(&p.team),
        }
    }

    /// The assessment, in `Assessed` and `Planned`.
    pub fn assessment(&self) -> Option<&Assessment> {
        match self {
            Phase::Assessed(p) => Some(&p.assessment),
            Phase::Planned(p) => Some(&p.assessment),
            _ => None,
        }
    }

    /// The plan data, in `Planned`.
    pub fn planned(&self) -> Option<&Planned> {
        match self {
            Phase::Planned(p) => Some(p),
            _ => None,
        }
    }
}

impl CaseState {
    /// The phase name.
    pub fn phase_name(&self) -> PhaseName {
        match self {
            CaseState::Unregistered => PhaseName::Unregistered,
            CaseState::Open(c) => c.phase.name(),
            CaseState::Closed(_) => PhaseName::Closed,
        }
    }

    /// Registration facts, once registered.
    pub fn registration(&self) -> Option<&Registration> {
        match self {
            CaseState::Unregistered => None,
            CaseState::Open(c) => Some(&c.registration),
            CaseState::Closed(c) => Some(&c.registration),
        }
    }

    /// The vouchers of the case.
    pub fn vouchers(&self) -> Option<&BTreeMap<VoucherId, Voucher>> {
        match self {
            CaseState::Unregistered => None,
            CaseState::Open(c) => Some(&c.vouchers),
            CaseState::Closed(c) => Some(&c.vouchers),
        }
    }

    /// The (current or last) phase data of a registered case.
    pub fn phase(&self) -> Option<&Phase> {
        match self {
            CaseState::Unregistered => None,
            CaseState::Open(c) => Some(&c.phase),
            CaseState::Closed(c) => Some(&c.last_phase),
        }
    }

    /// Whether consent is active now: signed, not revoked, case open.
    pub fn consent_active(&self) -> bool {
        match self {
            CaseState::Open(c) => c.phase.consent().is_some() && c.consent_revoked_at.is_none(),
            CaseState::Unregistered | CaseState::Closed(_) => false,
        }
    }
}
