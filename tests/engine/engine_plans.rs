//! Routing plans in the engine: route selection by attributes, the ladder
//! of steps over a conversation's age (relaxation, overflow, priority,
//! skip_if), terminal actions, plan changes as commands, and replay.
use crate::common;
use common::*;
use switchboard::plan::{AttrValue, Attributes, Plan, PlanError, PlanProblem, TerminalAction};
use switchboard::*;

const SPANISH: u32 = 3;

/// Billing work wants billing level 5; after a minute level 2 will do and
/// it becomes high priority; after two minutes the general queue may take
/// it too. Spanish work expires after ten minutes.
const PLAN: &str = r#"{
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

fn plan(json: &str) -> Plan {
    Plan::from_json(json).expect("a plan document")
}

/// Applies `command` at `at` and audits the engine after it.
fn run(e: &mut Engine, at: Timestamp, command: Command) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

fn set_plan(e: &mut Engine, at: Timestamp, json: &str) -> Vec<Decision> {
    run(e, at, Command::set_plan(plan(json)))
}

fn attrs(e: &mut Engine, at: Timestamp, id: u64, attributes: Attributes) -> Vec<Decision> {
    run(
        e,
        at,
        Command::SetAttributes {
            conversation: ConversationId(id),
            attributes,
        },
    )
}

fn tick(e: &mut Engine, at: Timestamp) -> Vec<Decision> {
    run(e, at, Command::Tick)
}

fn billing() -> Attributes {
    Attributes::new().topic("billing")
}

fn entered(d: &[Decision]) -> Vec<(u64, String, u16)> {
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

fn step(id: u64, route: &str, step: u16) -> (u64, String, u16) {
    (id, route.to_owned(), step)
}

/// The number waiting in the group of `skills` on WhatsApp.
fn waiting_in(e: &Engine, skills: &[(u32, u8)]) -> u32 {
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

#[test]
fn relaxation_after_its_wait_reaches_a_less_skilled_agent() {
    let mut e = engine();
    set_plan(&mut e, ms(0), PLAN);
    run(&mut e, ms(10), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(10), 1, billing());
    agent(&mut e, 1, &[(BILLING, 3)], 2);
    // Level 3 is below the 5 billing asks for: it waits.
    assert_eq!(owner(&e, 1), None);
    let d = tick(&mut e, ms(69));
    assert!(entered(&d).is_empty());
    assert_eq!(owner(&e, 1), None);
    // A minute after it started waiting (its age, not the attribute
    // change), level 2 will do and it is high priority.
    let d = tick(&mut e, ms(70));
    assert_eq!(entered(&d), vec![step(1, "billing", 1)]);
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::PriorityChanged {
            priority: Priority::High,
            ..
        }
    )));
    assert_eq!(owner(&e, 1), Some(1));
}

/// The overflow plan: billing work may also go to the general queue after
/// a minute.
const OVERFLOW: &str = r#"{
  "skills": { "billing": 1 },
  "queues": [
    { "name": "billing", "hard": [{ "skill": "billing", "min_level": 5 }] },
    { "name": "general" }
  ],
  "routes": [
    { "name": "billing", "when": "topic == 'billing'",
      "steps": [
        { "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] },
        { "after_ms": 60000, "skip_if": "online == 0",
          "actions": [{ "do": "add_queue", "queue": "general" }] }
      ] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "general" }] }] }
  ]
}"#;

#[test]
fn overflow_widens_the_pool_and_keeps_the_conversations_place() {
    let mut e = engine();
    set_plan(&mut e, ms(0), OVERFLOW);
    // A general agent, away for now (counted online by no pool).
    agent(&mut e, 2, &[], 1);
    run(
        &mut e,
        ms(0),
        Command::SetAgentStatus {
            agent: AgentId(2),
            status: AgentStatus::Away,
        },
    );
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    // Younger general work.
    run(&mut e, ms(10), open_cmd(3, 3, &[], Priority::Normal));
    // The agent is away, not online: `online == 0` skips the overflow.
    let d = tick(&mut e, ms(60));
    assert!(d
        .iter()
        .any(|d| matches!(d, Decision::StepSkipped { step: 1, .. })));
    assert_eq!(waiting_in(&e, &[]), 1);
    // Again, with the general agent online but full: the overflow happens.
    let mut e = engine();
    set_plan(&mut e, ms(0), OVERFLOW);
    agent(&mut e, 2, &[], 1);
    run(&mut e, ms(0), open_cmd(9, 9, &[], Priority::Normal));
    assert_eq!(owner(&e, 9), Some(2));
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    run(&mut e, ms(10), open_cmd(3, 3, &[], Priority::Normal));
    let d = tick(&mut e, ms(60));
    assert_eq!(entered(&d), vec![step(1, "billing", 1)]);
    // It waits in both lines now, once in each.
    assert_eq!(waiting_in(&e, &[(BILLING, 5)]), 1);
    assert_eq!(waiting_in(&e, &[]), 2);
    // The agent frees up: the billing conversation joined the general
    // line last but has waited longest, so it goes first.
    resolve(&mut e, ms(100), 9);
    audited(&e);
    assert_eq!(owner(&e, 1), Some(2));
    assert_eq!(owner(&e, 3), None);
    assert_eq!(waiting_in(&e, &[(BILLING, 5)]), 0);
    assert_eq!(waiting_in(&e, &[]), 1);
}

