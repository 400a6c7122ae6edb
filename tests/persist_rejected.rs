//! Rejected commands are not journaled, so recovery reproduces the live
//! engine only if a rejected command really changes nothing. These tests pin
//! two bugs where the engine's state changed on a refusal (found while
//! building the journal), both fixed: the clock advanced before validation,
//! and a refused escalate created its skill group's queue.

mod persist_common;
use persist_common as common;

use switchboard::{
    AgentSpec, Channel, Command, ConversationId, CustomerId, Engine, EngineConfig, Priority,
    SkillRequirement, Tier, Timestamp,
};

fn engine_with_one_assigned_thread() -> Engine {
    let mut engine = Engine::new(EngineConfig::default(), common::policy()).unwrap();
    engine
        .apply(
            Timestamp(1_000),
            Command::AddAgent(AgentSpec::new(1, vec![], 2)),
        )
        .unwrap();
    engine
        .apply(
            Timestamp(2_000),
            Command::OpenConversation {
                conversation: ConversationId(1),
                customer: CustomerId(1),
                tier: Tier::Standard,
                channel: Channel::Sms,
                skills: vec![],
                priority: Priority::Normal,
                start_in_bot: false,
            },
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
            skills: Some(vec![SkillRequirement::new(7, 3)]),
            priority: None,
        },
    );
    assert!(refused.is_err());
    assert_eq!(engine.snapshot(), before);
}
