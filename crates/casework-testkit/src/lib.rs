//! # casework-testkit
//!
//! Test tools for people who embed casework, audit it, or write their own processes and
//! backends (add it as a dev-dependency):
//!
//! - [`given`] / `when` / `then` for any [`Process`](casework_core::Process), with a line diff
//!   on failure (re-exported from `casework_core::scenario`);
//! - [`strategies`]: proptest strategies for commands, profiles, plans, policies and whole
//!   plausible case histories;
//! - [`model`]: a model-test harness on `proptest-state-machine` that drives a process and a
//!   store with arbitrary command sequences and checks every invariant after each step;
//! - [`check_store`]: invariant checkers over any stored history (used by `casework verify`);
//! - [`conformance`]: the store conformance suite, for people who write their own backend.
//!
//! ```
//! use casework_testkit::{given, strategies};
//! use casework_core::*;
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
pub mod strategies;

pub use casework_core::scenario::{given, Given, Then};
pub mod conformance;

pub use casework_case::check::{check_store, check_store_with_progress, Checked, Finding};
