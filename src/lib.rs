//! # casework
//!
//! An event-sourced case-workflow engine for interinstitutional case management: each
//! case is an append-only stream of domain events, folded into state by a typed state
//! machine (decide/evolve).
//!
//! This is the facade: it re-exports the crates behind it. Start with
//! [`CaseProcess`](core::CaseProcess) and the [`Policy`](core::Policy).
//!
//! ```
//! use casework::core::{Policy, CaseState, PhaseName};
//! let policy = Policy::default();
//! assert_eq!(policy.services.len(), 5);
//! assert_eq!(CaseState::default().phase_name(), PhaseName::Unregistered);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The domain: decide/evolve contract, case process, policy, deadlines.
pub use casework_core as core;

/// The event-store contract, envelope, hash chain, repository, subscriptions, in-memory
/// store.
pub use casework_store as store;

/// The embedded default store on sled (feature `sled`, on by default).
#[cfg(feature = "sled")]
pub use casework_sled as sled;

/// Reports as checkpointed projections over the global log.
pub use casework_reports as reports;

/// The deterministic deployment simulator (demos, tests, benchmarks).
pub use casework_sim as sim;

/// The PostgreSQL store (feature `postgres`).
#[cfg(feature = "postgres")]
pub use casework_postgres as postgres;

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
