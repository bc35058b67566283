//! PostgreSQL-specific properties: late commits, heavy concurrency, a connection killed in
//! the middle of an append, schema migrations, moving a store from sled.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use casework_postgres::{PgOptions, PgStore};
use casework_store::*;
use casework_testkit::conformance::sample_event;

fn sid(s: &str) -> StreamId {
    StreamId::new(s).unwrap()
}

/// Collects positions from a running subscriber until `want` arrived or 30 s passed.
fn subscriber(store: Arc<common::TempPg>, want: u64) -> std::thread::JoinHandle<Vec<u64>> {
    std::thread::spawn(move || {
        let mut sub = CatchUp::new(&*store, 0).with_batch(100);
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while (seen.len() as u64) < want && Instant::now() < deadline {
            seen.extend(
                sub.wait(Duration::from_millis(100))
                    .unwrap()
                    .iter()
                    .map(|e| e.position),
            );
        }
        seen
    })
}

#[test]
fn a_late_commit_is_neither_skipped_nor_duplicated() {
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::fresh());
    let sub = subscriber(Arc::clone(&store), 2);

    // connection A takes position 1 and holds its transaction open
    let mut a = common::client(&url);
    let mut tx = a.transaction().unwrap();
    let out = store
        .store
        .append_in(
            &mut tx,
            &sid("late-a"),
            ExpectedVersion::NoStream,
            vec![sample_event("late-a", 1)],
        )
        .unwrap();
    assert_eq!(out.first_position, 1);

    // B appends meanwhile: it must not get ahead of A
    let b_done = Arc::new(AtomicBool::new(false));
    let b = {
        let (store, b_done) = (Arc::clone(&store), Arc::clone(&b_done));
        std::thread::spawn(move || {
            let out = store
                .append(
                    &sid("late-b"),
                    ExpectedVersion::NoStream,
                    vec![sample_event("late-b", 1)],
                )
                .unwrap();
            b_done.store(true, Ordering::SeqCst);
            out
        })
    };
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        !b_done.load(Ordering::SeqCst),
        "B waits for A's position to commit"
    );
    assert_eq!(
        store.read_all(1, 10).unwrap().len(),
        0,
        "nothing is visible before A commits"
    );

    tx.commit().unwrap();
    let b_out = b.join().unwrap();
    assert_eq!(b_out.first_position, 2);
    assert_eq!(
        sub.join().unwrap(),
        vec![1, 2],
        "the running subscriber got both, in order, once"
    );
}

