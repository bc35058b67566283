//! # casework-core
//!
//! The engine's generic contract, pure and synchronous: no IO, no clock, no randomness, no
//! threads, and no case type. It holds
//!
//! - the decide/evolve contract ([`Process`], [`DecisionContext`], [`fold`], [`execute`]),
//! - the audit [`Identity`] a store records for every decision,
//! - what a store must know of an event type ([`StoredEvent`]),
//! - personal values that a store seals and erases ([`Personal`], [`Redaction`]),
//! - the given/when/then [`scenario`] helper for decisions of any process.
//!
//! The case process of interinstitutional case management implements this contract in
//! `casework-process`; another workflow can implement it too and run on the same stores.
//!
//! ```
//! use casework_core::{execute, fold, Process};
//!
//! /// A door that is opened and closed: the smallest process.
//! struct Door;
//! #[derive(Debug, PartialEq)]
//! enum Cmd { Open, Close }
//! #[derive(Debug, PartialEq)]
//! enum Ev { Opened, Closed }
//! #[derive(Debug, thiserror::Error, PartialEq)]
//! #[error("the door is already {0}")]
//! struct Already(&'static str);
//! struct Ctx;
//! impl casework_core::DecisionContext for Ctx {
//!     fn effective_at(&self) -> chrono::DateTime<chrono::Utc> { chrono::DateTime::UNIX_EPOCH }
//!     fn acting(&self) -> casework_core::Identity {
//!         casework_core::Identity { user: "u".into(), role: "r".into(), institution: "i".into() }
//!     }
//! }
//! impl Process for Door {
//!     type State = bool;
//!     type Command = Cmd;
//!     type Event = Ev;
//!     type Error = Already;
//!     type Context<'c> = Ctx;
//!     fn decide(open: &bool, cmd: &Cmd, _: &Ctx) -> Result<Vec<Ev>, Already> {
//!         match (cmd, *open) {
//!             (Cmd::Open, false) => Ok(vec![Ev::Opened]),
//!             (Cmd::Close, true) => Ok(vec![Ev::Closed]),
//!             (Cmd::Open, true) => Err(Already("open")),
//!             (Cmd::Close, false) => Err(Already("closed")),
//!         }
//!     }
//!     fn evolve(_: bool, event: &Ev) -> bool { *event == Ev::Opened }
//! }
//!
//! let mut open = fold::<Door, _>(&[Ev::Opened, Ev::Closed]);
//! assert!(!open);
//! assert_eq!(execute::<Door>(&mut open, &Cmd::Open, &Ctx), Ok(vec![Ev::Opened]));
//! assert_eq!(execute::<Door>(&mut open, &Cmd::Open, &Ctx), Err(Already("open")));
//! assert!(open);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod personal;
mod process;
pub mod scenario;
mod stored;

pub use personal::{Personal, Redaction};
pub use process::{execute, fold, ActorError, DecisionContext, Identity, Process};
pub use stored::StoredEvent;
