//! `casework case read` (access-checked, logged), `casework erase` and
//! `casework access-log`.

use casework_case::CaseStream;
use std::process::ExitCode;

use casework_case::{access_log, Cases};
use casework_process::access::{personal_values, Viewer};
use casework_process::{Actor, CaseError, CaseId, Policy, Purpose, Role};
use casework_store::{RepoError, StreamId};
use chrono::{DateTime, TimeZone, Utc};
use clap::Args;

use crate::backend::Backend;
use crate::failure::Failure;
use crate::output::say;
use crate::report::{parse_case, parse_date};

/// Who reads: the viewer of an access-checked read.
#[derive(Debug, Args)]
pub struct ViewerArgs {
    /// The reading user (recorded in the access log).
    #[arg(long)]
    pub user: String,
    /// The reading institution (as named in consents, e.g. jobcenter).
    #[arg(long)]
    pub institution: String,
    /// The reader's role: referrer, coordinator, specialist, caseworker, provider,
    /// manager, auditor or client.
    #[arg(long)]
    pub role: String,
    /// What the data is used for: case_management, service_delivery, benefit_decision or
    /// audit.
    #[arg(long, default_value = "case_management")]
    pub purpose: String,
}

fn parse_enum<T: for<'de> serde::Deserialize<'de>>(
    what: &str,
    s: &str,
    hint: &str,
) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| Failure::input(format!("{s:?} is not a {what}"), hint))
}

impl ViewerArgs {
    fn viewer(&self) -> Result<Viewer, Failure> {
        let role: Role = parse_enum(
            "role",
            &self.role,
            "roles: referrer, coordinator, specialist, caseworker, provider, manager, auditor, client",
        )?;
        let purpose: Purpose = parse_enum(
            "purpose",
            &self.purpose,
            "purposes: case_management, service_delivery, benefit_decision, audit",
        )?;
        Ok(Viewer::new(
            self.user.clone(),
            self.institution.clone(),
            role,
            purpose,
        ))
    }
}

/// The time of an action: the given day at noon, or now.
fn moment(at: Option<&str>) -> Result<DateTime<Utc>, Failure> {
    match at {
        None => Ok(Utc::now()),
        Some(s) => {
            let day = parse_date(s)?;
            Ok(Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default()))
        }
    }
}

fn existing_case(backend: &Backend, id: &str) -> Result<CaseId, Failure> {
    let case = parse_case(id)?;
    let stream = StreamId::for_case(case);
    if backend.store().stream_version(&stream)?.is_none() {
        return Err(Failure::input(
            format!("no case {id} in the store"),
            format!(
                "check the id; `{} report worklist --horizon 3650` lists open cases",
                crate::failure::me()
            ),
        ));
    }
    Ok(case)
}

