//! Wrap-up after a resolve: the agent keeps part of the thread's weight
//! for the channel's time box; the modes allow or refuse an early end; a
//! customer who writes during the wrap-up reopens the thread to the same
//! agent without an offer.

use crate::common;
use common::*;
use switchboard::*;

const HALF: u32 = 500;

fn config(mode: WrapUpMode, secs: u64, hold_permille: u32) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.workload.wrap_up.insert(
        Channel::WhatsApp,
        WrapUpRule {
            mode,
            time: TimeSpan::from_secs(secs),
            hold_permille,
        },
    );
    config
}

/// An engine with one agent (cap 1) and conversation 1 assigned to them.
fn one_agent(config: EngineConfig) -> Engine {
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 1);
    open(&mut e, ms(0), 1, 1, &[]);
    assert_eq!(owner(&e, 1), Some(1));
    e
}

fn end_wrap_up(e: &mut Engine, at: Timestamp, id: u64) -> Result<Vec<Decision>, EngineError> {
    e.apply(
        at,
        Command::EndWrapUp {
            conversation: ConversationId(id),
            agent: AgentId(1),
        },
    )
}

fn load(e: &Engine, agent: u64) -> Capacity {
    e.agent_stats(AgentId(agent)).expect("known").load
}

#[test]
fn wrap_up_holds_part_of_the_weight_until_its_time_box() {
    let mut e = one_agent(config(WrapUpMode::Optional, 60, HALF));
    let d = resolve(&mut e, ms(10), 1);
    assert!(d.contains(&Decision::WrapUpStarted {
        conversation: ConversationId(1),
        agent: AgentId(1),
        until: ms(70),
        load: Capacity(HALF),
        cap: Capacity::units(1),
    }));
    assert_eq!(state(&e, 1), StateKind::Resolved);
    assert_eq!(load(&e, 1), Capacity(HALF));
    audited(&e);
    // A full conversation does not fit beside the hold: it waits.
    open(&mut e, ms(20), 2, 2, &[]);
    assert_eq!(state(&e, 2), StateKind::Queued);
    audited(&e);
    e.apply(ms(69), Command::Tick).unwrap();
    assert_eq!(state(&e, 2), StateKind::Queued);
    let d = e.apply(ms(70), Command::Tick).unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::WrapUpEnded {
            reason: WrapUpEndReason::TimedOut,
            ..
        }
    )));
    assert_eq!(owner(&e, 2), Some(1));
    let stats = e.agent_stats(AgentId(1)).unwrap();
    assert_eq!(stats.in_wrap_up, 0);
    assert_eq!(stats.wrap_up_time, TimeSpan::from_secs(60));
    assert_eq!(e.stats().wrap_ups, 1);
    assert_eq!(e.stats().wrap_up_ms, 60_000);
    audited(&e);
}

#[test]
fn optional_wrap_up_ended_early_frees_the_agent_at_once() {
    let mut e = one_agent(config(WrapUpMode::Optional, 60, 1000));
    resolve(&mut e, ms(10), 1);
    assert_eq!(load(&e, 1), Capacity::units(1));
    open(&mut e, ms(15), 2, 2, &[]);
    assert_eq!(state(&e, 2), StateKind::Queued);
    let d = end_wrap_up(&mut e, ms(25), 1).unwrap();
    assert!(matches!(
        d[0],
        Decision::WrapUpEnded {
            reason: WrapUpEndReason::EndedByAgent,
            ..
        }
    ));
    assert_eq!(owner(&e, 2), Some(1));
    assert_eq!(e.stats().wrap_ups_ended_early, 1);
    assert_eq!(
        e.agent_stats(AgentId(1)).unwrap().wrap_up_time,
        TimeSpan::from_secs(15)
    );
    // The time box's timer is void now.
    let d = e.apply(ms(70), Command::Tick).unwrap();
    assert!(d.iter().all(|d| !matches!(d, Decision::WrapUpEnded { .. })));
    // Ending it twice is refused.
    assert_eq!(
        end_wrap_up(&mut e, ms(71), 1),
        Err(EngineError::NotInWrapUp {
            conversation: ConversationId(1)
        })
    );
    audited(&e);
}

