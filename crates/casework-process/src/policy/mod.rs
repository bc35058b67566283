//! The deployment's rules as data: deadlines per service and provider, need-group catalogs,
//! triage and routing, thresholds. Loaded from JSON that a deployment edits; nothing of one
//! city is hard-coded in the rules. [`Policy::default`] reproduces the values of `domain.md`
//! (Düsseldorf deadlines, Hamm catalogs, Aachen routing).

pub use chrono_tz::Tz;

pub mod catalog;
mod defaults;
mod deployment;
mod escalation;
mod objection;
pub mod triage;

pub use defaults::{
    ADDICTION_COUNSELLING, CARE_OF_RELATIVES, CHILDCARE, DEBT_COUNSELLING, PSYCHOSOCIAL_CARE,
};
pub use deployment::{
    local_date, ClosureRules, ConferenceRules, DeadlineRules, DelegationRules, Due, IntakeRules,
    PhaseDeadlines, PlanSignatures, Policy, PolicyError, ProcessRules, ProviderDeadlines, Sector,
    ServicePolicy, Thresholds, DEFAULT_TIME_ZONE,
};
pub use escalation::{EscalationLevel, EscalationTarget};
pub use objection::ObjectionPeriod;
