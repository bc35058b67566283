//! The generator of case histories: per step a few drawn numbers, turned into the next
//! command for the state the case is in.

use std::ops::RangeInclusive;

use casework_core::*;
use casework_process::*;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use uuid::Uuid;

use super::bits::Bits;
use super::story::{History, Played, Run, Step, Steps};
use super::{
    arbitrary_actor, arbitrary_command, assess, form_team, full_scope, member_from, plan_from,
    register, start, CaseLike, AREAS, PROVIDERS, SERVICES, USERS,
};

/// The case id of generated cases unless a [`Generator`] is told otherwise.
pub const CASE_ID: CaseId = CaseId(Uuid::from_u128(7));

/// How generated case histories are drawn. The defaults reach the whole process: over 256
/// cases about half agree a plan, four in ten have a voucher redeemed, one in five is
/// revoked and a good share ends with a deadline overdue (the testkit's coverage test
/// holds them to at least 40 %, 30 %, 15 % and 10 %).
///
/// ```
/// use casework_testkit::strategies::Generator;
/// use casework_core::*;
/// use casework_process::*;
///
/// let cases = Generator::default()
///     .depth(10..=40)          // steps per case
///     .closing(0.5)            // half the cases are taken to closure
///     .revocation(0.0)         // no case is revoked
///     .off_path(0.05)          // one step in twenty is an arbitrary command
///     .days(1..=7)             // one to seven days between steps
///     .random_case_id()        // a new case id per case
///     .with_policy(Policy::default());
/// # let _ = cases.history();
/// ```
#[derive(Debug, Clone)]
pub struct Generator {
    /// Steps per case (at least one).
    pub depth: RangeInclusive<usize>,
    /// The chance that a case is taken to closure (closure notices, evaluation, close)
    /// in its second half.
    pub closing: f64,
    /// The chance that the client revokes consent, at a step in the case's last two
    /// thirds.
    pub revocation: f64,
    /// The share of steps that are arbitrary commands by mostly permitted, sometimes
    /// any, roles (so that every rule is also tried the wrong way round); the others are
    /// chosen for the state.
    pub off_path: f64,
    /// Days between steps (from 0).
    pub days: RangeInclusive<i64>,
    /// The policy commands are decided under.
    pub policy: Policy,
    /// The case id; `None`: drawn per case.
    pub case_id: Option<CaseId>,
    /// The time the first step's days count from.
    pub start: DateTime<Utc>,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            depth: 5..=30,
            closing: 0.35,
            revocation: 0.2,
            off_path: 0.15,
            days: 0..=20,
            policy: Policy::default(),
            case_id: Some(CASE_ID),
            start: start(),
        }
    }
}

fn per_mille(p: f64) -> u32 {
    if p.is_nan() {
        return 0;
    }
    (p.clamp(0.0, 1.0) * 1000.0).round() as u32
}

fn ordered<T: PartialOrd + Copy>(r: &RangeInclusive<T>) -> RangeInclusive<T> {
    let (a, b) = (*r.start(), *r.end());
    if a <= b {
        a..=b
    } else {
        b..=a
    }
}

/// What a case is destined to do, drawn once per case.
struct Fate {
    revoke_at: Option<usize>,
    close_from: Option<usize>,
    case_id: CaseId,
}

impl Generator {
    /// The same generator deciding under `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The same generator with `steps` steps per case (at least one).
    pub fn depth(mut self, steps: RangeInclusive<usize>) -> Self {
        self.depth = steps;
        self
    }

    /// The same generator taking a case to closure with chance `p`.
    pub fn closing(mut self, p: f64) -> Self {
        self.closing = p;
        self
    }

    /// The same generator revoking consent with chance `p`.
    pub fn revocation(mut self, p: f64) -> Self {
        self.revocation = p;
        self
    }

    /// The same generator with share `p` of arbitrary steps.
    pub fn off_path(mut self, p: f64) -> Self {
        self.off_path = p;
        self
    }

    /// The same generator with `days` between steps (negative days count as 0).
    pub fn days(mut self, days: RangeInclusive<i64>) -> Self {
        self.days = days;
        self
    }

