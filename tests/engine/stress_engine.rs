//! Stress: threads hammer one shared engine (a [`SharedEngine`]: the engine
//! is single-writer, so the callers are serialised by its mutex in whatever
//! order they arrive) with random commands (seeded per thread) for a bounded
//! time while an auditor thread audits and snapshots it mid-run. Afterwards:
//! the audit passes, no agent's load high-water mark ever exceeded the
//! largest cap it had, an agent's load is above its cap only when a cap was
//! lowered below the load (and has not grown since), every opened
//! conversation is in exactly one state and one place, and every move of a
//! live thread away from its agent was caused by a command that asks for it.
//!
//! `STRESS_SECS` sets the duration per configuration (default 5, so the
//! test takes about 10-15 s in CI); `STRESS_SEED` the base seed.
//!
//!   STRESS_SECS=300 cargo test --release --test engine stress_engine:: -- --nocapture

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};
use switchboard::engine::Snapshot;
use switchboard::policy::BuiltinPolicy;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Decision, Engine, EngineConfig, OpenConversations, Priority, RequeueReason, ResolveReason,
    SharedEngine, SkillId, SkillLevel, SkillRequirement, Tier, TimeSpan, Timestamp, TransferTarget,
};

const THREADS: usize = 4;
const AGENTS: u64 = 8;
const CUSTOMERS: u64 = 40;
const SKILLS: u32 = 3;

