//! One-line descriptions of commands and events, for test stories, logs and counterexamples.
//!
//! They name the type and the facts that tell one step from another (voucher, kind, level,
//! counts) and never print personal data: a [`Personal`](crate::Personal) field shows at
//! most that it is there.

use std::fmt::{self, Debug, Display, Formatter, Write};

use crate::consent::ConsentScope;
use crate::plan::Plan;
use crate::record::{AdmissionDecision, GoalAttainment, ProgressOn};
use crate::team::Member;
use crate::voucher::FeedbackFacts;

use super::{CaseCommand, CaseEvent};

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

fn plan(p: &Plan) -> String {
    let mut s = format!(
        "{}, {}",
        plural(p.goals.len(), "goal"),
        plural(p.measures.len(), "measure")
    );
    if let Some(first) = p.measures.iter().map(|m| m.deadline).min() {
        let _ = write!(s, " (first due {first})");
    }
    if !p.signed_by_client {
        s.push_str(", unsigned by the client");
    }
    if !p.signed_by_coordinator {
        s.push_str(", unsigned by the coordinator");
    }
    s
}

fn scope(s: &ConsentScope) -> String {
    format!(
        "{}, {}, {}",
        plural(s.institutions.len(), "institution"),
        plural(s.data.len(), "data category"),
        plural(s.purposes.len(), "purpose")
    )
    .replace("categorys", "categories")
}

fn members(m: &[Member]) -> String {
    if m.is_empty() {
        return "no members".into();
    }
    let names: Vec<String> = m
        .iter()
        .map(|m| format!("{}@{}", m.user, m.institution))
        .collect();
    names.join(", ")
}

fn facts(f: &FeedbackFacts) -> String {
    let mut s = String::new();
    if let Some(on) = f.appointment_on {
        let _ = write!(s, ", appointment {on}");
    }
    match f.attending {
        Some(true) => s.push_str(", attending"),
        Some(false) => s.push_str(", not attending"),
        None => {}
    }
    if let Some(o) = f.outcome {
        let _ = write!(s, ", {o:?}");
    }
    s
}

fn list<T: Display>(items: &[T]) -> String {
    let names: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", names.join(", "))
}

fn progress(on: &ProgressOn) -> String {
    match on {
        ProgressOn::Goal(g) => format!("goal {g}"),
        ProgressOn::Measure(m) => format!("measure {m}"),
    }
}

fn admission(d: &AdmissionDecision) -> String {
    match d {
        AdmissionDecision::Admitted => "admitted".into(),
        AdmissionDecision::Declined { reason } => format!("declined ({reason:?})"),
    }
}

fn attainment(a: &[GoalAttainment]) -> String {
    let each: Vec<String> = a
        .iter()
        .map(|g| format!("{} {:?}", g.goal, g.attainment))
        .collect();
    each.join(", ")
}

fn conference(kind: &impl Debug, participants: usize, decision: &impl Debug) -> String {
    format!(
        " {kind:?} with {}: {decision:?}",
        plural(participants, "participant")
    )
}

fn delegation<T: Display>(
    delegate: &impl Display,
    institution: &impl Display,
    measures: &[T],
    until: &impl Display,
) -> String {
    let what = if measures.is_empty() {
        "whole case".into()
    } else {
        list(measures)
    };
    format!(" to {delegate}@{institution} until {until}, {what}")
}

