//! The deployment's policy as data: [`Policy`] with its services, deadlines, thresholds
//! and process rules, and how it is checked when loaded.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::catalog::Catalog;
use super::escalation::{EscalationLevel, EscalationTarget};
use super::objection::ObjectionPeriod;
use super::triage::Triage;
use crate::consent::DataCategory;
use crate::ids::{InstitutionId, ProviderId, ServiceId};

/// A deployment's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// A name for the policy, shown in reports (e.g. "Jobcenter Musterstadt 2026").
    pub name: String,
    /// The services that can be engaged by voucher.
    pub services: Vec<ServicePolicy>,
    /// Deadlines agreed with one provider for one service, overriding the service default.
    #[serde(default)]
    pub provider_deadlines: Vec<ProviderDeadlines>,
    /// Admission criteria and routing rules for registration.
    pub triage: Triage,
    /// Thresholds for monitoring and reviews.
    pub thresholds: Thresholds,
    /// The rules of the work around the main path: phase deadlines, escalation,
    /// conferences, delegation, closure duties, intake, plan signatures, sectors.
    #[serde(default)]
    pub process: ProcessRules,
    /// The deployment's time zone (an IANA name such as `Europe/Berlin`, the default):
    /// days, months, half-years, report dates, deadlines and "overdue" are counted in it.
    #[serde(default = "default_zone")]
    pub time_zone: Tz,
}

/// The time zone of a policy that names none: `Europe/Berlin`.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Berlin;

fn default_zone() -> Tz {
    DEFAULT_TIME_ZONE
}

/// One service type and its rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePolicy {
    /// The id used in commands and events, e.g. `debt-counselling`.
    pub id: ServiceId,
    /// A human name, e.g. "Schuldnerberatung".
    pub name: String,
    /// Default deadlines (minimum standards) for this service.
    pub deadlines: DeadlineRules,
    /// Number of service stages (Leistungsabschnitte); 1 where the service has none.
    #[serde(default = "one")]
    pub stages: u8,
    /// Need groups and modules, where the service has a catalog.
    #[serde(default)]
    pub catalog: Option<Catalog>,
    /// The data categories a voucher for this service shares with its provider: a voucher
    /// is issued only under a consent that names the provider and covers each of them
    /// (a debt-counselling voucher tells the provider that the client has debts). A
    /// service without the field shares the process facts only.
    #[serde(default = "process_facts")]
    pub shares: Vec<DataCategory>,
}

fn one() -> u8 {
    1
}

fn process_facts() -> Vec<DataCategory> {
    vec![DataCategory::ProcessFacts]
}

/// Deadlines agreed with one provider for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderDeadlines {
    /// The provider.
    pub provider: ProviderId,
    /// The service.
    pub service: ServiceId,
    /// The deadlines that apply instead of the service default.
    pub deadlines: DeadlineRules,
}

/// The minimum standards of a service: when what is due. First appointment and first
/// feedback count from the day the voucher is issued; interim and result feedback from the
/// day it is redeemed (the service started).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRules {
    /// The client has a first appointment within ...
    pub first_appointment: Due,
    /// The provider's first feedback (appointment taken?) within ...
    pub first_feedback: Due,
    /// The interim feedback after ...
    pub interim_feedback: Due,
    /// The result (final) feedback after ...
    pub result_feedback: Due,
}

/// When something is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// A fixed number of days after the reference date.
    Days(u32),
    /// Agreed case by case: no deadline is derived.
    Individual,
    /// When the service is completed: no deadline is derived.
    AfterCompletion,
}

impl Due {
    /// The number of days, where the rule fixes one.
    pub fn days(self) -> Option<u32> {
        match self {
            Due::Days(d) => Some(d),
            Due::Individual | Due::AfterCompletion => None,
        }
    }
}

/// Thresholds for monitoring, reviews and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thresholds {
    /// A service stage open longer than this many days is flagged (Aachen: 90).
    pub stage_open_days: u32,
    /// A voucher case open longer than this many days since issue is flagged.
    pub voucher_open_days: u32,
    /// Days between plan reviews when the plan does not set its own interval.
    pub review_interval_days: u32,
    /// Days after closure before a case may be erased (default 0: at once).
    pub retention_days: u32,
    /// How far, in minutes, a command's effective time may lie after the store's clock
    /// (clock skew between the deployment's machines; default 5). Later times are refused.
    #[serde(default = "default_clock_skew")]
    pub clock_skew_minutes: u32,
}

