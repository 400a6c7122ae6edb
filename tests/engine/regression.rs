//! Regression tests: each pins one bug the reliability tools found (see
//! RELIABILITY.md), named for the bug, with the tool that found it.

use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, EngineError, Level, ResolveReason, SkillId, SkillRequirement, TimeSpan,
    Timestamp, TransferTarget,
};

fn engine() -> Engine {
    Engine::new(EngineConfig::default(), switchboard::policy::LeastLoaded)
        .expect("default config is valid")
}

fn open(conversation: u64, customer: u64, channel: Channel, start_in_bot: bool) -> Command {
    Command::open(ConversationId(conversation), CustomerId(customer))
        .channel(channel)
        .start_in_bot(start_in_bot)
        .into()
}

/// Found by `fuzz/commands` (first minute): `Engine::apply` advanced the
/// engine's clock before validating the command, so a refused command
/// changed the snapshot (and the time the audit checks alerts against).
#[test]
fn refused_command_advanced_the_clock() {
    let mut e = engine();
    let before = e.snapshot();
    let err = e
        .apply(
            Timestamp(68_400_000),
            Command::DeclineOffer {
                conversation: ConversationId(1),
                agent: 1.into(),
            },
        )
        .unwrap_err();
    assert!(matches!(err, EngineError::UnknownAgent(_)));
    assert_eq!(e.snapshot(), before, "a refused command changed the state");
    // A refused AddAgent (duplicate) must not move it either.
    e.apply(
        Timestamp(10),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
    )
    .unwrap();
    let before = e.snapshot();
    e.apply(
        Timestamp(99_000),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
    )
    .unwrap_err();
    assert_eq!(e.snapshot(), before);
}

/// Found by `fuzz/commands`: an `Escalate` or `Transfer` naming skills
/// created the skill group's queue before the handler refused the
/// transition, so the refused command left a new (empty) group behind and a
/// journal replay of accepted commands would number later groups
/// differently.
#[test]
fn refused_escalate_or_transfer_created_a_skill_group() {
    let mut e = engine();
    let t = Timestamp(1_000);
    e.apply(t, open(8, 2, Channel::Email, false)).unwrap();
    e.apply(t, open(9, 3, Channel::Sms, false)).unwrap();
    e.apply(
        t,
        Command::Resolve {
            conversation: ConversationId(9),
            reason: ResolveReason::Abandoned,
        },
    )
    .unwrap();
    let before = e.snapshot();
    let escalate = e.apply(
        Timestamp(1_380_000),
        Command::Escalate {
            conversation: ConversationId(8),
            skills: Some(vec![SkillRequirement::at(SkillId(2), Level::of::<10>())]),
            priority: None,
            attributes: None,
        },
    );
    assert!(matches!(
        escalate,
        Err(EngineError::InvalidTransition { .. })
    ));
    let transfer = e.apply(
        Timestamp(1_400_000),
        Command::Transfer {
            conversation: ConversationId(9),
            to: TransferTarget::Skills(vec![SkillRequirement::at(SkillId(3), Level::of::<1>())]),
        },
    );
    assert!(matches!(
        transfer,
        Err(EngineError::InvalidTransition { .. })
    ));
    assert_eq!(e.snapshot(), before, "a refused command created a group");
    e.audit().unwrap();
}

/// Found by `fuzz/snapshot_decode` (a restored sample engine, then a tick):
/// removing a conversation from an agent's own queue (known-agent wait
/// timing out, or a resolve or transfer of the waiting thread) did not
/// settle the agent. Work waiting for them personally keeps an agent out of
/// their groups, so with it gone they stayed out of the free-agent index
/// while group work waited and they had room (audit: StaleIndex /
/// NotWorkConserving).
#[test]
fn known_agent_wait_timeout_left_agent_out_of_group_index() {
    let mut e = engine();
    let mut at = Timestamp(0);
    let mut step = |command: Command| {
        at = at + TimeSpan::from_secs(1);
        let out = e.apply(at, command).unwrap();
        e.audit().unwrap();
        out
    };
    step(Command::AddAgent(AgentSpec::new(
        AgentId(2),
        Capacity::units(1),
    )));
    // Customer 1 meets agent 2, so agent 2 becomes their known agent.
    step(open(10, 1, Channel::WhatsApp, false));
    step(Command::Resolve {
        conversation: ConversationId(10),
        reason: ResolveReason::Solved,
    });
    // An email (half a unit) fills half of agent 2's cap.
    step(open(11, 2, Channel::Email, false));
    // Customer 1 returns on WhatsApp (a full unit): waits for agent 2.
    step(open(12, 1, Channel::WhatsApp, false));
    // Another email arrives; agent 2 is reserved for customer 1, so it queues.
    step(open(13, 3, Channel::Email, false));
    // The known-agent wait (2 minutes) runs out: customer 1 falls back to the
    // group, and agent 2, with half a unit free, must take the queued email.
    let out = e
        .apply(at + TimeSpan::from_mins(3), Command::Tick)
        .expect("tick");
    e.audit()
        .expect("agent 2 must be back in the free-agent index");
    let info = e.agent(2.into()).unwrap();
    assert!(
        info.active.contains(&ConversationId(13)),
        "queued email was not assigned: {out:?}"
    );
}

