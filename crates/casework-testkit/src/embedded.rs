//! Tests every embedded store runs on its real files: the canary scan (no personal data in
//! clear, erased cases unreadable, destroyed keys gone from every file), and the crash loop
//! (a child process appends real case commands and is killed with SIGKILL; nothing
//! acknowledged may be lost). A store crate calls them with how it opens its store:
//!
//! ```ignore
//! casework_testkit::embedded_store_tests!(|dir: &std::path::Path| MyStore::open(dir), 20);
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use casework_case::case_codec;
use casework_case::CaseStream;
use casework_process::*;
use casework_store::{
    EventStore, ExpectedVersion, KeyArea, Metadata, NewEvent, Repository, Store, StoreError,
    StreamId,
};
use chrono::{TimeZone, Utc};
use uuid::Uuid;

use crate::conformance::{canary_workload, visible_personal_data, CANARY_PREFIX};
use crate::world::World;

/// Every byte of every file below `dir`.
pub fn every_byte(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(every_byte(&path));
        } else {
            all.extend(std::fs::read(&path).unwrap());
        }
    }
    all
}

/// Whether `needle` occurs in `haystack`.
pub fn occurs(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The canary scan of issue 11: 100 cases whose every personal field holds a unique
/// string; 50 are closed and erased. After a flush, every byte of the store directory is
/// scanned: no canary occurs in clear, the kept cases still read all their canaries, the
/// erased ones none (also after reopening), and every chain verifies.
pub fn canary_scan<S: Store>(open: impl Fn(&Path) -> Result<S, StoreError>) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).unwrap();
    let work = canary_workload(&store, 100);
    assert_eq!((work.kept.len(), work.erased.len()), (50, 50));
    // a control string written in clear, to show that the scan finds what is there
    let control = NewEvent::new(
        "Noted",
        1,
        chrono::Utc::now(),
        br#"{"note":"KONTROLLE-4711"}"#.to_vec(),
    );
    let control_stream = StreamId::new("control").unwrap();
    store
        .append(&control_stream, ExpectedVersion::NoStream, vec![control])
        .unwrap();
    store.flush().unwrap();
    let disk = every_byte(dir.path());
    assert!(
        disk.len() > 100_000,
        "the scan reads the store ({} bytes)",
        disk.len()
    );
    assert!(
        occurs(&disk, b"KONTROLLE-4711"),
        "the scan finds clear text"
    );
    // every canary starts with the prefix: one pass finds any of the 600
    assert!(
        !occurs(&disk, CANARY_PREFIX.as_bytes()),
        "a canary is on disk in clear"
    );
    for case in &work.kept {
        let seen = visible_personal_data(&store, &case.stream);
        for canary in &case.canaries {
            assert!(seen.contains(canary), "kept case lost {canary}");
        }
    }
    // reopened from disk: the erasures are durable
    drop(store);
    let store = open(dir.path()).unwrap();
    for case in &work.erased {
        let seen = visible_personal_data(&store, &case.stream);
        assert!(case.canaries.iter().all(|c| !seen.contains(c)));
        assert_eq!(seen.matches(r#""$personal":"erased""#).count(), 6);
    }
    assert_eq!(store.verify_all().unwrap(), vec![]);
}

/// A destroyed key is gone from every file of the store (the engines would keep it, so
/// key bytes live in a slot file that is zeroed); a damaged slot is `Corruption`; a slot
/// that no index entry points at is zeroed when the store opens.
pub fn destroyed_keys_leave_no_bytes<S: Store>(open: impl Fn(&Path) -> Result<S, StoreError>) {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).unwrap();
    let erased = StreamId::new("case-erased").unwrap();
    let kept = StreamId::new("case-kept").unwrap();
    let gone = *store.data_key_for_writing(&erased).unwrap().bytes();
    let live = *store.data_key_for_writing(&kept).unwrap().bytes();
    store.flush().unwrap();
    assert!(
        occurs(&every_byte(dir.path()), &live),
        "the scan finds keys"
    );
    store.destroy_data_key(&erased, chrono::Utc::now()).unwrap();
    for i in 0..500 {
        let s = StreamId::new(format!("case-{i}")).unwrap();
        store.data_key_for_writing(&s).unwrap();
    }
    store.flush().unwrap();
    drop(store);
    let disk = every_byte(dir.path());
    assert!(!occurs(&disk, &gone), "the destroyed key is on disk");
    assert!(occurs(&disk, &live));

    // an orphan slot (written, never indexed) is zeroed at open
    let slots = dir.path().join(casework_store::internals::vault::SLOT_FILE);
    let mut bytes = std::fs::read(&slots).unwrap();
    let orphan: Vec<u8> = (0..64u8).map(|b| b | 1).collect();
    bytes.extend_from_slice(&orphan);
    std::fs::write(&slots, &bytes).unwrap();
    let store = open(dir.path()).unwrap();
    assert!(!occurs(&std::fs::read(&slots).unwrap(), &orphan));
    assert_eq!(
        store
            .data_key(&kept)
            .unwrap()
            .unwrap()
            .active(&kept)
            .unwrap()
            .bytes(),
        &live
    );
    drop(store);

    // a flipped bit in a live slot is a typed error naming the stream
    let mut bytes = std::fs::read(&slots).unwrap();
    let at = bytes.windows(32).position(|w| w == live).unwrap();
    bytes[at] ^= 0x01;
    std::fs::write(&slots, &bytes).unwrap();
    let store = open(dir.path()).unwrap();
    match store.data_key(&kept) {
        Err(StoreError::Corruption { stream, .. }) => assert_eq!(stream, kept),
        other => panic!("expected Corruption, got {other:?}"),
    }
}

