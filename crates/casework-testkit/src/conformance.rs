//! The conformance suite: one public function per property of the [`EventStore`]
//! contract, generic over any backend. Each function takes a factory that makes a fresh,
//! empty store, and panics (like a test) when the property does not hold.
//!
//! A backend runs all of them with one line in its tests:
//!
//! ```
//! use casework_store::MemoryStore;
//! // in a backend's tests/conformance.rs: one #[test] per property
//! casework_testkit::conformance_tests!(MemoryStore::new);
//! # fn main() {}
//! ```
//!
//! The suite is test code: it panics with a message where a property fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use casework_core::Personal;
use casework_process::{
    Actor, CaseCommand, CaseEvent, CaseId, CaseProcess, ClientDetails, Context, Gender,
    InstitutionId, Policy, ProblemArea, Profile, Role, Signatory, SubjectId,
};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use uuid::Uuid;

mod privacy;
mod provable;
pub use privacy::{
    access_log_records_every_special_read_once, canary_workload, crypto_shredding,
    export_import_carries_the_key_area, key_area, sealed_fields_are_bound_to_their_event,
    visible_personal_data, workload_scope, CanaryCase, CanaryWorkload, CANARY_PREFIX,
};
pub use provable::{
    audit_fields_are_checked, checkpoint_detects_rewritten_history,
    checkpoints_verify_and_refuse_forgeries, execute_erase_destroys_the_key,
    execute_expecting_decides_on_the_given_version, idempotent_commands_append_once,
    log_digest_is_kept_at_append_time, meta_and_the_import_marker, reads_from_any_u64, rechain,
};

use crate::world::World;
use casework_case::{case_codec, CaseStream};
use casework_store::hash::{verify_chain, Hash};
use casework_store::CatchUp;
use casework_store::StoreError;
use casework_store::{AsOf, Bytes, Loaded, RecordedEvent, Repository};
use casework_store::{EventStore, KeyArea, Store, StoreAdmin};
use casework_store::{ExpectedVersion, Metadata, NewEvent, StreamId};

/// Day 0 of the test world.
fn t0() -> DateTime<Utc> {
    crate::world::day(0)
}

fn sid(s: &str) -> StreamId {
    StreamId::new(s).unwrap_or_else(|e| panic!("{e}"))
}

/// A store that owns something to clean up when it is dropped (a temporary directory, a
/// database schema): what a backend's conformance factory returns.
pub struct Temporary<S, G> {
    /// The store.
    pub store: S,
    /// Dropped after the store.
    pub guard: G,
}

impl<S: EventStore, G: Send + Sync> EventStore for Temporary<S, G> {
    fn append(
        &self,
        s: &StreamId,
        e: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<casework_store::AppendOutcome, StoreError> {
        self.store.append(s, e, events)
    }

    fn read_stream(
        &self,
        s: &StreamId,
        from: casework_store::Version,
        limit: usize,
    ) -> Result<Vec<casework_store::RecordedEvent>, StoreError> {
        self.store.read_stream(s, from, limit)
    }
    fn read_all(
        &self,
        from: casework_store::GlobalPosition,
        limit: usize,
    ) -> Result<Vec<casework_store::RecordedEvent>, StoreError> {
        self.store.read_all(from, limit)
    }
    fn stream_version(&self, s: &StreamId) -> Result<Option<casework_store::Version>, StoreError> {
        self.store.stream_version(s)
    }

    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        self.store.list_streams()
    }
    fn head_position(&self) -> Result<casework_store::GlobalPosition, StoreError> {
        self.store.head_position()
    }

    fn now(&self) -> DateTime<Utc> {
        self.store.now()
    }
    fn flush(&self) -> Result<(), StoreError> {
        self.store.flush()
    }
    fn wait_for_events(
        &self,
        after: casework_store::GlobalPosition,
        timeout: Duration,
    ) -> Result<casework_store::GlobalPosition, StoreError> {
        self.store.wait_for_events(after, timeout)
    }
}

impl<S: casework_store::Store, G: Send + Sync> KeyArea for Temporary<S, G> {
    fn data_key(&self, s: &StreamId) -> Result<Option<casework_store::KeyState>, StoreError> {
        self.store.data_key(s)
    }
    fn key_area(&self) -> Result<Vec<(StreamId, casework_store::KeyState)>, StoreError> {
        self.store.key_area()
    }
    fn create_data_key(
        &self,
        s: &StreamId,
        key: casework_store::DataKey,
    ) -> Result<casework_store::KeyState, StoreError> {
        self.store.create_data_key(s, key)
    }
    fn destroy_data_key(
        &self,
        s: &StreamId,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        self.store.destroy_data_key(s, at)
    }
}

impl<S: casework_store::Store, G: Send + Sync> StoreAdmin for Temporary<S, G> {
    fn restore(&self, events: Vec<casework_store::RecordedEvent>) -> Result<(), StoreError> {
        self.store.restore(events)
    }
    fn log_head(&self) -> Result<casework_store::LogHead, StoreError> {
        self.store.log_head()
    }
    fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.meta(name)
    }
    fn set_meta(&self, name: &str, value: Option<&[u8]>) -> Result<(), StoreError> {
        self.store.set_meta(name, value)
    }
}

/// A plain test event with a ~300-byte JSON payload that names its stream and number.
pub fn sample_event(stream: &str, n: u64) -> NewEvent {
    let payload = format!(
        r#"{{"stream":"{stream}","n":{n},"note":"{}"}}"#,
        "x".repeat(260)
    );
    NewEvent::new(
        "Noted",
        1,
        t0() + chrono::Duration::minutes(n as i64),
        payload.into_bytes(),
    )
}

fn events(stream: &str, from: u64, count: u64) -> Vec<NewEvent> {
    (from..from + count)
        .map(|n| sample_event(stream, n))
        .collect()
}

