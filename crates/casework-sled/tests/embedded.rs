//! The embedded-store tests on real sled files: the canary scan, destroyed keys leaving no
//! bytes, and 20 SIGKILL cycles of a writer (see `casework_testkit::embedded`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_sled::SledStore;

casework_testkit::embedded_store_tests!(|dir: &std::path::Path| SledStore::open(dir), 20);