fn default_clock_skew() -> u32 {
    5
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            stage_open_days: 90,
            voucher_open_days: 365,
            review_interval_days: 90,
            retention_days: 0,
            clock_skew_minutes: default_clock_skew(),
        }
    }
}

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    /// The JSON does not parse into a policy.
    #[error("policy does not parse: {0}")]
    Parse(String),
    /// Two services share an id.
    #[error("service `{0}` is defined twice")]
    DuplicateService(ServiceId),
    /// A provider override names a service the policy does not define.
    #[error("provider deadlines for `{provider}` name unknown service `{service}`")]
    UnknownService {
        /// The provider of the override.
        provider: ProviderId,
        /// The unknown service.
        service: ServiceId,
    },
    /// A service has zero stages.
    #[error("service `{0}` must have at least one stage")]
    NoStages(ServiceId),
    /// The rules around the main path are inconsistent.
    #[error("process rules: {0}")]
    Process(String),
    /// A catalog is inconsistent.
    #[error("catalog of service `{service}`: {detail}")]
    Catalog {
        /// The service whose catalog is broken.
        service: ServiceId,
        /// What is wrong.
        detail: String,
    },
}

impl Policy {
    /// Parses and validates a policy from JSON.
    ///
    /// ```
    /// use casework_process::Policy;
    /// let json = serde_json::to_string(&Policy::default()).unwrap();
    /// let policy = Policy::from_json(&json).unwrap();
    /// assert_eq!(policy, Policy::default());
    /// ```
    pub fn from_json(json: &str) -> Result<Policy, PolicyError> {
        let policy: Policy =
            serde_json::from_str(json).map_err(|e| PolicyError::Parse(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks that the policy is consistent: unique services, overrides of known services,
    /// catalogs whose need groups name existing modules.
    pub fn validate(&self) -> Result<(), PolicyError> {
        let mut seen = BTreeSet::new();
        for service in &self.services {
            if !seen.insert(&service.id) {
                return Err(PolicyError::DuplicateService(service.id.clone()));
            }
            if service.stages == 0 {
                return Err(PolicyError::NoStages(service.id.clone()));
            }
            if let Some(catalog) = &service.catalog {
                catalog.validate().map_err(|detail| PolicyError::Catalog {
                    service: service.id.clone(),
                    detail,
                })?;
            }
        }
        for o in &self.provider_deadlines {
            if self.service(&o.service).is_none() {
                return Err(PolicyError::UnknownService {
                    provider: o.provider.clone(),
                    service: o.service.clone(),
                });
            }
        }
        self.process.validate().map_err(PolicyError::Process)
    }

    /// The calendar day of instant `at` in the deployment's time zone: what "the day" of an
    /// event, a deadline or a report date means.
    ///
    /// ```
    /// use casework_process::Policy;
    /// use chrono::{NaiveDate, TimeZone, Utc};
    /// // 23:30 UTC on 31 January is 00:30 on 1 February in Aachen
    /// let at = Utc.with_ymd_and_hms(2015, 1, 31, 23, 30, 0).unwrap();
    /// assert_eq!(Policy::default().local_date(at), NaiveDate::from_ymd_opt(2015, 2, 1).unwrap());
    /// ```
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        local_date(self.time_zone, at)
    }

    /// The service with this id.
    pub fn service(&self, id: &ServiceId) -> Option<&ServicePolicy> {
        self.services.iter().find(|s| &s.id == id)
    }

    /// The deadlines that apply to `service` delivered by `provider`: the provider's own
    /// agreement where there is one, else the service default.
    pub fn deadlines(&self, service: &ServiceId, provider: &ProviderId) -> Option<DeadlineRules> {
        self.provider_deadlines
            .iter()
            .find(|o| &o.service == service && &o.provider == provider)
            .map(|o| o.deadlines)
            .or_else(|| self.service(service).map(|s| s.deadlines))
    }
}

/// The rules of the work around the main path (ADR 0010): deadlines for every phase,
/// escalation levels, conferences, delegation, closure duties, intake, plan signatures and
/// the sectors a measure may belong to. Every default is an assumption of the project
/// unless a seed is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRules {
    /// Days allowed for each phase before the next step is due.
    #[serde(default)]
    pub phase_deadlines: PhaseDeadlines,
    /// Escalation levels, lowest first; level 1 is the reminder.
    #[serde(default = "default_escalation")]
    pub escalation: Vec<EscalationLevel>,
    /// Case conferences.
    #[serde(default)]
    pub conference: ConferenceRules,
    /// Delegated case management.
    #[serde(default)]
    pub delegation: DelegationRules,
    /// Closure duties.
    #[serde(default)]
    pub closure: ClosureRules,
    /// Intake.
    #[serde(default)]
    pub intake: IntakeRules,
    /// Who must sign a plan before it takes effect.
    #[serde(default)]
    pub plan_signatures: PlanSignatures,
    /// The sectors a measure may name, each with its own follow-up duty; empty: any sector
    /// (and none) is accepted.
    #[serde(default = "default_sectors")]
    pub sectors: Vec<Sector>,
    /// The institutions whose auditors supervise the process (a data protection officer,
    /// an internal audit): only their users are parties of a case in the auditor role. None
    /// by default: a role one can claim is no relation to a case (issue 31).
    #[serde(default)]
    pub audit_bodies: Vec<InstitutionId>,
}

impl Default for ProcessRules {
    fn default() -> Self {
        ProcessRules {
            phase_deadlines: PhaseDeadlines::default(),
            escalation: default_escalation(),
            conference: ConferenceRules::default(),
            delegation: DelegationRules::default(),
            closure: ClosureRules::default(),
            intake: IntakeRules::default(),
            plan_signatures: PlanSignatures::default(),
            audit_bodies: Vec::new(),
            sectors: default_sectors(),
        }
    }
}

impl ProcessRules {
    /// The highest escalation level that applies `days_overdue` days after a due date, 0
    /// if none.
    pub fn escalation_level(&self, days_overdue: i64) -> Option<&EscalationLevel> {
        self.escalation
            .iter()
            .filter(|l| i64::from(l.after_days_overdue) <= days_overdue)
            .max_by_key(|l| l.level)
    }

