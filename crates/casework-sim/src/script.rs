//! The script of one simulated case: every command with its time and actor, generated
//! from the case's own random stream, valid by construction.

use casework_core::*;
use casework_process::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::rng::Rng;

/// One command of a case's script.
#[derive(Debug, Clone)]
pub struct Step {
    /// Effective time.
    pub at: DateTime<Utc>,
    /// The case.
    pub case: CaseId,
    /// Who issues it.
    pub actor: Actor,
    /// The command.
    pub command: CaseCommand,
}

/// Teams and their weight (the Aachen plan: entries per month).
pub const TEAMS: [(&str, u32); 8] = [
    ("aachen", 35),
    ("nordkreis-1", 18),
    ("nordkreis-2", 10),
    ("eschweiler", 10),
    ("50plus", 1),
    ("stolberg", 10),
    ("joboffensive", 1),
    ("eifel", 1),
];

/// A service of the simulated deployment.
struct ServiceMix {
    id: &'static str,
    /// Weight: Düsseldorf participants.
    weight: u32,
    providers: &'static [&'static str],
    /// Integration rate in ‰ (Düsseldorf 2013/14).
    integration: u32,
    /// Service duration in days.
    days: (i64, i64),
}

const fn mix(
    id: &'static str,
    weight: u32,
    providers: &'static [&'static str],
    integration: u32,
    days: (i64, i64),
) -> ServiceMix {
    ServiceMix {
        id,
        weight,
        providers,
        integration,
        days,
    }
}

const SERVICES: [ServiceMix; 5] = [
    mix(
        DEBT_COUNSELLING,
        482,
        &["sb-aachen", "caritas-schuldnerberatung"],
        195,
        (150, 420),
    ),
    mix(PSYCHOSOCIAL_CARE, 168, &["diakonie-psb"], 79, (60, 200)),
    mix(CHILDCARE, 135, &["kita-stadt"], 51, (30, 56)),
    mix(
        ADDICTION_COUNSELLING,
        46,
        &["caritas-sucht", "drogenhilfe"],
        91,
        (70, 84),
    ),
    mix(CARE_OF_RELATIVES, 11, &["pflegedienst-nord"], 50, (30, 120)),
];

const COORDINATORS: [&str; 6] = [
    "k.meier",
    "a.schulz",
    "m.yilmaz",
    "s.becker",
    "t.nowak",
    "l.hoffmann",
];

struct Script {
    case: CaseId,
    steps: Vec<Step>,
    /// The consent as last signed.
    consent: ConsentScope,
}

impl Script {
    /// Before a flow to `institution` of `categories`: where the consent does not reach
    /// that far, the client signs an amended consent first (widening happens by amending
    /// the consent, never around it).
    fn widen(
        &mut self,
        at: DateTime<Utc>,
        client: &Actor,
        institution: &str,
        categories: &[DataCategory],
    ) {
        let institution = InstitutionId::new(institution);
        let missing = !self.consent.institutions.contains(&institution)
            || categories.iter().any(|c| !self.consent.data.contains(c));
        if missing {
            self.consent.institutions.insert(institution);
            self.consent.data.extend(categories.iter().copied());
            let scope = self.consent.clone();
            self.push(
                at,
                client,
                CaseCommand::SignConsent {
                    signatory: Signatory::Client,
                    scope,
                },
            );
        }
    }

    fn push(&mut self, at: DateTime<Utc>, actor: &Actor, command: CaseCommand) {
        self.steps.push(Step {
            at,
            case: self.case,
            actor: actor.clone(),
            command,
        });
    }
}

/// The calendar day of an instant in the simulated deployment's time zone (the default
/// policy's, `Europe/Berlin`), as `decide` counts it.
trait LocalDay {
    fn local_day(&self) -> NaiveDate;
}

impl LocalDay for DateTime<Utc> {
    fn local_day(&self) -> NaiveDate {
        casework_process::policy::local_date(casework_process::DEFAULT_TIME_ZONE, *self)
    }
}

