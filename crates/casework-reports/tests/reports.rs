//! Every report on a hand-built deployment, snapshotted as table, CSV and JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_process::*;
use casework_reports::*;
use casework_testkit::world::deployment::*;
use casework_testkit::world::*;

fn book(d: &Deployment) -> CaseBook {
    Projector::<CaseBook>::rebuild(&d.store).unwrap().projection
}

fn snap(name: &str, report: &impl Report) {
    insta::assert_snapshot!(
        format!("{name}_table"),
        render(report, Format::Table).unwrap()
    );
    let csv: Vec<String> = csv_tables(report)
        .into_iter()
        .map(|(table, text)| format!("## {table}.csv\n{text}"))
        .collect();
    insta::assert_snapshot!(format!("{name}_csv"), csv.join("\n"));
    insta::assert_snapshot!(
        format!("{name}_json"),
        render(report, Format::Json).unwrap()
    );
    csv_reads_back_as_the_json(report);
}

/// Every CSV table reads back with the `csv` crate: a header row, then rows of the
/// header's width, and every value that comes from the report equals the report's JSON
/// at its place (numbers as plain numbers, an empty cell for null).
fn csv_reads_back_as_the_json(report: &impl Report) {
    let json = serde_json::to_value(report).unwrap();
    let tables = report.tables();
    let files = csv_tables(report);
    assert_eq!(files.len(), tables.len());
    for (table, (name, text)) in tables.iter().zip(&files) {
        assert_eq!(&table.name, name);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(headers, table.headers, "{name}: header row");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), table.rows.len(), "{name}: rows");
        for (row, cells) in rows.iter().zip(&table.rows) {
            assert_eq!(row.len(), headers.len(), "{name}: row width");
            for (field, cell) in row.iter().zip(cells) {
                assert!(
                    !field.contains('%') && field != "–",
                    "{name}: {field:?} is not plain"
                );
                let Some(pointer) = &cell.source else {
                    continue;
                };
                let want = json
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{name}: {pointer} is not in the JSON"));
                match want {
                    serde_json::Value::Null => assert_eq!(field, "", "{name} {pointer}"),
                    serde_json::Value::Number(n) => {
                        let got: f64 = field.parse().unwrap_or_else(|_| {
                            panic!("{name} {pointer}: {field:?} is not a number")
                        });
                        assert!(
                            (got - n.as_f64().unwrap()).abs() < 1e-9,
                            "{name} {pointer}: CSV {field}, JSON {n}"
                        );
                    }
                    serde_json::Value::String(t) => assert_eq!(field, t, "{name} {pointer}"),
                    other => panic!("{name} {pointer}: {other} in the JSON"),
                }
            }
        }
    }
}

#[test]
fn voucher_monitoring_counts_every_status() {
    let d = six_cases();
    let r = voucher_monitoring(&book(&d), &d.policy, None, 2026, date(230));
    let sb = r
        .rows
        .iter()
        .find(|r| r.provider.as_str() == "sb-aachen")
        .unwrap();
    assert_eq!(
        (
            sb.issued,
            sb.redeemed,
            sb.not_started,
            sb.returned,
            sb.running
        ),
        (3, 1, 1, 1, 1)
    );
    let ca = r
        .rows
        .iter()
        .find(|r| r.provider.as_str() == "caritas-hamm")
        .unwrap();
    assert_eq!(
        (ca.issued, ca.redeemed, ca.running),
        (2, 2, 0),
        "closed cases do not run"
    );
    assert_eq!(ca.under_25.map(|p| p.to_string()).as_deref(), Some("50.0%"));
    assert_eq!(
        ca.avg_counselling_days.map(|d| d.to_string()).as_deref(),
        Some("80.0")
    );
    // stage 2 of D-1 started on day 112: 118 days before day 230 (> 90)
    assert_eq!(r.stages.len(), 1);
    assert_eq!(
        (
            r.stages[0].stage,
            r.stages[0].open,
            r.stages[0].over_threshold
        ),
        (2, 1, 1)
    );
    snap("voucher_monitoring", &r);
}

#[test]
fn half_year_report_counts_cases_hours_and_need_groups() {
    let d = six_cases();
    let b = book(&d);
    let h1 = half_year(&b, &d.policy, &ProviderId::new("caritas-hamm"), 2026, 1);
    assert_eq!((h1.cases_worked, h1.cases_closed), (2, 1));
    assert_eq!(h1.hours.to_string(), "18.0"); // 7 + 10 + 1 hours
    assert_eq!(h1.due_by.to_string(), "2026-07-31");
    let h2 = half_year(&b, &d.policy, &ProviderId::new("sb-aachen"), 2026, 2);
    assert_eq!(h2.cases_worked, 1);
    assert_eq!(h2.hours.to_string(), "1.0");
    assert_eq!(
        h2.due_by.to_string(),
        "2027-01-29",
        "31 January 2027 is a Sunday"
    );
    snap("half_year", &h1);
}

#[test]
fn outcomes_give_rates_and_reasons() {
    let d = six_cases();
    let r = outcomes(&book(&d), date(0), date(364));
    let addiction = r
        .services
        .iter()
        .find(|s| s.label() == ADDICTION_COUNSELLING)
        .unwrap();
    assert_eq!((addiction.participants, addiction.integrated), (2, 1));
    assert_eq!(
        addiction.rate.map(|p| p.to_string()).as_deref(),
        Some("50.0%")
    );
    assert_eq!(r.reasons.len(), 3);
    snap("outcomes", &r);
}

