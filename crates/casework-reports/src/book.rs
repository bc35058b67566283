//! The case book: the projection every report reads.
//!
//! Per case it keeps what the reports need and what the folded state does not keep:
//! effort per half-year and attendance reported in feedback. While a case is not closed
//! the book holds its full folded state (the deadline worklist reads plans and
//! deadlines); when it closes, the book keeps only a [`ClosedRecord`] — registration,
//! closure and vouchers — and drops the consent, team, assessment and plan, which no
//! book report reads. The full state of one case, closed or not, is a [`CaseFile`],
//! folded from that case's own stream.
//!
//! So the book's memory is the full state of each open case plus a small record per
//! closed case, never a function of the number of events; and a long history does not
//! make the fold slower per event (`docs/performance.md`, "Reports").

use std::collections::{BTreeMap, HashMap};

use casework_core::{
    CaseEvent, CaseId, CaseProcess, CaseState, ClosedCase, ClosureReason, DeliveredEffort,
    PhaseName, Process, Registration, Voucher, VoucherId,
};
use casework_store::{case_codec, AsOf, EventStore, RecordedEvent, StreamId};
use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};

use crate::projection::{keeps, Projection, ProjectionError};

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

/// What the book keeps of a closed case: what the reports read, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedRecord {
    /// Registration facts (the client's details as stored: sealed).
    pub registration: Registration,
    /// Why it closed.
    pub reason: ClosureReason,
    /// When it closed.
    pub closed_at: DateTime<Utc>,
    /// The phase it closed in.
    pub last_phase: PhaseName,
    /// Its vouchers.
    pub vouchers: BTreeMap<VoucherId, Voucher>,
    /// When its personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
}

impl From<ClosedCase> for ClosedRecord {
    fn from(c: ClosedCase) -> Self {
        ClosedRecord {
            registration: c.registration,
            reason: c.reason,
            closed_at: c.closed_at,
            last_phase: c.last_phase.name(),
            vouchers: c.vouchers,
            erased_at: c.erased_at,
        }
    }
}

/// The case itself, as the book keeps it. Both variants are boxed, so the book's hash
/// table stays small and dense however large a case grows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseRecord {
    /// Not closed: the full folded state (open, or unregistered if the stream's first
    /// event was not a registration).
    Active(Box<CaseState>),
    /// Closed: the compact record.
    Closed(Box<ClosedRecord>),
}

impl Default for CaseRecord {
    fn default() -> Self {
        CaseRecord::Active(Box::default())
    }
}

/// What the book knows of one case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseEntry {
    /// The case: full state while active, a compact record once closed.
    pub record: CaseRecord,
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
    /// Registration facts; `None` for a stream that was never registered.
    pub fn registration(&self) -> Option<&Registration> {
        match &self.record {
            CaseRecord::Active(state) => state.registration(),
            CaseRecord::Closed(c) => Some(&c.registration),
        }
    }

    /// The vouchers; `None` for a stream that was never registered.
    pub fn vouchers(&self) -> Option<&BTreeMap<VoucherId, Voucher>> {
        match &self.record {
            CaseRecord::Active(state) => state.vouchers(),
            CaseRecord::Closed(c) => Some(&c.vouchers),
        }
    }

    /// The full state of a case that is not closed.
    pub fn active(&self) -> Option<&CaseState> {
        match &self.record {
            CaseRecord::Active(state) => Some(state),
            CaseRecord::Closed(_) => None,
        }
    }

    /// The record of a closed case.
    pub fn closed(&self) -> Option<&ClosedRecord> {
        match &self.record {
            CaseRecord::Active(_) => None,
            CaseRecord::Closed(c) => Some(c),
        }
    }

    /// The name of the case's phase (`Closed` once closed).
    pub fn phase_name(&self) -> PhaseName {
        match &self.record {
            CaseRecord::Active(state) => state.phase_name(),
            CaseRecord::Closed(_) => PhaseName::Closed,
        }
    }

    /// Folds one event of this case.
    fn apply(&mut self, event: &CaseEvent) {
        tally(&mut self.effort, &mut self.attendance, event);
        match &mut self.record {
            CaseRecord::Active(state) => {
                CaseProcess::evolve_in_place(state, event);
                if matches!(**state, CaseState::Closed(_)) {
                    if let CaseState::Closed(closed) = std::mem::take(&mut **state) {
                        self.record = CaseRecord::Closed(Box::new(closed.into()));
                    }
                }
            }
            // what `evolve` does to a closed case
            CaseRecord::Closed(c) => {
                if let CaseEvent::CaseErased { at } = event {
                    c.erased_at.get_or_insert(*at);
                }
            }
        }
    }
}

