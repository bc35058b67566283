//! The wrapper that marks personal data.

use serde::{Deserialize, Serialize};

/// Personal data of a client: names, free-text notes, situation-report content, feedback
/// content. Kept apart from process facts (dates, service type, status) so that it can be
/// encrypted per case and shredded on erasure without touching process facts or the hash
/// chain.
///
/// `Debug` never prints the content, so personal data does not leak into logs; use
/// [`Personal::expose`] where showing it is intended.
///
/// ```
/// use casework_core::Personal;
/// let name = Personal::new("Anna Muster".to_string());
/// assert_eq!(format!("{name:?}"), "Personal(<redacted>)");
/// assert_eq!(name.expose(), "Anna Muster");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Personal<T>(T);

impl<T> Personal<T> {
    /// Marks `value` as personal data.
    pub fn new(value: T) -> Self {
        Personal(value)
    }

    /// The personal data itself. Call sites that show it are the ones an access check guards.
    pub fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the personal data.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::fmt::Debug for Personal<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Personal(<redacted>)")
    }
}
