//! What a coordinator does around the main path of a case (`domain.md`, "Around that main
//! path"): the intake decision and the mandate, reminders and escalations of missed
//! deadlines, handing coordination over, case conferences, delegating case management to a
//! third party, progress on goals and measures, notices before closure and the evaluation
//! of goal attainment.
//!
//! The types here are the vocabulary of the commands and events that record those acts;
//! the rules are in [`crate::rules`] (one file per command family) and the deadlines they
//! create in [`crate::deadline`]. What a value itself answers — whether a delegation runs
//! on a day ([`Delegation::runs_on`]), whether it covers a measure ([`Delegation::covers`])
//! — is here, with the value.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::deadline_item::{DeadlineItem, Responsible};
use crate::ids::{GoalId, InstitutionId, MeasureId, UserId};
use crate::policy::{local_date, EscalationTarget, Tz};
use casework_core::Personal;

/// The referral's mandate (seed 001: "einen Auftrag mit Zielen für die Zusammenarbeit"):
/// what the referring office asks the network to achieve, and which documents it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mandate {
    /// The goals of the cooperation as the referrer wrote them (personal data).
    pub goals: Personal<String>,
    /// The documents requested, by kind (e.g. `medical-report`, `cv`); no content.
    #[serde(default)]
    pub documents: Vec<String>,
}

/// The intake decision on a referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum AdmissionDecision {
    /// The case is taken on.
    Admitted,
    /// The referral is declined; the case closes.
    Declined {
        /// Why.
        reason: DeclineReason,
    },
}

/// Why a referral was declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// The client does not meet the network's admission criteria.
    CriteriaNotMet,
    /// Another service is better placed (the referral is redirected).
    OtherServiceBetterPlaced,
    /// The client does not want case management.
    ClientDeclined,
    /// The network has no capacity.
    NoCapacity,
}

/// One recorded reminder or escalation of an overdue deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// The overdue item.
    pub item: DeadlineItem,
    /// The level (1 = reminder).
    pub level: u8,
    /// Who is late.
    pub party: Responsible,
    /// Who was asked to act.
    pub to: EscalationTarget,
}

/// Why coordination was handed over (`domain.md`: leave, change of job, a better-placed
/// institution).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverReason {
    /// The coordinator is on leave or ill.
    Absence,
    /// The coordinator changed job or left the institution.
    LeftPosition,
    /// Another institution is better placed for the case's focus now.
    BetterPlacedInstitution,
    /// Workload balancing within the network.
    Workload,
}

/// The kind of a case conference (seed 002: "gemeinsame Fallkonferenzen in regelmäßigen
/// Abständen"; seed 001: round table and kick-off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConferenceKind {
    /// The round table at which the plan is agreed.
    RoundTable,
    /// The kick-off at which coordinator and client sign the plan.
    KickOff,
    /// A regular case conference.
    Regular,
}

/// What a conference decided; it takes effect through the normal commands, and until it
/// has, a deadline stands ([`DeadlineItem::PlanRevision`], [`DeadlineItem::Closure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConferenceDecision {
    /// Go on with the plan as it is.
    Continue,
    /// Revise the plan.
    RevisePlan,
    /// Close the case.
    Close,
}

/// A held conference, as the state keeps it (the minutes stay in the event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conference {
    /// When it was held.
    pub at: DateTime<Utc>,
    /// Its kind.
    pub kind: ConferenceKind,
    /// Who took part (team members).
    pub participants: Vec<UserId>,
    /// What it decided.
    pub decision: ConferenceDecision,
}

/// Case management delegated to a third party "im Auftrag" of the coordinator (seed 002),
/// who keeps overall responsibility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delegation {
    /// The person who steers for the coordinator.
    pub delegate: UserId,
    /// The delegate's institution (inside the consent).
    pub institution: InstitutionId,
    /// The measures delegated; empty: the steering of the whole case.
    pub measures: Vec<MeasureId>,
    /// When it began.
    pub from: DateTime<Utc>,
    /// The last day it runs (inclusive).
    pub until: NaiveDate,
    /// The delegate's latest report (progress record), or the start.
    pub last_report_at: DateTime<Utc>,
}

impl Delegation {
    /// Whether the delegation runs on `day` (days counted in time zone `zone`).
    pub fn runs_on(&self, day: NaiveDate, zone: Tz) -> bool {
        day >= local_date(zone, self.from) && day <= self.until
    }

