//! End-to-end tests of the `casework` binary on temporary sled stores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::OnceLock;

use assert_cmd::Command;

fn casework(store: &Path) -> Command {
    let mut c = Command::cargo_bin("casework").unwrap();
    c.arg("--store").arg(store);
    c
}

/// A path where no file exists yet, in a temporary directory (casework never overwrites).
struct NewFile {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl NewFile {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        NewFile { _dir: dir, path }
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

fn out(c: &mut Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// One small deterministic demo store shared by the read-only tests. sled lets one
/// process at a time open a store, so the tests take turns (the guard).
fn demo_store() -> (std::sync::MutexGuard<'static, ()>, &'static Path) {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let guard = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = DIR
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let (code, stdout, stderr) =
                out(casework(dir.path()).args(["demo", "--cases", "80", "--seed", "7"]));
            assert_eq!(code, 0, "{stdout}{stderr}");
            assert!(stdout.contains("(0 rejected)"), "{stdout}");
            dir
        })
        .path();
    (guard, path)
}

fn first_case(store: &Path) -> String {
    let (_, stdout, _) = out(casework(store).args([
        "report",
        "worklist",
        "--format",
        "json",
        "--horizon",
        "3650",
    ]));
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    v["items"][0]["case"].as_str().unwrap().to_owned()
}

#[test]
fn help_is_stable() {
    let (code, stdout, _) = out(Command::cargo_bin("casework").unwrap().arg("--help"));
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", stdout);
    let (_, report_help, _) = out(Command::cargo_bin("casework")
        .unwrap()
        .args(["report", "--help"]));
    insta::assert_snapshot!("report_help", report_help);
}

#[test]
fn every_report_renders_in_every_format() {
    let (_turn, store) = demo_store();
    let plan = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        plan.path(),
        "team,month,planned\naachen,2026-01,3\naachen,2026-02,2\nstolberg,2026-01,1\n",
    )
    .unwrap();
    let case = first_case(store);
    let reports: Vec<Vec<String>> = vec![
        vec!["voucher-monitoring".into()],
        vec![
            "entry-planning".into(),
            "--plan".into(),
            plan.path().display().to_string(),
            "--through".into(),
            "3".into(),
        ],
        vec![
            "half-year".into(),
            "--provider".into(),
            "sb-aachen".into(),
            "--year".into(),
            "2026".into(),
            "--half".into(),
            "1".into(),
        ],
        vec!["outcomes".into(), "--from".into(), "2025-01-01".into()],
        vec!["evaluation".into(), "--from".into(), "2025-01-01".into()],
        vec!["case".into(), "--case".into(), case],
        vec!["worklist".into()],
    ];
    for r in &reports {
        // CSV: one file per table into a new directory, each read back by the csv crate
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("tables");
        let (code, listing, stderr) = out(casework(store)
            .arg("report")
            .args(r)
            .args(["--format", "csv", "--out"])
            .arg(&out_dir));
        assert_eq!(code, 0, "{r:?} csv: {stderr}");
        let files: Vec<&str> = listing.lines().collect();
        assert!(!files.is_empty(), "{r:?}: no CSV written");
        for file in &files {
            let mut reader = csv::Reader::from_path(file).unwrap();
            let width = reader.headers().unwrap().len();
            for record in reader.records() {
                let record = record.unwrap();
                assert_eq!(record.len(), width, "{file}");
                assert!(
                    record.iter().all(|f| !f.ends_with('%') && f != "–"),
                    "{file}: {record:?}"
                );
            }
        }
        // asked again into the same directory: refused, nothing overwritten
        let before = std::fs::read(files[0]).unwrap();
        let (code, _, stderr) = out(casework(store)
            .arg("report")
            .args(r)
            .args(["--format", "csv", "--out"])
            .arg(&out_dir));
        assert_eq!(code, 4, "{r:?}: {stderr}");
        assert!(stderr.contains("exists: nothing was written"), "{stderr}");
        assert_eq!(std::fs::read(files[0]).unwrap(), before);
        for format in ["table", "json", "html"] {
            let (code, stdout, stderr) = out(casework(store)
                .arg("report")
                .args(r)
                .args(["--format", format]));
            assert_eq!(code, 0, "{r:?} {format}: {stderr}");
            assert!(!stdout.trim().is_empty(), "{r:?} {format}");
            if format == "json" {
                serde_json::from_str::<serde_json::Value>(&stdout)
                    .unwrap_or_else(|e| panic!("{r:?}: {e}"));
            }
            if format == "html" {
                assert!(stdout.starts_with("<!DOCTYPE html>"), "{r:?}");
                assert!(!stdout.contains("<script"), "{r:?}: no script");
                assert!(!stdout.contains("http"), "{r:?}: no external assets");
            }
            assert!(
                !stdout.contains("Client 0"),
                "no client names in {r:?} {format}"
            );
        }
    }
}

