//! The case book: the projection every book report reads.
//!
//! It holds the **open** cases in full — the folded state, effort per half-year and
//! attendance reported in feedback, which the state does not keep — and, in
//! [`ClosedTotals`], what the closed cases add to each report. When a case closes, the
//! book adds its contribution to those totals and drops the case: a closed case receives
//! no more facts, so what it adds to any period is fixed then. The book's memory is
//! therefore the open cases plus totals keyed by period, provider, service and team,
//! never a function of the number of closed cases or events (ADR 0006). The full state
//! of one case, closed or not, is a [`CaseFile`], folded from that case's own stream.
//!
//! A closed case's later events (its erasure; `decide` produces nothing else) change no
//! report and are not kept. A second registration of a closed case's id starts a new
//! entry; the repository never writes one (a case's stream is named after its id, and
//! `decide` rejects a second registration in a stream).

use casework_case::CaseStream;
use std::collections::HashMap;

use casework_case::case_codec;
use casework_core::Process;
use casework_process::policy::local_date;
use casework_process::{
    CaseEvent, CaseId, CaseProcess, CaseState, DeliveredEffort, Tz, VoucherId, DEFAULT_TIME_ZONE,
};
use casework_store::{AsOf, Codec, EventStore, RecordedEvent, StreamId};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::closed::ClosedTotals;
use crate::projection::{Projection, ProjectionError};

/// Effort of one voucher in one module in one half-year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EffortBucket {
    /// The voucher.
    pub voucher: VoucherId,
    /// Calendar year.
    pub year: i32,
    /// 1 (January–June) or 2 (July–December).
    pub half: u8,
    /// The module.
    pub module: u8,
    /// What was delivered.
    pub effort: DeliveredEffort,
}

/// Attendance as providers reported it in feedback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Attendance {
    /// Feedbacks saying the client attends.
    pub attending: u32,
    /// Feedbacks saying the client does not.
    pub not_attending: u32,
}

/// What the book knows of one open case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseEntry {
    /// The folded state (boxed, so the book's hash table stays small and dense).
    pub state: Box<CaseState>,
    /// Effort per voucher, half-year and module.
    pub effort: Vec<EffortBucket>,
    /// Attendance reported in feedback.
    pub attendance: Attendance,
    /// Whether the case was registered in its own stream (`case-<uuid>` of its id), so
    /// that stream's events find it without [`CaseBook::streams`].
    #[serde(default)]
    in_own_stream: bool,
}

impl CaseEntry {
    /// Folds one event of this case.
    fn apply(&mut self, event: &CaseEvent, zone: Tz) {
        tally(&mut self.effort, &mut self.attendance, event, zone);
        CaseProcess::evolve_in_place(&mut self.state, event);
    }
}

/// Counts what the case state does not keep: effort per half-year (counted in `zone`),
/// attendance.
fn tally(effort: &mut Vec<EffortBucket>, attendance: &mut Attendance, event: &CaseEvent, zone: Tz) {
    match event {
        CaseEvent::ServiceHoursRecorded {
            at,
            voucher,
            module,
            individual_minutes,
            group_sessions,
        } => {
            let day = local_date(zone, *at);
            let (year, half) = (day.year(), if day.month() <= 6 { 1 } else { 2 });
            let pos = effort.iter().position(|b| {
                &b.voucher == voucher && b.year == year && b.half == half && b.module == *module
            });
            let bucket = match pos {
                Some(i) => &mut effort[i],
                None => {
                    effort.push(EffortBucket {
                        voucher: voucher.clone(),
                        year,
                        half,
                        module: *module,
                        effort: DeliveredEffort::default(),
                    });
                    let last = effort.len() - 1;
                    &mut effort[last]
                }
            };
            bucket.effort.individual_minutes += individual_minutes;
            bucket.effort.group_sessions += group_sessions;
        }
        CaseEvent::FeedbackReceived { facts, .. } => match facts.attending {
            Some(true) => attendance.attending += 1,
            Some(false) => attendance.not_attending += 1,
            None => {}
        },
        _ => {}
    }
}

/// The case book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseBook {
    /// Open cases by id. Hashed: every event looks up a random case, and reports
    /// aggregate or sort explicitly, so no report depends on this map's order.
    pub cases: HashMap<CaseId, CaseEntry>,
    /// Which case a stream holds, for open cases in streams other than the case's own
    /// `case-<uuid>` (which is how the repository names them, so this map is usually
    /// empty).
    pub streams: HashMap<StreamId, CaseId>,
    /// What the closed cases add to the reports.
    pub closed: ClosedTotals,
    /// The deployment's time zone: the days, months and half-years the book counts in.
    #[serde(default = "default_zone")]
    pub zone: Tz,
}

