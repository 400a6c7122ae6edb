//! Seeded chaos driver: a contact-centre event stream with faults injected
//! between the world and the engine, as a flaky host would deliver it.
//!
//!   cargo run --release --example chaos -- --seed 7 --events 50000
//!
//! Faults: duplicated events, late events (held back and delivered after
//! later ones, with their original timestamp), agents dropping
//! mid-conversation (going offline, back later), clock jumps forward (hours)
//! and backwards (a timestamp older than the engine has seen). The engine
//! must refuse what no longer applies with a typed error and keep every
//! invariant: the audit runs after every delivered command, each decision's
//! load is within its cap, and a live thread leaves its agent only through
//! the command that asks for it. Prints the seed, faults by kind, commands
//! refused by error kind, and violations (must be 0; the exit status is 1
//! otherwise). The same seed prints the same output.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, VecDeque};
use switchboard::policy::BuiltinPolicy;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, ConversationState,
    CustomerId, Decision, Engine, EngineConfig, Priority, RequeueReason, ResolveReason, SkillId,
    SkillLevel, SkillRequirement, Tier, TimeSpan, Timestamp,
};

const AGENTS: u64 = 12;
const SKILLS: u32 = 3;

/// What a run injected, refused and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Clean events the world produced.
    pub generated: u64,
    /// Commands delivered to the engine (after duplication and delay).
    pub delivered: u64,
    /// Commands the engine accepted.
    pub accepted: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// Refused commands, by error kind.
    pub refused: BTreeMap<String, u64>,
    /// Decisions, by kind.
    pub decisions: BTreeMap<&'static str, u64>,
    /// Invariant violations (audit failures, caps, unasked moves).
    pub violations: Vec<String>,
    /// The final audit, as text.
    pub final_audit: String,
}

fn error_kind(e: &switchboard::EngineError) -> String {
    let text = format!("{e:?}");
    text.split([' ', '(', '{']).next().unwrap_or("?").to_owned()
}

