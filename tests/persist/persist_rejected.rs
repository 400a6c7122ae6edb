//! Rejected commands are not journaled, so recovery reproduces the live
//! engine only if a rejected command really changes nothing. These tests pin
//! two bugs where the engine's state changed on a refusal (found while
//! building the journal), both fixed: the clock advanced before validation,
//! and a refused escalate created its skill group's queue.

use crate::persist_common;
use persist_common as common;

use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, Level, SkillId, SkillRequirement, Timestamp,
};

fn engine_with_one_assigned_thread() -> Engine {
    let mut engine = Engine::new(EngineConfig::default(), common::policy()).unwrap();
    engine
        .apply(
            Timestamp(1_000),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
        )
        .unwrap();
    engine
        .apply(
            Timestamp(2_000),
            Command::open(ConversationId(1), CustomerId(1)).channel(Channel::Sms),
        )
        .unwrap();
    engine
}

/// Bug: `Engine::apply` advances its clock (part of `Snapshot`) before it
/// validates, so a refused command at a later time changes the snapshot. A
/// recovered engine, which never saw the refused command, then differs from
/// the live one.
#[test]

fn refused_command_does_not_advance_the_clock() {
    let mut engine = engine_with_one_assigned_thread();
    let before = engine.snapshot();
    let refused = engine.apply(
        Timestamp(9_000),
        Command::Park {
            conversation: ConversationId(77),
        },
    );
    assert!(refused.is_err());
    assert_eq!(engine.snapshot(), before);
}

/// Bug: a refused `Escalate` carrying new skills still creates the skill
/// group's queue (`queue_for` runs before the state check). The queue is in
/// the snapshot, so the live engine and a recovered one differ in their
/// queue set (and queue indices).
#[test]

fn refused_escalate_creates_no_queue() {
    let mut engine = engine_with_one_assigned_thread();
    let before = engine.snapshot();
    let refused = engine.apply(
        Timestamp(2_000),
        Command::Escalate {
            conversation: ConversationId(1),
            skills: Some(vec![SkillRequirement::at(SkillId(7), Level::of::<3>())]),
            priority: None,
            attributes: None,
        },
    );
    assert!(refused.is_err());
    assert_eq!(engine.snapshot(), before);
}
