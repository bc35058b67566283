//! **The one declaration of personal data**: which field of which event type is personal,
//! and which data categories it holds. The store's sealing, consent-scoped reads
//! ([`crate::access`]) and the access log are derived from it.

use crate::consent::DataCategory;
use crate::policy::triage::{ProblemArea, Profile};

/// The categories a situation report or review minutes fall into, given what the triage
/// found: a report about a client with health problems is health data.
pub fn report_categories(profile: &Profile) -> Vec<DataCategory> {
    let mut out = vec![DataCategory::SituationReport];
    if profile.problem_areas.contains(&ProblemArea::Health) {
        out.push(DataCategory::Health);
    }
    if profile.problem_areas.contains(&ProblemArea::Finances) {
        out.push(DataCategory::Debts);
    }
    out
}

/// The data categories of a personal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCategories {
    /// Always these.
    Fixed(&'static [DataCategory]),
    /// Those of a report about this client ([`report_categories`]): a situation report
    /// about a client with health problems is health data.
    Report,
}

/// One personal field of an event type: where it is and what data it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalField {
    /// The event type.
    pub event_type: &'static str,
    /// The field's path in the event's JSON, `*` for every index of a list.
    pub path: &'static str,
    /// The data categories it holds.
    pub categories: FieldCategories,
}

const fn field(
    event_type: &'static str,
    path: &'static str,
    categories: FieldCategories,
) -> PersonalField {
    PersonalField {
        event_type,
        path,
        categories,
    }
}

/// **The one declaration of personal data.** Sealing in the store
/// ([`crate::CaseEvent::personal_paths`]), consent-scoped redaction and the access log's
/// categories ([`crate::access::field_categories`], [`crate::access::redact_event`]) and the CLI's display
/// ([`crate::access::personal_values`]) are all derived from it. Tests prove it complete: every
/// `Personal` field of every event type is declared here, every declaration finds its
/// field, and none is declared without categories. Client details are process facts:
/// every covered institution needs to know whom the case is about.
pub const PERSONAL_FIELDS: &[PersonalField] = {
    use DataCategory as D;
    use FieldCategories::{Fixed, Report};
    &[
        field("CaseRegistered", "client", Fixed(&[D::ProcessFacts])),
        field(
            "ConsentSigned",
            "scope/medical_release",
            Fixed(&[D::Health]),
        ),
        field("SituationAssessed", "report", Report),
        field("ReviewHeld", "notes", Report),
        field("PlanAgreed", "plan/goals/*/text", Fixed(&[D::ProcessFacts])),
        field(
            "PlanAgreed",
            "plan/measures/*/text",
            Fixed(&[D::ProcessFacts]),
        ),
        field(
            "PlanRevised",
            "plan/goals/*/text",
            Fixed(&[D::ProcessFacts]),
        ),
        field(
            "PlanRevised",
            "plan/measures/*/text",
            Fixed(&[D::ProcessFacts]),
        ),
        field("FeedbackReceived", "content", Fixed(&[D::FeedbackContent])),
        field(
            "PlanAgreed",
            "plan/goals/*/target",
            Fixed(&[D::ProcessFacts]),
        ),
        field(
            "PlanRevised",
            "plan/goals/*/target",
            Fixed(&[D::ProcessFacts]),
        ),
        field("MandateRecorded", "mandate/goals", Report),
        field("ConferenceHeld", "minutes", Report),
        field("ProgressRecorded", "note", Report),
    ]
};

/// The concrete paths of `pattern` in `json` (every index where the pattern says `*`).
pub(crate) fn expand(json: &serde_json::Value, pattern: &str) -> Vec<String> {
    fn walk(v: &serde_json::Value, parts: &[&str], at: String, out: &mut Vec<String>) {
        let Some((first, rest)) = parts.split_first() else {
            out.push(at);
            return;
        };
        let join = |p: &str| {
            if at.is_empty() {
                p.to_owned()
            } else {
                format!("{at}/{p}")
            }
        };
        if *first == "*" {
            for (i, item) in v.as_array().into_iter().flatten().enumerate() {
                walk(item, rest, join(&i.to_string()), out);
            }
        } else if let Some(next) = v.get(first).filter(|n| !n.is_null()) {
            walk(next, rest, join(first), out);
        }
    }
    let parts: Vec<&str> = pattern.split('/').collect();
    let mut out = Vec::new();
    walk(json, &parts, String::new(), &mut out);
    out
}
