//! Damaged bytes give typed errors, never a panic or a silent skip; foreign or newer
//! formats and a second process are refused with typed errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_sled::SledStore;
use casework_store::internals::record;
use casework_store::*;
use casework_testkit::conformance;

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

/// Opens the store's directory with sled itself, to damage it. A store closed just before
/// may still hold sled's lock for a moment (spacejam/sled#1289): wait for it.
fn raw_sled(dir: &std::path::Path) -> sled::Db {
    for _ in 0..100 {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(e) if e.to_string().contains("could not acquire lock") => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("sled's lock on {} was not released", dir.display())
}

fn chunk_key(position: u64) -> Vec<u8> {
    let mut key = vec![b'e'];
    key.extend_from_slice(&position.to_be_bytes());
    key
}

/// Flips one byte of a stored record through sled itself (as bit rot or a manual edit of
/// the value would): in the chunk stored at `chunk`, record `index`, `from_end` bytes
/// before the record's end.
fn flip_record_byte(dir: &std::path::Path, chunk: u64, index: usize, from_end: usize) {
    flip_chunk_byte(dir, chunk, |bytes| {
        record::chunk_ranges(bytes).unwrap()[index].end - from_end
    });
}

fn flip_chunk_byte(dir: &std::path::Path, chunk: u64, at: impl Fn(&[u8]) -> usize) {
    let db = raw_sled(dir);
    let tree = db.open_tree("casework-events").unwrap();
    let mut value = tree.get(chunk_key(chunk)).unwrap().unwrap().to_vec();
    let i = at(&value);
    value[i] ^= 0x01;
    tree.insert(chunk_key(chunk), value).unwrap();
    db.flush().unwrap();
}

fn record_len(dir: &std::path::Path, chunk: u64, index: usize) -> usize {
    let db = raw_sled(dir);
    let tree = db.open_tree("casework-events").unwrap();
    let value = tree.get(chunk_key(chunk)).unwrap().unwrap();
    record::chunk_ranges(&value).unwrap()[index].len()
}

#[test]
fn a_flipped_payload_byte_is_corruption_with_stream_and_version() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    // case-b's four events are the chunk at position 5; flip a byte in the payload of v3
    flip_record_byte(dir.path(), 5, 2, 40);
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
    // case-a v2 is record 1 of the chunk at position 1
    let len = record_len(dir.path(), 1, 1);
    for offset in [1, 4, 50, 100, len / 2, len - 5, len] {
        flip_record_byte(dir.path(), 1, 1, offset);
        let store = SledStore::open(dir.path()).unwrap();
        let a = StreamId::new("case-a").unwrap();
        assert!(
            matches!(store.read_all(1, 10), Err(StoreError::Corruption { .. })),
            "offset {offset}"
        );
        assert!(
            matches!(store.read_stream(&a, 1, 10), Err(StoreError::Corruption { ref stream, version: 2, .. }) if stream == &a),
            "offset {offset}"
        );
        assert!(!store.verify_all().unwrap().is_empty(), "offset {offset}");
        drop(store);
        flip_record_byte(dir.path(), 1, 1, offset); // flip back
        let store = SledStore::open(dir.path()).unwrap();
        assert!(
            store.verify_all().unwrap().is_empty(),
            "restored at offset {offset}"
        );
    }
}

