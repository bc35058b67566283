//! An application service that uses casework with a sled store: register, consent, team,
//! assessment, plan, vouchers, feedback, closure — and what happens when two clerks
//! decide on the same case at once.
//!
//! Run: `cargo run --example embed_in_app`

use casework::case::CaseStream;
use casework::case::{case_codec, Cases};
use casework::core::*;
use casework::process::*;
use casework::sled::SledStore;
use casework::store::{
    EventStore, ExpectedVersion, Metadata, RepoError, Repository, StoreError, StreamId,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

/// One use case of the application: a command through the case service (load → decide →
/// append with the loaded version, retry on conflict), answering with the new state.
fn handle(
    app: &Cases<SledStore>,
    case: CaseId,
    at: DateTime<Utc>,
    actor: &Actor,
    cmd: CaseCommand,
) -> Result<CaseState, RepoError<CaseError>> {
    Ok(app.execute(case, actor, at, &cmd)?.state)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    // the case service: store and policy behind one handle (clone it into each request
    // handler or thread)
    let app = Cases::new(SledStore::open(dir.path())?, Policy::default());
    let store = app.store();
    let t0 = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .ok_or("time")?;
    let day = |n: i64| t0 + Duration::days(n);
    let caseworker = Actor::new("j.schmidt", Role::Caseworker, "jobcenter-aachen");
    // the client acts under the pseudonym the case was registered with
    let client = Actor::new("p-max", Role::Client, "client");
    let coordinator = Actor::new("k.meier", Role::Coordinator, "jobcenter-aachen");
    let provider = Actor::new("b.vogt", Role::Provider, "schuldnerberatung-aachen");
    let (case, _) = app.register(
        &caseworker,
        day(0),
        ClientDetails::named("Max Beispiel"),
        SubjectId::new("p-max"),
        Profile::new(38, Gender::Male, "aachen")
            .problems([ProblemArea::Finances, ProblemArea::LabourMarket])
            .employment_months(5),
    )?;
    // a rule in action: no voucher before consent, and nothing is written
    let refused = handle(
        &app,
        case,
        day(0),
        &caseworker,
        CaseCommand::IssueVoucher {
            voucher: VoucherId::new("GS-1"),
            service: ServiceId::new(DEBT_COUNSELLING),
            provider: ProviderId::new("schuldnerberatung-aachen"),
        },
    );
    println!(
        "voucher before consent: {}",
        refused.err().map_or("accepted?".into(), |e| e.to_string())
    );

    handle(
        &app,
        case,
        day(1),
        &client,
        CaseCommand::SignConsent {
            signatory: Signatory::Client,
            // the job centre and the debt counsellors, for the situation report and the
            // debts it describes; counselling content stays with the counsellors
            scope: ConsentScope {
                institutions: [
                    InstitutionId::new("jobcenter-aachen"),
                    InstitutionId::new("schuldnerberatung-aachen"),
                ]
                .into(),
                data: [
                    DataCategory::ProcessFacts,
                    DataCategory::SituationReport,
                    DataCategory::Debts,
                ]
                .into(),
                ..ConsentScope::default()
            },
        },
    )?;
    handle(
        &app,
        case,
        day(2),
        &coordinator,
        CaseCommand::FormTeam {
            coordinator: UserId::new("k.meier"),
            coordinator_institution: InstitutionId::new("jobcenter-aachen"),
            // the caseworker who issues the vouchers works the case in the team
            members: vec![Member {
                user: caseworker.user.clone(),
                institution: caseworker.institution.clone(),
                function: TeamFunction::Specialist,
            }],
        },
    )?;
    handle(
        &app,
        case,
        day(9),
        &coordinator,
        CaseCommand::AssessSituation {
            report: Personal::new(SituationReport {
                summary: "debts block a job start".into(),
                resources: vec![],
                obstacles: vec![],
                client_view: String::new(),
            }),
            outcome: AssessmentOutcome::RoundTable,
        },
    )?;
    handle(
        &app,
        case,
        day(14),
        &coordinator,
        CaseCommand::AgreePlan {
            plan: Plan {
                signed_by_coordinator: true,
                goals: vec![Goal {
                    parent: None,
                    target: None,
                    target_date: None,
                    id: GoalId::new("G1"),
                    text: Personal::new("Job in logistics".into()),
                }],
                measures: vec![Measure {
                    client_task: false,
                    sector: None,
                    legal_basis: None,
                    id: MeasureId::new("M1"),
                    goal: GoalId::new("G1"),
                    text: Personal::new("Debt counselling".into()),
                    responsible: InstitutionId::new("schuldnerberatung-aachen"),
                    deadline: day(120).date_naive(),
                }],
                review_every_days: Some(60),
                signed_by_client: true,
            },
        },
    )?;
    handle(
        &app,
        case,
        day(15),
        &caseworker,
        CaseCommand::IssueVoucher {
            voucher: VoucherId::new("GS-1"),
            service: ServiceId::new(DEBT_COUNSELLING),
            provider: ProviderId::new("schuldnerberatung-aachen"),
        },
    )?;

    // Two clerks record the redemption at the same moment, by hand (load, decide, append
    // with the loaded version): the store lets exactly one win.
    let stream = StreamId::for_case(case);
    let repo = Repository::<CaseProcess, _>::new(store, case_codec());
    let loaded = repo.load(&stream)?;
    let version = loaded.version.ok_or("no stream")?;
    let ctx = Context::new(day(20), &provider, app.policy());
    let redeem = CaseCommand::RedeemVoucher {
        voucher: VoucherId::new("GS-1"),
    };
    let encode = |events: Vec<CaseEvent>| -> Result<Vec<_>, StoreError> {
        events
            .iter()
            .map(|e| {
                let metadata = Metadata {
                    actor: Some(provider.record()),
                    ..Metadata::default()
                };
                repo.codec().encode(e, metadata)
            })
            .collect()
    };
    let first = encode(CaseProcess::decide(&loaded.state, &redeem, &ctx)?)?;
    let second = encode(CaseProcess::decide(&loaded.state, &redeem, &ctx)?)?;
    store.append(&stream, ExpectedVersion::Exact(version), first)?;
    match store.append(&stream, ExpectedVersion::Exact(version), second) {
        Err(StoreError::Conflict {
            expected, actual, ..
        }) => {
            println!("second clerk: conflict (expected {expected}, store at {actual:?}) — reloading and deciding again");
            // the repository does exactly this: reload, decide again; now the rule answers
            match handle(&app, case, day(20), &provider, redeem.clone()) {
                Err(RepoError::Rejected(e)) => println!("second clerk, after reload: {e}"),
                other => println!("second clerk, after reload: {other:?}"),
            }
        }
        other => println!("second clerk: {other:?}"),
    }

    handle(
        &app,
        case,
        day(25),
        &provider,
        CaseCommand::RecordFeedback {
            voucher: VoucherId::new("GS-1"),
            kind: FeedbackKind::First,
            facts: FeedbackFacts {
                appointment_on: Some(day(20).date_naive()),
                attending: Some(true),
                outcome: None,
            },
            content: None,
        },
    )?;
    handle(
        &app,
        case,
        day(110),
        &provider,
        CaseCommand::RecordFeedback {
            voucher: VoucherId::new("GS-1"),
            kind: FeedbackKind::Final,
            facts: FeedbackFacts {
                appointment_on: None,
                attending: Some(true),
                outcome: Some(ServiceOutcome::Completed),
            },
            content: None,
        },
    )?;
    // Closure duties: tell the referrer and the client, rate the goals.
    for to in [NoticeRecipient::Referrer, NoticeRecipient::Client] {
        handle(
            &app,
            case,
            day(129),
            &coordinator,
            CaseCommand::SendClosureNotice { to },
        )?;
    }
    handle(
        &app,
        case,
        day(129),
        &coordinator,
        CaseCommand::EvaluateCase {
            attainment: vec![GoalAttainment {
                goal: GoalId::new("G1"),
                attainment: Attainment::Attained,
            }],
        },
    )?;
    let state = handle(
        &app,
        case,
        day(130),
        &coordinator,
        CaseCommand::CloseCase {
            reason: ClosureReason::Employment,
        },
    )?;
    println!(
        "case closed: {:?}; {} events; chains verify: {}",
        state.phase_name(),
        store.stream_version(&stream)?.unwrap_or(0),
        store.verify_all()?.is_empty()
    );

    // Reading for a screen: only a party of the case reads it (the rav's specialist is
    // none), and then personal data only as far as the consent reaches.
    for viewer in [
        Viewer::new(
            "j.schmidt",
            "jobcenter-aachen",
            Role::Caseworker,
            Purpose::CaseManagement,
        ),
        Viewer::new(
            "p.weber",
            "rav-aachen",
            Role::Specialist,
            Purpose::CaseManagement,
        ),
        Viewer::new(
            "j.schmidt",
            "jobcenter-aachen",
            Role::Caseworker,
            Purpose::BenefitDecision,
        ),
    ] {
        let view = match app.read(case, &viewer, day(131)) {
            Ok(view) => view,
            Err(StoreError::Denied { reason, .. }) => {
                println!("{viewer}: refused: {reason}");
                continue;
            }
            Err(other) => return Err(other.into()),
        };
        let why = view.events.iter().find_map(|e| match &e.event {
            CaseEvent::SituationAssessed { report, .. } => report.redaction().cloned(),
            _ => None,
        });
        println!(
            "{viewer}: {} personal field(s) shown, {} withheld{}",
            view.disclosed.len(),
            view.withheld,
            why.map_or(String::new(), |r| format!(" (situation report {r})"))
        );
    }

    // Erasure on closure: the key is destroyed, the process facts stay.
    app.erase(case, &coordinator, day(131))?;
    let client_view = app.read(
        case,
        &Viewer::new("p-max", "client", Role::Client, Purpose::CaseManagement),
        day(132),
    )?;
    let name = client_view.events.iter().find_map(|e| match &e.event {
        CaseEvent::CaseRegistered { client, .. } => client.redaction().cloned(),
        _ => None,
    });
    println!(
        "after erasure the client's name reads {}; chains verify: {}",
        name.map_or("in clear?".into(), |r| r.to_string()),
        store.verify_all()?.is_empty()
    );
    Ok(())
}
