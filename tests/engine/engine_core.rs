//! The single-writer core: determinism, snapshots in the middle of a
//! stream, real-time statistics, a misbehaving policy, and one regression
//! test per defect the redesign fixed (each named for the bug it pins).

use switchboard::policy::{AgentView, LeastLoaded, QueueView, Rank, RoutingPolicy};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, AssignVia, Capacity, Channel, Command, ConfigError,
    ConversationId, ConversationState, CustomerId, Decision, Engine, EngineConfig, EngineError,
    Level, OpenConversation, OpenConversations, Priority, RequeueReason, ResolveReason,
    SharedEngine, SkillId, SkillLevel, SkillRequirement, Snapshot, Tier, TimeSpan, Timestamp,
    TransferTarget,
};

/// SplitMix64: the stream is an input, replayed exactly from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn offers_config() -> EngineConfig {
    EngineConfig::builder()
        .offer_timeout(TimeSpan::from_secs(30))
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config")
}

/// A random but plausible command over small id spaces, so that commands
/// meet each other (same agents, same conversations) often.
fn random_command(rng: &mut Rng) -> Command {
    let agent = AgentId(1 + rng.below(6));
    let conversation = ConversationId(1 + rng.below(60));
    let skill = rng.below(3) as u32;
    match rng.below(20) {
        0 => Command::AddAgent(
            AgentSpec::new(agent, Capacity::units(1 + rng.below(4) as u32))
                .skills([SkillLevel::new(SkillId(skill), 1 + rng.below(10) as u8).unwrap()]),
        ),
        1 => Command::SetAgentStatus {
            agent,
            status: match rng.below(4) {
                0 => AgentStatus::Online,
                1 => AgentStatus::Away,
                2 => AgentStatus::Draining,
                _ => AgentStatus::Offline,
            },
        },
        2 => Command::SetCapacity {
            agent,
            cap: Capacity::units(1 + rng.below(4) as u32),
        },
        3..=5 => Command::open(conversation, CustomerId(1 + rng.below(12)))
            .channel(if rng.below(4) == 0 {
                Channel::Email
            } else {
                Channel::WhatsApp
            })
            .tier(if rng.below(10) == 0 {
                Tier::Vip
            } else {
                Tier::Standard
            })
            .skills([SkillRequirement::new(SkillId(skill), 1 + rng.below(5) as u8).unwrap()])
            .start_in_bot(rng.below(5) == 0)
            .into(),
        6 => Command::Escalate {
            conversation,
            skills: None,
            priority: Some(Priority::High),
            attributes: None,
        },
        7 | 8 => Command::CustomerMessage { conversation },
        9 | 10 => Command::AgentMessage {
            conversation,
            agent,
        },
        11 => Command::MarkSeen {
            conversation,
            agent,
        },
        12 => Command::Park { conversation },
        13 => Command::Resolve {
            conversation,
            reason: ResolveReason::Solved,
        },
        14 => Command::Transfer {
            conversation,
            to: if rng.below(2) == 0 {
                TransferTarget::Agent(agent)
            } else {
                TransferTarget::Skills(vec![SkillRequirement::at(SkillId(skill), Level::of::<1>())])
            },
        },
        15 => Command::AcceptOffer {
            conversation,
            agent,
        },
        16 => Command::DeclineOffer {
            conversation,
            agent,
        },
        17 => Command::SetPriority {
            conversation,
            priority: Priority::Urgent,
        },
        _ => Command::Tick,
    }
}

/// The stream: every command, its time and its outcome as JSON.
fn play(engine: &mut Engine, seed: u64, from: usize, to: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    let mut now = 0;
    for i in 0..to {
        now += rng.below(20_000);
        let command = random_command(&mut rng);
        if i < from {
            continue;
        }
        let outcome = match engine.apply(Timestamp(now), command) {
            Ok(decisions) => serde_json::to_string(&decisions).unwrap(),
            Err(e) => format!("error: {e}"),
        };
        engine
            .audit()
            .unwrap_or_else(|v| panic!("seed {seed} step {i}: {v}"));
        out.push(outcome);
    }
    out
}

