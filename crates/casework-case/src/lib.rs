//! # casework-case
//!
//! The case process of casework on any store: what is specific to *cases*, kept out of
//! the generic event store (`casework-store`) and its backends.
//!
//! - [`Cases`]: the case service an application embeds (register, execute, load, read for
//!   a viewer, history, erase, as-of reads).
//! - [`case_codec`]: the codec of [`casework_process::CaseEvent`] with every upcaster of its
//!   history.
//! - [`CaseStream`]: `StreamId::for_case(case)`, `stream.case_id()`, `stream.is_case_stream()`
//!   (the one place that knows case streams are named [`CASE_STREAM_PREFIX`]`<uuid>`), and
//!   [`parse_case_id`] for a case id as a person writes it.
//! - [`privacy`]: consent-scoped reads with an access log for special categories, and
//!   erasure by crypto-shredding.
//! - [`check`]: the store checker behind `casework verify` (hash chains, the global log,
//!   decoding, every case invariant, sealed data and erasures).
//!
//! The layers (checked by the workspace's `tests/dependencies.rs`): `casework-core` holds
//! the processes; `casework-store` persists any process's events; the backends implement
//! the store; this crate joins the case process to a store; reports, the simulator, the
//! CLI and the testkit build on it.
//!
//! ```
//! use casework_case::{case_codec, CaseStream};
//! use casework_process::{Actor, CaseCommand, CaseId, CaseProcess, Context, Policy, Role};
//! use casework_store::{EventStore, MemoryStore, Metadata, Repository, StreamId};
//!
//! let store = MemoryStore::new();
//! let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
//! let policy = Policy::default();
//! let client = Actor::new("client", Role::Client, "client");
//! let ctx = Context::new(chrono::Utc::now(), &client, &policy);
//! let stream = StreamId::for_case(CaseId(uuid::Uuid::from_u128(1)));
//! // nothing is registered: the command is rejected and nothing is written
//! assert!(repo.execute(&stream, &CaseCommand::RevokeConsent, &ctx, Metadata::default()).is_err());
//! assert_eq!(store.head_position().unwrap(), 0);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cases;
pub mod check;
mod codec;
pub mod privacy;
mod stream;

pub use cases::Cases;
pub use codec::{case_codec, case_registered_v1_to_v2, voucher_issued_v1_to_v2};
pub use privacy::{
    access_log, erase_case, read_case, subject_access, AccessRecord, CaseView, Erasure,
    ErasureStatus, SubjectAccess, SubjectEvent, ViewedEvent,
};
pub use stream::{parse_case_id, CaseStream, CASE_STREAM_PREFIX};