fn d(n: i64) -> Duration {
    Duration::days(n) + Duration::minutes(n.rem_euclid(7) * 37)
}

/// The script of case number `index` of a simulation with `seed`, registered on a day
/// within `days` days from `start`.
pub fn case_script(seed: u64, index: u32, start: DateTime<Utc>, days: i64) -> Vec<Step> {
    let mut rng = Rng::new(seed ^ (u64::from(index) << 20) ^ 0x5EED);
    // the work around the main path draws from its own stream, so that adding it left the
    // main path's figures (the calibration) as they were
    let mut rx = Rng::new(seed ^ (u64::from(index) << 20) ^ 0xC00D);
    // the client's own part (tasks, progress on them) draws from a third stream, for the
    // same reason
    let mut rc = Rng::new(seed ^ (u64::from(index) << 20) ^ 0xC11E);
    // a random-looking v4 UUID, derived from the seed and the index
    let mut id_rng = Rng::new(seed.rotate_left(17) ^ u64::from(index).wrapping_mul(0x9E37_79B9));
    let bytes = (u128::from(id_rng.next_u64()) << 64 | u128::from(id_rng.next_u64())).to_be_bytes();
    let case = CaseId(uuid::Builder::from_random_bytes(bytes).into_uuid());
    let mut s = Script {
        case,
        steps: Vec::new(),
        consent: ConsentScope::default(),
    };
    let referrer = Actor::new("eingangszone", Role::Referrer, "jobcenter");
    // the client acts under a pseudonym the deployment's login maps to (a party of the case)
    let subject = format!("p-{index:06}");
    let client = Actor::new(subject.as_str(), Role::Client, "client");
    // about one client in twenty acts through a legal representative (guardian)
    let representative = rc
        .chance(0.05)
        .then(|| Actor::new(format!("g-{index:06}"), Role::Client, "client"));
    let coordinator_id = COORDINATORS[rng.range(0, 5) as usize];
    let coordinator = Actor::new(coordinator_id, Role::Coordinator, "jobcenter");
    let caseworker = Actor::new("ifk", Role::Caseworker, "jobcenter");

    let team = TEAMS[rng.weighted(&TEAMS.map(|t| t.1))].0;
    let age = if rng.chance(0.15) {
        rng.range(18, 24)
    } else {
        rng.range(25, 62)
    } as u8;
    let mut t =
        start + Duration::days(rng.range(0, days - 1)) + Duration::minutes(rng.range(0, 480));
    let mut areas = vec![ProblemArea::LabourMarket];
    for a in [
        ProblemArea::Health,
        ProblemArea::Finances,
        ProblemArea::Social,
        ProblemArea::SocioStructural,
    ] {
        if rng.chance(0.45) || areas.len() < 2 {
            areas.push(a);
        }
    }
    let areas: std::collections::BTreeSet<ProblemArea> = areas.into_iter().collect();
    // the consent form lists what the situation analysis will need to share
    let mut consent_data: std::collections::BTreeSet<DataCategory> =
        [DataCategory::ProcessFacts, DataCategory::SituationReport].into();
    if areas.contains(&ProblemArea::Health) {
        consent_data.insert(DataCategory::Health);
    }
    if areas.contains(&ProblemArea::Finances) {
        consent_data.insert(DataCategory::Debts);
    }
    s.push(
        t,
        &referrer,
        CaseCommand::RegisterCase {
            case_id: case,
            referrer: InstitutionId::new("jobcenter"),
            client: Personal::new(ClientDetails {
                name: format!("Client {index:06}"),
                contact: None,
            }),
            subject: SubjectId::new(subject.as_str()),
            representative: representative
                .as_ref()
                .map(|r| SubjectId::new(r.user.as_str())),
            profile: Profile {
                age,
                gender: if rng.chance(0.49) {
                    Gender::Female
                } else {
                    Gender::Male
                },
                team: TeamId::new(team),
                problem_areas: areas,
                market: if rng.chance(0.55) {
                    MarketProximity::Near
                } else {
                    MarketProximity::Far
                },
                employment_months: rng.range(0, 12) as u32,
                single_parent: rng.chance(0.12),
                self_employed: rng.chance(0.04),
                graduate: rng.chance(0.06),
                motivated: true,
                integration_realistic: true,
            },
        },
    );
    // the mandate is recorded once the consent is signed (seed 001: consent first); drawn
    // here so that the random streams stay as they were
    let mandate = CaseCommand::RecordMandate {
        mandate: Mandate {
            goals: Personal::new(format!("Mandate for client {index:06}: stable work")),
            documents: if rx.chance(0.6) {
                vec!["cv".into(), "benefit-decision".into()]
            } else {
                vec![]
            },
        },
    };
    if !rng.chance(0.95) {
        t += d(rng.range(10, 20));
        let reason = [
            DeclineReason::CriteriaNotMet,
            DeclineReason::OtherServiceBetterPlaced,
            DeclineReason::ClientDeclined,
            DeclineReason::NoCapacity,
        ][rx.weighted(&[40, 30, 20, 10])];
        s.push(
            t,
            &caseworker,
            CaseCommand::DecideAdmission {
                decision: AdmissionDecision::Declined { reason },
            },
        );
        // kept through the objection period (one month and three days), then mostly
        // erased by the intake
        if rc.chance(0.9) {
            s.push(
                t + d(rc.range(36, 60)),
                &coordinator,
                CaseCommand::EraseCase,
            );
        }
        return s.steps;
    }
    s.push(
        t,
        &caseworker,
        CaseCommand::DecideAdmission {
            decision: AdmissionDecision::Admitted,
        },
    );
    t += d(rng.range(0, 7));
    s.consent = ConsentScope {
        institutions: ["jobcenter", "sozialamt", DELEGATE_INSTITUTION]
            .into_iter()
            .map(InstitutionId::new)
            .collect(),
        data: consent_data,
        medical_release: Personal::new(Vec::new()),
        purposes: [Purpose::CaseManagement].into(),
    };
    // the representative signs where there is one (the draw stays, so that the random
    // stream of the calibrated figures is as it was)
    let _ = rng.chance(0.95);
    let (signatory, signed_by) = match &representative {
        Some(r) => (Signatory::LegalRepresentative, r),
        None => (Signatory::Client, &client),
    };
    let scope = s.consent.clone();
    s.push(t, signed_by, CaseCommand::SignConsent { signatory, scope });
    s.push(t, &referrer, mandate);
    let consent_at = t;
    t += d(rng.range(2, 10));
    s.push(
        t,
        &coordinator,
        CaseCommand::FormTeam {
            coordinator: UserId::new(coordinator_id),
            coordinator_institution: InstitutionId::new("jobcenter"),
            members: vec![
                Member {
                    user: UserId::new("spezialist-sozialamt"),
                    institution: InstitutionId::new("sozialamt"),
                    function: TeamFunction::SocialWelfareCaseManager,
                },
                // the job centre's integration specialist, who issues the vouchers
                Member {
                    user: caseworker.user.clone(),
                    institution: caseworker.institution.clone(),
                    function: TeamFunction::Specialist,
                },
            ],
        },
    );
    t += d(rng.range(7, 21));
    let round_table = rng.chance(0.85);
    s.push(
        t,
        &coordinator,
        CaseCommand::AssessSituation {
            report: Personal::new(SituationReport {
                summary: format!("Situation of client {index:06}"),
                resources: vec![],
                obstacles: vec![],
                client_view: String::new(),
            }),
            outcome: if round_table {
                AssessmentOutcome::RoundTable
            } else {
                AssessmentOutcome::RecommendAndClose
            },
        },
    );
    if !round_table {
        t += d(rng.range(5, 15));
        closure_notices(&mut s, &coordinator, t - Duration::hours(2));
        s.push(
            t,
            &coordinator,
            CaseCommand::CloseCase {
                reason: ClosureReason::NoFurtherNeed,
            },
        );
        erase_later(&mut s, &mut rx, &coordinator, t);
        return s.steps;
    }
    t += d(rng.range(5, 15));
    let plan_at = t;
    let mut measures: Vec<Measure> = (0..rng.range(1, 3))
        .map(|m| {
            let (responsible, sector, basis) = [
                ("jobcenter", "employment", "SGB II §16"),
                ("sozialamt", "social", "SGB XII §11"),
                ("rav", "employment", "SGB III §45"),
            ][m as usize % 3];
            Measure {
                client_task: false,
                sector: Some(sector.into()),
                legal_basis: Some(basis.into()),
                id: MeasureId::new(format!("M{}", m + 1)),
                goal: GoalId::new("G1"),
                text: Personal::new(format!("Measure {}", m + 1)),
                responsible: InstitutionId::new(responsible),
                deadline: (plan_at + Duration::days(rng.range(30, 180))).local_day(),
            }
        })
        .collect();
    // most plans give the client a task of their own, on which the client reports
    let client_task = rc.chance(0.6);
    if client_task {
        measures.push(Measure {
            client_task: true,
            sector: Some("employment".into()),
            legal_basis: None,
            id: MeasureId::new("MC"),
            goal: GoalId::new("G1"),
            text: Personal::new("Five applications a month".into()),
            responsible: InstitutionId::new("jobcenter"),
            deadline: (plan_at + Duration::days(180)).local_day(),
        });
    }
    for m in &measures {
        s.widen(plan_at, &client, m.responsible.as_str(), &[]);
    }
    let sub_goal = rx.chance(0.4);
    let review_every = rng.range(60, 90);
    // the kick-off: coordinator and client go through the plan and sign it (seed 001)
    s.push(
        t,
        &coordinator,
        CaseCommand::HoldConference {
            kind: ConferenceKind::KickOff,
            participants: vec![coordinator.user.clone(), client.user.clone()],
            minutes: Personal::new(String::new()),
            decision: ConferenceDecision::Continue,
        },
    );
    s.push(
        t,
        &coordinator,
        CaseCommand::AgreePlan {
            plan: Plan {
                signed_by_coordinator: true,
                goals: goals(sub_goal, plan_at),
                measures: measures.clone(),
                review_every_days: Some(review_every as u32),
                signed_by_client: true,
            },
        },
    );

    // vouchers
    let count = [0, 1, 1, 1, 1, 1, 1, 2, 2, 2][rng.range(0, 9) as usize] as usize;
    let mut end = t;
    let mut best_rate = 100u32; // ‰ for cases without services
    for n in 0..count {
        let mix = &SERVICES[rng.weighted(&SERVICES.each_ref().map(|x| x.weight))];
        let (service, providers, rate, (dmin, dmax)) =
            (mix.id, mix.providers, mix.integration, mix.days);
        let provider_id = providers[rng.range(0, providers.len() as i64 - 1) as usize];
        let provider = Actor::new("fachkraft", Role::Provider, provider_id);
        let voucher = VoucherId::new(format!("GS-{index:06}-{}", n + 1));
        let issued = plan_at + d(rng.range(1, 30) + 60 * n as i64);
        s.widen(issued, &client, provider_id, &service_shares(service));
        s.push(
            issued,
            &caseworker,
            CaseCommand::IssueVoucher {
                voucher: voucher.clone(),
                service: ServiceId::new(service),
                provider: ProviderId::new(provider_id),
            },
        );
        if rx.chance(0.7) {
            s.push(
                issued,
                &caseworker,
                CaseCommand::LinkVoucher {
                    voucher: voucher.clone(),
                    measure: MeasureId::new("M1"),
                },
            );
        }
        let first = issued
            + d(if rng.chance(0.3) {
                rng.range(15, 30)
            } else {
                rng.range(3, 14)
            });
        if let Some(days) = first_feedback_days(service, provider_id) {
            escalate_if_late(
                &mut s,
                &caseworker,
                DeadlineItem::FirstFeedback {
                    voucher: voucher.clone(),
                },
                issued + Duration::days(days),
                first,
            );
        }
        s.push(
            first,
            &provider,
            CaseCommand::RecordFeedback {
                voucher: voucher.clone(),
                kind: FeedbackKind::First,
                facts: FeedbackFacts {
                    appointment_on: Some((first + Duration::days(3)).local_day()),
                    attending: None,
                    outcome: None,
                },
                content: None,
            },
        );
        let fate = rng.weighted(&[69, 20, 11]);
        if fate == 1 {
            let at = first + d(rng.range(40, 80));
            s.push(
                at,
                &caseworker,
                CaseCommand::ReturnVoucher {
                    voucher,
                    reason: ReturnReason::NotStartedInTime,
                },
            );
            end = end.max(at);
            continue;
        }
        if fate == 2 {
            // never started: stays pending
            continue;
        }
        best_rate = if best_rate == 100 {
            rate
        } else {
            best_rate.max(rate)
        };
        let redeemed = first + d(rng.range(1, 20));
        s.push(
            redeemed,
            &provider,
            CaseCommand::RedeemVoucher {
                voucher: voucher.clone(),
            },
        );
        let duration = rng.range(dmin, dmax);
        let done = redeemed + d(duration);
        let catalog = match service {
            ADDICTION_COUNSELLING => Some(rng.range(1, 5) as u8),
            DEBT_COUNSELLING => Some(rng.range(1, 4) as u8),
            _ => None,
        };
        if let Some(group) = catalog {
            s.push(
                redeemed + d(rng.range(1, 10)),
                &provider,
                CaseCommand::ClassifyNeedGroup {
                    voucher: voucher.clone(),
                    need_group: group,
                },
            );
        }
        // effort: three or four sessions spread over the service
        for k in 0..rng.range(3, 4) {
            let module = match (service, catalog) {
                (ADDICTION_COUNSELLING, Some(_)) => [1, 2, 3, 6][k as usize % 4],
                (DEBT_COUNSELLING, Some(_)) => [1, 2, 3, 5][k as usize % 4],
                _ => 1,
            };
            let at = redeemed + d(11 + (duration - 12).max(1) * k / 4);
            s.push(
                at,
                &provider,
                CaseCommand::RecordServiceHours {
                    voucher: voucher.clone(),
                    module,
                    individual_minutes: rng.range(45, 120) as u32,
                    group_sessions: if service == ADDICTION_COUNSELLING {
                        rng.range(0, 2) as u32
                    } else {
                        0
                    },
                },
            );
        }
        if service == DEBT_COUNSELLING {
            let mut at = redeemed;
            for stage in 2..=4u8 {
                at += d(rng.range(45, 160));
                if at >= done {
                    break;
                }
                s.push(
                    at,
                    &provider,
                    CaseCommand::StartServiceStage {
                        voucher: voucher.clone(),
                        stage,
                    },
                );
            }
        }
        let interim = redeemed
            + d((duration / 3).max(14) + if rng.chance(0.3) { rng.range(5, 30) } else { 0 });
        if interim < done {
            s.push(
                interim,
                &provider,
                CaseCommand::RecordFeedback {
                    voucher: voucher.clone(),
                    kind: FeedbackKind::Interim,
                    facts: FeedbackFacts {
                        appointment_on: None,
                        attending: Some(rng.chance(0.9)),
                        outcome: None,
                    },
                    content: None,
                },
            );
        }
        let outcome = [
            ServiceOutcome::Completed,
            ServiceOutcome::Discontinued,
            ServiceOutcome::ReferredOn,
        ][rng.weighted(&[75, 20, 5])];
        s.push(
            done,
            &provider,
            CaseCommand::RecordFeedback {
                voucher,
                kind: FeedbackKind::Final,
                facts: FeedbackFacts {
                    appointment_on: None,
                    attending: Some(outcome != ServiceOutcome::Discontinued),
                    outcome: Some(outcome),
                },
                content: None,
            },
        );
        end = end.max(done);
    }

    // the case closes after the last thing that happens in it (a voucher that was never
    // started has its first feedback as its last event)
    let end = s.steps.iter().map(|st| st.at).max().unwrap_or(end).max(end);
    let close_at = end + d(rng.range(10, 40));
    // reviews until closure, completing the measures that are due
    let mut review = plan_at + Duration::days(review_every);
    while review < close_at {
        let due: Vec<MeasureId> = measures
            .iter()
            .filter(|m| m.deadline <= review.local_day())
            .map(|m| m.id.clone())
            .collect();
        let task_due = due.iter().any(|m| m.as_str() == "MC");
        s.push(
            review,
            &coordinator,
            CaseCommand::HoldReview {
                completed_measures: due,
                notes: Personal::new(String::new()),
            },
        );
        // the client reports on their own task before each review until it is done
        if client_task && !task_due && rc.chance(0.7) {
            let status = [ProgressStatus::OnTrack, ProgressStatus::AtRisk][rc.weighted(&[75, 25])];
            s.push(
                review - Duration::days(2),
                &client,
                CaseCommand::RecordProgress {
                    on: ProgressOn::Measure(MeasureId::new("MC")),
                    status,
                    note: Personal::new(String::new()),
                },
            );
        }
        review += Duration::days(review_every);
    }
    coordination_work(
        &mut s,
        &mut rx,
        &coordinator,
        &measures,
        sub_goal,
        plan_at,
        close_at,
    );
    s.steps.sort_by_key(|step| step.at);

    // about 3 % revoke consent at some point after signing: the case ends there
    if rng.chance(0.03) {
        let span = (close_at - consent_at).num_days().max(1);
        let at = consent_at + d(rng.range(1, span));
        s.steps.retain(|step| step.at < at);
        s.push(at, &client, CaseCommand::RevokeConsent);
        return s.steps;
    }
    let reason = if rng.range(0, 999) < i64::from(best_rate) {
        ClosureReason::Employment
    } else {
        [
            ClosureReason::Training,
            ClosureReason::GoalReached,
            ClosureReason::ServicesDelivered,
            ClosureReason::NoFurtherNeed,
        ][rng.weighted(&[5, 15, 45, 35])]
    };
    closure_notices(
        &mut s,
        &coordinator,
        close_at - Duration::days(rx.range(1, 5)),
    );
    let attainment = match reason {
        ClosureReason::Employment | ClosureReason::GoalReached => Attainment::Attained,
        ClosureReason::Training | ClosureReason::ServicesDelivered => {
            [Attainment::Attained, Attainment::Partly][rx.weighted(&[40, 60])]
        }
        _ => [Attainment::Partly, Attainment::NotAttained][rx.weighted(&[30, 70])],
    };
    let mut rated = vec![GoalAttainment {
        goal: GoalId::new("G1"),
        attainment,
    }];
    if sub_goal {
        rated.push(GoalAttainment {
            goal: GoalId::new("G1a"),
            attainment: if attainment == Attainment::NotAttained {
                Attainment::Partly
            } else {
                attainment
            },
        });
    }
    s.push(
        close_at - Duration::hours(1),
        &coordinator,
        CaseCommand::EvaluateCase { attainment: rated },
    );
    s.push(close_at, &coordinator, CaseCommand::CloseCase { reason });
    erase_later(&mut s, &mut rx, &coordinator, close_at);
    s.steps.sort_by_key(|step| step.at);
    hand_over(&mut s.steps, &mut rx, plan_at, close_at);
    s.steps
}

