//! Assignment: skills, caps, policies, backfill, agent status.
use crate::common;
use common::*;
use switchboard::*;

#[test]
fn conversation_goes_only_to_agents_with_the_skill_at_the_level() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 2)], 4);
    agent(&mut e, 2, &[(TECH, 9)], 4);
    agent(&mut e, 3, &[(BILLING, 5)], 4);
    let d = open(&mut e, ms(1), 10, 100, &[(BILLING, 4)]);
    assert_eq!(assigned_to(&d, 10), Some(3));
    let d = open(&mut e, ms(2), 11, 101, &[(BILLING, 6)]);
    assert!(matches!(d[..], [Decision::Queued { .. }]), "{d:?}");
    audited(&e);
}

#[test]
fn cap_is_never_exceeded_and_excess_waits() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    for c in 0..5 {
        open(&mut e, ms(c), c, 100 + c, &[(BILLING, 1)]);
        audited(&e);
    }
    let info = e.agent(AgentId(1)).unwrap();
    assert_eq!(info.load, Capacity::units(2));
    assert_eq!(info.load_high_water, Capacity::units(2));
    assert_eq!(state(&e, 2), StateKind::Queued);
    // Resolving one pulls the oldest waiting conversation.
    let d = resolve(&mut e, ms(10), 0);
    assert_eq!(assigned_to(&d, 2), Some(1));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Assigned {
            via: AssignVia::Pull,
            ..
        }
    )));
    audited(&e);
}

#[test]
fn email_weight_lets_two_fit_in_one_unit() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    for c in 0..3u64 {
        let mut cmd = open_cmd(c, 100 + c, &[], Priority::Normal);
        if let Command::OpenConversation(OpenConversation { channel, .. }) = &mut cmd {
            *channel = Channel::Email;
        }
        e.apply(ms(c), cmd).unwrap();
    }
    assert_eq!(owner(&e, 0), Some(1));
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(state(&e, 2), StateKind::Queued);
    audited(&e);
}

#[test]
fn least_loaded_uses_load_relative_to_cap() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 10);
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    open(&mut e, ms(3), 3, 3, &[]);
    // agent 1 at 50% after one; agent 2 at 10%, 20% ... gets the rest.
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(owner(&e, 2), Some(2));
    assert_eq!(owner(&e, 3), Some(2));
}

#[test]
fn round_robin_rotates_through_agents() {
    let mut e = engine_with(EngineConfig::default(), "round_robin");
    for a in 1..=3 {
        agent(&mut e, a, &[], 10);
    }
    let owners: Vec<_> = (0..6)
        .map(|c| {
            open(&mut e, ms(c), c, 100 + c, &[]);
            owner(&e, c).unwrap()
        })
        .collect();
    assert_eq!(owners, vec![1, 2, 3, 1, 2, 3]);
}

#[test]
fn best_skill_prefers_the_expert() {
    let mut e = engine_with(EngineConfig::default(), "best_skill");
    agent(&mut e, 1, &[(BILLING, 3)], 4);
    agent(&mut e, 2, &[(BILLING, 9)], 4);
    open(&mut e, ms(1), 1, 1, &[(BILLING, 1)]);
    assert_eq!(owner(&e, 1), Some(2));
}

#[test]
fn longest_idle_prefers_the_agent_quiet_longest() {
    let mut e = engine_with(EngineConfig::default(), "longest_idle");
    agent(&mut e, 1, &[], 4);
    agent(&mut e, 2, &[], 4);
    open(&mut e, ms(1), 1, 1, &[]);
    assert_eq!(owner(&e, 1), Some(1));
    // Agent 1 was active at t=1; agent 2 has been idle since t=0.
    open(&mut e, ms(2), 2, 2, &[]);
    assert_eq!(owner(&e, 2), Some(2));
}

#[test]
fn coming_online_pulls_the_backlog_up_to_the_cap() {
    let mut e = engine();
    e.apply(
        Timestamp(0),
        AgentSpec::new(AgentId(1), Capacity::units(3)).status(AgentStatus::Offline),
    )
    .unwrap();
    for c in 0..5 {
        open(&mut e, ms(c), c, 100 + c, &[]);
    }
    let d = e
        .apply(
            ms(10),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Online,
            },
        )
        .unwrap();
    let pulled: Vec<_> = d
        .iter()
        .filter_map(|d| match d {
            Decision::Assigned { conversation, .. } => Some(conversation.0),
            _ => None,
        })
        .collect();
    assert_eq!(pulled, vec![0, 1, 2], "oldest first, up to the cap");
    audited(&e);
}

#[test]
fn away_and_draining_keep_threads_but_take_no_new_work() {
    for status in [AgentStatus::Away, AgentStatus::Draining] {
        let mut e = engine();
        agent(&mut e, 1, &[], 4);
        open(&mut e, ms(1), 1, 1, &[]);
        e.apply(
            ms(2),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status,
            },
        )
        .unwrap();
        assert_eq!(owner(&e, 1), Some(1), "live thread stays");
        open(&mut e, ms(3), 2, 2, &[]);
        assert_eq!(state(&e, 2), StateKind::Queued);
        audited(&e);
    }
}

#[test]
fn offline_requeues_live_threads_with_age_and_priority_kept() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(50), 2, 2, &[]);
    let d = e
        .apply(
            ms(60),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Offline,
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Requeued {
            reason: RequeueReason::AgentOffline,
            ..
        }
    )));
    let info = e.conversation(ConversationId(1)).unwrap();
    assert_eq!(info.waiting_since, ms(1), "age kept");
    agent(&mut e, 2, &[], 1);
    // The requeued conversation is older than conversation 2: it goes first.
    assert_eq!(owner(&e, 1), Some(2));
    assert_eq!(state(&e, 2), StateKind::Queued);
    audited(&e);
}

#[test]
fn raising_the_cap_pulls_work_and_lowering_below_load_is_accepted_without_new_work() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(1), 1, 1, &[]);
    open(&mut e, ms(2), 2, 2, &[]);
    // A cap below the load is accepted (it used to be refused): the agent
    // keeps the live thread and takes no new work while over the cap.
    let d = e
        .apply(
            ms(3),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity(500),
            },
        )
        .unwrap();
    assert_eq!(
        d,
        vec![Decision::CapacityChanged {
            agent: AgentId(1),
            load: Capacity::units(1),
            cap: Capacity(500),
        }]
    );
    assert_eq!(owner(&e, 1), Some(1));
    assert_eq!(state(&e, 2), StateKind::Queued);
    audited(&e);
    let d = e
        .apply(
            ms(4),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert_eq!(assigned_to(&d, 2), None, "{d:?}");
    assert_eq!(state(&e, 2), StateKind::Queued);
    let d = e
        .apply(
            ms(4),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity::units(2),
            },
        )
        .unwrap();
    assert_eq!(assigned_to(&d, 2), Some(1));
    audited(&e);
}