fn secs() -> u64 {
    std::env::var("STRESS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5)
}

fn seed() -> u64 {
    std::env::var("STRESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed)
}

/// What the threads share besides the engine.
struct Shared {
    engine: SharedEngine,
    /// The largest cap each agent was ever given, raised before the command
    /// that sets it is applied (so it bounds every load, even mid-race).
    max_cap: Vec<AtomicU32>,
    /// Per agent: the load reported by the latest `CapacityChanged` when it
    /// was above the new cap (the cap was lowered below the load), else 0.
    /// Written under the engine's lock, so it follows the apply order.
    over_cap_load: Vec<AtomicU32>,
    /// Next conversation id; ids below it have been (or are being) opened.
    next_conversation: AtomicU64,
    /// Host time, advanced by every command.
    clock: AtomicU64,
    stop: AtomicBool,
    applied: AtomicU64,
    refused: AtomicU64,
    /// Assigned/Offered decisions whose reported load exceeds their
    /// reported cap (a torn report, not a broken cap; printed).
    torn_reports: AtomicU64,
}

fn requirements(rng: &mut StdRng) -> Vec<SkillRequirement> {
    (0..rng.gen_range(0..=1))
        .map(|_| {
            SkillRequirement::new(SkillId(rng.gen_range(1..=SKILLS)), rng.gen_range(1..=5)).unwrap()
        })
        .collect()
}

fn agent_id(rng: &mut StdRng) -> AgentId {
    AgentId(rng.gen_range(1..=AGENTS))
}

/// One random command. Conversation commands pick any id opened so far, by
/// any thread, so threads contend on the same conversations and agents.
fn command(rng: &mut StdRng, s: &Shared) -> Command {
    let opened = s.next_conversation.load(Ordering::Relaxed);
    // Mostly the most recent few hundred ids (the live working set), so
    // resolves and transfers meet live threads; sometimes any id at all.
    let any = |rng: &mut StdRng| {
        let low = if rng.gen_ratio(9, 10) {
            opened.saturating_sub(300).max(1)
        } else {
            1
        };
        ConversationId(rng.gen_range(low..opened.max(2)))
    };
    // The owner, when the conversation has one, so that agent commands
    // mostly pass the ownership check.
    let owner = |rng: &mut StdRng, c: ConversationId| {
        s.engine
            .lock()
            .conversation(c)
            .ok()
            .and_then(|info| info.state.agent())
            .unwrap_or_else(|| agent_id(rng))
    };
    match rng.gen_range(0..100) {
        0..=15 => Command::open(
            ConversationId(s.next_conversation.fetch_add(1, Ordering::Relaxed)),
            CustomerId(rng.gen_range(1..=CUSTOMERS)),
        )
        .channel(Channel::ALL[rng.gen_range(0..8)])
        .tier(if rng.gen_ratio(1, 10) {
            Tier::Vip
        } else {
            Tier::Standard
        })
        .skills(requirements(rng))
        .priority([Priority::Low, Priority::Normal, Priority::High][rng.gen_range(0..3)])
        .start_in_bot(rng.gen_ratio(1, 8))
        .into(),
        16..=29 => Command::CustomerMessage {
            conversation: any(rng),
        },
        30..=37 => {
            let c = any(rng);
            Command::AgentMessage {
                conversation: c,
                agent: owner(rng, c),
            }
        }
        38..=41 => {
            let c = any(rng);
            Command::MarkSeen {
                conversation: c,
                agent: owner(rng, c),
            }
        }
        42..=47 => Command::Park {
            conversation: any(rng),
        },
        48..=59 => Command::Resolve {
            conversation: any(rng),
            reason: ResolveReason::Solved,
        },
        60..=63 => Command::Transfer {
            conversation: any(rng),
            to: if rng.gen() {
                TransferTarget::Agent(agent_id(rng))
            } else {
                TransferTarget::Skills(requirements(rng))
            },
        },
        64..=65 => Command::Escalate {
            conversation: any(rng),
            skills: rng.gen_ratio(1, 2).then(|| requirements(rng)),
            priority: None,
            attributes: None,
        },
        66..=67 => Command::SetPriority {
            conversation: any(rng),
            priority: Priority::Urgent,
        },
        68..=73 => {
            let c = any(rng);
            Command::AcceptOffer {
                conversation: c,
                agent: owner(rng, c),
            }
        }
        74..=75 => {
            let c = any(rng);
            Command::DeclineOffer {
                conversation: c,
                agent: owner(rng, c),
            }
        }
        76..=83 => Command::SetAgentStatus {
            agent: agent_id(rng),
            status: match rng.gen_range(0..10) {
                0..=5 => AgentStatus::Online,
                6 => AgentStatus::Away,
                7 => AgentStatus::Draining,
                _ => AgentStatus::Offline,
            },
        },
        84..=89 => {
            let agent = agent_id(rng);
            let cap = Capacity::units(rng.gen_range(1..=6));
            s.max_cap[(agent.0 - 1) as usize].fetch_max(cap.0, Ordering::SeqCst);
            Command::SetCapacity { agent, cap }
        }
        _ => Command::Tick,
    }
}

/// Checks that every decision moving a thread away from its agent was asked
/// for by the command that produced it, and that loads stay within caps.
fn check_causes(command: &Command, decisions: &[Decision]) {
    let target = match command {
        Command::Resolve { conversation, .. }
        | Command::Transfer { conversation, .. }
        | Command::Park { conversation }
        | Command::DeclineOffer { conversation, .. } => Some(*conversation),
        _ => None,
    };
    let offline = match command {
        Command::SetAgentStatus {
            agent,
            status: AgentStatus::Offline,
        } => Some(*agent),
        _ => None,
    };
    for d in decisions {
        let ok = match d {
            Decision::Requeued {
                conversation,
                from,
                reason,
                ..
            } => match reason {
                RequeueReason::AgentOffline => offline == Some(*from),
                RequeueReason::Declined => {
                    matches!(command, Command::DeclineOffer { .. }) && target == Some(*conversation)
                }
                RequeueReason::OfferTimedOut => matches!(command, Command::Tick),
                RequeueReason::Transfer => target == Some(*conversation),
                // A reason this test does not know was not asked for.
                _ => false,
            },
            Decision::Transferred { conversation, .. } => {
                matches!(command, Command::Transfer { .. }) && target == Some(*conversation)
            }
            Decision::Released { agent, .. } => offline == Some(*agent),
            Decision::Resolved { conversation, .. } => {
                matches!(command, Command::Resolve { .. }) && target == Some(*conversation)
            }
            Decision::Parked {
                conversation, auto, ..
            } => {
                if *auto {
                    matches!(command, Command::Tick)
                } else {
                    matches!(command, Command::Park { .. }) && target == Some(*conversation)
                }
            }
            // The reported pair is checked apart (see `torn_reports`).
            Decision::Assigned { .. } | Decision::Offered { .. } => true,
            _ => true,
        };
        assert!(
            ok,
            "{d:?} was not caused by {command:?} (a live thread moved unasked, or a cap broke)"
        );
    }
}

fn worker(s: &Shared, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    while !s.stop.load(Ordering::Relaxed) {
        let command = command(&mut rng, s);
        let at = Timestamp(s.clock.fetch_add(rng.gen_range(0..500), Ordering::Relaxed));
        let mut engine = s.engine.lock();
        let result = engine.apply(at, command.clone());
        if let Ok(decisions) = &result {
            for d in decisions {
                if let Decision::CapacityChanged { agent, load, cap } = d {
                    let over = if load > cap { load.0 } else { 0 };
                    s.over_cap_load[(agent.0 - 1) as usize].store(over, Ordering::SeqCst);
                }
            }
        }
        drop(engine);
        match result {
            Ok(decisions) => {
                s.applied.fetch_add(1, Ordering::Relaxed);
                check_causes(&command, &decisions);
                let torn = decisions
                    .iter()
                    .filter(|d| match d {
                        Decision::Assigned { load, cap, .. }
                        | Decision::Offered { load, cap, .. } => load > cap,
                        _ => false,
                    })
                    .count();
                s.torn_reports.fetch_add(torn as u64, Ordering::Relaxed);
            }
            Err(_) => {
                s.refused.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

fn hammer(offers: bool, policy: &str) {
    // Customers are drawn from a small pool: this test is about any
    // interleaving of callers, not the one-open-conversation rule (a refused
    // open would leave its id unopened).
    let mut config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config");
    if offers {
        config.offer_timeout = Some(TimeSpan::from_secs(20));
    }
    let mut engine = Engine::new(config, BuiltinPolicy::from_name(policy).unwrap()).unwrap();
    let mut max_cap = Vec::new();
    for a in 1..=AGENTS {
        let skills = (1..=SKILLS)
            .filter(|s| (a + u64::from(*s)) % 3 != 0)
            .map(|s| SkillLevel::new(SkillId(s), (a % 5 + 3) as u8).unwrap())
            .collect::<Vec<_>>();
        let cap = (a % 4 + 2) as u32;
        engine
            .apply(
                Timestamp(0),
                Command::AddAgent(AgentSpec::new(AgentId(a), Capacity::units(cap)).skills(skills)),
            )
            .unwrap();
        max_cap.push(AtomicU32::new(Capacity::units(cap).0));
    }
    let shared = Arc::new(Shared {
        engine: SharedEngine::new(engine),
        max_cap,
        over_cap_load: (1..=AGENTS).map(|_| AtomicU32::new(0)).collect(),
        next_conversation: AtomicU64::new(1),
        clock: AtomicU64::new(1),
        stop: AtomicBool::new(false),
        applied: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        torn_reports: AtomicU64::new(0),
    });
    let base = seed() ^ u64::from(offers);
    let started = Instant::now();
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let s = shared.clone();
            std::thread::spawn(move || worker(&s, base.wrapping_add(t as u64)))
        })
        .collect();
    // The auditor: audits and round-trips snapshots while the workers run.
    let auditor = {
        let s = shared.clone();
        std::thread::spawn(move || {
            let mut audits = 0u64;
            while !s.stop.load(Ordering::Relaxed) {
                let engine = s.engine.lock();
                if let Err(v) = engine.audit() {
                    panic!("mid-run audit failed: {v}");
                }
                audits += 1;
                if audits.is_multiple_of(20) {
                    let json = engine.snapshot().to_json().unwrap();
                    let policy = engine.policy_name().to_owned();
                    drop(engine);
                    let snap = Snapshot::from_json(&json).unwrap();
                    Engine::restore(snap, BuiltinPolicy::from_name(&policy).unwrap())
                        .unwrap_or_else(|e| panic!("mid-run snapshot does not restore: {e}"));
                }
                std::thread::sleep(StdDuration::from_millis(20));
            }
            audits
        })
    };
    std::thread::sleep(StdDuration::from_secs(secs()));
    shared.stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker panicked");
    }
    let audits = auditor.join().expect("auditor panicked");
    let elapsed = started.elapsed().as_secs_f64();
    let s = &*shared;
    let engine = s.engine.lock();
    let report = engine
        .audit()
        .unwrap_or_else(|v| panic!("final audit: {v}"));

    // Caps: no agent ever held more than the largest cap it was given.
    for a in 1..=AGENTS {
        let info = engine.agent(AgentId(a)).unwrap();
        let max = Capacity(s.max_cap[(a - 1) as usize].load(Ordering::SeqCst));
        assert!(
            info.load_high_water <= max,
            "agent {a}: high water {} over its largest cap {max}",
            info.load_high_water
        );
        // Above the cap only after the cap was lowered below the load, and
        // no higher than the load was then (no new work while over).
        let over = Capacity(s.over_cap_load[(a - 1) as usize].load(Ordering::SeqCst));
        assert!(
            info.load <= info.cap || info.load <= over,
            "agent {a}: load {} over cap {} (load when the cap was lowered: {over})",
            info.load,
            info.cap
        );
    }
    // Nothing lost, nothing double-assigned: every opened id exists, and
    // each live thread is in exactly its owner's lists.
    let opened = s.next_conversation.load(Ordering::SeqCst) - 1;
    let mut holder: HashMap<ConversationId, AgentId> = HashMap::new();
    for a in 1..=AGENTS {
        let info = engine.agent(AgentId(a)).unwrap();
        for c in info
            .active
            .iter()
            .chain(&info.parked)
            .chain(&info.waiting_for_agent)
        {
            if let Some(other) = holder.insert(*c, AgentId(a)) {
                panic!("{c} is held by both {other} and agent#{a}");
            }
        }
    }
    let mut states = 0usize;
    for id in 1..=opened {
        let c = ConversationId(id);
        let info = engine
            .conversation(c)
            .unwrap_or_else(|e| panic!("{c} was opened and is lost: {e}"));
        states += 1;
        if let Some(agent) = info.state.agent() {
            if !matches!(info.state, switchboard::ConversationState::Parked { .. })
                || holder.contains_key(&c)
            {
                assert_eq!(holder.get(&c), Some(&agent), "{c} misplaced");
            }
        }
    }
    let counted = report.bot
        + report.queued
        + report.offered
        + report.assigned
        + report.parked
        + report.resolved;
    assert_eq!(counted, states, "audit counts differ from the opened ids");
    // Regression: decisions once reported the load of the reservation with
    // the cap read later, at hand-over, so a concurrent cap change could show
    // load > cap in a trace although no cap was broken. Every assignment or
    // offer must report a load within its cap (new work only fits the cap,
    // also after a cap was lowered below the load).
    assert_eq!(
        s.torn_reports.load(Ordering::SeqCst),
        0,
        "a decision reported a load above its cap"
    );
    let applied = s.applied.load(Ordering::SeqCst);
    let refused = s.refused.load(Ordering::SeqCst);
    println!(
        "stress offers={offers} policy={policy} seed={base:#x}: {THREADS} threads, {:.1} s, {applied} applied + {refused} refused = {:.0} commands/s; {opened} conversations; {audits} mid-run audits; {} torn load/cap reports; final {report:?}",
        elapsed,
        (applied + refused) as f64 / elapsed,
        s.torn_reports.load(Ordering::SeqCst)
    );
}

#[test]
fn stress_direct_assignment_keeps_every_invariant() {
    hammer(false, "least_loaded");
}

#[test]
fn stress_offers_keeps_every_invariant() {
    hammer(true, "round_robin");
}
