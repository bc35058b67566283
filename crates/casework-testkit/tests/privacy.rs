//! Properties of the access rules over arbitrary command sequences, checked against an
//! oracle that reads the history itself and restates the rules of ADR 0016 (who is a party
//! of a case, what each party needs to know, what the consent covers) without calling
//! `casework_process::party` or `casework_process::access`:
//!
//! - a viewer who is no party of the case is refused the whole read; a party sees no
//!   personal field the rules do not give it;
//! - after revocation nobody but the client (and the parties holding their own records)
//!   sees any; every special-category read is in the access log exactly once;
//! - a command of an actor who is no party is refused with the party rule and records
//!   nothing, and a party is never refused by that rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_case::CaseStream;
use std::collections::BTreeSet;

use casework_case::{access_log, case_codec, read_case};
use casework_process::access::Viewer;
use casework_process::*;
use casework_store::{
    EventStore, KeyArea, MemoryStore, Metadata, RepoError, Repository, StoreError, StreamId,
};
use casework_testkit::strategies::{steps, INSTITUTIONS, ROLES};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

fn stream() -> StreamId {
    StreamId::for_case(CaseId(Uuid::from_u128(7)))
}

const PURPOSES: [Purpose; 4] = [
    Purpose::CaseManagement,
    Purpose::ServiceDelivery,
    Purpose::BenefitDecision,
    Purpose::Audit,
];

/// Who reads or acts: half the time one of the people the generated histories know, in
/// their own role and institution (so that parties are frequent), otherwise any user in
/// any role of any institution (strangers, roles that are not theirs).
fn someone() -> impl Strategy<Value = Viewer> {
    let known = prop::sample::select(vec![
        ("client", "client", Role::Client),
        ("k.meier", "iiz", Role::Coordinator),
        ("r.huber", "rav", Role::Specialist),
        // members and delegates claiming a role that is not theirs
        ("r.huber", "rav", Role::Coordinator),
        ("u", "prov-a", Role::Coordinator),
        ("u", "prov-a", Role::Specialist),
        ("k.meier", "rav", Role::Coordinator),
        ("u.iv", "rav", Role::Specialist),
        ("u", "prov-a", Role::Caseworker),
        ("u", "prov-b", Role::Provider),
        ("p.wolf", "prov-a", Role::Provider),
        ("s.berger", "sozialamt", Role::Referrer),
        ("t.lead", "sozialamt", Role::Coordinator),
        ("m.lang", "iiz", Role::Manager),
        ("a.roth", "iiz", Role::Auditor),
        ("a.roth", "revision", Role::Auditor),
    ]);
    let institutions: Vec<&str> = INSTITUTIONS
        .iter()
        .copied()
        .chain(["sozialamt", "jobcenter", "client"])
        .collect();
    let users = vec![
        "client", "k.meier", "r.huber", "u.iv", "u", "p.wolf", "s.berger", "reader",
    ];
    let any = (
        prop::sample::select(users),
        prop::sample::select(institutions),
        prop::sample::select(ROLES.to_vec()),
    );
    (
        prop_oneof![known, any],
        prop::sample::select(PURPOSES.to_vec()),
    )
        .prop_map(|((u, i, role), purpose)| Viewer::new(u, i, role, purpose))
}

/// A delegation as the history records it.
struct Delegated {
    delegate: UserId,
    institution: InstitutionId,
    measures: Vec<MeasureId>,
    from: DateTime<Utc>,
    until: NaiveDate,
}

/// What the history itself says, read independently of `casework_process::access`.
#[derive(Default)]
struct Facts {
    registered: bool,
    subject: Option<String>,
    representative: Option<String>,
    scope: Option<ConsentScope>,
    revoked: bool,
    erased: bool,
    closed: bool,
    referrer: Option<InstitutionId>,
    problem_areas: BTreeSet<ProblemArea>,
    providers: Vec<(VoucherId, ProviderId)>,
    /// The coordinator (user, institution), once a team is formed.
    coordinator: Option<(UserId, InstitutionId)>,
    members: Vec<(UserId, InstitutionId)>,
    delegation: Option<Delegated>,
}

