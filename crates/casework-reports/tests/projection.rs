//! Properties of the projection runtime: resuming from any checkpoint (also through a
//! saved snapshot) equals a rebuild from zero; as of a position equals a rebuild on the
//! prefix of the log; the book's entry of every case, at every prefix, agrees with the
//! case folded in full from its own stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casework_core::CaseState;
use casework_reports::*;
use casework_store::{AsOf, EventStore, MemoryStore};
use proptest::prelude::*;

fn fixture() -> &'static (MemoryStore, Vec<casework_store::RecordedEvent>) {
    static F: std::sync::OnceLock<(MemoryStore, Vec<casework_store::RecordedEvent>)> =
        std::sync::OnceLock::new();
    F.get_or_init(|| {
        let d = common::deployment();
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
        let mut closed = 0;
        for (id, entry) in &book.cases {
            let file = CaseFile::load(store, *id, Some(AsOf::Position(cut))).unwrap().unwrap();
            prop_assert_eq!(&entry.effort, &file.effort);
            prop_assert_eq!(entry.attendance, file.attendance);
            prop_assert_eq!(entry.phase_name(), file.state.phase_name());
            prop_assert_eq!(entry.registration(), file.state.registration());
            prop_assert_eq!(entry.vouchers(), file.state.vouchers());
            match (&entry.record, file.state) {
                (CaseRecord::Active(state), full) => prop_assert_eq!(&**state, &full),
                (CaseRecord::Closed(record), CaseState::Closed(full)) => {
                    closed += 1;
                    prop_assert_eq!(&**record, &ClosedRecord::from(full));
                }
                (record, full) => prop_assert!(false, "{record:?} but the full fold is {full:?}"),
            }
        }
        prop_assert!(cut < all.len() as u64 || closed > 0, "the fixture closes cases");
    }
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
fn a_closed_case_keeps_a_compact_record_and_its_file_keeps_everything() {
    let (store, _) = fixture();
    let book = Projector::<CaseBook>::rebuild(store).unwrap().projection;
    let (id, record) = book
        .cases
        .iter()
        .find_map(|(id, e)| Some((*id, e.closed()?)))
        .expect("the fixture closes a case");
    let file = CaseFile::load(store, id, None).unwrap().unwrap();
    let CaseState::Closed(full) = &file.state else {
        panic!("the file of a closed case is closed")
    };
    // the book keeps the phase's name, the file the phase with its plan and team
    assert_eq!(record.last_phase, full.last_phase.name());
    assert!(full.last_phase.team().is_some());
    assert_eq!(record.vouchers, full.vouchers);
    // an unknown case has no file
    assert!(CaseFile::load(store, common::case(999), None)
        .unwrap()
        .is_none());
}

/// The events of `from` appended as they are to `to` in `store`.
fn copy_stream(source: &MemoryStore, from: casework_core::CaseId, store: &MemoryStore, to: &str) {
    use casework_store::{ExpectedVersion, NewEvent, StreamId};
    let events = source
        .read_stream_all(&StreamId::for_case(from))
        .unwrap()
        .into_iter()
        .map(|e| NewEvent::new(e.event_type, e.schema_version, e.effective_at, e.payload))
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
    use common::case;
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
    let mut ids: Vec<_> = book.cases.keys().copied().collect();
    ids.sort();
    assert_eq!(ids, vec![case(1), case(3), case(4), case(5)]);
    assert_eq!(
        book.streams.len(),
        4,
        "no stream here holds the case its name names"
    );
    // case 1 and 4 are exactly their own histories
    for n in [1, 4] {
        let file = CaseFile::load(source, case(n), None).unwrap().unwrap();
        assert_eq!(book.cases[&case(n)].phase_name(), file.state.phase_name());
        assert_eq!(book.cases[&case(n)].vouchers(), file.state.vouchers());
    }
}
