//! Export and import of a whole store as JSON Lines. A store moves from one backend to
//! another (sled → PostgreSQL) by export + import; the import reproduces every stream,
//! version, position, timestamp and hash, and refuses a tampered file, naming the line.
//!
//! Format 3, line by line:
//!
//! 1. the header: format, number of events and key entries;
//! 2. the newest checkpoint the store knows of (`{"checkpoint": …}`), if it has one;
//! 3. one line per event in global order with the full envelope, the payload and the hash;
//! 4. the entries of the key area (data keys of live cases, tombstones of erased ones),
//!    each with a check value over its stream and state, so that a moved store can still
//!    read the personal data it could read before;
//! 5. the trailer: the number of lines before it and the SHA-256 of their bytes.
//!
//! Payloads travel as stored: personal fields stay sealed. **An export holds the keys of
//! live cases: protect it like the store itself.**
//!
//! An import reads its input once (a pipe works), checks each line as it comes — positions,
//! stream versions, hash chains, the log digest against the carried checkpoint, the key
//! check values, the trailer — and writes into the target in batches under the store's
//! import marker ([`crate::meta::IMPORTING`]), which it removes only when everything
//! verified. A store whose import failed or was killed keeps the marker and refuses
//! appends. Formats 1 and 2 (no checkpoint, key checks or trailer) still import.

use std::io::{BufRead, Write};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use sha2::{Digest, Sha256};

use crate::checkpoint::{latest_checkpoint, Checkpoint, CheckpointError, LogCheck, PublicKey};
use crate::crypto::KeyState;
use crate::error::StoreError;
use crate::hash::{hex, unhex, Hash};
use crate::store::{log_events, LogEvents, Store};
use crate::types::{GlobalPosition, Metadata, RecordedEvent, StreamId, Version};

/// The format named in the header line. Version 3 adds the checkpoint, key check values
/// and the trailer; version 2 added the key area; files of versions 1 and 2 still import.
pub const EXPORT_FORMAT: &str = "casework-export/3";
const EXPORT_FORMAT_V2: &str = "casework-export/2";
const EXPORT_FORMAT_V1: &str = "casework-export/1";
const KEY_CHECK_DOMAIN: &[u8] = b"casework/key-line/v1";

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
    /// SHA-256 over a domain tag, the stream and the state (hex); absent before format 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    checkpoint: Checkpoint,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    end: TrailerBody,
}

#[derive(Serialize, Deserialize)]
struct TrailerBody {
    /// Lines before the trailer.
    lines: u64,
    /// SHA-256 (hex) of their bytes, each with its newline.
    sha256: String,
}

fn key_check(stream: &StreamId, state: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(KEY_CHECK_DOMAIN);
    h.update((stream.as_str().len() as u32).to_be_bytes());
    h.update(stream.as_str().as_bytes());
    h.update(state);
    hex(&h.finalize())
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
    /// The checkpoint the file carries is not signed by the trusted key.
    #[error("the export's checkpoint: {0}")]
    Checkpoint(CheckpointError),
}

/// Writes lines and keeps the count and SHA-256 of everything written, for the trailer.
pub(crate) struct LineWriter<'w> {
    out: &'w mut dyn Write,
    digest: Sha256,
    lines: u64,
}

impl<'w> LineWriter<'w> {
    pub(crate) fn new(out: &'w mut dyn Write) -> Self {
        LineWriter {
            out,
            digest: Sha256::new(),
            lines: 0,
        }
    }

    /// Writes `value` as one line of JSON.
    pub(crate) fn line<T: Serialize>(&mut self, value: &T) -> Result<(), StoreError> {
        let line = json_line(value)?;
        self.digest.update(&line);
        self.lines += 1;
        self.out
            .write_all(&line)
            .map_err(|e| StoreError::Io(e.to_string()))
    }

    /// The SHA-256 (hex) of every line written so far.
    pub(crate) fn sha256(&self) -> String {
        hex(&self.digest.clone().finalize())
    }

    /// Writes the trailer over every line so far (not counted itself) and flushes.
    pub(crate) fn finish(self) -> Result<(), StoreError> {
        let trailer = json_line(&Trailer {
            end: TrailerBody {
                lines: self.lines,
                sha256: self.sha256(),
            },
        })?;
        self.out
            .write_all(&trailer)
            .and_then(|()| self.out.flush())
            .map_err(|e| StoreError::Io(e.to_string()))
    }
}

