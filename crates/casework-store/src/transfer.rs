//! Export and import of a whole store as JSON Lines: a header line, then one line per event
//! in global order with the full envelope, the payload and the hash. A store moves from one
//! backend to another (sled → PostgreSQL) by export + import; the import reproduces every
//! stream, version, position, timestamp and hash, and refuses a tampered file, naming the
//! line.
//!
//! After the events come the entries of the key area (data keys of live cases, tombstones of
//! erased ones), so that a moved store can still read the personal data it could read
//! before. Payloads travel as stored: personal fields stay sealed. **An export holds the
//! keys of live cases: protect it like the store itself.**

use std::collections::HashMap;
use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::crypto::KeyState;
use crate::error::StoreError;
use crate::hash::{chain_hash, Hash};
use crate::store::EventStore;
use crate::types::{GlobalPosition, Metadata, RecordedEvent, StreamId, Version};

/// The format named in the header line. Version 2 adds the key area after the events;
/// version 1 files (no keys) still import.
pub const EXPORT_FORMAT: &str = "casework-export/2";
const EXPORT_FORMAT_V1: &str = "casework-export/1";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    events: u64,
    #[serde(default)]
    keys: u64,
}

/// One entry of the key area: a stream's data key or the tombstone of a destroyed one
/// ([`KeyState::to_bytes`] as hex). Erased cases carry only their tombstone, so an
/// export never holds a way to read their personal data.
#[derive(Serialize, Deserialize)]
struct KeyLine {
    data_key_of: StreamId,
    state: String,
}

#[derive(Serialize, Deserialize)]
struct Line<'a> {
    position: GlobalPosition,
    stream: StreamId,
    version: Version,
    event_id: Uuid,
    event_type: String,
    schema_version: u16,
    recorded_at: DateTime<Utc>,
    effective_at: DateTime<Utc>,
    #[serde(default)]
    metadata: Metadata,
    /// The payload verbatim where it is JSON (byte for byte, so the hash still verifies).
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    payload: Option<&'a RawValue>,
    /// The payload as hex where it is not JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payload_hex: Option<String>,
    hash: Hash,
}

/// Why an import was refused. Nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is damaged or was altered at this line (1-based; line 1 is the header).
    #[error("line {line}: {detail}")]
    Line {
        /// The line.
        line: u64,
        /// What is wrong.
        detail: String,
    },
    /// The target store is not empty.
    #[error("the target store is not empty (head position {0})")]
    NotEmpty(GlobalPosition),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the file failed.
    #[error("reading the export: {0}")]
    Io(String),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Writes the whole store to `out`; returns the number of events. `progress` is called
/// with the number written so far after every page.
pub fn export_jsonl<S: EventStore + ?Sized>(
    store: &S,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StoreError> {
    let io = |e: std::io::Error| StoreError::Io(e.to_string());
    let total = store.head_position()?;
    let streams = store.list_streams()?;
    let mut keys = Vec::new();
    for stream in &streams {
        if let Some(state) = store.data_key(stream)? {
            keys.push(KeyLine {
                data_key_of: stream.clone(),
                state: hex(&state.to_bytes()),
            });
        }
    }
    let header = Header {
        format: EXPORT_FORMAT.to_owned(),
        events: total,
        keys: keys.len() as u64,
    };
    let ser = |e: serde_json::Error| StoreError::Serialization(e.to_string());
    serde_json::to_writer(&mut *out, &header).map_err(ser)?;
    out.write_all(b"\n").map_err(io)?;
    let mut written = 0;
    while written < total {
        let page = store.read_all(written + 1, 4096)?;
        if page.is_empty() {
            break;
        }
        for e in &page {
            let raw = serde_json::from_slice::<&RawValue>(&e.payload).ok();
            let line = Line {
                position: e.position,
                stream: e.stream.clone(),
                version: e.version,
                event_id: e.event_id,
                event_type: e.event_type.clone(),
                schema_version: e.schema_version,
                recorded_at: e.recorded_at,
                effective_at: e.effective_at,
                metadata: e.metadata.clone(),
                payload: raw.filter(|r| r.get().as_bytes() == e.payload.as_slice()),
                payload_hex: None,
                hash: e.hash,
            };
            let line = if line.payload.is_none() {
                Line {
                    payload_hex: Some(hex(&e.payload)),
                    ..line
                }
            } else {
                line
            };
            serde_json::to_writer(&mut *out, &line).map_err(ser)?;
            out.write_all(b"\n").map_err(io)?;
        }
        written += page.len() as u64;
        progress(written);
    }
    for key in &keys {
        serde_json::to_writer(&mut *out, key).map_err(ser)?;
        out.write_all(b"\n").map_err(io)?;
    }
    out.flush().map_err(io)?;
    Ok(written)
}

fn parse_key_line(line_no: u64, text: &str) -> Result<(StreamId, KeyState), ImportError> {
    let bad = |detail: String| ImportError::Line {
        line: line_no,
        detail,
    };
    let k: KeyLine =
        serde_json::from_str(text).map_err(|e| bad(format!("not a key entry: {e}")))?;
    let state = unhex(&k.state)
        .and_then(|b| KeyState::from_bytes(&b))
        .ok_or_else(|| bad(format!("the key entry of {} is damaged", k.data_key_of)))?;
    Ok((k.data_key_of, state))
}

fn parse_line(line_no: u64, text: &str) -> Result<RecordedEvent, ImportError> {
    let bad = |detail: String| ImportError::Line {
        line: line_no,
        detail,
    };
    let l: Line<'_> = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let payload = match (l.payload, &l.payload_hex) {
        (Some(raw), None) => raw.get().as_bytes().to_vec(),
        (None, Some(h)) => unhex(h).ok_or_else(|| bad("payload_hex is not hex".into()))?,
        _ => {
            return Err(bad(
                "exactly one of payload and payload_hex is required".into()
            ))
        }
    };
    Ok(RecordedEvent {
        event_id: l.event_id,
        stream: l.stream,
        version: l.version,
        position: l.position,
        event_type: l.event_type,
        schema_version: l.schema_version,
        recorded_at: l.recorded_at,
        effective_at: l.effective_at,
        metadata: l.metadata,
        payload,
        hash: l.hash,
    })
}

