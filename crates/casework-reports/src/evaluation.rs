//! Report 7: case evaluation (seed 000: "Evaluation des Falles"; `domain.md` step 8) — of
//! the cases closed in a period: how long they ran by team and closure reason, how far
//! their goals were attained, which deadlines had to be escalated (by level and the party
//! that was late), how many were delegated or handed over, and why referrals were declined.

use std::collections::BTreeMap;

use casework_process::{
    AdmissionDecision, Attainment, ClosedCase, ClosureReason, DeclineReason, Responsible, TeamId,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::book::CaseBook;
use crate::closed::pairs;
use crate::pct::Pct;
use crate::render::{cell, Report, Table};

/// What the cases closed on one day add to the evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EvaluationTotals {
    /// By team and closure reason: cases, days from registration to closure summed, and
    /// the longest.
    #[serde(with = "pairs")]
    pub durations: BTreeMap<(TeamId, ClosureReason), Durations>,
    /// Goals rated at closure, by attainment.
    pub attainment: BTreeMap<Attainment, u64>,
    /// Cases whose goals were rated, and of those, cases with every goal attained.
    pub evaluated: (u64, u64),
    /// Escalations recorded, by level and the party that was late.
    #[serde(with = "pairs")]
    pub escalations: BTreeMap<(u8, String), u64>,
    /// Cases with at least one delegation.
    pub delegated: u64,
    /// Cases handed over to another coordinator at least once.
    pub handed_over: u64,
    /// Case conferences held.
    pub conferences: u64,
    /// Declined referrals, by reason.
    pub declined: BTreeMap<DeclineReason, u64>,
}

/// Durations of one group of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Durations {
    /// Cases.
    pub cases: u64,
    /// Days from registration to closure, summed.
    pub days: u64,
    /// The longest, in days.
    pub longest: u64,
}

/// Counts one closed case.
pub(crate) fn count_evaluation(t: &mut EvaluationTotals, case: &ClosedCase) {
    let days = (case.closed_at - case.registration.at).num_days().max(0) as u64;
    let d = t
        .durations
        .entry((case.registration.profile.team.clone(), case.reason))
        .or_default();
    d.cases += 1;
    d.days += days;
    d.longest = d.longest.max(days);
    let c = &case.coordination;
    if !c.attainment.is_empty() {
        t.evaluated.0 += 1;
        if c.attainment
            .iter()
            .all(|a| a.attainment == Attainment::Attained)
        {
            t.evaluated.1 += 1;
        }
    }
    for a in &c.attainment {
        *t.attainment.entry(a.attainment).or_default() += 1;
    }
    for e in &c.escalations {
        *t.escalations.entry((e.level, party(&e.party))).or_default() += 1;
    }
    t.delegated += u64::from(c.delegations > 0);
    t.handed_over += u64::from(c.handovers > 0);
    t.conferences += c.conferences.len() as u64;
    if let Some(AdmissionDecision::Declined { reason }) = c.admission {
        *t.declined.entry(reason).or_default() += 1;
    }
}

/// The late party's institution or provider (a coordinator or delegate by name).
fn party(r: &Responsible) -> String {
    match r {
        Responsible::Provider(p) => p.to_string(),
        Responsible::Institution(i) => i.to_string(),
        Responsible::Coordinator(u) => format!("coordinator {u}"),
        Responsible::Delegate(u) => format!("delegate {u}"),
    }
}

impl EvaluationTotals {
    fn add(&mut self, other: &EvaluationTotals) {
        for (k, v) in &other.durations {
            let d = self.durations.entry(k.clone()).or_default();
            d.cases += v.cases;
            d.days += v.days;
            d.longest = d.longest.max(v.longest);
        }
        for (k, v) in &other.attainment {
            *self.attainment.entry(*k).or_default() += v;
        }
        self.evaluated.0 += other.evaluated.0;
        self.evaluated.1 += other.evaluated.1;
        for (k, v) in &other.escalations {
            *self.escalations.entry(k.clone()).or_default() += v;
        }
        self.delegated += other.delegated;
        self.handed_over += other.handed_over;
        self.conferences += other.conferences;
        for (k, v) in &other.declined {
            *self.declined.entry(*k).or_default() += v;
        }
    }
}

/// One row of durations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DurationRow {
    /// The team.
    pub team: TeamId,
    /// The closure reason.
    pub reason: ClosureReason,
    /// Cases.
    pub cases: u64,
    /// Mean days from registration to closure, rounded half away from zero.
    pub mean_days: u64,
    /// The longest.
    pub longest_days: u64,
}

