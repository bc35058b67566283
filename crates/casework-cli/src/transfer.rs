//! `casework export`, `import` and `stats`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter};
use std::path::Path;
use std::process::ExitCode;

use casework_store::{export_jsonl, import_jsonl, ImportError, ImportOptions};

use crate::backend::{Backend, Staging};
use crate::failure::{Failure, INPUT};
use crate::output::say;

/// `casework export FILE`: written to a new file beside FILE with mode 0600 (it holds the
/// data keys of live cases) and moved into place when complete: nothing is left behind on
/// failure. An existing FILE is replaced only with `--force`, and never a file inside the
/// store's own directory.
pub fn export(backend: &Backend, path: &Path, force: bool) -> Result<ExitCode, Failure> {
    let store = backend.store();
    if let Some(store_dir) = backend.dir() {
        let inside = |p: &Path| {
            let dir = p
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            match (dir.canonicalize(), store_dir.canonicalize()) {
                (Ok(dir), Ok(store)) => dir.starts_with(store),
                _ => false,
            }
        };
        if inside(path) {
            return Err(Failure::input(
                format!(
                    "{} is inside the store's directory {}",
                    path.display(),
                    store_dir.display()
                ),
                "write the export somewhere else: a file there could destroy the store or its keys",
            ));
        }
    }
    if path.exists() && !force {
        return Err(Failure::input(
            format!("{} exists already", path.display()),
            "choose a new file name, or give --force to replace it",
        ));
    }
    if path.is_dir() {
        return Err(Failure::input(
            format!("{} is a directory", path.display()),
            "give the path of a file to write",
        ));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".to_owned());
    let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    crate::audit::write_new(&partial, b"", 0o600)?;
    let written = (|| {
        let file = OpenOptions::new().write(true).open(&partial).map_err(|e| {
            Failure::input(
                format!("cannot open {}: {e}", partial.display()),
                "check permissions",
            )
        })?;
        let mut out = BufWriter::new(file);
        let progress = crate::output::bar(store.head_position()?, "events exported");
        let n = export_jsonl(store, &mut out, &mut |n| progress.set_position(n))?;
        progress.finish_and_clear();
        let file = out.into_inner().map_err(|e| {
            Failure::input(
                format!("writing {}: {}", partial.display(), e.error()),
                "check the disk",
            )
        })?;
        file.sync_all().map_err(|e| {
            Failure::input(
                format!("writing {}: {e}", partial.display()),
                "check the disk",
            )
        })?;
        if force {
            std::fs::rename(&partial, path)
        } else {
            // a hard link fails if the name was taken meanwhile: still never an overwrite
            std::fs::hard_link(&partial, path)
        }
        .map_err(|e| {
            Failure::input(
                format!("cannot create {}: {e}", path.display()),
                "choose a new file name",
            )
        })?;
        Ok::<u64, Failure>(n)
    })();
    let _ = std::fs::remove_file(&partial);
    let n = written?;
    say!(
        "exported {n} events to {} (mode 0600: it holds the data keys of live cases)",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `casework import FILE` (or `-` for standard input): read once, into a staging store
/// that is moved into place only when the whole file verified.
pub fn import(staging: Staging, path: &Path, trusted: Option<&Path>) -> Result<ExitCode, Failure> {
    let options = ImportOptions {
        trusted_key: trusted.map(crate::audit::load_public_key).transpose()?,
    };
    let name = if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    };
    let mut input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        Box::new(BufReader::new(File::open(path).map_err(|e| {
            Failure::input(format!("cannot open {name}: {e}"), "check the path")
        })?))
    };
    // the header names the number of events: peek at it without consuming the input
    let total = input
        .fill_buf()
        .ok()
        .and_then(|buf| buf.split(|&b| b == b'\n').next())
        .and_then(|line| serde_json::from_slice::<serde_json::Value>(line).ok())
        .and_then(|header| header.get("events").and_then(|n| n.as_u64()))
        .unwrap_or(0);
    let progress = crate::output::bar(total, "events imported");
    let result = staging.fill(|store| {
        import_jsonl(store, &mut *input, &options, &mut |n| {
            progress.set_position(n)
        })
        .map_err(|e| import_failure(&name, e))
    });
    progress.finish_and_clear();
    let imported = result?;
    say!(
        "imported {} events and {} key-area entries from {name}; every chain verified{}",
        imported.events,
        imported.keys,
        match &imported.checkpoint {
            Some(cp) if options.trusted_key.is_some() => format!(
                ", and the log matches the file's checkpoint of position {} signed by key {}",
                cp.position, cp.key_id
            ),
            Some(cp) => format!(
                ", and the log matches the file's checkpoint of position {} (give --public-key to check who signed it)",
                cp.position
            ),
            None => String::new(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn import_failure(name: &str, e: ImportError) -> Failure {
    match e {
        ImportError::Line { line, detail } => Failure {
            message: format!("{name} line {line}: {detail}"),
            hint: Some("the file is damaged or was altered; nothing was imported".into()),
            code: INPUT,
        },
        ImportError::NotEmpty(head) => Failure::input(
            format!("the store already holds {head} events"),
            "import into an empty store (a new --store directory)",
        ),
        ImportError::Io(e) => Failure::input(format!("reading {name}: {e}"), "check the path"),
        ImportError::Checkpoint(e) => Failure::input(
            format!("{name}: the checkpoint it carries: {e}"),
            "the file was not exported from the store whose public key you gave; nothing was imported",
        ),
        ImportError::Store(e) => e.into(),
    }
}

pub fn stats(
    backend: &Backend,
    format: crate::output::Format,
    policy: &casework_process::Policy,
) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let streams = store.list_streams()?;
    let head = store.head_position()?;
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let (mut first, mut last) = (None, None);
    for e in casework_store::log_events(store, 1) {
        let e = e?;
        *by_type.entry(e.event_type).or_default() += 1;
        first = first.min(Some(e.effective_at)).or(Some(e.effective_at));
        last = last.max(Some(e.effective_at));
    }
    if format == crate::output::Format::Json {
        crate::output::json(&serde_json::json!({
            "store": backend.describe(),
            "streams": streams.len(),
            "events": head,
            "first_effective": first,
            "last_effective": last,
            "size_bytes": backend.size(),
            "by_type": by_type,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("store       {}", backend.describe());
    say!("streams     {}", streams.len());
    say!("events      {head} (positions 1–{head})");
    if let (Some(f), Some(l)) = (first, last) {
        // days as the reports count them: in the deployment's time zone
        say!(
            "effective   {} – {}",
            policy.local_date(f),
            policy.local_date(l)
        );
    }
    if let Some(size) = backend.size() {
        say!(
            "size        {:.1} MiB on disk",
            size as f64 / (1024.0 * 1024.0)
        );
    }
    say!("by type:");
    for (t, n) in by_type {
        say!("  {t:<22} {n:>9}");
    }
    Ok(ExitCode::SUCCESS)
}
