//! The escalation ladder of the policy: from how many days overdue a level applies, and
//! who acts at it.

use serde::{Deserialize, Serialize};

/// Who acts at an escalation level.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EscalationTarget {
    /// The case's named coordinator (a reminder to the party that is late).
    Coordinator,
    /// A named person or body above the coordinator (team lead, steering body).
    Body {
        /// Its name as the deployment calls it, e.g. `team lead`, `OPA`.
        name: String,
    },
}

impl std::fmt::Display for EscalationTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EscalationTarget::Coordinator => f.write_str("coordinator"),
            EscalationTarget::Body { name } => f.write_str(name),
        }
    }
}

/// One escalation level of the policy: from how many days overdue it applies, and who
/// acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationLevel {
    /// The level, 1 = reminder.
    pub level: u8,
    /// Days past the due date from which it applies.
    pub after_days_overdue: u32,
    /// Who acts at this level.
    pub to: EscalationTarget,
}