/// Counts what the case state does not keep: effort per half-year, attendance.
fn tally(effort: &mut Vec<EffortBucket>, attendance: &mut Attendance, event: &CaseEvent) {
    match event {
        CaseEvent::ServiceHoursRecorded {
            at,
            voucher,
            module,
            individual_minutes,
            group_sessions,
        } => {
            let (year, half) = (at.year(), if at.month() <= 6 { 1 } else { 2 });
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseBook {
    /// Cases by id. Hashed: every event looks up a random case, and reports aggregate or
    /// sort explicitly, so no report depends on this map's order.
    pub cases: HashMap<CaseId, CaseEntry>,
    /// Which case a stream holds, for streams other than the case's own `case-<uuid>`
    /// (which is how the repository names them, so this map is usually empty).
    pub streams: HashMap<StreamId, CaseId>,
}

/// The case id of a stream named exactly as [`StreamId::for_case`] names it.
fn own_stream_case(stream: &StreamId) -> Option<CaseId> {
    let uuid = stream.as_str().strip_prefix("case-")?;
    let canonical = uuid.len() == 36
        && uuid
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-'));
    canonical
        .then(|| uuid::Uuid::try_parse(uuid).ok().map(CaseId))
        .flatten()
}

impl Projection for CaseBook {
    fn apply(&mut self, recorded: &RecordedEvent, event: &CaseEvent) {
        let own = own_stream_case(&recorded.stream);
        if let CaseEvent::CaseRegistered { case_id, .. } = event {
            // the first registration in a stream decides which case the stream holds
            let held = self.streams.contains_key(&recorded.stream)
                || own.is_some_and(|id| self.cases.get(&id).is_some_and(|e| e.in_own_stream));
            if !held {
                if own == Some(*case_id) {
                    self.cases.entry(*case_id).or_default().in_own_stream = true;
                } else {
                    self.streams.insert(recorded.stream.clone(), *case_id);
                }
            }
        }
        // A stream listed in `streams` holds the case it names there; otherwise a case's
        // own stream holds the case if it was registered there. Other events are not
        // part of any case.
        let entry = match self.streams.get(&recorded.stream) {
            Some(id) => self.cases.entry(*id).or_default(),
            None => match own.and_then(|id| self.cases.get_mut(&id)) {
                Some(entry) if entry.in_own_stream => entry,
                _ => return,
            },
        };
        entry.apply(event);
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
    /// Folds events of one case, in order.
    pub fn fold<'a>(events: impl IntoIterator<Item = &'a CaseEvent>) -> Self {
        let mut file = CaseFile::default();
        for event in events {
            tally(&mut file.effort, &mut file.attendance, event);
            CaseProcess::evolve_in_place(&mut file.state, event);
        }
        file
    }

    /// Reads and folds the stream of case `id` (`case-<uuid>`), as of `as_of` if given;
    /// `None` if the case has no registration by then.
    pub fn load(
        store: &(impl EventStore + ?Sized),
        id: CaseId,
        as_of: Option<AsOf>,
    ) -> Result<Option<Self>, ProjectionError> {
        let codec = case_codec();
        let recorded = store.read_stream_all(&StreamId::for_case(id))?;
        let events = recorded
            .iter()
            .filter(|e| as_of.is_none_or(|cut| keeps(cut, e)))
            .map(|e| codec.decode(e))
            .collect::<Result<Vec<_>, _>>()?;
        let file = Self::fold(&events);
        Ok(file.state.registration().is_some().then_some(file))
    }
}
