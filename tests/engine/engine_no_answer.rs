//! Reassignment when the agent does not answer: an assignment without a
//! first reply in time goes back to its line with its age and priority
//! kept, a bounded number of times, then a terminal action applies; each
//! step is a decision with its reason; never once a human answered.

use crate::common;
use common::*;
use switchboard::*;

fn config(set_away: bool, max_hops: u32, last: NoAnswerFinal) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.workload.no_answer = Some(NoAnswerRule {
        after: TimeSpan::from_secs(60),
        set_away,
        max_hops,
        last,
    });
    config
}

fn no_answer(d: &[Decision]) -> Option<(u64, u32, NoAnswerAction)> {
    d.iter().find_map(|d| match d {
        Decision::NoAnswer {
            agent, hop, action, ..
        } => Some((agent.0, *hop, *action)),
        _ => None,
    })
}

fn two_agents(config: EngineConfig) -> Engine {
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    open(&mut e, ms(0), 1, 1, &[]);
    assert_eq!(owner(&e, 1), Some(1));
    e
}

#[test]
fn an_unanswered_assignment_goes_back_with_its_age_and_priority() {
    let mut e = two_agents(config(false, 2, NoAnswerFinal::KeepAndWarn));
    e.apply(
        ms(1),
        Command::SetPriority {
            conversation: ConversationId(1),
            priority: Priority::High,
        },
    )
    .unwrap();
    assert!(e.apply(ms(59), Command::Tick).unwrap().is_empty());
    let d = e.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), Some((1, 1, NoAnswerAction::Requeued)));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Requeued {
            from: AgentId(1),
            reason: RequeueReason::NoAnswer,
            ..
        }
    )));
    // Agent 1 cools down in the group: agent 2 takes it.
    assert_eq!(owner(&e, 1), Some(2));
    let info = e.conversation(ConversationId(1)).unwrap();
    assert_eq!(info.waiting_since, ms(0), "age kept");
    assert_eq!(info.priority, Priority::High, "priority kept");
    assert_eq!(e.stats().no_answer_requeues, 1);
    audited(&e);
}

#[test]
fn the_agent_becomes_away_when_the_rule_says_so() {
    let mut e = two_agents(config(true, 2, NoAnswerFinal::KeepAndWarn));
    let d = e.apply(ms(60), Command::Tick).unwrap();
    assert!(d.contains(&Decision::AgentStatusChanged {
        agent: AgentId(1),
        status: AgentStatus::Away,
    }));
    assert_eq!(owner(&e, 1), Some(2));
    audited(&e);
}

#[test]
fn an_answered_conversation_is_never_reassigned() {
    let mut e = two_agents(config(true, 2, NoAnswerFinal::KeepAndWarn));
    e.apply(
        ms(30),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    assert!(e.apply(ms(60), Command::Tick).unwrap().is_empty());
    assert_eq!(owner(&e, 1), Some(1));
    audited(&e);
}

#[test]
fn after_the_last_hop_the_conversation_stays_and_a_warning_is_raised() {
    let mut e = two_agents(config(false, 1, NoAnswerFinal::KeepAndWarn));
    e.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(owner(&e, 1), Some(2));
    let d = e.apply(ms(120), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), Some((2, 2, NoAnswerAction::KeptAndWarned)));
    assert_eq!(owner(&e, 1), Some(2), "kept with the agent");
    assert_eq!(e.stats().no_answer_kept, 1);
    audited(&e);
    // No further timer: the supervisor acts now.
    let d = e.apply(ms(600), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), None);
    audited(&e);
}

#[test]
fn after_the_last_hop_the_rule_may_resolve_with_its_reason() {
    let last = NoAnswerFinal::Resolve {
        reason: ResolveReason::Expired,
    };
    let mut e = two_agents(config(false, 0, last));
    let d = e.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), Some((1, 1, NoAnswerAction::Resolved)));
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::Resolved {
            reason: ResolveReason::Expired,
            ..
        }
    )));
    assert_eq!(state(&e, 1), StateKind::Resolved);
    assert_eq!(e.stats().no_answer_resolved, 1);
    audited(&e);
}