fn facts(events: &[CaseEvent]) -> Facts {
    let mut f = Facts::default();
    for e in events {
        match e {
            CaseEvent::CaseRegistered {
                referrer,
                profile,
                subject,
                representative,
                ..
            } => {
                f.registered = true;
                f.referrer = Some(referrer.clone());
                f.problem_areas = profile.problem_areas.clone();
                f.subject = subject.as_ref().map(ToString::to_string);
                f.representative = representative.as_ref().map(ToString::to_string);
            }
            CaseEvent::ConsentSigned { scope, .. } => f.scope = Some(scope.clone()),
            CaseEvent::ConsentRevoked { .. } => f.revoked = true,
            CaseEvent::CaseErased { .. } => f.erased = true,
            CaseEvent::CaseClosed { .. } => f.closed = true,
            CaseEvent::VoucherIssued {
                voucher, provider, ..
            } => f.providers.push((voucher.clone(), provider.clone())),
            CaseEvent::TeamFormed {
                coordinator,
                coordinator_institution,
                members,
                ..
            } => {
                f.coordinator = Some((coordinator.clone(), coordinator_institution.clone()));
                f.members = members
                    .iter()
                    .map(|m| (m.user.clone(), m.institution.clone()))
                    .collect();
            }
            CaseEvent::MemberJoined { member, .. } => f
                .members
                .push((member.user.clone(), member.institution.clone())),
            CaseEvent::MemberLeft { user, .. } => f.members.retain(|(u, _)| u != user),
            CaseEvent::CoordinationHandedOver {
                to, institution, ..
            } => {
                f.members.retain(|(u, _)| u != to);
                f.coordinator = Some((to.clone(), institution.clone()));
            }
            CaseEvent::CaseManagementDelegated {
                at,
                delegate,
                institution,
                measures,
                until,
            } => {
                f.delegation = Some(Delegated {
                    delegate: delegate.clone(),
                    institution: institution.clone(),
                    measures: measures.clone(),
                    from: *at,
                    until: *until,
                })
            }
            CaseEvent::DelegationEnded { .. } => f.delegation = None,
            _ => {}
        }
    }
    f
}

/// The relation of the oracle, as ADR 0016's table states it.
#[derive(Debug, Clone, PartialEq)]
enum Who {
    Client,
    Coordinator,
    Member,
    Delegate(Vec<MeasureId>),
    Provider(Vec<VoucherId>),
    Referrer,
    Intake,
    Manager,
    Auditor,
}

/// Who `actor` is to the case on `at` (`None`: no party).
fn who(f: &Facts, actor: &Actor, at: DateTime<Utc>, policy: &Policy) -> Option<Who> {
    if !f.registered {
        return None;
    }
    let me = (actor.user.clone(), actor.institution.clone());
    let member = f.members.contains(&me);
    let day = policy.local_date(at);
    let delegate = f
        .delegation
        .as_ref()
        .filter(|d| {
            !f.closed
                && (&d.delegate, &d.institution) == (&me.0, &me.1)
                && day >= policy.local_date(d.from)
                && day <= d.until
        })
        .map(|d| Who::Delegate(d.measures.clone()));
    let in_team = if member { Some(Who::Member) } else { delegate };
    let named = |i: &InstitutionId| f.scope.as_ref().is_some_and(|s| s.institutions.contains(i));
    let intake = (f.coordinator.is_none()
        && (f.referrer.as_ref() == Some(&actor.institution) || named(&actor.institution)))
    .then_some(Who::Intake);
    match actor.role {
        Role::Client => [&f.subject, &f.representative]
            .into_iter()
            .flatten()
            .any(|s| s == actor.user.as_str())
            .then_some(Who::Client),
        // a member or delegate never acts as the coordinator
        Role::Coordinator => match &f.coordinator {
            Some(c) if *c == me => Some(Who::Coordinator),
            Some(_) => None,
            None => intake,
        },
        Role::Specialist => in_team,
        Role::Caseworker => in_team.or(intake),
        Role::Provider => {
            let own: Vec<VoucherId> = f
                .providers
                .iter()
                .filter(|(_, p)| p.as_str() == actor.institution.as_str())
                .map(|(v, _)| v.clone())
                .collect();
            if own.is_empty() {
                in_team
            } else {
                Some(Who::Provider(own))
            }
        }
        Role::Referrer => {
            (f.referrer.as_ref() == Some(&actor.institution)).then_some(Who::Referrer)
        }
        Role::Manager => {
            let ok = match &f.coordinator {
                Some((_, i)) => {
                    *i == actor.institution
                        || f.members.iter().any(|(_, m)| *m == actor.institution)
                }
                None => f.referrer.as_ref() == Some(&actor.institution),
            };
            ok.then_some(Who::Manager)
        }
        Role::Auditor => policy
            .process
            .audit_bodies
            .contains(&actor.institution)
            .then_some(Who::Auditor),
    }
}

