//! Steps, runs and histories, and how they print: one line per step or event, personal
//! data redacted. `Debug` prints the same story as `Display` (proptest shows a failing
//! input with `Debug`), starting on a new line.

use std::fmt::{self, Debug, Display, Formatter};
use std::ops::Deref;

use casework_process::{Actor, CaseCommand, CaseError, CaseEvent, CaseId, CaseState};
use chrono::{DateTime, Duration, Utc};

/// One step: who issues which command, how many days after the step before.
#[derive(Clone, PartialEq, Eq)]
pub struct Step {
    /// The command.
    pub cmd: CaseCommand,
    /// Who issues it.
    pub actor: Actor,
    /// Days that pass before it (from the start for the first step).
    pub days: i64,
}

/// `coordinator k.meier@iiz`.
pub(crate) struct Who<'a>(pub(crate) &'a Actor);

impl Display for Who<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}@{}", self.0.role, self.0.user, self.0.institution)
    }
}

/// `+3d  coordinator k.meier@iiz  AgreePlan 1 goal, 2 measures`.
impl Display for Step {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "+{}d  {}  {}", self.days, Who(&self.actor), self.cmd)
    }
}

impl Debug for Step {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Display::fmt(self, f)
    }
}

/// A command sequence from a start time; it derefs to `[Step]`.
#[derive(Clone, PartialEq, Eq)]
pub struct Steps {
    /// The time the first step's `days` count from.
    pub start: DateTime<Utc>,
    /// The steps in order.
    pub steps: Vec<Step>,
}

impl Deref for Steps {
    type Target = [Step];
    fn deref(&self) -> &[Step] {
        &self.steps
    }
}

impl<'a> IntoIterator for &'a Steps {
    type Item = &'a Step;
    type IntoIter = std::slice::Iter<'a, Step>;
    fn into_iter(self) -> Self::IntoIter {
        self.steps.iter()
    }
}

/// One line per step: number, date, actor, command.
impl Display for Steps {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut at = self.start;
        for (i, step) in self.steps.iter().enumerate() {
            at += Duration::days(step.days);
            writeln!(
                f,
                "{:>3}  {}  {}  {}",
                i + 1,
                at.date_naive(),
                Who(&step.actor),
                step.cmd
            )?;
        }
        Ok(())
    }
}

impl Debug for Steps {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} steps:", self.steps.len())?;
        Display::fmt(self, f)
    }
}

/// A step as it was played: when, and what came of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Played {
    /// The step.
    pub step: Step,
    /// Its effective time.
    pub at: DateTime<Utc>,
    /// The events it recorded, or why it was rejected.
    pub outcome: Result<Vec<CaseEvent>, CaseError>,
}

/// `2026-01-03  coordinator k.meier@iiz  AgreePlan 1 goal, 2 measures  → PlanAgreed`, or
/// `✗ <why>` for a rejected step.
impl Display for Played {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}  {}  {}  ",
            self.at.date_naive(),
            Who(&self.step.actor),
            self.step.cmd
        )?;
        match &self.outcome {
            Ok(events) => {
                let types: Vec<&str> = events.iter().map(CaseEvent::event_type).collect();
                write!(f, "→ {}", types.join(", "))
            }
            Err(e) => write!(f, "✗ {e}"),
        }
    }
}

impl Debug for Played {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Display::fmt(self, f)
    }
}

/// The outcome of running steps through a process without a store.
#[derive(Clone)]
pub struct Run {
    /// The case the steps were about.
    pub case_id: CaseId,
    /// Every step with its time and outcome.
    pub played: Vec<Played>,
    /// Every event recorded, in order.
    pub events: Vec<CaseEvent>,
    /// The state after the last step.
    pub state: CaseState,
}

impl Run {
    /// Per step: was it accepted.
    pub fn accepted(&self) -> Vec<bool> {
        self.played.iter().map(|p| p.outcome.is_ok()).collect()
    }

    /// The steps, to run them again (through another process, or a store).
    pub fn steps(&self, start: DateTime<Utc>) -> Steps {
        Steps {
            start,
            steps: self.played.iter().map(|p| p.step.clone()).collect(),
        }
    }

    /// The recorded events as a [`History`].
    pub fn history(&self) -> History {
        History(self.events.clone())
    }

    /// The effective time of the last event, if any was recorded.
    pub fn last_event_at(&self) -> Option<DateTime<Utc>> {
        self.events.last().map(CaseEvent::at)
    }
}

/// One line per step: number, date, actor, command, outcome.
impl Display for Run {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, p) in self.played.iter().enumerate() {
            writeln!(f, "{:>3}  {p}", i + 1)?;
        }
        Ok(())
    }
}

impl Debug for Run {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let accepted = self.played.iter().filter(|p| p.outcome.is_ok()).count();
        writeln!(
            f,
            "case {}: {} steps, {accepted} accepted, {} events:",
            self.case_id,
            self.played.len(),
            self.events.len()
        )?;
        Display::fmt(self, f)
    }
}

/// A case history: the recorded events in order; it derefs to `[CaseEvent]`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct History(pub Vec<CaseEvent>);

impl Deref for History {
    type Target = [CaseEvent];
    fn deref(&self) -> &[CaseEvent] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a History {
    type Item = &'a CaseEvent;
    type IntoIter = std::slice::Iter<'a, CaseEvent>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl IntoIterator for History {
    type Item = CaseEvent;
    type IntoIter = std::vec::IntoIter<CaseEvent>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl From<History> for Vec<CaseEvent> {
    fn from(h: History) -> Self {
        h.0
    }
}

/// One line per event: version, date, event.
impl Display for History {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            writeln!(f, "v{:<3} {}  {e}", i + 1, e.at().date_naive())?;
        }
        Ok(())
    }
}

impl Debug for History {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} events:", self.0.len())?;
        Display::fmt(self, f)
    }
}