#[test]
fn time_boxed_wrap_up_refuses_an_early_end_before_its_minimum() {
    let min = TimeSpan::from_secs(30);
    let mut e = one_agent(config(WrapUpMode::TimeBoxed { min }, 60, HALF));
    resolve(&mut e, ms(10), 1);
    let before = e.snapshot();
    assert_eq!(
        end_wrap_up(&mut e, ms(39), 1),
        Err(EngineError::WrapUpMandatory {
            conversation: ConversationId(1),
            until: Some(ms(40)),
        })
    );
    assert_eq!(e.snapshot(), before, "a refused command changes nothing");
    end_wrap_up(&mut e, ms(40), 1).expect("the minimum has passed");
    assert_eq!(load(&e, 1), Capacity::ZERO);
    audited(&e);
}

#[test]
fn wrap_up_without_early_end_lasts_its_whole_time_box() {
    let mut e = one_agent(config(WrapUpMode::NoEarlyEnd, 60, HALF));
    resolve(&mut e, ms(10), 1);
    assert_eq!(
        end_wrap_up(&mut e, ms(69), 1),
        Err(EngineError::WrapUpMandatory {
            conversation: ConversationId(1),
            until: None,
        })
    );
    e.apply(ms(70), Command::Tick).unwrap();
    assert_eq!(load(&e, 1), Capacity::ZERO);
    audited(&e);
}

#[test]
fn only_the_agent_in_wrap_up_ends_it() {
    let mut e = one_agent(config(WrapUpMode::Optional, 60, HALF));
    agent(&mut e, 2, &[], 1);
    resolve(&mut e, ms(10), 1);
    let refused = e.apply(
        ms(11),
        Command::EndWrapUp {
            conversation: ConversationId(1),
            agent: AgentId(2),
        },
    );
    assert_eq!(
        refused,
        Err(EngineError::NotOwner {
            conversation: ConversationId(1),
            agent: AgentId(2)
        })
    );
}

#[test]
fn customer_writing_during_wrap_up_reopens_to_the_same_agent_without_an_offer() {
    let mut config = config(WrapUpMode::NoEarlyEnd, 60, HALF);
    config.offer_timeout = Some(TimeSpan::from_secs(30));
    let mut e = engine_with(config, "least_loaded");
    agent(&mut e, 1, &[], 1);
    agent(&mut e, 2, &[], 1);
    open(&mut e, ms(0), 1, 1, &[]);
    e.apply(
        ms(1),
        Command::AcceptOffer {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    e.apply(
        ms(2),
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: AgentId(1),
        },
    )
    .unwrap();
    resolve(&mut e, ms(10), 1);
    assert!(e.open_conversations(CustomerId(1)).unwrap().is_empty());
    let d = e
        .apply(
            ms(20),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(matches!(
        d[0],
        Decision::WrapUpEnded {
            reason: WrapUpEndReason::Reopened,
            ..
        }
    ));
    assert!(d.contains(&Decision::Assigned {
        conversation: ConversationId(1),
        agent: AgentId(1),
        via: AssignVia::Reopened,
        load: Capacity::units(1),
        cap: Capacity::units(1),
    }));
    assert!(d.iter().all(|d| !matches!(d, Decision::Offered { .. })));
    assert_eq!(
        e.conversation(ConversationId(1)).unwrap().state,
        ConversationState::Assigned { agent: AgentId(1) }
    );
    assert_eq!(
        e.open_conversations(CustomerId(1)).unwrap(),
        vec![ConversationId(1)]
    );
    assert_eq!(e.stats().wrap_ups_reopened, 1);
    audited(&e);
    // Resolved again, it wraps up again.
    resolve(&mut e, ms(30), 1);
    assert_eq!(e.agent_stats(AgentId(1)).unwrap().in_wrap_up, 1);
    audited(&e);
}

#[test]
fn a_reopened_thread_waits_first_in_its_agents_queue_when_the_agent_is_full() {
    let mut e = one_agent(config(WrapUpMode::Optional, 600, HALF));
    resolve(&mut e, ms(10), 1);
    // Half a unit of email fills the agent beside the hold.
    let email =
        Command::from(Command::open(ConversationId(2), CustomerId(2)).channel(Channel::Email));
    e.apply(ms(11), email).unwrap();
    assert_eq!(owner(&e, 2), Some(1));
    assert_eq!(load(&e, 1), Capacity::units(1));
    let d = e
        .apply(
            ms(12),
            Command::CustomerMessage {
                conversation: ConversationId(1),
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::WaitingForAgent {
            agent: AgentId(1),
            until: None,
            ..
        }
    )));
    assert_eq!(
        e.conversation(ConversationId(1)).unwrap().state,
        ConversationState::Queued {
            for_agent: Some(AgentId(1))
        }
    );
    audited(&e);
    resolve(&mut e, ms(13), 2);
    assert_eq!(owner(&e, 1), Some(1));
    audited(&e);
}

#[test]
fn reopening_is_refused_while_the_customer_has_another_thread_open_on_the_channel() {
    let mut e = one_agent(config(WrapUpMode::Optional, 600, HALF));
    agent(&mut e, 2, &[], 1);
    resolve(&mut e, ms(10), 1);
    open(&mut e, ms(11), 2, 1, &[]);
    let refused = e.apply(
        ms(12),
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    );
    assert_eq!(
        refused,
        Err(EngineError::CustomerHasOpenConversation {
            customer: CustomerId(1),
            open: ConversationId(2),
            channel: Channel::WhatsApp,
        })
    );
    audited(&e);
}

#[test]
fn an_agent_going_offline_ends_their_wrap_ups() {
    let mut e = one_agent(config(WrapUpMode::NoEarlyEnd, 600, HALF));
    resolve(&mut e, ms(10), 1);
    let d = e
        .apply(
            ms(20),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Offline,
            },
        )
        .unwrap();
    assert!(d.iter().any(|d| matches!(
        d,
        Decision::WrapUpEnded {
            reason: WrapUpEndReason::AgentOffline,
            load: Capacity::ZERO,
            ..
        }
    )));
    audited(&e);
}

