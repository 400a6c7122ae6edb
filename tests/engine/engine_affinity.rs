//! Sticky affinity: live threads, parked threads, returning customers.
use crate::common;
use common::*;
use switchboard::*;

fn speak(e: &mut Engine, at: Timestamp, c: u64, a: u64) {
    e.apply(
        at,
        Command::AgentMessage {
            conversation: ConversationId(c),
            agent: AgentId(a),
        },
    )
    .unwrap();
}

#[test]
fn returning_customer_reaches_their_last_agent() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    agent(&mut e, 2, &[], 4);
    open(&mut e, ms(1), 1, 77, &[]);
    let first = owner(&e, 1).unwrap();
    speak(&mut e, ms(2), 1, first);
    resolve(&mut e, ms(3), 1);
    // Make the other agent the least loaded choice, then return.
    open(&mut e, ms(4), 2, 88, &[]);
    let d = open(&mut e, ms(3600), 3, 77, &[]);
    assert!(d
        .iter()
        .any(|d| matches!(d, Decision::StickyHit { agent, .. } if agent.0 == first)));
    assert_eq!(owner(&e, 3), Some(first));
    assert_eq!(e.stats().sticky_hits, 1);
    audited(&e);
}

#[test]
fn outside_the_affinity_window_routing_is_fresh() {
    let config = EngineConfig::builder()
        .affinity_window(TimeSpan::from_hours(1))
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 4);
    open(&mut e, ms(1), 1, 77, &[]);
    speak(&mut e, ms(2), 1, 1);
    resolve(&mut e, ms(3), 1);
    let d = open(&mut e, ms(2 * 3600), 2, 77, &[]);
    assert!(!d
        .iter()
        .any(|d| matches!(d, Decision::StickyHit { .. } | Decision::StickyMiss { .. })));
}

#[test]
fn known_agent_full_holds_the_customer_then_falls_back_after_the_timeout() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(1), 1, 77, &[]);
    speak(&mut e, ms(2), 1, 1);
    resolve(&mut e, ms(3), 1);
    open(&mut e, ms(4), 2, 88, &[]); // fills agent 1
    agent(&mut e, 2, &[], 4); // takes nothing: nothing waits in the group
    let d = open(&mut e, ms(10), 3, 77, &[]);
    assert!(
        matches!(d[..], [Decision::WaitingForAgent { agent, until: Some(_), .. }] if agent.0 == 1),
        "{d:?}"
    );
    assert_eq!(state(&e, 3), StateKind::Queued);
    audited(&e);
    // Two minutes later (default sticky_wait) it falls back to agent 2.
    let d = e.apply(ms(10 + 120), Command::Tick).unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::StickyMiss {
            reason: StickyMissReason::WaitTimedOut,
            ..
        }
    )));
    assert_eq!(owner(&e, 3), Some(2));
    assert_eq!(e.stats().sticky_misses, 1);
    audited(&e);
}

#[test]
fn known_agent_freeing_up_in_time_takes_the_customer() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(1), 1, 77, &[]);
    speak(&mut e, ms(2), 1, 1);
    resolve(&mut e, ms(3), 1);
    open(&mut e, ms(4), 2, 88, &[]);
    open(&mut e, ms(10), 3, 77, &[]);
    let d = resolve(&mut e, ms(30), 2);
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Assigned {
            via: AssignVia::KnownAgent,
            ..
        }
    )));
    assert!(d.iter().any(|d| matches!(d, Decision::StickyHit { .. })));
    assert_eq!(owner(&e, 3), Some(1));
    audited(&e);
}

#[test]
fn known_agent_offline_is_an_immediate_miss() {
    let mut e = engine();
    agent(&mut e, 1, &[], 4);
    agent(&mut e, 2, &[], 4);
    open(&mut e, ms(1), 1, 77, &[]);
    let first = owner(&e, 1).unwrap();
    speak(&mut e, ms(2), 1, first);
    resolve(&mut e, ms(3), 1);
    e.apply(
        ms(4),
        Command::SetAgentStatus {
            agent: AgentId(first),
            status: AgentStatus::Offline,
        },
    )
    .unwrap();
    let d = open(&mut e, ms(5), 2, 77, &[]);
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::StickyMiss {
            reason: StickyMissReason::AgentOffline,
            ..
        }
    )));
    assert_eq!(owner(&e, 2), Some(3 - first));
}

#[test]
fn live_thread_never_moves_unasked() {
    let mut e = engine();
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(1), 1, 1, &[]);
    agent(&mut e, 2, &[], 10);
    for t in 2..50 {
        e.apply(
            ms(t),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
        e.apply(ms(t), Command::Tick).unwrap();
        assert_eq!(owner(&e, 1), Some(1));
    }
}

