//! `casework keygen`, `checkpoint`, `backup`, `restore`, and `verify --checkpoint`:
//! provable history (ADR 0007).

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use casework_store::backup::{backup, restore_backup, BackupError, BackupOptions};
use casework_store::checkpoint::{
    checkpoint, verify_against, Checkpoint, CheckpointError, PublicKey, SigningKey,
};

use crate::backend::{Backend, Staging};
use crate::failure::{Failure, INPUT};
use crate::output::say;

/// Creates `path` new (never overwrites) with `mode`, writes `text` and syncs it.
pub fn write_new(path: &Path, text: &[u8], mode: u32) -> Result<(), Failure> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Failure::input(
                format!("{} exists already", path.display()),
                "choose a new file name: casework never overwrites a file",
            )
        } else {
            Failure::input(
                format!("cannot create {}: {e}", path.display()),
                "check the path and permissions",
            )
        }
    })?;
    file.write_all(text)
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::input(format!("writing {}: {e}", path.display()), "check the disk"))
}

fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::input(
            format!("cannot read {what} {}: {e}", path.display()),
            "check the path",
        )
    })
}

fn key_failure(path: &Path, e: CheckpointError) -> Failure {
    Failure::input(
        format!("{}: {e}", path.display()),
        "give the file written by `keygen --out FILE` (FILE, or FILE.pub for a public key)",
    )
}

/// Reads a signing key file.
pub fn load_signing_key(path: &Path) -> Result<SigningKey, Failure> {
    SigningKey::from_text(&read_text(path, "signing key")?).map_err(|e| key_failure(path, e))
}

/// Reads a public key file.
pub fn load_public_key(path: &Path) -> Result<PublicKey, Failure> {
    PublicKey::from_text(&read_text(path, "public key")?).map_err(|e| key_failure(path, e))
}

