//! Incremental backups and a verified restore (ADR 0007).
//!
//! A backup directory holds *sets*, `set-000001`, `set-000002`, …, each written whole into
//! a temporary directory and renamed into place (a backup killed midway leaves no set):
//!
//! - `events.jsonl`: the events of positions `from..=to` that are new since the previous
//!   set, one line each in the export's line format;
//! - `keys.jsonl`: the whole key area at the time of the set (data keys of live cases,
//!   tombstones of erased ones), each entry with its check value;
//! - `manifest.json`: the range, the SHA-256 of both files, and a checkpoint of position
//!   `to` signed with the deployment's key.
//!
//! The key area is small (one entry per case), so each set holds all of it rather than
//! its changes, and a new set zeroes and removes the key files of every older set: after
//! an erasure, the next backup leaves no key of the erased case anywhere in the directory.
//! [`BackupOptions::prune`] writes a full set (every event from position 1) and removes
//! the older sets.
//!
//! [`restore_backup`] reads the sets in order into an empty store under the import
//! marker, checks every event (positions, stream chains, the log digest against each
//! set's checkpoint, signed by the trusted key), takes the newest set's key area, and
//! finally verifies the store against the newest checkpoint. What was appended after the
//! newest set is not in the backup: that is the recovery point.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::checkpoint::{
    checkpoint, verify_against, Checkpoint, CheckpointError, LogCheck, PublicKey, SigningKey,
};
use crate::error::StoreError;
use crate::hash::hex;
use crate::store::{meta, Store};
use crate::transfer::{
    parse_key_entry, parse_line, put_key, write_events, write_keys, LineWriter, Staged,
};
use crate::types::GlobalPosition;

/// The format named in every set's manifest.
pub const BACKUP_FORMAT: &str = "casework-backup/1";

/// The manifest of one backup set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`BACKUP_FORMAT`].
    pub format: String,
    /// The set's number: 1, 2, 3, … in the directory.
    pub sequence: u64,
    /// The store the set was taken of.
    pub store_id: Uuid,
    /// The first position in `events.jsonl` (the previous set's `to` + 1, or 1).
    pub from: GlobalPosition,
    /// The last position it covers (`from - 1` when no event was new).
    pub to: GlobalPosition,
    /// SHA-256 (hex) of `events.jsonl`.
    pub events_sha256: String,
    /// Entries in `keys.jsonl`.
    pub keys: u64,
    /// SHA-256 (hex) of `keys.jsonl` as written.
    pub keys_sha256: String,
    /// The stream hash of the event at position `to` (`None` for an empty store): the
    /// next backup checks that the store still holds it.
    #[serde(default)]
    pub last_hash: Option<crate::Hash>,
    /// The signed checkpoint of position `to`.
    pub checkpoint: Checkpoint,
    /// When the set was written (the store's clock).
    pub taken_at: DateTime<Utc>,
}

