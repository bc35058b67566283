//! The canary scan of issue 11: 100 cases whose every personal field holds a unique
//! string; 50 are closed and erased. After a flush, every byte of the sled directory is
//! scanned: no canary of any case occurs in clear (personal fields are sealed), the kept
//! cases still read all their canaries, the erased ones none, and every chain verifies.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use casework_sled::SledStore;
use casework_store::{EventStore, ExpectedVersion, KeyArea, NewEvent, StreamId};
use casework_testkit::conformance::{canary_workload, visible_personal_data, CANARY_PREFIX};

fn every_byte(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(every_byte(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

fn occurs(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_canary_is_on_disk_and_erased_cases_stay_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let work = canary_workload(&store, 100);
    assert_eq!((work.kept.len(), work.erased.len()), (50, 50));
    // a control string written in clear, to show that the scan finds what is there
    let control = NewEvent::new(
        "Noted",
        1,
        chrono::Utc::now(),
        br#"{"note":"KONTROLLE-4711"}"#.to_vec(),
    );
    let control_stream = StreamId::new("control").unwrap();
    store
        .append(&control_stream, ExpectedVersion::NoStream, vec![control])
        .unwrap();
    store.flush().unwrap();

    let disk = every_byte(dir.path());
    assert!(
        disk.len() > 100_000,
        "the scan reads the store ({} bytes)",
        disk.len()
    );
    assert!(occurs(&disk, "KONTROLLE-4711"), "the scan finds clear text");
    // every canary starts with the prefix: one pass finds any of the 600
    assert!(
        !occurs(&disk, CANARY_PREFIX),
        "a canary is on disk in clear"
    );
    for case in &work.kept {
        let seen = visible_personal_data(&store, &case.stream);
        for canary in &case.canaries {
            assert!(seen.contains(canary), "kept case lost {canary}");
        }
    }
    // reopened from disk: the erasures are durable
    drop(store);
    let store = SledStore::open(dir.path()).unwrap();
    for case in &work.erased {
        let seen = visible_personal_data(&store, &case.stream);
        assert!(case.canaries.iter().all(|c| !seen.contains(c)));
        assert_eq!(seen.matches(r#""$personal":"erased""#).count(), 6);
    }
    assert_eq!(store.verify_all().unwrap(), vec![]);
}

/// A destroyed key is gone from every file of the store (sled's log would keep it, so key
/// bytes live in a slot file that is zeroed); a damaged slot is `Corruption`; a slot that
/// no index entry points at (a crash between writing it and indexing it, or between a
/// tombstone and the zeroing) is zeroed when the store opens.
#[test]
fn destroyed_keys_leave_no_bytes_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    let erased = StreamId::new("case-erased").unwrap();
    let kept = StreamId::new("case-kept").unwrap();
    let gone = *store.data_key_for_writing(&erased).unwrap().bytes();
    let live = *store.data_key_for_writing(&kept).unwrap().bytes();
    store.flush().unwrap();
    assert!(
        occurs_bytes(&every_byte(dir.path()), &live),
        "the scan finds keys"
    );
    store.destroy_data_key(&erased, chrono::Utc::now()).unwrap();
    for i in 0..500 {
        let s = StreamId::new(format!("case-{i}")).unwrap();
        store.data_key_for_writing(&s).unwrap();
    }
    store.flush().unwrap();
    drop(store);
    let disk = every_byte(dir.path());
    assert!(!occurs_bytes(&disk, &gone), "the destroyed key is on disk");
    assert!(occurs_bytes(&disk, &live));

    // an orphan slot (written, never indexed) is zeroed at open
    let slots = dir.path().join("casework-keys.slots");
    let mut bytes = std::fs::read(&slots).unwrap();
    let orphan: Vec<u8> = (0..64u8).map(|b| b | 1).collect();
    bytes.extend_from_slice(&orphan);
    std::fs::write(&slots, &bytes).unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    assert!(!occurs_bytes(&std::fs::read(&slots).unwrap(), &orphan));
    assert_eq!(
        store
            .data_key(&kept)
            .unwrap()
            .unwrap()
            .active(&kept)
            .unwrap()
            .bytes(),
        &live
    );
    drop(store);

    // a flipped bit in a live slot is a typed error naming the stream
    let mut bytes = std::fs::read(&slots).unwrap();
    let at = bytes.windows(32).position(|w| w == live).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&slots, &bytes).unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    match store.data_key(&kept) {
        Err(casework_store::StoreError::Corruption { stream, .. }) => assert_eq!(stream, kept),
        other => panic!("expected Corruption, got {other:?}"),
    }
}

fn occurs_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
