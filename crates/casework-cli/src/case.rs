//! `casework case show` and `casework history`.

use casework_case::CaseStream;
use std::process::ExitCode;

use casework_case::case_codec;
use casework_process::{deadlines, AdmissionDecision, CaseEvent, CaseState, Policy, VoucherStatus};
use casework_reports::CaseFile;
use casework_store::StreamId;
use clap::Subcommand;

use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::say;
use crate::report::{as_of, parse_case};

/// Case commands.
#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// The state of one case and its due deadlines.
    Show {
        /// The case id (UUID).
        id: String,
        /// As of a date (YYYY-MM-DD) or a global position.
        #[arg(long, value_name = "DATE|POSITION")]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: crate::output::Format,
    },
    /// The history of one case with its personal data as a viewer may see it: what the
    /// client's consent does not cover for the viewer is withheld with the reason, and a
    /// read of health or addiction data is written to the access log.
    Read {
        /// The case id (UUID).
        id: String,
        #[command(flatten)]
        viewer: crate::privacy::ViewerArgs,
        /// The day of the read (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: crate::output::Format,
    },
    /// The client's copy of their case (GDPR art. 15) as one JSON document: every event
    /// with its personal data, and the access log of who read what. Only for the case's
    /// client or legal representative; the read is logged.
    SubjectAccess {
        /// The case id (UUID).
        id: String,
        /// The client's pseudonym (the case's subject) or its legal representative's.
        #[arg(long)]
        user: String,
        /// The day of the request (YYYY-MM-DD); today by default.
        #[arg(long, value_name = "DATE")]
        at: Option<String>,
    },
}