/// Why a backup or restore failed. A failed backup leaves no partial set; a failed
/// restore leaves the target store marked incomplete.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Reading or writing the backup directory failed.
    #[error("{path}: {detail}")]
    File {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// The backup directory's contents are damaged, altered or do not fit the store.
    #[error("{path}: {detail}")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong (with the line where there is one).
        detail: String,
    },
    /// The directory holds no backup set.
    #[error("{0} holds no backup set")]
    Empty(PathBuf),
    /// The target of a restore is not empty.
    #[error("the target store is not empty (head position {0})")]
    NotEmpty(GlobalPosition),
    /// A set's checkpoint is not signed by the trusted key.
    #[error("{path}: {error}")]
    Checkpoint {
        /// The manifest.
        path: PathBuf,
        /// Why it cannot be trusted.
        error: CheckpointError,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn file_error(path: &Path, e: impl std::fmt::Display) -> BackupError {
    BackupError::File {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn damaged(path: &Path, detail: impl Into<String>) -> BackupError {
    BackupError::Damaged {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

/// Options of [`backup`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BackupOptions {
    /// Write a full set (every event) and remove every older set.
    pub prune: bool,
}

/// What one [`backup`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The new set's directory.
    pub set: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// Older sets removed (`prune`).
    pub pruned: usize,
    /// Older key files zeroed and removed.
    pub scrubbed_key_files: usize,
}

/// A set found in a backup directory.
#[derive(Debug, Clone)]
pub struct BackupSet {
    /// Its directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

/// The sets of a backup directory in sequence order (missing directory: none).
pub fn list_sets(dir: &Path) -> Result<Vec<BackupSet>, BackupError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(file_error(dir, e)),
    };
    let mut sets = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| file_error(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("set-") {
            continue;
        }
        let path = entry.path().join("manifest.json");
        let text = fs::read_to_string(&path).map_err(|e| file_error(&path, e))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| damaged(&path, format!("not a backup manifest: {e}")))?;
        if manifest.format != BACKUP_FORMAT {
            return Err(damaged(
                &path,
                format!("unknown format {:?}", manifest.format),
            ));
        }
        sets.push(BackupSet {
            dir: entry.path(),
            manifest,
        });
    }
    sets.sort_by_key(|s| s.manifest.sequence);
    Ok(sets)
}

/// A file created new with mode 0600 (it may hold data keys).
fn create_secret(path: &Path) -> Result<File, BackupError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| file_error(path, e))
}

fn create_dir_private(path: &Path) -> Result<(), BackupError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path).map_err(|e| file_error(path, e))
}

fn sync_dir(path: &Path) -> Result<(), BackupError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(|e| file_error(path, e))
}

/// Overwrites a file with zeros, syncs it and removes it.
fn scrub(path: &Path) -> Result<(), BackupError> {
    let len = fs::metadata(path).map_err(|e| file_error(path, e))?.len();
    let mut f = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| file_error(path, e))?;
    let zeros = vec![0u8; 64 * 1024];
    let mut left = len;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        f.write_all(&zeros[..n]).map_err(|e| file_error(path, e))?;
        left -= n as u64;
    }
    f.sync_data().map_err(|e| file_error(path, e))?;
    drop(f);
    fs::remove_file(path).map_err(|e| file_error(path, e))
}

/// Writes a file through a hashing line writer; returns (lines' count from `fill`, SHA-256).
fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut LineWriter<'_>) -> Result<u64, StoreError>,
) -> Result<(u64, String), BackupError> {
    let file = create_secret(path)?;
    let mut out = std::io::BufWriter::new(file);
    let (n, sha) = {
        let mut lines = LineWriter::new(&mut out);
        let n = fill(&mut lines)?;
        (n, lines.sha256())
    };
    let file = out.into_inner().map_err(|e| file_error(path, e.error()))?;
    file.sync_data().map_err(|e| file_error(path, e))?;
    Ok((n, sha))
}

