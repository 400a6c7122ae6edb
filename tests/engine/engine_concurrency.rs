//! Many threads at once: no cap ever exceeded (high-water mark), nothing
//! lost or double-assigned, and the audit passes afterwards.
use crate::common;
use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::thread;
use switchboard::*;

const THREADS: u64 = 4;
const PER_THREAD: u64 = 3_000;
const AGENTS: u64 = 12;

#[test]
fn concurrent_commands_never_break_a_cap_or_lose_a_conversation() {
    for policy in ["least_loaded", "round_robin"] {
        let config = EngineConfig::builder()
            .parked_weight_permille(500)
            .open_conversations(OpenConversations::Unlimited)
            .build()
            .expect("valid config");
        let mut engine = engine_with(config, policy);
        for a in 0..AGENTS {
            let skills = [(BILLING, 5), (TECH, 5)];
            agent(
                &mut engine,
                a,
                &skills[..(a % 2 + 1) as usize],
                1 + (a % 4) as u32,
            );
        }
        // The engine is single-writer; the threads share it through
        // SharedEngine and the invariants must hold under any interleaving.
        let e = Arc::new(SharedEngine::new(engine));
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let e = Arc::clone(&e);
                thread::spawn(move || {
                    let mut rng = StdRng::seed_from_u64(t);
                    let base = t * 1_000_000;
                    let mut opened = 0u64;
                    for i in 0..PER_THREAD {
                        let at = Timestamp(i * 1000);
                        let c = base + rng.gen_range(0..opened.max(1));
                        let command = match rng.gen_range(0..10) {
                            0..=2 => {
                                opened += 1;
                                let skill = [(BILLING, 1), (TECH, 1)][rng.gen_range(0..2)];
                                open_cmd(
                                    base + opened - 1,
                                    rng.gen_range(0..50),
                                    &[skill],
                                    Priority::Normal,
                                )
                            }
                            3 => Command::Resolve {
                                conversation: ConversationId(c),
                                reason: ResolveReason::Solved,
                            },
                            4 => Command::Park {
                                conversation: ConversationId(c),
                            },
                            5 => Command::CustomerMessage {
                                conversation: ConversationId(c),
                            },
                            6 => Command::AgentMessage {
                                conversation: ConversationId(c),
                                agent: AgentId(rng.gen_range(0..AGENTS)),
                            },
                            7 => Command::SetAgentStatus {
                                agent: AgentId(rng.gen_range(0..AGENTS)),
                                status: [
                                    AgentStatus::Online,
                                    AgentStatus::Away,
                                    AgentStatus::Offline,
                                    AgentStatus::Online,
                                ][rng.gen_range(0..4)],
                            },
                            8 => Command::Transfer {
                                conversation: ConversationId(c),
                                to: TransferTarget::Agent(AgentId(rng.gen_range(0..AGENTS))),
                            },
                            _ => Command::Tick,
                        };
                        if let Ok(decisions) = e.apply(at, command) {
                            for d in decisions {
                                if let Decision::Assigned { load, cap, .. } = d {
                                    assert!(load <= cap, "{d:?}");
                                }
                            }
                        }
                    }
                    opened
                })
            })
            .collect();
        let opened: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        let e = e.lock();
        audited(&e);
        assert_eq!(
            e.conversation_count() as u64,
            opened,
            "a conversation was lost"
        );
        for a in 0..AGENTS {
            let info = e.agent(AgentId(a)).unwrap();
            assert!(
                info.load_high_water <= info.cap,
                "agent {a}: high water {} over cap {}",
                info.load_high_water,
                info.cap
            );
            assert!(info.load_high_water > Capacity::ZERO);
        }
        let report = e.audit().unwrap();
        assert_eq!(
            report.bot
                + report.queued
                + report.offered
                + report.assigned
                + report.parked
                + report.resolved,
            opened as usize
        );
    }
}
