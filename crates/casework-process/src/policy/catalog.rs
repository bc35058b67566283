//! Need groups and service modules (Hamm catalogs): a provider classifies a client into a
//! need group, which fixes the set of modules and their effort.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The catalog of one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// Hours of the intake consultation every case starts with, where the contract books one.
    #[serde(default)]
    pub intake_hours: Option<u32>,
    /// The service modules, numbered.
    pub modules: Vec<Module>,
    /// The need groups, numbered.
    pub need_groups: Vec<NeedGroup>,
}

/// A service module (Leistungsmodul).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    /// The module's number in the catalog.
    pub number: u8,
    /// The module's name.
    pub name: String,
    /// The contracted effort, where the contract fixes one.
    #[serde(default)]
    pub effort: Option<Effort>,
    /// The module is delivered within this many months.
    #[serde(default)]
    pub within_months: Option<u32>,
    /// A special module for a target group, booked on top of a need group's modules.
    #[serde(default)]
    pub special: bool,
}

/// The effort of a module or need group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Effort {
    /// Individual hours (E-Stunden); for a range, the upper bound.
    pub individual_hours: u32,
    /// The lower bound where the contract gives a range (e.g. "2–6 h").
    #[serde(default)]
    pub individual_hours_min: Option<u32>,
    /// Additional hours that may be booked (the "(+3)" of the Hamm table, with a visit).
    #[serde(default)]
    pub optional_hours: u32,
    /// Group sessions of 90 minutes.
    #[serde(default)]
    pub group_sessions: u32,
    /// An upper bound on sessions where the contract counts sessions, not hours.
    #[serde(default)]
    pub sessions_up_to: Option<u32>,
}

impl std::ops::Add for Effort {
    type Output = Effort;
    fn add(self, o: Effort) -> Effort {
        Effort {
            individual_hours: self.individual_hours + o.individual_hours,
            individual_hours_min: match (self.individual_hours_min, o.individual_hours_min) {
                (None, None) => None,
                (a, b) => {
                    Some(a.unwrap_or(self.individual_hours) + b.unwrap_or(o.individual_hours))
                }
            },
            optional_hours: self.optional_hours + o.optional_hours,
            group_sessions: self.group_sessions + o.group_sessions,
            sessions_up_to: match (self.sessions_up_to, o.sessions_up_to) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
            },
        }
    }
}

/// A need group (Hilfebedarfsgruppe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedGroup {
    /// The group's number.
    pub number: u8,
    /// Who belongs to it.
    pub label: String,
    /// The modules the group books, in order.
    pub modules: Vec<ModuleSlot>,
}

/// One slot of a need group: a module, or a choice between alternatives (the "4 or 5" of
/// the Hamm table), possibly only if needed ("bei Bedarf").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleSlot {
    /// The module numbers that can fill this slot; the first is the standard.
    pub one_of: Vec<u8>,
    /// Booked only if needed; not counted in the standard effort.
    #[serde(default)]
    pub if_needed: bool,
}

impl ModuleSlot {
    /// A slot that is always booked with this one module.
    pub fn module(number: u8) -> Self {
        ModuleSlot {
            one_of: vec![number],
            if_needed: false,
        }
    }
}

impl Catalog {
    /// The module with this number.
    pub fn module(&self, number: u8) -> Option<&Module> {
        self.modules.iter().find(|m| m.number == number)
    }

    /// The need group with this number.
    pub fn need_group(&self, number: u8) -> Option<&NeedGroup> {
        self.need_groups.iter().find(|g| g.number == number)
    }

    /// The standard effort of a need group: the sum of its modules' efforts, taking the first
    /// alternative of each slot and leaving out slots booked only if needed. `None` where the
    /// group is unknown or a counted module has no contracted effort.
    pub fn standard_effort(&self, need_group: u8) -> Option<Effort> {
        let group = self.need_group(need_group)?;
        group
            .modules
            .iter()
            .filter(|slot| !slot.if_needed)
            .try_fold(Effort::default(), |sum, slot| {
                let first = *slot.one_of.first()?;
                Some(sum + self.module(first)?.effort?)
            })
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        let mut numbers = BTreeSet::new();
        for m in &self.modules {
            if !numbers.insert(m.number) {
                return Err(format!("module {} is defined twice", m.number));
            }
        }
        let mut groups = BTreeSet::new();
        for g in &self.need_groups {
            if !groups.insert(g.number) {
                return Err(format!("need group {} is defined twice", g.number));
            }
            for slot in &g.modules {
                if slot.one_of.is_empty() {
                    return Err(format!("need group {} has an empty module slot", g.number));
                }
                if let Some(n) = slot.one_of.iter().find(|n| !numbers.contains(n)) {
                    return Err(format!("need group {} names unknown module {n}", g.number));
                }
            }
        }
        Ok(())
    }
}
