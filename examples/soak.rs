//! Soak: does a long-running engine's memory stay flat? (issue 21)
//!
//! Drives one engine through `--hours` of simulated time (default 1): every
//! simulated second `--rate` conversations (default 20) from customers
//! never seen before, on a rotating channel and skill, every other one also
//! naming a skill never named before (a new skill group no agent serves, as
//! a host bug naming a new skill set per conversation would), each resolved
//! two minutes after it opened; a purge every simulated minute forgets what
//! was resolved before it (and, past the ten-minute affinity window, the
//! customers). Every five simulated minutes it prints the engine's counts
//! and the process's resident memory (Linux `/proc/self/status`). Flat
//! means the last half's figures stay within noise of the first half's.
//!
//! `ci/soak.sh` runs it (release build; not in CI: a few minutes).

use std::collections::VecDeque;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    Engine, EngineConfig, Level, ResolveReason, SkillId, TimeSpan, Timestamp,
};

/// Resident memory in KiB, when the OS tells.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let hours = arg("--hours", 1);
    let rate = arg("--rate", 20);
    let config = EngineConfig::builder()
        .affinity_window(TimeSpan::from_mins(10))
        .auto_park_after(None)
        .build()?;
    let mut engine = Engine::new(config, switchboard::policy::BuiltinPolicy::LeastLoaded)?;
    let channels = [Channel::WhatsApp, Channel::Sms, Channel::Email];
    for a in 0..200u64 {
        let mut spec = AgentSpec::new(AgentId(a), Capacity::units(10)).status(AgentStatus::Online);
        for s in 0..5u32 {
            spec = spec.skill(SkillId(s), Level::MAX);
        }
        engine.apply(Timestamp(0), Command::AddAgent(spec))?;
    }
    let second = 1_000u64;
    let hold = 120 * second;
    let end = hours * 3_600 * second;
    // Conversations to resolve, in opening order (each two minutes later).
    let mut open: VecDeque<(u64, u64)> = VecDeque::new();
    let mut next_id = 0u64;
    let mut refused = 0u64;
    println!("| simulated | conversations held | customers | skill groups | opened | RSS KiB |");
    println!("|---|---|---|---|---|---|");
    let mut at = second;
    while at <= end {
        for _ in 0..rate {
            next_id += 1;
            let mut open_one = Command::open(ConversationId(next_id), CustomerId(next_id))
                .channel(channels[(next_id % 3) as usize])
                .skill(SkillId((next_id % 5) as u32), Level::MIN);
            if next_id.is_multiple_of(2) {
                // Reclaimed once resolved and purged (`state/reclaim.rs`).
                open_one = open_one.skill(SkillId(1_000 + next_id as u32), Level::MIN);
            }
            let command: Command = open_one.into();
            match engine.apply(Timestamp(at), command) {
                Ok(_) => open.push_back((next_id, at + hold)),
                Err(_) => refused += 1,
            }
        }
        while let Some(&(id, due)) = open.front() {
            if due > at {
                break;
            }
            open.pop_front();
            let resolve = Command::Resolve {
                conversation: ConversationId(id),
                reason: ResolveReason::Solved,
            };
            engine.apply(Timestamp(at), resolve)?;
        }
        if at.is_multiple_of(60 * second) {
            engine.apply(Timestamp(at), Command::Tick)?;
            engine.apply(
                Timestamp(at),
                Command::Purge {
                    resolved_before: Timestamp(at),
                },
            )?;
        }
        if at.is_multiple_of(300 * second) {
            println!(
                "| {} min | {} | {} | {} | {} | {} |",
                at / 60_000,
                engine.conversation_count(),
                engine.customer_count(),
                engine.group_stats().len(),
                next_id,
                rss_kib().map_or("n/a".to_owned(), |k| k.to_string()),
            );
        }
        at += second;
    }
    engine.audit()?;
    println!("refused: {refused}; audit clean");
    Ok(())
}
