//! Damaged bytes in the redb file give typed errors, never a panic: a flipped byte inside
//! an event is `Corruption` naming its stream and version while every other stream reads;
//! a flipped byte anywhere else opens or fails with a typed error that says what to do.
//! Foreign and newer formats and a second opener are refused with typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use casework_redb::{RedbStore, DB_FILE};
use casework_store::*;
use casework_testkit::conformance;

/// Two streams of four events each; returns the file's bytes.
fn filled(dir: &Path) -> Vec<u8> {
    let store = RedbStore::open(dir).unwrap();
    for s in ["case-a", "case-b"] {
        let stream = StreamId::new(s).unwrap();
        store
            .append(
                &stream,
                ExpectedVersion::Any,
                (1..=4).map(|n| conformance::sample_event(s, n)).collect(),
            )
            .unwrap();
    }
    drop(store);
    std::fs::read(dir.join(DB_FILE)).unwrap()
}

fn flip(dir: &Path, at: usize) {
    let file = dir.join(DB_FILE);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[at] ^= 0x20;
    std::fs::write(&file, bytes).unwrap();
}

/// Reads everything a user would: every stream, the global log, the chains.
fn read_everything(store: &RedbStore) -> Result<(), StoreError> {
    for s in store.list_streams()? {
        store.read_stream_all(&s)?;
    }
    store.read_all(1, usize::MAX)?;
    store.verify_all()?;
    Ok(())
}

#[test]
fn a_flipped_payload_byte_is_corruption_with_stream_and_version_and_the_rest_reads() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = filled(dir.path());
    // the third event of case-a, inside its payload
    let marker = br#"{"stream":"case-a","n":3,"#;
    let at = bytes
        .windows(marker.len())
        .position(|w| w == marker)
        .unwrap();
    flip(dir.path(), at + marker.len() + 20);

    let store = RedbStore::open(dir.path()).expect("a damaged value does not stop the store");
    let a = StreamId::new("case-a").unwrap();
    match store.read_stream_all(&a) {
        Err(StoreError::Corruption {
            stream, version, ..
        }) => assert_eq!((stream, version), (a.clone(), 3)),
        other => panic!("expected Corruption of case-a v3, got {other:?}"),
    }
    // the events before it read, and so does every other stream
    assert_eq!(store.read_stream(&a, 1, 2).unwrap().len(), 2);
    let b = StreamId::new("case-b").unwrap();
    assert_eq!(store.read_stream_all(&b).unwrap().len(), 4);
    assert_eq!(store.verify_stream(&b).unwrap(), Ok(()));
    // the global log names the position of the damaged event
    match store.read_all(1, usize::MAX) {
        Err(StoreError::Corruption { detail, .. }) => {
            assert!(detail.contains("position 3"), "{detail}")
        }
        other => panic!("expected Corruption, got {other:?}"),
    }
}

#[test]
fn a_flipped_byte_anywhere_in_the_file_is_a_typed_error_or_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let original = filled(dir.path());
    let file = dir.path().join(DB_FILE);
    // every 16th byte of the first 8 KiB (redb's header and the first pages), then a
    // spread over the rest of the file
    let mut places: Vec<usize> = (0..original.len().min(8192)).step_by(16).collect();
    let step = (original.len() / 300).max(1);
    places.extend((8192..original.len()).step_by(step));
    let (mut opened, mut refused, mut caught) = (0, 0, 0);
    for at in places {
        let mut bytes = original.clone();
        bytes[at] ^= 0x20;
        std::fs::write(&file, &bytes).unwrap();
        // a panic here would fail the test: the store must turn every damage into a value
        match RedbStore::open(dir.path()) {
            Ok(store) => {
                opened += 1;
                if let Err(e) = read_everything(&store) {
                    caught += 1;
                    assert!(
                        matches!(e, StoreError::Corruption { .. } | StoreError::Io(_)),
                        "byte {at}: {e:?}"
                    );
                }
            }
            Err(StoreError::Corruption { detail, .. }) => {
                refused += 1;
                assert!(
                    detail.contains("restore") || detail.contains("global head"),
                    "byte {at}: the error says what to do: {detail}"
                );
            }
            Err(other) => panic!("byte {at}: unexpected {other:?}"),
        }
    }
    assert!(opened + refused > 300, "{opened} opened, {refused} refused");
    eprintln!("flips: {opened} opened ({caught} found on read), {refused} refused at open");
}

