//! Invariant checks over a stored history of a case: they return the violations instead of
//! trusting `decide`. Used by property tests, `casework verify` and auditors.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::access::report_categories;
use crate::consent::{ConsentScope, DataCategory};
use crate::ids::InstitutionId;
use crate::model::{CaseEvent, CaseState, ClosureReason};
use crate::policy::triage::Profile;
use crate::policy::{local_date, Policy, Tz, DEFAULT_TIME_ZONE};
use crate::process::CaseProcess;
use crate::record::ProgressOn;
use crate::voucher::{FeedbackKind, VoucherStatus};
use casework_core::Process;

/// The invariants of the case process (`docs/architecture.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// 1. A stream begins with `CaseRegistered`, and has only one.
    StartsWithRegistration,
    /// 2. Nothing but erasure follows `CaseClosed`.
    NothingAfterClosure,
    /// 3. No team, plan, voucher or information exchange without active consent;
    ///    revocation closes the case in the same append.
    ConsentRequired,
    /// 4. Feedback only for an issued, not returned voucher; at most one final feedback.
    FeedbackForLiveVoucher,
    /// 5. Every plan measure has a deadline and a responsible party.
    MeasureComplete,
    /// 8. Personal data is shared only inside the active consent: team members, voucher
    ///    providers and the institutions responsible for plan measures come from
    ///    institutions it names, situation reports and review minutes only with the
    ///    categories they hold, feedback content only where it covers feedback content,
    ///    a voucher only with the categories its service shares (checked by
    ///    [`check_under`], which knows the services).
    SharingWithinConsent,
    /// 9. A delegate records progress only inside a running delegation to it, on what the
    ///    delegation covers.
    DelegateWithinDelegation,
    /// 10. A case conference has team members, and the client (or its legal
    ///     representative), as participants.
    ConferenceWithinTeam,
    /// 11. A plan takes effect only with the signatures the policy requires (checked by
    ///     [`check_under`], which knows the policy).
    PlanSigned,
}

/// One broken invariant at one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The version (1-based position in the stream) of the offending event.
    pub version: u64,
    /// Which invariant.
    pub invariant: Invariant,
    /// What is wrong.
    pub detail: String,
}

/// The categories an event shares that the scope does not cover, and the institutions it
/// shares with that the scope does not name.
fn outside_scope(event: &CaseEvent, scope: &ConsentScope, profile: &Profile) -> Vec<String> {
    let mut out = Vec::new();
    let mut institution = |i: &InstitutionId| {
        if !scope.names(i.as_str()) {
            out.push(format!("institution {i}"));
        }
    };
    match event {
        CaseEvent::TeamFormed {
            coordinator_institution,
            members,
            ..
        } => {
            institution(coordinator_institution);
            members.iter().for_each(|m| institution(&m.institution));
        }
        CaseEvent::MemberJoined { member, .. } => institution(&member.institution),
        CaseEvent::VoucherIssued { provider, .. } => {
            institution(&InstitutionId::new(provider.as_str()))
        }
        // the client's own tasks go to nobody else
        CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } => plan
            .measures
            .iter()
            .filter(|m| !m.client_task)
            .for_each(|m| institution(&m.responsible)),
        CaseEvent::CoordinationHandedOver { institution: i, .. }
        | CaseEvent::CaseManagementDelegated { institution: i, .. } => institution(i),
        _ => {}
    }
    let shared: Vec<DataCategory> = match event {
        CaseEvent::SituationAssessed { .. } => report_categories(profile),
        CaseEvent::ReviewHeld { notes, .. } if notes.expose().is_none_or(|n| !n.is_empty()) => {
            report_categories(profile)
        }
        CaseEvent::FeedbackReceived {
            content: Some(_), ..
        } => vec![DataCategory::FeedbackContent],
        CaseEvent::ConferenceHeld { minutes, .. }
            if minutes.expose().is_none_or(|n| !n.is_empty()) =>
        {
            report_categories(profile)
        }
        CaseEvent::ProgressRecorded { note, .. } if note.expose().is_none_or(|n| !n.is_empty()) => {
            report_categories(profile)
        }
        _ => Vec::new(),
    };
    out.extend(scope.uncovered(&shared).map(|c| c.to_string()));
    out
}

/// Checks invariants 1–5 and 8–10 over the events of one case stream, in order: what
/// holds under any policy. Days (whether a delegation ran on the day of a progress record)
/// are counted in the default time zone, `Europe/Berlin`; [`check_under`] counts them in
/// the policy's.
pub fn check(events: &[CaseEvent]) -> Vec<Violation> {
    check_in(events, DEFAULT_TIME_ZONE)
}