/// The simulated deployment's policy (the default).
fn policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(Policy::default)
}

/// What a voucher for `service` shares with its provider under the simulated policy.
fn service_shares(service: &str) -> Vec<DataCategory> {
    policy()
        .service(&ServiceId::new(service))
        .map(|s| s.shares.clone())
        .unwrap_or_default()
}

/// Days to the first feedback under the simulated deployment's policy (the default), if
/// the rule is a number of days.
fn first_feedback_days(service: &str, provider: &str) -> Option<i64> {
    policy()
        .deadlines(&ServiceId::new(service), &ProviderId::new(provider))
        .and_then(|rules| rules.first_feedback.days())
        .map(i64::from)
}

/// The institution of the third party case management is delegated to (seed 002).
const DELEGATE_INSTITUTION: &str = "fallmanagement-traeger";

/// The plan's goals: "work", and in some cases a measurable sub-goal.
fn goals(sub_goal: bool, plan_at: DateTime<Utc>) -> Vec<Goal> {
    let mut goals = vec![Goal {
        parent: None,
        target: None,
        target_date: Some((plan_at + Duration::days(365)).local_day()),
        id: GoalId::new("G1"),
        text: Personal::new("Work".into()),
    }];
    if sub_goal {
        goals.push(Goal {
            parent: Some(GoalId::new("G1")),
            target: Some(Personal::new(GoalTarget {
                indicator: "hours of structured activity per week".into(),
                value: "15".into(),
            })),
            target_date: Some((plan_at + Duration::days(180)).local_day()),
            id: GoalId::new("G1a"),
            text: Personal::new("A daily structure".into()),
        });
    }
    goals
}

