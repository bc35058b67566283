//! Every input boundary of the `casework` binary, table-driven through the real binary:
//! the exit code, the message, and that the store (or the directory, or the schema) is
//! unchanged afterwards. Exit codes: 0 ok, 1 verify found problems, 2 usage, 3 store,
//! 4 bad input, 141 a closed output pipe.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use assert_cmd::Command;

fn bin() -> Command {
    Command::cargo_bin("casework").unwrap()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let o = bin().args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A one-year demo store shared by the tests (all of its events lie in 2025).
fn store() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let p = path.to_str().unwrap();
        let (code, out, err) = run(&[
            "--store", p, "demo", "--cases", "40", "--years", "1", "--seed", "3",
        ]);
        assert_eq!(code, 0, "{out}{err}");
        dir
    })
    .path()
}

fn store_path() -> String {
    store().join("store").display().to_string()
}

/// The store's files and their sizes: what "unchanged" is checked against.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out: Vec<_> = walk(dir)
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p, len)
        })
        .collect();
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk(&p)
            } else {
                vec![p]
            }
        })
        .collect()
}

fn head(store: &str) -> String {
    let (_, out, _) = run(&["--store", store, "stats"]);
    out.lines()
        .find(|l| l.starts_with("events"))
        .unwrap_or_default()
        .to_owned()
}

struct Case {
    args: Vec<String>,
    code: i32,
    stderr: &'static str,
}

fn case(args: &[&str], code: i32, stderr: &'static str) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        code,
        stderr,
    }
}

#[test]
fn bad_input_on_the_sled_store_is_refused_and_changes_nothing() {
    let s = store_path();
    let s = s.as_str();
    let before = head(s);
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("existing.jsonl");
    std::fs::write(&existing, "keep me").unwrap();
    let existing = existing.to_str().unwrap();
    let inside = format!("{s}/export.jsonl");
    let table = [
        // numbers out of bounds are usage errors that name the bound
        case(&["--store", s, "demo", "--years", "1000000"], 2, "1..=30"),
        case(
            &["--store", s, "demo", "--cases", "4294967295"],
            2,
            "1..=100000",
        ),
        case(
            &["--store", s, "report", "entry-planning", "--through", "13"],
            2,
            "1..=12",
        ),
        case(
            &["--store", s, "report", "entry-planning", "--through", "0"],
            2,
            "1..=12",
        ),
        case(
            &["--store", s, "report", "half-year", "--half", "3"],
            2,
            "1..=2",
        ),
        case(
            &["--store", s, "report", "worklist", "--horizon", "99999"],
            2,
            "0..=3650",
        ),
        // dates only as YYYY-MM-DD
        case(
            &["--store", s, "report", "worklist", "--as-of", "26-1-1"],
            4,
            "is not a date",
        ),
        case(
            &["--store", s, "report", "outcomes", "--from", "2025-13-01"],
            4,
            "is not a date",
        ),
        // periods and names the store cannot answer for
        case(
            &[
                "--store",
                s,
                "report",
                "outcomes",
                "--from",
                "2025-06-01",
                "--to",
                "2025-01-01",
            ],
            4,
            "is after --to",
        ),
        case(
            &[
                "--store",
                s,
                "report",
                "voucher-monitoring",
                "--provider",
                "nobody",
            ],
            4,
            "no provider \"nobody\"",
        ),
        case(
            &["--store", s, "report", "half-year", "--provider", "nobody"],
            4,
            "the store knows:",
        ),
        case(
            &["--store", s, "report", "worklist", "--as-of", "999999999"],
            4,
            "not in the store",
        ),
        // the demo writes only into an empty store
        case(&["--store", s, "demo", "--cases", "5"], 4, "already holds"),
        // exports never overwrite and never write into the store
        case(&["--store", s, "export", existing], 4, "exists already"),
        case(&["--store", s, "export", &inside], 4, "inside the store"),
        // case ids
        case(
            &["--store", s, "case", "show", "not-a-uuid"],
            4,
            "is not a case id",
        ),
        case(
            &[
                "--store",
                s,
                "history",
                "00000000-0000-4000-8000-000000000000",
            ],
            4,
            "no case",
        ),
    ];
    for c in &table {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args);
        assert_eq!(code, c.code, "{args:?}: {out}{err}");
        assert!(err.contains(c.stderr), "{args:?}: {err}");
        assert_eq!(head(s), before, "{args:?} changed the store");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("existing.jsonl")).unwrap(),
        "keep me"
    );
    assert!(!Path::new(&inside).exists());
    // --force replaces it, atomically, with mode 0600
    let (code, _, err) = run(&["--store", s, "export", existing, "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(existing)
        .unwrap()
        .starts_with("{\"format\""));
}