fn pub_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// `casework keygen --out FILE`: FILE (0600) and FILE.pub.
pub fn keygen(out: &Path) -> Result<ExitCode, Failure> {
    let public = pub_path(out);
    if public.exists() {
        return Err(Failure::input(
            format!("{} exists already", public.display()),
            "choose a new file name: casework never overwrites a file",
        ));
    }
    let key = SigningKey::generate();
    write_new(out, key.to_text().as_bytes(), 0o600)?;
    write_new(&public, key.public_key().to_text().as_bytes(), 0o644)?;
    say!(
        "signing key {} written to {} (mode 0600: keep it secret)",
        key.public_key().key_id(),
        out.display()
    );
    say!(
        "public key written to {}: give it to the auditors with every checkpoint",
        public.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `casework checkpoint --key FILE --out CP`.
pub fn take(backend: &Backend, key: &Path, out: &Path) -> Result<ExitCode, Failure> {
    let key = load_signing_key(key)?;
    if out.exists() {
        return Err(Failure::input(
            format!("{} exists already", out.display()),
            "choose a new file name: casework never overwrites a file",
        ));
    }
    let cp = checkpoint(backend.store(), &key)?;
    write_new(out, (cp.to_json() + "\n").as_bytes(), 0o644)?;
    say!(
        "checkpoint of position {} (digest {}) signed by key {}, written to {}",
        cp.position,
        cp.digest,
        cp.key_id,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `casework verify --checkpoint CP --public-key FILE`: whether the store holds exactly
/// the checkpointed prefix, and what to say about it.
pub fn verify_checkpoint(
    backend: &Backend,
    cp_path: &Path,
    key_path: &Path,
) -> Result<(bool, Vec<String>), Failure> {
    let key = load_public_key(key_path)?;
    let cp = Checkpoint::from_json(&read_text(cp_path, "checkpoint")?).map_err(|e| {
        Failure::input(
            format!("{}: {e}", cp_path.display()),
            "give a file written by `checkpoint --out FILE`",
        )
    })?;
    match verify_against(backend.store(), &cp, &key) {
        Ok(Ok(verified)) => {
            let mut lines = vec![format!(
                "OK: the store holds exactly the {} event(s) of checkpoint {} (signed by key {} at {}){}",
                verified.events,
                cp_path.display(),
                cp.key_id,
                cp.recorded_at.format("%Y-%m-%d %H:%M:%S UTC"),
                if verified.same_store {
                    String::new()
                } else {
                    format!("; it was taken of store {}, before an import or restore", cp.store_id)
                }
            )];
            if verified.head > verified.events {
                lines.push(format!(
                    "positions {}–{} came after the checkpoint: they rest on their stream chains alone",
                    verified.events + 1,
                    verified.head
                ));
            }
            Ok((true, lines))
        }
        Ok(Err(divergence)) => Ok((false, vec![format!("BROKEN: {divergence}")])),
        Err(CheckpointError::Store(e)) => Err(e.into()),
        Err(e) => Err(Failure {
            message: format!("checkpoint {}: {e}", cp_path.display()),
            hint: Some("the checkpoint cannot be trusted: check that the public key is the one given to you with it".into()),
            code: 1,
        }),
    }
}

fn backup_failure(e: BackupError) -> Failure {
    match e {
        BackupError::Store(e) => e.into(),
        BackupError::NotEmpty(head) => Failure::input(
            format!("the target store already holds {head} events"),
            "restore into a new, empty store (a new --store directory or --pg-schema)",
        ),
        e @ (BackupError::File { .. } | BackupError::Empty(_)) => Failure::input(
            e.to_string(),
            "check the backup directory's path and permissions",
        ),
        other => Failure {
            message: other.to_string(),
            hint: Some(
                "the backup directory is damaged, altered or belongs to another store".into(),
            ),
            code: INPUT,
        },
    }
}

/// `casework backup DIR --key FILE [--prune]`.
pub fn run_backup(
    backend: &Backend,
    dir: &Path,
    key: &Path,
    prune: bool,
) -> Result<ExitCode, Failure> {
    if let Some(store) = backend.dir() {
        if lies_within(dir, store) {
            return Err(Failure::input(
                format!(
                    "the backup directory {} lies inside the store {} it backs up",
                    dir.display(),
                    store.display()
                ),
                "write backups outside the store's directory, best on another disk",
            ));
        }
    }
    let key = load_signing_key(key)?;
    let report =
        backup(backend.store(), dir, &key, BackupOptions { prune }).map_err(backup_failure)?;
    let m = &report.manifest;
    let new = match (m.to + 1).saturating_sub(m.from) {
        0 => "no new events".to_owned(),
        n => format!("positions {}–{}, {n} new event(s)", m.from, m.to),
    };
    say!(
        "backup set {} written: {new}; the key area ({} entries); a checkpoint of position {} signed by key {}",
        report.set.display(),
        m.keys,
        m.to,
        m.checkpoint.key_id
    );
    if report.scrubbed_key_files > 0 {
        say!(
            "{} older key file(s) zeroed and removed: only the newest set holds keys",
            report.scrubbed_key_files
        );
    }
    if report.pruned > 0 {
        say!("{} older set(s) removed", report.pruned);
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether `path` (which need not exist yet) is `dir` or lies inside it, links resolved:
/// the nearest existing ancestor of `path` is resolved and the rest appended.
fn lies_within(path: &Path, dir: &Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match std::env::current_dir() {
            Ok(cwd) => cwd.join(path),
            Err(_) => return false,
        }
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return false,
        }
    }
    let Ok(mut resolved) = existing.canonicalize() else {
        return false;
    };
    for name in rest.iter().rev() {
        resolved.push(name);
    }
    resolved.starts_with(&dir)
}

/// `casework restore DIR --public-key FILE`: into a staging store, moved into place when
/// the restore verified.
pub fn run_restore(staging: Staging, dir: &Path, key: &Path) -> Result<ExitCode, Failure> {
    let key = load_public_key(key)?;
    let report = staging.fill(|store| restore_backup(store, dir, &key).map_err(backup_failure))?;
    say!(
        "restored {} event(s) and {} key-area entries from {} backup set(s) in {}; verified against the newest checkpoint (position {}, signed by key {})",
        report.events,
        report.keys,
        report.sets,
        dir.display(),
        report.checkpoint.position,
        report.checkpoint.key_id
    );
    Ok(ExitCode::SUCCESS)
}