/// Notices to the referrer and the client before the closure.
fn closure_notices(s: &mut Script, coordinator: &Actor, at: DateTime<Utc>) {
    for to in [NoticeRecipient::Referrer, NoticeRecipient::Client] {
        s.push(at, coordinator, CaseCommand::SendClosureNotice { to });
    }
}

/// Most closed cases are erased within a month of closing; the rest stay on the
/// worklist as overdue erasures.
fn erase_later(s: &mut Script, rx: &mut Rng, coordinator: &Actor, closed_at: DateTime<Utc>) {
    if rx.chance(0.9) {
        s.push(
            closed_at + d(rx.range(1, 30)),
            coordinator,
            CaseCommand::EraseCase,
        );
    }
}

/// A reminder one day after `due` and, 14 days late, an escalation to the team lead, if
/// what is due arrives only at `arrives`.
fn escalate_if_late(
    s: &mut Script,
    actor: &Actor,
    item: DeadlineItem,
    due: DateTime<Utc>,
    arrives: DateTime<Utc>,
) {
    let due = due.local_day();
    for (level, after) in [(1u8, 1i64), (2, 14)] {
        let Some(at) = due
            .checked_add_days(chrono::Days::new(after as u64))
            .and_then(|day| day.and_hms_opt(10, 0, 0))
            .map(|t| t.and_utc())
        else {
            continue;
        };
        if at < arrives {
            s.push(
                at,
                actor,
                CaseCommand::RecordEscalation {
                    item: item.clone(),
                    level,
                },
            );
        }
    }
}