    /// The same generator with case id `id`.
    pub fn case_id(mut self, id: CaseId) -> Self {
        self.case_id = Some(id);
        self
    }

    /// The same generator drawing a case id per case.
    pub fn random_case_id(mut self) -> Self {
        self.case_id = None;
        self
    }

    /// The same generator starting at `at`.
    pub fn starting(mut self, at: DateTime<Utc>) -> Self {
        self.start = at;
        self
    }

    /// Whole runs: every step with its time and outcome, the events and the final state,
    /// decided through `CaseProcess`.
    pub fn run(&self) -> impl Strategy<Value = Run> {
        let me = self.clone();
        let depth = ordered(&self.depth);
        let depth = (*depth.start()).max(1)..=(*depth.end()).max(1);
        let days = ordered(&self.days);
        let days = (*days.start()).max(0)..=(*days.end()).max(0);
        (
            any::<(u64, u128)>(),
            prop::collection::vec((any::<u64>(), any::<u64>(), days), depth),
        )
            .prop_map(move |(fate, draws)| me.play(fate, &draws))
    }

    /// Command sequences (what [`Generator::run`] played, without the outcomes).
    pub fn steps(&self) -> impl Strategy<Value = Steps> {
        let start = self.start;
        self.run().prop_map(move |run| run.steps(start))
    }

    /// Case histories: the recorded events of [`Generator::run`].
    pub fn history(&self) -> impl Strategy<Value = History> {
        self.run().prop_map(|run| History(run.events))
    }

    /// One step for a case in `state` at `now` (the last step's time): the single-step
    /// strategy the generator's runs are made of, for model tests that choose each step
    /// after seeing the system.
    pub fn next_step(&self, state: &CaseState, now: DateTime<Utc>) -> BoxedStrategy<Step> {
        let me = self.clone();
        let state = state.clone();
        let days = ordered(&self.days);
        let days = (*days.start()).max(0)..=(*days.end()).max(0);
        (any::<u64>(), any::<u64>(), days)
            .prop_map(move |(a, b, days)| {
                let fate = Fate {
                    revoke_at: None,
                    close_from: None,
                    case_id: me.case_id.unwrap_or(CASE_ID),
                };
                me.choose(&state, now + Duration::days(days), &fate, 0, (a, b), days)
            })
            .boxed()
    }

    /// Runs `steps` through process `P` from an empty case under this generator's policy
    /// and start: to run a generated sequence through a variant of the process.
    pub fn replay<P>(&self, steps: &[Step]) -> Run
    where
        P: CaseLike,
    {
        let mut run = self.empty_run(self.case_id.unwrap_or(CASE_ID));
        let mut now = self.start;
        for step in steps {
            now += Duration::days(step.days);
            self.play_step::<P>(&mut run, step.clone(), now);
        }
        run
    }

    fn empty_run(&self, case_id: CaseId) -> Run {
        Run {
            case_id,
            played: Vec::new(),
            events: Vec::new(),
            state: CaseState::default(),
        }
    }

    fn play_step<P>(&self, run: &mut Run, step: Step, at: DateTime<Utc>)
    where
        P: CaseLike,
    {
        let ctx = Context::new(at, &step.actor, &self.policy);
        let outcome = execute::<P>(&mut run.state, &step.cmd, &ctx);
        if let Ok(events) = &outcome {
            run.events.extend(events.iter().cloned());
        }
        run.played.push(Played { step, at, outcome });
    }

    fn play(&self, fate: (u64, u128), draws: &[(u64, u64, i64)]) -> Run {
        let n = draws.len();
        let mut f = Bits::new(fate.0);
        let revokes = f.chance(per_mille(self.revocation));
        let closes = f.chance(per_mille(self.closing));
        let fate = Fate {
            revoke_at: revokes.then(|| n / 3 + f.below(n - n / 3)),
            // closing takes four steps (two notices, the evaluation, the closure)
            close_from: closes.then(|| n.saturating_sub(5 + f.below(n / 3 + 1))),
            case_id: self.case_id.unwrap_or(CaseId(Uuid::from_u128(fate.1))),
        };
        let mut run = self.empty_run(fate.case_id);
        let mut now = self.start;
        for (i, &(a, b, days)) in draws.iter().enumerate() {
            now += Duration::days(days);
            let step = self.choose(&run.state, now, &fate, i, (a, b), days);
            self.play_step::<CaseProcess>(&mut run, step, now);
        }
        run
    }

