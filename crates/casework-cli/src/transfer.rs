//! `casework export`, `import` and `stats`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::process::ExitCode;

use casework_store::{export_jsonl, import_jsonl, ImportError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::backend::Backend;
use crate::failure::{Failure, INPUT};

fn bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} events {what} ({{per_sec}})");
    bar.set_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

pub fn export(backend: &Backend, path: &Path) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let file = File::create(path).map_err(|e| {
        Failure::input(
            format!("cannot create {}: {e}", path.display()),
            "check the path and permissions",
        )
    })?;
    let mut out = BufWriter::new(file);
    let progress = bar(store.head_position()?, "exported");
    let n = export_jsonl(store, &mut out, &mut |n| progress.set_position(n))?;
    progress.finish_and_clear();
    println!("exported {n} events to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn import(backend: &Backend, path: &Path) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let progress = bar(0, "imported");
    let mut open = || File::open(path).map(BufReader::new);
    let result = import_jsonl(store, &mut open, &mut |n| {
        progress.set_length(n.max(progress.length().unwrap_or(0)));
        progress.set_position(n)
    });
    progress.finish_and_clear();
    match result {
        Ok(n) => {
            backend.flush()?;
            println!(
                "imported {n} events from {}; every chain verified",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportError::Line { line, detail }) => Err(Failure {
            message: format!("{} line {line}: {detail}", path.display()),
            hint: Some("the file is damaged or was altered; nothing was imported".into()),
            code: INPUT,
        }),
        Err(ImportError::NotEmpty(head)) => Err(Failure::input(
            format!("the store already holds {head} events"),
            "import into an empty store (a new --store directory)",
        )),
        Err(ImportError::Io(e)) => Err(Failure::input(
            format!("reading {}: {e}", path.display()),
            "check the path",
        )),
        Err(ImportError::Store(e)) => Err(e.into()),
    }
}

pub fn stats(backend: &Backend) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let streams = store.list_streams()?;
    let head = store.head_position()?;
    let mut by_type: BTreeMap<String, u64> = BTreeMap::new();
    let (mut first, mut last) = (None, None);
    let mut from = 1;
    while from <= head {
        let page = store.read_all(from, 10_000)?;
        let Some(end) = page.last() else { break };
        from = end.position + 1;
        for e in &page {
            *by_type.entry(e.event_type.clone()).or_default() += 1;
            first = first.min(Some(e.effective_at)).or(Some(e.effective_at));
            last = last.max(Some(e.effective_at));
        }
    }
    println!("store       {}", backend.describe());
    println!("streams     {}", streams.len());
    println!("events      {head} (positions 1–{head})");
    if let (Some(f), Some(l)) = (first, last) {
        println!("effective   {} – {}", f.date_naive(), l.date_naive());
    }
    if let Some(size) = backend.size() {
        println!(
            "size        {:.1} MiB on disk",
            size as f64 / (1024.0 * 1024.0)
        );
    }
    println!("by type:");
    for (t, n) in by_type {
        println!("  {t:<22} {n:>9}");
    }
    Ok(ExitCode::SUCCESS)
}
