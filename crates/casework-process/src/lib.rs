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
//!     subject: SubjectId::new("p-4711"),
//!     representative: None,
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
pub mod deadline;
pub mod ids;
pub mod invariants;
mod model;
pub mod party;
pub mod policy;
mod process;
pub mod rules;

pub use access::{Disclosure, Viewer};
pub use actor::{Actor, Context, Role};
pub use deadline::{
    deadlines, erasure_due, erasure_responsible, objection_period_end, overdue, Deadline,
    DeadlineItem, Responsible,
};
pub use ids::{
    CaseId, GoalId, InstitutionId, MeasureId, ProviderId, ServiceId, SubjectId, TeamId, UserId,
    VoucherId,
};
pub use invariants::{Invariant, Violation};
pub use model::consent::{Consent, ConsentScope, DataCategory, Purpose, Signatory};
pub use model::plan::{Goal, GoalTarget, Measure, Plan, PlanError};
pub use model::record::{
    AdmissionDecision, Attainment, Conference, ConferenceDecision, ConferenceKind, Coordination,
    DeclineReason, Delegation, Escalation, GoalAttainment, HandoverReason, Mandate,
    NoticeRecipient, ProgressOn, ProgressStatus,
};
pub use model::team::{Member, Team, TeamFunction};
pub use model::voucher::{
    DeliveredEffort, FeedbackFacts, FeedbackKind, ReturnReason, ServiceOutcome, Voucher,
    VoucherStatus,
};
pub use model::{
    consent, plan, record, team, voucher, Assessed, Assessment, AssessmentOutcome, CaseCommand,
    CaseEvent, CaseState, ClientDetails, ClosedCase, ClosureReason, Consented, OpenCase, Phase,
    PhaseName, Planned, Registration, Review, SituationReport, TeamFormed,
};
pub use party::{party, NotAParty, Party};
pub use policy::catalog::{Catalog, Effort, Module, ModuleSlot, NeedGroup};
pub use policy::triage::{Gender, MarketProximity, ProblemArea, Profile};
pub use policy::{
    ClosureRules, ConferenceRules, DeadlineRules, DelegationRules, Due, EscalationLevel,
    EscalationTarget, IntakeRules, ObjectionPeriod, PhaseDeadlines, PlanSignatures, Policy,
    PolicyError, ProcessRules, Sector, ServicePolicy, Thresholds, Tz, ADDICTION_COUNSELLING,
    CARE_OF_RELATIVES, CHILDCARE, DEBT_COUNSELLING, DEFAULT_TIME_ZONE, PSYCHOSOCIAL_CARE,
};
pub use process::CaseProcess;
pub use rules::closure::closure_duties;
pub use rules::error::{
    CaseError, ClosureError, ConsentError, CoordinationError, IntakeError, PlanningError,
    TeamError, VoucherError,
};
pub use rules::{command_rule, permitted_roles, CommandRule};
