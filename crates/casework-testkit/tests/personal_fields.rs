//! The one declaration of personal data (`casework_process::access::PERSONAL_FIELDS`) is
//! complete and exact: every `Personal` field of every generated event is declared, every
//! declaration finds its field, none lacks categories; the store seals exactly what is
//! declared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use casework_process::access::{personal_values, FieldCategories, PERSONAL_FIELDS};
use casework_process::*;
use casework_testkit::strategies::history;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;

/// Generated events of every type (the generators reach every event type: see
/// `invariants.rs`).
fn samples() -> Vec<CaseEvent> {
    let mut runner = TestRunner::deterministic();
    let mut out = Vec::new();
    for _ in 0..1500 {
        out.extend(history().new_tree(&mut runner).unwrap().current());
    }
    // optional personal fields the generators leave empty: every such event once more
    // with the field filled
    let filled: Vec<CaseEvent> = out
        .iter()
        .filter(|e| matches!(e, CaseEvent::FeedbackReceived { content: None, .. }))
        .map(|e| {
            let mut json = serde_json::to_value(e).unwrap();
            json["content"] = Value::String("Bericht der Schuldnerberatung".into());
            serde_json::from_value(json).unwrap()
        })
        .collect();
    out.extend(filled);
    out
}

/// Every node of `v` with its path.
fn nodes(v: &Value, at: &str, out: &mut Vec<String>) {
    let join = |p: &str| {
        if at.is_empty() {
            p.to_owned()
        } else {
            format!("{at}/{p}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                out.push(join(k));
                nodes(child, &join(k), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                out.push(join(&i.to_string()));
                nodes(child, &join(&i.to_string()), out);
            }
        }
        _ => {}
    }
}

fn set(v: &mut Value, path: &str, to: Value) {
    let mut at = v;
    for part in path.split('/') {
        at = match part.parse::<usize>() {
            Ok(i) if at.is_array() => &mut at[i],
            _ => &mut at[part],
        };
    }
    *at = to;
}

/// The paths of `event` that are `Personal` fields, found without the declaration: a
/// node is personal exactly when the event still deserializes with a redaction marker in
/// its place and writes the marker back there (a struct of defaults may read the marker,
/// but writes itself).
fn probed(event: &CaseEvent) -> BTreeSet<String> {
    let json = serde_json::to_value(event).unwrap();
    let mut paths = Vec::new();
    nodes(&json, "", &mut paths);
    paths
        .into_iter()
        .filter(|path| path != "type")
        .filter(|path| {
            let mut probe = json.clone();
            set(&mut probe, path, serde_json::json!({"$personal": "erased"}));
            let marker = serde_json::json!({"$personal": "erased"});
            match serde_json::from_value::<CaseEvent>(probe) {
                Ok(read) => get(&serde_json::to_value(&read).unwrap(), path) == Some(&marker),
                Err(_) => false,
            }
        })
        .collect()
}

fn get<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/')
        .try_fold(v, |at, part| match part.parse::<usize>() {
            Ok(i) if at.is_array() => at.get(i),
            _ => at.get(part),
        })
}

fn pattern(path: &str) -> String {
    path.split('/')
        .map(|p| if p.parse::<usize>().is_ok() { "*" } else { p })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_personal_field_is_declared_and_every_declaration_is_one() {
    let declared: BTreeSet<(String, String)> = PERSONAL_FIELDS
        .iter()
        .map(|f| (f.event_type.to_owned(), f.path.to_owned()))
        .collect();
    let mut found: BTreeMap<(String, String), usize> = BTreeMap::new();
    let profile = Profile::new(30, Gender::Female, "t").problems([ProblemArea::Health]);
    for event in samples() {
        let event_type = event.event_type().to_owned();
        for path in probed(&event) {
            let key = (event_type.clone(), pattern(&path));
            assert!(
                declared.contains(&key),
                "{event_type}: the personal field {path} is not declared in PERSONAL_FIELDS"
            );
            *found.entry(key).or_default() += 1;
        }
        // the typed accessor finds every declared field the event has
        let mut copy = event.clone();
        for (path, _, shown) in personal_values(&mut copy, &profile) {
            assert!(
                !shown.is_empty(),
                "{event_type}: {path} is declared but not reachable"
            );
        }
    }
    for key in &declared {
        assert!(
            found.contains_key(key),
            "{key:?} is declared but no generated event has it"
        );
    }
}

#[test]
fn no_personal_field_is_declared_without_categories() {
    for f in PERSONAL_FIELDS {
        if let FieldCategories::Fixed(categories) = f.categories {
            assert!(
                !categories.is_empty(),
                "{} {} has no category",
                f.event_type,
                f.path
            );
        }
    }
}

#[test]
fn the_store_seals_exactly_the_declared_fields() {
    for f in PERSONAL_FIELDS {
        assert!(
            CaseEvent::personal_paths(
                f.event_type,
                CaseEvent::current_schema_version(f.event_type)
            )
            .contains(&f.path),
            "{} {} is not sealed",
            f.event_type,
            f.path
        );
    }
    let sealed: usize = CaseEvent::TYPES
        .iter()
        .map(|t| CaseEvent::personal_paths(t, CaseEvent::current_schema_version(t)).len())
        .sum();
    assert_eq!(
        sealed,
        PERSONAL_FIELDS.len(),
        "nothing sealed that is not declared"
    );
}