/// Runs `events` clean events from the seeded world through the faulty
/// delivery layer into a fresh engine.
pub fn run(seed: u64, events: u64) -> Report {
    let mut rng = StdRng::seed_from_u64(seed);
    let config = EngineConfig::builder()
        .offer_timeout(rng.gen_ratio(1, 2).then(|| TimeSpan::from_secs(45)))
        .build()
        .expect("valid config");
    let policy = BuiltinPolicy::ALL[rng.gen_range(0..BuiltinPolicy::ALL.len())];
    let mut engine = Engine::new(config, policy).expect("valid config");
    let mut report = Report {
        seed,
        ..Report::default()
    };
    let mut now = Timestamp(0);
    let mut next_conversation = 1u64;
    // Late events waiting to be delivered: (deliver after this many steps, at, command).
    let mut late: VecDeque<(u64, Timestamp, Command)> = VecDeque::new();
    let mut dropped: Vec<(Timestamp, AgentId)> = Vec::new();

    let mut world: Vec<(Timestamp, Command)> = Vec::new();
    let mut followups: Vec<Command> = Vec::new();
    for a in 1..=AGENTS {
        let skills = (1..=SKILLS)
            .filter(|s| (a + u64::from(*s)) % 3 != 0)
            .map(|s| SkillLevel::new(SkillId(s), rng.gen_range(3..=9)).unwrap())
            .collect::<Vec<_>>();
        world.push((
            now,
            Command::AddAgent(
                AgentSpec::new(AgentId(a), Capacity::units(rng.gen_range(2..=6))).skills(skills),
            ),
        ));
    }
    for step in 0..events {
        // The clean world: time moves on a few seconds per event.
        now = now + TimeSpan::from_millis(rng.gen_range(0..4_000));
        let open_ids = next_conversation.saturating_sub(400).max(1)..next_conversation.max(2);
        let pick = |rng: &mut StdRng| ConversationId(rng.gen_range(open_ids.clone()));
        let owner = |c: ConversationId| engine.conversation(c).ok().and_then(|i| i.state.agent());
        let command = match rng.gen_range(0..100) {
            0..=19 => {
                let id = next_conversation;
                next_conversation += 1;
                Command::open(ConversationId(id), CustomerId(rng.gen_range(1..=300)))
                    .channel(Channel::ALL[rng.gen_range(0..8)])
                    .tier(if rng.gen_ratio(1, 10) {
                        Tier::Vip
                    } else {
                        Tier::Standard
                    })
                    .skills([SkillRequirement::new(
                        SkillId(rng.gen_range(1..=SKILLS)),
                        rng.gen_range(1..=4),
                    )
                    .unwrap()])
                    .priority(
                        [Priority::Low, Priority::Normal, Priority::High][rng.gen_range(0..3)],
                    )
                    .start_in_bot(rng.gen_ratio(1, 5))
                    .into()
            }
            20..=34 => Command::CustomerMessage {
                conversation: pick(&mut rng),
            },
            35..=54 => {
                let c = pick(&mut rng);
                match (owner(c), engine.conversation(c).ok().map(|i| i.state)) {
                    (Some(agent), Some(ConversationState::Offered { .. })) => {
                        Command::AcceptOffer {
                            conversation: c,
                            agent,
                        }
                    }
                    (Some(agent), _) if rng.gen_ratio(1, 3) => Command::MarkSeen {
                        conversation: c,
                        agent,
                    },
                    (Some(agent), _) => Command::AgentMessage {
                        conversation: c,
                        agent,
                    },
                    (None, _) => Command::Escalate {
                        conversation: c,
                        skills: None,
                        priority: None,
                        attributes: None,
                    },
                }
            }
            55..=62 => {
                let c = pick(&mut rng);
                match (owner(c), engine.conversation(c).ok().map(|i| i.state)) {
                    (Some(agent), Some(ConversationState::Offered { .. })) => {
                        if rng.gen_ratio(4, 5) {
                            Command::AcceptOffer {
                                conversation: c,
                                agent,
                            }
                        } else {
                            Command::DeclineOffer {
                                conversation: c,
                                agent,
                            }
                        }
                    }
                    _ => Command::Park { conversation: c },
                }
            }
            63..=79 => Command::Resolve {
                conversation: pick(&mut rng),
                reason: if rng.gen_ratio(1, 10) {
                    ResolveReason::Abandoned
                } else {
                    ResolveReason::Solved
                },
            },
            80..=83 => Command::SetAgentStatus {
                agent: AgentId(rng.gen_range(1..=AGENTS)),
                status: [
                    AgentStatus::Online,
                    AgentStatus::Online,
                    AgentStatus::Online,
                    AgentStatus::Online,
                    AgentStatus::Away,
                    AgentStatus::Draining,
                ][rng.gen_range(0..6)],
            },
            _ => Command::Tick,
        };
        world.push((now, command));
        world.extend(followups.drain(..).map(|c| (now, c)));
        // Agents dropping mid-conversation, and coming back later.
        if rng.gen_ratio(1, 100) {
            let agent = AgentId(rng.gen_range(1..=AGENTS));
            let busy = engine.agent(agent).is_ok_and(|i| !i.active.is_empty());
            if busy {
                *report.faults.entry("agent_drop").or_default() += 1;
                world.push((
                    now,
                    Command::SetAgentStatus {
                        agent,
                        status: AgentStatus::Offline,
                    },
                ));
                dropped.push((now + TimeSpan::from_mins(rng.gen_range(5..60)), agent));
            }
        }
        while let Some(&(back, agent)) = dropped.first() {
            if back > now {
                break;
            }
            dropped.remove(0);
            world.push((
                now,
                Command::SetAgentStatus {
                    agent,
                    status: AgentStatus::Online,
                },
            ));
        }
        if rng.gen_ratio(1, 500) {
            *report.faults.entry("clock_jump_forward").or_default() += 1;
            now = now + TimeSpan::from_hours(rng.gen_range(1..=6));
            world.push((now, Command::Tick));
        }

        // The faulty delivery layer.
        for (mut at, command) in world.drain(..) {
            report.generated += 1;
            if rng.gen_ratio(1, 200) {
                *report.faults.entry("clock_backwards").or_default() += 1;
                at = at - TimeSpan::from_secs(rng.gen_range(1..=600));
            }
            if rng.gen_ratio(3, 100) {
                *report.faults.entry("late").or_default() += 1;
                late.push_back((step + rng.gen_range(1..=20), at, command));
                continue;
            }
            if rng.gen_ratio(3, 100) {
                *report.faults.entry("duplicate").or_default() += 1;
                deliver(
                    &mut engine,
                    at,
                    command.clone(),
                    &mut report,
                    &mut followups,
                );
            }
            deliver(&mut engine, at, command, &mut report, &mut followups);
        }
        while late.front().is_some_and(|(due, _, _)| *due <= step) {
            if let Some((_, at, command)) = late.pop_front() {
                deliver(&mut engine, at, command, &mut report, &mut followups);
            }
        }
    }
    for (_, at, command) in std::mem::take(&mut late) {
        deliver(&mut engine, at, command, &mut report, &mut followups);
    }
    report.final_audit = match engine.audit() {
        Ok(audit) => format!("{audit:?}"),
        Err(v) => {
            report.violations.push(format!("final audit: {v}"));
            format!("FAILED: {v}")
        }
    };
    report
}

