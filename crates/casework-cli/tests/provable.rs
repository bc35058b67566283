//! End-to-end tests of provable history with the `casework` binary on real sled stores:
//! keys, checkpoints, tampering, imports from pipes and interrupted imports, backups and
//! restore after damage, audit fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use assert_cmd::Command;

fn casework(store: &Path) -> Command {
    let mut c = Command::cargo_bin("casework").unwrap();
    c.arg("--store").arg(store);
    c
}

fn out(c: &mut Command) -> (i32, String, String) {
    let o = c.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn ok(c: &mut Command) -> String {
    let (code, stdout, stderr) = out(c);
    assert_eq!(code, 0, "{stdout}{stderr}");
    stdout
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A one-year demo store (every event in the past), a signing key and a checkpoint of it.
struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    /// An office on the default engine.
    fn new(cases: &str) -> Self {
        Self::on("redb", cases)
    }

    /// An office whose store is on `engine`.
    fn on(engine: &str, cases: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let office = Office { dir };
        ok(casework(&office.store()).args([
            "--engine", engine, "demo", "--cases", cases, "--years", "1", "--seed", "5",
        ]));
        ok(Command::cargo_bin("casework")
            .unwrap()
            .arg("keygen")
            .arg("--out")
            .arg(office.path("office.key")));
        ok(casework(&office.store())
            .arg("checkpoint")
            .arg("--key")
            .arg(office.path("office.key"))
            .arg("--out")
            .arg(office.path("cp.json")));
        office
    }

    /// Restores `backups` into the new store `restored`, checks that the restore verified
    /// against the newest checkpoint and that the store verifies and holds as many events
    /// as `before` (its `stats`) said; returns the restored store's path.
    fn restore_as_before(&self, backups: &Path, before: &str) -> PathBuf {
        let restored = self.path("restored");
        let stdout = ok(casework(&restored)
            .arg("restore")
            .arg(backups)
            .arg("--public-key")
            .arg(self.path("office.key.pub")));
        assert!(
            stdout.contains("verified against the newest checkpoint"),
            "{stdout}"
        );
        let (code, stdout, _) = self.verify(&restored);
        assert_eq!(code, 0, "{stdout}");
        let after = ok(casework(&restored).arg("stats"));
        let events = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("events"))
                .map(str::to_owned)
        };
        assert_eq!(events(&after), events(before));
        restored
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn store(&self) -> PathBuf {
        self.path("store")
    }

    fn verify(&self, store: &Path) -> (i32, String, String) {
        out(casework(store)
            .arg("verify")
            .arg("--checkpoint")
            .arg(self.path("cp.json"))
            .arg("--public-key")
            .arg(self.path("office.key.pub")))
    }

    fn export(&self, name: &str) -> (PathBuf, Vec<String>) {
        let file = self.path(name);
        ok(casework(&self.store()).arg("export").arg(&file));
        let text = std::fs::read_to_string(&file).unwrap();
        (file, text.lines().map(str::to_owned).collect())
    }
}

#[test]
#[cfg(unix)]
fn keys_and_checkpoints_are_written_safely_and_verify() {
    let office = Office::new("40");
    assert_eq!(mode(&office.path("office.key")), 0o600);
    assert_eq!(mode(&office.path("office.key.pub")), 0o644);
    // never overwritten
    let (code, _, stderr) = out(Command::cargo_bin("casework")
        .unwrap()
        .arg("keygen")
        .arg("--out")
        .arg(office.path("office.key")));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("exists already"), "{stderr}");
    let (code, stdout, stderr) = office.verify(&office.store());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("OK: the store holds exactly the"),
        "{stdout}"
    );

    // a forged checkpoint (another digest) and a wrong key both fail
    let cp = std::fs::read_to_string(office.path("cp.json")).unwrap();
    let digest_at = cp.find("\"digest\":\"").unwrap() + 10;
    let mut forged = cp.clone();
    let flipped = if &cp[digest_at..digest_at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    forged.replace_range(digest_at..digest_at + 1, flipped);
    std::fs::write(office.path("cp.json"), forged).unwrap();
    let (code, _, stderr) = office.verify(&office.store());
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("signature does not verify"), "{stderr}");
    std::fs::write(office.path("cp.json"), &cp).unwrap();
    ok(Command::cargo_bin("casework")
        .unwrap()
        .arg("keygen")
        .arg("--out")
        .arg(office.path("other.key")));
    let (code, _, stderr) = out(casework(&office.store())
        .arg("verify")
        .arg("--checkpoint")
        .arg(office.path("cp.json"))
        .arg("--public-key")
        .arg(office.path("other.key.pub")));
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("signed by key"), "{stderr}");
}