#[test]
fn reports_warn_about_periods_outside_the_store() {
    let s = store_path();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.csv");
    std::fs::write(&plan, "team,month,planned\nnowhere,2025-01,3\n").unwrap();
    let (code, _, err) = run(&[
        "--store",
        &s,
        "report",
        "entry-planning",
        "--plan",
        plan.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no registration of team \"nowhere\""), "{err}");
    for (as_of, warning) in [
        ("2099-01-01", "after the last event"),
        ("2020-01-01", "before the first event"),
    ] {
        let (code, _, err) = run(&["--store", &s, "report", "worklist", "--as-of", as_of]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains(warning), "{as_of}: {err}");
    }
}

#[test]
fn commands_that_read_never_create_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let foreign = dir.path().join("photos");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("holiday.jpg"), b"\xff\xd8").unwrap();
    let before = snapshot(dir.path());
    for store in [&missing, &foreign] {
        for cmd in [
            vec!["verify"],
            vec!["stats"],
            vec!["report", "worklist"],
            vec!["access-log"],
            vec!["history", "00000000-0000-4000-8000-000000000000"],
        ] {
            let mut args = vec!["--store", store.to_str().unwrap()];
            args.extend(cmd.iter());
            let (code, _, err) = run(&args);
            assert_eq!(code, 3, "{args:?}: {err}");
            assert!(
                err.contains("no casework store") || err.contains("not a casework store"),
                "{args:?}: {err}"
            );
            // the hint repeats the user's own --store and runs as printed
            assert!(
                err.contains(&format!("--store {}", store.display())),
                "{args:?}: {err}"
            );
        }
    }
    // not even the demo takes over a directory of other files
    let (code, _, err) = run(&["--store", foreign.to_str().unwrap(), "demo", "--cases", "5"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not a casework store"), "{err}");
    assert_eq!(snapshot(dir.path()), before, "nothing was created");
    assert!(!missing.exists());
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    let s = store_path();
    for args in [vec!["report", "worklist"], vec!["stats"], vec!["verify"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("casework"))
            .arg("--store")
            .arg(&s)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // the reader goes away before anything is written
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}");
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn imports_of_bad_files_say_what_is_wrong_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_path();
    let export = dir.path().join("e.jsonl");
    let (code, _, err) = run(&["--store", &s, "export", export.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&export).unwrap();
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let events = header["events"].as_u64().unwrap();
    let more = text.replacen(
        &format!("\"events\":{events}"),
        &format!("\"events\":{}", events + 5),
        1,
    );
    let files = [
        (
            "noise.bin",
            vec![0xffu8, 0xfe, 0, 0x80, b'\n', 1],
            "not UTF-8 text",
        ),
        ("empty.jsonl", Vec::new(), "empty file"),
        ("more.jsonl", more.into_bytes(), "the header announces"),
        (
            "text.txt",
            b"hello\n".to_vec(),
            "not a casework export header",
        ),
    ];
    for (name, bytes, needle) in files {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).unwrap();
        let target = dir.path().join(format!("target-{name}"));
        let (code, _, err) = run(&[
            "--store",
            target.to_str().unwrap(),
            "import",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 4, "{name}: {err}");
        assert!(err.contains(needle), "{name}: {err}");
        assert!(
            err.contains(name),
            "{name}: the message names the file: {err}"
        );
        assert!(!target.exists(), "{name}: nothing created");
    }
}

#[test]
fn the_demo_suggests_commands_that_run_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d");
    let (code, out, err) = run(&[
        "--store",
        path.to_str().unwrap(),
        "demo",
        "--cases",
        "20",
        "--years",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    let program = assert_cmd::cargo::cargo_bin("casework");
    let verify = format!("{} --store {} verify", program.display(), path.display());
    assert!(out.lines().any(|l| l.trim() == verify), "{out}");
    let stats = out
        .lines()
        .find(|l| l.trim().ends_with(" stats"))
        .unwrap()
        .trim();
    let words: Vec<&str> = stats.split_whitespace().collect();
    let o = std::process::Command::new(words[0])
        .args(&words[1..])
        .output()
        .unwrap();
    assert!(o.status.success(), "{stats}");
}

/// PostgreSQL: a missing schema (or `public`) is refused for reading and nothing is
/// created; a wrong user or database reports the server's own reason; a schema name over
/// 63 characters is bad input.
#[test]
fn postgres_inputs() {
    let Ok(url) = std::env::var("CASEWORK_PG_URL") else {
        eprintln!("CASEWORK_PG_URL is not set: skipping the PostgreSQL boundaries");
        return;
    };
    let tables = |schema: &str| -> i64 {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema],
        )
        .unwrap()
        .get(0)
    };
    let public_before = tables("public");
    for schema in ["cw_boundary_missing", "public"] {
        let (code, _, err) = run(&["--pg", &url, "--pg-schema", schema, "report", "worklist"]);
        assert_eq!(code, 3, "{schema}: {err}");
        assert!(err.contains("no casework store"), "{schema}: {err}");
        assert!(err.contains(&format!("--pg-schema {schema}")), "{err}");
    }
    assert_eq!(tables("cw_boundary_missing"), 0);
    assert_eq!(tables("public"), public_before);
    // PostgreSQL's own schemas are never a store's (issue 37, row 15)
    for schema in ["information_schema", "pg_catalog", "pg_mine"] {
        let (code, _, err) = run(&[
            "--pg",
            &url,
            "--pg-schema",
            schema,
            "demo",
            "--cases",
            "1",
            "--years",
            "1",
        ]);
        assert_eq!(code, 4, "{schema}: {err}");
        assert!(err.contains("belongs to PostgreSQL itself"), "{err}");
    }
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let made: i64 = c
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'information_schema' AND table_name IN ('log_head', 'events', 'meta')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(made, 0, "no store tables in information_schema");
    let long = "a".repeat(70);
    let (code, _, err) = run(&["--pg", &url, "--pg-schema", &long, "stats"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("PostgreSQL allows 63"), "{err}");
    let wrong_user = url.replacen("postgres@", "nobody_here@", 1);
    if wrong_user != url {
        let (code, _, err) = run(&["--pg", &wrong_user, "stats"]);
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("nobody_here"), "the server's reason: {err}");
    }
    // the demo on PostgreSQL suggests commands with the user's own URL and schema
    let schema = format!("cw_boundary_demo_{}", std::process::id());
    let (code, out, err) = run(&[
        "--pg",
        &url,
        "--pg-schema",
        &schema,
        "demo",
        "--cases",
        "5",
        "--years",
        "1",
    ]);
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .unwrap();
    assert_eq!(code, 0, "{err}");
    let expected = format!("--pg {url} --pg-schema {schema} verify");
    assert!(out.lines().any(|l| l.trim().ends_with(&expected)), "{out}");
    let wrong_db = format!("{}_no_such_db", url.trim_end_matches('/'));
    let (code, _, err) = run(&["--pg", &wrong_db, "stats"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("does not exist"), "the server's reason: {err}");
}

/// An import into `--pg-schema X` stages in `X_staging`: a user's own schema of that name
/// is refused (exit 4, naming it) and keeps its tables, and the target is not created.
#[test]
fn an_import_leaves_a_users_schema_named_like_its_staging_schema_alone() {
    let Ok(url) = std::env::var("CASEWORK_PG_URL") else {
        eprintln!("CASEWORK_PG_URL is not set: skipping the PostgreSQL staging test");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = dir.path().join("export.jsonl");
    let store_arg = store.to_str().unwrap();
    let (code, _, err) = run(&["--store", store_arg, "demo", "--cases", "3", "--years", "1"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["--store", store_arg, "export", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let target = format!("cw_stage_{}", std::process::id());
    let staging = format!("{target}_staging");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {staging} CASCADE; CREATE SCHEMA {staging}; \
         CREATE TABLE {staging}.invoices (n int); INSERT INTO {staging}.invoices VALUES (42);"
    ))
    .unwrap();
    let (code, _, err) = run(&[
        "--pg",
        &url,
        "--pg-schema",
        &target,
        "import",
        file.to_str().unwrap(),
    ]);
    let kept: Result<i32, _> = c
        .query_one(&format!("SELECT n FROM {staging}.invoices"), &[])
        .map(|row| row.get(0));
    let target_made = c
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&target])
        .unwrap()
        .is_some();
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {staging} CASCADE; DROP SCHEMA IF EXISTS {target} CASCADE;"
    ))
    .unwrap();
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(&staging) && err.contains("not touched"),
        "{err}"
    );
    assert_eq!(kept.ok(), Some(42), "the user's table is as it was");
    assert!(!target_made, "nothing was created");
}