/// Delivers one command, counts the outcome, and checks the invariants.
fn deliver(
    engine: &mut Engine,
    at: Timestamp,
    command: Command,
    report: &mut Report,
    followups: &mut Vec<Command>,
) {
    report.delivered += 1;
    match engine.apply(at, command.clone()) {
        Ok(decisions) => {
            report.accepted += 1;
            for d in &decisions {
                *report.decisions.entry(d.name()).or_default() += 1;
                // Agents answer most offers on the world's next step.
                if let Decision::Offered {
                    conversation,
                    agent,
                    ..
                } = d
                {
                    if conversation.0 % 10 != 0 {
                        followups.push(Command::AcceptOffer {
                            conversation: *conversation,
                            agent: *agent,
                        });
                    }
                }
                let ok = match d {
                    Decision::Assigned { load, cap, .. } | Decision::Offered { load, cap, .. } => {
                        load <= cap
                    }
                    Decision::Requeued {
                        from,
                        reason: RequeueReason::AgentOffline,
                        ..
                    } => matches!(
                        command,
                        Command::SetAgentStatus { agent, status: AgentStatus::Offline } if agent == *from
                    ),
                    Decision::Transferred { .. } => matches!(command, Command::Transfer { .. }),
                    _ => true,
                };
                if !ok {
                    report
                        .violations
                        .push(format!("{d:?} after {command:?} at {at}"));
                }
            }
        }
        Err(e) => *report.refused.entry(error_kind(&e)).or_default() += 1,
    }
    if let Err(v) = engine.audit() {
        if report.violations.len() < 20 {
            report
                .violations
                .push(format!("audit after {command:?} at {at}: {v}"));
        }
    }
}

fn main() {
    let mut seed = 1u64;
    let mut events = 20_000u64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        match (pair[0].as_str(), pair.get(1).and_then(|v| v.parse().ok())) {
            ("--seed", Some(v)) => seed = v,
            ("--events", Some(v)) => events = v,
            _ => {
                eprintln!("usage: chaos [--seed N] [--events N]");
                std::process::exit(2);
            }
        }
    }
    let r = run(seed, events);
    println!(
        "chaos seed={} events generated={} delivered={} accepted={}",
        r.seed, r.generated, r.delivered, r.accepted
    );
    println!("faults injected: {} total", r.faults.values().sum::<u64>());
    for (kind, n) in &r.faults {
        println!("  {kind:<20} {n}");
    }
    println!(
        "commands refused with typed errors: {} total",
        r.refused.values().sum::<u64>()
    );
    for (kind, n) in &r.refused {
        println!("  {kind:<24} {n}");
    }
    println!("decisions:");
    for (kind, n) in &r.decisions {
        println!("  {kind:<22} {n}");
    }
    println!("final audit: {}", r.final_audit);
    println!("invariant violations: {}", r.violations.len());
    for v in &r.violations {
        println!("  {v}");
    }
    if !r.violations.is_empty() {
        println!(
            "replay with: cargo run --release --example chaos -- --seed {} --events {events}",
            r.seed
        );
        std::process::exit(1);
    }
}
