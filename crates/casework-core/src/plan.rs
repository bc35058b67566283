//! The integration plan: goals and measures with deadlines and responsible parties.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{GoalId, InstitutionId, MeasureId};
use crate::personal::Personal;

/// An integration plan as agreed at the round table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The goals (SMART goals of the citizen's plan).
    pub goals: Vec<Goal>,
    /// The binding measures.
    pub measures: Vec<Measure>,
    /// Days between reviews; the policy's default where unset.
    #[serde(default)]
    pub review_every_days: Option<u32>,
    /// The client co-signed the plan.
    pub signed_by_client: bool,
}

/// A goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Id within the plan.
    pub id: GoalId,
    /// What the client wants to reach, in the client's words.
    pub text: Personal<String>,
}

/// A measure: every measure has a deadline and a responsible party (the type has no way
/// to leave either out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    /// Id within the plan.
    pub id: MeasureId,
    /// The goal the measure serves.
    pub goal: GoalId,
    /// What is done.
    pub text: Personal<String>,
    /// Who is responsible.
    pub responsible: InstitutionId,
    /// By when.
    pub deadline: NaiveDate,
}

/// Why a plan is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A plan needs at least one goal.
    #[error("the plan has no goal")]
    NoGoals,
    /// A plan needs at least one measure.
    #[error("the plan has no measure")]
    NoMeasures,
    /// A goal or measure id occurs twice.
    #[error("id `{0}` occurs twice in the plan")]
    DuplicateId(String),
    /// A measure serves a goal the plan does not have.
    #[error("measure `{measure}` serves unknown goal `{goal}`")]
    UnknownGoal {
        /// The measure.
        measure: MeasureId,
        /// The goal it names.
        goal: GoalId,
    },
    /// A measure names no responsible party.
    #[error("measure `{0}` has no responsible party")]
    NoResponsible(MeasureId),
    /// A measure's deadline lies before the day the plan is agreed.
    #[error("measure `{measure}` is due {deadline}, before the plan date {plan_date}")]
    DeadlineInPast {
        /// The measure.
        measure: MeasureId,
        /// Its deadline.
        deadline: NaiveDate,
        /// The day of the agreement.
        plan_date: NaiveDate,
    },
    /// A review interval of zero days.
    #[error("the review interval must be at least one day")]
    ZeroReviewInterval,
}

impl Plan {
    /// Checks the plan as agreed on `plan_date`.
    pub fn validate(&self, plan_date: NaiveDate) -> Result<(), PlanError> {
        if self.goals.is_empty() {
            return Err(PlanError::NoGoals);
        }
        if self.measures.is_empty() {
            return Err(PlanError::NoMeasures);
        }
        if self.review_every_days == Some(0) {
            return Err(PlanError::ZeroReviewInterval);
        }
        let mut goals = BTreeSet::new();
        for g in &self.goals {
            if !goals.insert(&g.id) {
                return Err(PlanError::DuplicateId(g.id.to_string()));
            }
        }
        let mut measures = BTreeSet::new();
        for m in &self.measures {
            if !measures.insert(&m.id) {
                return Err(PlanError::DuplicateId(m.id.to_string()));
            }
            if !goals.contains(&m.goal) {
                return Err(PlanError::UnknownGoal {
                    measure: m.id.clone(),
                    goal: m.goal.clone(),
                });
            }
            if m.responsible.as_str().trim().is_empty() {
                return Err(PlanError::NoResponsible(m.id.clone()));
            }
            if m.deadline < plan_date {
                return Err(PlanError::DeadlineInPast {
                    measure: m.id.clone(),
                    deadline: m.deadline,
                    plan_date,
                });
            }
        }
        Ok(())
    }

    /// The measure with this id.
    pub fn measure(&self, id: &MeasureId) -> Option<&Measure> {
        self.measures.iter().find(|m| &m.id == id)
    }
}
