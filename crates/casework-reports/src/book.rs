//! The case book: the projection every report reads. Per case it keeps the folded case
//! state and what the state does not keep but reports need: effort per half-year and
//! attendance reported in feedback. Memory grows with the number of cases, not events.

use std::collections::HashMap;

use casework_core::{
    CaseEvent, CaseId, CaseProcess, CaseState, DeliveredEffort, Process, VoucherId,
};
use casework_store::{RecordedEvent, StreamId};
use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::projection::Projection;

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

/// What the book knows of one case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseEntry {
    /// The folded state.
    pub state: CaseState,
    /// Effort per voucher, half-year and module.
    pub effort: Vec<EffortBucket>,
    /// Attendance reported in feedback.
    pub attendance: Attendance,
}

/// The case book.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseBook {
    /// Cases by id. Hashed: every event looks up a random case, and reports aggregate or
    /// sort explicitly, so no report depends on this map's order.
    pub cases: HashMap<CaseId, CaseEntry>,
    /// Which case a stream holds, for streams not named `case-<uuid>`.
    pub streams: HashMap<StreamId, CaseId>,
}

impl Projection for CaseBook {
    fn apply(&mut self, recorded: &RecordedEvent, event: &CaseEvent) {
        if let CaseEvent::CaseRegistered { case_id, .. } = event {
            self.streams
                .entry(recorded.stream.clone())
                .or_insert(*case_id);
        }
        let Some(id) = self.streams.get(&recorded.stream) else {
            return;
        };
        let entry = self.cases.entry(*id).or_default();
        match event {
            CaseEvent::ServiceHoursRecorded {
                at,
                voucher,
                module,
                individual_minutes,
                group_sessions,
            } => {
                let (year, half) = (at.year(), if at.month() <= 6 { 1 } else { 2 });
                let pos = entry.effort.iter().position(|b| {
                    &b.voucher == voucher && b.year == year && b.half == half && b.module == *module
                });
                let bucket = match pos {
                    Some(i) => &mut entry.effort[i],
                    None => {
                        entry.effort.push(EffortBucket {
                            voucher: voucher.clone(),
                            year,
                            half,
                            module: *module,
                            effort: DeliveredEffort::default(),
                        });
                        let last = entry.effort.len() - 1;
                        &mut entry.effort[last]
                    }
                };
                bucket.effort.individual_minutes += individual_minutes;
                bucket.effort.group_sessions += group_sessions;
            }
            CaseEvent::FeedbackReceived { facts, .. } => match facts.attending {
                Some(true) => entry.attendance.attending += 1,
                Some(false) => entry.attendance.not_attending += 1,
                None => {}
            },
            _ => {}
        }
        CaseProcess::evolve_in_place(&mut entry.state, event);
    }
}
