//! The on-disk encoding of one event (record format 1): a compact binary layout with a
//! CRC-32 over everything before it, so that any flipped or truncated byte is found on
//! read (as `Corruption`) without recomputing the SHA-256 chain.
//!
//! ```text
//! u8  record format (1)
//! 16  event id
//! u16 len, stream id (UTF-8)
//! u64 version          u64 position
//! u16 len, event type (UTF-8)
//! u16 schema version
//! i64 recorded-at µs   i64 effective-at µs
//! u8  flags: 1 actor, 2 correlation id, 4 causation id
//!     [u16 len, actor] [16 correlation id] [16 causation id]
//! 32  hash
//! u32 len, payload
//! u32 CRC-32 of all bytes above
//! ```
//! Integers are big endian.

use crate::{GlobalPosition, Hash, Metadata, RecordedEvent, StoreError, StreamId, Version};
use chrono::DateTime;
use uuid::Uuid;

const FORMAT: u8 = 1;

/// Encodes a recorded event.
pub fn encode(e: &RecordedEvent) -> Vec<u8> {
    let actor = e.metadata.actor.as_deref().map(str::as_bytes);
    let mut out = Vec::with_capacity(
        128 + e.stream.as_str().len()
            + e.event_type.len()
            + e.payload.len()
            + actor.map_or(0, <[u8]>::len),
    );
    out.push(FORMAT);
    out.extend_from_slice(e.event_id.as_bytes());
    put_str(&mut out, e.stream.as_str().as_bytes());
    out.extend_from_slice(&e.version.to_be_bytes());
    out.extend_from_slice(&e.position.to_be_bytes());
    put_str(&mut out, e.event_type.as_bytes());
    out.extend_from_slice(&e.schema_version.to_be_bytes());
    out.extend_from_slice(&e.recorded_at.timestamp_micros().to_be_bytes());
    out.extend_from_slice(&e.effective_at.timestamp_micros().to_be_bytes());
    let flags = u8::from(actor.is_some())
        | (u8::from(e.metadata.correlation_id.is_some()) << 1)
        | (u8::from(e.metadata.causation_id.is_some()) << 2);
    out.push(flags);
    if let Some(a) = actor {
        put_str(&mut out, a);
    }
    if let Some(c) = e.metadata.correlation_id {
        out.extend_from_slice(c.as_bytes());
    }
    if let Some(c) = e.metadata.causation_id {
        out.extend_from_slice(c.as_bytes());
    }
    out.extend_from_slice(&e.hash.0);
    out.extend_from_slice(&(e.payload.len() as u32).to_be_bytes());
    out.extend_from_slice(&e.payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    // stream ids are at most 200 bytes; event types and actors are short. Longer strings
    // are cut rather than written with a wrong length (the store validates before this).
    let len = s.len().min(u16::MAX as usize);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.extend_from_slice(&s[..len]);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("record truncated at byte {}", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let len = self.u16()? as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| "string is not UTF-8".to_owned())
    }

    fn string(&mut self) -> Result<String, String> {
        self.str().map(str::to_owned)
    }
}

/// A damaged record: what is wrong and, where the header could still be read, whose
/// event it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// What is wrong.
    pub detail: String,
    /// The stream named in the record, if readable.
    pub stream: Option<StreamId>,
    /// The version named in the record, if readable.
    pub version: Option<u64>,
}

/// Decodes a record; any damage (checksum, truncation, bad field) is an error.
pub fn decode(bytes: &[u8]) -> Result<RecordedEvent, Damage> {
    decode_in(bytes, None)
}