    /// Checks the rules: escalation levels numbered 1, 2, 3, … with non-decreasing days
    /// overdue; sector ids unique and non-empty; a delegation of at least one day; a
    /// conference of at least one participant.
    pub fn validate(&self) -> Result<(), String> {
        let mut after = 0;
        for (i, level) in self.escalation.iter().enumerate() {
            if usize::from(level.level) != i + 1 {
                return Err(format!(
                    "escalation level {} is listed as number {}: levels are numbered 1, 2, 3, … in order",
                    level.level,
                    i + 1
                ));
            }
            if level.after_days_overdue < after {
                return Err(format!(
                    "escalation level {} applies after {} days, earlier than the level below it ({after})",
                    level.level, level.after_days_overdue
                ));
            }
            after = level.after_days_overdue;
        }
        let mut ids = BTreeSet::new();
        for sector in &self.sectors {
            if sector.id.trim().is_empty() || !ids.insert(sector.id.as_str()) {
                return Err(format!("sector id `{}` is empty or given twice", sector.id));
            }
        }
        if self.delegation.max_days == 0 || self.delegation.report_every_days == 0 {
            return Err("delegation periods and report intervals are at least one day".into());
        }
        if self.conference.min_participants == 0 {
            return Err("a conference has at least one participant".into());
        }
        Ok(())
    }

    /// The sector with this id.
    pub fn sector(&self, id: &str) -> Option<&Sector> {
        self.sectors.iter().find(|s| s.id == id)
    }
}

/// Days allowed per phase (no source: the seeds name no numbers; chosen so that a case
/// reaches its plan within about three months, as the Zürich walk-through does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseDeadlines {
    /// From registration to the consent (and the intake decision where required).
    pub consent_days: u32,
    /// From the consent to the team.
    pub team_days: u32,
    /// From the team to the situation report.
    pub assessment_days: u32,
    /// From the situation report (round table) to the agreed plan.
    pub plan_days: u32,
}

impl Default for PhaseDeadlines {
    fn default() -> Self {
        PhaseDeadlines {
            consent_days: 14,
            team_days: 14,
            assessment_days: 30,
            plan_days: 30,
        }
    }
}

fn default_escalation() -> Vec<EscalationLevel> {
    // No source for the days; the bodies follow seed 001 (the OPA "Sicherstellung der
    // vereinbarten Dienstleistungen") and `domain.md` ("reminded and, failing that, the
    // matter goes up").
    vec![
        EscalationLevel {
            level: 1,
            after_days_overdue: 1,
            to: EscalationTarget::Coordinator,
        },
        EscalationLevel {
            level: 2,
            after_days_overdue: 14,
            to: EscalationTarget::Body {
                name: "team lead".to_owned(),
            },
        },
        EscalationLevel {
            level: 3,
            after_days_overdue: 30,
            to: EscalationTarget::Body {
                name: "steering body (OPA)".to_owned(),
            },
        },
    ]
}