#[test]
fn the_same_commands_give_byte_identical_decisions_and_snapshots_also_across_a_restore() {
    for seed in 0..20 {
        let mut a = Engine::new(offers_config(), LeastLoaded).unwrap();
        let mut b = Engine::new(offers_config(), LeastLoaded).unwrap();
        let whole_a = play(&mut a, seed, 0, 600);
        let whole_b = play(&mut b, seed, 0, 600);
        assert_eq!(whole_a, whole_b, "seed {seed}");
        let snap_a = a.snapshot().to_json().unwrap();
        assert_eq!(snap_a, b.snapshot().to_json().unwrap(), "seed {seed}");

        // Halfway, through JSON and back.
        let mut c = Engine::new(offers_config(), LeastLoaded).unwrap();
        let mut first = play(&mut c, seed, 0, 300);
        let json = c.snapshot().to_json().unwrap();
        let mut restored =
            Engine::restore(Snapshot::from_json(&json).unwrap(), LeastLoaded).unwrap();
        assert_eq!(restored.snapshot().to_json().unwrap(), json, "seed {seed}");
        first.extend(play(&mut restored, seed, 300, 600));
        assert_eq!(first, whole_a, "seed {seed}");
        assert_eq!(
            restored.snapshot().to_json().unwrap(),
            snap_a,
            "seed {seed}"
        );
    }
}

/// A policy whose rank is random at every call: it breaks the contract
/// (pure and monotone), which the engine must survive.
#[derive(Debug)]
struct Dice(std::sync::atomic::AtomicU64);

impl RoutingPolicy for Dice {
    fn name(&self) -> &str {
        "dice"
    }
    fn rank(&self, _: &AgentView<'_>, _: &QueueView<'_>) -> Rank {
        let mut r = Rng(self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        Rank::new([r.below(5) as i64, 0, 0])
    }
}

/// A policy that panics on some agents.
#[derive(Debug)]
struct Panicky;

impl RoutingPolicy for Panicky {
    fn name(&self) -> &str {
        "panicky"
    }
    fn rank(&self, agent: &AgentView<'_>, _: &QueueView<'_>) -> Rank {
        assert!(agent.id.0.is_multiple_of(2), "a policy bug");
        Rank::new([i64::from(agent.load_permille()), 0, 0])
    }
}

#[test]
fn misbehaving_policy_cannot_hang_or_crash_the_engine() {
    for seed in 0..10 {
        let mut engine = Engine::new(offers_config(), Dice(Default::default())).unwrap();
        play(&mut engine, seed, 0, 800);
        assert!(engine.stats().assignments > 0);
    }
    // Quiet for this thread's policy panics only: the other tests of the
    // binary run on other threads of this process and keep their messages.
    let hook: std::sync::Arc<dyn Fn(&std::panic::PanicHookInfo<'_>) + Send + Sync> =
        std::panic::take_hook().into();
    let quiet = std::thread::current().id();
    let others = std::sync::Arc::clone(&hook);
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != quiet {
            others(info);
        }
    }));
    let mut engine = Engine::new(offers_config(), Panicky).unwrap();
    for a in 1..=4 {
        engine
            .apply(
                Timestamp(0),
                Command::AddAgent(AgentSpec::new(AgentId(a), Capacity::units(2))),
            )
            .unwrap();
    }
    for i in 1..=12 {
        engine
            .apply(Timestamp(i), open(100 + i, 100 + i, Channel::Sms))
            .unwrap();
        engine.audit().unwrap();
    }
    for seed in 0..5 {
        play(&mut engine, seed, 0, 400);
    }
    std::panic::set_hook(Box::new(move |info| hook(info)));
    assert!(engine.stats().policy_faults > 0, "{:?}", engine.stats());
}

