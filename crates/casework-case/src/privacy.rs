//! Data protection on top of a store: access-checked reads with an access log, and
//! erasure by crypto-shredding.
//!
//! - [`read_case`] reads a case for a [`Viewer`]: personal data the consent does not let
//!   the viewer see is withheld with the reason ([`casework_process::access`]), and every
//!   read that shows special-category data (health, addiction) is first recorded in the
//!   case's access-log stream (`access-<case uuid>`), an ordinary hash-chained stream. A
//!   read whose log entry cannot be written fails: there are no unlogged special reads.
//! - [`access_log`] returns those records, for one case or all.
//! - [`erase_case`] appends `CaseErased` (the process decides whether erasure is allowed:
//!   closed, retention passed) and then destroys the case's data key. Afterwards the
//!   case's personal data reads as erased everywhere, process facts and reports still
//!   work, and every hash chain still verifies. Run again after a crash between the two
//!   steps, it finishes the destruction.

use casework_core::fold;
use casework_process::access::{redact_event, Disclosure, Viewer};
use casework_process::{
    party, CaseCommand, CaseError, CaseEvent, CaseProcess, CaseState, Context, Party, Policy, Role,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::codec::case_codec;
use crate::CaseStream;
use casework_store::internals::read_with_key;
use casework_store::Codec;
use casework_store::KeyArea;
use casework_store::KeyState;
use casework_store::{check_effective_time, AuditError, StoreError};
use casework_store::{
    AppendOutcome, ExpectedVersion, GlobalPosition, Metadata, NewEvent, StreamId, Version,
};
use casework_store::{RepoError, Repository};

/// The event type of access-log entries.
pub const ACCESS_EVENT_TYPE: &str = "SpecialCategoryRead";

/// The prefix of access-log streams; the rest is the case stream's id without `case-`.
pub const ACCESS_STREAM_PREFIX: &str = "access-";

/// The access-log stream of a case stream (`case-<uuid>` → `access-<uuid>`).
pub fn access_stream(case_stream: &StreamId) -> Result<StreamId, StoreError> {
    StreamId::new(format!("{ACCESS_STREAM_PREFIX}{}", case_stream.case_key()))
}

/// One read of special-category data: who, what, when, for which purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// When the data was read (the caller's time, like every effective time).
    pub at: DateTime<Utc>,
    /// The case stream read.
    pub case_stream: StreamId,
    /// Who read, in which role, for which purpose.
    pub viewer: Viewer,
    /// The special-category fields shown.
    pub disclosed: Vec<Disclosure>,
}

/// One event of a case as a viewer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewedEvent {
    /// Its version in the case stream.
    pub version: Version,
    /// Its position in the global log.
    pub position: GlobalPosition,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (`user/role@institution`).
    pub actor: Option<String>,
    /// The event, with what the viewer may not see withheld.
    pub event: CaseEvent,
}

/// A case as a viewer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseView {
    /// The case stream.
    pub stream: StreamId,
    /// Its events, redacted for the viewer.
    pub events: Vec<ViewedEvent>,
    /// Every personal field shown (special or not).
    pub disclosed: Vec<Disclosure>,
    /// How many personal fields were withheld from the viewer.
    pub withheld: usize,
    /// Where the access-log entry of this read was written (`None`: no special data shown).
    pub logged: Option<AppendOutcome>,
}

impl CaseView {
    /// The case state folded from what the viewer sees (withheld fields stay withheld).
    pub fn state(&self) -> CaseState {
        fold::<CaseProcess, _>(self.events.iter().map(|e| &e.event))
    }
}

