//! The objection period of a declined referral (seed 004: "Widerspruchsfrist (1 Monate+3
//! Tage)").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A period of months and days, counted in local calendar days from the day of a
/// decision (seed 004's objection period: "1 Monate+3 Tage").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionPeriod {
    /// Whole months.
    pub months: u32,
    /// Days after the months.
    pub days: u32,
}

impl Default for ObjectionPeriod {
    fn default() -> Self {
        ObjectionPeriod { months: 1, days: 3 }
    }
}

impl ObjectionPeriod {
    /// Whether the period is empty (erase at once).
    pub fn is_zero(self) -> bool {
        self.months == 0 && self.days == 0
    }

    /// The last day of the period that begins on day `from` (`None` past the calendar's
    /// end).
    pub fn last_day(self, from: NaiveDate) -> Option<NaiveDate> {
        from.checked_add_months(chrono::Months::new(self.months))?
            .checked_add_days(chrono::Days::new(u64::from(self.days)))
    }
}
