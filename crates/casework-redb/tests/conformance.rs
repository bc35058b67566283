//! The redb store passes the conformance suite unchanged, on real redb files in temp dirs,
//! under each durability policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_redb::{Durability, RedbOptions, RedbStore};
use casework_testkit::conformance;

/// A redb store in a temporary directory, removed when the store is dropped.
type TempRedb = conformance::Temporary<RedbStore, tempfile::TempDir>;

fn fresh(durability: Durability) -> TempRedb {
    let dir = tempfile::Builder::new()
        .prefix("casework-redb")
        .tempdir()
        .unwrap();
    let store = RedbStore::open_with(
        dir.path(),
        RedbOptions {
            durability,
            ..RedbOptions::default()
        },
    )
    .unwrap();
    conformance::Temporary { store, guard: dir }
}

mod no_flush {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::None), 32);
}

mod immediate {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::Immediate), 8);
}

mod group_commit {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::GroupCommit), 8);
}