#[test]
fn the_demo_reports_are_deterministic() {
    let (_turn, store) = demo_store();
    for name in ["voucher-monitoring", "outcomes", "evaluation", "worklist"] {
        let (_, stdout, _) = out(casework(store).args(["report", name, "--as-of", "2026-06-30"]));
        insta::assert_snapshot!(format!("demo_{name}"), stdout);
    }
}

#[test]
fn case_show_and_history_speak_process_facts() {
    let (_turn, store) = demo_store();
    let case = first_case(store);
    let (code, stdout, _) = out(casework(store).args(["case", "show", &case]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("phase") && stdout.contains("personal data not shown"),
        "{stdout}"
    );
    let (code, stdout, _) = out(casework(store).args(["history", &case]));
    assert_eq!(code, 0);
    assert!(
        stdout.contains("CaseRegistered") && stdout.contains("eingangszone/referrer@jobcenter"),
        "{stdout}"
    );
    assert!(
        stdout.contains("hash chain:") && stdout.contains("verified"),
        "{stdout}"
    );
    let (code, past, _) = out(casework(store).args(["case", "show", &case, "--as-of", "1"]));
    assert!(code == 0 || code == 4, "{past}");
}

#[test]
fn verify_passes_on_a_clean_store_and_names_a_tampered_event() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        out(casework(dir.path()).args(["--engine", "sled", "demo", "--cases", "20", "--seed", "3"])).0,
        0
    );
    let (code, stdout, _) = out(casework(dir.path()).arg("verify"));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.starts_with("OK:"), "{stdout}");

    // flip a byte in the payload of the first record of the chunk at position 1
    {
        let db = sled::open(dir.path()).unwrap();
        let tree = db.open_tree("casework-events").unwrap();
        let key = [&[b'e'][..], &1u64.to_be_bytes()].concat();
        let mut value = tree.get(&key).unwrap().unwrap().to_vec();
        let range = casework_store::internals::record::chunk_ranges(&value).unwrap()[0].clone();
        value[range.end - 30] ^= 1;
        tree.insert(key, value).unwrap();
        db.flush().unwrap();
    }
    let (code, stdout, _) = out(casework(dir.path()).arg("verify"));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("BROKEN") && stdout.contains("case-") && stdout.contains("version 1"),
        "{stdout}"
    );
}