/// A backup inside the store it backs up is refused before anything is written (issue 37,
/// row 16): the store directory itself, a directory below it, or one reached through a
/// link into it.
#[test]
fn a_backup_inside_its_own_store_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    let key = dir.path().join("office.key");
    assert_eq!(
        run(&["--store", s, "demo", "--cases", "2", "--years", "1"]).0,
        0
    );
    assert_eq!(run(&["keygen", "--out", key.to_str().unwrap()]).0, 0);
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&store, &link).unwrap();
    let before: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for target in [store.clone(), store.join("backups"), link.join("b")] {
        let (code, _, err) = run(&[
            "--store",
            s,
            "backup",
            target.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ]);
        assert_eq!(code, 4, "{}: {err}", target.display());
        assert!(err.contains("lies inside the store"), "{err}");
    }
    let after: Vec<_> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after, "nothing was written into the store");
    // beside the store it works
    let (code, _, err) = run(&[
        "--store",
        s,
        "backup",
        dir.path().join("backups").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
}

/// The README's exit-code table, walked: one command for each code, and every code of the
/// table is one the binary gives.
#[test]
fn the_exit_code_table_is_what_the_binary_does() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let documented: Vec<i32> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next()?.trim().parse().ok())
        .collect();
    assert_eq!(documented, vec![0, 1, 2, 3, 4, 141], "the README's table");
    let dir = tempfile::tempdir().unwrap();
    let s = store_path();
    let other = dir.path().join("other");
    let key = dir.path().join("k");
    let cp = dir.path().join("cp.json");
    let p = |p: &Path| p.to_str().unwrap().to_owned();
    assert_eq!(
        run(&[
            "--store",
            &p(&other),
            "demo",
            "--cases",
            "5",
            "--years",
            "1"
        ])
        .0,
        0
    );
    assert_eq!(run(&["keygen", "--out", &p(&key)]).0, 0);
    assert_eq!(
        run(&[
            "--store",
            &s,
            "checkpoint",
            "--key",
            &p(&key),
            "--out",
            &p(&cp)
        ])
        .0,
        0
    );
    let pubkey = format!("{}.pub", p(&key));
    let walked = [
        (0, run(&["--store", &s, "stats"]).0),
        (
            1,
            run(&[
                "--store",
                &p(&other),
                "verify",
                "--checkpoint",
                &p(&cp),
                "--public-key",
                &pubkey,
            ])
            .0,
        ),
        (2, run(&["--store", &s, "report", "nonsense"]).0),
        (
            3,
            run(&["--store", &p(&dir.path().join("missing")), "stats"]).0,
        ),
        (4, run(&["--store", &s, "case", "show", "x"]).0),
    ];
    for (want, got) in walked {
        assert_eq!(got, want);
    }
    // a mistyped backup directory is a path to check, not a damaged backup
    let (code, _, err) = run(&[
        "--store",
        &p(&dir.path().join("restored")),
        "restore",
        &p(&dir.path().join("no-backups")),
        "--public-key",
        &pubkey,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("holds no backup set") && err.contains("path and permissions"),
        "{err}"
    );
}