/// The oracle: may `viewer`, who is `w` to the case, see `field` of `event`?
fn allowed(f: &Facts, w: &Who, event: &CaseEvent, field: &str, viewer: &Viewer) -> bool {
    if f.erased {
        return false;
    }
    // the consent lapses at closure: audit reads only
    if f.closed && *w != Who::Client && viewer.purpose != Purpose::Audit {
        return false;
    }
    if *w == Who::Auditor && viewer.purpose != Purpose::Audit {
        return false;
    }
    let registration = matches!(event, CaseEvent::CaseRegistered { .. });
    // what each party needs to know; `Some(b)`: decided without the consent
    let own: Option<bool> = match w {
        Who::Client => Some(true),
        Who::Manager => Some(false),
        Who::Referrer => Some(registration),
        Who::Intake => {
            (!(registration || matches!(event, CaseEvent::MandateRecorded { .. }))).then_some(false)
        }
        Who::Provider(vouchers) => match event {
            CaseEvent::FeedbackReceived { voucher, .. } if vouchers.contains(voucher) => Some(true),
            CaseEvent::CaseRegistered { .. } => None,
            _ => Some(false),
        },
        Who::Delegate(measures) if !measures.is_empty() => {
            let covered = match event {
                CaseEvent::CaseRegistered { .. } => true,
                CaseEvent::ProgressRecorded {
                    on: ProgressOn::Measure(m),
                    ..
                } => measures.contains(m),
                CaseEvent::PlanAgreed { plan, .. } | CaseEvent::PlanRevised { plan, .. } => {
                    let parts: Vec<&str> = field.split('/').collect();
                    match parts.as_slice() {
                        ["plan", "measures", i, _] => i
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| plan.measures.get(i))
                            .is_some_and(|m| measures.contains(&m.id)),
                        _ => false,
                    }
                }
                _ => false,
            };
            (!covered).then_some(false)
        }
        _ => None,
    };
    if let Some(own) = own {
        return own;
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

/// The default policy with the iiz's internal audit as an audit body.
fn audited() -> Policy {
    let mut policy = Policy::default();
    policy.process.audit_bodies = vec![InstitutionId::new("iiz")];
    policy
}

/// Plays `steps` into a fresh store; returns the store, its clock and the last time.
fn play(
    steps: &casework_testkit::strategies::Steps,
) -> (
    MemoryStore,
    std::sync::Arc<casework_store::ManualClock>,
    DateTime<Utc>,
) {
    let clock = std::sync::Arc::new(casework_store::ManualClock::new(Utc::now()));
    let store = MemoryStore::with_clock(Box::new(clock.clone()));
    let policy = audited();
    let mut now = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    {
        let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
        for step in steps {
            now += Duration::days(step.days);
            clock.set(now);
            let actor = step.actor.clone();
            let ctx = Context::new(now, &actor, &policy);
            match repo.execute(&stream(), &step.cmd, &ctx, Metadata::default()) {
                Ok(_) | Err(RepoError::Rejected(_)) => {}
                Err(e) => panic!("the store failed: {e}"),
            }
        }
    }
    (store, clock, now)
}

fn opened(store: &MemoryStore) -> Vec<CaseEvent> {
    let key = store.data_key(&stream()).unwrap();
    store
        .read_stream_all(&stream())
        .unwrap()
        .iter()
        .map(|r| case_codec().decode_opened(r, key.as_ref()).unwrap())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn no_viewer_outside_the_consent_sees_personal_data(
        steps in steps(),
        viewers in prop::collection::vec((someone(), 0i64..60), 1..6),
    ) {
        let (store, clock, now) = play(&steps);
        let opened = opened(&store);
        let f = facts(&opened);
        let policy = audited();
        let mut special_reads = 0;
        let first = opened.first().map(CaseEvent::at);
        for (i, (viewer, back)) in viewers.iter().enumerate() {
            let now = now + Duration::hours(i as i64 + 1);
            clock.set(now);
            // the read may name an earlier day (backdated); the relation is the one of
            // today, when the data is shown
            let at = first.map_or(now, |first| (now - Duration::days(*back)).max(first));
            let read = read_case(&store, &stream(), viewer, at, &policy);
            let Some(w) = who(&f, &viewer.actor(), now, &policy) else {
                prop_assert!(
                    matches!(read, Err(StoreError::Denied { .. })),
                    "{viewer} is no party of the case, yet the read gave {read:?}"
                );
                continue;
            };
            let view = match read {
                Ok(view) => view,
                Err(e) => return Err(TestCaseError::fail(format!("{viewer} ({w:?}) was refused: {e}"))),
            };
            for d in &view.disclosed {
                let event = &opened[d.version as usize - 1];
                prop_assert!(
                    allowed(&f, &w, event, &d.field, viewer),
                    "{viewer} ({w:?}) saw {} of {} (v{}) though the rules do not allow it",
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
                    let own_record = w == Who::Client
                        || d.field == "client" && w == Who::Referrer
                        || d.field == "content" && matches!(w, Who::Provider(_));
                    prop_assert!(own_record, "after revocation {viewer} saw {}", d.field);
                }
            }
            // special categories always, and after closure every read but the client's
            let logged = view.disclosed.iter().any(|d| d.is_special())
                || (f.closed && w != Who::Client && !view.disclosed.is_empty());
            if logged {
                special_reads += 1;
                prop_assert!(view.logged.is_some());
            }
        }
        prop_assert_eq!(access_log(&store, Some(&stream())).unwrap().len(), special_reads);
    }

    /// A command of someone who is no party of the case is refused by the party rule and
    /// records nothing; a party is never refused by it. The gates before it (role, a case
    /// to act on, the consent a command needs) decide first.
    #[test]
    fn only_the_parties_of_a_case_act_on_it(
        steps in steps(),
        tries in prop::collection::vec((someone(), 0usize..64), 1..6),
    ) {
        let (store, clock, now) = play(&steps);
        let policy = audited();
        let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
        let commands: Vec<CaseCommand> = steps.iter().map(|s| s.cmd.clone()).collect();
        for (i, (someone, pick)) in tries.iter().enumerate() {
            let Some(cmd) = commands.get(pick % commands.len().max(1)) else { break };
            let actor = someone.actor();
            let at = now + Duration::hours(i as i64 + 1);
            clock.set(at);
            let before = store.read_stream_all(&stream()).unwrap().len();
            let f = facts(&opened(&store));
            let state = repo.load(&stream()).unwrap().state;
            let consent_ok = !command_rule(cmd).needs_consent
                || matches!(state, CaseState::Closed(_))
                || state.consent_active();
            let gated = f.registered
                && !matches!(cmd, CaseCommand::RegisterCase { .. })
                && permitted_roles(cmd).contains(&actor.role)
                && consent_ok;
            let party = who(&f, &actor, at, &policy);
            let ctx = Context::new(at, &actor, &policy);
            let result = repo.execute(&stream(), cmd, &ctx, Metadata::default());
            let by_party_rule = matches!(result, Err(RepoError::Rejected(CaseError::NotAParty(_))));
            prop_assert_eq!(
                by_party_rule,
                gated && party.is_none(),
                "{} by {} ({:?}): {:?}", cmd.name(), actor.record(), party, result.as_ref().err()
            );
            if result.is_err() {
                prop_assert_eq!(store.read_stream_all(&stream()).unwrap().len(), before);
            }
        }
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

/// A read names its day (`at`), which may lie in the past; the relation that lets the
/// reader see the case is the one of today, when the data is shown: a former delegate
/// who names a day of its delegation reads nothing of today's case.
#[test]
fn a_former_delegate_reads_nothing_by_naming_a_day_of_its_delegation() {
    use casework_testkit::world::*;
    let w = World::default();
    let clock = std::sync::Arc::new(casework_store::ManualClock::new(day(0)));
    let store = MemoryStore::with_clock(Box::new(clock.clone()));
    let repo = Repository::<CaseProcess, _>::new(&store, case_codec());
    let case = StreamId::for_case(case_id());
    let delegate = Actor::new("p.wolf", Role::Specialist, PROVIDER);
    let steps = [
        (&w.referrer, 0, register()),
        (&w.client, 1, sign_consent()),
        (&w.coordinator, 3, form_team()),
        (&w.coordinator, 10, assess(AssessmentOutcome::RoundTable)),
        (&w.coordinator, 20, agree_plan(date(20))),
        (
            &w.coordinator,
            21,
            CaseCommand::DelegateCaseManagement {
                delegate: delegate.user.clone(),
                institution: delegate.institution.clone(),
                measures: vec![],
                until: date(60),
            },
        ),
    ];
    for (actor, d, cmd) in steps {
        clock.set(day(d));
        repo.execute(
            &case,
            &cmd,
            &Context::new(day(d), actor, &w.policy),
            Metadata::default(),
        )
        .unwrap();
    }
    let viewer = Viewer::new(
        "p.wolf",
        PROVIDER,
        Role::Specialist,
        Purpose::CaseManagement,
    );
    // during the delegation the delegate reads the case
    clock.set(day(50));
    assert!(read_case(&store, &case, &viewer, day(50), &w.policy).is_ok());
    // after it, naming a day of it opens nothing, and nothing is logged
    clock.set(day(120));
    let logged = access_log(&store, Some(&case)).unwrap().len();
    let read = read_case(&store, &case, &viewer, day(50), &w.policy);
    assert!(matches!(read, Err(StoreError::Denied { .. })), "{read:?}");
    assert_eq!(access_log(&store, Some(&case)).unwrap().len(), logged);
}
