//! The HTTP API of the example service, over [`Cases`]: what an embedding web application
//! writes. The store is synchronous, so every handler runs its store work on tokio's
//! blocking pool (`spawn_blocking`) and never blocks the async workers.
//!
//! | route | what |
//! | --- | --- |
//! | `POST /cases` | register a client: `{"by": actor, "at": time, "client_name", "subject", "profile"}` → 201 `{"case", "version"}` |
//! | `POST /cases/{id}/commands` | a command: `{"by", "at", "command"}`; header `If-Match: VERSION` (decide only on that version, else 409) and `Idempotency-Key: KEY` (a retry appends nothing) → 200 `{"case", "version", "events"}` |
//! | `GET /cases/{id}` | the case's state and version |
//! | `GET /cases/{id}/history` | who did what when |
//!
//! Errors: 400 bad input or audit field, 404 no such case, 409 another version (the body
//! names the current one), 422 the process rejected the command (the body names the
//! rule), 503 the store failed.
// a handler answers with a `Response` either way: `Err(Response)` is the early answer
#![allow(clippy::result_large_err)]

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use casework::prelude::*;
use casework::store::{RecordedEvent, Version};
use serde::Deserialize;
use serde_json::{json, Value};

/// `POST /cases`.
#[derive(Debug, Deserialize)]
pub struct Register {
    /// Who registers (a referrer or caseworker of the registering institution).
    pub by: Actor,
    /// When.
    pub at: DateTime<Utc>,
    /// The client's name (sealed in the store).
    pub client_name: String,
    /// The client's pseudonym as a party of the case (the user id of its login).
    pub subject: SubjectId,
    /// Triage facts.
    pub profile: Profile,
}

/// `POST /cases/{id}/commands`.
#[derive(Debug, Deserialize)]
pub struct Command {
    /// Who acts.
    pub by: Actor,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What.
    pub command: CaseCommand,
}

/// The routes over `cases`.
pub fn router<S: Store + 'static>(cases: Cases<S>) -> Router {
    Router::new()
        .route("/cases", post(register::<S>))
        .route("/cases/{id}", get(state::<S>))
        .route("/cases/{id}/commands", post(command::<S>))
        .route("/cases/{id}/history", get(history::<S>))
        .with_state(cases)
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Conflict { actual, .. } => reply(
            StatusCode::CONFLICT,
            json!({"error": "the case is at another version: reload and decide again", "version": actual}),
        ),
        StoreError::Audit(_) | StoreError::InvalidIdempotencyKey(_) => {
            reply(StatusCode::BAD_REQUEST, json!({"error": e.to_string()}))
        }
        other => reply(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": other.to_string()}),
        ),
    }
}

fn repo_error(e: RepoError<CaseError>) -> Response {
    match e {
        RepoError::Rejected(rule) => reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": rule.to_string()}),
        ),
        RepoError::Store(e) => store_error(e),
        RepoError::Contended { .. } => reply(StatusCode::CONFLICT, json!({"error": e.to_string()})),
    }
}

fn parse_case(id: &str) -> Result<CaseId, Response> {
    casework::case::parse_case_id(id).ok_or_else(|| {
        reply(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("{id:?} is not a case id")}),
        )
    })
}

/// Runs store work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Response> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        )
    })
}

async fn register<S: Store + 'static>(
    State(cases): State<Cases<S>>,
    Json(req): Json<Register>,
) -> Response {
    let done = blocking(move || {
        cases.register(
            &req.by,
            req.at,
            ClientDetails::named(req.client_name),
            req.subject,
            req.profile,
        )
    })
    .await;
    match done {
        Err(response) => response,
        Ok(Err(e)) => repo_error(e),
        Ok(Ok((case, _))) => reply(StatusCode::CREATED, json!({"case": case, "version": 1})),
    }
}

async fn command<S: Store + 'static>(
    State(cases): State<Cases<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(req): Json<Command>,
) -> Response {
    let case = match parse_case(&id) {
        Ok(case) => case,
        Err(response) => return response,
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let expected = match header("if-match").map(|v| v.trim_matches('"').parse::<Version>()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return reply(
                StatusCode::BAD_REQUEST,
                json!({"error": "If-Match must be a version number"}),
            )
        }
    };
    let key = header("idempotency-key");
    let done = blocking(move || match (key, expected) {
        (Some(key), _) => cases.execute_once(case, &key, &req.by, req.at, &req.command),
        (None, Some(v)) => {
            cases.execute_expecting(case, (v > 0).then_some(v), &req.by, req.at, &req.command)
        }
        (None, None) => cases.execute(case, &req.by, req.at, &req.command),
    })
    .await;
    match done {
        Err(response) => response,
        Ok(Err(e)) => repo_error(e),
        Ok(Ok(done)) => {
            let events: Vec<&str> = done.events.iter().map(|e| e.event_type()).collect();
            let version = done.outcome.map(|o| o.last_version);
            reply(
                StatusCode::OK,
                json!({"case": case, "version": version, "events": events}),
            )
        }
    }
}

async fn state<S: Store + 'static>(
    State(cases): State<Cases<S>>,
    Path(id): Path<String>,
) -> Response {
    let case = match parse_case(&id) {
        Ok(case) => case,
        Err(response) => return response,
    };
    match blocking(move || cases.load_versioned(case)).await {
        Err(response) => response,
        Ok(Err(e)) => store_error(e),
        Ok(Ok((_, None))) => reply(StatusCode::NOT_FOUND, json!({"error": "no such case"})),
        Ok(Ok((state, Some(version)))) => reply(
            StatusCode::OK,
            json!({"case": case, "version": version, "phase": format!("{:?}", state.phase_name()), "state": state}),
        ),
    }
}

async fn history<S: Store + 'static>(
    State(cases): State<Cases<S>>,
    Path(id): Path<String>,
) -> Response {
    let case = match parse_case(&id) {
        Ok(case) => case,
        Err(response) => return response,
    };
    match blocking(move || cases.history(case)).await {
        Err(response) => response,
        Ok(Err(e)) => store_error(e),
        Ok(Ok(events)) if events.is_empty() => {
            reply(StatusCode::NOT_FOUND, json!({"error": "no such case"}))
        }
        Ok(Ok(events)) => {
            let rows: Vec<Value> = events.iter().map(row).collect();
            reply(StatusCode::OK, json!({"case": case, "events": rows}))
        }
    }
}

fn row(e: &RecordedEvent) -> Value {
    json!({
        "version": e.version,
        "position": e.position,
        "event": e.event_type,
        "effective_at": e.effective_at,
        "recorded_at": e.recorded_at,
        "actor": e.metadata.actor,
    })
}

/// A minimal HTTP/1.1 client for the demo and the tests: one request over a fresh
/// connection; the status and the body.
pub fn call(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Ok((status, body))
}
