//! Conformance of provable history: the running log digest, checkpoints against every
//! kind of tampering, the store's own values, the import marker, reads from any `u64`.

use std::collections::HashMap;

use super::{events, filled, sample_event, sid};
use crate::checkpoint::{
    checkpoint, compute_log_head, latest_checkpoint, verify_against, CheckpointError, LogHead,
    SigningKey,
};
use crate::error::StoreError;
use crate::hash::{chain_hash, Hash};
use crate::store::{meta, EventStore};
use crate::types::{ExpectedVersion, RecordedEvent, StreamId};

/// Renumbers `log` as an attacker without the signing key would after changing it:
/// positions 1, 2, 3, …, stream versions 1, 2, 3, … and every hash recomputed, so that
/// every stream chain and the gapless global log verify again.
pub fn rechain(log: &mut [RecordedEvent]) {
    let mut tips: HashMap<StreamId, (u64, Hash)> = HashMap::new();
    for (i, e) in log.iter_mut().enumerate() {
        e.position = i as u64 + 1;
        let (version, prev) = tips.get(&e.stream).copied().unwrap_or((0, Hash::ZERO));
        e.version = version + 1;
        e.hash = chain_hash(&prev, e);
        tips.insert(e.stream.clone(), (e.version, e.hash));
    }
}

/// The log digest each backend keeps at append time equals the digest recomputed from
/// the log, after appends of one and of several events, and after a restore; an empty
/// store's head is [`LogHead::EMPTY`].
pub fn log_digest_is_kept_at_append_time<S: EventStore>(new_store: impl Fn() -> S) {
    let store = new_store();
    assert_eq!(store.log_head().unwrap(), LogHead::EMPTY);
    for (i, name) in ["d-1", "d-2", "d-1", "d-3"].iter().enumerate() {
        store
            .append(
                &sid(name),
                ExpectedVersion::Any,
                events(name, i as u64, i as u64 + 1),
            )
            .unwrap();
        let head = store.log_head().unwrap();
        assert_eq!(head.position, store.head_position().unwrap());
        assert_eq!(head, compute_log_head(&store).unwrap());
    }
    let copy = new_store();
    let log = store.read_all(1, 100).unwrap();
    copy.restore(log[..4].to_vec()).unwrap();
    assert_eq!(copy.log_head().unwrap(), compute_log_head(&copy).unwrap());
    copy.restore(log[4..].to_vec()).unwrap();
    assert_eq!(copy.log_head().unwrap(), store.log_head().unwrap());
    // two stores with the same events in another order have other digests
    let other = new_store();
    other
        .append(&sid("d-2"), ExpectedVersion::Any, events("d-2", 1, 2))
        .unwrap();
    other
        .append(&sid("d-1"), ExpectedVersion::Any, events("d-1", 0, 1))
        .unwrap();
    assert_ne!(other.log_head().unwrap(), store.log_head().unwrap());
}

/// A checkpoint verifies against the store it was taken of, also after later appends,
/// and is recorded as the store's newest; a wrong key, a forged digest or position, or an
/// altered signature make it untrustworthy.
pub fn checkpoints_verify_and_refuse_forgeries<S: EventStore>(new_store: impl Fn() -> S) {
    let store = new_store();
    filled(&store);
    let key = SigningKey::generate();
    let cp = checkpoint(&store, &key).unwrap();
    assert_eq!(cp.position, 19);
    assert_eq!(latest_checkpoint(&store).unwrap(), Some(cp.clone()));
    let public = key.public_key();
    let ok = verify_against(&store, &cp, &public).unwrap().unwrap();
    assert_eq!((ok.events, ok.head, ok.same_store), (19, 19, true));
    store
        .append(&sid("x-1"), ExpectedVersion::Any, events("x-1", 50, 2))
        .unwrap();
    let later = verify_against(&store, &cp, &public).unwrap().unwrap();
    assert_eq!(later.head, 21, "events after the checkpoint are allowed");

    let other = SigningKey::generate();
    assert!(matches!(
        verify_against(&store, &cp, &other.public_key()),
        Err(CheckpointError::WrongKey { .. })
    ));
    let mut forged = cp.clone();
    forged.position = 18;
    assert_eq!(
        verify_against(&store, &forged, &public).unwrap_err(),
        CheckpointError::BadSignature
    );
    let mut forged = cp.clone();
    forged.digest = Hash([7; 32]);
    assert_eq!(
        verify_against(&store, &forged, &public).unwrap_err(),
        CheckpointError::BadSignature
    );
    let mut forged = cp.clone();
    forged.signature.replace_range(
        0..2,
        if &cp.signature[0..2] == "00" {
            "01"
        } else {
            "00"
        },
    );
    assert_eq!(
        verify_against(&store, &forged, &public).unwrap_err(),
        CheckpointError::BadSignature
    );
    // an attacker signing with their own key under the real key's id
    let mut resigned = crate::checkpoint::Checkpoint::sign(
        cp.store_id,
        LogHead {
            position: 18,
            digest: cp.digest,
        },
        cp.recorded_at,
        &other,
    );
    resigned.key_id = cp.key_id.clone();
    assert_eq!(
        verify_against(&store, &resigned, &public).unwrap_err(),
        CheckpointError::BadSignature
    );
}

