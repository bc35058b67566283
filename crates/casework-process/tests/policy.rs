//! The default policy reproduces `domain.md`; policies load from JSON and are validated.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_process::*;

fn service(p: &Policy, id: &str) -> ServicePolicy {
    p.service(&ServiceId::new(id)).cloned().unwrap()
}

#[test]
fn addiction_need_groups_total_the_hamm_hours() {
    let p = Policy::default();
    let catalog = service(&p, ADDICTION_COUNSELLING).catalog.unwrap();
    let totals: Vec<(u32, u32)> = (1..=5)
        .map(|g| {
            let e = catalog.standard_effort(g).unwrap();
            (e.individual_hours, e.group_sessions)
        })
        .collect();
    assert_eq!(totals, vec![(12, 13), (22, 13), (28, 0), (38, 0), (48, 13)]);
    // the "(+3)" of need groups 3 and 4 comes from the referral module 4 or 5
    assert_eq!(catalog.standard_effort(3).unwrap().optional_hours, 3);
    assert_eq!(catalog.standard_effort(4).unwrap().optional_hours, 3);
    assert_eq!(catalog.standard_effort(6), None);
}

#[test]
fn addiction_modules_match_the_catalog() {
    let p = Policy::default();
    let catalog = service(&p, ADDICTION_COUNSELLING).catalog.unwrap();
    let m = |n: u8| catalog.module(n).unwrap().clone();
    assert_eq!(catalog.modules.len(), 12);
    assert_eq!(m(1).effort.unwrap().individual_hours, 7);
    assert_eq!(
        (m(2).effort.unwrap().individual_hours, m(2).within_months),
        (10, Some(3))
    );
    assert_eq!(
        (
            m(3).effort.unwrap().individual_hours,
            m(3).effort.unwrap().group_sessions
        ),
        (5, 13)
    );
    assert_eq!(
        (
            m(4).effort.unwrap().individual_hours,
            m(4).effort.unwrap().optional_hours
        ),
        (14, 3)
    );
    assert_eq!(
        (m(6).effort.unwrap().individual_hours, m(6).within_months),
        (7, Some(6))
    );
    assert_eq!(
        (m(7).effort.unwrap().group_sessions, m(7).within_months),
        (13, Some(6))
    );
    let nine = m(9).effort.unwrap();
    assert_eq!(
        (
            nine.individual_hours_min,
            nine.individual_hours,
            nine.group_sessions
        ),
        (Some(2), 6, 3)
    );
    assert_eq!(m(10).effort.unwrap().group_sessions, 15);
    assert_eq!(m(11).effort.unwrap().sessions_up_to, Some(7));
    assert_eq!(m(12).effort.unwrap().sessions_up_to, Some(5));
    assert!((8..=12).all(|n| m(n).special) && (1..=7).all(|n| !m(n).special));
}

#[test]
fn debt_counselling_has_four_need_groups_seven_modules_and_four_stages() {
    let p = Policy::default();
    let debt = service(&p, DEBT_COUNSELLING);
    let catalog = debt.catalog.unwrap();
    assert_eq!(debt.stages, 4);
    assert_eq!(catalog.intake_hours, Some(1));
    assert_eq!(catalog.modules.len(), 7);
    assert_eq!(catalog.need_groups.len(), 4);
    // no contracted hours in the source: no standard effort is invented
    assert_eq!(catalog.standard_effort(1), None);
    assert_eq!(
        catalog.need_group(4).unwrap().modules,
        vec![ModuleSlot::module(6)]
    );
}

#[test]
fn duesseldorf_deadline_defaults() {
    use Due::{AfterCompletion, Days, Individual};
    let p = Policy::default();
    let d = |id| service(&p, id).deadlines;
    let row = |r: DeadlineRules| {
        (
            r.first_appointment,
            r.first_feedback,
            r.interim_feedback,
            r.result_feedback,
        )
    };
    assert_eq!(
        row(d(CHILDCARE)),
        (Days(14), Days(14), Individual, Days(56))
    );
    assert_eq!(
        row(d(DEBT_COUNSELLING)),
        (Days(14), Days(14), Days(42), Days(182))
    );
    assert_eq!(
        row(d(PSYCHOSOCIAL_CARE)),
        (Days(14), Days(14), Days(28), AfterCompletion)
    );
    assert_eq!(
        row(d(ADDICTION_COUNSELLING)),
        (Days(14), Days(14), Days(84), Days(84))
    );
    assert_eq!(
        row(d(CARE_OF_RELATIVES)),
        (Individual, Individual, Individual, Individual)
    );
    assert_eq!(p.thresholds.stage_open_days, 90);
}