/// Decodes a record whose stream is probably `known` (a stream read, the next record of
/// a chunk): a record of that stream shares its name instead of allocating its own.
fn decode_in(bytes: &[u8], known: Option<&StreamId>) -> Result<RecordedEvent, Damage> {
    if bytes.len() < 5 {
        return Err(Damage {
            detail: format!("record of {} bytes is too short", bytes.len()),
            stream: None,
            version: None,
        });
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_be_bytes([crc[0], crc[1], crc[2], crc[3]]);
    if crc32fast::hash(body) != stored {
        // say whose event it is, if the damage spared the header
        let header = parse(body, None).ok();
        return Err(Damage {
            detail: "checksum mismatch (bytes altered or torn)".to_owned(),
            stream: header.as_ref().map(|e| e.stream.clone()),
            version: header.map(|e| e.version),
        });
    }
    parse(body, known).map_err(|detail| Damage {
        detail,
        stream: None,
        version: None,
    })
}

fn parse(body: &[u8], known: Option<&StreamId>) -> Result<RecordedEvent, String> {
    let mut r = Reader { bytes: body, at: 0 };
    let format = r.take(1)?[0];
    if format != FORMAT {
        return Err(format!("unknown record format {format}"));
    }
    let event_id = Uuid::from_bytes(r.array()?);
    let stream = match (r.str()?, known) {
        (name, Some(known)) if name == known.as_str() => known.clone(),
        (name, _) => StreamId::new(name).map_err(|e| e.to_string())?,
    };
    let version = r.u64()?;
    let position = r.u64()?;
    let event_type = r.string()?;
    let schema_version = r.u16()?;
    let time = |micros: i64| {
        DateTime::from_timestamp_micros(micros)
            .ok_or_else(|| format!("timestamp {micros} out of range"))
    };
    let recorded_at = time(r.i64()?)?;
    let effective_at = time(r.i64()?)?;
    let flags = r.take(1)?[0];
    let actor = if flags & 1 != 0 {
        Some(r.string()?)
    } else {
        None
    };
    let correlation_id = if flags & 2 != 0 {
        Some(Uuid::from_bytes(r.array()?))
    } else {
        None
    };
    let causation_id = if flags & 4 != 0 {
        Some(Uuid::from_bytes(r.array()?))
    } else {
        None
    };
    let hash = Hash(r.array()?);
    let len = u32::from_be_bytes(r.array()?) as usize;
    let payload = r.take(len)?.to_vec();
    if r.at != body.len() {
        return Err(format!(
            "{} unexpected bytes after the payload",
            body.len() - r.at
        ));
    }
    Ok(RecordedEvent {
        event_id,
        stream,
        version,
        position,
        event_type,
        schema_version,
        recorded_at,
        effective_at,
        metadata: Metadata {
            actor,
            correlation_id,
            causation_id,
        },
        payload: payload.into(),
        hash,
    })
}

/// The format byte of a chunk.
const CHUNK_FORMAT: u8 = 2;

/// Most events in one chunk; a larger append is written as several chunks in the same
/// atomic batch.
pub const CHUNK_MAX: usize = 64;

/// Splits consecutive sealed events into chunks: runs of one stream, at most
/// [`CHUNK_MAX`] events each. A store writes each chunk under its first position, with one
/// stream-index entry for its first version.
pub fn chunks(events: &[RecordedEvent]) -> impl Iterator<Item = &[RecordedEvent]> {
    let mut rest = events;
    std::iter::from_fn(move || {
        let first = rest.first()?;
        let run = rest
            .iter()
            .take(CHUNK_MAX)
            .take_while(|e| e.stream == first.stream)
            .count();
        let (chunk, tail) = rest.split_at(run);
        rest = tail;
        Some(chunk)
    })
}

/// Encodes consecutive events of one stream (one append, or part of one) as a chunk:
/// `u8 format (2), u16 count, count × (u32 len, record)`. Each record keeps its own CRC.
pub fn encode_chunk(events: &[RecordedEvent]) -> Vec<u8> {
    let records: Vec<Vec<u8>> = events.iter().map(encode).collect();
    let mut out = Vec::with_capacity(3 + records.iter().map(|r| r.len() + 4).sum::<usize>());
    out.push(CHUNK_FORMAT);
    out.extend_from_slice(&(records.len() as u16).to_be_bytes());
    for r in &records {
        out.extend_from_slice(&(r.len() as u32).to_be_bytes());
        out.extend_from_slice(r);
    }
    out
}

/// The byte ranges of the records in a chunk (for tests and tools).
pub fn chunk_ranges(bytes: &[u8]) -> Result<Vec<std::ops::Range<usize>>, String> {
    if bytes.len() < 3 || bytes[0] != CHUNK_FORMAT {
        return Err("not a chunk".to_owned());
    }
    let count = u16::from_be_bytes([bytes[1], bytes[2]]) as usize;
    let mut at = 3;
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let len_bytes = bytes
            .get(at..at + 4)
            .ok_or_else(|| format!("chunk truncated before record {i}"))?;
        let len =
            u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
        let end = (at + 4)
            .checked_add(len)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| format!("chunk truncated in record {i}"))?;
        out.push(at + 4..end);
        at = end;
    }
    if at != bytes.len() {
        return Err(format!(
            "{} unexpected bytes after the last record",
            bytes.len() - at
        ));
    }
    Ok(out)
}

/// Decodes the records of the chunk under key position `first` whose positions lie in
/// `wanted`, checking each against the position (and, for stream reads, the stream and
/// version) it must have. Damage is reported for the exact event.
pub fn chunk_events(
    first: GlobalPosition,
    bytes: &[u8],
    wanted: std::ops::RangeInclusive<GlobalPosition>,
    owner: Option<(&StreamId, Version)>,
    out: &mut Vec<RecordedEvent>,
) -> Result<u64, StoreError> {
    let name = |i: u64| match owner {
        Some((s, v)) => (s.clone(), v + i),
        None => (StreamId::all(), first + i),
    };
    let ranges = chunk_ranges(bytes).map_err(|d| {
        let (s, v) = name(0);
        StoreError::corruption(s, v, d)
    })?;
    // a chunk holds one stream: its name is read once and shared
    let mut known = owner.map(|(s, _)| s.clone());
    for (i, range) in ranges.iter().enumerate() {
        let position = first + i as u64;
        if position < *wanted.start() {
            continue;
        }
        if position > *wanted.end() {
            break;
        }
        let e = decode_in(&bytes[range.clone()], known.as_ref()).map_err(|d| {
            let (s, v) = match (owner, d.stream, d.version) {
                (None, Some(s), Some(v)) => (s, v),
                _ => name(i as u64),
            };
            StoreError::corruption(s, v, format!("{} (position {position})", d.detail))
        })?;
        let misplaced = e.position != position
            || owner.is_some_and(|(s, v)| &e.stream != s || e.version != v + i as u64);
        if misplaced {
            let (s, v) = name(i as u64);
            return Err(StoreError::corruption(
                s,
                v,
                format!(
                    "found {} v{} (position {}) where position {position} belongs",
                    e.stream, e.version, e.position
                ),
            ));
        }
        if known.is_none() {
            known = Some(e.stream.clone());
        }
        out.push(e);
    }
    Ok(ranges.len() as u64)
}
