//! Real-time statistics against a recount, the known agent taken before
//! the queue, and restores that must refuse a state whose waits lost
//! their timers (regressions found in review and by the fuzzer).

use super::engine_core::open;
use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, AssignVia, Capacity, Channel, Command, ConversationId,
    ConversationState, CustomerId, Decision, Engine, EngineConfig, Level, ResolveReason, SkillId,
    SkillRequirement, Snapshot, Timestamp,
};

#[test]
fn real_time_statistics_follow_every_change_and_agree_with_a_recount() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    let billing = SkillRequirement::at(SkillId(1), Level::of::<3>());
    for a in 1..=3 {
        engine
            .apply(
                Timestamp(0),
                Command::AddAgent(
                    AgentSpec::new(AgentId(a), Capacity::units(1))
                        .skill(SkillId(1), Level::of::<5>()),
                ),
            )
            .unwrap();
    }
    let open_billing =
        |id: u64| Command::open(ConversationId(id), CustomerId(id)).skills([billing]);
    for i in 1..=5 {
        engine.apply(Timestamp(i * 1_000), open_billing(i)).unwrap();
        engine.audit().unwrap();
    }
    let stats = engine
        .group_stats_for(Channel::WhatsApp, &[billing])
        .unwrap();
    assert_eq!(stats.waiting, 2);
    assert_eq!(stats.oldest_waiting_since, Some(Timestamp(4_000)));
    assert_eq!((stats.agents_online, stats.agents_with_room), (3, 0));
    engine
        .apply(
            Timestamp(9_000),
            Command::SetAgentStatus {
                agent: AgentId(3),
                status: AgentStatus::Away,
            },
        )
        .unwrap();
    engine
        .apply(
            Timestamp(9_500),
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    let stats = engine
        .group_stats_for(Channel::WhatsApp, &[billing])
        .unwrap();
    assert_eq!(
        (stats.waiting, stats.oldest_waiting_since),
        (1, Some(Timestamp(5_000)))
    );
    assert_eq!((stats.agents_online, stats.agents_with_room), (2, 0));
    let agent = engine.agent_stats(AgentId(1)).unwrap();
    assert_eq!(
        (agent.load, agent.cap, agent.live),
        (Capacity::units(1), Capacity::units(1), 1)
    );
    engine.audit().unwrap();
    assert_eq!(engine.group_stats().len(), 1);
}

#[test]
fn known_agent_is_taken_before_the_queue_when_via_sticky() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
        )
        .unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(2), Capacity::units(2))),
        )
        .unwrap();
    engine
        .apply(Timestamp(1), open(1, 9, Channel::Sms))
        .unwrap();
    let owner = match engine.conversation(ConversationId(1)).unwrap().state {
        ConversationState::Assigned { agent } => agent,
        other => panic!("{other:?}"),
    };
    engine
        .apply(
            Timestamp(2),
            Command::AgentMessage {
                conversation: ConversationId(1),
                agent: owner,
            },
        )
        .unwrap();
    engine
        .apply(
            Timestamp(3),
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    let d = engine
        .apply(Timestamp(4), open(2, 9, Channel::Sms))
        .unwrap();
    assert!(
        matches!(d[..], [Decision::StickyHit { .. }, Decision::Assigned { via: AssignVia::Sticky, agent, .. }] if agent == owner),
        "{d:?}"
    );
}

/// Agent 1 (cap 1) served customer 5, is full again when customer 5
/// returns, and customer 5 waits for them (a known-agent wait and its
/// timer).
fn customer_waiting_for_a_full_known_agent() -> Engine {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(1))),
        )
        .unwrap();
    engine
        .apply(Timestamp(1), open(1, 5, Channel::Sms))
        .unwrap();
    engine
        .apply(
            Timestamp(2),
            Command::AgentMessage {
                conversation: ConversationId(1),
                agent: AgentId(1),
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(3), open(2, 6, Channel::Sms))
        .unwrap();
    engine
        .apply(
            Timestamp(4),
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(5), open(3, 7, Channel::Sms))
        .unwrap();
    // Customer 5 returns while agent 1 is full: they wait for them.
    let d = engine
        .apply(Timestamp(6), open(4, 5, Channel::Sms))
        .unwrap();
    assert!(
        matches!(d[..], [Decision::WaitingForAgent { until: Some(_), .. }]),
        "{d:?}"
    );
    engine.audit().unwrap();
    engine
}

/// Found in review: the audit checked SLA timers only, so a snapshot whose
/// known-agent wait had lost its timer restored, and the returning customer
/// would have waited for that agent forever.
#[test]
fn regression_restore_accepted_a_known_agent_wait_without_its_timer() {
    let engine = customer_waiting_for_a_full_known_agent();
    let json = engine.snapshot().to_json().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let timers = value["timers"].as_array_mut().unwrap();
    let before = timers.len();
    timers.retain(|t| t["kind"] != "StickyWait");
    assert_eq!(timers.len(), before - 1);
    let corrupt = Snapshot::from_json(&value.to_string()).unwrap();
    let err = Engine::restore(corrupt, LeastLoaded).unwrap_err();
    assert!(err.to_string().contains("known-agent wait"), "{err}");
}

/// Found by the `snapshot_decode` fuzzer in CI: the audit matched timers by
/// id, kind and generation but not incarnation, so a snapshot whose
/// known-agent wait timer named another incarnation restored, and the
/// first tick voided the timer, leaving the wait with no end.
#[test]
fn regression_restore_accepted_a_timer_of_another_incarnation() {
    let engine = customer_waiting_for_a_full_known_agent();
    let json = engine.snapshot().to_json().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for t in value["timers"].as_array_mut().unwrap() {
        if t["kind"] == "StickyWait" {
            t["incarnation"] = serde_json::json!(999);
        }
    }
    let corrupt = Snapshot::from_json(&value.to_string()).unwrap();
    let err = Engine::restore(corrupt, LeastLoaded).unwrap_err();
    assert!(err.to_string().contains("known-agent wait"), "{err}");
}
