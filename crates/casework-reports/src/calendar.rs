//! The report calendar: what "as of a date", "the report date" and "the days the store
//! spans" mean, counted in the deployment's time zone ([`Policy::time_zone`]).
//!
//! A report is computed over a cut of the global log (an [`AsOf`], or the whole log) and
//! dated by a local day. [`ReportCalendar`] turns what a user asks for — nothing, a date
//! `YYYY-MM-DD` or a global position — into both ([`ReportCalendar::as_of`]):
//!
//! - nothing: the whole log, dated by the day of the latest event ([`ReportCalendar::last_day`]),
//!   so that the same store gives the same report tomorrow;
//! - a date: every event that happened by the end of that local day
//!   ([`ReportCalendar::end_of_day`]), dated by that day;
//! - a position: the prefix of the log up to it, dated by that event's local day.
//!
//! ```
//! use casework_reports::calendar::ReportCalendar;
//! use casework_store::{AsOf, MemoryStore};
//! let calendar = ReportCalendar::new(casework_process::DEFAULT_TIME_ZONE);
//! let store = MemoryStore::new();
//! let at = calendar.as_of(&store, Some("2026-06-30")).unwrap();
//! assert_eq!(at.day.to_string(), "2026-06-30");
//! // the end of 30 June in Berlin (summer time) is 21:59:59.999999 UTC
//! assert!(matches!(at.cut, Some(AsOf::Effective(t)) if t.to_rfc3339() == "2026-06-30T21:59:59.999999+00:00"));
//! ```
//!
//! [`Policy::time_zone`]: casework_process::Policy::time_zone

use casework_process::{policy::local_date, Policy, Tz};
use casework_store::{AsOf, EventStore, GlobalPosition, StoreError};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};

/// The report date of a store that holds no events: 1 January 2025.
pub const EMPTY_STORE_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2025, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// How many events at the end of the log [`ReportCalendar::last_day`] reads: effective
/// times are not ordered by position, and the last page is taken as a good bound.
pub const LAST_DAY_WINDOW: usize = 1000;

/// Why a report's point in time could not be determined.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The text is not a date written exactly as `YYYY-MM-DD`.
    #[error("{text:?} is not a date")]
    NotADate {
        /// The text given.
        text: String,
    },
    /// A position (all digits) that the store does not have.
    #[error("position {text} is not in the store (positions 1–{head})")]
    NoSuchPosition {
        /// The text given.
        text: String,
        /// The store's head position (its positions are 1 to `head`).
        head: GlobalPosition,
    },
}

/// The cut of the log a report is computed over, and its report date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCut {
    /// The cut: `None` for the whole log.
    pub cut: Option<AsOf>,
    /// The report date (a local day).
    pub day: NaiveDate,
}

/// The first and the last local day of a store's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSpan {
    /// The day of the first event in the log (position 1).
    pub first: NaiveDate,
    /// The day of the latest event, as [`ReportCalendar::last_day`] finds it.
    pub last: NaiveDate,
}

/// The report calendar of one deployment: local days in its time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportCalendar {
    zone: Tz,
}

impl ReportCalendar {
    /// The calendar of time zone `zone`.
    pub fn new(zone: Tz) -> Self {
        ReportCalendar { zone }
    }

    /// The calendar of the policy's time zone.
    pub fn of(policy: &Policy) -> Self {
        Self::new(policy.time_zone)
    }

    /// The time zone days are counted in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The local day of instant `at`.
    pub fn day_of(&self, at: DateTime<Utc>) -> NaiveDate {
        local_date(self.zone, at)
    }

