//! Queues with explicit members: only the listed agents (with the
//! queue's skills) serve its work, whoever else has the skills; members
//! registered after the plan, plan swaps and restores keep it so.
use crate::common;
use common::*;
use switchboard::plan::Plan;
use switchboard::*;

/// VIP work is served by agents 1 and 3 only; everything else by anyone
/// with the billing skill.
const PLAN: &str = r#"{
  "skills": { "billing": 1 },
  "queues": [
    { "name": "vip", "soft": [{ "skill": "billing", "min_level": 2 }], "members": [3, 1] },
    { "name": "billing", "soft": [{ "skill": "billing", "min_level": 2 }] }
  ],
  "routes": [
    { "name": "vip", "when": "tier == 'vip'",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "vip" }] }] },
    { "name": "default",
      "steps": [{ "after_ms": 0, "actions": [{ "do": "enter_queue", "queue": "billing" }] }] }
  ]
}"#;

fn run(e: &mut Engine, at: Timestamp, command: impl Into<Command>) -> Vec<Decision> {
    let d = e.apply(at, command).expect("command accepted");
    audited(e);
    d
}

fn open_vip(e: &mut Engine, at: Timestamp, id: u64) -> Vec<Decision> {
    run(
        e,
        at,
        Command::open(ConversationId(id), CustomerId(id)).tier(Tier::Vip),
    )
}

#[test]
fn only_a_queues_members_serve_its_work() {
    let mut e = engine();
    run(
        &mut e,
        ms(0),
        Command::set_plan(Plan::from_json(PLAN).expect("plan")),
    );
    // Agent 2 has the skill but is no member; agent 1 is a member.
    agent(&mut e, 2, &[(BILLING, 9)], 3);
    let d = open_vip(&mut e, ms(1), 1);
    assert_eq!(assigned_to(&d, 1), None, "a non-member took member work");
    assert_eq!(state(&e, 1), StateKind::Queued);
    // Other work goes to anyone with the skill.
    let d = run(
        &mut e,
        ms(2),
        Command::open(ConversationId(2), CustomerId(2)),
    );
    assert_eq!(assigned_to(&d, 2), Some(2));
    // A member registering later takes the waiting member work.
    let d = agent(&mut e, 1, &[(BILLING, 3)], 3);
    assert_eq!(assigned_to(&d, 1), Some(1));
    audited(&e);
    // A member without the skill does not serve it.
    agent(&mut e, 3, &[], 3);
    let d = open_vip(&mut e, ms(3), 3);
    assert_eq!(assigned_to(&d, 3), Some(1));
}

#[test]
fn members_hold_through_restore_and_plan_removal() {
    let mut e = engine();
    run(
        &mut e,
        ms(0),
        Command::set_plan(Plan::from_json(PLAN).expect("plan")),
    );
    agent(&mut e, 2, &[(BILLING, 9)], 3);
    open_vip(&mut e, ms(1), 1);
    let json = e.snapshot().to_json().expect("encodes");
    let mut restored = Engine::restore(
        Snapshot::from_json(&json).expect("decodes"),
        boxed("least_loaded"),
    )
    .expect("restores");
    audited(&restored);
    for engine in [&mut e, &mut restored] {
        let d = open_vip(engine, ms(2), 2);
        assert_eq!(assigned_to(&d, 2), None);
    }
    assert_eq!(restored.snapshot(), e.snapshot());
    // Without the plan the waiting work is open to anyone again.
    let d = run(&mut e, ms(3), Command::set_plan(None));
    assert_eq!(assigned_to(&d, 1), Some(2));
    assert_eq!(assigned_to(&d, 2), Some(2));
}
