//! Decoding a fuzz input into engine configurations, times and commands,
//! over a small id space (4 agents, 12 conversations, 5 customers, 3
//! skills) so that random bytes reach deep states instead of failing on
//! unknown ids.

use arbitrary::{Result, Unstructured};
use switchboard::policy::BuiltinPolicy;
use switchboard::{
    AgentId, AgentSpec, AgentStatus, Capacity, Channel, Command, ConversationId, CustomerId,
    EngineConfig, Level, Priority, ResolveReason, SkillId, SkillLevel, SkillRequirement, Tier,
    TimeSpan, Timestamp, TransferTarget,
};

const AGENTS: u64 = 4;
const CONVERSATIONS: u64 = 12;
const CUSTOMERS: u64 = 5;
const SKILLS: u32 = 3;

/// A config and policy chosen by the input's first bytes: every built-in
/// policy, offer mode on or off, parked weight, auto-park, affinity.
pub fn decode_config(u: &mut Unstructured<'_>) -> Result<(EngineConfig, &'static str)> {
    let flags: u8 = u.arbitrary()?;
    let names = BuiltinPolicy::names();
    let policy = names[usize::from(flags & 3)];
    let mut config = EngineConfig::default();
    if flags & 4 != 0 {
        config.offer_timeout = Some(TimeSpan::from_secs(30));
    }
    config.away_on_missed_offer = flags & 8 != 0;
    config.parked_weight_permille = if flags & 16 != 0 { 0 } else { 250 };
    if flags & 32 != 0 {
        config.auto_park_after = None;
    }
    config.vip_boost = flags & 64 != 0;
    if flags & 128 != 0 {
        config.sticky_wait = TimeSpan::from_secs(5);
        config.response_target = TimeSpan::from_secs(60);
    }
    Ok((config, policy))
}

/// The next timestamp: usually forward by a small step, sometimes by hours,
/// sometimes backwards (hosts may deliver late events).
pub fn decode_time(u: &mut Unstructured<'_>, now: &mut u64) -> Result<Timestamp> {
    let step: u8 = u.arbitrary()?;
    *now = match step >> 6 {
        0 => *now,
        1 => now.saturating_add(u64::from(step & 63) * 1_000),
        2 => now.saturating_add(u64::from(step & 63) * 60_000),
        _ if step & 32 != 0 => now.saturating_add(u64::from(step & 31) * 3_600_000),
        _ => now.saturating_sub(u64::from(step & 31) * 10_000),
    };
    Ok(Timestamp(*now))
}

fn agent(u: &mut Unstructured<'_>) -> Result<AgentId> {
    Ok(AgentId(u.int_in_range(1..=AGENTS)?))
}

fn conversation(u: &mut Unstructured<'_>) -> Result<ConversationId> {
    Ok(ConversationId(u.int_in_range(1..=CONVERSATIONS)?))
}

fn level(u: &mut Unstructured<'_>) -> Result<u8> {
    // A level outside 1..=10 can no longer reach the engine: the checked
    // constructors must refuse it (`Level::of` checks literals when the
    // program is compiled), and the command goes on with the level clamped
    // into range.
    let raw: u8 = u.int_in_range(0..=15)?;
    if !(1..=10).contains(&raw) {
        assert!(
            SkillLevel::new(SkillId(1), raw).is_err()
                && SkillRequirement::new(SkillId(1), raw).is_err(),
            "level {raw} was accepted"
        );
    }
    Ok(raw.clamp(1, 10))
}

fn requirements(u: &mut Unstructured<'_>) -> Result<Vec<SkillRequirement>> {
    let n = u.int_in_range(0..=2)?;
    (0..n)
        .map(|_| {
            let skill = SkillId(u.int_in_range(1..=SKILLS)?);
            Ok(SkillRequirement::at(
                skill,
                Level::new(level(u)?).unwrap_or(Level::MIN),
            ))
        })
        .collect()
}

