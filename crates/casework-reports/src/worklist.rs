//! Report 6: the deadline worklist — due and overdue items per coordinator and provider
//! on a given day, most overdue first.

use casework_process::{
    deadlines, CaseId, CaseState, Deadline, DeadlineItem, EscalationTarget, MeasureId, Policy,
    Responsible, VoucherId,
};
use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::book::CaseBook;
use crate::render::{cell, Cell, Chart, ChartKind, Mark, Report, Series, Table};

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
    /// The voucher it is about, for feedback and appointment deadlines.
    pub voucher: Option<VoucherId>,
    /// The plan measure it is about, for measure deadlines and their follow-ups.
    pub measure: Option<MeasureId>,
    /// Past due on the worklist's day.
    pub overdue: bool,
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
    /// Items per party who must act, most overdue items first.
    pub by_party: Vec<PartyLoad>,
}

/// What one party has on the worklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyLoad {
    /// The party, typed.
    pub party: Responsible,
    /// Its display.
    pub responsible: String,
    /// Items past due.
    pub overdue: u64,
    /// Items due within the horizon, not yet past due.
    pub due: u64,
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
        let Some(due) = casework_process::erasure_due(waiting.closed_at, waiting.reason, policy)
        else {
            continue;
        };
        if due > until {
            continue;
        }
        let coordinator = match &waiting.responsible {
            casework_process::Responsible::Coordinator(u) => Some(u.to_string()),
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
    let mut loads: Vec<PartyLoad> = Vec::new();
    for item in &items {
        let i = match loads.iter().position(|l| l.party == item.party) {
            Some(i) => i,
            None => {
                loads.push(PartyLoad {
                    party: item.party.clone(),
                    responsible: item.responsible.clone(),
                    overdue: 0,
                    due: 0,
                });
                loads.len() - 1
            }
        };
        if item.overdue {
            loads[i].overdue += 1;
        } else {
            loads[i].due += 1;
        }
    }
    loads.sort_by(|a, b| {
        (b.overdue, b.due, &a.responsible).cmp(&(a.overdue, a.due, &b.responsible))
    });
    Worklist {
        on,
        horizon_days,
        items,
        by_party: loads,
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
    let (voucher, measure) = match &d.item {
        DeadlineItem::FirstAppointment { voucher }
        | DeadlineItem::FirstFeedback { voucher }
        | DeadlineItem::InterimFeedback { voucher }
        | DeadlineItem::ResultFeedback { voucher } => (Some(voucher.clone()), None),
        DeadlineItem::Measure { measure } | DeadlineItem::MeasureFollowUp { measure, .. } => {
            (None, Some(measure.clone()))
        }
        _ => (None, None),
    };
    WorkItem {
        voucher,
        measure,
        overdue: d.is_overdue(on),
        responsible: d.responsible.to_string(),
        party: d.responsible.clone(),
        coordinator,
        case,
        item: d.item.to_string(),
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
            "items",
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
        for (n, i) in self.items.iter().enumerate() {
            let at = |field: &str| format!("/items/{n}/{field}");
            let cells = vec![
                cell(i.days_overdue).at(at("days_overdue")),
                cell(i.due).at(at("due")),
                cell(&i.responsible),
                cell(i.coordinator.clone()),
                cell(i.case.to_string()),
                cell(&i.item),
                cell(i.escalation.as_ref().map(|e| {
                    let recorded = if e.recorded == 0 {
                        "none recorded".to_owned()
                    } else {
                        format!("{} recorded", e.recorded)
                    };
                    format!("level {}: {} ({recorded})", e.level, e.act)
                })),
            ];
            if i.overdue {
                t.marked_row(cells);
            } else {
                t.row(cells);
            }
        }
        vec![t]
    }

    fn charts(&self) -> Vec<Chart> {
        if self.by_party.is_empty() {
            return Vec::new();
        }
        let overdue: u64 = self.by_party.iter().map(|l| l.overdue).sum();
        let each = |field: &str, pick: fn(&PartyLoad) -> u64| -> Vec<Cell> {
            self.by_party
                .iter()
                .enumerate()
                .map(|(i, l)| cell(pick(l)).at(format!("/by_party/{i}/{field}")))
                .collect()
        };
        vec![Chart {
            title: format!("Worklist on {} by who must act", self.on),
            description: format!(
                "Bars per party: {overdue} of {} items are overdue (red); the others fall due \
                 within {} days.",
                self.items.len(),
                self.horizon_days
            ),
            kind: ChartKind::Bars,
            categories: self
                .by_party
                .iter()
                .map(|l| l.responsible.clone())
                .collect(),
            series: vec![
                Series {
                    name: "overdue".into(),
                    values: each("overdue", |l| l.overdue),
                    mark: Mark::Alert,
                },
                Series {
                    name: "due soon".into(),
                    values: each("due", |l| l.due),
                    mark: Mark::Bar,
                },
            ],
            reference: None,
            unit: "items".into(),
        }]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "deadlines are derived from the policy and the events: each phase's next step, feedback per service and provider, plan measures and their sector follow-ups, reviews, conferences and their decisions, delegates' reports, erasure after closure".into(),
            "escalation: the level the policy applies for the days overdue and who acts at it; recorded: the highest level recorded for the item".into(),
            "due today counts as 0 days overdue; negative: days left".into(),
        ]
    }
}