    /// The step for `state` at `now` from the drawn numbers `a` (choices) and `b` (values).
    fn choose(
        &self,
        state: &CaseState,
        now: DateTime<Utc>,
        fate: &Fate,
        i: usize,
        (a, b): (u64, u64),
        days: i64,
    ) -> Step {
        let (mut a, mut b) = (Bits::new(a), Bits::new(b));
        let (cmd, actor) = if a.chance(per_mille(self.off_path)) {
            let cmd = arbitrary_command(&mut b, self.policy.local_date(now));
            let actor = arbitrary_actor(&mut a, &cmd);
            (cmd, actor)
        } else {
            let guide = Guide {
                policy: &self.policy,
                now,
                fate,
                i,
            };
            guide.next(state, &mut a, &mut b)
        };
        Step { cmd, actor, days }
    }
}

/// Chooses the next sensible command for a state.
struct Guide<'g> {
    policy: &'g Policy,
    now: DateTime<Utc>,
    fate: &'g Fate,
    i: usize,
}

/// The moves of an open case, weighted by how often a real case makes them.
#[derive(Clone, Copy)]
enum Move {
    Main,
    Mandate,
    Admission,
    Escalation,
    AddMember,
    IssueVoucher,
    Voucher,
    Progress,
    Link,
    Conference,
    Delegation,
    Revise,
    Handover,
}

