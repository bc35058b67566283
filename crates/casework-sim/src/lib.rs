//! # casework-sim
//!
//! A deterministic simulation of a deployment: cases over a period across teams, services
//! and providers, run through the embedding API ([`Cases`]: repository → decide → append), so
//! that demos, report tests and benchmarks see realistic histories. Same seed, same
//! events (ids, times, order).
//!
//! Calibration (`domain.md`, seed 004): entries per team follow the Aachen plan weights;
//! about 49 % of clients are women; services follow the Düsseldorf participant mix
//! (debt counselling 57 %, psychosocial care 20 %, childcare 16 %, addiction counselling
//! 5.5 %, care of relatives 1.3 %); of vouchers, about 69 % are redeemed and 20 % returned
//! unused (Aachen 2019: 551 and 163 of 802), the rest are still pending; debt counselling
//! runs in four stages; integration (closure with employment) follows the Düsseldorf
//! 2013/14 rates per service (debt 19.5 %, psychosocial 7.9 %, childcare 5.1 %,
//! addiction 9.1 %); about 3 % of clients revoke consent; about 30 % of first feedbacks come
//! late.
//!
//! ```
//! use casework_sim::{simulate, SimConfig};
//! use casework_store::{EventStore, MemoryStore};
//! let config = SimConfig { cases: 20, ..SimConfig::default() };
//! // the store records at the simulated time
//! let store = MemoryStore::with_clock(config.store_clock());
//! let summary = simulate(&store, &config, &mut |_| {}).unwrap();
//! assert_eq!(summary.rejected, 0);
//! assert_eq!(summary.events, store.head_position().unwrap());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod rng;
mod script;

use std::collections::BinaryHeap;
use std::sync::Arc;

use casework_case::Cases;
use casework_process::Policy;
use casework_store::{Clock, ManualClock, RepoError, StoreError};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub use rng::Rng;
pub use script::{case_script, Step, TEAMS};

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Number of cases registered over the period.
    pub cases: u32,
    /// Length of the period in years.
    pub years: u32,
    /// The seed.
    pub seed: u64,
    /// First day of the period.
    pub start: NaiveDate,
    /// The simulated deployment's clock: set to each command's time before it runs. The
    /// store simulated into must record with it ([`SimConfig::store_clock`]), since a
    /// store refuses commands dated after its own clock.
    pub clock: Arc<ManualClock>,
}

impl SimConfig {
    /// The store clock for a store this simulation writes into.
    pub fn store_clock(&self) -> Box<dyn Clock> {
        Box::new(self.clock.clone())
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            cases: 2_000,
            years: 2,
            seed: 2026,
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(),
            clock: Arc::new(ManualClock::new(DateTime::<Utc>::default())),
        }
    }
}

/// What a simulation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimSummary {
    /// Cases registered.
    pub cases: u32,
    /// Commands decided.
    pub commands: u64,
    /// Commands the process rejected (0 for a consistent simulation).
    pub rejected: u64,
    /// Events appended.
    pub events: u64,
}

/// The number of commands [`simulate`] will decide for `config` (for a progress bar).
pub fn planned_commands(config: &SimConfig) -> u64 {
    let (start, days, end) = period(config);
    (0..config.cases)
        .map(|i| {
            case_script(config.seed, i, start, days)
                .iter()
                .take_while(|s| s.at < end)
                .count() as u64
        })
        .sum()
}

/// The period's first instant, its length in days, and the local midnight (in the
/// simulated deployment's time zone, the default policy's) after its last day, so that no
/// event of the period falls on a local day after it.
fn period(config: &SimConfig) -> (DateTime<Utc>, i64, DateTime<Utc>) {
    let start = Utc.from_utc_datetime(&config.start.and_hms_opt(8, 0, 0).unwrap_or_default());
    let days = i64::from(config.years.max(1)) * 365;
    let midnight = (config.start + chrono::Duration::days(days))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    let end = casework_process::DEFAULT_TIME_ZONE
        .from_local_datetime(&midnight)
        .earliest()
        .map_or_else(
            || Utc.from_utc_datetime(&midnight),
            |t| t.with_timezone(&Utc),
        );
    (start, days, end)
}

/// Runs the simulation into `store`; `progress` gets the number of commands done so far
/// every 1,000 commands. Commands are executed in the order of their effective time
/// across all cases, so the global log reads like a real deployment's. Steps after the
/// end of the period are not executed (their cases stay open).
pub fn simulate(
    store: &(impl casework_store::Store + ?Sized),
    config: &SimConfig,
    progress: &mut dyn FnMut(u64),
) -> Result<SimSummary, StoreError> {
    let cases = Cases::new(store, Policy::default());
    // the period ends at midnight after its last day
    let (start, days, end) = period(config);
    let scripts: Vec<Vec<Step>> = (0..config.cases)
        .map(|i| case_script(config.seed, i, start, days))
        .collect();
    // a min-heap on (time, case, step): the next step of every case
    let mut heap = BinaryHeap::new();
    for (i, s) in scripts.iter().enumerate() {
        if let Some(step) = s.first() {
            heap.push(std::cmp::Reverse((step.at, i, 0usize)));
        }
    }
    let mut summary = SimSummary {
        cases: config.cases,
        ..SimSummary::default()
    };
    while let Some(std::cmp::Reverse((at, case, index))) = heap.pop() {
        if at >= end {
            continue;
        }
        let step = &scripts[case][index];
        config.clock.set(step.at);
        summary.commands += 1;
        match cases.execute(step.case, &step.actor, step.at, &step.command) {
            Ok(done) => summary.events += done.events.len() as u64,
            Err(RepoError::Rejected(_)) => summary.rejected += 1,
            Err(RepoError::Store(e)) => return Err(e),
            Err(RepoError::Contended { stream, .. }) => {
                return Err(StoreError::Io(format!("{stream} stayed contended")))
            }
        }
        if summary.commands.is_multiple_of(1000) {
            progress(summary.commands);
        }
        if let Some(next) = scripts[case].get(index + 1) {
            heap.push(std::cmp::Reverse((next.at, case, index + 1)));
        }
    }
    progress(summary.commands);
    Ok(summary)
}
