//! How the case process describes its events to a store ([`StoredEvent`]).

use casework_core::StoredEvent;
use chrono::{DateTime, Utc};

use crate::model::CaseEvent;

impl StoredEvent for CaseEvent {
    fn event_type(&self) -> &'static str {
        CaseEvent::event_type(self)
    }

    fn current_schema_version(event_type: &str) -> Option<u16> {
        CaseEvent::TYPES
            .contains(&event_type)
            .then(|| CaseEvent::current_schema_version(event_type))
    }

    fn effective_at(&self) -> DateTime<Utc> {
        self.at()
    }

    fn personal_paths(event_type: &str, schema_version: u16) -> &'static [&'static str] {
        CaseEvent::personal_paths(event_type, schema_version)
    }

    fn erases_personal_data(&self) -> bool {
        matches!(self, CaseEvent::CaseErased { .. })
    }

    fn from_json(event_type: &str, payload: &[u8]) -> serde_json::Result<Self> {
        CaseEvent::from_stored_json(event_type, payload)
    }
}
