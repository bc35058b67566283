//! The deployment's rules as data: deadlines per service and provider, need-group catalogs,
//! triage and routing, thresholds. Loaded from JSON that a deployment edits; nothing of one
//! city is hard-coded in the rules. [`Policy::default`] reproduces the values of `domain.md`
//! (Düsseldorf deadlines, Hamm catalogs, Aachen routing).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::ids::{ProviderId, ServiceId};
use crate::triage::Triage;

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
}

fn one() -> u8 {
    1
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
    /// use casework_core::Policy;
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
        Ok(())
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
