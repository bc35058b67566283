//! The web-service example (`examples/http_service`) over real HTTP on 127.0.0.1: sixteen
//! concurrent clients issue commands against one case with `If-Match`; exactly one wins
//! per expected version, the others reload and retry until they succeed, and the final
//! state equals the replay of the stored stream. Idempotency keys append once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../examples/http_service/service.rs"]
mod service;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use casework::case::case_codec;
use casework::prelude::*;
use casework::sled::SledStore;
use casework::store::Repository;
use serde_json::{json, Value};

fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (u16, Value) {
    let (status, body) = service::call(addr, method, path, headers, body).unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

struct Service {
    addr: SocketAddr,
    cases: Cases<SledStore>,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// The service on a sled store in a temporary directory, on a free port of 127.0.0.1.
fn start() -> Service {
    let dir = tempfile::tempdir().unwrap();
    let cases = Cases::new(SledStore::open(dir.path()).unwrap(), Policy::default());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let app = service::router(cases.clone());
    runtime.spawn(async move { axum::serve(listener, app).await });
    Service {
        addr,
        cases,
        _runtime: runtime,
        _dir: dir,
    }
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

fn register(s: &Service) -> String {
    let (status, body) = call(s.addr, "POST", "/cases", &[], &json!({
        "by": {"user": "s.keller", "role": "referrer", "institution": "sozialamt"},
        "at": at(),
        "client_name": "Maria Muster",
        "subject": "p-maria",
        "profile": Profile::new(34, Gender::Female, "west").problems([ProblemArea::Health, ProblemArea::Finances]),
    }).to_string());
    assert_eq!(status, 201, "{body}");
    body["case"].as_str().unwrap().to_owned()
}

/// The consent signed by the client `user` (the case's subject is `p-maria`).
fn consent(user: &str) -> String {
    consent_by(json!({"user": user, "role": "client", "institution": "client"}))
}

/// The consent, recorded by `by`.
fn consent_by(by: serde_json::Value) -> String {
    json!({
        "by": by,
        "at": at(),
        "command": {"command": "SignConsent", "signatory": "client", "scope": {"institutions": ["sozialamt"], "data": [], "medical_release": [], "purposes": ["case_management"]}},
    })
    .to_string()
}

#[test]
fn sixteen_clients_one_winner_per_version_and_replay_equals_live() {
    let s = start();
    let case = register(&s);
    let path = format!("/cases/{case}/commands");
    let wins: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let (s, path, case) = (&s, &path, &case);
                scope.spawn(move || {
                    // sixteen clerks of the referring office record the signed form
                    let body = consent_by(json!({
                        "user": format!("clerk{i}"),
                        "role": "caseworker",
                        "institution": "sozialamt",
                    }));
                    for _ in 0..500 {
                        let (_, state) = call(s.addr, "GET", &format!("/cases/{case}"), &[], "");
                        let version = state["version"].as_u64().unwrap();
                        let (status, reply) = call(
                            s.addr,
                            "POST",
                            path,
                            &[("If-Match", version.to_string())],
                            &body,
                        );
                        match status {
                            200 => {
                                assert_eq!(reply["version"].as_u64(), Some(version + 1));
                                return version;
                            }
                            409 => continue, // another client won this version: reload
                            other => panic!("client {i}: {other} {reply}"),
                        }
                    }
                    panic!("client {i} never got through");
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let versions: BTreeSet<u64> = wins.iter().copied().collect();
    assert_eq!(
        versions.len(),
        16,
        "exactly one winner per expected version"
    );
    assert_eq!(versions, (1..=16).collect());
    // the final state equals the replay of the stored stream
    let (_, state) = call(s.addr, "GET", &format!("/cases/{case}"), &[], "");
    assert_eq!(state["version"], 17);
    let stream = casework::store::StreamId::new(format!("case-{case}")).unwrap();
    let replay =
        Repository::<casework::process::CaseProcess, _>::new(s.cases.store(), case_codec())
            .load(&stream)
            .unwrap();
    assert_eq!(serde_json::to_value(&replay.state).unwrap(), state["state"]);
    let (_, history) = call(s.addr, "GET", &format!("/cases/{case}/history"), &[], "");
    assert_eq!(history["events"].as_array().unwrap().len(), 17);
}

#[test]
fn a_retried_request_appends_once_and_bad_requests_are_refused() {
    let s = start();
    let case = register(&s);
    let path = format!("/cases/{case}/commands");
    let key = [("Idempotency-Key", "consent-7".to_owned())];
    let first = call(s.addr, "POST", &path, &key, &consent("p-maria"));
    let again = call(s.addr, "POST", &path, &key, &consent("p-maria"));
    assert_eq!(first.0, 200);
    assert_eq!(first, again);
    assert_eq!(s.cases.store().head_position().unwrap(), 2);
    // a client role is not enough: only the case's client signs as the client
    let (status, body) = call(s.addr, "POST", &path, &[], &consent("p-someone"));
    assert_eq!(status, 422, "{body}");
    assert!(
        body.to_string().contains("not this case's client"),
        "{body}"
    );
    assert_eq!(s.cases.store().head_position().unwrap(), 2);
    // a rule of the process: 422 with the rule; bad input: 400; no case: 404
    let close_twice = json!({
        "by": {"user": "k.meier", "role": "coordinator", "institution": "sozialamt"},
        "at": at(),
        "command": {"command": "RegisterCase", "case_id": case, "referrer": "sozialamt", "client": {"name": "X"}, "subject": "p-x", "profile": Profile::new(30, Gender::Male, "west")},
    });
    let (status, body) = call(s.addr, "POST", &path, &[], &close_twice.to_string());
    assert_eq!(status, 422, "{body}");
    let future = consent("p-maria").replace("2026-03-02", "2099-03-02");
    assert_eq!(call(s.addr, "POST", &path, &[], &future).0, 400);
    assert_eq!(
        call(
            s.addr,
            "POST",
            &path,
            &[("If-Match", "x".into())],
            &consent("p-maria")
        )
        .0,
        400
    );
    assert_eq!(call(s.addr, "GET", "/cases/not-a-case", &[], "").0, 400);
    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        call(s.addr, "GET", &format!("/cases/{unknown}"), &[], "").0,
        404
    );
}
