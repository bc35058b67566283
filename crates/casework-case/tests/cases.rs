//! The embedding API, [`Cases`], used as an application would: register, decide, retry,
//! read, erase; over a store the service owns, one it borrows, and one chosen at run time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::Cases;
use casework_process::access::Viewer;
use casework_process::{
    Actor, AdmissionDecision, CaseCommand, CaseError, ClientDetails, Gender, PhaseName, Policy,
    ProblemArea, Profile, Purpose, Role,
};
use casework_store::{MemoryStore, RepoError, Store, StoreError};
use chrono::{DateTime, TimeZone, Utc};

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 9, 0, 0).unwrap()
}

fn profile() -> Profile {
    Profile::new(41, Gender::Male, "west").problems([ProblemArea::Health, ProblemArea::Finances])
}

fn register<S: Store>(cases: &Cases<S>) -> casework_process::CaseId {
    let referrer = Actor::referrer("s.keller", "sozialamt");
    let (case, state) = cases
        .register(
            &referrer,
            at(2),
            ClientDetails::named("Jonas Beispiel"),
            casework_process::SubjectId::new("p-jonas"),
            profile(),
        )
        .unwrap();
    assert_eq!(state.phase_name(), PhaseName::Registered);
    case
}

#[test]
fn a_registered_case_loads_with_its_history() {
    let cases = Cases::new(MemoryStore::new(), Policy::default());
    let case = register(&cases);
    assert_eq!(
        cases.load(case).unwrap().phase_name(),
        PhaseName::Registered
    );
    let history = cases.history(case).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].event_type, "CaseRegistered");
    let (_, version) = cases.load_versioned(case).unwrap();
    assert_eq!(version, Some(1));
}

#[test]
fn a_refused_command_names_the_rule_and_appends_nothing() {
    let cases = Cases::new(MemoryStore::new(), Policy::default());
    let case = register(&cases);
    let coordinator = Actor::coordinator("k.meier", "iiz");
    let err = cases
        .execute(case, &coordinator, at(3), &CaseCommand::RevokeConsent)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Rejected(CaseError::ConsentRequired {
                command: "RevokeConsent"
            })
        ),
        "{err}"
    );
    let auditor = Actor::new("a.roth", Role::Auditor, "revision");
    let err = cases
        .execute(case, &auditor, at(3), &CaseCommand::RevokeConsent)
        .unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Rejected(CaseError::NotPermitted {
                role: Role::Auditor,
                ..
            })
        ),
        "{err}"
    );
    assert_eq!(
        cases.history(case).unwrap().len(),
        1,
        "nothing was appended"
    );
}

#[test]
fn a_retried_command_is_decided_once() {
    let cases = Cases::new(MemoryStore::new(), Policy::default());
    let case = register(&cases);
    // before the consent the case is the referring office's alone: its intake decides
    let coordinator = Actor::coordinator("t.lead", "sozialamt");
    let admit = CaseCommand::DecideAdmission {
        decision: AdmissionDecision::Admitted,
    };
    let first = cases
        .execute_once(case, "admit-1", &coordinator, at(3), &admit)
        .unwrap();
    let retry = cases
        .execute_once(case, "admit-1", &coordinator, at(3), &admit)
        .unwrap();
    assert_eq!(first.events, retry.events);
    assert_eq!(cases.history(case).unwrap().len(), 2);
    // the same command under a new key is decided again, and refused
    let err = cases
        .execute_once(case, "admit-2", &coordinator, at(4), &admit)
        .unwrap_err();
    assert!(
        matches!(err, RepoError::Rejected(CaseError::Intake(_))),
        "{err}"
    );
}

#[test]
fn the_service_works_on_a_borrowed_store_and_on_one_chosen_at_run_time() {
    let store = MemoryStore::new();
    let case = {
        let cases = Cases::new(&store, Policy::default());
        register(&cases)
    };
    // the caller kept the store: a second service over it sees the case
    let boxed: Box<dyn Store> = Box::new(store);
    let cases = Cases::new(boxed, Policy::default());
    assert_eq!(
        cases.load(case).unwrap().phase_name(),
        PhaseName::Registered
    );
    assert!(cases.store().verify_all().unwrap().is_empty());
}

#[test]
fn an_open_case_cannot_be_erased_and_a_read_is_scoped() {
    let cases = Cases::new(MemoryStore::new(), Policy::default());
    let case = register(&cases);
    let coordinator = Actor::coordinator("t.lead", "sozialamt");
    let err = cases.erase(case, &coordinator, at(5)).unwrap_err();
    assert!(
        matches!(
            err,
            RepoError::Rejected(CaseError::WrongPhase {
                actual: PhaseName::Registered,
                ..
            })
        ),
        "{err}"
    );
    // without consent, an institution that did not register the case is no party of it:
    // the read is refused as a whole and leaves no trace
    let viewer = Viewer::new(
        "j.doe",
        "jobcenter",
        Role::Caseworker,
        Purpose::CaseManagement,
    );
    let err = cases.read(case, &viewer, at(5)).unwrap_err();
    assert!(
        matches!(&err, StoreError::Denied { reason, .. } if reason.contains("jobcenter")),
        "{err}"
    );
    assert!(casework_case::access_log(cases.store(), None)
        .unwrap()
        .is_empty());
    // nor is a stranger who claims the client role
    let stranger = Viewer::new("p-other", "client", Role::Client, Purpose::CaseManagement);
    assert!(matches!(
        cases.read(case, &stranger, at(5)),
        Err(StoreError::Denied { .. })
    ));
    // the client reads their own case whole
    let client = Viewer::new("p-jonas", "client", Role::Client, Purpose::CaseManagement);
    let view = cases.read(case, &client, at(5)).unwrap();
    assert_eq!(view.withheld, 0);
    assert!(!view.disclosed.is_empty());
    // the referring institution sees the client details it registered
    let referrer = Viewer::new(
        "s.keller",
        "sozialamt",
        Role::Referrer,
        Purpose::CaseManagement,
    );
    let view = cases.read(case, &referrer, at(5)).unwrap();
    assert!(
        !view.disclosed.is_empty(),
        "the referrer sees what it registered"
    );
}
