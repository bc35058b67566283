//! `casework verify`: hash chains, the global log, the case invariants, and (with a
//! checkpoint) the proof that the store holds exactly a signed history.

use std::path::Path;
use std::process::ExitCode;

use casework_case::check::check_store_with_progress;
use serde_json::json;

use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::{say, Format};

pub fn run(
    backend: &Backend,
    checkpoint: Option<(&Path, &Path)>,
    format: Format,
) -> Result<ExitCode, Failure> {
    let store = backend.store();
    if store.import_pending()? {
        let text = format!(
            "INCOMPLETE: an import or restore into {} began and did not finish; the store holds only part of its source. Delete it and import or restore again.",
            backend.describe()
        );
        match format {
            Format::Table => say!("{text}"),
            Format::Json => crate::output::json(&json!({"verdict": "incomplete", "detail": text}))?,
        }
        return Ok(ExitCode::from(1));
    }
    let proof = checkpoint
        .map(|(cp, key)| crate::audit::verify_checkpoint(backend, cp, key))
        .transpose()?;
    if let Some((false, lines)) = &proof {
        match format {
            Format::Table => {
                for line in lines {
                    say!("{line}");
                }
            }
            Format::Json => crate::output::json(
                &json!({"verdict": "broken", "checkpoint": {"verified": false, "detail": lines}}),
            )?,
        }
        return Ok(ExitCode::from(1));
    }
    // the checker says how many streams there are: no listing of our own
    let bar = crate::output::bar(0, "streams checked");
    let checked = check_store_with_progress(store, &mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    let head = store.head_position()?;
    let ok = checked.findings.is_empty();
    if format == Format::Json {
        let findings: Vec<_> = checked
            .findings
            .iter()
            .map(|f| json!({"stream": f.stream, "version": f.version, "detail": f.detail}))
            .collect();
        crate::output::json(&json!({
            "verdict": if ok { "ok" } else { "broken" },
            "streams": checked.streams,
            "events": checked.case_events,
            "head": head,
            "erased": checked.erased,
            "findings": findings,
            "checkpoint": proof.map(|(verified, detail)| json!({"verified": verified, "detail": detail})),
        }))?;
        return Ok(ExitCode::from(if ok { 0 } else { 1 }));
    }
    if let Some((_, lines)) = &proof {
        for line in lines {
            say!("{line}");
        }
    }
    if ok {
        say!(
            "OK: {} stream(s), {} event(s), head position {head}: every hash chain verifies, the global log is gapless, no case invariant is broken",
            checked.streams,
            checked.case_events,
        );
        if checked.erased > 0 {
            say!(
                "{} case(s) erased: their personal data is destroyed by design, their process facts verify",
                checked.erased
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        say!("BROKEN: {} problem(s)", checked.findings.len());
        if checked.erased > 0 {
            say!(
                "({} case(s) erased as intended: not counted as problems)",
                checked.erased
            );
        }
        for f in &checked.findings {
            say!("  {f}");
        }
        Ok(ExitCode::from(1))
    }
}
