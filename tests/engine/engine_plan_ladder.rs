//! The ladder of steps over a conversation's age: relaxation, overflow,
//! the time to live's terminal action, and a step due while offered.
use super::engine_plans::*;
use crate::common;
use common::*;
use switchboard::plan::{Attributes, TerminalAction};
use switchboard::*;
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
pub(super) const OVERFLOW: &str = r#"{
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
