//! Business hours of routing-plan queues: calendars in a time zone
//! (daylight-saving changes, holidays), queues closing and opening by
//! timer, what waiting and arriving work does while a queue is closed,
//! offers standing through a close, the emergency switch, and hours kept
//! through snapshots and replay.
use crate::common;
use common::*;
use switchboard::plan::{OnClose, Plan};
use switchboard::*;

/// An office in Berlin, weekdays 09:00-17:00, closed over Christmas.
/// Every queue but `overflow` follows it; each closes its own way.
const PLAN: &str = r#"{
  "calendars": [
    { "name": "office", "time_zone": "Europe/Berlin",
      "weekly": [{ "days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "17:00" }],
      "closures": [{ "from": "2026-12-24", "until": "2026-12-26", "reason": "Christmas" }] }
  ],
  "queues": [
    { "name": "support", "calendar": "office" },
    { "name": "billing", "calendar": "office", "on_close": { "do": "move_to", "queue": "overflow" } },
    { "name": "sales", "calendar": "office", "on_close": { "do": "to_bot" } },
    { "name": "legal", "calendar": "office", "on_close": { "do": "resolve", "reason": "closed for the day" } },
    { "name": "overflow" }
  ],
  "routes": [
    { "name": "billing", "when": "topic == 'billing'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] }] },
    { "name": "sales", "when": "topic == 'sales'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "sales" }] }] },
    { "name": "legal", "when": "topic == 'legal'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "legal" }] }] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "support" }] }] }
  ]
}"#;

/// Unix milliseconds of an RFC 3339 instant.
fn at(text: &str) -> Timestamp {
    let ms: i64 = text
        .parse::<jiff::Timestamp>()
        .expect("an instant")
        .as_millisecond();
    Timestamp(ms as u64)
}

fn run(e: &mut Engine, when: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(when, command).expect("command accepted");
    audited(e);
    d
}

fn add_agent(e: &mut Engine, when: Timestamp, id: u64, cap: u32) -> Vec<Decision> {
    run(e, when, AgentSpec::new(AgentId(id), Capacity::units(cap)))
}

fn open_on(e: &mut Engine, when: Timestamp, id: u64, topic: &str) -> Vec<Decision> {
    run(
        e,
        when,
        Command::open(ConversationId(id), CustomerId(id))
            .attributes(plan::Attributes::new().topic(topic)),
    )
}

fn switch(target: HoursTarget, set: HoursSetting) -> Command {
    Command::Reconfigure(Reconfigure::Hours(HoursSwitch { target, set }))
}

fn queue(name: &str) -> HoursTarget {
    HoursTarget::Queue(name.to_owned())
}

/// `(queue, open, cause)` of each `QueueHours` decision.
fn hours(d: &[Decision]) -> Vec<(String, bool, HoursCause)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::QueueHours { queue, open, cause } => Some((queue.clone(), *open, *cause)),
            _ => None,
        })
        .collect()
}

/// `(conversation, queue, action, arrived)` of each `ClosedQueue`.
fn closed(d: &[Decision]) -> Vec<(u64, String, OnClose, bool)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::ClosedQueue {
                conversation,
                queue,
                action,
                arrived,
            } => Some((conversation.0, queue.clone(), action.clone(), *arrived)),
            _ => None,
        })
        .collect()
}

fn is_open(e: &Engine, name: &str) -> bool {
    e.queue_hours()
        .into_iter()
        .find(|q| q.queue == name)
        .expect("a queue of the plan")
        .open
}

fn loaded(when: Timestamp) -> Engine {
    let mut e = engine();
    run(
        &mut e,
        when,
        Command::set_plan(Plan::from_json(PLAN).expect("a plan")),
    );
    e
}