/// `SignConsent client: 4 institutions, 6 data categories, 4 purposes`; personal data shows
/// as `<personal>` at most.
impl Display for CaseCommand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use CaseCommand as C;
        f.write_str(self.name())?;
        match self {
            C::RegisterCase {
                case_id,
                referrer,
                profile,
                ..
            } => write!(
                f,
                " {case_id} from {referrer}, team {}, age {}, {} problem areas, client <personal>",
                profile.team,
                profile.age,
                profile.problem_areas.len()
            ),
            C::SignConsent { signatory, scope: s } => write!(f, " {signatory:?}: {}", scope(s)),
            C::RevokeConsent | C::EndDelegation | C::EraseCase => Ok(()),
            C::FormTeam {
                coordinator,
                coordinator_institution,
                members: m,
            } => write!(
                f,
                " coordinator {coordinator}@{coordinator_institution}, {}",
                members(m)
            ),
            C::AddMember { member } => write!(f, " {}", members(std::slice::from_ref(member))),
            C::RemoveMember { user } => write!(f, " {user}"),
            C::AssessSituation { outcome, .. } => write!(f, " {outcome:?}, report <personal>"),
            C::AgreePlan { plan: p } | C::RevisePlan { plan: p } => write!(f, " {}", plan(p)),
            C::HoldReview {
                completed_measures, ..
            } => write!(f, " completed {}", list(completed_measures)),
            C::IssueVoucher {
                voucher,
                service,
                provider,
            } => write!(f, " {voucher} {service} at {provider}"),
            C::RedeemVoucher { voucher } => write!(f, " {voucher}"),
            C::ReturnVoucher { voucher, reason } => write!(f, " {voucher} ({reason:?})"),
            C::StartServiceStage { voucher, stage } => write!(f, " {voucher} stage {stage}"),
            C::ClassifyNeedGroup {
                voucher,
                need_group,
            } => write!(f, " {voucher} need group {need_group}"),
            C::RecordFeedback {
                voucher,
                kind,
                facts: x,
                content,
            } => write!(
                f,
                " {voucher} {kind:?}{}{}",
                facts(x),
                if content.is_some() {
                    ", content <personal>"
                } else {
                    ""
                }
            ),
            C::RecordServiceHours {
                voucher,
                module,
                individual_minutes,
                group_sessions,
            } => write!(
                f,
                " {voucher} module {module}: {individual_minutes} min, {group_sessions} group sessions"
            ),
            C::RecordMandate { mandate } => {
                write!(f, " documents {}", list(&mandate.documents))
            }
            C::DecideAdmission { decision } => write!(f, " {}", admission(decision)),
            C::RecordEscalation { item, level } => write!(f, " {item} level {level}"),
            C::HandOverCoordination {
                to,
                institution,
                reason,
            } => write!(f, " to {to}@{institution} ({reason:?})"),
            C::ScheduleConference { on } => write!(f, " on {on}"),
            C::HoldConference {
                kind,
                participants,
                decision,
                ..
            } => f.write_str(&conference(kind, participants.len(), decision)),
            C::DelegateCaseManagement {
                delegate,
                institution,
                measures,
                until,
            } => f.write_str(&delegation(delegate, institution, measures, until)),
            C::RecordProgress { on, status, .. } => write!(f, " {} {status:?}", progress(on)),
            C::LinkVoucher { voucher, measure } => write!(f, " {voucher} to {measure}"),
            C::SendClosureNotice { to } => write!(f, " to {to:?}"),
            C::EvaluateCase { attainment: a } => write!(f, " {}", attainment(a)),
            C::CloseCase { reason } => write!(f, " {reason:?}"),
        }
    }
}