/// The crash child: appends case after case to the store in `CASEWORK_CRASH_DIR` until it
/// is killed, printing `ack STREAM VERSION` after each append returned. Does nothing
/// without that variable (when the test runner runs it on its own).
pub fn crash_child<S: KeyArea>(open: impl Fn(&Path) -> Result<S, StoreError>) {
    let Ok(dir) = std::env::var("CASEWORK_CRASH_DIR") else {
        return;
    };
    let cycle: u128 = std::env::var("CASEWORK_CRASH_CYCLE")
        .unwrap()
        .parse()
        .unwrap();
    let store = open(Path::new(&dir)).unwrap();
    let script = Script::default();
    let mut out = std::io::stdout().lock();
    for k in 0.. {
        let case = case_id((cycle << 32) | k);
        for step in 0..case_commands(case).len() {
            let (stream, version) = script.step(&store, case, step);
            // one write per line, after the append returned (= durable)
            out.write_all(format!("ack {stream} {version}\n").as_bytes())
                .unwrap();
            out.flush().unwrap();
        }
    }
}

/// The crash loop: runs this test binary's test `child` (which calls [`crash_child`]) as a
/// process `cycles` times, kills it with SIGKILL at varying moments — during open, or
/// after a number of acknowledged appends that depends on the cycle, never on time —,
/// reopens the store and checks that every acknowledged append survived, every stream's
/// head and the global head are exactly the last events (sled derives them at open),
/// every chain verifies, no case invariant is broken and the log digest kept at append
/// time equals the one recomputed.
pub fn kill_loop<S: Store>(
    child: &str,
    cycles: u64,
    open: impl Fn(&Path) -> Result<S, StoreError>,
) {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut acked: HashMap<StreamId, u64> = HashMap::new();
    let mut total_acks = 0;
    for cycle in 0..cycles {
        let mut process = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                child,
                "--nocapture",
                "--test-threads=1",
            ])
            .env("CASEWORK_CRASH_DIR", dir.path())
            .env("CASEWORK_CRASH_CYCLE", cycle.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = process.stdout.take().unwrap();
        let (lines, received) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // deterministic, varied kill moments counted in acknowledged appends, not in time,
        // so that a slow or busy machine kills at the same points: every fifth cycle during
        // open (before any ack), the others after 1 to 29 acks, mid-case or between cases
        let kill_after = if cycle % 5 == 0 {
            0
        } else {
            1 + (cycle * 37) % 29
        };
        let mut seen = Vec::new();
        while (seen.len() as u64) < kill_after {
            match received.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => seen.push(line),
                Err(_) => break,
            }
        }
        process.kill().unwrap(); // SIGKILL on Unix
        process.wait().unwrap();
        reader.join().unwrap();
        seen.extend(received.try_iter());
        assert!(
            seen.len() as u64 >= kill_after,
            "cycle {cycle}: the child acknowledged {} append(s) before it was to be killed after {kill_after}",
            seen.len()
        );
        for line in seen {
            let parts: Vec<&str> = line.split(' ').collect();
            if let ["ack", stream, version] = parts[..] {
                if let (Ok(stream), Ok(version)) = (StreamId::new(stream), version.parse::<u64>()) {
                    let v = acked.entry(stream).or_default();
                    *v = (*v).max(version);
                    total_acks += 1;
                }
            }
        }
        let store =
            open(dir.path()).unwrap_or_else(|e| panic!("cycle {cycle}: reopen failed: {e}"));
        for (stream, version) in &acked {
            let have = store.stream_version(stream).unwrap().unwrap_or(0);
            assert!(
                have >= *version,
                "cycle {cycle}: {stream} acknowledged v{version}, store has v{have}"
            );
        }
        // the heads (derived at open on sled, kept in tables on redb) are exact: every
        // stream's version is its last event, the global head the log's last position
        let streams = store.list_streams().unwrap();
        for stream in acked.keys() {
            assert!(
                streams.contains(stream),
                "cycle {cycle}: {stream} not listed"
            );
        }
        for stream in &streams {
            let last = store
                .read_stream_all(stream)
                .unwrap()
                .last()
                .map(|e| e.version);
            assert_eq!(
                store.stream_version(stream).unwrap(),
                last,
                "cycle {cycle}: head of {stream}"
            );
        }
        let head = store.head_position().unwrap();
        let tail = store.read_all(head.max(1), 2).unwrap();
        assert_eq!(
            tail.iter().map(|e| e.position).collect::<Vec<_>>(),
            (head > 0).then_some(head).into_iter().collect::<Vec<_>>(),
            "cycle {cycle}: the global head is the log's last position"
        );
        assert_eq!(
            store.verify_all().unwrap(),
            vec![],
            "cycle {cycle}: chains and global log verify"
        );
        assert_eq!(
            invariant_violations(&store),
            vec![],
            "cycle {cycle}: invariants hold"
        );
        assert_eq!(
            store.log_head().unwrap(),
            casework_store::checkpoint::compute_log_head(&store).unwrap(),
            "cycle {cycle}: the log digest kept at append time survived the crash"
        );
    }
    assert!(
        total_acks > 100,
        "the children must have appended something ({total_acks} acks)"
    );
}

