//! PostgreSQL test support: the server comes from `CASEWORK_PG_URL`; each store lives in
//! its own schema, dropped when the store is dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicU64, Ordering};

use casework_postgres::{PgOptions, PgStore};
use casework_testkit::conformance;

/// The server URL, or `None` (after saying so) when the variable is unset. When it is
/// set, a server that cannot be reached makes the tests fail, not skip.
pub fn url() -> Option<String> {
    match std::env::var("CASEWORK_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("CASEWORK_PG_URL is not set: skipping this PostgreSQL test (set it, e.g. postgres://postgres@127.0.0.1:5432/test)");
            None
        }
    }
}

pub fn configured() -> bool {
    url().is_some()
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique schema name for one test store.
pub fn schema_name() -> String {
    format!(
        "cw_t{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    )
}

/// Drops its schema when dropped.
pub struct SchemaGuard {
    pub url: String,
    pub schema: String,
}

impl Drop for SchemaGuard {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

/// A store in a fresh schema that is dropped with the store.
pub type TempPg = conformance::Temporary<PgStore, SchemaGuard>;

pub fn fresh() -> TempPg {
    let url = url().expect("CASEWORK_PG_URL");
    let schema = schema_name();
    let store = PgStore::open(
        &url,
        PgOptions {
            schema: schema.clone(),
            ..PgOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("cannot open a PostgreSQL store at {url}: {e}"));
    conformance::Temporary {
        store,
        guard: SchemaGuard { url, schema },
    }
}

pub fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}