fn open(id: u64, customer: u64, channel: Channel) -> Command {
    Command::open(ConversationId(id), CustomerId(customer))
        .channel(channel)
        .into()
}

#[test]
fn regression_decliner_was_offered_almost_every_new_conversation_first() {
    let mut engine = Engine::new(offers_config(), LeastLoaded).unwrap();
    for a in 1..=4 {
        engine
            .apply(
                Timestamp(0),
                Command::AddAgent(AgentSpec::new(AgentId(a), Capacity::units(100))),
            )
            .unwrap();
    }
    let (mut first_to_decliner, mut declines) = (0, 0);
    for i in 1..=300u64 {
        let at = Timestamp(i * 1_000);
        for d in engine.apply(at, open(i, i, Channel::WhatsApp)).unwrap() {
            if let Decision::Offered {
                conversation,
                agent,
                ..
            } = d
            {
                if agent == AgentId(1) {
                    first_to_decliner += 1;
                    declines += 1;
                    engine
                        .apply(
                            at,
                            Command::DeclineOffer {
                                conversation,
                                agent,
                            },
                        )
                        .unwrap();
                } else {
                    engine
                        .apply(
                            at,
                            Command::AcceptOffer {
                                conversation,
                                agent,
                            },
                        )
                        .unwrap();
                }
            }
        }
        engine.audit().unwrap();
    }
    // Before the fix: 298 of 300. With a 2-minute cool-down the decliner is
    // offered at most once per 2 minutes (120 opens here).
    assert!(
        first_to_decliner <= 3,
        "offered first {first_to_decliner} times"
    );
    assert_eq!(engine.stats().declines, declines);
}

#[test]
fn regression_parked_thread_left_its_offline_agent_with_a_bare_queued() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(2))),
        )
        .unwrap();
    let c1 = ConversationId(1);
    engine
        .apply(Timestamp(1), open(1, 1, Channel::Sms))
        .unwrap();
    engine
        .apply(
            Timestamp(2),
            Command::AgentMessage {
                conversation: c1,
                agent: AgentId(1),
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(3), Command::Park { conversation: c1 })
        .unwrap();
    engine
        .apply(Timestamp(4), open(2, 2, Channel::Sms))
        .unwrap();
    // Load 1.25 (a parked quarter and a live thread); with the cap lowered
    // to 1 the parked thread cannot come back in place.
    engine
        .apply(
            Timestamp(5),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity::units(1),
            },
        )
        .unwrap();
    let d = engine
        .apply(Timestamp(7), Command::CustomerMessage { conversation: c1 })
        .unwrap();
    assert!(d.iter().any(|d| matches!(d, Decision::WaitingForAgent { conversation, until: None, .. } if *conversation == c1)), "{d:?}");
    let d = engine
        .apply(
            Timestamp(8),
            Command::SetAgentStatus {
                agent: AgentId(1),
                status: AgentStatus::Offline,
            },
        )
        .unwrap();
    assert!(
        d.iter().any(|d| matches!(d, Decision::Requeued { conversation, from, reason: RequeueReason::AgentOffline, .. } if *conversation == c1 && *from == AgentId(1))),
        "the move off the agent names the conversation and the reason: {d:?}"
    );
    engine.audit().unwrap();
}