/// Writes a new backup set of what is new since the last set in `dir` (everything, for
/// the first set or with `prune`), with a checkpoint signed by `key`; then zeroes and
/// removes the key files of older sets, and with `prune` the older sets themselves.
pub fn backup<S: Store + ?Sized>(
    store: &S,
    dir: &Path,
    key: &SigningKey,
    options: BackupOptions,
) -> Result<BackupReport, BackupError> {
    if store.import_pending()? {
        return Err(
            StoreError::ImportIncomplete("a backup of it would be incomplete too".into()).into(),
        );
    }
    create_dir_private(dir)?;
    let sets = list_sets(dir)?;
    let store_id = store.store_id()?;
    let last = sets.last();
    let from = match last {
        Some(set) if !options.prune => {
            let m = &set.manifest;
            if m.store_id != store_id {
                return Err(damaged(
                    &set.dir,
                    format!(
                        "the backup belongs to store {}, this is store {store_id}: use another directory",
                        m.store_id
                    ),
                ));
            }
            // the store must still hold what the last set holds: compare its last event
            if m.to > 0 {
                let ours = store.read_all(m.to, 1)?;
                if ours.first().map(|e| e.hash) != m.last_hash {
                    return Err(damaged(
                        &set.dir,
                        format!(
                            "the store's event at position {} differs from the backup's: the store was replaced or rewritten; start a new backup directory or use --prune",
                            m.to
                        ),
                    ));
                }
            }
            m.to + 1
        }
        _ => 1,
    };
    let cp = checkpoint(store, key)?;
    let sequence = last.map_or(1, |s| s.manifest.sequence + 1);
    let name = format!("set-{sequence:06}");
    let partial = dir.join(format!(".{name}.partial"));
    if partial.exists() {
        fs::remove_dir_all(&partial).map_err(|e| file_error(&partial, e))?;
    }
    create_dir_private(&partial)?;
    let (events, events_sha256) = write_file(&partial.join("events.jsonl"), |out| {
        write_events(store, from, cp.position, out, &mut |_| {})
    })?;
    if events != cp.position + 1 - from {
        return Err(damaged(
            &partial,
            format!("wrote {events} events of {}..={}", from, cp.position),
        ));
    }
    let key_area = store.key_area()?;
    let (keys, keys_sha256) = write_file(&partial.join("keys.jsonl"), |out| {
        write_keys(&key_area, out)
    })?;
    let last_hash = match cp.position {
        0 => None,
        p => store.read_all(p, 1)?.first().map(|e| e.hash),
    };
    let manifest = Manifest {
        last_hash,
        format: BACKUP_FORMAT.to_owned(),
        sequence,
        store_id,
        from,
        to: cp.position,
        events_sha256,
        keys,
        keys_sha256,
        taken_at: cp.recorded_at,
        checkpoint: cp,
    };
    let manifest_path = partial.join("manifest.json");
    let mut f = create_secret(&manifest_path)?;
    let text =
        serde_json::to_string_pretty(&manifest).map_err(|e| file_error(&manifest_path, e))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(|e| file_error(&manifest_path, e))?;
    sync_dir(&partial)?;
    let set = dir.join(&name);
    fs::rename(&partial, &set).map_err(|e| file_error(&set, e))?;
    sync_dir(dir)?;
    // the new set holds the whole key area: older key files only keep keys an erasure
    // has since destroyed
    let mut scrubbed = 0;
    let mut pruned = 0;
    for old in &sets {
        let keys = old.dir.join("keys.jsonl");
        if keys.exists() {
            scrub(&keys)?;
            scrubbed += 1;
        }
        if options.prune {
            fs::remove_dir_all(&old.dir).map_err(|e| file_error(&old.dir, e))?;
            pruned += 1;
        }
    }
    sync_dir(dir)?;
    Ok(BackupReport {
        set,
        manifest,
        pruned,
        scrubbed_key_files: scrubbed,
    })
}

/// What [`restore_backup`] brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    /// Sets read.
    pub sets: usize,
    /// Events restored.
    pub events: u64,
    /// Key-area entries restored.
    pub keys: u64,
    /// The newest checkpoint, against which the store was verified.
    pub checkpoint: Checkpoint,
}

/// Reads a file line by line while hashing its bytes.
fn for_each_line(
    path: &Path,
    mut each: impl FnMut(u64, &str) -> Result<(), BackupError>,
) -> Result<String, BackupError> {
    let file = File::open(path).map_err(|e| file_error(path, e))?;
    let mut input = BufReader::new(file);
    let mut sha = Sha256::new();
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        let n = input
            .read_until(b'\n', &mut buf)
            .map_err(|e| file_error(path, e))?;
        if n == 0 {
            return Ok(hex(&sha.finalize()));
        }
        line_no += 1;
        sha.update(&buf);
        let text = std::str::from_utf8(&buf)
            .map_err(|_| damaged(path, format!("line {line_no}: not UTF-8")))?;
        each(line_no, text.trim_end())?;
    }
}

