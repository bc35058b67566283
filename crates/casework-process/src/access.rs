//! Who may see which personal data of a case: consent-scoped, purpose-bound access.
//!
//! Every personal field of an event ([`Personal`]) belongs to one or more
//! [`DataCategory`]s ([`field_categories`]). A reader must first be a **party** of the case
//! ([`crate::party`](mod@crate::party): its client, its coordinator, a team member, a delegate, a provider of
//! its vouchers, its referrer, intake staff before the team, an auditor); anyone else reads
//! nothing of it (the store refuses the read). A [`Viewer`] who is a party may see a field
//! only if the rules below allow it; otherwise the field is replaced by
//! [`Redaction::Withheld`] with the reason, so the reader sees that something is withheld
//! and why. The rules, in order:
//!
//! 1. An erased case shows no personal data to anyone (its key is destroyed).
//! 2. The client (the case's subject, or its legal representative) sees all of their own
//!    data (GDPR art. 15).
//! 3. A closed case is read for audit only (the consent lapsed with the closure).
//! 4. What each party needs to know: a manager no personal field; the referrer the client
//!    details it registered (its own record, no consent needed); intake staff the
//!    registration and the mandate; a provider the client details and the feedback content
//!    of its own vouchers (its own record, no consent needed); a delegate of measures the
//!    client details, those measures' text and progress notes; the coordinator, members,
//!    a whole-case delegate and auditors every field.
//! 5. Beyond a party's own records, the case's **active** consent (a revoked consent
//!    covers nothing, a closed case keeps the consent it closed with until erasure) must
//!    name the viewer's institution, cover every category of the field, and the viewer's
//!    purpose (§67b, §78 SGB X). A named institution is necessary, never sufficient.
//!
//! A job centre therefore sees the process facts of counselling (appointment, start,
//! attendance, outcome: not personal fields) but never its content unless the consent
//! lists `feedback_content` for it.
//!
//! Reads of special-category data (health, addiction: GDPR art. 9) are returned as
//! [`Disclosure`]s so that the store can log them.

use serde::{Deserialize, Serialize};

use crate::actor::Role;
use crate::consent::{ConsentScope, DataCategory, Purpose};
use crate::ids::{InstitutionId, MeasureId, UserId};
use crate::model::{CaseEvent, CaseState};
use crate::party::Party;
use crate::policy::triage::Profile;
use crate::record::ProgressOn;
use casework_core::{Personal, Redaction};

use crate::model::personal_fields::expand;
pub use crate::model::personal_fields::{
    report_categories, FieldCategories, PersonalField, PERSONAL_FIELDS,
};

/// Who reads: a user of an institution, in a role, for a purpose. The access rules look
/// at institution, role and purpose; the user is recorded in the access log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Viewer {
    /// The reading user (empty only in access-log records written before users were
    /// recorded).
    #[serde(default)]
    pub user: UserId,
    /// The reading institution.
    pub institution: InstitutionId,
    /// The reader's role.
    pub role: Role,
    /// What the data will be used for.
    pub purpose: Purpose,
}

impl Viewer {
    /// A viewer: `user` of `institution` reading in `role` for `purpose`.
    pub fn new(
        user: impl Into<String>,
        institution: impl Into<String>,
        role: Role,
        purpose: Purpose,
    ) -> Self {
        Viewer {
            user: UserId::new(user),
            institution: InstitutionId::new(institution),
            role,
            purpose,
        }
    }

    /// The reader as an actor (what the access log records; checked with
    /// [`crate::Actor::check`]).
    pub fn actor(&self) -> crate::Actor {
        crate::Actor {
            user: self.user.clone(),
            role: self.role,
            institution: self.institution.clone(),
        }
    }
}

impl std::fmt::Display for Viewer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} for {}", self.actor().record(), self.purpose)
    }
}

/// One personal field shown to a viewer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Disclosure {
    /// The event's version in its stream (1-based position in the history read).
    pub version: u64,
    /// The field's path in the event, e.g. `report` or `plan/goals/0/text`.
    pub field: String,
    /// The categories of data it holds.
    pub categories: Vec<DataCategory>,
}

impl Disclosure {
    /// Whether it holds special-category data (and so must be logged).
    pub fn is_special(&self) -> bool {
        self.categories.iter().any(|c| c.is_special())
    }
}

/// The personal fields of an event with their concrete paths and categories, from
/// [`PERSONAL_FIELDS`].
pub fn field_categories(event: &CaseEvent, profile: &Profile) -> Vec<(String, Vec<DataCategory>)> {
    let declared: Vec<&PersonalField> = PERSONAL_FIELDS
        .iter()
        .filter(|f| f.event_type == event.event_type())
        .collect();
    if declared.is_empty() {
        return Vec::new();
    }
    let json = serde_json::to_value(event).unwrap_or_default();
    declared
        .into_iter()
        .flat_map(|f| {
            let categories = match f.categories {
                FieldCategories::Fixed(c) => c.to_vec(),
                FieldCategories::Report => report_categories(profile),
            };
            expand(&json, f.path)
                .into_iter()
                .map(move |path| (path, categories.clone()))
        })
        .collect()
}

