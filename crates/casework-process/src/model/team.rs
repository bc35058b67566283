//! The case team (Fallteam).

use serde::{Deserialize, Serialize};

use crate::ids::{InstitutionId, UserId};

/// A member of the case team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The user.
    pub user: UserId,
    /// The institution the member represents.
    pub institution: InstitutionId,
    /// The member's function in the team.
    pub function: TeamFunction,
}

/// Functions in a case team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamFunction {
    /// One specialist per partner institution (IIZ-Spezialist).
    Specialist,
    /// The case manager of the responsible social-welfare office.
    SocialWelfareCaseManager,
    /// An ad-hoc member: insurer, doctor, therapist, employer, lawyer.
    AdHoc,
}

/// The case team: exactly one coordinator, who keeps overall responsibility, and members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// The coordinator (Koordinationsperson).
    pub coordinator: UserId,
    /// The coordinator's institution.
    pub coordinator_institution: InstitutionId,
    /// The other members.
    pub members: Vec<Member>,
}

impl Team {
    /// Whether the user is the coordinator or a member.
    pub fn contains(&self, user: &UserId) -> bool {
        &self.coordinator == user || self.members.iter().any(|m| &m.user == user)
    }
}