/// Found by `tests/engine/stress_engine.rs` (mid-run audit: "agent#5 is offline but
/// still has conversation#33716"): a transfer to an agent, or a returning
/// customer waiting for their known agent, checked the agent's status
/// without the agent's lock and then queued the thread for them. An agent
/// going offline in between had already listed what to evict, so the thread
/// stayed queued for an offline agent. The race window is a few
/// instructions wide, so this test is probabilistic: one thread bounces a
/// thread between two full agents' own queues while another toggles one of
/// them offline and online, and the main thread audits between commands.
/// (The engine is single-writer now: the threads share it through
/// `SharedEngine`, and the audit must pass under any interleaving.)
#[test]
fn transfer_racing_agent_offline_left_thread_with_offline_agent() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let mut e = engine();
    let t = Timestamp(1_000);
    for (agent, conversation) in [(1, 1), (2, 3)] {
        e.apply(
            t,
            Command::AddAgent(AgentSpec::new(AgentId(agent), Capacity::units(1))),
        )
        .unwrap();
        e.apply(t, open(conversation, conversation, Channel::Sms, false))
            .unwrap();
    }
    // Both agents are full; conversation 2 waits in the group queue.
    e.apply(t, open(2, 2, Channel::Sms, false)).unwrap();
    let e = Arc::new(switchboard::SharedEngine::new(e));
    let stop = Arc::new(AtomicBool::new(false));
    let bouncer = {
        let (e, stop) = (e.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for agent in [1u64, 2] {
                    let _ = e.apply(
                        t,
                        Command::Transfer {
                            conversation: ConversationId(2),
                            to: TransferTarget::Agent(agent.into()),
                        },
                    );
                }
            }
        })
    };
    let toggler = {
        let (e, stop) = (e.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for status in [
                    switchboard::AgentStatus::Offline,
                    switchboard::AgentStatus::Online,
                ] {
                    e.apply(
                        t,
                        Command::SetAgentStatus {
                            agent: 1.into(),
                            status,
                        },
                    )
                    .unwrap();
                }
            }
        })
    };
    let started = std::time::Instant::now();
    let mut failure = None;
    while started.elapsed() < std::time::Duration::from_millis(1_500) {
        if let Err(v) = e.lock().audit() {
            failure = Some(v);
            break;
        }
    }
    stop.store(true, Ordering::Relaxed);
    bouncer.join().unwrap();
    toggler.join().unwrap();
    if let Some(v) = failure {
        panic!("{v}");
    }
    e.lock().audit().unwrap();
}

/// Found by `fuzz/snapshot_decode` (a mutated timer time, then a tick): the
/// audit, and so `Engine::restore`, checked that an SLA alert timer was
/// armed for the right conversation and generation but not for the right
/// time, so a corrupt snapshot restored into an engine that raised a
/// warning before it was due and then had no alert pending.
#[test]
fn restore_accepted_sla_timer_with_wrong_time() {
    let mut e = engine();
    e.apply(Timestamp(1_000), open(4, 1, Channel::Sms, false))
        .unwrap();
    let mut value = serde_json::to_value(e.snapshot()).unwrap();
    let timers = value["timers"].as_array_mut().unwrap();
    assert!(!timers.is_empty(), "a queued conversation arms its alerts");
    for t in timers.iter_mut() {
        t["at"] = serde_json::json!(5);
    }
    let snapshot = switchboard::engine::Snapshot::from_json(&value.to_string()).unwrap();
    let restored = Engine::restore(snapshot, switchboard::policy::LeastLoaded);
    assert!(
        matches!(
            restored,
            Err(switchboard::engine::RestoreError::Inconsistent(_))
        ),
        "a snapshot with mistimed alerts restored: {:?}",
        restored.map(|_| ())
    );
}

/// Found by `fuzz/snapshot_decode` (a snapshot missing the SLA warning of a
/// parked thread, then the customer writes): the audit did not check the
/// alerts of parked threads still without a first response, although they
/// resume with the same SLA generation, so restore accepted the snapshot and
/// the resumed thread had no warning pending.
#[test]
fn restore_accepted_parked_thread_without_alert_timers() {
    let mut e = engine();
    e.apply(
        Timestamp(0),
        Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
    )
    .unwrap();
    e.apply(Timestamp(1_000), open(1, 1, Channel::Sms, false))
        .unwrap();
    e.apply(
        Timestamp(2_000),
        Command::Park {
            conversation: ConversationId(1),
        },
    )
    .unwrap();
    e.audit().unwrap();
    let mut value = serde_json::to_value(e.snapshot()).unwrap();
    value["timers"]
        .as_array_mut()
        .unwrap()
        .retain(|t| t["kind"] != "SlaWarning");
    let snapshot = switchboard::engine::Snapshot::from_json(&value.to_string()).unwrap();
    let restored = Engine::restore(snapshot, switchboard::policy::LeastLoaded);
    assert!(
        restored.is_err(),
        "a parked thread without its pending alert restored"
    );
}

