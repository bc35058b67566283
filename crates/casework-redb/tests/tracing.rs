//! The store tells an operator what it does through `tracing` (`casework_store::internals::observe`):
//! an append is an event with the stream, the new version and the outcome, a conflict a
//! WARN with the expected and the actual version. A small hand-written subscriber collects
//! the events of this thread.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use casework_redb::RedbStore;
use casework_store::{EventStore, ExpectedVersion, NewEvent, StoreError, StreamId};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// One event as seen by the subscriber: its level, target and fields as text.
#[derive(Debug, Clone)]
struct Seen {
    level: Level,
    target: String,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }
}

/// Collects every event; spans are not needed here.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<Seen>>>);

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.0.lock().unwrap().push(Seen {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            fields: fields.0,
        });
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn event(n: u32) -> NewEvent {
    NewEvent::new(
        "Noted",
        1,
        chrono::DateTime::UNIX_EPOCH,
        format!("{{\"n\":{n}}}").into_bytes(),
    )
}

#[test]
fn an_append_is_an_event_with_stream_version_and_outcome_and_a_conflict_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let collect = Collect::default();
    let seen = Arc::clone(&collect.0);
    let s = StreamId::new("case-7").unwrap();
    tracing::subscriber::with_default(collect, || {
        let store = RedbStore::open(dir.path()).unwrap();
        store
            .append(&s, ExpectedVersion::NoStream, vec![event(1), event(2)])
            .unwrap();
        let lost = store.append(&s, ExpectedVersion::Exact(1), vec![event(3)]);
        assert!(matches!(lost, Err(StoreError::Conflict { .. })));
    });
    let seen = seen.lock().unwrap().clone();
    let appends: Vec<&Seen> = seen
        .iter()
        .filter(|e| e.fields.contains_key("outcome"))
        .collect();
    assert_eq!(appends.len(), 2, "one event per append: {seen:#?}");

    let ok = appends[0];
    assert_eq!(ok.level, Level::DEBUG);
    assert_eq!(ok.target, "casework_store::internals::observe");
    let field = |e: &Seen, name: &str| e.fields.get(name).cloned().unwrap_or_default();
    assert_eq!(field(ok, "message"), "append");
    assert_eq!(field(ok, "backend"), "redb");
    assert_eq!(field(ok, "stream"), "case-7");
    assert_eq!(field(ok, "version"), "2");
    assert_eq!(field(ok, "events"), "2");
    assert_eq!(field(ok, "position"), "2");
    assert_eq!(field(ok, "outcome"), "ok");
    assert!(ok.fields.contains_key("elapsed_us"));

    let conflict = appends[1];
    assert_eq!(conflict.level, Level::WARN);
    assert_eq!(field(conflict, "stream"), "case-7");
    assert_eq!(field(conflict, "outcome"), "conflict");
    assert_eq!(field(conflict, "expected"), "version 1");
    assert_eq!(field(conflict, "actual"), "2");
    // fields only: no payload reaches a subscriber
    assert!(seen
        .iter()
        .all(|e| e.fields.values().all(|v| !v.contains("\"n\""))));
    // opening the store was told too
    assert!(seen
        .iter()
        .any(|e| field(e, "message") == "redb store created"));
}
