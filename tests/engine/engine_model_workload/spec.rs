//! What the workload model generates: the rules of a case, the commands
//! of a day, and each step as the engine's command.

use proptest::prelude::*;
use switchboard::*;

pub const AGENTS: u64 = 4;
pub const CONVERSATIONS: u64 = 14;
pub const CHANNELS: [Channel; 3] = [Channel::Sms, Channel::Web, Channel::Email];

#[derive(Clone, Debug)]
pub struct Rules {
    pub caps: [u32; AGENTS as usize],
    pub wrap_hold: Option<u32>,
    pub tenant: Option<u32>,
    pub team_cap: Option<u32>,
    pub rate: Option<(u32, u64)>,
    pub sms_parked: Option<u32>,
    pub interrupt: bool,
    pub no_answer: Option<(u64, u32)>,
    /// The web wrap-up's mode: 0 optional, 1 time-boxed (no early end
    /// before `WRAP_MIN`), else without early end.
    pub wrap_mode: u8,
}

/// How long a web wrap-up lasts, and the least a time-boxed one does.
pub const WRAP_TIME: TimeSpan = TimeSpan::from_secs(60);
pub const WRAP_MIN: TimeSpan = TimeSpan::from_secs(40);

impl Rules {
    /// The web wrap-up's mode.
    pub fn wrap_mode(&self) -> WrapUpMode {
        match self.wrap_mode {
            0 => WrapUpMode::Optional,
            1 => WrapUpMode::TimeBoxed { min: WRAP_MIN },
            _ => WrapUpMode::NoEarlyEnd,
        }
    }
}

#[derive(Clone, Debug)]
pub enum Step {
    Open {
        id: u64,
        channel: usize,
    },
    Resolve {
        id: u64,
    },
    Park {
        id: u64,
    },
    Customer {
        id: u64,
    },
    Answer {
        id: u64,
    },
    Status {
        agent: u64,
        online: bool,
    },
    Tick {
        secs: u64,
    },
    TeamCap {
        max: Option<u32>,
    },
    /// The tenant's cap changed (lowered under load, raised, removed).
    TenantCap {
        max: Option<u32>,
    },
    ChannelCap {
        agent: u64,
        channel: usize,
        max: Option<u32>,
    },
    Pull {
        agent: u64,
    },
    EndWrapUp {
        id: u64,
    },
    /// An agent's own weight for a channel, in milli-units (`None`: the
    /// channel's).
    ChannelWeight {
        agent: u64,
        channel: usize,
        weight: Option<u32>,
    },
    /// An agent's own rate limit, (max, window in seconds) (`None`: their
    /// team's).
    AgentRate {
        agent: u64,
        limit: Option<(u32, u64)>,
    },
    /// An agent's pull maximum, in units (`None`: their cap).
    PullCap {
        agent: u64,
        cap: Option<u32>,
    },
}

pub fn rules() -> impl Strategy<Value = Rules> {
    let rules = (
        prop::array::uniform4(1u32..=3),
        prop::option::of(0u32..=1000),
        prop::option::of(1u32..=8),
        prop::option::of(0u32..=5),
        prop::option::of((1u32..=3, 10u64..=120)),
        prop::option::of(0u32..=1000),
        any::<bool>(),
        prop::option::of((10u64..=90, 0u32..=2)),
    )
        .prop_map(
            |(caps, wrap_hold, tenant, team_cap, rate, sms_parked, interrupt, no_answer)| Rules {
                caps,
                wrap_hold,
                tenant,
                team_cap,
                rate,
                sms_parked,
                interrupt,
                no_answer,
                wrap_mode: 0,
            },
        );
    (rules, 0u8..3).prop_map(|(r, wrap_mode)| Rules { wrap_mode, ..r })
}

pub fn step() -> impl Strategy<Value = Step> {
    let id = 1..=CONVERSATIONS;
    let agent = 1..=AGENTS;
    prop_oneof![
        4 => (id.clone(), 0..CHANNELS.len()).prop_map(|(id, channel)| Step::Open { id, channel }),
        2 => id.clone().prop_map(|id| Step::Resolve { id }),
        1 => id.clone().prop_map(|id| Step::Park { id }),
        1 => id.clone().prop_map(|id| Step::Customer { id }),
        2 => id.clone().prop_map(|id| Step::Answer { id }),
        1 => (agent.clone(), any::<bool>()).prop_map(|(agent, online)| Step::Status { agent, online }),
        2 => (1u64..=100).prop_map(|secs| Step::Tick { secs }),
        1 => prop::option::of(0u32..=5).prop_map(|max| Step::TeamCap { max }),
        1 => prop::option::of(1u32..=8).prop_map(|max| Step::TenantCap { max }),
        1 => (agent.clone(), 0..CHANNELS.len(), prop::option::of(0u32..=2))
            .prop_map(|(agent, channel, max)| Step::ChannelCap { agent, channel, max }),
        2 => agent.clone().prop_map(|agent| Step::Pull { agent }),
        2 => id.prop_map(|id| Step::EndWrapUp { id }),
        1 => (agent.clone(), 0..CHANNELS.len(), prop::option::of(250u32..=2500))
            .prop_map(|(agent, channel, weight)| Step::ChannelWeight { agent, channel, weight }),
        1 => (agent.clone(), prop::option::of((1u32..=3, 10u64..=120)))
            .prop_map(|(agent, limit)| Step::AgentRate { agent, limit }),
        1 => (agent, prop::option::of(1u32..=5)).prop_map(|(agent, cap)| Step::PullCap { agent, cap }),
    ]
}