/// Stamps out the embedded-store tests for a store opened by `$open` (a closure from the
/// store directory to `Result<Store, StoreError>`): the canary scan, the destroyed-key
/// scan and the crash loop with `$cycles` SIGKILL cycles.
#[macro_export]
macro_rules! embedded_store_tests {
    ($open:expr, $cycles:expr) => {
        #[test]
        fn no_canary_is_on_disk_and_erased_cases_stay_unreadable() {
            $crate::embedded::canary_scan($open);
        }

        #[test]
        fn destroyed_keys_leave_no_bytes_behind() {
            $crate::embedded::destroyed_keys_leave_no_bytes($open);
        }

        /// The child of the crash loop; run by it as a process, not on its own.
        #[test]
        #[ignore = "run by kill_minus_nine_loses_no_acknowledged_append as a child process"]
        fn crash_child() {
            $crate::embedded::crash_child($open);
        }

        #[test]
        fn kill_minus_nine_loses_no_acknowledged_append() {
            $crate::embedded::kill_loop("crash_child", $cycles, $open);
        }
    };
}

/// The actors and policy the crash child decides under.
pub struct Script {
    /// The policy.
    pub policy: Policy,
    /// Referrer, client, coordinator, caseworker, provider.
    pub actors: Vec<Actor>,
}

impl Default for Script {
    fn default() -> Self {
        let world = World::default();
        Script {
            policy: Policy::default(),
            actors: vec![
                world.referrer,
                world.client,
                world.coordinator,
                world.caseworker,
                Actor::new("p.wolf", Role::Provider, "caritas"),
            ],
        }
    }
}