#[test]
fn eight_threads_times_500_appends_lose_nothing() {
    if !common::configured() {
        return;
    }
    let store = Arc::new(common::fresh());
    let (threads, per_thread) = (8u64, 500u64);
    let total_budget = threads * per_thread;
    let sub = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            let mut sub = CatchUp::new(&*store, 0).with_batch(500);
            let mut seen = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut idle = 0;
            while Instant::now() < deadline && idle < 20 {
                let got = sub.wait(Duration::from_millis(100)).unwrap();
                idle = if got.is_empty() { idle + 1 } else { 0 };
                seen.extend(got.iter().map(|e| e.position));
            }
            seen
        })
    };
    let shared = sid("shared");
    let wins: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, shared) = (&store, &shared);
                scope.spawn(move || {
                    let own = sid(&format!("own-{t}"));
                    let (mut own_n, mut shared_wins) = (0, 0);
                    for i in 0..per_thread {
                        if i % 2 == 0 {
                            own_n += 1;
                            store
                                .append(
                                    &own,
                                    ExpectedVersion::Exact(own_n - 1),
                                    vec![sample_event("own", i)],
                                )
                                .unwrap();
                        } else {
                            let v = store.stream_version(shared).unwrap().unwrap_or(0);
                            let expected = if v == 0 {
                                ExpectedVersion::NoStream
                            } else {
                                ExpectedVersion::Exact(v)
                            };
                            match store.append(shared, expected, vec![sample_event("shared", i)]) {
                                Ok(_) => shared_wins += 1,
                                Err(StoreError::Conflict { .. }) => {}
                                Err(e) => panic!("{e}"),
                            }
                        }
                    }
                    (own_n, shared_wins)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let own_total: u64 = wins.iter().map(|w| w.0).sum();
    let shared_total: u64 = wins.iter().map(|w| w.1).sum();
    assert_eq!(own_total, total_budget / 2);
    assert!(shared_total > 0);
    // exactly one winner per version of the shared stream: its versions are 1..=wins
    assert_eq!(store.stream_version(&shared).unwrap(), Some(shared_total));
    let head = store.head_position().unwrap();
    assert_eq!(head, own_total + shared_total);
    let seen = sub.join().unwrap();
    assert_eq!(
        seen,
        (1..=head).collect::<Vec<_>>(),
        "the subscriber saw every event once, in order"
    );
    assert!(store.verify_all().unwrap().is_empty());
}

#[test]
fn a_backend_killed_mid_append_writes_all_or_nothing_and_reports_a_typed_error() {
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::fresh());
    store
        .append(
            &sid("before"),
            ExpectedVersion::Any,
            vec![sample_event("before", 1)],
        )
        .unwrap();
    let schema = store.store.schema().to_owned();

    // a blocker holds the global log's counter row, so the append stops inside its
    // transaction after locking its stream
    let mut blocker = common::client(&url);
    let mut block = blocker.transaction().unwrap();
    block
        .query_one(
            &format!("SELECT position FROM {schema}.log_head WHERE id = 1 FOR UPDATE"),
            &[],
        )
        .unwrap();

    let victim = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            store.append(
                &sid("victim"),
                ExpectedVersion::NoStream,
                (1..=5).map(|n| sample_event("victim", n)).collect(),
            )
        })
    };
    // find the waiting backend and terminate it
    let mut admin = common::client(&url);
    let deadline = Instant::now() + Duration::from_secs(10);
    let pid: i32 = loop {
        let row = admin
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1 AND pid <> pg_backend_pid()",
                &[&format!("%{schema}.append_events%")],
            )
            .unwrap();
        if let Some(row) = row {
            break row.get(0);
        }
        assert!(
            Instant::now() < deadline,
            "the append never reached the lock"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let killed: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
    let result = victim.join().unwrap();
    assert!(
        matches!(result, Err(StoreError::Io(_))),
        "typed error, got {result:?}"
    );
    block.rollback().unwrap();

    // nothing of the victim's append exists; the store keeps working on a new connection
    assert_eq!(store.stream_version(&sid("victim")).unwrap(), None);
    assert_eq!(store.head_position().unwrap(), 1);
    let out = store
        .append(
            &sid("victim"),
            ExpectedVersion::NoStream,
            vec![sample_event("victim", 1)],
        )
        .unwrap();
    assert_eq!(out.first_position, 2, "no gap");
    assert!(store.verify_all().unwrap().is_empty());
}

