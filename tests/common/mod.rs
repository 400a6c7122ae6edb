//! Helpers shared by the engine tests.
#![allow(dead_code)]

use switchboard::policy::{self, RoutingPolicy};
use switchboard::*;

pub const BILLING: u32 = 1;
pub const TECH: u32 = 2;

pub fn engine_with(config: EngineConfig, policy: &str) -> Engine {
    Engine::new(config, policy::by_name(policy).expect("built-in policy")).expect("valid config")
}

pub fn engine() -> Engine {
    engine_with(EngineConfig::default(), "least_loaded")
}

pub fn boxed(name: &str) -> Box<dyn RoutingPolicy> {
    policy::by_name(name).expect("built-in policy")
}

pub fn ms(secs: u64) -> Timestamp {
    Timestamp(secs * 1000)
}

pub fn agent(e: &mut Engine, id: u64, skills: &[(u32, u8)], cap: u32) -> Vec<Decision> {
    let skills = skills.iter().map(|&(s, l)| SkillLevel::new(s, l)).collect();
    e.apply(
        Timestamp(0),
        Command::AddAgent(AgentSpec::new(id, skills, cap)),
    )
    .expect("agent registers")
}

pub fn open_cmd(id: u64, customer: u64, skills: &[(u32, u8)], priority: Priority) -> Command {
    Command::OpenConversation {
        conversation: ConversationId(id),
        customer: CustomerId(customer),
        tier: Tier::Standard,
        channel: Channel::WhatsApp,
        skills: skills
            .iter()
            .map(|&(s, l)| SkillRequirement::new(s, l))
            .collect(),
        priority,
        start_in_bot: false,
    }
}

pub fn open(
    e: &mut Engine,
    at: Timestamp,
    id: u64,
    customer: u64,
    skills: &[(u32, u8)],
) -> Vec<Decision> {
    e.apply(at, open_cmd(id, customer, skills, Priority::Normal))
        .expect("open accepted")
}

/// The agent a conversation is assigned to, if any.
pub fn owner(e: &Engine, id: u64) -> Option<u64> {
    match e.conversation(ConversationId(id))?.state {
        ConversationState::Assigned { agent } | ConversationState::Offered { agent, .. } => {
            Some(agent.0)
        }
        _ => None,
    }
}

pub fn state(e: &Engine, id: u64) -> StateKind {
    e.conversation(ConversationId(id))
        .expect("known")
        .state
        .kind()
}

pub fn assigned_to(decisions: &[Decision], conversation: u64) -> Option<u64> {
    decisions.iter().find_map(|d| match d {
        Decision::Assigned {
            conversation: c,
            agent,
            ..
        }
        | Decision::Offered {
            conversation: c,
            agent,
            ..
        } if c.0 == conversation => Some(agent.0),
        _ => None,
    })
}

pub fn audited(e: &Engine) {
    if let Err(v) = e.audit() {
        panic!("audit failed: {v}");
    }
}

pub fn resolve(e: &mut Engine, at: Timestamp, id: u64) -> Vec<Decision> {
    e.apply(
        at,
        Command::Resolve {
            conversation: ConversationId(id),
            reason: ResolveReason::Solved,
        },
    )
    .expect("resolve accepted")
}