/// Reads case `stream` for `viewer` at time `at`: opens its personal data with the case's
/// key, withholds what the consent does not cover for the viewer, and logs every
/// special-category field shown before returning it. A viewer who is no party of the case
/// ([`casework_process::party`](mod@casework_process::party)) is refused ([`StoreError::Denied`]); nothing is read or
/// logged.
///
/// The viewer must be a valid identity and `at` may not precede the case's first event
/// nor lie after the store's clock by more than `policy`'s `clock_skew_minutes`
/// ([`StoreError::Audit`]; nothing is read or logged).
pub fn read_case<S: KeyArea + ?Sized>(
    store: &S,
    stream: &StreamId,
    viewer: &Viewer,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Result<CaseView, StoreError> {
    let actor = viewer.actor();
    actor
        .check()
        .map_err(|e| StoreError::Audit(AuditError::Actor(e)))?;
    let codec = case_codec();
    let (recorded, key) = read_with_key(store, stream)?;
    check_effective_time(
        stream,
        at,
        recorded.first().map(|e| e.effective_at),
        store.now(),
        policy.thresholds.clock_skew_minutes,
    )
    .map_err(StoreError::Audit)?;
    let events = recorded
        .iter()
        .map(|r| codec.decode_opened(r, key.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let state: CaseState = fold::<CaseProcess, _>(&events);
    // the relation must hold when the data is shown, now: a backdated read by a former
    // delegate or member would show today's history
    let today = policy.local_date(store.now());
    let party = party(&state, &actor, today, policy).map_err(|e| StoreError::Denied {
        stream: stream.clone(),
        reason: e.to_string(),
    })?;
    let mut view = CaseView {
        stream: stream.clone(),
        events: Vec::with_capacity(events.len()),
        disclosed: Vec::new(),
        withheld: 0,
        logged: None,
    };
    for (r, mut event) in recorded.iter().zip(events) {
        let redacted = redact_event(&state, &party, r.version, &mut event, viewer);
        view.disclosed.extend(redacted.shown);
        view.withheld += redacted.withheld;
        view.events.push(ViewedEvent {
            version: r.version,
            position: r.position,
            recorded_at: r.recorded_at,
            actor: r.metadata.actor.clone(),
            event,
        });
    }
    // after closure the consent has lapsed: every read of what is kept is logged
    let closed = matches!(state, CaseState::Closed(_));
    let special: Vec<Disclosure> = view
        .disclosed
        .iter()
        .filter(|d| d.is_special() || (closed && !matches!(party, Party::Client { .. })))
        .cloned()
        .collect();
    if !special.is_empty() {
        let record = AccessRecord {
            at,
            case_stream: stream.clone(),
            viewer: viewer.clone(),
            disclosed: special,
        };
        let payload =
            serde_json::to_vec(&record).map_err(|e| StoreError::Serialization(e.to_string()))?;
        let metadata = Metadata {
            actor: Some(actor.record()),
            ..Metadata::default()
        };
        let entry = NewEvent::new(ACCESS_EVENT_TYPE, 1, at, payload).with_metadata(metadata);
        view.logged =
            Some(store.append(&access_stream(stream)?, ExpectedVersion::Any, vec![entry])?);
    }
    Ok(view)
}

/// What a client receives on a subject access request (GDPR art. 15): their whole case,
/// every personal field in clear as far as it is not erased, and the access log of who read
/// which special-category or kept data of it, when and for which purpose. One JSON
/// document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectAccess {
    /// The case stream.
    pub case_stream: StreamId,
    /// When the copy was made (the request's time).
    pub at: DateTime<Utc>,
    /// Every event of the case, in order.
    pub events: Vec<SubjectEvent>,
    /// Every logged read of the case, this one included, oldest first.
    pub reads: Vec<AccessRecord>,
}

/// One event of a case as its client receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectEvent {
    /// Its version in the case stream.
    pub version: Version,
    /// When the store recorded it.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (`user/role@institution`).
    pub actor: Option<String>,
    /// The event, personal fields in clear (or `<erased>`).
    pub event: CaseEvent,
}

/// The subject access copy of case `stream` for `viewer` at `at`: only the case's client
/// (its subject) or legal representative receives it ([`StoreError::Denied`] for anyone
/// else, nothing read or logged). The read is logged like every read of special data, and
/// the copy's access log includes it.
pub fn subject_access<S: KeyArea + ?Sized>(
    store: &S,
    stream: &StreamId,
    viewer: &Viewer,
    at: DateTime<Utc>,
    policy: &Policy,
) -> Result<SubjectAccess, StoreError> {
    if viewer.role != Role::Client {
        return Err(StoreError::Denied {
            stream: stream.clone(),
            reason: format!(
                "a subject access copy goes to the client or its legal representative, not a {}",
                viewer.role
            ),
        });
    }
    let view = read_case(store, stream, viewer, at, policy)?;
    Ok(SubjectAccess {
        case_stream: stream.clone(),
        at,
        events: view
            .events
            .into_iter()
            .map(|e| SubjectEvent {
                version: e.version,
                recorded_at: e.recorded_at,
                actor: e.actor,
                event: e.event,
            })
            .collect(),
        reads: access_log(store, Some(stream))?,
    })
}

/// The access log: of one case (`Some(case stream)`) or of all cases, in log order.
pub fn access_log<S: KeyArea + ?Sized>(
    store: &S,
    case: Option<&StreamId>,
) -> Result<Vec<AccessRecord>, StoreError> {
    let streams = match case {
        Some(case) => vec![access_stream(case)?],
        None => store
            .list_streams()?
            .into_iter()
            .filter(|s| s.as_str().starts_with(ACCESS_STREAM_PREFIX))
            .collect(),
    };
    let mut entries = Vec::new();
    for stream in streams {
        for r in store.read_stream_all(&stream)? {
            if r.event_type != ACCESS_EVENT_TYPE {
                return Err(StoreError::UnknownEventType {
                    event_type: r.event_type,
                    stream: r.stream,
                    version: r.version,
                });
            }
            let record: AccessRecord =
                serde_json::from_slice(&r.payload).map_err(|e| StoreError::Corruption {
                    stream: r.stream.clone(),
                    version: r.version,
                    detail: format!("access-log entry is not a record: {e}"),
                })?;
            entries.push((r.position, record));
        }
    }
    entries.sort_by_key(|(position, _)| *position);
    Ok(entries.into_iter().map(|(_, record)| record).collect())
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// Where `CaseErased` was written (`None`: it was written by an earlier run, which
    /// did not get to destroy the key; this run did).
    pub outcome: Option<AppendOutcome>,
    /// When the key was destroyed.
    pub key_destroyed_at: DateTime<Utc>,
}

/// Erases a closed case: records `CaseErased` (rejected by the process unless the case
/// is closed and its retention period has passed) and destroys its data key, durably.
pub fn erase_case<S: KeyArea + ?Sized>(
    store: &S,
    stream: &StreamId,
    ctx: &Context<'_>,
    metadata: Metadata,
) -> Result<Erasure, RepoError<CaseError>> {
    let repo = Repository::<CaseProcess, S>::new(store, case_codec());
    // `execute` destroys the key itself once `CaseErased` is recorded
    let outcome = match repo.execute(stream, &CaseCommand::EraseCase, ctx, metadata) {
        Ok(done) => done.outcome,
        Err(RepoError::Rejected(CaseError::Closure(
            casework_process::ClosureError::AlreadyErased,
        ))) => {
            if matches!(store.data_key(stream)?, Some(KeyState::Destroyed { .. })) {
                return Err(RepoError::Rejected(CaseError::Closure(
                    casework_process::ClosureError::AlreadyErased,
                )));
            }
            // an earlier run recorded the erasure and stopped: finish it
            store.destroy_data_key(stream, ctx.now)?;
            None
        }
        Err(e) => return Err(e),
    };
    Ok(Erasure {
        outcome,
        key_destroyed_at: ctx.now,
    })
}

/// How a case stream stands with respect to erasure, for verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureStatus {
    /// Not erased; its personal data (if any) opens with its key.
    Live,
    /// Erased: `CaseErased` recorded and the key destroyed.
    Erased,
    /// `CaseErased` recorded but the key still exists: run the erasure again.
    KeyNotDestroyed,
    /// The key was destroyed but no `CaseErased` was recorded.
    KeyDestroyedWithoutErasure,
}

/// How a case stands with respect to erasure, from its events and its key-area entry.
pub fn erasure_status(events: &[CaseEvent], key: Option<&KeyState>) -> ErasureStatus {
    let erased = events
        .iter()
        .any(|e| matches!(e, CaseEvent::CaseErased { .. }));
    let destroyed = matches!(key, Some(KeyState::Destroyed { .. }));
    match (erased, destroyed) {
        (true, true) => ErasureStatus::Erased,
        (true, false) => ErasureStatus::KeyNotDestroyed,
        (false, true) => ErasureStatus::KeyDestroyedWithoutErasure,
        (false, false) => ErasureStatus::Live,
    }
}

/// Checks a case stream's erasure status and that every sealed field opens with its key
/// (a damaged or moved ciphertext is the error [`StoreError::Undecryptable`]).
pub fn check_case_privacy<S: KeyArea + ?Sized>(
    store: &S,
    stream: &StreamId,
    codec: &Codec<CaseEvent>,
) -> Result<ErasureStatus, StoreError> {
    let recorded = store.read_stream_all(stream)?;
    let key = store.data_key(stream)?;
    let events = recorded
        .iter()
        .map(|r| codec.decode_opened(r, key.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(erasure_status(&events, key.as_ref()))
}