/// Every change of a conversation's owner or place comes with a decision
/// naming it: a model built from the decisions alone agrees with the
/// engine after every command of random streams.
#[test]
fn every_change_of_place_comes_with_a_decision_that_names_it() {
    use std::collections::HashMap;
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Seen {
        Bot,
        Queued(Option<AgentId>),
        Offered(AgentId),
        Assigned(AgentId),
        Parked(Option<AgentId>),
        Resolved,
    }
    fn of(state: ConversationState) -> Seen {
        match state {
            ConversationState::Bot => Seen::Bot,
            ConversationState::Queued { for_agent } => Seen::Queued(for_agent),
            ConversationState::Offered { agent, .. } => Seen::Offered(agent),
            ConversationState::Assigned { agent } => Seen::Assigned(agent),
            ConversationState::Parked { agent } => Seen::Parked(agent),
            _ => Seen::Resolved,
        }
    }
    for seed in 0..30 {
        let mut engine = Engine::new(offers_config(), LeastLoaded).unwrap();
        let mut model: HashMap<ConversationId, Seen> = HashMap::new();
        let mut rng = Rng(seed);
        let mut now = 0;
        for step in 0..700 {
            now += rng.below(20_000);
            let command = random_command(&mut rng);
            let opened = match &command {
                Command::OpenConversation(OpenConversation {
                    conversation,
                    start_in_bot: true,
                    ..
                }) => Some(*conversation),
                _ => None,
            };
            let Ok(decisions) = engine.apply(Timestamp(now), command) else {
                continue;
            };
            if let Some(c) = opened {
                model.insert(c, Seen::Bot);
            }
            for d in &decisions {
                let (c, seen) = match *d {
                    Decision::Queued { conversation } => (conversation, Seen::Queued(None)),
                    Decision::WaitingForAgent {
                        conversation,
                        agent,
                        ..
                    } => (conversation, Seen::Queued(Some(agent))),
                    Decision::Offered {
                        conversation,
                        agent,
                        ..
                    } => (conversation, Seen::Offered(agent)),
                    Decision::Assigned {
                        conversation,
                        agent,
                        ..
                    }
                    | Decision::OfferAccepted {
                        conversation,
                        agent,
                    } => (conversation, Seen::Assigned(agent)),
                    Decision::Parked {
                        conversation,
                        agent,
                        ..
                    } => (conversation, Seen::Parked(Some(agent))),
                    Decision::Released { conversation, .. } => (conversation, Seen::Parked(None)),
                    Decision::Resolved { conversation, .. } => (conversation, Seen::Resolved),
                    // A move that is not yet a new place: the next decision
                    // about the conversation says where it went.
                    Decision::Requeued { conversation, .. }
                    | Decision::Transferred { conversation, .. } => {
                        (conversation, Seen::Queued(None))
                    }
                    _ => continue,
                };
                model.insert(c, seen);
            }
            for (c, seen) in &model {
                let actual = of(engine.conversation(*c).unwrap().state);
                assert_eq!(actual, *seen, "seed {seed} step {step}: {c} decisions say {seen:?}, engine says {actual:?}: {decisions:?}");
            }
        }
    }
}

#[test]
fn regression_cap_lowered_below_the_load_was_refused_forever() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .unwrap();
    for i in 1..=6 {
        engine
            .apply(Timestamp(i), open(i, i, Channel::Sms))
            .unwrap();
    }
    // Four live threads and a backlog of two: lowering the cap to 2 is
    // accepted at once and reported with the load above it.
    let d = engine
        .apply(
            Timestamp(10),
            Command::SetCapacity {
                agent: AgentId(1),
                cap: Capacity::units(2),
            },
        )
        .unwrap();
    assert_eq!(
        d,
        vec![Decision::CapacityChanged {
            agent: AgentId(1),
            load: Capacity::units(4),
            cap: Capacity::units(2)
        }]
    );
    engine.audit().unwrap();
    // Threads ending bring the load down; no new work until it is under
    // the new cap.
    let mut assigned = Vec::new();
    for (t, c) in [(11, 1), (12, 2), (13, 3)] {
        let d = engine
            .apply(
                Timestamp(t),
                Command::Resolve {
                    conversation: ConversationId(c),
                    reason: ResolveReason::Solved,
                },
            )
            .unwrap();
        assigned.push(
            d.iter()
                .filter(|d| matches!(d, Decision::Assigned { .. }))
                .count(),
        );
        engine.audit().unwrap();
        let agent = engine.agent(AgentId(1)).unwrap();
        assert!(agent.load <= Capacity::units(4));
    }
    // Load 4 -> 3 (no room) -> 2 (no room) -> 1: the backlog's head fits.
    assert_eq!(assigned, vec![0, 0, 1]);
    assert_eq!(engine.agent(AgentId(1)).unwrap().load, Capacity::units(2));
}