    /// The last instant (to the microsecond) of local day `day`, in UTC: one microsecond
    /// before the next local day begins. Should midnight repeat, the next day begins at the
    /// earlier one; a day without a midnight (a gap) begins at the gap's end.
    pub fn end_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        let next = day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN);
        let start = self
            .zone
            .from_local_datetime(&next)
            .earliest()
            .or_else(|| {
                self.zone
                    .from_local_datetime(&(next + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map_or_else(|| Utc.from_utc_datetime(&next), |t| t.with_timezone(&Utc));
        start - chrono::Duration::microseconds(1)
    }

    /// The store's "today": the local day of the latest effective time among the last
    /// [`LAST_DAY_WINDOW`] events of the log, or [`EMPTY_STORE_DAY`] for an empty store.
    pub fn last_day(&self, store: &(impl EventStore + ?Sized)) -> Result<NaiveDate, CalendarError> {
        let head = store.head_position()?;
        let from = head
            .saturating_sub(LAST_DAY_WINDOW as GlobalPosition - 1)
            .max(1);
        let latest = store
            .read_all(from, LAST_DAY_WINDOW)?
            .iter()
            .map(|e| e.effective_at)
            .max();
        Ok(latest.map_or(EMPTY_STORE_DAY, |t| self.day_of(t)))
    }

    /// The first and last day of the store's events (`None`: no events). The first is the
    /// day of the event at position 1; the last is [`ReportCalendar::last_day`] (the first,
    /// should that read fail).
    pub fn span(
        &self,
        store: &(impl EventStore + ?Sized),
    ) -> Result<Option<StoreSpan>, CalendarError> {
        if store.head_position()? == 0 {
            return Ok(None);
        }
        let first = store
            .read_all(1, 1)?
            .first()
            .map(|e| self.day_of(e.effective_at));
        Ok(first.map(|first| StoreSpan {
            first,
            last: self.last_day(store).unwrap_or(first),
        }))
    }

    /// The cut and report date for what a user asked for: `None` is the whole log dated
    /// [`ReportCalendar::last_day`]; all digits is a global position
    /// ([`ReportCalendar::at_position`]); anything else must be a date `YYYY-MM-DD`
    /// ([`ReportCalendar::at_date`]).
    pub fn as_of(
        &self,
        store: &(impl EventStore + ?Sized),
        arg: Option<&str>,
    ) -> Result<ReportCut, CalendarError> {
        match arg {
            None => Ok(ReportCut {
                cut: None,
                day: self.last_day(store)?,
            }),
            Some(s) if s.chars().all(|c| c.is_ascii_digit()) => {
                let head = store.head_position()?;
                let position = s
                    .parse()
                    .ok()
                    .filter(|p| (1..=head).contains(p))
                    .ok_or_else(|| CalendarError::NoSuchPosition {
                        text: s.to_owned(),
                        head,
                    })?;
                self.at_position(store, position)
            }
            Some(s) => Ok(self.at_date(parse_date(s)?)),
        }
    }

    /// As of the end of local day `day`: every event that happened by then, dated `day`.
    pub fn at_date(&self, day: NaiveDate) -> ReportCut {
        ReportCut {
            cut: Some(AsOf::Effective(self.end_of_day(day))),
            day,
        }
    }

    /// As of global position `position`: the prefix of the log, dated by the local day of
    /// that event's effective time (by [`ReportCalendar::last_day`] if the store does not
    /// have it).
    pub fn at_position(
        &self,
        store: &(impl EventStore + ?Sized),
        position: GlobalPosition,
    ) -> Result<ReportCut, CalendarError> {
        let day = store
            .read_all(position.max(1), 1)?
            .first()
            .map(|e| self.day_of(e.effective_at));
        let day = match day {
            Some(day) => day,
            None => self.last_day(store)?,
        };
        Ok(ReportCut {
            cut: Some(AsOf::Position(position)),
            day,
        })
    }
}

impl From<&Policy> for ReportCalendar {
    fn from(policy: &Policy) -> Self {
        Self::of(policy)
    }
}

/// A date written exactly as `YYYY-MM-DD` (`26-1-1` is not the year 26).
pub fn parse_date(text: &str) -> Result<NaiveDate, CalendarError> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| CalendarError::NotADate {
            text: text.to_owned(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use casework_store::{ExpectedVersion, MemoryStore, NewEvent, StreamId};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn berlin() -> ReportCalendar {
        ReportCalendar::new(chrono_tz::Europe::Berlin)
    }

    /// A store whose events happened at `times`, in this order of positions.
    fn store_at(times: &[&str]) -> MemoryStore {
        let store = MemoryStore::new();
        for (i, t) in times.iter().enumerate() {
            let event = NewEvent::new("Noted", 1, at(t), format!("{{\"n\":{i}}}").into_bytes());
            store
                .append(
                    &StreamId::new(format!("note-{i}")).unwrap(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )
                .unwrap();
        }
        store
    }

    #[test]
    fn dates_are_written_exactly() {
        assert_eq!(parse_date("2025-06-30").unwrap(), day(2025, 6, 30));
        for bad in [
            "26-1-1",
            "2025-6-30",
            "2025-13-01",
            "2025-02-30",
            "",
            "2025/06/30",
        ] {
            let e = parse_date(bad).unwrap_err();
            assert_eq!(e.to_string(), format!("{bad:?} is not a date"));
        }
    }

    #[test]
    fn a_day_ends_in_the_zone() {
        let cal = berlin();
        // winter: UTC+1
        assert_eq!(
            cal.end_of_day(day(2026, 1, 15)),
            at("2026-01-15T22:59:59.999999Z")
        );
        // the day the clocks go forward (29 March 2026) ends at 22:00 UTC
        assert_eq!(
            cal.end_of_day(day(2026, 3, 28)),
            at("2026-03-28T22:59:59.999999Z")
        );
        assert_eq!(
            cal.end_of_day(day(2026, 3, 29)),
            at("2026-03-29T21:59:59.999999Z")
        );
        assert_eq!(
            ReportCalendar::new(chrono_tz::UTC).end_of_day(day(2026, 1, 15)),
            at("2026-01-15T23:59:59.999999Z")
        );
        // a zone whose midnight falls into a gap (Santiago, 2025-09-07 00:00 does not exist):
        // the next day begins at the gap's end, 01:00 local = 04:00 UTC
        assert_eq!(
            ReportCalendar::new(chrono_tz::America::Santiago).end_of_day(day(2025, 9, 6)),
            at("2025-09-07T03:59:59.999999Z")
        );
    }

    #[test]
    fn local_days() {
        let cal = berlin();
        assert_eq!(cal.day_of(at("2026-06-30T22:30:00Z")), day(2026, 7, 1));
        assert_eq!(cal.zone(), chrono_tz::Europe::Berlin);
        let policy = Policy::default();
        assert_eq!(ReportCalendar::from(&policy), ReportCalendar::of(&policy));
    }

    #[test]
    fn an_empty_store() {
        let store = MemoryStore::new();
        let cal = berlin();
        assert_eq!(cal.last_day(&store).unwrap(), EMPTY_STORE_DAY);
        assert_eq!(EMPTY_STORE_DAY, day(2025, 1, 1));
        assert_eq!(cal.span(&store).unwrap(), None);
        let whole = cal.as_of(&store, None).unwrap();
        assert_eq!(
            whole,
            ReportCut {
                cut: None,
                day: EMPTY_STORE_DAY
            }
        );
        let e = cal.as_of(&store, Some("1")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "position 1 is not in the store (positions 1–0)"
        );
    }

    #[test]
    fn the_last_day_is_the_latest_effective_time_not_the_last_position() {
        // the second event happened later than the third was recorded to have happened
        let store = store_at(&[
            "2026-01-10T10:00:00Z",
            "2026-03-01T23:30:00Z", // 2 March in Berlin
            "2026-02-01T10:00:00Z",
        ]);
        let cal = berlin();
        assert_eq!(cal.last_day(&store).unwrap(), day(2026, 3, 2));
        assert_eq!(
            ReportCalendar::new(chrono_tz::UTC)
                .last_day(&store)
                .unwrap(),
            day(2026, 3, 1)
        );
        assert_eq!(
            cal.span(&store).unwrap(),
            Some(StoreSpan {
                first: day(2026, 1, 10),
                last: day(2026, 3, 2)
            })
        );
        let whole = cal.as_of(&store, None).unwrap();
        assert_eq!((whole.cut, whole.day), (None, day(2026, 3, 2)));
    }

    #[test]
    fn as_of_a_position_or_a_date() {
        let store = store_at(&["2026-01-10T10:00:00Z", "2026-01-31T23:30:00Z"]);
        let cal = berlin();
        let cut = cal.as_of(&store, Some("2")).unwrap();
        assert_eq!(cut.cut, Some(AsOf::Position(2)));
        assert_eq!(cut.day, day(2026, 2, 1));
        for (text, head) in [("0", 2), ("3", 2), ("99999999999999999999999", 2), ("", 2)] {
            let e = cal.as_of(&store, Some(text)).unwrap_err();
            assert!(
                matches!(&e, CalendarError::NoSuchPosition { text: t, head: h } if t == text && *h == head),
                "{e:?}"
            );
        }
        let cut = cal.as_of(&store, Some("2026-01-31")).unwrap();
        assert_eq!(cut, cal.at_date(day(2026, 1, 31)));
        assert_eq!(
            cut.cut,
            Some(AsOf::Effective(at("2026-01-31T22:59:59.999999Z")))
        );
        assert!(matches!(
            cal.as_of(&store, Some("2026-1-31")),
            Err(CalendarError::NotADate { text }) if text == "2026-1-31"
        ));
        // a position past the head is dated by the store's last day
        assert_eq!(cal.at_position(&store, 9).unwrap().day, day(2026, 2, 1));
    }
}