impl Guide<'_> {
    fn today(&self) -> NaiveDate {
        self.policy.local_date(self.now)
    }

    fn coordinator(&self, case: &OpenCase) -> Actor {
        coordinator_of(&case.phase)
    }

    fn next(&self, state: &CaseState, a: &mut Bits, b: &mut Bits) -> (CaseCommand, Actor) {
        match state {
            CaseState::Unregistered => {
                // two or three distinct problem areas: the default admission criteria
                let skip = b.below(AREAS.len());
                let areas = (0..AREAS.len()).filter(|i| *i != skip).map(|i| AREAS[i]);
                let mut profile = Profile::new(18 + b.below(45) as u8, Gender::Female, "t1")
                    .problems(areas.take(2 + b.below(2)));
                profile.market = [MarketProximity::Near, MarketProximity::Far][b.below(2)];
                (
                    register(self.fate.case_id, profile),
                    Actor::new("s.berger", Role::Referrer, "sozialamt"),
                )
            }
            CaseState::Closed(closed) if closed.erased_at.is_none() => {
                (CaseCommand::EraseCase, coordinator_of(&closed.last_phase))
            }
            // an erased case: anything, to see that nothing is recorded
            CaseState::Closed(_) => {
                let cmd = arbitrary_command(b, self.today());
                let actor = arbitrary_actor(a, &cmd);
                (cmd, actor)
            }
            CaseState::Open(case) => self.open(case, a, b),
        }
    }

    fn open(&self, case: &OpenCase, a: &mut Bits, b: &mut Bits) -> (CaseCommand, Actor) {
        let coordinator = self.coordinator(case);
        if self.fate.revoke_at.is_some_and(|r| self.i >= r) && case.phase.consent().is_some() {
            return (CaseCommand::RevokeConsent, Actor::client("client"));
        }
        let recommended = matches!(
            case.phase.assessment(),
            Some(Assessment {
                outcome: AssessmentOutcome::RecommendAndClose,
                ..
            })
        ) && case.phase.planned().is_none();
        if recommended || self.fate.close_from.is_some_and(|c| self.i >= c) {
            return (self.closing_step(case, b), coordinator);
        }
        let c = &case.coordination;
        let planned = case.phase.planned().is_some();
        let moves = [
            (if planned { 2 } else { 12 }, Move::Main),
            // consent first (the default policy): the mandate waits for the consent
            (
                u32::from(
                    !c.mandate_recorded
                        && !planned
                        && (case.phase.consent().is_some()
                            || !self.policy.process.intake.consent_first),
                ),
                Move::Mandate,
            ),
            (
                u32::from(c.admission.is_none() && case.phase == Phase::Registered),
                Move::Admission,
            ),
            (2, Move::Escalation),
            (u32::from(case.phase.team().is_some()), Move::AddMember),
            (
                match case.vouchers.len() {
                    _ if !planned => 0,
                    0 => 12,
                    1 | 2 => 3,
                    _ => 0,
                },
                Move::IssueVoucher,
            ),
            (if case.vouchers.is_empty() { 0 } else { 14 }, Move::Voucher),
            (u32::from(planned), Move::Progress),
            (u32::from(planned && !case.vouchers.is_empty()), Move::Link),
            (u32::from(planned), Move::Conference),
            (u32::from(planned), Move::Delegation),
            (u32::from(planned), Move::Revise),
            (
                u32::from(case.phase.team().is_some() && b.chance(300)),
                Move::Handover,
            ),
        ];
        let weights: Vec<u32> = moves.iter().map(|(w, _)| *w).collect();
        let chosen = moves[a.weighted(&weights)].1;
        self.make(case, chosen, coordinator, b)
            .unwrap_or_else(|| self.main(case, b))
    }

    /// The next step of the main path for the phase.
    fn main(&self, case: &OpenCase, b: &mut Bits) -> (CaseCommand, Actor) {
        let coordinator = self.coordinator(case);
        let cmd = match &case.phase {
            Phase::Registered => CaseCommand::SignConsent {
                signatory: Signatory::Client,
                scope: full_scope(),
            },
            // up to two of the users that are not the coordinator, from `rav`
            Phase::Consented(_) => form_team(
                USERS[1..]
                    .iter()
                    .filter(|_| b.chance(400))
                    .map(|u| Member {
                        user: UserId::new(*u),
                        institution: InstitutionId::new("rav"),
                        function: TeamFunction::Specialist,
                    })
                    .collect(),
            ),
            Phase::TeamFormed(_) => assess(if b.chance(80) {
                AssessmentOutcome::RecommendAndClose
            } else {
                AssessmentOutcome::RoundTable
            }),
            Phase::Assessed(_) => CaseCommand::AgreePlan {
                plan: plan_from(b, self.today() + Duration::days(7), false),
            },
            Phase::Planned(p) => {
                let done: Vec<MeasureId> = p
                    .plan
                    .measures
                    .iter()
                    .filter(|m| m.deadline <= self.today())
                    .map(|m| m.id.clone())
                    .collect();
                CaseCommand::HoldReview {
                    completed_measures: done,
                    notes: Personal::new("review".into()),
                }
            }
        };
        (cmd, coordinator)
    }

    /// Notices, evaluation, closure: whichever comes next.
    fn closing_step(&self, case: &OpenCase, b: &mut Bits) -> CaseCommand {
        let plan = case.phase.planned().map(|p| &p.plan);
        let attainment = [
            Attainment::Attained,
            Attainment::Partly,
            Attainment::NotAttained,
        ][b.below(3)];
        let c = &case.coordination;
        let pending = closure_duties(plan, attainment)
            .into_iter()
            .find(|cmd| match cmd {
                CaseCommand::SendClosureNotice { to } => !c.notices.contains(to),
                CaseCommand::EvaluateCase { .. } => c.attainment.is_empty(),
                _ => true,
            });
        pending.unwrap_or_else(|| CaseCommand::CloseCase {
            reason: [
                ClosureReason::GoalReached,
                ClosureReason::Employment,
                ClosureReason::Training,
                ClosureReason::ServicesDelivered,
                ClosureReason::NoFurtherNeed,
                ClosureReason::Other,
            ][b.below(6)],
        })
    }

    /// The command of a move, or `None` where the move has nothing to do now.
    fn make(
        &self,
        case: &OpenCase,
        chosen: Move,
        coordinator: Actor,
        b: &mut Bits,
    ) -> Option<(CaseCommand, Actor)> {
        use CaseCommand as C;
        let today = self.today();
        let cmd = match chosen {
            Move::Main => return Some(self.main(case, b)),
            Move::Mandate => C::RecordMandate {
                mandate: Mandate {
                    goals: Personal::new("mandate".into()),
                    documents: vec!["cv".into(), "medical-report".into()],
                },
            },
            Move::Admission => C::DecideAdmission {
                decision: if b.chance(50) {
                    AdmissionDecision::Declined {
                        reason: DeclineReason::NoCapacity,
                    }
                } else {
                    AdmissionDecision::Admitted
                },
            },
            Move::Escalation => {
                let overdue = deadline::overdue(&CaseState::Open(case.clone()), self.policy, today);
                let due = overdue.get(b.below(overdue.len()))?;
                C::RecordEscalation {
                    level: case
                        .coordination
                        .escalation_level(&due.item)
                        .saturating_add(1),
                    item: due.item.clone(),
                }
            }
            Move::AddMember => C::AddMember {
                member: member_from(b),
            },
            // the first unused of V1..V3 from a drawn offset (shrinks to V1)
            Move::IssueVoucher => C::IssueVoucher {
                voucher: {
                    let offset = b.below(3);
                    (0..3)
                        .map(|i| VoucherId::new(format!("V{}", 1 + (offset + i) % 3)))
                        .find(|id| !case.vouchers.contains_key(id))?
                },
                service: ServiceId::new(SERVICES[b.below(SERVICES.len() - 1)]),
                provider: ProviderId::new(PROVIDERS[b.below(2)]),
            },
            Move::Voucher => return self.voucher_step(case, b),
            // by the coordinator, on a measure of the plan
            Move::Progress => {
                let plan = &case.phase.planned()?.plan;
                let measure = plan.measures.get(b.below(plan.measures.len()))?;
                C::RecordProgress {
                    on: ProgressOn::Measure(measure.id.clone()),
                    status: [
                        ProgressStatus::OnTrack,
                        ProgressStatus::AtRisk,
                        ProgressStatus::Done,
                    ][b.below(3)],
                    note: Personal::new("progress".into()),
                }
            }
            Move::Link => {
                let v = case.vouchers.keys().nth(b.below(case.vouchers.len()))?;
                let plan = &case.phase.planned()?.plan;
                let measure = plan.measures.get(b.below(plan.measures.len()))?;
                C::LinkVoucher {
                    voucher: v.clone(),
                    measure: measure.id.clone(),
                }
            }
            Move::Conference => match case.coordination.conference_scheduled {
                None => C::ScheduleConference {
                    on: today + Duration::days(7 + b.below(21) as i64),
                },
                Some(_) => C::HoldConference {
                    kind: ConferenceKind::Regular,
                    participants: vec![coordinator.user.clone()],
                    minutes: Personal::new("minutes".into()),
                    decision: ConferenceDecision::Continue,
                },
            },
            Move::Delegation => match case.coordination.delegation {
                Some(_) => C::EndDelegation,
                None => C::DelegateCaseManagement {
                    delegate: UserId::new("d.weber"),
                    institution: InstitutionId::new(PROVIDERS[b.below(2)]),
                    measures: if b.chance(500) {
                        vec![]
                    } else {
                        vec![MeasureId::new("M0")]
                    },
                    until: today + Duration::days(30 + b.below(90) as i64),
                },
            },
            Move::Revise => C::RevisePlan {
                plan: plan_from(b, today + Duration::days(7), false),
            },
            Move::Handover => C::HandOverCoordination {
                to: UserId::new(USERS[1 + b.below(2)]),
                institution: InstitutionId::new("rav"),
                reason: HandoverReason::Absence,
            },
        };
        Some((cmd, coordinator))
    }

    /// The next thing that happens to one of the case's vouchers, by its provider.
    fn voucher_step(&self, case: &OpenCase, b: &mut Bits) -> Option<(CaseCommand, Actor)> {
        use CaseCommand as C;
        let running: Vec<&Voucher> = case
            .vouchers
            .values()
            .filter(|v| !v.status.is_finished())
            .collect();
        let v = *running.get(b.below(running.len()))?;
        let voucher = v.id.clone();
        let provider = Actor::new("p.wolf", Role::Provider, v.provider.as_str());
        let catalog = self
            .policy
            .service(&v.service)
            .and_then(|s| s.catalog.as_ref());
        let stages = self.policy.service(&v.service).map_or(1, |s| s.stages);
        let cmd = match v.status {
            VoucherStatus::Issued => match b.below(8) {
                0 => C::ReturnVoucher {
                    voucher,
                    reason: ReturnReason::NotStartedInTime,
                },
                1 | 2 if v.first_feedback_at.is_none() => C::RecordFeedback {
                    voucher,
                    kind: FeedbackKind::First,
                    facts: FeedbackFacts {
                        appointment_on: Some(self.today() + Duration::days(3)),
                        attending: None,
                        outcome: None,
                    },
                    content: None,
                },
                _ => C::RedeemVoucher { voucher },
            },
            _ => match b.below(10) {
                0..=2 if v.first_feedback_at.is_none() => C::RecordFeedback {
                    voucher,
                    kind: FeedbackKind::First,
                    facts: FeedbackFacts {
                        appointment_on: None,
                        attending: Some(true),
                        outcome: None,
                    },
                    content: None,
                },
                3 if v.need_group.is_none() => C::ClassifyNeedGroup {
                    need_group: catalog
                        .and_then(|c| c.need_groups.get(b.below(c.need_groups.len())))
                        .map_or(1, |g| g.number),
                    voucher,
                },
                4 | 5 => C::RecordServiceHours {
                    module: catalog
                        .and_then(|c| c.modules.get(b.below(c.modules.len())))
                        .map_or(1, |m| m.number),
                    individual_minutes: 30 + 15 * b.below(6) as u32,
                    group_sessions: b.below(2) as u32,
                    voucher,
                },
                6 if v.stage.is_some_and(|(s, _)| s < stages) => C::StartServiceStage {
                    stage: v.stage.map_or(1, |(s, _)| s + 1),
                    voucher,
                },
                7 => C::RecordFeedback {
                    voucher,
                    kind: FeedbackKind::Interim,
                    facts: FeedbackFacts {
                        appointment_on: None,
                        attending: Some(b.chance(850)),
                        outcome: None,
                    },
                    content: None,
                },
                8 => C::RecordFeedback {
                    voucher,
                    kind: FeedbackKind::Final,
                    facts: FeedbackFacts {
                        appointment_on: None,
                        attending: None,
                        outcome: Some(if b.chance(750) {
                            ServiceOutcome::Completed
                        } else {
                            ServiceOutcome::Discontinued
                        }),
                    },
                    content: b.chance(300).then(|| Personal::new("went well".into())),
                },
                _ => C::RecordServiceHours {
                    module: catalog
                        .and_then(|c| c.modules.first())
                        .map_or(1, |m| m.number),
                    individual_minutes: 60,
                    group_sessions: 0,
                    voucher,
                },
            },
        };
        Some((cmd, provider))
    }
}

/// Who acts as coordinator in phase `phase`: the team's named coordinator; before a team,
/// `k.meier` of the iiz once the consent names it (the team it will form), else the
/// intake's coordinator `t.lead` of the referring sozialamt (before the consent the case
/// goes to no other institution).
fn coordinator_of(phase: &Phase) -> Actor {
    match phase.team() {
        Some(team) => Actor::new(
            team.coordinator.as_str(),
            Role::Coordinator,
            team.coordinator_institution.as_str(),
        ),
        None if phase
            .consent()
            .is_some_and(|c| c.scope.institutions.contains(&InstitutionId::new("iiz"))) =>
        {
            Actor::new(USERS[0], Role::Coordinator, "iiz")
        }
        None => Actor::new("t.lead", Role::Coordinator, "sozialamt"),
    }
}