/// Each personal field of an event with its concrete path, its categories and how it reads
/// now: the value as JSON where it is in clear, the redaction (`<withheld: …>`,
/// `<sealed>`, `<erased>`) otherwise. What the CLI prints, from the typed fields.
pub fn personal_values(
    event: &mut CaseEvent,
    profile: &Profile,
) -> Vec<(String, Vec<DataCategory>, String)> {
    field_categories(event, profile)
        .into_iter()
        .map(|(path, categories)| {
            let mut shown = String::new();
            with_field(event, &path, |p| {
                shown = p.display();
                true
            });
            (path, categories, shown)
        })
        .collect()
}

/// The consent that governs reads of a case now: the active one of an open case, the one
/// a case closed with (until erasure), none after revocation.
pub fn governing_consent(state: &CaseState) -> Result<&ConsentScope, String> {
    let (phase, revoked) = match state {
        CaseState::Unregistered => return Err("the case does not exist".into()),
        CaseState::Open(open) => (&open.phase, open.consent_revoked_at.is_some()),
        CaseState::Closed(closed) => {
            if closed.erased_at.is_some() {
                return Err("the case is erased".into());
            }
            (
                &closed.last_phase,
                closed.reason == crate::ClosureReason::ConsentRevoked,
            )
        }
    };
    if revoked {
        return Err("the client revoked consent".into());
    }
    phase
        .consent()
        .map(|c| &c.scope)
        .ok_or_else(|| "no consent signed yet".into())
}

/// Whether `viewer`, who is `party` to the case now in `state`, may see field `field` (its
/// path, as [`field_categories`] gives it) of `categories` in `event`; `Err` says why not.
pub fn may_see(
    state: &CaseState,
    party: &Party,
    event: &CaseEvent,
    field: &str,
    categories: &[DataCategory],
    viewer: &Viewer,
) -> Result<(), String> {
    let mut lapsed = false;
    if let CaseState::Closed(closed) = state {
        if closed.erased_at.is_some() {
            return Err("the case is erased".into());
        }
        // the consent lapses with the closure (seed 001): until erasure the data is kept
        // for the retention purpose only, and every such read is logged
        lapsed = true;
        if !matches!(party, Party::Client { .. }) && viewer.purpose != Purpose::Audit {
            return Err(format!(
                "the consent lapsed with the closure on {}; a closed case is read for audit only",
                closed.closed_at.date_naive()
            ));
        }
    }
    if *party == Party::Auditor && viewer.purpose != Purpose::Audit {
        return Err("an auditor reads for the audit purpose only".into());
    }
    if let Some(verdict) = need_to_know(party, event, field) {
        return verdict;
    }
    let scope = governing_consent(state)?;
    if !lapsed && !scope.purposes.contains(&viewer.purpose) {
        return Err(format!(
            "the consent does not cover the purpose {}",
            viewer.purpose
        ));
    }
    if !scope.names(viewer.institution.as_str()) {
        return Err(format!(
            "the consent does not name the institution {}",
            viewer.institution
        ));
    }
    match scope.uncovered(categories).next() {
        Some(missing) => Err(format!("the consent does not cover {missing}")),
        None => Ok(()),
    }
}

/// What a party needs to know of a field: `Some(Ok)` for its own records (shown without
/// consent), `Some(Err)` for what it has no need to know, `None` where the consent decides.
fn need_to_know(party: &Party, event: &CaseEvent, field: &str) -> Option<Result<(), String>> {
    let registration = matches!(event, CaseEvent::CaseRegistered { .. });
    let no_need = |who: &str| Some(Err(format!("{who} has no need to know this field")));
    match party {
        Party::Client { .. } => Some(Ok(())),
        Party::Manager => no_need("a manager"),
        Party::Referrer if registration => Some(Ok(())),
        Party::Referrer => no_need("the referrer"),
        Party::Intake if registration || matches!(event, CaseEvent::MandateRecorded { .. }) => None,
        Party::Intake => no_need("intake staff"),
        Party::Provider { vouchers } => match event {
            CaseEvent::FeedbackReceived { voucher, .. } if vouchers.contains(voucher) => {
                Some(Ok(()))
            }
            CaseEvent::CaseRegistered { .. } => None,
            _ => no_need("a provider"),
        },
        Party::Delegate { measures } if !measures.is_empty() => {
            let covered = |m: &MeasureId| measures.contains(m);
            let ok = match event {
                CaseEvent::CaseRegistered { .. } => true,
                CaseEvent::ProgressRecorded {
                    on: ProgressOn::Measure(m),
                    ..
                } => covered(m),
                CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } => field
                    .strip_prefix("plan/measures/")
                    .and_then(|rest| rest.split('/').next())
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| plan.measures.get(i))
                    .is_some_and(|m| covered(&m.id)),
                _ => false,
            };
            if ok {
                None
            } else {
                no_need("a delegate of other measures")
            }
        }
        Party::Coordinator | Party::Member | Party::Delegate { .. } | Party::Auditor => None,
    }
}

