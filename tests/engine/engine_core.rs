//! The single-writer core: determinism, snapshots in the middle of a
//! stream, a misbehaving policy, every change of place named by a
//! decision, and a shared engine. Its regression tests are in
//! `engine_core_regressions.rs` and `engine_core_state.rs`.

use switchboard::policy::{AgentView, LeastLoaded, QueueView, Rank, RoutingPolicy};
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, ConversationState,
    CustomerId, Decision, Engine, EngineConfig, Level, OpenConversation, OpenConversations,
    Priority, ResolveReason, SharedEngine, SkillId, SkillLevel, SkillRequirement, Snapshot, Tier,
    TimeSpan, Timestamp, TransferTarget,
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

pub(super) fn open(id: u64, customer: u64, channel: Channel) -> Command {
    Command::open(ConversationId(id), CustomerId(customer))
        .channel(channel)
        .into()
}

pub(super) fn offers_config() -> EngineConfig {
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