fn default_zone() -> Tz {
    DEFAULT_TIME_ZONE
}

impl Default for CaseBook {
    fn default() -> Self {
        CaseBook::in_zone(DEFAULT_TIME_ZONE)
    }
}

impl CaseBook {
    /// An empty book counting days in `zone` (the policy's `time_zone`); build it with
    /// [`Projector::rebuild_from`](crate::Projector::rebuild_from).
    pub fn in_zone(zone: Tz) -> Self {
        CaseBook {
            cases: HashMap::new(),
            streams: HashMap::new(),
            closed: ClosedTotals::default(),
            zone,
        }
    }
}

impl Projection for CaseBook {
    type Event = CaseEvent;

    /// The events of case streams (named `case-…`); other processes may share the store.
    fn accepts(recorded: &RecordedEvent) -> bool {
        recorded.stream.is_case_stream()
    }

    /// The case codec, with every upcaster of the case events' history.
    fn codec() -> Codec<CaseEvent> {
        case_codec()
    }

    fn apply(&mut self, recorded: &RecordedEvent, event: &CaseEvent) {
        let own = recorded.stream.case_id();
        let in_own = |cases: &HashMap<CaseId, CaseEntry>, id: CaseId| {
            cases.get(&id).is_some_and(|e| e.in_own_stream)
        };
        if let CaseEvent::CaseRegistered { case_id, .. } = event {
            // the first registration in a stream decides which case the stream holds
            let held = self.streams.contains_key(&recorded.stream)
                || own.is_some_and(|id| in_own(&self.cases, id));
            if !held {
                let entry = self.cases.entry(*case_id).or_default();
                if own == Some(*case_id) {
                    entry.in_own_stream = true;
                } else {
                    self.streams.insert(recorded.stream.clone(), *case_id);
                }
            }
        }
        // A stream listed in `streams` holds the case it names there; otherwise a case's
        // own stream holds the case if it was registered there. Other events are not
        // part of any open case.
        let (id, listed) = match (self.streams.get(&recorded.stream), own) {
            (Some(id), _) => (*id, true),
            (None, Some(id)) => (id, false),
            (None, None) => return,
        };
        if let CaseEvent::CaseErased { .. } = event {
            // a closed case left the book at its closure; its erasure is one line less on
            // the worklist
            if !self.cases.contains_key(&id) {
                self.closed.awaiting_erasure.remove(&id);
                return;
            }
        }
        let Some(entry) = self
            .cases
            .get_mut(&id)
            .filter(|e| listed || e.in_own_stream)
        else {
            return;
        };
        entry.apply(event, self.zone);
        if matches!(*entry.state, CaseState::Closed(_)) {
            // closed: what it adds to every report is fixed now
            if let Some(entry) = self.cases.remove(&id) {
                if let CaseState::Closed(case) = *entry.state {
                    self.closed.add_case(&case, &entry.effort, self.zone);
                }
            }
            if self.streams.get(&recorded.stream) == Some(&id) {
                self.streams.remove(&recorded.stream);
            }
        }
    }
}

/// One case in full, folded from its own stream: what the case report and `case show`
/// read. Unlike the book's entry it keeps a closed case's consent, team, assessment and
/// plan. Personal fields stay sealed (no key is read).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseFile {
    /// The folded state.
    pub state: CaseState,
    /// Effort per voucher, half-year and module.
    pub effort: Vec<EffortBucket>,
    /// Attendance reported in feedback.
    pub attendance: Attendance,
}

impl CaseFile {
    /// Folds events of one case, in order; half-years are counted in `zone`.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a CaseEvent>, zone: Tz) -> Self {
        let mut file = CaseFile::default();
        for event in events {
            tally(&mut file.effort, &mut file.attendance, event, zone);
            CaseProcess::evolve_in_place(&mut file.state, event);
        }
        file
    }

    /// Reads and folds the stream of case `id` (`case-<uuid>`), as of `as_of` if given,
    /// counting half-years in `zone`; `None` if the case has no registration by then.
    pub fn load(
        store: &(impl EventStore + ?Sized),
        id: CaseId,
        as_of: Option<AsOf>,
        zone: Tz,
    ) -> Result<Option<Self>, ProjectionError> {
        let codec = case_codec();
        let recorded = store.read_stream_all(&StreamId::for_case(id))?;
        let events = recorded
            .iter()
            .filter(|e| as_of.is_none_or(|cut| cut.includes(e)))
            .map(|e| codec.decode(e))
            .collect::<Result<Vec<_>, _>>()?;
        let file = Self::fold(&events, zone);
        Ok(file.state.registration().is_some().then_some(file))
    }
}