#[test]
fn a_damaged_chunk_frame_is_corruption_and_the_store_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    // the count and the first length field of the last chunk
    for at in [1usize, 2, 4] {
        flip_chunk_byte(dir.path(), 5, |_| at);
        let store = SledStore::open(dir.path()).unwrap();
        assert!(
            matches!(store.read_all(1, 10), Err(StoreError::Corruption { .. })),
            "byte {at}"
        );
        let b = StreamId::new("case-b").unwrap();
        assert!(
            matches!(
                store.read_stream(&b, 1, 10),
                Err(StoreError::Corruption { .. })
            ),
            "byte {at}"
        );
        assert!(!store.verify_all().unwrap().is_empty());
        drop(store);
        flip_chunk_byte(dir.path(), 5, |_| at);
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
        let db = raw_sled(dir.path());
        let tree = db.open_tree("casework-events").unwrap();
        tree.remove(chunk_key(1)).unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    let a = StreamId::new("case-a").unwrap();
    assert!(matches!(
        store.read_stream(&a, 1, 10),
        Err(StoreError::Corruption { version: 1, .. })
    ));
    assert!(matches!(
        store.read_all(1, 10),
        Err(StoreError::Corruption { version: 1, .. })
    ));
    // the other stream is still readable
    assert_eq!(
        store
            .read_stream_all(&StreamId::new("case-b").unwrap())
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn a_deleted_tail_is_found_at_open() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("casework-events").unwrap();
        tree.remove(chunk_key(5)).unwrap();
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
        let db = raw_sled(dir.path());
        db.insert(b"someone else's", b"data").unwrap();
        db.flush().unwrap();
    }
    assert!(
        matches!(SledStore::open(dir.path()), Err(StoreError::UnsupportedFormat(m)) if m.contains("not a casework store"))
    );

    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("casework-events").unwrap();
        tree.insert(b"mformat", &b"casework-sled/3"[..]).unwrap();
        db.flush().unwrap();
    }
    assert!(
        matches!(SledStore::open(dir.path()), Err(StoreError::UnsupportedFormat(m)) if m.contains("casework-sled/3"))
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

#[test]
fn appends_larger_than_a_chunk_read_back_from_any_version_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let (a, b) = (
        StreamId::new("big-a").unwrap(),
        StreamId::new("big-b").unwrap(),
    );
    store
        .append(
            &b,
            ExpectedVersion::Any,
            (1..=3)
                .map(|n| conformance::sample_event("big-b", n))
                .collect(),
        )
        .unwrap();
    store
        .append(
            &a,
            ExpectedVersion::Any,
            (1..=200)
                .map(|n| conformance::sample_event("big-a", n))
                .collect(),
        )
        .unwrap();
    store
        .append(
            &b,
            ExpectedVersion::Any,
            (4..=6)
                .map(|n| conformance::sample_event("big-b", n))
                .collect(),
        )
        .unwrap();
    for from in [1u64, 63, 64, 65, 128, 129, 199, 200] {
        let page = store.read_stream(&a, from, 70).unwrap();
        let want: Vec<u64> = (from..=200.min(from + 69)).collect();
        assert_eq!(
            page.iter().map(|e| e.version).collect::<Vec<_>>(),
            want,
            "from {from}"
        );
    }
    for from in [1u64, 3, 4, 66, 67, 130, 203, 204, 206] {
        let page = store.read_all(from, 50).unwrap();
        let want: Vec<u64> = (from..=206.min(from + 49)).collect();
        assert_eq!(
            page.iter().map(|e| e.position).collect::<Vec<_>>(),
            want,
            "from {from}"
        );
    }
    assert!(store.read_stream(&a, 201, 10).unwrap().is_empty());
    assert_eq!(
        store
            .read_stream(&b, 2, 10)
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6]
    );
    assert!(store.verify_all().unwrap().is_empty());
    drop(store);
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.head_position().unwrap(), 206);
}

/// Rewrites a store as format 1 wrote it: 8-byte stream-index entries, a stream-head
/// record per stream (`h` + stream → last version and hash) and a global-head record
/// written with every append, of 40 bytes (`head` with digest) or, before the log
/// digest, 8 bytes.
fn as_format_1(dir: &std::path::Path, head: LogHead, with_digest: bool) {
    let tips: Vec<(StreamId, u64, Hash)> = {
        let store = SledStore::open(dir).unwrap();
        store
            .list_streams()
            .unwrap()
            .into_iter()
            .map(|s| {
                let last = store.read_stream_all(&s).unwrap().pop().unwrap();
                (s, last.version, last.hash)
            })
            .collect()
    };
    let db = raw_sled(dir);
    let tree = db.open_tree("casework-events").unwrap();
    for item in tree.scan_prefix(b"s") {
        let (k, v) = item.unwrap();
        assert_eq!(v.len(), 40, "format 2 index entries hold the digest");
        tree.insert(k, &v[..8]).unwrap();
    }
    for (stream, version, hash) in tips {
        let mut k = b"h".to_vec();
        k.extend_from_slice(stream.as_str().as_bytes());
        let mut v = version.to_be_bytes().to_vec();
        v.extend_from_slice(&hash.0);
        tree.insert(k, v).unwrap();
    }
    let record = if with_digest {
        head.to_bytes().to_vec()
    } else {
        head.position.to_be_bytes().to_vec()
    };
    tree.insert(b"mhead", record).unwrap();
    tree.insert(b"mformat", &b"casework-sled/1"[..]).unwrap();
    db.flush().unwrap();
}

