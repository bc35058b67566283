//! The in-memory reference store passes the whole conformance suite.

use casework_store::MemoryStore;

casework_store::conformance_tests!(MemoryStore::new, 256);