fn conflict(
    r: Result<casework_store::AppendOutcome, StoreError>,
) -> (ExpectedVersion, Option<u64>) {
    match r {
        Err(StoreError::Conflict {
            expected, actual, ..
        }) => (expected, actual),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// `Any` appends whether or not the stream exists.
pub fn expected_any<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("any");
    let a = store
        .append(&s, ExpectedVersion::Any, events("any", 1, 1))
        .unwrap();
    let b = store
        .append(&s, ExpectedVersion::Any, events("any", 2, 2))
        .unwrap();
    assert_eq!((a.first_version, a.last_version), (1, 1));
    assert_eq!((b.first_version, b.last_version), (2, 3));
    assert_eq!(store.stream_version(&s).unwrap(), Some(3));
}

/// `NoStream` (and `Exact(0)`) appends only to a stream that does not exist.
pub fn expected_no_stream<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("fresh");
    store
        .append(&s, ExpectedVersion::NoStream, events("fresh", 1, 1))
        .unwrap();
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::NoStream, events("fresh", 2, 1))),
        (ExpectedVersion::NoStream, Some(1))
    );
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::Exact(0), events("fresh", 2, 1))),
        (ExpectedVersion::Exact(0), Some(1))
    );
    let other = sid("fresh-2");
    store
        .append(&other, ExpectedVersion::Exact(0), events("fresh-2", 1, 1))
        .unwrap();
    assert_eq!(
        store.head_position().unwrap(),
        2,
        "the conflicts wrote nothing"
    );
}

/// `StreamExists` appends only to an existing stream.
pub fn expected_stream_exists<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("exists");
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::StreamExists, events("exists", 1, 1))),
        (ExpectedVersion::StreamExists, None)
    );
    assert_eq!(store.stream_version(&s).unwrap(), None);
    store
        .append(&s, ExpectedVersion::Any, events("exists", 1, 1))
        .unwrap();
    store
        .append(&s, ExpectedVersion::StreamExists, events("exists", 2, 1))
        .unwrap();
    assert_eq!(store.stream_version(&s).unwrap(), Some(2));
}

/// `Exact(v)` appends only when the stream's last version is `v`.
pub fn expected_exact<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("exact");
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::Exact(1), events("exact", 1, 1))),
        (ExpectedVersion::Exact(1), None)
    );
    store
        .append(&s, ExpectedVersion::NoStream, events("exact", 1, 2))
        .unwrap();
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::Exact(1), events("exact", 3, 1))),
        (ExpectedVersion::Exact(1), Some(2))
    );
    assert_eq!(
        conflict(store.append(&s, ExpectedVersion::Exact(3), events("exact", 3, 1))),
        (ExpectedVersion::Exact(3), Some(2))
    );
    let out = store
        .append(&s, ExpectedVersion::Exact(2), events("exact", 3, 1))
        .unwrap();
    assert_eq!(out.last_version, 3);
    assert_eq!(store.read_stream_all(&s).unwrap().len(), 3);
}

/// An append of several events is atomic and contiguous; a failed one writes nothing.
pub fn atomic_multi_event_append<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let (a, b) = (sid("a"), sid("b"));
    store
        .append(&a, ExpectedVersion::Any, events("a", 1, 3))
        .unwrap();
    let out = store
        .append(&b, ExpectedVersion::Any, events("b", 1, 5))
        .unwrap();
    assert_eq!(
        out,
        casework_store::AppendOutcome {
            first_version: 1,
            last_version: 5,
            first_position: 4,
            last_position: 8
        }
    );
    let read = store.read_stream_all(&b).unwrap();
    assert_eq!(
        read.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        read.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![4, 5, 6, 7, 8]
    );
    assert!(
        read.iter().all(|e| e.recorded_at == read[0].recorded_at),
        "one append, one recorded-at"
    );
    // a conflicting multi-event append writes none of its events
    let _ = conflict(store.append(&b, ExpectedVersion::Exact(4), events("b", 6, 3)));
    assert_eq!(store.head_position().unwrap(), 8);
    assert_eq!(store.stream_version(&b).unwrap(), Some(5));
}

/// An empty append is the typed error `EmptyAppend` and writes nothing.
pub fn empty_append_is_rejected<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("empty");
    assert_eq!(
        store.append(&s, ExpectedVersion::Any, vec![]),
        Err(StoreError::EmptyAppend)
    );
    assert_eq!(store.stream_version(&s).unwrap(), None);
    assert!(store.list_streams().unwrap().is_empty());
}

/// Too many events or an oversize event is `LimitExceeded` and writes nothing.
pub fn limits_are_enforced<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("limits");
    let many = events("limits", 1, 1001);
    assert!(matches!(
        store.append(&s, ExpectedVersion::Any, many),
        Err(StoreError::LimitExceeded {
            what: "events in one append",
            max: 1000,
            actual: 1001
        })
    ));
    let mut big = events("limits", 1, 2);
    big[1].payload = vec![b' '; (1 << 20) + 1];
    assert!(matches!(
        store.append(&s, ExpectedVersion::Any, big),
        Err(StoreError::LimitExceeded {
            what: "event payload bytes",
            ..
        })
    ));
    for actor in ["", "a\nb@c", "tab\there", &"x".repeat(513)] {
        let mut e = events("limits", 1, 1);
        e[0].metadata.actor = Some(actor.to_owned());
        assert!(
            matches!(
                store.append(&s, ExpectedVersion::Any, e),
                Err(StoreError::Audit(
                    casework_store::AuditError::InvalidActorText(_)
                ))
            ),
            "actor {actor:?}"
        );
    }
    assert_eq!(store.head_position().unwrap(), 0);
    assert_eq!(store.stream_version(&s).unwrap(), None);
}