/// A format-1 store (heads written with every append) opens, is upgraded to format 2, and
/// goes on: same head and digest, same streams and versions, appends continue both
/// chains. One from before the log digest (an 8-byte head record, 8-byte index entries)
/// computes the digest once from its log.
#[test]
fn a_format_1_store_is_upgraded_at_open() {
    for with_digest in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        filled(dir.path());
        let expected = SledStore::open(dir.path()).unwrap().log_head().unwrap();
        as_format_1(dir.path(), expected, with_digest);
        {
            let store = SledStore::open(dir.path()).unwrap();
            assert_eq!(store.log_head().unwrap(), expected);
            assert_eq!(
                store.log_head().unwrap(),
                checkpoint::compute_log_head(&store).unwrap()
            );
            let a = StreamId::new("case-a").unwrap();
            assert_eq!(store.stream_version(&a).unwrap(), Some(4));
            assert_eq!(store.list_streams().unwrap().len(), 2);
            store
                .append(
                    &a,
                    ExpectedVersion::Exact(4),
                    vec![conformance::sample_event("case-a", 5)],
                )
                .unwrap();
            assert_eq!(store.verify_all().unwrap(), vec![]);
            assert_eq!(store.head_position().unwrap(), 9);
            assert_eq!(
                store.log_head().unwrap(),
                checkpoint::compute_log_head(&store).unwrap()
            );
        }
        let db = raw_sled(dir.path());
        let tree = db.open_tree("casework-events").unwrap();
        assert_eq!(
            tree.get(b"mformat").unwrap().as_deref(),
            Some(&b"casework-sled/2"[..])
        );
    }
}

/// Format 2 derives both heads: an append writes the chunk and its stream-index entry
/// and nothing else, and a store reopened after appends to many streams knows every
/// stream's version and the global head and digest.
#[test]
fn an_append_writes_two_keys_and_the_heads_are_derived() {
    let dir = tempfile::tempdir().unwrap();
    let keys = |dir: &std::path::Path| {
        let db = raw_sled(dir);
        let tree = db.open_tree("casework-events").unwrap();
        let mut by_kind = std::collections::BTreeMap::new();
        for item in tree.iter() {
            let (k, _) = item.unwrap();
            *by_kind.entry(k[0] as char).or_insert(0) += 1;
        }
        by_kind
    };
    let (head, versions) = {
        let store = SledStore::open(dir.path()).unwrap();
        for round in 1..=3u64 {
            for s in ["case-a", "case-b", "case-c"] {
                let stream = StreamId::new(s).unwrap();
                store
                    .append(
                        &stream,
                        ExpectedVersion::Any,
                        (1..=2)
                            .map(|n| conformance::sample_event(s, round * 2 + n))
                            .collect(),
                    )
                    .unwrap();
            }
        }
        let versions: Vec<_> = store
            .list_streams()
            .unwrap()
            .iter()
            .map(|s| store.stream_version(s).unwrap())
            .collect();
        (store.log_head().unwrap(), versions)
    };
    let counted = keys(dir.path());
    // 9 appends: 9 chunks and 9 index entries, no head records; meta: format, head, store id
    assert_eq!(counted.get(&'e'), Some(&9), "{counted:?}");
    assert_eq!(counted.get(&'s'), Some(&9), "{counted:?}");
    assert_eq!(counted.get(&'m'), Some(&3), "{counted:?}");
    assert_eq!(counted.len(), 3, "{counted:?}");
    // as after a crash: the head record is the one of the last clean close (here: the
    // empty store's), the appends since are only in chunks and index entries
    {
        let db = raw_sled(dir.path());
        let tree = db.open_tree("casework-events").unwrap();
        tree.insert(b"mhead", &LogHead::EMPTY.to_bytes()[..])
            .unwrap();
        db.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.log_head().unwrap(), head);
    assert_eq!(store.head_position().unwrap(), 18);
    let again: Vec<_> = store
        .list_streams()
        .unwrap()
        .iter()
        .map(|s| store.stream_version(s).unwrap())
        .collect();
    assert_eq!(again, versions);
    assert_eq!(again, vec![Some(6); 3]);
    let c = StreamId::new("case-c").unwrap();
    let out = store
        .append(
            &c,
            ExpectedVersion::Exact(6),
            vec![conformance::sample_event("case-c", 7)],
        )
        .unwrap();
    assert_eq!((out.last_version, out.last_position), (7, 19));
    assert_eq!(store.verify_all().unwrap(), vec![]);
}

/// A damaged sled snapshot makes sled refuse the store: the error is a `Corruption` (not
/// a retryable `Io`), names the damaged file and says to restore from a backup.
#[test]
fn a_store_sled_cannot_open_is_corruption_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    filled(dir.path());
    let conf = dir.path().join("conf");
    let mut bytes = std::fs::read(&conf).unwrap();
    bytes[2] ^= 0x04;
    std::fs::write(&conf, bytes).unwrap();
    let err = SledStore::open(dir.path()).err().unwrap();
    assert!(!err.is_transient(), "{err}");
    match &err {
        StoreError::Corruption { detail, .. } => {
            assert!(detail.contains(&conf.display().to_string()), "{detail}");
            assert!(detail.contains("restore"), "{detail}");
        }
        other => panic!("expected corruption, got {other:?}"),
    }
}
