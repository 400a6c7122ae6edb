//! Reassignment of unanswered work to a named queue: a plan queue's
//! `no_answer_queue` sends its work whose agent sends no first reply in
//! time to that queue, age and priority kept, with a decision naming it;
//! an unknown name refuses the plan; a closed named queue applies its
//! closing rule; a plan swap that removed it sends the work back to its
//! own line; the hops stay bounded.

use crate::common;
use common::*;
use switchboard::plan::{Attributes, Plan, PlanProblem};
use switchboard::*;

const SENIOR: u32 = 9;

/// Front-line work goes to `seniors` when its agent does not answer.
/// `seniors` follows an always-open calendar (so it can be switched).
fn plan_json(no_answer_queue: &str) -> String {
    format!(
        r#"{{
  "skills": {{ "senior": {SENIOR} }},
  "calendars": [{{ "name": "always", "time_zone": "UTC",
    "weekly": [{{ "days": ["mon","tue","wed","thu","fri","sat","sun"], "open": "00:00", "close": "24:00" }}] }}],
  "queues": [
    {{ "name": "front", "no_answer_queue": "{no_answer_queue}" }},
    {{ "name": "seniors", "hard": [{{ "skill": "senior", "min_level": 1 }}], "calendar": "always" }}
  ],
  "routes": [
    {{ "name": "default",
      "steps": [{{ "after_ms": 0, "actions": [{{ "do": "enter_queue", "queue": "front" }}] }}] }}
  ]
}}"#
    )
}

/// The same plan without the `seniors` queue.
const WITHOUT_SENIORS: &str = r#"{
  "queues": [ { "name": "front" } ],
  "routes": [
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "front" }] }] }
  ]
}"#;

fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

fn set_plan(e: &mut Engine, at: Timestamp, json: &str) -> Vec<Decision> {
    run(
        e,
        at,
        Command::set_plan(Plan::from_json(json).expect("a plan")),
    )
}

/// The no-answer decisions: (agent, hop, action, queue).
fn no_answers(d: &[Decision]) -> Vec<(u64, u32, NoAnswerAction, Option<String>)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::NoAnswer {
                agent,
                hop,
                action,
                queue,
                ..
            } => Some((agent.0, *hop, *action, queue.clone())),
            _ => None,
        })
        .collect()
}

/// Agent 1 (front line) holds conversation 1 of `front`; agent 2, a
/// senior, is away; the plan sends unanswered front work to `seniors`.
fn front_line_holds_one(max_hops: u32) -> Engine {
    let mut e = engine_with(no_answer_config(max_hops), "least_loaded");
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[(SENIOR, 5)], 2);
    set_status(&mut e, ms(0), 2, AgentStatus::Away);
    set_plan(&mut e, ms(0), &plan_json("seniors"));
    let open = Command::open(ConversationId(1), CustomerId(1))
        .attributes(Attributes::new().topic("x"))
        .priority(Priority::High);
    run(&mut e, ms(0), open);
    assert_eq!(owner(&e, 1), Some(1));
    set_status(&mut e, ms(1), 2, AgentStatus::Online);
    assert_eq!(owner(&e, 1), Some(1), "nothing moves unasked");
    e
}

#[test]
fn unanswered_work_goes_to_its_queues_named_queue_with_age_and_priority_kept() {
    let mut e = front_line_holds_one(2);
    let before = e.conversation(ConversationId(1)).unwrap();
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(
        no_answers(&d),
        vec![(1, 1, NoAnswerAction::Requeued, Some("seniors".to_owned()))]
    );
    assert_eq!(assigned_to(&d, 1), Some(2), "the senior takes it");
    let after = e.conversation(ConversationId(1)).unwrap();
    assert_eq!(after.waiting_since, before.waiting_since, "age kept");
    assert_eq!(after.priority, Priority::High, "priority kept");
    let why = e.explain(ConversationId(1)).unwrap().expect("assigned");
    assert_eq!(why.queue.as_deref(), Some("seniors"));
}

#[test]
fn an_unknown_no_answer_queue_is_a_typed_error_and_changes_nothing() {
    let mut e = engine_with(no_answer_config(2), "least_loaded");
    let plan = Plan::from_json(&plan_json("nobody")).expect("a document");
    let problems = refused_plan(&mut e, ms(0), plan);
    assert_eq!(
        problems,
        vec![PlanProblem::UnknownQueue {
            route: String::new(),
            field: "queues[0].no_answer_queue".into(),
            queue: "nobody".into(),
        }]
    );
}

#[test]
fn a_closed_named_queue_takes_the_work_under_its_closing_rule() {
    let mut e = front_line_holds_one(2);
    let close = Command::Reconfigure(Reconfigure::Hours(HoursSwitch {
        target: HoursTarget::Queue("seniors".into()),
        set: HoursSetting::Closed,
    }));
    run(&mut e, ms(2), close);
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(no_answers(&d)[0].3.as_deref(), Some("seniors"), "{d:?}");
    assert!(
        d.iter().any(|d| matches!(
            d,
            Decision::ClosedQueue { queue, arrived: true, .. } if queue == "seniors"
        )),
        "{d:?}"
    );
    assert_eq!(state(&e, 1), StateKind::Queued, "it waits there, closed");
    let open = Command::Reconfigure(Reconfigure::Hours(HoursSwitch {
        target: HoursTarget::Queue("seniors".into()),
        set: HoursSetting::Open,
    }));
    let d = run(&mut e, ms(61), open);
    assert_eq!(assigned_to(&d, 1), Some(2));
}

#[test]
fn a_named_queue_removed_by_a_plan_swap_while_the_timer_is_pending_sends_it_back_to_its_line() {
    let mut e = front_line_holds_one(2);
    set_plan(&mut e, ms(30), WITHOUT_SENIORS);
    assert_eq!(owner(&e, 1), Some(1), "the swap moves nothing");
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(no_answers(&d), vec![(1, 1, NoAnswerAction::Requeued, None)]);
    // Back to its own line: agent 1 cools down there, agent 2 serves it.
    assert_eq!(assigned_to(&d, 1), Some(2));
    let why = e.explain(ConversationId(1)).unwrap().expect("assigned");
    assert_eq!(why.queue.as_deref(), Some("front"));
}

#[test]
fn a_named_queue_kept_by_a_plan_swap_still_takes_the_work() {
    let mut e = front_line_holds_one(2);
    set_plan(&mut e, ms(30), &plan_json("seniors"));
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(
        no_answers(&d),
        vec![(1, 1, NoAnswerAction::Requeued, Some("seniors".to_owned()))]
    );
    assert_eq!(assigned_to(&d, 1), Some(2));
}

#[test]
fn hops_to_a_named_queue_stay_bounded_then_the_final_action_applies() {
    let mut e = front_line_holds_one(1);
    let d = run(&mut e, ms(60), Command::Tick);
    assert_eq!(no_answers(&d)[0].1, 1);
    assert_eq!(owner(&e, 1), Some(2));
    // The senior does not answer either: the hops are spent.
    let d = run(&mut e, ms(120), Command::Tick);
    assert_eq!(
        no_answers(&d),
        vec![(2, 2, NoAnswerAction::KeptAndWarned, None)]
    );
    assert_eq!(owner(&e, 1), Some(2), "kept with the agent");
    let d = run(&mut e, ms(600), Command::Tick);
    assert!(no_answers(&d).is_empty(), "no more hops: {d:?}");
}
