//! Conformance of provable history: the running log digest, checkpoints against every
//! kind of tampering, the store's own values, the import marker, reads from any `u64`.

use std::collections::HashMap;

use casework_process::{Actor, CaseCommand, CaseId, CaseProcess, Context, Policy, Role};
use uuid::Uuid;

use super::{case_commands, events, filled, sample_event, sid, t0};
use crate::world::World;
use casework_case::{case_codec, CaseStream};
use casework_store::checkpoint::{
    checkpoint, compute_log_head, latest_checkpoint, verify_against, CheckpointError, LogHead,
    SigningKey,
};
use casework_store::hash::{chain_hash, Hash};
use casework_store::AuditError;
use casework_store::Metadata;
use casework_store::StoreError;
use casework_store::{meta, Store};
use casework_store::{ExpectedVersion, RecordedEvent, StreamId};
use casework_store::{RepoError, Repository};

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
pub fn log_digest_is_kept_at_append_time<S: Store>(new_store: impl Fn() -> S) {
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
pub fn checkpoints_verify_and_refuse_forgeries<S: Store>(new_store: impl Fn() -> S) {
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
    let mut resigned = casework_store::checkpoint::Checkpoint::sign(
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
pub fn checkpoint_detects_rewritten_history<S: Store>(new_store: impl Fn() -> S) {
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
    extra.payload = casework_store::Bytes::from_static(b"{\"inserted\":true}");
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
pub fn meta_and_the_import_marker<S: Store>(new_store: impl Fn() -> S) {
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
pub fn reads_from_any_u64<S: Store>(new_store: impl Fn() -> S) {
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

/// A command with an idempotency key appends once: a retry returns the first outcome and
/// appends nothing, eight threads retrying one key at once append once, the same key on
/// another stream is another request, and a bad key is refused.
pub fn idempotent_commands_append_once<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let policy = Policy::default();
    let coordinator = World::default().coordinator;
    let client = Actor::new("client", Role::Client, "client");
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    let ctx = Context::new(t0(), &coordinator, &policy);
    let first = repo
        .execute_idempotent(&stream, "register-42", &cmds[0], &ctx, Metadata::default())
        .unwrap();
    let again = repo
        .execute_idempotent(&stream, "register-42", &cmds[0], &ctx, Metadata::default())
        .unwrap();
    assert_eq!(again.outcome, first.outcome);
    assert_eq!(again.events, first.events);
    assert_eq!(again.state, first.state);
    assert_eq!(again.attempts, 0, "the retry decided nothing");
    assert_eq!(store.head_position().unwrap(), 1);
    // without the key the same command is decided again (and rejected)
    assert!(repo
        .execute(&stream, &cmds[0], &ctx, Metadata::default())
        .is_err());

    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (store, stream, cmd, policy, client) =
                    (&store, &stream, &cmds[1], &policy, &client);
                scope.spawn(move || {
                    let ctx = Context::new(t0(), client, policy);
                    Repository::<CaseProcess, _>::new(store, case_codec())
                        .with_max_attempts(50)
                        .execute_idempotent(stream, "sign-1", cmd, &ctx, Metadata::default())
                        .unwrap()
                        .outcome
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        store.stream_version(&stream).unwrap(),
        Some(2),
        "one signature"
    );
    assert!(outcomes.iter().all(|o| *o == outcomes[0] && o.is_some()));

    // the same key on another stream is another request
    let other = StreamId::for_case(CaseId(Uuid::from_u128(43)));
    let registered = repo
        .execute_idempotent(
            &other,
            "register-42",
            &super::registration(CaseId(Uuid::from_u128(43)), "Other Client"),
            &ctx,
            Metadata::default(),
        )
        .unwrap();
    assert_eq!(registered.outcome.map(|o| o.first_position), Some(3));
    for bad in ["", "a\nb", &"k".repeat(201)] {
        assert!(matches!(
            repo.execute_idempotent(&stream, bad, &cmds[1], &ctx, Metadata::default()),
            Err(RepoError::Store(StoreError::InvalidIdempotencyKey(_)))
        ));
    }
    assert_eq!(store.head_position().unwrap(), 3);
}

/// Audit fields are checked before anything is written: an actor with an empty part,
/// a control character or a separator, an actor in the metadata other than the acting
/// one, an effective time before the stream began or after the store's clock (plus the
/// policy's tolerance) are typed errors, and the stream is unchanged.
pub fn audit_fields_are_checked<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let policy = Policy::default();
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    let coordinator = World::default().coordinator;
    repo.execute(
        &stream,
        &cmds[0],
        &Context::new(t0(), &coordinator, &policy),
        Metadata::default(),
    )
    .unwrap();
    let client = |user: &str, institution: &str| Actor::new(user, Role::Client, institution);
    let refused = |actor: &Actor, at: chrono::DateTime<chrono::Utc>, metadata: Metadata| {
        let before = store.head_position().unwrap();
        let result = repo.execute(
            &stream,
            &cmds[1],
            &Context::new(at, actor, &policy),
            metadata,
        );
        assert_eq!(store.head_position().unwrap(), before, "nothing appended");
        match result {
            Err(RepoError::Store(StoreError::Audit(e))) => e,
            other => panic!("expected an audit error, got {other:?}"),
        }
    };
    for (user, institution) in [
        ("", "client"),
        ("c", ""),
        ("a\nb", "c"),
        ("@", "x"),
        ("u", "i/x"),
        (" u", "i"),
    ] {
        let e = refused(&client(user, institution), t0(), Metadata::default());
        assert!(
            matches!(e, AuditError::Actor(_)),
            "{user:?}@{institution:?}: {e}"
        );
    }
    let c = client("client", "client");
    let e = refused(
        &c,
        t0(),
        Metadata {
            actor: Some("someone/else@x".into()),
            ..Metadata::default()
        },
    );
    assert!(matches!(e, AuditError::ActorMismatch { .. }), "{e}");
    let e = refused(&c, t0() - chrono::Duration::days(1), Metadata::default());
    assert!(matches!(e, AuditError::BeforeBeginning { .. }), "{e}");
    let far = store.now() + chrono::Duration::days(365 * 70);
    let e = refused(&c, far, Metadata::default());
    assert!(matches!(e, AuditError::InFuture { .. }), "{e}");
    // the metadata may name the acting actor itself
    repo.execute(
        &stream,
        &cmds[1],
        &Context::new(t0(), &c, &policy),
        Metadata {
            actor: Some(c.record()),
            ..Metadata::default()
        },
    )
    .unwrap();
}

/// `Repository::execute(EraseCase)` records the erasure *and* destroys the case's data key
/// before it returns: the client's name never reads back in clear, and `erase_case` after
/// it finds nothing left to do.
pub fn execute_erase_destroys_the_key<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let work = super::canary_workload(&store, 2);
    let case = &work.kept[0];
    let before = super::visible_personal_data(&store, &case.stream);
    assert!(
        case.canaries.iter().any(|c| before.contains(c)),
        "readable before"
    );
    let policy = Policy::default();
    let coordinator = World::default().coordinator;
    let at = store
        .read_stream_all(&case.stream)
        .unwrap()
        .last()
        .unwrap()
        .effective_at
        + chrono::Duration::days(1);
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let done = repo
        .execute(
            &case.stream,
            &CaseCommand::EraseCase,
            &Context::new(at, &coordinator, &policy),
            Metadata::default(),
        )
        .unwrap();
    assert!(matches!(
        store.data_key(&case.stream).unwrap(),
        Some(casework_store::KeyState::Destroyed { .. })
    ));
    let seen = super::visible_personal_data(&store, &case.stream);
    assert!(
        case.canaries.iter().all(|c| !seen.contains(c)),
        "no canary reads back"
    );
    assert_eq!(
        done.state,
        repo.load(&case.stream).unwrap().state,
        "replay = live"
    );
    assert!(matches!(
        casework_case::erase_case(
            &store,
            &case.stream,
            &Context::new(at, &coordinator, &policy),
            Metadata::default()
        ),
        Err(RepoError::Rejected(casework_process::CaseError::Closure(
            casework_process::ClosureError::AlreadyErased
        )))
    ));
}

/// `execute_expecting` decides only on the version the caller read: another version is a
/// conflict that writes nothing; the expected one appends.
pub fn execute_expecting_decides_on_the_given_version<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let policy = Policy::default();
    let coordinator = World::default().coordinator;
    let client = Actor::new("client", Role::Client, "client");
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    let ctx = Context::new(t0(), &coordinator, &policy);
    assert!(matches!(
        repo.execute_expecting(&stream, Some(1), &cmds[0], &ctx, Metadata::default()),
        Err(RepoError::Store(StoreError::Conflict { actual: None, .. }))
    ));
    repo.execute_expecting(&stream, None, &cmds[0], &ctx, Metadata::default())
        .unwrap();
    let signing = Context::new(t0(), &client, &policy);
    for stale in [None, Some(0), Some(2)] {
        assert!(matches!(
            repo.execute_expecting(&stream, stale, &cmds[1], &signing, Metadata::default()),
            Err(RepoError::Store(StoreError::Conflict {
                actual: Some(1),
                ..
            }))
        ));
    }
    assert_eq!(store.stream_version(&stream).unwrap(), Some(1));
    let done = repo
        .execute_expecting(&stream, Some(1), &cmds[1], &signing, Metadata::default())
        .unwrap();
    assert_eq!(done.outcome.map(|o| o.last_version), Some(2));
}