fn capacity(u: &mut Unstructured<'_>) -> Result<Capacity> {
    let raw: u8 = u.arbitrary()?;
    Ok(match raw {
        0..=199 => Capacity::units(u32::from(raw % 7)),
        200..=249 => Capacity(u32::from(raw) * 10),
        _ => Capacity(u.arbitrary()?),
    })
}

fn channel(u: &mut Unstructured<'_>) -> Result<Channel> {
    Ok(Channel::ALL[u.int_in_range(0..=7)?])
}

fn status(u: &mut Unstructured<'_>) -> Result<AgentStatus> {
    Ok([
        AgentStatus::Online,
        AgentStatus::Away,
        AgentStatus::Offline,
        AgentStatus::Draining,
    ][u.int_in_range(0..=3)?])
}

fn priority(u: &mut Unstructured<'_>) -> Result<Priority> {
    Ok([
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ][u.int_in_range(0..=3)?])
}

/// One command over the small id space.
pub fn decode_command(u: &mut Unstructured<'_>) -> Result<Command> {
    let kind: u8 = u.int_in_range(0..=16)?;
    Ok(match kind {
        0 => {
            // Read in the order the fields were always decoded, so the
            // corpus keeps meaning the same commands.
            let id = agent(u)?;
            let skills = (0..u.int_in_range(0..=3)?)
                .map(|_| {
                    let skill = SkillId(u.int_in_range(1..=SKILLS)?);
                    Ok(SkillLevel::at(
                        skill,
                        Level::new(level(u)?).unwrap_or(Level::MIN),
                    ))
                })
                .collect::<Result<Vec<_>>>()?;
            let cap = capacity(u)?;
            let channels = if u.arbitrary()? {
                Some(vec![channel(u)?, channel(u)?])
            } else {
                None
            };
            let mut spec = AgentSpec::new(id, cap).skills(skills).status(status(u)?);
            spec.channels = channels;
            Command::AddAgent(spec)
        }
        1 => Command::SetAgentStatus {
            agent: agent(u)?,
            status: status(u)?,
        },
        2 => Command::SetCapacity {
            agent: agent(u)?,
            cap: capacity(u)?,
        },
        3 | 4 => Command::open(conversation(u)?, CustomerId(u.int_in_range(1..=CUSTOMERS)?))
            .channel(channel(u)?)
            .tier(if u.arbitrary()? {
                Tier::Vip
            } else {
                Tier::Standard
            })
            .skills(requirements(u)?)
            .priority(priority(u)?)
            .start_in_bot(u.ratio(1, 4)?)
            .into(),
        5 => Command::Escalate {
            conversation: conversation(u)?,
            skills: if u.arbitrary()? {
                Some(requirements(u)?)
            } else {
                None
            },
            priority: if u.arbitrary()? {
                Some(priority(u)?)
            } else {
                None
            },
            attributes: None,
        },
        6 => Command::CustomerMessage {
            conversation: conversation(u)?,
        },
        7 => Command::AgentMessage {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        8 => Command::MarkSeen {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        9 => Command::Park {
            conversation: conversation(u)?,
        },
        10 => Command::Resolve {
            conversation: conversation(u)?,
            reason: [
                ResolveReason::Solved,
                ResolveReason::BotContained,
                ResolveReason::Abandoned,
                ResolveReason::Expired,
            ][u.int_in_range(0..=3)?],
        },
        11 => Command::Transfer {
            conversation: conversation(u)?,
            to: if u.arbitrary()? {
                TransferTarget::Agent(agent(u)?)
            } else {
                TransferTarget::Skills(requirements(u)?)
            },
        },
        12 => Command::SetPriority {
            conversation: conversation(u)?,
            priority: priority(u)?,
        },
        13 => Command::AcceptOffer {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        14 => Command::DeclineOffer {
            conversation: conversation(u)?,
            agent: agent(u)?,
        },
        15 => Command::Purge {
            resolved_before: Timestamp(u.arbitrary()?),
        },
        _ => Command::Tick,
    })
}