/// `VoucherIssued V1 childcare at prov-a`; the time is not printed (a story shows it once
/// per step), personal data shows as `<personal>` at most.
impl Display for CaseEvent {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use CaseEvent as E;
        f.write_str(self.event_type())?;
        match self {
            E::CaseRegistered {
                case_id,
                referrer,
                route,
                ..
            } => write!(f, " {case_id} from {referrer}, route {route}"),
            E::ConsentSigned {
                signatory, scope: s, ..
            } => write!(f, " {signatory:?}: {}", scope(s)),
            E::ConsentRevoked { .. } | E::DelegationEnded { .. } | E::CaseErased { .. } => Ok(()),
            E::TeamFormed {
                coordinator,
                coordinator_institution,
                members: m,
                ..
            } => write!(
                f,
                " coordinator {coordinator}@{coordinator_institution}, {}",
                members(m)
            ),
            E::MemberJoined { member, .. } => {
                write!(f, " {}", members(std::slice::from_ref(member)))
            }
            E::MemberLeft { user, .. } => write!(f, " {user}"),
            E::SituationAssessed { outcome, .. } => write!(f, " {outcome:?}"),
            E::PlanAgreed { plan: p, .. } | E::PlanRevised { plan: p, .. } => {
                write!(f, " {}", plan(p))
            }
            E::ReviewHeld {
                completed_measures, ..
            } => write!(f, " completed {}", list(completed_measures)),
            E::NeedGroupClassified {
                voucher,
                need_group,
                ..
            } => write!(f, " {voucher} need group {need_group}"),
            E::VoucherIssued {
                voucher,
                service,
                provider,
                ..
            } => write!(f, " {voucher} {service} at {provider}"),
            E::VoucherRedeemed { voucher, .. } => write!(f, " {voucher}"),
            E::VoucherReturned {
                voucher, reason, ..
            } => write!(f, " {voucher} ({reason:?})"),
            E::ServiceStageStarted { voucher, stage, .. } => {
                write!(f, " {voucher} stage {stage}")
            }
            E::FeedbackReceived {
                voucher,
                kind,
                facts: x,
                ..
            } => write!(f, " {voucher} {kind:?}{}", facts(x)),
            E::ServiceHoursRecorded {
                voucher,
                module,
                individual_minutes,
                group_sessions,
                ..
            } => write!(
                f,
                " {voucher} module {module}: {individual_minutes} min, {group_sessions} group sessions"
            ),
            E::MandateRecorded { mandate, .. } => {
                write!(f, " documents {}", list(&mandate.documents))
            }
            E::AdmissionDecided { decision, .. } => write!(f, " {}", admission(decision)),
            E::DeadlineEscalated {
                item,
                level,
                party,
                to,
                ..
            } => write!(f, " {item} level {level}: {party} → {to}"),
            E::CoordinationHandedOver {
                from,
                to,
                institution,
                reason,
                ..
            } => write!(f, " {from} → {to}@{institution} ({reason:?})"),
            E::ConferenceScheduled { on, .. } => write!(f, " on {on}"),
            E::ConferenceHeld {
                kind,
                participants,
                decision,
                ..
            } => f.write_str(&conference(kind, participants.len(), decision)),
            E::CaseManagementDelegated {
                delegate,
                institution,
                measures,
                until,
                ..
            } => f.write_str(&delegation(delegate, institution, measures, until)),
            E::ProgressRecorded { by, on, status, .. } => {
                write!(f, " {} {status:?} by {by}", progress(on))
            }
            E::VoucherLinked {
                voucher, measure, ..
            } => write!(f, " {voucher} to {measure}"),
            E::ClosureNoticeSent { to, .. } => write!(f, " to {to:?}"),
            E::CaseEvaluated { attainment: a, .. } => write!(f, " {}", attainment(a)),
            E::CaseClosed { reason, .. } => write!(f, " {reason:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;
    use casework_core::Personal;
    use chrono::{TimeZone, Utc};

    #[test]
    fn personal_data_never_shows() {
        let cmd = CaseCommand::RegisterCase {
            case_id: CaseId(uuid::Uuid::from_u128(7)),
            referrer: InstitutionId::new("sozialamt"),
            client: Personal::new(ClientDetails {
                name: "Erika Mustermann".into(),
                contact: Some("0241 1234".into()),
            }),
            subject: SubjectId::new("p-7"),
            representative: None,
            profile: Profile::new(30, Gender::Female, "t1"),
        };
        let line = cmd.to_string();
        assert!(!line.contains("Erika") && !line.contains("0241"), "{line}");
        assert!(
            line.starts_with("RegisterCase 00000000-0000-0000-0000-000000000007 from sozialamt"),
            "{line}"
        );
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
        let note = CaseEvent::ProgressRecorded {
            at,
            by: UserId::new("k.meier"),
            on: ProgressOn::Measure(MeasureId::new("M1")),
            status: ProgressStatus::AtRisk,
            note: Personal::new("client relapsed into drinking".into()),
        };
        assert_eq!(
            note.to_string(),
            "ProgressRecorded measure M1 AtRisk by k.meier"
        );
    }
}
