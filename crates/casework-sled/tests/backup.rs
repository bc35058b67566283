//! Backups of a sled store on real files: erasure reaches the backups, prune keeps one
//! full set, a restore verifies; idempotent commands survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::CaseStream;
use std::path::{Path, PathBuf};

use casework_case::case_codec;
use casework_process::{Actor, CaseCommand, CaseProcess, Context, Policy, Role};
use casework_sled::SledStore;
use casework_store::backup::{backup, list_sets, restore_backup, BackupOptions};
use casework_store::checkpoint::{verify_against, SigningKey};
use casework_store::{EventStore, KeyArea, KeyState, Metadata, Repository, StoreAdmin};
use casework_testkit::conformance::canary_workload;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether any file below `dir` holds the key, raw or as hex.
fn holds_key(dir: &Path, key: &[u8; 32]) -> bool {
    files(dir).iter().any(|f| {
        let bytes = std::fs::read(f).unwrap();
        contains(&bytes, key) || contains(&bytes, hex(key).as_bytes())
    })
}

#[test]
fn erasure_reaches_the_backups_and_prune_keeps_one_full_set() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let store = SledStore::open(dir.path().join("store")).unwrap();
    let key = SigningKey::generate();
    let work = canary_workload(&store, 4);
    backup(&store, &backups, &key, BackupOptions::default()).unwrap();
    // the case still live in the first set, erased afterwards
    let case = &work.kept[0];
    let Some(KeyState::Active(data_key)) = store.data_key(&case.stream).unwrap() else {
        panic!("the kept case has a live key")
    };
    let data_key = *data_key.bytes();
    assert!(
        holds_key(&backups, &data_key),
        "positive control: the first set holds it"
    );
    let policy = Policy::default();
    let coordinator = Actor::new("k.meier", Role::Coordinator, "iiz");
    let at = store
        .read_stream_all(&case.stream)
        .unwrap()
        .last()
        .unwrap()
        .effective_at
        + chrono::Duration::days(1);
    Repository::<CaseProcess, _>::new(&store, case_codec())
        .execute(
            &case.stream,
            &CaseCommand::EraseCase,
            &Context::new(at, &coordinator, &policy),
            Metadata::default(),
        )
        .unwrap();
    let second = backup(&store, &backups, &key, BackupOptions::default()).unwrap();
    assert_eq!(second.scrubbed_key_files, 1);
    let head = work_events(&store);
    assert_eq!(
        (second.manifest.from, second.manifest.to),
        (head, head),
        "only the erasure is new"
    );
    assert!(
        !holds_key(&backups, &data_key),
        "the erased case's key left every backup"
    );
    // a live case's key is still in the newest set
    let live = &work.kept[1];
    let Some(KeyState::Active(live_key)) = store.data_key(&live.stream).unwrap() else {
        panic!("live key")
    };
    assert!(holds_key(&second.set, live_key.bytes()));

    // prune: one full set
    let pruned = backup(&store, &backups, &key, BackupOptions { prune: true }).unwrap();
    assert_eq!(pruned.pruned, 2);
    let sets = list_sets(&backups).unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(
        (sets[0].manifest.from, sets[0].manifest.to),
        (1, work_events(&store))
    );

    // and it restores
    let restored = SledStore::open(dir.path().join("restored")).unwrap();
    let report = restore_backup(&restored, &backups, &key.public_key()).unwrap();
    assert_eq!(report.events, store.head_position().unwrap());
    assert!(!restored.import_pending().unwrap());
    let cp = report.checkpoint;
    assert!(verify_against(&restored, &cp, &key.public_key())
        .unwrap()
        .is_ok());
    assert!(matches!(
        restored.data_key(&case.stream).unwrap(),
        Some(KeyState::Destroyed { .. })
    ));
}

fn work_events(store: &SledStore) -> u64 {
    store.head_position().unwrap()
}

#[test]
fn a_restore_refuses_a_changed_set_and_leaves_the_store_marked() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let store = SledStore::open(dir.path().join("store")).unwrap();
    let key = SigningKey::generate();
    canary_workload(&store, 2);
    let set = backup(&store, &backups, &key, BackupOptions::default()).unwrap();
    let events = set.set.join("events.jsonl");
    let text = std::fs::read_to_string(&events).unwrap();
    std::fs::write(&events, text.replacen("\"version\":2", "\"version\":3", 1)).unwrap();
    let target = SledStore::open(dir.path().join("target")).unwrap();
    let err = restore_backup(&target, &backups, &key.public_key()).unwrap_err();
    assert!(err.to_string().contains("events.jsonl"), "{err}");
    assert!(target.import_pending().unwrap());
    // another key: refused before anything is read
    let other = SledStore::open(dir.path().join("other")).unwrap();
    let err = restore_backup(&other, &backups, &SigningKey::generate().public_key()).unwrap_err();
    assert!(err.to_string().contains("signed by key"), "{err}");
}

#[test]
fn an_idempotent_command_is_found_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store");
    let policy = Policy::default();
    let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt");
    let case = casework_process::CaseId(uuid::Uuid::from_u128(7));
    let stream = casework_store::StreamId::for_case(case);
    let cmd = casework_testkit::conformance::registration(case, "Restart Client");
    let at = chrono::DateTime::parse_from_rfc3339("2025-03-01T09:00:00Z")
        .unwrap()
        .to_utc();
    let first = {
        let store = SledStore::open(&path).unwrap();
        Repository::<CaseProcess, _>::new(&store, case_codec())
            .execute_idempotent(
                &stream,
                "req-7",
                &cmd,
                &Context::new(at, &referrer, &policy),
                Metadata::default(),
            )
            .unwrap()
    };
    let store = SledStore::open(&path).unwrap();
    let again = Repository::<CaseProcess, _>::new(&store, case_codec())
        .execute_idempotent(
            &stream,
            "req-7",
            &cmd,
            &Context::new(at, &referrer, &policy),
            Metadata::default(),
        )
        .unwrap();
    assert_eq!(again.outcome, first.outcome);
    assert_eq!(again.attempts, 0);
    assert_eq!(store.head_position().unwrap(), 1);
}
