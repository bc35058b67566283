//! A deployment's own rules from a file: deadlines per service and provider, a need-group
//! catalog, triage routing. The same commands decide differently under it.
//!
//! Run: `cargo run --example custom_policy`

use casework::core::*;
use casework::process::*;
use chrono::{TimeZone, Utc};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/policy.json");
    let policy = Policy::from_json(&std::fs::read_to_string(path)?)?;
    println!("policy: {}", policy.name);
    for s in &policy.services {
        println!(
            "  {:<22} first feedback {:?}, interim {:?}, result {:?}, stages {}",
            s.id,
            s.deadlines.first_feedback,
            s.deadlines.interim_feedback,
            s.deadlines.result_feedback,
            s.stages
        );
    }
    for o in &policy.provider_deadlines {
        println!(
            "  agreement with {} for {}: interim {:?}",
            o.provider, o.service, o.deadlines.interim_feedback
        );
    }

    // triage under the deployment's routing table
    let profile = Profile::new(58, Gender::Female, "muenster-mitte")
        .problems([ProblemArea::Health, ProblemArea::LabourMarket]);
    println!(
        "\na client of 58 is routed to: {} (default policy: {})",
        policy.triage.route(&profile),
        Policy::default().triage.route(&profile)
    );

    // a voucher's deadlines follow the provider agreement
    let at = Utc
        .with_ymd_and_hms(2026, 4, 1, 9, 0, 0)
        .single()
        .ok_or("time")?;
    let coordinator = Actor::new("k.meier", Role::Coordinator, "jobcenter-muenster");
    let ctx = Context::new(at, &coordinator, &policy);
    let case = CaseId(uuid::Uuid::nil());
    let mut state = CaseState::default();
    execute::<CaseProcess>(
        &mut state,
        &CaseCommand::RegisterCase {
            case_id: case,
            referrer: InstitutionId::new("jobcenter-muenster"),
            client: Personal::new(ClientDetails {
                name: "E. Muster".into(),
                contact: None,
            }),
            subject: SubjectId::new("client"),
            representative: None,
            profile,
        },
        &ctx,
    )?;
    execute::<CaseProcess>(
        &mut state,
        &CaseCommand::SignConsent {
            signatory: Signatory::Client,
            scope: ConsentScope {
                // the voucher's provider too: a voucher goes only where the consent reaches
                institutions: ["jobcenter-muenster", "schuldnerhilfe-muenster"]
                    .into_iter()
                    .map(InstitutionId::new)
                    .collect(),
                data: [DataCategory::ProcessFacts, DataCategory::Debts].into(),
                ..ConsentScope::default()
            },
        },
        &ctx,
    )?;
    execute::<CaseProcess>(
        &mut state,
        &CaseCommand::IssueVoucher {
            voucher: VoucherId::new("MS-1"),
            service: ServiceId::new(DEBT_COUNSELLING),
            provider: ProviderId::new("schuldnerhilfe-muenster"),
        },
        &ctx,
    )?;
    execute::<CaseProcess>(
        &mut state,
        &CaseCommand::RedeemVoucher {
            voucher: VoucherId::new("MS-1"),
        },
        &ctx,
    )?;
    println!(
        "\ndeadlines of voucher MS-1 issued and redeemed on {}:",
        at.date_naive()
    );
    for d in deadlines(&state, &policy) {
        println!("  {}  {:?}", d.due, d.item);
    }
    // a need group the deployment's catalog does not have is refused
    let err = execute::<CaseProcess>(
        &mut state,
        &CaseCommand::ClassifyNeedGroup {
            voucher: VoucherId::new("MS-1"),
            need_group: 4,
        },
        &ctx,
    );
    println!(
        "\nclassify into need group 4: {}",
        err.err().map_or("accepted".into(), |e| e.to_string())
    );
    Ok(())
}