/// The quoted failure: an export whose last event of one stream was removed, with the
/// later positions and the header renumbered, imported with every chain verified and
/// passed `verify`. Against a checkpoint taken before, it fails and names the position.
#[test]
fn a_dropped_tail_with_renumbering_fails_against_the_checkpoint() {
    let office = Office::new("60");
    let (_, lines) = office.export("office.jsonl");
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    let events = header["events"].as_u64().unwrap() as usize;
    assert!(
        lines[1].starts_with("{\"checkpoint\""),
        "the export carries the checkpoint"
    );
    let parsed: Vec<serde_json::Value> = lines[2..2 + events]
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let keys = &lines[2 + events..lines.len() - 1];
    // the last event of a closed case
    let mut last = std::collections::HashMap::new();
    for (i, e) in parsed.iter().enumerate() {
        last.insert(e["stream"].as_str().unwrap().to_owned(), i);
    }
    let drop = *last
        .values()
        .filter(|&&i| parsed[i]["event_type"] == "CaseClosed")
        .min()
        .unwrap();
    let dropped_position = parsed[drop]["position"].as_u64().unwrap();
    // the lines as text (payloads byte for byte), renumbered after the dropped one
    let mut evs: Vec<String> = lines[2..2 + events].to_vec();
    evs.remove(drop);
    for (i, line) in evs.iter_mut().enumerate().skip(drop) {
        let rest = &line[line.find(',').unwrap()..];
        *line = format!("{{\"position\":{}{rest}", i + 1);
    }
    let tampered = |format: &str, with_checkpoint: bool| {
        let mut out = vec![format!(
            "{{\"format\":\"{format}\",\"events\":{},\"keys\":{}}}",
            events - 1,
            keys.len()
        )];
        if with_checkpoint {
            out.push(lines[1].clone());
        }
        out.extend(evs.iter().cloned());
        out.extend(keys.iter().cloned());
        out.join("\n") + "\n"
    };
    // with the checkpoint line still in it, the import refuses the file
    let file = office.path("tampered-with-checkpoint.jsonl");
    std::fs::write(&file, tampered("casework-export/3", true)).unwrap();
    let target = office.path("refused");
    let (code, _, stderr) = out(casework(&target).arg("import").arg(&file));
    assert_eq!(code, 4, "{stderr}");
    assert!(!target.exists(), "a refused import leaves no store");
    // stripped of everything that would give it away, it imports and the chains verify …
    let file = office.path("tampered.jsonl");
    std::fs::write(&file, tampered("casework-export/2", false)).unwrap();
    let target = office.path("rewritten");
    ok(casework(&target).arg("import").arg(&file));
    let (code, stdout, _) = out(casework(&target).arg("verify"));
    assert_eq!(code, 0, "plain verify cannot see it: {stdout}");
    // … but not against the checkpoint
    let (code, stdout, stderr) = office.verify(&target);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("BROKEN"), "{stdout}");
    assert!(stdout.contains("events were removed"), "{stdout}");
    assert!(dropped_position <= events as u64);
}

#[test]
#[cfg(unix)]
fn imports_read_pipes_once_refuse_changed_keys_and_never_leave_half_a_store() {
    let office = Office::new("150");
    let (file, lines) = office.export("office.jsonl");
    assert_eq!(mode(&file), 0o600, "an export holds data keys");
    // export never overwrites
    let (code, _, stderr) = out(casework(&office.store()).arg("export").arg(&file));
    assert_eq!(code, 4, "{stderr}");

    // from a pipe: read once, every event imported
    let piped = office.path("piped");
    let text = std::fs::read(&file).unwrap();
    let stdout = ok(casework(&piped)
        .args(["import", "-"])
        .write_stdin(text.clone()));
    let header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
    assert!(
        stdout.contains(&format!("imported {} events", header["events"])),
        "{stdout}"
    );
    let (code, stdout, _) = office.verify(&piped);
    assert_eq!(code, 0, "{stdout}");

    // a changed data-key line: refused with its line number, nothing imported
    let key_line = lines
        .iter()
        .position(|l| l.starts_with("{\"data_key_of\""))
        .unwrap();
    let mut changed = lines.clone();
    let at = changed[key_line].find("\"state\":\"").unwrap() + 20;
    let c = if &changed[key_line][at..at + 1] == "a" {
        "b"
    } else {
        "a"
    };
    changed[key_line].replace_range(at..at + 1, c);
    let bad = office.path("changed-key.jsonl");
    std::fs::write(&bad, changed.join("\n") + "\n").unwrap();
    let target = office.path("changed");
    let (code, _, stderr) = out(casework(&target).arg("import").arg(&bad));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains(&format!("line {}", key_line + 1)),
        "{stderr}"
    );
    assert!(!target.exists(), "nothing imported");

    // random bytes: a clear message, nothing imported
    let noise = office.path("noise.bin");
    std::fs::write(&noise, [0xff, 0xfe, 0x00, 0x80, b'\n', 0x01]).unwrap();
    let (code, _, stderr) = out(casework(&target).arg("import").arg(&noise));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("not UTF-8 text"), "{stderr}");

    // an import killed midway never creates the target; its staging store says so
    let killed = office.path("killed");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("casework"))
        .arg("--store")
        .arg(&killed)
        .args(["import", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // a pipe holds at most 64 KiB: once this write returns, the import has read (and
    // checked and staged) all but the last 64 KiB of it, header and marker included
    assert!(
        text.len() / 2 > 4 * 65536,
        "the export is large enough to fill the pipe"
    );
    stdin.write_all(&text[..text.len() / 2]).unwrap();
    stdin.flush().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert!(!killed.exists(), "the target is never half-filled");
    let staging: Vec<PathBuf> = std::fs::read_dir(office.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".killed.staging-")
        })
        .collect();
    assert_eq!(staging.len(), 1, "{staging:?}");
    let (code, stdout, _) = out(casework(&staging[0]).arg("verify"));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("INCOMPLETE"), "{stdout}");
    let (code, _, stderr) = out(casework(&staging[0]).args(["report", "worklist"]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("incomplete"), "{stderr}");
}

