//! The sled store passes the conformance suite unchanged, on real sled files in temp dirs,
//! under each durability policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_sled::{Durability, SledOptions, SledStore};
use casework_testkit::conformance;

/// A sled store in a temporary directory, removed when the store is dropped.
type TempSled = conformance::Temporary<SledStore, tempfile::TempDir>;

fn fresh(durability: Durability) -> TempSled {
    let dir = tempfile::Builder::new()
        .prefix("casework-sled")
        .tempdir()
        .unwrap();
    let store = SledStore::open_with(
        dir.path(),
        SledOptions {
            durability,
            ..SledOptions::default()
        },
    )
    .unwrap();
    conformance::Temporary { store, guard: dir }
}

mod no_flush {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::None), 32);
}

mod flush_every_append {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::FlushEveryAppend), 8);
}

mod group_commit {
    use super::*;
    casework_testkit::conformance_tests!(|| fresh(Durability::GroupCommit), 8);
}