#[test]
fn export_then_import_gives_the_same_store() {
    let (_turn, store) = demo_store();
    let file = NewFile::new();
    let (code, stdout, stderr) = out(casework(store).arg("export").arg(file.path()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("exported"));
    let target = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = out(casework(target.path()).arg("import").arg(file.path()));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        out(casework(target.path()).arg("verify")).1,
        out(casework(store).arg("verify")).1
    );
    for name in ["voucher-monitoring", "outcomes", "evaluation", "worklist"] {
        assert_eq!(
            out(casework(target.path()).args(["report", name])).1,
            out(casework(store).args(["report", name])).1,
            "{name}"
        );
    }
    // a tampered export is refused with its line number, and nothing is imported
    let text = std::fs::read_to_string(file.path()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[7] = lines[7].replacen("\"version\":", "\"version\":1", 1);
    std::fs::write(file.path(), lines.join("\n") + "\n").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let (code, _, stderr) = out(casework(fresh.path()).arg("import").arg(file.path()));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("line 8"), "{stderr}");
    let (code, _, stderr) = out(casework(fresh.path()).arg("stats"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("no casework store"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(fresh.path()).unwrap().count(),
        0,
        "nothing created"
    );
}

#[test]
fn bad_input_gets_one_line_a_hint_and_a_documented_exit_code() {
    let (_turn, store) = demo_store();
    let check = |args: &[&str], code: i32, needle: &str| {
        let (c, stdout, stderr) = out(casework(store).args(args));
        assert_eq!(c, code, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(stderr.contains("hint:"), "{args:?}: {stderr}");
    };
    check(
        &["case", "show", "00000000-0000-4000-8000-000000000000"],
        4,
        "no case",
    );
    check(&["case", "show", "not-a-uuid"], 4, "not a case id");
    check(
        &["report", "outcomes", "--as-of", "2026-13-40"],
        4,
        "not a date",
    );
    check(&["report", "half-year"], 2, "needs a provider");
    check(
        &["report", "voucher-monitoring", "--format", "xml"],
        4,
        "unknown format",
    );
    check(&["demo", "--cases", "5"], 4, "already holds");
    let plan = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        plan.path(),
        "team,month,planned\naachen,2026-01,3\naachen,2026-1x,2\n",
    )
    .unwrap();
    check(
        &[
            "report",
            "entry-planning",
            "--plan",
            plan.path().to_str().unwrap(),
        ],
        4,
        "line 3",
    );
    let policy = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(policy.path(), "{\"name\": 1}").unwrap();
    check(
        &["--policy", policy.path().to_str().unwrap(), "stats"],
        4,
        "policy file",
    );
    // usage errors are clap's exit code 2
    assert_eq!(out(casework(store).args(["report", "no-such-report"])).0, 2);
}

#[test]
fn a_store_locked_by_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _held = casework_sled::SledStore::open(dir.path()).unwrap();
    let (code, _, stderr) = out(casework(dir.path()).arg("stats"));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("locked by another process") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_store_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        db.insert(b"x", b"y").unwrap();
        db.flush().unwrap();
    }
    let (code, _, stderr) = out(casework(dir.path()).arg("stats"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("not a casework store"), "{stderr}");
}

#[test]
fn the_cli_works_on_postgres_too() {
    let Ok(url) = std::env::var("CASEWORK_PG_URL") else {
        eprintln!("CASEWORK_PG_URL is not set: skipping the PostgreSQL CLI test");
        return;
    };
    let schema = format!("cw_cli_{}", std::process::id());
    let pg = |args: &[&str]| {
        let mut c = Command::cargo_bin("casework").unwrap();
        c.args(["--pg", &url, "--pg-schema", &schema]).args(args);
        out(&mut c)
    };
    let (code, stdout, stderr) = pg(&["demo", "--cases", "25", "--seed", "5"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("PostgreSQL schema") && stdout.contains("(0 rejected)"),
        "{stdout}"
    );
    let (code, stdout, _) = pg(&["verify"]);
    assert_eq!(code, 0, "{stdout}");
    let (code, stdout, _) = pg(&["report", "outcomes", "--format", "json"]);
    assert_eq!(code, 0);
    serde_json::from_str::<serde_json::Value>(&stdout).unwrap();
    // the same simulation on sled gives the same report
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        out(casework(dir.path()).args(["demo", "--cases", "25", "--seed", "5"])).0,
        0
    );
    assert_eq!(
        out(casework(dir.path()).args(["report", "outcomes", "--format", "json"])).1,
        stdout
    );
    if let Ok(mut c) = postgres_client(&url) {
        let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    }
}

fn postgres_client(url: &str) -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(url, postgres::NoTls)
}