/// What [`redact_event`] did to one event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redacted {
    /// The personal fields shown (clear and not empty).
    pub shown: Vec<Disclosure>,
    /// How many personal fields were withheld from the viewer.
    pub withheld: usize,
}

/// Redacts the personal fields of `event` (version `version` of a case whose current state
/// is `state`) that `viewer`, who is `party` to the case ([`crate::party::party`]), may not
/// see; returns what was shown and how many were
/// withheld. Fields that are already redacted (sealed, erased) stay so and count as
/// neither.
pub fn redact_event(
    state: &CaseState,
    party: &Party,
    version: u64,
    event: &mut CaseEvent,
    viewer: &Viewer,
) -> Redacted {
    let mut out = Redacted::default();
    let Some(profile) = state.registration().map(|r| &r.profile) else {
        return out;
    };
    for (field, categories) in field_categories(event, profile) {
        let verdict = may_see(state, party, event, &field, &categories, viewer);
        let mut withheld = false;
        let visible = with_field(event, &field, |p| match &verdict {
            Ok(()) => p.is_clear(),
            Err(reason) => {
                withheld = p.withhold(reason);
                false
            }
        });
        out.withheld += usize::from(withheld);
        if visible {
            out.shown.push(Disclosure {
                version,
                field,
                categories,
            });
        }
    }
    out
}

/// Runs `f` on the personal field at `path` of `event` (type-erased); `false` if there is
/// no such field.
fn with_field(
    event: &mut CaseEvent,
    path: &str,
    f: impl FnOnce(&mut dyn Redactable) -> bool,
) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match (event, parts.as_slice()) {
        (CaseEvent::CaseRegistered { client, .. }, ["client"]) => f(client),
        (CaseEvent::ConsentSigned { scope, .. }, ["scope", "medical_release"]) => {
            f(&mut scope.medical_release)
        }
        (CaseEvent::SituationAssessed { report, .. }, ["report"]) => f(report),
        (CaseEvent::ReviewHeld { notes, .. }, ["notes"]) => f(notes),
        (CaseEvent::MandateRecorded { mandate, .. }, ["mandate", "goals"]) => f(&mut mandate.goals),
        (CaseEvent::ConferenceHeld { minutes, .. }, ["minutes"]) => f(minutes),
        (CaseEvent::ProgressRecorded { note, .. }, ["note"]) => f(note),
        (
            CaseEvent::FeedbackReceived {
                content: Some(content),
                ..
            },
            ["content"],
        ) => f(content),
        (
            CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. },
            ["plan", list, index, "text"],
        ) => {
            let Ok(i) = index.parse::<usize>() else {
                return false;
            };
            match *list {
                "goals" => plan.goals.get_mut(i).is_some_and(|g| f(&mut g.text)),
                "measures" => plan.measures.get_mut(i).is_some_and(|m| f(&mut m.text)),
                _ => false,
            }
        }
        (
            CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. },
            ["plan", "goals", index, "target"],
        ) => {
            let Ok(i) = index.parse::<usize>() else {
                return false;
            };
            plan.goals
                .get_mut(i)
                .and_then(|g| g.target.as_mut())
                .is_some_and(|t| f(t))
        }
        _ => false,
    }
}

/// A personal field of any type, as far as redaction needs it.
trait Redactable {
    /// There in clear and not empty: showing it discloses something.
    fn is_clear(&self) -> bool;
    /// Withholds a value that is there (clear, perhaps empty); `false` if it was already
    /// redacted (sealed, erased) and stays so.
    fn withhold(&mut self, reason: &str) -> bool;
    /// The value as JSON where it is in clear, else its redaction (`<withheld: …>`).
    fn display(&self) -> String;
}

impl<T: Serialize> Redactable for Personal<T> {
    fn is_clear(&self) -> bool {
        use serde_json::Value;
        match self.expose().map(serde_json::to_value) {
            None | Some(Ok(Value::Null) | Err(_)) => false,
            Some(Ok(Value::Array(items))) => !items.is_empty(),
            Some(Ok(Value::String(text))) => !text.is_empty(),
            Some(Ok(_)) => true,
        }
    }

    fn display(&self) -> String {
        match (self.expose(), self.redaction()) {
            (Some(value), _) => serde_json::to_string(value).unwrap_or_default(),
            (None, Some(redaction)) => redaction.to_string(),
            (None, None) => String::new(),
        }
    }

    fn withhold(&mut self, reason: &str) -> bool {
        let there = self.redaction().is_none();
        self.redact(Redaction::Withheld {
            reason: reason.to_owned(),
        });
        there
    }
}