#[test]
fn time_to_live_ends_with_the_explicit_action() {
    // Expire.
    let mut e = engine();
    set_plan(&mut e, ms(0), PLAN);
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, Attributes::new().language("es"));
    let d = tick(&mut e, ms(600));
    assert!(d.iter().any(|d| matches!(d,
        Decision::TtlReached { action: TerminalAction::Expire, route, .. } if route == "es")));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Resolved {
            reason: ResolveReason::Expired,
            ..
        }
    )));
    assert_eq!(state(&e, 1), StateKind::Resolved);
    // To the bot, after every step of the billing ladder.
    let mut e = engine();
    set_plan(&mut e, ms(0), PLAN);
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    let d = tick(&mut e, ms(1800));
    assert_eq!(
        entered(&d),
        vec![step(1, "billing", 1), step(1, "billing", 2)]
    );
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::TtlReached {
            action: TerminalAction::ToBot,
            ..
        }
    )));
    assert_eq!(state(&e, 1), StateKind::Bot);
    // Keep and warn: once, and it still waits.
    let mut e = engine();
    set_plan(
        &mut e,
        ms(0),
        &PLAN.replace("\"expire\"", "\"keep_and_warn\""),
    );
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, Attributes::new().language("es"));
    let d = tick(&mut e, ms(600));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::TtlReached {
            action: TerminalAction::KeepAndWarn,
            ..
        }
    )));
    assert_eq!(state(&e, 1), StateKind::Queued);
    let d = tick(&mut e, ms(6000));
    assert!(!d.iter().any(|d| matches!(d, Decision::TtlReached { .. })));
}

#[test]
fn a_step_due_while_offered_is_entered_when_it_is_requeued() {
    let config = EngineConfig::builder()
        .offer_timeout(TimeSpan::from_mins(5))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    set_plan(&mut e, ms(0), PLAN);
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    assert_eq!(state(&e, 1), StateKind::Offered);
    // The relaxation falls due while offered: nothing moves.
    let d = tick(&mut e, ms(61));
    assert!(entered(&d).is_empty());
    // Declined: back in a queue, the step due by its age is entered at
    // once.
    let d = run(
        &mut e,
        ms(90),
        Command::DeclineOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    );
    assert_eq!(entered(&d), vec![step(1, "billing", 1)]);
    let info = e.conversation(ConversationId(1)).expect("known");
    assert_eq!(
        info.skills,
        vec![SkillRequirement::new(SkillId(BILLING), 2).expect("level")]
    );
    assert_eq!(info.priority, Priority::High);
    // Its age is kept: still waiting since it opened.
    assert_eq!(info.waiting_since, ms(0));
}

#[test]
fn a_plan_change_keeps_ages_and_re_evaluates_at_once() {
    let mut e = engine();
    set_plan(
        &mut e,
        ms(0),
        OVERFLOW.replace("online == 0", "false").as_str(),
    );
    run(&mut e, ms(0), open_cmd(1, 1, &[], Priority::Normal));
    attrs(&mut e, ms(0), 1, billing());
    run(
        &mut e,
        ms(10),
        open_cmd(2, 2, &[(TECH, 1)], Priority::Normal),
    );
    // The same plan with a slower ladder, swapped in after five minutes:
    // the conversation's age (300 s) is past both steps, which it enters
    // at once.
    let d = set_plan(
        &mut e,
        ms(300),
        OVERFLOW
            .replace("online == 0", "false")
            .replace("60000", "240000")
            .as_str(),
    );
    assert!(matches!(d[0], Decision::PlanChanged { .. }));
    let mine = entered(&d);
    assert!(mine.contains(&step(1, "billing", 0)) && mine.contains(&step(1, "billing", 1)));
    // The tech conversation had named skills: the plan's default route
    // adds them as hard requirements to its queue.
    assert!(mine.contains(&step(2, "default", 0)));
    assert_eq!(waiting_in(&e, &[(TECH, 1)]), 1);
    // An agent comes: the oldest waiting work it can take is conversation 1.
    agent(&mut e, 7, &[], 1);
    audited(&e);
    assert_eq!(owner(&e, 1), Some(7));
    // Removing the plan routes by named skills again.
    let d = run(&mut e, ms(400), Command::set_plan(None));
    assert!(matches!(
        d[0],
        Decision::PlanChanged {
            routes: 0,
            queues: 0
        }
    ));
    assert!(e.plan().is_none());
    assert_eq!(waiting_in(&e, &[(TECH, 1)]), 1);
}

