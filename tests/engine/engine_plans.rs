//! Routing plans in the engine: route selection by attributes, a queue's
//! own response target, and the fixtures the other plan files share. The
//! ladder of steps is in `engine_plan_ladder.rs`; plan changes, checks and
//! replay in `engine_plan_changes.rs`.
use crate::common;
use common::*;
use switchboard::plan::{AttrValue, Attributes, Plan, PlanError, PlanProblem};
use switchboard::*;

pub(super) const SPANISH: u32 = 3;

/// Billing work wants billing level 5; after a minute level 2 will do and
/// it becomes high priority; after two minutes the general queue may take
/// it too. Spanish work expires after ten minutes.
pub(super) const PLAN: &str = r#"{
  "skills": { "billing": 1, "tech": 2, "spanish": 3 },
  "queues": [
    { "name": "billing", "soft": [{ "skill": "billing", "min_level": 5 }] },
    { "name": "general" },
    { "name": "spanish", "hard": [{ "skill": "spanish", "min_level": 1 }] }
  ],
  "routes": [
    { "name": "es", "when": "language == 'es'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "spanish" }] }],
      "ttl": { "after_ms": 600000, "action": "expire" } },
    { "name": "billing", "when": "topic == 'billing'",
      "steps": [
        { "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
        { "after_ms": 60000, "actions": [
            { "do": "lower_skill", "skill": "billing", "min_level": 2 },
            { "do": "raise_priority", "to": "high" }] },
        { "after_ms": 120000, "actions": [{ "do": "add_queue", "queue": "general" }] }
      ],
      "ttl": { "after_ms": 1800000, "action": "to_bot" } },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] }
  ]
}"#;

pub(super) fn plan(json: &str) -> Plan {
    Plan::from_json(json).expect("a plan document")
}

/// Applies `command` at `at` and audits the engine after it.
pub(super) fn run(e: &mut Engine, at: Timestamp, command: Command) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

pub(super) fn set_plan(e: &mut Engine, at: Timestamp, json: &str) -> Vec<Decision> {
    run(e, at, Command::set_plan(plan(json)))
}

pub(super) fn attrs(
    e: &mut Engine,
    at: Timestamp,
    id: u64,
    attributes: Attributes,
) -> Vec<Decision> {
    run(
        e,
        at,
        Command::SetAttributes {
            conversation: ConversationId(id),
            attributes,
        },
    )
}

pub(super) fn tick(e: &mut Engine, at: Timestamp) -> Vec<Decision> {
    run(e, at, Command::Tick)
}

pub(super) fn billing() -> Attributes {
    Attributes::new().topic("billing")
}

pub(super) fn entered(d: &[Decision]) -> Vec<(u64, String, u16)> {
    d.iter()
        .filter_map(|d| match d {
            Decision::StepEntered {
                conversation,
                route,
                step,
            } => Some((conversation.0, route.clone(), *step)),
            _ => None,
        })
        .collect()
}

pub(super) fn step(id: u64, route: &str, step: u16) -> (u64, String, u16) {
    (id, route.to_owned(), step)
}

/// The number waiting in the group of `skills` on WhatsApp.
pub(super) fn waiting_in(e: &Engine, skills: &[(u32, u8)]) -> u32 {
    let skills: Vec<SkillRequirement> = skills
        .iter()
        .map(|&(s, l)| SkillRequirement::new(SkillId(s), l).expect("level"))
        .collect();
    e.group_stats()
        .into_iter()
        .find(|g| g.channel == Channel::WhatsApp && g.skills == skills)
        .map_or(0, |g| g.waiting)
}

#[test]
fn a_refused_plan_changes_nothing_and_names_every_error() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 3)], 2);
    open(&mut e, ms(1), 1, 1, &[(TECH, 1)]);
    let before = e.snapshot();
    let mut bad = plan(PLAN);
    bad.routes[1].when = Some("topic = 'billing'".to_owned());
    bad.routes[0].steps[0].actions = vec![];
    bad.routes.pop();
    let err = e.apply(ms(2), Command::set_plan(bad)).unwrap_err();
    match err {
        EngineError::Plan(e) if matches!(*e, PlanError::Invalid(_)) => {
            let PlanError::Invalid(problems) = *e else {
                unreachable!()
            };
            assert!(problems.len() >= 3, "{problems:?}");
            assert!(problems.iter().any(|p| matches!(p,
                PlanProblem::Condition { route, field, column: 7, .. }
                    if route == "billing" && field == "routes[1].when")));
            assert!(problems
                .iter()
                .any(|p| matches!(p, PlanProblem::NoDefaultRoute)));
            assert!(problems
                .iter()
                .any(|p| matches!(p, PlanProblem::NoFirstQueue { .. })));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.snapshot(), before);
    assert!(e.plan().is_none());
}