/// Reads honour `from` and `limit`; a missing stream reads empty; streams are listed.
pub fn reads_page_and_list<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    for (i, name) in ["p-1", "p-2", "p-3"].iter().enumerate() {
        store
            .append(
                &sid(name),
                ExpectedVersion::Any,
                events(name, 1, i as u64 + 2),
            )
            .unwrap();
    }
    let s = sid("p-3");
    let page = store.read_stream(&s, 2, 2).unwrap();
    assert_eq!(
        page.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![2, 3]
    );
    assert!(store.read_stream(&s, 5, 10).unwrap().is_empty());
    assert!(store.read_stream(&sid("nope"), 1, 10).unwrap().is_empty());
    let all = store.read_all(4, 3).unwrap();
    assert_eq!(
        all.iter().map(|e| e.position).collect::<Vec<_>>(),
        vec![4, 5, 6]
    );
    assert_eq!(store.read_all(1, 100).unwrap().len(), 9);
    assert!(store.read_all(10, 100).unwrap().is_empty());
    assert_eq!(store.head_position().unwrap(), 9);
    assert_eq!(
        store.list_streams().unwrap(),
        vec![sid("p-1"), sid("p-2"), sid("p-3")]
    );
    // visiting a stream lends what reading it returns, in order, and stops at an error
    let mut seen = Vec::new();
    store
        .visit_stream(&s, &mut |e| {
            seen.push(e.clone());
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, store.read_stream_all(&s).unwrap());
    let mut visited = 0;
    let stopped = store.visit_stream(&s, &mut |e| {
        visited += 1;
        match e.version {
            2 => Err(StoreError::Serialization("stop".into())),
            _ => Ok(()),
        }
    });
    assert!(matches!(stopped, Err(StoreError::Serialization(_))));
    assert_eq!(visited, 2);
    store
        .visit_stream(&sid("nope"), &mut |_| panic!("no events"))
        .unwrap();
}

/// The envelope round-trips: ids, type, schema version, timestamps (to the microsecond),
/// metadata and payload bytes; the hash chains from `Hash::ZERO`.
pub fn envelope_round_trips<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("envelope");
    let id = Uuid::now_v7();
    let meta = Metadata {
        actor: Some("k.meier/coordinator@iiz".into()),
        correlation_id: Some(Uuid::now_v7()),
        causation_id: Some(Uuid::now_v7()),
    };
    let effective = Utc
        .timestamp_opt(1_767_000_000, 123_456_789)
        .single()
        .unwrap_or_default();
    let mut e = NewEvent::new(
        "VoucherIssued",
        2,
        effective,
        br#"{"a":"\u00e4 \"q\""}"#.to_vec(),
    )
    .with_metadata(meta.clone());
    e.event_id = id;
    store
        .append(
            &s,
            ExpectedVersion::NoStream,
            vec![e, sample_event("envelope", 2)],
        )
        .unwrap();
    let read = store.read_stream_all(&s).unwrap();
    let r = &read[0];
    assert_eq!(
        (r.event_id, r.event_type.as_str(), r.schema_version),
        (id, "VoucherIssued", 2)
    );
    assert_eq!(
        r.effective_at.timestamp_micros(),
        effective.timestamp_micros()
    );
    assert_eq!(
        r.effective_at.timestamp_subsec_nanos() % 1000,
        0,
        "truncated to microseconds"
    );
    assert_eq!(r.metadata, meta);
    assert_eq!(r.payload, br#"{"a":"\u00e4 \"q\""}"#.to_vec());
    assert_eq!(read[1].metadata, Metadata::default());
    assert_eq!(verify_chain(&s, &read), Ok(read[1].hash));
    assert_ne!(read[0].hash, Hash::ZERO);
    assert_eq!(
        store.read_all(1, 10).unwrap(),
        read,
        "read_all returns the same envelopes"
    );
}

/// Concurrent writers on different streams: the global log is gapless, each stream's
/// versions are contiguous, nothing is lost.
pub fn gapless_global_order_under_concurrent_writers<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let (threads, appends, per_append) = (8u64, 25u64, 2u64);
    let barrier = Barrier::new(threads as usize);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (store, barrier) = (&store, &barrier);
            scope.spawn(move || {
                let name = format!("writer-{t}");
                let s = sid(&name);
                barrier.wait();
                for a in 0..appends {
                    store
                        .append(
                            &s,
                            ExpectedVersion::Exact(a * per_append),
                            events(&name, a * per_append + 1, per_append),
                        )
                        .unwrap();
                }
            });
        }
    });
    let total = threads * appends * per_append;
    let all = store.read_all(1, total as usize + 10).unwrap();
    assert_eq!(
        all.iter().map(|e| e.position).collect::<Vec<_>>(),
        (1..=total).collect::<Vec<_>>()
    );
    let mut last: BTreeMap<StreamId, u64> = BTreeMap::new();
    for e in &all {
        let v = last.entry(e.stream.clone()).or_default();
        assert_eq!(
            e.version,
            *v + 1,
            "versions of {} in global order",
            e.stream
        );
        *v = e.version;
    }
    assert!(last.values().all(|&v| v == appends * per_append));
    assert!(store.verify_all().unwrap().is_empty());
}

