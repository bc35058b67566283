//! Properties of consent-scoped access over arbitrary command sequences: no viewer outside
//! the consent's scope ever sees personal data; after revocation nobody but the client
//! (and the institutions holding their own records) sees any; every special-category
//! read is in the access log exactly once.

use casework_case::CaseStream;
use std::collections::BTreeSet;

use casework_case::{access_log, case_codec, read_case};
use casework_process::access::Viewer;
use casework_process::*;
use casework_store::{EventStore, KeyArea, MemoryStore, Metadata, Repository, StreamId};
use casework_testkit::strategies::{steps, INSTITUTIONS, ROLES};
use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

fn stream() -> StreamId {
    StreamId::for_case(CaseId(Uuid::from_u128(7)))
}

fn viewer() -> impl Strategy<Value = Viewer> {
    let institutions: Vec<&str> = INSTITUTIONS
        .iter()
        .copied()
        .chain(["sozialamt", "jobcenter", "client"])
        .collect();
    (
        prop::sample::select(institutions),
        prop::sample::select(ROLES.to_vec()),
        prop::sample::select(vec![
            Purpose::CaseManagement,
            Purpose::ServiceDelivery,
            Purpose::BenefitDecision,
            Purpose::Audit,
        ]),
    )
        .prop_map(|(i, role, purpose)| Viewer::new("reader", i, role, purpose))
}

/// What the history itself says, read independently of `casework_process::access`.
struct Facts {
    scope: Option<ConsentScope>,
    revoked: bool,
    erased: bool,
    closed: bool,
    referrer: Option<InstitutionId>,
    problem_areas: BTreeSet<ProblemArea>,
    providers: Vec<(VoucherId, ProviderId)>,
}

fn facts(events: &[CaseEvent]) -> Facts {
    let mut f = Facts {
        scope: None,
        revoked: false,
        closed: false,
        erased: false,
        referrer: None,
        problem_areas: BTreeSet::new(),
        providers: Vec::new(),
    };
    for e in events {
        match e {
            CaseEvent::CaseRegistered {
                referrer, profile, ..
            } => {
                f.referrer = Some(referrer.clone());
                f.problem_areas = profile.problem_areas.clone();
            }
            CaseEvent::ConsentSigned { scope, .. } => f.scope = Some(scope.clone()),
            CaseEvent::ConsentRevoked { .. } => f.revoked = true,
            CaseEvent::CaseErased { .. } => f.erased = true,
            CaseEvent::CaseClosed { .. } => f.closed = true,
            CaseEvent::VoucherIssued {
                voucher, provider, ..
            } => f.providers.push((voucher.clone(), provider.clone())),
            _ => {}
        }
    }
    f
}