#[test]
fn a_queue_closes_and_opens_by_its_calendar_across_a_daylight_saving_change() {
    // Friday 27 March 2026, 13:00 in Berlin (CET, UTC+1): open.
    let mut e = loaded(at("2026-03-27T12:00:00Z"));
    assert!(is_open(&e, "support"));
    // 17:00 CET is 16:00 UTC: the calendar's timer closes the queue.
    let d = run(&mut e, at("2026-03-27T16:00:00Z"), Command::Tick);
    assert!(hours(&d).contains(&("support".to_owned(), false, HoursCause::Schedule)));
    // Work arriving now is told, and waits although an agent is free.
    add_agent(&mut e, at("2026-03-27T16:10:00Z"), 1, 2);
    let d = open_on(&mut e, at("2026-03-27T16:30:00Z"), 1, "general");
    assert_eq!(
        closed(&d),
        vec![(1, "support".to_owned(), OnClose::KeepWaiting, true)]
    );
    assert_eq!(state(&e, 1), StateKind::Queued);
    // Clocks go forward on Sunday 29 March: Monday's 09:00 is 07:00 UTC
    // (CEST, UTC+2), an hour earlier in UTC than the Friday before.
    let d = run(&mut e, at("2026-03-30T06:59:59Z"), Command::Tick);
    assert!(hours(&d).is_empty());
    assert_eq!(state(&e, 1), StateKind::Queued);
    let d = run(&mut e, at("2026-03-30T07:00:00Z"), Command::Tick);
    assert!(hours(&d).contains(&("support".to_owned(), true, HoursCause::Schedule)));
    assert_eq!(assigned_to(&d, 1), Some(1));
}

#[test]
fn a_holiday_keeps_the_queue_closed_until_the_next_working_day() {
    // Wednesday 23 December 2026, 11:00 in Berlin.
    let mut e = loaded(at("2026-12-23T10:00:00Z"));
    run(&mut e, at("2026-12-23T16:00:00Z"), Command::Tick);
    assert!(!is_open(&e, "support"));
    // Thursday 24 December, 09:00 in Berlin: a weekday, but a closure.
    let d = run(&mut e, at("2026-12-24T08:00:00Z"), Command::Tick);
    assert!(hours(&d).is_empty());
    assert!(!is_open(&e, "support"));
    // Saturday and Sunday follow; Monday 28 December opens.
    let d = run(&mut e, at("2026-12-28T07:59:59Z"), Command::Tick);
    assert!(hours(&d).is_empty());
    let d = run(&mut e, at("2026-12-28T08:00:00Z"), Command::Tick);
    assert!(hours(&d).contains(&("support".to_owned(), true, HoursCause::Schedule)));
    assert!(is_open(&e, "support"));
}

#[test]
fn waiting_work_does_what_its_queue_says_when_it_closes() {
    let mut e = loaded(at("2026-03-27T12:00:00Z"));
    // Nobody online: four conversations wait, one per closing rule.
    for (id, topic) in [(1, "general"), (2, "billing"), (3, "sales"), (4, "legal")] {
        open_on(&mut e, at("2026-03-27T15:00:00Z"), id, topic);
    }
    let d = run(&mut e, at("2026-03-27T16:00:00Z"), Command::Tick);
    let mut acted = closed(&d);
    acted.sort_by_key(|a| a.0);
    assert_eq!(
        acted,
        vec![
            (
                2,
                "billing".to_owned(),
                OnClose::MoveTo {
                    queue: "overflow".to_owned()
                },
                false
            ),
            (3, "sales".to_owned(), OnClose::ToBot, false),
            (
                4,
                "legal".to_owned(),
                OnClose::Resolve {
                    reason: "closed for the day".to_owned()
                },
                false
            ),
        ]
    );
    assert_eq!(state(&e, 1), StateKind::Queued);
    assert_eq!(state(&e, 2), StateKind::Queued);
    assert_eq!(state(&e, 3), StateKind::Bot);
    assert_eq!(state(&e, 4), StateKind::Resolved);
    // An agent logging in now gets the moved work (its new queue has no
    // hours), not the work kept waiting for the closed queue.
    let d = add_agent(&mut e, at("2026-03-27T16:05:00Z"), 1, 2);
    assert_eq!(assigned_to(&d, 2), Some(1));
    assert_eq!(assigned_to(&d, 1), None);
    assert_eq!(state(&e, 1), StateKind::Queued);
    // The moved conversation kept its age.
    let info = e.conversation(ConversationId(2)).expect("known");
    assert_eq!(info.waiting_since, at("2026-03-27T15:00:00Z"));
}