/// The commands of case `n`: (actor index, day, command).
pub fn case_commands(case: CaseId) -> Vec<(usize, i64, CaseCommand)> {
    let voucher = VoucherId::new("V1");
    vec![
        (
            0,
            0,
            crate::conformance::registration(case, &format!("Client {}", case.0.as_u128())),
        ),
        (
            1,
            1,
            CaseCommand::SignConsent {
                signatory: Signatory::Client,
                // the team's institutions and the voucher's provider, with what an
                // addiction-counselling voucher tells it
                scope: ConsentScope {
                    institutions: ["iiz", "jobcenter", "caritas"]
                        .into_iter()
                        .map(InstitutionId::new)
                        .collect(),
                    data: [
                        DataCategory::ProcessFacts,
                        DataCategory::Addiction,
                        DataCategory::Health,
                    ]
                    .into(),
                    ..ConsentScope::default()
                },
            },
        ),
        (
            2,
            3,
            CaseCommand::FormTeam {
                coordinator: UserId::new("k.meier"),
                coordinator_institution: InstitutionId::new("iiz"),
                // the caseworker who issues the voucher
                members: vec![crate::world::caseworker_member()],
            },
        ),
        (
            3,
            4,
            CaseCommand::IssueVoucher {
                voucher: voucher.clone(),
                service: ServiceId::new(ADDICTION_COUNSELLING),
                provider: ProviderId::new("caritas"),
            },
        ),
        (
            4,
            8,
            CaseCommand::RedeemVoucher {
                voucher: voucher.clone(),
            },
        ),
        (
            4,
            9,
            CaseCommand::RecordFeedback {
                voucher: voucher.clone(),
                kind: FeedbackKind::First,
                facts: FeedbackFacts::default(),
                content: None,
            },
        ),
        (
            4,
            60,
            CaseCommand::RecordFeedback {
                voucher,
                kind: FeedbackKind::Final,
                facts: FeedbackFacts {
                    outcome: Some(ServiceOutcome::Completed),
                    ..FeedbackFacts::default()
                },
                content: None,
            },
        ),
        (
            2,
            69,
            CaseCommand::SendClosureNotice {
                to: NoticeRecipient::Referrer,
            },
        ),
        (
            2,
            69,
            CaseCommand::SendClosureNotice {
                to: NoticeRecipient::Client,
            },
        ),
        (
            2,
            70,
            CaseCommand::CloseCase {
                reason: ClosureReason::Employment,
            },
        ),
    ]
}

/// The case id of seed `seed`.
pub fn case_id(seed: u128) -> CaseId {
    CaseId(Uuid::from_u128(seed))
}

impl Script {
    /// Runs one command of a case; returns (stream, new version).
    pub fn step<S: KeyArea + ?Sized>(
        &self,
        store: &S,
        case: CaseId,
        step: usize,
    ) -> (StreamId, u64) {
        let repo = Repository::<CaseProcess, S>::new(store, case_codec());
        let (actor, day, cmd) = &case_commands(case)[step];
        let now = Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).unwrap() + chrono::Duration::days(*day);
        let ctx = Context::new(now, &self.actors[*actor], &self.policy);
        let stream = StreamId::for_case(case);
        let done = repo
            .execute(&stream, cmd, &ctx, Metadata::default())
            .unwrap_or_else(|e| panic!("{e}"));
        (stream, done.outcome.map(|o| o.last_version).unwrap_or(0))
    }
}

/// Decodes every case stream and returns the invariant violations found.
pub fn invariant_violations<S: EventStore + ?Sized>(store: &S) -> Vec<(StreamId, Violation)> {
    let codec = case_codec();
    let mut out = Vec::new();
    for stream in store.list_streams().unwrap() {
        let events: Vec<CaseEvent> = store
            .read_stream_all(&stream)
            .unwrap()
            .iter()
            .map(|r| codec.decode(r).unwrap())
            .collect();
        out.extend(
            invariants::check(&events)
                .into_iter()
                .map(|v| (stream.clone(), v)),
        );
    }
    out
}

/// A new store is readable by its owner only, whatever the umask: the directory the engine
/// makes is `0700`, the key slot file and each of `private_files` (the engine's own files
/// that must be private) `0600`; a slot file an older version left readable by all is made
/// private at the next open; a directory the user made for the store keeps its mode.
#[cfg(unix)]
pub fn store_files_are_private<S: KeyArea>(
    open: impl Fn(&Path) -> Result<S, StoreError>,
    private_files: &[&str],
) {
    use casework_store::internals::vault::SLOT_FILE;
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("store");
    let store = open(&path).unwrap();
    store
        .create_data_key(
            &StreamId::new("case-1").unwrap(),
            casework_store::DataKey::generate(1),
        )
        .unwrap();
    drop(store);
    assert_eq!(mode(&path), 0o700, "the store directory");
    let slots = path.join(SLOT_FILE);
    assert_eq!(mode(&slots), 0o600, "the key slot file");
    for file in private_files {
        assert_eq!(mode(&path.join(file)), 0o600, "{file}");
    }
    std::fs::set_permissions(&slots, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(open(&path).unwrap());
    assert_eq!(mode(&slots), 0o600, "the old slot file is private now");

    let mine = dir.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o750)).unwrap();
    drop(open(&mine).unwrap());
    assert_eq!(
        mode(&mine),
        0o750,
        "a directory casework did not make is left as it was"
    );
    assert_eq!(mode(&mine.join(SLOT_FILE)), 0o600, "the key slot file");
}
