//! The sled store passes the conformance suite unchanged, on real sled files in temp dirs,
//! under each durability policy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use casework_sled::{Durability, SledOptions, SledStore};
use casework_store::*;

/// A sled store that removes its temp directory when dropped.
struct TempSled {
    store: SledStore,
    _dir: tempfile::TempDir,
}

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
    TempSled { store, _dir: dir }
}

impl EventStore for TempSled {
    fn append(
        &self,
        s: &StreamId,
        e: ExpectedVersion,
        ev: Vec<NewEvent>,
    ) -> Result<AppendOutcome, StoreError> {
        self.store.append(s, e, ev)
    }
    fn restore(&self, ev: Vec<RecordedEvent>) -> Result<(), StoreError> {
        self.store.restore(ev)
    }
    fn read_stream(
        &self,
        s: &StreamId,
        from: Version,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_stream(s, from, limit)
    }
    fn read_all(
        &self,
        from: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_all(from, limit)
    }
    fn stream_version(&self, s: &StreamId) -> Result<Option<Version>, StoreError> {
        self.store.stream_version(s)
    }
    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        self.store.list_streams()
    }
    fn head_position(&self) -> Result<GlobalPosition, StoreError> {
        self.store.head_position()
    }
    fn wait_for_events(
        &self,
        after: GlobalPosition,
        timeout: Duration,
    ) -> Result<GlobalPosition, StoreError> {
        self.store.wait_for_events(after, timeout)
    }
}

mod no_flush {
    use super::*;
    casework_store::conformance_tests!(|| fresh(Durability::None), 32);
}

mod flush_every_append {
    use super::*;
    casework_store::conformance_tests!(|| fresh(Durability::FlushEveryAppend), 8);
}

mod group_commit {
    use super::*;
    casework_store::conformance_tests!(|| fresh(Durability::GroupCommit), 8);
}