/// `value` as one line of JSON, newline included.
fn json_line<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut line =
        serde_json::to_vec(value).map_err(|e| StoreError::Serialization(e.to_string()))?;
    line.push(b'\n');
    Ok(line)
}

/// The line of one event: the payload verbatim where it is JSON (byte for byte, so the
/// hash still verifies), else as hex.
fn event_line(e: &RecordedEvent) -> Line<'_> {
    let raw = serde_json::from_slice::<&RawValue>(&e.payload)
        .ok()
        .filter(|r| r.get().as_bytes() == &e.payload[..]);
    Line {
        position: e.position,
        stream: e.stream.clone(),
        version: e.version,
        event_id: e.event_id,
        event_type: e.event_type.clone(),
        schema_version: e.schema_version,
        recorded_at: e.recorded_at,
        effective_at: e.effective_at,
        metadata: e.metadata.clone(),
        payload: raw,
        payload_hex: raw.is_none().then(|| hex(&e.payload)),
        hash: e.hash,
    }
}

/// Writes the events of positions `from..=to` as event lines (exports and backups);
/// returns how many. `progress` is called after every page.
pub(crate) fn write_events<S: Store + ?Sized>(
    store: &S,
    from: GlobalPosition,
    to: GlobalPosition,
    out: &mut LineWriter<'_>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StoreError> {
    let mut written = 0;
    for e in log_events(store, from) {
        let e = e?;
        if e.position > to {
            break;
        }
        out.line(&event_line(&e))?;
        written += 1;
        if written % LogEvents::<S>::PAGE as u64 == 0 {
            progress(written);
        }
    }
    progress(written);
    Ok(written)
}

/// The key area's entries as key lines, each with its check value; returns how many.
pub(crate) fn write_keys(
    entries: &[(StreamId, KeyState)],
    out: &mut LineWriter<'_>,
) -> Result<u64, StoreError> {
    for (stream, state) in entries {
        let bytes = state.to_bytes();
        out.line(&KeyLine {
            data_key_of: stream.clone(),
            state: hex(&bytes),
            check: Some(key_check(stream, &bytes)),
        })?;
    }
    Ok(entries.len() as u64)
}

/// Writes the whole store to `out` in format 3, with the newest checkpoint the store
/// knows of; returns the number of events. `progress` is called with the number written
/// so far after every page.
pub fn export_jsonl<S: Store + ?Sized>(
    store: &S,
    out: &mut dyn Write,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, StoreError> {
    let total = store.head_position()?;
    let checkpoint = latest_checkpoint(store)?.filter(|cp| cp.position <= total);
    let key_area = store.key_area()?;
    let keys = key_area.len() as u64;
    let mut out = LineWriter::new(out);
    out.line(&Header {
        format: EXPORT_FORMAT.to_owned(),
        events: total,
        keys,
    })?;
    if let Some(checkpoint) = checkpoint {
        out.line(&CheckpointLine { checkpoint })?;
    }
    let written = write_events(store, 1, total, &mut out, progress)?;
    let written_keys = write_keys(&key_area, &mut out)?;
    if written != total || written_keys != keys {
        return Err(StoreError::Io(
            "the store changed while it was exported; export it again".into(),
        ));
    }
    out.finish()?;
    Ok(written)
}

/// How an import checks what it reads.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The key the file's checkpoint must be signed by. With a key, a file without a
    /// checkpoint is refused; without one, a carried checkpoint is still checked against
    /// the file's events (which catches every change that did not also replace it).
    pub trusted_key: Option<PublicKey>,
}

/// What an import brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Events imported.
    pub events: u64,
    /// Key-area entries imported.
    pub keys: u64,
    /// The checkpoint the file carried and the import verified, if any.
    pub checkpoint: Option<Checkpoint>,
}

