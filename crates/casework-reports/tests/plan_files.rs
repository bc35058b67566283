//! Plan files in the forms planners keep: what is read, and what is refused with the line
//! and the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use casework_process::TeamId;
use casework_reports::EntryPlan;

fn refused(text: &str) -> (usize, String) {
    let e = EntryPlan::from_csv(text).unwrap_err();
    (e.line, e.detail)
}

#[test]
fn wide_files_name_months_by_name_number_or_date() {
    // a lone year counts only before the header: after it, "2015" is a team's name
    let (_, why) = refused("team,1,2,3\n2015,,,\n");
    assert!(why.contains("names no year"), "{why}");
    let plan = EntryPlan::from_csv_for("Team,1,2,3\nAachen,3,4,5\n", Some(2016)).unwrap();
    assert_eq!(plan.year, 2016);
    assert_eq!(plan.teams[&TeamId::new("Aachen")][..4], [3, 4, 5, 0]);

    let dated = EntryPlan::from_csv("Team;2015-07;2015-08\nEifel;1;\n").unwrap();
    assert_eq!(dated.year, 2015);
    assert_eq!(dated.teams[&TeamId::new("Eifel")][6..8], [1, 0]);

    let english =
        EntryPlan::from_csv_for("Team,Jan,Feb,Mar,Total\nNorth,1,2,3,6\n", Some(2015)).unwrap();
    assert_eq!(english.teams[&TeamId::new("North")][..3], [1, 2, 3]);
}

#[test]
fn quoted_team_names_keep_their_separators_and_quotes() {
    let text = "Bedarf;Januar\n\"Team \"\"Nord\"\"; Düren\";4\n";
    let plan = EntryPlan::from_csv_for(text, Some(2015)).unwrap();
    assert_eq!(plan.teams[&TeamId::new("Team \"Nord\"; Düren")][0], 4);
}

#[test]
fn bad_wide_files_are_refused_with_line_and_reason() {
    let (line, why) = refused("2015\nBedarf;Januar;Februar;Summe\nAachen;35;35;71\n");
    assert_eq!(line, 3);
    assert!(
        why.contains("sum column says 71") && why.contains("70"),
        "{why}"
    );

    let (line, why) =
        refused("2015\nBedarf;Januar;Februar\nAachen;35;35\nEifel;1;0\nSumme;36;36\n");
    assert_eq!(line, 5);
    assert!(why.contains("month 2"), "{why}");

    let (line, why) = refused("2015\nBedarf;Januar;Jan\nAachen;1;1\n");
    assert_eq!(line, 2);
    assert!(why.contains("two columns"), "{why}");

    let (line, why) = refused("2015\nBedarf;Januar\nAachen;x\n");
    assert_eq!(line, 3);
    assert!(why.contains("\"x\""), "{why}");

    let (_, why) = refused("Bedarf;Januar\nAachen;1\n");
    assert!(why.contains("names no year"), "{why}");

    let e = EntryPlan::from_csv_for("2015\nBedarf;Januar\nAachen;1\n", Some(2016)).unwrap_err();
    assert!(e.detail.contains("for 2015, not 2016"), "{e}");

    let (line, why) = refused("2015\nBedarf;Januar\nAachen;1\nAachen;2\n");
    assert_eq!(line, 4);
    assert!(why.contains("twice"), "{why}");

    let (_, why) = refused("just a note\n");
    assert!(why.contains("no header row"), "{why}");
    let (_, why) = refused("");
    assert!(why.contains("empty"), "{why}");
}

#[test]
fn narrow_files_read_quoted_names() {
    let plan = EntryPlan::from_csv("team,month,planned\n\"Nordkreis 1\",2015-01,18\n").unwrap();
    assert_eq!(plan.teams[&TeamId::new("Nordkreis 1")][0], 18);
    let (line, why) = refused("team,month,planned\nAachen,2015-01,1\nAachen,2016-02,1\n");
    assert_eq!(line, 3);
    assert!(why.contains("not in the plan's year 2015"), "{why}");
}

/// Numbers at the edge of `u32` neither panic nor wrap round (issue 37, row 11): a sum is
/// counted in `u64`, a plan whose year adds up to more than can be counted is refused.
#[test]
fn huge_numbers_neither_panic_nor_wrap() {
    let refused_2015 = |text: &str| {
        let e = EntryPlan::from_csv_for(text, Some(2015)).unwrap_err();
        (e.line, e.detail)
    };
    // one cell of u32::MAX with a stated sum that a wrapping sum would match
    let (_, why) = refused_2015("Team;Jan;Feb;Summe\nNord;4294967295;381;380\n");
    assert!(why.contains("the months add up to 4294967676"), "{why}");
    // two teams whose month total passes u32::MAX, with a sum row
    let (_, why) = refused_2015("Team;Jan\nNord;4294967295\nSüd;5\nSumme;4\n");
    assert!(why.contains("the teams add up to 4294967300"), "{why}");
    // without sums: the year's total is too large to count
    let (line, why) = refused_2015("Team;Jan;Feb\nNord;4294967295;1\n");
    assert_eq!(line, 1, "{why}");
    assert!(why.contains("adds up to 4294967296 entries"), "{why}");
    let (_, why) = refused("Team,Month,Planned\nNord,2015-01,4294967295\nNord,2015-02,1\n");
    assert!(why.contains("adds up to 4294967296 entries"), "{why}");
    // a large plan that fits is read
    let plan = EntryPlan::from_csv_for("Team;Jan\nNord;4294967295\n", Some(2015)).unwrap();
    assert_eq!(plan.teams[&TeamId::new("Nord")][0], u32::MAX);
}