#[test]
fn only_an_assigned_thread_wraps_up() {
    let mut e = engine_with(config(WrapUpMode::Optional, 60, HALF), "least_loaded");
    open(&mut e, ms(0), 1, 1, &[]);
    let d = resolve(&mut e, ms(1), 1);
    assert!(d
        .iter()
        .all(|d| !matches!(d, Decision::WrapUpStarted { .. })));
    // Other channels have no wrap-up.
    agent(&mut e, 1, &[], 1);
    let sms = Command::from(Command::open(ConversationId(2), CustomerId(2)).channel(Channel::Sms));
    e.apply(ms(2), sms).unwrap();
    let d = resolve(&mut e, ms(3), 2);
    assert!(d
        .iter()
        .all(|d| !matches!(d, Decision::WrapUpStarted { .. })));
    audited(&e);
}

#[test]
fn purge_keeps_a_thread_in_wrap_up() {
    let mut e = one_agent(config(WrapUpMode::Optional, 600, HALF));
    resolve(&mut e, ms(10), 1);
    let d = e
        .apply(
            ms(20),
            Command::Purge {
                resolved_before: ms(20),
            },
        )
        .unwrap();
    assert_eq!(d, vec![Decision::Purged { conversations: 0 }]);
    audited(&e);
}

#[test]
fn a_wrap_up_survives_a_snapshot_and_ends_the_same() {
    let mut e = one_agent(config(WrapUpMode::Optional, 60, HALF));
    resolve(&mut e, ms(10), 1);
    open(&mut e, ms(11), 2, 2, &[]);
    let json = e.snapshot().to_json().unwrap();
    let mut restored =
        Engine::restore(Snapshot::from_json(&json).unwrap(), boxed("least_loaded")).unwrap();
    assert_eq!(restored.snapshot(), e.snapshot());
    let a = e.apply(ms(70), Command::Tick).unwrap();
    let b = restored.apply(ms(70), Command::Tick).unwrap();
    assert_eq!(a, b);
    assert_eq!(owner(&restored, 2), Some(1));
    assert_eq!(restored.snapshot(), e.snapshot());
    audited(&restored);
}