/// Between the plan and the closure: progress on the goal at about half the reviews,
/// regular conferences (a fifth of them revise the plan), and in a tenth of the cases the
/// steering of the case delegated to a third party that reports monthly.
fn coordination_work(
    s: &mut Script,
    rx: &mut Rng,
    coordinator: &Actor,
    measures: &[Measure],
    sub_goal: bool,
    plan_at: DateTime<Utc>,
    close_at: DateTime<Utc>,
) {
    let reviews: Vec<DateTime<Utc>> = s
        .steps
        .iter()
        .filter(|st| matches!(st.command, CaseCommand::HoldReview { .. }))
        .map(|st| st.at)
        .collect();
    for at in reviews {
        if rx.chance(0.5) {
            let status = [ProgressStatus::OnTrack, ProgressStatus::AtRisk][rx.weighted(&[70, 30])];
            s.push(
                at + Duration::minutes(5),
                coordinator,
                CaseCommand::RecordProgress {
                    on: ProgressOn::Goal(GoalId::new("G1")),
                    status,
                    note: Personal::new(String::new()),
                },
            );
        }
    }
    let mut next = plan_at + d(rx.range(90, 150));
    while next + Duration::days(15) < close_at {
        s.push(
            next - Duration::days(14),
            coordinator,
            CaseCommand::ScheduleConference {
                on: next.local_day(),
            },
        );
        let decision =
            [ConferenceDecision::Continue, ConferenceDecision::RevisePlan][rx.weighted(&[80, 20])];
        s.push(
            next,
            coordinator,
            CaseCommand::HoldConference {
                kind: ConferenceKind::Regular,
                participants: vec![
                    coordinator.user.clone(),
                    UserId::new("spezialist-sozialamt"),
                ],
                minutes: Personal::new(String::new()),
                decision,
            },
        );
        if decision == ConferenceDecision::RevisePlan {
            let at = next + d(rx.range(1, 10));
            let revised = measures
                .iter()
                .map(|m| Measure {
                    deadline: m.deadline.max((at + Duration::days(30)).local_day()),
                    ..m.clone()
                })
                .collect();
            s.push(
                at,
                coordinator,
                CaseCommand::RevisePlan {
                    plan: Plan {
                        goals: goals(sub_goal, at),
                        measures: revised,
                        review_every_days: None,
                        signed_by_client: true,
                        signed_by_coordinator: true,
                    },
                },
            );
        }
        next += d(rx.range(90, 150));
    }
    if rx.chance(0.1) {
        let from = plan_at + d(7);
        let until = (from + Duration::days(rx.range(60, 180))).min(close_at - Duration::days(2));
        if until <= from + Duration::days(30) {
            return;
        }
        let whole = rx.chance(0.5);
        let delegate = Actor::new("fm-traeger", Role::Provider, DELEGATE_INSTITUTION);
        s.push(
            from,
            coordinator,
            CaseCommand::DelegateCaseManagement {
                delegate: delegate.user.clone(),
                institution: InstitutionId::new(DELEGATE_INSTITUTION),
                measures: if whole {
                    vec![]
                } else {
                    vec![MeasureId::new("M1")]
                },
                until: until.local_day(),
            },
        );
        let on = if whole {
            ProgressOn::Goal(GoalId::new("G1"))
        } else {
            ProgressOn::Measure(MeasureId::new("M1"))
        };
        let mut report = from + d(rx.range(25, 32));
        while report < until {
            s.push(
                report,
                &delegate,
                CaseCommand::RecordProgress {
                    on: on.clone(),
                    status: ProgressStatus::OnTrack,
                    note: Personal::new(String::new()),
                },
            );
            report += d(rx.range(25, 32));
        }
    }
}