pub(crate) fn parse_key_entry(
    line_no: u64,
    text: &str,
    checked: bool,
) -> Result<(StreamId, KeyState), ImportError> {
    let bad = |detail: String| ImportError::Line {
        line: line_no,
        detail,
    };
    let k: KeyLine =
        serde_json::from_str(text).map_err(|e| bad(format!("not a key entry: {e}")))?;
    let bytes = unhex(&k.state)
        .ok_or_else(|| bad(format!("the key entry of {} is not hex", k.data_key_of)))?;
    if checked && k.check.as_deref() != Some(key_check(&k.data_key_of, &bytes).as_str()) {
        return Err(bad(format!(
            "the key entry of {} does not match its check value: it was altered",
            k.data_key_of
        )));
    }
    let state = KeyState::from_bytes(&bytes)
        .ok_or_else(|| bad(format!("the key entry of {} is damaged", k.data_key_of)))?;
    Ok((k.data_key_of, state))
}

pub(crate) fn parse_line(line_no: u64, text: &str) -> Result<RecordedEvent, ImportError> {
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
        payload: payload.into(),
        hash: l.hash,
    })
}

/// Writes checked events into a store in batches (imports and restores): one atomic
/// `restore` per [`Staged::BATCH`] events.
pub(crate) struct Staged<'s, S: ?Sized> {
    store: &'s S,
    batch: Vec<RecordedEvent>,
}

impl<'s, S: Store + ?Sized> Staged<'s, S> {
    /// Events per `restore`.
    pub(crate) const BATCH: usize = 1000;

    pub(crate) fn new(store: &'s S) -> Self {
        Staged {
            store,
            batch: Vec::with_capacity(Self::BATCH),
        }
    }

    /// Adds an event and writes the batch when it is full; whether it wrote.
    pub(crate) fn push(&mut self, e: RecordedEvent) -> Result<bool, StoreError> {
        self.batch.push(e);
        if self.batch.len() < Self::BATCH {
            return Ok(false);
        }
        self.flush()
    }

    /// Writes what is not written yet; whether there was anything.
    pub(crate) fn flush(&mut self) -> Result<bool, StoreError> {
        if self.batch.is_empty() {
            return Ok(false);
        }
        self.store.restore(std::mem::take(&mut self.batch))?;
        Ok(true)
    }
}

/// Puts one entry of the key area into `store`: a live key, or the tombstone of one.
pub(crate) fn put_key<S: Store + ?Sized>(
    store: &S,
    stream: &StreamId,
    state: KeyState,
) -> Result<(), StoreError> {
    match state {
        KeyState::Active(key) => store.create_data_key(stream, key).map(|_| ()),
        KeyState::Destroyed { at } => store.destroy_data_key(stream, at),
    }
}

fn read_text_line(
    input: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    line_no: u64,
) -> Result<bool, ImportError> {
    buf.clear();
    let n = input
        .read_until(b'\n', buf)
        .map_err(|e| ImportError::Io(e.to_string()))?;
    if n == 0 {
        return Ok(false);
    }
    if std::str::from_utf8(buf).is_err() {
        return Err(ImportError::Line {
            line: line_no,
            detail: "not UTF-8 text: this is not a casework export".into(),
        });
    }
    Ok(true)
}

