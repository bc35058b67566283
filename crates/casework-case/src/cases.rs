//! [`Cases`]: the case service an application embeds — one value that owns the store and
//! the policy, is cheap to clone and safe to share between threads, and offers one method
//! per use case.

use crate::CaseStream;
use std::sync::Arc;

use casework_core::Personal;
use casework_process::access::Viewer;
use casework_process::{
    Actor, CaseCommand, CaseError, CaseId, CaseProcess, CaseState, ClientDetails, Context,
    InstitutionId, Policy, Profile, SubjectId,
};
use chrono::{DateTime, Utc};

use crate::codec::case_codec;
use crate::privacy::{erase_case, read_case, subject_access, CaseView, Erasure, SubjectAccess};
use casework_store::Store;
use casework_store::StoreError;
use casework_store::{AsOf, ExecuteResult, RepoError, Repository};
use casework_store::{Metadata, RecordedEvent, StreamId};

/// The case service: the store, the deployment's policy and the case codec behind one
/// handle. Clones share them (`Arc`), so a web handler or a worker thread takes its own.
///
/// ```
/// use casework_process::{
///     Actor, ClientDetails, Gender, Policy, ProblemArea, Profile, Role, SubjectId,
/// };
/// use casework_case::Cases;
/// use casework_store::{EventStore, MemoryStore};
///
/// let cases = Cases::new(MemoryStore::new(), Policy::default());
/// let referrer = Actor::new("s.keller", Role::Referrer, "sozialamt");
/// let at = chrono::DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").unwrap().to_utc();
/// let profile = Profile::new(34, Gender::Female, "west")
///     .problems([ProblemArea::Health, ProblemArea::Finances]);
/// let (case, state) = cases
///     .register(&referrer, at, ClientDetails::named("Maria Muster"), SubjectId::new("p-4711"), profile)
///     .unwrap();
/// assert_eq!(cases.load(case).unwrap(), state);
/// assert!(cases.store().verify_all().unwrap().is_empty());
/// ```
pub struct Cases<S> {
    inner: Arc<Inner<S>>,
}

struct Inner<S> {
    store: S,
    policy: Policy,
}