/// N threads append at the same expected version, round after round: exactly one wins
/// each version, the losers get `Conflict` and write nothing.
pub fn one_winner_per_version<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("contended");
    let (threads, rounds) = (8usize, 20u64);
    for round in 0..rounds {
        let barrier = Barrier::new(threads);
        let wins: Vec<bool> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (store, barrier, s) = (&store, &barrier, &s);
                    scope.spawn(move || {
                        barrier.wait();
                        let expected = if round == 0 {
                            ExpectedVersion::NoStream
                        } else {
                            ExpectedVersion::Exact(round)
                        };
                        match store.append(
                            s,
                            expected,
                            vec![sample_event(&format!("t{t}"), round + 1)],
                        ) {
                            Ok(_) => true,
                            Err(StoreError::Conflict { .. }) => false,
                            Err(e) => panic!("unexpected error {e}"),
                        }
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or(false))
                .collect()
        });
        assert_eq!(
            wins.iter().filter(|w| **w).count(),
            1,
            "round {round}: exactly one winner"
        );
    }
    assert_eq!(store.stream_version(&s).unwrap(), Some(rounds));
    assert_eq!(store.head_position().unwrap(), rounds);
}

/// A subscriber running while writers append receives every event exactly once, in
/// position order; a new subscription resuming from its checkpoint gets only the rest.
pub fn subscription_misses_and_duplicates_nothing<S: Store + 'static>(new_store: impl Fn() -> S) {
    let store = Arc::new(new_store());
    let total = 4 * 50u64;
    let subscriber = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            let mut sub = CatchUp::new(&*store, 0).with_batch(7);
            let mut seen = Vec::new();
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while (seen.len() as u64) < total && std::time::Instant::now() < deadline {
                for e in sub.wait(Duration::from_millis(200)).unwrap() {
                    seen.push(e.position);
                }
            }
            seen
        })
    };
    std::thread::scope(|scope| {
        for w in 0..4 {
            let store = &store;
            scope.spawn(move || {
                let name = format!("sub-{w}");
                for n in 1..=50 {
                    store
                        .append(
                            &sid(&name),
                            ExpectedVersion::Any,
                            vec![sample_event(&name, n)],
                        )
                        .unwrap();
                }
            });
        }
    });
    let seen = subscriber.join().unwrap_or_default();
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    // resume from a checkpoint: only what came after
    store
        .append(&sid("late"), ExpectedVersion::Any, events("late", 1, 3))
        .unwrap();
    let mut resumed = CatchUp::new(&*store, total);
    let rest: Vec<_> = resumed.poll().unwrap().iter().map(|e| e.position).collect();
    assert_eq!(rest, vec![total + 1, total + 2, total + 3]);
    assert!(resumed.poll().unwrap().is_empty());
    assert_eq!(resumed.checkpoint(), total + 3);
}

/// A registration that meets the default admission criteria.
pub fn registration(case: CaseId, name: &str) -> CaseCommand {
    CaseCommand::RegisterCase {
        case_id: case,
        referrer: InstitutionId::new("sozialamt"),
        client: Personal::new(ClientDetails {
            name: name.to_owned(),
            contact: None,
        }),
        subject: SubjectId::new("client"),
        representative: None,
        profile: Profile::new(30, Gender::Female, "t1")
            .problems([ProblemArea::Health, ProblemArea::Finances]),
    }
}

fn case_commands() -> (CaseId, Vec<CaseCommand>) {
    let case = CaseId(Uuid::from_u128(42));
    let consent = CaseCommand::SignConsent {
        signatory: Signatory::Client,
        scope: Default::default(),
    };
    (case, vec![registration(case, "Test Client"), consent])
}

/// The repository reads a case *as of* a global position, an effective time and a
/// recorded time.
pub fn as_of_reads<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let policy = Policy::default();
    // the intake's coordinator at the referring sozialamt: before the consent names
    // anyone else, the case is theirs alone
    let coordinator = Actor::new("t.lead", Role::Coordinator, "sozialamt");
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    // filler in another stream so positions differ from versions
    store
        .append(&sid("other"), ExpectedVersion::Any, events("other", 1, 2))
        .unwrap();
    let day = |d: i64| t0() + chrono::Duration::days(d);
    let first = repo
        .execute(
            &stream,
            &cmds[0],
            &Context::new(day(0), &coordinator, &policy),
            Metadata::default(),
        )
        .unwrap();
    let second = repo
        .execute(
            &stream,
            &cmds[1],
            &Context::new(day(5), &coordinator, &policy),
            Metadata::default(),
        )
        .unwrap();
    let p1 = first.outcome.map(|o| o.last_position).unwrap_or_default();
    let p2 = second.outcome.map(|o| o.last_position).unwrap_or_default();
    assert_eq!((p1, p2), (3, 4));
    let phase = |as_of| repo.load_as_of(&stream, as_of).unwrap().state.phase_name();
    use casework_process::PhaseName::{Consented, Registered, Unregistered};
    assert_eq!(phase(AsOf::Position(2)), Unregistered);
    assert_eq!(phase(AsOf::Position(3)), Registered);
    assert_eq!(phase(AsOf::Position(4)), Consented);
    assert_eq!(phase(AsOf::Effective(day(4))), Registered);
    assert_eq!(phase(AsOf::Effective(day(5))), Consented);
    let recorded = store.read_stream_all(&stream).unwrap();
    assert_eq!(phase(AsOf::Recorded(recorded[0].recorded_at)), Registered);
    assert_eq!(
        repo.load_as_of(&stream, AsOf::Position(3)).unwrap().version,
        Some(1)
    );
    assert_eq!(repo.load(&stream).unwrap().state, second.state);
}

/// Counts the calls of [`KeyArea::data_key`] on the store it wraps; delegates the rest.
struct KeyReads<'s, S> {
    store: &'s S,
    reads: std::sync::atomic::AtomicUsize,
}

