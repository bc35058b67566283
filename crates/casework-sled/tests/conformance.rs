//! The sled store passes the conformance suite unchanged, on real sled files in temp dirs.

use casework_sled::{Durability, SledOptions, SledStore};

/// A fresh store in its own temp directory, which lives as long as the test process
/// (the OS temp dir is cleaned by the test harness's environment, not by a Drop guard,
/// because the store must outlive the factory call).
fn fresh() -> SledStore {
    let dir = tempfile::Builder::new()
        .prefix("casework-sled-conf")
        .tempdir()
        .expect("temp dir");
    let path = dir.keep();
    SledStore::open_with(
        &path,
        SledOptions {
            durability: Durability::None,
            ..SledOptions::default()
        },
    )
    .expect("open")
}

casework_store::conformance_tests!(fresh, 32);

mod flushing {
    use super::*;

    /// The same suite with the default durability (flush per append).
    fn fresh_flushing() -> SledStore {
        let dir = tempfile::Builder::new()
            .prefix("casework-sled-flush")
            .tempdir()
            .expect("temp dir");
        SledStore::open(dir.keep()).expect("open")
    }

    casework_store::conformance_tests!(fresh_flushing, 8);
}

mod group_commit {
    use super::*;

    fn fresh_group() -> SledStore {
        let dir = tempfile::Builder::new()
            .prefix("casework-sled-group")
            .tempdir()
            .expect("temp dir");
        SledStore::open_with(
            dir.keep(),
            SledOptions {
                durability: Durability::GroupCommit,
                ..SledOptions::default()
            },
        )
        .expect("open")
    }

    casework_store::conformance_tests!(fresh_group, 8);
}
