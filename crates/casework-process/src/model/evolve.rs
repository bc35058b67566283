//! `evolve`: folds one event into the state. Records facts, checks nothing, never fails:
//! an event that does not fit the state (which `decide` never produces) changes nothing,
//! and the invariant checker reports it.
//!
//! The fold works in place: most events change a field or two of a state of several
//! hundred bytes, so moving the whole state in and out per event (the by-value
//! signature) was the largest cost of a fold. Only phase transitions move data, and only
//! the part that changes hands.

use std::collections::{BTreeMap, BTreeSet};

use crate::consent::Consent;
use crate::record::{
    Conference, ConferenceDecision, Coordination, Delegation, Escalation, ProgressOn,
    ProgressStatus,
};
use crate::team::{Member, Team};
use crate::voucher::{FeedbackKind, Voucher, VoucherStatus};

use super::event::CaseEvent;
use super::state::{
    Assessed, Assessment, CaseState, ClosedCase, Consented, OpenCase, Phase, Planned, Registration,
    Review, TeamFormed,
};

/// Folds `event` into `state` in place.
pub(crate) fn evolve(state: &mut CaseState, event: &CaseEvent) {
    match state {
        CaseState::Unregistered => {
            if let CaseEvent::CaseRegistered {
                at,
                case_id,
                referrer,
                client,
                subject,
                representative,
                profile,
                route,
            } = event
            {
                *state = CaseState::Open(OpenCase {
                    registration: Registration {
                        case_id: *case_id,
                        at: *at,
                        referrer: referrer.clone(),
                        client: client.clone(),
                        subject: subject.clone(),
                        representative: representative.clone(),
                        profile: profile.clone(),
                        route: route.clone(),
                    },
                    phase: Phase::Registered,
                    vouchers: BTreeMap::new(),
                    consent_revoked_at: None,
                    last_event_at: *at,
                    coordination: Coordination::default(),
                });
            }
        }
        CaseState::Open(_) => {
            if let CaseEvent::CaseClosed { at, reason } = event {
                // The only transition that moves the whole case: once per case.
                if let CaseState::Open(case) = std::mem::take(state) {
                    *state = CaseState::Closed(ClosedCase {
                        registration: case.registration,
                        reason: *reason,
                        closed_at: *at,
                        last_phase: case.phase,
                        vouchers: case.vouchers,
                        erased_at: None,
                        coordination: case.coordination,
                    });
                }
            } else if let CaseState::Open(case) = state {
                evolve_open(case, event);
            }
        }
        CaseState::Closed(case) => {
            if let CaseEvent::CaseErased { at } = event {
                case.erased_at.get_or_insert(*at);
            }
        }
    }
}

fn evolve_open(case: &mut OpenCase, event: &CaseEvent) {
    case.last_event_at = case.last_event_at.max(event.at());
    match event {
        CaseEvent::ConsentRevoked { at } => {
            case.consent_revoked_at.get_or_insert(*at);
        }
        CaseEvent::VoucherIssued {
            at,
            voucher,
            service,
            provider,
        } => {
            case.vouchers
                .entry(voucher.clone())
                .or_insert_with(|| Voucher {
                    id: voucher.clone(),
                    service: service.clone(),
                    provider: provider.clone(),
                    issued_at: *at,
                    status: VoucherStatus::Issued,
                    first_feedback_at: None,
                    interim_feedback_at: Vec::new(),
                    first_appointment_on: None,
                    need_group: None,
                    stage: None,
                    effort: BTreeMap::new(),
                    measure: None,
                });
        }
        e if e.voucher().is_some() => {
            if let Some(v) = e.voucher().and_then(|id| case.vouchers.get_mut(id)) {
                evolve_voucher(v, e);
            }
        }
        _ => {
            if !evolve_coordination(case, event) {
                evolve_phase(&mut case.phase, event);
            }
        }
    }
}

