//! The built-in policy: the values of `domain.md`. Düsseldorf minimum standards for
//! deadlines, the Hamm catalogs for addiction and debt counselling, the Aachen routing table,
//! the Aachen four-stage debt counselling with a 90-day stage threshold.

use super::catalog::{Catalog, Effort, Module, ModuleSlot, NeedGroup};
use super::deployment::{DeadlineRules, Due, Policy, ServicePolicy, Thresholds};
use super::triage::{Admission, MarketProximity, RouteCondition, RoutingRule, Triage};
use crate::consent::DataCategory;
use crate::ids::ServiceId;

/// Service id of childcare (Kinderbetreuung).
pub const CHILDCARE: &str = "childcare";
/// Service id of debt counselling (Schuldnerberatung).
pub const DEBT_COUNSELLING: &str = "debt-counselling";
/// Service id of psychosocial care (psychosoziale Betreuung).
pub const PSYCHOSOCIAL_CARE: &str = "psychosocial-care";
/// Service id of addiction counselling (Suchtberatung).
pub const ADDICTION_COUNSELLING: &str = "addiction-counselling";
/// Service id of care of relatives (Pflege von Angehörigen).
pub const CARE_OF_RELATIVES: &str = "care-of-relatives";

/// What a voucher for each default service tells its provider about the client. No seed
/// lists categories per service; the mapping follows what the service is for (§16a SGB II
/// names the four municipal services): debt counselling learns of debts, addiction
/// counselling of an addiction (with its health side), psychosocial care of mental
/// health; childcare and care of relatives learn the process facts only (the need for
/// care concerns the child or the relative). An assumption of the project (no source).
fn service_shares(id: &str) -> Vec<DataCategory> {
    use DataCategory::{Addiction, Debts, Health, ProcessFacts};
    match id {
        DEBT_COUNSELLING => vec![ProcessFacts, Debts],
        ADDICTION_COUNSELLING => vec![ProcessFacts, Addiction, Health],
        PSYCHOSOCIAL_CARE => vec![ProcessFacts, Health],
        _ => vec![ProcessFacts],
    }
}

impl Default for Policy {
    fn default() -> Self {
        use Due::{AfterCompletion, Days, Individual};
        let service = |id: &str, name: &str, deadlines, stages, catalog| ServicePolicy {
            id: ServiceId::new(id),
            name: name.to_owned(),
            deadlines,
            stages,
            catalog,
            shares: service_shares(id),
        };
        let rules = |a, b, c, d| DeadlineRules {
            first_appointment: a,
            first_feedback: b,
            interim_feedback: c,
            result_feedback: d,
        };
        Policy {
            time_zone: super::deployment::DEFAULT_TIME_ZONE,
            name: "casework default (Düsseldorf deadlines, Hamm catalogs, Aachen routing)"
                .to_owned(),
            services: vec![
                service(
                    CHILDCARE,
                    "Kinderbetreuung",
                    rules(Days(14), Days(14), Individual, Days(56)),
                    1,
                    None,
                ),
                service(
                    DEBT_COUNSELLING,
                    "Schuldnerberatung",
                    rules(Days(14), Days(14), Days(42), Days(182)),
                    4,
                    Some(debt_catalog()),
                ),
                service(
                    PSYCHOSOCIAL_CARE,
                    "Psychosoziale Betreuung",
                    rules(Days(14), Days(14), Days(28), AfterCompletion),
                    1,
                    None,
                ),
                service(
                    ADDICTION_COUNSELLING,
                    "Suchtberatung",
                    rules(Days(14), Days(14), Days(84), Days(84)),
                    1,
                    Some(addiction_catalog()),
                ),
                service(
                    CARE_OF_RELATIVES,
                    "Pflege von Angehörigen",
                    rules(Individual, Individual, Individual, Individual),
                    1,
                    None,
                ),
            ],
            provider_deadlines: Vec::new(),
            triage: aachen_triage(),
            thresholds: Thresholds::default(),
            process: super::deployment::ProcessRules::default(),
        }
    }
}

fn module(number: u8, name: &str, effort: Option<Effort>) -> Module {
    Module {
        number,
        name: name.to_owned(),
        effort,
        within_months: None,
        special: false,
    }
}

fn hours(individual: u32, group_sessions: u32) -> Option<Effort> {
    Some(Effort {
        individual_hours: individual,
        group_sessions,
        ..Effort::default()
    })
}

fn group(number: u8, label: &str, modules: Vec<ModuleSlot>) -> NeedGroup {
    NeedGroup {
        number,
        label: label.to_owned(),
        modules,
    }
}

fn either(a: u8, b: u8) -> ModuleSlot {
    ModuleSlot {
        one_of: vec![a, b],
        if_needed: false,
    }
}

fn if_needed(n: u8) -> ModuleSlot {
    ModuleSlot {
        one_of: vec![n],
        if_needed: true,
    }
}