    /// Whether `user` of `institution` holds it (the delegate is a person of an
    /// institution: the same user id elsewhere is someone else).
    pub fn held_by(&self, user: &UserId, institution: &InstitutionId) -> bool {
        &self.delegate == user && &self.institution == institution
    }

    /// Whether it covers `measure` (a whole-case delegation covers every measure).
    pub fn covers(&self, measure: &MeasureId) -> bool {
        self.measures.is_empty() || self.measures.contains(measure)
    }
}

/// Who must be told before a case closes (seed 001: the social-welfare office
/// "vorgängig über den Fallabschluss informiert"; the client "über das Erlöschen der
/// Vollmacht informiert").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeRecipient {
    /// The client: the consent lapses with the closure.
    Client,
    /// The referring office.
    Referrer,
}

/// The status of a goal or measure, as reviews and progress records set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    /// Not started.
    Open,
    /// Under way as planned.
    OnTrack,
    /// Under way, at risk of missing its target.
    AtRisk,
    /// Done (a measure) or reached (a goal).
    Done,
    /// Given up.
    Dropped,
}

/// What a progress record is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum ProgressOn {
    /// A goal or sub-goal of the plan.
    Goal(GoalId),
    /// A measure of the plan.
    Measure(MeasureId),
}

/// How far a goal was attained, recorded at closure (seed 000: "Evaluation des Falles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attainment {
    /// Reached.
    Attained,
    /// Partly reached.
    Partly,
    /// Not reached.
    NotAttained,
}

/// The attainment of one goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalAttainment {
    /// The goal.
    pub goal: GoalId,
    /// How far it was attained.
    pub attainment: Attainment,
}

/// The coordination record of an open case: everything of this module the rules and the
/// deadlines need. Starts empty at registration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coordination {
    /// The intake decision, once taken.
    #[serde(default)]
    pub admission: Option<AdmissionDecision>,
    /// Whether a mandate was recorded.
    #[serde(default)]
    pub mandate_recorded: bool,
    /// Every reminder and escalation, oldest first.
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// How many times coordination was handed over.
    #[serde(default)]
    pub handovers: u32,
    /// The next scheduled conference.
    #[serde(default)]
    pub conference_scheduled: Option<NaiveDate>,
    /// Every held conference, oldest first.
    #[serde(default)]
    pub conferences: Vec<Conference>,
    /// A conference decision that has not yet taken effect, with when it was taken.
    #[serde(default)]
    pub pending_decision: Option<(ConferenceDecision, DateTime<Utc>)>,
    /// The running delegation.
    #[serde(default)]
    pub delegation: Option<Delegation>,
    /// How many delegations the case has had.
    #[serde(default)]
    pub delegations: u32,
    /// The latest status of each goal and measure (in JSON a list of pairs: the keys are
    /// not strings).
    #[serde(default, with = "progress_pairs")]
    pub progress: BTreeMap<ProgressOn, (ProgressStatus, DateTime<Utc>)>,
    /// Who has been told of the coming closure.
    #[serde(default)]
    pub notices: BTreeSet<NoticeRecipient>,
    /// Goal attainment as evaluated before closure.
    #[serde(default)]
    pub attainment: Vec<GoalAttainment>,
}

impl Coordination {
    /// The highest level recorded for `item`, 0 if none.
    pub fn escalation_level(&self, item: &DeadlineItem) -> u8 {
        self.escalations
            .iter()
            .filter(|e| &e.item == item)
            .map(|e| e.level)
            .max()
            .unwrap_or(0)
    }

    /// The delegation running on `day` (days counted in time zone `zone`), if any.
    pub fn delegation_on(&self, day: NaiveDate, zone: Tz) -> Option<&Delegation> {
        self.delegation.as_ref().filter(|d| d.runs_on(day, zone))
    }
}

/// A map keyed by [`ProgressOn`] as a JSON list of `[key, value]` pairs.
mod progress_pairs {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    use super::{ProgressOn, ProgressStatus};

    type Map = BTreeMap<ProgressOn, (ProgressStatus, DateTime<Utc>)>;

    pub fn serialize<S: Serializer>(map: &Map, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Map, D::Error> {
        Vec::<(ProgressOn, (ProgressStatus, DateTime<Utc>))>::deserialize(deserializer)
            .map(|pairs| pairs.into_iter().collect())
    }
}
