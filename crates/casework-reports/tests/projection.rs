//! Properties of the projection runtime: resuming from any checkpoint (also through a
//! saved snapshot) equals a rebuild from zero; as of a position equals a rebuild on the
//! prefix of the log; at every prefix, the book's open cases and its closed cases' totals
//! agree with every case folded in full from its own stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::CaseStream;
use casework_process::CaseState;
use casework_reports::*;
use casework_store::{AsOf, EventStore, MemoryStore, StoreAdmin};
use casework_testkit::world::case;
use casework_testkit::world::deployment::six_cases;
use proptest::prelude::*;

fn fixture() -> &'static (MemoryStore, Vec<casework_store::RecordedEvent>) {
    static F: std::sync::OnceLock<(MemoryStore, Vec<casework_store::RecordedEvent>)> =
        std::sync::OnceLock::new();
    F.get_or_init(|| {
        let d = six_cases();
        let all = d.store.read_all(1, 10_000).unwrap();
        (d.store, all)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn resume_after_any_prefix_equals_rebuild(cuts in prop::collection::vec(0u64..120, 1..4)) {
        let (store, all) = fixture();
        let rebuilt = Projector::<CaseBook>::rebuild(store).unwrap();
        let mut cuts = cuts;
        cuts.sort_unstable();
        let mut p = Projector::<CaseBook>::default();
        let dir = tempfile::tempdir().unwrap();
        for cut in cuts {
            p.catch_up_to(store, cut.min(all.len() as u64)).unwrap();
            // a restart: save, drop, load
            let path = dir.path().join("book.json");
            p.save(&path).unwrap();
            p = Projector::load(&path).unwrap().unwrap();
        }
        p.catch_up(store).unwrap();
        prop_assert_eq!(&p, &rebuilt);
    }

    #[test]
    fn as_of_a_position_equals_a_rebuild_on_the_prefix(cut in 0u64..120) {
        let (store, all) = fixture();
        let cut = cut.min(all.len() as u64);
        let prefix = MemoryStore::new();
        prefix.restore(all[..cut as usize].to_vec()).unwrap();
        let expected = Projector::<CaseBook>::rebuild(&prefix).unwrap().projection;
        prop_assert_eq!(Projector::<CaseBook>::as_of(store, AsOf::Position(cut)).unwrap(), expected);
    }

    #[test]
    fn the_book_agrees_with_each_case_folded_in_full(cut in 0u64..120) {
        let (store, all) = fixture();
        let cut = cut.min(all.len() as u64);
        let book = Projector::<CaseBook>::as_of(store, AsOf::Position(cut)).unwrap();
        let (open, closed) = oracle(store, Some(AsOf::Position(cut)));
        prop_assert_eq!(book.cases.len(), open.len());
        for (id, file) in &open {
            let entry = &book.cases[id];
            prop_assert_eq!(&*entry.state, &file.state);
            prop_assert_eq!(&entry.effort, &file.effort);
            prop_assert_eq!(entry.attendance, file.attendance);
        }
        prop_assert_eq!(&book.closed, &closed);
    }
}

/// Every case of the store folded in full from its stream: the open ones, and what the
/// closed ones add up to.
fn oracle(
    store: &MemoryStore,
    as_of: Option<AsOf>,
) -> (Vec<(casework_process::CaseId, CaseFile)>, ClosedTotals) {
    let (mut open, mut closed) = (Vec::new(), ClosedTotals::default());
    for stream in store.list_streams().unwrap() {
        let id = stream.case_id().unwrap();
        match CaseFile::load(store, id, as_of, casework_process::DEFAULT_TIME_ZONE).unwrap() {
            None => {}
            Some(CaseFile {
                state: CaseState::Closed(case),
                effort,
                ..
            }) => closed.add_case(&case, &effort, casework_process::DEFAULT_TIME_ZONE),
            Some(file) => open.push((id, file)),
        }
    }
    (open, closed)
}

#[test]
fn a_damaged_snapshot_is_a_typed_error_and_a_missing_one_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("book.json");
    assert!(Projector::<CaseBook>::load(&path).unwrap().is_none());
    std::fs::write(&path, b"{\"projection\":").unwrap();
    assert!(matches!(
        Projector::<CaseBook>::load(&path),
        Err(ProjectionError::Snapshot { .. })
    ));
}