#[test]
fn a_queue_closing_with_an_offer_pending_leaves_the_offer_standing() {
    let config = EngineConfig::builder()
        .offer_timeout(TimeSpan::from_mins(5))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    run(
        &mut e,
        at("2026-03-27T15:50:00Z"),
        Command::set_plan(Plan::from_json(PLAN).expect("a plan")),
    );
    add_agent(&mut e, at("2026-03-27T15:50:00Z"), 1, 1);
    add_agent(&mut e, at("2026-03-27T15:50:00Z"), 2, 1);
    open_on(&mut e, at("2026-03-27T15:58:00Z"), 1, "sales");
    open_on(&mut e, at("2026-03-27T15:58:00Z"), 2, "sales");
    assert_eq!(state(&e, 1), StateKind::Offered);
    assert_eq!(state(&e, 2), StateKind::Offered);
    // The queue closes: nobody's offer is taken back.
    let d = run(&mut e, at("2026-03-27T16:00:00Z"), Command::Tick);
    assert!(closed(&d).is_empty());
    assert_eq!(state(&e, 1), StateKind::Offered);
    let (agent_of_1, agent_of_2) = (owner(&e, 1).unwrap(), owner(&e, 2).unwrap());
    // Accepted after the close: the agent keeps it.
    run(
        &mut e,
        at("2026-03-27T16:01:00Z"),
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(agent_of_1),
        },
    );
    assert_eq!(state(&e, 1), StateKind::Assigned);
    // Declined after the close: back to a closed queue, whose rule (to
    // the bot) it now meets as an arrival.
    let d = run(
        &mut e,
        at("2026-03-27T16:01:00Z"),
        Command::DeclineOffer {
            conversation: ConversationId(2),
            agent: AgentId(agent_of_2),
        },
    );
    assert_eq!(
        closed(&d),
        vec![(2, "sales".to_owned(), OnClose::ToBot, true)]
    );
    assert_eq!(state(&e, 2), StateKind::Bot);
}

#[test]
fn the_emergency_switch_closes_and_reopens_a_queue_at_once() {
    let mut e = loaded(at("2026-03-27T10:00:00Z"));
    let d = run(
        &mut e,
        at("2026-03-27T10:01:00Z"),
        switch(queue("support"), HoursSetting::Closed),
    );
    assert_eq!(
        hours(&d),
        vec![("support".to_owned(), false, HoursCause::Emergency)]
    );
    add_agent(&mut e, at("2026-03-27T10:02:00Z"), 1, 2);
    let d = open_on(&mut e, at("2026-03-27T10:03:00Z"), 1, "general");
    assert_eq!(closed(&d).len(), 1);
    assert_eq!(state(&e, 1), StateKind::Queued);
    // Other queues of the calendar are untouched.
    let d = open_on(&mut e, at("2026-03-27T10:03:00Z"), 2, "sales");
    assert_eq!(assigned_to(&d, 2), Some(1));
    // The schedule again: open (it is 11:04 in Berlin), served at once.
    let d = run(
        &mut e,
        at("2026-03-27T10:04:00Z"),
        switch(queue("support"), HoursSetting::Schedule),
    );
    assert_eq!(
        hours(&d),
        vec![("support".to_owned(), true, HoursCause::Emergency)]
    );
    assert_eq!(assigned_to(&d, 1), Some(1));
    // A calendar's switch closes every queue on it; a queue's own switch
    // overrides its calendar's.
    run(
        &mut e,
        at("2026-03-27T10:05:00Z"),
        switch(queue("billing"), HoursSetting::Open),
    );
    let d = run(
        &mut e,
        at("2026-03-27T10:06:00Z"),
        switch(HoursTarget::Calendar("office".into()), HoursSetting::Closed),
    );
    let mut names: Vec<String> = hours(&d).into_iter().map(|h| h.0).collect();
    names.sort();
    assert_eq!(names, ["legal", "sales", "support"]);
    assert!(is_open(&e, "billing"));
    assert!(e
        .queue_hours()
        .iter()
        .all(|q| q.forced == q.calendar.is_some()));
    // The schedule's closing time changes nothing while switched closed.
    let d = run(&mut e, at("2026-03-27T16:00:00Z"), Command::Tick);
    assert!(hours(&d).is_empty());
}

