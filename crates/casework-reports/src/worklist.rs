//! Report 6: the deadline worklist — due and overdue items per coordinator and provider
//! on a given day, most overdue first.

use casework_core::{
    deadlines, CaseId, CaseState, Deadline, DeadlineItem, EscalationTarget, Policy, Responsible,
};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::book::CaseBook;
use crate::case_report::{describe, who};
use crate::render::{Report, Table};

/// One item to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkItem {
    /// Who must act (the `party`'s display).
    pub responsible: String,
    /// Who must act, typed: the named coordinator, a provider, an institution, the
    /// client, a delegate.
    pub party: Responsible,
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
    /// What is due, typed (the `item` text is its display).
    pub deadline: DeadlineItem,
    /// For an overdue item: the escalation level the policy applies now, who acts at it,
    /// and the highest level already recorded.
    pub escalation: Option<EscalationDue>,
}

/// The escalation an overdue item has reached by the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EscalationDue {
    /// The level that applies for the days overdue (1 = reminder).
    pub level: u8,
    /// Who acts at that level: the named coordinator, or the body above.
    pub act: String,
    /// The highest level recorded so far (0: none).
    pub recorded: u8,
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
            items.push(work_item(d, *id, coordinator.clone(), state, policy, on));
        }
    }
    for (id, waiting) in &book.closed.awaiting_erasure {
        let Some(due) = policy
            .local_date(waiting.closed_at)
            .checked_add_days(chrono::Days::new(u64::from(
                policy.thresholds.retention_days,
            )))
        else {
            continue;
        };
        if due > until {
            continue;
        }
        let coordinator = match &waiting.responsible {
            casework_core::Responsible::Coordinator(u) => Some(u.to_string()),
            _ => None,
        };
        let d = Deadline {
            item: DeadlineItem::Erasure,
            due,
            responsible: waiting.responsible.clone(),
        };
        items.push(work_item(
            d,
            *id,
            coordinator,
            &CaseState::Unregistered,
            policy,
            on,
        ));
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

/// One line of the worklist, with the escalation the policy applies if it is overdue.
fn work_item(
    d: Deadline,
    case: CaseId,
    coordinator: Option<String>,
    state: &CaseState,
    policy: &Policy,
    on: NaiveDate,
) -> WorkItem {
    let days_overdue = d.days_overdue(on);
    let recorded = match state {
        CaseState::Open(open) => open.coordination.escalation_level(&d.item),
        _ => 0,
    };
    let escalation = policy
        .process
        .escalation_level(days_overdue)
        .filter(|_| d.is_overdue(on))
        .map(|level| EscalationDue {
            level: level.level,
            act: match (&level.to, &coordinator) {
                (EscalationTarget::Coordinator, Some(name)) => format!("coordinator {name}"),
                (target, _) => target.to_string(),
            },
            recorded,
        });
    WorkItem {
        responsible: who(&d.responsible),
        party: d.responsible.clone(),
        coordinator,
        case,
        item: describe(&d.item),
        due: d.due,
        days_overdue,
        deadline: d.item,
        escalation,
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
                "escalation",
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
                i.escalation.as_ref().map_or_else(
                    || "–".into(),
                    |e| {
                        let recorded = if e.recorded == 0 {
                            "none recorded".to_owned()
                        } else {
                            format!("{} recorded", e.recorded)
                        };
                        format!("level {}: {} ({recorded})", e.level, e.act)
                    },
                ),
            ]);
        }
        vec![t]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "deadlines are derived from the policy and the events: each phase's next step, feedback per service and provider, plan measures and their sector follow-ups, reviews, conferences and their decisions, delegates' reports, erasure after closure".into(),
            "escalation: the level the policy applies for the days overdue and who acts at it; recorded: the highest level recorded for the item".into(),
            "due today counts as 0 days overdue; negative: days left".into(),
        ]
    }
}
