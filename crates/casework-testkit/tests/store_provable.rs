//! Properties of provable history: any change to an exported history before a checkpoint
//! is detected — by the import, or by verifying the imported store against the checkpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_store::checkpoint::{checkpoint, verify_against, Checkpoint, PublicKey, SigningKey};
use casework_store::{
    export_jsonl, import_jsonl, EventStore, ExpectedVersion, ImportOptions, MemoryStore,
    RecordedEvent, StoreAdmin, StreamId,
};
use casework_testkit::conformance::{rechain, sample_event};
use proptest::prelude::*;

struct Source {
    export: Vec<u8>,
    log: Vec<RecordedEvent>,
    checkpoint: Checkpoint,
    public: PublicKey,
}

/// A store of 40 events over five interleaved streams, a checkpoint of all of it, and its
/// export.
fn source() -> Source {
    let store = MemoryStore::new();
    for n in 0..40u64 {
        let name = format!("s-{}", (n * 7) % 5);
        let stream = StreamId::new(name.clone()).unwrap();
        store
            .append(&stream, ExpectedVersion::Any, vec![sample_event(&name, n)])
            .unwrap();
    }
    let key = SigningKey::generate();
    let checkpoint = checkpoint(&store, &key).unwrap();
    let mut export = Vec::new();
    export_jsonl(&store, &mut export, &mut |_| {}).unwrap();
    Source {
        export,
        log: store.read_all(1, 100).unwrap(),
        checkpoint,
        public: key.public_key(),
    }
}

/// Whether importing `file` and verifying the result against the checkpoint finds the
/// change.
fn detected(file: &[u8], source: &Source) -> bool {
    let store = MemoryStore::new();
    if import_jsonl(
        &store,
        &mut &file[..],
        &ImportOptions::default(),
        &mut |_| {},
    )
    .is_err()
    {
        return true;
    }
    !matches!(
        verify_against(&store, &source.checkpoint, &source.public),
        Ok(Ok(_))
    )
}

/// A format-2 export of `log` (no checkpoint, no key checks, no trailer): what an attacker
/// who strips every integrity line writes.
fn stripped_export(log: &[RecordedEvent]) -> Vec<u8> {
    let store = MemoryStore::new();
    store.restore(log.to_vec()).unwrap();
    let mut file = Vec::new();
    export_jsonl(&store, &mut file, &mut |_| {}).unwrap();
    let text = String::from_utf8(file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.pop(); // the trailer
    let header = format!(
        "{{\"format\":\"casework-export/2\",\"events\":{},\"keys\":0}}",
        log.len()
    );
    lines[0] = &header;
    (lines.join("\n") + "\n").into_bytes()
}

#[derive(Debug, Clone)]
enum Change {
    Drop(usize),
    Duplicate(usize),
    Swap(usize, usize),
    EditPayload(usize, usize),
    Truncate(usize),
    Actor(usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0..40usize).prop_map(Change::Drop),
        (0..40usize).prop_map(Change::Duplicate),
        (0..40usize, 0..40usize).prop_map(|(i, j)| Change::Swap(i, j)),
        (0..40usize, 0..300usize).prop_map(|(i, b)| Change::EditPayload(i, b)),
        (0..40usize).prop_map(Change::Truncate),
        (0..40usize).prop_map(Change::Actor),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Flipping any bit of any byte of the export's events (all before the checkpoint) is
    /// detected.
    #[test]
    fn a_flipped_byte_anywhere_in_the_events_is_detected(at in 0.0f64..1.0, bit in 0u8..8) {
        let source = source();
        let text = &source.export;
        // the event lines: after the header and the checkpoint line, before the trailer
        let start = text.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(1).unwrap().0 + 1;
        let end = text[..text.len() - 1].iter().rposition(|&b| b == b'\n').unwrap();
        let offset = start + ((end - start) as f64 * at) as usize;
        let mut file = text.clone();
        file[offset] ^= 1 << bit;
        prop_assert!(detected(&file, &source), "byte {offset} bit {bit}");
    }

    /// An attacker without the signing key who changes the history, recomputes every
    /// stream hash and position, and strips the checkpoint, key checks and trailer from the
    /// file still fails against the checkpoint.
    #[test]
    fn a_rewritten_history_fails_against_the_checkpoint(change in change()) {
        let source = source();
        let mut log = source.log.clone();
        match change.clone() {
            Change::Drop(i) => { log.remove(i); }
            Change::Duplicate(i) => {
                // a copy of the last event lands after the checkpoint: not a change of it
                prop_assume!(i + 1 < log.len());
                let e = log[i].clone();
                log.insert(i, e);
            }
            Change::Swap(i, j) => {
                prop_assume!(log[i].stream != log[j].stream);
                log.swap(i, j);
            }
            Change::EditPayload(i, b) => {
                let b = b % log[i].payload.len();
                let mut payload = log[i].payload.to_vec();
                payload[b] = if payload[b] == b'x' { b'y' } else { b'x' };
                log[i].payload = payload.into();
                prop_assume!(log[i].payload != source.log[i].payload);
            }
            Change::Truncate(i) => log.truncate(i),
            Change::Actor(i) => log[i].metadata.actor = Some("mallory/auditor@nowhere".into()),
        }
        rechain(&mut log);
        let file = stripped_export(&log);
        let store = MemoryStore::new();
        import_jsonl(&store, &mut &file[..], &ImportOptions::default(), &mut |_| {}).unwrap();
        prop_assert!(store.verify_all().unwrap().is_empty(), "the chains verify");
        let verdict = verify_against(&store, &source.checkpoint, &source.public).unwrap();
        prop_assert!(verdict.is_err(), "{change:?} was not detected");
    }
}

/// The control: the untouched export imports and verifies against its checkpoint.
#[test]
fn the_untouched_export_verifies() {
    let source = source();
    assert!(!detected(&source.export, &source));
    assert!(!detected(&stripped_export(&source.log), &source));
}
