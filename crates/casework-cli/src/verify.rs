//! `casework verify`: hash chains, the global log and the case invariants.

use std::process::ExitCode;

use casework_core::invariants;
use casework_store::case_codec;

use crate::backend::Backend;
use crate::failure::Failure;

pub fn run(backend: &Backend) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let mut problems = Vec::new();
    for b in store.verify_all()? {
        problems.push(format!("hash chain: {b}"));
    }
    let codec = case_codec();
    let streams = store.list_streams()?;
    let mut events_checked = 0u64;
    for stream in streams.iter().filter(|s| s.as_str().starts_with("case-")) {
        let recorded = match store.read_stream_all(stream) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{stream}: {e}"));
                continue;
            }
        };
        let mut events = Vec::with_capacity(recorded.len());
        for r in &recorded {
            match codec.decode(r) {
                Ok(e) => events.push(e),
                Err(e) => problems.push(format!("{stream} version {}: {e}", r.version)),
            }
        }
        events_checked += events.len() as u64;
        for v in invariants::check(&events) {
            problems.push(format!(
                "{stream} version {}: invariant {:?} broken: {}",
                v.version, v.invariant, v.detail
            ));
        }
    }
    if problems.is_empty() {
        println!("OK: {} stream(s), {} event(s), head position {}: every hash chain verifies, the global log is gapless, no case invariant is broken", streams.len(), events_checked, store.head_position()?);
        Ok(ExitCode::SUCCESS)
    } else {
        println!("BROKEN: {} problem(s)", problems.len());
        for p in &problems {
            println!("  {p}");
        }
        Ok(ExitCode::from(1))
    }
}