/// Bug (found by the `commands` fuzzer in CI after free-agent indexes became
/// lazy): a snapshot did not record index entries that lag (an agent listed
/// in one group although a later assignment in another group filled them).
/// Restore rebuilt exact entries, so after an offer timed out the restored
/// engine queued the conversation where the original offered it at once.
#[test]
fn restore_kept_lagging_free_agent_entries() {
    let config = EngineConfig::builder()
        .offer_timeout(Some(TimeSpan::from_secs(30)))
        .build()
        .expect("valid config");
    let mut engine = Engine::new(
        config,
        switchboard::policy::BuiltinPolicy::LeastLoaded.build(),
    )
    .unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
        )
        .unwrap();
    for (id, channel) in [(1, Channel::Sms), (2, Channel::WhatsApp)] {
        engine
            .apply(
                Timestamp(1_000 * id),
                Command::open(ConversationId(id), CustomerId(id)).channel(channel),
            )
            .unwrap();
    }
    let mut restored = Engine::restore(
        switchboard::Snapshot::from_json(&engine.snapshot().to_json().unwrap()).unwrap(),
        switchboard::policy::BuiltinPolicy::LeastLoaded.build(),
    )
    .unwrap();
    assert_eq!(restored.snapshot(), engine.snapshot());
    let at = Timestamp(60_000);
    assert_eq!(
        restored.apply(at, Command::Tick).unwrap(),
        engine.apply(at, Command::Tick).unwrap()
    );
    assert_eq!(restored.snapshot(), engine.snapshot());
}

/// Bug (found by the `snapshot_decode` fuzzer): timestamps past `i64::MAX`
/// wrapped to negative rank keys (`last_activity as i64`), so a later
/// activity ranked an agent *better* under `longest_idle`, breaking the
/// monotone-rank contract the lazy free-agent index relies on; the audit
/// reported a stale index. Rank keys now saturate.
#[test]
fn huge_timestamps_wrapped_rank_keys() {
    let mut engine = Engine::new(
        EngineConfig::default(),
        switchboard::policy::BuiltinPolicy::LongestIdle.build(),
    )
    .unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .unwrap();
    let late = Timestamp(i64::MAX as u64 + 10);
    engine.apply(late, open(1, 1, Channel::Sms, false)).unwrap();
    engine.audit().unwrap();
    engine
        .apply(
            late,
            Command::AgentMessage {
                conversation: ConversationId(1),
                agent: switchboard::AgentId(1),
            },
        )
        .unwrap();
    engine.audit().unwrap();
}

/// Bug (found by the `snapshot_decode` fuzzer in the CI run): the audit did
/// not check that an entry of an agent's own queue carries the
/// conversation's current ticket, so restore accepted a snapshot whose entry
/// had a stale one. When the agent freed up, the hand-over was refused as
/// stale and the conversation was left in no queue at all.
#[test]
fn restore_accepted_stale_ticket_in_agents_own_queue() {
    let mut engine = engine();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(1))),
        )
        .unwrap();
    engine
        .apply(Timestamp(1_000), open(1, 7, Channel::Sms, false))
        .unwrap();
    engine
        .apply(
            Timestamp(2_000),
            Command::AgentMessage {
                conversation: ConversationId(1),
                agent: switchboard::AgentId(1),
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(3_000), open(2, 8, Channel::Sms, false))
        .unwrap();
    engine
        .apply(
            Timestamp(4_000),
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(5_000), open(3, 7, Channel::Sms, false))
        .unwrap();
    // Snapshot format 2 keeps no own-queue entries (nor their tickets): an
    // agent's own queue is rebuilt from the conversations' places, so the
    // stale ticket of this bug cannot be written any more. What can still be
    // corrupted is the place itself: a wait for an agent that does not
    // exist must be refused, and the intact snapshot restores into an
    // engine that hands the waiting thread over when the agent frees up.
    let json = engine.snapshot().to_json().unwrap();
    assert!(!json.contains("\"personal\""), "{json}");
    assert!(!json.contains("\"ticket\""), "{json}");
    let marker = "\"WaitingFor\":{\"agent\":0,";
    assert!(
        json.contains(marker),
        "customer 7 waits for agent 1: {json}"
    );
    let stale = json.replacen(marker, "\"WaitingFor\":{\"agent\":99,", 1);
    let snapshot = switchboard::Snapshot::from_json(&stale).unwrap();
    assert!(Engine::restore(
        snapshot,
        switchboard::policy::BuiltinPolicy::LeastLoaded.build()
    )
    .is_err());
    let mut restored = Engine::restore(
        switchboard::Snapshot::from_json(&json).unwrap(),
        switchboard::policy::BuiltinPolicy::LeastLoaded.build(),
    )
    .unwrap();
    restored
        .apply(
            Timestamp(6_000),
            Command::Resolve {
                conversation: ConversationId(2),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    restored.audit().unwrap();
    assert_eq!(
        restored.assignee(ConversationId(3)).unwrap(),
        Some(switchboard::AgentId(1)),
        "the waiting thread was not handed over"
    );
}
