//! The default generator reaches the whole process: the coverage over 256 cases is
//! counted, so that a regression in the generator shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_core::*;
use casework_process::*;
use std::collections::BTreeMap;

use casework_testkit::strategies::{self, Generator, Run};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

fn sample(generator: &Generator, n: usize) -> Vec<Run> {
    let mut runner = TestRunner::deterministic();
    let strategy = generator.run();
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

#[derive(Debug, Default)]
struct Coverage {
    plan: usize,
    redeemed: usize,
    overdue: usize,
    revoked: usize,
    closed: usize,
    erased: usize,
    empty: usize,
    events: usize,
}

fn coverage(generator: &Generator, runs: &[Run]) -> Coverage {
    let mut c = Coverage::default();
    for run in runs {
        let has = |f: &dyn Fn(&CaseEvent) -> bool| run.events.iter().any(f);
        c.plan += usize::from(has(&|e| matches!(e, CaseEvent::PlanAgreed { .. })));
        c.redeemed += usize::from(has(&|e| matches!(e, CaseEvent::VoucherRedeemed { .. })));
        c.revoked += usize::from(has(&|e| matches!(e, CaseEvent::ConsentRevoked { .. })));
        c.closed += usize::from(has(&|e| matches!(e, CaseEvent::CaseClosed { .. })));
        c.erased += usize::from(has(&|e| matches!(e, CaseEvent::CaseErased { .. })));
        c.empty += usize::from(run.events.is_empty());
        c.events += run.events.len();
        if let Some(last) = run.last_event_at() {
            let overdue = deadline::overdue(&run.state, &generator.policy, last.date_naive());
            c.overdue += usize::from(!overdue.is_empty());
        }
    }
    c
}

#[test]
fn default_histories_reach_the_whole_process() {
    let generator = Generator::default();
    let runs = sample(&generator, 256);
    let c = coverage(&generator, &runs);
    println!("{c:?}");
    let share = |n: usize| n * 100 / runs.len();
    assert!(share(c.plan) >= 40, "plan agreed in {}%", share(c.plan));
    assert!(
        share(c.redeemed) >= 30,
        "voucher redeemed in {}%",
        share(c.redeemed)
    );
    assert!(
        share(c.overdue) >= 10,
        "overdue at the last event in {}%",
        share(c.overdue)
    );
    assert!(share(c.revoked) >= 15, "revoked in {}%", share(c.revoked));
    assert_eq!(c.empty, 0, "no history is empty");
}

#[test]
fn every_event_type_is_generated() {
    let runs = sample(&Generator::default(), 256);
    let seen: std::collections::BTreeSet<&str> = runs
        .iter()
        .flat_map(|r| &r.events)
        .map(StoredEvent::event_type)
        .collect();
    let missing: Vec<_> = CaseEvent::TYPES
        .into_iter()
        .filter(|t| !seen.contains(t))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

#[test]
fn every_command_is_both_accepted_and_rejected_somewhere() {
    let runs = sample(&Generator::default(), 256);
    let mut seen: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for p in runs.iter().flat_map(|r| &r.played) {
        let (ok, no) = seen.entry(p.step.cmd.name()).or_default();
        match p.outcome {
            Ok(_) => *ok += 1,
            Err(_) => *no += 1,
        }
    }
    assert_eq!(seen.len(), 31, "every command kind is drawn: {seen:?}");
    let one_sided: Vec<_> = seen
        .iter()
        .filter(|(_, (ok, no))| *ok == 0 || *no == 0)
        .collect();
    assert!(one_sided.is_empty(), "tried only one way: {one_sided:?}");
}

#[test]
fn the_knobs_do_what_they_say() {
    let never = Generator::default()
        .revocation(0.0)
        .closing(0.0)
        .off_path(0.0);
    let runs = sample(&never, 128);
    let c = coverage(&never, &runs);
    assert_eq!(c.revoked, 0, "{c:?}");
    assert!(runs
        .iter()
        .all(|r| r.played.iter().all(|p| p.step.days <= 20)));
    let always = Generator::default()
        .revocation(1.0)
        .closing(0.0)
        .depth(12..=12)
        .days(1..=1);
    let runs = sample(&always, 64);
    let c = coverage(&always, &runs);
    assert!(c.revoked * 10 >= runs.len() * 8, "{c:?}");
    assert!(runs.iter().all(|r| r.played.len() == 12));
    assert!(runs
        .iter()
        .all(|r| r.played.iter().all(|p| p.step.days == 1)));
    // a drawn case id per case, carried into the registration
    let drawn = Generator::default().random_case_id();
    let runs = sample(&drawn, 16);
    let ids: std::collections::BTreeSet<CaseId> = runs.iter().map(|r| r.case_id).collect();
    assert!(ids.len() > 1);
    for r in &runs {
        if let Some(CaseEvent::CaseRegistered { case_id, .. }) = r.events.first() {
            assert_eq!(*case_id, r.case_id);
        }
    }
    // the policy is the one decided under: with a retention of 30 days, no case is
    // erased earlier than 30 days after its closure
    let mut policy = Policy::default();
    policy.thresholds.retention_days = 30;
    let kept = Generator::default().with_policy(policy).closing(1.0);
    for r in sample(&kept, 64) {
        let closed = r.events.iter().find_map(|e| match e {
            CaseEvent::CaseClosed { at, .. } => Some(*at),
            _ => None,
        });
        let erased = r.events.iter().find_map(|e| match e {
            CaseEvent::CaseErased { at } => Some(*at),
            _ => None,
        });
        if let (Some(c), Some(e)) = (closed, erased) {
            assert!(e - c >= chrono::Duration::days(30), "{r}");
        }
    }
}

#[test]
fn stories_are_one_line_per_step_and_redacted() {
    let run = sample(&Generator::default().depth(8..=8), 1).remove(0);
    let story = run.to_string();
    assert_eq!(story.lines().count(), 8, "{story}");
    let first = story.lines().next().unwrap();
    assert!(first.starts_with("  1  2026-01-"), "{first}");
    assert!(
        first.contains("RegisterCase") || first.contains(" ✗ "),
        "{first}"
    );
    // the generated client is called "X": no line shows the name
    assert!(
        !story.contains("\"X\"") && !story.contains("name"),
        "{story}"
    );
    // Debug (what proptest prints for a failing input) tells the same story
    assert!(format!("{run:?}").contains(&story));
    let history = run.history();
    assert_eq!(history.to_string().lines().count(), run.events.len());
    let steps = run.steps(strategies::start());
    assert_eq!(steps.to_string().lines().count(), 8);
}

#[test]
fn runs_become_a_store_a_book_and_a_worklist_in_one_call() {
    use casework_testkit::outcomes::{self, OutcomeError};
    let generator = Generator::default().random_case_id();
    let runs = sample(&generator, 24);
    let store = outcomes::store_of(&generator, &runs).unwrap();
    let events: usize = runs.iter().map(|r| r.events.len()).sum();
    assert_eq!(
        casework_store::EventStore::read_all(&store, 1, usize::MAX)
            .unwrap()
            .len(),
        events
    );
    let on = chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
    let worklist = outcomes::worklist(&generator, &runs, on).unwrap();
    // every open case's overdue deadline is on the worklist, typed
    for run in &runs {
        for d in deadline::overdue(&run.state, &generator.policy, on) {
            assert!(
                worklist.items.iter().any(|i| i.case == run.case_id
                    && i.deadline == d.item
                    && i.party == d.responsible),
                "{:?} of {} missing",
                d.item,
                run.case_id
            );
        }
    }
    // two runs of one case cannot share a store
    let same = sample(&Generator::default(), 2);
    assert_eq!(
        outcomes::store_of(&Generator::default(), &same).err(),
        Some(OutcomeError::SameCase(strategies::CASE_ID))
    );
}
