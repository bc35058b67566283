//! A projection over events that are not the case process's: the projector is generic over
//! the event type a projection folds (`Projection::Event`, any `StoredEvent`), reads them
//! with the projection's codec (its upcasters included), and passes over the events the
//! projection does not accept, whatever their payload — so a ledger, a note stream and the
//! case book share one store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use casework_core::StoredEvent;
use casework_reports::{CaseBook, Projection, ProjectionError, Projector};
use casework_store::{
    AsOf, Codec, EventStore, ExpectedVersion, MemoryStore, Metadata, NewEvent, RecordedEvent,
    StreamId,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A toy ledger. `Deposited` is at schema version 2: version 1 counted whole euros in
/// `amount`, version 2 counts `cents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
enum Ledger {
    Opened {
        account: String,
        at: DateTime<Utc>,
    },
    Deposited {
        account: String,
        cents: i64,
        at: DateTime<Utc>,
    },
    Withdrawn {
        account: String,
        cents: i64,
        at: DateTime<Utc>,
    },
}

impl StoredEvent for Ledger {
    fn event_type(&self) -> &'static str {
        match self {
            Ledger::Opened { .. } => "Opened",
            Ledger::Deposited { .. } => "Deposited",
            Ledger::Withdrawn { .. } => "Withdrawn",
        }
    }

    fn current_schema_version(event_type: &str) -> Option<u16> {
        match event_type {
            "Opened" | "Withdrawn" => Some(1),
            "Deposited" => Some(2),
            _ => None,
        }
    }

    fn effective_at(&self) -> DateTime<Utc> {
        match self {
            Ledger::Opened { at, .. }
            | Ledger::Deposited { at, .. }
            | Ledger::Withdrawn { at, .. } => *at,
        }
    }
}

fn euros_to_cents(mut v: serde_json::Value) -> Result<serde_json::Value, String> {
    let obj = v.as_object_mut().ok_or("not an object")?;
    let euros = obj
        .remove("amount")
        .and_then(|a| a.as_i64())
        .ok_or("no amount")?;
    obj.insert("cents".to_owned(), (euros * 100).into());
    Ok(v)
}

/// The balance of every account of the `ledger-…` streams.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Balances {
    accounts: BTreeMap<String, i64>,
    folded: u64,
}

impl Projection for Balances {
    type Event = Ledger;

    fn accepts(recorded: &RecordedEvent) -> bool {
        recorded.stream.as_str().starts_with("ledger-")
    }

    fn codec() -> Codec<Ledger> {
        Codec::new().with_upcaster("Deposited", 1, euros_to_cents)
    }

    fn apply(&mut self, _: &RecordedEvent, event: &Ledger) {
        self.folded += 1;
        match event {
            Ledger::Opened { account, .. } => {
                self.accounts.entry(account.clone()).or_insert(0);
            }
            Ledger::Deposited { account, cents, .. } => {
                *self.accounts.entry(account.clone()).or_insert(0) += cents;
            }
            Ledger::Withdrawn { account, cents, .. } => {
                *self.accounts.entry(account.clone()).or_insert(0) -= cents;
            }
        }
    }
}

/// A projection that takes every event for a ledger event.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Careless(u64);

impl Projection for Careless {
    type Event = Ledger;

    fn accepts(_: &RecordedEvent) -> bool {
        true
    }

    fn apply(&mut self, _: &RecordedEvent, _: &Ledger) {
        self.0 += 1;
    }
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + Duration::days(n)
}

fn append(store: &MemoryStore, stream: &str, event: NewEvent) {
    store
        .append(
            &StreamId::new(stream).unwrap(),
            ExpectedVersion::Any,
            vec![event],
        )
        .unwrap();
}

fn ledger(store: &MemoryStore, stream: &str, event: Ledger) {
    append(
        store,
        stream,
        Codec::<Ledger>::new()
            .encode(&event, Metadata::default())
            .unwrap(),
    );
}

/// Positions: 1 opened a, 2 a note, 3 deposited 12 € into a (v1), 4 withdrew 5 € from a,
/// 5 opened b, 6 a note, 7 deposited 7 € into b (v2).
fn store() -> MemoryStore {
    let store = MemoryStore::new();
    let a = || "a".to_owned();
    let b = || "b".to_owned();
    ledger(
        &store,
        "ledger-a",
        Ledger::Opened {
            account: a(),
            at: day(0),
        },
    );
    append(
        &store,
        "notes-1",
        NewEvent::new(
            "Scribbled",
            1,
            day(0),
            b"not a ledger event, not even JSON".to_vec(),
        ),
    );
    append(
        &store,
        "ledger-a",
        NewEvent::new(
            "Deposited",
            1,
            day(1),
            serde_json::to_vec(&serde_json::json!({
                "type": "Deposited", "account": "a", "amount": 12, "at": day(1)
            }))
            .unwrap(),
        ),
    );
    ledger(
        &store,
        "ledger-a",
        Ledger::Withdrawn {
            account: a(),
            cents: 500,
            at: day(2),
        },
    );
    ledger(
        &store,
        "ledger-b",
        Ledger::Opened {
            account: b(),
            at: day(3),
        },
    );
    append(
        &store,
        "notes-1",
        NewEvent::new("Scribbled", 1, day(3), b"{}".to_vec()),
    );
    ledger(
        &store,
        "ledger-b",
        Ledger::Deposited {
            account: b(),
            cents: 700,
            at: day(4),
        },
    );
    store
}

fn balances(pairs: &[(&str, i64)], folded: u64) -> Balances {
    Balances {
        accounts: pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        folded,
    }
}

#[test]
fn a_projection_of_another_event_type_folds_its_own_events() {
    let store = store();
    let built = Projector::<Balances>::rebuild(&store).unwrap();
    // the v1 deposit was upcast by the projection's codec: 12 € = 1200 cents
    assert_eq!(built.projection, balances(&[("a", 700), ("b", 700)], 5));
    // the checkpoint moved past the notes it did not read
    assert_eq!(built.checkpoint, store.head_position().unwrap());
    assert_eq!(built.checkpoint, 7);
}

#[test]
fn it_resumes_from_a_saved_checkpoint() {
    let store = store();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("balances.json");
    let mut p = Projector::<Balances>::default();
    assert_eq!(p.catch_up_to(&store, 3).unwrap(), 3);
    assert_eq!(p.projection, balances(&[("a", 1200)], 2));
    p.save(&path).unwrap();
    let mut p = Projector::<Balances>::load(&path).unwrap().unwrap();
    assert_eq!(p.checkpoint, 3);
    assert_eq!(p.catch_up(&store).unwrap(), 4);
    assert_eq!(p, Projector::<Balances>::rebuild(&store).unwrap());
}

#[test]
fn it_is_computed_as_of_a_position_or_a_time() {
    let store = store();
    assert_eq!(
        Projector::<Balances>::as_of(&store, AsOf::Position(4)).unwrap(),
        balances(&[("a", 700)], 3)
    );
    assert_eq!(
        Projector::<Balances>::as_of(&store, AsOf::Effective(day(3))).unwrap(),
        balances(&[("a", 700), ("b", 0)], 4)
    );
}

#[test]
fn only_accepted_events_are_decoded() {
    let store = store();
    // the case book reads none of these streams and stays empty
    let book = Projector::<CaseBook>::rebuild(&store).unwrap();
    assert!(book.projection.cases.is_empty());
    assert_eq!(book.checkpoint, 7);
    // a projection that accepts everything meets the notes and fails on them
    let e = Projector::<Careless>::rebuild(&store).unwrap_err();
    assert!(matches!(e, ProjectionError::Store(_)), "{e}");
}
