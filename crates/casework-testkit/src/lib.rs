//! # casework-testkit
//!
//! Test tools for people who embed casework, audit it, or write their own processes and
//! backends (add it as a dev-dependency):
//!
//! - [`given`] / `when` / `then` for any [`Process`](casework_core::Process), with a line diff
//!   on failure (re-exported from `casework_core::scenario`);
//! - [`strategies`]: proptest strategies for single values and single steps, and a tunable
//!   [`Generator`](strategies::Generator) of whole case histories that reach every phase
//!   (plans, redeemed vouchers, overdue deadlines, revocations, closure, erasure); runs,
//!   steps and histories print as one-line-per-step stories with personal data redacted;
//! - [`model`]: a model-test harness for any process — generated sequences against a
//!   store, the built-in checks (rejected appends nothing, replay equals live, the hash
//!   chain) and your own; failures come back shrunk, with the story. [`model::case()`] is
//!   the case process's instance, with every invariant as its oracle;
//! - [`outcomes`]: from a generated history to what users check — a store, a report, a
//!   worklist;
//! - [`check_store`]: invariant checkers over any stored history (used by `casework verify`);
//! - [`conformance`]: the store conformance suite, for people who write their own backend;
//! - [`embedded`]: what an embedded store must also pass on its real files — the canary and
//!   destroyed-key scans and the SIGKILL crash loop ([`embedded_store_tests!`]);
//! - [`world`]: the test world — one calendar, the people of a case, the policy and
//!   command builders, and a deployment of six cases in a store — that the test suites of
//!   the process, the reports and this crate tell their cases with.
//!
//! ```
//! use casework_testkit::{given, strategies};
//! use casework_core::*;
//! use casework_process::*;
//! use proptest::prelude::*;
//!
//! // every generated history satisfies the invariants
//! let mut runner = proptest::test_runner::TestRunner::deterministic();
//! runner.run(&strategies::history(), |events| {
//!     prop_assert!(invariants::check(&events).is_empty());
//!     Ok(())
//! }).unwrap();
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod model;
pub mod outcomes;
pub mod strategies;
pub mod world;

pub use casework_core::scenario::{given, Given, Then};
pub mod conformance;
pub mod embedded;

pub use casework_case::check::{check_store, check_store_with_progress, Checked, Finding};
