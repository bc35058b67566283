//! `casework verify`: hash chains, the global log and the case invariants.

use std::path::Path;
use std::process::ExitCode;

use casework_testkit::check_store;

use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::say;

pub fn run(backend: &Backend, checkpoint: Option<(&Path, &Path)>) -> Result<ExitCode, Failure> {
    let store = backend.store();
    if store.import_pending()? {
        say!(
            "INCOMPLETE: an import or restore into {} began and did not finish; the store holds only part of its source. Delete it and import or restore again.",
            backend.describe()
        );
        return Ok(ExitCode::from(1));
    }
    if let Some((cp, key)) = checkpoint {
        if !crate::audit::verify_checkpoint(backend, cp, key)? {
            return Ok(ExitCode::from(1));
        }
    }
    let checked = check_store(store)?;
    if checked.findings.is_empty() {
        say!(
            "OK: {} stream(s), {} event(s), head position {}: every hash chain verifies, the global log is gapless, no case invariant is broken",
            checked.streams,
            checked.case_events,
            store.head_position()?
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