fn check_in(events: &[CaseEvent], zone: Tz) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut state = CaseState::default();
    let mut finals = BTreeSet::new();
    let mut delegates = BTreeSet::new();
    for (i, event) in events.iter().enumerate() {
        let version = i as u64 + 1;
        let mut violate = |invariant, detail: String| {
            out.push(Violation {
                version,
                invariant,
                detail,
            })
        };
        let registered = matches!(event, CaseEvent::CaseRegistered { .. });
        if (i == 0) != registered {
            violate(
                Invariant::StartsWithRegistration,
                format!("{} at position {version}", event.event_type()),
            );
        }
        if let CaseState::Closed(c) = &state {
            let erasure_ok = matches!(event, CaseEvent::CaseErased { .. }) && c.erased_at.is_none();
            if !erasure_ok {
                violate(
                    Invariant::NothingAfterClosure,
                    format!("{} after CaseClosed", event.event_type()),
                );
            }
        }
        if event.needs_consent() && !state.consent_active() {
            violate(
                Invariant::ConsentRequired,
                format!("{} without active consent", event.event_type()),
            );
        }
        if let CaseState::Open(open) = &state {
            if let Some(consent) = open.phase.consent() {
                let outside = outside_scope(event, &consent.scope, &open.registration.profile);
                if !outside.is_empty() {
                    violate(
                        Invariant::SharingWithinConsent,
                        format!(
                            "{} shares outside the consent: {}",
                            event.event_type(),
                            outside.join(", ")
                        ),
                    );
                }
            }
        }
        if matches!(event, CaseEvent::ConsentRevoked { .. }) {
            let closes = matches!(
                events.get(i + 1),
                Some(CaseEvent::CaseClosed {
                    reason: ClosureReason::ConsentRevoked,
                    ..
                })
            );
            if !closes {
                violate(
                    Invariant::ConsentRequired,
                    "ConsentRevoked not followed by CaseClosed(consent_revoked)".to_owned(),
                );
            }
        }
        if let CaseEvent::FeedbackReceived { voucher, kind, .. } = event {
            let status = state
                .vouchers()
                .and_then(|v| v.get(voucher))
                .map(|v| v.status);
            match status {
                None => violate(
                    Invariant::FeedbackForLiveVoucher,
                    format!("feedback for voucher {voucher} that was never issued"),
                ),
                Some(VoucherStatus::Returned { .. }) => violate(
                    Invariant::FeedbackForLiveVoucher,
                    format!("feedback for returned voucher {voucher}"),
                ),
                Some(_) => {}
            }
            if *kind == FeedbackKind::Final && !finals.insert(voucher.clone()) {
                violate(
                    Invariant::FeedbackForLiveVoucher,
                    format!("second final feedback for voucher {voucher}"),
                );
            }
        }
        if let CaseState::Open(open) = &state {
            if let CaseEvent::ConferenceHeld { participants, .. } = event {
                match open.phase.team() {
                    Some(team) => {
                        let client = |p: &&crate::ids::UserId| {
                            open.registration.client_as(p.as_str()).is_some()
                        };
                        for p in participants
                            .iter()
                            .filter(|p| !team.contains(p) && !client(p))
                        {
                            violate(
                                Invariant::ConferenceWithinTeam,
                                format!(
                                    "conference participant {p} is neither a team member nor the client"
                                ),
                            );
                        }
                    }
                    None => violate(
                        Invariant::ConferenceWithinTeam,
                        "a conference before the team was formed".to_owned(),
                    ),
                }
            }
            if let CaseEvent::ProgressRecorded { at, by, on, .. } = event {
                let c = &open.coordination;
                let in_team = open.phase.team().is_some_and(|t| t.contains(by));
                if delegates.contains(by) && !in_team {
                    let inside = c
                        .delegation_on(local_date(zone, *at), zone)
                        .filter(|d| &d.delegate == by)
                        .is_some_and(|d| match on {
                            ProgressOn::Measure(m) => d.covers(m),
                            ProgressOn::Goal(_) => d.measures.is_empty(),
                        });
                    if !inside {
                        violate(
                            Invariant::DelegateWithinDelegation,
                            format!(
                                "delegate {by} recorded progress on {on:?} outside its delegation"
                            ),
                        );
                    }
                }
            }
        }
        if let CaseEvent::CaseManagementDelegated { delegate, .. } = event {
            delegates.insert(delegate.clone());
        }
        if let CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } = event {
            for m in &plan.measures {
                if m.responsible.as_str().trim().is_empty() {
                    violate(
                        Invariant::MeasureComplete,
                        format!("measure {} has no responsible party", m.id),
                    );
                }
            }
        }
        CaseProcess::evolve_in_place(&mut state, event);
    }
    out
}

/// Checks every invariant of [`check`] and, with the deployment's policy, invariant 11:
/// every agreed or revised plan carries the signatures the policy requires. (A store
/// written under an older policy is checked with [`check`] alone.)
pub fn check_under(events: &[CaseEvent], policy: &Policy) -> Vec<Violation> {
    let mut out = check_in(events, policy.time_zone);
    let required = policy.process.plan_signatures;
    let mut state = CaseState::default();
    for (i, event) in events.iter().enumerate() {
        if let (CaseEvent::VoucherIssued { service, .. }, CaseState::Open(open)) = (event, &state) {
            let shares = policy.service(service).map(|s| s.shares.as_slice());
            let scope = open.phase.consent().map(|c| &c.scope);
            if let (Some(shares), Some(scope)) = (shares, scope) {
                let missing: Vec<String> = scope.uncovered(shares).map(|c| c.to_string()).collect();
                if !missing.is_empty() {
                    out.push(Violation {
                        version: i as u64 + 1,
                        invariant: Invariant::SharingWithinConsent,
                        detail: format!(
                            "VoucherIssued for {service} shares outside the consent: {}",
                            missing.join(", ")
                        ),
                    });
                }
            }
        }
        CaseProcess::evolve_in_place(&mut state, event);
        if let CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } = event {
            let missing: Vec<&str> = [
                (required.client && !plan.signed_by_client, "client"),
                (
                    required.coordinator && !plan.signed_by_coordinator,
                    "coordinator",
                ),
            ]
            .into_iter()
            .filter_map(|(missing, who)| missing.then_some(who))
            .collect();
            if !missing.is_empty() {
                out.push(Violation {
                    version: i as u64 + 1,
                    invariant: Invariant::PlanSigned,
                    detail: format!(
                        "{} without the signature of the {}",
                        event.event_type(),
                        missing.join(" and ")
                    ),
                });
            }
        }
    }
    out.sort_by_key(|v| v.version);
    out
}