/// The named coordinator (user, institution) of `case`'s team and its client's subject,
/// from `case show --format json`.
fn parties(store: &Path, case: &str) -> (String, String, String) {
    fn find<'v>(v: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
        match v {
            serde_json::Value::Object(map) => map
                .get(key)
                .or_else(|| map.values().find_map(|v| find(v, key))),
            serde_json::Value::Array(items) => items.iter().find_map(|v| find(v, key)),
            _ => None,
        }
    }
    let (code, shown, stderr) =
        out(casework(store).args(["case", "show", case, "--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    let team = find(&shown, "team").expect("the case has a team");
    let text = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).unwrap().to_owned();
    (
        text(team.get("coordinator")),
        text(team.get("coordinator_institution")),
        text(find(&shown, "subject")),
    )
}

/// The cases of a store closed for another reason than revocation and not erased, and the
/// still open ones, from its export.
fn closed_and_open(store: &Path) -> (Vec<String>, Vec<String>) {
    let file = NewFile::new();
    let (code, _, stderr) = out(casework(store).arg("export").arg(file.path()));
    assert_eq!(code, 0, "{stderr}");
    let text = std::fs::read_to_string(file.path()).unwrap();
    let mut all = std::collections::BTreeSet::new();
    let mut closed = std::collections::BTreeSet::new();
    for line in text.lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(stream) = v["stream"].as_str() else {
            continue;
        };
        let id = stream.trim_start_matches("case-").to_owned();
        if v["event_type"] == "CaseClosed"
            && v["payload"]["reason"] != "consent_revoked"
            && v["payload"]["reason"] != "referral_declined"
        {
            closed.insert(id.clone());
        }
        if v["event_type"] == "CaseErased" {
            closed.remove(&id);
            continue;
        }
        if v["event_type"] == "CaseClosed" {
            all.remove(&id); // neither open nor usable here
            continue;
        }
        all.insert(id);
    }
    let open = all.difference(&closed).cloned().collect();
    (closed.into_iter().collect(), open)
}