#[test]
fn attributes_choose_the_route_and_each_step_entered_is_a_decision() {
    let mut e = engine();
    let d = set_plan(&mut e, ms(0), PLAN);
    assert!(matches!(
        d[..],
        [Decision::PlanChanged {
            routes: 3,
            queues: 3
        }]
    ));
    // No attributes: the default route, its first step at once.
    let d = run(&mut e, ms(1), open_cmd(1, 1, &[], Priority::Normal));
    assert_eq!(entered(&d), vec![step(1, "default", 0)]);
    assert!(d.iter().any(|d| matches!(d, Decision::Queued { .. })));
    assert_eq!(waiting_in(&e, &[]), 1);
    // Told what it is about: the billing route, its first step.
    let d = attrs(&mut e, ms(2), 1, billing());
    assert_eq!(entered(&d), vec![step(1, "billing", 0)]);
    assert_eq!(waiting_in(&e, &[]), 0);
    assert_eq!(waiting_in(&e, &[(BILLING, 5)]), 1);
    // Free attributes work too, and a route on a language.
    let d = attrs(
        &mut e,
        ms(3),
        1,
        Attributes::new()
            .language("es")
            .with("vip", AttrValue::Bool(true)),
    );
    assert_eq!(entered(&d), vec![step(1, "es", 0)]);
    assert_eq!(waiting_in(&e, &[(SPANISH, 1)]), 1);
}

#[test]
fn attributes_given_at_open_or_escalation_choose_the_route() {
    let mut e = engine();
    set_plan(&mut e, ms(0), PLAN);
    let d = run(
        &mut e,
        ms(1),
        Command::open(ConversationId(1), CustomerId(1))
            .attributes(billing())
            .into(),
    );
    assert_eq!(entered(&d), vec![step(1, "billing", 0)]);
    // Opened with the bot: the route is chosen again at escalation, from
    // what the bot learned, and its ladder starts from its age then.
    run(
        &mut e,
        ms(2),
        Command::open(ConversationId(2), CustomerId(2))
            .in_bot()
            .into(),
    );
    let d = run(
        &mut e,
        ms(90),
        Command::Escalate {
            conversation: ConversationId(2),
            skills: None,
            priority: None,
            attributes: Some(billing()),
        },
    );
    assert_eq!(
        entered(&d),
        vec![step(2, "billing", 0), step(2, "billing", 1)]
    );
    assert_eq!(waiting_in(&e, &[(BILLING, 2)]), 1);
    // Attributes past their bounds are refused, changing nothing.
    let before = e.snapshot();
    let long = Attributes::new().topic("x".repeat(300));
    let err = e
        .apply(
            ms(91),
            Command::open(ConversationId(3), CustomerId(3)).attributes(long),
        )
        .unwrap_err();
    assert!(matches!(err, EngineError::Attributes(_)), "{err}");
    assert_eq!(e.snapshot(), before);
}

/// Without a plan, a conversation opened with explicit skills and no
/// attributes carries no plan state: its snapshot is the one it always
/// had (the default day's report is checked equal by the simulator).
#[test]
fn without_a_plan_named_skills_route_exactly_as_before() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 1);
    run(
        &mut e,
        ms(1),
        open_cmd(1, 1, &[(BILLING, 3)], Priority::Normal),
    );
    run(
        &mut e,
        ms(2),
        open_cmd(2, 2, &[(BILLING, 3)], Priority::Normal),
    );
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(waiting_in(&e, &[(BILLING, 3)]), 1);
    let json = e.snapshot().to_json().expect("encodes");
    assert!(!json.contains("\"route\""), "{json}");
}

#[test]
fn a_queue_with_its_own_response_target_warns_and_breaches_on_it() {
    let mut e = engine();
    // Billing answers within two minutes; the engine's target is ten.
    set_plan(
        &mut e,
        ms(0),
        &PLAN.replace(
            r#"{ "name": "billing", "soft""#,
            r#"{ "name": "billing", "response_target_ms": 120000, "soft""#,
        ),
    );
    run(
        &mut e,
        ms(0),
        Command::open(ConversationId(1), CustomerId(1))
            .attributes(billing())
            .into(),
    );
    run(&mut e, ms(0), open_cmd(2, 2, &[], Priority::Normal));
    let info = e.conversation(ConversationId(1)).expect("known");
    assert_eq!(info.response_deadline, Some(ms(120)));
    // The warning at 80% of two minutes, the breach at two minutes; the
    // general conversation keeps the engine's ten.
    let d = tick(&mut e, ms(96));
    assert!(d.iter().any(|d| matches!(d,
        Decision::SlaWarning { conversation, .. } if conversation.0 == 1)));
    let d = tick(&mut e, ms(120));
    assert!(d.iter().any(|d| matches!(d,
        Decision::SlaBreach { conversation, .. } if conversation.0 == 1)));
    assert!(!d
        .iter()
        .any(|d| d.conversation() == Some(ConversationId(2))));
    let info = e.conversation(ConversationId(2)).expect("known");
    assert_eq!(info.response_deadline, Some(ms(600)));
}
