//! Helpers shared by the engine tests.
#![allow(dead_code)]

use switchboard::policy::{self, RoutingPolicy};
use switchboard::*;

pub const BILLING: u32 = 1;
pub const TECH: u32 = 2;

pub fn engine_with(config: EngineConfig, policy: &str) -> Engine {
    Engine::new(
        config,
        policy::BuiltinPolicy::from_name(policy)
            .expect("built-in policy")
            .build(),
    )
    .expect("valid config")
}

pub fn engine() -> Engine {
    engine_with(EngineConfig::default(), "least_loaded")
}

pub fn boxed(name: &str) -> Box<dyn RoutingPolicy> {
    policy::BuiltinPolicy::from_name(name)
        .expect("built-in policy")
        .build()
}

pub fn ms(secs: u64) -> Timestamp {
    Timestamp(secs * 1000)
}

pub fn agent(e: &mut Engine, id: u64, skills: &[(u32, u8)], cap: u32) -> Vec<Decision> {
    let skills = skills
        .iter()
        .map(|&(s, l)| SkillLevel::new(SkillId(s), l).unwrap());
    e.apply(
        Timestamp(0),
        Command::AddAgent(AgentSpec::new(AgentId(id), Capacity::units(cap)).skills(skills)),
    )
    .expect("agent registers")
}

pub fn open_cmd(id: u64, customer: u64, skills: &[(u32, u8)], priority: Priority) -> Command {
    Command::open(ConversationId(id), CustomerId(customer))
        .skills(
            skills
                .iter()
                .map(|&(s, l)| SkillRequirement::new(SkillId(s), l).unwrap()),
        )
        .priority(priority)
        .into()
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
    match e.conversation(ConversationId(id)).ok()?.state {
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
    decisions
        .iter()
        .filter_map(Decision::assignee)
        .find(|(c, _)| c.0 == conversation)
        .map(|(_, agent)| agent.0)
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

/// Sets `agent`'s status at `at`.
pub fn set_status(e: &mut Engine, at: Timestamp, agent: u64, status: AgentStatus) -> Vec<Decision> {
    e.apply(
        at,
        Command::SetAgentStatus {
            agent: AgentId(agent),
            status,
        },
    )
    .expect("status accepted")
}

/// Sets `plan` at `at`, expects it refused as invalid, checks the engine
/// unchanged, and returns the problems named.
pub fn refused_plan(
    e: &mut Engine,
    at: Timestamp,
    plan: switchboard::plan::Plan,
) -> Vec<switchboard::plan::PlanProblem> {
    let before = e.snapshot();
    let err = e.apply(at, Command::set_plan(plan)).unwrap_err();
    assert_eq!(e.snapshot(), before, "a refused plan changes nothing");
    match err {
        EngineError::Plan(p) => match *p {
            switchboard::plan::PlanError::Invalid(problems) => problems,
            other => panic!("{other}"),
        },
        other => panic!("{other}"),
    }
}

/// A configuration whose no-answer rule reassigns after a minute without
/// a first reply, at most `max_hops` times, then keeps and warns.
pub fn no_answer_config(max_hops: u32) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.workload.no_answer = Some(NoAnswerRule {
        after: TimeSpan::from_secs(60),
        set_away: false,
        max_hops,
        last: NoAnswerFinal::KeepAndWarn,
    });
    config
}
