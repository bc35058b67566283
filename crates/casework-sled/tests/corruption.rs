//! Damaged bytes give typed errors, never a panic or a silent skip; foreign or newer
//! formats and a second process are refused with typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_sled::{record, SledStore};
use casework_store::*;

fn filled(dir: &std::path::Path) {
    let store = SledStore::open(dir).unwrap();
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
}

/// Flips one byte of a stored record through sled itself (as a bit rot or a manual edit
/// of the value would).
fn flip_record_byte(dir: &std::path::Path, position: u64, offset_from_end: usize) {
    let db = sled::open(dir).unwrap();
    let tree = db.open_tree("casework-events").unwrap();
    let mut key = vec![b'e'];
    key.extend_from_slice(&position.to_be_bytes());
    let mut value = tree.get(&key).unwrap().unwrap().to_vec();
    let i = value.len() - offset_from_end;
    value[i] ^= 0x01;
    tree.insert(key, value).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_flipped_payload_byte_is_corruption_with_stream_and_version() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    // position 7 is case-b version 3; flip a byte inside its payload
    flip_record_byte(dir.path(), 7, 40);
    let store = SledStore::open(dir.path()).unwrap();
    let b = StreamId::new("case-b").unwrap();
    let expected = |r: Result<Vec<RecordedEvent>, StoreError>| match r {
        Err(StoreError::Corruption {
            stream,
            version,
            detail,
        }) => {
            assert_eq!((stream.as_str(), version), ("case-b", 3), "{detail}");
        }
        other => panic!("expected corruption, got {other:?}"),
    };
    expected(store.read_stream(&b, 1, 10));
    expected(store.read_all(1, 100));
    // reads that do not touch the damaged event still work
    assert_eq!(store.read_stream(&b, 1, 2).unwrap().len(), 2);
    assert_eq!(
        store
            .read_stream_all(&StreamId::new("case-a").unwrap())
            .unwrap()
            .len(),
        4
    );
    // verification names the break
    assert_eq!(
        store.verify_stream(&b).unwrap().map_err(|b| b.version),
        Err(3)
    );
    let breaks = store.verify_all().unwrap();
    assert!(
        breaks.iter().any(|x| x.stream == b && x.version == 3),
        "{breaks:?}"
    );
}

#[test]
fn a_flipped_byte_anywhere_in_a_record_is_found() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let len = {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("casework-events").unwrap();
        let mut key = vec![b'e'];
        key.extend_from_slice(&2u64.to_be_bytes());
        tree.get(&key).unwrap().unwrap().len()
    };
    for offset in [1, 4, 50, 100, len / 2, len - 5, len] {
        flip_record_byte(dir.path(), 2, offset);
        let store = SledStore::open(dir.path()).unwrap();
        assert!(
            matches!(store.read_all(1, 10), Err(StoreError::Corruption { .. })),
            "offset {offset}"
        );
        assert!(!store.verify_all().unwrap().is_empty(), "offset {offset}");
        drop(store);
        flip_record_byte(dir.path(), 2, offset); // flip back
        let store = SledStore::open(dir.path()).unwrap();
        assert!(
            store.verify_all().unwrap().is_empty(),
            "restored at offset {offset}"
        );
    }
}

#[test]
fn record_decoding_never_panics_on_garbage() {
    let e = {
        let store = MemoryStore::new();
        let s = StreamId::new("s").unwrap();
        store
            .append(
                &s,
                ExpectedVersion::Any,
                vec![conformance::sample_event("s", 1)],
            )
            .unwrap();
        store.read_all(1, 1).unwrap().remove(0)
    };
    let bytes = record::encode(&e);
    assert_eq!(record::decode(&bytes).unwrap(), e);
    for cut in 0..bytes.len() {
        assert!(record::decode(&bytes[..cut]).is_err(), "truncated to {cut}");
    }
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x80;
        assert!(record::decode(&b).is_err(), "flipped byte {i}");
    }
    assert!(record::decode(&[]).is_err());
    assert!(record::decode(&[1, 2, 3, 4, 5, 6, 7, 8, 9]).is_err());
}

#[test]
fn a_missing_event_behind_the_index_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("casework-events").unwrap();
        let mut key = vec![b'e'];
        key.extend_from_slice(&3u64.to_be_bytes());
        tree.remove(key).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let a = StreamId::new("case-a").unwrap();
    assert!(matches!(
        store.read_stream(&a, 1, 10),
        Err(StoreError::Corruption { version: 3, .. })
    ));
    assert!(matches!(
        store.read_all(1, 10),
        Err(StoreError::Corruption { version: 3, .. })
    ));
}

#[test]
fn a_deleted_tail_is_found_at_open() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("casework-events").unwrap();
        let mut key = vec![b'e'];
        key.extend_from_slice(&8u64.to_be_bytes());
        tree.remove(key).unwrap();
        db.flush().unwrap();
    }
    match SledStore::open(dir.path()) {
        Err(StoreError::Corruption { detail, .. }) => {
            assert!(detail.contains("global head says 8"), "{detail}")
        }
        other => panic!("expected corruption, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn foreign_and_newer_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(b"someone else's", b"data").unwrap();
        db.flush().unwrap();
    }
    assert!(
        matches!(SledStore::open(dir.path()), Err(StoreError::UnsupportedFormat(m)) if m.contains("not a casework store"))
    );

    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("casework-events").unwrap();
        tree.insert(b"mformat", &b"casework-sled/2"[..]).unwrap();
        db.flush().unwrap();
    }
    assert!(
        matches!(SledStore::open(dir.path()), Err(StoreError::UnsupportedFormat(m)) if m.contains("casework-sled/2"))
    );
}

#[test]
fn a_second_opener_gets_locked() {
    // sled's lock is per process (fcntl); a child process is the second opener
    let dir = tempfile::tempdir().unwrap();
    let _store = SledStore::open(dir.path()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--ignored", "--exact", "second_opener_child", "--nocapture"])
        .env("CASEWORK_LOCK_DIR", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("LOCKED"), "child said: {text}");
}

#[test]
#[ignore = "run by a_second_opener_gets_locked as a child process"]
fn second_opener_child() {
    let Ok(dir) = std::env::var("CASEWORK_LOCK_DIR") else {
        return;
    };
    match SledStore::open(&dir) {
        Err(StoreError::Locked(path)) => println!("LOCKED {path}"),
        Err(e) => println!("OTHER {e}"),
        Ok(_) => println!("OPENED"),
    }
}

#[test]
fn reopening_keeps_everything_and_continues_the_chains() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.head_position().unwrap(), 8);
    let a = StreamId::new("case-a").unwrap();
    store
        .append(
            &a,
            ExpectedVersion::Exact(4),
            vec![conformance::sample_event("case-a", 5)],
        )
        .unwrap();
    assert_eq!(store.read_all(9, 1).unwrap()[0].position, 9);
    assert!(store.verify_all().unwrap().is_empty());
    assert!(store.size_on_disk().unwrap() > 0);
}
