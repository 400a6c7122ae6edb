//! A tour of the engine in one run: two agents, a few customers, sticky
//! return, a parked thread, SLA alerts. `cargo run --example quickstart`

use switchboard::policy::LeastLoaded;
use switchboard::{
    AgentSpec, Channel, Command, ConversationId, CustomerId, Duration, Engine, EngineConfig,
    Priority, ResolveReason, SkillLevel, SkillRequirement, Tier, Timestamp,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut engine = Engine::new(EngineConfig::default(), LeastLoaded)?;
    let billing = 1;
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
        Command::AddAgent(AgentSpec::new(1, vec![SkillLevel::new(billing, 8)], 2)),
    )?;
    show(
        now,
        Command::AddAgent(AgentSpec::new(2, vec![SkillLevel::new(billing, 5)], 4)),
    )?;
    for c in 1..=4u64 {
        now = now + Duration::from_secs(30);
        show(
            now,
            Command::OpenConversation {
                conversation: ConversationId(c),
                customer: CustomerId(100 + c),
                tier: if c == 4 { Tier::Vip } else { Tier::Standard },
                channel: Channel::WhatsApp,
                skills: vec![SkillRequirement::new(billing, 3)],
                priority: Priority::Normal,
                start_in_bot: false,
            },
        )?;
    }
    now = now + Duration::from_secs(60);
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
    now = now + Duration::from_mins(10);
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
    now = now + Duration::from_hours(5);
    show(
        now,
        Command::OpenConversation {
            conversation: ConversationId(5),
            customer: CustomerId(101),
            tier: Tier::Standard,
            channel: Channel::Sms,
            skills: vec![SkillRequirement::new(billing, 3)],
            priority: Priority::Normal,
            start_in_bot: false,
        },
    )?;
    println!("inbox of agent 1: {:?}", engine.inbox(1.into())?);
    println!("audit: {:?}", engine.audit()?);
    println!("stats: {:?}", engine.stats());
    Ok(())
}