#[test]
fn a_backend_killed_while_committing_leaves_everything_or_nothing() {
    // terminate connections at varied moments of a stream of appends: whatever the
    // outcome reported, the store afterwards holds whole appends only, gapless
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::fresh());
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (Arc::clone(&store), Arc::clone(&stop));
        std::thread::spawn(move || {
            let (mut ok, mut failed) = (Vec::new(), 0);
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let name = format!("w-{n}");
                match store.append(
                    &sid(&name),
                    ExpectedVersion::NoStream,
                    (1..=3).map(|i| sample_event(&name, i)).collect(),
                ) {
                    Ok(_) => ok.push(name),
                    Err(StoreError::Io(_)) => failed += 1,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            (ok, failed)
        })
    };
    let mut admin = common::client(&url);
    let schema = store.store.schema().to_owned();
    for _ in 0..15 {
        std::thread::sleep(Duration::from_millis(30));
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()",
                &[&format!("%{schema}.%")],
            )
            .unwrap();
    }
    stop.store(true, Ordering::SeqCst);
    let (ok, failed) = writer.join().unwrap();
    assert!(
        failed > 0 && !ok.is_empty(),
        "kills landed ({failed} failed, {} acknowledged)",
        ok.len()
    );
    let streams: HashSet<String> = store
        .list_streams()
        .unwrap()
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    for name in &ok {
        assert!(streams.contains(name), "acknowledged {name} is stored");
    }
    for s in store.list_streams().unwrap() {
        assert_eq!(
            store.stream_version(&s).unwrap(),
            Some(3),
            "{s} holds a whole append"
        );
    }
    assert_eq!(store.head_position().unwrap(), 3 * streams.len() as u64);
    assert!(store.verify_all().unwrap().is_empty());
}

#[test]
fn migrations_are_idempotent_and_newer_schemas_are_refused() {
    let Some(url) = common::url() else { return };
    let temp = common::fresh();
    let schema = temp.store.schema().to_owned();
    temp.store
        .append(&sid("m"), ExpectedVersion::Any, vec![sample_event("m", 1)])
        .unwrap();
    // opening again (and concurrently) migrates nothing and keeps the data
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (url, schema) = (&url, &schema);
            scope.spawn(move || {
                let again = PgStore::open(
                    url,
                    PgOptions {
                        schema: schema.clone(),
                        ..PgOptions::default()
                    },
                )
                .unwrap();
                assert_eq!(again.head_position().unwrap(), 1);
            });
        }
    });
    let mut c = common::client(&url);
    c.execute(
        &format!("UPDATE {schema}.casework_schema SET version = 99"),
        &[],
    )
    .unwrap();
    match PgStore::open(
        &url,
        PgOptions {
            schema: schema.clone(),
            ..PgOptions::default()
        },
    ) {
        Err(StoreError::UnsupportedFormat(m)) => assert!(m.contains("version 99"), "{m}"),
        other => panic!("expected UnsupportedFormat, got {:?}", other.map(|_| ())),
    }
    assert!(matches!(
        PgStore::open(
            &url,
            PgOptions {
                schema: "Bad-Name; DROP".into(),
                ..PgOptions::default()
            }
        ),
        Err(StoreError::Io(_))
    ));
}

#[test]
fn an_unreachable_server_is_a_typed_error() {
    if !common::configured() {
        return;
    }
    let result = PgStore::open(
        "postgres://postgres@127.0.0.1:1/test?connect_timeout=2",
        PgOptions {
            schema: common::schema_name(),
            ..PgOptions::default()
        },
    );
    assert!(matches!(result, Err(StoreError::Io(_))));
}

#[test]
fn an_unreachable_server_is_reported_at_once_not_after_the_connection_wait() {
    if !common::configured() {
        return;
    }
    let started = Instant::now();
    let result = PgStore::open(
        "postgres://postgres@127.0.0.1:1/test?connect_timeout=2",
        PgOptions {
            schema: common::schema_name(),
            connection_wait: Duration::from_secs(60),
            ..PgOptions::default()
        },
    );
    assert!(
        matches!(result, Err(StoreError::Io(_))),
        "{:?}",
        result.err()
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_read_on_a_connection_the_server_ended_while_idle_is_repeated_on_a_new_one() {
    let Some(url) = common::url() else { return };
    let store = common::fresh();
    store
        .append(
            &sid("idle"),
            ExpectedVersion::NoStream,
            vec![sample_event("idle", 1)],
        )
        .unwrap();
    assert_eq!(store.head_position().unwrap(), 1);
    // end every connection of the store while it lies idle in the pool
    let schema = store.store.schema().to_owned();
    let mut admin = common::client(&url);
    let killed: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE query LIKE $1 AND pid <> pg_backend_pid()) AS t",
            &[&format!("%{schema}.%")],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 1, "the idle connection was found");
    std::thread::sleep(Duration::from_millis(100));
    // the first read fails on the dead connection and is run again on a new one
    assert_eq!(store.head_position().unwrap(), 1);
    assert_eq!(store.stream_version(&sid("idle")).unwrap(), Some(1));
    assert_eq!(store.read_stream(&sid("idle"), 1, 10).unwrap().len(), 1);
}

