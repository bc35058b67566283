//! The embedded-store tests on real redb files: the canary scan, destroyed keys leaving no
//! bytes (redb keeps freed pages' bytes until it reuses them), and 20 SIGKILL cycles of a
//! writer (see `casework_testkit::embedded`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_redb::RedbStore;

casework_testkit::embedded_store_tests!(|dir: &std::path::Path| RedbStore::open(dir), 20);