#[test]
fn a_switch_the_plan_cannot_carry_out_is_refused_and_changes_nothing() {
    let mut e = loaded(at("2026-03-27T10:00:00Z"));
    let before = e.snapshot();
    for target in [
        queue("overflow"),
        queue("nowhere"),
        HoursTarget::Calendar("nowhere".into()),
    ] {
        let refused = e
            .apply(
                at("2026-03-27T10:01:00Z"),
                switch(target, HoursSetting::Closed),
            )
            .expect_err("refused");
        assert!(matches!(refused, EngineError::HoursTarget { .. }));
    }
    assert_eq!(e.snapshot(), before);
    // Without a plan there is nothing to switch.
    let mut bare = engine();
    let refused = bare
        .apply(Timestamp(1), switch(queue("support"), HoursSetting::Open))
        .expect_err("refused");
    assert!(matches!(refused, EngineError::HoursTarget { .. }));
}

#[test]
fn replay_and_restore_reproduce_business_hours() {
    let commands: Vec<(Timestamp, Command)> = vec![
        (
            at("2026-03-27T12:00:00Z"),
            Command::set_plan(Plan::from_json(PLAN).expect("a plan")),
        ),
        (
            at("2026-03-27T12:00:00Z"),
            AgentSpec::new(AgentId(1), Capacity::units(1)).into(),
        ),
        (
            at("2026-03-27T13:00:00Z"),
            Command::open(ConversationId(1), CustomerId(1)).into(),
        ),
        (
            at("2026-03-27T13:00:00Z"),
            Command::open(ConversationId(2), CustomerId(2))
                .attributes(plan::Attributes::new().topic("billing"))
                .into(),
        ),
        (
            at("2026-03-27T14:00:00Z"),
            switch(HoursTarget::Calendar("office".into()), HoursSetting::Closed),
        ),
        (
            at("2026-03-27T14:00:00Z"),
            Command::open(ConversationId(3), CustomerId(3)).into(),
        ),
    ];
    let later: Vec<(Timestamp, Command)> = vec![
        (
            at("2026-03-27T14:30:00Z"),
            switch(
                HoursTarget::Calendar("office".into()),
                HoursSetting::Schedule,
            ),
        ),
        (at("2026-03-27T16:00:00Z"), Command::Tick),
        (at("2026-03-30T07:00:00Z"), Command::Tick),
    ];
    let mut first = engine();
    let mut decisions = Vec::new();
    for (when, c) in &commands {
        decisions.extend(run(&mut first, *when, c.clone()));
    }
    let restored_from = first.snapshot();
    for (when, c) in &later {
        decisions.extend(run(&mut first, *when, c.clone()));
    }
    let mut replayed = engine();
    let mut again = Vec::new();
    for (when, c) in commands.iter().chain(&later) {
        again.extend(run(&mut replayed, *when, c.clone()));
    }
    assert_eq!(again, decisions);
    assert_eq!(replayed.snapshot(), first.snapshot());
    let json = serde_json::to_string(&restored_from).expect("serialises");
    let snapshot: Snapshot = serde_json::from_str(&json).expect("deserialises");
    let mut restored = Engine::restore(snapshot, boxed("least_loaded")).expect("restores");
    audited(&restored);
    let mut tail = Vec::new();
    for (when, c) in &later {
        tail.extend(run(&mut restored, *when, c.clone()));
    }
    let from = decisions.len() - tail.len();
    assert_eq!(tail, decisions[from..]);
    assert_eq!(restored.snapshot(), first.snapshot());
}
