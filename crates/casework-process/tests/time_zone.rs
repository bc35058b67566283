//! Days are counted in the deployment's time zone (the policy's `time_zone`, by default
//! `Europe/Berlin`): a deadline is a local day, and it turns overdue at local midnight,
//! across the change to and from daylight saving time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casework_core::*;
use casework_process::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::*;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A consented case with voucher V1 (addiction counselling: first feedback within 14
/// days) issued at `issued`, decided under `policy`.
fn issued_at(w: &World, policy: &Policy, issued: DateTime<Utc>) -> CaseState {
    let mut state = CaseState::default();
    let start = issued - chrono::Duration::days(2);
    for (actor, at, cmd) in [
        (&w.referrer, start, register()),
        (&w.client, start, sign_consent()),
        (
            &w.caseworker,
            issued,
            issue("V1", ADDICTION_COUNSELLING, PROVIDER),
        ),
    ] {
        execute::<CaseProcess>(&mut state, &cmd, &Context::new(at, actor, policy)).unwrap();
    }
    state
}

fn first_feedback(state: &CaseState, policy: &Policy) -> Deadline {
    deadlines(state, policy)
        .into_iter()
        .find(|d| matches!(d.item, DeadlineItem::FirstFeedback { .. }))
        .unwrap()
}

#[test]
fn the_default_zone_is_berlin_and_a_policy_names_its_own() {
    assert_eq!(Policy::default().time_zone, Tz::Europe__Berlin);
    // a policy file without the field keeps the default
    let mut json: serde_json::Value = serde_json::to_value(Policy::default()).unwrap();
    assert_eq!(json["time_zone"], "Europe/Berlin");
    json.as_object_mut().unwrap().remove("time_zone");
    let policy = Policy::from_json(&json.to_string()).unwrap();
    assert_eq!(policy.time_zone, Tz::Europe__Berlin);
    // another zone by its IANA name
    json["time_zone"] = "Europe/Zurich".into();
    assert_eq!(
        Policy::from_json(&json.to_string()).unwrap().time_zone,
        Tz::Europe__Zurich
    );
    // an unknown name is a typed error that names the field's value
    json["time_zone"] = "Europe/Atlantis".into();
    let err = Policy::from_json(&json.to_string()).unwrap_err();
    assert!(matches!(err, PolicyError::Parse(_)), "{err:?}");
    assert!(err.to_string().contains("Europe/Atlantis"), "{err}");
}

#[test]
fn a_registration_at_2330_utc_on_31_january_is_on_1_february_in_aachen() {
    let policy = Policy::default();
    let at = utc(2015, 1, 31, 23, 30);
    assert_eq!(policy.local_date(at), ymd(2015, 2, 1));
    let utc_policy = Policy {
        time_zone: Tz::UTC,
        ..Policy::default()
    };
    assert_eq!(utc_policy.local_date(at), ymd(2015, 1, 31));
}

#[test]
fn a_deadline_counts_local_days_and_turns_overdue_at_local_midnight() {
    let w = World::default();
    let policy = Policy::default();
    // 23:30 UTC on Saturday 28 March 2026 is 00:30 on the 29th in Berlin (CET, +1), the
    // night the clocks go forward: the 14 days count from the 29th
    let state = issued_at(&w, &policy, utc(2026, 3, 28, 23, 30));
    let due = first_feedback(&state, &policy);
    assert_eq!(due.due, ymd(2026, 4, 12));
    // on the due day it is not overdue; from the next local day it is — and that day
    // begins at 22:00 UTC in summer time (CEST, +2), not at midnight UTC
    let still_due = utc(2026, 4, 12, 21, 59);
    let overdue = utc(2026, 4, 12, 22, 0);
    assert!(!due.is_overdue(policy.local_date(still_due)));
    assert!(due.is_overdue(policy.local_date(overdue)));
    assert_eq!(overdue_on(&state, &policy, overdue), 1);
    assert_eq!(overdue_on(&state, &policy, still_due), 0);

    // the same instants under a UTC deployment: issued on the 28th, due the 11th
    let utc_policy = Policy {
        time_zone: Tz::UTC,
        ..Policy::default()
    };
    let state = issued_at(&w, &utc_policy, utc(2026, 3, 28, 23, 30));
    assert_eq!(first_feedback(&state, &utc_policy).due, ymd(2026, 4, 11));
}

#[test]
fn summer_time_is_two_hours_ahead_and_the_clocks_going_back_keeps_the_day() {
    let policy = Policy::default();
    // 22:30 UTC in summer is 00:30 the next day in Berlin (a fixed +1 would say 23:30)
    assert_eq!(policy.local_date(utc(2026, 7, 1, 22, 30)), ymd(2026, 7, 2));
    assert_eq!(policy.local_date(utc(2026, 1, 1, 22, 30)), ymd(2026, 1, 1));
    // 25 October 2026 has 25 hours in Berlin: 00:00 to 23:59 local are 22:00 UTC on the
    // 24th to 22:59 UTC on the 25th
    assert_eq!(
        policy.local_date(utc(2026, 10, 24, 22, 0)),
        ymd(2026, 10, 25)
    );
    assert_eq!(
        policy.local_date(utc(2026, 10, 25, 22, 59)),
        ymd(2026, 10, 25)
    );
    assert_eq!(
        policy.local_date(utc(2026, 10, 25, 23, 0)),
        ymd(2026, 10, 26)
    );
}

fn overdue_on(state: &CaseState, policy: &Policy, now: DateTime<Utc>) -> usize {
    overdue(state, policy, policy.local_date(now))
        .into_iter()
        .filter(|d| matches!(d.item, DeadlineItem::FirstFeedback { .. }))
        .count()
}