pub fn config(r: &Rules) -> EngineConfig {
    let mut w = WorkloadConfig::default();
    if let Some(hold) = r.wrap_hold {
        let rule = WrapUpRule {
            mode: r.wrap_mode(),
            time: WRAP_TIME,
            hold_permille: hold,
        };
        w.wrap_up.insert(Channel::Web, rule);
    }
    w.tenant_max_live = r.tenant;
    if let Some(permille) = r.sms_parked {
        w.parked_permille.insert(Channel::Sms, permille);
    }
    if r.interrupt {
        w.interruptions
            .insert(Channel::Sms, [Channel::Web, Channel::Email].into());
    }
    w.no_answer = r.no_answer.map(|(after, max_hops)| NoAnswerRule {
        after: TimeSpan::from_secs(after),
        set_away: false,
        max_hops,
        last: NoAnswerFinal::KeepAndWarn,
    });
    EngineConfig::builder()
        .open_conversations(OpenConversations::Unlimited)
        .workload(w)
        .build()
        .expect("valid config")
}

pub fn team(max: Option<u32>, rate: Option<(u32, u64)>) -> Command {
    Command::SetTeam {
        team: TeamId(1),
        name: "team".into(),
        members: vec![AgentId(1), AgentId(2), AgentId(3)],
        max_live: max,
        rate_limit: rate.map(|(max, secs)| RateLimit {
            max,
            window: TimeSpan::from_secs(secs),
        }),
    }
}

pub fn command(e: &Engine, step: &Step) -> Option<Command> {
    let owner = |id: u64| match e.conversation(ConversationId(id)).ok()?.state {
        ConversationState::Assigned { agent } => Some(agent),
        _ => None,
    };
    Some(match *step {
        Step::Open { id, channel } => Command::open(ConversationId(id), CustomerId(id % 5))
            .channel(CHANNELS[channel])
            .into(),
        Step::Resolve { id } => Command::Resolve {
            conversation: ConversationId(id),
            reason: ResolveReason::Solved,
        },
        Step::Park { id } => Command::Park {
            conversation: ConversationId(id),
        },
        Step::Customer { id } => Command::CustomerMessage {
            conversation: ConversationId(id),
        },
        Step::Answer { id } => Command::AgentMessage {
            conversation: ConversationId(id),
            agent: owner(id)?,
        },
        Step::Status { agent, online } => Command::SetAgentStatus {
            agent: AgentId(agent),
            status: if online {
                AgentStatus::Online
            } else {
                AgentStatus::Offline
            },
        },
        Step::Tick { .. } => Command::Tick,
        Step::TeamCap { .. } => return None,
        Step::TenantCap { max } => Command::SetTenantCap { max_live: max },
        Step::ChannelCap {
            agent,
            channel,
            max,
        } => Command::SetChannelCap {
            agent: AgentId(agent),
            channel: CHANNELS[channel],
            max_live: max,
        },
        Step::Pull { agent } => Command::PullNext {
            agent: AgentId(agent),
        },
        Step::EndWrapUp { id } => {
            // The first conversation in wrap-up from `id` on, round.
            let (id, wrap) = (0..CONVERSATIONS)
                .map(|k| (id - 1 + k) % CONVERSATIONS + 1)
                .find_map(|c| Some((c, e.wrap_up(ConversationId(c)).ok()??)))?;
            Command::EndWrapUp {
                conversation: ConversationId(id),
                agent: wrap.agent,
            }
        }
        Step::ChannelWeight {
            agent,
            channel,
            weight,
        } => Command::SetChannelWeight {
            agent: AgentId(agent),
            channel: CHANNELS[channel],
            weight: weight.map(Capacity),
        },
        Step::AgentRate { agent, limit } => Command::SetRateLimit {
            agent: AgentId(agent),
            limit: limit.map(|(max, secs)| RateLimit {
                max,
                window: TimeSpan::from_secs(secs),
            }),
        },
        Step::PullCap { agent, cap } => Command::SetPullCap {
            agent: AgentId(agent),
            pull_cap: cap.map(Capacity::units),
        },
    })
}
