//! Percentages, rounded once and the same way everywhere: to one decimal, half away from
//! zero, computed in integers so that 8.55 never becomes 8.5 through binary floating point.

use serde::{Serialize, Serializer};

/// A percentage with one decimal, stored as tenths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pct(pub i64);

impl Pct {
    /// `part / whole × 100`, rounded to one decimal half away from zero; `None` when
    /// `whole` is 0.
    pub fn of(part: i64, whole: i64) -> Option<Pct> {
        (whole != 0).then(|| Pct(div_round(part * 1000, whole)))
    }

    /// The deviation of `actual` from `plan` with the source's conventions: plan 0 and
    /// actual > 0 is +100 %, plan 0 and actual 0 is 0 %, actual 0 and plan > 0 is −100 %.
    pub fn deviation(actual: i64, plan: i64) -> Pct {
        match (plan, actual) {
            (0, 0) => Pct(0),
            (0, a) if a > 0 => Pct(1000),
            (0, _) => Pct(-1000),
            (p, a) => Pct(div_round((a - p) * 1000, p)),
        }
    }

    /// The percentage in tenths of a percent (`7.1 %` is 71): exact, for comparing and
    /// adding up.
    pub fn tenths(self) -> i64 {
        self.0
    }

    /// The value as a float (for JSON and charts): `7.1 %` is `7.1`.
    pub fn value(self) -> f64 {
        self.0 as f64 / 10.0
    }
}

/// Integer division rounding half away from zero.
pub fn div_round(num: i64, den: i64) -> i64 {
    let (q, r) = (num / den, num % den);
    if 2 * r.abs() >= den.abs() {
        q + if (num < 0) == (den < 0) { 1 } else { -1 }
    } else {
        q
    }
}

impl std::fmt::Display for Pct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{}%", self.0.abs() / 10, self.0.abs() % 10)
    }
}

impl Serialize for Pct {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.value())
    }
}

/// Tenths shown with one decimal (hours, days), e.g. `12.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tenths(pub i64);

impl Tenths {
    /// The value as a float.
    pub fn value(self) -> f64 {
        self.0 as f64 / 10.0
    }

    /// `num / den` rounded to one decimal; `None` when `den` is 0.
    pub fn ratio(num: i64, den: i64) -> Option<Tenths> {
        (den != 0).then(|| Tenths(div_round(num * 10, den)))
    }
}

impl std::fmt::Display for Tenths {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{}", self.0.abs() / 10, self.0.abs() % 10)
    }
}

impl Serialize for Tenths {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0 as f64 / 10.0)
    }
}

/// Shows an optional value, or `–` where there is none.
pub fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| v.to_string())
}