/// Every way of changing the history before a checkpoint that keeps all stream chains and
/// the global log valid (the attacker recomputed every hash) is found by verifying
/// against the checkpoint: dropping a stream's last event with the later positions
/// renumbered, truncating the log, deleting, inserting, swapping and editing an event.
pub fn checkpoint_detects_rewritten_history<S: EventStore>(new_store: impl Fn() -> S) {
    let source = new_store();
    filled(&source);
    let key = SigningKey::generate();
    let cp = checkpoint(&source, &key).unwrap();
    let log = source.read_all(1, 100).unwrap();
    let last_of = |stream: &str| {
        log.iter()
            .rposition(|e| e.stream.as_str() == stream)
            .unwrap()
    };
    let mut variants: Vec<(&str, Vec<RecordedEvent>)> = Vec::new();
    let mut tail = log.clone();
    tail.remove(last_of("x-1"));
    variants.push(("drop the last event of a stream, renumber", tail));
    variants.push(("truncate the global log", log[..15].to_vec()));
    let mut deleted = log.clone();
    deleted.remove(4);
    variants.push(("delete an event", deleted));
    let mut inserted = log.clone();
    let mut extra = log[2].clone();
    extra.payload = b"{\"inserted\":true}".to_vec();
    inserted.insert(3, extra);
    variants.push(("insert an event", inserted));
    let mut swapped = log.clone();
    let (a, b) = (0..log.len() - 1)
        .map(|i| (i, i + 1))
        .find(|&(i, j)| log[i].stream != log[j].stream)
        .unwrap();
    swapped.swap(a, b);
    variants.push(("swap two events", swapped));
    let mut edited = log.clone();
    edited[6].payload = edited[6]
        .payload
        .iter()
        .map(|&b| if b == b'x' { b'y' } else { b })
        .collect();
    variants.push(("edit an event", edited));
    let mut actor = log.clone();
    actor[1].metadata.actor = Some("someone-else".into());
    variants.push(("change an actor", actor));
    for (what, mut tampered) in variants {
        rechain(&mut tampered);
        let copy = new_store();
        copy.restore(tampered).unwrap();
        assert!(
            copy.verify_all().unwrap().is_empty(),
            "{what}: the chains verify"
        );
        let found = verify_against(&copy, &cp, &key.public_key()).unwrap();
        let divergence = found.expect_err(what);
        assert!(divergence.position <= cp.position, "{what}: {divergence}");
    }
    // the untouched copy passes
    let copy = new_store();
    copy.restore(log).unwrap();
    let ok = verify_against(&copy, &cp, &key.public_key())
        .unwrap()
        .unwrap();
    assert_eq!(ok.events, cp.position);
}

/// The store keeps an id and named values durably; while the import marker is set,
/// appends are refused with `ImportIncomplete` and nothing is written; without it they
/// work again.
pub fn meta_and_the_import_marker<S: EventStore>(new_store: impl Fn() -> S) {
    let store = new_store();
    let id = store.store_id().unwrap();
    assert_ne!(
        id,
        new_store().store_id().unwrap(),
        "every store has its own id"
    );
    assert_eq!(store.meta("x").unwrap(), None);
    store.set_meta("x", Some(b"one")).unwrap();
    store.set_meta("x", Some(b"two")).unwrap();
    assert_eq!(store.meta("x").unwrap(), Some(b"two".to_vec()));
    store.set_meta("x", None).unwrap();
    assert_eq!(store.meta("x").unwrap(), None);
    assert!(!store.import_pending().unwrap());
    store.set_meta(meta::IMPORTING, Some(b"test")).unwrap();
    assert!(store.import_pending().unwrap());
    let err = store
        .append(&sid("m"), ExpectedVersion::Any, vec![sample_event("m", 1)])
        .unwrap_err();
    assert!(matches!(err, StoreError::ImportIncomplete(_)), "{err}");
    assert_eq!(store.head_position().unwrap(), 0);
    store.set_meta(meta::IMPORTING, None).unwrap();
    store
        .append(&sid("m"), ExpectedVersion::Any, vec![sample_event("m", 1)])
        .unwrap();
    assert_eq!(store.store_id().unwrap(), id);
}

/// `read_stream` and `read_all` from any `u64` return the right, possibly empty, result:
/// no overflow, no events below `from`.
pub fn reads_from_any_u64<S: EventStore>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("far");
    store
        .append(&s, ExpectedVersion::NoStream, events("far", 1, 5))
        .unwrap();
    let versions = |from: u64, limit: usize| {
        store
            .read_stream(&s, from, limit)
            .unwrap()
            .iter()
            .map(|e| e.version)
            .collect::<Vec<_>>()
    };
    assert_eq!(versions(0, 10), vec![1, 2, 3, 4, 5]);
    assert_eq!(versions(5, 10), vec![5]);
    assert_eq!(versions(4, usize::MAX), vec![4, 5]);
    for from in [
        6,
        7,
        1 << 40,
        i64::MAX as u64,
        i64::MAX as u64 + 1,
        u64::MAX - 1,
        u64::MAX,
    ] {
        assert_eq!(versions(from, 10), Vec::<u64>::new(), "from {from}");
        assert_eq!(versions(from, usize::MAX), Vec::<u64>::new(), "from {from}");
        assert!(store.read_all(from, 10).unwrap().is_empty(), "from {from}");
    }
    assert!(store
        .read_stream(&sid("none"), u64::MAX, 10)
        .unwrap()
        .is_empty());
}