#[test]
fn personal_data_is_read_by_consent_logged_and_erased_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path();
    let (code, stdout, stderr) =
        out(casework(store).args(["demo", "--cases", "60", "--seed", "11", "--years", "1"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (closed, open) = closed_and_open(store);
    let (case, open_case) = (&closed[0], &open[0]);
    let read_as = |case: &str, user: &str, institution: &str, role: &str, purpose: &str| {
        out(casework(store).args([
            "case",
            "read",
            case,
            "--user",
            user,
            "--institution",
            institution,
            "--role",
            role,
            "--purpose",
            purpose,
            "--at",
            "2026-01-05",
        ]))
    };
    let closed_parties = parties(store, case);
    let (user, institution) = (&closed_parties.0, &closed_parties.1);
    // the consent lapsed when the case closed: kept for audit only, every read logged
    let (code, stdout, _) = read_as(case, user, institution, "coordinator", "case_management");
    assert_eq!(code, 0);
    assert!(
        stdout.contains("the consent lapsed with the closure"),
        "{stdout}"
    );
    assert!(!stdout.contains("\"name\""), "{stdout}");
    let (code, stdout, _) = read_as(case, user, institution, "coordinator", "audit");
    assert_eq!(code, 0);
    assert!(
        stdout.contains("client [process facts]: {\"name\":\"Client"),
        "{stdout}"
    );
    let (_, log, _) = out(casework(store).args(["access-log", "--case", case]));
    assert!(
        log.contains(&format!("{user}/coordinator@{institution} for audit")),
        "{log}"
    );
    // an open case: its coordinator reads what the consent covers
    let (coordinator, coordinating, subject) = parties(store, open_case);
    let read = |user: &str, institution: &str, role: &str, purpose: &str| {
        read_as(open_case, user, institution, role, purpose)
    };
    let (code, stdout, _) = read(
        &coordinator,
        &coordinating,
        "coordinator",
        "case_management",
    );
    assert_eq!(code, 0);
    assert!(
        stdout.contains("client [process facts]: {\"name\":\"Client"),
        "{stdout}"
    );
    let (_, stdout, _) = read(
        &coordinator,
        &coordinating,
        "coordinator",
        "benefit_decision",
    );
    assert!(
        stdout.contains("does not cover the purpose benefit decision"),
        "{stdout}"
    );
    // a named institution is not enough: a job-centre caseworker outside the team, a
    // specialist of an institution the consent does not name, a stranger in the client
    // role, another case's client: each is refused as a whole, exit 4, with the rule
    let other_client = parties(store, case).2;
    for (who, institution, role, rule) in [
        (
            "a.reader",
            "jobcenter",
            "caseworker",
            "a.reader of jobcenter is not in the case team",
        ),
        (
            "a.reader",
            "rav",
            "specialist",
            "a.reader of rav is not in the case team",
        ),
        (
            "stranger",
            "nowhere",
            "client",
            "stranger is not this case's client",
        ),
        (
            other_client.as_str(),
            "client",
            "client",
            "is not this case's client",
        ),
    ] {
        let (code, stdout, stderr) = read(who, institution, role, "case_management");
        assert_eq!(code, 4, "{who}@{institution} as {role}: {stdout}{stderr}");
        assert!(stderr.contains(rule), "{stderr}");
        assert!(!stdout.contains("Client 0"), "{stdout}");
    }
    // the client reads their own case whole
    let (code, stdout, _) = read(&subject, "client", "client", "case_management");
    assert_eq!(code, 0);
    assert!(stdout.contains("0 withheld"), "{stdout}");
    let (code, stdout, _) = read(&coordinator, &coordinating, "coordinator", "surveillance");
    assert_eq!(code, 4, "{stdout}");
    // the client's copy of the case (GDPR art. 15): every event in clear and the log of
    // who read it, this request included; nobody else receives it
    let copy = |user: &str| {
        out(casework(store).args([
            "case",
            "subject-access",
            open_case,
            "--user",
            user,
            "--at",
            "2026-01-05",
        ]))
    };
    let (code, stdout, stderr) = copy(&subject);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let events = doc["events"].as_array().unwrap();
    assert!(events.len() > 3, "{stdout}");
    assert!(stdout.contains("\"name\": \"Client 0"), "{stdout}");
    let readers: Vec<&str> = doc["reads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["viewer"]["user"].as_str())
        .collect();
    assert!(readers.contains(&coordinator.as_str()), "{readers:?}");
    assert!(readers.contains(&subject.as_str()), "{readers:?}");
    let (code, stdout, stderr) = copy(&other_client);
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(stderr.contains("is not this case's client"), "{stderr}");

    let (code, log, _) = out(casework(store).args(["access-log", "--case", open_case]));
    assert_eq!(code, 0);
    assert!(
        !log.contains("a.reader"),
        "refused reads log nothing: {log}"
    );
    let health_reads = usize::from(log.contains(&format!(
        "{coordinator}/coordinator@{coordinating} for case management"
    ))) + log.matches(&format!("{subject}/client@client")).count();
    assert!(
        log.contains(&format!("{health_reads} special-category read(s)")),
        "{log}"
    );

    let erased_count = || {
        let (_, stdout, _) = out(casework(store).arg("verify"));
        stdout
            .lines()
            .find_map(|l| l.strip_suffix(" case(s) erased: their personal data is destroyed by design, their process facts verify"))
            .map_or(0, |n| n.trim().parse::<usize>().unwrap())
    };
    let erased_before = erased_count();
    let erase = |id: &str| {
        let (user, institution, _) = parties(store, id);
        out(casework(store).args([
            "erase",
            id,
            "--by",
            &format!("{user}@{institution}"),
            "--at",
            "2026-01-10",
        ]))
    };
    let (code, stdout, stderr) = erase(case);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("data key destroyed"), "{stdout}");
    let (code, _, stderr) = erase(case);
    assert_eq!(code, 4);
    assert!(stderr.contains("already erased"), "{stderr}");
    let (code, _, stderr) = erase(open_case);
    assert_eq!(code, 4);
    assert!(stderr.contains("close it first"), "{stderr}");

    let (_, stdout, _) = out(casework(store).args([
        "case",
        "read",
        case,
        "--user",
        &closed_parties.2,
        "--institution",
        "client",
        "--role",
        "client",
    ]));
    assert!(
        stdout.contains("client [process facts]: <erased>"),
        "{stdout}"
    );
    assert!(!stdout.contains("\"name\""), "{stdout}");
    let (code, stdout, _) = out(casework(store).arg("verify"));
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(erased_count(), erased_before + 1, "{stdout}");
    // reports still count the erased case's process facts
    let (code, _, _) = out(casework(store).args(["report", "outcomes"]));
    assert_eq!(code, 0);

    // the export carries ciphertext: no client name of any case in clear, and for the
    // erased case only the tombstone of its key
    let file = NewFile::new();
    assert_eq!(out(casework(store).arg("export").arg(file.path())).0, 0);
    let text = std::fs::read_to_string(file.path()).unwrap();
    assert!(
        !text.contains("Client 0"),
        "a client name is in the export in clear"
    );
    let key_line = text
        .lines()
        .find(|l| l.contains("data_key_of") && l.contains(case.as_str()))
        .unwrap();
    assert!(
        key_line.contains("\"state\":\"44"),
        "tombstone (D…), not a key: {key_line}"
    );
}

#[test]
fn csv_of_a_report_with_several_tables_names_one() {
    let (_turn, store) = demo_store();
    let (code, _, stderr) =
        out(casework(store).args(["report", "voucher-monitoring", "--format", "csv"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("--table NAME (one of: providers, stages)"),
        "{stderr}"
    );
    let (code, stdout, stderr) = out(casework(store).args([
        "report",
        "voucher-monitoring",
        "--format",
        "csv",
        "--table",
        "stages",
    ]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("provider,service,stage,open,over threshold,share\n"),
        "{stdout}"
    );
    let (code, _, stderr) = out(casework(store).args([
        "report",
        "voucher-monitoring",
        "--format",
        "csv",
        "--table",
        "nope",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("one of: providers, stages"), "{stderr}");
    let file = tempfile::NamedTempFile::new().unwrap();
    let (code, _, stderr) = out(casework(store)
        .args(["report", "worklist", "--format", "csv", "--out"])
        .arg(file.path()));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("is a file, not a directory"), "{stderr}");
    let (code, _, stderr) = out(casework(store).args(["report", "worklist", "--table", "items"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("--format csv"), "{stderr}");
}

#[test]
fn every_line_the_demo_suggests_runs_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("data");
    let (code, stdout, stderr) =
        out(casework(&store).args(["demo", "--cases", "60", "--seed", "3"]));
    assert_eq!(code, 0, "{stderr}");
    let suggested: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Try next:"))
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert!(suggested.len() >= 8, "{stdout}");
    for line in suggested {
        // the program and store flags as printed, the command after them; a redirection
        // into a file is the shell's, so the output is read here instead
        let command = line.split(" > ").next().unwrap();
        let words: Vec<&str> = command.split_whitespace().collect();
        let at = words.iter().position(|w| *w == "--store").unwrap();
        assert_eq!(words[at + 1], store.display().to_string(), "{line}");
        let (code, stdout, stderr) =
            out(Command::cargo_bin("casework").unwrap().args(&words[at..]));
        assert_eq!(code, 0, "{line}: {stderr}");
        assert!(!stdout.trim().is_empty(), "{line}: no output");
    }
}

#[test]
fn the_demo_runs_on_redb_and_import_moves_a_store_between_engines() {
    let dir = tempfile::tempdir().unwrap();
    let redb = dir.path().join("redb-store");
    let (code, stdout, stderr) =
        out(casework(&redb).args(["--engine", "redb", "demo", "--cases", "60", "--seed", "5"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("(0 rejected)"), "{stdout}");
    assert!(redb.join("casework.redb").is_file());
    // opened as it is, without naming the engine again
    let (code, stdout, _) = out(casework(&redb).arg("verify"));
    assert_eq!(code, 0, "{stdout}");
    // naming another engine is refused, not obeyed by opening something else
    let (code, _, stderr) = out(casework(&redb).args(["--engine", "sled", "stats"]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("is a redb store, not sled"), "{stderr}");
    // redb → export → sled
    let export = dir.path().join("move.jsonl");
    let (code, _, stderr) = out(casework(&redb).arg("export").arg(&export));
    assert_eq!(code, 0, "{stderr}");
    let sled = dir.path().join("sled-store");
    let (code, _, stderr) = out(casework(&sled)
        .args(["--engine", "sled", "import"])
        .arg(&export));
    assert_eq!(code, 0, "{stderr}");
    assert!(sled.join("conf").is_file(), "a sled store");
    let worklist =
        |store: &Path| out(casework(store).args(["report", "worklist", "--format", "json"])).1;
    assert_eq!(
        worklist(&redb),
        worklist(&sled),
        "the same reports on both engines"
    );
    let (code, stdout, _) = out(casework(&sled).arg("verify"));
    assert_eq!(code, 0, "{stdout}");
}
