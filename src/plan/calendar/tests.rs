//! Calendar edges: daylight saving, holidays, bad input, midnight.

use super::*;

fn berlin_office() -> CCalendar {
    compile(&CalendarDef {
        name: "office".into(),
        time_zone: "Europe/Berlin".into(),
        weekly: vec![WeeklyHours {
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            open: "09:00".into(),
            close: "17:00".into(),
        }],
        closures: vec![Closure {
            from: "2026-12-24".into(),
            until: Some("2026-12-26".into()),
            reason: "Christmas".into(),
        }],
    })
    .unwrap()
}

fn ms(text: &str) -> u64 {
    let ts: jiff::Timestamp = text.parse().unwrap();
    ts.as_millisecond() as u64
}

#[test]
fn spring_forward_moves_the_opening_an_hour_earlier_in_utc() {
    let cal = berlin_office();
    // Friday 27 March 2026, 17:00 CET is 16:00 UTC.
    assert!(cal.is_open(ms("2026-03-27T15:59:00Z")));
    assert_eq!(
        cal.next_change(ms("2026-03-27T12:00:00Z")),
        ms("2026-03-27T16:00:00Z")
    );
    // Clocks go forward on Sunday 29 March: Monday opens at 07:00 UTC.
    assert_eq!(
        cal.next_change(ms("2026-03-27T16:00:00Z")),
        ms("2026-03-30T07:00:00Z")
    );
    assert!(!cal.is_open(ms("2026-03-30T06:59:59Z")));
    assert!(cal.is_open(ms("2026-03-30T07:00:00Z")));
}

#[test]
fn a_holiday_keeps_the_calendar_closed_over_its_days() {
    let cal = berlin_office();
    // Wednesday 23 December closes at 16:00 UTC; 24-26 are closed, so
    // the next opening is Monday 28 December, 08:00 UTC.
    assert_eq!(
        cal.next_change(ms("2026-12-23T16:00:00Z")),
        ms("2026-12-28T08:00:00Z")
    );
    assert!(!cal.is_open(ms("2026-12-24T10:00:00Z")));
}

#[test]
fn bad_hours_and_zones_are_each_reported() {
    let problems = compile(&CalendarDef {
        name: "x".into(),
        time_zone: "Mars/Olympus".into(),
        weekly: vec![WeeklyHours {
            days: vec![Weekday::Mon],
            open: "18:00".into(),
            close: "09:00".into(),
        }],
        closures: vec![Closure {
            from: "2026-13-01".into(),
            ..Closure::default()
        }],
    })
    .unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(fields, ["time_zone", "weekly[0]", "closures[0]"]);
}

#[test]
fn hours_to_midnight_and_from_midnight_join_across_days() {
    let cal = compile(&CalendarDef {
        name: "late".into(),
        time_zone: "UTC".into(),
        weekly: vec![
            WeeklyHours {
                days: vec![Weekday::Mon],
                open: "20:00".into(),
                close: "24:00".into(),
            },
            WeeklyHours {
                days: vec![Weekday::Tue],
                open: "00:00".into(),
                close: "02:00".into(),
            },
        ],
        closures: vec![],
    })
    .unwrap();
    // Monday 7 December 2026, 20:00 opens; it stays open over midnight.
    assert_eq!(
        cal.next_change(ms("2026-12-07T12:00:00Z")),
        ms("2026-12-07T20:00:00Z")
    );
    assert_eq!(
        cal.next_change(ms("2026-12-07T20:00:00Z")),
        ms("2026-12-08T02:00:00Z")
    );
}
