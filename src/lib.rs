//! # casework
//!
//! An event-sourced case-workflow engine for interinstitutional case management: each
//! case is an append-only stream of domain events, folded into state by a typed state
//! machine (decide/evolve).
//!
//! This is the facade: it re-exports the crates behind it. Start with
//! [`CaseProcess`](process::CaseProcess) and the [`Policy`](process::Policy).
//!
//! ```
//! use casework::process::{Policy, CaseState, PhaseName};
//! let policy = Policy::default();
//! assert_eq!(policy.services.len(), 5);
//! assert_eq!(CaseState::default().phase_name(), PhaseName::Unregistered);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The engine's generic contract: decide/evolve, audit identity, stored events, personal
/// values.
pub use casework_core as core;

/// The case process: commands, events, state, rules, policy, deadlines, access.
pub use casework_process as process;

/// The event-store contract, envelope, hash chain, repository, subscriptions, in-memory
/// store.
pub use casework_store as store;

/// The embedded store on sled (feature `sled`, on by default).
#[cfg(feature = "sled")]
pub use casework_sled as sled;

/// The embedded store on redb (feature `redb`, on by default): the default engine of new
/// stores (ADR 0013).
#[cfg(feature = "redb")]
pub use casework_redb as redb;

/// The case process on a store: the [`Cases`](casework_case::Cases) service, the case
/// codec, consent-scoped reads and erasure, the store checker.
pub use casework_case as case;

/// Reports as checkpointed projections over the global log.
pub use casework_reports as reports;

/// The deterministic deployment simulator (demos, tests, benchmarks).
pub use casework_sim as sim;

/// The PostgreSQL store (feature `postgres`).
#[cfg(feature = "postgres")]
pub use casework_postgres as postgres;

/// Dates and times as casework takes them (`DateTime<Utc>`): no direct dependency needed.
pub use chrono;

/// UUIDs (case ids are UUIDs): no direct dependency needed.
pub use uuid;

/// What an application that stores cases needs, in one import:
/// `use casework::prelude::*;`.
///
/// ```
/// use casework::prelude::*;
///
/// let cases = Cases::new(casework::store::MemoryStore::new(), Policy::default());
/// let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt");
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// let profile = Profile::new(34, Gender::Female, "west")
///     .problems([ProblemArea::Health, ProblemArea::Finances]);
/// let (case, _) = cases.register(&referrer, at, ClientDetails::named("Maria Muster"), SubjectId::new("p-4711"), profile).unwrap();
/// assert_eq!(cases.load(case).unwrap().phase_name(), PhaseName::Registered);
/// ```
pub mod prelude {
    pub use casework_case::{CaseStream, Cases};
    pub use casework_process::access::Viewer;
    pub use casework_process::{
        Actor, CaseCommand, CaseError, CaseId, CaseState, ClientDetails, Gender, MarketProximity,
        PhaseName, Policy, ProblemArea, Profile, Purpose, Role, SubjectId,
    };
    #[cfg(feature = "redb")]
    pub use casework_redb::RedbStore;
    pub use casework_store::{AsOf, EventStore, RepoError, Store, StoreError};
    pub use chrono::{DateTime, Duration, TimeZone, Utc};
}

/// The README's code blocks, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The embedding guide's code, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/guides/embedding.md")]
pub struct EmbeddingGuideDoctests;

/// The auditing guide's code, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/guides/auditing.md")]
pub struct AuditingGuideDoctests;

/// The testing guide's code, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/guides/testing.md")]
pub struct TestingGuideDoctests;
