//! The import marker as a backend keeps it at hand: the rule that a store whose import or
//! restore has not finished refuses appends.
//!
//! An import ([`crate::import_jsonl`]) or a restore from backups sets the store value
//! [`meta::IMPORTING`] before it writes anything and removes it only when everything is in
//! place. While the value is present the store refuses every append with
//! [`StoreError::ImportIncomplete`]; reads still work, so such a store can be verified and
//! exported. A backend that keeps its store values on disk reads the value once when it
//! opens, mirrors it in an [`ImportMarker`], tells the marker of every
//! [`StoreAdmin::set_meta`](crate::StoreAdmin::set_meta) after it is durable
//! ([`ImportMarker::note_set`]) and asks it before every append
//! ([`ImportMarker::check_append`]), so that the check costs no read. The marker's value is
//! stored as before, under the backend's own key for [`meta::IMPORTING`]; nothing about it
//! is on disk here.
//!
//! ```
//! use casework_store::internals::import_marker::ImportMarker;
//! use casework_store::meta;
//!
//! let marker = ImportMarker::new(false, "/srv/casework");
//! assert!(marker.check_append().is_ok());
//! marker.note_set(meta::IMPORTING, Some(b"import of export.jsonl began"));
//! let refused = marker.check_append().unwrap_err();
//! assert_eq!(
//!     refused.to_string(),
//!     "the store is incomplete: an import into /srv/casework did not finish"
//! );
//! marker.note_set(meta::CHECKPOINT, None); // other values do not touch it
//! assert!(marker.is_pending());
//! marker.note_set(meta::IMPORTING, None);
//! assert!(marker.check_append().is_ok());
//! ```

use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::meta;
use crate::StoreError;

/// Whether an import into a store is pending, mirrored from the store value
/// [`meta::IMPORTING`], and the store's place as the refusal names it.
#[derive(Debug)]
pub struct ImportMarker {
    pending: AtomicBool,
    place: String,
}

impl ImportMarker {
    /// A marker for the store at `place` (a path, `schema NAME`: what the refusal names),
    /// `pending` if the store holds the value [`meta::IMPORTING`] as it opens.
    pub fn new(pending: bool, place: impl Into<String>) -> Self {
        ImportMarker {
            pending: AtomicBool::new(pending),
            place: place.into(),
        }
    }

    /// Whether an import or restore into the store began and did not finish.
    pub fn is_pending(&self) -> bool {
        self.pending.load(Ordering::SeqCst)
    }

    /// Sets whether an import is pending (when the store value was read again).
    pub fn set_pending(&self, pending: bool) {
        self.pending.store(pending, Ordering::SeqCst);
    }

    /// Notes that the store value `name` was set to `value` (`None`: removed), once that is
    /// durable: [`meta::IMPORTING`] sets or clears the marker, any other name leaves it.
    pub fn note_set(&self, name: &str, value: Option<&[u8]>) {
        if name == meta::IMPORTING {
            self.set_pending(value.is_some());
        }
    }

    /// Refuses an append while an import is pending: [`StoreError::ImportIncomplete`]
    /// saying "an import into PLACE did not finish".
    pub fn check_append(&self) -> Result<(), StoreError> {
        if self.is_pending() {
            return Err(StoreError::ImportIncomplete(format!(
                "an import into {} did not finish",
                self.place
            )));
        }
        Ok(())
    }
}
