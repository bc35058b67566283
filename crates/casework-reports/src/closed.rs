//! What closed cases contribute to the reports, summed when each case closes.
//!
//! A closed case receives no more facts, so what it adds to a report for any period is
//! fixed when it closes. The book adds it here then and drops the case: the totals are
//! keyed by period (year, half-year, month, day), provider, service and team, so their
//! size grows with the calendar and the catalog, never with the number of cases or
//! events. Each report sums these totals for its period with what the open cases add at
//! report time, through the same per-case functions (in the report's module).

use casework_process::{policy::local_date, Tz};
use std::collections::BTreeMap;

use casework_process::{
    erasure_responsible, CaseId, ClosedCase, ClosureReason, ProviderId, Responsible, ServiceId,
    TeamId,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::book::EffortBucket;
use crate::entry_planning::{count_entry, EntryCount};
use crate::half_year::{count_half_years, HalfYearTotals};
use crate::outcomes::{count_closure, ClosureTotals};
use crate::voucher_monitoring::{count_voucher, is_young, VoucherTotals};

/// The sums of all closed cases, by report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClosedTotals {
    /// Closed cases.
    pub cases: u64,
    /// Entry planning: registrations by year, month (1–12) and team.
    #[serde(with = "pairs")]
    pub entries: BTreeMap<(i32, u32, TeamId), EntryCount>,
    /// Voucher monitoring: vouchers by provider and service.
    #[serde(with = "pairs")]
    pub vouchers: BTreeMap<(ProviderId, ServiceId), VoucherTotals>,
    /// Half-year report: by provider, year and half (1 or 2).
    #[serde(with = "pairs")]
    pub half_years: BTreeMap<(ProviderId, i32, u8), HalfYearTotals>,
    /// Outcomes: by closing day.
    pub closures: BTreeMap<NaiveDate, ClosureTotals>,
    /// The worklist: closed cases whose personal data is not erased yet (erasure is due
    /// the policy's retention period after closing). Grows only with cases left
    /// unerased.
    #[serde(default, with = "pairs")]
    pub awaiting_erasure: BTreeMap<CaseId, AwaitingErasure>,
}

/// A closed case whose personal data still waits for erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwaitingErasure {
    /// When it closed.
    pub closed_at: DateTime<Utc>,
    /// Why it closed (a declined referral is erased after its objection period; a book
    /// written before the field reads every case as kept for the retention period).
    #[serde(default = "retention_kept")]
    pub reason: ClosureReason,
    /// Who must erase it.
    pub responsible: Responsible,
}

fn retention_kept() -> ClosureReason {
    ClosureReason::Other
}

impl ClosedTotals {
    /// Adds what the closed case `case`, with the effort recorded for it, contributes
    /// to every report.
    /// Days, months and half-years are counted in time zone `zone`.
    pub fn add_case(&mut self, case: &ClosedCase, effort: &[EffortBucket], zone: Tz) {
        self.cases += 1;
        if case.erased_at.is_none() {
            self.awaiting_erasure.insert(
                case.registration.case_id,
                AwaitingErasure {
                    closed_at: case.closed_at,
                    reason: case.reason,
                    responsible: erasure_responsible(case),
                },
            );
        }
        count_entry(&mut self.entries, &case.registration, zone);
        let young = is_young(Some(&case.registration));
        for v in case.vouchers.values() {
            count_voucher(
                self.vouchers
                    .entry((v.provider.clone(), v.service.clone()))
                    .or_default(),
                v,
                young,
                zone,
            );
            count_half_years(
                &mut self.half_years,
                v,
                Some(local_date(zone, case.closed_at)),
                effort,
                zone,
            );
        }
        let day = self
            .closures
            .entry(local_date(zone, case.closed_at))
            .or_default();
        count_closure(day, case.reason, &case.vouchers);
        crate::evaluation::count_evaluation(&mut day.evaluation, case);
    }
}

/// Serializes a map with composite keys as a list of `[key, value]` pairs (JSON object
/// keys must be strings).
pub(crate) mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Vec::<(K, V)>::deserialize(deserializer).map(|pairs| pairs.into_iter().collect())
    }
}