#[test]
fn check_plan_warns_of_queues_nobody_registered_can_serve() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 3)], 2);
    let problems = e.check_plan(&plan(PLAN));
    let unservable: Vec<&str> = problems
        .iter()
        .filter_map(|p| match p {
            PlanProblem::UnservableQueue { queue } => Some(queue.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(unservable, vec!["billing", "spanish"]);
    assert!(problems
        .iter()
        .all(|p| p.severity() == switchboard::plan::Severity::Warning));
    // Warnings do not refuse the plan.
    set_plan(&mut e, ms(0), PLAN);
    assert!(e.plan().is_some());
}

/// Commands of a day under a plan, with its changes.
fn day() -> Vec<(Timestamp, Command)> {
    let mut out = vec![(ms(0), Command::set_plan(plan(PLAN)))];
    for id in 0..12u64 {
        let at = ms(id * 20);
        out.push((at, open_cmd(id, id, &[], Priority::Normal)));
        let a = match id % 3 {
            0 => billing(),
            1 => Attributes::new().language("es"),
            _ => Attributes::new(),
        };
        out.push((
            at,
            Command::SetAttributes {
                conversation: ConversationId(id),
                attributes: a,
            },
        ));
    }
    let level = |l| Level::new(l).expect("level");
    out.push((
        ms(150),
        AgentSpec::new(AgentId(1), Capacity::units(2))
            .skill(SkillId(BILLING), level(2))
            .into(),
    ));
    out.push((
        ms(200),
        AgentSpec::new(AgentId(2), Capacity::units(1))
            .skill(SkillId(SPANISH), level(1))
            .into(),
    ));
    for t in (0..40).map(|i| ms(250 + i * 60)) {
        out.push((t, Command::Tick));
    }
    out.push((ms(1000), Command::set_plan(plan(OVERFLOW))));
    out.sort_by_key(|(at, _)| *at);
    out
}

#[test]
fn replay_and_restore_reproduce_every_decision() {
    let commands = day();
    // Each command survives the journal's encoding unchanged.
    for (_, c) in &commands {
        let json = serde_json::to_string(c).expect("encodes");
        assert_eq!(&serde_json::from_str::<Command>(&json).expect("decodes"), c);
    }
    let play = |e: &mut Engine, cs: &[(Timestamp, Command)]| -> Vec<Decision> {
        cs.iter()
            .flat_map(|(at, c)| {
                let d = e.apply(*at, c.clone()).expect("accepted");
                audited(e);
                d
            })
            .collect()
    };
    let mut a = engine();
    let all = play(&mut a, &commands);
    assert!(all
        .iter()
        .any(|d| matches!(d, Decision::StepEntered { step: 2, .. })));
    assert!(all.iter().any(|d| matches!(d, Decision::TtlReached { .. })));
    // The same commands again: the same decisions and state.
    let mut b = engine();
    assert_eq!(play(&mut b, &commands), all);
    assert_eq!(b.snapshot(), a.snapshot());
    // Restored from a snapshot taken mid-ladder (through JSON), the rest
    // of the day decides the same.
    let half = commands.len() / 2;
    let mut c = engine();
    let first = play(&mut c, &commands[..half]);
    let json = c.snapshot().to_json().expect("snapshot encodes");
    let mut c = Engine::restore(
        Snapshot::from_json(&json).expect("decodes"),
        boxed("least_loaded"),
    )
    .expect("restores");
    assert!(c.plan().is_some());
    let rest = play(&mut c, &commands[half..]);
    assert_eq!([first, rest].concat(), all);
    assert_eq!(c.snapshot(), a.snapshot());
}