impl<S> Clone for Cases<S> {
    fn clone(&self) -> Self {
        Cases {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S: Store> Cases<S> {
    /// A service over `store` deciding under `policy`.
    pub fn new(store: S, policy: Policy) -> Self {
        Cases {
            inner: Arc::new(Inner { store, policy }),
        }
    }

    /// The store (to verify, export, subscribe, report).
    pub fn store(&self) -> &S {
        &self.inner.store
    }

    /// The policy commands are decided under.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    fn repo(&self) -> Repository<'_, CaseProcess, S> {
        Repository::new(&self.inner.store, case_codec())
    }

    /// Registers a new client for `by`'s institution at `at`; makes the case id (UUID v7)
    /// and returns it with the new state. `subject` is the client's pseudonym as a party of
    /// the case: the user id under which the client signs, revokes and reads (role client).
    pub fn register(
        &self,
        by: &Actor,
        at: DateTime<Utc>,
        client: ClientDetails,
        subject: SubjectId,
        profile: Profile,
    ) -> Result<(CaseId, CaseState), RepoError<CaseError>> {
        let case = CaseId(uuid::Uuid::now_v7());
        let command = CaseCommand::RegisterCase {
            case_id: case,
            referrer: InstitutionId::new(by.institution.as_str()),
            client: Personal::new(client),
            subject,
            representative: None,
            profile,
        };
        let done = self.execute(case, by, at, &command)?;
        Ok((case, done.state))
    }

    /// Decides `command` for `case` as `by` at `at` and appends its events (load → decide
    /// → append with the loaded version, retried on conflicts); the audit fields are
    /// checked first.
    pub fn execute(
        &self,
        case: CaseId,
        by: &Actor,
        at: DateTime<Utc>,
        command: &CaseCommand,
    ) -> ExecuteResult<CaseProcess> {
        let ctx = Context::new(at, by, &self.inner.policy);
        self.repo().execute(
            &StreamId::for_case(case),
            command,
            &ctx,
            Metadata::default(),
        )
    }

    /// Like [`Cases::execute`], at most once per `idempotency_key`: a retry returns the
    /// first outcome and appends nothing ([`Repository::execute_idempotent`]).
    pub fn execute_once(
        &self,
        case: CaseId,
        idempotency_key: &str,
        by: &Actor,
        at: DateTime<Utc>,
        command: &CaseCommand,
    ) -> ExecuteResult<CaseProcess> {
        let ctx = Context::new(at, by, &self.inner.policy);
        self.repo().execute_idempotent(
            &StreamId::for_case(case),
            idempotency_key,
            command,
            &ctx,
            Metadata::default(),
        )
    }

    /// Like [`Cases::execute`], but only if the case's stream is exactly at version
    /// `expected` (`None`: no case yet): a conflict is [`StoreError::Conflict`] and nothing
    /// is written ([`Repository::execute_expecting`]).
    pub fn execute_expecting(
        &self,
        case: CaseId,
        expected: Option<casework_store::Version>,
        by: &Actor,
        at: DateTime<Utc>,
        command: &CaseCommand,
    ) -> ExecuteResult<CaseProcess> {
        let ctx = Context::new(at, by, &self.inner.policy);
        self.repo().execute_expecting(
            &StreamId::for_case(case),
            expected,
            command,
            &ctx,
            Metadata::default(),
        )
    }

    /// The case's state and the version it was folded to (`None`: no such case).
    pub fn load_versioned(
        &self,
        case: CaseId,
    ) -> Result<(CaseState, Option<casework_store::Version>), StoreError> {
        let loaded = self.repo().load(&StreamId::for_case(case))?;
        Ok((loaded.state, loaded.version))
    }

    /// The case as it is now, personal fields sealed: the state commands are decided on
    /// and [`Cases::execute`] returns ([`Repository::load`]); no key is read.
    pub fn load(&self, case: CaseId) -> Result<CaseState, StoreError> {
        Ok(self.repo().load(&StreamId::for_case(case))?.state)
    }

    /// The case as it is now with its personal fields opened (erased ones read as
    /// erased): for a reader entitled to all of them. A viewer whose consent covers only
    /// some fields reads through [`Cases::read`] instead.
    pub fn load_opened(&self, case: CaseId) -> Result<CaseState, StoreError> {
        Ok(self.repo().load_opened(&StreamId::for_case(case))?.state)
    }

    /// The case as it was at a position, or as of an effective or recorded time
    /// (personal fields sealed, as [`Cases::load`]).
    pub fn load_as_of(&self, case: CaseId, as_of: AsOf) -> Result<CaseState, StoreError> {
        Ok(self
            .repo()
            .load_as_of(&StreamId::for_case(case), as_of)?
            .state)
    }

    /// The case's history with the personal data `viewer` may see at `at`; reads of
    /// special-category data are logged first ([`read_case`]).
    pub fn read(
        &self,
        case: CaseId,
        viewer: &Viewer,
        at: DateTime<Utc>,
    ) -> Result<CaseView, StoreError> {
        read_case(
            &self.inner.store,
            &StreamId::for_case(case),
            viewer,
            at,
            &self.inner.policy,
        )
    }

    /// The client's subject access copy of the case (GDPR art. 15): the whole case with
    /// its personal data and the access log of who read it; only for the case's client or
    /// legal representative (`viewer` in the client role), logged ([`subject_access`]).
    pub fn subject_access(
        &self,
        case: CaseId,
        viewer: &Viewer,
        at: DateTime<Utc>,
    ) -> Result<SubjectAccess, StoreError> {
        subject_access(
            &self.inner.store,
            &StreamId::for_case(case),
            viewer,
            at,
            &self.inner.policy,
        )
    }

    /// The case's stored events: who did what when (payloads as stored).
    pub fn history(&self, case: CaseId) -> Result<Vec<RecordedEvent>, StoreError> {
        self.inner.store.read_stream_all(&StreamId::for_case(case))
    }

    /// Erases a closed case: records the erasure and destroys its data key.
    pub fn erase(
        &self,
        case: CaseId,
        by: &Actor,
        at: DateTime<Utc>,
    ) -> Result<Erasure, RepoError<CaseError>> {
        let ctx = Context::new(at, by, &self.inner.policy);
        erase_case(
            &self.inner.store,
            &StreamId::for_case(case),
            &ctx,
            Metadata::default(),
        )
    }
}