/// `casework case read`: the history with personal data as the viewer may see it.
pub fn read(
    backend: &Backend,
    id: &str,
    viewer: &ViewerArgs,
    at: Option<&str>,
    policy: &Policy,
    format: crate::output::Format,
) -> Result<ExitCode, Failure> {
    let viewer = viewer.viewer()?;
    let case = existing_case(backend, id)?;
    let view = Cases::new(backend.store(), policy.clone()).read(case, &viewer, moment(at)?)?;
    backend.flush()?;
    let profile = view.state().registration().map(|r| r.profile.clone());
    if format == crate::output::Format::Json {
        let events: Vec<_> = view
            .events
            .iter()
            .map(|e| {
                let mut event = e.event.clone();
                let fields: Vec<_> = profile
                    .as_ref()
                    .map(|p| personal_values(&mut event, p))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(field, categories, shown)| {
                        serde_json::json!({"field": field, "categories": categories, "reads": shown})
                    })
                    .collect();
                serde_json::json!({
                    "version": e.version,
                    "at": e.event.at(),
                    "event": e.event.event_type(),
                    "personal": fields,
                })
            })
            .collect();
        crate::output::json(&serde_json::json!({
            "case": id,
            "viewer": viewer.to_string(),
            "events": events,
            "shown": view.disclosed.len(),
            "withheld": view.withheld,
            "logged_at": view.logged.map(|o| o.last_position),
        }))?;
        return Ok(ExitCode::SUCCESS);
    }
    say!("case {id} read by {viewer}");
    for e in &view.events {
        say!(
            "v{:<3} {}  {}",
            e.version,
            e.event.at().format("%Y-%m-%d"),
            e.event.event_type()
        );
        let Some(profile) = &profile else { continue };
        // the typed fields, as declared once in `access::PERSONAL_FIELDS`
        let mut event = e.event.clone();
        for (field, categories, shown) in personal_values(&mut event, profile) {
            let categories: Vec<String> = categories.iter().map(ToString::to_string).collect();
            say!("      {field} [{}]: {shown}", categories.join(", "));
        }
    }
    say!(
        "{} personal field(s) shown, {} withheld{}",
        view.disclosed.len(),
        view.withheld,
        match view.logged {
            Some(o) => format!(
                "; special-category read logged at position {}",
                o.last_position
            ),
            None => String::new(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `casework case subject-access`: the client's copy of their case, one JSON document.
pub fn subject_access(
    backend: &Backend,
    id: &str,
    user: &str,
    at: Option<&str>,
    policy: &Policy,
) -> Result<ExitCode, Failure> {
    let viewer = Viewer::new(user, "client", Role::Client, Purpose::CaseManagement);
    let case = existing_case(backend, id)?;
    let copy =
        Cases::new(backend.store(), policy.clone()).subject_access(case, &viewer, moment(at)?)?;
    backend.flush()?;
    crate::output::json(&copy)?;
    Ok(ExitCode::SUCCESS)
}

/// `casework erase`: record the erasure and destroy the case's data key.
pub fn erase(
    backend: &Backend,
    id: &str,
    by: &str,
    at: Option<&str>,
    policy: &Policy,
) -> Result<ExitCode, Failure> {
    let case = existing_case(backend, id)?;
    let (user, institution) = by.split_once('@').ok_or_else(|| {
        Failure::input(
            format!("{by:?} is not USER@INSTITUTION"),
            "name the coordinator who erases, e.g. --by k.meier@iiz",
        )
    })?;
    let coordinator = Actor::new(user, Role::Coordinator, institution);
    match Cases::new(backend.store(), policy.clone()).erase(case, &coordinator, moment(at)?) {
        Ok(done) => {
            backend.flush()?;
            match done.outcome {
                Some(o) => say!(
                    "case {id} erased: erasure recorded at position {}, data key destroyed; process facts and the hash chain remain",
                    o.last_position
                ),
                None => say!(
                    "case {id}: the erasure was recorded earlier; its data key is now destroyed"
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(RepoError::Rejected(e)) => {
            let hint = match e {
                CaseError::WrongPhase { .. } => "only a closed case can be erased: close it first",
                CaseError::Closure(casework_process::ClosureError::RetentionNotElapsed {
                    ..
                }) => "the policy's retention period has not passed yet",
                CaseError::Closure(casework_process::ClosureError::AlreadyErased) => {
                    "nothing left to do"
                }
                _ => "see the rule named above",
            };
            Err(Failure::input(
                format!("case {id} cannot be erased: {e}"),
                hint,
            ))
        }
        Err(RepoError::Store(e)) => Err(e.into()),
        Err(e) => Err(Failure::input(e.to_string(), "try again")),
    }
}

/// `casework access-log`: every read of special-category data, oldest first.
pub fn log(
    backend: &Backend,
    case: Option<&str>,
    format: crate::output::Format,
) -> Result<ExitCode, Failure> {
    let stream = case
        .map(|id| parse_case(id).map(StreamId::for_case))
        .transpose()?;
    let records = access_log(backend.store(), stream.as_ref())?;
    if format == crate::output::Format::Json {
        crate::output::json(&records)?;
        return Ok(ExitCode::SUCCESS);
    }
    say!(
        "{:<20}  {:<41}  {:<40}  fields",
        "when",
        "case",
        "who (role@institution for purpose)"
    );
    for r in &records {
        let fields: Vec<String> = r
            .disclosed
            .iter()
            .map(|d| {
                let cats: Vec<String> = d.categories.iter().map(ToString::to_string).collect();
                format!("v{} {} [{}]", d.version, d.field, cats.join(", "))
            })
            .collect();
        say!(
            "{:<20}  {:<41}  {:<40}  {}",
            r.at.format("%Y-%m-%d %H:%M:%S"),
            r.case_stream,
            r.viewer.to_string(),
            fields.join("; ")
        );
    }
    say!("{} special-category read(s)", records.len());
    Ok(ExitCode::SUCCESS)
}