impl<S: Store> EventStore for KeyReads<'_, S> {
    fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Result<casework_store::AppendOutcome, StoreError> {
        self.store.append(stream, expected, events)
    }
    fn read_stream(
        &self,
        stream: &StreamId,
        from: u64,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_stream(stream, from, limit)
    }
    fn read_all(&self, from: u64, limit: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store.read_all(from, limit)
    }
    fn stream_version(&self, stream: &StreamId) -> Result<Option<u64>, StoreError> {
        self.store.stream_version(stream)
    }
    fn list_streams(&self) -> Result<Vec<StreamId>, StoreError> {
        self.store.list_streams()
    }
    fn head_position(&self) -> Result<u64, StoreError> {
        self.store.head_position()
    }
    fn wait_for_events(&self, after: u64, timeout: Duration) -> Result<u64, StoreError> {
        self.store.wait_for_events(after, timeout)
    }
    fn now(&self) -> DateTime<Utc> {
        self.store.now()
    }
}

impl<S: Store> KeyArea for KeyReads<'_, S> {
    fn data_key(&self, stream: &StreamId) -> Result<Option<casework_store::KeyState>, StoreError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.store.data_key(stream)
    }
    fn create_data_key(
        &self,
        stream: &StreamId,
        key: casework_store::DataKey,
    ) -> Result<casework_store::KeyState, StoreError> {
        self.store.create_data_key(stream, key)
    }
    fn destroy_data_key(&self, stream: &StreamId, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.store.destroy_data_key(stream, at)
    }
}

/// Commands are decided on the sealed state: a command whose events carry no personal
/// field reads no data key and decrypts nothing, although the case holds sealed fields.
/// The state it returns is the sealed replay ([`Repository::load`], invariant 6);
/// [`Repository::load_opened`] is the explicit step that opens the personal fields.
pub fn commands_decide_on_sealed_state<S: Store>(new_store: impl Fn() -> S) {
    let inner = new_store();
    let store = KeyReads {
        store: &inner,
        reads: Default::default(),
    };
    let reads = || store.reads.load(std::sync::atomic::Ordering::SeqCst);
    let policy = Policy::default();
    let coordinator = World::default().coordinator;
    let client = World::default().client;
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    let registered = repo
        .execute(
            &stream,
            &cmds[0],
            &Context::new(t0(), &coordinator, &policy),
            Metadata::default(),
        )
        .unwrap();
    // the registration sealed the client's name; the state it returns holds it sealed
    assert!(reads() >= 1, "sealing the registration needs the key");
    let client_of =
        |state: &casework_process::CaseState| state.registration().map(|r| r.client.clone());
    assert_eq!(
        client_of(&registered.state).and_then(|c| c.redaction().cloned()),
        Some(casework_core::Redaction::Sealed)
    );
    assert_eq!(
        repo.load(&stream).unwrap(),
        Loaded {
            state: registered.state.clone(),
            version: Some(1),
        }
    );
    // consent: its scope names released doctors (sealed, even when the list is empty)
    let ctx = Context::new(t0() + chrono::Duration::days(1), &client, &policy);
    let consent = CaseCommand::SignConsent {
        signatory: Signatory::Client,
        scope: casework_process::ConsentScope {
            institutions: [InstitutionId::new("iiz")].into(),
            ..Default::default()
        },
    };
    let signed = repo
        .execute(&stream, &consent, &ctx, Metadata::default())
        .unwrap();
    assert_eq!(repo.load(&stream).unwrap().state, signed.state);
    let before = reads();
    let form = CaseCommand::FormTeam {
        coordinator: casework_process::UserId::new("k.meier"),
        coordinator_institution: InstitutionId::new("iiz"),
        members: vec![],
    };
    let ctx = Context::new(t0() + chrono::Duration::days(2), &coordinator, &policy);
    let formed = repo
        .execute(&stream, &form, &ctx, Metadata::default())
        .unwrap();
    assert_eq!(reads(), before, "deciding read a data key");
    assert_eq!(
        formed.state.phase_name(),
        casework_process::PhaseName::TeamFormed
    );
    assert_eq!(repo.load(&stream).unwrap().state, formed.state);
    // opening is the reader's explicit step, and only it reads the key
    let opened = repo.load_opened(&stream).unwrap();
    assert_eq!(reads(), before + 1);
    assert_eq!(
        client_of(&opened.state).and_then(|c| c.expose().map(|d| d.name.clone())),
        Some("Test Client".to_owned())
    );
    assert_eq!(opened.version, Some(3));
    assert_eq!(opened.state.phase_name(), formed.state.phase_name());
}

/// The repository retries a decision after a conflict and records the actor.
pub fn repository_retries_conflicts<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let policy = Policy::default();
    let coordinator = World::default().coordinator;
    let client = World::default().client;
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let (case, cmds) = case_commands();
    let stream = StreamId::for_case(case);
    let ctx = Context::new(t0(), &coordinator, &policy);
    repo.execute(&stream, &cmds[0], &ctx, Metadata::default())
        .unwrap();
    // eight clients sign concurrently: each decision conflicts at most a few times and
    // every signature lands exactly once
    std::thread::scope(|scope| {
        for _ in 0..8 {
            let (store, stream, cmd, policy, client) =
                (&store, &stream, &cmds[1], &policy, &client);
            scope.spawn(move || {
                let ctx = Context::new(t0(), client, policy);
                let repo =
                    Repository::<CaseProcess, _>::new(store, case_codec()).with_max_attempts(50);
                repo.execute(stream, cmd, &ctx, Metadata::default())
                    .unwrap();
            });
        }
    });
    let recorded = store.read_stream_all(&stream).unwrap();
    assert_eq!(recorded.len(), 9);
    assert_eq!(
        recorded[0].metadata.actor.as_deref(),
        Some("k.meier/coordinator@iiz")
    );
    assert_eq!(
        recorded[1].metadata.actor.as_deref(),
        Some("client/client@client")
    );
    // a rejected command writes nothing
    let err = repo.execute(&stream, &cmds[0], &ctx, Metadata::default());
    assert!(matches!(
        err,
        Err(casework_store::RepoError::Rejected(
            casework_process::CaseError::AlreadyRegistered(_)
        ))
    ));
    assert_eq!(store.stream_version(&stream).unwrap(), Some(9));
}