#[test]
fn provider_agreements_override_the_service_default() {
    let mut p = Policy::default();
    let debt = ServiceId::new(DEBT_COUNSELLING);
    let mut own = service(&p, DEBT_COUNSELLING).deadlines;
    own.interim_feedback = Due::Days(30);
    p.provider_deadlines.push(policy::ProviderDeadlines {
        provider: ProviderId::new("sb-aachen"),
        service: debt.clone(),
        deadlines: own,
    });
    p.validate().unwrap();
    assert_eq!(
        p.deadlines(&debt, &ProviderId::new("sb-aachen"))
            .unwrap()
            .interim_feedback,
        Due::Days(30)
    );
    assert_eq!(
        p.deadlines(&debt, &ProviderId::new("other"))
            .unwrap()
            .interim_feedback,
        Due::Days(42)
    );
    assert_eq!(
        p.deadlines(&ServiceId::new("nope"), &ProviderId::new("other")),
        None
    );
}

#[test]
fn policy_round_trips_through_json() {
    let p = Policy::default();
    let json = serde_json::to_string_pretty(&p).unwrap();
    assert_eq!(Policy::from_json(&json).unwrap(), p);
    assert!(
        json.contains("\"days\": 182"),
        "deadlines are written as days: {json}"
    );
}

#[test]
fn broken_policies_are_refused_with_the_reason() {
    let p = Policy::default();
    let mut dup = p.clone();
    dup.services.push(dup.services[0].clone());
    assert_eq!(
        dup.validate(),
        Err(PolicyError::DuplicateService(ServiceId::new(CHILDCARE)))
    );

    let mut unknown = p.clone();
    unknown.provider_deadlines.push(policy::ProviderDeadlines {
        provider: ProviderId::new("x"),
        service: ServiceId::new("astrology"),
        deadlines: p.services[0].deadlines,
    });
    assert!(matches!(
        unknown.validate(),
        Err(PolicyError::UnknownService { .. })
    ));

    let mut bad_catalog = p.clone();
    let catalog = bad_catalog.services[3].catalog.as_mut().unwrap();
    catalog.need_groups[0].modules.push(ModuleSlot::module(42));
    assert_eq!(
        bad_catalog.validate(),
        Err(PolicyError::Catalog {
            service: ServiceId::new(ADDICTION_COUNSELLING),
            detail: "need group 1 names unknown module 42".into()
        })
    );

    let mut no_stages = p.clone();
    no_stages.services[0].stages = 0;
    assert_eq!(
        no_stages.validate(),
        Err(PolicyError::NoStages(ServiceId::new(CHILDCARE)))
    );

    assert!(matches!(
        Policy::from_json("{\"name\": 3}"),
        Err(PolicyError::Parse(_))
    ));
}

#[test]
fn routing_follows_the_aachen_table_in_order() {
    let p = Policy::default();
    let base = Profile::new(40, Gender::Male, "t")
        .problems([ProblemArea::Health, ProblemArea::Social])
        .employment_months(3);
    let route = |f: &dyn Fn(&mut Profile)| {
        let mut x = base.clone();
        f(&mut x);
        p.triage.route(&x).to_owned()
    };
    assert_eq!(route(&|_| {}), "job offensive team");
    assert_eq!(route(&|x| x.employment_months = 2), "placement officer");
    assert_eq!(
        route(&|x| x.market = MarketProximity::Far),
        "social case manager"
    );
    assert_eq!(
        route(&|x| x.single_parent = true),
        "specialised case manager (single parents)"
    );
    assert_eq!(route(&|x| x.self_employed = true), "self-employment team");
    assert_eq!(route(&|x| x.graduate = true), "academic team");
    assert_eq!(
        route(&|x| {
            x.age = 24;
            x.graduate = true
        }),
        "youth caseworker"
    );
}

#[test]
fn inconsistent_process_rules_are_refused_with_the_reason() {
    let refused = |edit: fn(&mut Policy)| {
        let mut p = Policy::default();
        edit(&mut p);
        match p.validate() {
            Err(PolicyError::Process(reason)) => reason,
            other => panic!("{other:?}"),
        }
    };
    assert!(refused(|p| p.process.escalation.swap(0, 1)).contains("numbered 1, 2, 3"));
    assert!(refused(|p| p.process.escalation[2].after_days_overdue = 2).contains("earlier than"));
    assert!(refused(|p| p.process.sectors[1].id = "employment".into()).contains("given twice"));
    assert!(refused(|p| p.process.delegation.max_days = 0).contains("at least one day"));
    // a policy file without the new section gets the defaults
    let json = serde_json::to_value(Policy::default()).unwrap();
    let mut old = json.clone();
    old.as_object_mut().unwrap().remove("process");
    let parsed = Policy::from_json(&old.to_string()).unwrap();
    assert_eq!(parsed.process, ProcessRules::default());
}
