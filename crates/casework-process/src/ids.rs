//! Identifiers. Ids are chosen by the caller (the core makes no randomness); case ids are
//! UUIDs, the others are the deployment's own strings (voucher numbers are printed on paper).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The id of one case (one client's process); also the id of its event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseId(pub Uuid);

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a string as this id.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A voucher's identifier (Gutschein-Nummer), unique within its case.
    VoucherId
);
string_id!(
    /// A user of the deployment (coordinator, specialist, caseworker, ...).
    UserId
);
string_id!(
    /// The client as a party of the case: a stable pseudonym that the embedding
    /// application maps to its own login (never the client's name): the user id under
    /// which the client (role client) acts on the case.
    SubjectId
);
string_id!(
    /// An institution: a partner institution, the job centre, a social-welfare office.
    InstitutionId
);
string_id!(
    /// A service provider (Träger), e.g. a debt-counselling centre.
    ProviderId
);
string_id!(
    /// A service type as named in the policy, e.g. `debt-counselling`.
    ServiceId
);
string_id!(
    /// A team or location that receives entries (for entry planning).
    TeamId
);
string_id!(
    /// A goal of the integration plan, unique within the plan.
    GoalId
);
string_id!(
    /// A measure of the integration plan, unique within the plan.
    MeasureId
);