/// The oracle: may `viewer` see `field` of `event`?
fn allowed(f: &Facts, event: &CaseEvent, field: &str, viewer: &Viewer) -> bool {
    if f.erased {
        return false;
    }
    // the consent lapses at closure: audit reads only
    if f.closed && viewer.role != Role::Client && viewer.purpose != Purpose::Audit {
        return false;
    }
    if viewer.role == Role::Client {
        return true;
    }
    if let CaseEvent::FeedbackReceived { voucher, .. } = event {
        let own = f
            .providers
            .iter()
            .any(|(v, p)| v == voucher && p.as_str() == viewer.institution.as_str());
        if own && viewer.role == Role::Provider {
            return true;
        }
    }
    if field == "client" && f.referrer.as_ref() == Some(&viewer.institution) {
        return true;
    }
    let Some(scope) = &f.scope else { return false };
    if f.revoked {
        return false;
    }
    let mut needed = vec![];
    match field {
        "client" => needed.push(DataCategory::ProcessFacts),
        "scope/medical_release" => needed.push(DataCategory::Health),
        "report" | "notes" | "mandate/goals" | "minutes" | "note" => {
            needed.push(DataCategory::SituationReport);
            if f.problem_areas.contains(&ProblemArea::Health) {
                needed.push(DataCategory::Health);
            }
            if f.problem_areas.contains(&ProblemArea::Finances) {
                needed.push(DataCategory::Debts);
            }
        }
        "content" => needed.push(DataCategory::FeedbackContent),
        plan if plan.starts_with("plan/") => needed.push(DataCategory::ProcessFacts),
        other => panic!("unknown personal field {other}"),
    }
    scope.institutions.contains(&viewer.institution)
        && (f.closed || scope.purposes.contains(&viewer.purpose))
        && needed.iter().all(|c| scope.data.contains(c))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn no_viewer_outside_the_consent_sees_personal_data(
        steps in steps(),
        viewers in prop::collection::vec(viewer(), 1..4),
    ) {
        let clock = std::sync::Arc::new(casework_store::ManualClock::new(Utc::now()));
        let store = MemoryStore::with_clock(Box::new(clock.clone()));
        let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
        let policy = Policy::default();
        let mut now = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
        for step in &steps {
            now += Duration::days(step.days);
            clock.set(now);
            let actor = step.actor.clone();
            let ctx = Context::new(now, &actor, &policy);
            match repo.execute(&stream(), &step.cmd, &ctx, Metadata::default()) {
                Ok(_) | Err(casework_store::RepoError::Rejected(_)) => {}
                Err(e) => panic!("the store failed: {e}"),
            }
        }
        let key = store.data_key(&stream()).unwrap();
        let opened: Vec<CaseEvent> = store
            .read_stream_all(&stream())
            .unwrap()
            .iter()
            .map(|r| case_codec().decode_opened(r, key.as_ref()).unwrap())
            .collect();
        let f = facts(&opened);
        let mut special_reads = 0;
        for (i, viewer) in viewers.iter().enumerate() {
            let at = now + Duration::hours(i as i64 + 1);
            clock.set(at);
            let view = read_case(&store, &stream(), viewer, at, &Policy::default()).unwrap();
            for d in &view.disclosed {
                let event = &opened[d.version as usize - 1];
                prop_assert!(
                    allowed(&f, event, &d.field, viewer),
                    "{viewer} saw {} of {} (v{}) though the consent does not allow it",
                    d.field, event.event_type(), d.version
                );
            }
            // nothing withheld silently: each personal field is shown, withheld with a
            // reason, or was never there in clear (erased, or an empty option)
            let json = serde_json::to_string(
                &view.events.iter().map(|e| &e.event).collect::<Vec<_>>()
            ).unwrap();
            prop_assert_eq!(json.matches(r#""$personal":"withheld""#).count(), view.withheld);
            prop_assert_eq!(json.matches(r#""$personal":"sealed""#).count(), 0);
            if f.revoked {
                for d in &view.disclosed {
                    let own_record = viewer.role == Role::Client
                        || d.field == "client" && f.referrer.as_ref() == Some(&viewer.institution)
                        || d.field == "content";
                    prop_assert!(own_record, "after revocation {viewer} saw {}", d.field);
                }
            }
            // special categories always, and after closure every read but the client's
            let logged = view.disclosed.iter().any(|d| d.is_special())
                || (f.closed && viewer.role != Role::Client && !view.disclosed.is_empty());
            if logged {
                special_reads += 1;
                prop_assert!(view.logged.is_some());
            }
        }
        prop_assert_eq!(access_log(&store, Some(&stream())).unwrap().len(), special_reads);
    }
}

/// `check_store` (behind `casework verify`) names a ciphertext moved to another stream by
/// its field, still judges the invariants on the process facts, and counts erased cases.
#[test]
fn the_store_check_names_moved_personal_data_and_counts_erasures() {
    use casework_store::{DataKey, ExpectedVersion, NewEvent};
    use casework_testkit::conformance::canary_workload;
    let store = MemoryStore::new();
    let work = canary_workload(&store, 2);
    let clean = casework_testkit::check_store(&store).unwrap();
    assert!(clean.findings.is_empty(), "{:?}", clean.findings);
    assert_eq!(clean.erased, work.erased.len());

    let source = store.read_stream_all(&work.kept[0].stream).unwrap();
    let forged = StreamId::new("case-forged").unwrap();
    store
        .create_data_key(&forged, DataKey::generate(1))
        .unwrap();
    let copy = NewEvent::new(
        "CaseRegistered",
        1,
        source[0].effective_at,
        source[0].payload.to_vec(),
    );
    store
        .append(&forged, ExpectedVersion::NoStream, vec![copy])
        .unwrap();
    let checked = casework_testkit::check_store(&store).unwrap();
    let about_forged: Vec<_> = checked
        .findings
        .iter()
        .filter(|f| f.stream == forged)
        .collect();
    assert_eq!(about_forged.len(), 1, "{about_forged:?}");
    assert_eq!(about_forged[0].version, 1);
    assert!(
        about_forged[0]
            .detail
            .contains("personal data field client"),
        "{}",
        about_forged[0].detail
    );
}
