//! CSV import: every malformed line or column gives a typed error naming
//! it; a simulated day exported as CSV and read back gives the same
//! arrivals; an imported day replays under each policy.

use switchboard::policy;
use switchboard::sim::{
    export_conversations, export_roster, import_day, CsvError, Scenario, Simulation, Workload,
};

const ROSTER: &str = "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z,4\n";

fn import(conversations: &str, roster: &str) -> Result<switchboard::sim::ImportedDay, CsvError> {
    import_day(
        &Scenario::default(),
        "conv.csv",
        conversations,
        "roster.csv",
        roster,
    )
}

fn field_error(conversations: &str) -> (u64, String) {
    match import(conversations, ROSTER) {
        Err(e @ CsvError::Field { .. }) => (e.line().unwrap(), e.column().unwrap().to_string()),
        other => panic!("expected a field error, got {other:?}"),
    }
}

#[test]
fn each_malformed_value_names_its_line_and_column() {
    let head = "opened_at,customer,channel,tier,priority,topic,skills,bot,first_response_at,resolved_at,messages\n";
    let good = "2026-03-02T09:00:00Z,c1,sms,vip,high,billing,,false,2026-03-02T09:05:00Z,2026-03-02T09:30:00Z,c@2026-03-02T09:00:00Z;a@2026-03-02T09:05:00Z\n";
    assert!(import(&format!("{head}{good}"), ROSTER).is_ok());
    let cases = [
        ("yesterday,c2,sms,vip,high,billing,,false,,,\n", "opened_at"),
        (
            "2026-03-02T09:00:00Z,,sms,vip,high,billing,,false,,,\n",
            "customer",
        ),
        (
            "2026-03-02T09:00:00Z,c2,pigeon,vip,high,billing,,false,,,\n",
            "channel",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,gold,high,billing,,false,,,\n",
            "tier",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,asap,billing,,false,,,\n",
            "priority",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,weather,,false,,,\n",
            "topic",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,billing,billing:11,false,,,\n",
            "skills",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,billing,,maybe,,,\n",
            "bot",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,billing,,false,2026-03-02T08:00:00Z,,\n",
            "first_response_at",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,billing,,false,,2026-02-30T10:00:00Z,\n",
            "resolved_at",
        ),
        (
            "2026-03-02T09:00:00Z,c2,sms,vip,high,billing,,false,,,x@1\n",
            "messages",
        ),
    ];
    for (bad, column) in cases {
        // The bad line is the third line of the file (header, good, bad).
        let (line, col) = field_error(&format!("{head}{good}{bad}"));
        assert_eq!((line, col.as_str()), (3, column), "{bad}");
    }
}

#[test]
fn structural_problems_are_typed_too() {
    let missing = import("customer,channel\nc1,sms\n", ROSTER).unwrap_err();
    assert!(
        matches!(
            missing,
            CsvError::MissingColumn {
                column: "opened_at",
                ..
            }
        ),
        "{missing}"
    );
    let short = import(
        "opened_at,customer,channel\n2026-03-02T09:00:00Z,c1\n",
        ROSTER,
    )
    .unwrap_err();
    assert!(
        matches!(
            short,
            CsvError::Shape {
                line: 2,
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{short}"
    );
    let empty = import("opened_at,customer\n", ROSTER).unwrap_err();
    assert!(matches!(empty, CsvError::Empty { .. }), "{empty}");
    let conv = "opened_at,customer\n2026-03-02T09:00:00Z,c1\n";
    let roster = import(
        conv,
        "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T07:00:00Z,4\n",
    )
    .unwrap_err();
    assert_eq!(
        (roster.line(), roster.column()),
        (Some(2), Some("end")),
        "{roster}"
    );
    let cap = import(
        conv,
        "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T09:00:00Z,0\n",
    )
    .unwrap_err();
    assert_eq!((cap.line(), cap.column()), (Some(2), Some("cap")), "{cap}");
    // The message names the file, the line and the column.
    assert!(
        cap.to_string().contains("roster.csv line 2, column `cap`"),
        "{cap}"
    );
}

#[test]
fn a_simulated_day_round_trips_through_csv() {
    let mut s = Scenario::default();
    s.arrivals.conversations_per_day = 600.0;
    let day = Workload::generate(&s, 5);
    let conv = export_conversations(&s, &day);
    let roster = export_roster(&s, &day);
    let back = import_day(&s, "conv.csv", &conv, "roster.csv", &roster).expect("imports");
    // The CSV carries a conversation's skills (its language skill among
    // them), not the language index a plan's routes read: an imported day
    // knows no language (`None`), and every other field comes back.
    let mut expected = day.arrivals.clone();
    for a in &mut expected {
        a.language = None;
    }
    assert_eq!(back.workload.arrivals, expected);
    assert_eq!(back.workload.agents.len(), day.agents.len());
    assert_eq!(back.scenario.days, 1);
}

#[test]
fn an_imported_day_replays_under_each_policy() {
    let conv = "opened_at,customer,channel,topic,first_response_at,resolved_at,messages\n\
        2026-03-02T09:00:00Z,c1,sms,general,2026-03-02T09:04:00Z,2026-03-02T09:20:00Z,c@2026-03-02T09:00:00Z;a@2026-03-02T09:04:00Z;c@2026-03-02T09:10:00Z;a@2026-03-02T09:12:00Z\n\
        2026-03-02T09:01:00Z,c2,web,general,,2026-03-02T09:03:00Z,\n\
        2026-03-02T10:00:00Z,c1,sms,general,2026-03-02T10:01:00Z,2026-03-02T10:10:00Z,\n";
    let roster = "agent,start,end,cap\nann,2026-03-02T08:00:00Z,2026-03-02T16:00:00Z,4\n";
    let day = import_day(&Scenario::default(), "c", conv, "r", roster).expect("imports");
    assert_eq!(day.workload.recorded[0].turns, 2);
    assert!(day.workload.arrivals[2].returning);
    for name in policy::BuiltinPolicy::names() {
        let out = Simulation::new(day.scenario.clone(), 1)
            .with_workload(day.workload.clone())
            .run(policy::BuiltinPolicy::from_name(name).unwrap())
            .expect("replays");
        assert_eq!(out.report.volumes.opened, 3, "{name}");
        assert_eq!(out.report.volumes.returning, 1, "{name}");
    }
}