/// Restores the backup in `dir` into the empty `store` and verifies it against the newest
/// set's checkpoint, which (like every set's) must be signed by `trusted`.
pub fn restore_backup<S: Store + ?Sized>(
    store: &S,
    dir: &Path,
    trusted: &PublicKey,
) -> Result<RestoreReport, BackupError> {
    let head = store.head_position()?;
    if head != 0 {
        return Err(BackupError::NotEmpty(head));
    }
    let sets = list_sets(dir)?;
    let Some(newest) = sets.last() else {
        return Err(BackupError::Empty(dir.to_path_buf()));
    };
    store.set_meta(meta::IMPORTING, Some(b"restore from a backup began"))?;
    let mut check = LogCheck::new();
    let mut staged = Staged::new(store);
    // the hash of the last event read: each set's manifest names the one at its end
    let mut last_hash = None;
    for set in &sets {
        let m = &set.manifest;
        let manifest_path = set.dir.join("manifest.json");
        m.checkpoint
            .verify_signature(trusted)
            .map_err(|error| BackupError::Checkpoint {
                path: manifest_path.clone(),
                error,
            })?;
        if m.from != check.head.position + 1 || m.checkpoint.position != m.to {
            return Err(damaged(
                &manifest_path,
                format!(
                    "the set covers positions {}..={} but the sets before it end at {}: a set is missing",
                    m.from, m.to, check.head.position
                ),
            ));
        }
        let path = set.dir.join("events.jsonl");
        let sha = for_each_line(&path, |line_no, text| {
            let e = parse_line(line_no, text).map_err(|e| damaged(&path, e.to_string()))?;
            check
                .push(&e)
                .map_err(|d| damaged(&path, format!("line {line_no}: {d}")))?;
            last_hash = Some(e.hash);
            staged.push(e)?;
            Ok(())
        })?;
        if sha != m.events_sha256 {
            return Err(damaged(
                &path,
                "the file does not match its manifest's SHA-256",
            ));
        }
        if check.head.position != m.to
            || check.head.digest != m.checkpoint.digest
            || (m.last_hash.is_some() && last_hash != m.last_hash)
        {
            return Err(damaged(
                &path,
                format!(
                    "the events up to position {} do not match the set's signed checkpoint",
                    check.head.position
                ),
            ));
        }
        staged.flush()?;
    }
    // the key area of the newest set
    let path = newest.dir.join("keys.jsonl");
    let mut keys = 0;
    let sha = for_each_line(&path, |line_no, text| {
        let (stream, state) =
            parse_key_entry(line_no, text, true).map_err(|e| damaged(&path, e.to_string()))?;
        put_key(store, &stream, state)?;
        keys += 1;
        Ok(())
    })?;
    if sha != newest.manifest.keys_sha256 || keys != newest.manifest.keys {
        return Err(damaged(&path, "the file does not match its manifest"));
    }
    let cp = newest.manifest.checkpoint.clone();
    match verify_against(store, &cp, trusted) {
        Ok(Ok(_)) => {}
        Ok(Err(divergence)) => {
            return Err(damaged(
                &newest.dir,
                format!("the restored store: {divergence}"),
            ))
        }
        Err(CheckpointError::Store(e)) => return Err(e.into()),
        Err(error) => {
            return Err(BackupError::Checkpoint {
                path: newest.dir.join("manifest.json"),
                error,
            })
        }
    }
    store.set_meta(meta::CHECKPOINT, Some(cp.to_json().as_bytes()))?;
    store.set_meta(meta::IMPORTING, None)?;
    Ok(RestoreReport {
        sets: sets.len(),
        events: check.head.position,
        keys,
        checkpoint: cp,
    })
}