#[test]
fn foreign_and_newer_formats_are_refused() {
    // a directory of other files
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    assert!(matches!(
        RedbStore::open(dir.path()),
        Err(StoreError::UnsupportedFormat(_))
    ));
    // a redb database of another application
    let dir = tempfile::tempdir().unwrap();
    {
        let db = redb::Database::create(dir.path().join(DB_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("other");
            txn.open_table(def).unwrap().insert("a", "b").unwrap();
        }
        txn.commit().unwrap();
    }
    match RedbStore::open(dir.path()) {
        Err(StoreError::UnsupportedFormat(why)) => {
            assert!(
                why.contains("not a casework store") && why.contains("other"),
                "{why}"
            )
        }
        other => panic!("expected UnsupportedFormat, got {:?}", other.err()),
    }
    // its content is left as it was (redb keeps its own bookkeeping in the file), and no
    // casework table was added to it
    {
        let db = redb::Database::create(dir.path().join(DB_FILE)).unwrap();
        let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
        let def: redb::TableDefinition<&str, &str> = redb::TableDefinition::new("other");
        assert_eq!(
            txn.open_table(def)
                .unwrap()
                .get("a")
                .unwrap()
                .unwrap()
                .value(),
            "b"
        );
        let names: Vec<String> = txn
            .list_tables()
            .unwrap()
            .map(|t| redb::TableHandle::name(&t).to_owned())
            .collect();
        assert_eq!(names, ["other"], "no casework table was added");
    }
    // a newer casework format
    let dir = tempfile::tempdir().unwrap();
    drop(RedbStore::open(dir.path()).unwrap());
    {
        let db = redb::Database::create(dir.path().join(DB_FILE)).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let def: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
            txn.open_table(def)
                .unwrap()
                .insert("format", &b"casework-redb/9"[..])
                .unwrap();
        }
        txn.commit().unwrap();
    }
    match RedbStore::open(dir.path()) {
        Err(StoreError::UnsupportedFormat(why)) => assert!(why.contains("casework-redb/9")),
        other => panic!("expected UnsupportedFormat, got {:?}", other.err()),
    }
    // a missing store is not created when only reading
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing-here");
    let read_only = casework_redb::RedbOptions {
        create: false,
        ..Default::default()
    };
    assert!(matches!(
        RedbStore::open_with(&missing, read_only),
        Err(StoreError::Missing(_))
    ));
    assert!(!missing.exists(), "nothing was created");
}

/// A crash while a store is being created (found by the kill loop: killed at 40 ms, the
/// child left a database file without its header, which then read as damaged) leaves only
/// `casework.redb.new`: reading says the store is missing, creating starts over.
#[test]
fn a_creation_cut_short_is_no_store_and_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("casework.redb.new"), b"half a header").unwrap();
    let read_only = casework_redb::RedbOptions {
        create: false,
        ..Default::default()
    };
    assert!(matches!(
        RedbStore::open_with(dir.path(), read_only),
        Err(StoreError::Missing(why)) if why.contains("did not finish")
    ));
    assert!(!dir.path().join("casework.redb").exists());
    let store = RedbStore::open(dir.path()).unwrap();
    let s = StreamId::new("case-a").unwrap();
    store
        .append(
            &s,
            ExpectedVersion::NoStream,
            vec![conformance::sample_event("case-a", 1)],
        )
        .unwrap();
    assert!(!dir.path().join("casework.redb.new").exists());
    drop(store);
    assert_eq!(
        RedbStore::open(dir.path())
            .unwrap()
            .head_position()
            .unwrap(),
        1
    );
}

#[test]
fn a_second_opener_gets_locked() {
    let dir = tempfile::tempdir().unwrap();
    let _first = RedbStore::open(dir.path()).unwrap();
    assert!(matches!(
        RedbStore::open(dir.path()),
        Err(StoreError::Locked(_))
    ));
}

#[test]
fn reopening_keeps_everything_and_continues_the_chains() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let store = RedbStore::open(dir.path()).unwrap();
    let a = StreamId::new("case-a").unwrap();
    let more = store
        .append(
            &a,
            ExpectedVersion::Exact(4),
            vec![conformance::sample_event("case-a", 5)],
        )
        .unwrap();
    assert_eq!((more.first_version, more.first_position), (5, 9));
    assert_eq!(store.verify_all().unwrap(), vec![]);
    assert_eq!(
        store.log_head().unwrap(),
        casework_store::checkpoint::compute_log_head(&store).unwrap()
    );
}