pub fn run(backend: &Backend, command: &CaseCommand, policy: &Policy) -> Result<ExitCode, Failure> {
    let (id, at, format) = match command {
        CaseCommand::Show { id, as_of, format } => (id, as_of, *format),
        CaseCommand::Read {
            id,
            viewer,
            at,
            format,
        } => return crate::privacy::read(backend, id, viewer, at.as_deref(), policy, *format),
        CaseCommand::SubjectAccess { id, user, at } => {
            return crate::privacy::subject_access(backend, id, user, at.as_deref(), policy)
        }
    };
    let store = backend.store();
    let id = parse_case(id)?;
    let (cut, day) = as_of(store, at.as_deref(), policy)?;
    let file = CaseFile::load(store, id, cut, policy.time_zone)?.ok_or_else(|| {
        Failure::input(
            format!(
                "no case {id} in the store{}",
                at.as_ref().map_or(String::new(), |a| format!(" as of {a}"))
            ),
            format!(
                "check the id; `{} report worklist --horizon 3650` lists open cases",
                crate::failure::me()
            ),
        )
    })?;
    let state = &file.state;
    let Some(reg) = state.registration() else {
        return Err(Failure::input(
            format!("case {id} is not registered"),
            "check the id",
        ));
    };
    if format == crate::output::Format::Json {
        // personal fields stay sealed in this state: the JSON holds process facts only
        let due: Vec<_> = deadlines(state, policy)
            .into_iter()
            .map(|d| {
                serde_json::json!({
                    "due": d.due,
                    "days_overdue": d.days_overdue(day),
                    "item": d.item.to_string(),
                    "responsible": d.responsible.to_string(),
                })
            })
            .collect();
        // serialized here rather than inside `json!`, which would panic on an error
        let state_json = serde_json::to_value(state).map_err(anyhow::Error::from)?;
        crate::output::json(&serde_json::json!({
            "case": id,
            "as_of": day,
            "phase": state.phase_name(),
            "state": state_json,
            "deadlines": due,
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("case        {id}");
    match state {
        CaseState::Closed(c) => say!(
            "phase       closed ({}) on {}{}",
            c.reason,
            policy.local_date(c.closed_at),
            if c.erased_at.is_some() {
                ", personal data erased"
            } else {
                ""
            }
        ),
        other => say!("phase       {}", other.phase_name()),
    }
    say!(
        "registered  {} by {} (team {}, routed to {})",
        policy.local_date(reg.at),
        reg.referrer,
        reg.profile.team,
        reg.route
    );
    say!(
        "client      personal data not shown; age {}, {:?}",
        reg.profile.age,
        reg.profile.gender
    );
    if let Some(phase) = state.phase() {
        if let Some(c) = phase.consent() {
            say!(
                "consent     signed {} ({} institutions, {} data categories)",
                policy.local_date(c.signed_at),
                c.scope.institutions.len(),
                c.scope.data.len()
            );
        }
        if let Some(t) = phase.team() {
            say!(
                "team        coordinator {} + {} member(s)",
                t.coordinator,
                t.members.len()
            );
        }
        if let Some(p) = phase.planned() {
            say!(
                "plan        agreed {}, {} measure(s), {} revision(s), {} review(s)",
                policy.local_date(p.agreed_at),
                p.plan.measures.len(),
                p.revisions,
                p.reviews.len()
            );
        }
    }
    for v in state.vouchers().into_iter().flat_map(|m| m.values()) {
        let status = match v.status {
            VoucherStatus::Issued => "issued, not started".to_owned(),
            VoucherStatus::Redeemed { at } => format!("running since {}", policy.local_date(at)),
            VoucherStatus::Returned { at, reason } => {
                format!("returned {} ({reason:?})", policy.local_date(at))
            }
            VoucherStatus::Completed { at, outcome, .. } => {
                format!("completed {} ({outcome:?})", policy.local_date(at))
            }
        };
        say!(
            "voucher     {} {} at {}: {status}",
            v.id,
            v.service,
            v.provider
        );
    }
    let due = deadlines(state, policy);
    if due.is_empty() {
        say!("deadlines   none pending");
    } else {
        say!("deadlines on {day}:");
        for d in due {
            let late = d.days_overdue(day);
            let when = if late > 0 {
                format!("OVERDUE {late} d")
            } else {
                format!("in {} d", -late)
            };
            say!(
                "  {}  {:<40} {:<30} {when}",
                d.due,
                d.item.to_string(),
                d.responsible.to_string()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One line per event: the process facts, never personal data.
fn summary(e: &CaseEvent) -> String {
    match e {
        CaseEvent::CaseRegistered { route, profile, .. } => format!("team {}, routed to {route}", profile.team),
        CaseEvent::ConsentSigned { signatory, scope, .. } => format!("by {signatory:?}, {} institutions", scope.institutions.len()),
        CaseEvent::TeamFormed { coordinator, members, .. } => format!("coordinator {coordinator}, {} member(s)", members.len()),
        CaseEvent::MemberJoined { member, .. } => format!("{} ({})", member.user, member.institution),
        CaseEvent::MemberLeft { user, .. } => user.to_string(),
        CaseEvent::SituationAssessed { outcome, .. } => format!("{outcome:?}"),
        CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } => format!("{} goal(s), {} measure(s)", plan.goals.len(), plan.measures.len()),
        CaseEvent::ReviewHeld { completed_measures, .. } => format!("{} measure(s) completed", completed_measures.len()),
        CaseEvent::NeedGroupClassified { voucher, need_group, .. } => format!("voucher {voucher}: need group {need_group}"),
        CaseEvent::VoucherIssued { voucher, service, provider, .. } => format!("voucher {voucher}: {service} at {provider}"),
        CaseEvent::VoucherRedeemed { voucher, .. } => format!("voucher {voucher}"),
        CaseEvent::VoucherReturned { voucher, reason, .. } => format!("voucher {voucher}: {reason:?}"),
        CaseEvent::ServiceStageStarted { voucher, stage, .. } => format!("voucher {voucher}: stage {stage}"),
        CaseEvent::FeedbackReceived { voucher, kind, facts, .. } => format!("voucher {voucher}: {kind:?}{}", facts.outcome.map_or(String::new(), |o| format!(", {o:?}"))),
        CaseEvent::ServiceHoursRecorded { voucher, module, individual_minutes, group_sessions, .. } => format!("voucher {voucher}: module {module}, {individual_minutes} min, {group_sessions} group session(s)"),
        CaseEvent::CaseClosed { reason, .. } => reason.to_string(),
        CaseEvent::MandateRecorded { mandate, .. } => format!("{} document(s) requested", mandate.documents.len()),
        CaseEvent::AdmissionDecided { decision, .. } => match decision {
            AdmissionDecision::Admitted => "admitted".to_owned(),
            AdmissionDecision::Declined { reason } => format!("declined: {reason:?}"),
        },
        CaseEvent::DeadlineEscalated { item, level, party, to, .. } => format!("{item} ({party} late): level {level} to {to}"),
        CaseEvent::CoordinationHandedOver { from, to, institution, reason, .. } => format!("{from} -> {to} ({institution}), {reason:?}"),
        CaseEvent::ConferenceScheduled { on, .. } => format!("for {on}"),
        CaseEvent::ConferenceHeld { kind, participants, decision, .. } => format!("{kind:?}, {} participant(s), decided {decision:?}", participants.len()),
        CaseEvent::CaseManagementDelegated { delegate, institution, measures, until, .. } => format!("to {delegate} ({institution}) until {until}, {}", if measures.is_empty() { "whole case".to_owned() } else { format!("{} measure(s)", measures.len()) }),
        CaseEvent::ProgressRecorded { by, on, status, .. } => format!("{on:?}: {status:?} (by {by})"),
        CaseEvent::VoucherLinked { voucher, measure, .. } => format!("voucher {voucher} serves measure {measure}"),
        CaseEvent::ClosureNoticeSent { to, .. } => format!("to the {to:?}"),
        CaseEvent::CaseEvaluated { attainment, .. } => format!("{} goal(s) rated", attainment.len()),
        CaseEvent::ConsentRevoked { .. } | CaseEvent::CaseErased { .. } | CaseEvent::DelegationEnded { .. } => String::new(),
    }
}

pub fn history(
    backend: &Backend,
    id: &str,
    format: crate::output::Format,
) -> Result<ExitCode, Failure> {
    let store = backend.store();
    let id = parse_case(id)?;
    let stream = StreamId::for_case(id);
    let events = store.read_stream_all(&stream)?;
    if events.is_empty() {
        return Err(Failure::input(
            format!("no case {id} in the store"),
            format!(
                "check the id; `{} report worklist --horizon 3650` lists open cases",
                crate::failure::me()
            ),
        ));
    }
    let codec = case_codec();
    let details = |r: &casework_store::RecordedEvent| {
        codec
            .decode(r)
            .map(|e| summary(&e))
            .unwrap_or_else(|e| format!("(cannot decode: {e})"))
    };
    if format == crate::output::Format::Json {
        let chain = store.verify_stream(&stream)?;
        let rows: Vec<_> = events
            .iter()
            .map(|r| {
                serde_json::json!({
                    "position": r.position,
                    "version": r.version,
                    "effective_at": r.effective_at,
                    "recorded_at": r.recorded_at,
                    "actor": r.metadata.actor,
                    "event": r.event_type,
                    "details": details(r),
                    "hash": r.hash,
                })
            })
            .collect();
        crate::output::json(&serde_json::json!({
            "case": id,
            "events": rows,
            "chain": match chain {
                Ok(()) => "verified".to_owned(),
                Err(b) => format!("broken: {b}"),
            },
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{:>8} {:>4}  {:<19}  {:<19}  {:<32}  {:<20}  details",
        "position",
        "ver",
        "effective",
        "recorded",
        "actor",
        "event"
    );
    for r in &events {
        let details = details(r);
        say!(
            "{:>8} {:>4}  {:<19}  {:<19}  {:<32}  {:<20}  {details}",
            r.position,
            r.version,
            r.effective_at.format("%Y-%m-%d %H:%M:%S"),
            r.recorded_at.format("%Y-%m-%d %H:%M:%S"),
            r.metadata.actor.as_deref().unwrap_or("–"),
            r.event_type,
        );
    }
    match store.verify_stream(&stream)? {
        Ok(()) => say!("hash chain: {} event(s) verified", events.len()),
        Err(b) => say!("hash chain BROKEN: {b}"),
    }
    Ok(ExitCode::SUCCESS)
}
