//! From generated runs to what users check: a store holding the cases, the report book
//! over it, and the deadline worklist — one call each, instead of encode → append →
//! projector rebuild by hand.
//!
//! ```
//! use casework_testkit::{outcomes, strategies::Generator};
//! use casework_core::*;
//! use casework_process::*;
//! use proptest::prelude::*;
//!
//! let cases = Generator::default().depth(20..=30);
//! proptest::test_runner::TestRunner::deterministic().run(&cases.run(), |run| {
//!     let on = cases.policy.local_date(run.played.last().map_or(cases.start, |p| p.at));
//!     let worklist = outcomes::worklist(&cases, &[run.clone()], on).unwrap();
//!     // what the worklist calls overdue is what the process's deadlines say
//!     let overdue = deadline::overdue(&run.state, &cases.policy, on);
//!     let listed = worklist.items.iter().filter(|i| i.days_overdue > 0).count();
//!     prop_assert!(listed >= overdue.len(), "{run}");
//!     Ok(())
//! }).unwrap();
//! ```

use std::fmt;
use std::sync::Arc;

use casework_case::Cases;
use casework_process::CaseId;
use casework_reports::{deadline_worklist, CaseBook, Projector, Worklist};
use casework_store::{ManualClock, MemoryStore};
use chrono::NaiveDate;

use crate::strategies::{Generator, Run};

/// Why runs could not be turned into a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeError {
    /// Two runs are about the same case (draw case ids with
    /// [`Generator::random_case_id`]).
    SameCase(CaseId),
    /// A step that was accepted in the run was not accepted through the repository (the
    /// run was not made under this generator's policy), or the store failed.
    Replay {
        /// The case.
        case: CaseId,
        /// The step, from 1.
        step: usize,
        /// What the repository said.
        error: String,
    },
    /// The report book could not be built.
    Projection(String),
}

impl fmt::Display for OutcomeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomeError::SameCase(id) => write!(
                f,
                "two runs are about case {id}: draw case ids with Generator::random_case_id"
            ),
            OutcomeError::Replay { case, step, error } => {
                write!(f, "step {step} of case {case} does not replay: {error}")
            }
            OutcomeError::Projection(e) => write!(f, "the report book: {e}"),
        }
    }
}

impl std::error::Error for OutcomeError {}

/// A store holding the cases of `runs`, written through [`Cases`] as they were
/// played: the accepted steps, in order of their effective time, with their actors and
/// with personal data sealed as in production.
pub fn store_of(generator: &Generator, runs: &[Run]) -> Result<MemoryStore, OutcomeError> {
    let mut ids = std::collections::BTreeSet::new();
    if let Some(dup) = runs.iter().find(|r| !ids.insert(r.case_id)) {
        return Err(OutcomeError::SameCase(dup.case_id));
    }
    let clock = Arc::new(ManualClock::new(generator.start));
    let store = MemoryStore::with_clock(Box::new(clock.clone()));
    let cases = Cases::new(&store, generator.policy.clone());
    // all accepted steps of all cases, in time order (stable: a case's own order holds)
    let mut steps: Vec<(usize, usize, &Run)> = runs
        .iter()
        .flat_map(|r| (0..r.played.len()).map(move |i| (i, r)))
        .filter(|(i, r)| r.played[*i].outcome.is_ok())
        .enumerate()
        .map(|(n, (i, r))| (n, i, r))
        .collect();
    steps.sort_by_key(|(n, i, r)| (r.played[*i].at, *n));
    for (_, i, run) in steps {
        let played = &run.played[i];
        clock.set(played.at);
        cases
            .execute(run.case_id, &played.step.actor, played.at, &played.step.cmd)
            .map_err(|e| OutcomeError::Replay {
                case: run.case_id,
                step: i + 1,
                error: e.to_string(),
            })?;
    }
    drop(cases);
    Ok(store)
}

/// The report book (what every report is computed from) over the cases of `runs`.
pub fn book(generator: &Generator, runs: &[Run]) -> Result<CaseBook, OutcomeError> {
    let store = store_of(generator, runs)?;
    Projector::rebuild_from(&store, CaseBook::in_zone(generator.policy.time_zone))
        .map(|p| p.projection)
        .map_err(|e| OutcomeError::Projection(e.to_string()))
}

/// The deadline worklist of the cases of `runs` on day `on` (items due within 14 days
/// listed too): typed items with what is due, by when, and who must act.
pub fn worklist(
    generator: &Generator,
    runs: &[Run],
    on: NaiveDate,
) -> Result<Worklist, OutcomeError> {
    Ok(deadline_worklist(
        &book(generator, runs)?,
        &generator.policy,
        on,
        14,
    ))
}