/// The evaluation report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    /// First day of the period (closing days).
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Durations by team and reason.
    pub durations: Vec<DurationRow>,
    /// Goals by attainment.
    pub attainment: Vec<(Attainment, u64)>,
    /// Evaluated cases, and the share with every goal attained.
    pub evaluated: u64,
    /// Share of evaluated cases with every goal attained.
    pub fully_attained: Option<Pct>,
    /// Escalations by level and late party: (level, party, count).
    pub escalations: Vec<(u8, String, u64)>,
    /// Closed cases that were delegated.
    pub delegated: u64,
    /// Open cases with a delegation running on the report's last day.
    pub delegated_open: u64,
    /// Closed cases handed over at least once.
    pub handed_over: u64,
    /// Conferences held in the closed cases.
    pub conferences: u64,
    /// Declined referrals by reason.
    pub declined: Vec<(DeclineReason, u64)>,
}

/// Evaluates the cases closed between `from` and `to` (inclusive); delegations of open
/// cases count as of `to`.
pub fn evaluation(book: &CaseBook, from: NaiveDate, to: NaiveDate) -> Evaluation {
    let mut sum = EvaluationTotals::default();
    if from <= to {
        for day in book.closed.closures.range(from..=to).map(|(_, t)| t) {
            sum.add(&day.evaluation);
        }
    }
    let delegated_open = book
        .cases
        .values()
        .filter(|e| match &*e.state {
            casework_process::CaseState::Open(c) => {
                c.coordination.delegation_on(to, book.zone).is_some()
            }
            _ => false,
        })
        .count() as u64;
    let durations = sum
        .durations
        .iter()
        .map(|((team, reason), d)| DurationRow {
            team: team.clone(),
            reason: *reason,
            cases: d.cases,
            mean_days: (d.days * 2 + d.cases) / (d.cases * 2).max(1),
            longest_days: d.longest,
        })
        .collect();
    Evaluation {
        from,
        to,
        durations,
        attainment: sum.attainment.into_iter().collect(),
        evaluated: sum.evaluated.0,
        fully_attained: Pct::of(sum.evaluated.1 as i64, sum.evaluated.0 as i64),
        escalations: sum
            .escalations
            .into_iter()
            .map(|((level, party), n)| (level, party, n))
            .collect(),
        delegated: sum.delegated,
        delegated_open,
        handed_over: sum.handed_over,
        conferences: sum.conferences,
        declined: sum.declined.into_iter().collect(),
    }
}

impl Report for Evaluation {
    fn title(&self) -> String {
        format!("Case evaluation {} – {}", self.from, self.to)
    }

    fn tables(&self) -> Vec<Table> {
        let mut durations = Table::new(
            "durations",
            "Duration from registration to closure",
            &["team", "reason", "cases", "mean days", "longest"],
        );
        for (i, r) in self.durations.iter().enumerate() {
            let at = |field: &str| format!("/durations/{i}/{field}");
            durations.row(vec![
                cell(r.team.as_str()),
                cell(r.reason.to_string()),
                cell(r.cases).at(at("cases")),
                cell(r.mean_days).at(at("mean_days")),
                cell(r.longest_days).at(at("longest_days")),
            ]);
        }
        let mut goals = Table::new(
            "goals",
            "Goal attainment at closure",
            &["attainment", "goals"],
        );
        for (i, (a, n)) in self.attainment.iter().enumerate() {
            let a = match a {
                Attainment::Attained => "attained",
                Attainment::Partly => "partly",
                Attainment::NotAttained => "not attained",
            };
            goals.row(vec![cell(a), cell(*n).at(format!("/attainment/{i}/1"))]);
        }
        goals.row(vec![
            cell(format!(
                "cases with every goal attained (of {})",
                self.evaluated
            )),
            cell(self.fully_attained).at("/fully_attained"),
        ]);
        let mut escalations = Table::new(
            "escalations",
            "Escalations by level and late party",
            &["level", "late party", "escalations"],
        );
        for (i, (level, party, n)) in self.escalations.iter().enumerate() {
            escalations.row(vec![
                cell(*level).at(format!("/escalations/{i}/0")),
                cell(party),
                cell(*n).at(format!("/escalations/{i}/2")),
            ]);
        }
        let mut work = Table::new("coordination", "Coordination", &["what", "cases"]);
        work.row(vec![
            cell("delegated (closed cases)"),
            cell(self.delegated).at("/delegated"),
        ]);
        work.row(vec![
            cell("delegation running (open cases)"),
            cell(self.delegated_open).at("/delegated_open"),
        ]);
        work.row(vec![
            cell("handed over"),
            cell(self.handed_over).at("/handed_over"),
        ]);
        work.row(vec![
            cell("conferences held"),
            cell(self.conferences).at("/conferences"),
        ]);
        for (i, (reason, n)) in self.declined.iter().enumerate() {
            work.row(vec![
                cell(format!("referral declined: {reason:?}")),
                cell(*n).at(format!("/declined/{i}/1")),
            ]);
        }
        vec![durations, goals, escalations, work]
    }

    fn legend(&self) -> Vec<String> {
        vec![
            "cases closed in the period (a declined referral closes at its intake decision)".into(),
            "mean days: whole days from registration to closure, rounded half away from zero"
                .into(),
            "late party: who was responsible for the escalated deadline".into(),
        ]
    }
}