#[test]
fn parked_thread_with_zero_weight_frees_the_agent_and_comes_back_to_them() {
    let config = EngineConfig::builder()
        .parked_weight_permille(0)
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    open(&mut e, ms(1), 1, 1, &[]);
    let a = owner(&e, 1).unwrap();
    speak(&mut e, ms(2), 1, a);
    let d = e
        .apply(
            ms(3),
            Command::Park {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::Parked { load, .. } if load == Capacity::ZERO));
    open(&mut e, ms(4), 2, 2, &[]);
    open(&mut e, ms(5), 3, 3, &[]);
    assert_eq!(e.agent(AgentId(a)).unwrap().load, Capacity::units(1));
    // The customer writes again: the agent is full, so the thread waits at
    // the head of that agent's own queue, not in the group.
    let d = e
        .apply(
            ms(6),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::WaitingForAgent { agent, until: None, .. } if agent.0 == a));
    open(&mut e, ms(7), 4, 4, &[]);
    // When the agent frees up, the returning thread goes first.
    let other = if owner(&e, 2) == Some(a) { 2 } else { 3 };
    let d = resolve(&mut e, ms(8), other);
    assert!(d.iter().any(|d| matches!(d, Decision::Assigned { via: AssignVia::Resumed, conversation, .. } if conversation.0 == 1)));
    assert_eq!(state(&e, 4), StateKind::Queued);
    audited(&e);
}

#[test]
fn parked_thread_resumes_at_once_when_it_fits() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    open(&mut e, ms(1), 1, 1, &[]);
    e.apply(
        ms(2),
        Command::Park {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    assert_eq!(e.agent(AgentId(1)).unwrap().load, Capacity(250));
    let d = e
        .apply(
            ms(3),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(matches!(
        d[0],
        Decision::Assigned {
            via: AssignVia::Resumed,
            ..
        }
    ));
    assert_eq!(e.agent(AgentId(1)).unwrap().load, Capacity::units(1));
    audited(&e);
}

#[test]
fn auto_park_tells_the_agent_when_the_customer_goes_quiet() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    open(&mut e, ms(1), 1, 1, &[]);
    speak(&mut e, ms(2), 1, 1);
    let d = e.apply(ms(2 + 30 * 60), Command::Tick).unwrap();
    assert!(
        d.iter()
            .any(|d| matches!(d, Decision::Parked { auto: true, .. })),
        "{d:?}"
    );
    assert_eq!(state(&e, 1), StateKind::Parked);
    audited(&e);
}

#[test]
fn offline_agent_releases_parked_threads_which_come_back_sticky_later() {
    let mut e = engine();
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    open(&mut e, ms(1), 1, 1, &[]);
    let a = owner(&e, 1).unwrap();
    speak(&mut e, ms(2), 1, a);
    e.apply(
        ms(3),
        Command::Park {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    let d = e
        .apply(
            ms(4),
            Command::SetAgentStatus {
                agent: AgentId(a),
                status: AgentStatus::Offline,
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(d, Decision::Released { .. })));
    assert_eq!(e.agent(AgentId(a)).unwrap().load, Capacity::ZERO);
    let d = e
        .apply(
            ms(5),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::StickyMiss {
            reason: StickyMissReason::AgentOffline,
            ..
        }
    )));
    assert_eq!(owner(&e, 1), Some(3 - a));
    audited(&e);
}

#[test]
fn transfer_to_agent_and_to_skill_group() {
    let mut e = engine();
    agent(&mut e, 1, &[(BILLING, 5)], 2);
    agent(&mut e, 2, &[(BILLING, 5), (TECH, 5)], 2);
    open(&mut e, ms(1), 1, 1, &[(BILLING, 1)]);
    let a = owner(&e, 1).unwrap();
    let b = 3 - a;
    let d = e
        .apply(
            ms(2),
            Command::Transfer {
                conversation: ConversationId(1),
                to: TransferTarget::Agent(AgentId(b)),
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::Transferred { .. }));
    assert_eq!(owner(&e, 1), Some(b));
    let d = e
        .apply(
            ms(3),
            Command::Transfer {
                conversation: ConversationId(1),
                to: TransferTarget::Skills(vec![SkillRequirement::at(
                    SkillId(TECH),
                    Level::of::<3>(),
                )]),
            },
        )
        .unwrap();
    assert!(matches!(d[0], Decision::Transferred { .. }));
    assert_eq!(owner(&e, 1), Some(2));
    assert_eq!(
        e.conversation(ConversationId(1)).unwrap().waiting_since,
        ms(1)
    );
    audited(&e);
}
