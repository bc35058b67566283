//! # casework-process
//!
//! The case process of interinstitutional case management, pure and synchronous: no IO,
//! no clock, no randomness, no threads. It implements the engine's generic contract
//! (`casework_core::Process`) and holds
//!
//! - who acts and what a decision may depend on ([`Actor`], [`Role`], [`Context`]),
//! - the case process of interinstitutional case management ([`CaseProcess`]): commands,
//!   events, phases, vouchers, and the typed errors that name the broken rule,
//! - the deployment's [`Policy`] as data (deadlines, need-group catalogs, triage),
//! - derived [`deadline`]s, the [`access`] rules of consent-scoped reads, and
//!   [`invariants`] checks.
//!
//! ```
//! use casework_core::{fold, Personal, Process};
//! use casework_process::*;
//! use chrono::{TimeZone, Utc};
//! use uuid::Uuid;
//!
//! let policy = Policy::default();
//! let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt-zurich");
//! let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
//! let ctx = Context::new(now, &referrer, &policy);
//!
//! let register = CaseCommand::RegisterCase {
//!     case_id: CaseId(Uuid::nil()),
//!     referrer: InstitutionId::new("sozialamt-zurich"),
//!     client: Personal::new(ClientDetails { name: "Anna Muster".into(), contact: None }),
//!     profile: Profile::new(34, Gender::Female, "zurich-west")
//!         .problems([ProblemArea::Health, ProblemArea::Finances]),
//! };
//! let events = CaseProcess::decide(&CaseState::default(), &register, &ctx).unwrap();
//! let state = fold::<CaseProcess, _>(&events);
//! assert_eq!(state.phase_name(), PhaseName::Registered);
//! assert_eq!(state.registration().unwrap().route, "placement officer");
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
mod actor;
pub mod case;
pub mod catalog;
pub mod consent;
pub mod coordination;
pub mod deadline;
mod default_policy;
pub mod ids;
pub mod invariants;
pub mod plan;
pub mod policy;
mod stored;
pub mod team;
pub mod triage;
pub mod voucher;

pub use access::{Disclosure, Viewer};
pub use actor::{Actor, Context, Role};
pub use case::{
    permitted_roles, Assessment, AssessmentOutcome, CaseCommand, CaseError, CaseEvent, CaseProcess,
    CaseState, ClientDetails, ClosedCase, ClosureReason, OpenCase, Phase, PhaseName, Planned,
    Registration, SituationReport,
};
pub use catalog::{Catalog, Effort, Module, ModuleSlot, NeedGroup};
pub use consent::{Consent, ConsentScope, DataCategory, Purpose, Signatory};
pub use coordination::{
    closure_duties, AdmissionDecision, Attainment, Conference, ConferenceDecision, ConferenceKind,
    Coordination, DeclineReason, Delegation, Escalation, EscalationLevel, EscalationTarget,
    GoalAttainment, HandoverReason, Mandate, NoticeRecipient, ProgressOn, ProgressStatus,
};
pub use deadline::{deadlines, erasure_responsible, overdue, Deadline, DeadlineItem, Responsible};
pub use default_policy::{
    ADDICTION_COUNSELLING, CARE_OF_RELATIVES, CHILDCARE, DEBT_COUNSELLING, PSYCHOSOCIAL_CARE,
};
pub use ids::{
    CaseId, GoalId, InstitutionId, MeasureId, ProviderId, ServiceId, TeamId, UserId, VoucherId,
};
pub use invariants::{Invariant, Violation};
pub use plan::{Goal, GoalTarget, Measure, Plan, PlanError};
pub use policy::{
    ClosureRules, ConferenceRules, DeadlineRules, DelegationRules, Due, IntakeRules,
    PhaseDeadlines, PlanSignatures, Policy, PolicyError, ProcessRules, Sector, ServicePolicy,
    Thresholds, Tz, DEFAULT_TIME_ZONE,
};
pub use team::{Member, Team, TeamFunction};
pub use triage::{Gender, MarketProximity, ProblemArea, Profile};
pub use voucher::{
    DeliveredEffort, FeedbackFacts, FeedbackKind, ReturnReason, ServiceOutcome, Voucher,
    VoucherStatus,
};
