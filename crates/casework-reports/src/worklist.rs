//! Report 6: the deadline worklist — due and overdue items per coordinator and provider
//! on a given day, most overdue first.

use casework_core::{deadlines, CaseId, Policy};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::book::CaseBook;
use crate::case_report::{describe, who};
use crate::render::{Report, Table};

/// One item to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    /// Who must act.
    pub responsible: String,
    /// The case's coordinator, once the team is formed.
    pub coordinator: Option<String>,
    /// The case.
    pub case: CaseId,
    /// What is due.
    pub item: String,
    /// By when.
    pub due: NaiveDate,
    /// Days past due (negative: days left).
    pub days_overdue: i64,
}

/// The worklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Worklist {
    /// The day.
    pub on: NaiveDate,
    /// Items due within this many days are listed too.
    pub horizon_days: u32,
    /// The items, most overdue first.
    pub items: Vec<WorkItem>,
}

/// Everything overdue on `on` or due within `horizon_days` after it, over all open cases.
pub fn deadline_worklist(
    book: &CaseBook,
    policy: &Policy,
    on: NaiveDate,
    horizon_days: u32,
) -> Worklist {
    let until = on + Duration::days(i64::from(horizon_days));
    let mut items = Vec::new();
    for (id, state) in book.cases.iter().map(|(id, e)| (id, &*e.state)) {
        let coordinator = state
            .phase()
            .and_then(|p| p.team())
            .map(|t| t.coordinator.to_string());
        for d in deadlines(state, policy)
            .into_iter()
            .filter(|d| d.due <= until)
        {
            items.push(WorkItem {
                responsible: who(&d.responsible),
                coordinator: coordinator.clone(),
                case: *id,
                item: describe(&d.item),
                due: d.due,
                days_overdue: d.days_overdue(on),
            });
        }
    }
    items.sort_by(|a, b| {
        (b.days_overdue, &a.responsible, a.case, &a.item).cmp(&(
            a.days_overdue,
            &b.responsible,
            b.case,
            &b.item,
        ))
    });
    Worklist {
        on,
        horizon_days,
        items,
    }
}

impl Report for Worklist {
    fn title(&self) -> String {
        format!(
            "Deadline worklist on {} (due within {} days included)",
            self.on, self.horizon_days
        )
    }

    fn tables(&self) -> Vec<Table> {
        let mut t = Table::new(
            "Due and overdue",
            &[
                "days overdue",
                "due",
                "responsible",
                "coordinator",
                "case",
                "item",
            ],
        );
        for i in &self.items {
            t.row(vec![
                i.days_overdue.to_string(),
                i.due.to_string(),
                i.responsible.clone(),
                i.coordinator.clone().unwrap_or_else(|| "–".into()),
                i.case.to_string(),
                i.item.clone(),
            ]);
        }
        vec![t]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "deadlines are derived from the policy and the events: feedback per service and provider, plan measures, reviews".into(),
            "due today counts as 0 days overdue; negative: days left".into(),
        ]
    }
}
