//! The integration plan: goals and measures with deadlines and responsible parties.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{GoalId, InstitutionId, MeasureId};
use casework_core::Personal;

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
    /// Whether the coordinator signed the plan (seed 001: "von Koordinationsperson und
    /// Klientin / Klient unterzeichnet"). The policy says whose signatures a plan needs
    /// before it takes effect ([`crate::PlanSignatures`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub signed_by_coordinator: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Id within the plan.
    pub id: GoalId,
    /// What the client wants to reach, in the client's words.
    pub text: Personal<String>,
    /// The goal this one is a sub-goal of (seed 003: "mål og delmål"); one level deep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<GoalId>,
    /// What shows that the goal is reached, measurably (SMART): an indicator and its
    /// target value (personal data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Personal<GoalTarget>>,
    /// By when the goal should be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_date: Option<NaiveDate>,
}

/// The measurable target of a goal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalTarget {
    /// What is measured, e.g. "hours worked per week".
    pub indicator: String,
    /// The value that counts as reached, e.g. "20".
    pub value: String,
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
    /// The client's own task (seed 003: "borgerens plan"): the client records its progress.
    #[serde(default, skip_serializing_if = "is_false")]
    pub client_task: bool,
    /// The sector of law the measure belongs to (an id of the policy's sectors, e.g.
    /// `employment`); its follow-up duty applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    /// The legal basis, as data (e.g. `SGB II §16a`, `LAB §…`): not an enum of one
    /// country's laws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
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
    /// A sub-goal's parent is not a top-level goal of the plan.
    #[error(
        "goal `{goal}` names `{parent}` as its parent, which is not a top-level goal of the plan"
    )]
    BadParent {
        /// The sub-goal.
        goal: GoalId,
        /// The parent it names.
        parent: GoalId,
    },
    /// A goal's target date lies before the plan date.
    #[error("goal `{goal}` has its target date {target_date} before the plan date {plan_date}")]
    TargetDateInPast {
        /// The goal.
        goal: GoalId,
        /// Its target date.
        target_date: NaiveDate,
        /// The plan date.
        plan_date: NaiveDate,
    },
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
        for g in &self.goals {
            if let Some(parent) = &g.parent {
                let top_level = self
                    .goals
                    .iter()
                    .any(|p| &p.id == parent && p.parent.is_none() && p.id != g.id);
                if !top_level {
                    return Err(PlanError::BadParent {
                        goal: g.id.clone(),
                        parent: parent.clone(),
                    });
                }
            }
            if let Some(target_date) = g.target_date.filter(|d| *d < plan_date) {
                return Err(PlanError::TargetDateInPast {
                    goal: g.id.clone(),
                    target_date,
                    plan_date,
                });
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