/// Caritasverband Hamm, addiction counselling (seed 004, section 4.6.1).
fn addiction_catalog() -> Catalog {
    let referral = Some(Effort {
        individual_hours: 14,
        optional_hours: 3,
        ..Effort::default()
    });
    let mut modules = vec![
        module(1, "Basisberatung", hours(7, 0)),
        module(
            2,
            "Ressourcen- und lösungsorientierte Beratung",
            hours(10, 0),
        ),
        module(
            3,
            "Veränderung des Konsumverhaltens und Punktabstinenz",
            hours(5, 13),
        ),
        module(4, "Vermittlung in Rehabilitationsmaßnahme", referral),
        module(
            5,
            "Vermittlung in ambulante oder stationäre Wohnformen",
            referral,
        ),
        module(
            6,
            "Sicherung der Abstinenz und Arbeitsfähigkeit",
            hours(7, 0),
        ),
        module(7, "Sicherung der Eingliederungsleistungen", hours(10, 13)),
        module(8, "Training sozialer Kompetenzen", hours(2, 10)),
        module(
            9,
            "Beratung von Personen mit Migrationshintergrund",
            Some(Effort {
                individual_hours: 6,
                individual_hours_min: Some(2),
                group_sessions: 3,
                ..Effort::default()
            }),
        ),
        module(
            10,
            "Beratung von suchtmittelauffälligen Verkehrsteilnehmern",
            hours(3, 15),
        ),
        module(
            11,
            "Beratung von Angehörigen",
            Some(Effort {
                sessions_up_to: Some(7),
                ..Effort::default()
            }),
        ),
        module(
            12,
            "Psychosoziale Beratung",
            Some(Effort {
                sessions_up_to: Some(5),
                ..Effort::default()
            }),
        ),
    ];
    for m in &mut modules {
        match m.number {
            2 => m.within_months = Some(3),
            6 | 7 => m.within_months = Some(6),
            8..=12 => m.special = true,
            _ => {}
        }
    }
    let s = ModuleSlot::module;
    Catalog {
        intake_hours: None,
        modules,
        need_groups: vec![
            group(
                1,
                "Gebrauch von Suchtmitteln oder unklare Belastungsfaktoren",
                vec![s(1), s(3)],
            ),
            group(2, "Missbräuchlicher Konsum", vec![s(1), s(2), s(3)]),
            group(
                3,
                "Missbrauch mit Krankheitseinsicht, hoch motiviert",
                vec![s(1), either(4, 5), s(6)],
            ),
            group(
                4,
                "Abhängigkeit mit wenig Krankheitseinsicht oder Mehrfachabhängigkeit",
                vec![s(1), s(2), either(4, 5), s(6)],
            ),
            group(
                5,
                "Chronisch mehrfach geschädigt oder noch nicht ausreichend arbeitsfähig",
                vec![s(1), s(2), either(4, 5), s(6), s(7)],
            ),
        ],
    }
}

/// Hamm debt counselling (seed 004, section 4.6.4): modules without contracted hours, a
/// one-hour intake consultation at the start of every case.
fn debt_catalog() -> Catalog {
    let s = ModuleSlot::module;
    Catalog {
        intake_hours: Some(1),
        modules: vec![
            module(1, "Basisberatung", None),
            module(2, "Existenzsicherung", None),
            module(3, "Forderungsüberprüfung und Schuldnerschutz", None),
            module(4, "Psychosoziale Beratung / Betreuung", None),
            module(5, "Regulierung und Entschuldung", None),
            module(6, "Nachbetreuung", None),
            module(7, "Maßnahmen zur Prävention", None),
        ],
        need_groups: vec![
            group(
                1,
                "Hohes Selbsthilfepotenzial",
                vec![s(1), s(2), if_needed(3)],
            ),
            group(
                2,
                "Übersichtliche Gläubigerzahl, Selbsthilfepotenzial vorhanden",
                vec![s(1), s(2), s(3), if_needed(4), s(5)],
            ),
            group(
                3,
                "Hohe Gläubigerzahl oder komplexe Verhältnisse, eingeschränktes Selbsthilfepotenzial",
                vec![s(1), s(2), s(3), s(4), s(5), if_needed(7)],
            ),
            group(4, "Nachbetreuung", vec![s(6)]),
        ],
    }
}

/// The Aachen routing table: under 25 first, then special groups, then market proximity.
fn aachen_triage() -> Triage {
    let rule = |route: &str, when: RouteCondition| RoutingRule {
        route: route.to_owned(),
        when,
    };
    Triage {
        admission: Admission {
            min_problem_areas: 2,
            require_motivation: true,
            require_realistic_integration: true,
        },
        routes: vec![
            rule(
                "youth caseworker",
                RouteCondition {
                    age_below: Some(25),
                    ..RouteCondition::default()
                },
            ),
            rule(
                "specialised case manager (single parents)",
                RouteCondition {
                    single_parent: Some(true),
                    ..RouteCondition::default()
                },
            ),
            rule(
                "self-employment team",
                RouteCondition {
                    self_employed: Some(true),
                    ..RouteCondition::default()
                },
            ),
            rule(
                "academic team",
                RouteCondition {
                    graduate: Some(true),
                    ..RouteCondition::default()
                },
            ),
            rule(
                "job offensive team",
                RouteCondition {
                    market: Some(MarketProximity::Near),
                    min_employment_months: Some(3),
                    ..RouteCondition::default()
                },
            ),
            rule(
                "placement officer",
                RouteCondition {
                    market: Some(MarketProximity::Near),
                    ..RouteCondition::default()
                },
            ),
        ],
        default_route: "social case manager".to_owned(),
    }
}
