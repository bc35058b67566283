//! A web service on casework: commands by POST (with `If-Match` and `Idempotency-Key`),
//! case state and history by GET, on axum. The sled store by default; PostgreSQL with
//! `--pg URL` (feature `postgres`). The routes are in `service.rs`.
//!
//! Run: `cargo run --example http_service` starts the service on 127.0.0.1 (a free port),
//! drives it once over real HTTP — register, a command on a stale version (409), the same
//! command on the current one, a retried request with the same idempotency key — prints
//! what it got, and stops. `cargo run --example http_service -- --serve 127.0.0.1:8080
//! [--store DIR]` keeps serving.

mod service;

use casework::prelude::*;
use service::call;

fn open(
    args: &[String],
    scratch: &std::path::Path,
) -> Result<Cases<Box<dyn Store>>, Box<dyn std::error::Error>> {
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let store: Box<dyn Store> = match flag("--pg") {
        #[cfg(feature = "postgres")]
        Some(url) => Box::new(casework::postgres::PgStore::open(
            url,
            casework::postgres::PgOptions::default(),
        )?),
        #[cfg(not(feature = "postgres"))]
        Some(_) => return Err(
            "--pg needs the feature postgres: cargo run --features postgres --example http_service"
                .into(),
        ),
        None => {
            let dir = match flag("--store") {
                Some(dir) => std::path::PathBuf::from(dir),
                None => scratch.join("store"),
            };
            Box::new(casework::sled::SledStore::open(dir)?)
        }
    };
    Ok(Cases::new(store, Policy::default()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    // without --store: a store in a temporary directory, removed at the end
    let scratch = tempfile::tempdir()?;
    let cases = open(&args, scratch.path())?;
    let serve = args
        .iter()
        .position(|a| a == "--serve")
        .and_then(|i| args.get(i + 1));
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind(
        serve.map_or("127.0.0.1:0", String::as_str),
    ))?;
    let addr = listener.local_addr()?;
    let app = service::router(cases.clone());
    if serve.is_some() {
        println!("serving on http://{addr}");
        runtime.block_on(async { axum::serve(listener, app).await })?;
        return Ok(());
    }
    runtime.spawn(async move { axum::serve(listener, app).await });

    // the demo client, over real HTTP
    let at = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or("time")?;
    let (status, body) = call(addr, "POST", "/cases", &[], &serde_json::json!({
        "by": {"user": "s.keller", "role": "referrer", "institution": "sozialamt"},
        "at": at,
        "client_name": "Maria Muster",
        "subject": "p-maria",
        "profile": Profile::new(34, Gender::Female, "west").problems([ProblemArea::Health, ProblemArea::Finances]),
    }).to_string())?;
    println!("POST /cases → {status} {body}");
    let case = serde_json::from_str::<serde_json::Value>(&body)?["case"]
        .as_str()
        .ok_or("no case id")?
        .to_owned();
    let consent = serde_json::json!({
        "by": {"user": "maria", "role": "client", "institution": "client"},
        "at": at,
        "command": {"command": "SignConsent", "signatory": "client", "scope": {"institutions": ["sozialamt"], "data": [], "medical_release": [], "purposes": ["case_management"]}},
    })
    .to_string();
    let path = format!("/cases/{case}/commands");
    let (status, body) = call(
        addr,
        "POST",
        &path,
        &[("If-Match", "0".to_owned())],
        &consent,
    )?;
    println!("POST {path} If-Match: 0 → {status} {body}");
    let (status, body) = call(
        addr,
        "POST",
        &path,
        &[("If-Match", "1".to_owned())],
        &consent,
    )?;
    println!("POST {path} If-Match: 1 → {status} {body}");
    for attempt in 1..=2 {
        let (status, body) = call(
            addr,
            "POST",
            &path,
            &[("Idempotency-Key", "consent-renewal-7".to_owned())],
            &consent,
        )?;
        println!("POST {path} Idempotency-Key (attempt {attempt}) → {status} {body}");
    }
    let (status, body) = call(addr, "GET", &format!("/cases/{case}/history"), &[], "")?;
    println!(
        "GET /cases/{case}/history → {status} {} event(s)",
        serde_json::from_str::<serde_json::Value>(&body)?["events"]
            .as_array()
            .map_or(0, Vec::len)
    );
    Ok(())
}