/// Folds the events of the work around the main path; false for any other event.
fn evolve_coordination(case: &mut OpenCase, event: &CaseEvent) -> bool {
    let c = &mut case.coordination;
    match event {
        CaseEvent::MandateRecorded { .. } => c.mandate_recorded = true,
        CaseEvent::AdmissionDecided { decision, .. } => c.admission = Some(*decision),
        CaseEvent::DeadlineEscalated {
            at,
            item,
            level,
            party,
            to,
        } => c.escalations.push(Escalation {
            at: *at,
            item: item.clone(),
            level: *level,
            party: party.clone(),
            to: to.clone(),
        }),
        CaseEvent::CoordinationHandedOver {
            to, institution, ..
        } => {
            if let Some(team) = case.phase.team_mut() {
                team.members.retain(|m| &m.user != to);
                team.coordinator = to.clone();
                team.coordinator_institution = institution.clone();
                c.handovers += 1;
            }
        }
        CaseEvent::ConferenceScheduled { on, .. } => c.conference_scheduled = Some(*on),
        CaseEvent::ConferenceHeld {
            at,
            kind,
            participants,
            decision,
            ..
        } => {
            c.conferences.push(Conference {
                at: *at,
                kind: *kind,
                participants: participants.clone(),
                decision: *decision,
            });
            c.conference_scheduled = None;
            c.pending_decision = match decision {
                ConferenceDecision::Continue => None,
                other => Some((*other, *at)),
            };
        }
        CaseEvent::CaseManagementDelegated {
            at,
            delegate,
            institution,
            measures,
            until,
        } => {
            c.delegation = Some(Delegation {
                delegate: delegate.clone(),
                institution: institution.clone(),
                measures: measures.clone(),
                from: *at,
                until: *until,
                last_report_at: *at,
            });
            c.delegations += 1;
        }
        CaseEvent::DelegationEnded { .. } => c.delegation = None,
        CaseEvent::ProgressRecorded {
            at, by, on, status, ..
        } => {
            c.progress.insert(on.clone(), (*status, *at));
            if let Some(d) = c.delegation.as_mut().filter(|d| &d.delegate == by) {
                d.last_report_at = d.last_report_at.max(*at);
            }
            if let (ProgressOn::Measure(m), ProgressStatus::Done, Phase::Planned(p)) =
                (on, status, &mut case.phase)
            {
                p.completed_measures.insert(m.clone());
            }
        }
        CaseEvent::ClosureNoticeSent { to, .. } => {
            c.notices.insert(*to);
        }
        CaseEvent::CaseEvaluated { attainment, .. } => c.attainment = attainment.clone(),
        CaseEvent::PlanRevised { .. } => {
            if matches!(
                c.pending_decision,
                Some((ConferenceDecision::RevisePlan, _))
            ) {
                c.pending_decision = None;
            }
            return false;
        }
        _ => return false,
    }
    true
}

fn evolve_voucher(v: &mut Voucher, event: &CaseEvent) {
    match event {
        CaseEvent::VoucherRedeemed { at, .. } if v.status == VoucherStatus::Issued => {
            v.status = VoucherStatus::Redeemed { at: *at };
            v.stage = Some((1, *at));
        }
        CaseEvent::VoucherReturned { at, reason, .. } if v.status == VoucherStatus::Issued => {
            v.status = VoucherStatus::Returned {
                at: *at,
                reason: *reason,
            };
        }
        CaseEvent::ServiceStageStarted { at, stage, .. } => v.stage = Some((*stage, *at)),
        CaseEvent::VoucherLinked { measure, .. } => v.measure = Some(measure.clone()),
        CaseEvent::NeedGroupClassified { need_group, .. } => v.need_group = Some(*need_group),
        CaseEvent::ServiceHoursRecorded {
            module,
            individual_minutes,
            group_sessions,
            ..
        } => {
            let e = v.effort.entry(*module).or_default();
            e.individual_minutes = e.individual_minutes.saturating_add(*individual_minutes);
            e.group_sessions = e.group_sessions.saturating_add(*group_sessions);
        }
        CaseEvent::FeedbackReceived {
            at, kind, facts, ..
        } => {
            if v.status.is_finished() {
                return;
            }
            if facts.appointment_on.is_some() {
                v.first_appointment_on = facts.appointment_on;
            }
            match kind {
                FeedbackKind::First => {
                    v.first_feedback_at.get_or_insert(*at);
                }
                FeedbackKind::Interim => v.interim_feedback_at.push(*at),
                FeedbackKind::Final => {
                    if let (Some(redeemed_at), Some(outcome)) =
                        (v.status.redeemed_at(), facts.outcome)
                    {
                        v.status = VoucherStatus::Completed {
                            redeemed_at,
                            at: *at,
                            outcome,
                        };
                    }
                }
            }
        }
        _ => {}
    }
}