#[test]
fn a_non_answering_agent_who_goes_offline_mid_timer() {
    let mut e = two_agents(config(false, 2, NoAnswerFinal::KeepAndWarn));
    e.apply(
        ms(30),
        Command::SetAgentStatus {
            agent: AgentId(1),
            status: AgentStatus::Offline,
        },
    )
    .unwrap();
    assert_eq!(owner(&e, 1), Some(2));
    // The first agent's timer is void; the new assignment has its own.
    let d = e.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), None);
    let d = e.apply(ms(90), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), Some((2, 1, NoAnswerAction::Requeued)));
    audited(&e);
}

#[test]
fn with_offers_the_time_runs_from_the_acceptance() {
    let mut config = config(false, 2, NoAnswerFinal::KeepAndWarn);
    config.offer_timeout = Some(TimeSpan::from_secs(300));
    let mut e = two_agents(config);
    e.apply(
        ms(100),
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    assert_eq!(no_answer(&e.apply(ms(159), Command::Tick).unwrap()), None);
    let d = e.apply(ms(160), Command::Tick).unwrap();
    assert_eq!(no_answer(&d), Some((1, 1, NoAnswerAction::Requeued)));
    audited(&e);
}

#[test]
fn no_answer_settings_out_of_range_are_refused() {
    for (after, hops) in [(0, 1), (60, MAX_NO_ANSWER_HOPS + 1)] {
        let mut config = config(false, hops, NoAnswerFinal::KeepAndWarn);
        if let Some(rule) = &mut config.workload.no_answer {
            rule.after = TimeSpan::from_secs(after);
        }
        let error = Engine::new(config, boxed("least_loaded")).unwrap_err();
        assert!(matches!(
            error,
            ConfigError::Workload(WorkloadConfigError::NoAnswer { .. })
        ));
    }
}

#[test]
fn a_no_answer_timer_survives_a_snapshot() {
    let mut e = two_agents(config(true, 2, NoAnswerFinal::KeepAndWarn));
    let json = e.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    let a = e.apply(ms(60), Command::Tick).unwrap();
    let b = restored.apply(ms(60), Command::Tick).unwrap();
    assert_eq!(a, b);
    assert_eq!(restored.snapshot(), e.snapshot());
    audited(&restored);
}

/// The rule's delay shortened by a reconfiguration (allowed once the
/// engine holds no conversation) while a timer of the old delay is still
/// pending, stale: the new, earlier timer fires on time and not behind
/// the old one (no-answer timers keep a FIFO of their own, which only
/// holds timers in firing order), also after a snapshot and restore.
#[test]
fn a_shorter_delay_after_a_reconfiguration_fires_on_time_behind_a_stale_timer() {
    let mut config = config(false, 2, NoAnswerFinal::KeepAndWarn);
    if let Some(rule) = config.workload.no_answer.as_mut() {
        rule.after = TimeSpan::from_mins(10);
    }
    let mut e = engine_with(config.clone(), "least_loaded");
    agent(&mut e, 1, &[], 2);
    agent(&mut e, 2, &[], 2);
    open(&mut e, ms(0), 1, 1, &[]);
    assert_eq!(owner(&e, 1), Some(1));
    // Its timer (due at 10 min) stays pending after the purge, stale.
    resolve(&mut e, ms(1), 1);
    let purge = Command::Purge {
        resolved_before: ms(2),
    };
    e.apply(ms(2), purge).unwrap();
    assert_eq!(e.conversation_count(), 0);
    if let Some(rule) = config.workload.no_answer.as_mut() {
        rule.after = TimeSpan::from_secs(60);
    }
    let shorter = Command::Reconfigure(Reconfigure::Config(Box::new(config)));
    e.apply(ms(3), shorter).unwrap();
    open(&mut e, ms(4), 2, 2, &[]);
    let first = owner(&e, 2).expect("assigned");
    let restored = Engine::restore(e.snapshot(), boxed("least_loaded")).unwrap();
    for mut e in [e, restored] {
        assert!(e.apply(ms(63), Command::Tick).unwrap().is_empty());
        let d = e.apply(ms(64), Command::Tick).unwrap();
        assert_eq!(no_answer(&d), Some((first, 1, NoAnswerAction::Requeued)));
        assert_ne!(owner(&e, 2), Some(first), "it moved to the other agent");
        audited(&e);
    }
}