/// Imports an export into an empty store, reading `input` exactly once (a pipe works).
///
/// Every line is checked as it is read (positions, stream versions, hash chains, the log
/// digest against the carried checkpoint, key check values, the trailer); a tampered,
/// reordered or truncated file is refused with its line number. Events are written in
/// batches under the store's import marker, which is removed only when the whole file
/// verified: a store whose import failed keeps the marker, refuses appends, and should be
/// deleted (the CLI imports into a staging store and only then moves it into place).
/// `progress` is called with the number of events imported so far.
pub fn import_jsonl<S: Store + ?Sized>(
    store: &S,
    input: &mut dyn BufRead,
    options: &ImportOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<Imported, ImportError> {
    let head = store.head_position()?;
    if head != 0 {
        return Err(ImportError::NotEmpty(head));
    }
    let mut buf = Vec::new();
    let mut line_no = 1;
    let bad = |line: u64, detail: String| ImportError::Line { line, detail };
    if !read_text_line(input, &mut buf, 1)? {
        return Err(bad(1, "empty file: no header".into()));
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let header: Header = serde_json::from_str(&text)
        .map_err(|e| bad(1, format!("not a casework export header: {e}")))?;
    let v3 = header.format == EXPORT_FORMAT;
    if !v3 && header.format != EXPORT_FORMAT_V2 && header.format != EXPORT_FORMAT_V1 {
        return Err(bad(1, format!("unknown format {:?}", header.format)));
    }
    let mut digest = Sha256::new();
    digest.update(&buf);
    store.set_meta(
        crate::store::meta::IMPORTING,
        Some(format!("import of a {} file began", header.format).as_bytes()),
    )?;
    let mut check = LogCheck::new();
    let mut checkpoint: Option<Checkpoint> = None;
    let mut staged = Staged::new(store);
    let mut keys = 0;
    let mut trailer: Option<TrailerBody> = None;
    loop {
        line_no += 1;
        if !read_text_line(input, &mut buf, line_no)? {
            break;
        }
        if trailer.is_some() {
            return Err(bad(line_no, "a line after the trailer".into()));
        }
        let text = std::str::from_utf8(&buf).unwrap_or_default().trim_end();
        if v3 && text.starts_with(r#"{"end":"#) {
            let t: Trailer = serde_json::from_str(text)
                .map_err(|e| bad(line_no, format!("not a trailer: {e}")))?;
            trailer = Some(t.end);
            continue;
        }
        digest.update(&buf);
        if v3 && line_no == 2 && text.starts_with(r#"{"checkpoint":"#) {
            let cp: CheckpointLine = serde_json::from_str(text)
                .map_err(|e| bad(line_no, format!("not a checkpoint: {e}")))?;
            if let Some(key) = &options.trusted_key {
                cp.checkpoint
                    .verify_signature(key)
                    .map_err(ImportError::Checkpoint)?;
            }
            checkpoint = Some(cp.checkpoint);
            continue;
        }
        if check.head.position < header.events {
            if text.starts_with(r#"{"data_key_of""#) || text.starts_with(r#"{"end""#) {
                return Err(bad(
                    line_no,
                    format!(
                        "the header announces {} events, but the events end before this line after {} (truncated or edited?)",
                        header.events, check.head.position
                    ),
                ));
            }
            let e = parse_line(line_no, text)?;
            check.push(&e).map_err(|d| bad(line_no, d))?;
            if let Some(cp) = checkpoint.as_ref().filter(|cp| cp.position == e.position) {
                if cp.digest != check.head.digest {
                    return Err(bad(
                        line_no,
                        format!(
                            "the log up to position {} does not match the checkpoint the file carries: events at or before this line were removed, inserted or rewritten",
                            cp.position
                        ),
                    ));
                }
            }
            if staged.push(e)? {
                progress(check.head.position);
            }
            continue;
        }
        let (stream, state) = parse_key_entry(line_no, text, v3)?;
        keys += 1;
        put_key(store, &stream, state)?;
    }
    if staged.flush()? {
        progress(check.head.position);
    }
    let events = check.head.position;
    if events != header.events {
        return Err(bad(
            line_no,
            format!(
                "the header announces {} events, the file has {events} (truncated?)",
                header.events
            ),
        ));
    }
    if let Some(cp) = checkpoint.as_ref().filter(|cp| cp.position > events) {
        return Err(bad(
            2,
            format!(
                "the file ends at position {events}, before the checkpoint it carries (position {}): events were removed",
                cp.position
            ),
        ));
    }
    if options.trusted_key.is_some() && checkpoint.is_none() {
        return Err(bad(
            2,
            "the file carries no checkpoint, and a trusted key was given".into(),
        ));
    }
    if keys != header.keys {
        return Err(bad(
            line_no,
            format!(
                "the header announces {} key entries, the file has {keys} (truncated?)",
                header.keys
            ),
        ));
    }
    if v3 {
        let lines = line_no - 2; // the trailer and the end of the file are not counted
        match trailer {
            None => return Err(bad(line_no, "the trailer is missing (truncated?)".into())),
            Some(t) if t.lines != lines || t.sha256 != hex(&digest.finalize()) => {
                return Err(bad(
                    line_no - 1,
                    "the trailer does not match the file: lines were changed, added or removed"
                        .into(),
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(cp) = &checkpoint {
        store.set_meta(
            crate::store::meta::CHECKPOINT,
            Some(cp.to_json().as_bytes()),
        )?;
    }
    store.set_meta(crate::store::meta::IMPORTING, None)?;
    Ok(Imported {
        events,
        keys,
        checkpoint,
    })
}