/// Imports an export into an empty store. The file is read twice: first every line is
/// parsed and every stream's hash chain and the global order are verified (a tampered or
/// truncated file is refused with its line number and nothing is imported), then the
/// events are restored in batches. `open` opens the file for each pass; `progress` is
/// called with the number of events imported so far.
pub fn import_jsonl<S: EventStore + ?Sized, R: BufRead>(
    store: &S,
    open: &mut dyn FnMut() -> std::io::Result<R>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, ImportError> {
    let head = store.head_position()?;
    if head != 0 {
        return Err(ImportError::NotEmpty(head));
    }
    let io = |e: std::io::Error| ImportError::Io(e.to_string());
    // pass 1: verify everything
    let mut chains: HashMap<StreamId, (Version, Hash)> = HashMap::new();
    let mut expected_events = None;
    let mut keys = Vec::new();
    let mut expected_keys = 0;
    let mut position = 0;
    for (i, line) in open().map_err(io)?.lines().enumerate() {
        let line_no = i as u64 + 1;
        let text = line.map_err(io)?;
        if line_no == 1 {
            let h: Header = serde_json::from_str(&text).map_err(|e| ImportError::Line {
                line: 1,
                detail: format!("not an export header: {e}"),
            })?;
            if h.format != EXPORT_FORMAT && h.format != EXPORT_FORMAT_V1 {
                return Err(ImportError::Line {
                    line: 1,
                    detail: format!("unknown format {:?}", h.format),
                });
            }
            expected_events = Some(h.events);
            expected_keys = h.keys;
            continue;
        }
        if expected_events.is_some_and(|n| line_no > n + 1) {
            keys.push(parse_key_line(line_no, &text)?);
            continue;
        }
        let e = parse_line(line_no, &text)?;
        let bad = |detail: String| ImportError::Line {
            line: line_no,
            detail,
        };
        if e.position != position + 1 {
            return Err(bad(format!(
                "position {} where {} belongs",
                e.position,
                position + 1
            )));
        }
        let (version, prev) = chains.get(&e.stream).copied().unwrap_or((0, Hash::ZERO));
        if e.version != version + 1 {
            return Err(bad(format!(
                "stream {} version {} where {} belongs",
                e.stream,
                e.version,
                version + 1
            )));
        }
        if chain_hash(&prev, &e) != e.hash {
            return Err(bad(format!(
                "hash chain broken in stream {} at version {} (event altered)",
                e.stream, e.version
            )));
        }
        chains.insert(e.stream.clone(), (e.version, e.hash));
        position = e.position;
    }
    match expected_events {
        None => {
            return Err(ImportError::Line {
                line: 1,
                detail: "empty file: no header".into(),
            })
        }
        Some(n) if n != position => {
            return Err(ImportError::Line {
                line: position + 2,
                detail: format!(
                    "the header announces {n} events, the file has {position} (truncated?)"
                ),
            })
        }
        Some(_) => {}
    }
    if keys.len() as u64 != expected_keys {
        return Err(ImportError::Line {
            line: position + keys.len() as u64 + 2,
            detail: format!(
                "the header announces {expected_keys} key entries, the file has {} (truncated?)",
                keys.len()
            ),
        });
    }
    // pass 2: the key area first (a key must exist before the events that use it), then
    // the events in batches
    for (stream, state) in keys {
        match state {
            KeyState::Active(key) => {
                store.create_data_key(&stream, key)?;
            }
            KeyState::Destroyed { at } => store.destroy_data_key(&stream, at)?,
        }
    }
    let mut batch = Vec::with_capacity(1000);
    let mut imported = 0;
    let events = expected_events.unwrap_or(0) as usize;
    for (i, line) in open().map_err(io)?.lines().enumerate().skip(1).take(events) {
        batch.push(parse_line(i as u64 + 1, &line.map_err(io)?)?);
        if batch.len() == 1000 {
            imported += batch.len() as u64;
            store.restore(std::mem::take(&mut batch))?;
            progress(imported);
        }
    }
    if !batch.is_empty() {
        imported += batch.len() as u64;
        store.restore(batch)?;
        progress(imported);
    }
    Ok(imported)
}