/// Flips one byte of sled's snapshot so that the store cannot open; the error names the
/// file, is a corruption (exit 3, not retryable) and points at restore; the restore brings
/// back every event up to the last backup and verifies.
#[test]
fn a_store_sled_cannot_open_comes_back_from_its_backups() {
    let office = Office::on("sled", "60");
    let backups = office.path("backups");
    let first = ok(casework(&office.store())
        .arg("backup")
        .arg(&backups)
        .arg("--key")
        .arg(office.path("office.key")));
    assert!(first.contains("set-000001"), "{first}");
    let second = ok(casework(&office.store())
        .arg("backup")
        .arg(&backups)
        .arg("--key")
        .arg(office.path("office.key")));
    assert!(second.contains("no new events"), "{second}");
    let before = ok(casework(&office.store()).arg("stats"));

    // damage: one byte of the newest snapshot (or, without one, of sled's config)
    let store = office.store();
    let mut snaps: Vec<PathBuf> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .collect();
    snaps.sort();
    let damaged = snaps.pop().unwrap_or_else(|| store.join("conf"));
    let mut bytes = std::fs::read(&damaged).unwrap();
    bytes[3] ^= 0x10;
    std::fs::write(&damaged, bytes).unwrap();
    let (code, _, stderr) = out(casework(&store).arg("stats"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("corrupt"), "{stderr}");
    assert!(
        stderr.contains(&damaged.display().to_string()),
        "names the file: {stderr}"
    );
    assert!(stderr.contains("restore"), "{stderr}");

    let restored = office.restore_as_before(&backups, &before);
    // restore refuses a store that holds events
    let (code, _, stderr) = out(casework(&restored)
        .arg("restore")
        .arg(&backups)
        .arg("--public-key")
        .arg(office.path("office.key.pub")));
    assert_eq!(code, 4, "{stderr}");
}

/// The quoted failures: `erase --by @`, a newline in the actor, `erase --at 2099-01-01`
/// and `case read --at 2020-01-01` are refused with a typed error, and nothing is written.
#[test]
fn audit_fields_are_refused_when_they_mean_nothing() {
    let office = Office::new("60");
    let store = office.store();
    let (_, lines) = office.export("office.jsonl");
    let closed = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["event_type"] == "CaseClosed" && v["payload"]["reason"] != "consent_revoked")
        .unwrap();
    let case = closed["stream"]
        .as_str()
        .unwrap()
        .trim_start_matches("case-")
        .to_owned();
    let head = |s: &Path| {
        ok(casework(s).arg("stats"))
            .lines()
            .find(|l| l.starts_with("events"))
            .unwrap()
            .to_owned()
    };
    let before = head(&store);
    for (by, at, needle) in [
        ("@", None, "is empty"),
        ("a\nb@c", None, "control character"),
        (
            "k.meier@jobcenter",
            Some("2099-01-01"),
            "after the store's time",
        ),
        ("k.meier@jobcenter", Some("2020-01-01"), "before stream"),
    ] {
        let mut c = casework(&store);
        c.args(["erase", &case, "--by", by]);
        if let Some(at) = at {
            c.args(["--at", at]);
        }
        let (code, stdout, stderr) = out(&mut c);
        assert_eq!(code, 4, "{by:?} {at:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{by:?} {at:?}: {stderr}");
    }
    let (code, _, stderr) = out(casework(&store).args([
        "case",
        "read",
        &case,
        "--user",
        "a.reader",
        "--institution",
        "jobcenter",
        "--role",
        "caseworker",
        "--at",
        "2020-01-01",
    ]));
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("before stream"), "{stderr}");
    assert_eq!(head(&store), before, "nothing was written");
    let history = ok(casework(&store).args(["history", &case]));
    assert!(!history.contains("/coordinator@\n"), "{history}");
}

#[test]
fn a_redb_store_with_a_damaged_header_comes_back_from_its_backups() {
    let office = Office::new("40");
    let backups = office.path("backups");
    ok(casework(&office.store())
        .arg("backup")
        .arg(&backups)
        .arg("--key")
        .arg(office.path("office.key")));
    let before = ok(casework(&office.store()).arg("stats"));
    // damage: a byte of redb's file header
    let file = office.store().join("casework.redb");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[3] ^= 0x10;
    std::fs::write(&file, bytes).unwrap();
    let (code, _, stderr) = out(casework(&office.store()).arg("stats"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("restore"), "says what to do: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    office.restore_as_before(&backups, &before);
}
