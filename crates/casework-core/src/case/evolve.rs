//! `evolve`: folds one event into the state. Records facts, checks nothing, never fails:
//! an event that does not fit the state (which `decide` never produces) changes nothing,
//! and the invariant checker reports it.

use std::collections::{BTreeMap, BTreeSet};

use crate::consent::Consent;
use crate::team::{Member, Team};
use crate::voucher::{FeedbackKind, Voucher, VoucherStatus};

use super::event::CaseEvent;
use super::state::{
    Assessed, Assessment, CaseState, ClosedCase, Consented, OpenCase, Phase, Planned, Registration,
    Review, TeamFormed,
};

pub(crate) fn evolve(state: CaseState, event: &CaseEvent) -> CaseState {
    match (state, event) {
        (
            CaseState::Unregistered,
            CaseEvent::CaseRegistered {
                at,
                case_id,
                referrer,
                client,
                profile,
                route,
            },
        ) => CaseState::Open(OpenCase {
            registration: Registration {
                case_id: *case_id,
                at: *at,
                referrer: referrer.clone(),
                client: client.clone(),
                profile: profile.clone(),
                route: route.clone(),
            },
            phase: Phase::Registered,
            vouchers: BTreeMap::new(),
            consent_revoked_at: None,
            last_event_at: *at,
        }),
        (CaseState::Open(case), event) => evolve_open(case, event),
        (CaseState::Closed(mut case), CaseEvent::CaseErased { at }) => {
            case.erased_at.get_or_insert(*at);
            CaseState::Closed(case)
        }
        (state, _) => state,
    }
}

fn evolve_open(mut case: OpenCase, event: &CaseEvent) -> CaseState {
    case.last_event_at = case.last_event_at.max(event.at());
    match event {
        CaseEvent::CaseClosed { at, reason } => {
            return CaseState::Closed(ClosedCase {
                registration: case.registration,
                reason: *reason,
                closed_at: *at,
                last_phase: case.phase,
                vouchers: case.vouchers,
                erased_at: None,
            })
        }
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
                });
        }
        e if e.voucher().is_some() => {
            if let Some(v) = e.voucher().and_then(|id| case.vouchers.get_mut(id)) {
                evolve_voucher(v, e);
            }
        }
        _ => case.phase = evolve_phase(case.phase, event),
    }
    CaseState::Open(case)
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

fn evolve_phase(phase: Phase, event: &CaseEvent) -> Phase {
    match (phase, event) {
        (
            Phase::Registered,
            CaseEvent::ConsentSigned {
                at,
                signatory,
                scope,
            },
        ) => Phase::Consented(Consented {
            consent: Consent {
                signed_at: *at,
                signatory: *signatory,
                scope: scope.clone(),
            },
        }),
        (
            mut phase,
            CaseEvent::ConsentSigned {
                at,
                signatory,
                scope,
            },
        ) => {
            if let Some(consent) = phase.consent_mut() {
                *consent = Consent {
                    signed_at: *at,
                    signatory: *signatory,
                    scope: scope.clone(),
                };
            }
            phase
        }
        (
            Phase::Consented(Consented { consent }),
            CaseEvent::TeamFormed {
                coordinator,
                coordinator_institution,
                members,
                ..
            },
        ) => Phase::TeamFormed(TeamFormed {
            consent,
            team: Team {
                coordinator: coordinator.clone(),
                coordinator_institution: coordinator_institution.clone(),
                members: members.clone(),
            },
        }),
        (mut phase, CaseEvent::MemberJoined { member, .. }) => {
            if let Some(team) = phase.team_mut() {
                if !team.contains(&member.user) {
                    team.members.push(member.clone());
                }
            }
            phase
        }
        (mut phase, CaseEvent::MemberLeft { user, .. }) => {
            if let Some(team) = phase.team_mut() {
                team.members.retain(|m: &Member| &m.user != user);
            }
            phase
        }
        (
            phase,
            CaseEvent::SituationAssessed {
                at,
                report,
                outcome,
            },
        ) => {
            let assessment = Assessment {
                at: *at,
                report: report.clone(),
                outcome: *outcome,
            };
            match phase {
                Phase::TeamFormed(TeamFormed { consent, team }) => Phase::Assessed(Assessed {
                    consent,
                    team,
                    assessment,
                }),
                Phase::Assessed(mut p) => {
                    p.assessment = assessment;
                    Phase::Assessed(p)
                }
                Phase::Planned(mut p) => {
                    p.assessment = assessment;
                    Phase::Planned(p)
                }
                other => other,
            }
        }
        (
            Phase::Assessed(Assessed {
                consent,
                team,
                assessment,
            }),
            CaseEvent::PlanAgreed { at, plan },
        ) => Phase::Planned(Planned {
            consent,
            team,
            assessment,
            plan: plan.clone(),
            agreed_at: *at,
            revisions: 0,
            reviews: Vec::new(),
            completed_measures: BTreeSet::new(),
        }),
        (Phase::Planned(mut p), CaseEvent::PlanRevised { plan, .. }) => {
            p.plan = plan.clone();
            p.revisions += 1;
            Phase::Planned(p)
        }
        (
            Phase::Planned(mut p),
            CaseEvent::ReviewHeld {
                at,
                completed_measures,
                notes,
            },
        ) => {
            p.completed_measures
                .extend(completed_measures.iter().cloned());
            p.reviews.push(Review {
                at: *at,
                completed_measures: completed_measures.clone(),
                notes: notes.clone(),
            });
            Phase::Planned(p)
        }
        (phase, _) => phase,
    }
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
