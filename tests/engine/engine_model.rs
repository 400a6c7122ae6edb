//! State-machine test: random command sequences (valid and invalid, with
//! time jumps) applied to the engine and to a deliberately simple reference
//! model. The model predicts every error and every state the engine cannot
//! choose; where the engine chooses (which agent), the model checks that the
//! choice was legal. After every step the two agree on each conversation's
//! state and each agent's load, and the audit passes.
//!
//! Levels are generated within `1..=10` only: an out-of-range level can no
//! longer be built (see `engine_errors::skill_levels_out_of_range`). A cap
//! lowered below the load is accepted; the agent then takes no new work
//! until the load plus the thread's weight fits the cap.

use crate::common;
use common::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use switchboard::*;

const AGENTS: u64 = 4;
const CONVERSATIONS: u64 = 10;
const SKILLS: u32 = 2;

#[derive(Clone, Debug)]
enum Step {
    AddAgent {
        id: u64,
        cap: u32,
        skill: u32,
        level: u8,
    },
    Status {
        id: u64,
        status: AgentStatus,
    },
    Cap {
        id: u64,
        cap: u32,
    },
    Open {
        id: u64,
        customer: u64,
        skill: Option<(u32, u8)>,
        bot: bool,
        email: bool,
        vip: bool,
    },
    Escalate {
        id: u64,
    },
    Customer {
        id: u64,
    },
    Agent {
        id: u64,
        agent: u64,
    },
    Park {
        id: u64,
    },
    Resolve {
        id: u64,
    },
    ToGroup {
        id: u64,
        skill: u32,
    },
    ToAgent {
        id: u64,
        agent: u64,
    },
    Tick {
        jump_secs: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let status = prop_oneof![
        Just(AgentStatus::Online),
        Just(AgentStatus::Away),
        Just(AgentStatus::Offline),
        Just(AgentStatus::Draining)
    ];
    let conv = 0..CONVERSATIONS;
    let agent = 0..AGENTS + 1;
    prop_oneof![
        1 => (agent.clone(), 0u32..5, 0..SKILLS, 1u8..=10)
            .prop_map(|(id, cap, skill, level)| Step::AddAgent { id, cap, skill, level }),
        1 => (agent.clone(), status).prop_map(|(id, status)| Step::Status { id, status }),
        1 => (agent.clone(), 0u32..6).prop_map(|(id, cap)| Step::Cap { id, cap }),
        3 => (conv.clone(), 0u64..4, proptest::option::of((0..SKILLS, 1u8..=10)), any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(id, customer, skill, bot, email, vip)| Step::Open { id, customer, skill, bot, email, vip }),
        1 => conv.clone().prop_map(|id| Step::Escalate { id }),
        2 => conv.clone().prop_map(|id| Step::Customer { id }),
        2 => (conv.clone(), agent.clone()).prop_map(|(id, agent)| Step::Agent { id, agent }),
        1 => conv.clone().prop_map(|id| Step::Park { id }),
        2 => conv.clone().prop_map(|id| Step::Resolve { id }),
        1 => (conv.clone(), 0..SKILLS).prop_map(|(id, skill)| Step::ToGroup { id, skill }),
        1 => (conv.clone(), agent).prop_map(|(id, agent)| Step::ToAgent { id, agent }),
        1 => (0u64..4000).prop_map(|jump_secs| Step::Tick { jump_secs }),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum MState {
    Bot,
    Queued(Option<u64>),
    Assigned(u64),
    Parked(Option<u64>),
    Resolved,
}

#[derive(Clone, Debug)]
struct MAgent {
    cap: u32,
    skill: u32,
    level: u8,
    status: AgentStatus,
}

#[derive(Clone, Debug)]
struct MConv {
    state: MState,
    skill: Option<(u32, u8)>,
    weight: u32,
}

#[derive(Default)]
struct Model {
    agents: BTreeMap<u64, MAgent>,
    convs: BTreeMap<u64, MConv>,
}

impl Model {
    fn load(&self, agent: u64) -> u32 {
        self.convs
            .values()
            .map(|c| match c.state {
                MState::Assigned(a) if a == agent => c.weight,
                MState::Parked(Some(a)) if a == agent => c.weight / 4,
                _ => 0,
            })
            .sum()
    }

    fn eligible(&self, agent: u64, conv: &MConv) -> bool {
        let a = &self.agents[&agent];
        conv.skill.is_none_or(|(s, l)| a.skill == s && a.level >= l)
    }

    /// The error the engine must give, by its name, or `None` if accepted.
    fn predict(&self, step: &Step) -> Option<&'static str> {
        let valid_cap = |cap: u32| cap > 0 && cap <= 100;
        let conv = |id: &u64| self.convs.get(id);
        let kind = |id: &u64| conv(id).map(|c| c.state);
        match step {
            Step::AddAgent { id, cap, .. } => {
                if !valid_cap(*cap) {
                    Some("InvalidCapacity")
                } else if self.agents.contains_key(id) {
                    Some("DuplicateAgent")
                } else {
                    None
                }
            }
            Step::Status { id, .. } => (!self.agents.contains_key(id)).then_some("UnknownAgent"),
            Step::Cap { id, cap } => {
                if !self.agents.contains_key(id) {
                    Some("UnknownAgent")
                } else if !valid_cap(*cap) {
                    Some("InvalidCapacity")
                } else {
                    // Also below the current load: accepted.
                    None
                }
            }
            Step::Open { id, .. } => {
                if self.convs.contains_key(id) {
                    Some("DuplicateConversation")
                } else {
                    None
                }
            }
            Step::Escalate { id } => match kind(id) {
                None => Some("UnknownConversation"),
                Some(MState::Bot) => None,
                Some(_) => Some("InvalidTransition"),
            },
            Step::Customer { id } | Step::Resolve { id } => match kind(id) {
                None => Some("UnknownConversation"),
                Some(MState::Resolved) => Some("InvalidTransition"),
                Some(_) => None,
            },
            // A command naming an agent and a conversation checks the
            // agent first (as transfers to an agent always did).
            Step::Agent { agent, .. } if !self.agents.contains_key(agent) => Some("UnknownAgent"),
            Step::Agent { id, agent } => match kind(id) {
                None => Some("UnknownConversation"),
                Some(MState::Assigned(a)) if a == *agent => None,
                Some(MState::Assigned(_)) => Some("NotOwner"),
                Some(_) => Some("InvalidTransition"),
            },
            Step::Park { id } => match kind(id) {
                None => Some("UnknownConversation"),
                Some(MState::Assigned(_)) => None,
                Some(_) => Some("InvalidTransition"),
            },
            Step::ToGroup { id, .. } => match kind(id) {
                None => Some("UnknownConversation"),
                Some(MState::Bot | MState::Resolved) => Some("InvalidTransition"),
                Some(_) => None,
            },
            Step::ToAgent { id, agent } => {
                let Some(a) = self.agents.get(agent) else {
                    return Some("UnknownAgent");
                };
                let Some(c) = conv(id) else {
                    return Some("UnknownConversation");
                };
                match c.state {
                    MState::Bot | MState::Resolved => Some("InvalidTransition"),
                    MState::Assigned(x) | MState::Parked(Some(x)) | MState::Queued(Some(x))
                        if x == *agent =>
                    {
                        Some("AlreadyWithAgent")
                    }
                    _ if a.status != AgentStatus::Online => Some("AgentUnavailable"),
                    _ if !self.eligible(*agent, c) => Some("NotEligible"),
                    _ if c.weight > a.cap * 1000 => Some("NeverFits"),
                    _ => None,
                }
            }
            Step::Tick { .. } => None,
        }
    }
}

fn error_name(e: &EngineError) -> &'static str {
    match e {
        EngineError::UnknownAgent(_) => "UnknownAgent",
        EngineError::DuplicateAgent(_) => "DuplicateAgent",
        EngineError::UnknownConversation(_) => "UnknownConversation",
        EngineError::DuplicateConversation(_) => "DuplicateConversation",
        EngineError::InvalidCapacity { .. } => "InvalidCapacity",
        EngineError::InvalidTransition { .. } => "InvalidTransition",
        EngineError::AlreadyWithAgent { .. } => "AlreadyWithAgent",
        EngineError::CustomerHasOpenConversation { .. } => "CustomerHasOpenConversation",
        EngineError::NotOwner { .. } => "NotOwner",
        EngineError::AgentUnavailable { .. } => "AgentUnavailable",
        EngineError::NotEligible { .. } => "NotEligible",
        EngineError::NeverFits { .. } => "NeverFits",
        _ => "other",
    }
}

fn command(step: &Step) -> Command {
    let req = |s: u32, l: u8| SkillRequirement::new(SkillId(s), l).unwrap();
    match step.clone() {
        Step::AddAgent {
            id,
            cap,
            skill,
            level,
        } => Command::AddAgent(
            AgentSpec::new(AgentId(id), Capacity::units(cap)).skills([SkillLevel::new(
                SkillId(skill),
                level,
            )
            .unwrap()]),
        ),
        Step::Status { id, status } => Command::SetAgentStatus {
            agent: AgentId(id),
            status,
        },
        Step::Cap { id, cap } => Command::SetCapacity {
            agent: AgentId(id),
            cap: Capacity::units(cap),
        },
        Step::Open {
            id,
            customer,
            skill,
            bot,
            email,
            vip,
        } => Command::open(ConversationId(id), CustomerId(customer))
            .channel(if email { Channel::Email } else { Channel::Sms })
            .tier(if vip { Tier::Vip } else { Tier::Standard })
            .skills(skill.map(|(s, l)| req(s, l)))
            .start_in_bot(bot)
            .into(),
        Step::Escalate { id } => Command::Escalate {
            conversation: ConversationId(id),
            skills: None,
            priority: None,
            attributes: None,
        },
        Step::Customer { id } => Command::CustomerMessage {
            conversation: ConversationId(id),
        },
        Step::Agent { id, agent } => Command::AgentMessage {
            conversation: ConversationId(id),
            agent: AgentId(agent),
        },
        Step::Park { id } => Command::Park {
            conversation: ConversationId(id),
        },
        Step::Resolve { id } => Command::Resolve {
            conversation: ConversationId(id),
            reason: ResolveReason::Solved,
        },
        Step::ToGroup { id, skill } => Command::Transfer {
            conversation: ConversationId(id),
            to: TransferTarget::Skills(vec![req(skill, 1)]),
        },
        Step::ToAgent { id, agent } => Command::Transfer {
            conversation: ConversationId(id),
            to: TransferTarget::Agent(AgentId(agent)),
        },
        Step::Tick { .. } => Command::Tick,
    }
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    // Customers are drawn from a pool of four: the model is about states
    // and loads, not the one-open-conversation-per-channel rule.
    let config = EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .build()
        .expect("valid config");
    let mut e = engine_with(config, "least_loaded");
    let mut model = Model::default();
    let mut now = 0u64;
    for step in &steps {
        if let Step::Tick { jump_secs } = step {
            now += jump_secs * 1000;
        } else {
            now += 1000;
        }
        let expected = model.predict(step);
        let loads_before: BTreeMap<u64, u32> =
            model.agents.keys().map(|&a| (a, model.load(a))).collect();
        let before = expected.map(|_| e.snapshot());
        let result = e.apply(Timestamp(now), command(step));
        match (expected, result) {
            (Some(name), Err(err)) => {
                prop_assert_eq!(name, error_name(&err), "step {:?}", step);
                prop_assert!(
                    before == Some(e.snapshot()),
                    "refused {:?} changed the state",
                    step
                );
            }
            (Some(name), Ok(d)) => prop_assert!(
                false,
                "{:?} accepted ({:?}), model expected {}",
                step,
                d,
                name
            ),
            (None, Err(err)) => prop_assert!(false, "{:?} refused: {}", step, err),
            (None, Ok(decisions)) => apply_to_model(&mut model, step, &decisions)?,
        }
        for (id, c) in &model.convs {
            let info = e.conversation(ConversationId(*id)).unwrap();
            let engine_state = match info.state {
                ConversationState::Bot => MState::Bot,
                ConversationState::Queued { for_agent } => MState::Queued(for_agent.map(|a| a.0)),
                ConversationState::Assigned { agent }
                | ConversationState::Offered { agent, .. } => MState::Assigned(agent.0),
                ConversationState::Parked { agent } => MState::Parked(agent.map(|a| a.0)),
                ConversationState::Resolved { .. } => MState::Resolved,
                other => {
                    return Err(TestCaseError::fail(format!(
                        "conversation {id} in a state the model does not know: {other:?}"
                    )))
                }
            };
            prop_assert_eq!(
                engine_state,
                c.state,
                "conversation {} after {:?}",
                id,
                step
            );
        }
        for (id, a) in &model.agents {
            let info = e.agent(AgentId(*id)).unwrap();
            prop_assert_eq!(
                info.load.0,
                model.load(*id),
                "load of agent {} after {:?}",
                id,
                step
            );
            // Within the cap, or (the cap was lowered below the load) not
            // grown: an agent over the cap takes no new work.
            prop_assert!(
                info.load.0 <= a.cap * 1000
                    || loads_before.get(id).is_some_and(|&b| info.load.0 <= b),
                "agent {} over cap {} with load {} after {:?}",
                id,
                a.cap,
                info.load.0,
                step
            );
            prop_assert_eq!(info.status, a.status);
        }
        if let Err(v) = e.audit() {
            prop_assert!(false, "audit after {:?}: {}", step, v);
        }
    }
    Ok(())
}

/// Updates the model with what it can predict, and from the engine's
/// decisions where the engine chooses, checking each choice was legal.
fn apply_to_model(
    model: &mut Model,
    step: &Step,
    decisions: &[Decision],
) -> Result<(), TestCaseError> {
    match step {
        Step::AddAgent {
            id,
            cap,
            skill,
            level,
        } => {
            model.agents.insert(
                *id,
                MAgent {
                    cap: *cap,
                    skill: *skill,
                    level: *level,
                    status: AgentStatus::Online,
                },
            );
        }
        Step::Status { id, status } => model.agents.get_mut(id).unwrap().status = *status,
        Step::Cap { id, cap } => model.agents.get_mut(id).unwrap().cap = *cap,
        Step::Open {
            id,
            skill,
            bot,
            email,
            ..
        } => {
            let state = if *bot {
                MState::Bot
            } else {
                MState::Queued(None)
            };
            let weight = if *email { 500 } else { 1000 };
            model.convs.insert(
                *id,
                MConv {
                    state,
                    skill: *skill,
                    weight,
                },
            );
        }
        Step::Park { id } => {
            let MState::Assigned(a) = model.convs[id].state else {
                unreachable!()
            };
            model.convs.get_mut(id).unwrap().state = MState::Parked(Some(a));
        }
        Step::Resolve { id } => model.convs.get_mut(id).unwrap().state = MState::Resolved,
        Step::ToGroup { id, skill } => {
            let c = model.convs.get_mut(id).unwrap();
            c.skill = Some((*skill, 1));
            c.state = MState::Queued(None);
        }
        Step::ToAgent { id, agent } => {
            model.convs.get_mut(id).unwrap().state = MState::Queued(Some(*agent))
        }
        Step::Escalate { id } => model.convs.get_mut(id).unwrap().state = MState::Queued(None),
        Step::Customer { id } => {
            if model.convs[id].state == MState::Parked(None) {
                model.convs.get_mut(id).unwrap().state = MState::Queued(None);
            }
        }
        Step::Agent { .. } | Step::Tick { .. } => {}
    }
    for d in decisions {
        match d {
            Decision::Assigned {
                conversation,
                agent,
                via,
                load,
                cap,
            } => {
                let c = model.convs[&conversation.0].clone();
                let a = &model.agents[&agent.0];
                prop_assert!(
                    model.eligible(agent.0, &c),
                    "{:?} to an ineligible agent",
                    d
                );
                match via {
                    AssignVia::Resumed => prop_assert!(a.status != AgentStatus::Offline),
                    _ => prop_assert_eq!(a.status, AgentStatus::Online, "{:?}", d),
                }
                // New work only when the load plus the thread's weight fits
                // the cap (also after a cap was lowered below the load).
                prop_assert!(load <= cap, "{:?}", d);
                prop_assert_eq!(cap.0, a.cap * 1000, "{:?}", d);
                model.convs.get_mut(&conversation.0).unwrap().state = MState::Assigned(agent.0);
                prop_assert_eq!(load.0, model.load(agent.0), "{:?}", d);
            }
            Decision::Requeued { conversation, .. } | Decision::Queued { conversation } => {
                model.convs.get_mut(&conversation.0).unwrap().state = MState::Queued(None);
            }
            Decision::WaitingForAgent {
                conversation,
                agent,
                ..
            } => {
                model.convs.get_mut(&conversation.0).unwrap().state = MState::Queued(Some(agent.0));
            }
            Decision::Parked {
                conversation,
                agent,
                ..
            } => {
                model.convs.get_mut(&conversation.0).unwrap().state = MState::Parked(Some(agent.0));
            }
            Decision::Released { conversation, .. } => {
                model.convs.get_mut(&conversation.0).unwrap().state = MState::Parked(None);
            }
            _ => {}
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn engine_agrees_with_the_reference_model(steps in proptest::collection::vec(step(), 1..60)) {
        run(steps)?;
    }
}