/// Verification finds an edited payload, a reordered event and a deleted event, and
/// names the version where the chain breaks.
pub fn chain_detects_edit_reorder_delete<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("chain");
    store
        .append(&s, ExpectedVersion::Any, events("chain", 1, 5))
        .unwrap();
    let good = store.read_stream_all(&s).unwrap();
    assert!(verify_chain(&s, &good).is_ok());
    assert_eq!(store.verify_stream(&s).unwrap(), Ok(()));

    let mut edited = good.clone();
    edited[2].payload = Bytes::from_static(br#"{"n":3,"note":"altered"}"#);
    assert_eq!(verify_chain(&s, &edited).map_err(|b| b.version), Err(3));

    let mut edited_meta = good.clone();
    edited_meta[1].metadata.actor = Some("someone-else".into());
    assert_eq!(
        verify_chain(&s, &edited_meta).map_err(|b| b.version),
        Err(2)
    );

    let mut reordered = good.clone();
    reordered.swap(1, 2);
    assert_eq!(verify_chain(&s, &reordered).map_err(|b| b.version), Err(2));

    let mut relabelled = reordered.clone();
    relabelled[1].version = 2;
    relabelled[2].version = 3;
    assert_eq!(
        verify_chain(&s, &relabelled).map_err(|b| b.version),
        Err(2),
        "renumbering does not hide a reorder"
    );

    let mut deleted = good.clone();
    deleted.remove(3);
    assert_eq!(verify_chain(&s, &deleted).map_err(|b| b.version), Err(4));

    let mut truncated_head = good;
    truncated_head.remove(0);
    assert_eq!(
        verify_chain(&s, &truncated_head).map_err(|b| b.version),
        Err(1)
    );
}

/// A stored `VoucherIssued` of schema version 1 is upcast on read.
pub fn upcasting_on_read<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("upcast");
    let v1 = br#"{"type":"VoucherIssued","at":"2019-03-04T08:00:00Z","voucher":"GS-2019-0815","service":"debt-counselling","provider_name":"Schuldnerberatung Caritas Aachen"}"#;
    store
        .append(
            &s,
            ExpectedVersion::Any,
            vec![NewEvent::new("VoucherIssued", 1, t0(), v1.to_vec())],
        )
        .unwrap();
    let recorded = store.read_stream_all(&s).unwrap();
    assert_eq!(
        recorded[0].schema_version, 1,
        "stored bytes keep their version"
    );
    match case_codec().decode(&recorded[0]).unwrap() {
        CaseEvent::VoucherIssued {
            provider, voucher, ..
        } => {
            assert_eq!(provider.as_str(), "schuldnerberatung-caritas-aachen");
            assert_eq!(voucher.as_str(), "GS-2019-0815");
        }
        other => panic!("decoded {other:?}"),
    }
    assert!(verify_chain(&s, &recorded).is_ok());
}