#[test]
fn a_closed_case_leaves_the_book_and_its_file_keeps_everything() {
    let (store, _) = fixture();
    let book = Projector::<CaseBook>::rebuild(store).unwrap().projection;
    let (open, closed) = oracle(store, None);
    assert!(closed.cases > 0 && !open.is_empty(), "the fixture has both");
    assert_eq!(book.cases.len(), open.len());
    assert_eq!(book.closed.cases, closed.cases);
    // case 2 closed: not in the book, in full in its file
    let file = CaseFile::load(store, case(2), None, casework_process::DEFAULT_TIME_ZONE)
        .unwrap()
        .unwrap();
    let CaseState::Closed(full) = &file.state else {
        panic!("case 2 of the fixture is closed")
    };
    assert!(!book.cases.contains_key(&case(2)));
    assert!(full.last_phase.team().is_some());
    // an unknown case has no file
    assert!(
        CaseFile::load(store, case(999), None, casework_process::DEFAULT_TIME_ZONE)
            .unwrap()
            .is_none()
    );
}

/// The events of `from` appended as they are to `to` in `store`.
fn copy_stream(
    source: &MemoryStore,
    from: casework_process::CaseId,
    store: &MemoryStore,
    to: &str,
) {
    use casework_store::{ExpectedVersion, NewEvent, StreamId};
    let events = source
        .read_stream_all(&StreamId::for_case(from))
        .unwrap()
        .into_iter()
        .map(|e| {
            NewEvent::new(
                e.event_type,
                e.schema_version,
                e.effective_at,
                e.payload.into(),
            )
        })
        .collect();
    let stream = StreamId::new(to).unwrap();
    let version = store.read_stream_all(&stream).unwrap().len() as u64;
    let expected = if version == 0 {
        ExpectedVersion::NoStream
    } else {
        ExpectedVersion::Exact(version)
    };
    store.append(&stream, expected, events).unwrap();
}

#[test]
fn the_first_registration_in_a_stream_decides_which_case_it_holds() {
    let (source, _) = fixture();
    let store = MemoryStore::new();
    let own = |n| {
        casework_store::StreamId::for_case(case(n))
            .as_str()
            .to_owned()
    };
    // case 1 in a stream of another name
    copy_stream(source, case(1), &store, "case-intake-1");
    // case 3 registered first in case 2's own stream, then case 2's own events there
    copy_stream(source, case(3), &store, &own(2));
    copy_stream(source, case(2), &store, &own(2));
    // case 4's own stream name without a registration of case 4 in it ...
    copy_stream(source, case(5), &store, "case-intake-5");
    copy_stream(source, case(4), &store, "case-intake-4");
    let book = Projector::<CaseBook>::rebuild(&store).unwrap().projection;
    // four cases: 1, 3 (holding case 2's later events), 4 and 5
    assert_eq!(book.cases.len() as u64 + book.closed.cases, 4);
    assert!(!book.cases.contains_key(&case(2)));
    // case 1 and 4 are exactly their own histories, open or closed
    let (open, closed) = oracle(source, None);
    for n in [1, 4] {
        match open.iter().find(|(id, _)| *id == case(n)) {
            Some((_, file)) => assert_eq!(*book.cases[&case(n)].state, file.state),
            None => assert!(!book.cases.contains_key(&case(n))),
        }
    }
    assert!(closed.cases > 0);
    // the streams map lists only open cases in streams not their own
    for (stream, id) in &book.streams {
        assert!(book.cases.contains_key(id), "{stream} names a closed case");
        assert_ne!(stream, &casework_store::StreamId::for_case(*id));
    }
}