/// Folds a phase event. Events that only change the current phase's data change it in
/// place; a transition moves the phase's data into the next phase.
fn evolve_phase(phase: &mut Phase, event: &CaseEvent) {
    match event {
        CaseEvent::ConsentSigned {
            at,
            signatory,
            scope,
        } => {
            let consent = Consent {
                signed_at: *at,
                signatory: *signatory,
                scope: scope.clone(),
            };
            match phase.consent_mut() {
                Some(current) => *current = consent,
                None => *phase = Phase::Consented(Consented { consent }),
            }
        }
        CaseEvent::TeamFormed {
            at,
            coordinator,
            coordinator_institution,
            members,
        } => transition(phase, |old| match old {
            Phase::Consented(Consented { consent }) => Phase::TeamFormed(TeamFormed {
                formed_at: *at,
                consent,
                team: Team {
                    coordinator: coordinator.clone(),
                    coordinator_institution: coordinator_institution.clone(),
                    members: members.clone(),
                },
            }),
            other => other,
        }),
        CaseEvent::MemberJoined { member, .. } => {
            if let Some(team) = phase.team_mut() {
                if !team.contains(&member.user) {
                    team.members.push(member.clone());
                }
            }
        }
        CaseEvent::MemberLeft { user, .. } => {
            if let Some(team) = phase.team_mut() {
                team.members.retain(|m: &Member| &m.user != user);
            }
        }
        CaseEvent::SituationAssessed {
            at,
            report,
            outcome,
        } => {
            let assessment = Assessment {
                at: *at,
                report: report.clone(),
                outcome: *outcome,
            };
            match phase {
                Phase::Assessed(p) => p.assessment = assessment,
                Phase::Planned(p) => p.assessment = assessment,
                Phase::TeamFormed(_) => transition(phase, |old| match old {
                    Phase::TeamFormed(TeamFormed { consent, team, .. }) => {
                        Phase::Assessed(Assessed {
                            consent,
                            team,
                            assessment,
                        })
                    }
                    other => other,
                }),
                Phase::Registered | Phase::Consented(_) => {}
            }
        }
        CaseEvent::PlanAgreed { at, plan } => transition(phase, |old| match old {
            Phase::Assessed(Assessed {
                consent,
                team,
                assessment,
            }) => Phase::Planned(Planned {
                consent,
                team,
                assessment,
                plan: plan.clone(),
                agreed_at: *at,
                revisions: 0,
                reviews: Vec::new(),
                completed_measures: BTreeSet::new(),
            }),
            other => other,
        }),
        CaseEvent::PlanRevised { plan, .. } => {
            if let Phase::Planned(p) = phase {
                p.plan = plan.clone();
                p.revisions += 1;
            }
        }
        CaseEvent::ReviewHeld {
            at,
            completed_measures,
            notes,
        } => {
            if let Phase::Planned(p) = phase {
                p.completed_measures
                    .extend(completed_measures.iter().cloned());
                p.reviews.push(Review {
                    at: *at,
                    completed_measures: completed_measures.clone(),
                    notes: notes.clone(),
                });
            }
        }
        _ => {}
    }
}

/// Replaces the phase by `next(old phase)`.
fn transition(phase: &mut Phase, next: impl FnOnce(Phase) -> Phase) {
    let old = std::mem::replace(phase, Phase::Registered);
    *phase = next(old);
}

impl Phase {
    fn consent_mut(&mut self) -> Option<&mut Consent> {
        match self {
            Phase::Registered => None,
            Phase::Consented(p) => Some(&mut p.consent),
            Phase::TeamFormed(p) => Some(&mut p.consent),
            Phase::Assessed(p) => Some(&mut p.consent),
            Phase::Planned(p) => Some(&mut p.consent),
        }
    }

    fn team_mut(&mut self) -> Option<&mut Team> {
        match self {
            Phase::Registered | Phase::Consented(_) => None,
            Phase::TeamFormed(p) => Some(&mut p.team),
            Phase::Assessed(p) => Some(&mut p.team),
            Phase::Planned(p) => Some(&mut p.team),
        }
    }
}
