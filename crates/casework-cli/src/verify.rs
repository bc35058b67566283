//! `casework verify`: hash chains, the global log and the case invariants.

use std::process::ExitCode;

use casework_testkit::check_store;

use crate::backend::Backend;
use crate::failure::Failure;

pub fn run(backend: &Backend) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let checked = check_store(store)?;
    if checked.findings.is_empty() {
        println!(
            "OK: {} stream(s), {} event(s), head position {}: every hash chain verifies, the global log is gapless, no case invariant is broken",
            checked.streams,
            checked.case_events,
            store.head_position()?
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("BROKEN: {} problem(s)", checked.findings.len());
        for f in &checked.findings {
            println!("  {f}");
        }
        Ok(ExitCode::from(1))
    }
}