#[test]
fn regression_huge_response_target_passed_validate_and_then_overflowed() {
    let config = {
        let mut config = EngineConfig::default();
        config.response_target = TimeSpan(u64::MAX / 2);
        config
    };
    assert!(matches!(
        config.validate(),
        Err(ConfigError::TooLong {
            setting: "response_target",
            ..
        })
    ));
    assert!(Engine::new(config, LeastLoaded).is_err());
    for (name, config) in [
        ("class_head_start", {
            let mut config = EngineConfig::default();
            config.class_head_start = TimeSpan(u64::MAX);
            config
        }),
        ("affinity_window", {
            let mut config = EngineConfig::default();
            config.affinity_window = TimeSpan(u64::MAX);
            config
        }),
        ("sticky_wait", {
            let mut config = EngineConfig::default();
            config.sticky_wait = TimeSpan(u64::MAX);
            config
        }),
        ("offer_timeout", {
            let mut config = EngineConfig::default();
            config.offer_timeout = Some(TimeSpan(u64::MAX));
            config
        }),
        ("auto_park_after", {
            let mut config = EngineConfig::default();
            config.auto_park_after = Some(TimeSpan(u64::MAX));
            config
        }),
        ("decline_cooldown", {
            let mut config = EngineConfig::default();
            config.decline_cooldown = TimeSpan(u64::MAX);
            config
        }),
    ] {
        assert!(
            matches!(config.validate(), Err(ConfigError::TooLong { setting, .. }) if setting == name),
            "{name}"
        );
    }
    // The longest accepted settings with the latest timestamps do not
    // overflow anywhere.
    let max = switchboard::engine::MAX_SETTING;
    let config = EngineConfig::builder()
        .response_target(max)
        .class_head_start(max)
        .affinity_window(max)
        .sticky_wait(max)
        .offer_timeout(Some(max))
        .auto_park_after(Some(max))
        .build()
        .expect("valid config");
    let mut engine = Engine::new(config, LeastLoaded).unwrap();
    let late = Timestamp(u64::MAX - 5);
    engine
        .apply(
            late,
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(1))),
        )
        .unwrap();
    engine.apply(late, open(1, 1, Channel::Sms)).unwrap();
    engine.apply(Timestamp(u64::MAX), Command::Tick).unwrap();
    engine.audit().unwrap();
}

#[test]
fn regression_snapshot_to_json_hid_errors_as_an_empty_string() {
    let engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    let json: Result<String, serde_json::Error> = engine.snapshot().to_json();
    let json = json.unwrap();
    assert!(!json.is_empty());
    assert!(Snapshot::from_json(&json).is_ok());
}