/// In about 8 % of the planned cases coordination passes to a colleague (leave, change of
/// job) between the plan and the closure: from then on the new coordinator acts.
fn hand_over(steps: &mut Vec<Step>, rx: &mut Rng, plan_at: DateTime<Utc>, close_at: DateTime<Utc>) {
    if !rx.chance(0.08) {
        return;
    }
    let span = (close_at - plan_at).num_days();
    if span < 30 {
        return;
    }
    let at = plan_at + d(rx.range(10, span - 10));
    let Some(from) = steps
        .iter()
        .find(|st| st.actor.role == Role::Coordinator)
        .map(|st| st.actor.clone())
    else {
        return;
    };
    let to = COORDINATORS
        .iter()
        .copied()
        .find(|c| *c != from.user.as_str())
        .unwrap_or(COORDINATORS[0]);
    let successor = Actor::new(to, Role::Coordinator, from.institution.as_str());
    for st in steps.iter_mut().filter(|st| st.at > at) {
        if st.actor == from {
            st.actor = successor.clone();
        }
        if let CaseCommand::HoldConference { participants, .. } = &mut st.command {
            for p in participants.iter_mut().filter(|p| **p == from.user) {
                *p = successor.user.clone();
            }
        }
    }
    let case = steps.first().map(|st| st.case);
    if let Some(case) = case {
        let pos = steps.partition_point(|st| st.at <= at);
        steps.insert(
            pos,
            Step {
                at,
                case,
                actor: from.clone(),
                command: CaseCommand::HandOverCoordination {
                    to: UserId::new(to),
                    institution: from.institution.clone(),
                    reason: [HandoverReason::Absence, HandoverReason::LeftPosition]
                        [rx.weighted(&[60, 40])],
                },
            },
        );
    }
}
