//! The gates every command passes, as the families declare them: [`CommandRule`] (who may
//! issue a command, whether it needs consent), [`Scope`] (what a command shares, checked
//! against the active consent), and the phase check's error.

use crate::access::report_categories;
use crate::actor::Role;
use crate::consent::{ConsentScope, DataCategory};
use crate::ids::{InstitutionId, ProviderId, ServiceId};
use crate::model::{CaseCommand, OpenCase, PhaseName};
use crate::policy::Policy;

use super::error::CaseError;

/// The phases in which the case has a team.
pub(super) const TEAM_PHASES: &[PhaseName] = &[
    PhaseName::TeamFormed,
    PhaseName::Assessed,
    PhaseName::Planned,
];

/// Who may issue a command and whether it needs the client's active consent: the first
/// gates every command passes. Each family declares its commands' rules in its own file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandRule {
    /// The roles that may issue the command. Managers and auditors read; apart from
    /// escalation and handover they never change a case.
    pub roles: &'static [Role],
    /// Whether the command is refused without an active consent of the client.
    pub needs_consent: bool,
}

impl CommandRule {
    /// A command that needs active consent.
    pub(super) const fn with_consent(roles: &'static [Role]) -> Self {
        CommandRule {
            roles,
            needs_consent: true,
        }
    }

    /// A command that may be issued without active consent.
    pub(super) const fn without_consent(roles: &'static [Role]) -> Self {
        CommandRule {
            roles,
            needs_consent: false,
        }
    }

    /// What a family answers for a command that is not its own: nobody may issue it (a
    /// routing mistake fails closed; casework-testkit's
    /// `every_command_is_both_accepted_and_rejected_somewhere` finds a command left to it).
    pub(super) const NOBODY: CommandRule = CommandRule::with_consent(&[]);
}

/// The active consent's scope, as a command checks what it shares against it: the
/// institutions the consent names and the data categories it covers (a situation report
/// about health problems is health data, see [`crate::access::report_categories`]).
pub(crate) struct Scope<'a> {
    pub(super) consent: &'a ConsentScope,
    pub(super) case: &'a OpenCase,
    pub(super) command: &'static str,
    pub(super) policy: &'a Policy,
}

impl Scope<'_> {
    /// The command shares the case with `institution`: the consent must name it.
    pub(super) fn institution(&self, institution: &InstitutionId) -> Result<(), CaseError> {
        if self.consent.names(institution.as_str()) {
            Ok(())
        } else {
            Err(CaseError::InstitutionOutsideConsent {
                command: self.command,
                institution: institution.clone(),
            })
        }
    }

    /// The command shares data of these categories: the consent must cover each.
    pub(super) fn categories(&self, categories: &[DataCategory]) -> Result<(), CaseError> {
        match self.consent.uncovered(categories).next() {
            Some(category) => Err(CaseError::OutsideConsent {
                command: self.command,
                category,
            }),
            None => Ok(()),
        }
    }

    /// The command engages `provider` for `service`: the consent must name the provider
    /// (as an institution) and cover every category the service shares
    /// ([`crate::ServicePolicy::shares`]; an unknown service is refused by its family).
    pub(super) fn service(
        &self,
        provider: &ProviderId,
        service: &ServiceId,
    ) -> Result<(), CaseError> {
        self.institution(&InstitutionId::new(provider.as_str()))?;
        match self.policy.service(service) {
            Some(s) => self.categories(&s.shares),
            None => Ok(()),
        }
    }

    /// The command shares what a situation report of this client holds.
    pub(super) fn report(&self) -> Result<(), CaseError> {
        self.categories(&report_categories(&self.case.registration.profile))
    }
}

/// The error for a command that the case's phase does not allow.
pub(crate) fn wrong_phase(
    cmd: &CaseCommand,
    expected: &'static [PhaseName],
    case: &OpenCase,
) -> CaseError {
    CaseError::WrongPhase {
        command: cmd.name(),
        expected,
        actual: case.phase.name(),
    }
}