/// Every command that prints data takes `--format json` and prints one JSON document; a
/// case id works as the UUID and as its stream's name (`case-<uuid>`), as printed.
#[test]
fn one_case_id_form_and_json_everywhere() {
    let s = store_path();
    let (_, out, _) = run(&[
        "--store",
        &s,
        "report",
        "worklist",
        "--horizon",
        "3650",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = v["items"][0]["case"].as_str().unwrap().to_owned();
    let stream = format!("case-{id}");
    for args in [
        vec!["stats", "--format", "json"],
        vec!["verify", "--format", "json"],
        vec!["access-log", "--format", "json"],
        vec!["history", &id, "--format", "json"],
        vec!["history", &stream, "--format", "json"],
        vec!["report", "case", "--case", &stream, "--format", "json"],
        vec!["case", "show", &stream, "--format", "json"],
        // the referrer sees only what it registered, so the read logs nothing: the shared
        // store stays as the other tests expect it
        vec![
            "case",
            "read",
            &id,
            "--user",
            "eingangszone",
            "--institution",
            "jobcenter",
            "--role",
            "referrer",
            "--at",
            "2026-01-10",
            "--format",
            "json",
        ],
    ] {
        let mut all = vec!["--store", s.as_str()];
        all.extend(args.iter().copied());
        let (code, out, err) = run(&all);
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
    }
}
