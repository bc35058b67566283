//! The PostgreSQL store passes the conformance suite unchanged, each store in its own
//! schema on the server at `CASEWORK_PG_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

casework_testkit::conformance_tests!(common::fresh, 16, guard = common::configured);