/// Bad stored input is a typed error, never a panic: unknown type, payload that is not
/// JSON, JSON of the wrong shape, a newer schema version, an old version with no upcaster.
pub fn bad_input_is_a_typed_error<S: Store>(new_store: impl Fn() -> S) {
    let store = new_store();
    let s = sid("bad");
    let raw = |t: &str, v: u16, p: &[u8]| NewEvent::new(t, v, t0(), p.to_vec());
    store
        .append(
            &s,
            ExpectedVersion::Any,
            vec![
                raw("CaseTeleported", 1, b"{}"),
                raw("CaseClosed", 1, b"{not json"),
                raw(
                    "CaseClosed",
                    1,
                    br#"{"type":"CaseClosed","at":"yesterday","reason":"other"}"#,
                ),
                raw("CaseClosed", 9, br#"{"type":"CaseClosed"}"#),
                raw("CaseClosed", 0, br#"{"type":"CaseClosed"}"#),
            ],
        )
        .unwrap();
    let r = store.read_stream_all(&s).unwrap();
    let codec = case_codec();
    assert!(matches!(
        codec.decode(&r[0]),
        Err(StoreError::UnknownEventType { version: 1, .. })
    ));
    assert!(matches!(
        codec.decode(&r[1]),
        Err(StoreError::Corruption { version: 2, .. })
    ));
    assert!(matches!(
        codec.decode(&r[2]),
        Err(StoreError::Serialization(_))
    ));
    assert!(matches!(
        codec.decode(&r[3]),
        Err(StoreError::UnsupportedSchemaVersion {
            from: 9,
            current: 1,
            ..
        })
    ));
    assert!(matches!(
        codec.decode(&r[4]),
        Err(StoreError::UnsupportedSchemaVersion {
            from: 0,
            current: 1,
            ..
        })
    ));
    assert!(matches!(
        StreamId::new(""),
        Err(StoreError::InvalidStreamId(_))
    ));
    assert!(matches!(
        StreamId::new("a\nb"),
        Err(StoreError::InvalidStreamId(_))
    ));
    assert!(matches!(
        StreamId::new("x".repeat(201)),
        Err(StoreError::InvalidStreamId(_))
    ));
}

fn filled<S: Store>(store: &S) {
    for (i, name) in ["x-1", "x-2", "x-3"].iter().enumerate() {
        for round in 0..3u64 {
            let from = round * (i as u64 + 1) + 1;
            store
                .append(
                    &sid(name),
                    ExpectedVersion::Any,
                    events(name, from, i as u64 + 1),
                )
                .unwrap();
        }
    }
    let mut odd = NewEvent::new("Binary", 1, t0(), vec![0, 159, 146, 150, b' ', b'{']);
    odd.metadata.actor = Some("importer".into());
    store
        .append(&sid("x-2"), ExpectedVersion::Any, vec![odd])
        .unwrap();
}

fn export_bytes<S: Store>(store: &S) -> Vec<u8> {
    let mut out = Vec::new();
    let n = casework_store::export_jsonl(store, &mut out, &mut |_| {}).unwrap();
    assert_eq!(n, store.head_position().unwrap());
    out
}

/// Export + import into an empty store reproduces every stream, version, position,
/// timestamp, payload and hash; a second import into the non-empty store is refused.
pub fn export_import_round_trips<S: Store>(new_store: impl Fn() -> S) {
    let source = new_store();
    filled(&source);
    let file = export_bytes(&source);
    let target = new_store();
    let import = |target: &S| {
        casework_store::import_jsonl(
            target,
            &mut file.as_slice(),
            &casework_store::ImportOptions::default(),
            &mut |_| {},
        )
    };
    let n = import(&target).unwrap().events;
    assert_eq!(n, 19);
    assert!(!target.import_pending().unwrap());
    assert_eq!(
        target.read_all(1, 100).unwrap(),
        source.read_all(1, 100).unwrap()
    );
    assert_eq!(
        target.list_streams().unwrap(),
        source.list_streams().unwrap()
    );
    assert!(target.verify_all().unwrap().is_empty());
    assert_eq!(
        export_bytes(&target),
        file,
        "export of the import is byte-identical"
    );
    // appends continue the imported chains
    target
        .append(&sid("x-1"), ExpectedVersion::Exact(3), events("x-1", 4, 1))
        .unwrap();
    assert!(target.verify_all().unwrap().is_empty());
    assert!(matches!(
        import(&target),
        Err(casework_store::ImportError::NotEmpty(20))
    ));
}

/// After a refused import the store is marked incomplete: `import_pending` says so and
/// appends are refused with [`StoreError::ImportIncomplete`], so a half-filled store is
/// never used as if it were whole.
pub fn assert_unusable_after_failed_import<S: Store + ?Sized>(store: &S) {
    assert!(store.import_pending().unwrap(), "the import marker stays");
    let err = store
        .append(
            &sid("after-import"),
            ExpectedVersion::Any,
            vec![sample_event("after-import", 1)],
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::ImportIncomplete(_)), "{err}");
}

/// An import refuses an altered, reordered or truncated file, names the line, and
/// leaves the store marked incomplete.
pub fn import_refuses_tampered_files<S: Store>(new_store: impl Fn() -> S) {
    let source = new_store();
    filled(&source);
    let text = String::from_utf8(export_bytes(&source)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let try_import = |lines: Vec<String>| {
        let target = new_store();
        let body = lines.join("\n") + "\n";
        let result = casework_store::import_jsonl(
            &target,
            &mut body.as_bytes(),
            &casework_store::ImportOptions::default(),
            &mut |_| {},
        );
        if !matches!(
            result,
            Err(casework_store::ImportError::Line { line: 1, .. })
        ) {
            assert_unusable_after_failed_import(&target);
        }
        match result {
            Err(casework_store::ImportError::Line { line, .. }) => line,
            other => panic!("expected a refused line, got {other:?}"),
        }
    };
    let owned = || lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let mut altered = owned();
    altered[5] = altered[5].replacen("xxxx", "xxxy", 1);
    assert_eq!(try_import(altered), 6);
    let mut swapped = owned();
    swapped.swap(3, 4);
    assert_eq!(try_import(swapped), 4);
    let mut truncated = owned();
    truncated.truncate(10);
    assert_eq!(try_import(truncated), 11);
    let mut header = owned();
    header[0] = r#"{"format":"other/9","events":19}"#.into();
    assert_eq!(try_import(header), 1);
    let mut garbage = owned();
    garbage[2] = "{not json".into();
    assert_eq!(try_import(garbage), 3);
}

/// `restore` accepts only events that continue the log and their stream's chain.
pub fn restore_checks_continuity<S: Store>(new_store: impl Fn() -> S) {
    let source = new_store();
    filled(&source);
    let all = source.read_all(1, 100).unwrap();
    let target = new_store();
    // a gap in positions
    let err = target.restore(vec![all[1].clone()]).unwrap_err();
    assert!(matches!(err, StoreError::Corruption { .. }), "{err}");
    // a broken hash
    let mut bad = all[0].clone();
    bad.payload = [&bad.payload[..], b" "].concat().into();
    assert!(matches!(
        target.restore(vec![bad]),
        Err(StoreError::Corruption { version: 1, .. })
    ));
    assert_eq!(target.head_position().unwrap(), 0);
    target.restore(all[..5].to_vec()).unwrap();
    target.restore(all[5..].to_vec()).unwrap();
    assert_eq!(target.read_all(1, 100).unwrap(), all);
}

/// An operation of the model test.
#[derive(Debug, Clone)]
pub enum ModelOp {
    /// Append `count` events to stream number `stream` with an expectation.
    Append {
        /// Which of three streams.
        stream: u8,
        /// The expectation.
        expected: ExpectedVersion,
        /// How many events.
        count: u8,
    },
    /// Read a stream page.
    ReadStream {
        /// Which stream.
        stream: u8,
        /// From version.
        from: u64,
        /// At most.
        limit: usize,
    },
    /// Read a page of the global log.
    ReadAll {
        /// From position.
        from: u64,
        /// At most.
        limit: usize,
    },
}

fn model_op() -> impl Strategy<Value = ModelOp> {
    let expected = prop_oneof![
        Just(ExpectedVersion::Any),
        Just(ExpectedVersion::NoStream),
        Just(ExpectedVersion::StreamExists),
        (0..6u64).prop_map(ExpectedVersion::Exact),
    ];
    prop_oneof![
        4 => (0..3u8, expected, 1..4u8).prop_map(|(stream, expected, count)| ModelOp::Append { stream, expected, count }),
        2 => (0..3u8, 0..8u64, 0..6usize).prop_map(|(stream, from, limit)| ModelOp::ReadStream { stream, from, limit }),
        2 => (0..20u64, 0..12usize).prop_map(|(from, limit)| ModelOp::ReadAll { from, limit }),
    ]
}

/// Arbitrary operation sequences give the same results on the store as on a simple
/// model (a vector of (stream, payload)). `cases` sequences of up to 30 operations.
pub fn matches_the_model<S: Store>(new_store: impl Fn() -> S, cases: u32) {
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(model_op(), 1..30), |ops| {
        let store = new_store();
        let mut model: Vec<(u8, Vec<u8>)> = Vec::new();
        let name = |s: u8| sid(&format!("model-{s}"));
        let mut n = 0u64;
        for op in ops {
            match op {
                ModelOp::Append { stream, expected, count } => {
                    let actual = model.iter().filter(|(s, _)| *s == stream).count() as u64;
                    let actual = (actual > 0).then_some(actual);
                    let batch: Vec<NewEvent> = (0..count).map(|_| { n += 1; sample_event(&format!("model-{stream}"), n) }).collect();
                    let payloads: Vec<Vec<u8>> = batch.iter().map(|e| e.payload.clone()).collect();
                    let got = store.append(&name(stream), expected, batch);
                    if expected.admits(actual) {
                        let out = got.map_err(|e| TestCaseError::fail(format!("append failed: {e}")))?;
                        prop_assert_eq!(out.first_version, actual.unwrap_or(0) + 1);
                        prop_assert_eq!(out.first_position, model.len() as u64 + 1);
                        model.extend(payloads.into_iter().map(|p| (stream, p)));
                    } else {
                        let is_conflict = matches!(got, Err(StoreError::Conflict { actual: a, .. }) if a == actual);
                        prop_assert!(is_conflict, "expected conflict");
                    }
                }
                ModelOp::ReadStream { stream, from, limit } => {
                    let want: Vec<(u64, Vec<u8>)> = model
                        .iter()
                        .filter(|(s, _)| *s == stream)
                        .enumerate()
                        .map(|(i, (_, p))| (i as u64 + 1, p.clone()))
                        .filter(|(v, _)| *v >= from.max(1))
                        .take(limit)
                        .collect();
                    let got: Vec<(u64, Vec<u8>)> = store
                        .read_stream(&name(stream), from, limit)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?
                        .into_iter()
                        .map(|e| (e.version, e.payload.to_vec()))
                        .collect();
                    prop_assert_eq!(got, want);
                }
                ModelOp::ReadAll { from, limit } => {
                    let want: Vec<(u64, Vec<u8>)> = model
                        .iter()
                        .enumerate()
                        .map(|(i, (_, p))| (i as u64 + 1, p.clone()))
                        .filter(|(pos, _)| *pos >= from.max(1))
                        .take(limit)
                        .collect();
                    let got: Vec<(u64, Vec<u8>)> = store
                        .read_all(from, limit)
                        .map_err(|e| TestCaseError::fail(e.to_string()))?
                        .into_iter()
                        .map(|e| (e.position, e.payload.to_vec()))
                        .collect();
                    prop_assert_eq!(got, want);
                }
            }
        }
        let streams: BTreeSet<u8> = model.iter().map(|(s, _)| *s).collect();
        let listed = store.list_streams().map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(listed, streams.into_iter().map(name).collect::<Vec<_>>());
        prop_assert!(store.verify_all().map_err(|e| TestCaseError::fail(e.to_string()))?.is_empty(), "chains verify");
        Ok(())
    });
    if let Err(e) = result {
        panic!("store differs from the model: {e}");
    }
}

/// Runs every property of the suite as one `#[test]` each, with the given factory.
/// `$cases` is the number of model-test sequences (64 by default; fewer for slow
/// backends). With `guard = f`, each test runs only when `f()` returns true (backends that
/// need a server use it to skip, saying so, when no server is configured).
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!($factory, 64);
    };
    ($factory:expr, $cases:expr) => {
        $crate::conformance_tests!($factory, $cases, guard = || true);
    };
    ($factory:expr, $cases:expr, guard = $guard:expr) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;
            use $crate::conformance as c;
            $crate::conformance_tests!(@each $factory, $guard; execute_expecting_decides_on_the_given_version, idempotent_commands_append_once, audit_fields_are_checked, execute_erase_destroys_the_key, log_digest_is_kept_at_append_time, checkpoints_verify_and_refuse_forgeries, checkpoint_detects_rewritten_history, meta_and_the_import_marker, reads_from_any_u64, export_import_carries_the_key_area, key_area, crypto_shredding, sealed_fields_are_bound_to_their_event, access_log_records_every_special_read_once, expected_any, expected_no_stream, expected_stream_exists, expected_exact, atomic_multi_event_append, empty_append_is_rejected, limits_are_enforced, reads_page_and_list, envelope_round_trips, gapless_global_order_under_concurrent_writers, one_winner_per_version, subscription_misses_and_duplicates_nothing, as_of_reads, commands_decide_on_sealed_state, repository_retries_conflicts, chain_detects_edit_reorder_delete, upcasting_on_read, bad_input_is_a_typed_error, export_import_round_trips, import_refuses_tampered_files, restore_checks_continuity);
            #[test]
            fn matches_the_model() {
                if $guard() {
                    c::matches_the_model($factory, $cases)
                }
            }
        }
    };
    (@each $factory:expr, $guard:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $guard() {
                    c::$name($factory)
                }
            }
        )*
    };
}
