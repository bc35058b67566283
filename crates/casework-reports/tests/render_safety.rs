//! What a report writes cannot run in a spreadsheet or move a terminal (issue 37, row 10):
//! text cells that a spreadsheet would read as a formula are neutralised in CSV (OWASP's
//! rule), control characters of text are shown escaped; numbers are left as they are.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_reports::{cell, csv_of, Table, Value};

#[test]
fn formula_cells_are_neutralised_in_csv() {
    for (name, csv) in [
        (
            "=HYPERLINK(\"http://evil\",\"x\")",
            "'=HYPERLINK(\"http://evil\",\"x\")",
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("nordkreis-1", "nordkreis-1"),
        ("Düsseldorf", "Düsseldorf"),
    ] {
        assert_eq!(Value::Text(name.into()).csv(), csv, "{name:?}");
    }
    assert_eq!(Value::Signed(-3).csv(), "-3", "a number keeps its sign");
    assert_eq!(Value::Count(-1).csv(), "-1");
    let table = Table {
        name: "teams".into(),
        title: "Teams".into(),
        headers: vec!["team".into(), "entries".into()],
        rows: vec![vec![cell("=1+1"), cell(5i64)]],
        marked: Default::default(),
        toned: false,
    };
    let csv = csv_of(&table);
    assert!(csv.contains("'=1+1"), "{csv}");
    assert!(!csv.lines().any(|l| l.starts_with('=')), "{csv}");
}

#[test]
fn control_characters_of_text_are_shown_escaped() {
    let shown = Value::Text("Nord\u{1b}[31m\u{7}kreis".into()).to_string();
    assert_eq!(shown, "Nord\\u{1b}[31m\\u{7}kreis");
    assert!(!shown.chars().any(char::is_control));
}