#[test]
fn case_reports_are_interim_or_final_and_hold_no_personal_data() {
    let d = six_cases();
    let file = |n| {
        CaseFile::load(&d.store, case(n), None, casework_process::DEFAULT_TIME_ZONE)
            .unwrap()
            .unwrap()
    };
    let c2 = case_report(case(2), &file(2), &d.policy, date(230)).unwrap();
    assert_eq!(
        (c2.kind, c2.result),
        (CaseReportKind::Final, Some(ClosureReason::Employment))
    );
    let c1 = case_report(case(1), &file(1), &d.policy, date(230)).unwrap();
    assert_eq!(c1.kind, CaseReportKind::Interim);
    for r in [&c1, &c2] {
        let csv: String = csv_tables(r).into_iter().map(|(_, t)| t).collect();
        for f in [Format::Table, Format::Json, Format::Html] {
            let text = render(r, f).unwrap() + &csv;
            for canary in ["Client ", "CANARY-GOAL", "CANARY-MEASURE"] {
                assert!(!text.contains(canary), "{canary} in {f:?}");
            }
        }
    }
    snap("case_report_final", &c2);
    snap("case_report_interim", &c1);
}

#[test]
fn the_worklist_puts_the_most_overdue_first() {
    let d = six_cases();
    let w = deadline_worklist(&book(&d), &d.policy, date(230), 14);
    assert!(!w.items.is_empty());
    assert!(w
        .items
        .windows(2)
        .all(|p| p[0].days_overdue >= p[1].days_overdue));
    assert!(w.items.iter().all(|i| i.due <= date(244)));
    // case 4's voucher: issued day 155, first appointment and feedback due day 169
    assert!(w.items.iter().any(|i| i.case == case(4)
        && i.item.starts_with("first feedback")
        && i.days_overdue == 61));
    snap("worklist", &w);
}

#[test]
fn the_worklist_shows_escalations_and_erasures_until_they_are_done() {
    let d = six_cases();
    let before = deadline_worklist(&book(&d), &d.policy, date(230), 14);
    let voucher = |w: &Worklist| {
        w.items
            .iter()
            .find(|i| {
                i.case == case(4)
                    && i.deadline
                        == DeadlineItem::FirstFeedback {
                            voucher: VoucherId::new("D-4"),
                        }
            })
            .cloned()
            .unwrap()
    };
    // 61 days late: the steering body acts; nothing recorded yet
    let e = voucher(&before).escalation.unwrap();
    assert_eq!(
        (e.level, e.act.as_str(), e.recorded),
        (3, "steering body (OPA)", 0)
    );
    d.run(
        case(4),
        230,
        &caseworker(),
        CaseCommand::RecordEscalation {
            item: DeadlineItem::FirstFeedback {
                voucher: VoucherId::new("D-4"),
            },
            level: 2,
        },
    );
    let after = deadline_worklist(&book(&d), &d.policy, date(230), 14);
    assert_eq!(voucher(&after).escalation.unwrap().recorded, 2);
    // a closed case waits for its erasure on the worklist until it is erased
    let erasure = |w: &Worklist| {
        w.items
            .iter()
            .any(|i| i.case == case(2) && i.deadline == DeadlineItem::Erasure)
    };
    assert!(erasure(&after));
    d.run(case(2), 231, &coordinator(), CaseCommand::EraseCase);
    assert!(!erasure(&deadline_worklist(
        &book(&d),
        &d.policy,
        date(231),
        14
    )));
}

#[test]
fn entry_planning_uses_the_plan_file() {
    let d = six_cases();
    let plan = EntryPlan::from_csv("team,month,planned\naachen,2026-01,2\naachen,2026-02,1\nstolberg,2026-01,0\neifel,2026-01,1\n").unwrap();
    let r = entry_planning(&book(&d), &plan, 3);
    let aachen = r.rows.iter().find(|r| r.label() == "aachen").unwrap();
    assert_eq!(aachen.actual, vec![3, 0, 0]);
    snap("entry_planning", &r);
}

#[test]
fn malformed_plan_files_name_the_line() {
    let bad = |text: &str| EntryPlan::from_csv(text).unwrap_err();
    assert_eq!(bad("team;month;planned\n").line, 1);
    assert_eq!(bad("team,month,planned\naachen,2026-01,x\n").line, 2);
    assert_eq!(
        bad("team,month,planned\naachen,2026-01,1\naachen,2026-01,2\n").line,
        3
    );
    assert_eq!(
        bad("team,month,planned\naachen,2026-01,1\naachen,2027-01,2\n").line,
        3
    );
    assert_eq!(bad("team,month,planned\naachen,2026-1\n").line, 2);
    assert!(bad("team,month,planned\n").detail.contains("no rows"));
}

#[test]
fn as_of_a_date_sees_only_what_had_happened() {
    let d = six_cases();
    let early =
        Projector::<CaseBook>::as_of(&d.store, casework_store::AsOf::Effective(day(11))).unwrap();
    let r = voucher_monitoring(&early, &d.policy, None, 2026, date(11));
    let sb = r
        .rows
        .iter()
        .find(|r| r.provider.as_str() == "sb-aachen")
        .unwrap();
    assert_eq!(
        (sb.issued, sb.not_started, sb.redeemed),
        (1, 1, 0),
        "on day 11 D-1 was issued, not yet redeemed"
    );
}
