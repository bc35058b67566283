//! The model of the case process: its commands, events and state, and the values they
//! carry. `crate::CaseProcess` joins it to the rules (`crate::rules`).

mod command;
pub mod consent;
mod deadline_item;
mod display;
mod event;
mod evolve;
pub mod personal_fields;
pub mod plan;
pub mod record;
mod state;
mod stored;
pub mod team;
pub mod voucher;

pub use command::CaseCommand;
pub use deadline_item::{DeadlineItem, Responsible};
pub use event::CaseEvent;
pub(crate) use evolve::evolve;
pub use state::{
    Assessed, Assessment, AssessmentOutcome, CaseState, ClientDetails, ClosedCase, ClosureReason,
    Consented, OpenCase, Phase, PhaseName, Planned, Registration, Review, SituationReport,
    TeamFormed,
};
