//! Registration triage: the admission criteria of the IIZ process (multi-problem situation,
//! labour-market proximity, motivation) and routing rules as data (the Aachen table).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::TeamId;

/// The process facts about a client taken at registration. No names: these are statistics
/// categories used by triage and reports (age for "under 25", gender for "share of women").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Age in years at registration.
    pub age: u8,
    /// Gender as recorded for statistics.
    pub gender: Gender,
    /// The team or location the entry counts for (entry planning).
    pub team: TeamId,
    /// Areas with problems (multi-problem situation).
    pub problem_areas: BTreeSet<ProblemArea>,
    /// Distance to the first labour market.
    pub market: MarketProximity,
    /// Months of employment in the recent past.
    pub employment_months: u32,
    /// Single parent.
    pub single_parent: bool,
    /// Self-employed.
    pub self_employed: bool,
    /// University graduate.
    pub graduate: bool,
    /// The client wants to take part (participation is voluntary).
    pub motivated: bool,
    /// Integration into the first labour market is realistic, perhaps in steps.
    pub integration_realistic: bool,
}

impl Profile {
    /// A profile with the facts every registration needs: age, gender and the team the
    /// entry counts for. The rest starts at the common case — no problem area yet, near
    /// the labour market, no recent employment, not a single parent, not self-employed,
    /// no degree, motivated, integration realistic — and is set with the methods below.
    ///
    /// ```
    /// use casework_process::{Gender, MarketProximity, ProblemArea, Profile};
    /// let p = Profile::new(34, Gender::Female, "aachen")
    ///     .problems([ProblemArea::Health, ProblemArea::Finances])
    ///     .market(MarketProximity::Far)
    ///     .single_parent(true);
    /// assert_eq!(p.team.as_str(), "aachen");
    /// assert!(p.motivated && p.single_parent);
    /// ```
    pub fn new(age: u8, gender: Gender, team: impl Into<String>) -> Self {
        Profile {
            age,
            gender,
            team: TeamId::new(team),
            problem_areas: BTreeSet::new(),
            market: MarketProximity::Near,
            employment_months: 0,
            single_parent: false,
            self_employed: false,
            graduate: false,
            motivated: true,
            integration_realistic: true,
        }
    }

    /// The areas with problems.
    pub fn problems(mut self, areas: impl IntoIterator<Item = ProblemArea>) -> Self {
        self.problem_areas = areas.into_iter().collect();
        self
    }

    /// The distance to the first labour market.
    pub fn market(mut self, market: MarketProximity) -> Self {
        self.market = market;
        self
    }

    /// Months of employment in the recent past.
    pub fn employment_months(mut self, months: u32) -> Self {
        self.employment_months = months;
        self
    }

    /// Single parent or not.
    pub fn single_parent(mut self, yes: bool) -> Self {
        self.single_parent = yes;
        self
    }

    /// Self-employed or not.
    pub fn self_employed(mut self, yes: bool) -> Self {
        self.self_employed = yes;
        self
    }

    /// University graduate or not.
    pub fn graduate(mut self, yes: bool) -> Self {
        self.graduate = yes;
        self
    }

    /// Whether the client wants to take part.
    pub fn motivated(mut self, yes: bool) -> Self {
        self.motivated = yes;
        self
    }

    /// Whether integration into the first labour market is realistic.
    pub fn integration_realistic(mut self, yes: bool) -> Self {
        self.integration_realistic = yes;
        self
    }
}

/// Gender as recorded for statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Diverse / not stated.
    Diverse,
}

/// The problem areas of the triage criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemArea {
    /// Health, including addiction.
    Health,
    /// Finances, including debts.
    Finances,
    /// Social situation: family, childcare, care of relatives.
    Social,
    /// Socio-structural: housing, language, residence.
    SocioStructural,
    /// Labour market: no recent work, qualifications.
    LabourMarket,
}

/// Distance to the first labour market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketProximity {
    /// Market-near.
    Near,
    /// Market-far.
    Far,
}

/// Triage rules of a deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    /// What a client must meet to be admitted.
    pub admission: Admission,
    /// Routing rules, first match wins.
    pub routes: Vec<RoutingRule>,
    /// Where a client goes when no rule matches.
    pub default_route: String,
}

/// Admission criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Admission {
    /// At least this many problem areas (a multi-problem situation).
    pub min_problem_areas: u8,
    /// The client must be motivated.
    pub require_motivation: bool,
    /// Integration into the first labour market must be realistic.
    pub require_realistic_integration: bool,
}

/// A routing rule: when every condition that is set holds, the client goes to `route`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// The receiving team or role, e.g. "youth caseworker".
    pub route: String,
    /// The conditions; unset ones match anything.
    #[serde(default)]
    pub when: RouteCondition,
}

/// Conditions of a routing rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteCondition {
    /// Age strictly below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_below: Option<u8>,
    /// Age at least (e.g. a 50+ team).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_from: Option<u8>,
    /// Single parent or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_parent: Option<bool>,
    /// Self-employed or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_employed: Option<bool>,
    /// Graduate or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graduate: Option<bool>,
    /// Market proximity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<MarketProximity>,
    /// At least this many months of employment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_employment_months: Option<u32>,
}

impl RouteCondition {
    /// Whether the profile meets every condition that is set.
    pub fn matches(&self, p: &Profile) -> bool {
        self.age_below.is_none_or(|a| p.age < a)
            && self.age_from.is_none_or(|a| p.age >= a)
            && self.single_parent.is_none_or(|b| p.single_parent == b)
            && self.self_employed.is_none_or(|b| p.self_employed == b)
            && self.graduate.is_none_or(|b| p.graduate == b)
            && self.market.is_none_or(|m| p.market == m)
            && self
                .min_employment_months
                .is_none_or(|m| p.employment_months >= m)
    }
}

/// Why a client does not meet the admission criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdmissionGap {
    /// Fewer problem areas than required.
    NotMultiProblem {
        /// Areas the profile names.
        areas: u8,
        /// Areas required.
        required: u8,
    },
    /// The client is not motivated.
    NotMotivated,
    /// Integration is not realistic.
    IntegrationNotRealistic,
}

impl std::fmt::Display for AdmissionGap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdmissionGap::NotMultiProblem { areas, required } => {
                write!(f, "{areas} problem area(s), {required} required")
            }
            AdmissionGap::NotMotivated => f.write_str("client not motivated"),
            AdmissionGap::IntegrationNotRealistic => {
                f.write_str("integration into the labour market not realistic")
            }
        }
    }
}

impl Triage {
    /// The admission criteria the profile does not meet (empty: admitted).
    pub fn admission_gaps(&self, p: &Profile) -> Vec<AdmissionGap> {
        let mut gaps = Vec::new();
        let areas = u8::try_from(p.problem_areas.len()).unwrap_or(u8::MAX);
        if areas < self.admission.min_problem_areas {
            gaps.push(AdmissionGap::NotMultiProblem {
                areas,
                required: self.admission.min_problem_areas,
            });
        }
        if self.admission.require_motivation && !p.motivated {
            gaps.push(AdmissionGap::NotMotivated);
        }
        if self.admission.require_realistic_integration && !p.integration_realistic {
            gaps.push(AdmissionGap::IntegrationNotRealistic);
        }
        gaps
    }

    /// The route of the first matching rule, or the default route.
    pub fn route(&self, p: &Profile) -> &str {
        self.routes
            .iter()
            .find(|r| r.when.matches(p))
            .map_or(self.default_route.as_str(), |r| r.route.as_str())
    }
}