#[test]
fn a_pool_whose_connections_are_all_busy_is_unavailable_after_the_wait() {
    let Some(url) = common::url() else { return };
    let schema = common::schema_name();
    let _guard = common::SchemaGuard {
        url: url.clone(),
        schema: schema.clone(),
    };
    let store = Arc::new(
        PgStore::open(
            &url,
            PgOptions {
                schema,
                max_connections: 1,
                connection_wait: Duration::from_millis(300),
                ..PgOptions::default()
            },
        )
        .unwrap(),
    );
    // a waiting subscriber holds the one connection
    let waiter = {
        let store = Arc::clone(&store);
        std::thread::spawn(move || store.wait_for_events(0, Duration::from_secs(2)))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let busy = loop {
        match store.head_position() {
            Err(e) => break e,
            Ok(_) => {
                assert!(
                    Instant::now() < deadline,
                    "the waiter never took the connection"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    };
    assert!(matches!(busy, StoreError::Unavailable(_)), "{busy:?}");
    assert_eq!(waiter.join().unwrap().unwrap(), 0);
    // the connection came back: the store works again
    assert_eq!(store.head_position().unwrap(), 0);
}

#[test]
fn a_store_moves_from_sled_to_postgres_by_export_and_import() {
    if !common::configured() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sled = casework_sled::SledStore::open(dir.path()).unwrap();
    for s in ["case-1", "case-2", "case-3"] {
        for n in 1..=4 {
            sled.append(&sid(s), ExpectedVersion::Any, vec![sample_event(s, n)])
                .unwrap();
        }
    }
    let mut file = Vec::new();
    export_jsonl(&sled, &mut file, &mut |_| {}).unwrap();
    let pg = common::fresh();
    let imported = import_jsonl(
        &pg,
        &mut file.as_slice(),
        &ImportOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(imported.events, 12);
    assert_eq!(pg.read_all(1, 100).unwrap(), sled.read_all(1, 100).unwrap());
    assert!(pg.verify_all().unwrap().is_empty());
    let mut again = Vec::new();
    export_jsonl(&pg, &mut again, &mut |_| {}).unwrap();
    assert_eq!(
        again, file,
        "the PostgreSQL export is byte-identical to the sled export"
    );
}

/// The canary scan of issue 11 on PostgreSQL: 100 cases with unique strings in every
/// personal field, 50 erased; a `COPY ... TO STDOUT` of every table of the store's schema
/// (what `pg_dump` writes) holds no canary; kept cases read theirs, erased ones none.
#[test]
fn no_canary_is_in_any_table_and_erased_cases_stay_unreadable() {
    let Some(url) = common::url() else { return };
    let store = common::fresh();
    let work = casework_testkit::conformance::canary_workload(&store, 100);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let schema = store.store.schema().to_owned();
    let tables: Vec<String> = client
        .query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(tables.contains(&"data_keys".to_owned()) && tables.contains(&"events".to_owned()));
    let mut dump = Vec::new();
    for table in &tables {
        let mut reader = client
            .copy_out(&format!("COPY {schema}.{table} TO STDOUT"))
            .unwrap();
        std::io::Read::read_to_end(&mut reader, &mut dump).unwrap();
    }
    let dump = String::from_utf8_lossy(&dump);
    assert!(
        dump.len() > 100_000,
        "the dump holds the store ({} bytes)",
        dump.len()
    );
    // COPY's text format writes bytea as hex: look for each string as text and as hex
    let hex = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    let found = |s: &str| dump.contains(s) || dump.contains(hex(s).as_str());
    assert!(
        found("\"route\""),
        "the scan finds process facts, so it would find canaries"
    );
    // every canary starts with the prefix: finding none finds none of the 600
    assert!(
        !found(casework_testkit::conformance::CANARY_PREFIX),
        "a canary is in a table in clear"
    );
    for case in &work.kept {
        let seen = casework_testkit::conformance::visible_personal_data(&store, &case.stream);
        assert!(case.canaries.iter().all(|c| seen.contains(c.as_str())));
    }
    for case in &work.erased {
        let seen = casework_testkit::conformance::visible_personal_data(&store, &case.stream);
        assert!(case.canaries.iter().all(|c| !seen.contains(c.as_str())));
    }
    assert_eq!(store.verify_all().unwrap(), vec![]);
}

/// A schema written before the log digest (version 2: no digest, no meta table) migrates
/// to version 3, gets the digest computed once from its log and an id, and keeps both.
#[test]
fn a_schema_from_before_the_log_digest_gets_it_when_opened() {
    let Some(url) = common::url() else { return };
    let temp = common::fresh();
    let schema = temp.store.schema().to_owned();
    for (i, s) in ["a", "b", "a", "c"].iter().enumerate() {
        temp.store
            .append(
                &sid(s),
                ExpectedVersion::Any,
                vec![sample_event(s, i as u64)],
            )
            .unwrap();
    }
    let expected = temp.store.log_head().unwrap();
    // back to version 2
    let mut c = common::client(&url);
    c.batch_execute(&format!(
        "ALTER TABLE {schema}.log_head DROP COLUMN digest;
         DROP TABLE {schema}.meta;
         UPDATE {schema}.casework_schema SET version = 2;"
    ))
    .unwrap();
    let again = PgStore::open(
        &url,
        PgOptions {
            schema: schema.clone(),
            ..PgOptions::default()
        },
    )
    .unwrap();
    assert_eq!(again.log_head().unwrap(), expected);
    again.store_id().unwrap();
    again
        .append(&sid("d"), ExpectedVersion::Any, vec![sample_event("d", 9)])
        .unwrap();
    assert_eq!(
        again.log_head().unwrap(),
        checkpoint::compute_log_head(&again).unwrap()
    );
}

/// An import staged in its own schema moves into place in one transaction; a target that
/// holds events is refused and left as it was.
#[test]
fn a_staged_schema_is_promoted_only_over_an_empty_target() {
    let Some(url) = common::url() else { return };
    let staged = common::fresh();
    staged
        .store
        .append(&sid("s"), ExpectedVersion::Any, vec![sample_event("s", 1)])
        .unwrap();
    let target = common::fresh();
    target
        .store
        .append(&sid("t"), ExpectedVersion::Any, vec![sample_event("t", 1)])
        .unwrap();
    let err = casework_postgres::promote_schema(&url, staged.store.schema(), target.store.schema())
        .unwrap_err();
    assert!(err.to_string().contains("already holds 1 events"), "{err}");
    assert_eq!(target.store.read_all(1, 10).unwrap()[0].stream, sid("t"));
    // into a name that does not exist yet
    let name = common::schema_name();
    casework_postgres::promote_schema(&url, staged.store.schema(), &name).unwrap();
    let _guard = common::SchemaGuard {
        url: url.clone(),
        schema: name.clone(),
    };
    let moved = PgStore::open(
        &url,
        PgOptions {
            schema: name,
            ..PgOptions::default()
        },
    )
    .unwrap();
    assert_eq!(moved.read_all(1, 10).unwrap()[0].stream, sid("s"));
}

/// An append is one call of `append_events`, sealed against the stream head this process
/// last saw. Two processes (two stores on one schema) writing the same stream each see a
/// stale head in turn: the server returns the real one and the append is sealed again, so
/// chains and the server-side log digest stay right; an expectation the real head fails
/// is a conflict naming it.
#[test]
fn appends_from_two_processes_reseal_against_the_real_head() {
    let Some(url) = common::url() else { return };
    let one = common::fresh();
    let schema = one.store.schema().to_owned();
    let two = PgStore::open(
        &url,
        PgOptions {
            schema: schema.clone(),
            ..PgOptions::default()
        },
    )
    .unwrap();
    let s = sid("shared");
    for round in 0..3u64 {
        let n = round * 4;
        one.store
            .append(
                &s,
                ExpectedVersion::Any,
                vec![sample_event("shared", n + 1), sample_event("shared", n + 2)],
            )
            .unwrap();
        // `two` last saw the stream before `one` wrote: it seals against a stale head
        let out = two
            .append(
                &s,
                ExpectedVersion::Exact(n + 2),
                vec![sample_event("shared", n + 3), sample_event("shared", n + 4)],
            )
            .unwrap();
        assert_eq!((out.first_version, out.last_version), (n + 3, n + 4));
    }
    match one.store.append(
        &s,
        ExpectedVersion::Exact(10),
        vec![sample_event("shared", 11)],
    ) {
        Err(StoreError::Conflict { actual, .. }) => assert_eq!(actual, Some(12)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(one.store.verify_all().unwrap(), vec![]);
    assert_eq!(
        one.store.log_head().unwrap(),
        checkpoint::compute_log_head(&one.store).unwrap()
    );
}

/// Before an import stages into `<schema>_staging`, a schema of that name is dropped only
/// when it is an unfinished import's leftover (a casework store with the import marker, or
/// one without events); a user's own schema of that name, or a complete casework store,
/// is refused and left as it was.
#[test]
fn only_an_unfinished_import_is_cleared_from_the_staging_name() {
    let Some(url) = common::url() else { return };
    let mut client = common::client(&url);
    let exists = |client: &mut postgres::Client, name: &str| {
        client
            .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&name])
            .unwrap()
            .is_some()
    };

    // a user's schema with unrelated tables
    let users = common::schema_name();
    let _users_guard = common::SchemaGuard {
        url: url.clone(),
        schema: users.clone(),
    };
    client
        .batch_execute(&format!(
            "CREATE SCHEMA {users}; CREATE TABLE {users}.precious (x int); INSERT INTO {users}.precious VALUES (7);"
        ))
        .unwrap();
    let err = casework_postgres::clear_staging_schema(&url, &users).unwrap_err();
    assert!(
        matches!(&err, StoreError::UnsupportedFormat(why) if why.contains("not touched")),
        "{err}"
    );
    let kept: i32 = client
        .query_one(&format!("SELECT x FROM {users}.precious"), &[])
        .unwrap()
        .get(0);
    assert_eq!(kept, 7, "the user's table is as it was");

    // a complete casework store
    let complete = common::fresh();
    complete
        .store
        .append(&sid("c"), ExpectedVersion::Any, vec![sample_event("c", 1)])
        .unwrap();
    let name = complete.store.schema().to_owned();
    assert!(casework_postgres::clear_staging_schema(&url, &name).is_err());
    assert!(exists(&mut client, &name));
    assert_eq!(complete.store.head_position().unwrap(), 1);

    // the same store left marked by an import that did not finish is cleared
    complete
        .store
        .set_meta(meta::IMPORTING, Some(b"an import"))
        .unwrap();
    casework_postgres::clear_staging_schema(&url, &name).unwrap();
    assert!(!exists(&mut client, &name));

    // an empty casework store is cleared; a missing schema is fine
    let empty = common::fresh();
    let name = empty.store.schema().to_owned();
    casework_postgres::clear_staging_schema(&url, &name).unwrap();
    assert!(!exists(&mut client, &name));
    casework_postgres::clear_staging_schema(&url, &name).unwrap();
}
