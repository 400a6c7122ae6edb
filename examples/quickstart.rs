//! A tour of the engine in one run: two agents, a few customers, sticky
//! return, a parked thread, SLA alerts. `cargo run --example quickstart`

use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentId, AgentSpec, Capacity, Channel, Command, ConversationId, CustomerId, Engine,
    EngineConfig, Level, ResolveReason, SkillId, Tier, TimeSpan, Timestamp,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded)?;
    let billing = SkillId(1);
    let mut now = Timestamp(0);
    let mut show = |at: Timestamp, command: Command| -> Result<(), switchboard::EngineError> {
        println!("{:>8} {}", at.0 / 1000, command.name());
        for decision in engine.apply(at, command)? {
            println!(
                "           -> {}",
                serde_json::to_string(&decision).unwrap_or_default()
            );
        }
        Ok(())
    };
    show(
        now,
        Command::AddAgent(
            AgentSpec::new(AgentId(1), Capacity::units(2)).skill(billing, Level::of::<8>()),
        ),
    )?;
    show(
        now,
        Command::AddAgent(
            AgentSpec::new(AgentId(2), Capacity::units(4)).skill(billing, Level::of::<5>()),
        ),
    )?;
    for c in 1..=4u64 {
        now = now + TimeSpan::from_secs(30);
        show(
            now,
            Command::open(ConversationId(c), CustomerId(100 + c))
                .tier(if c == 4 { Tier::Vip } else { Tier::Standard })
                .skill(billing, Level::of::<3>())
                .into(),
        )?;
    }
    now = now + TimeSpan::from_secs(60);
    show(
        now,
        Command::AgentMessage {
            conversation: ConversationId(1),
            agent: 1.into(),
        },
    )?;
    show(
        now,
        Command::Park {
            conversation: ConversationId(1),
        },
    )?;
    now = now + TimeSpan::from_mins(10);
    show(now, Command::Tick)?;
    show(
        now,
        Command::CustomerMessage {
            conversation: ConversationId(1),
        },
    )?;
    show(
        now,
        Command::Resolve {
            conversation: ConversationId(1),
            reason: ResolveReason::Solved,
        },
    )?;
    now = now + TimeSpan::from_hours(5);
    show(
        now,
        Command::open(ConversationId(5), CustomerId(101))
            .channel(Channel::Sms)
            .skill(billing, Level::of::<3>())
            .into(),
    )?;
    println!("inbox of agent 1: {:?}", engine.inbox(1.into())?);
    println!("audit: {:?}", engine.audit()?);
    println!("stats: {:?}", engine.stats());
    Ok(())
}