#[test]
fn regression_a_second_open_for_the_same_customer_created_a_second_conversation() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .unwrap();
    engine
        .apply(Timestamp(1_000), open(1, 7, Channel::WhatsApp))
        .unwrap();
    let before = engine.snapshot();
    let refused = engine.apply(Timestamp(1_200), open(2, 7, Channel::WhatsApp));
    assert_eq!(
        refused,
        Err(EngineError::CustomerHasOpenConversation {
            customer: CustomerId(7),
            open: ConversationId(1),
            channel: Channel::WhatsApp
        })
    );
    assert_eq!(engine.snapshot(), before, "a refusal changes nothing");
    assert_eq!(
        engine.open_conversations(CustomerId(7)).unwrap(),
        vec![ConversationId(1)]
    );
    // Another channel is allowed by default; resolving frees the channel.
    engine
        .apply(Timestamp(1_300), open(3, 7, Channel::Sms))
        .unwrap();
    engine
        .apply(
            Timestamp(1_400),
            Command::Resolve {
                conversation: ConversationId(1),
                reason: ResolveReason::Solved,
            },
        )
        .unwrap();
    engine
        .apply(Timestamp(1_500), open(4, 7, Channel::WhatsApp))
        .unwrap();
    assert_eq!(
        engine.open_conversations(CustomerId(7)).unwrap(),
        vec![ConversationId(3), ConversationId(4)]
    );
    engine.audit().unwrap();

    let across = EngineConfig::builder()
        .open_conversations(OpenConversations::OneAcrossChannels)
        .build()
        .expect("valid config");
    let mut engine = Engine::new(across, LeastLoaded).unwrap();
    engine
        .apply(Timestamp(1), open(1, 7, Channel::WhatsApp))
        .unwrap();
    assert!(matches!(
        engine.apply(Timestamp(2), open(2, 7, Channel::Sms)),
        Err(EngineError::CustomerHasOpenConversation {
            open: ConversationId(1),
            ..
        })
    ));
    let any = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config");
    let mut engine = Engine::new(any, LeastLoaded).unwrap();
    engine
        .apply(Timestamp(1), open(1, 7, Channel::WhatsApp))
        .unwrap();
    engine
        .apply(Timestamp(2), open(2, 7, Channel::WhatsApp))
        .unwrap();
    assert_eq!(engine.open_conversations(CustomerId(7)).unwrap().len(), 2);
}

#[test]
fn a_refused_command_is_handed_back_for_a_retry() {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded).unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(1), Capacity::units(4))),
        )
        .unwrap();
    engine
        .apply(
            Timestamp(0),
            Command::AddAgent(AgentSpec::new(AgentId(2), Capacity::units(4))),
        )
        .unwrap();
    engine
        .apply(Timestamp(1), open(1, 1, Channel::Sms))
        .unwrap();
    engine
        .apply(
            Timestamp(2),
            Command::SetAgentStatus {
                agent: AgentId(2),
                status: AgentStatus::Away,
            },
        )
        .unwrap();
    let transfer = Command::Transfer {
        conversation: ConversationId(1),
        to: TransferTarget::Agent(AgentId(2)),
    };
    let rejected = engine
        .try_apply(Timestamp(3), transfer.clone())
        .unwrap_err();
    assert!(rejected.error.is_retriable(), "{}", rejected.error);
    assert_eq!(rejected.command, transfer);
    engine
        .apply(
            Timestamp(4),
            Command::SetAgentStatus {
                agent: AgentId(2),
                status: AgentStatus::Online,
            },
        )
        .unwrap();
    engine.try_apply(Timestamp(5), rejected.command).unwrap();
    assert!(matches!(
        engine.conversation(ConversationId(1)).unwrap().state,
        ConversationState::Assigned { agent: AgentId(2) }
    ));
}

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
fn a_shared_engine_serialises_callers_and_keeps_every_cap() {
    let shared = std::sync::Arc::new(SharedEngine::new(
        Engine::new(offers_config(), LeastLoaded).unwrap(),
    ));
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let shared = shared.clone();
            s.spawn(move || {
                let mut rng = Rng(t);
                for i in 0..400 {
                    let _ = shared.apply(Timestamp(i * 100), random_command(&mut rng));
                }
            });
        }
    });
    shared.lock().audit().unwrap();
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

/// Found in review: the audit checked SLA timers only, so a snapshot whose
/// known-agent wait had lost its timer restored, and the returning customer
/// would have waited for that agent forever.
#[test]
fn regression_restore_accepted_a_known_agent_wait_without_its_timer() {
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
    engine
        .apply(Timestamp(6), open(4, 5, Channel::Sms))
        .unwrap();
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