/// Case conferences (seed 002: "in regelmäßigen Abständen"; the interval is an
/// assumption, no source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConferenceRules {
    /// Fewest participants, the coordinator included.
    pub min_participants: u8,
    /// Days a conference decision (revise the plan, close) may take to take effect.
    pub decision_days: u32,
}

impl Default for ConferenceRules {
    fn default() -> Self {
        ConferenceRules {
            min_participants: 2,
            decision_days: 14,
        }
    }
}

/// Delegated case management (seed 002: the original case manager receives regular
/// reports; the interval and the longest period are assumptions, no source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegationRules {
    /// Days between the delegate's reports.
    pub report_every_days: u32,
    /// The longest period of one delegation, in days.
    pub max_days: u32,
}

impl Default for DelegationRules {
    fn default() -> Self {
        DelegationRules {
            report_every_days: 30,
            max_days: 365,
        }
    }
}

/// Closure duties (seed 001: the social-welfare office is told beforehand, the client is
/// told that the consent lapses; seed 000: evaluation of the case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureRules {
    /// Whether notices to the client and the referrer must be recorded before closure.
    pub notices_required: bool,
    /// Whether every goal's attainment must be recorded before a planned case closes.
    pub evaluation_required: bool,
}

impl Default for ClosureRules {
    fn default() -> Self {
        ClosureRules {
            notices_required: true,
            evaluation_required: true,
        }
    }
}

/// Intake (seed 001: the referral comes with a mandate; admission is decided; the consent
/// comes first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeRules {
    /// Whether the consent may only be signed after an explicit admission. Off by default
    /// so that deployments that admit every referral by registering it keep working.
    pub admission_required: bool,
    /// Whether a declined referral keeps its personal data until the retention period
    /// ends; by default it is kept through the [`IntakeRules::objection_period`] only.
    pub keep_declined_personal_data: bool,
    /// How long a declined referral is kept so that an objection has something to work
    /// on; erased after it (a deadline on the worklist). Default one month and three days
    /// (seed 004: "Widerspruchsfrist (1 Monate+3 Tage)"); zero erases a declined referral
    /// in the step that declines it. A policy file written before the option reads the
    /// default.
    #[serde(default)]
    pub objection_period: ObjectionPeriod,
    /// Whether the mandate (and with it any free text about the client's problems) waits
    /// for the signed consent: before it a case holds only the pseudonym, the referrer,
    /// the client details and the triage facts. On by default (seed 001: "Für die Anmeldung
    /// … wird die Unterzeichnung einer Vollmacht … vorausgesetzt"); a policy file written
    /// before the option reads it as on.
    #[serde(default = "yes")]
    pub consent_first: bool,
}

impl Default for IntakeRules {
    fn default() -> Self {
        IntakeRules {
            admission_required: false,
            keep_declined_personal_data: false,
            objection_period: ObjectionPeriod::default(),
            consent_first: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// Who must sign a plan (seed 001: "von Koordinationsperson und Klientin / Klient
/// unterzeichnet").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSignatures {
    /// The client.
    pub client: bool,
    /// The coordinator.
    pub coordinator: bool,
}

impl Default for PlanSignatures {
    fn default() -> Self {
        PlanSignatures {
            client: true,
            coordinator: true,
        }
    }
}

/// A sector of law a measure belongs to (seed 003: employment, social and health law,
/// each with its own follow-up duties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sector {
    /// Its id, e.g. `employment`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Days between follow-ups of a measure of this sector, if the sector's law asks for
    /// them.
    #[serde(default)]
    pub follow_up_days: Option<u32>,
}

fn default_sectors() -> Vec<Sector> {
    // Seed 003 names the three; the follow-up intervals are assumptions (no source).
    let sector = |id: &str, name: &str, days| Sector {
        id: id.to_owned(),
        name: name.to_owned(),
        follow_up_days: days,
    };
    vec![
        sector("employment", "employment law", Some(90)),
        sector("social", "social law", Some(180)),
        sector("health", "health law", None),
    ]
}

/// The calendar day of instant `at` in time zone `zone`.
pub fn local_date(zone: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}
