//! The in-memory reference store passes the whole conformance suite.

use casework_store::MemoryStore;

casework_testkit::conformance_tests!(MemoryStore::new, 256);
