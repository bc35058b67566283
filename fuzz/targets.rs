//! The fuzz targets' bodies, shared by the libFuzzer binaries (`fuzz/fuzz_targets/`) and
//! the corpus replay in `cargo test` (`tests/fuzz_corpus.rs`). Each takes arbitrary bytes
//! and must return — with a typed error or a value — and never panic.

use casework::case::case_codec;
use casework::process::{CaseEvent, Policy};
use casework::reports::EntryPlan;
use casework::store::{
    import_jsonl, DataKey, Hash, ImportOptions, KeyState, MemoryStore, Metadata, RecordedEvent,
    StreamId,
};

/// An export file: header, checkpoint, events, key lines, trailer.
pub fn import(data: &[u8]) {
    let store = MemoryStore::new();
    let _ = import_jsonl(
        &store,
        &mut &data[..],
        &ImportOptions::default(),
        &mut |_| {},
    );
}

/// A sled record and a chunk of records.
pub fn sled_record(data: &[u8]) {
    let _ = casework::store::internals::record::decode(data);
    if let Ok(ranges) = casework::store::internals::record::chunk_ranges(data) {
        for range in ranges {
            let _ = data
                .get(range)
                .map(casework::store::internals::record::decode);
        }
    }
}

/// A stored event of any known type and schema version (the first two bytes choose them),
/// decoded with upcasting, sealed or not, with and without a key.
pub fn event_decode(data: &[u8]) {
    let (Some(&kind), Some(&version)) = (data.first(), data.get(1)) else {
        return;
    };
    let event_type = CaseEvent::TYPES[usize::from(kind) % CaseEvent::TYPES.len()];
    let recorded = RecordedEvent {
        event_id: Default::default(),
        stream: StreamId::new("case-fuzz").unwrap_or_else(|_| StreamId::all()),
        version: 1,
        position: 1,
        event_type: event_type.to_owned(),
        schema_version: u16::from(version % 4),
        recorded_at: Default::default(),
        effective_at: Default::default(),
        metadata: Metadata::default(),
        payload: data[2..].to_vec().into(),
        hash: Hash::ZERO,
    };
    let codec = case_codec();
    let _ = codec.decode(&recorded);
    let key = KeyState::Active(DataKey::from_parts(1, [7; 32]));
    let _ = codec.decode_opened(&recorded, Some(&key));
    let _ = codec.decode_opened(&recorded, None);
}

/// A deployment's policy file.
pub fn policy(data: &[u8]) {
    let _ = Policy::from_json(&String::from_utf8_lossy(data));
}

/// An entry plan file.
pub fn plan(data: &[u8]) {
    let _ = EntryPlan::from_csv(&String::from_utf8_lossy(data));
}
