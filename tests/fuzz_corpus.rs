//! Replays every input of the fuzz corpora (`fuzz/corpus/<target>/`, found by libFuzzer
//! with `scripts/fuzz`, see docs/fuzzing.md) through the same target bodies, so that CI
//! keeps every input the fuzzers found interesting from panicking again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/targets.rs"]
mod targets;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panics", path.display());
        inputs += 1;
    }
    assert!(inputs > 0, "the corpus of {target} is empty");
}

#[test]
fn import_corpus() {
    replay("import", targets::import);
}

#[test]
fn sled_record_corpus() {
    replay("sled_record", targets::sled_record);
}

#[test]
fn event_decode_corpus() {
    replay("event_decode", targets::event_decode);
}

#[test]
fn policy_corpus() {
    replay("policy", targets::policy);
}

#[test]
fn plan_corpus() {
    replay("plan", targets::plan);
}
