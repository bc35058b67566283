//! Why a case command was rejected: [`CaseError`] gathers the rules every command passes
//! (role, phase, consent, the named coordinator) and one error enum per command family.

use crate::actor::Role;
use chrono::{DateTime, Utc};

use crate::ids::{CaseId, ProviderId, ServiceId, UserId, VoucherId};
use crate::model::{ClosureReason, PhaseName};
use crate::plan::PlanError;
use crate::policy::triage::AdmissionGap;
use crate::voucher::FeedbackKind;

/// A rejected case command. A rejected command produces no event.
///
/// The variants of its own are the rules every command passes; a family's rules are in
/// the family's enum ([`IntakeError`], [`ConsentError`], [`TeamError`], [`PlanningError`],
/// [`VoucherError`], [`CoordinationError`], [`ClosureError`]), shown with the same text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The case has no events yet: register it first.
    #[error("the case is not registered")]
    NotRegistered,
    /// `RegisterCase` on a registered case.
    #[error("case {0} is already registered")]
    AlreadyRegistered(CaseId),
    /// The case is closed; nothing but erasure follows.
    #[error("the case is closed ({reason})")]
    CaseClosed {
        /// Why it was closed.
        reason: ClosureReason,
    },
    /// The command does not fit the phase.
    #[error("{command} needs phase {}, but the case is {actual}", join(expected))]
    WrongPhase {
        /// The command.
        command: &'static str,
        /// The phases in which it is allowed.
        expected: &'static [PhaseName],
        /// The phase the case is in.
        actual: PhaseName,
    },
    /// No consent is active: nothing may be shared or planned.
    #[error("{command} needs active consent of the client")]
    ConsentRequired {
        /// The command.
        command: &'static str,
    },
    /// The command would share data of a category the active consent does not cover.
    #[error("{command} would share {category}, which the client's consent does not cover")]
    OutsideConsent {
        /// The command.
        command: &'static str,
        /// The category not covered.
        category: crate::DataCategory,
    },
    /// The command would share the case with an institution the consent does not name.
    #[error("{command} would share the case with {institution}, which the client's consent does not name")]
    InstitutionOutsideConsent {
        /// The command.
        command: &'static str,
        /// The institution not named.
        institution: crate::InstitutionId,
    },
    /// The actor's role may not issue this command.
    #[error("a {role} may not {command}")]
    NotPermitted {
        /// The actor's role.
        role: Role,
        /// The command.
        command: &'static str,
    },
    /// The actor is no party of this case ([`crate::party`](mod@crate::party)): not its client, not its
    /// named coordinator, not in its team, no provider of its vouchers, …
    #[error(transparent)]
    NotAParty(#[from] crate::party::NotAParty),
    /// A rule of intake: registration, mandate, admission.
    #[error(transparent)]
    Intake(#[from] IntakeError),
    /// A rule of the consent family.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// A rule of the case team.
    #[error(transparent)]
    Team(#[from] TeamError),
    /// A rule of assessment, plan, reviews and progress.
    #[error(transparent)]
    Planning(#[from] PlanningError),
    /// A rule of vouchers and services.
    #[error(transparent)]
    Voucher(#[from] VoucherError),
    /// A rule of escalation, handover, conferences and delegation.
    #[error(transparent)]
    Coordination(#[from] CoordinationError),
    /// A rule of closure and erasure.
    #[error(transparent)]
    Closure(#[from] ClosureError),
}

/// A rejected intake command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeError {
    /// The client does not meet the admission criteria.
    #[error("admission criteria not met: {}", gaps.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    AdmissionDenied {
        /// The criteria not met.
        gaps: Vec<AdmissionGap>,
    },
    /// The intake decision was already taken.
    #[error("the intake decision was already taken")]
    AdmissionAlreadyDecided,
    /// The client's subject or representative is no valid identity (empty, too long,
    /// control characters, white space at either end, `/` or `@`).
    #[error("the client's pseudonym: {0}")]
    InvalidSubject(casework_core::ActorError),
    /// The representative named is the client's own subject.
    #[error("the legal representative must be another person than the client")]
    RepresentativeIsSubject,
    /// Personal data of the referral before the client's consent, under a policy that
    /// asks for consent first (seed 001: "Für die Anmeldung … wird die Unterzeichnung
    /// einer Vollmacht … vorausgesetzt").
    #[error("{0} needs the client's signed consent first (the policy's intake.consent_first)")]
    ConsentFirst(&'static str),
}

/// A rejected consent command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// The policy requires an admission before the consent.
    #[error("the referral must be admitted (DecideAdmission) before the consent is signed")]
    AdmissionRequired,
    /// A form signed by a legal representative, on a case that records none.
    #[error("the case records no legal representative: register the client with one")]
    NoRepresentative,
    /// A member other than the coordinator recorded a consent form once a team works the
    /// case.
    #[error("once a team works the case, its coordinator records the client's consent forms")]
    FormsByTheCoordinator,
    /// A client-role actor signed under another signatory than who they are (the client
    /// as representative, or the representative as the client).
    #[error("the signatory {signatory:?} is not who signs")]
    WrongSignatory {
        /// The signatory named.
        signatory: crate::Signatory,
    },
}

/// A rejected team command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    /// The member is in the team already.
    #[error("{0} is already a member of the team")]
    AlreadyMember(UserId),
    /// The user is not a member.
    #[error("{0} is not a member of the team")]
    NotMember(UserId),
    /// The coordinator keeps overall responsibility and cannot leave.
    #[error("the coordinator cannot leave the team")]
    CoordinatorCannotLeave,
}

/// A rejected command of assessment and planning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanningError {
    /// A plan needs the round table decided at the assessment.
    #[error("the assessment recommended closure; no round table, no plan")]
    NoRoundTable,
    /// A review names a measure the plan does not have.
    #[error("the plan has no measure `{0}`")]
    UnknownMeasure(crate::ids::MeasureId),
    /// The plan is incomplete or inconsistent.
    #[error("invalid plan: {0}")]
    InvalidPlan(#[from] PlanError),
    /// The plan lacks a signature the policy requires.
    #[error("the plan is not signed by the {0}, as the policy requires")]
    PlanNotSigned(&'static str),
    /// A measure names a sector the policy does not know.
    #[error("measure sector `{0}` is not one of the policy's sectors")]
    UnknownSector(String),
    /// The plan has no such goal.
    #[error("the plan has no goal `{0}`")]
    UnknownGoal(crate::ids::GoalId),
    /// The actor may not record progress on this item.
    #[error("{user} may not record progress on {on:?}: {why}")]
    NotResponsible {
        /// Who tried.
        user: UserId,
        /// The item.
        on: crate::record::ProgressOn,
        /// Why not.
        why: &'static str,
    },
}

/// A rejected voucher command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoucherError {
    /// The policy does not know the service.
    #[error("unknown service `{0}`")]
    UnknownService(ServiceId),
    /// A voucher with this id exists in the case.
    #[error("voucher {0} already exists")]
    VoucherExists(VoucherId),
    /// No voucher with this id in the case.
    #[error("unknown voucher {0}")]
    UnknownVoucher(VoucherId),
    /// The voucher is not redeemed yet.
    #[error("voucher {0} is not redeemed yet")]
    VoucherNotRedeemed(VoucherId),
    /// The voucher is returned or completed: nothing more happens to it.
    #[error("voucher {voucher} is already {status}")]
    VoucherFinished {
        /// The voucher.
        voucher: VoucherId,
        /// `returned` or `completed`.
        status: &'static str,
    },
    /// The voucher was redeemed already.
    #[error("voucher {0} is already redeemed")]
    VoucherAlreadyRedeemed(VoucherId),
    /// A provider acts on another provider's voucher.
    #[error("voucher {voucher} belongs to provider {provider}")]
    NotVoucherProvider {
        /// The voucher.
        voucher: VoucherId,
        /// Its provider.
        provider: ProviderId,
    },
    /// A feedback kind that was already received (first) or comes too early.
    #[error("{kind:?} feedback for voucher {voucher} is not possible: {why}")]
    FeedbackOutOfOrder {
        /// The voucher.
        voucher: VoucherId,
        /// The feedback kind.
        kind: FeedbackKind,
        /// Why.
        why: &'static str,
    },
    /// A final feedback must state the outcome.
    #[error("the final feedback for voucher {0} must state the outcome")]
    OutcomeRequired(VoucherId),
    /// The service has no need-group catalog.
    #[error("service `{0}` has no need-group catalog")]
    NoCatalog(ServiceId),
    /// The catalog has no such need group.
    #[error("service `{service}` has no need group {need_group}")]
    UnknownNeedGroup {
        /// The service.
        service: ServiceId,
        /// The need group.
        need_group: u8,
    },
    /// The catalog has no such module.
    #[error("service `{service}` has no module {module}")]
    UnknownModule {
        /// The service.
        service: ServiceId,
        /// The module.
        module: u8,
    },
    /// A record of no effort at all.
    #[error("recorded service hours must be more than zero")]
    NoEffort,
    /// The next stage must follow the current one and exist in the policy.
    #[error("voucher {voucher} cannot start stage {stage}: {why}")]
    InvalidStage {
        /// The voucher.
        voucher: VoucherId,
        /// The requested stage.
        stage: u8,
        /// Why.
        why: String,
    },
    /// The voucher is already linked to this measure.
    #[error("voucher {0} is already linked to this measure")]
    AlreadyLinked(VoucherId),
}

/// A rejected coordination command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoordinationError {
    /// The item is not an overdue deadline of the case.
    #[error("{item:?} is not an overdue deadline of this case")]
    NotOverdue {
        /// The item named.
        item: crate::deadline::DeadlineItem,
    },
    /// The escalation level does not apply (yet), or was already recorded.
    #[error("escalation level {level} is not possible now: {why}")]
    EscalationLevel {
        /// The level asked for.
        level: u8,
        /// Why not.
        why: String,
    },
    /// The person is already the coordinator.
    #[error("{0} is already the coordinator")]
    AlreadyCoordinator(UserId),
    /// The institution is not one of the team's.
    #[error("{0} is not an institution of the case team")]
    NotTeamInstitution(crate::ids::InstitutionId),
    /// A conference participant is not a member of the team.
    #[error("conference participant {0} is not a member of the team")]
    NotAParticipant(UserId),
    /// Too few conference participants.
    #[error("a conference needs at least {min} participants, {got} given")]
    TooFewParticipants {
        /// The policy's minimum.
        min: u8,
        /// How many were named.
        got: usize,
    },
    /// The day lies in the past.
    #[error("{0} lies in the past")]
    DayInPast(chrono::NaiveDate),
    /// A delegation is running.
    #[error("a delegation is running until {0}; end it first")]
    DelegationRunning(chrono::NaiveDate),
    /// No delegation is running.
    #[error("no delegation is running")]
    NoDelegation,
    /// The delegation period is not allowed.
    #[error("a delegation may run until {latest} at the latest, not {until}")]
    DelegationTooLong {
        /// The requested last day.
        until: chrono::NaiveDate,
        /// The latest allowed.
        latest: chrono::NaiveDate,
    },
}

/// A rejected command of closure or erasure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClosureError {
    /// The case's personal data is already erased.
    #[error("the case is already erased")]
    AlreadyErased,
    /// Closing with `ConsentRevoked` is done by revoking consent.
    #[error("use RevokeConsent to abort a case")]
    UseRevokeConsent,
    /// A declined referral is closed by the intake decision.
    #[error("use DecideAdmission to decline a referral")]
    UseDecideAdmission,
    /// Erasure waits for the retention period.
    #[error("erasure is possible from {until}")]
    RetentionNotElapsed {
        /// The first moment erasure is allowed.
        until: DateTime<Utc>,
    },
    /// A declined referral is kept through the objection period.
    #[error(
        "the objection period runs until {last_day}: the declined referral is erased after it"
    )]
    ObjectionPeriodRunning {
        /// The period's last day.
        last_day: chrono::NaiveDate,
    },
    /// A closure notice is missing.
    #[error("the {0:?} must be told of the closure first (SendClosureNotice)")]
    NoticeMissing(crate::record::NoticeRecipient),
    /// A planned case closes only after its evaluation.
    #[error("record the goal attainment (EvaluateCase) before closing a planned case")]
    EvaluationRequired,
    /// The evaluation must name each goal once.
    #[error("the evaluation must name each goal of the plan once: {0}")]
    EvaluationIncomplete(String),
}

impl From<crate::plan::PlanError> for CaseError {
    fn from(e: crate::plan::PlanError) -> Self {
        CaseError::Planning(PlanningError::InvalidPlan(e))
    }
}

fn join(phases: &[PhaseName]) -> String {
    phases
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}
